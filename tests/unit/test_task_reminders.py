"""The day of the due-date reminder to a system's owner: two working days before the request's
due date, counted past weekends and Finnish public holidays (Reg. 1182/71 Art. 2(2))."""

from __future__ import annotations

from datetime import date

import pytest

from portal.register.tasks.reminders import due_reminder_from


@pytest.mark.parametrize(
    ("due_on", "remind_from"),
    [
        (date(2026, 12, 3), date(2026, 12, 1)),  # Thursday: Tuesday
        (date(2026, 12, 7), date(2026, 12, 3)),  # Monday: Thursday, over the weekend
        # Monday after Christmas: 24-25 December are holidays, so Tuesday the 22nd.
        (date(2026, 12, 28), date(2026, 12, 22)),
        (date(2027, 1, 7), date(2027, 1, 4)),  # Thursday after Epiphany (Wednesday)
    ],
)
def test_two_working_days_before_the_due_date(due_on, remind_from):
    assert due_reminder_from(due_on, "FI") == remind_from
