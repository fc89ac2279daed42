"""Install and run the whole test suite: lint, then pytest (unit, integration, browser).

python3 scripts/test.py                 # everything, on SQLite
TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test python3 scripts/test.py
python3 scripts/test.py -k outbox       # arguments go to pytest
"""

from __future__ import annotations

import subprocess
import sys

from _bootstrap import PYTHON, ROOT, ensure_environment, say


def main() -> int:
    ensure_environment("dev")
    say("ruff")
    lint = subprocess.call([str(PYTHON), "-m", "ruff", "check", "."], cwd=ROOT)
    lint = lint or subprocess.call([str(PYTHON), "-m", "ruff", "format", "--check", "."], cwd=ROOT)
    if lint:
        return lint
    say("pytest")
    return subprocess.call([str(PYTHON), "-m", "pytest", *sys.argv[1:]], cwd=ROOT)


if __name__ == "__main__":
    sys.exit(main())
