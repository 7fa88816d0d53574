"""The course for learners: overview, modules, lessons, quizzes, and who to call.

The pages a visitor may read without an account are made once per region, language and version
of the course and served to every visitor from the page cache (:mod:`course.core.page_cache`).
"""

from __future__ import annotations

import re
from typing import Any

from flask import (
    Blueprint,
    abort,
    flash,
    get_template_attribute,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from markupsafe import Markup
from werkzeug.wrappers import Response

from course.catalogue import services as catalogue
from course.catalogue.localised import feedback_html, lesson_html, scenario_in_language
from course.catalogue.models import Lesson, Module
from course.catalogue.outline import current_outline
from course.catalogue.question_types import question_type
from course.core.access import login_required, public
from course.core.forms import ButtonForm
from course.core.page_cache import cached_for_visitors, shared_fragments, vary_shared_pages_by
from course.core.regions import Region, choose_visitor_region, visitor_region
from course.core.security import served_as_inert_image
from course.core.urls import local_path_or_none
from course.extensions import limiter
from course.learning import services as learning
from course.learning.forms import RegionForm
from course.learning.models import QuizAttempt
from course.learning.wallet_card import wallet_card_pdf
from course.learning.who_to_call import CONTACTS_BY_REGION

PICTURE_DIGEST = re.compile(r"[0-9a-f]{64}")
ONE_YEAR_SECONDS = 365 * 24 * 60 * 60

bp = Blueprint("learning", __name__)
bp.add_app_template_global(learning.current_region, "current_region")

#: The macros drawing the parts of a lesson page everyone shares.
LESSON_PARTS = "learning/_lesson_text.html"

# What a page shown to visitors depends on besides its address and language: where they live,
# and what the course holds at the moment.
vary_shared_pages_by("region", lambda: learning.current_region().value)
vary_shared_pages_by("content", catalogue.content_version)


def _signed_in_user():  # type: ignore[no-untyped-def]
    return current_user if current_user.is_authenticated else None


def _module_or_404(slug: str) -> Module:
    module = catalogue.find_listed_module(slug)
    if module is None or module.current_version is None:
        abort(404)
    return module


def _lesson_or_404(module: Module, lesson_slug: str) -> tuple[Lesson, int]:
    assert module.current_version is not None  # noqa: S101 - checked by _module_or_404
    for index, lesson in enumerate(module.current_version.lessons):
        if lesson.slug == lesson_slug:
            return lesson, index
    abort(404)


def _attempt_or_404(module: Module, attempt_id: int) -> QuizAttempt:
    """The signed-in learner's own attempt at this module; anyone else's is "not found"."""
    attempt = learning.own_attempt(current_user, module, attempt_id)
    if attempt is None:
        abort(404)
    return attempt


@bp.get("/")
@public
@cached_for_visitors
def overview() -> str:
    course = catalogue.the_course()
    progress = learning.course_progress(_signed_in_user(), course) if course else None
    region_form = RegionForm(data={"region": learning.current_region().value})
    outline = current_outline()
    return render_template(
        "learning/overview.html",
        course=course,
        progress=progress,
        region_form=region_form,
        course_minutes=outline.required_minutes if outline else 0,
    )


@bp.get("/pictures/<digest>.svg")
@public
@served_as_inert_image
def picture(digest: str) -> Response:
    """A picture lessons show, by the digest of its text: the same address always means the same
    drawing, so browsers and proxies may keep it for a year without asking again."""
    svg = catalogue.svg_of(digest) if PICTURE_DIGEST.fullmatch(digest) else None
    if svg is None:
        abort(404)
    response = Response(svg, mimetype="image/svg+xml")
    response.cache_control.public = True
    response.cache_control.max_age = ONE_YEAR_SECONDS
    response.cache_control.immutable = True
    response.set_etag(digest)
    return response.make_conditional(request)


@bp.get("/region")
@public
def region() -> str | Response:
    """Where a visitor says which country's advice to show; ``next`` is the page to go back to."""
    if current_user.is_authenticated:
        return redirect(url_for("accounts.profile"))
    next_path = local_path_or_none(request.args.get("next"))
    form = RegionForm(region=visitor_region().value, next=next_path)
    return render_template("learning/region.html", form=form)


@bp.post("/region")
@public
def choose_region() -> str | Response:
    form = RegionForm()
    if current_user.is_authenticated:
        flash(_("Change where you live in your account details."), "error")
        return redirect(url_for("accounts.profile"))
    if not form.validate_on_submit():
        return render_template("learning/region.html", form=form), 400
    region = Region(form.region.data)
    choose_visitor_region(region)
    flash(_("Showing advice for %(region)s.", region=region.label), "success")
    return redirect(local_path_or_none(form.next.data) or url_for("learning.overview"))


@bp.get("/modules/<slug>/")
@public
@cached_for_visitors
def module(slug: str) -> str:
    module = _module_or_404(slug)
    user = _signed_in_user()
    return render_template(
        "learning/module.html",
        module=module,
        version=module.current_version,
        progress=learning.module_progress(user, module) if user else None,
        attempts=learning.submitted_attempts(user, module) if user else [],
    )


@bp.get("/modules/<slug>/<lesson_slug>")
@public
@cached_for_visitors
def lesson(slug: str, lesson_slug: str) -> str:
    module = _module_or_404(slug)
    lesson, index = _lesson_or_404(module, lesson_slug)
    if lesson.scenario is not None:
        return _scenario_step_page(module, lesson, index, lesson.scenario["start"])
    text, links = _lesson_text_and_links(module, index)
    return render_template("learning/lesson.html", **_lesson_page(module, index, text, links))


def _lesson_page(module: Module, index: int, text: Markup, links: Markup) -> dict[str, object]:
    """What every page of a lesson needs: the lesson, the next one, its text and links."""
    lessons = module.current_version.lessons  # type: ignore[union-attr]
    return {
        "module": module,
        "lesson": lessons[index],
        "following": lessons[index + 1] if index + 1 < len(lessons) else None,
        "text": text,
        "links": links,
        "form": ButtonForm(),
    }


def _lesson_text_and_links(
    module: Module, index: int, step_id: str | None = None
) -> tuple[Markup, ...]:
    """Lesson ``index``'s text (or the text of its scenario's step ``step_id``) and the links to
    the lessons either side, in the reader's region and language: the same for everyone, signed
    in or not, so made once per module version."""
    version = module.current_version
    assert version is not None  # noqa: S101 - checked by _module_or_404
    lessons = version.lessons
    lesson = lessons[index]
    region = learning.current_region()

    def render() -> tuple[str, str]:
        text = get_template_attribute(LESSON_PARTS, "lesson_text")
        links = get_template_attribute(LESSON_PARTS, "lesson_links")
        html = lesson_html(lesson, region, step_id)
        return (
            text(module, lesson, index + 1, len(lessons), html),
            links(
                module,
                lessons[index - 1] if index > 0 else None,
                lessons[index + 1] if index + 1 < len(lessons) else None,
            ),
        )

    key = (version.id, lesson.slug, step_id or "", region.value)
    return shared_fragments("lesson", key, render)


@bp.get("/modules/<slug>/<lesson_slug>/steps/<step_id>")
@public
def scenario_step(slug: str, lesson_slug: str, step_id: str) -> str:
    """One step of a branching scenario: what is happening and what you could do, or an ending.
    Its text is kept once per version, region and step (the lesson's shared fragments)."""
    module = _module_or_404(slug)
    lesson, index = _lesson_or_404(module, lesson_slug)
    if lesson.step(step_id) is None:
        abort(404)
    return _scenario_step_page(module, lesson, index, step_id)


@bp.get("/modules/<slug>/<lesson_slug>/steps/<step_id>/feedback")
@public
def scenario_feedback(slug: str, lesson_slug: str, step_id: str) -> str | tuple[str, int]:
    """What happened after the choice the form names (``?choice=2``), and why. A GET: choosing
    changes nothing stored, so going back and trying another path is the browser's back button.
    (A page with a query is never kept in the page cache; it is cheap, from stored HTML.)"""
    module = _module_or_404(slug)
    lesson, index = _lesson_or_404(module, lesson_slug)
    step = _step_in_language(lesson, step_id)
    if step is None or "choices" not in step:
        abort(404)
    number = request.args.get("choice", type=int)
    if number is None or not 1 <= number <= len(step["choices"]):
        problem = _("Choose what you would do.")
        return _scenario_step_page(module, lesson, index, step_id, problem), 400
    region = learning.current_region()
    version = module.current_version
    assert version is not None  # noqa: S101 - checked by _module_or_404

    def render() -> tuple[str]:
        # Sanitised by nh3 when the version was made.
        return (feedback_html(lesson, step_id, number, region),)

    key = (version.id, lesson.slug, step_id, number, region.value)
    (feedback,) = shared_fragments("scenario-feedback", key, render)
    return render_template(
        "learning/scenario_feedback.html",
        module=module,
        lesson=lesson,
        step=step,
        choice=step["choices"][number - 1],
        feedback=feedback,
    )


@bp.post("/modules/<slug>/<lesson_slug>/steps/<step_id>/feedback")
@login_required
def scenario_choose(slug: str, lesson_slug: str, step_id: str) -> Response | tuple[str, int]:
    """A learner's choice, kept for the analytics; then the same feedback page a visitor sees."""
    module = _module_or_404(slug)
    lesson, index = _lesson_or_404(module, lesson_slug)
    if lesson.step(step_id) is None:
        abort(404)
    if not ButtonForm().validate_on_submit():
        abort(400)
    number = request.form.get("choice", type=int)
    if number is None or not learning.record_scenario_choice(
        current_user, module, lesson, step_id, number
    ):
        return _scenario_step_page(
            module, lesson, index, step_id, _("Choose what you would do.")
        ), 400
    return redirect(
        url_for(
            "learning.scenario_feedback",
            slug=slug,
            lesson_slug=lesson_slug,
            step_id=step_id,
            choice=number,
        )
    )


def _scenario_step_page(
    module: Module, lesson: Lesson, index: int, step_id: str, problem: str | None = None
) -> str:
    text, links = _lesson_text_and_links(module, index, step_id)
    return render_template(
        "learning/scenario_step.html",
        step=_step_in_language(lesson, step_id),
        problem=problem,
        **_lesson_page(module, index, text, links),
    )


def _step_in_language(lesson: Lesson, step_id: str) -> dict[str, Any] | None:
    """The scenario's step ``step_id`` with its words (choices' labels) in the page's language."""
    scenario = scenario_in_language(lesson)
    if scenario is None:
        return None
    return next((step for step in scenario["steps"] if step["id"] == step_id), None)


@bp.post("/modules/<slug>/<lesson_slug>/read")
@login_required
def lesson_read(slug: str, lesson_slug: str) -> Response:
    module = _module_or_404(slug)
    lesson, index = _lesson_or_404(module, lesson_slug)
    if ButtonForm().validate_on_submit():
        learning.record_lesson_read(current_user, module, lesson)
    lessons = module.current_version.lessons  # type: ignore[union-attr]
    if index + 1 < len(lessons):
        return redirect(url_for("learning.lesson", slug=slug, lesson_slug=lessons[index + 1].slug))
    return redirect(url_for("learning.quiz", slug=slug))


@bp.get("/modules/<slug>/quiz")
@login_required
def quiz(slug: str) -> str:
    module = _module_or_404(slug)
    return render_template(
        "learning/quiz_intro.html",
        module=module,
        version=module.current_version,
        open_attempt=learning.open_attempt(current_user, module),
        attempts=learning.submitted_attempts(current_user, module),
        form=ButtonForm(),
    )


@bp.post("/modules/<slug>/quiz/start")
@login_required
def start_quiz(slug: str) -> Response:
    module = _module_or_404(slug)
    if not ButtonForm().validate_on_submit():
        abort(400)
    attempt = learning.start_attempt(current_user, module, learning.current_region())
    return redirect(url_for("learning.quiz_attempt", slug=slug, attempt_id=attempt.id))


@bp.route("/modules/<slug>/quiz/<int:attempt_id>", methods=["GET", "POST"])
@login_required
def quiz_attempt(slug: str, attempt_id: int) -> str | Response:
    module = _module_or_404(slug)
    attempt = _attempt_or_404(module, attempt_id)
    result_url = url_for("learning.quiz_result", slug=slug, attempt_id=attempt.id)
    if attempt.is_submitted:
        return redirect(result_url)
    form = ButtonForm()
    unanswered: list[int] = []
    if form.validate_on_submit():
        sheet = learning.read_answers(attempt, request.form)
        unanswered = sheet.unanswered
        if not unanswered:
            learning.submit_attempt(current_user, attempt.id, sheet)
            return redirect(result_url)
    elif request.method == "POST":
        abort(400)
    return render_template(
        "learning/quiz_attempt.html",
        module=module,
        attempt=attempt,
        questions=[
            (
                number,
                learning.question_field(number),
                question_type(question["type"]),
                question_type(question["type"]).for_display(question),
            )
            for number, question in enumerate(attempt.questions, start=1)
        ],
        unanswered=unanswered,
        submitted=request.form if request.method == "POST" else {},
        form=form,
        title_prefix=ngettext(
            "%(num)d question not answered", "%(num)d questions not answered", len(unanswered)
        )
        if unanswered
        else "",
    )


@bp.get("/modules/<slug>/quiz/<int:attempt_id>/result")
@login_required
def quiz_result(slug: str, attempt_id: int) -> str | Response:
    module = _module_or_404(slug)
    attempt = _attempt_or_404(module, attempt_id)
    if not attempt.is_submitted:
        return redirect(url_for("learning.quiz_attempt", slug=slug, attempt_id=attempt.id))
    progress = learning.module_progress(current_user, module)
    return render_template(
        "learning/quiz_result.html",
        module=module,
        attempt=attempt,
        questions=[
            (
                number,
                question_type(question["type"]),
                question,
                attempt.answers[number - 1],
                attempt.results[number - 1],
            )
            for number, question in enumerate(attempt.questions, start=1)
        ],
        module_progress=progress,
        next_module=learning.module_to_go_on_to(current_user, progress),
        form=ButtonForm(),
    )


@bp.get("/who-to-call")
@public
@cached_for_visitors
def who_to_call() -> str:
    own_region = learning.current_region()
    return render_template(
        "learning/who_to_call.html",
        own_region=own_region,
        other_regions=[region for region in Region if region != own_region],
        contacts_by_region=CONTACTS_BY_REGION,
    )


@bp.get("/who-to-call/card-<region_code>.pdf")
@public
@limiter.limit("30 per minute")
def wallet_card(region_code: str) -> Response:
    """The who-to-call card of one region, to print, cut out and keep."""
    try:
        region = Region(region_code)
    except ValueError:
        abort(404)
    return Response(
        wallet_card_pdf(region),
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="ct-citizen-who-to-call-{region.value}.pdf"',
            # The same for everyone of a region and language; a new release may change it.
            "Cache-Control": "public, max-age=3600",
        },
    )
