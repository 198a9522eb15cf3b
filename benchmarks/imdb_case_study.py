"""IMDb case study (issue 11, part 2): NB-weighted n-grams fused with deep text features.

On the official split (25,000 training / 25,000 test reviews), five members, each alone, and their
fusion on cross-fitted probabilities:

- ``nbsvm``: :class:`fuselearn.NBSVMClassifier` (Wang & Manning 2012), word 1-3 grams with the
  punctuation-keeping tokeniser of Mesnil et al.'s NBSVM scripts (``token_pattern="punct"``), binary
  counts scaled by the NB log-count ratio (alpha 1), L2 squared-hinge linear SVM (C 1), weights
  interpolated ``w' = (1 - beta) mean|w| + beta w`` with beta 0.25; probabilities: Platt's sigmoid of the
  score fitted on the training scores (``cv=None``: one SVM fit per model; the stacker recalibrates);
- ``nbsvm12``: the same on 1-2 grams;
- ``minilm`` / ``minilm_mlp``: frozen all-MiniLM-L6-v2 sentence embeddings of the first 128 tokens
  (:class:`fuselearn.extract.TextEmbedder`, per-row disk cache filled beforehand by
  ``benchmarks/imdb_embed.py``) + logistic regression (C from 0.3-10) or fuselearn's NeuralClassifier
  (one hidden layer of 256, weight decay 0 or 1e-4), the choice by out-of-fold accuracy;
- ``cnn1d``: ``Pipeline(TextVectorizer, NeuralClassifier(module="cnn1d"))``, the recipe of
  ``benchmarks/text_networks.py`` (86.54 % alone there), at most ``--cnn-epochs`` epochs.

Cross-fitting: one ``StratifiedKFold(5, shuffle=True, random_state=seed)`` over the training rows,
shared by every member (as :class:`fuselearn.FusionClassifier` draws it). Each member gives
out-of-fold probabilities of every training row; its test probabilities come from a refit on all
training rows or, for cnn1d, from the mean of its 5 fold models (``bagging=True`` in FusionClassifier's
terms). The combiners are FusionClassifier's (``fuselearn.estimators._combiners``): stacking (logistic
regression, C by 5-fold CV, on the probabilities), the same on logits, and Caruana's greedy weighted
ensemble; each member set is fused by the one of them that 5 inner folds of the out-of-fold rows
prefer, and scored once on the test rows. McNemar's test (``fuselearn.evaluate.stats.mcnemar``)
compares each fusion with the best single member of its set on the test rows.

Each member's per-row probabilities (float32, about 200 kB) are saved under
``benchmarks/results/imdb_members/`` after every fold, so an interrupted run resumes and combiner
experiments (``--fuse``) cost seconds; the summary goes to ``benchmarks/results/imdb_case_study*.json``.

    FUSELEARN_DATA=/path/to/datasets python benchmarks/imdb_embed.py --max-length 128      # the cold pass
    FUSELEARN_DATA=/path/to/datasets python benchmarks/imdb_case_study.py --members minilm,minilm_mlp
    FUSELEARN_DATA=/path/to/datasets python benchmarks/imdb_case_study.py --members nbsvm,nbsvm12
    FUSELEARN_DATA=/path/to/datasets python benchmarks/imdb_case_study.py --members cnn1d --cnn-epochs 2
    FUSELEARN_DATA=/path/to/datasets python benchmarks/imdb_case_study.py --tokenizers     # NBSVM tokenisers
    FUSELEARN_DATA=/path/to/datasets python benchmarks/imdb_case_study.py --fuse
    python benchmarks/imdb_case_study.py --table
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
# member name -> (kind, options); every member is cross-fitted on the same folds
MEMBERS = {
    "nbsvm": ("nbsvm", {"ngram_range": (1, 3), "token_pattern": "punct"}),
    "nbsvm12": ("nbsvm", {"ngram_range": (1, 2), "token_pattern": "punct"}),
    "minilm": ("minilm", {"head": "lr"}),
    "minilm_mlp": ("minilm", {"head": "mlp"}),
    "cnn1d": ("cnn1d", {}),
    # paragraph vectors; need gensim (optional, not a fuselearn dependency); pv_dbow reads the test texts
    # (never their labels), as Le & Mikolov and Mesnil et al. did
    "pv": ("pv", {}),
    "pv_dbow": ("pv", {"transductive": True, "epochs": 20}),
    "pv_dbow30": ("pv", {"transductive": True, "epochs": 30, "sample": 0.0}),  # no frequent-word downsampling
}
ANCHORS = {"NBSVM-bigram (Wang & Manning 2012)": 91.22,
           "NBSVM-trigram (Mesnil et al. 2014)": 91.87,
           "NBSVM 1-2 grams, as measured in BENCHMARKS.md": 91.28,
           "NBSVM 1-3 grams, as measured in BENCHMARKS.md": 91.89,
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
    """One member's per-row probabilities of the positive class, saved after every fold (resumable).

    Small enough for benchmarks/results (float32, about 200 kB a member): out-of-fold probabilities of
    the training rows and the test probabilities; the per-fold test probabilities (cnn1d averages its
    fold models) are kept only until every fold is done.
    """

    def __init__(self, folder: Path, name: str, n_train: int, n_test: int, n_folds: int):
        self.name = name
        self.path = folder / f"{name}.npz"
        self.meta_path = folder / f"{name}.json"
        self.n_folds = n_folds
        if self.path.exists():
            z = np.load(self.path, allow_pickle=False)
            self.oof, self.test = z["oof"].astype(np.float64), z["test"].astype(np.float64)
            self.test_folds = (z["test_folds"].astype(np.float64) if "test_folds" in z.files
                               else np.full((n_folds, n_test), np.nan))
            self.meta = json.loads(self.meta_path.read_text())
        else:
            self.oof = np.full(n_train, np.nan)
            self.test = np.full(n_test, np.nan)
            self.test_folds = np.full((n_folds, n_test), np.nan)
            self.meta = {"folds_done": [], "fold_wall_s": {}, "fold_cpu_s": {}}

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(self.path.stem + ".tmp.npz")
        arrays = {"oof": self.oof.astype(np.float32), "test": self.test.astype(np.float32)}
        if len(self.meta["folds_done"]) < self.n_folds and not np.isnan(self.test_folds).all():
            arrays["test_folds"] = self.test_folds.astype(np.float32)
        np.savez_compressed(tmp, **arrays)
        os.replace(tmp, self.path)
        self.meta_path.write_text(json.dumps(self.meta, indent=2) + "\n")


# --- members ---------------------------------------------------------------------------------------


def run_nbsvm(texts, y, train, test, splits, store: Store, log, *, ngram_range=(1, 3), token_pattern="punct",
              seed: int = 0) -> None:
    """The library's :class:`fuselearn.estimators.NBSVMClassifier`, cross-fitted: one fit per fold, then a refit.

    ``cv=None``: the Platt sigmoid of each fit is fitted on its own training scores (one SVM fit per
    model instead of four); the stacking meta-learner recalibrates the out-of-fold scores anyway.
    """
    from fuselearn.estimators import NBSVMClassifier

    def make():
        return NBSVMClassifier(ngram_range=ngram_range, token_pattern=token_pattern, cv=None, random_state=seed)

    store.meta.update(estimator=repr(make()))
    ytr = y[train]
    for k, (a, b) in enumerate(splits):
        if k in store.meta["folds_done"]:
            continue
        with Timer() as t:
            store.oof[b] = make().fit(texts[train][a], ytr[a]).predict_proba(texts[train][b])[:, 1]
        store.meta["folds_done"].append(k)
        store.meta["fold_wall_s"][k], store.meta["fold_cpu_s"][k] = round(t.wall, 1), round(t.cpu, 1)
        store.save()
        log(f"{store.name} fold {k}: oof accuracy {np.mean((store.oof[b] > .5) == ytr[b]):.4f} ({t.wall:.0f}s wall "
            f"/ {t.cpu:.0f}s CPU)")
    if np.isnan(store.test).any():
        with Timer() as t:
            clf = make().fit(texts[train], ytr)
            store.test = clf.predict_proba(texts[test])[:, 1]
        store.meta.update(refit_wall_s=round(t.wall, 1), refit_cpu_s=round(t.cpu, 1),
                          n_features=int(clf.r_.shape[1]))
        store.save()
    log(f"{store.name} test accuracy {np.mean((store.test > .5) == y[test]):.4f}")


def tokenizer_study(texts, y, train, test, log, out: Path, seed: int, work: Path) -> dict:
    """NBSVM 1-3 grams under each named token pattern: fit on the 25,000 training reviews, score the test.

    The published NBSVM-trigram (Mesnil et al.'s scripts: 91.87) tokenises with punctuation kept; scikit-
    learn's default pattern drops it and one-letter words. Resumable: each pattern's result is saved.
    """
    from fuselearn.estimators import NBSVMClassifier

    result = json.loads(out.read_text()) if out.exists() else {}
    nbsvm = Store(work, "nbsvm", len(train), len(test), 1) if (work / "nbsvm.npz").exists() else None
    if nbsvm is not None and not np.isnan(nbsvm.test).any() and "refit_wall_s" in nbsvm.meta:
        # the nbsvm member's refit is this study's "punct 1-3" fit (same estimator, same rows)
        result["punct 1-3"] = {"test_accuracy": round(100 * float(np.mean((nbsvm.test > .5) == y[test])), 2),
                               "n_features": nbsvm.meta.get("n_features"), "wall_s": nbsvm.meta["refit_wall_s"],
                               "cpu_s": nbsvm.meta["refit_cpu_s"], "from": "the nbsvm member's refit"}
    for ngram_range in ((1, 3),):
        for pattern in ("words", "words_punct", "punct"):
            key = f"{pattern} {ngram_range[0]}-{ngram_range[1]}"
            if key in result:
                continue
            with Timer() as t:
                clf = NBSVMClassifier(ngram_range=ngram_range, token_pattern=pattern, cv=None,
                                      random_state=seed).fit(texts[train], y[train])
                proba = clf.predict_proba(texts[test])[:, 1]
                raw = clf.decision_function(texts[test]) > 0
            result[key] = {"test_accuracy": round(100 * float(np.mean((proba > .5) == y[test])), 2),
                           "test_accuracy_score_zero": round(100 * float(np.mean(raw == y[test])), 2),
                           "n_features": int(clf.r_.shape[1]), "wall_s": round(t.wall, 1), "cpu_s": round(t.cpu, 1)}
            log(f"tokenizer {key}: {result[key]}")
            out.write_text(json.dumps(result, indent=2) + "\n")
    return result


def cached_mask(emb, texts) -> np.ndarray:
    """Which texts ``emb`` (a fitted TextEmbedder with a cache) has on disk, without computing any:
    the benchmark plans around what a cut pass, or several passes sharing the work, cached."""
    from fuselearn.extract._cache import content_hash

    return emb.cache_.has_rows(emb._state_key(), [content_hash(t) for t in texts])


def _minilm_head(head: str, C: float, seed: int):
    """The classifier on the frozen embeddings: logistic regression, or fuselearn's NeuralClassifier (an MLP)."""
    from sklearn.linear_model import LogisticRegression

    from fuselearn import NeuralClassifier

    if head == "lr":
        return LogisticRegression(C=C, max_iter=3000)
    return NeuralClassifier(hidden_sizes=(256,), module_params={"dropout": 0.2}, max_epochs=40, patience=5, lr=1e-3, weight_decay=C,
                            batch_size=128, validation_fraction=0.1, random_state=seed, verbose=0)


def run_minilm(texts, y, train, test, splits, store: Store, log, *, max_length: int, cache, quick: bool,
               head: str = "lr", seed: int = 0) -> None:

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
    _cross_fit_head(Etr, Ete, y[train], y[test], have_tr, have_te, splits, store, log, head=head, seed=seed)


def _cross_fit_head(Etr, Ete, ytr, yte, have_tr, have_te, splits, store: Store, log, *, head: str, seed: int):
    """A classifier on fixed (label-free) document vectors, cross-fitted; its setting by out-of-fold accuracy."""
    with Timer() as t:
        best = None
        # lr: C among 0.3-10; mlp: weight decay among 0 and 1e-4 (by out-of-fold accuracy)
        for C in ((0.3, 1.0, 3.0, 10.0) if head == "lr" else (0.0, 1e-4)):
            oof = np.full(len(ytr), np.nan)
            for a, b in splits:
                a, b = a[have_tr[a]], b[have_tr[b]]
                lr = _minilm_head(head, C, seed).fit(Etr[a], ytr[a])
                oof[b] = lr.predict_proba(Etr[b])[:, 1]
            acc = np.mean((oof[have_tr] > .5) == ytr[have_tr])
            log(f"{store.name} {'C' if head == 'lr' else 'weight decay'}={C}: oof accuracy {acc:.4f}")
            if best is None or acc > best[0]:
                best = (acc, C, oof)
        store.oof = best[2]
        lr = _minilm_head(head, best[1], seed).fit(Etr[have_tr], ytr[have_tr])
        store.test = np.full(len(yte), np.nan)
        if have_te.any():
            store.test[have_te] = lr.predict_proba(Ete[have_te])[:, 1]
    store.meta.update(head=head, C=best[1], heads_wall_s=round(t.wall, 1), heads_cpu_s=round(t.cpu, 1),
                      folds_done=list(range(len(splits))))
    store.save()
    log(f"{store.name} ({best[1]}) test accuracy {np.mean((store.test[have_te] > .5) == yte[have_te]):.4f} "
        f"on {have_te.sum()} test rows")


def run_pv(texts, y, train, test, splits, store: Store, log, *, seed: int, epochs: int = 15,
           transductive: bool = False, sample: float = 1e-4) -> None:
    """Paragraph vectors (Le & Mikolov 2014, gensim's Doc2Vec) + logistic regression. gensim is optional:
    not a fuselearn dependency. Tokens: NBSVMClassifier's "punct" tokeniser (lower-cased, tags stripped).

    - ``transductive=False`` (member ``pv``): PV-DBOW with skip-gram word training (Mesnil et al.'s
      settings: 100 dimensions, window 10, negative 5, sample 1e-4) learned on the training texts only,
      every review's vector then inferred by the same model. Its out-of-fold accuracy overstates it: the
      training reviews' vectors come from a model that was trained on them (in-sample), the test
      reviews' do not, and the stacker trusts it accordingly.
    - ``transductive=True`` (member ``pv_dbow``): pure PV-DBOW (no word training, 5-10x cheaper) learned on
      the texts of all 50,000 reviews, training and test, **without their labels**, as Le & Mikolov and
      Mesnil et al. (whose 92.57 ensemble this is part of) did; training and test vectors are then learned
      the same way. Labels of the test reviews are never read.
    """
    import re

    from gensim.models.doc2vec import Doc2Vec, TaggedDocument

    from fuselearn.estimators._nbsvm import _TAG, TOKEN_PATTERNS

    pattern = re.compile(TOKEN_PATTERNS["punct"])

    def tokens(t):
        return pattern.findall(_TAG.sub(" ", t).lower())

    rows = np.r_[train, test] if transductive else train
    with Timer() as t:
        docs = [TaggedDocument(tokens(texts[r]), [i]) for i, r in enumerate(rows)]
        model = Doc2Vec(vector_size=100, dm=0, dbow_words=0 if transductive else 1, window=10, negative=5, hs=0,
                        sample=sample, min_count=2, epochs=epochs, workers=1, seed=seed)
        model.build_vocab(docs)
        model.train(docs, total_examples=len(docs), epochs=model.epochs)
    store.meta.update(train_wall_s=round(t.wall, 1), train_cpu_s=round(t.cpu, 1), epochs=epochs,
                      transductive=transductive, sample=sample)
    log(f"{store.name}: Doc2Vec trained in {t.wall:.0f}s wall / {t.cpu:.0f}s CPU")
    with Timer() as t:
        if transductive:
            vectors = np.vstack([model.dv[i] for i in range(len(rows))]).astype(np.float32)
            Etr, Ete = vectors[: len(train)], vectors[len(train):]
        else:
            Etr = np.vstack([model.infer_vector(d.words) for d in docs]).astype(np.float32)
            Ete = np.vstack([model.infer_vector(tokens(x)) for x in texts[test]]).astype(np.float32)
    store.meta.update(infer_wall_s=round(t.wall, 1), infer_cpu_s=round(t.cpu, 1))
    log(f"{store.name}: vectors inferred in {t.wall:.0f}s wall / {t.cpu:.0f}s CPU")
    ones_tr, ones_te = np.ones(len(train), bool), np.ones(len(test), bool)
    _cross_fit_head(Etr, Ete, y[train], y[test], ones_tr, ones_te, splits, store, log, head="lr", seed=seed)


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


COMBINERS = ("stacking", "stacking_logit", "weighted")


def _logit(p):
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


def _combiner(method: str, meta: str = "cv"):
    """FusionClassifier's combiners (``fuselearn.estimators._combiners``) as the benchmark uses them.

    - ``stacking``: StackingCombiner, logistic regression on the members' probabilities; its C is chosen
      by 5-fold CV on the out-of-fold rows (``meta="cv"``) or FusionClassifier's default C 1
      (``meta="default"``). The NBSVM probability has a small spread, so C 1 shrinks its weight.
    - ``stacking_logit``: the same meta-learner on the members' logits (a member's confident rows no longer
      squashed against 0 and 1);
    - ``weighted``: Caruana et al.'s greedy ensemble selection on out-of-fold log-loss (WeightedCombiner).
    """
    from sklearn.linear_model import LogisticRegression, LogisticRegressionCV
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer

    from fuselearn.estimators._combiners import get_combiner

    if method == "weighted":
        return get_combiner("weighted", "classification")
    lr = (LogisticRegression(max_iter=1000) if meta == "default"
          else LogisticRegressionCV(Cs=np.logspace(-2, 4, 7), cv=5, max_iter=2000, scoring="accuracy",
                                    l1_ratios=(0.0,), use_legacy_attributes=False))
    if method == "stacking_logit":
        lr = make_pipeline(FunctionTransformer(_logit), lr)
    return get_combiner("stacking", "classification", meta_learner=lr)


def _outputs(stores, combo, rows, part: str) -> np.ndarray:
    """``(n_members, n_rows, 2)`` probabilities, the combiners' input."""
    return np.stack([np.c_[1 - getattr(stores[n], part)[rows], getattr(stores[n], part)[rows]] for n in combo])


def _fit_combine(method, stores, combo, ytr, rows_tr, rows_te, seed, meta="cv"):
    comb = _combiner(method, meta).fit(_outputs(stores, combo, rows_tr, "oof"), ytr[rows_tr], random_state=seed)
    return comb.combine(_outputs(stores, combo, rows_te, "test")), comb


def _inner_choice(stores, combo, ytr, rows_tr, seed) -> tuple[str, dict]:
    """The combiner with the best accuracy over 5 inner folds of the out-of-fold rows (test rows unseen)."""
    from sklearn.model_selection import StratifiedKFold

    idx = np.flatnonzero(rows_tr)
    oof = _outputs(stores, combo, rows_tr, "oof")
    scores = {}
    for method in COMBINERS:
        right = 0
        for a, b in StratifiedKFold(5, shuffle=True, random_state=seed).split(idx, ytr[idx]):
            comb = _combiner(method).fit(oof[:, a], ytr[idx[a]], random_state=seed)
            right += int(np.sum(comb.combine(oof[:, b]).argmax(axis=1) == ytr[idx[b]]))
        scores[method] = round(100 * right / len(idx), 3)
    return max(scores, key=scores.get), scores


CORE = ("nbsvm", "minilm", "cnn1d")  # the three: NB-weighted n-grams, frozen MiniLM, a trained network


def fusion_sets(names: list[str]) -> list[tuple[str, ...]]:
    """The member sets fused: every set of two or more of the first three members named (or of ``CORE``
    where all of it is there), each other member paired with the first, and all members together (the
    headline). Each set costs a few LogisticRegressionCV fits per combiner, so not every subset of five."""
    core = [n for n in CORE if n in names] if all(n in names for n in CORE) else names[:3]
    sets = [c for r in range(2, len(core) + 1) for c in itertools.combinations(core, r)]
    sets += [(names[0], n) for n in names if n not in core]
    if len(names) > len(core):
        sets.append(tuple(names))
    return sets


def fuse(y, train, test, stores: dict[str, Store], seed: int, names: list[str]) -> dict:
    """Each member alone; every member set of two or more members under every combiner; McNemar.

    Each member alone is scored two ways: its own prediction (probability > 0.5) and "calibrated", a
    one-member stack (logistic regression on its out-of-fold probability, i.e. Platt scaling fitted by
    cross-fitting). The best single member is the best of both variants on the test rows (a conservative
    baseline for the fusion). Every member set is fused by each combiner of ``COMBINERS`` and by the one
    the inner folds choose (``chosen``: 5-fold CV over the out-of-fold rows); McNemar's test compares the
    chosen fusion with the best member of its set. The headline fusion, fixed before any test score was
    seen, is the set of all members with the inner-chosen combiner.
    """
    from fuselearn.evaluate.stats import mcnemar

    ytr, yte = y[train], y[test]
    members, alone = {}, {}
    for n in names:
        s = stores[n]
        ok, ok_tr = ~np.isnan(s.test), ~np.isnan(s.oof)
        raw = (s.test > .5).astype(int)
        cal = np.full(len(test), -1)
        if ok_tr.any() and ok.any():
            proba, _ = _fit_combine("stacking", stores, (n,), ytr, ok_tr, ok, seed)
            cal[ok] = proba.argmax(axis=1)
        alone[n] = {"raw": raw, "calibrated": cal}
        members[n] = {"test_accuracy": round(100 * float(np.mean(raw[ok] == yte[ok])), 2),
                      "test_accuracy_calibrated": round(100 * float(np.mean(cal[ok] == yte[ok])), 2),
                      "oof_accuracy": round(100 * float(np.mean((s.oof[ok_tr] > .5) == ytr[ok_tr])), 2),
                      "n_test": int(ok.sum()), "n_train_oof": int(ok_tr.sum()),
                      **{k: v for k, v in s.meta.items() if k not in ("folds_done",)}}
    fusions = []
    for combo in fusion_sets(names):
        rows_tr = np.all([~np.isnan(stores[n].oof) for n in combo], axis=0)
        rows_te = np.all([~np.isnan(stores[n].test) for n in combo], axis=0)
        yt = yte[rows_te]
        with Timer() as t:
            chosen, inner = _inner_choice(stores, combo, ytr, rows_tr, seed)
        accs_by_method, preds_by_method = {}, {}
        for method in COMBINERS:
            proba, _ = _fit_combine(method, stores, combo, ytr, rows_tr, rows_te, seed)
            preds_by_method[method] = proba.argmax(axis=1)
            accs_by_method[method] = round(100 * float(np.mean(preds_by_method[method] == yt)), 2)
        default_proba, _ = _fit_combine("stacking", stores, combo, ytr, rows_tr, rows_te, seed, meta="default")
        pred = preds_by_method[chosen]
        accs, preds = {}, {}
        for n in combo:
            for variant, p in alone[n].items():
                acc = float(np.mean(p[rows_te] == yt))
                if n not in accs or acc > accs[n]:
                    accs[n], preds[n] = acc, (variant, p[rows_te])
        best = max(accs, key=accs.get)
        test_ = mcnemar(yt, pred, preds[best][1])
        fusions.append({
            "members": list(combo), "method": f"chosen on inner folds: {chosen}",
            "test_accuracy": round(100 * float(np.mean(pred == yt)), 2),
            "test_accuracy_by_combiner": accs_by_method,
            "inner_cv_accuracy_by_combiner": inner,
            "test_accuracy_stacking_default_meta": round(100 * float(np.mean(default_proba.argmax(axis=1) == yt)), 2),
            "members_test_accuracy_same_rows": {n: round(100 * a, 2) for n, a in accs.items()},
            "members_variant": {n: preds[n][0] for n in combo},
            "best_member": best, "gain_over_best": round(100 * (float(np.mean(pred == yt)) - accs[best]), 2),
            "mcnemar_vs_best": {"statistic": round(test_.statistic, 3), "p_value": float(f"{test_.p_value:.3g}"),
                                "fusion_right_best_wrong": test_.n01, "fusion_wrong_best_right": test_.n10},
            "n_train_rows": int(rows_tr.sum()), "n_test_rows": int(rows_te.sum()),
            "choose_wall_s": round(t.wall, 2),
        })
    # the member set and combiner the inner folds prefer over all sets (training rows only): a selection
    # that never looks at the test rows, unlike picking the best row of the table afterwards
    best_inner = max(fusions, key=lambda f: max(f["inner_cv_accuracy_by_combiner"].values()))
    selected = {"members": best_inner["members"], "method": best_inner["method"],
                "inner_cv_accuracy": max(best_inner["inner_cv_accuracy_by_combiner"].values()),
                "test_accuracy": best_inner["test_accuracy"], "mcnemar_vs_best": best_inner["mcnemar_vs_best"],
                "best_member": best_inner["best_member"], "gain_over_best": best_inner["gain_over_best"]}
    return {"members": members, "fusions": fusions, "selected_on_inner_folds": selected}


# --- the markdown table -----------------------------------------------------------------------------


def table(path: Path) -> str:
    """The docs' results tables from a summary JSON."""
    r = json.loads(path.read_text())
    lines = [f"Protocol: {r['protocol']}; {r['n_train']} training / {r['n_test']} test reviews.", "",
             "| member alone | test accuracy %, own threshold | calibrated (Platt by cross-fitting) | out-of-fold % |",
             "|---|---:|---:|---:|"]
    for name, m in r["members"].items():
        lines.append(f"| {name} | {m['test_accuracy']:.2f} | {m['test_accuracy_calibrated']:.2f} | "
                     f"{m['oof_accuracy']:.2f} |")
    lines += ["", ("| fusion (members) | combiner chosen on inner folds (inner-fold %) | test % | stacking | "
                   "stacking on logits | weighted (Caruana) | best member (same rows) | vs best member: gain, "
                   "McNemar p (rows only the fusion / only the member gets right) |"),
              "|---|---|---:|---:|---:|---:|---|---|"]
    for f in sorted(r["fusions"], key=lambda f: -f["test_accuracy"]):
        by = f["test_accuracy_by_combiner"]
        mc = f["mcnemar_vs_best"]
        chosen = f["method"].split(": ")[-1]
        inner = f["inner_cv_accuracy_by_combiner"][chosen]
        lines.append(f"| {' + '.join(f['members'])} | {chosen} ({inner:.2f}) | **{f['test_accuracy']:.2f}** | {by['stacking']:.2f} | "
                     f"{by['stacking_logit']:.2f} | {by['weighted']:.2f} | {f['best_member']} "
                     f"{f['members_test_accuracy_same_rows'][f['best_member']]:.2f} | {f['gain_over_best']:+.2f}, "
                     f"p = {mc['p_value']:.3g} ({mc['fusion_right_best_wrong']} / {mc['fusion_wrong_best_right']}) |")
    sel = r.get("selected_on_inner_folds")
    if sel:
        mc = sel["mcnemar_vs_best"]
        lines += ["", (f"Selected on the inner folds over all sets (training rows only): "
                       f"**{' + '.join(sel['members'])}**, {sel['method'].split(': ')[-1]}, inner-fold "
                       f"{sel['inner_cv_accuracy']:.2f} %, test **{sel['test_accuracy']:.2f} %**, "
                       f"{sel['gain_over_best']:+.2f} over {sel['best_member']} (McNemar p = {mc['p_value']:.3g}).")]
    lines += ["", "| anchor | test accuracy % |", "|---|---:|"]
    for name, acc in r["anchors"].items():
        lines.append(f"| {name} | {acc:.2f} |")
    lines.append(f"| goal | >= {r['goal']:.1f} |")
    return "\n".join(lines)


# --- main ------------------------------------------------------------------------------------------


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="IMDb: NBSVM + MiniLM + cnn1d, fused on cross-fitted probabilities.")
    parser.add_argument("--members", default="", help=f"comma-separated members to compute ({', '.join(MEMBERS)}, all)")
    parser.add_argument("--fuse", action="store_true", help="fuse the members computed so far and write the summary")
    parser.add_argument("--fuse-members", default=None,
                        help="comma-separated members to fuse (default: every member with stored probabilities)")
    parser.add_argument("--tokenizers", action="store_true",
                        help="the NBSVM tokeniser study (fit on all training reviews per token pattern)")
    parser.add_argument("--quick", type=int, default=None, help="N training and N test rows (stratified sample)")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--max-length", type=int, default=128, help="MiniLM tokens per review")
    parser.add_argument("--cache", default="default",
                        help="TextEmbedder cache folder ('default': TextEmbedder(cache=True)'s; 'none': off)")
    parser.add_argument("--cnn-epochs", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1, help="torch threads (1 on a shared CPU)")
    parser.add_argument("--work", default=None,
                        help="folder for the per-row probabilities (default: benchmarks/results/imdb_members)")
    parser.add_argument("--embed-pass", default=str(RESULTS / "imdb_embed_pass.json"))
    parser.add_argument("--out", default=None)
    parser.add_argument("--table", action="store_true", help="print the markdown tables of --out (or the default)")
    args = parser.parse_args(argv)
    if args.table:
        print(table(Path(args.out) if args.out else RESULTS / "imdb_case_study.json"))
        return 0

    import torch

    torch.set_num_threads(args.threads)
    tag = f"quick{args.quick}" if args.quick else "full"
    work = (Path(args.work) if args.work else RESULTS / "imdb_members") / f"{tag}-seed{args.seed}"
    out = Path(args.out) if args.out else RESULTS / (
        "imdb_case_study.json" if not args.quick else f"imdb_case_study_quick{args.quick}.json")
    cache = {"default": True, "none": None}.get(args.cache, args.cache)
    work.mkdir(parents=True, exist_ok=True)
    logf = Path(os.environ.get("TMPDIR", "/tmp")) / f"imdb_case_study-{tag}-seed{args.seed}.log"

    def log(msg: str) -> None:
        line = f"{time.strftime('%H:%M:%S')} {msg}"
        print(line, flush=True)
        with open(logf, "a") as fh:
            fh.write(line + "\n")

    texts, y, train, test = load(args.quick, args.seed)
    if args.tokenizers:
        tokenizer_study(texts, y, train, test, log, RESULTS / f"imdb_nbsvm_tokenizers_{tag}.json", args.seed, work)
    splits = folds(y[train], args.folds, args.seed)
    if args.members == "all":  # the paragraph-vector members only where the optional gensim is installed
        import importlib.util

        has_gensim = importlib.util.find_spec("gensim") is not None
        wanted = [m for m in MEMBERS if MEMBERS[m][0] != "pv" or has_gensim]
    else:
        wanted = [m for m in args.members.split(",") if m]
    for m in wanted:
        if m not in MEMBERS:
            parser.error(f"unknown member {m!r}; choose from {', '.join(MEMBERS)} or 'all'")
        kind, options = MEMBERS[m]
        store = Store(work, m, len(train), len(test), args.folds)
        with Timer() as t:
            if kind == "nbsvm":
                run_nbsvm(texts, y, train, test, splits, store, log, seed=args.seed, **options)
            elif kind == "minilm":
                run_minilm(texts, y, train, test, splits, store, log, max_length=args.max_length, cache=cache,
                           quick=bool(args.quick), seed=args.seed, **options)
            elif kind == "pv":
                run_pv(texts, y, train, test, splits, store, log, seed=args.seed, **options)
            else:
                run_cnn1d(texts, y, train, test, splits, store, log, epochs=args.cnn_epochs, seed=args.seed)
        runs = store.meta.setdefault("runs", [])
        runs.append({"wall_s": round(t.wall, 1), "cpu_s": round(t.cpu, 1), "at": time.strftime("%Y-%m-%dT%H:%M:%S")})
        store.save()
        log(f"{m}: this call {t.wall:.0f}s wall / {t.cpu:.0f}s CPU")
    if args.fuse:
        names = ([m for m in args.fuse_members.split(",") if m] if args.fuse_members
                 else [m for m in MEMBERS if (work / f"{m}.npz").exists()])
        for m in names:
            if not (work / f"{m}.npz").exists():
                parser.error(f"member {m!r} has no stored probabilities under {work}; compute it with --members {m}")
        stores = {m: Store(work, m, len(train), len(test), args.folds) for m in names}
        result = fuse(y, train, test, stores, args.seed, names)
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
            log(f"fusion {'+'.join(f['members'])} ({f['method']}): {f['test_accuracy']:.2f} on {f['n_test_rows']} "
                f"rows (best member {f['best_member']} {f['members_test_accuracy_same_rows'][f['best_member']]:.2f}, "
                f"McNemar p={f['mcnemar_vs_best']['p_value']})")
        log(f"summary written to {out}")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    raise SystemExit(main())
