"""The who-to-call card: a region's numbers on a card to cut out, fold and keep in a wallet, as a
PDF with a QR code that leads to the who-to-call page.

The card is printed on an A4 page at its real size, 85.6 by 54 mm a side (a bank card's), front
and back side by side, so any printer makes it without scaling: cut round it and fold it in the
middle. Its front has the emergency contacts, its back the others and the QR code.
"""

from __future__ import annotations

import segno
from flask import render_template

from course.core.pdf import render_pdf, static_folder
from course.core.regions import Region
from course.core.urls import absolute_url
from course.learning.who_to_call import CONTACTS_BY_REGION

TEMPLATE = "learning/wallet_card.html"
STYLESHEET = "css/wallet-card.css"


def wallet_card_pdf(region: Region) -> bytes:
    """The card for ``region``, in the request's language, as PDF bytes.

    :raises course.core.pdf.PdfRenderError: when it cannot be made in time.
    """
    address = absolute_url("learning.who_to_call")
    contacts = CONTACTS_BY_REGION[region]
    html = render_template(
        TEMPLATE,
        region=region,
        emergency=[contact for contact in contacts if contact.is_emergency],
        others=[contact for contact in contacts if not contact.is_emergency],
        address=address,
        qr_data_uri=segno.make(address, error="m").svg_data_uri(border=0, dark="#0b0c0c"),
    )
    return render_pdf(html, STYLESHEET, static_folder())
