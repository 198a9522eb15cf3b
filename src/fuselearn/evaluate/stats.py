"""Statistical tests that say whether a fusion beat its parts, and by how much.

Two pipelines on one dataset, compared fold by fold
    :func:`corrected_ttest` (Nadeau & Bengio), :func:`paired_ttest_5x2cv` (Dietterich),
    :func:`combined_ftest_5x2cv` (Alpaydin), :func:`wilcoxon`, :func:`bootstrap_ci`.
Two classifiers on one test set
    :func:`mcnemar`.
Several methods over several datasets (Demšar 2006)
    :func:`friedman`, then :func:`nemenyi` or :func:`holm`, :func:`critical_difference`,
    :func:`rank_table`; parametric alternatives :func:`anova_rm` and :func:`anova_oneway`.
Effect sizes
    :func:`cohens_d`, :func:`rank_biserial`, :func:`kendalls_w`.
A whole run
    :func:`compare_pipelines`: every pair of pipelines on every dataset, Holm-adjusted.

Each test returns a small frozen result with ``statistic``, ``p_value``, test-specific fields and a
one-line ``summary()``. A test whose variance is zero reports ``statistic=0``, ``p_value=1`` and
says so in ``note`` instead of returning NaN.
"""

from ._stats import *
from ._stats import __all__  # noqa: F401  (one list, kept by the implementation)
