"""The result object of ``explain``, ``robustness`` and ``fairness``: tables, plots, HTML and JSON."""

from __future__ import annotations

import base64
import io
import json
from typing import Any

import numpy as np
import pandas as pd

from ..exceptions import InvalidInputError, UnknownNameError

__all__ = ["Explanation"]

#: Table name -> title shown in the HTML report, in report order.
SECTION_TITLES = {
    "members_weights": "Member weights (as fitted, with their spread)",
    "members_shapley": "Member Shapley values to the fused score",
    "members_leave_one_out": "Leave one member out",
    "members_coalitions": "Every coalition of members",
    "groups": "Modality / column-group permutation importance",
    "features": "Feature attributions (mean |SHAP|)",
    "interpretability": "What fusion did to interpretability",
    "network_sources": "Inside the network: per-source attributions and gate weights",
    "robustness": "Robustness: score against perturbation strength",
    "fairness_groups": "Fairness: metrics per group",
    "fairness_gaps": "Fairness: demographic-parity and equalized-odds differences",
}
#: Plot kind -> the table it draws.
PLOT_KINDS = {
    "members": "members_shapley",
    "leave_one_out": "members_leave_one_out",
    "groups": "groups",
    "features": "features",
    "summary": "shap_values",
    "network": "network_sources",
    "robustness": "robustness",
    "fairness": "fairness_gaps",
}


def _jsonable(obj):
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, float) and not np.isfinite(obj):
        return None
    return obj


class Explanation:
    """Tables explaining (or stressing) a fitted model, with plots, HTML and JSON.

    Parameters
    ----------
    tables : dict of str -> pandas.DataFrame
        Named results (``members_shapley``, ``groups``, ``features``, ``robustness``, ...).
    info : dict
        How they were computed (scoring, rows, explainers, notes), JSON-serialisable.

    Examples
    --------
    >>> import pandas as pd
    >>> e = Explanation({"groups": pd.DataFrame({"group": ["text"], "importance": [0.1]})}, {"model": "M"})
    >>> Explanation.from_json(e.to_json()).to_frame("groups").importance.tolist()
    [0.1]
    """

    def __init__(self, tables: dict[str, pd.DataFrame], info: dict[str, Any] | None = None):
        self.tables = dict(tables)
        self.info = dict(info or {})

    def __repr__(self) -> str:
        return f"Explanation({self.info.get('model', '?')}: {', '.join(self.tables) or 'empty'})"

    def __contains__(self, name: str) -> bool:
        return name in self.tables

    def merge(self, other: Explanation) -> Explanation:
        """A new Explanation holding this one's tables and ``other``'s."""
        return Explanation({**self.tables, **other.tables}, {**self.info, **other.info})

    # -- tables ---------------------------------------------------------------------------------
    def to_frame(self, name: str | None = None) -> pd.DataFrame:
        """One table by name, or (None) all of them stacked in long form with a ``table`` column."""
        if name is None:
            parts = [t.assign(table=k) for k, t in self.tables.items() if k != "shap_values"]
            return pd.concat(parts, ignore_index=True, sort=False) if parts else pd.DataFrame()
        if name not in self.tables:
            raise UnknownNameError(
                f"Explanation.to_frame: no table {name!r}; this explanation has {sorted(self.tables)}."
            )
        return self.tables[name].copy()

    # -- plots ----------------------------------------------------------------------------------
    def plot(self, kind: str):
        """A matplotlib Figure of one result: members, leave_one_out, groups, features, summary, network,
        robustness or fairness."""
        from ._plots import plot_table

        if kind not in PLOT_KINDS:
            raise UnknownNameError(f"Explanation.plot: unknown kind {kind!r}; choose from {sorted(PLOT_KINDS)}.")
        table = PLOT_KINDS[kind]
        if table not in self.tables:
            raise InvalidInputError(
                f"Explanation.plot({kind!r}) needs the {table!r} table, which this explanation does not have "
                f"(it has {sorted(self.tables)})."
            )
        return plot_table(kind, self.tables[table], self.info)

    def available_plots(self) -> list[str]:
        return [k for k, t in PLOT_KINDS.items() if t in self.tables]

    # -- HTML ------------------------------------------------------------------------------------
    def to_html(self, path=None) -> str:
        """A self-contained HTML page (tables and PNG plots embedded); written to ``path`` when given."""
        import jinja2
        import matplotlib.pyplot as plt

        images = {}
        for kind in self.available_plots():
            fig = self.plot(kind)
            buf = io.BytesIO()
            fig.savefig(buf, format="png", dpi=90, bbox_inches="tight")
            plt.close(fig)
            images[PLOT_KINDS[kind]] = base64.b64encode(buf.getvalue()).decode("ascii")
        sections = []
        for name, title in SECTION_TITLES.items():
            if name not in self.tables:
                continue
            table = self.tables[name]
            sections.append({
                "title": title, "id": name, "image": images.get(name),
                "note": self.info.get(f"{name}_note") or self.info.get(f"{name.split('_')[0]}_note"),
                "html": table.head(60).to_html(index=False, float_format=lambda v: f"{v:.4g}", na_rep="",
                                               classes="t", border=0),
            })
        if "shap_values" in images:
            sections.insert(0, {"title": "SHAP summary of the fused model", "id": "summary",
                                "image": images["shap_values"], "note": None, "html": ""})
        info = {k: v for k, v in self.info.items() if not k.endswith("_note") and not isinstance(v, (dict, list))}
        html = jinja2.Environment(autoescape=True).from_string(_TEMPLATE).render(
            title=f"fuselearn explanation: {self.info.get('model', '')}", info=info, sections=sections)
        if path is not None:
            from pathlib import Path

            Path(path).write_text(html, encoding="utf-8")
        return html

    # -- JSON ------------------------------------------------------------------------------------
    def to_json(self, path=None) -> str:
        """JSON text of every table (pandas ``split`` orient) and the info; written to ``path`` when given."""
        payload = {
            "format": "fuselearn.explanation/1",
            "info": _jsonable(self.info),
            "tables": {k: json.loads(t.to_json(orient="split", index=False, double_precision=15))
                       for k, t in self.tables.items()},
        }
        text = json.dumps(payload)
        if path is not None:
            from pathlib import Path

            Path(path).write_text(text, encoding="utf-8")
        return text

    @classmethod
    def from_json(cls, text: str) -> Explanation:
        """The Explanation a ``to_json`` text (or a path to one) describes."""
        from pathlib import Path

        if not text.lstrip().startswith("{") and Path(text).is_file():
            text = Path(text).read_text(encoding="utf-8")
        try:
            payload = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InvalidInputError(f"Explanation.from_json: not JSON ({exc}).") from exc
        if not isinstance(payload, dict) or payload.get("format") != "fuselearn.explanation/1":
            raise InvalidInputError("Explanation.from_json: not a fuselearn explanation (format key missing).")
        tables = {k: pd.DataFrame(v["data"], columns=v["columns"]) for k, v in payload["tables"].items()}
        return cls(tables, payload["info"])


_TEMPLATE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{ title }}</title>
<style>
body{font-family:system-ui,sans-serif;margin:2em auto;max-width:1100px;color:#222}
h1{font-size:1.5em} h2{font-size:1.15em;margin-top:2em;border-bottom:1px solid #ccc}
table.t{border-collapse:collapse;font-size:.85em} table.t td,table.t th{padding:2px 8px;border-bottom:1px solid #eee;text-align:right}
table.t th{background:#f4f4f4} .note{color:#555;font-size:.9em;max-width:900px} img{max-width:100%}
dl{display:grid;grid-template-columns:max-content auto;gap:2px 12px;font-size:.9em} dt{color:#555}
</style></head><body>
<h1>{{ title }}</h1>
<dl>{% for k, v in info.items() %}<dt>{{ k }}</dt><dd>{{ v }}</dd>{% endfor %}</dl>
{% for s in sections %}
<section id="{{ s.id }}"><h2>{{ s.title }}</h2>
{% if s.note %}<p class="note">{{ s.note }}</p>{% endif %}
{% if s.image %}<img alt="{{ s.title }}" src="data:image/png;base64,{{ s.image }}">{% endif %}
{{ s.html | safe }}
</section>
{% endfor %}
</body></html>
"""
