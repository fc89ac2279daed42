"""What each right is called and what happens when it is used, in plain language."""

from __future__ import annotations

from dataclasses import dataclass

from portal.i18n import lazy_gettext as _l
from portal.models import RequestKind


@dataclass(frozen=True)
class KindInfo:
    kind: RequestKind
    title: object
    summary: object
    what_happens: object
    description_label: object
    description_required: bool = True
    # Whether the form takes files as evidence (a correction: proof of the right data).
    accepts_evidence: bool = False


KINDS: dict[RequestKind, KindInfo] = {
    RequestKind.ACCESS: KindInfo(
        RequestKind.ACCESS,
        _l("See your data"),
        _l("Find out what personal data we hold about you and get a copy of it."),
        _l(
            "We tell you whether we process your data and send you a copy of it, with what it "
            "is used for, where it comes from, to whom it is disclosed and how long it is kept "
            "(GDPR Art. 15). The first copy is free."
        ),
        _l("Anything you especially want to know (optional)"),
        description_required=False,
    ),
    RequestKind.RECTIFICATION: KindInfo(
        RequestKind.RECTIFICATION,
        _l("Correct your data"),
        _l("Have wrong data corrected or missing data completed."),
        _l(
            "We correct the data without undue delay and tell you when it is done "
            "(GDPR Art. 16). Tell us which data is wrong and what it should be."
        ),
        _l("Which data is wrong, and what should it be?"),
        accepts_evidence=True,
    ),
    RequestKind.ERASURE: KindInfo(
        RequestKind.ERASURE,
        _l("Erase your data"),
        _l("Have your personal data erased."),
        _l(
            "We erase your data unless the law requires us to keep it (GDPR Art. 17). Billing "
            "records must be kept for 6 to 10 years under the Accounting Act; we tell you what "
            "we keep and until when."
        ),
        _l("Which data do you want erased, and why? (optional)"),
        description_required=False,
    ),
    RequestKind.RESTRICTION: KindInfo(
        RequestKind.RESTRICTION,
        _l("Restrict processing"),
        _l("Have your data only stored and not otherwise used for a while."),
        _l(
            "We mark your data so that it is only stored, for example while we check whether it "
            "is correct (GDPR Art. 18). We tell you before we lift the restriction."
        ),
        _l("Why should the processing be restricted?"),
    ),
    RequestKind.OBJECTION: KindInfo(
        RequestKind.OBJECTION,
        _l("Object to processing"),
        _l("Object to processing based on our customer relationship."),
        _l(
            "We stop the processing unless we can show compelling legitimate grounds that "
            "override your interests (GDPR Art. 21(1)). You must tell us the particular "
            "situation of yours on which you base the objection."
        ),
        _l("Which processing do you object to? (optional)"),
        description_required=False,
    ),
    RequestKind.MARKETING_OBJECTION: KindInfo(
        RequestKind.MARKETING_OBJECTION,
        _l("Stop direct marketing"),
        _l("Forbid direct marketing such as our newsletter."),
        _l(
            "We stop direct marketing to you at once, free of charge and without asking why "
            "(GDPR Art. 21(2)–(3))."
        ),
        _l("Anything to add (optional)"),
        description_required=False,
    ),
    RequestKind.CONSENT_WITHDRAWAL: KindInfo(
        RequestKind.CONSENT_WITHDRAWAL,
        _l("Withdraw or change your consent"),
        _l("Withdraw or change a consent you have given us."),
        _l(
            "We stop the processing that was based on your consent, or change it as you ask "
            "(GDPR Art. 7(3)). Processing before the withdrawal stays lawful."
        ),
        _l("Which consent do you withdraw or change, and how?"),
    ),
}

OUTCOME_NAMES = {
    "completed": _l("Completed"),
    "partially_completed": _l("Partially completed"),
    "refused": _l("Refused"),
}

STATUS_NAMES = {
    "unconfirmed": _l("Waiting for your confirmation"),
    "lapsed": _l("Not confirmed in time"),
    "open": _l("Being handled"),
    "waiting": _l("Waiting for information from you"),
    "closed": _l("Answered"),
    "withdrawn": _l("Withdrawn"),
}
