"""The audit trail: who saw residents' personal data whole, who was refused, who signed in."""

from __future__ import annotations

from collections.abc import Sequence

from db.engine import Database
from db.models import AuditEntry
from resolvers.actor import Actor


async def record_personal_read(
    db: Database, actor: Actor | None, kind: str, ids: Sequence[int], client: str = ""
) -> None:
    # Its own short transaction: a read must be audited even when the rest of the operation is a query.
    async with db.write() as session:
        session.add(
            AuditEntry(
                actor_user_id=actor.user_id if actor else None,
                action="READ_PERSONAL",
                target=kind,
                detail=",".join(str(i) for i in ids)[:4000],
                client=client,
            )
        )
