"""What every authoring page shares: loading the module, the draft revision a form was made from,
and how a refused save is explained."""

from __future__ import annotations

from flask import abort, request
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from wtforms import HiddenField

from course.authoring.drafts import StaleDraft
from course.catalogue.models import Module
from course.core.regions import Region
from course.extensions import db


class DraftForm(FlaskForm):
    """A form that changes a draft: it carries the draft revision the page showed."""

    revision = HiddenField()

    def revision_number(self) -> int:
        """The revision the page was made from; a tampered value counts as out of date."""
        try:
            return int(self.revision.data or "")
        except ValueError:
            return -1


def preview_region() -> Region:
    """The region a preview is for, from the query or form (``region``); the UK when absent or
    unknown."""
    try:
        return Region(request.values.get("region", ""))
    except ValueError:
        return Region.UK


def module_or_404(module_id: int) -> Module:
    module = db.session.get(Module, module_id)
    if module is None:
        abort(404)
    return module


def stale_draft_message(error: StaleDraft) -> str:
    """Why a save was refused, and what to do, for an author who was editing an older draft."""
    if error.updated_by and error.updated_at:
        return _(
            "Your changes were not saved: %(email)s saved this module at %(time)s, after you "
            "opened this page. Copy anything you want to keep, then reload the page to see their "
            "changes.",
            email=error.updated_by,
            time=format_datetime(error.updated_at, "short"),
        )
    return _(
        "Your changes were not saved: this module changed after you opened this page (it was "
        "published or its draft discarded). Copy anything you want to keep, then reload the page."
    )
