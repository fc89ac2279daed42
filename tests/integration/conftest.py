"""Fixtures for the request and ticket tests: the contact person, requests made as the web
layer makes them, a signed-in staff client."""

from __future__ import annotations

import shutil
import tempfile
from datetime import timedelta
from pathlib import Path

import pytest

from portal.models import RequestKind, Role, utcnow
from tests.conftest import submit
from tests.dovecot import Dovecot

STAFF_PASSWORD = "ville ville ville"


@pytest.fixture(scope="session")
def dovecot():
    """A real IMAP server for the privacy mailbox's tests, started on first use."""
    # Not under pytest's temporary directory: every pytest run makes that private to root again
    # (0700), and Dovecot reads its passwd file as an unprivileged user.
    directory = Path(tempfile.mkdtemp(prefix="dovecot-"))
    server = Dovecot(directory).start()
    yield server
    server.stop()
    shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def imap(dovecot):
    dovecot.empty()
    return dovecot


@pytest.fixture
def contact(make_user):
    return make_user(
        email="ville@wprod.fi", name="Ville Kärpijoki", role=Role.STAFF, password=STAFF_PASSWORD
    )


@pytest.fixture
def colleague(make_user):
    """A second staff member beside the contact person."""
    return make_user(
        email="anna@wprod.fi", name="Anna Kollega", role=Role.STAFF, password=STAFF_PASSWORD
    )


@pytest.fixture
def make_request(app, make_user):
    """A confirmed (or not) request made through the services, as the web layer makes it."""
    from portal.answering import identity
    from portal.answering.rights.completion import SYSTEM_KINDS
    from portal.extensions import db
    from portal.intake import submission
    from portal.models import User
    from portal.register.erasure.ticket import waive
    from portal.subject_requests.clock import compute_due_on, controller_today
    from portal.tokens import Purpose, make_token

    counter = iter(range(10_000))

    def make(
        requester=None,
        kind=RequestKind.ERASURE,
        *,
        confirmed=True,
        received_days_ago=0,
        identity_decided=True,
        systems_settled=True,
    ):
        """``identity_decided``: staff have already recorded how they confirmed who is asking
        (GDPR Art. 12(6)), which a release or an erasure waits for. ``systems_settled``: every
        system of the notice has a written reason why it needs nothing, which completing an
        erasure, rectification, restriction or marketing objection waits for (the systems'
        own tests carry the right out in them instead)."""
        n = next(counter)
        requester = requester or make_user(email=f"henkilo{n}@example.fi", name=f"Henkilö {n}")
        with app.test_request_context():
            user = db.session.get(User, requester.id)
            subject_request = submission.submit_request(
                user, kind, submission_key=f"key-{n}-{requester.id}", description="Tiedot pois."
            )
            if received_days_ago:
                subject_request.received_at = utcnow() - timedelta(days=received_days_ago)
                subject_request.due_on = compute_due_on(subject_request, controller_today())
            db.session.commit()
            if confirmed:
                submission.confirm_request(
                    make_token(Purpose.CONFIRM_REQUEST, rid=subject_request.id)
                )
                if identity_decided:
                    identity.decide(
                        subject_request, None, "other", "Soitin asiakkaalle rekisterin numeroon."
                    )
                if systems_settled and kind in SYSTEM_KINDS:
                    for system in app.extensions["notice"].systems:
                        waive(subject_request, None, system.key, "Ei tietoja tästä henkilöstä.")
                db.session.commit()
            return subject_request.id

    return make


def registered_by_staff(key: str, *, email="aino@example.fi", name="Aino Asiakas", **changes):
    """A request registered by the contact person through manual intake, received today (needs
    an app context and the ``contact`` fixture); by letter unless ``changes`` say otherwise."""
    from sqlalchemy import select

    from portal.extensions import db
    from portal.intake.manual import register_request
    from portal.models import Channel, User
    from portal.subject_requests.clock import controller_today

    staff = db.session.scalar(select(User).where(User.email == "ville@wprod.fi"))
    fields = {
        "received_on": controller_today(),
        "channel": Channel.LETTER,
        "identity_check": "Allekirjoitettu kirje.",
        **changes,
    }
    request = register_request(
        staff, RequestKind.ACCESS, name=name, email=email, submission_key=key, **fields
    )
    db.session.commit()
    return request


@pytest.fixture
def staff_client(client, contact, login):
    login("ville@wprod.fi", STAFF_PASSWORD)
    return client


def ticket(client, request_id, action, data):
    return submit(
        client, f"/staff/requests/{request_id}/{action}", data, page=f"/staff/requests/{request_id}"
    )


# GDPR Art. 19: closing a rectification, erasure or restriction accounts for every recipient.
TODAY_ISO = "2026-01-15"  # any past date serves as "the day the recipient was told"


def all_recipients_told(day: str = TODAY_ISO) -> dict:
    return {
        f"recipient-{key}-date": day
        for key in ("hosting_provider", "billing_software", "authorities")
    }
