"""The demo's requests: a working day's queue for ``flask demo seed`` (issue 13, item 8).

About forty requests in every state a contact person meets: overdue, due today, due soon, fresh,
waiting for the requester (clock paused), extended, answered with each outcome, withdrawn,
unconfirmed and lapsed; with replies, questions, the requesters' answers and internal notes.

They are made through the portal's own services, as staff and requesters make them, so their
due dates, audit events and letters are real: a request that came by letter, email or in person
is registered with its day of receipt in the past (manual intake takes one), and a request made
on the portal has its receipt moved back as the tests do, its due date counted again by the
clock. The audit trail is append-only (and chained), so its events carry the day the demo was
seeded; the request's own dates (receipt, confirmation, closing) are the story's.

Each request has a fixed submission key, so seeding again adds none twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import select

from portal.answering import identity
from portal.answering.rights import Completion, resolve
from portal.deadlines import due_date, start_of_day
from portal.extensions import db
from portal.intake import manual, submission
from portal.models import Channel, Outcome, RequestKind, Role, SubjectRequest, User, utcnow
from portal.subject_requests import actions
from portal.subject_requests.clock import compute_due_on, controller_today
from portal.tokens import Purpose, make_token

KEY_PREFIX = "demo-seed-"
# How the contact person made sure who wrote, by channel (GDPR Art. 12(6); manual intake asks).
CHECKS = {
    Channel.LETTER: "Allekirjoitus verrattu asiakassopimukseen.",
    Channel.EMAIL: "Viesti tuli asiakasrekisterissä olevasta osoitteesta.",
    Channel.IN_PERSON: "Henkilökortti tarkistettu toimistolla.",
}


@dataclass(frozen=True)
class Story:
    """One demo request: who, what, how it came, how many days ago, and what happened since."""

    number: int
    name: str
    kind: RequestKind
    received_days_ago: int | str  # "due-today": the receipt whose month ends today
    channel: Channel = Channel.LETTER
    language: str = "fi"
    steps: tuple = field(default=())
    description: str = "Pyydän tietojani koskevaa toimenpidettä asiakkuuteeni liittyen."

    @property
    def key(self) -> str:
        return f"{KEY_PREFIX}{self.number:02d}"

    @property
    def email(self) -> str:
        first, _, last = self.name.lower().partition(" ")
        plain = (
            first.translate(str.maketrans("äöå", "aoa"))
            + "."
            + last.translate(str.maketrans("äöå", "aoa"))
        )
        return f"{plain.replace(' ', '')}@example.net"


K = RequestKind
NOTE = ("note", "Tarkistin laskutusjärjestelmän: asiakkuus löytyy, kaksi palvelua.")
REPLY = ("reply", "Kiitos pyynnöstäsi. Olemme aloittaneet sen käsittelyn ja palaamme asiaan pian.")
ASK_ID = ("ask", "identity", "Kerro asiakasnumerosi, jotta voimme varmistaa henkilöllisyytesi.")
ASK_SCOPE = (
    "ask",
    "clarification",
    "Mitä palvelua pyyntösi koskee: webhotellia vai verkkotunnusta?",
)
ANSWER = ("answer", "Asiakasnumeroni on 10234.")
IDENTITY = ("identity",)
EXTEND = (
    "extend",
    "Tiedot on haettava kolmesta järjestelmästä, ja pyyntöjä on tänä kuussa tavallista enemmän.",
)
ACCESS_DONE = "Ohessa tietosi. Tiedot on koottu hallintapaneelista ja laskutusjärjestelmästä."
PARTLY = "Annamme tiedot palveluistasi. Toisen henkilön tietoja emme voi luovuttaa (GDPR 15(4))."
REFUSED = "Laskut on säilytettävä kirjanpitolain (1336/1997) 2 luvun 10 §:n mukaan kuusi vuotta."

STORIES = (
    # Overdue: the month has run out and no answer has gone.
    Story(1, "Mikko Laine", K.ACCESS, 45, Channel.LETTER, steps=(NOTE,)),
    Story(2, "Sanna Korhonen", K.ERASURE, 38, Channel.EMAIL, steps=(REPLY, NOTE)),
    Story(3, "Jukka Nieminen", K.RECTIFICATION, 34, Channel.IN_PERSON),
    Story(4, "Elina Mäkinen", K.RESTRICTION, 52, Channel.LETTER, "sv"),
    # Due today, where today is a working day (a due date is never a weekend or holiday).
    Story(5, "Timo Hämäläinen", K.ACCESS, "due-today", Channel.EMAIL, steps=(NOTE,)),
    Story(6, "Paula Heikkinen", K.OBJECTION, "due-today", Channel.LETTER),
    # Due within a week.
    Story(7, "Antti Koskinen", K.ACCESS, 26, Channel.EMAIL, steps=(REPLY,)),
    Story(8, "Riikka Järvinen", K.ERASURE, 27, Channel.LETTER, steps=(IDENTITY, NOTE)),
    Story(9, "Ville Lehtonen", K.CONSENT_WITHDRAWAL, 25, Channel.IN_PERSON, "en"),
    Story(10, "Hanna Saarinen", K.MARKETING_OBJECTION, 24, Channel.EMAIL),
    # Fresh: plenty of time.
    Story(11, "Juha Salminen", K.ACCESS, 2, Channel.PORTAL),
    Story(12, "Laura Heinonen", K.ERASURE, 4, Channel.PORTAL, steps=(NOTE,)),
    Story(13, "Petri Niemi", K.RECTIFICATION, 6, Channel.LETTER),
    Story(14, "Katja Turunen", K.ACCESS, 9, Channel.EMAIL, "sv", steps=(REPLY,)),
    Story(15, "Markus Salo", K.OBJECTION, 12, Channel.PORTAL),
    Story(16, "Tiina Kinnunen", K.ACCESS, 1, Channel.IN_PERSON),
    # Waiting for the requester: the clock is paused (GDPR Art. 12(6); EDPB 01/2022 §159).
    Story(17, "Jari Laitinen", K.ACCESS, 8, Channel.EMAIL, steps=(ASK_ID,)),
    Story(18, "Minna Tuominen", K.ERASURE, 15, Channel.LETTER, steps=(NOTE, ASK_ID)),
    Story(19, "Kari Rantanen", K.RECTIFICATION, 11, Channel.PORTAL, steps=(ASK_SCOPE,)),
    Story(20, "Satu Karjalainen", K.RESTRICTION, 5, Channel.EMAIL, "en", steps=(ASK_SCOPE,)),
    # Asked, answered: the clock runs again, later by the days it stood still.
    Story(21, "Pekka Lindholm", K.ACCESS, 14, Channel.EMAIL, "sv", steps=(ASK_ID, ANSWER)),
    # Extended by two months, with reasons (Art. 12(3)).
    Story(22, "Anne Hiltunen", K.ACCESS, 22, Channel.LETTER, steps=(EXTEND,)),
    Story(23, "Mika Miettinen", K.ERASURE, 27, Channel.EMAIL, steps=(NOTE, EXTEND)),
    Story(24, "Johanna Aaltonen", K.RECTIFICATION, 18, Channel.IN_PERSON, steps=(EXTEND,)),
    # Answered: completed, partially completed, refused (Art. 12(4)); one of them late.
    Story(25, "Sami Ahonen", K.ACCESS, 40, Channel.EMAIL, steps=(("resolve", "completed", 12),)),
    Story(26, "Heidi Anttila", K.ACCESS, 75, Channel.LETTER, steps=(("resolve", "completed", 36),)),
    Story(
        27, "Tommi Mattila", K.OBJECTION, 33, Channel.PORTAL, steps=(("resolve", "completed", 20),)
    ),
    Story(
        28,
        "Noora Savolainen",
        K.CONSENT_WITHDRAWAL,
        20,
        Channel.EMAIL,
        "sv",
        steps=(("resolve", "completed", 2),),
    ),
    Story(
        29,
        "Jussi Vainio",
        K.ACCESS,
        55,
        Channel.EMAIL,
        steps=(NOTE, ("resolve", "partially_completed", 28)),
    ),
    Story(
        30,
        "Emilia Lindqvist",
        K.ACCESS,
        28,
        Channel.LETTER,
        "sv",
        steps=(("resolve", "partially_completed", 15),),
    ),
    Story(
        31,
        "Harri Leppänen",
        K.ERASURE,
        62,
        Channel.LETTER,
        steps=(NOTE, ("resolve", "refused", 25)),
    ),
    Story(32, "Outi Kettunen", K.ERASURE, 21, Channel.EMAIL, steps=(("resolve", "refused", 9),)),
    # Withdrawn by the requester.
    Story(33, "Lauri Hakala", K.ACCESS, 10, Channel.PORTAL, steps=(("withdraw",),)),
    # Made on the portal, never confirmed: still waiting, and past the link's week (lapsed).
    Story(34, "Reetta Peltonen", K.ACCESS, 0, Channel.PORTAL, steps=(("unconfirmed",),)),
    Story(35, "Oskari Koivisto", K.ERASURE, 1, Channel.PORTAL, steps=(("unconfirmed",),)),
    Story(36, "Iida Jokinen", K.ACCESS, 12, Channel.PORTAL, steps=(("unconfirmed",),)),
    Story(37, "Aleksi Hirvonen", K.RECTIFICATION, 20, Channel.PORTAL, steps=(("unconfirmed",),)),
    # Two more in the middle of the month, for a queue that looks like a real one.
    Story(38, "Marjo Lindberg", K.ACCESS, 17, Channel.EMAIL, "sv", steps=(REPLY, NOTE)),
    Story(39, "Teemu Rautio", K.MARKETING_OBJECTION, 3, Channel.PORTAL),
    Story(40, "Kaisa Ojala", K.ERASURE, 19, Channel.IN_PERSON, steps=(IDENTITY,)),
)


def _receipt_due_today(today: date) -> date | None:
    """A day of receipt whose one-month period ends today, if any does (none on a weekend or a
    public holiday: a period never ends on one, Reg. 1182/71 Art. 3(4))."""
    country = current_app.config["HOLIDAY_COUNTRY"]
    for days in range(28, 35):
        received = today - timedelta(days=days)
        if due_date(received, 1, country=country) == today:
            return received
    return None


def _requester(story: Story) -> User:
    """A portal account for a portal story (confirmed, no password: nobody signs in with it)."""
    user = db.session.scalar(select(User).where(User.email == story.email))
    if user is None:
        user = User(
            email=story.email,
            name=story.name,
            role=Role.REQUESTER,
            locale=story.language,
            password_hash=None,
            email_confirmed_at=utcnow(),
        )
        db.session.add(user)
        db.session.flush()
    return user


def _open(story: Story, staff: User, received_on: date) -> SubjectRequest:
    timezone = current_app.config["BABEL_DEFAULT_TIMEZONE"]
    situation = (
        "Saan yhteydenottoja, vaikka en ole enää asiakas." if story.kind is K.OBJECTION else None
    )
    if story.channel is not Channel.PORTAL:
        request = manual.register_request(
            staff,
            story.kind,
            received_on=received_on,
            channel=story.channel,
            name=story.name,
            email=story.email,
            identity_check=CHECKS[story.channel],
            submission_key=story.key,
            description=story.description,
            particular_situation=situation,
            language=story.language,
        )
        # Registered on the day it came, as a contact person would.
        request.confirmed_at = start_of_day(received_on, timezone) + timedelta(hours=10)
        return request
    request = submission.submit_request(
        _requester(story),
        story.kind,
        submission_key=story.key,
        description=story.description,
        particular_situation=situation,
    )
    # Submitted that day at a quarter past nine, the clock counted from then (as the tests do).
    request.received_at = start_of_day(received_on, timezone) + timedelta(hours=9, minutes=15)
    request.due_on = compute_due_on(request, controller_today())
    db.session.flush()
    if ("unconfirmed",) not in story.steps:
        submission.confirm_request(make_token(Purpose.CONFIRM_REQUEST, rid=request.id))
        request.confirmed_at = request.received_at + timedelta(minutes=4)
    return request


def _act(request: SubjectRequest, staff: User, step: tuple, received_on: date) -> None:
    what = step[0]
    if what == "note":
        actions.add_note(request, staff, step[1])
    elif what == "reply":
        actions.reply(request, staff, step[1])
    elif what == "ask":
        actions.ask_for_information(request, staff, step[2], step[1])
    elif what == "answer":
        actions.requester_reply(request, request.requester, step[1])
    elif what == "identity":
        identity.decide(request, staff, "other", "Henkilöllisyys tarkistettu puhelimitse.")
    elif what == "extend":
        actions.extend(request, staff, 3, step[1])
    elif what == "withdraw":
        actions.withdraw(request, request.requester)
    elif what == "resolve":
        outcome, after_days = Outcome(step[1]), step[2]
        reasons = {
            Outcome.COMPLETED: ACCESS_DONE,
            Outcome.PARTIALLY_COMPLETED: PARTLY,
            Outcome.REFUSED: REFUSED,
        }[outcome]
        resolve(request, staff, outcome, reasons, None, Completion(external_systems_updated=True))
        # Answered that many days after receipt: the register's "days taken" and "on time".
        closed_on = received_on + timedelta(days=after_days)
        request.closed_at = start_of_day(
            closed_on, current_app.config["BABEL_DEFAULT_TIMEZONE"]
        ) + timedelta(hours=14)


def seed_requests(staff: User, today: date | None = None) -> tuple[int, int]:
    """Add the stories not yet in the database; (added, already there)."""
    today = today or controller_today()
    existing = set(
        db.session.scalars(
            select(SubjectRequest.submission_key).where(
                SubjectRequest.submission_key.like(f"{KEY_PREFIX}%")
            )
        )
    )
    added = 0
    due_today = _receipt_due_today(today)
    for story in STORIES:
        if story.key in existing:
            continue
        if story.received_days_ago == "due-today":
            if due_today is None:
                continue  # seeded again on a working day, it comes then
            received_on = due_today
        else:
            received_on = today - timedelta(days=story.received_days_ago)
        request = _open(story, staff, received_on)
        for step in story.steps:
            if step != ("unconfirmed",):
                _act(request, staff, step, received_on)
        db.session.commit()
        added += 1
    # The link is valid for a week: the portal's daily job lapses what was never confirmed.
    actions.lapse_unconfirmed()
    db.session.commit()
    return added, len(existing)
