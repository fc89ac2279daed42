"""The data-subject request itself: its kinds, its lifecycle and its clock, and the services that
move it once it is on record.

- ``kinds``: the seven rights and their names; ``lifecycle``: the allowed status changes (pure);
- ``clock``: today and the due date in the controller's time zone (rules in ``portal.deadlines``);
- ``timeline``: events on the ticket and email to the requester;
- ``actions``: withdraw, messages, ask, resume, extend, assign, resolve, lapse;
- ``reminders``: due-date reminders.

Imports only the models and the infrastructure modules (audit, files, mail, tokens, notice,
deadlines); never ``portal.answering``, ``portal.intake``, the web or the CLI. Services append audit
events and queue email; they never commit.
"""
