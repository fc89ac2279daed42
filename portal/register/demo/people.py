"""Made-up people and companies for the demo register: common Finnish names, invented addresses.

Nothing here is anyone's real data. Email addresses are on the domains reserved for examples
(RFC 2606: example.com, example.net, example.org), so no message can reach a real mailbox; street
names are common Finnish compounds with an invented number, and the postal codes are the cities'
own, so an address looks real without being copied from anyone.
"""

from __future__ import annotations

import random
import unicodedata
from functools import cache

FIRST_NAMES_F = (
    "Aino", "Anna", "Anneli", "Eeva", "Elina", "Emilia", "Hanna", "Heidi", "Helmi", "Iida",
    "Johanna", "Katariina", "Kaisa", "Laura", "Leena", "Liisa", "Maria", "Marjatta", "Minna",
    "Niina", "Outi", "Pauliina", "Pirjo", "Riikka", "Sanna", "Satu", "Sofia", "Tiina", "Tuula",
    "Venla",
)  # fmt: skip
FIRST_NAMES_M = (
    "Aleksi", "Antti", "Eero", "Eino", "Heikki", "Ilkka", "Jari", "Juha", "Jukka", "Kalle",
    "Lauri", "Markku", "Matti", "Mikko", "Niko", "Oskari", "Pekka", "Petri", "Risto", "Sami",
    "Teemu", "Timo", "Tuomas", "Veikko", "Ville",
)  # fmt: skip
SURNAMES = (
    "Heikkinen", "Hämäläinen", "Heinonen", "Hiltunen", "Huttunen", "Järvinen", "Kallio",
    "Karjalainen", "Koivisto", "Korhonen", "Koskinen", "Laaksonen", "Lehtonen", "Lehtinen",
    "Laine", "Leinonen", "Mattila", "Miettinen", "Mäkelä", "Mäkinen", "Nieminen", "Niemi",
    "Ojala", "Pitkänen", "Rantanen", "Räsänen", "Saarinen", "Salminen", "Salonen", "Turunen",
    "Tuominen", "Virtanen", "Väisänen",
)  # fmt: skip
STREET_PARTS = (
    "Koivu", "Pihlaja", "Kataja", "Mänty", "Vaahtera", "Kuusi", "Tammi", "Leppä", "Haapa",
    "Ranta", "Mylly", "Kirkko", "Aseman", "Puisto", "Metsä", "Niitty", "Kallio", "Lähde",
)  # fmt: skip
STREET_KINDS = ("katu", "tie", "kuja", "polku", "rinne", "kaari", "raitti")
CITIES = (
    ("00100", "Helsinki"), ("00530", "Helsinki"), ("02100", "Espoo"), ("01300", "Vantaa"),
    ("33100", "Tampere"), ("20100", "Turku"), ("90100", "Oulu"), ("40100", "Jyväskylä"),
    ("15110", "Lahti"), ("70100", "Kuopio"), ("28100", "Pori"), ("80100", "Joensuu"),
    ("53100", "Lappeenranta"), ("65100", "Vaasa"), ("96100", "Rovaniemi"),
)  # fmt: skip
COMPANY_WORDS = (
    "Pohjan", "Järvi", "Kivi", "Revontuli", "Tunturi", "Saaristo", "Havu", "Kaski", "Lumi",
    "Sammal", "Routa", "Ilta", "Virta",
)  # fmt: skip
COMPANY_TRADES = (
    "Rakennus", "Design", "Media", "Konsultointi", "Kiinteistöt", "Puutarha", "Kuljetus",
    "Sähkö", "Verkkokauppa", "Tilintarkastus", "Valokuvaus", "Ohjelmistot",
)  # fmt: skip
MAIL_DOMAINS = ("example.com", "example.net", "example.org")
BUSINESS_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2)


@cache  # a few hundred names, asked for again and again
def ascii_slug(text: str) -> str:
    """'Hämäläinen' -> 'hamalainen': how people write their names in an address."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(c for c in plain.lower() if c.isalnum() or c in ".-")


def business_id_check_digit(digits: str) -> int | None:
    """The Y-tunnus check digit of seven digits, or None for a remainder of 1 (never issued)."""
    remainder = sum(int(d) * w for d, w in zip(digits, BUSINESS_ID_WEIGHTS, strict=True)) % 11
    if remainder == 1:
        return None
    return 0 if remainder == 0 else 11 - remainder


def business_id(rng: random.Random) -> str:
    """A well-formed Y-tunnus such as 1234567-1, with a valid check digit."""
    while True:
        digits = f"{rng.randrange(1_000_000, 3_400_000):07d}"
        check = business_id_check_digit(digits)
        if check is not None:
            return f"{digits}-{check}"


def person_name(rng: random.Random) -> tuple[str, str]:
    first = rng.choice(FIRST_NAMES_F if rng.random() < 0.5 else FIRST_NAMES_M)
    return first, rng.choice(SURNAMES)


def company_name(rng: random.Random) -> str:
    return f"{rng.choice(COMPANY_WORDS)} {rng.choice(COMPANY_TRADES)} Oy"


def street_address(rng: random.Random) -> tuple[str, str, str]:
    """(street address, postal code, city); a flat's stair and number for about half."""
    street = rng.choice(STREET_PARTS) + rng.choice(STREET_KINDS)
    number = rng.randint(1, 60)
    flat = f" {rng.choice('ABCD')} {rng.randint(1, 40)}" if rng.random() < 0.5 else ""
    postal_code, city = rng.choice(CITIES)
    return f"{street.capitalize()} {number}{flat}", postal_code, city


def phone(rng: random.Random) -> str:
    prefix = rng.choice(("40", "44", "45", "50"))
    return f"+358 {prefix} {rng.randint(100, 999)} {rng.randint(1000, 9999)}"


def password_hash(rng: random.Random) -> str:
    """An argon2id hash string in the PHC format the panel stores, made of random bytes.

    It has the shape of a real one (a 16-byte salt, a 32-byte hash, unpadded base64) but hashes no
    password: computing real ones for 100,000 users would only slow the build.
    """
    import base64

    def b64(n: int) -> str:
        return base64.b64encode(rng.randbytes(n)).decode().rstrip("=")

    return f"$argon2id$v=19$m=65536,t=3,p=4${b64(16)}${b64(32)}"


def unique(candidate: str, taken: set[str], variant) -> str:
    """``candidate``, or the first of variant(2), variant(3)… that no one has yet."""
    n = 1
    value = candidate
    while value in taken:
        n += 1
        value = variant(n)
    taken.add(value)
    return value
