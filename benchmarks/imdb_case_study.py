"""IMDb case study (issue 11, part 2): NB-weighted n-grams fused with deep text features.

On the official split (25,000 training / 25,000 test reviews), three members and their fusion by
stacking on cross-fitted probabilities:

- ``nbsvm``: NBSVM of Wang & Manning (2012), word 1-3 grams, binarised counts scaled by the NB
  log-count ratio (alpha 1), L2-regularised squared-hinge linear SVM (C 1), weights interpolated
  ``w' = (1 - beta) mean|w| + beta w`` with beta 0.25. Its "probability" is ``sigmoid(w'x + b)``,
  a monotone map of the SVM score (accuracy unchanged; the stacking meta-learner rescales it);
- ``minilm``: frozen all-MiniLM-L6-v2 sentence embeddings (:class:`fuselearn.extract.TextEmbedder`,
  per-row disk cache, filled beforehand by ``benchmarks/imdb_embed.py``) + logistic regression,
  C chosen from (0.3, 1, 3, 10) by out-of-fold accuracy on the training rows;
- ``cnn1d``: ``Pipeline(TextVectorizer, NeuralClassifier(module="cnn1d"))``, the recipe of
  ``benchmarks/text_networks.py`` (86.54 % alone), at most ``--cnn-epochs`` epochs.

Cross-fitting: one ``StratifiedKFold(5, shuffle=True, random_state=seed)`` over the training rows,
shared by every member (as :class:`fuselearn.FusionClassifier` draws it). Each member gives
out-of-fold probabilities of every training row; its test probabilities come from a refit on all
training rows (nbsvm, minilm) or, for cnn1d, from the mean of its 5 fold models (``bagging=True`` in
FusionClassifier's terms: a sixth network fit did not fit the shared CPU). The stacking combiner of
FusionClassifier (``fuselearn.estimators._combiners.StackingCombiner``: logistic regression on the
out-of-fold probabilities) is fitted on the training rows and scores the test rows once. Every
member set of two or more members is fused; McNemar's test (``fuselearn.evaluate.stats.mcnemar``)
compares each fusion with its best single member on the test rows.

NBSVM's vocabulary is counted once over the training texts (labels unused); in each fold the
n-grams absent from that fold's training rows get a zero NB ratio, which is exactly a vocabulary
counted on the fold's training rows (min_df 1). This saves five CountVectorizer passes over 1-3 grams.

Each member's per-row probabilities are saved under ``--work`` (outside the repository) after every
fold, so an interrupted run resumes; the summary goes to ``benchmarks/results/imdb_case_study*.json``.
A MiniLM pass cut by the deadline is used on the rows it cached (read from the cache's index):
the fusions with minilm are then trained and scored on those rows only, and the results say so.

    FUSELEARN_DATA=/path/to/datasets python benchmarks/imdb_embed.py --max-length 128      # the cold pass
    FUSELEARN_DATA=/path/to/datasets python benchmarks/imdb_case_study.py --members nbsvm
    FUSELEARN_DATA=/path/to/datasets python benchmarks/imdb_case_study.py --members cnn1d
    FUSELEARN_DATA=/path/to/datasets python benchmarks/imdb_case_study.py --members minilm
    FUSELEARN_DATA=/path/to/datasets python benchmarks/imdb_case_study.py --fuse
    # a 2,000 + 2,000-row smoke run of everything (embeds its own rows): --quick 2000 --members all --fuse
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import resource
import time
from pathlib import Path

import numpy as np

RESULTS = Path(__file__).parent / "results"
MEMBERS = ("nbsvm", "minilm", "cnn1d")
ANCHORS = {"NBSVM-bigram (Wang & Manning 2012)": 91.22,
           "NBSVM + paragraph vectors + RNN LM ensemble (Mesnil et al. 2014)": 92.57,
           "SA-LSTM (Dai & Le 2015)": 92.76}
GOAL = 92.8
CNN_RECIPE = {  # benchmarks/text_networks.py RECIPES["cnn1d"]
    "vectorizer": {"max_length": 256, "max_features": 30000, "min_df": 2},
    "module_params": {"embed_dim": 64, "widths": (3, 4, 5), "n_filters": 48, "pooling": "max_mean",
                      "dropout": 0.5},
    "train": {"batch_size": 64, "lr": 2e-3, "weight_decay": 1e-4, "patience": 1},
}


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


class Timer:
    """Wall and CPU seconds of a block."""

    def __enter__(self):
        self.w0, self.c0 = time.perf_counter(), _cpu()
        return self

    def __exit__(self, *exc):
        self.wall, self.cpu = time.perf_counter() - self.w0, _cpu() - self.c0


# --- data ------------------------------------------------------------------------------------------


def load(quick: int | None, seed: int):
    """Texts, labels, and the training / test row indices (a stratified random sample with ``quick``)."""
    from fuselearn.data import load_dataset

    ds = load_dataset("imdb_reviews")
    texts = np.asarray(ds.inputs["text"], dtype=object)
    y = np.asarray(ds.target).astype(int)
    train, test = np.asarray(ds.split["train"]), np.asarray(ds.split["test"])
    if quick:
        from sklearn.model_selection import train_test_split

        train = np.sort(train_test_split(train, train_size=quick, stratify=y[train], random_state=seed)[0])
        test = np.sort(train_test_split(test, train_size=quick, stratify=y[test], random_state=seed)[0])
    return texts, y, train, test


def folds(y_train: np.ndarray, n_splits: int, seed: int):
    from sklearn.model_selection import StratifiedKFold

    return list(StratifiedKFold(n_splits, shuffle=True, random_state=seed).split(np.zeros(len(y_train)), y_train))


class Store:
    """One member's per-row probabilities of the positive class, saved after every fold (resumable)."""

    def __init__(self, folder: Path, name: str, n_train: int, n_test: int, n_folds: int):
        self.path = folder / f"{name}.npz"
        self.meta_path = folder / f"{name}.json"
        if self.path.exists():
            z = np.load(self.path, allow_pickle=False)
            self.oof, self.test, self.test_folds = z["oof"], z["test"], z["test_folds"]
            self.meta = json.loads(self.meta_path.read_text())
        else:
            self.oof = np.full(n_train, np.nan)
            self.test = np.full(n_test, np.nan)
            self.test_folds = np.full((n_folds, n_test), np.nan)
            self.meta = {"folds_done": [], "fold_wall_s": {}, "fold_cpu_s": {}}

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(self.path.stem + ".tmp.npz")
        np.savez(tmp, oof=self.oof, test=self.test, test_folds=self.test_folds)
        os.replace(tmp, self.path)
        self.meta_path.write_text(json.dumps(self.meta, indent=2) + "\n")


# --- members ---------------------------------------------------------------------------------------


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-np.clip(z, -50, 50)))


def nbsvm_fit_predict(counts_train, y_train, counts_eval, *, alpha=1.0, C=1.0, beta=0.25):
    """Wang & Manning's NBSVM on binarised counts: P(positive) = sigmoid of the interpolated SVM score.

    scikit-learn's LinearSVC (liblinear, as the paper) does the SVM; the NB ratio and the interpolation
    are the paper's two formulas (no maintained library implements NBSVM; TfidfExtractor(nb_weighting=True)
    computes the same ratio but refits its vectoriser on every call).
    """
    import scipy.sparse as sp
    from sklearn.svm import LinearSVC

    pos = y_train == 1
    p = np.asarray(counts_train[pos].sum(axis=0)).ravel()
    q = np.asarray(counts_train[~pos].sum(axis=0)).ravel()
    seen = (p + q) > 0  # n-grams of this fold's training rows: the fold's own vocabulary
    p, q = p[seen] + alpha, q[seen] + alpha
    r = np.zeros(counts_train.shape[1])
    r[seen] = np.log((p / p.sum()) / (q / q.sum()))
    R = sp.diags(r)
    svm = LinearSVC(C=C, loss="squared_hinge", dual=True, max_iter=5000).fit(counts_train @ R, y_train)
    w = svm.coef_.ravel()
    w_bar = np.abs(w[seen]).mean()
    w_int = np.where(seen, (1 - beta) * w_bar + beta * w, 0.0)
    return [_sigmoid((c @ R) @ w_int + svm.intercept_[0]) for c in counts_eval]


def run_nbsvm(texts, y, train, test, splits, store: Store, log) -> None:
    from sklearn.feature_extraction.text import CountVectorizer

    with Timer() as t:
        vec = CountVectorizer(ngram_range=(1, 3), binary=True, dtype=np.float64)
        Xtr = vec.fit_transform(texts[train]).tocsr()
        Xte = vec.transform(texts[test]).tocsr()
    store.meta.update(vectorize_wall_s=round(t.wall, 1), vectorize_cpu_s=round(t.cpu, 1),
                      n_features=int(Xtr.shape[1]))
    log(f"nbsvm: {Xtr.shape[1]} 1-3 grams counted in {t.wall:.0f}s wall / {t.cpu:.0f}s CPU")
    ytr = y[train]
    for k, (a, b) in enumerate(splits):
        if k in store.meta["folds_done"]:
            continue
        with Timer() as t:
            (store.oof[b],) = nbsvm_fit_predict(Xtr[a], ytr[a], [Xtr[b]])
        store.meta["folds_done"].append(k)
        store.meta["fold_wall_s"][k], store.meta["fold_cpu_s"][k] = round(t.wall, 1), round(t.cpu, 1)
        store.save()
        log(f"nbsvm fold {k}: oof accuracy {np.mean((store.oof[b] > .5) == ytr[b]):.4f} ({t.wall:.0f}s)")
    if np.isnan(store.test).any():
        with Timer() as t:
            (store.test,) = nbsvm_fit_predict(Xtr, ytr, [Xte])
        store.meta.update(refit_wall_s=round(t.wall, 1), refit_cpu_s=round(t.cpu, 1))
        store.save()
    log(f"nbsvm test accuracy {np.mean((store.test > .5) == y[test]):.4f}")


def cached_mask(emb, texts) -> np.ndarray:
    """Which texts ``emb`` (a fitted TextEmbedder with a cache) has on disk, without computing any:
    the benchmark plans around what a cut pass, or several passes sharing the work, cached."""
    from fuselearn.extract._cache import content_hash

    return emb.cache_.has_rows(emb._state_key(), [content_hash(t) for t in texts])


def run_minilm(texts, y, train, test, splits, store: Store, log, *, max_length: int, cache, quick: bool) -> None:
    from sklearn.linear_model import LogisticRegression

    from fuselearn.extract import TextEmbedder

    emb = TextEmbedder(max_length=max_length, cache=cache).fit()
    if quick or emb.cache_ is None:
        have_tr, have_te = np.ones(len(train), bool), np.ones(len(test), bool)
    else:  # the rows the cold pass cached (all, once it is complete)
        have_tr, have_te = cached_mask(emb, texts[train]), cached_mask(emb, texts[test])
    store.meta["rows_train"], store.meta["rows_test"] = int(have_tr.sum()), int(have_te.sum())
    if not (have_tr.all() and have_te.all()):
        log(f"minilm: the cold pass is incomplete: using the {have_tr.sum()} training and {have_te.sum()} "
            "test rows it cached")
    with Timer() as t:
        Etr = np.full((len(train), emb.embedding_dim_), np.nan, dtype=np.float32)
        Ete = np.full((len(test), emb.embedding_dim_), np.nan, dtype=np.float32)
        if have_tr.any():
            Etr[have_tr] = emb.transform(texts[train][have_tr])
        if have_te.any():
            Ete[have_te] = emb.transform(texts[test][have_te])
    cache_ = emb.cache_
    store.meta.update(embed_wall_s=round(t.wall, 1), embed_cpu_s=round(t.cpu, 1), max_length=max_length,
                      cache_hits=None if cache_ is None else cache_.hits,
                      cache_misses=None if cache_ is None else cache_.misses)
    log(f"minilm: embeddings read/computed in {t.wall:.0f}s (cache hits {store.meta['cache_hits']}, "
        f"misses {store.meta['cache_misses']})")
    ytr = y[train]
    with Timer() as t:
        best = None
        for C in (0.3, 1.0, 3.0, 10.0):
            oof = np.full(len(train), np.nan)
            for a, b in splits:
                a, b = a[have_tr[a]], b[have_tr[b]]
                lr = LogisticRegression(C=C, max_iter=3000).fit(Etr[a], ytr[a])
                oof[b] = lr.predict_proba(Etr[b])[:, 1]
            acc = np.mean((oof[have_tr] > .5) == ytr[have_tr])
            log(f"minilm C={C}: oof accuracy {acc:.4f}")
            if best is None or acc > best[0]:
                best = (acc, C, oof)
        store.oof = best[2]
        lr = LogisticRegression(C=best[1], max_iter=3000).fit(Etr[have_tr], ytr[have_tr])
        store.test = np.full(len(test), np.nan)
        if have_te.any():
            store.test[have_te] = lr.predict_proba(Ete[have_te])[:, 1]
    store.meta.update(C=best[1], heads_wall_s=round(t.wall, 1), heads_cpu_s=round(t.cpu, 1),
                      folds_done=list(range(len(splits))))
    store.save()
    log(f"minilm (C={best[1]}) test accuracy {np.mean((store.test[have_te] > .5) == y[test][have_te]):.4f} "
        f"on {have_te.sum()} test rows")


def run_cnn1d(texts, y, train, test, splits, store: Store, log, *, epochs: int, seed: int) -> None:
    from sklearn.pipeline import Pipeline

    from fuselearn import NeuralClassifier
    from fuselearn.extract import TextVectorizer

    ytr = y[train]
    for k, (a, b) in enumerate(splits):
        if k in store.meta["folds_done"]:
            continue
        pipe = Pipeline([
            ("ids", TextVectorizer(**CNN_RECIPE["vectorizer"])),
            ("net", NeuralClassifier(module="cnn1d", module_params=CNN_RECIPE["module_params"],
                                     validation_fraction=0.1, random_state=seed, verbose=0,
                                     max_epochs=epochs, **CNN_RECIPE["train"])),
        ])
        with Timer() as t:
            pipe.fit(texts[train][a], ytr[a])
            store.oof[b] = pipe.predict_proba(texts[train][b])[:, 1]
            store.test_folds[k] = pipe.predict_proba(texts[test])[:, 1]
        history = getattr(pipe.named_steps["net"], "history_", None)
        store.meta["folds_done"].append(k)
        store.meta["fold_wall_s"][k], store.meta["fold_cpu_s"][k] = round(t.wall, 1), round(t.cpu, 1)
        store.meta.setdefault("epochs", {})[k] = None if history is None else [history.n_epochs,
                                                                              history.best_epoch + 1]
        done = store.meta["folds_done"]
        store.test = np.nanmean(store.test_folds[done], axis=0)
        store.save()
        log(f"cnn1d fold {k}: oof accuracy {np.mean((store.oof[b] > .5) == ytr[b]):.4f}, fold model test "
            f"{np.mean((store.test_folds[k] > .5) == y[test]):.4f} ({t.wall:.0f}s wall / {t.cpu:.0f}s CPU)")
    store.meta["epochs_max"] = epochs
    store.save()
    log(f"cnn1d (mean of {len(store.meta['folds_done'])} fold models) test accuracy "
        f"{np.mean((store.test > .5) == y[test]):.4f}")


# --- fusion ----------------------------------------------------------------------------------------


def _meta(kind: str):
    """The stacking meta-learner: FusionClassifier's default (logistic regression, C 1) or C chosen by CV.

    The NBSVM score has a small spread (sigmoid of w'x + b with std about 0.4 on the logit scale), so an L2
    penalty of C 1 on probability features shrinks its weight; LogisticRegressionCV picks C by 5-fold CV on
    the out-of-fold rows (training rows only).
    """
    from sklearn.linear_model import LogisticRegression, LogisticRegressionCV

    if kind == "default":
        return LogisticRegression(max_iter=1000)
    return LogisticRegressionCV(Cs=np.logspace(-2, 4, 7), cv=5, max_iter=2000)


def _stack(stores, combo, ytr, rows_tr, rows_te, seed, meta: str = "cv"):
    """StackingCombiner (FusionClassifier's) on the members' out-of-fold probabilities -> test probabilities."""
    from fuselearn.estimators._combiners import get_combiner

    oof = np.stack([np.c_[1 - stores[n].oof[rows_tr], stores[n].oof[rows_tr]] for n in combo])
    out = np.stack([np.c_[1 - stores[n].test[rows_te], stores[n].test[rows_te]] for n in combo])
    comb = get_combiner("stacking", "classification", meta_learner=_meta(meta)).fit(oof, ytr[rows_tr],
                                                                                   random_state=seed)
    return comb.combine(out), comb


def fuse(y, train, test, stores: dict[str, Store], seed: int) -> dict:
    """Stack every member set of two or more members; each member alone; McNemar against the best member.

    Each member alone is scored two ways: its own prediction (probability > 0.5) and "calibrated", a
    one-member stack (logistic regression on its out-of-fold probability, i.e. Platt scaling fitted by
    cross-fitting). The interpolated NBSVM weights shift its score, so its raw threshold is off (its
    out-of-fold accuracy at the best threshold is much higher); the calibrated one is the fair single
    model. The best single member is the best of both variants on the test rows (a conservative
    baseline for the fusion).
    """
    from fuselearn.evaluate.stats import mcnemar

    ytr, yte = y[train], y[test]
    names = [n for n in MEMBERS if n in stores]
    members, alone = {}, {}
    for n in names:
        s = stores[n]
        ok, ok_tr = ~np.isnan(s.test), ~np.isnan(s.oof)
        raw = (s.test > .5).astype(int)
        cal = np.full(len(test), -1)
        if ok_tr.any() and ok.any():
            proba, _ = _stack(stores, (n,), ytr, ok_tr, ok, seed)
            cal[ok] = proba.argmax(axis=1)
        alone[n] = {"raw": raw, "calibrated": cal}
        members[n] = {"test_accuracy": round(100 * float(np.mean(raw[ok] == yte[ok])), 2),
                      "test_accuracy_calibrated": round(100 * float(np.mean(cal[ok] == yte[ok])), 2),
                      "oof_accuracy": round(100 * float(np.mean((s.oof[ok_tr] > .5) == ytr[ok_tr])), 2),
                      "n_test": int(ok.sum()), "n_train_oof": int(ok_tr.sum()),
                      **{k: v for k, v in s.meta.items() if k not in ("folds_done",)}}
    fusions = []
    for r in range(2, len(names) + 1):
        for combo in itertools.combinations(names, r):
            rows_tr = np.all([~np.isnan(stores[n].oof) for n in combo], axis=0)
            rows_te = np.all([~np.isnan(stores[n].test) for n in combo], axis=0)
            with Timer() as t:
                proba, comb = _stack(stores, combo, ytr, rows_tr, rows_te, seed)
            default_proba, _ = _stack(stores, combo, ytr, rows_tr, rows_te, seed, meta="default")
            pred = proba.argmax(axis=1)
            yt = yte[rows_te]
            accs, preds = {}, {}
            for n in combo:
                for variant, p in alone[n].items():
                    acc = float(np.mean(p[rows_te] == yt))
                    if n not in accs or acc > accs[n]:
                        accs[n], preds[n] = acc, (variant, p[rows_te])
            best = max(accs, key=accs.get)
            test_ = mcnemar(yt, pred, preds[best][1])
            fusions.append({
                "members": list(combo), "method": "stacking (meta-learner LogisticRegressionCV)",
                "test_accuracy": round(100 * float(np.mean(pred == yt)), 2),
                "test_accuracy_default_meta": round(100 * float(np.mean(default_proba.argmax(axis=1) == yt)), 2),
                "meta_C": float(comb.meta_learner_.C_[0]),
                "members_test_accuracy_same_rows": {n: round(100 * a, 2) for n, a in accs.items()},
                "members_variant": {n: preds[n][0] for n in combo},
                "best_member": best, "gain_over_best": round(100 * (float(np.mean(pred == yt)) - accs[best]), 2),
                "mcnemar_vs_best": {"statistic": round(test_.statistic, 3), "p_value": float(f"{test_.p_value:.3g}"),
                                    "fusion_right_best_wrong": test_.n01, "fusion_wrong_best_right": test_.n10},
                "meta_weights": None if comb.weights_ is None else [round(float(w), 3) for w in comb.weights_],
                "n_train_rows": int(rows_tr.sum()), "n_test_rows": int(rows_te.sum()),
                "fit_wall_s": round(t.wall, 2),
            })
    return {"members": members, "fusions": fusions}


# --- the markdown table -----------------------------------------------------------------------------


def table(path: Path) -> str:
    """The docs' results table from a summary JSON."""
    r = json.loads(path.read_text())
    lines = [f"Protocol: {r['protocol']}; {r['n_train']} training / {r['n_test']} test reviews.", "",
             ("| model | test accuracy % (member alone: own threshold, and calibrated) | test rows | "
              "vs best member (McNemar) |"), "|---|---:|---:|---|"]
    for name, m in r["members"].items():
        lines.append(f"| {name} alone | {m['test_accuracy']:.2f} (calibrated {m['test_accuracy_calibrated']:.2f}) "
                     f"| {m['n_test']} | |")
    for f in r["fusions"]:
        same = ", ".join(f"{n} {a:.2f}" for n, a in f["members_test_accuracy_same_rows"].items())
        mc = f["mcnemar_vs_best"]
        lines.append(f"| stacking: {' + '.join(f['members'])} | **{f['test_accuracy']:.2f}** (meta C 1: "
                     f"{f['test_accuracy_default_meta']:.2f}) | {f['n_test_rows']} | "
                     f"{f['gain_over_best']:+.2f} over {f['best_member']} (same rows: {same}); p = {mc['p_value']:.3g} "
                     f"({mc['fusion_right_best_wrong']} rows only the fusion gets right, "
                     f"{mc['fusion_wrong_best_right']} only {f['best_member']}) |")
    for name, acc in r["anchors"].items():
        lines.append(f"| {name} (published) | {acc:.2f} | 25000 | |")
    lines.append(f"| goal | >= {r['goal']:.1f} | | |")
    return "\n".join(lines)


# --- main ------------------------------------------------------------------------------------------


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="IMDb: NBSVM + MiniLM + cnn1d, fused by stacking.")
    parser.add_argument("--members", default="", help="comma-separated members to compute (nbsvm, minilm, cnn1d, all)")
    parser.add_argument("--fuse", action="store_true", help="fuse the members computed so far and write the summary")
    parser.add_argument("--quick", type=int, default=None, help="N training and N test rows (stratified sample)")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--max-length", type=int, default=128, help="MiniLM tokens per review")
    parser.add_argument("--cache", default="default",
                        help="TextEmbedder cache folder ('default': TextEmbedder(cache=True)'s; 'none': off)")
    parser.add_argument("--cnn-epochs", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1, help="torch threads (1 on a shared CPU)")
    parser.add_argument("--work", default=None, help="folder for per-row probabilities (default: the user cache)")
    parser.add_argument("--embed-pass", default=str(RESULTS / "imdb_embed_pass.json"))
    parser.add_argument("--out", default=None)
    parser.add_argument("--table", action="store_true", help="print the markdown table of --out (or the default)")
    args = parser.parse_args(argv)
    if args.table:
        print(table(Path(args.out) if args.out else RESULTS / "imdb_case_study.json"))
        return 0

    import torch

    torch.set_num_threads(args.threads)
    tag = f"quick{args.quick}" if args.quick else "full"
    if args.work:
        work = Path(args.work)
    else:
        import platformdirs

        work = Path(platformdirs.user_cache_dir("fuselearn")) / "imdb_case_study"
    work = work / f"{tag}-seed{args.seed}"
    out = Path(args.out) if args.out else RESULTS / (
        "imdb_case_study.json" if not args.quick else f"imdb_case_study_quick{args.quick}.json")
    cache = {"default": True, "none": None}.get(args.cache, args.cache)
    logf = (work / "log.txt")
    work.mkdir(parents=True, exist_ok=True)

    def log(msg: str) -> None:
        line = f"{time.strftime('%H:%M:%S')} {msg}"
        print(line, flush=True)
        with open(logf, "a") as fh:
            fh.write(line + "\n")

    texts, y, train, test = load(args.quick, args.seed)
    splits = folds(y[train], args.folds, args.seed)
    wanted = MEMBERS if args.members == "all" else [m for m in args.members.split(",") if m]
    for m in wanted:
        if m not in MEMBERS:
            parser.error(f"unknown member {m!r}; choose from {MEMBERS} or 'all'")
        store = Store(work, m, len(train), len(test), args.folds)
        with Timer() as t:
            if m == "nbsvm":
                run_nbsvm(texts, y, train, test, splits, store, log)
            elif m == "minilm":
                run_minilm(texts, y, train, test, splits, store, log, max_length=args.max_length, cache=cache,
                           quick=bool(args.quick))
            else:
                run_cnn1d(texts, y, train, test, splits, store, log, epochs=args.cnn_epochs, seed=args.seed)
        runs = store.meta.setdefault("runs", [])
        runs.append({"wall_s": round(t.wall, 1), "cpu_s": round(t.cpu, 1), "at": time.strftime("%Y-%m-%dT%H:%M:%S")})
        store.save()
        log(f"{m}: this call {t.wall:.0f}s wall / {t.cpu:.0f}s CPU")
    if args.fuse:
        stores = {m: Store(work, m, len(train), len(test), args.folds) for m in MEMBERS
                  if (work / f"{m}.npz").exists()}
        result = fuse(y, train, test, stores, args.seed)
        embed_pass = Path(args.embed_pass)
        result.update({
            "protocol": ("official split" if not args.quick else f"quick: {args.quick} training + {args.quick} "
                         "test rows, stratified sample") + f"; {args.folds}-fold stratified cross-fitting, seed {args.seed}",
            "n_train": len(train), "n_test": len(test), "goal": GOAL, "anchors": ANCHORS,
            "embed_pass": json.loads(embed_pass.read_text()) if embed_pass.exists() and not args.quick else None,
            "machine": f"{platform.machine()}, {os.cpu_count()} logical CPUs shared with other jobs",
            "torch": torch.__version__, "threads": args.threads,
            "command": "python benchmarks/imdb_case_study.py " + " ".join(argv if argv is not None else
                                                                          __import__("sys").argv[1:]),
        })
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(result, indent=2, default=float) + "\n")
        for f in result["fusions"]:
            log(f"fusion {'+'.join(f['members'])}: {f['test_accuracy']:.2f} on {f['n_test_rows']} rows "
                f"(best member {f['best_member']} {f['members_test_accuracy_same_rows'][f['best_member']]:.2f}, "
                f"McNemar p={f['mcnemar_vs_best']['p_value']})")
        log(f"summary written to {out}")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    raise SystemExit(main())
