"""The default letters in English (see ``texts``)."""

from __future__ import annotations

# Where staff must write something before the letter can go.
MARKER = "WRITE HERE"

QUESTIONS = (
    "If you have any questions, you can reply on the request's page in the portal "
    "or contact us: {contact_email}, tel. {contact_phone}."
)

# The lines the portal fills in from the record and the notice (``filled``).
FILLS: dict[str, str] = {
    # Art. 17(3): one category kept after an erasure, with the notice's period and ground.
    "kept_record": "- {category}. How long: {period}. Why: {ground}.",
    # Issue 11, item 5: what an erasure kept in the controller's systems, from the hold list.
    "kept_in_systems": "In our systems we still keep the following, each until the day given:",
    "kept_in_system": "- {system}, {category}: {count} kept until {date}",
    # GDPR Art. 19: what staff recorded for one recipient.
    "recipient_told": "- {recipient}: told on {date}",
    "recipient_not_told": "- {recipient}: not told. Reason: {reason}",
    # Art. 21(3), 7(3): what the "marketing.stopped" event of the request records.
    "newsletter_stopped": "We stopped sending you our newsletter on {date}.",
    "newsletter_not_sent": (
        "According to our records you were not receiving our newsletter, so there was none to stop."
    ),
    "suppression_added": (
        "We added your email address to our suppression list on {date}. It keeps us from "
        "sending you marketing even if your account is later erased. The list holds only a "
        "code computed from your address, not the address itself."
    ),
    "marketing_unrecorded": "what was done about marketing, and when",
    # Art. 7(3): the notice's purposes that rest on consent, or that none do.
    "no_consent": (
        "According to our privacy notice, we process your data on these grounds: {bases}. "
        "None of it is based on consent, so there was no processing based on consent to stop."
    ),
    "consent_purposes": (
        "According to our privacy notice, this processing is based on consent:\n"
        "{purposes}\nThe withdrawal does not affect the lawfulness of processing before it "
        "(Article 7(3) of the GDPR)."
    ),
    "consent_stopped": "which of these was stopped, and when",
}

# The legal bases of the notice's purposes (GDPR Art. 6(1)), as a letter names them.
LEGAL_BASES: dict[str, str] = {
    "contract": "performing a contract with you",
    "legitimate_interest": "our legitimate interests",
    "legal_obligation": "our legal obligations",
    "consent": "your consent",
}

# Each letter's title (a short name shown to staff) and its paragraphs.
LETTERS: dict[str, tuple[str, tuple[str, ...]]] = {
    "reply.general": (
        "General reply",
        (
            "Thank you for your request {reference} ({kind}), which we received on {received_on}.",
            "[WRITE HERE: your reply, or how the handling of the request is progressing]",
            "We will answer the request by {due_on} at the latest.",
            QUESTIONS,
        ),
    ),
    "ask.identity": (
        "Confirming identity",
        (
            "We have received your request {reference} ({kind}). We only give out or "
            "change data for the person it concerns. We therefore first need to confirm "
            "your identity. For that, we need the following information:",
            "[WRITE HERE: only the information needed to confirm identity, for example "
            "the customer number or the number of an invoice]",
            "We do not need anything else. We use this information only to confirm your identity.",
        ),
    ),
    "ask.scope": (
        "Clarifying the request",
        (
            "Thank you for your request {reference} ({kind}). To handle it correctly, "
            "we need you to clarify what the request covers.",
            "[WRITE HERE: what is unclear in the request]",
            "Please tell us which data or which of our services the request concerns, "
            "for example billing data, hosting user data or the newsletter.",
        ),
    ),
    "extend.complexity": (
        "Extending the time limit",
        (
            "We are handling your request {reference} ({kind}), which we received on "
            "{received_on}. We cannot answer it within the current time limit, so we are "
            "extending it.",
            "We need more time because [WRITE HERE: the reason, for example the scope of "
            "the request, data spread over several systems or a large number of requests "
            "at the same time].",
            "The GDPR allows the time limit to be extended by up to two months where "
            "needed because of the complexity or number of requests (Article 12(3)). "
            "We will answer as soon as the request has been handled.",
        ),
    ),
    "resolve.completed.access": (
        "Access given",
        (
            "We have handled your request {reference} ({kind}).",
            "A copy of your personal data and the information required by Article 15 of "
            "the GDPR can be downloaded on the request's page in the portal when you are "
            "logged in. The information tells you, among other things, what the data is "
            "used for, where it comes from, to whom it is disclosed and how long it is kept.",
            "The first copy is free of charge. If you find a mistake in the data, you can "
            "ask us to correct it in the portal.",
        ),
    ),
    "resolve.completed.rectification": (
        "Data corrected",
        (
            "We have handled your request {reference} ({kind}) and corrected your data "
            "as you asked.",
            "We told the recipients of data named in our privacy notice about the "
            "correction as follows (Article 19 of the GDPR):\n{recipients}",
            QUESTIONS,
        ),
    ),
    "resolve.completed.erasure": (
        "Data erased",
        (
            "We have handled your request {reference} ({kind}). We have erased all your "
            "personal data except the records listed below.",
            "We still keep these records. For each, the list says how long we keep it "
            "and why:\n{kept_records}",
            "We use these records only for what the list says.",
            "We told the recipients of data named in our privacy notice about the "
            "erasure as follows (Article 19 of the GDPR):\n{recipients}",
        ),
    ),
    "resolve.completed.restriction": (
        "Processing restricted",
        (
            "We have handled your request {reference} ({kind}) and restricted the "
            "processing of your personal data.",
            "We keep storing the data, but otherwise process it only with your consent "
            "or in the situations listed in Article 18(2) of the GDPR. We will tell you "
            "before we lift the restriction.",
            "We told the recipients of data named in our privacy notice about the "
            "restriction as follows (Article 19 of the GDPR):\n{recipients}",
        ),
    ),
    "resolve.completed.objection": (
        "Objected processing stopped",
        (
            "We have handled your request {reference} ({kind}). We have stopped the "
            "processing of your personal data that you objected to (Article 21(1) of "
            "the GDPR).",
            "The right to object covers processing based on our legitimate interests. "
            "We still process the data we need to provide the services under our "
            "contract and to meet our legal obligations, such as accounting.",
            QUESTIONS,
        ),
    ),
    "resolve.completed.marketing_objection": (
        "Direct marketing stopped",
        (
            "We have handled your request {reference} ({kind}). We have stopped direct "
            "marketing to you. You will no longer receive marketing messages or our "
            "newsletter from us.",
            "{marketing_changes}",
            "We will still send invoices and notices necessary for using the service "
            "while you remain a customer.",
        ),
    ),
    "resolve.completed.consent_withdrawal": (
        "Consent withdrawn",
        (
            "We have handled your request {reference} ({kind}).",
            "{marketing_changes}",
            "{consent_purposes}",
            QUESTIONS,
        ),
    ),
    "resolve.partially_completed.erasure": (
        "Data erased in part",
        (
            "We have handled your request {reference} ({kind}) and erased the personal "
            "data that we can erase.",
            "We are not erasing the following records yet. For each, the list says how "
            "long we keep it and why:\n{kept_records}",
            "We use these records only for what the list says.",
            "We told the recipients of data named in our privacy notice about the "
            "erasure as follows (Article 19 of the GDPR):\n{recipients}",
        ),
    ),
    "resolve.partially_completed.general": (
        "Carried out in part",
        (
            "We have handled your request {reference} ({kind}). We could carry out the "
            "request only in part.",
            "What we did:\n[WRITE HERE: what was done]",
            "What we did not do:\n[WRITE HERE: what was not done]",
            "Why:\n[WRITE HERE: why part of the request was not carried out, and on what grounds]",
            QUESTIONS,
        ),
    ),
    "resolve.refused.unfounded": (
        "Refused: manifestly unfounded or excessive",
        (
            "We have handled your request {reference} ({kind}). We will not carry out "
            "the request, because it is manifestly unfounded or excessive (Article 12(5) "
            "of the GDPR).",
            "Our reasons:\n[WRITE HERE: why the request is manifestly unfounded or "
            "excessive, for example the number and dates of earlier requests about the "
            "same matter]",
            QUESTIONS,
        ),
    ),
    "resolve.refused.identity": (
        "Refused: identity not confirmed",
        (
            "We have handled your request {reference} ({kind}). We cannot carry out the "
            "request, because we could not confirm your identity.",
            "We only give out or change data when we can confirm that it concerns the "
            "person making the request (Articles 11(2) and 12(2) of the GDPR).",
            "You can submit a new request in the portal at any time. Please include the "
            "information that allows us to confirm your identity, for example the "
            "information we asked you for.",
        ),
    ),
    "resolve.refused.objection": (
        "Refused: compelling legitimate grounds",
        (
            "We have handled your request {reference} ({kind}) and assessed it in the "
            "light of the particular situation you described.",
            "We will not stop the processing, because there are compelling legitimate "
            "grounds for it which override your interests, rights and freedoms "
            "(Article 21(1) of the GDPR).",
            "The grounds:\n[WRITE HERE: which processing continues, what it is based on "
            "and why those grounds outweigh the situation the person described]",
            QUESTIONS,
        ),
    ),
}
