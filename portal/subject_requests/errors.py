"""The one error the request rules raise."""

from __future__ import annotations


class RequestError(Exception):
    """A rule refused the action; the message is shown to the person who tried it."""
