"""No secret is committed (issue #9, part 6): the tracked files hold no private key, no provider
token, no password inside a URL, no secret-bearing file, and the documented demo password only
where demo seeding, tests, benches and the README use it."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SECRET_FILES = re.compile(r"(^|/)(\.env(\..+)?|id_rsa|id_ed25519|.*\.(pem|key|p12|pfx|jks|keystore))$")
PATTERNS = {
    "private key": re.compile(r"-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----"),
    "AWS access key": re.compile(r"\bAKIA[0-9A-Z]{16}\b"),
    "GitHub token": re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{40,})\b"),
    "Slack token": re.compile(r"\bxox[abprs]-[A-Za-z0-9-]{10,}"),
    "Google API key": re.compile(r"\bAIza[0-9A-Za-z_-]{35}\b"),
    "API secret key": re.compile(r"\bsk-[A-Za-z0-9]{32,}\b"),
    "JSON web token": re.compile(r"\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{20,}"),
    # scheme://user:password@host — a placeholder in angle brackets or ${VAR} is fine.
    "password in a URL": re.compile(r"\b[a-z][a-z0-9+.-]*://[^\s/:@'\"<>]+:(?!<|\$\{|\*+@)[^\s/@'\"<>]+@"),
}
DEMO_PASSWORD = re.compile(r"""password\W{0,6}["'`]demo["'`]|PASSWORD\s*=\s*["']demo["']""", re.IGNORECASE)
DEMO_PASSWORD_ALLOWED = ("tests/", "bench/", "README.md", "db/seed", "resolvers/production_checks.py")
# This file names the patterns it looks for.
SELF = "tests/test_no_secrets.py"


def tracked() -> list[str]:
    out = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, check=True, capture_output=True).stdout
    return [p for p in out.decode().split("\0") if p and (ROOT / p).is_file()]


def text_of(path: str) -> str | None:
    data = (ROOT / path).read_bytes()
    if b"\0" in data[:8192]:
        return None  # binary (images, fonts)
    return data.decode("utf-8", errors="replace")


def test_the_scan_sees_the_repository() -> None:
    files = tracked()
    assert "app.py" in files and "config.py" in files and len(files) > 100


def test_no_secret_bearing_files_are_tracked() -> None:
    assert [p for p in tracked() if SECRET_FILES.search(p)] == []


def test_no_keys_tokens_or_passwords_in_urls() -> None:
    found = []
    for path in tracked():
        if path == SELF or (text := text_of(path)) is None:
            continue
        for what, pattern in PATTERNS.items():
            for m in pattern.finditer(text):
                line = text.count("\n", 0, m.start()) + 1
                found.append(f"{path}:{line}: {what}: {m.group(0)[:40]}…")
    assert found == []


def test_the_demo_password_appears_only_where_demo_mode_is_documented_or_seeded() -> None:
    found = []
    for path in tracked():
        if path == SELF or path.startswith(DEMO_PASSWORD_ALLOWED) or (text := text_of(path)) is None:
            continue
        for m in DEMO_PASSWORD.finditer(text):
            found.append(f"{path}:{text.count(chr(10), 0, m.start()) + 1}: {m.group(0)}")
    assert found == []


def test_the_patterns_do_catch_what_they_look_for() -> None:
    """The scan is only worth as much as its patterns: each catches a sample of its kind."""
    samples = {
        "private key": "-----BEGIN RSA PRIVATE KEY-----",
        "AWS access key": "AKIA" + "ABCDEFGHIJKLMNOP",
        "GitHub token": "ghp_" + "a1" * 18,
        "Slack token": "xoxb-" + "1234567890-abc",
        "Google API key": "AIza" + "x" * 35,
        "API secret key": "sk-" + "A1" * 16,
        "JSON web token": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
        "password in a URL": "postgresql://app:" + "s3cret" + "@db.internal/ehuying",
    }
    for what, sample in samples.items():
        assert PATTERNS[what].search(sample), what
    assert not PATTERNS["password in a URL"].search("postgresql://postgres@127.0.0.1:5432/test")
    assert not PATTERNS["password in a URL"].search("postgresql://app:<password>@db/ehuying")
    assert DEMO_PASSWORD.search('{"username": "admin", "password": "demo"}')
    assert SECRET_FILES.search("deploy/.env") and SECRET_FILES.search("certs/server.key")
