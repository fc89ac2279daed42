"""Does the structured part of the notice say only what the notice's own text says?

The sections are the controller's word. Every structured claim the portal repeats to people --
a purpose and its legal basis, a retention period and its ground, a recipient, a source, the
Art. 15(1)(h) and transfer flags -- is checked here against the text of the section it comes
from, in the notice's original language. What the text does not state must be covered by a
controller's addition (``ControllerAddition``); what it contradicts must be fixed. The same checks
hold each translation's structured fields to the translation's own sections (``check(notice,
notice_texts(notice, "sv"), "sv")``), so that a Swedish reader is told nothing that the notice in
Swedish does not say.

The checks read the text, not the file's own say-so: a legal basis must be one the text names
(§4), a retention period must be one of the text's own sentences about keeping data (§5), the
words of a name or description must occur in the section (a stem of each word, so that Finnish
inflection does not matter), and a flag must be stated by a sentence of the text. They are
heuristics for one language at a time (``VOCABULARIES``: Finnish and Swedish); for another
language, add its vocabulary. Pure: no Flask, no database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from portal.notice.model import Notice

# Which section of the notice each structured table comes from (by the section's key).
SOURCE_SECTIONS = {
    "purposes": ("purposes_and_legal_basis",),
    "data_categories": ("register", "data_content"),
    "recipients": ("disclosures_and_transfers",),
    "sources": ("sources",),
}
# GDPR Art. 6(1) points, as cited in a legal ground.
ARTICLE_6_POINTS = {
    "a": "consent",
    "b": "contract",
    "c": "legal_obligation",
    "d": "vital_interests",
    "e": "public_task",
    "f": "legitimate_interest",
}
STEM = 5  # letters of a word that must occur in the text


@dataclass(frozen=True)
class Vocabulary:
    """How one language says the things the checks look for (lower case)."""

    bases: dict[str, tuple[str, ...]]
    article_6: re.Pattern
    laws: tuple[str, ...]
    processor: tuple[str, ...]
    authority: tuple[str, ...]
    keeping: tuple[str, ...]
    erasing: tuple[str, ...]
    automated: tuple[str, ...]
    decision: tuple[str, ...]
    outside_eea: tuple[str, ...]
    negation: re.Pattern
    stop_words: frozenset[str] = field(default_factory=frozenset)


VOCABULARIES = {
    "fi": Vocabulary(
        bases={
            "legitimate_interest": ("oikeutettu etu", "oikeutetun edun", "oikeutettuun etuun"),
            "contract": ("sopimuksen täytäntöön", "sopimuksen täytäntöönpano"),
            "legal_obligation": ("lakisääteinen velvoite", "lakisääteisen velvoitteen"),
            "consent": ("suostumus", "suostumukse"),
        },
        article_6=re.compile(r"6 artiklan 1 kohdan ((?:[a-f](?:, | ja | tai )?)+) alakoh"),
        laws=("kirjanpitolai",),
        processor=("lukuumme", "puolestamme"),
        authority=("viranomai",),
        keeping=("säilyt", "säilö"),
        erasing=("poistam", "poistet", "poistaa"),
        automated=("automaat", "profiloi"),
        decision=("päätö", "päätök"),
        outside_eea=("eu/eta", "euroopan talousalue", "eu:n"),
        negation=re.compile(r"\b(?:emme|ei|eivät|koskaan)\b"),
        stop_words=frozenset(
            {
                *("sekä", "että", "kuin", "myös", "mikäli"),
                *("joka", "jonka", "jota", "jotka", "joita", "jolle", "joille", "johon", "jossa"),
                *("muut", "muiden", "niiden", "niitä", "sitä", "siitä", "tämän", "tässä"),
            }
        ),
    ),
    # Swedish, in the terms of the Swedish text of the GDPR (dataskyddsförordningen art. 6.1 b).
    "sv": Vocabulary(
        bases={
            "legitimate_interest": ("berättigat intresse", "berättigade intresse"),
            "contract": ("fullgörande av avtal", "fullgörandet av ett avtal", "fullgöra ett avtal"),
            "legal_obligation": ("rättslig förpliktelse", "rättsliga förpliktelse"),
            "consent": ("samtycke",),
        },
        article_6=re.compile(r"art(?:ikel|\.) 6\.1 ((?:[a-f](?:, | och | eller )?)+)"),
        laws=("bokföringslag",),
        processor=("för vår räkning", "för vår del"),
        authority=("myndighet",),
        keeping=("spar", "bevar", "lagr"),
        erasing=("radera", "raderi"),
        automated=("automati", "profiler"),
        decision=("beslut",),
        outside_eea=("eu/ees", "europeiska ekonomiska samarbetsområdet", "eu:s"),
        negation=re.compile(r"\b(?:aldrig|inte|inga|ingen|inget)\b"),
        stop_words=frozenset({"samt", "också", "även", "eller", "såsom", "vilka", "vilket"}),
    ),
}


@dataclass(frozen=True)
class Conflict:
    """A structured claim the notice's text does not support.

    ``kind``: ``not_listed`` (a purpose the text does not list), ``basis_not_named`` (a legal
    basis the text does not name), ``period_not_in_text`` (a retention period not among the
    text's sentences about keeping), ``law_not_in_text``, ``words_not_in_text`` (``words``: those
    the section lacks), ``role_not_in_text``, ``not_stated`` (a fact the text does not give).
    """

    path: str
    kind: str
    sections: tuple[int, ...]
    words: tuple[str, ...] = ()


def split_sections(text: str) -> dict[int, str]:
    """The numbered sections of a notice as plain text ("1. Title ...", "2. ..." in order, also
    where a section starts in the middle of a line, as in the original)."""
    found: dict[int, int] = {}
    position = 0
    number = 1
    while match := re.compile(rf"(?<![\d.]){number}\. (?=[A-ZÅÄÖ])").search(text, position):
        found[number] = match.start()
        position = match.end()
        number += 1
    starts = sorted(found.items(), key=lambda item: item[1])
    return {
        n: text[start : starts[i + 1][1] if i + 1 < len(starts) else len(text)].strip()
        for i, (n, start) in enumerate(starts)
    }


def notice_texts(notice: Notice, language: str | None = None) -> dict[str, str]:
    """The notice's own text per section key, in its original language or a translation."""
    language = language or notice.original_language
    texts = {}
    for section in notice.sections:
        body = section.body[language] if section.body else ""
        texts[section.key] = f"{section.number}. {section.title[language]}\n{body}"
    register = notice.register
    texts["register"] += "\n".join(
        [register.name[language], *(part[language] for part in register.parts)]
    )
    return texts


def texts_by_key(numbered: dict[int, str], notice: Notice) -> dict[str, str]:
    """Sections found by ``split_sections`` under the keys the notice gives their numbers."""
    return {section.key: numbered.get(section.number, "") for section in notice.sections}


def check(notice: Notice, texts: dict[str, str], language: str | None = None) -> list[Conflict]:
    """Every structured claim that neither the text nor a controller's addition supports, in
    ``language`` (the original's by default): the fields in that language against ``texts``."""
    language = language or notice.original_language
    vocabulary = VOCABULARIES.get(language)
    if vocabulary is None:
        raise LookupError(f"no vocabulary to check a notice in {language!r}")
    return _Checker(notice, {k: v.lower() for k, v in texts.items()}, vocabulary, language).run()


class _Checker:
    def __init__(
        self, notice: Notice, texts: dict[str, str], vocabulary: Vocabulary, language: str
    ) -> None:
        self.notice = notice
        self.texts = texts
        self.vocabulary = vocabulary
        self.language = language
        self.conflicts: list[Conflict] = []

    def text(self, table: str) -> str:
        return "\n".join(self.texts.get(key, "") for key in SOURCE_SECTIONS[table])

    def numbers(self, *keys: str) -> tuple[int, ...]:
        return tuple(self.notice.section(key).number for key in keys)

    def add(self, path: str, kind: str, keys: tuple[str, ...], words=()) -> None:
        self.conflicts.append(Conflict(path, kind, self.numbers(*keys), tuple(words)))

    def covered(self, path: str) -> bool:
        return self.notice.addition_for(path) is not None

    def named_bases(self) -> set[str]:
        text = self.text("purposes")
        return {
            b for b, phrases in self.vocabulary.bases.items() if any(p in text for p in phrases)
        }

    def words(self, path: str, value: str, table: str) -> None:
        if self.covered(path):
            return
        missing = unsupported_words(value, self.text(table), self.vocabulary.stop_words)
        if missing:
            self.add(path, "words_not_in_text", SOURCE_SECTIONS[table], missing)

    def sentences(self, *keys: str) -> list[str]:
        text = "\n".join(self.texts.get(key, "") for key in keys)
        return [s.strip() for s in re.split(r"(?<=[.!?])\s+|\n+", text) if s.strip()]

    def run(self) -> list[Conflict]:
        self.purposes()
        self.categories()
        self.recipients()
        for index, source in enumerate(self.notice.sources):
            self.words(f"sources.{index}", source[self.language], "sources")
        self.flags()
        return self.conflicts

    def purposes(self) -> None:
        listed = {_normal(item) for item in _bullets(self.text("purposes"))}
        named = self.named_bases()
        for purpose in self.notice.purposes:
            path = f"purposes.{purpose.key}"
            if self.covered(path):
                continue
            if _normal(purpose.name[self.language]) not in listed:
                self.add(f"{path}.name", "not_listed", SOURCE_SECTIONS["purposes"])
            # An addition may say which of the named bases fits a purpose, never add a basis.
            if purpose.legal_basis not in named:
                self.add(f"{path}.legal_basis", "basis_not_named", SOURCE_SECTIONS["purposes"])

    def categories(self) -> None:
        all_purposes = {
            p.key for p in self.notice.purposes if not self.covered(f"purposes.{p.key}")
        }
        # §8 speaks of keeping too ("as long as necessary"); a period may quote either.
        kept = self.sentences("data_content", "security")
        kept = [s for s in kept if any(w in s for w in self.vocabulary.keeping)]
        content = self.texts.get("data_content", "")
        for category in self.notice.data_categories:
            path = f"data_categories.{category.key}"
            if self.covered(path):
                continue
            self.words(f"{path}.name", category.name[self.language], "data_categories")
            self.words(
                f"{path}.description", category.description[self.language], "data_categories"
            )
            retention = category.retention
            period = _normal(retention.period[self.language])
            if not self.covered(f"{path}.retention.period") and not any(
                _normal(sentence) in period for sentence in kept
            ):
                self.add(f"{path}.retention.period", "period_not_in_text", ("data_content",))
            self.ground(f"{path}.retention.legal_ground", retention.legal_ground[self.language])
            if (
                retention.years is not None
                and not self.covered(f"{path}.retention.years")
                and not re.search(rf"\b{retention.years}\b", content)
            ):
                self.add(f"{path}.retention.years", "not_stated", ("data_content",))
            if retention.counted_from is not None:
                self.words(
                    f"{path}.retention.counted_from",
                    retention.counted_from[self.language],
                    "data_categories",
                )
            if (
                not self.covered(f"{path}.retention.after_erasure")
                and not self.says_erasure_keeps()
            ):
                self.add(
                    f"{path}.retention.after_erasure", "not_stated", ("data_content", "rights")
                )
            if category.register_part is not None and not self.covered(f"{path}.register_part"):
                part = self.notice.register.parts[category.register_part][self.language]
                if unsupported_words(part, category.name[self.language].lower()):
                    self.add(f"{path}.register_part", "not_stated", ("register",))
            # The text gives its purposes for all the data; a narrower list is an addition.
            if not all_purposes <= set(category.purposes) and not self.covered(f"{path}.purposes"):
                self.add(f"{path}.purposes", "not_stated", SOURCE_SECTIONS["purposes"])

    def ground(self, path: str, ground: str) -> None:
        if self.covered(path):
            return
        ground = ground.lower()
        named = self.named_bases()
        for match in self.vocabulary.article_6.finditer(ground):
            for point in re.findall(r"\b[a-f]\b", match.group(1)):
                if ARTICLE_6_POINTS[point] not in named:
                    self.add(path, "basis_not_named", SOURCE_SECTIONS["purposes"])
        for law in self.vocabulary.laws:
            if law in ground and law not in self.texts.get("data_content", ""):
                self.add(path, "law_not_in_text", ("data_content",))

    def says_erasure_keeps(self) -> bool:
        """Whether a sentence of the text says what is kept after a request to erase."""
        return any(
            any(w in s for w in self.vocabulary.erasing)
            and any(w in s for w in self.vocabulary.keeping)
            for s in self.sentences(*self.texts)
        )

    def recipients(self) -> None:
        text = self.text("recipients")
        register_categories = {
            c.key
            for c in self.notice.data_categories
            if c.register_part is not None and not self.covered(f"data_categories.{c.key}")
        }
        roles = {"processor": self.vocabulary.processor, "authority": self.vocabulary.authority}
        for recipient in self.notice.recipients:
            path = f"recipients.{recipient.key}"
            if self.covered(path):
                continue
            self.words(f"{path}.name", recipient.name[self.language], "recipients")
            self.words(f"{path}.description", recipient.description[self.language], "recipients")
            if not self.covered(f"{path}.role") and not any(
                w in text for w in roles[recipient.role]
            ):
                self.add(f"{path}.role", "role_not_in_text", SOURCE_SECTIONS["recipients"])
            if not register_categories <= set(recipient.categories) and not self.covered(
                f"{path}.categories"
            ):
                self.add(f"{path}.categories", "not_stated", SOURCE_SECTIONS["recipients"])

    def flags(self) -> None:
        v = self.vocabulary
        every = self.sentences(*self.texts)
        if not self.covered("automated_decisions"):
            about = [
                s
                for s in every
                if any(w in s for w in v.automated) and any(w in s for w in v.decision)
            ]
            denied = any(v.negation.search(s) for s in about)
            stated = any(not v.negation.search(s) for s in about)
            if not (denied if not self.notice.automated_decisions else stated):
                mentions = [s for s in every if any(w in s for w in v.automated)]
                self.add(
                    "automated_decisions",
                    "not_stated",
                    tuple(k for k, t in self.texts.items() if any(m in t for m in mentions)),
                )
        if not self.covered("transfers_outside_eea"):
            about = [s for s in every if any(w in s for w in v.outside_eea)]
            denied = any(v.negation.search(s) for s in about)
            if (not self.notice.transfers_outside_eea and not denied) or (
                self.notice.transfers_outside_eea and (denied or not about)
            ):
                self.add("transfers_outside_eea", "not_stated", SOURCE_SECTIONS["recipients"])


def unsupported_words(value: str, text: str, stop_words: frozenset[str] = frozenset()) -> list[str]:
    """The words of ``value`` whose first letters do not occur in ``text`` (lower case)."""
    missing = []
    for word in re.findall(r"[^\W_]+", value.lower()):
        if len(word) < 4 or word in stop_words:
            continue
        if word[:STEM] not in text and word not in missing:
            missing.append(word)
    return missing


def _bullets(text: str) -> list[str]:
    return [m.group(1) for m in re.finditer(r"^\s*(?:•|-)\s+(.+?)\s*$", text, re.MULTILINE)]


def _normal(text: str) -> str:
    """Lower case, single spaces, no commas (the original's punctuation is not the claim), no
    final full stop."""
    return " ".join(text.lower().replace(",", " ").split()).rstrip(".")
