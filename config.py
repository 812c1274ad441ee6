"""Configuration from the environment, read once at start-up.

Every setting has a default that suits the embedded single-process mode (SQLite + in-memory
broadcast); production sets them explicitly (see README, "Running in production").
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VAR_DIR = Path(os.environ.get("VAR_DIR", ROOT / "var"))


class ConfigError(RuntimeError):
    pass


def _bool(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def normalise_database_url(url: str) -> str:
    """Accept the URLs people paste (postgres://, sqlite:///file) and pick the async drivers."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+asyncpg://" + url[len("postgresql://") :]
    if url.startswith("sqlite://") and not url.startswith("sqlite+aiosqlite://"):
        url = "sqlite+aiosqlite://" + url[len("sqlite://") :]
    return url


# Keys that have been in examples, benches and tests: signing with one of them lets anyone who
# has read this repository mint tokens.
KNOWN_WEAK_KEYS = frozenset({"demo", "secret", "changeme", "change-me", "test", "dev", "development", "password",
                             "secret_key", "secret-key", "bench-secret", "your-secret-key", "please-change-me"})
WEAK_KEY_PREFIXES = ("test-secret", "bench-", "demo-", "dev-", "example", "changeme")
MIN_SECRET_LENGTH = 32


def weak_secret(key: str) -> str | None:
    """Why `key` must not sign production tokens, or None."""
    lowered = key.strip().lower()
    if lowered in KNOWN_WEAK_KEYS or lowered.startswith(WEAK_KEY_PREFIXES):
        return "it is a demo/test value"
    if len(key) < MIN_SECRET_LENGTH:
        return f"it is shorter than {MIN_SECRET_LENGTH} characters"
    if len(set(key)) < 10:
        return "it repeats too few characters to be random"
    return None


def _secret_key(env: str) -> tuple[str, bool]:
    """Return (key, generated). Only the embedded default may generate and keep one under var/."""
    given = os.environ.get("SECRET_KEY")
    if given:
        if env == "production" and (why := weak_secret(given)):
            raise ConfigError(f"SECRET_KEY is unfit for production ({why}); generate one with "
                              "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`.")
        return given, False
    if env == "production":
        raise ConfigError("SECRET_KEY is missing: production refuses to start with a generated key.")
    path = VAR_DIR / "secret_key"
    if path.exists():
        return path.read_text().strip(), True
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key, True


# A demo district's history: about a month of the real district's volume (235,000 a year),
# spread over the last DEMO_DAYS days so that last year's evaluation and this year's KPIs,
# trends and league tables all have data.
DEMO_REQUESTS = 8000
DEMO_DAYS = 700


@dataclass(frozen=True)
class Settings:
    env: str
    database_url: str
    broadcast_url: str
    secret_key: str
    demo: bool
    host: str
    port: int
    token_ttl_seconds: int = 12 * 3600
    max_page_size: int = 100
    introspection: bool = True
    explorer: bool = True
    log_level: str = "INFO"
    channel_prefix: str = ""
    sweep_seconds: float = 60.0
    # Anonymous QR intake: (submissions, seconds) per building code and per client address.
    qr_limit_per_token: tuple[int, int] = (10, 3600)
    qr_limit_per_client: tuple[int, int] = (60, 3600)
    # Size limits of /graphql (schema/http.py), refused with 413 REQUEST_TOO_LARGE: JSON bodies and GET
    # query strings; multipart uploads in all (9 photos of 10 MiB each, plus the operation).
    max_request_bytes: int = 1024 * 1024
    max_upload_bytes: int = 91 * 1024 * 1024
    # Browser origins allowed to call the API from another site (CORS_ORIGINS); none by default.
    cors_origins: tuple[str, ...] = ()
    photo_dir: Path = VAR_DIR / "photos"
    # Requests with histories generated into a freshly seeded demo district (db.manage setup), so
    # that the wall, the reports and the KPIs have something to show; 0 for an empty district.
    demo_requests: int = 0
    # Audit rows older than this are purged (resolvers/audit_retention.py); never under MIN_AUDIT_RETENTION_DAYS.
    audit_retention_days: int = 400
    # "json" or "text": load_settings configures logging (schema/logs.py); "" leaves it to the host (tests, embedding).
    log_format: str = ""
    # Bearer token for GET /metrics from anywhere but loopback; empty: loopback only.
    metrics_token: str = ""
    # Known query documents run by the compiled executor (schema/compiled/); COMPILED_QUERIES=0 turns it off.
    compiled_queries: bool = True
    # Seconds a signed-in caller is remembered between operations (schema/actor_cache.py); 0: read every time.
    actor_cache_seconds: float = 2.0
    # Seconds an answer of a read query is kept while nothing changes (schema/response_cache.py); 0: off.
    response_cache_seconds: float = 1.0
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


MIN_AUDIT_RETENTION_DAYS = 183  # the audit trail is kept at least six months


def _audit_retention_days(value: str | None) -> int:
    try:
        days = int(value) if value not in (None, "") else 400
    except ValueError:
        raise ConfigError(f"AUDIT_RETENTION_DAYS={value!r} is not a whole number of days.") from None
    if days < MIN_AUDIT_RETENTION_DAYS:
        raise ConfigError(f"AUDIT_RETENTION_DAYS={days} is below the minimum of {MIN_AUDIT_RETENTION_DAYS} days: "
                          "the audit trail must be kept at least six months.")
    return days


def _log_format(value: str | None, production: bool) -> str:
    chosen = (value or ("json" if production else "text")).strip().lower()
    if chosen not in ("json", "text"):
        raise ConfigError(f"LOG_FORMAT={value!r}: use json or text.")
    return chosen


def cors_origins(value: str | None) -> tuple[str, ...]:
    """CORS_ORIGINS: origins (scheme://host[:port]) separated by commas or spaces."""
    origins = tuple(o.strip().rstrip("/") for o in (value or "").replace(",", " ").split() if o.strip())
    for origin in origins:
        scheme, _, rest = origin.partition("://")
        if scheme not in ("http", "https") or not rest or "/" in rest:
            raise ConfigError(f"CORS_ORIGINS: {origin!r} is not an origin like https://console.example.gov.cn")
    return origins


def load_settings() -> Settings:
    env = os.environ.get("APP_ENV", "development").strip().lower()
    database_url = normalise_database_url(
        os.environ.get("DATABASE_URL") or f"sqlite+aiosqlite:///{VAR_DIR / 'ehuying.sqlite3'}"
    )
    demo = _bool(os.environ.get("DEMO"), default=env != "production")
    if env == "production" and demo:
        raise ConfigError("DEMO is on: production refuses demo data and demo logins.")
    secret_key, _ = _secret_key(env)
    production = env == "production"
    return Settings(
        env=env,
        database_url=database_url,
        broadcast_url=os.environ.get("BROADCAST_URL") or "memory://",
        secret_key=secret_key,
        demo=demo,
        host=os.environ.get("HOST", "127.0.0.1"),
        port=int(os.environ.get("PORT", "8000")),
        token_ttl_seconds=int(os.environ.get("TOKEN_TTL_SECONDS", str(12 * 3600))),
        introspection=_bool(os.environ.get("INTROSPECTION"), default=not production),
        explorer=_bool(os.environ.get("EXPLORER"), default=not production),
        log_level=os.environ.get("LOG_LEVEL", "INFO").upper(),
        channel_prefix=os.environ.get("CHANNEL_PREFIX", ""),
        sweep_seconds=float(os.environ.get("SWEEP_SECONDS", "60")),
        qr_limit_per_token=(int(os.environ.get("QR_LIMIT_PER_TOKEN", "10")), 3600),
        qr_limit_per_client=(int(os.environ.get("QR_LIMIT_PER_CLIENT", "60")), 3600),
        max_request_bytes=int(os.environ.get("MAX_REQUEST_BYTES", str(1024 * 1024))),
        max_upload_bytes=int(os.environ.get("MAX_UPLOAD_BYTES", str(91 * 1024 * 1024))),
        cors_origins=cors_origins(os.environ.get("CORS_ORIGINS")),
        photo_dir=Path(os.environ.get("PHOTO_DIR") or VAR_DIR / "photos"),
        demo_requests=int(os.environ.get("DEMO_REQUESTS", str(DEMO_REQUESTS))) if demo else 0,
        audit_retention_days=_audit_retention_days(os.environ.get("AUDIT_RETENTION_DAYS")),
        log_format=_log_format(os.environ.get("LOG_FORMAT"), production),
        metrics_token=os.environ.get("METRICS_TOKEN", "").strip(),
        compiled_queries=_bool(os.environ.get("COMPILED_QUERIES"), default=True),
        actor_cache_seconds=max(0.0, float(os.environ.get("ACTOR_CACHE_SECONDS", "2"))),
        response_cache_seconds=max(0.0, float(os.environ.get("RESPONSE_CACHE_SECONDS", "1"))),
    )
