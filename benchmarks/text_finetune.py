"""Frozen vs fine-tuned MiniLM (``TextEmbedder(fine_tune=...)``) + logistic regression on an IMDb subset, on CPU.

Fine-tuning all-MiniLM-L6-v2 on CPU is slow, so this measures a subset of the official split and
extrapolates the full split's cost from the measured throughput:

1. ``frozen`` (run last, so a run cut short has the fine-tuning numbers first):
   ``TextEmbedder(max_length=L)`` embeds the training and test subsets; a
   ``LogisticRegression`` is fitted on the training embeddings and scored on the test subset.
2. ``fine_tuned``: ``TextEmbedder(fine_tune=E, max_length=L, lr=..., random_state=seed)`` is fitted on
   the training subset (the encoder and a linear head trained together), then embeds both subsets; a
   ``LogisticRegression`` is fitted on its training embeddings and scored on the test subset. The
   fine-tuned head's own test accuracy is recorded as well.

The subsets are drawn at random (``--seed``) from the 25,000 training and 25,000 test reviews. Wall and
CPU seconds of every stage are recorded; the result JSON is rewritten after each stage (a run cut
short still leaves numbers) in ``benchmarks/results/text_finetune/<name>.json``.

Usage::

    FUSELEARN_DATA=/path/to/datasets PYTHONPATH=src OMP_NUM_THREADS=1 nice -n 10 \
        python benchmarks/text_finetune.py --n-train 1000 --n-test 1000 --max-length 128 --epochs 1
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import time
from pathlib import Path

import numpy as np
import torch
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score

from fuselearn.data import load_imdb_reviews
from fuselearn.extract import TextEmbedder
from fuselearn.nn import predict_module

OUT = Path(__file__).parent / "results" / "text_finetune"
FULL_TRAIN = FULL_TEST = 25_000


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


class _Clock:
    """Wall and CPU seconds of a block."""

    def __enter__(self):
        self.w0, self.c0 = time.perf_counter(), _cpu()
        return self

    def __exit__(self, *exc):
        self.wall, self.cpu = time.perf_counter() - self.w0, _cpu() - self.c0
        return False


def _subset(part: str, n: int, seed: int):
    ds = load_imdb_reviews(subset=part)
    X, y = np.asarray(ds.inputs["text"], dtype=object), np.asarray(ds.target)
    idx = np.sort(np.random.default_rng(seed).permutation(len(X))[:n])
    return X[idx], y[idx]


def _logreg(E_train, y_train, E_test, y_test) -> float:
    clf = LogisticRegression(C=1.0, max_iter=5000).fit(E_train, y_train)
    return float(accuracy_score(y_test, clf.predict(E_test)))


def run(args) -> dict:
    torch.set_num_threads(args.threads)
    X_train, y_train = _subset("train", args.n_train, args.seed)
    X_test, y_test = _subset("test", args.n_test, args.seed + 1)
    name = args.name or f"minilm_{args.n_train}_L{args.max_length}_e{args.epochs}"
    path = OUT / f"{name}.json"
    result = {
        "name": name, "n_train": len(X_train), "n_test": len(X_test), "max_length": args.max_length,
        "epochs": args.epochs, "lr": args.lr, "batch_size": args.batch_size, "seed": args.seed,
        "threads": args.threads, "torch": torch.__version__,
        "machine": f"{platform.machine()}, {os.cpu_count()} logical CPUs (shared)",
        "stages": {},
    }

    def save(stage: str, **values) -> None:
        result["stages"][stage] = {k: (round(v, 4) if isinstance(v, float) else v) for k, v in values.items()}
        OUT.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(result, indent=1) + "\n")
        print(stage, json.dumps(result["stages"][stage]), flush=True)

    tuned = TextEmbedder(fine_tune=args.epochs, max_length=args.max_length, batch_size=args.batch_size,
                         lr=args.lr, random_state=args.seed)
    with _Clock() as c_fit:
        tuned.fit(X_train, y_train)
    save("fine_tune_fit", fit_wall_s=c_fit.wall, fit_cpu_s=c_fit.cpu,
         train_texts_per_cpu_s=args.epochs * len(X_train) / c_fit.cpu, train_loss=tuned.history_.train_loss)
    net = tuned.module_
    with _Clock() as c_te:  # what transform computes, keeping the raw vectors for the head (one pass)
        raw = predict_module(net, net.trunk.tokenize(X_test, args.max_length), batch_size=args.batch_size,
                             method="embed")
        E_te = torch.nn.functional.normalize(raw, dim=1).numpy()
    with torch.no_grad():
        logits = net.head(raw)
    head_acc = float(accuracy_score(y_test, tuned.classes_[logits.argmax(1).numpy()]))
    with _Clock() as c_tr:
        E_tr = tuned.transform(X_train)
    save("fine_tuned", accuracy=_logreg(E_tr, y_train, E_te, y_test), head_accuracy=head_acc,
         embed_wall_s=c_tr.wall + c_te.wall, embed_cpu_s=c_tr.cpu + c_te.cpu,
         embed_texts_per_cpu_s=(len(X_train) + len(X_test)) / (c_tr.cpu + c_te.cpu))

    # The full split's cost from the measured CPU throughput (one core, unshared).
    train_rate = result["stages"]["fine_tune_fit"]["train_texts_per_cpu_s"]
    embed_rate = result["stages"]["fine_tuned"]["embed_texts_per_cpu_s"]
    save("full_split_estimate",
         fine_tune_cpu_s_per_epoch=FULL_TRAIN / train_rate,
         embed_train_and_test_cpu_s=(FULL_TRAIN + FULL_TEST) / embed_rate,
         total_cpu_min_one_epoch=(FULL_TRAIN / train_rate + (FULL_TRAIN + FULL_TEST) / embed_rate) / 60)
    if not args.skip_frozen:
        frozen = TextEmbedder(max_length=args.max_length, batch_size=args.batch_size).fit()
        with _Clock() as c_tr:
            E_tr = frozen.transform(X_train)
        with _Clock() as c_te:
            E_te = frozen.transform(X_test)
        save("frozen", accuracy=_logreg(E_tr, y_train, E_te, y_test), embed_wall_s=c_tr.wall + c_te.wall,
             embed_cpu_s=c_tr.cpu + c_te.cpu,
             embed_texts_per_cpu_s=(len(X_train) + len(X_test)) / (c_tr.cpu + c_te.cpu))

    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n-train", type=int, default=1000)
    parser.add_argument("--n-test", type=int, default=1000)
    parser.add_argument("--max-length", type=int, default=128)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--lr", type=float, default=5e-5)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--skip-frozen", action="store_true")
    parser.add_argument("--name", default=None, help="result file name (default from the settings)")
    run(parser.parse_args())


if __name__ == "__main__":
    main()
