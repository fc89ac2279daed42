"""``flask`` commands, one module per group: staff accounts, the mail sender, the privacy mailbox,
the daily request jobs, demo data, the register's systems, the audit trail's chains.

Command modules import the domain and register commands; nothing in the domain imports them.
"""

from __future__ import annotations

from flask import Flask


def register_commands(app: Flask) -> None:
    from portal.cli import audit, demo, inbox, outbox, requests, staff, systems

    for module in (staff, outbox, inbox, demo, requests, systems, audit):
        app.cli.add_command(module.group)
