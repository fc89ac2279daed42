"""A restriction (GDPR Art. 18(1)) or an objection to direct marketing (Art. 21(3)) carried out
in a connected database by setting the column the system itself reads (the schema file's
``restriction_flag`` / ``marketing_flag``) on every row of the person in that table.

One transaction: the person is found again inside it and exactly their rows are set, or nothing
is (a row count that differs rolls back). The rows are read again afterwards, and what was read
is the evidence, as keys and counts.
"""

from __future__ import annotations

import sqlalchemy as sa

from portal.register.erasure.execute import CHUNK, Executor, Stale, _key_value
from portal.register.erasure.plan import SystemPlan, plain_key
from portal.register.findings import Identity


def flag_tables(executor: Executor, kind: str) -> list:
    return [t for t in executor.system.schema.tables if t.flag(kind) is not None]


def set_flags(executor: Executor, identity: Identity, kind: str) -> dict:
    """{table: {column, value, keys, set, verified}} for each table with a flag of ``kind``;
    Stale, Unreachable or Misconfigured when nothing was set."""
    connection = executor.connection
    result: dict[str, dict] = {}

    def work(db_connection) -> None:
        finding = connection._find(db_connection, identity)
        tables = connection.reflect(db_connection)
        for described in flag_tables(executor, kind):
            flag = described.flag(kind)
            table = tables[described.name]
            primary = table.c[described.primary_key]
            keys = list(finding.keys.get(described.name, []))
            done = 0
            for start in range(0, len(keys), CHUNK):
                chunk = keys[start : start + CHUNK]
                done += db_connection.execute(
                    sa.update(table).where(primary.in_(chunk)).values({flag.column: flag.value})
                ).rowcount
            if done != len(keys):
                raise Stale(SystemPlan(executor.system.key, "found"))
            result[described.name] = {
                "column": flag.column,
                "value": flag.value,
                "keys": [plain_key(k) for k in keys],
                "set": done,
            }

    executor._write(work)

    def read(db_connection) -> None:
        tables = connection.reflect(db_connection)
        for name, outcome in result.items():
            described = executor.system.schema.table(name)
            table = tables[name]
            primary = table.c[described.primary_key]
            keys = [_key_value(primary, k) for k in outcome["keys"]]
            outcome["verified"] = sum(
                db_connection.scalar(
                    sa.select(sa.func.count())
                    .select_from(table)
                    .where(
                        primary.in_(keys[i : i + CHUNK]),
                        table.c[outcome["column"]] == outcome["value"],
                    )
                )
                for i in range(0, len(keys), CHUNK)
            )

    connection._run(read)
    return result
