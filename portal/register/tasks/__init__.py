"""Tasks for a person: the systems the portal cannot reach itself (a newsletter tool, an outside
processor such as the server-monitoring provider) are reached through their owner.

Staff send a task from the ticket; the owner gets an email in their language with a single-use,
expiring link to a page that needs no account, where they upload the export (access, GDPR
Art. 15) or confirm what they did and when (erasure, rectification, restriction, objection), or
answer that the system holds no data about the person or that they cannot, and why. Every step
is on the ticket's timeline; the daily job reminds owners who have not answered.

- ``sending``: the panel's state per system, sending a task (again);
- ``answering``: opening the owner's link and recording the answer;
- ``reminders``: the owners' reminders (``flask requests remind``).
"""

from __future__ import annotations

from portal.register.tasks.answering import (
    LinkClosed,
    LinkExpired,
    LinkInvalid,
    LinkProblem,
    LinkUsed,
    TaskAnswerError,
    answer_task,
    open_task,
)
from portal.register.tasks.reminders import remind_owners
from portal.register.tasks.sending import (
    ACTIVE,
    SystemState,
    TaskError,
    answered_files,
    asked_for,
    send_task,
    states,
    systems_of,
    task_systems,
    tasks_state,
)

__all__ = [
    "ACTIVE",
    "LinkClosed",
    "LinkExpired",
    "LinkInvalid",
    "LinkProblem",
    "LinkUsed",
    "SystemState",
    "TaskAnswerError",
    "TaskError",
    "answer_task",
    "answered_files",
    "asked_for",
    "open_task",
    "remind_owners",
    "send_task",
    "states",
    "systems_of",
    "task_systems",
    "tasks_state",
]
