"""A real IMAP server for the inbox tests: Dovecot from Debian on loopback, with a throwaway
configuration, its own mail directory and one account. No system service is used or touched.

Without Dovecot installed the tests that need it are skipped, unless DOVECOT_REQUIRED is set
(CI sets it), when they fail.
"""

from __future__ import annotations

import contextlib
import imaplib
import os
import pwd
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

from tests.conftest import free_port

USER = "privacy"
PASSWORD = "secret123"

CONFIG = """\
protocols = imap
listen = 127.0.0.1
base_dir = {d}/run
state_dir = {d}/run/state
log_path = {d}/log/dovecot.log
ssl = yes
ssl_cert = <{d}/cert.pem
ssl_key = <{d}/key.pem
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:~/Maildir
passdb {{
  driver = passwd-file
  args = scheme=SHA512-CRYPT {d}/passwd
}}
userdb {{
  driver = passwd-file
  args = {d}/passwd
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {tls_port}
  }}
  chroot =
}}
service anvil {{
  chroot =
}}
default_internal_user = nobody
default_login_user = nobody
"""


def _binary(name: str) -> str | None:
    return shutil.which(name) or next(
        (str(p) for p in (Path("/usr/sbin") / name, Path("/usr/bin") / name) if p.exists()), None
    )


class Dovecot:
    def __init__(self, directory: Path) -> None:
        self.dir = directory
        self.port = free_port()
        self.tls_port = free_port()
        self.process: subprocess.Popen | None = None

    def start(self) -> Dovecot:
        dovecot, doveadm = _binary("dovecot"), _binary("doveadm")
        if not (dovecot and doveadm):
            if os.environ.get("DOVECOT_REQUIRED"):
                pytest.fail("Dovecot (dovecot-imapd) is not installed")
            pytest.skip("Dovecot (dovecot-imapd) is not installed")
        d = self.dir
        for sub in ("run/state", "mail", "log"):
            (d / sub).mkdir(parents=True, exist_ok=True)
        hashed = subprocess.run(
            [doveadm, "pw", "-s", "SHA512-CRYPT", "-p", PASSWORD],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        nobody = pwd.getpwnam("nobody")
        uid, gid = nobody.pw_uid, nobody.pw_gid
        (d / "passwd").write_text(f"{USER}:{hashed}:{uid}:{gid}::{d}/mail/{USER}\n")
        with contextlib.suppress(PermissionError):  # not root: the files are ours already
            os.chown(d / "mail", uid, gid)
        # Dovecot reads the passwd file and the mail as an unprivileged user.
        d.chmod(0o711)
        # A certificate for 127.0.0.1, which the tests give the portal as INBOX_CA_FILE: TLS and
        # STARTTLS are tested with verification on, as in production.
        subprocess.run(
            [
                _binary("openssl") or "openssl",
                "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                "-keyout", str(d / "key.pem"), "-out", str(d / "cert.pem"),
            ],
            check=True,
            capture_output=True,
        )  # fmt: skip
        self.certificate = d / "cert.pem"
        (d / "dovecot.conf").write_text(CONFIG.format(d=d, port=self.port, tls_port=self.tls_port))
        self.process = subprocess.Popen(
            [dovecot, "-c", str(d / "dovecot.conf"), "-F"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with (
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", self.port), timeout=1),
            ):
                return self
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"Dovecot did not start: {(d / 'log/dovecot.log').read_text()}")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
            self.process = None

    def settings(self) -> dict:
        return {
            "INBOX_HOST": "127.0.0.1",
            "INBOX_PORT": self.port,
            "INBOX_USER": USER,
            "INBOX_PASSWORD": PASSWORD,
            "INBOX_SECURITY": "none",
            "INBOX_FOLDER": "INBOX",
        }

    def client(self) -> imaplib.IMAP4:
        imap = imaplib.IMAP4("127.0.0.1", self.port, timeout=10)
        imap.login(USER, PASSWORD)
        return imap

    def append(self, raw: bytes, when: float | None = None, folder: str = "INBOX") -> None:
        """Put a message in the box as the mail server would on delivery."""
        imap = self.client()
        try:
            status, data = imap.append(
                folder, "", imaplib.Time2Internaldate(when or time.time()), raw
            )
            assert status == "OK", data
        finally:
            imap.logout()

    def flags(self) -> dict[int, str]:
        """Each message's UID and flags, as the server has them."""
        imap = self.client()
        try:
            imap.select("INBOX")
            _, data = imap.uid("FETCH", "1:*", "(FLAGS)")
            found = {}
            for line in data:
                if isinstance(line, bytes) and b"UID" in line:
                    text = line.decode()
                    uid = int(text.split("UID ")[1].split()[0].rstrip(")"))
                    found[uid] = text.split("FLAGS (")[1].split(")")[0]
            return found
        finally:
            imap.logout()

    def empty(self) -> None:
        imap = self.client()
        try:
            imap.select("INBOX")
            imap.store("1:*", "+FLAGS", "(\\Deleted)")
            imap.expunge()
        except imaplib.IMAP4.error:
            pass
        finally:
            imap.logout()
