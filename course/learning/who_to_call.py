"""The numbers and services to contact, per region, each with when to use it.

Sources are listed in ``docs/sources.md``; check them against the official pages before changing.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from course.core.regions import Region


@dataclass(frozen=True)
class Contact:
    """One way to get help: what to call or visit, and when."""

    number: str | LazyString
    name: LazyString
    when: LazyString
    is_emergency: bool = False


CONTACTS_BY_REGION: dict[Region, tuple[Contact, ...]] = {
    Region.UK: (
        Contact(
            "999",
            _l("Police, ambulance or fire service"),
            _l("Someone is in danger now, or an attack is happening. 112 also works."),
            is_emergency=True,
        ),
        Contact(
            _l("999, then press 55"),
            _l("Silent Solution"),
            _l(
                "You call 999 from a mobile but cannot speak safely. Press 55 when asked: "
                "the operator then knows it is a real emergency and puts you through to the "
                "police. Pressing 55 does not tell them where you are."
            ),
            is_emergency=True,
        ),
        Contact(
            "0800 789 321",
            _l("Anti-Terrorist Hotline (or gov.uk/ACT online)"),
            _l(
                "You have seen something suspicious and nobody is in immediate danger. "
                "It is confidential, and you do not have to give your name."
            ),
        ),
        Contact(
            "61016",
            _l("British Transport Police, by text"),
            _l(
                "You are on a train or at a station in Great Britain and see something "
                "suspicious that is not an emergency."
            ),
        ),
        Contact(
            "0800 011 3764",
            _l("Prevent police advice line"),
            _l("You are worried that someone you know is being drawn into extremism."),
        ),
        Contact(
            "101",
            _l("Police non-emergency number"),
            _l("You need the police but it is not an emergency."),
        ),
    ),
    Region.US: (
        Contact(
            "911",
            _l("Police, fire or ambulance"),
            _l(
                "Someone is in danger now, or an attack is happening. Some areas also accept "
                "text messages to 911: check where you live."
            ),
            is_emergency=True,
        ),
        Contact(
            _l("Your local police"),
            _l("Local law enforcement, non-emergency line"),
            _l(
                "You have seen suspicious activity and nobody is in immediate danger. "
                "Say who or what you saw, when, where and why it seemed suspicious."
            ),
        ),
        Contact(
            "tips.fbi.gov",
            _l("FBI online tips"),
            _l("You want to report a possible threat to the FBI online."),
        ),
    ),
    Region.AUSTRALIA: (
        Contact(
            "000",
            _l("Police, fire or ambulance"),
            _l(
                "Someone's life is in danger, or an attack is happening. You cannot send a text "
                "message to 000."
            ),
            is_emergency=True,
        ),
        Contact(
            "112",
            _l("Emergency number from mobile phones"),
            _l("The same emergency service as 000, dialled from a mobile phone."),
            is_emergency=True,
        ),
        Contact(
            "106",
            _l("Emergency text relay"),
            _l("You are deaf or have a hearing or speech impairment and use a TTY."),
            is_emergency=True,
        ),
        Contact(
            "1800 123 400",
            _l("National Security Hotline"),
            _l(
                "You have seen something suspicious, or are worried someone is becoming "
                "radicalised. It is open 24 hours a day and you can stay anonymous."
            ),
        ),
    ),
    Region.EU_OTHER: (
        Contact(
            "112",
            _l("European emergency number"),
            _l(
                "Someone is in danger now, or an attack is happening. 112 is free from landlines "
                "and mobiles in every EU country, alongside national numbers."
            ),
            is_emergency=True,
        ),
        Contact(
            _l("Your local police"),
            _l("National police, non-emergency"),
            _l("You have seen something suspicious and nobody is in immediate danger."),
        ),
        Contact(
            "111",
            _l("New Zealand emergency number"),
            _l("You are in New Zealand and someone is in danger now."),
            is_emergency=True,
        ),
    ),
}
