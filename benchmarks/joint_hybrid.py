"""Joint vs cross-fitted hybrids: does training the trunk through its classical head help?

Four models per dataset, all with the same trunk and the same training settings:

- plain classical: the exact head on the input (standardised; WL subtree features for graphs);
- plain network: ``NeuralClassifier`` with the trunk (its own softmax head);
- cross-fitted: ``HybridClassifier(NeuralExtractor(trunk), exact head, cross_fit=3)`` (``--cross-fit``): trunk trained
  with a softmax head, exact head fitted on its cross-fitted embeddings;
- joint: ``JointHybridClassifier(head, cross_fit=3, extractor_params=trunk)``: trunk trained through
  the differentiable head ("svm": L2-SVM layer; "rff": random Fourier features of an RBF kernel and
  an L2-SVM layer), exact head fitted on its cross-fitted embeddings.

Exact heads: ``LinearSVC()`` ("svm"), ``SVC(kernel="rbf", gamma="scale")`` ("rff") and a 200-tree
random forest ("tree", the trunk trained through a soft decision tree).
Every network: AdamW, early stopping (patience ``--patience``) on a stratified 10 % split of the
training rows only, seeded; hyperparameters fixed a priori (below), never chosen on test rows.

Datasets and protocols (``--datasets``, comma-separated):

- ``digits``: scikit-learn digits (pixels / 16), StratifiedKFold(5, shuffle, 0), accuracy; MLP (64, 32).
- ``german-credit``: ROC-AUC (class 2 "bad" positive) of the decision function, StratifiedKFold(5,
  shuffle, 0), ``default_preprocessor`` fitted on the training fold; MLP (64, 32).
- ``adult``: the training file (32,561 rows) or a stratified random subsample of ``--adult-rows``
  rows (seed 0), then as German credit; MLP (64, 32).
- ``cifar``: the CIFAR-10 JPEG subset; per repeat ``r`` (``--repeats``) a class-stratified random
  ``--cifar-train`` images of the 10,000 training images and ``--cifar-test`` of the 10,000 test
  images (seed ``r``), channels standardised on the training draw; accuracy; FusionCNN trunk
  (channels 16-32, concat fusion, 64-d embedding), ``--cifar-epochs`` epochs. Plain classical: the
  exact head on the standardised pixels.
- ``mutag``, ``proteins``: the strict protocol: StratifiedKFold(10, shuffle, 0), accuracy, early
  stopping on an inner split of the training folds, hyperparameters fixed a priori: FusionGNN (GIN,
  3 layers, hidden 32, sum read-out, concat fusion), batch 32. Plain classical: WL subtree features
  (3 rounds, L2-normalised rows) with the exact head.

Corrected resampled t-test (Nadeau & Bengio; ``fuselearn.evaluate.stats.corrected_ttest``) of
joint vs cross-fitted per head, and of joint vs the plain classical model and the plain network.
Results go to ``<out-dir>/joint_hybrid_<dataset>_<heads>.json`` after every fold (a cut run keeps them).

Run: FUSELEARN_DATA=/path/to/datasets OMP_NUM_THREADS=1 PYTHONPATH=src \\
        python benchmarks/joint_hybrid.py --datasets mutag,proteins --heads rff [--out-dir DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import numpy as np
import torch
from sklearn.datasets import load_digits
from sklearn.ensemble import RandomForestClassifier
from sklearn.metrics import accuracy_score, roc_auc_score
from sklearn.model_selection import StratifiedKFold, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import Normalizer, StandardScaler
from sklearn.svm import SVC, LinearSVC

from fuselearn import HybridClassifier, JointHybridClassifier, NeuralClassifier, NeuralExtractor
from fuselearn.evaluate.stats import corrected_ttest

EXACT = {"svm": LinearSVC, "rff": lambda: SVC(kernel="rbf", gamma="scale"),
         "tree": lambda: RandomForestClassifier(n_estimators=200, random_state=0)}
MLP = {"module": "mlp", "hidden_sizes": (64, 32)}
CNN = {"module": "cnn", "module_params": {"channels": (16, 32), "fusion": "concat", "fusion_dim": 64}}
GNN = {"module": "gnn", "module_params": {"hidden": 32, "num_layers": 3, "conv": "gin", "readout": "sum",
                                         "fusion": "concat"}, "batch_size": 32}


def load_table(loader, data_dir, rows=None):
    ds = loader(data_dir)
    X = ds.inputs["table"] if isinstance(getattr(ds, "inputs", None), dict) else ds.X
    y = np.asarray(ds.y)
    if rows and rows < len(y):
        keep, _ = train_test_split(np.arange(len(y)), train_size=rows, stratify=y, random_state=0)
        keep = np.sort(keep)
        X, y = X.iloc[keep].reset_index(drop=True), y[keep]
    return X, y


def load_graphs(name, data_dir):
    from torch_geometric.data import Data

    from fuselearn.data import load_mutag, load_proteins

    ds = (load_mutag if name == "mutag" else load_proteins)(data_dir)
    graphs = ds.inputs["graph"]
    data = [Data(x=torch.as_tensor(np.asarray(g.x, dtype=np.float32)),
                 edge_index=torch.as_tensor(np.asarray(g.edge_index, dtype=np.int64))) for g in graphs]
    return data, graphs, np.asarray(ds.y)


def load_cifar(data_dir):
    from fuselearn.data import load_cifar10_images

    tr = load_cifar10_images(data_dir, subset="train")
    te = load_cifar10_images(data_dir, subset="test")
    return (tr.inputs["image"], np.asarray(tr.y)), (te.inputs["image"], np.asarray(te.y))


def splits(name, args):
    """(X, y, metric, trunk, [(train_idx, test_idx, prepare)], n_train, n_test, extra) per dataset.

    ``prepare(train_idx, test_idx) -> (Xtr, Xte, Ctr, Cte)``: network input and plain-classical input.
    """
    data_dir = args.data_dir
    if name == "digits":
        X, y = load_digits(return_X_y=True)
        X = (X / 16.0).astype(np.float32)
        folds = list(StratifiedKFold(5, shuffle=True, random_state=0).split(X, y))
        return y, "accuracy", MLP, folds, lambda tr, te: (X[tr], X[te], X[tr], X[te])
    if name in ("german-credit", "adult"):
        from fuselearn.data import default_preprocessor, load_adult, load_german_credit

        if name == "adult":
            X, y = load_table(lambda d: load_adult(d, subset="train"), data_dir, args.adult_rows)
        else:
            X, y = load_table(load_german_credit, data_dir)

        def prepare(tr, te):
            pre = default_preprocessor(X).set_params(sparse_threshold=0).fit(X.iloc[tr])
            a, b = (np.asarray(pre.transform(X.iloc[i]), dtype=np.float32) for i in (tr, te))
            return a, b, a, b

        folds = list(StratifiedKFold(5, shuffle=True, random_state=0).split(np.zeros(len(y)), y))
        return y, "roc_auc", MLP, folds, prepare
    if name in ("mutag", "proteins"):
        from fuselearn.extract import WLFeatures

        data, graphs, y = load_graphs(name, data_dir)

        def prepare(tr, te):
            wl = make_pipeline(WLFeatures(n_iter=3), Normalizer())
            a = wl.fit_transform([graphs[i] for i in tr])
            b = wl.transform([graphs[i] for i in te])
            return [data[i] for i in tr], [data[i] for i in te], a, b

        folds = list(StratifiedKFold(10, shuffle=True, random_state=0).split(np.zeros(len(y)), y))
        return y, "accuracy", GNN, folds, prepare
    if name == "cifar":
        (Xa, ya), (Xb, yb) = load_cifar(data_dir)
        y = np.concatenate([ya, yb])
        folds = []
        for r in range(args.repeats):
            tr, _ = train_test_split(np.arange(len(ya)), train_size=args.cifar_train, stratify=ya, random_state=r)
            te, _ = train_test_split(np.arange(len(yb)), train_size=args.cifar_test, stratify=yb, random_state=r)
            folds.append((np.sort(tr), len(ya) + np.sort(te)))

        def prepare(tr, te):
            a = Xa[tr].astype(np.float32) / 255.0
            b = Xb[te - len(ya)].astype(np.float32) / 255.0
            mean, std = a.mean((0, 2, 3), keepdims=True), a.std((0, 2, 3), keepdims=True)
            a, b = (a - mean) / std, (b - mean) / std
            return a, b, a.reshape(len(a), -1), b.reshape(len(b), -1)

        return y, "accuracy", CNN, folds, prepare
    raise SystemExit(f"unknown dataset {name!r}")


def score(metric, model, X, y):
    if metric == "accuracy":
        return float(accuracy_score(y, model.predict(X)))
    s = model.decision_function(X) if hasattr(model, "decision_function") else model.predict_proba(X)[:, 1]
    return float(roc_auc_score(y, s))


def summarise(name, metric, res, secs, heads, n_train, n_test):
    out = {"metric": metric, "n_folds_done": len(next(iter(res.values()))), "n_train": n_train, "n_test": n_test}
    for key in res:
        v = res[key]
        out[key] = {"scores": v, "mean": float(np.mean(v)), "std": float(np.std(v, ddof=1)) if len(v) > 1 else 0.0,
                    "seconds": secs[key]}
    if out["n_folds_done"] >= 2:
        for head in heads:
            joint = res[f"joint ({head})"]
            for other in (f"cross-fitted ({head})", f"plain classical ({head})", "plain network"):
                t = corrected_ttest(joint, res[other], n_train=n_train, n_test=n_test)
                out[f"joint ({head}) vs {other}"] = {"diff": float(np.mean(joint) - np.mean(res[other])),
                                                     "p": float(t.p_value)}
    return out


def run(name, args, heads):
    y, metric, trunk, folds, prepare = splits(name, args)
    train = {"max_epochs": args.cifar_epochs if name == "cifar" else args.epochs, "lr": args.lr,
             "patience": args.patience, **trunk}
    if name == "cifar":
        train["lr"] = 2e-3
    configs = {}
    for head in heads:
        configs[f"plain classical ({head})"] = lambda head=head: make_pipeline(StandardScaler(), EXACT[head]())
        configs[f"cross-fitted ({head})"] = lambda head=head: HybridClassifier(
            NeuralExtractor(**train, random_state=0), EXACT[head](), cross_fit=args.cross_fit, random_state=0)
        configs[f"joint ({head})"] = lambda head=head: JointHybridClassifier(
            head, cross_fit=args.cross_fit, extractor_params=train, random_state=0)
    configs["plain network"] = lambda: NeuralClassifier(**train, random_state=0)
    res = {k: [] for k in configs}
    secs = {k: 0.0 for k in configs}
    path = Path(args.out_dir) / f"joint_hybrid_{name.replace('-', '_')}_{'_'.join(heads)}.json"
    n_train, n_test = len(folds[0][0]), len(folds[0][1])
    settings = {k: (list(v) if isinstance(v, tuple) else v) for k, v in train.items()}
    for i, (tr, te) in enumerate(folds[:args.max_folds]):
        Xtr, Xte, Ctr, Cte = prepare(tr, te)
        for key, make in configs.items():
            t0 = time.perf_counter()
            model = make()
            a, b = (Ctr, Cte) if key.startswith("plain classical") else (Xtr, Xte)
            if key.startswith("plain classical") and name in ("mutag", "proteins"):
                model = EXACT[key.split("(")[1][:-1]]()  # WL rows are L2-normalised already
            model.fit(a, y[tr])
            res[key].append(score(metric, model, b, y[te]))
            secs[key] += time.perf_counter() - t0
            print(f"{name} fold {i} {key:28s} {res[key][-1]:.4f} ({time.perf_counter() - t0:.0f} s)", flush=True)
        out = summarise(name, metric, res, secs, heads, n_train, n_test)
        out["settings"] = {**settings, "cross_fit": args.cross_fit}
        path.write_text(json.dumps({name: out}, indent=1))
    print(json.dumps({k: (v if not isinstance(v, dict) or "scores" not in v else
                          f"{v['mean']:.4f} +- {v['std']:.4f} ({v['seconds']:.0f} s)") for k, v in out.items()},
                     indent=1), flush=True)


def report(out_dir) -> None:
    """Markdown tables of every ``joint_hybrid_*.json`` under ``out_dir``, one table per dataset."""
    by_name: dict[str, list[tuple[str, dict]]] = {}
    for path in sorted(Path(out_dir).glob("joint_hybrid_*.json")):
        for name, out in json.loads(path.read_text()).items():
            by_name.setdefault(name, []).append((path.name, out))
    for name, runs in by_name.items():
        metric = runs[0][1]["metric"]
        print(f"\n### {name} ({metric})\n")
        print("| config | mean ± std | folds | wall seconds (all folds) |\n|---|---|---|---|")
        for file, out in runs:
            for key, v in out.items():
                if isinstance(v, dict) and "scores" in v and (key != "plain network" or file == runs[0][0]):
                    print(f"| {key} | {v['mean']:.4f} ± {v['std']:.4f} | {len(v['scores'])} | {v['seconds']:.0f} |")
        for file, out in runs:
            for key, v in out.items():
                if isinstance(v, dict) and "p" in v:
                    print(f"| {key} | {v['diff']:+.4f}, corrected t-test p = {v['p']:.3f} | {out['n_folds_done']} | |")
        print("\nFiles: " + ", ".join(f"`{file}`" for file, _ in runs))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", default=os.environ.get("FUSELEARN_DATA"))
    parser.add_argument("--datasets", default="digits,german-credit")
    parser.add_argument("--heads", default="rff")
    parser.add_argument("--epochs", type=int, default=60)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--patience", type=int, default=10)
    parser.add_argument("--adult-rows", type=int, default=6000)
    parser.add_argument("--cifar-train", type=int, default=2000)
    parser.add_argument("--cifar-test", type=int, default=2000)
    parser.add_argument("--cifar-epochs", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--max-folds", type=int, default=None)
    parser.add_argument("--cross-fit", type=int, default=3)
    parser.add_argument("--out-dir", default="benchmarks/results")
    parser.add_argument("--report", action="store_true", help="print the Markdown tables of the results and stop")
    args = parser.parse_args()
    if args.report:
        report(args.out_dir)
        return
    torch.set_num_threads(1)
    Path(args.out_dir).mkdir(parents=True, exist_ok=True)
    for name in args.datasets.split(","):
        run(name, args, args.heads.split(","))


if __name__ == "__main__":
    main()
