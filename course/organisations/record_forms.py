"""The form on the training records page: how long the organisation keeps them."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, ValidationError

from course.organisations.models import DEFAULT_RECORD_RETENTION_DAYS
from course.organisations.training_records import (
    MAX_RETENTION_DAYS,
    MIN_RETENTION_DAYS,
    RETENTION_CHOICES,
    retention_in_words,
)

CHOOSE_A_PERIOD = _l("Choose how long to keep training records from the list")


def _days(value: Any) -> int | None:
    """The chosen number of days; ``None`` for anything that is not a whole number, which the
    field then refuses with its own message rather than the library's."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class RetentionForm(FlaskForm):
    """How long the organisation keeps a former member's training record, chosen from whole
    months and years; the period set already is offered too, should it be another."""

    days = SelectField(
        _l("Keep each record for"),
        description=_l(
            "Counted from the day the record was kept. A change applies to the records you "
            "hold already too: any older than the new period are deleted at the next daily "
            "clear-out."
        ),
        coerce=_days,
        validate_choice=False,
    )

    def __init__(self, current_days: int, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        periods = sorted({*RETENTION_CHOICES, current_days})
        self.days.choices = [
            (
                days,
                _l("%(period)s (recommended)", period=retention_in_words(days))
                if days == DEFAULT_RECORD_RETENTION_DAYS
                else retention_in_words(days),
            )
            for days in periods
        ]
        if self.days.data is None and not self.is_submitted():
            self.days.data = current_days

    def validate_days(self, field: SelectField) -> None:
        allowed = {days for days, _ in field.choices or ()}
        if field.data not in allowed or not MIN_RETENTION_DAYS <= field.data <= MAX_RETENTION_DAYS:
            raise ValidationError(str(CHOOSE_A_PERIOD))
