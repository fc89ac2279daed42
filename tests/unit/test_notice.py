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


def test_wprod_notice_answers_access_requests_by_itself():
    """Art. 15(1)(a)-(h): purposes, categories, recipients, retention, sources, no transfers."""
    notice = load_notice(WPROD)
    assert notice.automated_decisions is False
    assert notice.transfers_outside_eea is False
    assert [c.key for c in notice.data_categories] == [
        "basic_data",
        "hosting_account",
        "contact_persons",
        "contracts_and_orders",
        "billing_records",
        "books",
        "newsletter_subscription",
        "privacy_requests",
    ]
    assert [r.key for r in notice.recipients] == [
        "hosting_provider",
        "billing_software",
        "authorities",
    ]
    assert [r.role for r in notice.recipients] == ["processor", "processor", "authority"]
    assert len(notice.sources) == 3
    assert notice.sources[0]["fi"] == "Asiakas itse"
    # The hosting user data sit in the register's second part, the billing data in its first.
    assert notice.category("hosting_account").register_part == 1
    assert notice.category("billing_records").register_part == 0
    assert notice.category("privacy_requests").register_part is None
    assert notice.category("hosting_account") in (
        notice.category(key) for key in notice.recipient("hosting_provider").categories
    )
    assert "billing_records" in notice.recipient("billing_software").categories
    with pytest.raises(KeyError):
        notice.category("no_such_category")


def test_newsletter_is_direct_marketing_on_legitimate_interest():
    notice = load_notice(WPROD)
    assert notice.purpose("newsletter").legal_basis == "legitimate_interest"
    assert notice.purpose("delivery").legal_basis == "contract"
    assert notice.category("newsletter_subscription").purposes == ("newsletter",)
    assert not notice.category("newsletter_subscription").retention.kept_after_erasure


def test_accounting_act_keeps_billing_records_six_years_and_books_ten():
    notice = load_notice(WPROD)
    billing = notice.category("billing_records").retention
    books = notice.category("books").retention
    assert (billing.after_erasure, billing.years) == ("keep", 6)
    assert (books.after_erasure, books.years) == ("keep", 10)
    assert billing.counted_from["fi"] == "sen vuoden lopusta, jonka aikana tilikausi päättyi"
    assert books.counted_from["fi"] == "tilikauden päättymisestä"
    for retention in (billing, books):
        assert "1336/1997" in retention.legal_ground["fi"]
        assert "2 luku 10 §" in retention.legal_ground["fi"]
        assert "Accounting Act" in retention.legal_ground["en"]
        assert "17(3)(b)" in retention.legal_ground["en"]


def test_only_records_the_law_requires_survive_erasure():
    notice = load_notice(WPROD)
    kept = {c.key for c in notice.data_categories if c.retention.kept_after_erasure}
    assert kept == {"billing_records", "books", "privacy_requests"}
    for category in notice.data_categories:
        retention = category.retention
        assert retention.period["fi"] and retention.period["en"]
        assert retention.legal_ground["fi"] and retention.legal_ground["en"]
        if not retention.kept_after_erasure:
            assert (retention.years, retention.counted_from) == (None, None)
    requests = notice.category("privacy_requests").retention
    assert requests.years == 3
    assert requests.counted_from["en"] == "the closure of the request"
    assert "5(2)" in requests.legal_ground["en"]


def _index(data: dict, table: str, key: str) -> int:
    return next(i for i, item in enumerate(data[table]) if item["key"] == key)


def _refused_field(data: dict) -> str:
    with pytest.raises(NoticeError) as error:
        parse_notice(data)
    return error.value.field


def test_retention_without_legal_ground_is_refused():
    data = wprod_data()
    index = _index(data, "data_categories", "basic_data")
    del data["data_categories"][index]["retention"]["legal_ground"]
    assert _refused_field(data) == f"data_categories[{index}].retention.legal_ground"


def test_retention_with_empty_legal_ground_is_refused():
    data = wprod_data()
    index = _index(data, "data_categories", "privacy_requests")
    data["data_categories"][index]["retention"]["legal_ground"]["fi"] = "  "
    assert _refused_field(data) == f"data_categories[{index}].retention.legal_ground.fi"


def test_kept_data_without_years_is_refused():
    data = wprod_data()
    index = _index(data, "data_categories", "books")
    del data["data_categories"][index]["retention"]["years"]
    assert _refused_field(data) == f"data_categories[{index}].retention.years"
    data["data_categories"][index]["retention"]["years"] = 0
    assert _refused_field(data) == f"data_categories[{index}].retention.years"


def test_kept_data_without_starting_point_is_refused():
    data = wprod_data()
    index = _index(data, "data_categories", "billing_records")
    del data["data_categories"][index]["retention"]["counted_from"]
    assert _refused_field(data) == f"data_categories[{index}].retention.counted_from"


def test_unknown_after_erasure_is_refused():
    data = wprod_data()
    data["data_categories"][0]["retention"]["after_erasure"] = "anonymise"
    assert _refused_field(data) == "data_categories[0].retention.after_erasure"


def test_unknown_purpose_in_a_category_is_refused():
    data = wprod_data()
    index = _index(data, "data_categories", "contact_persons")
    data["data_categories"][index]["purposes"].append("profiling")
    position = len(data["data_categories"][index]["purposes"]) - 1
    assert _refused_field(data) == f"data_categories[{index}].purposes[{position}]"


def test_unknown_category_in_a_recipient_is_refused():
    data = wprod_data()
    index = _index(data, "recipients", "billing_software")
    data["recipients"][index]["categories"] = ["basic_data", "salaries"]
    assert _refused_field(data) == f"recipients[{index}].categories[1]"


def test_unknown_legal_basis_is_refused():
    data = wprod_data()
    index = _index(data, "purposes", "newsletter")
    data["purposes"][index]["legal_basis"] = "vital_interest"
    assert _refused_field(data) == f"purposes[{index}].legal_basis"


def test_unknown_recipient_role_is_refused():
    data = wprod_data()
    data["recipients"][0]["role"] = "partner"
    assert _refused_field(data) == "recipients[0].role"


@pytest.mark.parametrize("table", ["purposes", "data_categories", "recipients"])
def test_duplicate_key_is_refused(table):
    data = wprod_data()
    data[table].append(dict(data[table][0]))
    assert _refused_field(data) == f"{table}[{len(data[table]) - 1}].key"


def test_register_part_out_of_range_is_refused():
    data = wprod_data()
    index = _index(data, "data_categories", "hosting_account")
    data["data_categories"][index]["register_part"] = 2
    assert _refused_field(data) == f"data_categories[{index}].register_part"


@pytest.mark.parametrize("field", ["automated_decisions", "transfers_outside_eea"])
def test_art_15_flags_are_required_true_or_false(field):
    data = wprod_data()
    data[field] = "no"
    assert _refused_field(data) == field
    del data[field]
    assert _refused_field(data) == field


def test_missing_translation_of_a_source_is_named():
    data = wprod_data()
    del data["sources"][1]["en"]
    assert _refused_field(data) == "sources[1].en"


def test_light_markup_is_escaped_and_structured():
    html = notice_html("Ensin <b>kappale</b>.\n\n- yksi\n- kaksi\n\nLoppu")
    assert html == (
        "<p>Ensin &lt;b&gt;kappale&lt;/b&gt;.</p>\n<ul><li>yksi</li><li>kaksi</li></ul>\n"
        "<p>Loppu</p>"
    )
