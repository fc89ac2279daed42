"""How fast the staff pages are at scale, beside a bare Flask page (issue 14). A benchmark: it
prints figures and judges none.

python3 scripts/bench.py              # 100,000 requests on SQLite (a temp file)
python3 scripts/bench.py --quick      # 1,000 requests, fewer rounds: a smoke run
python3 scripts/bench.py --database-url postgresql://postgres@127.0.0.1:5432/bench

It builds N synthetic requests (20% in the queue) through the project's migrations, serves the
portal with gunicorn (2 sync workers) as production does, signs in as the contact person (password
and authenticator code) and times 30 sequential requests of each staff page, the landing page and
a bare Flask page (scripts/bench_bare.py: one indexed query, a count and a Jinja table) on the same
database and server setup. Then: SQL statements per page (one request each, in process), requests
per second under 10 concurrent connections, each worker's resident memory, and mail delivered per
second by ``flask outbox send --worker`` into an SMTP sink on loopback.

On PostgreSQL the given database must exist; everything goes into a schema of its own, dropped
at the end, so nothing else in that database is touched.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import secrets
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _bootstrap import PYTHON, ROOT, VENV, ensure_environment


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile: the value at or below which ``share`` of the values lie."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * share // 1))
    return ordered[int(rank) - 1]


def database(args, workdir: Path):
    """The URL to measure on, and how to clean it up afterwards."""
    if not args.database_url:
        return f"sqlite:///{workdir / 'bench.sqlite3'}", None
    import sqlalchemy as sa

    from config import database_url

    base = database_url(args.database_url)
    schema = f"bench_{secrets.token_hex(4)}"
    engine = sa.create_engine(base)
    with engine.begin() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in base else "?"

    def cleanup() -> None:
        with engine.begin() as connection:
            connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()

    return f"{base}{separator}options=-csearch_path%3D{schema}", cleanup


def production_env(url: str, workdir: Path, mail_port: int) -> dict[str, str]:
    """The environment gunicorn and the mail worker run with: production, on this database."""
    return {
        **os.environ,
        "PORTAL_ENV": "production",
        "DATABASE_URL": url,
        "BENCH_DATABASE_URL": url,
        "SECRET_KEY": secrets.token_urlsafe(48),
        "SUPPRESSION_KEY": secrets.token_urlsafe(48),
        "PORTAL_BASE_URL": "https://tietosuoja.wprod.example",
        "PORTAL_INSTANCE_DIR": str(workdir / "instance"),
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(mail_port),
        "MAIL_DEFAULT_SENDER": "WProd Oy <tietosuoja@wprod.example>",
        "PYTHONPATH": str(ROOT),
    }


def pages(app, built, quick: bool) -> tuple[list[tuple[str, str, bool]], list[str]]:
    """(label, path, signed in) for each page measured, and notes on the pages that are absent."""
    from urllib.parse import quote

    staff = [
        ("queue", "/staff/"),
        ("queue: open", "/staff/?status=open"),
        ("queue: waiting", "/staff/?status=waiting"),
        ("queue: erasure", "/staff/?kind=erasure"),
        ("queue: unassigned", "/staff/?assignee=none"),
        ("queue: mine", "/staff/?assignee=me"),
        ("queue: overdue", "/staff/?due=overdue"),
        ("queue: due in a week", "/staff/?due=week"),
        *((f"search: {what}", f"/staff/?q={quote(value)}") for what, value in built.search.items()),
        ("unconfirmed", "/staff/unconfirmed"),
        ("closed, page 1", "/staff/closed"),
    ]
    last = min(500, built.closed_pages)
    staff.append((f"closed, page {last}", f"/staff/closed?page={last}"))
    staff.append(("ticket", f"/staff/requests/{built.ticket_id}"))
    notes = []
    rules = {rule.endpoint: rule for rule in app.url_map.iter_rules()}
    with app.test_request_context():
        from flask import url_for

        if "staff.dashboard" in rules:
            staff.append(("dashboard", url_for("staff.dashboard")))
        else:
            notes.append("dashboard: no staff.dashboard route in this version, skipped")
        if "staff.yearly_report" in rules:
            # Last year: a whole year of requests, as the report is read in January.
            year = date.today().year - 1
            staff.append((f"yearly report {year}", url_for("staff.yearly_report", year=year)))
        exports = [
            (name, rule)
            for name, rule in sorted(rules.items())
            if name.startswith("staff.export") and "GET" in rule.methods
        ]
        for name, rule in exports:
            if not rule.arguments:
                staff.append((f"export ({name.split('.', 1)[1]})", url_for(name)))
            elif rule.arguments == {"view_name", "file_format"}:
                # The register as a file: the closed view holds four in five of all requests.
                for view, file_format in (("closed", "csv"), ("queue", "csv"), ("closed", "xlsx")):
                    path = url_for(name, view_name=view, file_format=file_format)
                    staff.append((f"export {view}.{file_format}", path))
        if not exports:
            notes.append("CSV export: no staff.export* route in this version, skipped")
    return [("landing page", "/", False), *((lbl, p, True) for lbl, p in staff)], notes


def report_table(rows: list[dict], bare: dict) -> None:
    header = f"{'page':<26} {'median ms':>9} {'p95 ms':>8} {'× bare':>7} {'SQL':>5}  note"
    print(header)
    print("-" * len(header))
    for row in [*rows, bare]:
        ratio = row["median"] / bare["median"] if bare["median"] else 0
        sql = "" if row.get("sql") is None else str(row["sql"])
        print(
            f"{row['label']:<26} {row['median']:>9.1f} {row['p95']:>8.1f} {ratio:>7.1f} "
            f"{sql:>5}  {row.get('note', '')}"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, help="synthetic requests (default 100,000)")
    parser.add_argument("--quick", action="store_true", help="1,000 requests, 10 rounds, 2 s loads")
    parser.add_argument("--database-url", help="PostgreSQL (default: a SQLite temp file)")
    parser.add_argument("--rounds", type=int, help="sequential requests per page (default 30)")
    parser.add_argument("--concurrency", type=int, default=10)
    parser.add_argument("--seconds", type=float, help="length of each load run (default 10)")
    parser.add_argument("--mail", type=int, help="messages the mail worker delivers (default 1000)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    args = parser.parse_args()
    args.requests = args.requests or (1_000 if args.quick else 100_000)
    args.rounds = args.rounds or (10 if args.quick else 30)
    args.seconds = args.seconds or (2.0 if args.quick else 10.0)
    args.mail = args.mail or (200 if args.quick else 1_000)

    if Path(sys.prefix).resolve() != VENV.resolve():
        # From a fresh clone: the locked environment first (the SMTP sink is a dev extra).
        ensure_environment("dev")
        os.execv(str(PYTHON), [str(PYTHON), __file__, *sys.argv[1:]])  # noqa: S606
    sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)
    with tempfile.TemporaryDirectory(prefix="portal-bench-") as temp:
        workdir = Path(temp)
        url, cleanup = database(args, workdir)
        try:
            return run(args, url, workdir)
        finally:
            if cleanup:
                cleanup()


def run(args, url: str, workdir: Path) -> int:
    import bench_data
    import bench_serve
    from flask_migrate import upgrade

    from portal import create_app
    from portal.extensions import db

    backend = url.split(":", 1)[0].split("+")[0]
    print(
        f"portal benchmark: {args.requests:,} requests on {backend}, {os.cpu_count()} CPUs, "
        f"load average {os.getloadavg()[0]:.1f} at the start"
    )
    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context(), contextlib.redirect_stderr(io.StringIO()):
        # The migrations' own log (each one's description) is not a figure.
        started = time.monotonic()
        upgrade()
        migrated = time.monotonic() - started
        built = bench_data.build(app, args.requests)
        db.engine.dispose()
    counts = ", ".join(f"{name} {count:,}" for name, count in built.counts.items())
    print(f"built in {migrated + built.seconds:.0f} s (migrations {migrated:.1f} s): {counts}")
    if args.requests <= 10_000:
        # The rows written in bulk must pass for the portal's own: their audit chains verify.
        from portal import audit

        with app.app_context():
            checked = audit.verify()
            db.engine.dispose()
        state = "verify" if checked.ok else f"DO NOT verify: {checked.breaks[0]}"
        print(f"audit trail: {checked.chains:,} chains of {checked.events:,} events {state}")

    measured, notes = pages(app, built, args.quick)
    sink = bench_serve.Sink().start()
    env = production_env(url, workdir, sink.port)
    sql = bench_serve.statements_per_page(app, built, measured)
    with (
        bench_serve.Gunicorn("wsgi:app", env, args.workers, workdir) as portal,
        bench_serve.Gunicorn("bench_bare:make_app()", env, args.workers, workdir) as bare,
    ):
        cookie = bench_serve.sign_in_over_http(app, portal.port, built)
        bare_times = bench_serve.timed(bare.port, "/", None, args.rounds)
        rows = []
        for label, path, signed_in in measured:
            # An export of every row takes seconds (a spreadsheet far more): fewer rounds, after
            # the pages before have warmed the workers, tell as much.
            rounds = args.rounds
            if "export" in label:
                rounds = min(args.rounds, 1 if "xlsx" in label else 3)
            times, status = bench_serve.timed(
                portal.port,
                path,
                cookie if signed_in else None,
                rounds,
                warm_up=0 if "export" in label else 2,
            )
            row = summary(label, times)
            row["sql"] = sql.get(label)
            if status != 200:
                row["note"] = f"HTTP {status}"
            elif rounds != args.rounds:
                row["note"] = f"{rounds} round{'s' if rounds != 1 else ''}"
            rows.append(row)
        bare_row = summary("bare Flask page", bare_times[0])
        bare_row["sql"] = 2
        print()
        print(
            f"{args.rounds} sequential requests per page, gunicorn {args.workers} sync "
            "workers; '× bare': median over the bare page's median"
        )
        report_table(rows, bare_row)
        for note in notes:
            print(f"note: {note}")

        print()
        print(f"requests per second, {args.concurrency} connections, {args.seconds:g} s each:")
        floor = bench_serve.load(bare.port, "/", None, args.concurrency, args.seconds)
        for label, path, signed_in in (measured[0], measured[1]):
            rate = bench_serve.load(
                portal.port, path, cookie if signed_in else None, args.concurrency, args.seconds
            )
            print(f"  {label:<24} {rate:>8.1f} req/s  {rate / floor:>6.3f}× bare")
        print(f"  {'bare Flask page':<24} {floor:>8.1f} req/s")
        rss = ", ".join(f"{kb / 1024:.0f} MB" for kb in portal.worker_rss())
        bare_rss = ", ".join(f"{kb / 1024:.0f} MB" for kb in bare.worker_rss())
        print(f"resident memory per worker after the run: portal {rss}; bare page {bare_rss}")

    print()
    mail = bench_serve.mail_rate(app, env, sink, args.mail)
    print(
        f"mail: {mail.delivered} of {args.mail} messages delivered by flask outbox send --worker "
        f"in {mail.seconds:.1f} s: {mail.rate:.0f} messages/s "
        f"(first to last arrival; {mail.duplicates} delivered twice, {mail.pending} left pending)"
    )
    sink.stop()
    # Other work on the machine slows every figure alike; the ratios suffer less.
    print(f"load average {os.getloadavg()[0]:.1f} at the end")
    return 0


def summary(label: str, times: list[float]) -> dict:
    ms = [t * 1000 for t in times]
    return {"label": label, "median": statistics.median(ms), "p95": percentile(ms, 0.95)}


if __name__ == "__main__":
    sys.exit(main())
