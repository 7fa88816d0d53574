"""The registry of personal data: what each feature holds about a person, and how it hands it over
and erases it.

Two duties cross every feature: the download of everything held about someone (``/account/data``)
and the deletion of their account. :mod:`course.privacy` carries them out without knowing any
feature's tables: each feature registers a :class:`PersonalData` here, from its own
``personal_data`` module, saying

- which of its tables (or ``table.column``) hold or point at a person, and for each, the export
  section that carries it (``exported``) or why it holds nothing to export (``not_exported``);
- its sections of the export (:class:`ExportSection`), each placed by its ``position``;
- how it erases a person (``erase``), when its place in the erasure comes (``erasure_order``);
- what stops an account from being deleted yet (``blockers``), such as being the last manager of
  an organisation;
- whether it keeps records of the person anonymously, for the course's statistics
  (``keeps_records``): then an anonymous stand-in account takes them over;
- what the daily purge deletes once it has expired (:class:`Expiry`).

``course/__init__.py`` imports every feature's ``personal_data`` module when the app is built, and
each registers itself on import. :func:`unaccounted_columns` lets a test walk the schema and fail
on any table holding personal data that no feature has described, so a new table cannot be
forgotten by the export or the erasure.

**Erasure order.** Deleting an account runs every registered ``erase`` in one transaction, lowest
``erasure_order`` first. The rule is the reverse of the dependency direction: a feature higher up
the layers erases first, while the rows it looks at below (a person's certificates, their
account) still belong to the person; the account itself is deleted last, once nothing points at
it. Today that is audit (10), organisations (20), certificates (30), learning (40), the mail
outbox (50) and accounts (90).

**Export order.** The document's sections appear by ``position``: profile (10), progress (20),
quiz_attempts (30), certificates (40), organisations (50), emails (60), actions_on_your_account
(70). The layout is the export format's (:data:`course.privacy.export.EXPORT_FORMAT`): a new
section takes a new position, and moving one changes the format.

A person here is an account, :class:`course.accounts.models.User`; this module sits below
accounts, so it types them as ``Any``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Any

from sqlalchemy import Table

#: Column names that hold a person's name or address wherever they appear.
PERSONAL_COLUMN_NAMES = frozenset({"name", "holder_name", "email", "new_email", "recipient"})


@dataclass(frozen=True)
class ExportSection:
    """One top-level key of the personal-data document.

    :param key: the key, such as ``"certificates"``.
    :param position: where it goes in the document: sections appear by position, lowest first.
    :param read: ``(person, now) -> data``: what the feature holds about the person, as JSON-ready
        data (strings, numbers, booleans, ``None``, lists and mappings of them), with times as
        :func:`exported_time` gives them. It reads and never changes anything.
    """

    key: str
    position: int
    read: Callable[[Any, datetime], Any]


@dataclass(frozen=True)
class Erasure:
    """What an ``erase`` function is given: the person whose account is being deleted (locked
    for the transaction), and the anonymous stand-in that takes over the records kept for the
    course's statistics, or ``None`` when no feature keeps any (see ``keeps_records``)."""

    person: Any
    stand_in: Any | None


@dataclass(frozen=True)
class Expiry:
    """Something the daily purge deletes once it has expired.

    :param what: what it deletes, in plural, for the purge's report (``"expired email links"``).
    :param purge: ``(now) -> count``: deletes what has expired by ``now``, returns how many.
    """

    what: str
    purge: Callable[[datetime], int]


@dataclass(frozen=True)
class PersonalData:
    """Everything one feature declares about the personal data it holds.

    :param feature: the feature's package name (``"learning"``); ``"core"`` for the mail outbox.
    :param exported: ``table`` or ``table.column`` -> the export section that carries it.
    :param not_exported: ``table`` or ``table.column`` -> why it holds nothing to export.
    :param sections: the feature's sections of the export document.
    :param erasure_order: where the feature's ``erase`` and ``blockers`` come among the others',
        lowest first (see the module's docstring); required with either.
    :param erase: ``(erasure) -> counts``: deletes or anonymises the feature's rows about
        ``erasure.person``, moving what it keeps to ``erasure.stand_in``. It may return counts to
        record in the audit entry of the deletion (``{"certificates": 2}``), or ``None``.
    :param blockers: ``(person) -> reasons``: why the account cannot be deleted yet, each a
        sentence saying what to do first; none when it can.
    :param keeps_records: ``(person) -> bool``: whether the feature holds records of the person
        that are kept anonymously, so the erasure needs a stand-in.
    :param expiries: what the purge deletes once it has expired.
    """

    feature: str
    exported: Mapping[str, str] = field(default_factory=dict)
    not_exported: Mapping[str, str] = field(default_factory=dict)
    sections: tuple[ExportSection, ...] = ()
    erasure_order: int | None = None
    erase: Callable[[Erasure], Mapping[str, Any] | None] | None = None
    blockers: Callable[[Any], list[str]] | None = None
    keeps_records: Callable[[Any], bool] | None = None
    expiries: tuple[Expiry, ...] = ()

    def __post_init__(self) -> None:
        if (self.erase or self.blockers) and self.erasure_order is None:
            raise ValueError(f"{self.feature}: erase and blockers need an erasure_order")
        both = self.exported.keys() & self.not_exported.keys()
        if both:
            raise ValueError(f"{self.feature}: both exported and not exported: {sorted(both)}")


_REGISTRY: dict[str, PersonalData] = {}


def register(data: PersonalData) -> PersonalData:
    """Register what ``data.feature`` holds about people (each feature's ``personal_data`` module
    calls it once, on import).

    :raises ValueError: when the feature is registered already, or ``data`` takes a section key,
        a section position, an erasure order or a table that another feature has.
    """
    if data.feature in _REGISTRY:
        raise ValueError(f"personal data of {data.feature!r} is registered already")
    for other in _REGISTRY.values():
        clashes = [
            *(
                f"section {mine.key!r} or position {mine.position}"
                for mine in data.sections
                for theirs in other.sections
                if mine.key == theirs.key or mine.position == theirs.position
            ),
            *(
                f"table entry {entry!r}"
                for entry in (data.exported.keys() | data.not_exported.keys())
                & (other.exported.keys() | other.not_exported.keys())
            ),
        ]
        if data.erasure_order is not None and data.erasure_order == other.erasure_order:
            clashes.append(f"erasure order {data.erasure_order}")
        if clashes:
            raise ValueError(f"{data.feature} clashes with {other.feature}: {', '.join(clashes)}")
    _REGISTRY[data.feature] = data
    return data


def unregister(feature: str) -> None:
    """Forget what ``feature`` registered, if anything (a test's own registration, once done)."""
    _REGISTRY.pop(feature, None)


def registered() -> Mapping[str, PersonalData]:
    """Every registration by feature (read-only)."""
    return MappingProxyType(_REGISTRY)


def export_sections() -> list[ExportSection]:
    """Every registered section of the export, in the document's order."""
    return sorted(
        (section for data in _REGISTRY.values() for section in data.sections),
        key=lambda section: section.position,
    )


def in_erasure_order() -> list[PersonalData]:
    """The registrations that erase something or can block an erasure, in erasure order."""
    return sorted(
        (data for data in _REGISTRY.values() if data.erasure_order is not None),
        key=lambda data: data.erasure_order or 0,
    )


def expiries() -> list[Expiry]:
    """What the purge deletes once expired, by feature name."""
    return [expiry for _, data in sorted(_REGISTRY.items()) for expiry in data.expiries]


def exported_tables() -> dict[str, str]:
    """Every ``table`` or ``table.column`` some feature exports, with the section carrying it."""
    return {entry: where for data in _REGISTRY.values() for entry, where in data.exported.items()}


def not_exported_tables() -> dict[str, str]:
    """Every ``table`` or ``table.column`` that points at a person but holds nothing to export,
    with the reason."""
    return {
        entry: reason for data in _REGISTRY.values() for entry, reason in data.not_exported.items()
    }


def holds_personal_data(table: Table) -> list[str]:
    """The columns of ``table`` that point at a user or look like a person's name or address."""
    return [
        column.name
        for column in table.columns
        if column.name in PERSONAL_COLUMN_NAMES
        or column.name.endswith("_email")
        or any(key.target_fullname == "users.id" for key in column.foreign_keys)
    ]


def unaccounted_columns(tables: list[Table]) -> list[str]:
    """``table.column`` for every personal-looking column of ``tables`` that no registration
    describes, by its table or by its own name; the ``users`` table must be exported."""
    exported = exported_tables()
    described = exported.keys() | not_exported_tables().keys()
    missing = [
        f"{table.name}.{column}"
        for table in tables
        for column in holds_personal_data(table)
        if not {table.name, f"{table.name}.{column}"} & described
    ]
    if any(table.name == "users" for table in tables) and "users" not in exported:
        missing.append("users")
    return missing


def exported_time(moment: datetime | None) -> str | None:
    """A stored time as the export writes it: ISO 8601, in UTC as stored; ``None`` when unset."""
    return moment.isoformat() if moment is not None else None
