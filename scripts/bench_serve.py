"""scripts/bench.py's moving parts: gunicorn, a signed-in HTTP client, the timing and load loops,
the SQL statement count, and the mail worker delivering into an SMTP sink on loopback."""

from __future__ import annotations

import contextlib
import http.client
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
CSRF = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|'
    r'type="hidden" name="csrf_token" value="([^"]+)"'
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# Serving ---------------------------------------------------------------------------------------


class Gunicorn:
    """``gunicorn <target>`` with ``workers`` sync workers on a free loopback port."""

    def __init__(self, target: str, env: dict, workers: int, workdir: Path) -> None:
        self.port = free_port()
        self.log = workdir / f"gunicorn-{self.port}.log"
        self.command = [
            sys.executable, "-m", "gunicorn", target,
            "--workers", str(workers), "--worker-class", "sync",
            "--bind", f"127.0.0.1:{self.port}",
            "--pythonpath", f"{ROOT},{ROOT / 'scripts'}",
            "--timeout", "300", "--error-logfile", str(self.log),
        ]  # fmt: skip
        self.env = env
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> Gunicorn:
        self.process = subprocess.Popen(
            self.command, cwd=ROOT, env=self.env, start_new_session=True
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn stopped: {self.log.read_text()[-2000:]}")
            with contextlib.suppress(OSError):
                if get(self.port, "/")[0] == 200:
                    return self
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer within 60 s: {self.log}")

    def worker_rss(self) -> list[int]:
        """Resident memory of each worker in kB, from /proc (VmRSS)."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        sizes = []
        for pid in children.read_text().split():
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    sizes.append(int(line.split()[1]))
        return sizes

    def __exit__(self, *exc_info) -> None:
        self.process.send_signal(signal.SIGTERM)  # gunicorn's master stops its workers
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


# HTTP ------------------------------------------------------------------------------------------


def get(port: int, path: str, cookie: str | None = None) -> tuple[int, dict, bytes]:
    return request(port, "GET", path, cookie)


def request(
    port: int, method: str, path: str, cookie: str | None = None, form: dict | None = None
) -> tuple[int, http.client.HTTPMessage, bytes]:
    """One request on a new connection (gunicorn's sync workers close each one anyway); the
    whole body is read, as a browser would."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    headers = {"Cookie": cookie} if cookie else {}
    body = None
    if form is not None:
        body = urlencode(form)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.msg, response.read()
    finally:
        connection.close()


def _csrf(html: bytes) -> str:
    match = CSRF.search(html.decode())
    if not match:
        raise RuntimeError("no CSRF token on the sign-in page")
    return match.group(1) or match.group(2)


def _totp_code(app, built) -> str:
    """The code the contact person's authenticator shows now. The portal takes each time step
    once, so the step used by an earlier sign-in of this run is forgotten first."""
    import pyotp
    import sqlalchemy as sa

    from portal.extensions import db

    with app.app_context():
        db.session.execute(
            sa.text("UPDATE user_account SET totp_last_counter = NULL WHERE email = :email"),
            {"email": built.staff_email},
        )
        db.session.commit()
    return pyotp.TOTP(built.staff_totp_secret).now()


def sign_in(app, built, get_page, post_form) -> None:
    """Sign in with the password and the second factor through the pages, as a person does.
    ``get_page(path) -> body`` and ``post_form(path, form) -> (status, location)``."""
    form = {"email": built.staff_email, "password": built.staff_password}
    status, location = post_form("/login", {**form, "csrf_token": _csrf(get_page("/login"))})
    if status != 302 or not location.endswith("/login/code"):
        raise RuntimeError(f"signing in: {status} to {location!r}, not the code page")
    code = {"code": _totp_code(app, built), "csrf_token": _csrf(get_page("/login/code"))}
    status, location = post_form("/login/code", code)
    if status != 302 or location.endswith("/login/code"):
        raise RuntimeError(f"the authenticator code was refused ({status})")


def sign_in_over_http(app, port: int, built) -> str:
    """A Cookie header of a signed-in staff session on the served portal."""
    jar: dict[str, str] = {}

    def cookie() -> str:
        return "; ".join(f"{k}={v}" for k, v in jar.items())

    def keep(headers) -> None:
        for value in headers.get_all("Set-Cookie") or []:
            name, _, rest = value.partition("=")
            jar[name.strip()] = rest.split(";", 1)[0]

    def get_page(path):
        _status, headers, body = get(port, path, cookie())
        keep(headers)
        return body

    def post_form(path, form):
        status, headers, _ = request(port, "POST", path, cookie(), form)
        keep(headers)
        return status, headers.get("Location", "")

    sign_in(app, built, get_page, post_form)
    return cookie()


def timed(
    port: int, path: str, cookie: str | None, rounds: int, warm_up: int = 2
) -> tuple[list[float], int]:
    """Seconds of each of ``rounds`` sequential requests, after ``warm_up`` requests (by default
    one per worker)."""
    for _ in range(warm_up):
        get(port, path, cookie)
    times, statuses = [], set()
    for _ in range(rounds):
        started = time.perf_counter()
        status, _, _ = get(port, path, cookie)
        times.append(time.perf_counter() - started)
        statuses.add(status)
    return times, max(statuses)


def load(port: int, path: str, cookie: str | None, connections: int, seconds: float) -> float:
    """Requests per second answered 200 with ``connections`` clients asking back-to-back."""
    ends = time.monotonic() + seconds
    done = [0] * connections

    def client(index: int) -> None:
        while time.monotonic() < ends:
            if get(port, path, cookie)[0] == 200:
                done[index] += 1

    threads = [threading.Thread(target=client, args=(i,)) for i in range(connections)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(done) / (time.monotonic() - started)


# SQL statements --------------------------------------------------------------------------------


def statements_per_page(app, built, measured) -> dict[str, int]:
    """SQL statements of one request per page, counted in process by an engine listener
    (after one request that warms the caches, as a running worker's are)."""
    import sqlalchemy as sa

    count = [0]

    def seen(*_args) -> None:
        count[0] += 1

    staff = app.test_client()

    def get_page(path):
        return staff.get(path).get_data()

    def post_form(path, form):
        response = staff.post(path, data=form)
        return response.status_code, response.headers.get("Location", "")

    sign_in(app, built, get_page, post_form)
    anonymous = app.test_client()
    found = {}
    sa.event.listen(sa.Engine, "before_cursor_execute", seen)
    try:
        for label, path, signed_in in measured:
            client = staff if signed_in else anonymous
            if "export" not in label:  # an export runs for seconds; the pages warmed up enough
                client.get(path)
            count[0] = 0
            client.get(path)
            found[label] = count[0]
    finally:
        sa.event.remove(sa.Engine, "before_cursor_execute", seen)
    return found


# Mail ------------------------------------------------------------------------------------------


class Sink:
    """An SMTP server on loopback that keeps each message's arrival time and Message-ID."""

    def __init__(self) -> None:
        self.port = free_port()
        self.arrivals: list[tuple[float, str]] = []
        self.controller = None

    async def handle_DATA(self, server, session, envelope):
        match = re.search(rb"^Message-ID:\s*(\S+)", envelope.original_content, re.M | re.I)
        self.arrivals.append((time.monotonic(), match.group(1).decode() if match else ""))
        return "250 Message accepted for delivery"

    def start(self) -> Sink:
        from aiosmtpd.controller import Controller

        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()


@dataclass
class MailRun:
    delivered: int
    seconds: float
    rate: float
    duplicates: int
    pending: int


def mail_rate(app, env: dict, sink: Sink, messages: int) -> MailRun:
    """Queue ``messages`` as the portal does (an outbox row and its email.queued event, one
    transaction), run ``flask outbox send --worker`` until all have arrived, and time them from
    the first arrival to the last, so the command's start-up is not counted."""
    from datetime import UTC, datetime

    import sqlalchemy as sa

    from portal.extensions import db
    from portal.models import AuditEvent, OutboxMessage

    now = datetime.now(UTC)
    with app.app_context():
        requests = db.session.execute(
            sa.text(
                "SELECT r.id, r.reference, u.email, u.id FROM subject_request r "
                "JOIN user_account u ON u.id = r.requester_id ORDER BY r.id LIMIT :n"
            ),
            {"n": messages},
        ).all()
        for n in range(messages):
            request_id, reference, email, user_id = requests[n % len(requests)]
            subject = f"Vastaus pyyntöösi {reference}"
            message = OutboxMessage(
                recipient=email,
                user_id=user_id,
                template="request_resolved",
                locale="fi",
                subject=subject,
                # The size of a real answer, in lines (SMTP refuses lines over 1,000 bytes).
                body_text=f"Hei!\n\n{subject}.\n\n" + "Vastauksemme on liitteenä.\n" * 40,
                body_html=f"<p>Hei!</p><p>{subject}.</p>" + "<p>Vastauksemme.</p>\n" * 40,
                next_attempt_at=now,
                created_at=now,
            )
            db.session.add(message)
            db.session.flush()
            # Through the ORM, so the event joins its request's audit chain as the portal's do.
            db.session.add(
                AuditEvent(
                    occurred_at=now,
                    subject_user_id=user_id,
                    request_id=request_id,
                    action="email.queued",
                    details={
                        "to": email,
                        "template": "request_resolved",
                        "email_subject": subject,
                        "outbox_id": message.id,
                        "message_id": f"<{request_id}.{message.id}.bench@wprod.fi>",
                    },
                )
            )
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    sink.arrivals.clear()
    log = Path(env["PORTAL_INSTANCE_DIR"]).parent / "mail-worker.log"
    with log.open("wb") as output:
        worker = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "wsgi", "outbox", "send", "--worker"],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 60 + messages / 5
        while len(sink.arrivals) < messages and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)  # a message delivered twice would arrive about now
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=10)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
    arrivals = list(sink.arrivals)
    seconds = arrivals[-1][0] - arrivals[0][0] if len(arrivals) > 1 else 0.0
    ids = [message_id for _, message_id in arrivals]
    with app.app_context(), db.engine.connect() as connection:
        pending = connection.scalar(
            sa.text("SELECT count(*) FROM outbox_message WHERE status = 'pending'")
        )
        db.engine.dispose()
    return MailRun(
        delivered=len(set(ids)),
        seconds=seconds,
        rate=(len(arrivals) - 1) / seconds if seconds else 0.0,
        duplicates=len(ids) - len(set(ids)),
        pending=pending,
    )
