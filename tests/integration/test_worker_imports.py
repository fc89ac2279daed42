"""A web worker starts without the modules that only a rare feature, or another database, uses:
each is imported where it is needed, and a worker that never needs it never holds it (issue 14:
at most 80 MB per worker)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Each module, and what imports it when it is needed.
NOT_AT_START = {
    # 2 MB with its drivers' modules: the audit trail's and the kept figures' upserts.
    "sqlalchemy.dialects.postgresql": "a worker on PostgreSQL",
    # 0.8 MB: the QR code of an authenticator app's enrolment.
    "segno": "portal.accounts.second_factor.qr_code_data_uri",
    # Delivering mail: ``flask outbox send`` (portal.mail.sender, portal.mail.transports).
    "flask_mail": "portal.mail.transports",
    "smtplib": "portal.mail.transports",
}


def test_a_worker_on_sqlite_starts_without_what_its_pages_do_not_use(tmp_path):
    url = f"sqlite:///{tmp_path / 'portal.sqlite3'}"
    code = (
        "import sys\n"
        "from portal import create_app\n"
        "from portal.extensions import db\n"
        f"app = create_app({{'SQLALCHEMY_DATABASE_URI': {url!r}}})\n"
        "with app.app_context():\n"
        "    db.create_all()\n"
        "    assert app.test_client().get('/').status_code == 200\n"
        f"print(' '.join(name for name in {sorted(NOT_AT_START)!r} if name in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert done.stdout.strip() == ""
