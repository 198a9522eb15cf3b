"""Joint vs cross-fitted hybrids: does training the trunk through its classical head help?

Protocol: ``StratifiedKFold(5, shuffle=True, random_state=0)``; digits: accuracy (pixels / 16);
German credit: ROC-AUC (class 2 "bad" positive) of the head's decision function, after
``default_preprocessor`` (dense). Same trunk everywhere: MLP (64, 32), AdamW lr 1e-3, at most
``--epochs`` epochs with early stopping (patience 10, 10 % validation), seeded.

- plain classical: the exact head on the (preprocessed) input;
- plain network: ``NeuralClassifier`` with the same hidden layers (softmax head);
- cross-fitted: ``HybridClassifier(NeuralExtractor, exact head, cross_fit=3)``: trunk trained with a
  softmax head, exact head on its cross-fitted embeddings;
- joint: ``JointHybridClassifier(head, cross_fit=3)``: trunk trained through the differentiable head
  (L2-SVM for "svm", random-Fourier-feature L2-SVM for "rff"), exact head on its cross-fitted
  embeddings.
Exact heads: ``LinearSVC()`` ("svm") and ``SVC(kernel="rbf")`` ("rff"). Corrected resampled t-test
(Nadeau & Bengio) of joint vs cross-fitted per head.

Run: FUSELEARN_DATA=/path/to/datasets OMP_NUM_THREADS=1 PYTHONPATH=src \\
        python benchmarks/joint_hybrid.py [--datasets digits,german-credit] [--heads svm,rff] [--out r.json]
"""

from __future__ import annotations

import argparse
import json
import os
import time

import numpy as np
import torch
from sklearn.datasets import load_digits
from sklearn.metrics import accuracy_score, roc_auc_score
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC, LinearSVC

from fuselearn import HybridClassifier, JointHybridClassifier, NeuralClassifier, NeuralExtractor
from fuselearn.data import default_preprocessor, load_german_credit
from fuselearn.evaluate.stats import corrected_ttest

EXACT = {"svm": LinearSVC, "rff": lambda: SVC(kernel="rbf", gamma="scale")}


def load(name, data_dir):
    if name == "digits":
        X, y = load_digits(return_X_y=True)
        return (X / 16.0).astype(np.float32), y, "accuracy"
    ds = load_german_credit(data_dir)
    X = ds.X if not isinstance(getattr(ds, "inputs", None), dict) else ds.inputs["table"]
    return X, np.asarray(ds.y), "roc_auc"


def score(metric, model, X, y):
    if metric == "accuracy":
        return accuracy_score(y, model.predict(X))
    s = model.decision_function(X) if hasattr(model, "decision_function") else model.predict_proba(X)[:, 1]
    return roc_auc_score(y, s)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", default=os.environ.get("FUSELEARN_DATA"))
    parser.add_argument("--datasets", default="digits,german-credit")
    parser.add_argument("--heads", default="svm,rff")
    parser.add_argument("--epochs", type=int, default=60)
    parser.add_argument("--out", default="")
    args = parser.parse_args()
    torch.set_num_threads(1)
    net = {"hidden_sizes": (64, 32), "max_epochs": args.epochs, "lr": 1e-3, "random_state": 0}
    results = {}
    for name in args.datasets.split(","):
        X, y, metric = load(name, args.data_dir)
        folds = list(StratifiedKFold(5, shuffle=True, random_state=0).split(X, y))
        configs = {}
        for head in args.heads.split(","):
            configs[f"plain classical ({head})"] = lambda head=head: EXACT[head]()
            configs[f"cross-fitted ({head})"] = lambda head=head: HybridClassifier(
                NeuralExtractor(**net), EXACT[head](), cross_fit=3, random_state=0)
            configs[f"joint ({head})"] = lambda head=head: JointHybridClassifier(
                head, cross_fit=3, extractor_params={k: v for k, v in net.items() if k != "random_state"},
                random_state=0)
        configs["plain network"] = lambda: NeuralClassifier(**net)
        res = {k: [] for k in configs}
        secs = {k: 0.0 for k in configs}
        for tr, te in folds:
            if metric == "roc_auc":  # tables: one preprocessing fitted on the training fold
                pre = default_preprocessor(X).set_params(sparse_threshold=0).fit(X.iloc[tr])
                Xtr, Xte = pre.transform(X.iloc[tr]).astype(np.float32), pre.transform(X.iloc[te]).astype(np.float32)
            else:
                Xtr, Xte = X[tr], X[te]
            for key, make in configs.items():
                t0 = time.perf_counter()
                model = make()
                if key.startswith("plain classical"):
                    model = make_pipeline(StandardScaler(), model)
                model.fit(Xtr, y[tr])
                res[key].append(score(metric, model, Xte, y[te]))
                secs[key] += time.perf_counter() - t0
        out = {}
        print(f"{name} ({metric}, 5 folds)", flush=True)
        for key in configs:
            out[key] = {"scores": res[key], "mean": float(np.mean(res[key])), "std": float(np.std(res[key], ddof=1)),
                        "seconds": secs[key]}
            print(f"  {key:26s} {np.mean(res[key]):.4f} ± {np.std(res[key], ddof=1):.4f}  ({secs[key]:.0f} s)",
                  flush=True)
        n_test = len(folds[0][1])
        for head in args.heads.split(","):
            t = corrected_ttest(res[f"joint ({head})"], res[f"cross-fitted ({head})"],
                                n_train=len(X) - n_test, n_test=n_test)
            diff = np.mean(res[f"joint ({head})"]) - np.mean(res[f"cross-fitted ({head})"])
            out[f"joint vs cross-fitted ({head})"] = {"diff": float(diff), "p": float(t.p_value)}
            print(f"  joint - cross-fitted ({head}): {diff:+.4f}, corrected t-test p = {t.p_value:.3f}", flush=True)
        results[name] = out
        if args.out:
            with open(args.out, "w") as fh:
                json.dump(results, fh, indent=1)


if __name__ == "__main__":
    main()
