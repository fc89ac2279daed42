"""Whether the receiving server vouched for the sender (``Authentication-Results``, RFC 8601).

Anyone can write a requester's address in From. The privacy mailbox's own server checks SPF,
DKIM and DMARC on arrival and records what it found in an ``Authentication-Results`` header
named after itself (its authserv-id). When the deployment names that server
(``INBOX_AUTHSERV_ID``), a message that would join a request must pass there: DMARC pass, or,
where the sender's domain publishes no DMARC policy, a DKIM or SPF pass. Otherwise it waits for
staff (GDPR Art. 5(1)(f), 32). Headers named after any other server are ignored: a sender can
write whatever it likes into its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.message import EmailMessage

_RESULT = re.compile(r"\b(dmarc|dkim|spf)\s*=\s*([a-z]+)", re.IGNORECASE)


@dataclass(frozen=True)
class Verdict:
    passed: bool
    why: str


def _authserv_id(value: str) -> str:
    return re.split(r"[;\s]", value.strip(), maxsplit=1)[0].lower()


def check(message: EmailMessage, authserv_id: str | None) -> Verdict:
    """``passed`` when no server is trusted (the check is off) or the trusted one vouched."""
    if not authserv_id:
        return Verdict(True, "not checked")
    try:
        values = [str(v) for v in message.get_all("Authentication-Results") or []]
    except Exception:
        values = []
    ours = [v for v in values if _authserv_id(v) == authserv_id.lower()]
    if not ours:
        return Verdict(False, f"no Authentication-Results from {authserv_id}")
    # The topmost is the one our server added last, on arrival.
    results: dict[str, str] = {}
    for method, result in _RESULT.findall(ours[0]):
        results.setdefault(method.lower(), result.lower())
    summary = ", ".join(f"{m}={r}" for m, r in sorted(results.items())) or "no results"
    if results.get("dmarc") == "pass":
        return Verdict(True, summary)
    if results.get("dmarc") in (None, "none") and "pass" in (
        results.get("dkim"),
        results.get("spf"),
    ):
        return Verdict(True, summary)
    return Verdict(False, summary)
