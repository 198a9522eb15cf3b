"""Statistical tests, explanations, robustness and fairness audits of fitted pipelines.

``explain`` (members' Shapley values and leave-one-out, grouped permutation importance, SHAP feature
attributions, per-source attributions inside fusion networks), ``robustness`` and ``fairness`` return an
:class:`Explanation` (tables, matplotlib plots, self-contained HTML, JSON). shap, captum, fairlearn and
matplotlib are imported only when used (the ``explain`` extra).
"""

from . import stats
from ._explain import explain
from ._explanation import Explanation
from ._fairness import fairness
from ._members import MAX_EXACT_MEMBERS, member_contributions
from ._robustness import PERTURBATIONS, robustness

__all__ = [
    "MAX_EXACT_MEMBERS",
    "PERTURBATIONS",
    "Explanation",
    "explain",
    "fairness",
    "member_contributions",
    "robustness",
    "stats",
]
