"""Bad input gets a clear answer and loses nothing, on every backend: open redirects."""

from __future__ import annotations

import pytest

from tests.conftest import csrf_token

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
