"""One Finnish voice (issue 10, item 7): every Finnish text of the interface and the email frames
speaks to the person as *sinä*, like the letters (tests/unit/test_letter_texts.py)."""

from __future__ import annotations

from pathlib import Path

from babel.messages.pofile import read_po

from tests.finnish import plural_forms

CATALOG = Path(__file__).resolve().parents[2] / "portal/translations/fi/LC_MESSAGES/messages.po"


def test_the_finnish_catalog_speaks_as_sina():
    with CATALOG.open("rb") as po:
        catalog = read_po(po)
    found = {}
    for message in catalog:
        texts = message.string if isinstance(message.string, tuple) else (message.string,)
        forms = [form for text in texts if text for form in plural_forms(text)]
        if forms:
            found[str(message.id)] = forms
    assert found == {}
