"""Statistical tests, sensitivity analysis and explanations of fitted pipelines."""

from . import stats

__all__ = ["stats"]
