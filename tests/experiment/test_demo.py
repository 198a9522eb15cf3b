"""Regression test of the demo: every fusion method holds its own against its best member."""

import numpy as np
import pytest

from fuselearn.experiment._demo import DATASETS, FUSIONS, MEMBERS, leaderboard
from fuselearn.experiment._demo_run import run_demo_experiment


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    """The demo's full grid through the runner, in-process (jobs=1)."""
    frame, report = run_demo_experiment(tmp_path_factory.mktemp("demo") / "run", jobs=1,
                                        quiet=True, progress=False)
    assert report.is_file()
    return frame


def test_grid_is_complete(results):
    assert set(results.dataset) == set(DATASETS)
    expected = set(MEMBERS) | {f"fusion:{m}" for m in FUSIONS} | {"hybrid:neural->svc"}
    assert set(results.pipeline) == expected
    assert len(results) == len(DATASETS) * 5 * len(expected)
    assert results[["accuracy", "roc_auc"]].notna().all().all()


@pytest.mark.parametrize("dataset", DATASETS)
@pytest.mark.parametrize("metric", ["accuracy", "roc_auc"])
def test_each_fusion_is_at_least_its_best_member_minus_one_standard_error(results, dataset, metric):
    """Accuracy (the leaderboard's score) for every method; ROC-AUC too for every method that fuses
    probabilities. Hard voting's ``predict_proba`` is a share of votes: a ranking with a handful of
    levels, which is not what it is for (it loses 0.4-0.6 ROC-AUC points).

    Where the best member's ROC-AUC is 1.0 on every fold (wine) its standard error is 0, and one
    mis-ranked pair out of hundreds would fail the test; there the allowance is 0.002 instead.
    Accuracy keeps the plain standard error."""
    board = leaderboard(results, dataset)
    members = board[board.kind == "member"]
    best = members.sort_values(f"{metric}_mean", ascending=False).iloc[0]
    best_se = best[f"{metric}_std"] / np.sqrt(5)
    if metric == "roc_auc":
        best_se = max(best_se, 0.002)
    for method in FUSIONS:
        if method == "vote" and metric == "roc_auc":
            continue
        fused = board[board.pipeline == f"fusion:{method}"].iloc[0]
        assert fused[f"{metric}_mean"] >= best[f"{metric}_mean"] - best_se, (
            dataset, method, metric, fused[f"{metric}_mean"], best.pipeline, best[f"{metric}_mean"])
