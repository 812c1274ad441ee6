"""`make test`: the suite on the embedded default (SQLite + memory broadcast) and — when
TEST_DATABASE_URL / TEST_REDIS_URL are set, as .ci/run sets them — on PostgreSQL + Redis.
Each pass runs in its own database; the closing line sums both passes.

The two passes run at the same time: most of the suite waits (for servers to start, events to
arrive, timeouts to pass), and one after the other they took half an hour on a slow 2-core
machine with the CPU idle most of it. Nothing is shared between them: the PostgreSQL pass makes
its own database and Redis prefix, every server takes a free port, the fault tests their own
private services. The first pass prints as it goes, the second when it is done.
EHY_TEST_SERIAL=1 runs them one after the other.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from typing import IO


def _start(env: dict[str, str], extra: list[str], out: IO[str] | None) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *extra],
        env=env, stdout=out if out is not None else subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )


def _counts(code: int, last: str) -> tuple[int, int, int, int]:
    counts = {k: int(n) for n, k in re.findall(r"(\d+) (passed|failed|skipped|errors?)", last)}
    failed = counts.get("failed", 0) + counts.get("error", 0) + counts.get("errors", 0)
    if code not in (0,) and failed == 0:
        failed = 1  # pytest exited badly without counting a failure (collection error, no tests)
    return code, counts.get("passed", 0), failed, counts.get("skipped", 0)


def _summary(line: str, last: str) -> str:
    return line if re.search(r"\d+ (passed|failed|error)", line) else last


def run_live(name: str, proc: subprocess.Popen) -> tuple[int, int, int, int]:
    print(f"\n===== test pass: {name} =====", flush=True)
    last = ""
    assert proc.stdout is not None
    for line in proc.stdout:
        sys.stdout.write(line)
        last = _summary(line, last)
    return _counts(proc.wait(), last)


def run_buffered(name: str, proc: subprocess.Popen, out: IO[str]) -> tuple[int, int, int, int]:
    code = proc.wait()
    out.seek(0)
    print(f"\n===== test pass: {name} (ran alongside the one above) =====", flush=True)
    last = ""
    for line in out:
        sys.stdout.write(line)
        last = _summary(line, last)
    sys.stdout.flush()
    return _counts(code, last)


def main() -> int:
    extra = sys.argv[1:]
    base = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "BROADCAST_URL")}
    passes = [("sqlite + memory", {**base, "EHY_TEST_BACKEND": "sqlite"})]
    if os.environ.get("TEST_DATABASE_URL"):
        passes.append(("postgresql + redis", {**base, "EHY_TEST_BACKEND": "postgres"}))
    results = []
    if os.environ.get("EHY_TEST_SERIAL") == "1" or len(passes) == 1:
        for name, env in passes:
            results.append(run_live(name, _start(env, extra, None)))
    else:
        (first, first_env), (second, second_env) = passes
        with tempfile.TemporaryFile("w+", encoding="utf-8") as out:
            behind = _start(second_env, extra, out)
            try:
                results.append(run_live(first, _start(first_env, extra, None)))
            finally:
                results.append(run_buffered(second, behind, out))
    passed = sum(r[1] for r in results)
    failed = sum(r[2] for r in results)
    skipped = sum(r[3] for r in results)
    ok = all(r[0] == 0 for r in results)
    print(f"\n{passed} passed, {failed} failed, {skipped} skipped")
    return 0 if ok and passed > 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
