"""Garbage in, never a 5xx out: every route of the url map, as anonymous, requester and staff.

Hypothesis sends each route, with a valid CSRF token, a plausible form for it with a few fields
(or invented ones) replaced by garbage: NUL and other control characters, lone surrogates and
bytes that are not UTF-8, 100,000-character strings, huge and negative numbers, formulas, paths.
Path ids are real ones or far beyond any column's range. The app propagates exceptions (TESTING),
so an error in a view fails the test with its traceback rather than hiding behind a 500 page.
"""

from __future__ import annotations

import io
import os
import re
from datetime import date
from urllib.parse import quote_from_bytes, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from portal.models import OutboxMessage, OutboxStatus, RequestKind, Role, User
from tests.conftest import csrf_token
from tests.integration.conftest import STAFF_PASSWORD

PASSWORD = "kettu juoksee metsässä"
NEW_PASSWORD = "kirahvi syö lehtiä puusta"
HUGE_IDS = [0, 2**31 - 1, 2**31, 2**63 - 1, 2**63, 10**26, 10**40]

FUZZ_SETTINGS = settings(
    # FUZZ_EXAMPLES=5000 for a longer search; the default keeps the suite quick.
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "300")),
    deadline=None,
    database=None,
    print_blob=True,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
)

# A plausible form for each endpoint, so that garbage in one field gets past the others and
# reaches the service and the database. Routes without one are fuzzed with invented fields only.
TODAY = date.today().isoformat()
BASELINES = {
    "auth.register": {
        "name": "Uusi Ihminen",
        "email": "uusi@example.fi",
        "password": NEW_PASSWORD,
        "password_confirm": NEW_PASSWORD,
        "acknowledge": "y",
    },
    "auth.login": {"email": "maija@example.fi", "password": "not the password"},
    "auth.resend_confirmation": {"email": "maija@example.fi"},
    "auth.forgot_password": {"email": "maija@example.fi"},
    "auth.reset_password": {
        "password": "uusi salasana joka",
        "password_confirm": "uusi salasana joka",
    },
    "auth.accept_invitation": {
        "password": "uusi salasana joka",
        "password_confirm": "uusi salasana joka",
    },
    "auth.change_password": {
        "current_password": PASSWORD,
        "password": PASSWORD,
        "password_confirm": PASSWORD,
    },
    "auth.profile": {"name": "Maija Meikäläinen", "email": "maija@example.fi", "locale": "fi"},
    "main.set_language": {"lang": "fi", "next": "/"},
    "requests.new": {
        "description": "Poistakaa tietoni.",
        "particular_situation": "Tilanteeni on erityinen.",
        "customer_number": "A-123",
        "username": "maija",
        "business_id": "1234567-8",
    },
    "requests.reply": {"body": "Tässä lisätietoa."},
    "staff.register_request": {
        "kind": "erasure",
        "received_on": TODAY,
        "channel": "letter",
        "name": "Kirjeen Kirjoittaja",
        "email": "kirje@example.fi",
        "identity_check": "Henkilökortti tarkistettu.",
        "description": "Poistakaa tietoni.",
        "particular_situation": "",
        "customer_number": "A-1",
        "username": "kirje",
        "business_id": "",
    },
    "staff.act": {
        "body": "Vastaus.",
        "reason": "Perustelut.",
        "months": "2",
        "outcome": "completed",
        "reasons": "Perustelut.",
        "recipient-hosting_provider-date": TODAY,
        "recipient-billing_software-reason": "Ei tarpeen.",
        "recipient-authorities-reason": "Ei tarpeen.",
        "tell_recipients": "y",
        "external_done": "y",
        # What a question is for; an Art. 12(5) fee or refusal; the day a fee arrived.
        "purpose": "identity",
        "measure": "fee",
        "ground": "excessive",
        "fee": "15,50",
        "payment": "Tilille FI21 1234 5600 0007 85.",
        "paid_on": TODAY,
    },
    "staff.edit_letter": {"body": "Hei {name},\n\nKiitos.\n"},
    "staff.suppression": {"addresses": "maija@example.fi\n=1+2@example.fi\n"},
    # A system's owner answering a task; staff sending one.
    "tasks.answer": {"answer": "done", "done_on": TODAY, "reason": "Ei onnistu."},
    "staff.send_task": {"message": "Asiakas on myös tunnuksella maija."},
}
FILE_FIELDS = ("evidence", "files", "upload")
QUERY_NAMES = ("page", "q", "assignee", "status", "kind", "due", "letter", "next", "why", "sent")
KNOWN_NAMES = sorted({name for form in BASELINES.values() for name in form} | set(FILE_FIELDS))

NASTY = [
    "",
    " ",
    "\x00",
    "Hyvä\x00teksti",
    "\r\n",
    "rivi\rrivi",
    "\t",
    "\x1b[31mpunainen",
    "\x7f\x85\x9f",
    "\u2028\u2029",
    "\ufeff\u200b",
    "\ud800",
    "a\udfffb",
    "İ" * 200,
    "ß" * 300,
    "=cmd|' /C calc'!A0",
    "+358401234567",
    "-1",
    "@SUM(1)",
    "../../etc/passwd",
    "%00",
    "0",
    str(2**31),
    str(2**63),
    "9" * 40,
    "9" * 5000,
    "²",
    "١٢",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "ä" * 65,
    "k" * 65,
    "x" * 100_001,
    "@" * 300,
    "a@b",
    "A@EXAMPLE.FI",
    "İ" * 64 + "@example.fi",
    "//evil.example",
    "/\t/evil.example/",
    "/\r\nSet-Cookie: x=1",
    "\\\\evil.example",
    "9999-12-31",
    "0001-01-01",
    "2026-02-30",
]

text_values = st.one_of(
    st.sampled_from(NASTY),
    st.text(max_size=80),
    # Any code point, lone surrogates included (sent as the bytes a careless encoder makes).
    st.text(alphabet=st.characters(exclude_categories=()), max_size=40),
    st.integers().map(str),
    st.sampled_from(HUGE_IDS).map(str),
    st.builds(
        lambda piece, times: piece * times,
        st.text(min_size=1, max_size=3),
        st.sampled_from([64, 65, 201, 255, 10_001, 100_000]),
    ),
)
raw_values = st.one_of(text_values, st.binary(max_size=40))
field_names = st.one_of(st.sampled_from(KNOWN_NAMES), st.text(max_size=20))


def encode(value: str | bytes) -> str:
    raw = value if isinstance(value, bytes) else value.encode("utf-8", "surrogatepass")
    return quote_from_bytes(raw, safe="")


def urlencoded(data: dict) -> bytes:
    return "&".join(f"{encode(k)}={encode(v)}" for k, v in data.items()).encode("ascii")


def printable(value: str | bytes) -> str:
    """A value that can go into a multipart body: text without lone surrogates."""
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value.encode("utf-8", "surrogatepass").decode("utf-8", "replace")


# The world the routes act on ------------------------------------------------------------------


@pytest.fixture
def world(app, make_user, make_request):
    """A requester with requests of several kinds, a spare account for links, staff, and a failed
    email; the ids of each, and links that are valid."""
    from portal.extensions import db
    from portal.tokens import Purpose, make_token

    requester = make_user()
    spare = make_user(email="vara@example.fi", name="Vara Henkilö")
    ids = {
        "request_id": [
            make_request(requester, RequestKind.ERASURE),
            make_request(requester, RequestKind.ACCESS),
            make_request(requester, RequestKind.RECTIFICATION),
            make_request(requester, RequestKind.RESTRICTION),
            make_request(requester, RequestKind.MARKETING_OBJECTION),
        ],
    }
    unconfirmed = make_request(requester, RequestKind.ACCESS, confirmed=False)
    ids["request_id"].append(unconfirmed)
    with app.app_context():
        message = db.session.scalars(select(OutboxMessage).limit(1)).one()
        message.status = OutboxStatus.FAILED
        db.session.commit()
        ids["message_id"] = [message.id]
        user = db.session.get(User, spare.id)
        tokens = [
            make_token(Purpose.CONFIRM_REQUEST, rid=unconfirmed),
            make_token(Purpose.CONFIRM_EMAIL, uid=user.id, email=user.email),
            make_token(Purpose.RESET_PASSWORD, uid=user.id, nonce=user.session_nonce),
            make_token(Purpose.INVITATION, uid=user.id, nonce=user.session_nonce),
        ]
        # A task sent to a system's owner, whose link the owner's page takes.
        from portal.models import SubjectRequest
        from portal.register import tasks as system_tasks

        with app.test_request_context():
            task = system_tasks.send_task(
                db.session.get(SubjectRequest, ids["request_id"][1]), "monitoring", user, None
            )
            db.session.commit()
            tokens.append(make_token(Purpose.SYSTEM_TASK, task=task.id, key=task.link_jti))
    return {"ids": ids, "tokens": tokens, "requester": requester}


def path_values(world: dict) -> dict:
    """Strategies for the values of each path parameter, by name."""
    from portal.answering.letters import BY_KEY

    ids = world["ids"]
    return {
        "request_id": st.sampled_from(ids["request_id"] + HUGE_IDS),
        "message_id": st.sampled_from(ids["message_id"] + HUGE_IDS),
        "token": st.one_of(st.sampled_from(world["tokens"]), st.text(min_size=1, max_size=60)),
        "kind": st.one_of(st.sampled_from([k.value for k in RequestKind]), st.text(min_size=1)),
        "key": st.one_of(st.sampled_from(sorted(BY_KEY)), st.text(min_size=1)),
        "language": st.sampled_from(["fi", "en", "sv", "\x00", "f" * 100]),
        "system_key": st.one_of(
            st.sampled_from(["monitoring", "newsletter", "panel"]), st.text(min_size=1)
        ),
        "action": st.sampled_from(
            [
                "reply",
                "note",
                "ask",
                "extend",
                "resolve",
                "lift-restriction",
                "finish-lift",
                "excessive",
                "fee-paid",
                "resume",
                "assign",
            ]
        ),
    }


PARAMETER = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")


# Each role is mostly sent to its own pages, where its forms get past the sign-in checks.
OWN_PAGES = {
    "anonymous": ("auth.", "main.", "tasks."),
    "requester": ("requests.", "auth."),
    "staff": ("staff.",),
}


SIGNS_OUT = ("logout", "end_session", "end_all_sessions")


def routes(app, role: str) -> list:
    rules = [rule for rule in app.url_map.iter_rules() if rule.endpoint != "static"]
    if role != "anonymous":
        # Signing out is fuzzed anonymously; signed in, it would end the role being fuzzed.
        rules = [rule for rule in rules if not rule.endpoint.endswith(SIGNS_OUT)]
    return sorted(rules, key=lambda rule: rule.rule)


def weighted(rules: list, role: str) -> list:
    own = [rule for rule in rules if rule.endpoint.startswith(OWN_PAGES[role])]
    return rules + own * 3


def fill_path(rule, draw, values: dict) -> str:
    def value(match: re.Match) -> str:
        converter, name = match.group(1), match.group(2)
        if name in values:
            chosen = draw(values[name])
        elif converter == "int":
            chosen = draw(st.sampled_from([1, 2, *HUGE_IDS]))
        else:
            chosen = draw(st.text(min_size=1, max_size=30))
        return encode(str(chosen))

    return PARAMETER.sub(value, rule.rule)


# The test ------------------------------------------------------------------------------------


class Fuzzer:
    def __init__(self, client, role: str, world: dict, relogin) -> None:
        self.client = client
        self.role = role
        self.world = world
        self.relogin = relogin
        rules = weighted(routes(client.application, role), role)
        self.posts = [rule for rule in rules if "POST" in rule.methods]
        self.gets = [rule for rule in rules if "GET" in rule.methods]
        self.path_values = path_values(world)
        self.refresh_token()

    def refresh_token(self) -> None:
        page = {"anonymous": "/login", "requester": "/account", "staff": "/staff/intake"}
        response = self.client.get(page[self.role])
        assert response.status_code == 200, (self.role, response.status_code)
        self.token = csrf_token(response.get_data(as_text=True))

    def run(self, draw) -> None:
        # Mostly forms: they are where input reaches the database.
        method = draw(st.sampled_from(["POST", "POST", "POST", "GET"]))
        rule = draw(st.sampled_from(self.posts if method == "POST" else self.gets))
        path = fill_path(rule, draw, self.path_values)
        query = draw(st.dictionaries(st.sampled_from(QUERY_NAMES), raw_values, max_size=3))
        if query:
            path += "?" + urlencoded(query).decode()
        response = self.client.get(path) if method == "GET" else self.post(rule, path, draw)
        # Closed as a WSGI server closes every response: a download streamed from a temporary
        # file (an export, a case file) closes that file only then.
        response.close()
        assert response.status_code < 500, (method, path, response.status_code)
        location = urlsplit(response.headers.get("Location", ""))
        if self.role != "anonymous" and location.path == "/login":
            if self.client.get("/account").status_code != 200:
                # Something signed the role out (a changed password, say): sign in again.
                self.relogin()
            self.refresh_token()

    def post(self, rule, path: str, draw):
        form = dict(BASELINES.get(rule.endpoint, {}))
        # Mostly the form's own fields, so that each of them meets every kind of garbage.
        names = st.one_of(st.sampled_from(sorted(form)), field_names) if form else field_names
        changes = draw(st.dictionaries(names, raw_values, max_size=4))
        form.update(changes)
        if draw(st.booleans()):
            form["csrf_token"] = self.token
        else:
            # Most of the time a valid token, so that the form itself is checked.
            form["csrf_token"] = draw(st.sampled_from([self.token, self.token, "", "\x00"]))
        if draw(st.integers(0, 3)) == 0:
            # Multipart, as a browser sends a form with files.
            data = {printable(k): printable(v) for k, v in form.items()}
            for name in draw(st.lists(st.sampled_from(FILE_FIELDS), max_size=2)):
                content = draw(st.one_of(st.binary(max_size=200), st.just(b"%PDF-1.4\n%%EOF\n")))
                filename = draw(
                    st.one_of(
                        st.sampled_from(["a.pdf", "../../x.pdf", "lista.csv", "", ".pdf"]),
                        st.text(max_size=30).map(printable),
                    )
                )
                data[name] = FileStorage(io.BytesIO(content), filename=filename or "x")
            # Encoded here, in memory: the test client would spool a large body to a temporary
            # file that it never closes.
            boundary, body = encode_multipart(MultiDict(data))
            return self.client.post(
                path, data=body, content_type=f"multipart/form-data; boundary={boundary}"
            )
        return self.client.post(
            path, data=urlencoded(form), content_type="application/x-www-form-urlencoded"
        )


def _fuzz(client, role, world, relogin):
    client.application.config["PROPAGATE_EXCEPTIONS"] = True
    fuzzer = Fuzzer(client, role, world, relogin)

    @FUZZ_SETTINGS
    @given(st.data())
    def every_route(data):
        fuzzer.run(data.draw)

    every_route()


def test_fuzz_anonymous(client, world):
    _fuzz(client, "anonymous", world, relogin=lambda: None)


def test_fuzz_requester(client, world, login):
    login()
    _fuzz(client, "requester", world, relogin=login)


def test_fuzz_staff(app, client, world, contact, login, make_user):
    from portal.extensions import db

    with app.app_context():
        # An administrator: the outbox pages too.
        db.session.get(User, contact.id).role = Role.ADMIN
        db.session.commit()
    login("ville@wprod.fi", STAFF_PASSWORD)
    _fuzz(client, "staff", world, relogin=lambda: login("ville@wprod.fi", STAFF_PASSWORD))


def test_the_fuzz_reaches_every_route(app):
    """Routes are read from the url map, so a new one is fuzzed without being listed here."""
    every = {rule.endpoint for rule in app.url_map.iter_rules()} - {"static"}
    assert {rule.endpoint for rule in routes(app, "anonymous")} == every
    assert set(BASELINES) <= every, "a baseline form names an endpoint that is gone"
