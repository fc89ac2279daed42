"""What a privacy notice holds, as frozen dataclasses, and the vocabulary its fields use."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

# Every localized field holds these languages: the original (Finnish for WProd Oy) and its
# translations, Swedish (Finland's other national language) and English. One more language is one
# more entry here and one more translation of each field in the notice file.
LANGUAGES = ("fi", "sv", "en")

# The sections every notice has, in order (GDPR Art. 13 and 14 information).
SECTION_KEYS = (
    "controller",
    "contact_person",
    "register",
    "purposes_and_legal_basis",
    "data_content",
    "sources",
    "disclosures_and_transfers",
    "security",
    "rights",
    "contact",
)
# These are drawn from the structured tables, so their text is not repeated in a body.
STRUCTURED_SECTIONS = frozenset({"controller", "contact_person", "register"})

# GDPR Art. 6(1)(b), (f), (c) and (a); the notice (§4) names the first two.
LEGAL_BASES = ("contract", "legitimate_interest", "legal_obligation", "consent")
# Processors act on the controller's behalf (Art. 28); authorities receive data where the law
# compels. Both are told of a rectification, erasure or restriction where Art. 19 requires it.
RECIPIENT_ROLES = ("processor", "authority")
# What an erasure request does to a category: "keep" where a law requires the controller to keep
# the data (Art. 17(3)(b)), e.g. the Accounting Act's retention of vouchers and books.
AFTER_ERASURE = ("erase", "keep")
# Keys are identifiers other code refers to, so they are kept plain.
KEY_PATTERN = re.compile(r"[a-z][a-z0-9_]*")
# The tables of keyed items a controller's addition can point into, and the top-level facts.
ADDITION_TABLES = ("purposes", "data_categories", "recipients")
ADDITION_FLAGS = ("automated_decisions", "transfers_outside_eea")
# The controller's systems (issue 11): how the portal reaches each one. A database it reads
# itself; a task is a person (the system's owner) asked to act. A later kind (an HTTP API) is one
# more entry here and one more connection in ``portal.register``.
CONNECTIONS = ("database", "task")
# What a person can be found by in a register: the confirmed email address and the identifiers
# the requester gave.
IDENTITY_KINDS = ("email", "customer_number", "username", "business_id")
# What an erasure does to a table's rows: the row goes, some columns change, or the row stays
# because a law requires it to be kept (GDPR Art. 17(3)(b)).
TABLE_ERASURE = ("delete", "update", "keep")
# What an erasure does to one column of a row that stays.
COLUMN_ERASURE = ("blank", "mask", "keep")


class NoticeError(ValueError):
    """The notice file is missing, unreadable or has a bad field."""

    def __init__(self, path: str | Path, field: str, problem: str) -> None:
        self.path = str(path)
        self.field = field
        self.problem = problem
        super().__init__(f"Privacy notice {self.path}: field '{field}' {problem}")


class Localized(dict):
    """A text in several languages; falls back to the notice's original language."""

    original: str = "fi"

    def in_language(self, language: str) -> str:
        return self.get(language) or self[self.original]


@dataclass(frozen=True)
class Address:
    street_address: str
    postal_code: str
    city: str

    @property
    def one_line(self) -> str:
        return f"{self.street_address}, {self.postal_code} {self.city}"


@dataclass(frozen=True)
class Controller:
    name: str
    address: Address
    phone: str


@dataclass(frozen=True)
class ContactPerson:
    name: str
    address: Address
    phone: str
    email: str


@dataclass(frozen=True)
class Register:
    name: Localized
    parts: tuple[Localized, ...]


@dataclass(frozen=True)
class SupervisoryAuthority:
    name: Localized
    address: Address
    postal_address: str
    phone: str
    email: str
    website: str


@dataclass(frozen=True)
class Section:
    number: int
    key: str
    title: Localized
    body: Localized | None


@dataclass(frozen=True)
class Purpose:
    key: str
    name: Localized
    legal_basis: str


@dataclass(frozen=True)
class Retention:
    """How long a category is kept, and on what legal ground (Art. 15(1)(d), 17(3)(b))."""

    period: Localized
    legal_ground: Localized
    after_erasure: str
    # Only for data kept after an erasure: how many years, counted from what.
    years: int | None
    counted_from: Localized | None

    @property
    def kept_after_erasure(self) -> bool:
        return self.after_erasure == "keep"


@dataclass(frozen=True)
class DataCategory:
    key: str
    name: Localized
    description: Localized
    # Index into ``Register.parts``; None for data outside the register (the portal's own records).
    register_part: int | None
    purposes: tuple[str, ...]
    retention: Retention


@dataclass(frozen=True)
class Recipient:
    key: str
    name: Localized
    description: Localized
    role: str
    categories: tuple[str, ...]


@dataclass(frozen=True)
class ControllerAddition:
    """A fact the portal needs that the notice's own text does not state.

    The sections of the notice are the controller's word, transcribed as written. The structured
    tables (purposes, categories, recipients, the Art. 15(1)(h) and transfer flags) must say
    nothing that text does not (``portal.notice.consistency`` checks them against it). Where the
    portal needs more than the text gives -- exact retention years, its own request records,
    which of two named bases fits which purpose -- the file says so in a
    ``[[controller_additions]]`` entry: the fields it ``covers``, a ``title``, the fact in plain
    words (``statement``, shown to the public and in answers as the controller's addition) and,
    for the controller, what the notice says instead and why the portal needs it (``note``).
    Administrators see every addition, with where the portal uses it, on the admin page "facts
    the notice does not state" and confirm them there; the confirmation is an audit event.

    ``covers`` holds paths: ``<table>.<key>`` (a whole purpose, category or recipient),
    ``<table>.<key>.<field>[.<field>]`` (one of its fields, e.g.
    ``data_categories.books.retention.years``), with ``*`` as the key for every item of the table,
    or a top-level fact such as ``automated_decisions``.
    """

    key: str
    covers: tuple[str, ...]
    title: Localized
    statement: Localized
    note: Localized

    def covers_path(self, path: str) -> bool:
        """Whether ``path`` (a concrete field, e.g. ``purposes.delivery.legal_basis``) is this
        addition's fact or part of it."""
        parts = path.split(".")
        return any(
            len(pattern.split(".")) <= len(parts) and _aligned(pattern.split("."), parts)
            for pattern in self.covers
        )

    def touches(self, path: str) -> bool:
        """Whether this addition covers ``path`` or any field inside it."""
        return any(_aligned(pattern.split("."), path.split(".")) for pattern in self.covers)


def _aligned(pattern: list[str], path: list[str]) -> bool:
    """The shorter of the two is a prefix of the other; ``*`` in the key place matches any key."""
    return all(
        wanted == part or (index == 1 and wanted == "*")
        for index, (wanted, part) in enumerate(zip(pattern, path, strict=False))
    )


@dataclass(frozen=True)
class SchemaColumn:
    """A column that holds personal data. Columns not listed (ids, foreign keys, timestamps) are
    read for keys only and never disclosed."""

    name: str
    category: str
    # "delete" when the whole row goes; otherwise one of COLUMN_ERASURE.
    erase: str
    # The data category whose retention keeps this column (erase "keep").
    keep_under: str | None
    disclose: bool
    # Why a held column is not disclosed (a password hash), said in the access package.
    withheld_reason: Localized | None


@dataclass(frozen=True)
class ParentLink:
    """A foreign key ``column`` of this table pointing at ``table``'s primary key."""

    table: str
    column: str


# The rights a system can carry out by setting a column of the person's record: a restriction of
# processing (GDPR Art. 18(1)) and an objection to direct marketing (Art. 21(3)).
FLAG_KINDS = {"restriction_flag": "restriction", "marketing_flag": "marketing_objection"}


@dataclass(frozen=True)
class Flag:
    """A column the system itself reads to stop processing: set to ``value`` when the right is
    carried out (``processing_restricted = true``, ``marketing_allowed = false``)."""

    kind: str
    column: str
    value: bool


@dataclass(frozen=True)
class SchemaTable:
    name: str
    primary_key: str
    parent: ParentLink | None
    # (identity kind, column): where a person is looked up in this table.
    find_by: tuple[tuple[str, str], ...]
    # The register's own contact address of the found person (for the identity check).
    contact_address: str | None
    erase: str
    keep_under: str | None
    # A date column the retention of a kept row is counted from.
    kept_from: str | None
    columns: tuple[SchemaColumn, ...]
    # Columns set by a restriction or a marketing objection (FLAG_KINDS).
    flags: tuple[Flag, ...] = ()

    def flag(self, kind: str) -> Flag | None:
        return next((f for f in self.flags if f.kind == kind), None)

    def column(self, name: str) -> SchemaColumn:
        return next(c for c in self.columns if c.name == name)

    @property
    def is_root(self) -> bool:
        return self.parent is None


@dataclass(frozen=True)
class Schema:
    """The tables of one database system that hold personal data, from its schema file."""

    path: str
    tables: tuple[SchemaTable, ...]

    def table(self, name: str) -> SchemaTable:
        return next(t for t in self.tables if t.name == name)

    def children(self, name: str) -> tuple[SchemaTable, ...]:
        return tuple(t for t in self.tables if t.parent and t.parent.table == name)

    def root_of(self, name: str) -> SchemaTable:
        table = self.table(name)
        while table.parent is not None:
            table = self.table(table.parent.table)
        return table


@dataclass(frozen=True)
class System:
    """One of the controller's systems that holds personal data, and its owner: a staff member,
    or an outside contact for a processor (GDPR Art. 28)."""

    key: str
    name: Localized
    categories: tuple[str, ...]
    owner_name: str
    owner_email: str
    connection: str
    # Database only: the setting or environment variable holding the URL (never the URL).
    url_env: str | None = None
    schema: Schema | None = None
    # The language the owner reads, when the portal cannot tell: a staff member's own choice is
    # used for staff; an outside contact is written to in this language, Finnish when not given.
    owner_language: str | None = None


@dataclass(frozen=True)
class Notice:
    path: str
    version: str
    original_language: str
    title: Localized
    document_type: Localized
    controller: Controller
    contact_person: ContactPerson
    register: Register
    supervisory_authority: SupervisoryAuthority
    sections: tuple[Section, ...]
    automated_decisions: bool
    transfers_outside_eea: bool
    purposes: tuple[Purpose, ...]
    sources: tuple[Localized, ...]
    data_categories: tuple[DataCategory, ...]
    recipients: tuple[Recipient, ...]
    controller_additions: tuple[ControllerAddition, ...] = ()
    systems: tuple[System, ...] = ()

    def section(self, key: str) -> Section:
        return next(s for s in self.sections if s.key == key)

    def purpose(self, key: str) -> Purpose:
        return by_key(self.purposes, key)

    def category(self, key: str) -> DataCategory:
        return by_key(self.data_categories, key)

    def recipient(self, key: str) -> Recipient:
        return by_key(self.recipients, key)

    def system(self, key: str) -> System:
        return by_key(self.systems, key)

    def addition_for(self, path: str) -> ControllerAddition | None:
        """The controller's addition that states the fact at ``path``, or None when the notice's
        own text states it."""
        return next((a for a in self.controller_additions if a.covers_path(path)), None)

    def addition_within(self, path: str) -> bool:
        """Whether any part of the item or field at ``path`` is a controller's addition (for a
        marker beside a purpose, category or recipient shown as a whole)."""
        return any(addition.touches(path) for addition in self.controller_additions)


def by_key(items, key: str):
    for item in items:
        if item.key == key:
            return item
    raise KeyError(key)
