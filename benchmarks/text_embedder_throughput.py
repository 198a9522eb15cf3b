"""TextEmbedder against a direct sentence-transformers ``encode`` on the same reviews, and a cache hit.

Targets (issue "Data and extractors", section 4): throughput >= 0.9x direct ``encode``; a cache hit
>= 50x faster than computing. Texts: the first ``--n`` women's clothing reviews (Title + Review Text).

Run: PYTHONPATH=src .venv/bin/python benchmarks/text_embedder_throughput.py [--n 256] [--repeats 3]
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
    args = parser.parse_args()
    df = load_womens_clothing_reviews(args.data_dir, drop_leaky=True).inputs["table"]
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


if __name__ == "__main__":
    main()
