"""The learner's side of measuring learning: consent, and the checks before and after a module.

The module page and the quiz result offer the check that is due through page panels
(:mod:`course.core.page_panels`): learning knows nothing of measuring.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from werkzeug.wrappers import Response

from course.catalogue import services as catalogue
from course.catalogue.models import Module
from course.catalogue.question_types import question_type
from course.core.access import login_required
from course.core.forms import ButtonForm
from course.core.page_panels import register_panel
from course.core.urls import local_path_or_none
from course.measurement import services as measuring
from course.measurement.follow_ups import has_follow_up, next_open_follow_up
from course.measurement.forms import NO, YES, ConsentForm
from course.measurement.models import FOLLOW_UPS, Check, Phase
from course.measurement.services import RATINGS

bp = Blueprint("measurement", __name__)

PHASES = "any(before, after)"


def _module_or_404(slug: str) -> Module:
    module = catalogue.find_listed_module(slug)
    if module is None or module.current_version is None:
        abort(404)
    return module


def _check_or_404(check_id: int) -> Check:
    check = measuring.own_check(current_user, check_id)
    if check is None:
        abort(404)
    return check


@bp.route("/research", methods=["GET", "POST"])
@login_required
def consent() -> str | Response:
    """What measuring learning is, in plain words, and the learner's yes or no."""
    existing = measuring.consent_of(current_user)
    form = ConsentForm()
    if form.validate_on_submit():
        agreed = form.take_part.data == YES
        measuring.record_consent(current_user, agreed, bool(form.follow_up_emails.data))
        if agreed:
            flash(_("Thank you for taking part."), "success")
        elif existing is not None and existing.agreed:
            flash(_("You no longer take part, and your check answers are deleted."), "success")
        else:
            flash(_("That is fine: nothing is measured, and the course is the same."), "success")
        return redirect(local_path_or_none(form.next.data) or url_for("dashboard.index"))
    if not form.is_submitted():
        form.next.data = local_path_or_none(request.args.get("next"))
        if existing is not None:
            form.take_part.data = YES if existing.agreed else NO
            form.follow_up_emails.data = existing.follow_up_emails
    return render_template("measurement/consent.html", form=form, consent=existing)


@bp.post("/modules/<slug>/checks/<" + PHASES + ":phase>/start")
@login_required
def start(slug: str, phase: str) -> Response:
    module = _module_or_404(slug)
    if not ButtonForm().validate_on_submit():
        abort(400)
    try:
        check = measuring.start_check(current_user, module, Phase(phase))
    except measuring.CheckRefused:
        flash(_("This check is not open to you now."), "error")
        return redirect(url_for("learning.module", slug=slug))
    return redirect(url_for("measurement.check", check_id=check.id))


@bp.post("/modules/<slug>/checks/<" + PHASES + ":phase>/skip")
@login_required
def skip(slug: str, phase: str) -> Response:
    module = _module_or_404(slug)
    if not ButtonForm().validate_on_submit():
        abort(400)
    try:
        measuring.skip_check(current_user, module, Phase(phase))
    except measuring.CheckRefused:
        flash(_("This check is not open to you now."), "error")
    else:
        flash(_("Check skipped. It will not be offered again."), "success")
    if phase == Phase.BEFORE:
        return redirect(_first_lesson_url(module))
    return redirect(url_for("learning.module", slug=slug))


def _first_lesson_url(module: Module) -> str:
    assert module.current_version is not None  # noqa: S101 - listed modules have one
    first = module.current_version.lessons[0]
    return url_for("learning.lesson", slug=module.slug, lesson_slug=first.slug)


@bp.route("/checks/<int:check_id>", methods=["GET", "POST"])
@login_required
def check(check_id: int) -> str | Response:
    """The check's questions (and posts to rate) as one form, like a quiz."""
    check = _check_or_404(check_id)
    if check.completed_at is not None:
        return redirect(_after_check_url(check))
    if measuring.is_closed(check):
        flash(_("That check closed when you opened the module's first lesson."), "error")
        return redirect(url_for("learning.module", slug=check.module.slug))
    form = ButtonForm()
    unanswered: list[str] = []
    if form.validate_on_submit():
        given = measuring.read_check_answers(check, request.form)
        unanswered = given.unanswered
        if not unanswered:
            measuring.submit_check(current_user, check.id, given)
            if check.phase == Phase.BEFORE:
                flash(_("Thank you. Now the module itself."), "success")
            return redirect(_after_check_url(check))
    elif request.method == "POST":
        abort(400)
    return render_template(
        "measurement/check.html",
        check=check,
        items=[
            (
                number,
                measuring.item_field(number),
                question_type(item["type"]),
                question_type(item["type"]).for_display(item),
            )
            for number, item in enumerate(check.items, start=1)
        ],
        posts=[
            (number, measuring.post_field(number), post)
            for number, post in enumerate(check.posts, start=1)
        ],
        ratings=RATINGS,
        unanswered=unanswered,
        submitted=request.form if request.method == "POST" else {},
        form=form,
        title_prefix=ngettext("%(num)d answer missing", "%(num)d answers missing", len(unanswered))
        if unanswered
        else "",
    )


def _after_check_url(check: Check) -> str:
    if check.phase == Phase.BEFORE:
        return _first_lesson_url(check.module)
    if check.phase in FOLLOW_UPS:
        return url_for("measurement.follow_up", phase=check.phase)
    return url_for("measurement.result", check_id=check.id)


@bp.get("/checks/later/<any('day-30', 'day-90'):phase>")
@login_required
def follow_up(phase: str) -> str | Response:
    """Where the follow-up email leads: the next question not yet answered, module by module,
    then thanks."""
    following = Phase(phase)
    waiting = next_open_follow_up(current_user, following)
    if waiting is not None:
        return redirect(url_for("measurement.check", check_id=waiting.id))
    if not has_follow_up(current_user, following):
        abort(404)
    return render_template("measurement/follow_up_done.html", days=FOLLOW_UPS[following])


@bp.get("/checks/<int:check_id>/result")
@login_required
def result(check_id: int) -> str | Response:
    """After the module: how the learner did before and after, each answer with why, and each
    post with what made it trustworthy or manipulative."""
    check = _check_or_404(check_id)
    if check.completed_at is None:
        return redirect(url_for("measurement.check", check_id=check.id))
    if check.phase != Phase.AFTER or check.skipped:
        return redirect(url_for("learning.module", slug=check.module.slug))
    before = measuring.check_of(current_user, check.module, Phase.BEFORE)
    return render_template(
        "measurement/result.html",
        check=check,
        before=before if before is not None and before.is_complete else None,
        items=[
            (number, question_type(item["type"]), item, answer, right)
            for number, (item, answer, right) in enumerate(
                zip(check.items, check.answers or [], check.results or [], strict=True), start=1
            )
        ],
        posts=list(zip(check.posts, check.ratings or [], strict=True)),
    )


def _offer_panel(module: Module, where: str) -> str:
    """What the learner is offered about measuring on a module's page or quiz result: the check
    that is due, or (on the module page, before they start) the question of taking part."""
    if not current_user.is_authenticated or not measuring.has_bank(module):
        return ""
    due = measuring.check_due(current_user, module)
    if due is not None:
        return render_template(
            "measurement/_offer.html", module=module, phase=due, form=ButtonForm()
        )
    if where == "module-page" and measuring.consent_of(current_user) is None:
        if measuring.check_in_reach(current_user, module) == Phase.BEFORE:
            return render_template("measurement/_invitation.html", module=module)
    return ""


for _slot in ("module-page", "quiz-result"):
    register_panel(
        _slot,
        "measurement",
        lambda module, _where=_slot, **_values: _offer_panel(module, _where),
    )
