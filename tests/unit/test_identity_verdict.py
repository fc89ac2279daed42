"""The identity verdict read from what the systems found (GDPR Art. 12(6)): an identifier that
leads to another person's record is never hidden by a match elsewhere, and a system that could
not be searched never passes for "nothing found"."""

from __future__ import annotations

from portal.answering.identity import verdict
from portal.register.findings import Finding, FoundPerson

ASKER = "aino.virtanen@example.com"


def found(system, *people):
    return Finding(system, "found", people=list(people))


def person(key, address, *by, table="customers"):
    return FoundPerson(root_key=key, contact_address=address, matched_by=by, root_table=table)


def test_the_registers_own_address_is_a_match_whatever_its_case():
    result = verdict.read(ASKER, [found("panel", person(1, "Aino.Virtanen@Example.com", "email"))])
    assert result.outcome == verdict.MATCH
    assert result.matched_systems == ("panel",)


def test_a_customer_number_of_someone_with_another_address_is_a_mismatch():
    result = verdict.read(
        "attacker@example.net",
        [found("panel", person(7, ASKER, "customer_number"))],
    )
    assert result.outcome == verdict.MISMATCH
    (mismatch,) = result.mismatches
    assert (mismatch.system_key, mismatch.root_key, mismatch.matched_by) == (
        "panel",
        7,
        ("customer_number",),
    )
    assert mismatch.has_address


def test_a_mismatch_is_not_hidden_by_the_askers_own_record_elsewhere():
    result = verdict.read(
        ASKER,
        [
            found("panel", person(1, ASKER, "email")),
            found("billing", person(9, "someone.else@example.com", "customer_number")),
        ],
    )
    assert result.outcome == verdict.MISMATCH
    assert result.matched_systems == ("panel",)


def test_a_record_found_by_its_own_email_and_the_given_number_is_a_match():
    result = verdict.read(ASKER, [found("panel", person(1, ASKER, "customer_number", "email"))])
    assert result.outcome == verdict.MATCH
    assert result.mismatches == ()


def test_nothing_found_where_every_system_answered():
    result = verdict.read(ASKER, [Finding("panel", "not_found"), Finding("news", "manual")])
    assert result.outcome == verdict.NOT_FOUND


def test_a_system_that_could_not_be_searched_makes_the_verdict_incomplete():
    result = verdict.read(
        ASKER, [Finding("panel", "not_found"), Finding("billing", "unreachable", problem="timeout")]
    )
    assert result.outcome == verdict.INCOMPLETE
    assert result.unsearched == ("billing",)


def test_a_described_table_missing_from_the_database_makes_it_incomplete_too():
    result = verdict.read(
        ASKER, [Finding("panel", "misconfigured", problem="missing column customers.email")]
    )
    assert result.outcome == verdict.INCOMPLETE


def test_no_database_set_up_on_this_server_means_staff_check_another_way():
    result = verdict.read(
        ASKER,
        [
            Finding("panel", "misconfigured", problem="not configured (set PANEL_URL)"),
            Finding("newsletter", "manual"),
        ],
    )
    assert result.outcome == verdict.NOT_CONNECTED
    assert verdict.read(ASKER, []).outcome == verdict.NOT_CONNECTED


def test_a_record_without_any_address_found_by_username_cannot_be_asked():
    result = verdict.read(ASKER, [found("panel", person(3, None, "username", table="users"))])
    assert result.outcome == verdict.MISMATCH
    assert not result.mismatches[0].has_address
