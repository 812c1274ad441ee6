"""Command line: `python -m db.manage setup|migrate|seed|backup <path>|restore <path> [--force]`.

`setup` is what `make run` calls: migrate to head, then seed the demo district in demo mode, with
DEMO_REQUESTS (default 8,000) generated requests of the last DEMO_DAYS days (db/generate.py).
`backup` and `restore` work on the DATABASE_URL's database (db/backup.py): a SQLite file or a
pg_dump custom archive; restore refuses a non-empty database unless --force and migrates an
older backup to this code's schema afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys

from config import DEMO_DAYS, VAR_DIR, load_settings, normalise_database_url
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


def _backup_or_restore(args: argparse.Namespace) -> int:
    from db import backup

    # Only the database URL: a nightly backup job needs no SECRET_KEY and must not create one.
    url = normalise_database_url(os.environ.get("DATABASE_URL") or f"sqlite+aiosqlite:///{VAR_DIR / 'ehuying.sqlite3'}")
    try:
        if args.command == "backup":
            outcome = backup.backup(url, args.path)
        else:
            outcome = backup.restore(url, args.path, force=args.force)
    except backup.BackupError as exc:
        print(f"{args.command}: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(outcome.as_dict(), ensure_ascii=False), file=sys.stderr)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m db.manage")
    parser.add_argument("command", choices=["setup", "migrate", "seed", "backup", "restore"])
    parser.add_argument("path", nargs="?", help="backup/restore: the backup file")
    parser.add_argument("--force", action="store_true", help="restore: replace the content of a non-empty database")
    args = parser.parse_args(argv)
    if args.command in ("backup", "restore"):
        if not args.path:
            parser.error(f"{args.command} needs the backup file's path")
        return _backup_or_restore(args)
    if args.path or args.force:
        parser.error(f"{args.command} takes no path and no --force")
    settings = load_settings()
    if settings.is_sqlite:
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
