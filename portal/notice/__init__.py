"""The controller's privacy notice as data.

One TOML file describes the controller, the contact person, the register and every section of the
notice, in Finnish and English. The portal renders it as a public page and takes from it whoever it
names as controller or contact person (notice §2 and §10: every request goes to that person).

The same file holds, in structured form, what the portal needs to answer requests by itself: the
purposes and their legal bases, the sources, the categories of data with how long each is kept and
why, and the recipients (GDPR Art. 15(1)(a)-(h)); which categories survive an erasure because the
law requires them to be kept (Art. 17(3)(b)); and whom to tell about a rectification, erasure or
restriction (Art. 19). A malformed file stops start-up with a ``NoticeError`` that names the bad
field.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from email_validator import EmailNotValidError, validate_email

LANGUAGES = ("fi", "en")

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

    def section(self, key: str) -> Section:
        return next(s for s in self.sections if s.key == key)

    def purpose(self, key: str) -> Purpose:
        return _by_key(self.purposes, key)

    def category(self, key: str) -> DataCategory:
        return _by_key(self.data_categories, key)

    def recipient(self, key: str) -> Recipient:
        return _by_key(self.recipients, key)


def _by_key(items, key: str):
    for item in items:
        if item.key == key:
            return item
    raise KeyError(key)


class _Reader:
    """Reads fields out of the parsed TOML, naming the exact field in every error."""

    def __init__(self, path: str | Path, original: str) -> None:
        self.path = path
        self.original = original

    def fail(self, field: str, problem: str) -> NoticeError:
        return NoticeError(self.path, field, problem)

    def table(self, data: Any, field: str) -> dict:
        if not isinstance(data, dict):
            raise self.fail(field, "is missing or is not a table")
        return data

    def text(self, data: dict, key: str, field: str) -> str:
        value = data.get(key)
        if not isinstance(value, str) or not value.strip():
            raise self.fail(f"{field}.{key}" if field else key, "is missing or empty")
        return value.strip()

    def localized(self, data: dict, key: str, field: str) -> Localized:
        path = f"{field}.{key}" if field else key
        return self.translations(data.get(key), path)

    def translations(self, data: Any, field: str) -> Localized:
        """A table holding one text per language, itself the value (as in ``register.parts``)."""
        table = self.table(data, field)
        value = Localized()
        value.original = self.original
        for language in LANGUAGES:
            value[language] = self.text(table, language, field)
        return value

    def flag(self, data: dict, key: str) -> bool:
        value = data.get(key)
        if not isinstance(value, bool):
            raise self.fail(key, "is missing or is not true or false")
        return value

    def choice(self, data: dict, key: str, field: str, choices: tuple[str, ...]) -> str:
        value = self.text(data, key, field)
        if value not in choices:
            raise self.fail(f"{field}.{key}", f"is {value!r}; expected one of {', '.join(choices)}")
        return value

    def key(self, data: dict, field: str, seen: set[str]) -> str:
        value = self.text(data, "key", field)
        if not KEY_PATTERN.fullmatch(value):
            raise self.fail(
                f"{field}.key", f"is {value!r}; use lower-case letters, digits and underscores"
            )
        if value in seen:
            raise self.fail(f"{field}.key", f"repeats the key {value!r}")
        seen.add(value)
        return value

    def tables(self, data: Any, field: str, *, required: bool = True) -> list:
        """An array of tables; ``required`` also refuses an empty one."""
        if not isinstance(data, list):
            raise self.fail(field, "is missing or is not a list of tables")
        if required and not data:
            raise self.fail(field, "is empty")
        return [self.table(item, f"{field}[{index}]") for index, item in enumerate(data)]

    def keys(self, data: dict, key: str, field: str, known: set[str]) -> tuple[str, ...]:
        """A non-empty list of references to keys defined elsewhere in the file."""
        path = f"{field}.{key}"
        values = data.get(key)
        if not isinstance(values, list) or not values:
            raise self.fail(path, "is missing or is not a list of keys")
        for index, value in enumerate(values):
            if not isinstance(value, str) or value not in known:
                raise self.fail(
                    f"{path}[{index}]", f"is {value!r}; expected one of {', '.join(sorted(known))}"
                )
            if value in values[:index]:
                raise self.fail(f"{path}[{index}]", f"repeats {value!r}")
        return tuple(values)

    def address(self, data: dict, field: str) -> Address:
        return Address(
            street_address=self.text(data, "street_address", field),
            postal_code=self.text(data, "postal_code", field),
            city=self.text(data, "city", field),
        )

    def email(self, data: dict, key: str, field: str) -> str:
        value = self.text(data, key, field)
        try:
            return validate_email(value, check_deliverability=False).normalized
        except EmailNotValidError as exc:
            raise self.fail(f"{field}.{key}", f"is not a valid email address ({exc})") from None


def load_notice(path: str | Path) -> Notice:
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        raise NoticeError(path, "(file)", "does not exist") from None
    except tomllib.TOMLDecodeError as exc:
        raise NoticeError(path, "(file)", f"is not valid TOML: {exc}") from None
    return parse_notice(data, path)


def parse_notice(data: dict, path: str | Path = "<notice>") -> Notice:
    original = data.get("original_language", "fi")
    reader = _Reader(path, original)
    if original not in LANGUAGES:
        raise reader.fail("original_language", f"must be one of {', '.join(LANGUAGES)}")

    controller_data = reader.table(data.get("controller"), "controller")
    contact_data = reader.table(data.get("contact_person"), "contact_person")
    register_data = reader.table(data.get("register"), "register")
    authority_data = reader.table(data.get("supervisory_authority"), "supervisory_authority")

    parts_data = register_data.get("parts")
    if not isinstance(parts_data, list) or not parts_data:
        raise reader.fail("register.parts", "is missing or empty")
    parts = [
        reader.translations(part, f"register.parts[{index}]")
        for index, part in enumerate(parts_data)
    ]

    sections = _read_sections(reader, data.get("sections"))
    purposes = _read_purposes(reader, data.get("purposes"))
    sources = tuple(
        reader.translations(source, f"sources[{index}]")
        for index, source in enumerate(reader.tables(data.get("sources"), "sources"))
    )
    categories = _read_categories(
        reader, data.get("data_categories"), {p.key for p in purposes}, len(parts)
    )
    recipients = _read_recipients(reader, data.get("recipients"), {c.key for c in categories})

    return Notice(
        path=str(path),
        version=reader.text(data, "version", ""),
        original_language=original,
        title=reader.localized(data, "title", ""),
        document_type=reader.localized(data, "document_type", ""),
        controller=Controller(
            name=reader.text(controller_data, "name", "controller"),
            address=reader.address(controller_data, "controller"),
            phone=reader.text(controller_data, "phone", "controller"),
        ),
        contact_person=ContactPerson(
            name=reader.text(contact_data, "name", "contact_person"),
            address=reader.address(contact_data, "contact_person"),
            phone=reader.text(contact_data, "phone", "contact_person"),
            email=reader.email(contact_data, "email", "contact_person"),
        ),
        register=Register(
            name=reader.localized(register_data, "name", "register"), parts=tuple(parts)
        ),
        supervisory_authority=SupervisoryAuthority(
            name=reader.localized(authority_data, "name", "supervisory_authority"),
            address=reader.address(authority_data, "supervisory_authority"),
            postal_address=reader.text(authority_data, "postal_address", "supervisory_authority"),
            phone=reader.text(authority_data, "phone", "supervisory_authority"),
            email=reader.email(authority_data, "email", "supervisory_authority"),
            website=reader.text(authority_data, "website", "supervisory_authority"),
        ),
        sections=sections,
        # Art. 15(1)(h) and (c): the answer says whether either happens.
        automated_decisions=reader.flag(data, "automated_decisions"),
        transfers_outside_eea=reader.flag(data, "transfers_outside_eea"),
        purposes=purposes,
        sources=sources,
        data_categories=categories,
        recipients=recipients,
    )


def _read_sections(reader: _Reader, data: Any) -> tuple[Section, ...]:
    if not isinstance(data, list):
        raise reader.fail("sections", "is missing or is not a list of tables")
    by_key: dict[str, Section] = {}
    for index, raw in enumerate(data):
        field = f"sections[{index}]"
        table = reader.table(raw, field)
        key = reader.text(table, "key", field)
        if key not in SECTION_KEYS:
            raise reader.fail(
                f"{field}.key", f"is {key!r}; expected one of {', '.join(SECTION_KEYS)}"
            )
        if key in by_key:
            raise reader.fail(f"{field}.key", f"repeats section {key!r}")
        number = table.get("number")
        if not isinstance(number, int) or number < 1:
            raise reader.fail(f"{field}.number", "is missing or not a positive whole number")
        body = None
        if key not in STRUCTURED_SECTIONS:
            body = reader.localized(table, "body", field)
        by_key[key] = Section(
            number=number, key=key, title=reader.localized(table, "title", field), body=body
        )
    for key in SECTION_KEYS:
        if key not in by_key:
            raise reader.fail("sections", f"lacks the section with key {key!r}")
    return tuple(sorted(by_key.values(), key=lambda s: s.number))


def _read_purposes(reader: _Reader, data: Any) -> tuple[Purpose, ...]:
    purposes = []
    seen: set[str] = set()
    for index, table in enumerate(reader.tables(data, "purposes")):
        field = f"purposes[{index}]"
        purposes.append(
            Purpose(
                key=reader.key(table, field, seen),
                name=reader.localized(table, "name", field),
                legal_basis=reader.choice(table, "legal_basis", field, LEGAL_BASES),
            )
        )
    return tuple(purposes)


def _read_categories(
    reader: _Reader, data: Any, purpose_keys: set[str], part_count: int
) -> tuple[DataCategory, ...]:
    categories = []
    seen: set[str] = set()
    for index, table in enumerate(reader.tables(data, "data_categories")):
        field = f"data_categories[{index}]"
        key = reader.key(table, field, seen)
        part = table.get("register_part")
        if part is not None and (
            isinstance(part, bool) or not isinstance(part, int) or not 0 <= part < part_count
        ):
            raise reader.fail(
                f"{field}.register_part",
                f"is {part!r}; expected the index of one of the {part_count} register parts, "
                "counted from 0",
            )
        categories.append(
            DataCategory(
                key=key,
                name=reader.localized(table, "name", field),
                description=reader.localized(table, "description", field),
                register_part=part,
                purposes=reader.keys(table, "purposes", field, purpose_keys),
                retention=_read_retention(reader, table.get("retention"), f"{field}.retention"),
            )
        )
    return tuple(categories)


def _read_retention(reader: _Reader, data: Any, field: str) -> Retention:
    table = reader.table(data, field)
    period = reader.localized(table, "period", field)
    # Every period needs its ground, also for data erased on request (Art. 5(1)(e), 15(1)(d)).
    legal_ground = reader.localized(table, "legal_ground", field)
    after_erasure = reader.choice(table, "after_erasure", field, AFTER_ERASURE)
    years = counted_from = None
    if after_erasure == "keep":
        # Data kept against an erasure request needs an end the portal can work out and tell.
        years = table.get("years")
        if isinstance(years, bool) or not isinstance(years, int) or years < 1:
            raise reader.fail(f"{field}.years", "is missing or not a positive whole number")
        counted_from = reader.localized(table, "counted_from", field)
    else:
        for key in ("years", "counted_from"):
            if key in table:
                raise reader.fail(f"{field}.{key}", "applies only when after_erasure is 'keep'")
    return Retention(
        period=period,
        legal_ground=legal_ground,
        after_erasure=after_erasure,
        years=years,
        counted_from=counted_from,
    )


def _read_recipients(reader: _Reader, data: Any, category_keys: set[str]) -> tuple[Recipient, ...]:
    recipients = []
    seen: set[str] = set()
    # A controller may disclose to no one, so the list may be empty, but it must be there.
    for index, table in enumerate(reader.tables(data, "recipients", required=False)):
        field = f"recipients[{index}]"
        recipients.append(
            Recipient(
                key=reader.key(table, field, seen),
                name=reader.localized(table, "name", field),
                description=reader.localized(table, "description", field),
                role=reader.choice(table, "role", field, RECIPIENT_ROLES),
                categories=reader.keys(table, "categories", field, category_keys),
            )
        )
    return tuple(recipients)
