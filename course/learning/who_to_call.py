"""The numbers and services to contact, per region, each with when to use it.

Sources are listed in ``docs/sources.md``; check them against the official pages before changing.
Every region has at least one emergency contact; "elsewhere" names no national number, since it
stands for every country the course does not cover.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from course.core.regions import Region


@dataclass(frozen=True)
class Contact:
    """One way to get help: what to call or visit, and when.

    ``number`` is what people read; ``dial`` the digits a phone calls (a ``tel:`` link), or
    ``text_to`` those it texts (an ``sms:`` link); ``online`` the address of the service's own
    reporting page (a button). ``write_in`` marks a number that differs from place to place
    ("your local police"), which the wallet card leaves a line to write in.
    """

    number: str | LazyString
    name: LazyString
    when: LazyString
    is_emergency: bool = False
    dial: str | None = None
    text_to: str | None = None
    online: str | None = None
    write_in: bool = False

    @property
    def online_address(self) -> str:
        """``online`` as people write it: no ``https://`` or ``www.``."""
        return (self.online or "").removeprefix("https://").removeprefix("www.").rstrip("/")


CONTACTS_BY_REGION: dict[Region, tuple[Contact, ...]] = {
    Region.UK: (
        Contact(
            _l("999"),
            _l("Police, ambulance or fire service"),
            _l("Someone is in danger now, or an attack is happening. 112 also works."),
            is_emergency=True,
            dial="999",
        ),
        Contact(
            _l("999, then press 55"),
            _l("Silent Solution"),
            _l(
                "You call 999 from a mobile but cannot speak safely. Listen, and tap the phone if "
                "you can. If a recorded message asks you to, press 55: this tells them it is a "
                "real emergency and puts you through to the police. Pressing 55 does not tell "
                "them where you are."
            ),
            is_emergency=True,
            dial="999",
        ),
        Contact(
            _l("Text 999 (emergencySMS)"),
            _l("Emergency text service"),
            _l(
                "You are deaf or cannot speak on the phone. It only works once you have "
                "registered: text the word register to 999 now, before you need it."
            ),
            is_emergency=True,
        ),
        Contact(
            _l("0800 789 321"),
            _l("Anti-Terrorist Hotline"),
            _l(
                "You have seen something suspicious and nobody is in immediate danger. Your "
                "report is in confidence."
            ),
            dial="0800789321",
            online="https://www.gov.uk/ACT",
        ),
        Contact(
            _l("gov.uk/report-terrorism"),
            _l("Report terrorist content online"),
            _l("You have found terrorist or extremist material online."),
            online="https://www.gov.uk/report-terrorism",
        ),
        Contact(
            _l("61016"),
            _l("British Transport Police, by text"),
            _l(
                "You are on a train or at a station in Great Britain and see something "
                "suspicious that is not an emergency. You can text without giving your name."
            ),
            text_to="61016",
        ),
        Contact(
            _l("0800 011 3764"),
            _l("ACT Early Support Line"),
            _l(
                "You are worried that someone you know is being drawn into extremism. Open "
                "9am to 5pm every day; calls at other times go to counter-terrorism officers."
            ),
            dial="08000113764",
        ),
        Contact(
            _l("101"),
            _l("Police non-emergency number"),
            _l("You need the police but it is not an emergency."),
            dial="101",
        ),
    ),
    Region.US: (
        Contact(
            _l("911"),
            _l("Police, fire or ambulance"),
            _l(
                "Someone is in danger now, or an attack is happening. If you cannot speak, leave "
                "the line open so the dispatcher can listen. Only some areas accept text "
                "messages to 911, so call if you can."
            ),
            is_emergency=True,
            dial="911",
        ),
        Contact(
            _l("Your local police"),
            _l("Local law enforcement, non-emergency line"),
            _l(
                "You have seen suspicious activity and nobody is in immediate danger. "
                "Say who or what you saw, when, where and why it seemed suspicious."
            ),
            write_in=True,
        ),
        Contact(
            _l("1-800-CALL-FBI (1-800-225-5324)"),
            _l("FBI tips"),
            _l("You want to report a possible threat, such as terrorism, to the FBI."),
            dial="18002255324",
            online="https://tips.fbi.gov",
        ),
    ),
    Region.CANADA: (
        Contact(
            _l("911"),
            _l("Police, fire or ambulance"),
            _l(
                "Someone is in danger now, or an attack is happening. Text with 9-1-1 is only for "
                "people who are deaf, hard of hearing or speech impaired and have registered "
                "with their mobile phone company."
            ),
            is_emergency=True,
            dial="911",
        ),
        Contact(
            _l("1-800-420-5805"),
            _l("RCMP National Security Information Network"),
            _l(
                "You have seen suspicious activity that may be a risk to national security. "
                "Open 24 hours a day."
            ),
            dial="18004205805",
        ),
        Contact(
            _l("Your local police"),
            _l("Local police, non-emergency line"),
            _l("You have a concern for the police and nobody is in immediate danger."),
            write_in=True,
        ),
    ),
    Region.AUSTRALIA: (
        Contact(
            _l("000"),
            _l("Police, fire or ambulance"),
            _l(
                "Someone's life is in danger, or an attack is happening. 112 also works from "
                "most mobile phones. You cannot send a text message to 000."
            ),
            is_emergency=True,
            dial="000",
        ),
        Contact(
            _l("000, then press 55"),
            _l("When you cannot speak"),
            _l(
                "You call 000 but cannot speak. A recorded message asks you to press 55 to show "
                "you need help. Keep your address up to date with your phone company: help may "
                "be sent there."
            ),
            is_emergency=True,
            dial="000",
        ),
        Contact(
            _l("106"),
            _l("Text emergency relay"),
            _l("You are deaf or have a hearing or speech impairment and use a TTY."),
            is_emergency=True,
            dial="106",
        ),
        Contact(
            _l("1800 123 400"),
            _l("National Security Hotline"),
            _l(
                "You have seen something suspicious, or are worried someone is becoming "
                "radicalised. It is open 24 hours a day. You can also email "
                "hotline@nationalsecurity.gov.au."
            ),
            dial="1800123400",
        ),
        Contact(
            _l("eSafety"),
            _l("eSafety Commissioner"),
            _l(
                "You have found terrorist or other illegal content online. You do not have to "
                "give your name."
            ),
            online="https://www.esafety.gov.au/report",
        ),
    ),
    Region.NEW_ZEALAND: (
        Contact(
            _l("111"),
            _l("Police, fire or ambulance"),
            _l(
                "Someone is in danger now, or an attack is happening. Deaf and hearing-impaired "
                "people who cannot use a phone can register for 111 TXT."
            ),
            is_emergency=True,
            dial="111",
        ),
        Contact(
            _l("105"),
            _l("Police non-emergency number"),
            _l(
                "You need the police, or want to report something suspicious, but it is not urgent."
            ),
            dial="105",
            online="https://105.police.govt.nz",
        ),
        Contact(
            _l("0800 747 224"),
            _l("New Zealand Security Intelligence Service (NZSIS)"),
            _l(
                "You have information about a national security concern, such as terrorism. "
                "NZSIS also has an online form."
            ),
            dial="0800747224",
        ),
        Contact(
            _l("Online violent extremist content"),
            _l("Department of Internal Affairs"),
            _l("You have found violent extremist content online. Report it with its online form."),
            online="https://www.dia.govt.nz/Digital-Safety-Report-Online-Violent-Extremist-Material",
        ),
    ),
    Region.EUROPEAN_UNION: (
        Contact(
            _l("112"),
            _l("European emergency number"),
            _l(
                "Someone is in danger now, or an attack is happening. 112 is free from landlines "
                "and mobiles in every EU country, alongside national numbers. Ways to reach it "
                "without speaking differ by country: find out now what works where you live."
            ),
            is_emergency=True,
            dial="112",
        ),
        Contact(
            _l("Your national police"),
            _l("Police, non-emergency"),
            _l(
                "You have seen something suspicious and nobody is in immediate danger, or you "
                "have found terrorist content online. Report that content on the platform too."
            ),
            write_in=True,
        ),
    ),
    Region.ELSEWHERE: (
        Contact(
            _l("Your local emergency number"),
            _l("Police, fire or ambulance"),
            _l(
                "Someone is in danger now, or an attack is happening. Find out the number where "
                "you live now, and save it in your phone."
            ),
            is_emergency=True,
            write_in=True,
        ),
        Contact(
            _l("Your local police"),
            _l("Police, non-emergency"),
            _l(
                "You have seen something suspicious and nobody is in immediate danger. Follow "
                "the advice of your local police and authorities."
            ),
            write_in=True,
        ),
    ),
}
