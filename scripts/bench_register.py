"""How long finding one person across the register takes (issue 11, item 8: under a second for
100,000 customers and 1,000,000 invoices). A benchmark: it prints figures and judges none.

.venv/bin/python scripts/bench_register.py                      # SQLite files under instance/bench/
.venv/bin/python scripts/bench_register.py --reuse              # the register built last time
.venv/bin/python scripts/bench_register.py --customers 2000     # a smaller register
.venv/bin/python scripts/bench_register.py --panel-url postgresql://... --billing-url postgresql://...

The panel and billing URLs name two existing databases (or PostgreSQL schemas) that are empty or
hold the demo register: anything else is refused and left as it is. Each system is searched the
way the portal does it (``connection_for(system, app.config).find(identity)``, a fresh connection
each time), for Aino Virtanen and for random customers, by address, customer number and username.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections import defaultdict
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KINDS = ("email", "customer_number", "username")
# All three at once, as the portal looks a requester up once their request is confirmed.
ALL = "all_three"


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile: the value at or below which ``share`` of the values lie."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * share // 1))
    return ordered[int(rank) - 1]


class StatementCounter:
    """Counts the SQL statements every engine sends (the connection makes one per find)."""

    def __init__(self) -> None:
        import sqlalchemy as sa

        self.count = 0
        self.recorded: list[tuple[str, object]] | None = None
        sa.event.listen(sa.Engine, "before_cursor_execute", self._seen)

    def _seen(self, _conn, _cursor, statement, parameters, _context, _many) -> None:
        self.count += 1
        if self.recorded is not None:
            self.recorded.append((statement, parameters))


def build(args) -> tuple[str, str]:
    import sqlalchemy as sa

    from portal.register.demo import BILLING_TABLES, PANEL_TABLES, build_register

    if args.panel_url or args.billing_url:
        if not (args.panel_url and args.billing_url):
            sys.exit("Give both --panel-url and --billing-url, or neither.")
        panel_url, billing_url = args.panel_url, args.billing_url
    else:
        directory = Path(args.directory)
        directory.mkdir(parents=True, exist_ok=True)
        panel_url = f"sqlite:///{directory / 'wprod-panel.sqlite'}"
        billing_url = f"sqlite:///{directory / 'wprod-billing.sqlite'}"
    where = sa.make_url(panel_url).render_as_string(hide_password=True)
    print(f"register: {where} and its billing database", flush=True)
    built = build_register(
        panel_url,
        billing_url,
        today=date.today(),
        customers=args.customers,
        invoices_per_customer=args.invoices,
        reset=not args.reuse,
    )
    verb = "built in" if built.created else "reused, checked in"
    counts = ", ".join(f"{name} {count:,}" for name, count in built.counts.items())
    print(f"{verb} {built.seconds:.1f} s: {counts}", flush=True)
    if args.analyze:
        analyze(panel_url, PANEL_TABLES)
        analyze(billing_url, BILLING_TABLES)
    return panel_url, billing_url


def analyze(url: str, names: tuple[str, ...]) -> None:
    """The planner's statistics, as a live database has them (autovacuum, InnoDB's own): just
    after a bulk load PostgreSQL has none and may read a whole table instead of its index."""
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    quote = engine.dialect.identifier_preparer.quote
    dialect = engine.dialect.name
    with engine.begin() as connection:
        if dialect == "sqlite":
            connection.exec_driver_sql("ANALYZE")
        else:
            command = "ANALYZE TABLE" if dialect in ("mysql", "mariadb") else "ANALYZE"
            for name in names:
                connection.exec_driver_sql(f"{command} {quote(name)}")
    engine.dispose()


def sample(panel_url: str, how_many: int, seed: int) -> list[dict[str, str]]:
    """Aino first, then ``how_many`` customers picked at random, each with a username of theirs."""
    import sqlalchemy as sa

    from portal.register.demo.tables import customers, panel_users

    engine = sa.create_engine(panel_url)
    try:
        with engine.connect() as connection:
            highest = connection.scalar(sa.select(sa.func.max(customers.c.id)))
            # A seeded generator on purpose: the same customers every run, comparable figures.
            rng = random.Random(seed)  # noqa: S311
            ids = [1, *rng.sample(range(2, highest + 1), min(how_many, highest - 1))]
            query = (
                sa.select(customers.c.id, customers.c.email, customers.c.customer_number)
                .add_columns(sa.func.min(panel_users.c.username))
                .join(panel_users, panel_users.c.customer_id == customers.c.id)
                .where(customers.c.id.in_(ids))
                .group_by(customers.c.id, customers.c.email, customers.c.customer_number)
            )
            found = {row[0]: row[1:] for row in connection.execute(query)}
    finally:
        engine.dispose()
    return [
        {"email": found[i][0], "customer_number": str(found[i][1]), "username": found[i][2]}
        for i in ids
        if i in found
    ]


def measure(app, people: list[dict[str, str]], repeat: int, explain: bool) -> None:
    from portal.register.connections import connection_for
    from portal.register.findings import Identity

    counter = StatementCounter()
    systems = [s for s in app.extensions["notice"].systems if s.connection == "database"]
    connections = [connection_for(system, app.config) for system in systems]
    for connection in connections:
        problems, advice = connection.review()
        for line in problems + [f"advice: {a}" for a in advice] or ["ok"]:
            print(f"systems check {connection.system.key}: {line}")
    # (who, kind, system) -> seconds per find; (who, kind, system) -> rows, statements.
    times: dict[tuple, list[float]] = defaultdict(list)
    rows: dict[tuple, list[int]] = defaultdict(list)
    statements: dict[tuple, list[int]] = defaultdict(list)
    for connection in connections:  # one find first, so that no figure carries a cold start
        connection.find(Identity(email=people[0]["email"]))
    for index, person in enumerate(people):
        who = "Aino" if index == 0 else "random"
        for kind in (*KINDS, ALL):
            identity = identity_of(person, kind)
            for _ in range(repeat if index == 0 else 1):
                total = 0.0
                for connection in connections:
                    before = counter.count
                    started = time.perf_counter()
                    finding = connection.find(identity)
                    seconds = time.perf_counter() - started
                    if finding.state not in ("found", "not_found"):
                        raise RuntimeError(
                            f"{connection.system.key}: {finding.state} ({finding.problem})"
                        )
                    total += seconds
                    key = (who, kind, connection.system.key)
                    times[key].append(seconds)
                    rows[key].append(sum(finding.row_counts.values()))
                    statements[key].append(counter.count - before)
                times[(who, kind, "both")].append(total)
    report(times, rows, statements, people)
    if explain:
        explain_plans(connections, people[0], counter)


def identity_of(person: dict[str, str], kind: str):
    from portal.register.findings import Identity

    if kind == ALL:
        return Identity(**person)
    return Identity(**{"email": "", kind: person[kind]})


CATALOGUE = ("sqlite_master", "pg_catalog", "information_schema", "PRAGMA", "SHOW ")


def explain_plans(connections, person: dict[str, str], counter: StatementCounter) -> None:
    """The database's plan for every query a find of Aino sends: an index for each, or the
    table it reads whole."""
    from portal.register.connections.database import engine_for

    for connection in connections:
        engine = engine_for(connection.url, 60)
        dialect = engine.dialect.name
        prefix = "EXPLAIN QUERY PLAN " if dialect == "sqlite" else "EXPLAIN "
        for kind in KINDS:
            counter.recorded = []
            connection.find(identity_of(person, kind))
            sent, counter.recorded = counter.recorded, None
            for statement, parameters in sent:
                if any(word in statement for word in CATALOGUE):
                    continue  # reading the tables' description, not looking anyone up
                print(f"\n[{connection.system.key}, Aino by {kind}] {' '.join(statement.split())}")
                with engine.connect() as db:
                    plan = db.exec_driver_sql(prefix + statement, parameters).mappings().all()
                for step in plan:
                    print("    " + _plan_line(dialect, dict(step)))
        engine.dispose()


def _plan_line(dialect: str, step: dict) -> str:
    if dialect == "sqlite":
        return str(step["detail"])
    if dialect == "postgresql":
        return str(step["QUERY PLAN"])
    wanted = ("table", "type", "key", "rows", "Extra")
    return "  ".join(f"{name}={step.get(name)}" for name in wanted)


def report(times, rows, statements, people) -> None:
    print(f"\nfind() per identity kind and system, {len(people) - 1} random customers + Aino")
    header = (
        f"{'who':<7} {'kind':<16} {'system':<8} {'finds':>5} {'median ms':>10} {'p95 ms':>8} "
        f"{'max ms':>8} {'rows':>9} {'SQL/find':>9}"
    )
    print(header)
    print("-" * len(header))
    for (who, kind, system), values in sorted(times.items(), key=lambda item: _order(item[0])):
        ms = [v * 1000 for v in values]
        found = rows.get((who, kind, system))
        sent = statements.get((who, kind, system))
        row_text = _span(found) if found else ""
        sql_text = _span(sent) if sent else ""
        print(
            f"{who:<7} {kind:<16} {system:<8} {len(ms):>5} {statistics.median(ms):>10.1f} "
            f"{percentile(ms, 0.95):>8.1f} {max(ms):>8.1f} {row_text:>9} {sql_text:>9}"
        )
    print("(system 'both': one person across every database system, as a look-up does it)")


def _order(key: tuple) -> tuple:
    who, kind, system = key
    return (who != "Aino", (*KINDS, ALL).index(kind), system == "both", system)


def _span(values: list[int]) -> str:
    low, high = min(values), max(values)
    return str(low) if low == high else f"{low}-{high}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--invoices", type=int, default=10, help="invoices per customer, average")
    parser.add_argument("--reuse", action="store_true", help="use the register already built")
    parser.add_argument("--panel-url", help="the panel database (default: a SQLite file)")
    parser.add_argument("--billing-url", help="the billing database")
    parser.add_argument("--directory", default=str(ROOT / "instance" / "bench"))
    parser.add_argument("--sample", type=int, default=30, help="random customers to look up")
    parser.add_argument("--repeat", type=int, default=10, help="finds of Aino per kind")
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--explain", action="store_true", help="print each query's plan")
    parser.add_argument(
        "--no-analyze",
        dest="analyze",
        action="store_false",
        help="measure without gathering the planner's statistics first (as just after a load)",
    )
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from portal import create_app

    panel_url, billing_url = build(args)
    app = create_app(
        {"WPROD_PANEL_DATABASE_URL": panel_url, "WPROD_BILLING_DATABASE_URL": billing_url}
    )
    with app.app_context():
        measure(app, sample(panel_url, args.sample, args.seed), args.repeat, args.explain)
    return 0


if __name__ == "__main__":
    sys.exit(main())
