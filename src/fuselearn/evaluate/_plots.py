"""Matplotlib figures of the explanation tables (Agg backend: no display needed)."""

from __future__ import annotations

import numpy as np


def _figure(width=7.0, height=4.0):
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    return plt.subplots(figsize=(width, height))


def _barh_ci(ax, labels, values, lo=None, hi=None, color="#4c72b0"):
    y = np.arange(len(labels))
    err = None
    if lo is not None and hi is not None:
        err = np.vstack([np.asarray(values) - np.asarray(lo), np.asarray(hi) - np.asarray(values)])
        err = np.clip(np.nan_to_num(err), 0, None)
    ax.barh(y, values, xerr=err, color=color, capsize=3)
    ax.set_yticks(y, labels)
    ax.invert_yaxis()
    ax.axvline(0, color="#888", lw=0.8)


def plot_table(kind: str, table, info: dict):
    """The figure of ``kind`` drawn from ``table``."""
    if kind == "members":
        fig, ax = _figure(7, 0.5 * len(table) + 1.5)
        _barh_ci(ax, table["member"], table["shapley"], table["ci_low"], table["ci_high"])
        ax.set_xlabel(f"Shapley value to the fused {info.get('scoring', 'score')} (bootstrap interval)")
    elif kind == "leave_one_out":
        fig, ax = _figure(7, 0.5 * len(table) + 1.5)
        _barh_ci(ax, table["member"], table["score_change"], table["ci_low"], table["ci_high"], "#dd8452")
        ax.set_xlabel(f"change of {info.get('scoring', 'score')} when the member is left out")
    elif kind == "groups":
        fig, ax = _figure(7, 0.5 * len(table) + 1.5)
        _barh_ci(ax, table["group"], table["importance"], table["ci_low"], table["ci_high"], "#55a868")
        ax.set_xlabel(f"drop of {info.get('scoring', 'score')} when the group is permuted")
    elif kind == "features":
        top = table.head(20)
        models = [c for c in table.columns if c not in ("feature", "rank")]
        fig, ax = _figure(8, 0.35 * len(top) * max(1, len(models) / 2) + 1.5)
        y = np.arange(len(top))
        h = 0.8 / max(len(models), 1)
        for k, mdl in enumerate(models):
            ax.barh(y + k * h, top[mdl].fillna(0), height=h, label=mdl)
        ax.set_yticks(y + 0.4 - h / 2, top["feature"])
        ax.invert_yaxis()
        ax.legend(fontsize=8)
        ax.set_xlabel("mean |SHAP value| (share of the model's total)")
    elif kind == "summary":
        feats = [c for c in table.columns if not c.startswith("_value:")]
        imp = table[feats].abs().mean().sort_values(ascending=False).head(15)
        fig, ax = _figure(8, 0.35 * len(imp) + 1.5)
        for i, f in enumerate(imp.index):
            v = table[f].to_numpy(dtype=float)
            raw = table.get(f"_value:{f}")
            c = raw.to_numpy(dtype=float) if raw is not None else np.zeros_like(v)
            jitter = np.random.default_rng(i).uniform(-0.3, 0.3, len(v))
            ax.scatter(v, np.full(len(v), i) + jitter, c=c, s=4, cmap="coolwarm")
        ax.set_yticks(range(len(imp)), imp.index)
        ax.invert_yaxis()
        ax.axvline(0, color="#888", lw=0.8)
        ax.set_xlabel("SHAP value of the fused model (colour: feature value, low blue to high red)")
    elif kind == "network":
        fig, ax = _figure(8, 4)
        labels = table["source"].astype(str) + " / " + table["class"].astype(str)
        y = np.arange(len(table))
        ax.barh(y - 0.2, table["attribution_share"], height=0.4, label="integrated-gradients attribution share")
        if "gate_weight" in table:
            ax.barh(y + 0.2, table["gate_weight"].fillna(0), height=0.4, label="gate weight (not an attribution)")
        ax.set_yticks(y, labels)
        ax.invert_yaxis()
        ax.legend(fontsize=8)
    elif kind == "robustness":
        perts = list(dict.fromkeys(table["perturbation"]))
        fig, axes = _figure(4.2 * len(perts), 3.6)
        axes = np.atleast_1d(axes) if len(perts) > 1 else [axes]
        if len(perts) > 1:
            import matplotlib.pyplot as plt

            plt.close(fig)
            fig, axes = plt.subplots(1, len(perts), figsize=(4.2 * len(perts), 3.6), squeeze=False)
            axes = axes[0]
        for ax, p in zip(axes, perts):
            sub = table[table["perturbation"] == p]
            for mdl, g in sub.groupby("model", sort=False):
                g = g[g["status"] == "ok"]
                if g["strength"].dtype.kind in "fi":
                    ax.plot(g["strength"], g["score"], marker="o", label=mdl, lw=2.5 if mdl == "fusion" else 1.2)
                else:
                    ax.plot(g["strength"].astype(str), g["score"], marker="o", ls="", label=mdl)
            ax.set_title(p, fontsize=9)
            ax.set_xlabel("strength")
        axes[0].set_ylabel(info.get("scoring", "score"))
        axes[0].legend(fontsize=7)
    elif kind == "fairness":
        fig, ax = _figure(8, 0.4 * len(table) + 1.5)
        labels = table["model"].astype(str) + " / " + table["sensitive"].astype(str) + " / " + table["metric"]
        _barh_ci(ax, labels, table["difference"], table["ci_low"], table["ci_high"], "#c44e52")
        ax.set_xlabel("between-group difference (0 = parity), bootstrap interval")
    else:  # pragma: no cover - guarded by Explanation.plot
        raise ValueError(kind)
    fig.tight_layout()
    return fig
