"""FusionCNN with AFF on the CIFAR-10 JPEG subset: per-stage attributions (captum) against gate weights.

A small run (CPU): a FusionCNN whose three stages meet in an AFF layer, trained a few epochs on a
subset of the training images; integrated gradients at the fusion inputs per stage and class, next to
AFF's own per-source weights (``last_weights``), on held-out test images.

Run: FUSELEARN_DATA=/path/to/datasets OMP_NUM_THREADS=1 PYTHONPATH=src \
     python benchmarks/evaluate_network_cifar.py --n-train 3000 --epochs 4 --n-explain 200
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import torch

from fuselearn import NeuralClassifier
from fuselearn.data import load_cifar10_images
from fuselearn.evaluate import explain


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n-train", type=int, default=3000)
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--n-explain", type=int, default=200)
    parser.add_argument("--out", default="benchmarks/results/evaluate_network_cifar.json")
    args = parser.parse_args()
    torch.set_num_threads(1)
    ds = load_cifar10_images()
    images = np.asarray(ds.inputs["image"], dtype=np.float32) / 255.0
    y = np.asarray(ds.target)
    rng = np.random.RandomState(0)
    train = rng.choice(ds.split["train"], args.n_train, replace=False)
    test = rng.choice(ds.split["test"], args.n_explain, replace=False)
    clf = NeuralClassifier(module="cnn", module_params={"channels": (16, 32, 64), "fusion": "aff", "fusion_dim": 64},
                           max_epochs=args.epochs, batch_size=64, lr=2e-3, random_state=0)
    t0 = time.perf_counter()
    clf.fit(images[train], y[train])
    fit_s = time.perf_counter() - t0
    acc = float((clf.predict(images[test]) == y[test]).mean())
    wall, cpu = time.perf_counter(), time.process_time()
    e = explain(clf, images[test], y[test], max_rows=args.n_explain, random_state=0)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    table = e.to_frame("network_sources")
    names = getattr(ds, "metadata", {}).get("class_names") if hasattr(ds, "metadata") else None
    print(f"fit {fit_s:.0f} s; test accuracy on the {len(test)} explained images {acc:.3f}; "
          f"explain {wall:.1f} s wall, {cpu:.1f} s CPU; classes {names}")
    print(table.pivot_table(index="class", columns="source", values=["attribution_share", "gate_weight"])
          .round(3).to_string())
    e.info.update({"n_train": len(train), "epochs": args.epochs, "accuracy_explained_rows": acc, "fit_s": fit_s})
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    e.to_json(args.out)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
