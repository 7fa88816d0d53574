"""What the checks show, per module and for the course: knowledge gain, discernment, how many
took or skipped each check, whether the two forms are equally hard, and which items are weak.

Figures come from learners who took both checks of a module (a pair each), and are shown only
when at least :data:`MIN_LEARNERS` (admins) or :data:`MIN_LEARNERS_IN_ORGANISATION` (an
organisation's own members) have: fewer would say more about a few people than about the course,
and might point at one of them. An organisation's report is the same, over its members only.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from statistics import fmean

from sqlalchemy import Select, select

from course.catalogue.measurement_bank import FORMS, PostKind
from course.catalogue.models import Module
from course.extensions import db
from course.measurement.models import FOLLOW_UPS, Check, Phase
from course.measurement.statistics import PairedChange, discrimination, paired_change

MIN_LEARNERS = 20
MIN_LEARNERS_IN_ORGANISATION = 10
#: Forms whose scores before the module differ by more than this many points are flagged: the
#: counterbalancing cancels a difference out of the gain, but parallel forms should not have one.
FORM_GAP_POINTS = 10
#: An item that tells learners apart less than this (point-biserial) is flagged as weak.
WEAK_DISCRIMINATION = 0.2
#: An item nearly everyone gets right before the module leaves no room to measure a gain.
TOO_EASY_BEFORE = 0.9


@dataclass(frozen=True)
class Taken:
    """How many learners took and skipped a module's check of one phase."""

    took: int = 0
    skipped: int = 0


@dataclass(frozen=True)
class ItemFigures:
    key: str
    form: str
    prompt: str
    answered_before: int
    right_before: float | None
    answered_after: int
    right_after: float | None
    discrimination: float | None
    flags: list[str]


@dataclass
class ModuleReport:
    module: Module
    minimum: int
    before: Taken = Taken()
    after: Taken = Taken()
    #: Learners with both checks complete: the figures below rest on them.
    pairs: int = 0
    #: Percent right, before and after.
    knowledge: PairedChange | None = None
    #: Each form's mean percent right before the module, and on how many learners.
    form_before: dict[str, tuple[float, int]] = field(default_factory=dict)
    #: Ratings (1 to 6) of legitimate minus manipulative posts, and of each kind on its own.
    discernment: PairedChange | None = None
    trust_in_legitimate: PairedChange | None = None
    trust_in_manipulative: PairedChange | None = None
    items: list[ItemFigures] = field(default_factory=list)
    #: Per follow-up: how many learners answered it, and for them, the share right on the same
    #: questions after the module and at the follow-up.
    follow_ups_taken: dict[Phase, int] = field(default_factory=dict)
    retention: dict[Phase, PairedChange | None] = field(default_factory=dict)
    #: Each paired learner's percent right before and after, and per follow-up after and then,
    #: by learner id: what the course's figures are gathered from. Never shown.
    scores_by_learner: dict[int, tuple[float, float]] = field(default_factory=dict, repr=False)
    later_by_learner: dict[Phase, dict[int, tuple[float, float]]] = field(
        default_factory=dict, repr=False
    )

    @property
    def enough(self) -> bool:
        return self.pairs >= self.minimum

    @property
    def forms_differ(self) -> bool:
        scores = [mean for mean, learners in self.form_before.values() if learners >= 10]
        return len(scores) == len(FORMS) and max(scores) - min(scores) > FORM_GAP_POINTS


def _checks(module: Module, learners: Select | None) -> list[Check]:
    query = select(Check).where(Check.module_id == module.id)
    if learners is not None:
        query = query.where(Check.user_id.in_(learners))
    return list(db.session.scalars(query.order_by(Check.id)))


def module_report(
    module: Module, learners: Select | None = None, minimum: int = MIN_LEARNERS
) -> ModuleReport:
    """The module's figures, over every learner or over ``learners`` (a select of user ids)."""
    checks = _checks(module, learners)
    report = ModuleReport(module=module, minimum=minimum)
    of_phase = {
        phase: [check for check in checks if check.phase == phase]
        for phase in (Phase.BEFORE, Phase.AFTER)
    }
    report.before, report.after = _taken(of_phase[Phase.BEFORE]), _taken(of_phase[Phase.AFTER])
    by_phase = {
        phase: {check.user_id: check for check in found if check.is_complete}
        for phase, found in of_phase.items()
    }
    paired = sorted(by_phase[Phase.BEFORE].keys() & by_phase[Phase.AFTER].keys())
    report.pairs = len(paired)
    report.scores_by_learner = {
        user: (_percent(by_phase[Phase.BEFORE][user]), _percent(by_phase[Phase.AFTER][user]))
        for user in paired
    }
    report.later_by_learner = _retention_by_learner(checks)
    for phase, by_learner in report.later_by_learner.items():
        report.follow_ups_taken[phase] = len(by_learner)
        report.retention[phase] = (
            _change_of(list(by_learner.values())) if len(by_learner) >= minimum else None
        )
    if not report.enough:
        return report
    report.knowledge = _change_of(list(report.scores_by_learner.values()))
    befores = [by_phase[Phase.BEFORE][user] for user in paired]
    afters = [by_phase[Phase.AFTER][user] for user in paired]
    before_checks = by_phase[Phase.BEFORE].values()
    for form in FORMS:
        scores = [_percent(check) for check in before_checks if check.form == form]
        if scores:
            report.form_before[form] = (fmean(scores), len(scores))
    rated = [(b, a) for b, a in zip(befores, afters, strict=True) if b.posts and a.posts]
    if len(rated) >= minimum:
        report.discernment = _rating_change(rated, _discernment)
        report.trust_in_legitimate = _rating_change(rated, _trust(PostKind.LEGITIMATE))
        report.trust_in_manipulative = _rating_change(rated, _trust(PostKind.MANIPULATIVE))
    report.items = item_figures(
        check for check in checks if check.phase in (Phase.BEFORE, Phase.AFTER)
    )
    return report


def _change_of(pairs: list[tuple[float, float]]) -> PairedChange:
    return paired_change([first for first, _second in pairs], [second for _first, second in pairs])


def _retention_by_learner(checks: list[Check]) -> dict[Phase, dict[int, tuple[float, float]]]:
    """Per follow-up, for each learner who answered it (by id): the percent right on its
    questions in their check after the module, and at the follow-up."""
    afters = {c.user_id: c for c in checks if c.phase == Phase.AFTER and c.is_complete}
    pairs: dict[Phase, dict[int, tuple[float, float]]] = {phase: {} for phase in FOLLOW_UPS}
    for check in checks:
        after = afters.get(check.user_id)
        if check.phase not in FOLLOW_UPS or not check.is_complete or after is None:
            continue
        then = dict(zip((item["key"] for item in after.items), after.results or [], strict=True))
        keys = [item["key"] for item in check.items]
        if all(key in then for key in keys):
            pairs[Phase(check.phase)][check.user_id] = (
                100 * fmean(then[key] for key in keys),
                _percent(check),
            )
    return pairs


def _taken(checks: list[Check]) -> Taken:
    return Taken(
        took=sum(check.is_complete for check in checks),
        skipped=sum(check.skipped for check in checks),
    )


def _percent(check: Check) -> float:
    return 100 * check.score / len(check.items) if check.items else 0.0


def _trust(kind: PostKind) -> Callable[[Check], float]:
    def mean_rating(check: Check) -> float:
        return fmean(
            rating
            for post, rating in zip(check.posts, check.ratings or [], strict=True)
            if post["kind"] == kind
        )

    return mean_rating


def _discernment(check: Check) -> float:
    """How much more the learner trusted the legitimate posts than the manipulative ones: above
    zero is discerning, zero is telling them apart not at all."""
    return _trust(PostKind.LEGITIMATE)(check) - _trust(PostKind.MANIPULATIVE)(check)


def _rating_change(
    pairs: list[tuple[Check, Check]], measure: Callable[[Check], float]
) -> PairedChange:
    return paired_change([measure(b) for b, _a in pairs], [measure(a) for _b, a in pairs])


def item_figures(checks: Iterable[Check]) -> list[ItemFigures]:
    """Per item: how often it was answered right before and after the module, and its
    discrimination over every check that asked it; flagged when weak, too easy before the
    module, or answered right less often after it than before."""
    asked: dict[str, dict[str, list[bool]]] = defaultdict(lambda: {"before": [], "after": []})
    rest: dict[str, list[float]] = defaultdict(list)
    right: dict[str, list[bool]] = defaultdict(list)
    about: dict[str, tuple[str, str]] = {}
    for check in checks:
        if not check.is_complete:
            continue
        results = check.results or []
        for item, result in zip(check.items, results, strict=True):
            key = item["key"]
            about[key] = (check.form, item["prompt"])
            asked[key]["before" if check.phase == Phase.BEFORE else "after"].append(result)
            right[key].append(result)
            rest[key].append(sum(results) - result)
    figures = []
    for key in sorted(about, key=lambda key: (about[key][0], key)):
        before, after = asked[key]["before"], asked[key]["after"]
        right_before = fmean(before) if before else None
        right_after = fmean(after) if after else None
        power = discrimination(right[key], rest[key])
        flags = []
        if power is not None and power < WEAK_DISCRIMINATION:
            flags.append("weak")
        if right_before is not None and right_before > TOO_EASY_BEFORE:
            flags.append("too easy")
        if right_before is not None and right_after is not None and right_after < right_before:
            flags.append("worse after")
        figures.append(
            ItemFigures(
                key=key,
                form=about[key][0],
                prompt=about[key][1],
                answered_before=len(before),
                right_before=right_before,
                answered_after=len(after),
                right_after=right_after,
                discrimination=power,
                flags=flags,
            )
        )
    return figures


@dataclass
class CourseReport:
    modules: list[ModuleReport]
    minimum: int
    #: Each learner's percent right before and after, averaged over the modules they have both
    #: checks of.
    learners: int = 0
    knowledge: PairedChange | None = None
    #: Per follow-up: each learner's percent right after the modules and at the follow-up, on
    #: the same questions, averaged over the modules.
    follow_ups_taken: dict[Phase, int] = field(default_factory=dict)
    retention: dict[Phase, PairedChange | None] = field(default_factory=dict)

    @property
    def enough(self) -> bool:
        return self.learners >= self.minimum


def course_report(
    modules: Collection[Module], learners: Select | None = None, minimum: int = MIN_LEARNERS
) -> CourseReport:
    reports = [module_report(module, learners, minimum) for module in modules]
    per_learner: dict[int, list[tuple[float, float]]] = defaultdict(list)
    later: dict[Phase, dict[int, list[tuple[float, float]]]] = {
        phase: defaultdict(list) for phase in FOLLOW_UPS
    }
    for module_figures in reports:
        for user_id, scores in module_figures.scores_by_learner.items():
            per_learner[user_id].append(scores)
        for phase, by_learner in module_figures.later_by_learner.items():
            for user_id, scores in by_learner.items():
                later[phase][user_id].append(scores)
    report = CourseReport(modules=reports, minimum=minimum, learners=len(per_learner))
    if report.enough:
        report.knowledge = _averaged_change(per_learner)
    for phase, by_learner in later.items():
        report.follow_ups_taken[phase] = len(by_learner)
        report.retention[phase] = (
            _averaged_change(by_learner) if len(by_learner) >= minimum else None
        )
    return report


def _averaged_change(by_learner: dict[int, list[tuple[float, float]]]) -> PairedChange:
    """The change over learners, each learner's first and second figures averaged over their
    modules, so each counts once."""
    return paired_change(
        [fmean(first for first, _second in pairs) for pairs in by_learner.values()],
        [fmean(second for _first, second in pairs) for pairs in by_learner.values()],
    )
