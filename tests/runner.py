"""`make test`: the suite on the embedded default (SQLite + memory broadcast), then — when
TEST_DATABASE_URL / TEST_REDIS_URL are set, as .ci/run sets them — again on PostgreSQL + Redis.
Each pass runs in its own database; the closing line sums both passes."""

from __future__ import annotations

import os
import re
import subprocess
import sys


def run_pass(name: str, env: dict[str, str], extra: list[str]) -> tuple[int, int, int, int]:
    print(f"\n===== test pass: {name} =====", flush=True)
    proc = subprocess.Popen(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *extra],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    last = ""
    assert proc.stdout is not None
    for line in proc.stdout:
        sys.stdout.write(line)
        if re.search(r"\d+ (passed|failed|error)", line):
            last = line
    code = proc.wait()
    counts = {k: int(n) for n, k in re.findall(r"(\d+) (passed|failed|skipped|errors?)", last)}
    failed = counts.get("failed", 0) + counts.get("error", 0) + counts.get("errors", 0)
    if code not in (0,) and failed == 0:
        failed = 1  # pytest exited badly without counting a failure (collection error, no tests)
    return code, counts.get("passed", 0), failed, counts.get("skipped", 0)


def main() -> int:
    extra = sys.argv[1:]
    base = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "BROADCAST_URL")}
    passes = [("sqlite + memory", {**base, "EHY_TEST_BACKEND": "sqlite"})]
    if os.environ.get("TEST_DATABASE_URL"):
        passes.append(("postgresql + redis", {**base, "EHY_TEST_BACKEND": "postgres"}))
    results = [run_pass(name, env, extra) for name, env in passes]
    passed = sum(r[1] for r in results)
    failed = sum(r[2] for r in results)
    skipped = sum(r[3] for r in results)
    ok = all(r[0] == 0 for r in results)
    print(f"\n{passed} passed, {failed} failed, {skipped} skipped")
    return 0 if ok and passed > 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
