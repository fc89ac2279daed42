"""The reply itself, without quoted history or signature, from the mail clients people use."""

from __future__ import annotations

import pytest

from portal.inbox.threading import latest_reply

GMAIL_FI = """Asiakasnumeroni on 12345.

ti 1.12.2026 klo 10.15 WProd Oy <tietosuoja@wprod.fi> kirjoitti:
> Hei, tarvitsemme asiakasnumerosi.
> Ville Kärpijoki
"""

GMAIL_FI_WRAPPED = """Asiakasnumeroni on 12345.

ti 1. jouluk. 2026 klo 10.15 WProd Oy Tietosuoja <
tietosuoja+42-abcdefghijklmnop@wprod.fi> kirjoitti:

> Hei, tarvitsemme asiakasnumerosi.
"""

GMAIL_EN = """Here is my customer number: 12345.

On Tue, 1 Dec 2026 at 10:15, WProd Oy <tietosuoja@wprod.fi> wrote:
> Hello, we need your customer number.
"""

OUTLOOK_FI = """Asiakasnumeroni on 12345.

Ystävällisin terveisin
Aino Asiakas
040 123 4567

Lähettäjä: WProd Oy <tietosuoja@wprod.fi>
Lähetetty: tiistai 1. joulukuuta 2026 10.15
Vastaanottaja: Aino Asiakas <aino@example.fi>
Aihe: WP-2026-0042: kysymys pyynnöstäsi

Hei, tarvitsemme asiakasnumerosi.
"""

OUTLOOK_EN = """My customer number is 12345.

________________________________
From: WProd Oy <tietosuoja@wprod.fi>
Sent: Tuesday, December 1, 2026 10:15 AM
To: Aino Asiakas <aino@example.fi>
Subject: WP-2026-0042: a question about your request

Hello, we need your customer number.
"""

APPLE_FI = """Asiakasnumero on 12345.

Lähetetty iPhonesta

> 1.12.2026 kello 10.15, WProd Oy <tietosuoja@wprod.fi> kirjoitti:
>
> Hei, tarvitsemme asiakasnumerosi.
"""

APPLE_EN = """Customer number is 12345.

Sent from my iPhone

> On 1 Dec 2026, at 10:15, WProd Oy <tietosuoja@wprod.fi> wrote:
>
> Hello, we need your customer number.
"""

THUNDERBIRD_SV = """Mitt kundnummer är 12345.

Med vänliga hälsningar
Anna

Den 2026-12-01 kl. 10:15, skrev WProd Oy:
> Hej, vi behöver ditt kundnummer.
"""

FINNISH_CLOSING = """Asiakasnumeroni on 12345.

Terveisin,
Matti
"""


@pytest.mark.parametrize(
    "text",
    [
        GMAIL_FI,
        GMAIL_FI_WRAPPED,
        GMAIL_EN,
        OUTLOOK_FI,
        OUTLOOK_EN,
        APPLE_FI,
        APPLE_EN,
        FINNISH_CLOSING,
    ],
    ids=[
        "gmail-fi",
        "gmail-fi-wrapped",
        "gmail-en",
        "outlook-fi",
        "outlook-en",
        "apple-fi",
        "apple-en",
        "closing-fi",
    ],
)
def test_only_what_the_person_wrote_this_time_is_left(text):
    reply = latest_reply(text)
    assert "12345" in reply
    # Neither the quoted question nor a signature or phone footer.
    for left_out in ("tarvitsemme", "we need", "WProd", "iPhone", "Aino", "Matti", "040"):
        assert left_out not in reply, (left_out, reply)


def test_swedish_reply_loses_its_quotation_and_closing():
    reply = latest_reply(THUNDERBIRD_SV)
    assert reply == "Mitt kundnummer är 12345."


def test_a_list_in_the_reply_is_kept_not_taken_for_a_signature():
    text = "Poistakaa nämä:\n- laskut\n- lokit\n\nti 1.12.2026 klo 10.15 Ville kirjoitti:\n> Hei"
    assert latest_reply(text) == "Poistakaa nämä:\n- laskut\n- lokit"


def test_a_message_that_is_all_quotation_keeps_its_text():
    text = "> Hei, tarvitsemme asiakasnumerosi."
    assert latest_reply(text) == text
