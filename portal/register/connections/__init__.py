"""How the portal reaches each system: one small interface, one module per kind.

The request rules hold a ``Connection`` and never ask which kind it is: a database the portal reads
itself (``database``), a person who is asked to act (``task``), and later an HTTP API, are all
checked and searched the same way. ``connection_for`` picks the kind from the notice's system.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Protocol

from portal.notice.model import System
from portal.register.findings import Finding, Identity

DEFAULT_TIMEOUT = 5.0


class Connection(Protocol):
    system: System

    def check(self) -> list[str]:
        """Problems that stop the portal from using the system; [] when it is ready."""
        ...

    def find(self, identity: Identity) -> Finding:
        """What the system holds about ``identity``. Never raises for a fault of the system: a
        system that is down, slow or misdescribed gives a Finding saying so."""
        ...


class TaskConnection:
    """A system the portal does not reach itself: its owner looks, when asked (a task)."""

    def __init__(self, system: System) -> None:
        self.system = system

    def check(self) -> list[str]:
        return []

    def find(self, identity: Identity) -> Finding:
        return Finding(self.system.key, "manual")


class UnconfiguredConnection:
    """A database system whose URL is not set on this server: shown, never fatal."""

    def __init__(self, system: System) -> None:
        self.system = system

    @property
    def problem(self) -> str:
        return f"not configured (set {self.system.url_env})"

    def check(self) -> list[str]:
        return [self.problem]

    def find(self, identity: Identity) -> Finding:
        return Finding(self.system.key, "misconfigured", problem=self.problem)


def database_url_of(system: System, config: Mapping) -> str | None:
    """The system's URL: the app setting of that name, else the environment variable."""
    if system.url_env is None:
        return None
    return config.get(system.url_env) or os.environ.get(system.url_env) or None


def connection_for(system: System, config: Mapping) -> Connection:
    if system.connection == "task":
        return TaskConnection(system)
    url = database_url_of(system, config)
    if not url:
        return UnconfiguredConnection(system)
    from portal.register.connections.database import DatabaseConnection

    timeout = float(config.get("REGISTER_TIMEOUT") or DEFAULT_TIMEOUT)
    return DatabaseConnection(system, url, timeout=timeout)


def connections(systems: tuple[System, ...], config: Mapping) -> list[Connection]:
    return [connection_for(system, config) for system in systems]
