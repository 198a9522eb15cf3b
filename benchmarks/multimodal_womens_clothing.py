"""Women's clothing reviews -> recommended: text only, table only, early / late / intermediate fusion.

Protocol (BENCHMARKS.md, "Multimodal"): target ``Recommended IND``, ``Rating`` dropped, stratified
5-fold ``StratifiedKFold(5, shuffle=True, random_state=0)``, ROC-AUC. Text = ``Title`` and
``Review Text`` joined by a space (missing -> ""); table = ``Age``, ``Positive Feedback Count``,
``Division Name``, ``Department Name``, ``Class Name``, ``Clothing ID``.

Run: PYTHONPATH=src .venv/bin/python benchmarks/multimodal_womens_clothing.py \
        [--data-dir $FUSELEARN_DATA] [--text tfidf|minilm|both] [--only early,late] [--out results.json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold

from fuselearn.data import load_womens_clothing_reviews
from fuselearn.estimators import ModalityFusion
from fuselearn.evaluate.stats import corrected_ttest
from fuselearn.extract import TextEmbedder, TfidfExtractor

TABLE = ["Age", "Positive Feedback Count", "Division Name", "Department Name", "Class Name", "Clothing ID"]


def load(data_dir):
    ds = load_womens_clothing_reviews(data_dir, drop_leaky=True)
    df = ds.inputs["table"] if isinstance(ds.inputs, dict) else ds.X
    text = (df["Title"].fillna("").astype(str) + " " + df["Review Text"].fillna("").astype(str)).str.strip()
    X = df[TABLE].copy()
    X.insert(0, "text", text)
    return X, np.asarray(ds.y)


def add_minilm_columns(X, cache_dir: str):
    """MiniLM sentence embeddings of every review as columns ``emb_0 ...``, computed once for all
    rows. The encoder is pretrained and frozen and embeds each text on its own, without labels, so
    embedding before the CV split leaks nothing. (Inside per-fold pipelines the per-row cache would
    also embed each review once; precomputing keeps this script's timings comparable with earlier runs.)"""
    emb = TextEmbedder(cache=cache_dir, batch_size=64).fit_transform(X["text"])
    cols = [f"emb_{i}" for i in range(emb.shape[1])]
    return X.join(pd.DataFrame(emb, columns=cols, index=X.index)), cols


def configs_both(emb_cols: list[str]):
    """TF-IDF and MiniLM text side by side, and their late fusion with and without the table."""
    tfidf = {"tfidf": ("text", TfidfExtractor(ngram_range=(1, 2), min_df=2))}
    minilm = {"minilm": (emb_cols, None)}
    table = {"table": (TABLE, None)}
    return {
        "text only: TF-IDF (LR)": ModalityFusion(tfidf, strategy="early"),
        "text only: MiniLM (LR)": ModalityFusion(minilm, strategy="early"),
        "late: TF-IDF + MiniLM": ModalityFusion({**tfidf, **minilm}, strategy="late", method="stacking",
                                                random_state=0),
        "late: TF-IDF + MiniLM + table": ModalityFusion({**tfidf, **minilm, **table}, strategy="late",
                                                        method="stacking", random_state=0),
    }


def configs(text_kind: str, cache_dir: str):
    if text_kind == "tfidf":
        text_ext = TfidfExtractor(ngram_range=(1, 2), min_df=2)
    else:
        text_ext = TextEmbedder(cache=cache_dir, batch_size=64)
    text = {"text": ("text", text_ext)}
    table = {"table": (TABLE, None)}
    both = {**text, **table}
    return {
        "text only (LR)": ModalityFusion(text, strategy="early"),
        "table only (LR)": ModalityFusion(table, strategy="early"),
        "early (LR on both)": ModalityFusion(both, strategy="early"),
        "late (stacking)": ModalityFusion(both, strategy="late", method="stacking", random_state=0),
        "intermediate (concat)": ModalityFusion(both, strategy="intermediate", hidden_size=64, dropout=0.3,
                                                max_epochs=20, patience=3, batch_size=256, lr=1e-3,
                                                weight_decay=1e-4, random_state=0),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", default=os.environ.get("FUSELEARN_DATA"),
                        required=not os.environ.get("FUSELEARN_DATA"),
                        help="the datasets folder (default: $FUSELEARN_DATA)")
    parser.add_argument("--text", choices=["tfidf", "minilm", "both"], default="tfidf",
                        help="both: TF-IDF and precomputed MiniLM text, and their late fusions")
    parser.add_argument("--only", default="", help="comma-separated name prefixes to run")
    parser.add_argument("--cache-dir", default=os.path.expanduser("~/.cache/fuselearn/features"))
    parser.add_argument("--out", default="")
    args = parser.parse_args()
    X, y = load(args.data_dir)
    print(f"{len(X)} rows, positive share {y.mean():.3f}; text={args.text}; cores={os.cpu_count()} "
          f"python {platform.python_version()}", flush=True)
    folds = list(StratifiedKFold(5, shuffle=True, random_state=0).split(X, y))
    results = {}
    if args.text == "both":
        start = time.perf_counter()
        X, emb_cols = add_minilm_columns(X, args.cache_dir)
        print(f"MiniLM embeddings of {len(X)} texts: {time.perf_counter() - start:.0f} s", flush=True)
        grid = configs_both(emb_cols)
    else:
        grid = configs(args.text, args.cache_dir)
    for name, model in grid.items():
        if args.only and not any(name.startswith(p) for p in args.only.split(",")):
            continue
        scores, seconds = [], []
        for tr, te in folds:
            start = time.perf_counter()
            model.fit(X.iloc[tr], y[tr])
            proba = model.predict_proba(X.iloc[te])[:, 1]
            seconds.append(time.perf_counter() - start)
            scores.append(roc_auc_score(y[te], proba))
        results[name] = {"auc": scores, "seconds": seconds}
        print(f"{name:24s} ROC-AUC {np.mean(scores):.4f} ± {np.std(scores, ddof=1):.4f}  "
              f"folds {[round(s, 4) for s in scores]}  {np.sum(seconds):.0f} s", flush=True)
    base = next((k for k in results if k.startswith("text only")), None)
    if base:
        n_test = len(folds[0][1])
        for name, res in results.items():
            if name == base:
                continue
            t = corrected_ttest(res["auc"], results[base]["auc"], n_train=len(X) - n_test, n_test=n_test)
            print(f"{name:24s} vs text only: diff {t.mean_difference:+.4f}, corrected t p = {t.p_value:.3g}")
            res["vs_text_only"] = {"diff": t.mean_difference, "p": t.p_value}
    if args.out:
        with open(args.out, "w") as f:
            json.dump(results, f, indent=2)


if __name__ == "__main__":
    main()
