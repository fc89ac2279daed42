"""A system's owner_language: the language an outside contact is written to (a processor abroad),
Finnish when the notice does not say; anything but a language of the portal stops start-up."""

from __future__ import annotations

from tests.unit.test_notice_systems import notice_data, parse, refused


def test_an_outside_contact_may_read_another_language(tmp_path):
    data = notice_data(tmp_path)
    data["systems"][1]["owner_language"] = "en"
    notice = parse(tmp_path, data)
    assert notice.system("mailer").owner_language == "en"
    assert notice.system("shop").owner_language is None


def test_a_language_the_portal_does_not_speak_names_the_field(tmp_path):
    data = notice_data(tmp_path)
    data["systems"][1]["owner_language"] = "de"
    error = refused(tmp_path, data)
    assert "systems[1].owner_language" in str(error)
