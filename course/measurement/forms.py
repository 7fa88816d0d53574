"""The consent form for measuring learning. A check's answers are read by each question type
(:mod:`course.catalogue.question_types`) from the check's snapshot, as a quiz's are."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, RadioField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired

YES, NO = "yes", "no"


class ConsentForm(FlaskForm):
    take_part = RadioField(
        _l("Will you take part?"),
        choices=[
            SelectChoice(YES, _l("Yes, I will take the short checks")),
            SelectChoice(NO, _l("No, thank you")),
        ],
        validators=[InputRequired(_l("Choose yes or no"))],
    )
    follow_up_emails = BooleanField(
        _l("Email me the two follow-up checks, 30 and 90 days after I finish the course"),
        description=_l("Each takes about two minutes. You can say no and still take part."),
    )
    #: The page to go back to; only a path on this site is followed.
    next = HiddenField()
