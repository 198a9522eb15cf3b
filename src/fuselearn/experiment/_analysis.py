"""Read a sensitivity study back from a run store: response curves, importances, ablations.

Reads only the store (the ``trials`` table the study recorded and the cells of its variants).
Importances are optuna's own evaluators (``FanovaImportanceEvaluator``,
``PedAnovaImportanceEvaluator``) run on an in-memory study rebuilt with
``optuna.trial.create_trial``; the ablation's test is the Nadeau-Bengio corrected resampled t-test of
:mod:`fuselearn.evaluate.stats`. Written by hand: only the per-fold aggregation (neither optuna nor
scikit-learn aggregates cross-validation folds per parameter value).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..exceptions import DataError

__all__ = ["SensitivityResult", "sensitivity_from_store"]


@dataclass
class SensitivityResult:
    """A sensitivity study read from a store.

    Attributes
    ----------
    metric : str
        The metric analysed (the config's first by default).
    greater_is_better : bool
    parameters : list of str
        The ``name__param`` paths of the search space.
    trials : pandas.DataFrame
        One row per (trial, dataset): ``number, pipeline, dataset``, one column per parameter (its
        label), ``mean``, ``std`` (over folds and seeds), ``n_folds``, ``status``.
    curves : pandas.DataFrame
        Response curves: ``dataset, parameter, value, mean, std, n_folds``; per fold the score is
        averaged over the trials that have the value, then mean and std are taken over folds.
    importance : pandas.DataFrame
        ``dataset, parameter, fanova, ped_anova`` (NaN where an evaluator could not run; see
        ``notes``).
    ablation : pandas.DataFrame
        For each on/off parameter (booleans such as AFF's components, a member set to ``'drop'``):
        ``dataset, parameter, on, off, difference, ci_low, ci_high, p_value`` from the corrected
        t-test over paired folds.
    notes : list of str
    """

    metric: str
    greater_is_better: bool
    parameters: list[str]
    trials: pd.DataFrame
    curves: pd.DataFrame
    importance: pd.DataFrame
    ablation: pd.DataFrame
    notes: list[str] = field(default_factory=list)

    def plot_curves(self, dataset: str | None = None):
        """One matplotlib figure: a panel per parameter, mean score per value with ±1 std over folds.

        Parameters
        ----------
        dataset : str, optional
            Default: the first dataset.

        Returns
        -------
        matplotlib.figure.Figure
        """
        import matplotlib

        matplotlib.use("Agg", force=False)
        import matplotlib.pyplot as plt

        datasets = list(dict.fromkeys(self.curves["dataset"]))
        if dataset is None:
            dataset = datasets[0]
        if dataset not in datasets:
            raise DataError(
                f"No sensitivity curves for dataset {dataset!r}; the store has {datasets}."
            )
        params = self.parameters
        fig, axes = plt.subplots(
            1, len(params), figsize=(3.4 * len(params), 3.0), squeeze=False, constrained_layout=True
        )
        for ax, param in zip(axes[0], params):
            part = self.curves[(self.curves["dataset"] == dataset) & (self.curves["parameter"] == param)]
            labels = [str(v) for v in part["value"]]
            numeric = pd.to_numeric(part["value"], errors="coerce")
            is_numeric = bool(numeric.notna().all()) and len(set(labels)) > 2
            x = numeric.to_numpy(float) if is_numeric else np.arange(len(part))
            ax.errorbar(x, part["mean"], yerr=part["std"].fillna(0), marker="o", capsize=3)
            if not is_numeric:
                ax.set_xticks(x, labels, rotation=30, ha="right", fontsize=8)
            ax.set_title(param, fontsize=9)
            ax.set_ylabel(self.metric)
        fig.suptitle(f"{dataset}: response per parameter (±1 std over folds)", fontsize=10)
        return fig


def _space(config: dict) -> Any:
    from ._config import SensitivityConfig

    return SensitivityConfig.model_validate(config["sensitivity"])


def sensitivity_from_store(
    run_dir: str | os.PathLike, *, metric: str | None = None, run_id: str | None = None
) -> SensitivityResult:
    """Analyse the sensitivity study stored in a run folder.

    Parameters
    ----------
    run_dir : path-like
        A run folder written by :func:`fuselearn.experiment.run_sensitivity`.
    metric : str, optional
        Default: the config's first metric.
    run_id : str, optional
        Default: the latest run.

    Returns
    -------
    SensitivityResult

    Raises
    ------
    DataError
        The run has no sensitivity trials, or not the metric asked for.
    """
    from ..metrics import get_metric
    from ._space import distributions
    from ._store import Store

    with Store(run_dir, readonly=True) as store:
        runs = store.runs()
        run = next((r for r in runs if r["run_id"] == run_id), None) if run_id else (runs[-1] if runs else None)
        if run is None:
            raise DataError(f"The run folder {str(run_dir)!r} holds no run{' ' + repr(run_id) if run_id else ''}.")
        trials = store.trials(run["run_id"])
        cells = store.cells(run["run_id"])
    if not trials or not run["config"].get("sensitivity"):
        raise DataError(
            f"The run in {str(run_dir)!r} has no sensitivity trials; run a config with a "
            "'sensitivity' section through 'fuselearn sensitivity' first."
        )
    config = run["config"]
    metric = metric or config["metrics"][0]
    if metric not in cells:
        raise DataError(
            f"The run in {str(run_dir)!r} has no scores of metric {metric!r}; it has "
            f"{list(config['metrics'])}."
        )
    greater = bool(get_metric(metric).greater_is_better)
    sens = _space(config)
    params = list(sens.space)
    notes: list[str] = []

    # one row per (trial, cell): the fold scores of each trial's variant
    meta = pd.DataFrame(
        [{"number": t["number"], "pipeline": t["pipeline"], **{p: t["labels"][p] for p in params}} for t in trials]
    )
    ok = cells[cells["status"] == "ok"]
    folds = meta.merge(ok[["pipeline", "dataset", "seed", "fold", "n_train", "n_test", metric]], on="pipeline")
    status = cells.groupby("pipeline")["status"].agg(lambda s: "ok" if (s == "ok").all() else "failed")
    per_trial = (
        folds.groupby(["number", "pipeline", "dataset"] + params, dropna=False)[metric]
        .agg(mean="mean", std="std", n_folds="size")
        .reset_index()
        .sort_values(["dataset", "number"])
    )
    per_trial["status"] = per_trial["pipeline"].map(status).fillna("missing")
    # a trial whose cells are not all ok has no value (as the study told optuna)
    complete = per_trial[per_trial["status"] == "ok"]

    curves = []
    for param in params:
        # per fold: average over the trials with the value, then spread over folds
        by_fold = folds.groupby(["dataset", param, "seed", "fold"])[metric].mean().reset_index()
        agg = by_fold.groupby(["dataset", param])[metric].agg(mean="mean", std="std", n_folds="size")
        agg = agg.reset_index().rename(columns={param: "value"})
        agg.insert(1, "parameter", param)
        curves.append(agg)
    curves_df = pd.concat(curves, ignore_index=True) if curves else pd.DataFrame()

    importance = []
    dists = distributions(sens)
    for dataset, part in complete.groupby("dataset"):
        row = {p: {"dataset": dataset, "parameter": p, "fanova": np.nan, "ped_anova": np.nan} for p in params}
        for col, value in _importances(part, params, dists, greater, notes, dataset).items():
            for p, v in value.items():
                row[p][col] = v
        importance.extend(row.values())
    importance_df = pd.DataFrame(importance, columns=["dataset", "parameter", "fanova", "ped_anova"])

    ablation_df = _ablation(folds, params, metric, sens)
    return SensitivityResult(
        metric=metric,
        greater_is_better=greater,
        parameters=params,
        trials=per_trial.reset_index(drop=True),
        curves=curves_df,
        importance=importance_df,
        ablation=ablation_df,
        notes=notes,
    )


def _importances(part, params, dists, greater, notes, dataset) -> dict[str, dict[str, float]]:
    import warnings

    import optuna
    from optuna.importance import FanovaImportanceEvaluator, PedAnovaImportanceEvaluator

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(direction="maximize" if greater else "minimize")
    for _, row in part.iterrows():
        values = {p: _native(row[p]) for p in params}
        study.add_trial(
            optuna.trial.create_trial(params=values, distributions=dists, value=float(row["mean"]))
        )
    out: dict[str, dict[str, float]] = {}
    if len(study.trials) < 2:
        notes.append(f"{dataset}: fewer than 2 complete trials; no importances.")
        return out
    for col, evaluator in (
        ("fanova", FanovaImportanceEvaluator(seed=0)),
        ("ped_anova", PedAnovaImportanceEvaluator()),
    ):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                out[col] = dict(optuna.importance.get_param_importances(study, evaluator=evaluator))
        except Exception as exc:  # noqa: BLE001 - too few or too uniform trials for the evaluator
            notes.append(f"{dataset}: {col} importance could not be computed ({exc}).")
    return out


def _native(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    return value


def _is_switch(labels: list[Any]) -> bool:
    """A parameter that switches something on or off: booleans, or a member set to 'drop'."""
    kinds = set(labels)
    return kinds <= {True, False} and len(kinds) == 2 or ("drop" in kinds and len(kinds) >= 2)


def _ablation(folds: pd.DataFrame, params: list[str], metric: str, sens) -> pd.DataFrame:
    from ..evaluate.stats import corrected_ttest_1samp

    rows = []
    for param in params:
        labels = folds[param].dropna().unique().tolist()
        if not _is_switch(labels):
            continue
        off_label = False if set(labels) <= {True, False} else "drop"
        on = folds[folds[param] != off_label].groupby(["dataset", "seed", "fold"])[metric].mean()
        off = folds[folds[param] == off_label].groupby(["dataset", "seed", "fold"])[metric].mean()
        sizes = folds.groupby(["dataset"])[["n_train", "n_test"]].median()
        paired = pd.concat({"on": on, "off": off}, axis=1).dropna()
        for dataset, part in paired.groupby(level="dataset"):
            diff = (part["on"] - part["off"]).to_numpy(float)
            row = {
                "dataset": dataset, "parameter": param, "on": part["on"].mean(),
                "off": part["off"].mean(), "difference": float(diff.mean()),
                "ci_low": np.nan, "ci_high": np.nan, "p_value": np.nan,
            }
            if diff.size >= 2:
                test = corrected_ttest_1samp(
                    diff, n_train=int(sizes.loc[dataset, "n_train"]), n_test=int(sizes.loc[dataset, "n_test"])
                )
                ci = test.ci or (np.nan, np.nan)
                row.update(ci_low=ci[0], ci_high=ci[1], p_value=test.p_value)
            rows.append(row)
    return pd.DataFrame(
        rows, columns=["dataset", "parameter", "on", "off", "difference", "ci_low", "ci_high", "p_value"]
    )
