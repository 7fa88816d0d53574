"""Email invitations to an organisation: one at a time or from a CSV file of up to 50,000 rows.

An upload is all or nothing for the file itself (not CSV, wrong columns, too big: refused with the
reason) and row by row after that: every valid row lands in one transaction, and every other row is
reported with its line and why (not an email address, already a member, already invited, repeated in
the file). Each invitation is one outbox email with a link holding a random token; only the
token's SHA-256 hash is stored. Following the link, a person with an account accepts after signing
in, and a person without one registers through it; either way joining needs their own consent.

An invitation is for its address, not for whoever holds the link: only an account that has
confirmed that address accepts it. Anyone can type any address when they register, so an
unconfirmed account, or an account with another address, is refused and nothing changes. Creating
an account through the link with the invited address confirms that address, because the link
was emailed to it (as a password reset link confirms an address).
"""

from __future__ import annotations

import csv
import enum
import hashlib
import io
import secrets
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from email_validator import EmailNotValidError, validate_email
from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, insert, select

from course.accounts import services as accounts
from course.accounts.models import User
from course.accounts.services import normalise_email
from course.catalogue.outline import current_outline
from course.core.database import begin_write, get_for_update, utcnow
from course.core.mail import queue_email, queue_mail_merge
from course.core.names import name_problem
from course.core.paging import Page
from course.core.regions import Region
from course.extensions import db
from course.organisations.memberships import TEAM_INVISIBLE_CHARACTER, join
from course.organisations.models import Invitation, Membership, Organisation, Site
from course.organisations.sites import add_to_site, sites_of

#: An invitation link works for this long after it was last sent.
INVITATION_VALID_FOR = timedelta(days=30)
#: A manager may send the same invitation again after this long.
RESEND_AFTER = timedelta(hours=1)
MAX_UPLOAD_ROWS = 50_000
MAX_UPLOAD_BYTES = 8 * 1024 * 1024
COLUMNS = ("email", "name", "team", "site")
#: Other headings accepted for a column.
COLUMN_ALIASES = {"e-mail": "email", "email address": "email"}
PAGE_SIZE = 50
#: The sample file shown on the invitations page.
CSV_EXAMPLE = (
    "email,name,team\n"
    "sam.jones@example.org,Sam Jones,Front of house\n"
    "alex.lee@example.org,Alex Lee,Box office"
)
#: Rows invited (and emails queued) per batch.
BATCH_SIZE = 1000


class Outcome(enum.StrEnum):
    INVITED = "invited"
    ALREADY_MEMBER = "already_member"
    ALREADY_INVITED = "already_invited"
    INVALID = "invalid"


OUTCOME_LABELS = {
    Outcome.INVITED: _l("Invited"),
    Outcome.ALREADY_MEMBER: _l("Already a member"),
    Outcome.ALREADY_INVITED: _l("Already invited"),
    Outcome.INVALID: _l("Invalid"),
}


class UploadRefused(Exception):
    """The whole file was refused; the message says why."""


class InvitationRefused(Exception):
    """An action on an invitation was refused; the message says why."""


class AcceptanceRefusal(enum.Enum):
    """Why a signed-in account may not accept an invitation."""

    #: The account's address is not the one the invitation was sent to.
    OTHER_ADDRESS = "other_address"
    #: The account has the invited address but has not confirmed it.
    NOT_CONFIRMED = "not_confirmed"


class NotTheInvitedAccount(Exception):
    """The account may not accept the invitation; ``reason`` says why."""

    def __init__(self, reason: AcceptanceRefusal) -> None:
        super().__init__(reason.value)
        self.reason = reason


@dataclass(frozen=True)
class InvitationRequest:
    """One person to invite, from the form or from line ``line`` of a file."""

    line: int
    email: str
    name: str | None = None
    team: str | None = None
    #: The name of one of the organisation's sites, as the manager typed or chose it.
    site: str | None = None


@dataclass(frozen=True)
class RowResult:
    line: int
    email: str
    outcome: Outcome
    reason: str = ""


@dataclass
class InvitationReport:
    """What happened to every row, in the order given."""

    results: list[RowResult] = field(default_factory=list)

    @property
    def counts(self) -> Counter[Outcome]:
        return Counter(result.outcome for result in self.results)

    @property
    def invited(self) -> list[RowResult]:
        return [result for result in self.results if result.outcome == Outcome.INVITED]

    @property
    def not_invited(self) -> list[RowResult]:
        return [result for result in self.results if result.outcome != Outcome.INVITED]


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def read_invitation_csv(data: bytes) -> tuple[list[InvitationRequest], list[RowResult]]:
    """Parse an uploaded file into people to invite and rows that are wrong, each with its line.

    :raises UploadRefused: when the file as a whole cannot be used.
    """
    if not data.strip():
        raise UploadRefused(_l("The file is empty. Choose a CSV file with an email column."))
    if len(data) > MAX_UPLOAD_BYTES:
        raise UploadRefused(
            _l("The file is larger than %(size)s MB.", size=MAX_UPLOAD_BYTES // (1024 * 1024))
        )
    if b"\x00" in data:
        raise UploadRefused(
            _l("This is not a CSV file. Save the spreadsheet as CSV and try again.")
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UploadRefused(
            _l("The file is not UTF-8 text. Save the spreadsheet as \u201cCSV UTF-8\u201d.")
        ) from None
    rows = csv.reader(io.StringIO(text, newline=""))
    try:
        columns = _columns(next(rows, []))
        return _requests_from(rows, columns)
    except csv.Error as problem:
        raise UploadRefused(
            _l(
                "Line %(line)s could not be read as CSV: %(problem)s",
                line=rows.line_num,
                problem=problem,
            )
        ) from None


def _columns(heading: list[str]) -> dict[str, int]:
    names = [
        COLUMN_ALIASES.get(" ".join(cell.lower().split()), " ".join(cell.lower().split()))
        for cell in heading
    ]
    unknown = [heading[index] for index, name in enumerate(names) if name and name not in COLUMNS]
    if "email" not in names or unknown:
        raise UploadRefused(
            _l(
                "The first line must name the columns: email, and optionally name, team and "
                "site. This file's first line is: %(heading)s",
                heading=", ".join(heading) or _l("empty"),
            )
        )
    repeated = [name for name, count in Counter(n for n in names if n).items() if count > 1]
    if repeated:
        raise UploadRefused(_l("The column %(column)s appears more than once.", column=repeated[0]))
    return {name: index for index, name in enumerate(names) if name}


def _requests_from(
    rows: Iterator[list[str]], columns: dict[str, int]
) -> tuple[list[InvitationRequest], list[RowResult]]:
    requests: list[InvitationRequest] = []
    problems: list[RowResult] = []
    first_line_of: dict[str, int] = {}
    counted = 0
    for row in rows:
        if not any(cell.strip() for cell in row):
            continue
        counted += 1
        if counted > MAX_UPLOAD_ROWS:
            raise UploadRefused(
                _l(
                    "The file has more than %(limit)s people. Split it into smaller files.",
                    limit=f"{MAX_UPLOAD_ROWS:,}",
                )
            )
        line = rows.line_num  # type: ignore[attr-defined]
        cells = {name: _cell(row, index) for name, index in columns.items()}
        checked = check_request(
            line, cells["email"], cells.get("name"), cells.get("team"), cells.get("site")
        )
        if isinstance(checked, RowResult):
            problems.append(checked)
        elif checked.email in first_line_of:
            problems.append(
                RowResult(
                    line,
                    checked.email,
                    Outcome.INVALID,
                    str(_l("Repeats line %(line)s.", line=first_line_of[checked.email])),
                )
            )
        else:
            first_line_of[checked.email] = line
            requests.append(checked)
    if counted == 0:
        raise UploadRefused(_l("The file has column names but nobody to invite."))
    return requests, problems


def _cell(row: list[str], index: int) -> str:
    return " ".join(row[index].split()) if index < len(row) else ""


def check_request(
    line: int, email: str, name: str | None, team: str | None, site: str | None = None
) -> InvitationRequest | RowResult:
    """A request ready to invite, or the reason it is not."""
    email = email.strip()
    if not email:
        return RowResult(line, email, Outcome.INVALID, str(_l("The email address is missing.")))
    if len(email) > 320:
        return RowResult(
            line, email[:60], Outcome.INVALID, str(_l("The email address is too long."))
        )
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError:
        return RowResult(
            line, email, Outcome.INVALID, str(_l("This is not a valid email address."))
        )
    if name and len(name) > 200:
        return RowResult(
            line, email, Outcome.INVALID, str(_l("The name must be 200 characters or fewer."))
        )
    if team and len(team) > 100:
        return RowResult(
            line, email, Outcome.INVALID, str(_l("The team must be 100 characters or fewer."))
        )
    problem = name_problem(name) or name_problem(team, TEAM_INVISIBLE_CHARACTER)
    if problem:
        return RowResult(line, email, Outcome.INVALID, problem)
    return InvitationRequest(
        line, normalise_email(email), name or None, team or None, " ".join((site or "").split())
    )


def invite(
    organisation: Organisation,
    inviter: User,
    requests: Sequence[InvitationRequest],
    progress: Callable[[int], None] | None = None,
) -> InvitationReport:
    """Invite everyone in ``requests`` who is not already a member or invited, in one transaction,
    with one outbox email each. Existing members and invitations are looked up once, not per row;
    ``progress`` is told how many rows each batch handled.
    """
    begin_write()
    members = set(
        db.session.scalars(
            select(User.email)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.organisation_id == organisation.id)
        )
    )
    invited = {
        invitation.email: invitation
        for invitation in db.session.scalars(
            select(Invitation).where(Invitation.organisation_id == organisation.id)
        )
    }
    site_ids = {site.name.lower(): site.id for site in sites_of(organisation)}
    report = InvitationReport()
    for start in range(0, len(requests), BATCH_SIZE):
        batch = requests[start : start + BATCH_SIZE]
        report.results += _invite_batch(organisation, inviter, batch, members, invited, site_ids)
        if progress:
            progress(len(batch))
    report.results.sort(key=lambda result: result.line)
    return report


def _invite_batch(
    organisation: Organisation,
    inviter: User,
    requests: Sequence[InvitationRequest],
    members: set[str],
    invited: dict[str, Invitation],
    site_ids: dict[str, int],
) -> list[RowResult]:
    results: list[RowResult] = []
    new_rows: list[dict[str, object]] = []
    emails: list[tuple[str, dict[str, str | None]]] = []
    now = utcnow()
    for request in requests:
        existing = invited.get(request.email)
        site_id = site_ids.get(request.site.lower()) if request.site else None
        if request.site and site_id is None:
            reason = _l(
                "%(organisation)s has no site called \u201c%(site)s\u201d. Add the site on the "
                "organisation's page first, or correct its name.",
                organisation=organisation.name,
                site=request.site,
            )
            results.append(RowResult(request.line, request.email, Outcome.INVALID, str(reason)))
            continue
        if request.email in members:
            results.append(RowResult(request.line, request.email, Outcome.ALREADY_MEMBER))
            continue
        if existing is not None and existing.is_pending:
            reason = _l(
                "Sent on %(date)s. You can send it again from the list of invitations.",
                date=format_date(existing.sent_at, "long"),
            )
            results.append(
                RowResult(request.line, request.email, Outcome.ALREADY_INVITED, str(reason))
            )
            continue
        token = secrets.token_urlsafe(32)
        if existing is not None:  # accepted before, and has left since: invite afresh
            _refresh(existing, token, now)
            existing.name, existing.team = request.name, request.team
            existing.site_id = site_id
        else:
            new_rows.append(
                {
                    "organisation_id": organisation.id,
                    "email": request.email,
                    "name": request.name,
                    "team": request.team,
                    "site_id": site_id,
                    "token_hash": token_hash(token),
                    "invited_by_id": inviter.id,
                    "created_at": now,
                    "sent_at": now,
                    "times_sent": 1,
                }
            )
        emails.append((request.email, {"invitee_name": request.name, "token": token}))
        results.append(RowResult(request.line, request.email, Outcome.INVITED))
    if new_rows:
        db.session.execute(insert(Invitation), new_rows)
    context = _email_context(organisation, inviter, now)
    queue_mail_merge(_invitation_subject(organisation), "organisation_invitation", context, emails)
    return results


def _email_context(
    organisation: Organisation, inviter: User, sent_at: datetime
) -> dict[str, object]:
    """What every invitation email from this batch has in common."""
    outline = current_outline()
    return {
        "course_minutes": outline.required_minutes if outline else None,
        "organisation_name": organisation.name,
        "inviter_name": inviter.name,
        "expires_on": (sent_at + INVITATION_VALID_FOR).date(),
    }


def _invitation_subject(organisation: Organisation) -> str:
    return str(_l("%(name)s invites you to take the CT Citizen course", name=organisation.name))


def _refresh(invitation: Invitation, token: str, now: datetime) -> None:
    invitation.token_hash = token_hash(token)
    invitation.sent_at = now
    invitation.times_sent += 1
    invitation.accepted_at = None


def resend(organisation: Organisation, inviter: User, invitation_id: int) -> Invitation:
    """Send a pending invitation again with a new link (the old link stops working).

    :raises InvitationRefused: when it was sent within the last hour or is no longer pending.
    """
    invitation = get_for_update(Invitation, invitation_id)
    if invitation is None or invitation.organisation_id != organisation.id:
        raise LookupError(invitation_id)
    if not invitation.is_pending:
        raise InvitationRefused(_l("This invitation has been accepted already."))
    if db.session.scalar(select(_is_a_member(organisation)).where(Invitation.id == invitation.id)):
        raise InvitationRefused(_l("This person is a member already: they joined by the link."))
    now = utcnow()
    if now - invitation.sent_at < RESEND_AFTER:
        raise InvitationRefused(
            _l("This invitation was sent less than an hour ago. Try again later.")
        )
    token = secrets.token_urlsafe(32)
    _refresh(invitation, token, now)
    queue_email(
        invitation.email,
        _invitation_subject(organisation),
        "organisation_invitation",
        **_email_context(organisation, inviter, now),
        invitee_name=invitation.name,
        token=token,
    )
    return invitation


def withdraw(organisation: Organisation, invitation_id: int) -> Invitation:
    """Delete a pending invitation: its link stops working."""
    invitation = get_for_update(Invitation, invitation_id)
    if invitation is None or invitation.organisation_id != organisation.id:
        raise LookupError(invitation_id)
    if not invitation.is_pending:
        raise InvitationRefused(_l("This invitation has been accepted already."))
    db.session.delete(invitation)
    return invitation


def pending_invitations(
    organisation: Organisation, *, search: str = "", page: int = 1
) -> Page[Invitation]:
    """Invitations not yet accepted, newest first, a page at a time."""
    query = select(Invitation).where(
        Invitation.organisation_id == organisation.id,
        Invitation.accepted_at.is_(None),
        ~_is_a_member(organisation),
    )
    if search.strip():
        query = query.where(Invitation.email.contains(search.strip().lower(), autoescape=True))
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    page = max(1, page)
    invitations = db.session.scalars(
        query.order_by(Invitation.sent_at.desc(), Invitation.id.desc())
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    ).all()
    return Page(list(invitations), total, page, PAGE_SIZE)


def _is_a_member(organisation: Organisation):  # type: ignore[no-untyped-def]
    """Whether an invitation's email belongs to a member already (one who joined by the link
    before joining settled the invitation)."""
    return (
        select(Membership.id)
        .join(User, User.id == Membership.user_id)
        .where(Membership.organisation_id == organisation.id, User.email == Invitation.email)
        .exists()
    )


def invitations_to(email: str) -> list[Invitation]:
    """Every invitation sent to ``email``, pending or accepted, in any organisation, oldest
    first."""
    return list(
        db.session.scalars(
            select(Invitation)
            .where(Invitation.email == normalise_email(email))
            .order_by(Invitation.created_at, Invitation.id)
        )
    )


def usable_invitation(token: str, now: datetime | None = None) -> Invitation | None:
    """The pending invitation for a link's token, if it has not expired and its organisation is
    open; ``None`` for anything else, without saying which."""
    invitation = db.session.scalar(
        select(Invitation).where(Invitation.token_hash == token_hash(token))
    )
    if invitation is None or not invitation.is_pending or not invitation.organisation.is_open:
        return None
    if (now or utcnow()) - invitation.sent_at > INVITATION_VALID_FOR:
        return None
    return invitation


def acceptance_refusal(user: User, invitation: Invitation) -> AcceptanceRefusal | None:
    """Why ``user`` may not accept ``invitation``, or ``None`` when they may: only the account
    holding the invited address, confirmed, accepts it."""
    if user.email != invitation.email:
        return AcceptanceRefusal.OTHER_ADDRESS
    if not user.email_verified:
        return AcceptanceRefusal.NOT_CONFIRMED
    return None


def accept(user: User, token: str) -> Membership | None:
    """``user`` accepts the invitation behind ``token`` and joins, with its team; ``None`` when
    the link is no longer usable (accepted already, withdrawn, expired, organisation closed).

    :raises NotTheInvitedAccount: when ``user`` does not hold the invited address confirmed (see
        :func:`acceptance_refusal`); nothing is changed then, and the invitation stays pending.
    """
    invitation = _lock_usable_invitation(token)
    if invitation is None:
        return None
    refusal = acceptance_refusal(user, invitation)
    if refusal is not None:
        raise NotTheInvitedAccount(refusal)
    return _join_through(invitation, user)


def register_and_accept(token: str, name: str, email: str, password: str, region: Region) -> None:
    """Create an account through the invitation behind ``token``, and join with it.

    The link was emailed to the invited address, so whoever follows it reads that mailbox: the
    new account's address counts as confirmed, and it joins at once. When the address already has
    an account, nothing is created or joined and its holder is emailed, as on the registration
    page; the caller answers the same either way. A link no longer usable by the time the account
    is made leaves an ordinary new account that must confirm its address by email.

    :raises InvitationRefused: when ``email`` is not the address the invitation was sent to;
        nothing is created then.
    """
    found = usable_invitation(token)
    if found is not None and normalise_email(email) != found.email:
        raise InvitationRefused(
            _l(
                "This invitation was sent to %(email)s. Use that address to join, or ask the "
                "person who invited you to invite the address you want to use.",
                email=found.email,
            )
        )
    user = accounts.register(name, email, password, region)
    if user is None:
        return
    invitation = _lock_usable_invitation(token)
    if invitation is None or invitation.email != user.email:
        return
    user.email_verified_at = utcnow()
    _join_through(invitation, user)


def _lock_usable_invitation(token: str) -> Invitation | None:
    """The usable, still pending invitation behind ``token``, locked until the transaction
    ends."""
    begin_write()
    db.session.flush()  # a user registering in this transaction needs its id
    found = usable_invitation(token)
    if found is None:
        return None
    invitation = get_for_update(Invitation, found.id)
    if invitation is None or not invitation.is_pending:
        return None
    return invitation


def _join_through(invitation: Invitation, user: User) -> Membership:
    invitation.accepted_at = utcnow()
    membership = join(user, invitation.organisation, team=invitation.team)
    _place_at_invited_site(membership, invitation)
    return membership


def _place_at_invited_site(membership: Membership, invitation: Invitation) -> None:
    site = db.session.get(Site, invitation.site_id) if invitation.site_id else None
    if site is not None:
        add_to_site(membership, site)


def join_by_link(user: User, organisation: Organisation) -> Membership:
    """Join ``organisation`` through its join link. An invitation the organisation emailed to the
    same person is settled by it: it no longer waits (nor can be sent again), its team is the
    member's unless they already have one, and they join its site."""
    membership = join(user, organisation)
    invitation = db.session.scalar(
        select(Invitation)
        .where(
            Invitation.organisation_id == organisation.id,
            Invitation.email == normalise_email(user.email),
            Invitation.accepted_at.is_(None),
        )
        .with_for_update()
    )
    if invitation is not None:
        invitation.accepted_at = utcnow()
        if membership.team is None and invitation.team:
            membership.team = invitation.team
        _place_at_invited_site(membership, invitation)
    return membership
