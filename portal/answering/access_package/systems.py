"""The controller's systems in the access package: what each system's owner answered to the task
for this request, and the exports they uploaded (GDPR Art. 15(3): a copy of the data from every
system that holds it, not only from the portal).

The uploaded exports travel with the files staff attached, so the review of other people named in
the copy (Art. 15(4)) reads them too, and a file staff leave out stays out of both lists.
"""

from __future__ import annotations

from flask import current_app

from portal.models import Attachment, SubjectRequest, TaskAnswer
from portal.register import tasks


def task_files(request: SubjectRequest) -> list[Attachment]:
    """The exports the owners sent with a "done" answer on this request, still stored."""
    return [
        attachment
        for task, attachments in tasks.answered_files(request)
        if task.answer is TaskAnswer.DONE
        for attachment in attachments
    ]


def _name(key: str, language: str) -> str:
    notice = current_app.extensions["notice"]
    system = next((s for s in notice.systems if s.key == key), None)
    # A system since taken out of the notice is still named, by its key.
    return system.name.in_language(language) if system else key


def systems_section(request: SubjectRequest, language: str, in_package: dict[int, str]) -> list:
    """data.json's ``systems``: one entry per answered task, oldest first. Files left out to
    protect other people (Art. 15(4)) are not in ``in_package`` and are not listed."""
    section = []
    for task, attachments in tasks.answered_files(request):
        done = task.answer is TaskAnswer.DONE
        section.append(
            {
                "system": task.system_key,
                "name": _name(task.system_key, language),
                "connection": "task",
                "answer": task.answer.value,
                "answered_at": task.answered_at.isoformat(),
                "done_on": task.done_on.isoformat() if task.done_on else None,
                # Size and checksum are under ``files``, as the file is in the package.
                "files": [
                    {"path": in_package[a.id], "filename": a.filename}
                    for a in attachments
                    if done and a.id in in_package
                ],
            }
        )
    return section
