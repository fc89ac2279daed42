"""Reading the notice's TOML file into ``portal.notice.model``, naming the exact field of any
mistake (a malformed notice stops start-up)."""

from __future__ import annotations

import tomllib
from dataclasses import replace
from pathlib import Path
from typing import Any

from email_validator import EmailNotValidError, validate_email

from portal.notice.additions import path_problem
from portal.notice.model import (
    AFTER_ERASURE,
    KEY_PATTERN,
    LANGUAGES,
    LEGAL_BASES,
    RECIPIENT_ROLES,
    SECTION_KEYS,
    STRUCTURED_SECTIONS,
    Address,
    ContactPerson,
    Controller,
    ControllerAddition,
    DataCategory,
    Localized,
    Notice,
    NoticeError,
    Purpose,
    Recipient,
    Register,
    Retention,
    Section,
    SupervisoryAuthority,
)
from portal.notice.systems import read_systems


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
    additions = _read_additions(
        reader,
        data.get("controller_additions", []),
        {
            "purposes": {p.key for p in purposes},
            "data_categories": {c.key for c in categories},
            "recipients": {r.key for r in recipients},
        },
    )

    notice = Notice(
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
        controller_additions=additions,
    )
    # The systems last, as they come last in the file: their schema files are read only for a
    # notice that is otherwise sound. Schema files lie beside the notice file; notice data read
    # without a file (a test, a tool) takes those beside the bundled notices.
    base = Path(__file__).parent if str(path) == "<notice>" else Path(path).parent
    systems = read_systems(
        reader,
        data.get("systems", []),
        categories,
        base,
        lambda schema_path: _Reader(schema_path, original),
    )
    return replace(notice, systems=systems)


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


def _read_additions(
    reader: _Reader, data: Any, keys: dict[str, set[str]]
) -> tuple[ControllerAddition, ...]:
    """The controller's additions (``ControllerAddition``); a notice whose text states everything
    the portal needs has none, so the table may be left out."""
    additions = []
    seen: set[str] = set()
    covered: set[str] = set()
    for index, table in enumerate(reader.tables(data, "controller_additions", required=False)):
        field = f"controller_additions[{index}]"
        key = reader.key(table, field, seen)
        paths = table.get("covers")
        if not isinstance(paths, list) or not paths:
            raise reader.fail(f"{field}.covers", "is missing or is not a list of paths")
        for position, path in enumerate(paths):
            where = f"{field}.covers[{position}]"
            if not isinstance(path, str) or not path:
                raise reader.fail(where, "is not a path such as 'data_categories.books'")
            if problem := path_problem(path, keys):
                raise reader.fail(where, problem)
            if path in covered:
                raise reader.fail(where, f"repeats {path!r}, already covered")
            covered.add(path)
        additions.append(
            ControllerAddition(
                key=key,
                covers=tuple(paths),
                title=reader.localized(table, "title", field),
                statement=reader.localized(table, "statement", field),
                note=reader.localized(table, "note", field),
            )
        )
    return tuple(additions)
