"""The privacy notice as data: WProd Oy's file, and clear errors for a malformed one."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from portal.notice import SECTION_KEYS, NoticeError, load_notice, parse_notice
from portal.notice.render import notice_html

WPROD = Path(__file__).resolve().parents[2] / "portal" / "notice" / "wprod.toml"
SEED = Path(__file__).resolve().parents[3] / "shared" / "seed" / "privacy-notice-wprod-fi.txt"


def wprod_data() -> dict:
    return tomllib.loads(WPROD.read_text(encoding="utf-8"))


def test_wprod_notice_names_controller_contact_and_register():
    notice = load_notice(WPROD)
    assert notice.controller.name == "WProd Oy"
    assert notice.controller.address.one_line == "Ansiotie 14, 21500 Piikkiö"
    assert notice.controller.phone == "+358 50 445 1002"
    assert notice.contact_person.name == "Ville Kärpijoki"
    assert notice.contact_person.email == "ville@wprod.fi"
    assert notice.contact_person.phone == "+358 45 114 3151"
    assert notice.register.name["fi"] == "Asiakasrekisteri"
    assert [p["fi"] for p in notice.register.parts] == ["Laskutustiedot", "Hosting käyttäjätiedot"]
    assert [s.key for s in notice.sections] == list(SECTION_KEYS)
    assert [s.number for s in notice.sections] == list(range(1, 11))


def test_every_section_has_finnish_and_english():
    notice = load_notice(WPROD)
    for section in notice.sections:
        assert section.title["fi"] and section.title["en"]
        if section.body is not None:
            assert section.body["fi"] and section.body["en"]


def _words(text: str) -> str:
    return " ".join(text.replace("•", " ").replace("\n- ", " ").split())


@pytest.mark.skipif(not SEED.exists(), reason="the shared seed notice is not beside the repository")
def test_finnish_text_is_transcribed_faithfully():
    """Sections 4-10, headings and text, read word for word the same as the original."""
    notice = load_notice(WPROD)
    transcribed = " ".join(
        f"{s.number}. {s.title['fi']} {s.body['fi']}" for s in notice.sections if s.body
    )
    original = SEED.read_text(encoding="utf-8")
    original = original[original.index("4. Henkilötietojen") : original.rindex("Valikko")]
    assert _words(transcribed.replace("\n\n- ", "\n- ")) == _words(original)


def test_missing_field_is_named():
    data = wprod_data()
    del data["contact_person"]["email"]
    with pytest.raises(NoticeError) as error:
        parse_notice(data, "custom.toml")
    assert error.value.field == "contact_person.email"
    assert "custom.toml" in str(error.value)


def test_missing_translation_is_named():
    data = wprod_data()
    del data["sections"][8]["body"]["en"]
    with pytest.raises(NoticeError) as error:
        parse_notice(data)
    assert error.value.field == "sections[8].body.en"


def test_missing_section_is_named():
    data = wprod_data()
    data["sections"] = [s for s in data["sections"] if s["key"] != "rights"]
    with pytest.raises(NoticeError) as error:
        parse_notice(data)
    assert "rights" in str(error.value)


def test_bad_contact_email_is_refused():
    data = wprod_data()
    data["contact_person"]["email"] = "ville at wprod"
    with pytest.raises(NoticeError) as error:
        parse_notice(data)
    assert error.value.field == "contact_person.email"


def test_unreadable_file(tmp_path):
    broken = tmp_path / "broken.toml"
    broken.write_text("controller = [", encoding="utf-8")
    with pytest.raises(NoticeError, match="not valid TOML"):
        load_notice(broken)
    with pytest.raises(NoticeError, match="does not exist"):
        load_notice(tmp_path / "missing.toml")


def test_light_markup_is_escaped_and_structured():
    html = notice_html("Ensin <b>kappale</b>.\n\n- yksi\n- kaksi\n\nLoppu")
    assert html == (
        "<p>Ensin &lt;b&gt;kappale&lt;/b&gt;.</p>\n<ul><li>yksi</li><li>kaksi</li></ul>\n"
        "<p>Loppu</p>"
    )
