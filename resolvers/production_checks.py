"""What production refuses at start-up once the database is reachable (config.py refuses the rest
before: a missing or demo secret key, DEMO on, an audit retention under six months).

A database that was once seeded in demo mode keeps the demo logins (admin, dispatcher, … with
the password "demo", SPEC §3) even after DEMO is turned off: anyone who has read the README
could sign in as an administrator. So production does not start while any active demo login
still has the demo password."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from config import ConfigError
from db.engine import Database
from db.models import User
from resolvers.passwords import verify_password

DEMO_LOGINS = ("admin", "dispatcher", "street", "community", "grid", "leader", "fieldhead", "department", "district",
               "partner", "volunteer", "evaluator")
DEMO_PASSWORD = "demo"


async def demo_logins_with_demo_password(db: Database) -> list[str]:
    u = User.__table__
    async with db.read() as conn:
        rows = (await conn.execute(select(u.c.username, u.c.password_hash)
                                   .where(u.c.username.in_(DEMO_LOGINS), u.c.is_active.is_(True)))).all()
    # The seed gives every demo login the same hash: check each distinct hash once (~0.1 s each).
    hashes = sorted({r.password_hash for r in rows})
    verdicts = dict(zip(hashes, await asyncio.gather(*(verify_password(h, DEMO_PASSWORD) for h in hashes))))
    return sorted(r.username for r in rows if verdicts[r.password_hash])


async def refuse_demo_logins(db: Database) -> None:
    found = await demo_logins_with_demo_password(db)
    if found:
        raise ConfigError(
            f"The database still holds demo logins with the demo password ({', '.join(found)}): production refuses to "
            "start. Start once without APP_ENV=production (DEMO=0) and, as an administrator, disable these accounts or "
            "give them real passwords (系统管理 › 用户; disableUser, changeMyPassword), or use a database never seeded in "
            "demo mode.")
