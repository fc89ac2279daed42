"""One Finnish voice (issue 10, item 7): the portal speaks to a person as *sinä*, as tietosuoja.fi
does. This finds the second-person plural or polite *te* forms in a Finnish text.

``REPLACED`` lists every form the letters used before, with the *sinä* form that replaced it; the
patterns below it catch the same kinds of words that a later text might bring in.
"""

from __future__ import annotations

import re

REPLACED = {
    # pronouns
    "te": "sinä",
    "teidän": "sinun",
    "teitä": "sinua",
    "teidät": "sinut",
    "teille": "sinulle",
    "teillä": "sinulla",
    "teiltä": "sinulta",
    "teistä": "sinusta",
    "teihin": "sinuun",
    "teissä": "sinussa",
    # verbs
    "olette": "olet",
    "voitte": "voit",
    "haluatte": "haluat",
    "huomaatte": "huomaat",
    "saatte": "saat",
    "ette": "et",
    "ettekä": "etkä",
    "kerroitte": "kerroit",
    "vastustitte": "vastustit",
    # imperatives
    "kertokaa": "kerro",
    "liittäkää": "liitä",
    "lähettäkää": "lähetä",
    "ottakaa": "ota",
    # possessive suffix -nne
    "pyyntönne": "pyyntösi",
    "pyynnöstänne": "pyynnöstäsi",
    "pyyntöänne": "pyyntöäsi",
    "henkilöllisyytenne": "henkilöllisyytesi",
    "henkilöllisyyttänne": "henkilöllisyyttäsi",
    "tietonne": "tietosi",
    "tietojanne": "tietojasi",
    "henkilötietonne": "henkilötietosi",
    "henkilötietojenne": "henkilötietojesi",
    "henkilötiedoistanne": "henkilötiedoistasi",
    "suostumuksenne": "suostumuksesi",
    "suostumuksellanne": "suostumuksellasi",
    "sähköpostiosoitteenne": "sähköpostiosoitteesi",
    "käyttäjätilinne": "käyttäjätilisi",
    "asiakkuutenne": "asiakkuutesi",
    "tilanteenne": "tilanteesi",
    "etunne": "etusi",
    "oikeutenne": "oikeutesi",
    "vapautenne": "vapautesi",
}

_WORD = r"[a-zåäö]+"
PATTERNS = (
    # the forms replaced, and the pronoun in every case
    re.compile(r"\b(?:" + "|".join(sorted(REPLACED, key=len, reverse=True)) + r")\b"),
    # verbs in the 2nd person plural: olette, voisitte, teitte, ettekö
    re.compile(r"\b" + _WORD + r"tte(?:kö|ko|kin|hän|han)?\b"),
    # imperatives in the plural: lähettäkää, kertokaa, antakaa (not "aikaa", "alkaa", "jatkaa")
    re.compile(r"\b" + _WORD + r"[aäoöuye](?:kaa|kää)\b"),
    # the possessive suffix -nne: pyyntönne, tietojenne, tilillännekin
    re.compile(r"\b" + _WORD + r"nne(?:kin|kaan|kään|han|hän)?\b"),
)
# Words that end like a plural form and are not one.
NOT_PLURAL = frozenset({"tilanne", "tänne", "sinne", "minne", "jonne", "tuonne", "kanne", "ranne"})


def plural_forms(text: str) -> list[str]:
    """The second-person plural words of a Finnish text, in order; empty when it has none."""
    found = []
    for word in re.findall(r"\b[a-zåäö]+\b", text.lower()):
        if word in NOT_PLURAL:
            continue
        if any(pattern.fullmatch(word) for pattern in PATTERNS):
            found.append(word)
    return found
