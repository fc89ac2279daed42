"""Who is asking: the requester checked against the register, and the identity decision that
releasing data and changing it wait for (GDPR Art. 12(6), Art. 15(4), Art. 5(1)(f)).

``check`` looks the requester up in every connected system when the request is confirmed (and
again on demand) and records the verdict as counts and keys, never the values found. ``decide``
records how staff confirmed the identity; a match with the register's own contact address is
recorded as the decision by itself. ``verification`` asks the owner of the address on file when
the register points elsewhere. ``require_decision`` is what a release or an erasure calls first.
"""

from portal.answering.identity.record import (
    DECISIONS,
    check,
    decide,
    decision_of,
    latest_check,
    require_decision,
)

__all__ = ["DECISIONS", "check", "decide", "decision_of", "latest_check", "require_decision"]
