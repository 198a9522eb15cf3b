"""TextEmbedder against a direct sentence-transformers ``encode`` on the same reviews, and a cache hit.

Targets (issue "Data and extractors", section 4): throughput >= 0.9x direct ``encode``; a cache hit
>= 50x faster than computing. Issue 12 item 6: a cross-validated pipeline with ``cache=`` embeds each
row once, not once per fold (``--cv`` folds, timed with and without the cache, rows embedded counted).
Texts: the first ``--n`` women's clothing reviews (Title + Review Text).

Run: PYTHONPATH=src .venv/bin/python benchmarks/text_embedder_throughput.py [--n 256] [--repeats 3] [--cv 5]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import time

import numpy as np
import torch

from fuselearn.data import load_womens_clothing_reviews
from fuselearn.extract import TextEmbedder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", default=os.environ.get("FUSELEARN_DATA"),
                        required=not os.environ.get("FUSELEARN_DATA"),
                        help="the datasets folder (default: $FUSELEARN_DATA)")
    parser.add_argument("--n", type=int, default=256)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--cv", type=int, default=5, help="folds of the cross-validation comparison (0: skip)")
    args = parser.parse_args()
    dataset = load_womens_clothing_reviews(args.data_dir, drop_leaky=True)
    df = dataset.inputs["table"]
    y = np.asarray(dataset.y)[: args.n]
    texts = (df["Title"].fillna("") + " " + df["Review Text"].fillna("")).str.strip().tolist()[: args.n]

    emb = TextEmbedder(batch_size=args.batch_size, max_length=256).fit(texts[:2])
    model = emb.model_
    model.max_seq_length = 256

    def direct():
        return model.encode(texts, batch_size=args.batch_size, normalize_embeddings=True,
                            convert_to_numpy=True, show_progress_bar=False)

    def ours():
        return emb.transform(texts)

    ours(), direct()  # warm-up
    t_direct, t_ours = [], []
    for _ in range(args.repeats):  # interleaved, so drifts in machine load hit both alike
        for fn, acc in ((direct, t_direct), (ours, t_ours)):
            start = time.perf_counter()
            fn()
            acc.append(time.perf_counter() - start)
    np.testing.assert_allclose(ours(), direct(), atol=1e-5)
    d, o = statistics.median(t_direct), statistics.median(t_ours)
    print(f"cores {os.cpu_count()}, torch threads {torch.get_num_threads()}, python {platform.python_version()}")
    print(f"{args.n} reviews, batch {args.batch_size}, max 256 tokens")
    print(f"direct encode : {args.n / d:6.1f} texts/s (median {d:.2f} s of {args.repeats})")
    print(f"TextEmbedder  : {args.n / o:6.1f} texts/s (median {o:.2f} s)  ratio {d / o:.3f}x (target >= 0.9)")

    with tempfile.TemporaryDirectory() as folder:
        cached = TextEmbedder(batch_size=args.batch_size, max_length=256, cache=folder)
        start = time.perf_counter()
        first = cached.fit_transform(texts)
        miss = time.perf_counter() - start
        hits = []
        for _ in range(args.repeats):
            start = time.perf_counter()
            again = TextEmbedder(batch_size=args.batch_size, max_length=256, cache=folder).fit_transform(texts)
            hits.append(time.perf_counter() - start)
        np.testing.assert_array_equal(first, again)
        hit = statistics.median(hits)
        print(f"cache miss (compute + write): {miss:.2f} s; cache hit (new embedder, fit_transform): "
              f"{hit * 1000:.1f} ms  speed-up {miss / hit:.0f}x (target >= 50)")

    if args.cv:
        cross_validated(texts, y, args)


def cross_validated(texts, y, args) -> None:
    """A ``cv``-fold pipeline (TextEmbedder -> logistic regression), with and without ``cache=``."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_score
    from sklearn.pipeline import make_pipeline

    embedded = []
    encode = TextEmbedder._encode

    def counting(self, rows):
        embedded.append(len(rows))
        return encode(self, rows)

    TextEmbedder._encode = counting
    folds = StratifiedKFold(args.cv, shuffle=True, random_state=0)
    results = {}
    with tempfile.TemporaryDirectory() as folder:
        for label, cache in (("no cache", None), ("cache=", folder)):
            embedded.clear()
            pipe = make_pipeline(TextEmbedder(batch_size=args.batch_size, max_length=256, cache=cache),
                                 LogisticRegression(max_iter=1000))
            start = time.perf_counter()
            scores = cross_val_score(pipe, np.asarray(texts, dtype=object), y, cv=folds)
            results[label] = (time.perf_counter() - start, sum(embedded), scores)
    TextEmbedder._encode = encode
    np.testing.assert_allclose(results["no cache"][2], results["cache="][2], atol=1e-6)
    for label, (seconds, rows, scores) in results.items():
        print(f"{args.cv}-fold pipeline, {label:8s}: {seconds:6.2f} s, {rows} texts embedded "
              f"({rows / len(texts):.1f} per review), accuracy {scores.mean():.4f}")


if __name__ == "__main__":
    main()
