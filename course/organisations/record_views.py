"""The manager's pages of training records: the list with the retention period, one record, the
CSV file, and deleting a record early."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from werkzeug.wrappers import Response

from course.core.downloads import private_download
from course.core.forms import ButtonForm
from course.core.paging import page_number
from course.organisations import training_records
from course.organisations.access import manager_of_org
from course.organisations.models import TrainingRecord
from course.organisations.record_forms import RetentionForm

bp = Blueprint("training_records", __name__)


@bp.app_template_filter("retention_period")
def retention_period(days: int) -> str:
    """``{{ organisation.record_retention_days | retention_period }}``: "3 years". The joining
    pages say with it how long a record is kept."""
    return training_records.retention_in_words(days)


def _records_page(form: RetentionForm, status: int = 200) -> tuple[str, int]:
    search = request.args.get("q", "").strip()[:200]
    return render_template(
        "organisations/records.html",
        organisation=g.organisation,
        page=training_records.record_page(
            g.organisation, search=search, page=page_number(request.args.get("page"))
        ),
        search=search,
        form=form,
        reasons=training_records.REASON_WORDS,
    ), status


@bp.get("/orgs/<int:organisation_id>/records")
@manager_of_org
def index(organisation_id: int) -> tuple[str, int]:
    return _records_page(RetentionForm(g.organisation.record_retention_days, formdata=None))


@bp.post("/orgs/<int:organisation_id>/records")
@manager_of_org
def retention(organisation_id: int) -> Response | tuple[str, int]:
    """Change how long the organisation keeps its records."""
    form = RetentionForm(g.organisation.record_retention_days)
    if not form.validate_on_submit():
        return _records_page(form, 400)
    try:
        changed = training_records.set_record_retention(g.organisation, form.days.data)
    except training_records.RetentionRefused as refusal:
        form.days.errors = [str(refusal)]
        return _records_page(form, 400)
    message = _(
        "Training records are now kept for %(period)s.",
        period=training_records.retention_in_words(form.days.data),
    )
    if changed:
        message += " " + ngettext(
            "The keep-until date of the %(num)d record kept already has changed to match.",
            "The keep-until dates of the %(num)d records kept already have changed to match.",
            changed,
        )
    flash(message, "success")
    return redirect(url_for(".index", organisation_id=organisation_id))


def _record_or_404(record_id: int) -> TrainingRecord:
    record = training_records.record_in(g.organisation, record_id)
    if record is None:
        abort(404)
    return record


@bp.get("/orgs/<int:organisation_id>/records/<int:record_id>")
@manager_of_org
def record(organisation_id: int, record_id: int) -> str:
    kept = _record_or_404(record_id)
    return render_template(
        "organisations/records_record.html",
        organisation=g.organisation,
        record=kept,
        details=training_records.details_of(kept),
        reasons=training_records.REASON_WORDS,
        certificate_words=training_records.CERTIFICATE_WORDS,
    )


@bp.route("/orgs/<int:organisation_id>/records/<int:record_id>/delete", methods=["GET", "POST"])
@manager_of_org
def delete(organisation_id: int, record_id: int) -> str | Response:
    """Ask before deleting a record early; only the Yes button deletes it."""
    kept = _record_or_404(record_id)
    if request.method == "POST":
        if not ButtonForm().validate_on_submit():
            abort(400)
        if request.form.get("action") != "delete":
            flash(_("Choose one of the buttons on this page."), "error")
            return redirect(
                url_for(".delete", organisation_id=organisation_id, record_id=record_id)
            )
        name = kept.name
        try:
            training_records.delete_record(g.organisation, record_id)
        except LookupError:
            abort(404)
        flash(_("The training record of %(name)s has been deleted.", name=name), "success")
        return redirect(url_for(".index", organisation_id=organisation_id))
    return render_template(
        "organisations/records_delete.html",
        organisation=g.organisation,
        record=kept,
        form=ButtonForm(),
    )


@bp.get("/orgs/<int:organisation_id>/records.csv")
@manager_of_org
def records_csv(organisation_id: int) -> Response:
    """The records matching the search, as a CSV file made as it downloads."""
    lines = training_records.records_csv(
        g.organisation, search=request.args.get("q", "").strip()[:200]
    )
    return private_download(lines, "text/csv", training_records.csv_filename(g.organisation))
