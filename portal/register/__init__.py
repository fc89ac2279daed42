"""The register's systems: the controller's own data stores, connected (issue 11).

The notice file lists the systems (``portal.notice.model.System``); this package reaches them.
``connections`` gives each system a ``Connection`` -- a database the portal reads itself, or a
task for the system's owner -- that is checked (``check``) and searched for a person (``find``)
the same way whatever its kind. A search returns a ``Finding``: what the system holds about an
``Identity``, in memory only; the audit trail gets its ``summary()``, counts and keys without
values (GDPR Art. 5(1)(c)). ``lookup`` searches every system at once and records that it did.
"""

from portal.register.connections import Connection, connection_for, connections
from portal.register.findings import Finding, FoundPerson, Identity

__all__ = ["Connection", "Finding", "FoundPerson", "Identity", "connection_for", "connections"]
