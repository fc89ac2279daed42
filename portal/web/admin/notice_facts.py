"""What the admin page "facts the notice does not state" shows of each controller's addition:
the fields it covers with their values in words, and where the portal uses them."""

from __future__ import annotations

from dataclasses import dataclass

from portal.answering.access_package.contents import LEGAL_BASIS_NAMES
from portal.i18n import lazy_gettext as _l
from portal.notice.additions import expand, value_at
from portal.notice.consistency import Conflict
from portal.notice.model import ControllerAddition, Localized, Notice

NAMED = _l("%(kind)s “%(name)s”")
TABLES = {
    "purposes": _l("Purpose"),
    "data_categories": _l("Data category"),
    "recipients": _l("Recipient"),
}
FLAGS = {
    "automated_decisions": _l("Decisions based solely on automated processing (GDPR Art. 22)"),
    "transfers_outside_eea": _l("Transfers outside the EU/EEA"),
}
ROLES = {
    "processor": _l("processes the data on the controller's behalf"),
    "authority": _l("an authority the law compels us to disclose data to"),
}
FIELDS = {
    "name": _l("name"),
    "description": _l("description"),
    "legal_basis": _l("legal basis"),
    "register_part": _l("part of the register"),
    "purposes": _l("purposes"),
    "categories": _l("data it receives"),
    "role": _l("role"),
    "retention": _l("retention"),
    "retention.period": _l("how long it is kept"),
    "retention.legal_ground": _l("ground for keeping it"),
    "retention.after_erasure": _l("on a request to erase"),
    "retention.years": _l("years kept"),
    "retention.counted_from": _l("years counted from"),
}
# Where the portal uses a fact: the answers and pages that repeat it to people.
ACCESS = {
    "purposes": _l("The copy of the data (access request): purposes, GDPR Art. 15(1)(a)"),
    "categories": _l("The copy of the data: categories of data, GDPR Art. 15(1)(b)"),
    "retention": _l("The copy of the data: how long the data are kept, GDPR Art. 15(1)(d)"),
    "recipients": _l("The copy of the data: recipients, GDPR Art. 15(1)(c)"),
    "automated": _l("The copy of the data: automated decision-making, GDPR Art. 15(1)(h)"),
}
ERASURE = _l("The answer to an erasure request: the records that are kept, with their period")
ERASING = _l("Completing an erasure request: what is erased and what is kept")
PURGE = _l("Deleting the records of finished requests (flask requests purge)")
ART_19 = _l("Completing a rectification, erasure or restriction: recipients told (GDPR Art. 19)")
# The retention fields the answer to an erasure request repeats for each kept category.
RETENTION_TOLD = (
    "retention",
    "retention.period",
    "retention.legal_ground",
    "retention.years",
    "retention.counted_from",
)
SOURCE = _l("Source")
PUBLIC = _l("The privacy notice page, under the notice, as the controller's addition")
CONFLICTS = {
    "not_listed": _l("The notice's list does not have it."),
    "basis_not_named": _l("The notice does not name this legal basis."),
    "period_not_in_text": _l("The notice does not say this about how long data are kept."),
    "law_not_in_text": _l("The notice does not mention this law."),
    "words_not_in_text": _l("The notice does not use these words: %(words)s"),
    "role_not_in_text": _l("The notice does not say this recipient's role."),
    "not_stated": _l("The notice does not state this."),
}


@dataclass(frozen=True)
class Place:
    """One covered field in words; ``label`` is None for a top-level fact's own value."""

    label: str | None
    value: str


@dataclass(frozen=True)
class Group:
    """A purpose, category, recipient or top-level fact, with the covered fields in it;
    ``whole`` when the addition covers all of it."""

    label: str
    whole: bool
    places: list[Place]


def _words(value, notice: Notice, field: str, language: str) -> str | None:
    if isinstance(value, Localized):
        return value.in_language(language)
    if isinstance(value, bool):
        return str(_l("yes") if value else _l("no"))
    if field == "legal_basis":
        return str(LEGAL_BASIS_NAMES[value])
    if field == "register_part":
        if value is None:
            return str(_l("outside the register"))
        return notice.register.parts[value].in_language(language)
    if field == "purposes":
        return "; ".join(notice.purpose(key).name.in_language(language) for key in value)
    if field == "categories":
        return "; ".join(notice.category(key).name.in_language(language) for key in value)
    if field == "retention.after_erasure":
        return str(_l("kept") if value == "keep" else _l("erased"))
    if field == "role":
        return str(ROLES[value])
    if value is None:
        return "–"
    return str(value)


def label(notice: Notice, path: str, language: str) -> str:
    """A purpose, category, recipient or top-level fact in words: Data category “Accounting
    books”."""
    parts = path.split(".")
    if len(parts) == 1:
        return str(FLAGS[path])
    table, key = parts[:2]
    item = next(i for i in getattr(notice, table) if i.key == key)
    return str(NAMED % {"kind": TABLES[table], "name": item.name.in_language(language)})


# For a whole item, the fields whose values the controller checks before confirming it.
WHOLE_ITEM_FIELDS = {
    "purposes": ("legal_basis",),
    "data_categories": ("retention.period", "retention.years", "retention.legal_ground"),
    "recipients": ("role", "categories"),
}


def places(notice: Notice, addition: ControllerAddition, language: str) -> list[Group]:
    """What the addition covers, item by item, with the values in words: every covered field,
    or for a whole item the values that matter most in it."""
    groups: dict[str, Group] = {}
    for pattern in addition.covers:
        for path in expand(notice, pattern):
            parts = path.split(".")
            item = ".".join(parts[:2])
            if len(parts) == 1:
                value = _words(value_at(notice, path), notice, path, language)
                groups[path] = Group(label(notice, path, language), False, [Place(None, value)])
                continue
            if len(parts) == 2:
                fields = WHOLE_ITEM_FIELDS[parts[0]]
                group = groups[item] = Group(label(notice, item, language), True, [])
            else:
                fields = (".".join(parts[2:]),)
                group = groups.setdefault(item, Group(label(notice, item, language), False, []))
            for field in fields:
                value = value_at(notice, f"{item}.{field}")
                if value is not None or len(fields) == 1:
                    words = _words(value, notice, field, language)
                    group.places.append(Place(str(FIELDS[field]), words))
    return list(groups.values())


def uses(notice: Notice, addition: ControllerAddition) -> list[str]:
    """Where the portal repeats the addition's facts to people, or acts on them."""
    found = [PUBLIC]
    for pattern in addition.covers:
        for path in expand(notice, pattern):
            found.extend(_uses_of(notice, path))
    return [str(use) for use in dict.fromkeys(found)]


def _uses_of(notice: Notice, path: str) -> list:
    parts = path.split(".")
    if parts[0] == "automated_decisions":
        return [ACCESS["automated"]]
    if parts[0] == "transfers_outside_eea":
        return [ACCESS["recipients"]]
    table, key, *fields = parts
    field = ".".join(fields)
    if table == "purposes":
        return [ACCESS["purposes"]]
    if table == "recipients":
        return [ACCESS["recipients"]] + ([] if field == "categories" else [ART_19])
    category = notice.category(key)
    found = []
    if not field or not field.startswith("retention"):
        found.append(ACCESS["categories"])
    if not field or field.startswith("retention"):
        found.append(ACCESS["retention"])
    if category.retention.kept_after_erasure and field in ("", "name", *RETENTION_TOLD):
        found.append(ERASURE)
    if not field or field == "retention.after_erasure":
        found.append(ERASING)
    if key == "privacy_requests" and (not field or field == "retention.years"):
        found.append(PURGE)
    return found


def conflict_text(notice: Notice, conflict: Conflict, language: str) -> tuple[str, str]:
    """A structured claim the text does not support: where it is, and what is wrong."""
    if conflict.path.startswith("sources."):
        index = int(conflict.path.split(".")[1])
        where = str(NAMED % {"kind": SOURCE, "name": notice.sources[index].in_language(language)})
    else:
        parts = conflict.path.split(".")
        where = label(notice, ".".join(parts[:2]), language)
        if len(parts) > 2:
            where = f"{where}, {FIELDS['.'.join(parts[2:])]}"
    return where, str(CONFLICTS[conflict.kind] % {"words": ", ".join(conflict.words)})
