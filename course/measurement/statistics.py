"""The statistics of measuring learning, from SciPy and NumPy rather than formulas of our own:
a paired change with its 95% confidence interval (Student's t), Cohen's d_z with a bootstrap
interval (bias-corrected and accelerated), and an item's discrimination (its point-biserial
correlation with the rest of the check).

Each function takes plain numbers and knows nothing of learners, so the simulation tests can feed
them data whose true values are known.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

CONFIDENCE = 0.95
#: Bootstrap resamples for the effect size's interval; with a fixed seed, the same data always
#: gives the same interval.
RESAMPLES = 2000
SEED = 20261204


@dataclass(frozen=True)
class Interval:
    estimate: float
    low: float
    high: float

    def contains(self, value: float) -> bool:
        return self.low <= value <= self.high


@dataclass(frozen=True)
class PairedChange:
    """How a measure moved between before and after, for the learners who have both."""

    learners: int
    before: float
    after: float
    #: After minus before, with its 95% confidence interval.
    change: Interval
    #: Cohen's d_z (the mean change over the standard deviation of the changes) with its 95%
    #: bootstrap interval; ``None`` when every learner changed by the same amount.
    effect_size: Interval | None


def paired_change(before: Sequence[float], after: Sequence[float]) -> PairedChange:
    """The change from ``before`` to ``after`` (one pair a learner, at least two learners)."""
    first, second = np.asarray(before, dtype=float), np.asarray(after, dtype=float)
    if first.shape != second.shape or first.size < 2:
        raise ValueError("a paired change needs the same learners before and after, two or more")
    changes = second - first
    mean = float(changes.mean())
    if float(changes.std(ddof=1)) == 0.0:
        change, effect = Interval(mean, mean, mean), None
    else:
        low, high = stats.ttest_rel(second, first).confidence_interval(CONFIDENCE)
        change = Interval(mean, float(low), float(high))
        effect = _effect_size(changes)
    return PairedChange(
        learners=int(first.size),
        before=float(first.mean()),
        after=float(second.mean()),
        change=change,
        effect_size=effect,
    )


def _d_z(changes: np.ndarray, axis: int = -1) -> np.ndarray:
    """Cohen's d_z of each resample; not a number for one whose changes are all the same (a
    small sample can draw such a resample), which the interval then leaves out."""
    mean, spread = changes.mean(axis=axis), changes.std(axis=axis, ddof=1)
    return np.divide(mean, spread, out=np.full_like(mean, np.nan), where=spread > 0)


def _effect_size(changes: np.ndarray) -> Interval:
    estimate = float(_d_z(changes))
    with warnings.catch_warnings():
        # A resample without spread makes BCa give up (and say so); the percentiles below serve.
        warnings.simplefilter("ignore", stats.DegenerateDataWarning)
        result = stats.bootstrap(
            (changes,),
            _d_z,
            confidence_level=CONFIDENCE,
            n_resamples=RESAMPLES,
            method="BCa",
            rng=np.random.default_rng(SEED),
        )
    low, high = result.confidence_interval
    if math.isnan(low) or math.isnan(high):  # a resample with no spread: the plain percentiles
        tail = 100 * (1 - CONFIDENCE) / 2
        low, high = np.nanpercentile(result.bootstrap_distribution, [tail, 100 - tail])
    return Interval(estimate, float(low), float(high))


def discrimination(item_right: Sequence[bool], rest_scores: Sequence[float]) -> float | None:
    """How well an item tells learners who know the module from those who do not: its
    point-biserial correlation with the score on the check's other items. ``None`` when either
    does not vary (everyone right, or everyone wrong)."""
    right = np.asarray(item_right, dtype=float)
    rest = np.asarray(rest_scores, dtype=float)
    if right.size < 3 or right.std() == 0 or rest.std() == 0:
        return None
    return float(stats.pointbiserialr(right, rest).statistic)
