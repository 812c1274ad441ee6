"""Command line: `python -m db.manage setup|migrate|seed`.

`setup` is what `make run` calls: migrate to head, then seed the demo district in demo mode, with
DEMO_REQUESTS (default 8,000) generated requests of the last DEMO_DAYS days (db/generate.py).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys

from config import DEMO_DAYS, load_settings
from db import migrate
from db.engine import Database
from db.seed import seed_demo


async def _seed(url: str, demo_requests: int) -> dict:
    db = Database.from_url(url)
    try:
        result = await seed_demo(db, progress=sys.stderr.isatty() or True)
        # Only into a district seeded just now: a second start, or a district already holding
        # requests, gets nothing more.
        if result.get("seeded") and demo_requests > 0:
            from db.generate import generate

            history = await generate(db, demo_requests, seed=1, days=DEMO_DAYS, progress=True)
            result["requests"] = history.summary()
        return result
    finally:
        await db.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m db.manage")
    parser.add_argument("command", choices=["setup", "migrate", "seed"])
    args = parser.parse_args(argv)
    settings = load_settings()
    if settings.is_sqlite:
        from config import VAR_DIR

        VAR_DIR.mkdir(parents=True, exist_ok=True)
    if args.command in ("setup", "migrate"):
        migrate.upgrade(settings.database_url)
        print("migrated to head", file=sys.stderr)
    if args.command == "seed" or (args.command == "setup" and settings.demo):
        result = asyncio.run(_seed(settings.database_url, settings.demo_requests))
        print(json.dumps(result, ensure_ascii=False), file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
