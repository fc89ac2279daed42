"""Shared by scripts/demo.py and scripts/test.py: a virtual environment with the locked versions.

Only the Python standard library is used here, so the scripts run on a machine that has nothing
but Python and git.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
CONSTRAINTS = ROOT / "requirements" / "constraints.txt"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")


def say(message: str) -> None:
    print(f"==> {message}", flush=True)


def run(*args: str | Path, env: dict | None = None) -> None:
    subprocess.run([str(a) for a in args], cwd=ROOT, env=env, check=True)


def ensure_environment(extras: str = "") -> None:
    """Create .venv and install the project with the locked versions, when anything changed."""
    if sys.version_info < (3, 11):  # noqa: UP036 - these scripts may be run by an older Python
        sys.exit("Python 3.11 or newer is needed (this is {}.{}).".format(*sys.version_info[:2]))
    if not PYTHON.exists():
        say(f"creating a virtual environment in {VENV.name}/")
        venv.EnvBuilder(with_pip=True).create(VENV)
    stamp = VENV / f".install-stamp{('-' + extras) if extras else ''}"
    digest = hashlib.sha256(
        CONSTRAINTS.read_bytes() + (ROOT / "pyproject.toml").read_bytes() + extras.encode()
    ).hexdigest()
    if not stamp.exists() or stamp.read_text() != digest:
        say("installing the locked dependencies (first run takes a minute)")
        target = f".[{extras}]" if extras else "."
        run(PYTHON, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
        run(PYTHON, "-m", "pip", "install", "--quiet", "-c", CONSTRAINTS, "-e", target)
        stamp.write_text(digest)
    # The compiled message catalogs are built, not committed.
    run(PYTHON, "-m", "babel.messages.frontend", "compile", "-d", ROOT / "portal" / "translations")
