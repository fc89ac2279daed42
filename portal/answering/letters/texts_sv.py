"""The default letters in Swedish, Finland's other national language (see ``texts``).

Written in the plain register of the Data Protection Ombudsman's Swedish pages (Dataombudsmannens
byrå, tietosuoja.fi/sv): the person is *du*, the controller *vi*, short sentences; the Regulation
is "dataskyddsförordningen" and its articles are cited as "art. 12.3", as in the Swedish text of
the GDPR and in the portal's Swedish catalog. Dates stay d.m.yyyy, as written in Finland.
"""

from __future__ import annotations

# Where staff must write something before the letter can go.
MARKER = "SKRIV HÄR"

QUESTIONS = (
    "Om du har frågor kan du svara på sidan för din begäran i tjänsten "
    "eller kontakta oss: {contact_email}, tfn {contact_phone}."
)

# The lines the portal fills in from the record and the notice (``filled``).
FILLS: dict[str, str] = {
    # Art. 17(3): one category kept after an erasure, with the notice's period and ground.
    "kept_record": "- {category}. Hur länge: {period}. Varför: {ground}.",
    # Issue 11, item 5: what an erasure kept in the controller's systems, from the hold list.
    "kept_in_systems": (
        "I våra system sparar vi ännu följande, var och en till och med angivet datum:"
    ),
    "kept_in_system": "- {system}, {category}: {count} st., till och med {date}",
    # GDPR Art. 19: what staff recorded for one recipient.
    "recipient_told": "- {recipient}: underrättades {date}",
    "recipient_not_told": "- {recipient}: underrättades inte. Skäl: {reason}",
    # Art. 21(3), 7(3): what the "marketing.stopped" event of the request records.
    "newsletter_stopped": "Vi slutade skicka vårt nyhetsbrev till dig {date}.",
    "newsletter_not_sent": (
        "Enligt våra uppgifter fick du inte vårt nyhetsbrev, så det fanns inget att avsluta."
    ),
    "suppression_added": (
        "Vi lade till din e-postadress på vår spärrlista för marknadsföring {date}. Därför "
        "skickar vi ingen marknadsföring till dig, även om ditt användarkonto senare raderas. "
        "På listan finns bara en kod som har räknats fram ur din adress, inte själva adressen."
    ),
    "marketing_unrecorded": "vad som gjordes med marknadsföringen och när",
    # Art. 7(3): the notice's purposes that rest on consent, or that none do.
    "no_consent": (
        "Enligt vår dataskyddsbeskrivning behandlar vi dina uppgifter på följande grunder: "
        "{bases}. Ingen behandling grundar sig på samtycke, så det fanns ingen behandling på "
        "grund av samtycke att avsluta."
    ),
    "consent_purposes": (
        "Enligt vår dataskyddsbeskrivning grundar sig följande behandling på samtycke:\n"
        "{purposes}\nÅterkallandet påverkar inte lagligheten av behandlingen innan samtycket "
        "återkallades (dataskyddsförordningen art. 7.3)."
    ),
    "consent_stopped": "vilken av dessa som avslutades och när",
}

# The legal bases of the notice's purposes (GDPR Art. 6(1)), as a letter names them.
LEGAL_BASES: dict[str, str] = {
    "contract": "fullgörande av avtal med dig",
    "legitimate_interest": "vårt berättigade intresse",
    "legal_obligation": "våra rättsliga förpliktelser",
    "consent": "ditt samtycke",
}

_RECIPIENTS = (
    "Vi underrättade de mottagare av uppgifter som nämns i vår dataskyddsbeskrivning om "
    "{what} enligt följande (dataskyddsförordningen art. 19):\n{{recipients}}"
)
_KEPT = (
    "Vid varje punkt står det hur länge vi sparar uppgifterna och varför:\n{kept_records}",
    "Vi använder dessa uppgifter bara för det som står i förteckningen.",
)

# Each letter's title (a short name shown to staff) and its paragraphs.
LETTERS: dict[str, tuple[str, tuple[str, ...]]] = {
    "reply.general": (
        "Allmänt svar",
        (
            "Tack för din begäran {reference} ({kind}), som vi tog emot {received_on}.",
            "[SKRIV HÄR: svaret, eller hur behandlingen av begäran framskrider]",
            "Vi svarar på begäran senast {due_on}.",
            QUESTIONS,
        ),
    ),
    "ask.identity": (
        "Bekräftelse av identitet",
        (
            "Vi har tagit emot din begäran {reference} ({kind}). Vi lämnar ut och ändrar "
            "uppgifter bara för den som uppgifterna gäller. Därför måste vi först bekräfta "
            "din identitet. För det behöver vi följande uppgifter:",
            "[SKRIV HÄR: bara de uppgifter som behövs för att bekräfta identiteten, till "
            "exempel kundnumret eller numret på en faktura]",
            "Vi behöver inga andra uppgifter. Vi använder dessa uppgifter bara för att "
            "bekräfta din identitet.",
        ),
    ),
    "ask.scope": (
        "Precisering av begäran",
        (
            "Tack för din begäran {reference} ({kind}). För att kunna behandla den rätt "
            "behöver vi att du preciserar vad begäran gäller.",
            "[SKRIV HÄR: vad som är oklart i begäran]",
            "Berätta vilka uppgifter eller vilka av våra tjänster begäran gäller, till exempel "
            "faktureringsuppgifter, användaruppgifter i webbhotellstjänsten eller nyhetsbrevet.",
        ),
    ),
    "extend.complexity": (
        "Förlängning av svarstiden",
        (
            "Vi behandlar din begäran {reference} ({kind}), som vi tog emot {received_on}. "
            "Vi kan inte svara på den inom den nuvarande tidsfristen, så vi förlänger den.",
            "Vi behöver mer tid eftersom [SKRIV HÄR: skälet, till exempel begärans omfattning, "
            "att uppgifterna finns i flera system eller ett stort antal samtidiga begäranden].",
            "Enligt dataskyddsförordningen får svarstiden förlängas med högst två månader, om "
            "det behövs med hänsyn till hur komplicerade begärandena är eller hur många de är "
            "(art. 12.3). Vi svarar så snart begäran har behandlats.",
        ),
    ),
    # --- Completed, one letter per kind of request -------------------------------------------
    "resolve.completed.access": (
        "Kopia av uppgifterna lämnad",
        (
            "Vi har behandlat din begäran {reference} ({kind}).",
            # Art. 15(1)(a)-(h) and 15(3): the copy and the information go together.
            "En kopia av dina personuppgifter och den information som avses i artikel 15 i "
            "dataskyddsförordningen finns att ladda ner på sidan för din begäran i tjänsten, "
            "när du har loggat in. Där står bland annat vad uppgifterna används till, varifrån "
            "de kommer, till vem de lämnas ut och hur länge de sparas.",
            "Den första kopian är avgiftsfri. Om du hittar ett fel i uppgifterna kan du begära "
            "att det rättas i tjänsten.",
        ),
    ),
    "resolve.completed.rectification": (
        "Uppgifterna rättade",
        (
            "Vi har behandlat din begäran {reference} ({kind}) och rättat dina uppgifter så "
            "som du begärde.",
            _RECIPIENTS.format(what="rättelsen"),
            QUESTIONS,
        ),
    ),
    "resolve.completed.erasure": (
        "Uppgifterna raderade",
        (
            "Vi har behandlat din begäran {reference} ({kind}). Vi har raderat alla dina "
            "personuppgifter utom de uppgifter som räknas upp nedan.",
            # Art. 17(3): each kept category with its own ground from the notice.
            "Dessa uppgifter sparar vi ännu. " + _KEPT[0],
            _KEPT[1],
            _RECIPIENTS.format(what="raderingen"),
        ),
    ),
    "resolve.completed.restriction": (
        "Behandlingen begränsad",
        (
            "Vi har behandlat din begäran {reference} ({kind}) och begränsat behandlingen av "
            "dina personuppgifter.",
            # Art. 18(2)-(3).
            "Vi fortsätter att lagra uppgifterna, men i övrigt behandlar vi dem bara med ditt "
            "samtycke eller i de situationer som nämns i artikel 18.2 i "
            "dataskyddsförordningen. Vi meddelar dig innan vi häver begränsningen.",
            _RECIPIENTS.format(what="begränsningen"),
        ),
    ),
    "resolve.completed.objection": (
        "Behandling som du invänt mot upphört",
        (
            "Vi har behandlat din begäran {reference} ({kind}). Vi har upphört med den "
            "behandling av dina personuppgifter som du invände mot (dataskyddsförordningen "
            "art. 21.1).",
            # Art. 21(1) covers processing on legitimate interests, not contract or law.
            "Rätten att invända gäller behandling som grundar sig på vårt berättigade "
            "intresse. Vi behandlar fortfarande de uppgifter som vi behöver för att leverera "
            "tjänsterna enligt vårt avtal och för att fullgöra våra rättsliga förpliktelser, "
            "till exempel bokföringen.",
            QUESTIONS,
        ),
    ),
    "resolve.completed.marketing_objection": (
        "Direktmarknadsföringen upphört",
        (
            "Vi har behandlat din begäran {reference} ({kind}). Vi har upphört med "
            "direktmarknadsföringen till dig. Du får inte längre marknadsföringsmeddelanden "
            "eller vårt nyhetsbrev från oss.",
            # Art. 21(3): what the portal did when the request was opened, as recorded.
            "{marketing_changes}",
            "Fakturor och meddelanden som behövs för att använda tjänsten skickar vi "
            "fortfarande, så länge du är kund hos oss.",
        ),
    ),
    "resolve.completed.consent_withdrawal": (
        "Samtycket återkallat",
        (
            "Vi har behandlat din begäran {reference} ({kind}).",
            # Art. 7(3): what actually changed (the record) and what rests on consent (the
            # notice).
            "{marketing_changes}",
            "{consent_purposes}",
            QUESTIONS,
        ),
    ),
    # --- Partially completed -------------------------------------------------------------------
    "resolve.partially_completed.erasure": (
        "Uppgifterna delvis raderade",
        (
            "Vi har behandlat din begäran {reference} ({kind}) och raderat de personuppgifter "
            "som vi kan radera.",
            "Följande uppgifter raderar vi inte ännu. " + _KEPT[0],
            _KEPT[1],
            _RECIPIENTS.format(what="raderingen"),
        ),
    ),
    "resolve.partially_completed.general": (
        "Delvis genomförd",
        (
            "Vi har behandlat din begäran {reference} ({kind}). Vi kunde genomföra begäran "
            "bara delvis.",
            "Detta gjorde vi:\n[SKRIV HÄR: vad som gjordes]",
            "Detta gjorde vi inte:\n[SKRIV HÄR: vad som inte gjordes]",
            "Varför:\n[SKRIV HÄR: varför en del av begäran inte genomfördes, och på vilka grunder]",
            QUESTIONS,
        ),
    ),
    # --- Refused -------------------------------------------------------------------------------
    "resolve.refused.unfounded": (
        "Avslag: uppenbart ogrundad eller orimlig",
        (
            "Vi har behandlat din begäran {reference} ({kind}). Vi genomför inte begäran, "
            "eftersom den är uppenbart ogrundad eller orimlig (dataskyddsförordningen "
            "art. 12.5).",
            # Art. 12(5): the controller must be able to demonstrate it.
            "Våra skäl:\n[SKRIV HÄR: varför begäran är uppenbart ogrundad eller orimlig, till "
            "exempel hur många tidigare begäranden i samma sak det har kommit och när]",
            QUESTIONS,
        ),
    ),
    "resolve.refused.identity": (
        "Avslag: identiteten kunde inte bekräftas",
        (
            "Vi har behandlat din begäran {reference} ({kind}). Vi kan inte genomföra "
            "begäran, eftersom vi inte kunde bekräfta din identitet.",
            # Art. 11(2), 12(2): without identification the rights cannot be exercised.
            "Vi lämnar ut och ändrar uppgifter bara när vi kan bekräfta att de gäller den som "
            "gör begäran (dataskyddsförordningen art. 11.2 och 12.2).",
            "Du kan när som helst göra en ny begäran i tjänsten. Bifoga de uppgifter som gör "
            "att vi kan bekräfta din identitet, till exempel de uppgifter som vi bad om.",
        ),
    ),
    "resolve.refused.objection": (
        "Avslag: tvingande berättigade skäl",
        (
            "Vi har behandlat din begäran {reference} ({kind}) och bedömt den med hänsyn till "
            "den särskilda situation som du beskrev.",
            # Art. 21(1): the controller must demonstrate the compelling grounds.
            "Vi upphör inte med behandlingen, eftersom det finns tvingande berättigade skäl för "
            "den som väger tyngre än dina intressen, rättigheter och friheter "
            "(dataskyddsförordningen art. 21.1).",
            "Skälen:\n[SKRIV HÄR: vilken behandling som fortsätter, vad den grundar sig på och "
            "varför skälen väger tyngre än den situation som personen beskrev]",
            QUESTIONS,
        ),
    ),
}
