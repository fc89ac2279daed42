"""How requests come in: on the portal (``submission``: submitted, then confirmed by link), by
letter, email or in person (``manual``: registered by staff), all stored and opened the same way
(``opening``).

May import ``portal.subject_requests``, ``portal.answering`` and the infrastructure modules; never
the web or the CLI.
"""
