"""Production refuses to start with a demo or weak secret, with DEMO on, with an audit retention
under six months, or with demo logins still holding the demo password (issue #9, part 6)."""

from __future__ import annotations

import asyncio
import dataclasses
import secrets
import tempfile
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update

from config import ConfigError, Settings, load_settings
from db import migrate
from db.engine import Database
from db.models import User
from resolvers.passwords import hash_password
from resolvers.production_checks import DEMO_LOGINS, demo_logins_with_demo_password

GOOD_KEY = secrets.token_urlsafe(48)


@pytest.fixture
def production(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in ("SECRET_KEY", "DEMO", "AUDIT_RETENTION_DAYS", "LOG_FORMAT", "METRICS_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("DATABASE_URL", "postgresql://app@db.internal/ehuying")
    return monkeypatch


def test_a_missing_secret_is_refused(production: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigError, match="SECRET_KEY is missing"):
        load_settings()


@pytest.mark.parametrize("key, why", [
    ("demo", "demo/test value"),
    ("changeme", "demo/test value"),
    ("test-secret-" + "0123456789abcdef" * 3, "demo/test value"),  # the test suite's, however long
    ("bench-secret", "demo/test value"),
    ("short-but-random-Zq8", "shorter than 32"),
    ("ab" * 20, "repeats too few characters"),
])
def test_a_demo_test_or_weak_secret_is_refused(production: pytest.MonkeyPatch, key: str, why: str) -> None:
    production.setenv("SECRET_KEY", key)
    with pytest.raises(ConfigError, match=why):
        load_settings()


def test_demo_mode_is_refused(production: pytest.MonkeyPatch) -> None:
    production.setenv("SECRET_KEY", GOOD_KEY)
    production.setenv("DEMO", "1")
    with pytest.raises(ConfigError, match="DEMO is on"):
        load_settings()


def test_a_good_configuration_starts_with_production_defaults(production: pytest.MonkeyPatch) -> None:
    production.setenv("SECRET_KEY", GOOD_KEY)
    s = load_settings()
    assert s.env == "production" and not s.demo and s.secret_key == GOOD_KEY
    assert s.log_format == "json" and s.audit_retention_days == 400 and s.metrics_token == ""
    assert not s.introspection and not s.explorer
    production.setenv("LOG_FORMAT", "xml")
    with pytest.raises(ConfigError, match="LOG_FORMAT"):
        load_settings()
    production.setenv("APP_ENV", "development")
    production.delenv("LOG_FORMAT")
    assert load_settings().log_format == "text"


async def test_production_refuses_a_database_with_demo_logins(settings: Settings, app: Any) -> None:
    """The suite's own database was seeded in demo mode: production must not start on it."""
    from app import create_app

    prod = create_app(dataclasses.replace(settings, env="production", demo=False, secret_key=GOOD_KEY))
    with pytest.raises(ConfigError, match="demo logins with the demo password") as refused:
        async with prod.router.lifespan_context(prod):
            pass
    assert "admin" in str(refused.value) and "dispatcher" in str(refused.value)


async def test_production_starts_once_the_demo_logins_are_gone(settings: Settings) -> None:
    from app import create_app

    path = Path(tempfile.mkdtemp(prefix="ehy-prod-")) / "prod.sqlite3"
    url = f"sqlite+aiosqlite:///{path}"
    await asyncio.to_thread(migrate.upgrade, url)  # alembic runs its own event loop
    db = Database.from_url(url)
    try:
        demo_hash, own_hash = await hash_password("demo"), await hash_password(secrets.token_urlsafe(16))
        async with db.write() as session:
            session.add(User(username="admin", display_name="管理员", role="ADMIN", password_hash=own_hash))
            # A demo login that was disabled is harmless: it cannot sign in.
            session.add(User(username="dispatcher", display_name="调度", role="CENTER_DISPATCHER", password_hash=demo_hash, is_active=False))
            session.add(User(username="someone", display_name="某人", role="ADMIN", password_hash=demo_hash))  # not a demo login
        assert await demo_logins_with_demo_password(db) == []

        prod = create_app(dataclasses.replace(settings, env="production", demo=False, secret_key=GOOD_KEY, database_url=url,
                                              photo_dir=path.parent))
        async with prod.router.lifespan_context(prod):
            assert prod.state.audit_sink is not None  # started

        async with db.write() as session:
            await session.execute(update(User).where(User.username == "admin").values(password_hash=demo_hash))
        assert await demo_logins_with_demo_password(db) == ["admin"]
        with pytest.raises(ConfigError, match=r"\(admin\)"):
            async with prod.router.lifespan_context(prod):
                pass
    finally:
        await db.dispose()


def test_the_demo_logins_checked_are_the_seeded_ones() -> None:
    from db.seed import demo_users, plan_district

    assert sorted(u["username"] for u, _ in demo_users(plan_district())) == sorted(DEMO_LOGINS)
