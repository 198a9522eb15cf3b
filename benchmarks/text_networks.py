"""Text networks trained from raw IMDb reviews on CPU: TextVectorizer + NeuralClassifier(module=...).

The full official split (25,000 train / 25,000 test reviews). Each network is one
``Pipeline(TextVectorizer, NeuralClassifier(module=name))`` fitted on the 25,000 training reviews (10 %
of them held out inside the estimator for early stopping) and scored once on the 25,000 test reviews.
Wall and CPU time of fit and of predict are recorded; results go to
``benchmarks/results/text_networks/<network>.json``.

Usage (each network its own process; torch threads as given)::

    FUSELEARN_DATA=/path/to/datasets PYTHONPATH=src nice -n 10 \
        python benchmarks/text_networks.py --network cnn1d --threads 1

Networks (recipes in ``RECIPES``): ``cnn1d`` (Kim 2014 text CNN), ``rnn`` (FusionRNN, GRU),
``transformer`` (FusionTransformer, pre-norm encoder; ``transformer_192`` is its first, shorter try);
``cnn1d_400``: ``cnn1d`` reading the first 400 tokens instead of 256. Each epoch's losses are written to
``benchmarks/results/text_networks/<network>.epochs.json`` as training goes.
Use ``--threads 1`` on a shared machine: with 2 threads on an oversubscribed CPU every parallel region
waits for the descheduled thread (a 2-thread cnn1d run used 10 CPU-minutes without finishing).
``--max-train N`` uses the first N training reviews of a shuffled order (a quick check; the reported
numbers use the full split).
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
from sklearn.metrics import accuracy_score
from sklearn.pipeline import Pipeline

from fuselearn import NeuralClassifier
from fuselearn.data import load_imdb_reviews
from fuselearn.extract import TextVectorizer

OUT = Path(__file__).parent / "results" / "text_networks"

# One recipe per network, chosen for a 2-core CPU (time, not accuracy, is the binding constraint).
RECIPES = {
    "cnn1d": {
        "vectorizer": {"max_length": 256, "max_features": 30000, "min_df": 2},
        "module_params": {"embed_dim": 64, "widths": (3, 4, 5), "n_filters": 48, "pooling": "max_mean",
                          "dropout": 0.5},
        "train": {"max_epochs": 6, "batch_size": 64, "lr": 2e-3, "weight_decay": 1e-4, "patience": 1},
    },
    # issue 10's one lever toward 88 %: the first 400 tokens instead of 256 (30 % of the training reviews
    # are longer than 256 tokens; the Keras IMDb CNN example reads 400), everything else as "cnn1d"
    "cnn1d_400": {
        "module": "cnn1d",
        "vectorizer": {"max_length": 400, "max_features": 30000, "min_df": 2},
        "module_params": {"embed_dim": 64, "widths": (3, 4, 5), "n_filters": 48, "pooling": "max_mean",
                          "dropout": 0.5},
        "train": {"max_epochs": 6, "batch_size": 64, "lr": 2e-3, "weight_decay": 1e-4, "patience": 1},
    },
    "rnn": {
        "vectorizer": {"max_length": 200, "max_features": 25000, "min_df": 2},
        "module_params": {"embed_dim": 64, "hidden_size": 64, "num_layers": 1, "cell": "gru",
                          "bidirectional": False, "pooling": "max", "fusion": "concat", "fusion_dim": 128,
                          "dropout": 0.3},
        "train": {"max_epochs": 2, "batch_size": 64, "lr": 2e-3, "weight_decay": 1e-4, "patience": 1},
    },
    "transformer": {
        "vectorizer": {"max_length": 256, "max_features": 25000, "min_df": 2, "truncation": "pre"},
        "module_params": {"d_model": 32, "nhead": 2, "num_layers": 2, "dim_feedforward": 64, "max_length": 256,
                          "pooling": "mean", "fusion": "aff", "fusion_dim": 32, "dropout": 0.2},
        "train": {"max_epochs": 2, "batch_size": 64, "lr": 2e-3, "weight_decay": 0.05, "patience": 1},
    },
    # the first transformer run: first 192 tokens, dropout 0.1 (85.25 %; overfit after epoch 1)
    "transformer_192": {
        "module": "transformer",
        "vectorizer": {"max_length": 192, "max_features": 25000, "min_df": 2},
        "module_params": {"d_model": 32, "nhead": 2, "num_layers": 2, "dim_feedforward": 64, "max_length": 192,
                          "pooling": "mean", "fusion": "aff", "fusion_dim": 32, "dropout": 0.1},
        "train": {"max_epochs": 3, "batch_size": 64, "lr": 2e-3, "weight_decay": 1e-2, "patience": 1},
    },
}


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _log_epochs(path: Path) -> None:
    """Write each epoch's losses to ``path`` as training goes (a run cut short still leaves numbers).

    ``train_module`` has no callback hook; it fills a ``History``, so the one it builds is swapped here
    for one whose loss lists write the file on every append.
    """
    from fuselearn.nn import _training

    t0 = time.perf_counter()

    class _Losses(list):
        def append(self, value):
            super().append(value)
            history = _Logged.current
            losses = {"train_loss": list(history.train_loss), "valid_loss": list(history.valid_loss)}
            path.write_text(json.dumps({**losses, "wall_s": round(time.perf_counter() - t0, 1),
                                        "cpu_s": round(_cpu(), 1)}) + "\n")

    class _Logged(_training.History):
        current = None

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.train_loss, self.valid_loss = _Losses(), _Losses()
            _Logged.current = self

    _training.History = _Logged


def run(network: str, *, threads: int, max_train: int | None, seed: int, epochs: int | None) -> dict:
    torch.set_num_threads(threads)
    OUT.mkdir(parents=True, exist_ok=True)
    _log_epochs(OUT / f"{network}.epochs.json")
    recipe = RECIPES[network]
    train = load_imdb_reviews(subset="train")
    test = load_imdb_reviews(subset="test")
    X_train, y_train = np.asarray(train.inputs["text"], dtype=object), np.asarray(train.target)
    X_test, y_test = np.asarray(test.inputs["text"], dtype=object), np.asarray(test.target)
    if max_train:
        idx = np.random.default_rng(seed).permutation(len(X_train))[:max_train]
        X_train, y_train = X_train[idx], y_train[idx]
    train_params = dict(recipe["train"])
    if epochs is not None:
        train_params["max_epochs"] = epochs
    pipe = Pipeline([
        ("ids", TextVectorizer(**recipe["vectorizer"])),
        ("net", NeuralClassifier(module=recipe.get("module", network), module_params=recipe["module_params"],
                                 validation_fraction=0.1, random_state=seed, verbose=0, **train_params)),
    ])
    w0, c0 = time.perf_counter(), _cpu()
    pipe.fit(X_train, y_train)
    fit_wall, fit_cpu = time.perf_counter() - w0, _cpu() - c0
    w0, c0 = time.perf_counter(), _cpu()
    pred = pipe.predict(X_test)
    pred_wall, pred_cpu = time.perf_counter() - w0, _cpu() - c0
    net = pipe.named_steps["net"]
    history = getattr(net, "history_", None)
    result = {
        "network": network,
        "accuracy": float(accuracy_score(y_test, pred)),
        "n_train": len(X_train),
        "n_test": len(X_test),
        "fit_wall_s": round(fit_wall, 1),
        "fit_cpu_s": round(fit_cpu, 1),
        "predict_wall_s": round(pred_wall, 1),
        "predict_cpu_s": round(pred_cpu, 1),
        "epochs_run": getattr(history, "n_epochs", None),
        "best_epoch": None if history is None else history.best_epoch + 1,
        "train_loss": None if history is None else [round(v, 4) for v in history.train_loss],
        "valid_loss": None if history is None else [round(v, 4) for v in history.valid_loss],
        "vocab_size": int(pipe.named_steps["ids"].vocab_size_),
        "truncated_train_texts": int(pipe.named_steps["ids"].n_truncated_),
        "n_parameters": int(sum(p.numel() for p in net.module_.parameters())),
        "recipe": {k: v for k, v in recipe.items() if k != "train"} | {"train": train_params},
        "module": recipe.get("module", network),
        "threads": threads,
        "seed": seed,
        "torch": torch.__version__,
        "machine": f"{platform.machine()}, {os.cpu_count()} logical CPUs (shared)",
    }
    return result


GOALS = {"cnn1d": 0.88, "cnn1d_3epochs": 0.88, "cnn1d_400": 0.88, "rnn": 0.88, "transformer": 0.86, "transformer_192": 0.86}


def table() -> str:
    """The markdown results table of every JSON in the results folder."""
    rows = ["| network | test accuracy | goal | epochs (best) | fit wall / CPU s | predict wall / CPU s | parameters |",
            "|---|---:|---:|---|---:|---:|---:|"]
    for name in ("cnn1d", "cnn1d_3epochs", "cnn1d_400", "rnn", "transformer", "transformer_192"):
        path = OUT / f"{name}.json"
        if not path.exists():
            rows.append(f"| {name} | not run | {GOALS[name]:.0%} | | | | |")
            continue
        r = json.loads(path.read_text())
        verdict = "met" if r["accuracy"] >= GOALS[name] else "missed"
        rows.append(f"| {name} | {100 * r['accuracy']:.2f} % | >= {100 * GOALS[name]:.0f} % ({verdict}) | "
                    f"{r['epochs_run']} ({r['best_epoch']}) | {r['fit_wall_s']:.0f} / {r['fit_cpu_s']:.0f} | "
                    f"{r['predict_wall_s']:.0f} / {r['predict_cpu_s']:.0f} | {r['n_parameters']:,} |")
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--network", choices=sorted(RECIPES))
    parser.add_argument("--table", action="store_true", help="print the results table and stop")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--epochs", type=int, default=None, help="override the recipe's max_epochs")
    parser.add_argument("--max-train", type=int, default=None, help="quick check on a subset")
    args = parser.parse_args()
    if args.table or args.network is None:
        print(table())
        return
    result = run(args.network, threads=args.threads, max_train=args.max_train, seed=args.seed,
                 epochs=args.epochs)
    print(json.dumps(result, indent=1))
    if not args.max_train:
        OUT.mkdir(parents=True, exist_ok=True)
        name = args.network if args.epochs is None else f"{args.network}_{args.epochs}epochs"
        (OUT / f"{name}.json").write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    main()
