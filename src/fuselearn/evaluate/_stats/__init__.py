"""Statistical tests that say whether one pipeline beat another, and by how much.

Implementation of :mod:`fuselearn.evaluate.stats`; import from there. One module per purpose:

``_results``    the frozen result classes (``TTestResult`` ... ``BootstrapResult``)
``_checks``     input checks shared by the tests (score vectors, pairs, complete score blocks)
``_effects``    effect sizes (Cohen's d, rank-biserial, Kendall's W)
``_ttests``     corrected resampled t-test, 5x2cv t-test and F-test
``_paired``     McNemar and Wilcoxon signed-rank
``_anova``      one-way and repeated-measures ANOVA
``_rank_tests`` Friedman, Nemenyi, Holm, critical difference
``_bootstrap``  bootstrap confidence intervals
``_compare``    a whole run: every pair of pipelines on every dataset, and the rank table

Degenerate inputs
-----------------
A test whose variance estimate is zero (every fold gave the same difference, every method tied on
every block) has no defined statistic. Rather than NaN, such a test reports ``statistic=0.0`` and
``p_value=1.0`` -- "this test found no evidence" -- and says why in the result's ``note``. Effect sizes
stay honest: a constant non-zero difference has an infinite standardised effect.
"""

from . import _anova, _bootstrap, _compare, _effects, _paired, _rank_tests, _results, _ttests
from ._anova import *
from ._bootstrap import *
from ._compare import *
from ._effects import *
from ._paired import *
from ._rank_tests import *
from ._results import *
from ._ttests import *

__all__ = (
    _results.__all__
    + _effects.__all__
    + _ttests.__all__
    + _paired.__all__
    + _anova.__all__
    + _rank_tests.__all__
    + _bootstrap.__all__
    + _compare.__all__
)
