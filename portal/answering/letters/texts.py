"""Default letter templates the contact person starts from when answering a request.

Each letter exists in Finnish ("fi") and English ("en"). Staff may edit a letter in the
portal; an edited letter is stored separately and replaces the default here, which never
changes at run time.

Placeholders are written ``{name}`` and are substituted by the renderer; only the names in
``PLACEHOLDERS`` may be used, and braces appear nowhere else in a letter. ``{kept_records}`` and
``{recipients}`` are ready-made bulleted lists, each placed on a line of its own;
``{recipients}`` is filled in only when the answer is sent, from the Art. 19 record made with it
(``filled.py``).

Where staff must write something before sending, the letter holds a visible marker,
``[KIRJOITA TÄHÄN: …]`` in Finnish and ``[WRITE HERE: …]`` in English.

A letter is the body of a message: the email and the request's page add the salutation
and the closing (the contact person and the controller), and the email to a person asked for
information says that the clock is suspended and where to reply. The letters deliberately
leave out the right to
lodge a complaint with the supervisory authority and to seek a judicial remedy
(Art. 12(4)): the email layout appends that text to every refusal and partial completion,
so it is worded, and kept up to date, in one place.

The Finnish letters speak to the person as *sinä* ("voit", "pyyntösi"), as the portal's pages
and email frames do and as the Data Protection Ombudsman does on tietosuoja.fi, in short
plain-language sentences; never in the plural or polite *te* ("voitte", "pyyntönne"), which
would be a second voice inside one email (issue 10, item 7).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LetterText:
    key: str
    action: str  # "reply", "ask", "extend" or "resolve"
    outcome: str | None  # for action "resolve": "completed", "partially_completed", "refused"
    kind: str | None  # the request kind the letter is meant for, or None for any kind
    title: dict[str, str]  # {"fi": ..., "en": ...}: a short name shown to staff in a list
    body: dict[str, str]  # {"fi": ..., "en": ...}: the letter text


PLACEHOLDERS: dict[str, str] = {
    "name": "The requester's name.",
    "reference": "The request's reference, e.g. WP-2026-0042.",
    "kind": "The name of the request type, in the letter's language.",
    "received_on": "The date the request was received (d.m.yyyy).",
    "due_on": "The current due date of the answer (d.m.yyyy).",
    "controller": "The controller's name (WProd Oy).",
    "contact_person": "The contact person's name.",
    "contact_email": "The contact person's email address.",
    "contact_phone": "The contact person's phone number.",
    "kept_records": (
        "A ready-made bulleted list of the records the notice keeps after an erasure, each "
        "with its own retention period and its own ground, as the notice gives them."
    ),
    "marketing_changes": (
        "What the portal changed when the request was opened, from the record: the newsletter "
        "stopped (or was not being sent) and the address put on the suppression list, with "
        "the day."
    ),
    "consent_purposes": (
        "What the notice says rests on consent: where nothing does, a plain sentence saying so "
        "and naming the grounds the notice gives; otherwise the list, and a part for you to "
        "write on what was stopped."
    ),
    "recipients": (
        "Filled in when the answer is sent, from what you record for GDPR Art. 19 on the same "
        "form: a bulleted list of every recipient in the notice, with the day it was told or "
        "why it was not. Only in the answer to a rectification, erasure or restriction."
    ),
}

# Where staff must write something, in each language (see the module's docstring).
MARKERS: dict[str, str] = {"fi": "KIRJOITA TÄHÄN", "en": "WRITE HERE"}

# The lines the portal fills in from the record and the notice, in each language of the letters.
FILLS: dict[str, dict[str, str]] = {
    # Art. 17(3): one category kept after an erasure, with the notice's period and ground.
    "kept_record": {
        "fi": "- {category}. Kuinka kauan: {period}. Miksi: {ground}.",
        "en": "- {category}. How long: {period}. Why: {ground}.",
    },
    # GDPR Art. 19: what staff recorded for one recipient.
    "recipient_told": {
        "fi": "- {recipient}: kerroimme {date}",
        "en": "- {recipient}: told on {date}",
    },
    "recipient_not_told": {
        "fi": "- {recipient}: emme kertoneet. Syy: {reason}",
        "en": "- {recipient}: not told. Reason: {reason}",
    },
    # Art. 21(3), 7(3): what the "marketing.stopped" event of the request records.
    "newsletter_stopped": {
        "fi": "Lopetimme uutiskirjeemme lähettämisen sinulle {date}.",
        "en": "We stopped sending you our newsletter on {date}.",
    },
    "newsletter_not_sent": {
        "fi": "Tietojemme mukaan et saanut uutiskirjettämme, joten sitä ei tarvinnut lopettaa.",
        "en": "According to our records you were not receiving our newsletter, so there was "
        "none to stop.",
    },
    "suppression_added": {
        "fi": "Lisäsimme sähköpostiosoitteesi estolistalle {date}. Sen ansiosta emme lähetä "
        "sinulle markkinointia, vaikka käyttäjätilisi myöhemmin poistettaisiin. Listalla on "
        "osoitteestasi vain siitä laskettu tunniste, ei osoitetta itseään.",
        "en": "We added your email address to our suppression list on {date}. It keeps us from "
        "sending you marketing even if your account is later erased. The list holds only a "
        "code computed from your address, not the address itself.",
    },
    "marketing_unrecorded": {
        "fi": "mitä markkinoinnille tehtiin ja milloin",
        "en": "what was done about marketing, and when",
    },
    # Art. 7(3): the notice's purposes that rest on consent, or that none do.
    "no_consent": {
        "fi": "Tietosuojaselosteemme mukaan käsittelemme tietojasi näillä perusteilla: {bases}. "
        "Mikään käsittely ei perustu suostumukseen, joten suostumukseen perustuvaa käsittelyä "
        "ei ollut lopetettavana.",
        "en": "According to our privacy notice, we process your data on these grounds: {bases}. "
        "None of it is based on consent, so there was no processing based on consent to stop.",
    },
    "consent_purposes": {
        "fi": "Tietosuojaselosteemme mukaan seuraava käsittely perustuu suostumukseen:\n"
        "{purposes}\nPeruminen ei vaikuta siihen, että ennen perumista tehty käsittely oli "
        "lainmukaista (tietosuoja-asetuksen 7 artiklan 3 kohta).",
        "en": "According to our privacy notice, this processing is based on consent:\n"
        "{purposes}\nThe withdrawal does not affect the lawfulness of processing before it "
        "(Article 7(3) of the GDPR).",
    },
    "consent_stopped": {
        "fi": "mitä näistä lopetettiin ja milloin",
        "en": "which of these was stopped, and when",
    },
}

# The legal bases of the notice's purposes (GDPR Art. 6(1)), as a letter names them.
LEGAL_BASES: dict[str, dict[str, str]] = {
    "contract": {"fi": "sopimuksen täytäntöönpano", "en": "performing a contract with you"},
    "legitimate_interest": {"fi": "oikeutettu etumme", "en": "our legitimate interests"},
    "legal_obligation": {"fi": "lakisääteinen velvoitteemme", "en": "our legal obligations"},
    "consent": {"fi": "suostumuksesi", "en": "your consent"},
}

_QUESTIONS = {
    "fi": (
        "Jos haluat kysyä jotain, voit vastata portaalissa pyynnön sivulla "
        "tai ottaa yhteyttä: {contact_email}, puh. {contact_phone}."
    ),
    "en": (
        "If you have any questions, you can reply on the request's page in the portal "
        "or contact us: {contact_email}, tel. {contact_phone}."
    ),
}


def _letter(language: str, *paragraphs: str) -> str:
    """A letter's body: paragraphs separated by blank lines."""
    return "\n\n".join(paragraphs)


def _fi(*paragraphs: str) -> str:
    return _letter("fi", *paragraphs)


def _en(*paragraphs: str) -> str:
    return _letter("en", *paragraphs)


LETTERS: tuple[LetterText, ...] = (
    LetterText(
        key="reply.general",
        action="reply",
        outcome=None,
        kind=None,
        title={"fi": "Yleinen vastaus", "en": "General reply"},
        body={
            "fi": _fi(
                "Kiitos pyynnöstäsi {reference} ({kind}), jonka saimme {received_on}.",
                "[KIRJOITA TÄHÄN: vastaus tai tieto siitä, miten pyynnön käsittely etenee]",
                "Vastaamme pyyntöön viimeistään {due_on}.",
                _QUESTIONS["fi"],
            ),
            "en": _en(
                "Thank you for your request {reference} ({kind}), which we received on "
                "{received_on}.",
                "[WRITE HERE: your reply, or how the handling of the request is progressing]",
                "We will answer the request by {due_on} at the latest.",
                _QUESTIONS["en"],
            ),
        },
    ),
    LetterText(
        key="ask.identity",
        action="ask",
        outcome=None,
        kind=None,
        title={"fi": "Henkilöllisyyden varmistaminen", "en": "Confirming identity"},
        body={
            "fi": _fi(
                "Olemme saaneet pyyntösi {reference} ({kind}). Annamme ja muutamme tietoja "
                "vain sille, jota ne koskevat. Siksi meidän on ensin varmistettava "
                "henkilöllisyytesi. Tarvitsemme siihen seuraavat tiedot:",
                "[KIRJOITA TÄHÄN: vain ne tiedot, joita henkilöllisyyden varmistaminen vaatii, "
                "esimerkiksi asiakasnumero tai jonkin laskun numero]",
                "Emme tarvitse muita tietoja. Käytämme näitä tietoja vain henkilöllisyyden "
                "varmistamiseen.",
            ),
            "en": _en(
                "We have received your request {reference} ({kind}). We only give out or "
                "change data for the person it concerns. We therefore first need to confirm "
                "your identity. For that, we need the following information:",
                "[WRITE HERE: only the information needed to confirm identity, for example "
                "the customer number or the number of an invoice]",
                "We do not need anything else. We use this information only to confirm "
                "your identity.",
            ),
        },
    ),
    LetterText(
        key="ask.scope",
        action="ask",
        outcome=None,
        kind=None,
        title={"fi": "Pyynnön tarkentaminen", "en": "Clarifying the request"},
        body={
            "fi": _fi(
                "Kiitos pyynnöstäsi {reference} ({kind}). Jotta voimme käsitellä sen oikein, "
                "tarvitsemme tarkennusta siihen, mitä pyyntö koskee.",
                "[KIRJOITA TÄHÄN: mikä pyynnössä on epäselvää]",
                "Kerro, mitä tietoja tai mitä palveluitamme pyyntö koskee, esimerkiksi "
                "laskutustietoja, hosting-palvelun käyttäjätietoja tai uutiskirjettä.",
            ),
            "en": _en(
                "Thank you for your request {reference} ({kind}). To handle it correctly, "
                "we need you to clarify what the request covers.",
                "[WRITE HERE: what is unclear in the request]",
                "Please tell us which data or which of our services the request concerns, "
                "for example billing data, hosting user data or the newsletter.",
            ),
        },
    ),
    LetterText(
        key="extend.complexity",
        action="extend",
        outcome=None,
        kind=None,
        title={"fi": "Vastausajan jatkaminen", "en": "Extending the time limit"},
        body={
            "fi": _fi(
                "Käsittelemme pyyntöäsi {reference} ({kind}), jonka saimme {received_on}. "
                "Emme pysty vastaamaan siihen kuukauden kuluessa, joten jatkamme vastausaikaa. "
                "Vastaamme viimeistään {due_on}.",
                "Tarvitsemme lisäaikaa, koska [KIRJOITA TÄHÄN: syy, esimerkiksi pyynnön "
                "laajuus, tietojen hajautuminen useaan järjestelmään tai samanaikaisten "
                "pyyntöjen suuri määrä].",
                "Tietosuoja-asetus sallii vastausajan jatkamisen enintään kahdella kuukaudella, "
                "kun se on tarpeen pyyntöjen monimutkaisuuden tai määrän vuoksi "
                "(12 artiklan 3 kohta). Vastaamme heti, kun pyyntö on käsitelty.",
            ),
            "en": _en(
                "We are handling your request {reference} ({kind}), which we received on "
                "{received_on}. We cannot answer it within one month, so we are extending "
                "the time limit. We will answer by {due_on} at the latest.",
                "We need more time because [WRITE HERE: the reason, for example the scope of "
                "the request, data spread over several systems or a large number of requests "
                "at the same time].",
                "The GDPR allows the time limit to be extended by up to two months where "
                "needed because of the complexity or number of requests (Article 12(3)). "
                "We will answer as soon as the request has been handled.",
            ),
        },
    ),
    # --- Completed, one letter per kind of request -------------------------------------------
    LetterText(
        key="resolve.completed.access",
        action="resolve",
        outcome="completed",
        kind="access",
        title={"fi": "Tarkastus tehty", "en": "Access given"},
        body={
            "fi": _fi(
                "Olemme käsitelleet pyyntösi {reference} ({kind}).",
                # Art. 15(1)(a)-(h) and 15(3): the copy and the information go together.
                "Kopio henkilötiedoistasi ja tietosuoja-asetuksen 15 artiklan mukaiset tiedot "
                "ovat ladattavissa portaalissa pyynnön sivulla, kun olet kirjautunut sisään. "
                "Tiedoissa kerrotaan muun muassa, mihin tietoja käytetään, mistä ne on saatu, "
                "kenelle niitä luovutetaan ja kuinka kauan niitä säilytetään.",
                "Ensimmäinen kopio on maksuton. Jos huomaat tiedoissa virheen, voit pyytää "
                "sen korjaamista portaalissa.",
            ),
            "en": _en(
                "We have handled your request {reference} ({kind}).",
                "A copy of your personal data and the information required by Article 15 of "
                "the GDPR can be downloaded on the request's page in the portal when you are "
                "logged in. The information tells you, among other things, what the data is "
                "used for, where it comes from, to whom it is disclosed and how long it is kept.",
                "The first copy is free of charge. If you find a mistake in the data, you can "
                "ask us to correct it in the portal.",
            ),
        },
    ),
    LetterText(
        key="resolve.completed.rectification",
        action="resolve",
        outcome="completed",
        kind="rectification",
        title={"fi": "Tiedot korjattu", "en": "Data corrected"},
        body={
            "fi": _fi(
                "Olemme käsitelleet pyyntösi {reference} ({kind}) ja korjanneet tietosi "
                "pyyntösi mukaisesti.",
                # Art. 19: what was recorded for each recipient, filled in when the answer is sent.
                "Kerroimme korjauksesta tietosuojaselosteessamme nimetyille tietojen "
                "vastaanottajille näin (tietosuoja-asetuksen 19 artikla):\n{recipients}",
                _QUESTIONS["fi"],
            ),
            "en": _en(
                "We have handled your request {reference} ({kind}) and corrected your data "
                "as you asked.",
                "We told the recipients of data named in our privacy notice about the "
                "correction as follows (Article 19 of the GDPR):\n{recipients}",
                _QUESTIONS["en"],
            ),
        },
    ),
    LetterText(
        key="resolve.completed.erasure",
        action="resolve",
        outcome="completed",
        kind="erasure",
        title={"fi": "Tiedot poistettu", "en": "Data erased"},
        body={
            "fi": _fi(
                "Olemme käsitelleet pyyntösi {reference} ({kind}). Olemme poistaneet kaikki "
                "henkilötietosi lukuun ottamatta alla lueteltuja tietoja.",
                # Art. 17(3): each kept category has its own ground in the notice (the
                # Accounting Act for the books, Art. 5(2) accountability for the request
                # records), so the letter claims no single legal duty for all of them.
                "Nämä tiedot säilytämme vielä. Kunkin kohdalla kerrotaan, kuinka kauan "
                "säilytämme sen ja miksi:\n{kept_records}",
                "Käytämme näitä tietoja vain siihen, mikä luettelossa kerrotaan.",
                "Kerroimme poistamisesta tietosuojaselosteessamme nimetyille tietojen "
                "vastaanottajille näin (tietosuoja-asetuksen 19 artikla):\n{recipients}",
            ),
            "en": _en(
                "We have handled your request {reference} ({kind}). We have erased all your "
                "personal data except the records listed below.",
                "We still keep these records. For each, the list says how long we keep it "
                "and why:\n{kept_records}",
                "We use these records only for what the list says.",
                "We told the recipients of data named in our privacy notice about the "
                "erasure as follows (Article 19 of the GDPR):\n{recipients}",
            ),
        },
    ),
    LetterText(
        key="resolve.completed.restriction",
        action="resolve",
        outcome="completed",
        kind="restriction",
        title={"fi": "Käsittely rajoitettu", "en": "Processing restricted"},
        body={
            "fi": _fi(
                "Olemme käsitelleet pyyntösi {reference} ({kind}) ja rajoittaneet "
                "henkilötietojesi käsittelyä.",
                # Art. 18(2)-(3).
                "Säilytämme tietojasi, mutta muuten käsittelemme niitä vain suostumuksellasi "
                "tai tietosuoja-asetuksen 18 artiklan 2 kohdassa mainituissa tilanteissa. "
                "Kerromme sinulle etukäteen, ennen kuin poistamme rajoituksen.",
                "Kerroimme rajoituksesta tietosuojaselosteessamme nimetyille tietojen "
                "vastaanottajille näin (tietosuoja-asetuksen 19 artikla):\n{recipients}",
            ),
            "en": _en(
                "We have handled your request {reference} ({kind}) and restricted the "
                "processing of your personal data.",
                "We keep storing the data, but otherwise process it only with your consent "
                "or in the situations listed in Article 18(2) of the GDPR. We will tell you "
                "before we lift the restriction.",
                "We told the recipients of data named in our privacy notice about the "
                "restriction as follows (Article 19 of the GDPR):\n{recipients}",
            ),
        },
    ),
    LetterText(
        key="resolve.completed.objection",
        action="resolve",
        outcome="completed",
        kind="objection",
        title={"fi": "Vastustettu käsittely lopetettu", "en": "Objected processing stopped"},
        body={
            "fi": _fi(
                "Olemme käsitelleet pyyntösi {reference} ({kind}). Olemme lopettaneet sen "
                "henkilötietojesi käsittelyn, jota vastustit (tietosuoja-asetuksen "
                "21 artiklan 1 kohta).",
                # Art. 21(1) covers processing on legitimate interests, not contract or law.
                "Vastustamisoikeus koskee käsittelyä, joka perustuu oikeutettuun etuumme. "
                "Käsittelemme edelleen tietoja, joita tarvitsemme sopimuksen mukaisten "
                "palveluiden toimittamiseen ja lakisääteisten velvoitteidemme, kuten "
                "kirjanpidon, hoitamiseen.",
                _QUESTIONS["fi"],
            ),
            "en": _en(
                "We have handled your request {reference} ({kind}). We have stopped the "
                "processing of your personal data that you objected to (Article 21(1) of "
                "the GDPR).",
                "The right to object covers processing based on our legitimate interests. "
                "We still process the data we need to provide the services under our "
                "contract and to meet our legal obligations, such as accounting.",
                _QUESTIONS["en"],
            ),
        },
    ),
    LetterText(
        key="resolve.completed.marketing_objection",
        action="resolve",
        outcome="completed",
        kind="marketing_objection",
        title={"fi": "Suoramarkkinointi lopetettu", "en": "Direct marketing stopped"},
        body={
            "fi": _fi(
                "Olemme käsitelleet pyyntösi {reference} ({kind}). Olemme lopettaneet "
                "suoramarkkinoinnin. Et saa meiltä enää markkinointiviestejä etkä "
                "uutiskirjettämme.",
                # Art. 21(3): what the portal did when the request was opened, as recorded.
                "{marketing_changes}",
                "Laskut ja palvelun käytön kannalta välttämättömät tiedotteet lähetämme "
                "edelleen, jos asiakkuutesi on voimassa.",
            ),
            "en": _en(
                "We have handled your request {reference} ({kind}). We have stopped direct "
                "marketing to you. You will no longer receive marketing messages or our "
                "newsletter from us.",
                "{marketing_changes}",
                "We will still send invoices and notices necessary for using the service "
                "while you remain a customer.",
            ),
        },
    ),
    LetterText(
        key="resolve.completed.consent_withdrawal",
        action="resolve",
        outcome="completed",
        kind="consent_withdrawal",
        title={"fi": "Suostumus peruttu", "en": "Consent withdrawn"},
        body={
            "fi": _fi(
                "Olemme käsitelleet pyyntösi {reference} ({kind}).",
                # Art. 7(3): what actually changed, from the record (the newsletter), and what
                # the notice says rests on consent: for WProd Oy, nothing.
                "{marketing_changes}",
                "{consent_purposes}",
                _QUESTIONS["fi"],
            ),
            "en": _en(
                "We have handled your request {reference} ({kind}).",
                "{marketing_changes}",
                "{consent_purposes}",
                _QUESTIONS["en"],
            ),
        },
    ),
    # --- Partially completed -------------------------------------------------------------------
    LetterText(
        key="resolve.partially_completed.erasure",
        action="resolve",
        outcome="partially_completed",
        kind="erasure",
        title={"fi": "Tiedot poistettu osittain", "en": "Data erased in part"},
        body={
            "fi": _fi(
                "Olemme käsitelleet pyyntösi {reference} ({kind}) ja poistaneet ne "
                "henkilötietosi, jotka voimme poistaa.",
                # Art. 17(3): each kept category with its own ground from the notice; only
                # the accounting records rest on a statute (Art. 17(3)(b)).
                "Seuraavia tietoja emme poista vielä. Kunkin kohdalla kerrotaan, kuinka kauan "
                "säilytämme sen ja miksi:\n{kept_records}",
                "Käytämme näitä tietoja vain siihen, mikä luettelossa kerrotaan.",
                "Kerroimme poistamisesta tietosuojaselosteessamme nimetyille tietojen "
                "vastaanottajille näin (tietosuoja-asetuksen 19 artikla):\n{recipients}",
            ),
            "en": _en(
                "We have handled your request {reference} ({kind}) and erased the personal "
                "data that we can erase.",
                "We are not erasing the following records yet. For each, the list says how "
                "long we keep it and why:\n{kept_records}",
                "We use these records only for what the list says.",
                "We told the recipients of data named in our privacy notice about the "
                "erasure as follows (Article 19 of the GDPR):\n{recipients}",
            ),
        },
    ),
    LetterText(
        key="resolve.partially_completed.general",
        action="resolve",
        outcome="partially_completed",
        kind=None,
        title={"fi": "Osittain toteutettu", "en": "Carried out in part"},
        body={
            "fi": _fi(
                "Olemme käsitelleet pyyntösi {reference} ({kind}). Pystyimme toteuttamaan "
                "pyynnön vain osittain.",
                "Toteutimme seuraavat asiat:\n[KIRJOITA TÄHÄN: mitä tehtiin]",
                "Emme toteuttaneet seuraavia asioita:\n[KIRJOITA TÄHÄN: mitä jäi tekemättä]",
                "Syy:\n[KIRJOITA TÄHÄN: miksi osaa pyynnöstä ei toteutettu ja millä perusteella]",
                _QUESTIONS["fi"],
            ),
            "en": _en(
                "We have handled your request {reference} ({kind}). We could carry out the "
                "request only in part.",
                "What we did:\n[WRITE HERE: what was done]",
                "What we did not do:\n[WRITE HERE: what was not done]",
                "Why:\n[WRITE HERE: why part of the request was not carried out, and on what "
                "grounds]",
                _QUESTIONS["en"],
            ),
        },
    ),
    # --- Refused -------------------------------------------------------------------------------
    LetterText(
        key="resolve.refused.unfounded",
        action="resolve",
        outcome="refused",
        kind=None,
        title={
            "fi": "Hylätty: ilmeisen perusteeton tai kohtuuton",
            "en": "Refused: manifestly unfounded or excessive",
        },
        body={
            "fi": _fi(
                "Olemme käsitelleet pyyntösi {reference} ({kind}). Emme toteuta pyyntöä, "
                "koska se on ilmeisen perusteeton tai kohtuuton (tietosuoja-asetuksen "
                "12 artiklan 5 kohta).",
                # Art. 12(5): the controller must be able to demonstrate it.
                "Perustelut:\n[KIRJOITA TÄHÄN: miksi pyyntö on ilmeisen perusteeton tai "
                "kohtuuton, esimerkiksi samaa asiaa koskevien aiempien pyyntöjen määrä ja "
                "ajankohdat]",
                _QUESTIONS["fi"],
            ),
            "en": _en(
                "We have handled your request {reference} ({kind}). We will not carry out "
                "the request, because it is manifestly unfounded or excessive (Article 12(5) "
                "of the GDPR).",
                "Our reasons:\n[WRITE HERE: why the request is manifestly unfounded or "
                "excessive, for example the number and dates of earlier requests about the "
                "same matter]",
                _QUESTIONS["en"],
            ),
        },
    ),
    LetterText(
        key="resolve.refused.identity",
        action="resolve",
        outcome="refused",
        kind=None,
        title={
            "fi": "Hylätty: henkilöllisyyttä ei voitu varmistaa",
            "en": "Refused: identity not confirmed",
        },
        body={
            "fi": _fi(
                "Olemme käsitelleet pyyntösi {reference} ({kind}). Emme voi toteuttaa "
                "pyyntöä, koska emme pystyneet varmistamaan henkilöllisyyttäsi.",
                # Art. 11(2), 12(2): without identification the rights cannot be exercised.
                "Annamme ja muutamme tietoja vain silloin, kun voimme varmistaa, että ne "
                "koskevat pyynnön tekijää (tietosuoja-asetuksen 11 artiklan 2 kohta ja "
                "12 artiklan 2 kohta).",
                "Voit tehdä portaalissa uuden pyynnön milloin tahansa. Liitä siihen "
                "tiedot, joilla henkilöllisyytesi voidaan varmistaa, esimerkiksi ne tiedot, "
                "joita pyysimme.",
            ),
            "en": _en(
                "We have handled your request {reference} ({kind}). We cannot carry out the "
                "request, because we could not confirm your identity.",
                "We only give out or change data when we can confirm that it concerns the "
                "person making the request (Articles 11(2) and 12(2) of the GDPR).",
                "You can submit a new request in the portal at any time. Please include the "
                "information that allows us to confirm your identity, for example the "
                "information we asked you for.",
            ),
        },
    ),
    LetterText(
        key="resolve.refused.objection",
        action="resolve",
        outcome="refused",
        kind="objection",
        title={
            "fi": "Hylätty: käsittelyyn on painava syy",
            "en": "Refused: compelling legitimate grounds",
        },
        body={
            "fi": _fi(
                "Olemme käsitelleet pyyntösi {reference} ({kind}). Arvioimme sen ottaen "
                "huomioon erityisen tilanteesi, josta kerroit.",
                # Art. 21(1): the controller must demonstrate the compelling grounds.
                "Emme lopeta käsittelyä, koska siihen on huomattavan tärkeä ja perusteltu syy, "
                "joka syrjäyttää etusi, oikeutesi ja vapautesi (tietosuoja-asetuksen "
                "21 artiklan 1 kohta).",
                "Perusteet:\n[KIRJOITA TÄHÄN: mikä käsittely jatkuu, mihin se perustuu ja "
                "miksi syy painaa enemmän kuin henkilön kertoma tilanne]",
                _QUESTIONS["fi"],
            ),
            "en": _en(
                "We have handled your request {reference} ({kind}) and assessed it in the "
                "light of the particular situation you described.",
                "We will not stop the processing, because there are compelling legitimate "
                "grounds for it which override your interests, rights and freedoms "
                "(Article 21(1) of the GDPR).",
                "The grounds:\n[WRITE HERE: which processing continues, what it is based on "
                "and why those grounds outweigh the situation the person described]",
                _QUESTIONS["en"],
            ),
        },
    ),
)
