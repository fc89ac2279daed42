"""Other people in a copy of the data (GDPR Art. 15(4)): finding them, and removing them.

The right to a copy "shall not adversely affect the rights and freedoms of others". What the
portal holds about a person is mostly their own, but people write about others: a colleague named
in a message, a neighbour's address in a description, another customer in an exported invoice
list. Before a copy is released, staff see every other person the package names and decide, for
each, that it is not another person, that disclosing them does no harm, or that the mention is
removed, with the reason (recorded on the audit trail by ``review``).

What counts as naming someone, read from the texts people wrote and from the text files staff
attached (not from the notice's information, which names the controller and the authority):

- another account of this portal whose full name appears (a requester's, never staff's);
- an email address that is not the person's own, a staff member's or the controller's;
- a Finnish personal identity code (henkilötunnus) with a valid check character;
- words that look like a name: two or more capitalised words in a row in something a person
  wrote (a message, a description, a file), after greetings and the names of the person, the
  staff and the controller are set aside. This errs towards listing too much; staff mark what is
  not a person, once, and that decision holds for the copies generated after it.

Staff names are not listed: staff act for the controller, and naming who handled the request is
part of the answer. A removal replaces every occurrence of the words, whatever their case, with a
placeholder in data.json, report.html and the text files of the package.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

# The parts of data.json that hold what people wrote or were sent. The person's own details,
# the controller's and the notice's information are not searched.
SECTIONS = ("requests", "emails", "account_history", "files")
# Codes, dates, checksums and the person's own addresses: nothing to find in them.
SKIPPED_KEYS = frozenset(
    {
        "reference",
        "kind",
        "status",
        "channel",
        "outcome",
        "action",
        "by",
        "language",
        "content_type",
        "sha256",
        "to",
        "path",
        "in_package",
        "request",
        "recipient",
    }
)
# Free text a person typed: only here do capitalised words count as a possible name. (Emails are
# made from templates; what staff wrote in them is in the timeline's messages too.)
WRITTEN_KEYS = frozenset(
    {
        "description",
        "particular_situation",
        "extension_reason",
        "outcome_reasons",
        "message",
        "customer_number",
        "username",
        "business_id",
        "filename",
    }
)
# Text files staff attach (exports); others (PDF, images, office files) staff check themselves.
TEXT_EXTENSIONS = frozenset({"txt", "csv", "json"})

EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[^\W\d_]{2,}(?![\w-])")
# Finnish personal identity code: DDMMYY, century sign, individual number, check character.
IDENTITY_CODE = re.compile(r"(?<![\w-])(\d{6})([-+A-FU-Y])(\d{3})([0-9A-Y])(?![\w-])")
IDENTITY_CHECKS = "0123456789ABCDEFHJKLMNPRSTUVWXY"
WORD = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*")
# A greeting or a polite opening before a name is not part of it.
OPENERS = frozenset(
    {
        *("hei", "hello", "hi", "dear", "moi", "terve", "hyvä", "arvoisa", "tervehdys"),
        *("kiitos", "thanks", "thank", "terveisin", "regards", "ystävällisin", "parhain"),
        *("best", "kind", "sincerely", "yours", "dr", "mr", "mrs", "ms"),
    }
)
# A run of capitalised words that ends in one of these is a company, not a person.
COMPANY_FORMS = frozenset(
    {"oy", "oyj", "ab", "ky", "tmi", "ry", "ltd", "inc", "llc", "gmbh", "plc"}
)


@dataclass
class Place:
    """Where in the package a mention is: a path in data.json or a file, and the text around."""

    where: tuple
    snippet: str


@dataclass
class Mention:
    """Another person the package names, under one spelling (``key`` is its case-folded form)."""

    term: str
    kind: str  # account, email, identity_code, name
    places: list[Place] = field(default_factory=list)

    @property
    def key(self) -> str:
        return term_key(self.term)


@dataclass(frozen=True)
class Known:
    """Who is who, from the database and the notice: what is set aside and what is looked for."""

    own_addresses: frozenset[str]
    own_names: tuple[str, ...]
    staff_addresses: frozenset[str]
    staff_names: tuple[str, ...]
    controller_domains: frozenset[str]
    controller_names: tuple[str, ...]
    # Full names (two words or more) of the other accounts: requesters, not staff.
    other_accounts: frozenset[tuple[str, ...]]


def term_key(term: str) -> str:
    return " ".join(term.split()).casefold()


# Walking the package -----------------------------------------------------------------------------


def texts_of(data: dict) -> Iterator[tuple[tuple, str]]:
    """Every searchable text of data.json with its path, e.g. ("requests", 0, "description")."""

    def walk(value, path):
        if isinstance(value, dict):
            for key, item in value.items():
                if key not in SKIPPED_KEYS:
                    yield from walk(item, (*path, key))
        elif isinstance(value, list):
            for index, item in enumerate(value):
                yield from walk(item, (*path, index))
        elif isinstance(value, str) and value:
            yield path, value

    for section in SECTIONS:
        yield from walk(data.get(section), (section,))


def _written(path: tuple) -> bool:
    return any(part in WRITTEN_KEYS for part in path if isinstance(part, str))


def is_text_file(name: str) -> bool:
    return name.rsplit(".", 1)[-1].lower() in TEXT_EXTENSIONS if "." in name else False


def decode(raw: bytes) -> tuple[str, str]:
    """The text of an exported file and the encoding it was read in (exports from Finnish
    programs are often Windows-1252)."""
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    return raw.decode("latin-1"), "latin-1"


# Finding ---------------------------------------------------------------------------------------


def _snippet(text: str, start: int, end: int, width: int = 60) -> str:
    before = text[max(0, start - width) : start]
    after = text[end : end + width]
    return " ".join(
        f"{'…' if start > width else ''}{before}{text[start:end]}{after}"
        f"{'…' if end + width < len(text) else ''}".split()
    )


def _valid_identity_code(match: re.Match) -> bool:
    day, month = int(match.group(1)[:2]), int(match.group(1)[2:4])
    if not (1 <= day <= 31 and 1 <= month <= 12):
        return False
    number = int(match.group(1) + match.group(3))
    return IDENTITY_CHECKS[number % 31] == match.group(4)


def _near(token: str, names: set[str]) -> bool:
    """The same word, or an inflected form of it ("Virtanen", "Virtasen"): a shared start."""
    token = token.casefold()
    return any(
        token == name or (len(name) >= 4 and len(token) >= 4 and token[:4] == name[:4])
        for name in names
    )


def _words(names) -> set[str]:
    return {word.casefold() for name in names for word in WORD.findall(name or "")}


def _capitalised(word: str) -> bool:
    letters = word.replace("-", "").replace("'", "").replace("’", "")
    return len(letters) > 1 and word[0].isupper() and letters[1:].islower()


def _name_runs(text: str) -> Iterator[tuple[int, int, list[re.Match]]]:
    """Runs of two or more capitalised words separated by single spaces."""
    run: list[re.Match] = []
    for match in WORD.finditer(text):
        if _capitalised(match.group()) and (not run or text[run[-1].end() : match.start()] == " "):
            run.append(match)
            continue
        if len(run) >= 2:
            yield run[0].start(), run[-1].end(), run
        run = [match] if _capitalised(match.group()) else []
    if len(run) >= 2:
        yield run[0].start(), run[-1].end(), run


def _sentence_start(text: str, position: int) -> bool:
    before = text[:position].rstrip()
    return not before or before[-1] in ".!?:\n"


def find_mentions(data: dict, files: dict[str, str], known: Known) -> list[Mention]:
    """Every other person named in the package, in the order first met."""
    found: dict[str, Mention] = {}
    own_words = _words(known.own_names)
    set_aside = own_words | _words(known.staff_names) | _words(known.controller_names)

    placed: set[tuple[str, tuple, int]] = set()

    def add(term: str, kind: str, where: tuple, text: str, start: int, end: int) -> None:
        mention = found.setdefault(term_key(term), Mention(term=term, kind=kind))
        # One place once, however many detectors found it there; a few places are enough.
        if (mention.key, where, start) not in placed and len(mention.places) < 5:
            placed.add((mention.key, where, start))
            mention.places.append(Place(where, _snippet(text, start, end)))

    def address_set_aside(address: str) -> bool:
        address = address.casefold()
        domain = address.rpartition("@")[2]
        return (
            address in known.own_addresses
            or address in known.staff_addresses
            or domain in known.controller_domains
        )

    def search(where: tuple, text: str, written: bool) -> None:
        for match in EMAIL.finditer(text):
            if not address_set_aside(match.group()):
                add(match.group(), "email", where, text, match.start(), match.end())
        for match in IDENTITY_CODE.finditer(text):
            if _valid_identity_code(match):
                add(match.group(), "identity_code", where, text, match.start(), match.end())
        words = list(WORD.finditer(text))
        lowered = [w.group().casefold() for w in words]
        for size in {len(name) for name in known.other_accounts}:
            for index in range(len(words) - size + 1):
                if tuple(lowered[index : index + size]) in known.other_accounts:
                    start, end = words[index].start(), words[index + size - 1].end()
                    add(text[start:end], "account", where, text, start, end)
        if not written:
            return
        for _start, _end, run in _name_runs(text):
            tokens = list(run)
            if _sentence_start(text, tokens[0].start()) and len(tokens) >= 3:
                tokens = tokens[1:]  # the first word of a sentence is capitalised anyway
            opened = False
            while tokens and tokens[0].group().casefold() in OPENERS:
                tokens, opened = tokens[1:], True
            if not tokens or tokens[-1].group().casefold() in COMPANY_FORMS:
                continue
            if all(_near(t.group(), set_aside) for t in tokens):
                continue
            if len(tokens) < 2 and not opened:
                continue
            start, end = tokens[0].start(), tokens[-1].end()
            add(text[start:end], "name", where, text, start, end)

    for where, text in texts_of(data):
        search(where, text, _written(where))
    for name, text in files.items():
        search(("file", name), text, True)
    return list(found.values())


# Removing --------------------------------------------------------------------------------------


def _pattern(terms: list[str]) -> re.Pattern | None:
    words = sorted({" ".join(t.split()) for t in terms if t and t.strip()}, key=len, reverse=True)
    if not words:
        return None
    # Any run of spaces between the words; never inside a longer word.
    alternatives = "|".join(r"\s+".join(re.escape(part) for part in w.split()) for w in words)
    return re.compile(rf"(?<![^\W_])(?:{alternatives})(?![^\W_])", re.IGNORECASE)


def occurs(term: str, data: dict, files: dict[str, str]) -> bool:
    pattern = _pattern([term])
    if pattern is None:
        return False
    texts = [text for _path, text in texts_of(data)] + list(files.values())
    return any(pattern.search(text) for text in texts)


def redact(
    data: dict, files: dict[str, str], terms: list[str], placeholder: str
) -> tuple[dict[str, int], list[str]]:
    """Replace every occurrence of ``terms`` in the searchable parts of ``data`` (in place) and
    in ``files`` (in place); returns the count per term key and the files that changed."""
    pattern = _pattern(terms)
    counts: dict[str, int] = {}
    if pattern is None:
        return counts, []

    def replace(match: re.Match) -> str:
        key = term_key(match.group())
        counts[key] = counts.get(key, 0) + 1
        return placeholder

    def walk(value: object, path: tuple) -> object:
        if isinstance(value, dict):
            for key, item in value.items():
                if key not in SKIPPED_KEYS:
                    value[key] = walk(item, (*path, key))
            return value
        if isinstance(value, list):
            return [walk(item, (*path, index)) for index, item in enumerate(value)]
        if isinstance(value, str):
            return pattern.sub(replace, value)
        return value

    for section in SECTIONS:
        if section in data:
            data[section] = walk(data[section], (section,))
    changed = []
    for name, text in files.items():
        new = pattern.sub(replace, text)
        if new != text:
            files[name] = new
            changed.append(name)
    return counts, changed


def highlighter(terms: list[str]) -> Callable[[str], list[tuple[str, bool]]]:
    """Split a text into pieces, marking those that are one of ``terms`` (for the preview)."""
    pattern = _pattern(terms)

    def split(text: str) -> list[tuple[str, bool]]:
        if pattern is None:
            return [(text, False)]
        pieces, last = [], 0
        for match in pattern.finditer(text):
            pieces.append((text[last : match.start()], False))
            pieces.append((match.group(), True))
            last = match.end()
        pieces.append((text[last:], False))
        return [piece for piece in pieces if piece[0]]

    return split
