"""The bulk check's form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired


class BulkCheckForm(FlaskForm):
    """A CSV file of certificate codes to check at once."""

    file = FileField(
        _l("CSV file of certificate codes"),
        description=_l(
            "One code on each line, in the first column; a heading line is fine. Up to 10,000 "
            "codes and 1 MB."
        ),
        validators=[FileRequired(_l("Choose a CSV file of certificate codes"))],
    )
