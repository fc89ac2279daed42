"""The default letters in Finnish, the notice's original language (see ``texts``).

The letters speak to the person as *sinä* ("voit", "pyyntösi"), as the portal's pages and email
frames do and as the Data Protection Ombudsman does on tietosuoja.fi, in short plain-language
sentences; never in the plural or polite *te* ("voitte", "pyyntönne"), which would be a second
voice inside one email (issue 10, item 7).
"""

from __future__ import annotations

# Where staff must write something before the letter can go.
MARKER = "KIRJOITA TÄHÄN"

QUESTIONS = (
    "Jos haluat kysyä jotain, voit vastata portaalissa pyynnön sivulla "
    "tai ottaa yhteyttä: {contact_email}, puh. {contact_phone}."
)

# The lines the portal fills in from the record and the notice (``filled``).
FILLS: dict[str, str] = {
    # Art. 17(3): one category kept after an erasure, with the notice's period and ground.
    "kept_record": "- {category}. Kuinka kauan: {period}. Miksi: {ground}.",
    # Issue 11, item 5: what an erasure kept in the controller's systems, from the hold list.
    "kept_in_systems": (
        "Järjestelmissämme säilytämme vielä nämä tiedot, kunkin mainittuun päivään asti:"
    ),
    "kept_in_system": "- {system}, {category}: {count} kpl, {date} asti",
    # GDPR Art. 19: what staff recorded for one recipient.
    "recipient_told": "- {recipient}: kerroimme {date}",
    "recipient_not_told": "- {recipient}: emme kertoneet. Syy: {reason}",
    # Art. 21(3), 7(3): what the "marketing.stopped" event of the request records.
    "newsletter_stopped": "Lopetimme uutiskirjeemme lähettämisen sinulle {date}.",
    "newsletter_not_sent": (
        "Tietojemme mukaan et saanut uutiskirjettämme, joten sitä ei tarvinnut lopettaa."
    ),
    "suppression_added": (
        "Lisäsimme sähköpostiosoitteesi estolistalle {date}. Sen ansiosta emme lähetä "
        "sinulle markkinointia, vaikka käyttäjätilisi myöhemmin poistettaisiin. Listalla on "
        "osoitteestasi vain siitä laskettu tunniste, ei osoitetta itseään."
    ),
    "marketing_unrecorded": "mitä markkinoinnille tehtiin ja milloin",
    # Art. 7(3): the notice's purposes that rest on consent, or that none do.
    "no_consent": (
        "Tietosuojaselosteemme mukaan käsittelemme tietojasi näillä perusteilla: {bases}. "
        "Mikään käsittely ei perustu suostumukseen, joten suostumukseen perustuvaa käsittelyä "
        "ei ollut lopetettavana."
    ),
    "consent_purposes": (
        "Tietosuojaselosteemme mukaan seuraava käsittely perustuu suostumukseen:\n"
        "{purposes}\nPeruminen ei vaikuta siihen, että ennen perumista tehty käsittely oli "
        "lainmukaista (tietosuoja-asetuksen 7 artiklan 3 kohta)."
    ),
    "consent_stopped": "mitä näistä lopetettiin ja milloin",
}

# The legal bases of the notice's purposes (GDPR Art. 6(1)), as a letter names them.
LEGAL_BASES: dict[str, str] = {
    "contract": "sopimuksen täytäntöönpano",
    "legitimate_interest": "oikeutettu etumme",
    "legal_obligation": "lakisääteinen velvoitteemme",
    "consent": "suostumuksesi",
}

# Each letter's title (a short name shown to staff) and its paragraphs.
LETTERS: dict[str, tuple[str, tuple[str, ...]]] = {
    "reply.general": (
        "Yleinen vastaus",
        (
            "Kiitos pyynnöstäsi {reference} ({kind}), jonka saimme {received_on}.",
            "[KIRJOITA TÄHÄN: vastaus tai tieto siitä, miten pyynnön käsittely etenee]",
            "Vastaamme pyyntöön viimeistään {due_on}.",
            QUESTIONS,
        ),
    ),
    "ask.identity": (
        "Henkilöllisyyden varmistaminen",
        (
            "Olemme saaneet pyyntösi {reference} ({kind}). Annamme ja muutamme tietoja "
            "vain sille, jota ne koskevat. Siksi meidän on ensin varmistettava "
            "henkilöllisyytesi. Tarvitsemme siihen seuraavat tiedot:",
            "[KIRJOITA TÄHÄN: vain ne tiedot, joita henkilöllisyyden varmistaminen vaatii, "
            "esimerkiksi asiakasnumero tai jonkin laskun numero]",
            "Emme tarvitse muita tietoja. Käytämme näitä tietoja vain henkilöllisyyden "
            "varmistamiseen.",
        ),
    ),
    "ask.scope": (
        "Pyynnön tarkentaminen",
        (
            "Kiitos pyynnöstäsi {reference} ({kind}). Jotta voimme käsitellä sen oikein, "
            "tarvitsemme tarkennusta siihen, mitä pyyntö koskee.",
            "[KIRJOITA TÄHÄN: mikä pyynnössä on epäselvää]",
            "Kerro, mitä tietoja tai mitä palveluitamme pyyntö koskee, esimerkiksi "
            "laskutustietoja, hosting-palvelun käyttäjätietoja tai uutiskirjettä.",
        ),
    ),
    "extend.complexity": (
        "Vastausajan jatkaminen",
        (
            # No due date here: the new one is not known until staff choose the period, and
            # the email states it above the letter (GDPR Art. 12(3)).
            "Käsittelemme pyyntöäsi {reference} ({kind}), jonka saimme {received_on}. "
            "Emme pysty vastaamaan siihen nykyisessä määräajassa, joten jatkamme vastausaikaa.",
            "Tarvitsemme lisäaikaa, koska [KIRJOITA TÄHÄN: syy, esimerkiksi pyynnön "
            "laajuus, tietojen hajautuminen useaan järjestelmään tai samanaikaisten "
            "pyyntöjen suuri määrä].",
            "Tietosuoja-asetus sallii vastausajan jatkamisen enintään kahdella kuukaudella, "
            "kun se on tarpeen pyyntöjen monimutkaisuuden tai määrän vuoksi "
            "(12 artiklan 3 kohta). Vastaamme heti, kun pyyntö on käsitelty.",
        ),
    ),
    "resolve.completed.access": (
        "Tarkastus tehty",
        (
            "Olemme käsitelleet pyyntösi {reference} ({kind}).",
            # Art. 15(1)(a)-(h) and 15(3): the copy and the information go together.
            "Kopio henkilötiedoistasi ja tietosuoja-asetuksen 15 artiklan mukaiset tiedot "
            "ovat ladattavissa portaalissa pyynnön sivulla, kun olet kirjautunut sisään. "
            "Tiedoissa kerrotaan muun muassa, mihin tietoja käytetään, mistä ne on saatu, "
            "kenelle niitä luovutetaan ja kuinka kauan niitä säilytetään.",
            "Ensimmäinen kopio on maksuton. Jos huomaat tiedoissa virheen, voit pyytää "
            "sen korjaamista portaalissa.",
        ),
    ),
    "resolve.completed.rectification": (
        "Tiedot korjattu",
        (
            "Olemme käsitelleet pyyntösi {reference} ({kind}) ja korjanneet tietosi "
            "pyyntösi mukaisesti.",
            # Art. 19: what was recorded for each recipient, filled in when the answer is sent.
            "Kerroimme korjauksesta tietosuojaselosteessamme nimetyille tietojen "
            "vastaanottajille näin (tietosuoja-asetuksen 19 artikla):\n{recipients}",
            QUESTIONS,
        ),
    ),
    "resolve.completed.erasure": (
        "Tiedot poistettu",
        (
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
    ),
    "resolve.completed.restriction": (
        "Käsittely rajoitettu",
        (
            "Olemme käsitelleet pyyntösi {reference} ({kind}) ja rajoittaneet "
            "henkilötietojesi käsittelyä.",
            # Art. 18(2)-(3).
            "Säilytämme tietojasi, mutta muuten käsittelemme niitä vain suostumuksellasi "
            "tai tietosuoja-asetuksen 18 artiklan 2 kohdassa mainituissa tilanteissa. "
            "Kerromme sinulle etukäteen, ennen kuin poistamme rajoituksen.",
            "Kerroimme rajoituksesta tietosuojaselosteessamme nimetyille tietojen "
            "vastaanottajille näin (tietosuoja-asetuksen 19 artikla):\n{recipients}",
        ),
    ),
    "resolve.completed.objection": (
        "Vastustettu käsittely lopetettu",
        (
            "Olemme käsitelleet pyyntösi {reference} ({kind}). Olemme lopettaneet sen "
            "henkilötietojesi käsittelyn, jota vastustit (tietosuoja-asetuksen "
            "21 artiklan 1 kohta).",
            # Art. 21(1) covers processing on legitimate interests, not contract or law.
            "Vastustamisoikeus koskee käsittelyä, joka perustuu oikeutettuun etuumme. "
            "Käsittelemme edelleen tietoja, joita tarvitsemme sopimuksen mukaisten "
            "palveluiden toimittamiseen ja lakisääteisten velvoitteidemme, kuten "
            "kirjanpidon, hoitamiseen.",
            QUESTIONS,
        ),
    ),
    "resolve.completed.marketing_objection": (
        "Suoramarkkinointi lopetettu",
        (
            "Olemme käsitelleet pyyntösi {reference} ({kind}). Olemme lopettaneet "
            "suoramarkkinoinnin. Et saa meiltä enää markkinointiviestejä etkä "
            "uutiskirjettämme.",
            # Art. 21(3): what the portal did when the request was opened, as recorded.
            "{marketing_changes}",
            "Laskut ja palvelun käytön kannalta välttämättömät tiedotteet lähetämme "
            "edelleen, jos asiakkuutesi on voimassa.",
        ),
    ),
    "resolve.completed.consent_withdrawal": (
        "Suostumus peruttu",
        (
            "Olemme käsitelleet pyyntösi {reference} ({kind}).",
            # Art. 7(3): what actually changed, from the record (the newsletter), and what
            # the notice says rests on consent: for WProd Oy, nothing.
            "{marketing_changes}",
            "{consent_purposes}",
            QUESTIONS,
        ),
    ),
    "resolve.partially_completed.erasure": (
        "Tiedot poistettu osittain",
        (
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
    ),
    "resolve.partially_completed.general": (
        "Osittain toteutettu",
        (
            "Olemme käsitelleet pyyntösi {reference} ({kind}). Pystyimme toteuttamaan "
            "pyynnön vain osittain.",
            "Toteutimme seuraavat asiat:\n[KIRJOITA TÄHÄN: mitä tehtiin]",
            "Emme toteuttaneet seuraavia asioita:\n[KIRJOITA TÄHÄN: mitä jäi tekemättä]",
            "Syy:\n[KIRJOITA TÄHÄN: miksi osaa pyynnöstä ei toteutettu ja millä perusteella]",
            QUESTIONS,
        ),
    ),
    "resolve.refused.unfounded": (
        "Hylätty: ilmeisen perusteeton tai kohtuuton",
        (
            "Olemme käsitelleet pyyntösi {reference} ({kind}). Emme toteuta pyyntöä, "
            "koska se on ilmeisen perusteeton tai kohtuuton (tietosuoja-asetuksen "
            "12 artiklan 5 kohta).",
            # Art. 12(5): the controller must be able to demonstrate it.
            "Perustelut:\n[KIRJOITA TÄHÄN: miksi pyyntö on ilmeisen perusteeton tai "
            "kohtuuton, esimerkiksi samaa asiaa koskevien aiempien pyyntöjen määrä ja "
            "ajankohdat]",
            QUESTIONS,
        ),
    ),
    "resolve.refused.identity": (
        "Hylätty: henkilöllisyyttä ei voitu varmistaa",
        (
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
    ),
    "resolve.refused.objection": (
        "Hylätty: käsittelyyn on painava syy",
        (
            "Olemme käsitelleet pyyntösi {reference} ({kind}). Arvioimme sen ottaen "
            "huomioon erityisen tilanteesi, josta kerroit.",
            # Art. 21(1): the controller must demonstrate the compelling grounds.
            "Emme lopeta käsittelyä, koska siihen on huomattavan tärkeä ja perusteltu syy, "
            "joka syrjäyttää etusi, oikeutesi ja vapautesi (tietosuoja-asetuksen "
            "21 artiklan 1 kohta).",
            "Perusteet:\n[KIRJOITA TÄHÄN: mikä käsittely jatkuu, mihin se perustuu ja "
            "miksi syy painaa enemmän kuin henkilön kertoma tilanne]",
            QUESTIONS,
        ),
    ),
}
