"""Synthetic data for scripts/bench.py: accounts, requests in every state, their audit trail and
their mail, written in batches with SQLAlchemy Core on a database the migrations built.

Building 100,000 requests through the services would take an hour; rows written here look like
the services' own: references, due dates by Reg. 1182/71 (portal.deadlines), confirmed and closed
times, outcomes, pauses of waiting requests, and per request the events its ticket shows
(submitted, email.queued with a Message-ID, confirmed, assigned, notes, questions, the answer).
A seeded generator: the same rows every run, so figures of two runs compare.
"""

from __future__ import annotations

import functools
import random
import secrets
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa

FIRST_NAMES = (
    "Aino", "Eino", "Helmi", "Juhani", "Kaisa", "Lauri", "Maija", "Matti", "Niina", "Olli",
    "Pekka", "Riikka", "Sanna", "Tapio", "Ulla", "Ville", "Aleksi", "Anni", "Elina", "Henrik",
    "Ida", "Jenni", "Kalle", "Leena", "Mikko", "Noora", "Petra", "Saara", "Timo", "Veera",
    "Johanna", "Fredrik", "Linnea", "Emil", "Ebba", "Oskar",
)  # fmt: skip
LAST_NAMES = (
    "Virtanen", "Korhonen", "Mäkinen", "Nieminen", "Mäkelä", "Hämäläinen", "Laine", "Heikkinen",
    "Koskinen", "Järvinen", "Lehtonen", "Lehtinen", "Saarinen", "Salminen", "Heinonen", "Niemi",
    "Heikkilä", "Kinnunen", "Salonen", "Turunen", "Salo", "Laitinen", "Tuominen", "Rantanen",
    "Karjalainen", "Jokinen", "Mattila", "Savolainen", "Lahtinen", "Ahonen", "Lindqvist",
    "Nyström", "Holmberg", "Karppinen-Koski",
)  # fmt: skip
DOMAINS = ("example.com", "example.fi", "example.net", "example.org", "posti.example")
KINDS = (
    ("access", 40),
    ("erasure", 25),
    ("rectification", 10),
    ("marketing_objection", 10),
    ("objection", 6),
    ("restriction", 4),
    ("consent_withdrawal", 5),
)
# Of every 1,000 requests: 200 in the queue (open 170, waiting 30), the rest answered or ended.
STATUSES = (
    ("open", 170),
    ("waiting", 30),
    ("closed", 720),
    ("withdrawn", 50),
    ("lapsed", 20),
    ("unconfirmed", 10),
)
OUTCOMES = (("completed", 80), ("partially_completed", 12), ("refused", 8))
CONTACT_PERSON = ("ville@wprod.fi", "Ville Kärpijoki")
OTHER_STAFF = (
    ("staff", "tiina.tietosuoja@wprod.fi", "Tiina Tietosuoja"),
    ("staff", "antti.asiakaspalvelu@wprod.fi", "Antti Asiakaspalvelu"),
    ("admin", "ylläpito@wprod.fi", "Ylläpito WProd"),
)
BATCH = 5_000


@dataclass
class Built:
    """What the benchmark needs to know about the data it measures."""

    seconds: float = 0.0
    counts: dict[str, int] = field(default_factory=dict)
    staff_email: str = CONTACT_PERSON[0]
    staff_password: str = ""
    staff_totp_secret: str = ""
    # Values a person would search the queue for, each naming an open request.
    search: dict[str, str] = field(default_factory=dict)
    ticket_id: int = 0
    closed_pages: int = 0


def _weighted(rng: random.Random, choices: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([c for c, _ in choices], weights=[w for _, w in choices])[0]


def _ascii(text: str) -> str:
    return text.lower().translate(str.maketrans("äöåé", "aoae")).replace(" ", ".")


@functools.lru_cache(maxsize=4096)
def _due(received_on: date, months: int) -> date:
    from portal.deadlines import due_date

    return due_date(received_on, months)


def _local(moment: datetime) -> date:
    """The day of receipt in Finland, from which the deadline counts (portal.deadlines)."""
    from portal.deadlines import local_date

    return local_date(moment)


def _insert(connection, table: sa.Table, rows: list[dict]) -> None:
    """Batches of one statement each (executemany); every row must name the same columns."""
    for start in range(0, len(rows), BATCH):
        connection.execute(table.insert(), rows[start : start + BATCH])


def _chain(events: list[dict]) -> list[dict]:
    """Link the events into their chains as the portal does on insert (portal.models.audit: one
    chain per request, SHA-256 over each link), so the trail verifies like a real one; returns
    the chains' heads."""
    from portal.models import audit as chain

    heads: dict[str, dict] = {}
    for event in events:  # in id order, as they were appended
        name = chain.chain_of(event["request_id"], event["subject_user_id"])
        head = heads.setdefault(name, {"chain": name, "seq": 0, "last_hash": chain.GENESIS})
        stored = chain.as_stored(event["details"])
        event["body_digest"] = chain.sha256(event["body"] or "")
        event["details_digest"] = chain.sha256(chain.canonical(stored))
        event.update(chain=name, seq=head["seq"] + 1, prev_hash=head["last_hash"])
        event["chain_hash"] = chain.link_hash(
            prev_hash=event["prev_hash"],
            chain=name,
            seq=event["seq"],
            event_id=event["id"],
            occurred_at=event["occurred_at"],
            actor_id=event["actor_id"],
            subject_user_id=event["subject_user_id"],
            request_id=event["request_id"],
            action=event["action"],
            public=bool(event["public"]),
            kept=chain.kept_details(stored),
            body_digest=event["body_digest"],
            details_digest=event["details_digest"],
        )
        head.update(seq=event["seq"], last_event_id=event["id"], last_hash=event["chain_hash"])
    return list(heads.values())


def build(app, requests: int, seed: int = 14, echo=print) -> Built:
    """Write ``requests`` requests (and ~0.75 accounts per request) into the app's database,
    which the migrations built and which holds nothing yet."""
    import pyotp

    from portal.accounts.passwords import hash_password
    from portal.extensions import db

    started = time.monotonic()
    rng = random.Random(seed)  # noqa: S311 - made-up data, the same every run
    now = datetime.now(UTC).replace(microsecond=0)
    tables = db.metadata.tables
    built = Built(staff_password=secrets.token_urlsafe(12), staff_totp_secret=pyotp.random_base32())

    # Accounts ------------------------------------------------------------------------------
    # One real hash, shared: hashing 75,000 passwords would take an hour and change no figure.
    shared_hash = hash_password(secrets.token_urlsafe(12))
    users: list[dict] = []
    staff_ids: list[int] = []
    contact_id = 1
    for role, email, name in (("staff", *CONTACT_PERSON), *OTHER_STAFF):
        is_contact = email == CONTACT_PERSON[0]
        users.append(
            {
                "id": len(users) + 1,
                "email": email,
                "name": name,
                "role": role,
                "locale": "fi",
                "password_hash": hash_password(built.staff_password) if is_contact else shared_hash,
                "email_confirmed_at": now - timedelta(days=900),
                "notice_acknowledged_at": None,
                "newsletter": False,
                "totp_secret": built.staff_totp_secret if is_contact else pyotp.random_base32(),
                "totp_enrolled_at": now - timedelta(days=900),
                "created_at": now - timedelta(days=900),
                "updated_at": now - timedelta(days=900),
            }
        )
        if role == "staff":
            staff_ids.append(users[-1]["id"])
    accounts = max(int(requests * 0.75), 1)
    customer_numbers: dict[int, str] = {}
    for n in range(accounts):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        created = now - timedelta(days=rng.uniform(1, 1400))
        user_id = len(users) + 1
        if rng.random() < 0.7:
            customer_numbers[user_id] = str(100_000 + n)
        users.append(
            {
                "id": user_id,
                "email": f"{_ascii(first)}.{_ascii(last)}{n}@{rng.choice(DOMAINS)}",
                "name": f"{first} {last}",
                "role": "requester",
                "locale": _weighted(rng, (("fi", 85), ("sv", 10), ("en", 5))),
                "password_hash": shared_hash,
                "email_confirmed_at": created + timedelta(minutes=rng.uniform(1, 600)),
                "notice_acknowledged_at": created,
                "newsletter": rng.random() < 0.2,
                "totp_secret": None,
                "totp_enrolled_at": None,
                "created_at": created,
                "updated_at": created,
            }
        )
    first_requester = len(users) - accounts + 1

    # Requests, pauses, events, mail ---------------------------------------------------------
    subject_requests: list[dict] = []
    pauses: list[dict] = []
    events: list[dict] = []
    outbox: list[dict] = []
    emails = {u["id"]: u["email"] for u in users}

    def mail(request: dict, at: datetime, template: str, subject: str, actor=None) -> None:
        outbox_id = len(outbox) + 1
        to = emails[request["requester_id"]]
        message_id = f"<{request['id']}.{outbox_id}.{secrets.token_hex(6)}@wprod.fi>"
        outbox.append(
            {
                "id": outbox_id,
                "recipient": to,
                "user_id": request["requester_id"],
                "template": template,
                "locale": "fi",
                "subject": subject,
                "body_text": f"Hei!\n\n{subject}.\n\nYstävällisin terveisin\nWProd Oy\n",
                "body_html": f"<p>Hei!</p><p>{subject}.</p><p>WProd Oy</p>",
                "status": "sent",
                "attempts": 1,
                "next_attempt_at": at,
                "created_at": at,
                "sent_at": at + timedelta(seconds=rng.uniform(1, 30)),
            }
        )
        event(
            request,
            at,
            "email.queued",
            actor,
            False,
            None,
            to=to,
            template=template,
            email_subject=subject,
            outbox_id=outbox_id,
            message_id=message_id,
        )

    def event(request, at, action, actor, public, body, **details) -> None:
        events.append(
            {
                "id": len(events) + 1,
                "occurred_at": at,
                "actor_id": actor,
                "subject_user_id": request["requester_id"],
                "request_id": request["id"],
                "action": action,
                "public": public,
                "body": body,
                "details": details,
            }
        )

    for request_id in range(1, requests + 1):
        status = _weighted(rng, STATUSES)
        kind = _weighted(rng, KINDS)
        requester_id = rng.randrange(first_requester, first_requester + accounts)
        if status in ("open", "waiting"):
            # Most within their month; one in eight past it, some of those extended.
            age = rng.uniform(0, 30) if rng.random() < 0.875 else rng.uniform(30, 120)
        elif status == "unconfirmed":
            age = rng.uniform(0, 7)
        else:
            age = rng.uniform(8, 3 * 365)
        received = now - timedelta(days=age, seconds=rng.randrange(86_400))
        months = 3 if age > 30 and status in ("open", "waiting") and rng.random() < 0.4 else 1
        reference = f"WP-{received.year}-{request_id:04d}"
        request = {
            "id": request_id,
            "reference": reference,
            "requester_id": requester_id,
            "kind": kind,
            "status": status,
            "description": f"Pyydän {kind}-oikeuteni mukaisesti käsittelemään tietoni. Viite "
            f"asiakkuuteeni on liitteenä.",
            "particular_situation": "Muutin ulkomaille." if kind == "objection" else None,
            "customer_number": customer_numbers.get(requester_id) if rng.random() < 0.8 else None,
            "username": f"u{requester_id}" if rng.random() < 0.3 else None,
            "business_id": f"{rng.randrange(1_000_000, 9_999_999)}-{rng.randrange(10)}"
            if rng.random() < 0.05
            else None,
            "submission_key": secrets.token_hex(16),
            "received_at": received,
            "confirmed_at": None,
            "period_months": months,
            "extension_reason": "Pyyntöjä on paljon ja tämä on laaja." if months == 3 else None,
            "due_on": _due(_local(received), months),
            "assignee_id": None,
            "outcome": None,
            "outcome_reasons": None,
            "closed_at": None,
            "channel": _weighted(
                rng, (("portal", 90), ("email", 6), ("letter", 3), ("in_person", 1))
            ),
            "created_at": received,
            "updated_at": received,
        }
        subject_requests.append(request)
        event(
            request,
            received,
            "request.submitted",
            requester_id,
            True,
            None,
            kind=kind,
            status=[None, "unconfirmed"],
        )
        mail(request, received, "request_confirm", f"Vahvista pyyntösi {reference}")
        if status in ("unconfirmed", "lapsed"):
            if status == "lapsed":
                request["closed_at"] = received + timedelta(days=7)
                event(
                    request,
                    request["closed_at"],
                    "request.lapsed",
                    None,
                    True,
                    None,
                    status=["unconfirmed", "lapsed"],
                )
            continue
        confirmed = received + timedelta(minutes=rng.uniform(1, 240))
        request["confirmed_at"] = confirmed
        request["assignee_id"] = contact_id if rng.random() < 0.85 else rng.choice(staff_ids)
        event(
            request,
            confirmed,
            "request.confirmed",
            requester_id,
            True,
            None,
            status=["unconfirmed", "open"],
        )
        event(
            request,
            confirmed,
            "request.assigned",
            None,
            False,
            None,
            assignee=[None, emails[request["assignee_id"]]],
        )
        mail(request, confirmed, "request_received", f"Pyyntösi {reference} on vastaanotettu")
        staff = request["assignee_id"]
        for _ in range(rng.choice((0, 0, 1, 1, 2, 3))):
            at = confirmed + timedelta(hours=rng.uniform(1, 72))
            event(request, at, "note", staff, False, "Tarkistettu laskutusjärjestelmästä.")
        if months == 3:
            event(
                request,
                confirmed + timedelta(days=20),
                "request.extended",
                staff,
                True,
                request["extension_reason"],
                # As the service records it (the ticket shows the new date).
                due_on=[_due(_local(received), 1).isoformat(), request["due_on"].isoformat()],
                period_months=3,
            )
        if status == "waiting":
            asked = min(confirmed + timedelta(days=rng.uniform(0.1, 5)), now)
            pauses.append({"request_id": request_id, "asked_at": asked, "reason": "identity"})
            event(
                request,
                asked,
                "request.info_requested",
                staff,
                True,
                "Lähetä kopio henkilöllisyystodistuksesta.",
                purpose="identity",
                clock="paused",
            )
            mail(request, asked, "request_question", f"Kysymys pyynnöstäsi {reference}")
        elif status in ("closed", "withdrawn"):
            # Never in the future: an answer of a request received yesterday came by now.
            closed = min(confirmed + timedelta(days=rng.uniform(0.5, 28)), now)
            request["closed_at"] = closed
            request["updated_at"] = closed
            if status == "withdrawn":
                event(
                    request,
                    closed,
                    "request.withdrawn",
                    requester_id,
                    True,
                    None,
                    status=["open", "withdrawn"],
                )
                continue
            outcome = _weighted(rng, OUTCOMES)
            reasons = None if outcome == "completed" else "Laki velvoittaa säilyttämään laskut."
            request.update(outcome=outcome, outcome_reasons=reasons)
            event(
                request,
                closed,
                "request.resolved",
                staff,
                True,
                reasons,
                status=["open", "closed"],
                outcome=outcome,
            )
            mail(request, closed, "request_resolved", f"Vastaus pyyntöösi {reference}")

    heads = _chain(events) if "audit_chain_head" in tables else []
    with db.engine.begin() as connection:
        _insert(connection, tables["user_account"], users)
        _insert(connection, tables["subject_request"], subject_requests)
        _insert(connection, tables["request_pause"], pauses)
        _insert(connection, tables["outbox_message"], outbox)
        _insert(connection, tables["audit_event"], events)
        if heads:
            _insert(connection, tables["audit_chain_head"], heads)
        if connection.dialect.name == "postgresql":
            # Explicit ids leave the sequences behind: the next row the portal adds would clash.
            for name in (
                "user_account",
                "subject_request",
                "request_pause",
                "outbox_message",
                "audit_event",
            ):
                connection.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "  # noqa: S608
                    f"(SELECT coalesce(max(id), 1) FROM {name}))"
                )
    # The planner's statistics, and on PostgreSQL the visibility map that lets index-only scans
    # skip the table, as a database that has been running has them (autovacuum).
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        is_postgresql = connection.dialect.name == "postgresql"
        connection.exec_driver_sql("VACUUM ANALYZE" if is_postgresql else "ANALYZE")

    built.counts = {
        "accounts": len(users),
        "requests": len(subject_requests),
        "audit events": len(events),
        "outbox messages": len(outbox),
    }
    queue = [r for r in subject_requests if r["status"] in ("open", "waiting")]
    named = next((r for r in queue if r["customer_number"]), queue[0])
    built.search = {
        "email": emails[named["requester_id"]],
        "name": users[named["requester_id"] - 1]["name"],
        "reference": queue[len(queue) // 2]["reference"],
        "customer number": named["customer_number"] or "100000",
    }
    waiting = [r for r in queue if r["status"] == "waiting"] or queue
    built.ticket_id = waiting[0]["id"]
    closed = sum(1 for r in subject_requests if r["status"] in ("closed", "withdrawn"))
    built.closed_pages = max(1, -(-closed // app.config["STAFF_QUEUE_PAGE_SIZE"]))
    built.seconds = time.monotonic() - started
    return built
