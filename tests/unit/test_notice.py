"""The privacy notice as data: WProd Oy's file, and clear errors for a malformed one."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from portal.notice import SECTION_KEYS, NoticeError, load_notice, parse_notice
from portal.notice.additions import covered_values, fingerprint
from portal.notice.consistency import (
    SOURCE_SECTIONS,
    check,
    notice_texts,
    split_sections,
    texts_by_key,
    unsupported_words,
)
from portal.notice.model import LANGUAGES
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


def test_every_section_has_finnish_swedish_and_english():
    assert LANGUAGES == ("fi", "sv", "en")
    notice = load_notice(WPROD)
    for section in notice.sections:
        assert all(section.title[language] for language in LANGUAGES)
        if section.body is not None:
            assert all(section.body[language] for language in LANGUAGES)
            # A translation, not a copy of the original.
            assert section.body["sv"] != section.body["fi"]


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


@pytest.mark.parametrize(
    ("table", "field"),
    [
        ("sections", "title"),
        ("purposes", "name"),
        ("controller_additions", "statement"),
        # The register's systems too: a Swedish speaker's copy of the data names them.
        ("systems", "name"),
    ],
)
def test_missing_swedish_translation_is_named(table, field):
    data = wprod_data()
    del data[table][0][field]["sv"]
    assert _refused_field(data) == f"{table}[0].{field}.sv"


def test_light_markup_is_escaped_and_structured():
    html = notice_html("Ensin <b>kappale</b>.\n\n- yksi\n- kaksi\n\nLoppu")
    assert html == (
        "<p>Ensin &lt;b&gt;kappale&lt;/b&gt;.</p>\n<ul><li>yksi</li><li>kaksi</li></ul>\n"
        "<p>Loppu</p>"
    )


# The structured part says only what the notice says ---------------------------------------------


def seed_texts(notice) -> dict[str, str]:
    """The original notice, split into its ten sections, under the keys of the notice's file."""
    return texts_by_key(split_sections(SEED.read_text(encoding="utf-8")), notice)


needs_seed = pytest.mark.skipif(
    not SEED.exists(), reason="the shared seed notice is not beside the repository"
)


@needs_seed
def test_the_original_notice_splits_into_its_ten_sections():
    sections = split_sections(SEED.read_text(encoding="utf-8"))
    assert list(sections) == list(range(1, 11))
    # §6 and §7 begin in the middle of a line in the original.
    assert sections[5].endswith("sopimuksen mukaisen toimittamisen kannalta.")
    assert sections[6].startswith("6. Säännönmukaiset tietolähteet Saamme")
    assert sections[7].endswith("EU/ETA alueen ulkopuolelle.")


@needs_seed
def test_no_structured_claim_goes_beyond_the_original_notice():
    """Each purpose is one §4 lists, on a basis §4 names; each retention period is §5's own
    sentence, on grounds §4 and §5 give; names and descriptions use the words of their section
    (§3, §5, §6, §7); the Art. 22 and transfer flags are stated by a sentence of the text. What the
    text does not give is a controller's addition."""
    notice = load_notice(WPROD)
    assert check(notice, seed_texts(notice)) == []


def test_no_structured_claim_goes_beyond_the_notices_own_text():
    # The same check on the sections as the file holds them, as the admin page runs it.
    notice = load_notice(WPROD)
    assert check(notice, notice_texts(notice)) == []


def test_the_swedish_translation_says_no_more_than_its_own_sections():
    """Issue 10, item 8: the Swedish fields checked against the Swedish sections, as the Finnish
    ones are against the original: the same purposes, periods, grounds, recipients and flags."""
    notice = load_notice(WPROD)
    assert check(notice, notice_texts(notice, "sv"), "sv") == []


def test_a_swedish_field_its_sections_do_not_support_is_found():
    data = wprod_data()
    recipient = _index(data, "recipients", "hosting_provider")
    data["recipients"][recipient]["name"]["sv"] = "Leverantören av nätverksunderhåll"
    purpose = _index(data, "purposes", "delivery")
    data["purposes"][purpose]["name"]["sv"] = "Leverans av alla våra tjänster"
    category = _index(data, "data_categories", "basic_data")
    data["data_categories"][category]["retention"]["legal_ground"]["sv"] = (
        "Ditt samtycke (dataskyddsförordningen art. 6.1 a)"
    )
    data["data_categories"][category]["retention"]["period"]["sv"] = "Tio år."
    notice = parse_notice(data)
    found = {c.path: (c.kind, c.words) for c in check(notice, notice_texts(notice, "sv"), "sv")}
    assert found == {
        "recipients.hosting_provider.name": ("words_not_in_text", ("nätverksunderhåll",)),
        "purposes.delivery.name": ("not_listed", ()),
        "data_categories.basic_data.retention.legal_ground": ("basis_not_named", ()),
        "data_categories.basic_data.retention.period": ("period_not_in_text", ()),
    }
    # The Finnish original is untouched, and says nothing it should not.
    assert check(notice, notice_texts(notice)) == []


def test_a_swedish_translation_that_allows_transfers_outside_the_eea_is_found():
    data = wprod_data()
    section = next(s for s in data["sections"] if s["key"] == "disclosures_and_transfers")
    section["body"]["sv"] = section["body"]["sv"].replace(
        "Vi lämnar aldrig ut personuppgifter utanför EU/EES.",
        "Vi kan lämna ut personuppgifter utanför EU/EES.",
    )
    notice = parse_notice(data)
    [conflict] = check(notice, notice_texts(notice, "sv"), "sv")
    assert (conflict.path, conflict.kind) == ("transfers_outside_eea", "not_stated")


@needs_seed
def test_what_the_original_states_is_not_marked_as_an_addition():
    """The additions hold only what the notice does not say: the facts the seed gives stay
    unmarked, so they are checked against it."""
    notice = load_notice(WPROD)
    texts = seed_texts(notice)
    for key in ("delivery", "obligations", "customer_relationship", "newsletter"):
        assert notice.addition_for(f"purposes.{key}.name") is None
    for key in ("basic_data", "hosting_account", "contact_persons", "contracts_and_orders"):
        period = notice.category(key).retention.period["fi"]
        assert notice.addition_for(f"data_categories.{key}.retention.period") is None
        assert "kirjanpitolain edellyttämä vähimmäisaika" in period
        assert "kirjanpitolain edellyttämä vähimmäisaika" in texts["data_content"]
    for recipient in notice.recipients:
        assert notice.addition_for(f"recipients.{recipient.key}.name") is None
    assert notice.addition_for("transfers_outside_eea") is None
    assert (
        "Emme koskaan luovuta henkilötietoja EU/ETA alueen ulkopuolelle"
        in texts["disclosures_and_transfers"]
    )


def _conflicts(data: dict) -> dict[str, str]:
    notice = parse_notice(data)
    return {c.path: c.kind for c in check(notice, notice_texts(notice))}


def _without_addition(data: dict, key: str) -> dict:
    data["controller_additions"] = [a for a in data["controller_additions"] if a["key"] != key]
    return data


def test_a_legal_basis_the_notice_does_not_name_is_found():
    data = wprod_data()
    data["purposes"][_index(data, "purposes", "obligations")]["legal_basis"] = "legal_obligation"
    assert _conflicts(data) == {"purposes.obligations.legal_basis": "basis_not_named"}


def test_an_addition_may_not_add_a_basis_to_a_purpose_the_notice_lists():
    # "purpose_bases" covers which of §4's two bases fits; a third is still refused.
    data = wprod_data()
    data["purposes"][_index(data, "purposes", "newsletter")]["legal_basis"] = "consent"
    assert _conflicts(data) == {"purposes.newsletter.legal_basis": "basis_not_named"}


def test_a_purpose_the_notice_does_not_list_is_found():
    data = _without_addition(wprod_data(), "request_records")
    conflicts = _conflicts(data)
    assert conflicts["purposes.privacy_requests.name"] == "not_listed"
    assert conflicts["purposes.privacy_requests.legal_basis"] == "basis_not_named"
    assert conflicts["data_categories.privacy_requests.retention.years"] == "not_stated"


def test_data_kept_only_during_the_customer_relationship_is_found():
    """§5 keeps the data for the Accounting Act's minimum after the relationship ends."""
    data = wprod_data()
    index = _index(data, "data_categories", "basic_data")
    data["data_categories"][index]["retention"]["period"]["fi"] = "asiakassuhteen ajan"
    assert _conflicts(data) == {"data_categories.basic_data.retention.period": "period_not_in_text"}


def test_years_the_notice_does_not_give_are_found():
    conflicts = _conflicts(_without_addition(wprod_data(), "accounting_records"))
    assert conflicts["data_categories.billing_records.retention.years"] == "not_stated"
    assert conflicts["data_categories.books.retention.years"] == "not_stated"
    # Its Art. 6(1)(c) ground is a basis §4 does not name.
    assert conflicts["data_categories.books.retention.legal_ground"] == "basis_not_named"


def test_maintenance_where_the_notice_says_monitoring_is_found():
    data = wprod_data()
    index = _index(data, "recipients", "hosting_provider")
    data["recipients"][index]["name"]["fi"] = "Palvelinten valvonnan ja ylläpidon palveluntarjoaja"
    notice = parse_notice(data)
    [conflict] = check(notice, notice_texts(notice))
    assert (conflict.path, conflict.kind) == (
        "recipients.hosting_provider.name",
        "words_not_in_text",
    )
    assert conflict.words == ("ylläpidon",)
    assert conflict.sections == (7,)


def test_no_automated_decisions_is_not_what_the_notice_says():
    """§6 speaks of automated updating and §9 of profiling; neither says whether decisions are
    made by automated means, so `false` is the controller's addition, not the notice's word."""
    notice = parse_notice(_without_addition(wprod_data(), "automated_decisions"))
    [conflict] = check(notice, notice_texts(notice))
    assert (conflict.path, conflict.kind) == ("automated_decisions", "not_stated")
    assert conflict.sections == (6, 9)


def test_a_notice_that_rules_out_automated_decisions_needs_no_addition():
    data = _without_addition(wprod_data(), "automated_decisions")
    rights = data["sections"][_index(data, "sections", "rights")]
    rights["body"]["fi"] += "\n\nEmme tee automaattisia päätöksiä."
    assert _conflicts(data) == {}


def test_transfers_outside_the_eea_contradict_section_7():
    data = wprod_data()
    data["transfers_outside_eea"] = True
    assert _conflicts(data) == {"transfers_outside_eea": "not_stated"}


def test_a_source_the_notice_does_not_name_is_found():
    data = wprod_data()
    data["sources"].append(
        {"fi": "Luottotietorekisteri", "sv": "Kreditupplysningsregistret", "en": "Credit register"}
    )
    assert _conflicts(data) == {"sources.3": "words_not_in_text"}


def test_unmarked_mappings_are_found():
    conflicts = _conflicts(_without_addition(wprod_data(), "data_map"))
    assert conflicts["recipients.billing_software.categories"] == "not_stated"
    assert conflicts["data_categories.contact_persons.register_part"] == "not_stated"
    assert conflicts["data_categories.hosting_account.purposes"] == "not_stated"
    # The hosting user data are §3's "Hosting käyttäjätiedot" by their very name.
    assert "data_categories.hosting_account.register_part" not in conflicts


@pytest.mark.parametrize(
    ("language", "stop"),
    [
        ("en", frozenset({"their", "which", "where", "whose", "that", "this", "with", "from"})),
        ("sv", frozenset({"samt", "också", "även", "eller", "såsom", "vilka", "vilket"})),
    ],
)
def test_translated_fields_use_the_words_of_the_translation(language, stop):
    """The English (Swedish) of each structured field the notice states is the English (Swedish)
    translation's."""
    notice = load_notice(WPROD)

    def text(table: str) -> str:
        found = [
            notice.section(k).body[language] for k in SOURCE_SECTIONS[table] if k != "register"
        ]
        return " ".join([*found, *(part[language] for part in notice.register.parts)]).lower()

    def stated(path: str) -> bool:
        return notice.addition_for(path) is None

    values = [(f"purposes.{p.key}.name", p.name, "purposes") for p in notice.purposes]
    for c in notice.data_categories:
        at = f"data_categories.{c.key}"
        values += [(f"{at}.name", c.name, "data_categories")]
        values += [(f"{at}.description", c.description, "data_categories")]
        values += [(f"{at}.retention.period", c.retention.period, "data_categories")]
    for r in notice.recipients:
        values += [(f"recipients.{r.key}.name", r.name, "recipients")]
        values += [(f"recipients.{r.key}.description", r.description, "recipients")]
    values += [("sources", source, "sources") for source in notice.sources]
    unsupported = {
        path: words
        for path, value, table in values
        if stated(path) and (words := unsupported_words(value[language], text(table), stop))
    }
    assert unsupported == {}


# The controller's additions ----------------------------------------------------------------------


def test_wprod_additions_cover_what_the_notice_does_not_state():
    notice = load_notice(WPROD)
    assert [a.key for a in notice.controller_additions] == [
        "request_records",
        "accounting_records",
        "erasure_exceptions",
        "newsletter_data",
        "automated_decisions",
        "purpose_bases",
        "data_map",
    ]
    records = notice.addition_for("data_categories.privacy_requests.retention.years")
    assert records.key == "request_records"
    assert "kolme vuotta" in records.statement["fi"] and "three years" in records.statement["en"]
    assert notice.addition_for("purposes.privacy_requests").key == "request_records"
    assert notice.addition_for("data_categories.books.retention.years").key == "accounting_records"
    assert notice.addition_for("automated_decisions").key == "automated_decisions"
    assert notice.addition_for("purposes.delivery.legal_basis").key == "purpose_bases"
    assert notice.addition_for("data_categories.basic_data.register_part").key == "data_map"
    wildcard = notice.addition_for("data_categories.basic_data.retention.after_erasure")
    assert wildcard.key == "erasure_exceptions"
    # Stated by the notice: no addition.
    assert notice.addition_for("purposes.delivery") is None
    assert notice.addition_for("data_categories.basic_data.retention.period") is None
    assert notice.addition_for("recipients.hosting_provider.name") is None
    # A marker beside a whole item shows when any field of it is an addition.
    assert notice.addition_within("recipients.hosting_provider")
    assert not notice.addition_within("transfers_outside_eea")
    for addition in notice.controller_additions:
        for language in LANGUAGES:
            assert addition.title[language] and addition.statement[language]
            assert addition.note[language]


def test_the_fingerprint_changes_with_what_the_addition_covers_only():
    notice = load_notice(WPROD)
    records = notice.addition_for("data_categories.privacy_requests")
    before = fingerprint(notice, records)
    assert (
        covered_values(notice, records)["data_categories.privacy_requests"]["retention"]["years"]
        == 3
    )

    data = wprod_data()
    data["data_categories"][_index(data, "data_categories", "privacy_requests")]["retention"][
        "years"
    ] = 4
    changed = parse_notice(data)
    assert fingerprint(changed, changed.addition_for("data_categories.privacy_requests")) != before

    data = wprod_data()
    data["contact_person"]["phone"] = "+358 40 000 0000"
    unchanged = parse_notice(data)
    assert fingerprint(unchanged, unchanged.addition_for("purposes.privacy_requests")) == before


@pytest.mark.parametrize(
    ("path", "problem"),
    [
        ("data_categories.salaries", "does not have"),
        ("data_categories.books.retention.months", "does not have"),
        ("data_categories.books.key", "does not have"),
        ("payments.books", "expected one of"),
        ("profiling", "expected automated_decisions"),
        ("", "is not a path"),
    ],
)
def test_an_addition_covering_nothing_is_refused(path, problem):
    data = wprod_data()
    data["controller_additions"][1]["covers"] = [path]
    with pytest.raises(NoticeError, match=problem) as error:
        parse_notice(data)
    assert error.value.field == "controller_additions[1].covers[0]"


def test_an_addition_without_its_statement_is_refused():
    data = wprod_data()
    del data["controller_additions"][2]["statement"]["en"]
    assert _refused_field(data) == "controller_additions[2].statement.en"
    data = wprod_data()
    data["controller_additions"][0]["covers"] = []
    assert _refused_field(data) == "controller_additions[0].covers"


def test_a_fact_covered_twice_is_refused():
    data = wprod_data()
    data["controller_additions"][1]["covers"].append("data_categories.privacy_requests")
    assert _refused_field(data) == "controller_additions[1].covers[2]"


def test_a_notice_without_additions_is_read():
    data = wprod_data()
    del data["controller_additions"]
    assert parse_notice(data).controller_additions == ()
