"""The controller's privacy notice as data.

One TOML file describes the controller, the contact person, the register and every section of the
notice, in Finnish and English. The portal renders it as a public page and takes from it whoever it
names as controller or contact person (notice §2 and §10: every request goes to that person).
A malformed file stops start-up with a ``NoticeError`` that names the bad field.
"""

from __future__ import annotations

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

    def section(self, key: str) -> Section:
        return next(s for s in self.sections if s.key == key)


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
        table = self.table(data.get(key), path)
        value = Localized()
        value.original = self.original
        for language in LANGUAGES:
            value[language] = self.text(table, language, path)
        return value

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
    parts = []
    for index, part in enumerate(parts_data):
        field = f"register.parts[{index}]"
        table = reader.table(part, field)
        value = Localized()
        value.original = original
        for language in LANGUAGES:
            value[language] = reader.text(table, language, field)
        parts.append(value)

    sections = _read_sections(reader, data.get("sections"))

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
