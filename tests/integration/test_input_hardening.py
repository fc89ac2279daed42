"""Bad input gets a clear answer and loses nothing, on every backend: open redirects, formulas
in CSV exports."""

from __future__ import annotations

import csv
import io

import pytest

from tests.conftest import csrf_token, submit

# Open redirects -------------------------------------------------------------------------------

OFF_SITE = [
    "/%09/evil.example/",
    "/%0A/evil.example/",
    "/%0D%0A/evil.example/",
    "%09//evil.example/",
    "/%5Cevil.example/",
    "/%00/evil.example/",
    "//evil.example/",
    "https://evil.example/",
    "/%E2%80%A8/evil.example/",
]


def assert_stays_on_site(response) -> None:
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location in ("/", "http://localhost/"), location


@pytest.mark.parametrize("target", OFF_SITE)
def test_sign_in_never_redirects_off_site(client, make_user, target):
    make_user()
    html = client.get("/login").get_data(as_text=True)
    response = client.post(
        f"/login?next={target}",
        data={
            "csrf_token": csrf_token(html),
            "email": "maija@example.fi",
            "password": "kettu juoksee metsässä",
        },
    )
    assert_stays_on_site(response)


@pytest.mark.parametrize("target", OFF_SITE)
def test_the_language_switch_never_redirects_off_site(client, target):
    from urllib.parse import unquote

    html = client.get("/").get_data(as_text=True)
    response = client.post(
        "/language", data={"csrf_token": csrf_token(html), "lang": "en", "next": unquote(target)}
    )
    assert_stays_on_site(response)


def test_a_target_on_the_site_is_kept(client):
    from portal.urls import safe_next

    assert safe_next("/requests/?sent=1") == "/requests/?sent=1"
    assert safe_next("/staff/requests/3#access-package") == "/staff/requests/3#access-package"
    for target in ("/\t/evil.example/", "/\\evil.example", " /x", "/x\r\nSet-Cookie: a=1", None):
        assert safe_next(target) is None, repr(target)


# CSV exports ----------------------------------------------------------------------------------

FORMULAS = ["=1+2@example.fi", "+358@example.fi", "-2+3@example.fi", "@sum@example.fi"]


def test_csv_cells_are_never_formulas():
    from portal.web.csv_safe import csv_text, safe_cell

    for value in ('=HYPERLINK("x")', "+1", "-1", "@A1", "\t=1", "\r=1"):
        assert safe_cell(value).startswith("'")
    assert safe_cell("maija@example.fi") == "maija@example.fi"
    assert safe_cell(None) == ""
    rows = list(csv.reader(io.StringIO(csv_text(["=a"], [["=b", 1]]))))
    assert rows == [["'=a"], ["'=b", "1"]]


def test_the_suppression_check_neutralises_formulas(app, staff_client):
    from portal.answering import rights
    from portal.extensions import db as portal_db

    with app.app_context():
        for address in [*FORMULAS, "maija@example.fi"]:
            rights.suppress(address, "marketing_objection")
        portal_db.session.commit()
    response = submit(
        staff_client,
        "/staff/suppression",
        {"addresses": "\n".join([*FORMULAS, "maija@example.fi", "muu@example.fi"])},
    )
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == ["email", "action"]
    cells = [row[0] for row in rows[1:]]
    assert sorted(cells) == sorted(["'" + a for a in FORMULAS] + ["maija@example.fi"])
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)
