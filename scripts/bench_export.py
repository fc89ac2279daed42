"""How much memory and time the register of requests takes to export (issue 13, item 2). A
benchmark: it prints figures and judges none.

python3 scripts/bench_export.py                  # 100,000 requests on SQLite (a temp file)
python3 scripts/bench_export.py --requests 10000
python3 scripts/bench_export.py --database-url postgresql://postgres@127.0.0.1:5432/bench

It builds N synthetic requests with the same builder as scripts/bench.py (about 20% in the queue,
72% answered), then exports the queue and the closed requests as CSV and as XLSX through the
export's own code (the query of the queue's filters, the batches, the writers, the audit event),
reading every byte of each response as a server would. Each export runs twice: once for its time,
once under tracemalloc for the peak of memory Python allocated while it ran. An export that held
its rows would grow with them; one that streams stays flat from thousands of rows to a hundred
thousand.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _bootstrap import PYTHON, ROOT, VENV, ensure_environment


def resident_mb() -> float:
    """This process's resident memory now (Linux), in MB; 0 where it cannot be read."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def export_once(app, staff_id: int, view: str, file_format: str, *, traced: bool) -> dict:
    """One export, read to its last byte: seconds, bytes, rows, and the peak of traced memory."""
    from sqlalchemy import select

    from portal.extensions import db
    from portal.models import AuditEvent, User
    from portal.web.staff import export, queue

    with app.test_request_context(f"/staff/register/{view}.{file_format}"):
        staff = db.session.get(User, staff_id)
        filters = queue.read_filters(view)
        query = queue.requests_of(filters, staff, *export.columns(queue.ASSIGNEE))
        gc.collect()
        rss_before = resident_mb()
        if traced:
            tracemalloc.start()
        started = time.perf_counter()
        response = export.respond(
            file_format, query, staff=staff, what={"view": view, "filters": {}, "valid": True}
        )
        size = 0
        for chunk in response.response:
            size += len(chunk)
        response.close()
        seconds = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1] if traced else 0
        if traced:
            tracemalloc.stop()
        rows = db.session.scalars(
            select(AuditEvent.details)
            .where(AuditEvent.action == "register.exported")
            .order_by(AuditEvent.id.desc())
            .limit(1)
        ).one()["rows"]
        db.session.remove()
    return {
        "seconds": seconds,
        "bytes": size,
        "rows": rows,
        "peak_mb": peak / 2**20,
        "rss_growth_mb": resident_mb() - rss_before,
    }


def run(args, url: str) -> int:
    import bench_data
    from flask_migrate import upgrade

    from portal import create_app
    from portal.extensions import db

    backend = url.split(":", 1)[0].split("+")[0]
    print(f"register export benchmark: {args.requests:,} requests on {backend}")
    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        built = bench_data.build(app, args.requests, echo=lambda *a, **k: None)
        db.engine.dispose()
    print(f"built in {built.seconds:.0f} s")
    staff_id = 1  # the contact person, the builder's first account
    print(f"{'export':<16}{'rows':>9}{'size MB':>9}{'seconds':>9}{'rows/s':>9}{'peak MB':>9}")
    for view in ("queue", "closed"):
        for file_format in ("csv", "xlsx"):
            timed = export_once(app, staff_id, view, file_format, traced=False)
            traced = export_once(app, staff_id, view, file_format, traced=True)
            print(
                f"{view + '.' + file_format:<16}{timed['rows']:>9,}"
                f"{timed['bytes'] / 2**20:>9.1f}{timed['seconds']:>9.2f}"
                f"{timed['rows'] / max(timed['seconds'], 1e-9):>9,.0f}{traced['peak_mb']:>9.1f}"
            )
    print(
        "peak MB: the most memory Python held at once during the export (tracemalloc), "
        f"process resident memory now {resident_mb():.0f} MB"
    )
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=100_000, help="default 100,000")
    parser.add_argument("--database-url", help="PostgreSQL (default: a SQLite temp file)")
    args = parser.parse_args()
    if Path(sys.prefix).resolve() != VENV.resolve():
        ensure_environment("dev")  # openpyxl and the rest of the locked environment
        os.execv(str(PYTHON), [str(PYTHON), __file__, *sys.argv[1:]])  # noqa: S606
    sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)
    import bench

    with tempfile.TemporaryDirectory(prefix="portal-bench-export-") as temp:
        url, cleanup = bench.database(args, Path(temp))
        try:
            return run(args, url)
        finally:
            if cleanup:
                cleanup()


if __name__ == "__main__":
    sys.exit(main())
