"""scripts/bench.py keeps working (issue 14, item 1): a tiny run on SQLite builds its data
through the migrations, serves the portal and the bare page under gunicorn, signs in as staff
with the second factor, and prints every figure. Times are not judged: it is a benchmark."""

from __future__ import annotations

import os
import re
import subprocess
import sys

from tests.conftest import REPO_ROOT


def test_a_small_benchmark_run_prints_every_figure(tmp_path):
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    for name in ("PORTAL_ENV", "DATABASE_URL", "SECRET_KEY", "MAIL_SERVER", "MAIL_PORT"):
        env.pop(name, None)
    run = subprocess.run(
        [
            sys.executable,
            "scripts/bench.py",
            "--requests",
            "200",
            "--rounds",
            "2",
            "--seconds",
            "0.5",
            "--mail",
            "20",
        ],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    out = run.stdout
    assert run.returncode == 0, run.stdout + run.stderr
    assert "200 requests on sqlite" in out
    assert re.search(r"audit trail: [\d,]+ chains of [\d,]+ events verify$", out, re.M), out
    # Every page answered 200 (a failed sign-in would leave "HTTP 302" notes), with a time,
    # a ratio to the bare page and its SQL statement count.
    rows = {
        match["page"].strip(): match
        for match in re.finditer(
            r"^(?P<page>[a-z][a-zA-Z0-9 ,:()_.]+?) +(?P<median>\d+\.\d) +(?P<p95>\d+\.\d) +"
            r"(?P<ratio>\d+\.\d) +(?P<sql>\d*) +(?P<note>.*)$",
            out,
            re.MULTILINE,
        )
    }
    for page in (
        "landing page",
        "queue",
        "queue: overdue",
        "search: email",
        "search: customer number",
        "closed, page 1",
        "ticket",
        "export closed.csv",
        "bare Flask page",
    ):
        assert page in rows, f"no figures for {page!r} in:\n{out}"
        assert "HTTP" not in rows[page]["note"], out
    assert int(rows["queue"]["sql"]) > 0
    assert rows["bare Flask page"]["ratio"] == "1.0"
    assert re.search(r"queue\s+\d+\.\d req/s\s+\d\.\d{3}× bare", out), out
    assert re.search(r"portal \d+ MB, \d+ MB; bare page \d+ MB, \d+ MB", out), out
    # Every message delivered, none twice, none left behind.
    assert re.search(r"mail: 20 of 20 messages .*: \d+ messages/s", out), out
    assert "0 delivered twice, 0 left pending" in out
    # Nothing of the run is left behind: the temporary directory it used is gone.
    assert not list(tmp_path.glob("portal-bench-*"))
