"""Forms of the learning pages. Quiz answers are read by each question type
(:mod:`course.catalogue.question_types`), not by WTForms fields, because the questions of an
attempt are only known from its snapshot."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired

from course.core.regions import Region


class RegionForm(FlaskForm):
    region = RadioField(
        _l("Show advice for"),
        choices=[SelectChoice(region.value, region.label) for region in Region],
        validators=[DataRequired(_l("Select where you live"))],
    )
    #: The page to go back to; only a path on this site is followed.
    next = HiddenField()
