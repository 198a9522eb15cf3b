"""Compare the fusion layers of ``fuselearn.nn`` inside their backbones (a benchmark, not a test).

Tasks (run one or several; each writes ``<out>/<task>.json`` row by row, so a killed run keeps
what finished and a rerun only does what is missing):

- ``graphs``: FusionGNN (GIN) on MUTAG and PROTEINS (TU format under ``$FUSELEARN_DATA``), stratified
  10-fold CV with the same folds for every fusion; per test fold the hyperparameters (a small grid)
  and the epoch (early stopping) are chosen on a stratified 10 % validation split of the training
  folds only, and the test fold is scored once with the selected model (Errica et al. 2020).
- ``wl``: the classical baseline on the same folds and inner splits: WL subtree features
  (``fuselearn.extract.WLFeatures``, cosine-normalised) + a linear SVM, ``h`` and ``C`` chosen on the
  inner validation split.
- ``fused``: decision fusion of the two families on the same folds, the mean of the AFF GNN's and the
  WL SVM's probabilities (each with its own selected configuration; run ``graphs`` and ``wl`` first).
- ``timing``: parameter counts and forward+backward time per batch, relative to ``concat`` at equal
  widths, for each fusion layer alone and inside FusionGNN/FusionCNN/FusionRNN.
- ``cifar``: FusionCNN on the CIFAR-10 JPEG subset (10,000 train / 10,000 test), several seeds.
- ``imdb``: FusionRNN on a class-balanced subset of the IMDb reviews (official train/test split).
- ``report``: prints the Markdown tables (mean +- std, Friedman + Nemenyi, anchors) from the JSON.

Example::

    FUSELEARN_DATA=/path/to/datasets python benchmarks/fusion_layers.py graphs --out bench_out
    python benchmarks/fusion_layers.py report --out bench_out
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import json
import os
import re
import sys
import tarfile
import time
from collections import Counter
from pathlib import Path

import numpy as np
import torch

from fuselearn.extract import get_input_kind
from fuselearn.nn import (
    FUSIONS,
    FusionCNN,
    FusionGNN,
    FusionRNN,
    TrainConfig,
    make_fusion,
    predict_module,
    train_module,
)

ANCHORS = {
    "MUTAG": [("GIN-0 (Xu et al. 2019, optimistic protocol)", "89.4 +- 5.6"),
              ("WL subtree kernel (Xu et al. 2019, optimistic protocol)", "90.4 +- 5.7")],
    "PROTEINS": [("GIN-0 (Xu et al. 2019, optimistic protocol)", "76.2 +- 2.8"),
                 ("GIN (Errica et al. 2020, strict protocol)", "73.3 +- 4.0"),
                 ("structure-agnostic baseline (Errica et al. 2020, strict)", "75.8 +- 3.7")],
}
collate_graphs = get_input_kind("graph").collate  # rows of a list of graphs as one torch_geometric Batch
ALL_FUSIONS = ["concat", "sum", "product", "attention", "gated", "lowrank", "graph", "aff"]
#: AFF configurations the cifar task also accepts in --fusions: name -> (registry name, fusion_params)
VARIANTS = {"aff-mscam": ("aff", {"map_attention": "ms_cam"}),
            "aff-attention-only": ("aff", {"forms": ("attention",)}),
            "aff-simple": ("aff", {"forms": ("product", "sum")})}


def data_root() -> Path:
    """The datasets folder, from ``$FUSELEARN_DATA``."""
    if not os.environ.get("FUSELEARN_DATA"):
        sys.exit("Set FUSELEARN_DATA to the datasets folder (see its MANIFEST.md).")
    return Path(os.environ["FUSELEARN_DATA"])


# --- tiny TU reader (fuselearn.data.load_tu is written separately) ------------------------------------
def read_tu(root: Path, name: str):
    """Graphs of a TU dataset as PyG ``Data`` (one-hot node labels) and integer labels 0..k-1."""
    from torch_geometric.data import Data

    d = root / name

    def ints(suffix):
        return np.loadtxt(d / f"{name}_{suffix}.txt", dtype=np.int64, delimiter=",", ndmin=1)

    edges = ints("A").reshape(-1, 2) - 1
    graph_of = ints("graph_indicator") - 1
    labels = ints("graph_labels")
    node_labels = ints("node_labels")
    values = np.unique(node_labels)
    onehot = np.zeros((len(node_labels), len(values)), dtype=np.float32)
    onehot[np.arange(len(node_labels)), np.searchsorted(values, node_labels)] = 1.0
    starts = np.searchsorted(graph_of, np.arange(graph_of.max() + 1))
    edge_graph = graph_of[edges[:, 0]]
    order = np.argsort(edge_graph, kind="stable")
    edges, edge_graph = edges[order], edge_graph[order]
    bounds = np.searchsorted(edge_graph, np.arange(graph_of.max() + 2))
    graphs = []
    for g in range(graph_of.max() + 1):
        lo, hi = starts[g], (starts[g + 1] if g + 1 < len(starts) else len(graph_of))
        e = edges[bounds[g]:bounds[g + 1]] - lo
        graphs.append(Data(x=torch.from_numpy(onehot[lo:hi]), edge_index=torch.from_numpy(e.T.copy())))
    y = np.searchsorted(np.unique(labels), labels)
    return graphs, y


# --- shared helpers -------------------------------------------------------------------------------------
def load_rows(path: Path) -> list[dict]:
    return json.loads(path.read_text()) if path.exists() else []


def save_rows(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(rows, indent=1))
    tmp.replace(path)


def accuracy(module, X, y, collate, batch_size=256) -> float:
    out = predict_module(module, X, batch_size=batch_size, collate=collate)
    return float((out.argmax(1).numpy() == np.asarray(y)).mean())


def n_params(module) -> int:
    return sum(p.numel() for p in module.parameters())


def seeded_build(seed, fn):
    torch.manual_seed(seed)
    return fn()


# --- graphs --------------------------------------------------------------------------------------------
def run_graphs(args) -> None:
    from sklearn.model_selection import StratifiedKFold, train_test_split

    root = data_root()
    out = Path(args.out) / "graphs.json"
    rows = load_rows(out)
    done = {(r["dataset"], r["fold"], r["fusion"]) for r in rows if r.get("fusion_level", "node") == args.fusion_level}
    grid = [{"hidden": h} for h in args.grid] if not args.quick else [{"hidden": 32}]
    n_folds = 3 if args.quick else args.folds
    max_epochs = 15 if args.quick else args.epochs
    for name in args.datasets:
        graphs, y = read_tu(root, name)
        in_dim = graphs[0].x.shape[1]
        folds = list(StratifiedKFold(n_splits=n_folds, shuffle=True, random_state=0).split(np.zeros(len(y)), y))
        for fold, (train_idx, test_idx) in enumerate(folds):
            if args.only_folds is not None and fold not in args.only_folds:
                continue
            inner_tr, inner_va = train_test_split(train_idx, test_size=0.1, stratify=y[train_idx], random_state=fold)
            X_tr, X_va, X_te = ([graphs[i] for i in idx] for idx in (inner_tr, inner_va, test_idx))
            y_tr, y_va = torch.as_tensor(y[inner_tr]), torch.as_tensor(y[inner_va])
            for fusion in args.fusions:
                if (name, fold, fusion) in done:
                    continue
                t0 = time.perf_counter()
                best = None
                for cfg in grid:
                    name_, fparams = VARIANTS.get(fusion, (fusion, None))
                    params = dict(num_layers=args.layers, conv="gin", readout="sum", dropout=0.5, fusion=name_,
                                  fusion_params=fparams, fusion_level=args.fusion_level, **cfg)
                    net = seeded_build(fold, lambda p=params, w=in_dim: FusionGNN(w, 2, **p))
                    config = TrainConfig(max_epochs=max_epochs, batch_size=32, lr=args.lr, patience=args.patience)
                    hist = train_module(net, X_tr, y_tr, loss_fn=torch.nn.functional.cross_entropy, config=config,
                                        seed=fold, collate=collate_graphs, X_valid=X_va, y_valid=y_va)
                    val_acc = accuracy(net, X_va, y_va.numpy(), collate_graphs)
                    key = (val_acc, -min(hist.valid_loss))
                    if best is None or key > best[0]:
                        best = (key, cfg, net, hist)
                (val_acc, _), cfg, net, hist = best
                test_acc = accuracy(net, X_te, y[test_idx], collate_graphs)
                rows.append({"dataset": name, "fold": fold, "fusion": fusion, "test_acc": test_acc,
                             "fusion_level": args.fusion_level, "val_acc": val_acc, "config": cfg, "best_epoch": hist.best_epoch + 1,
                             "params": n_params(net), "seconds": time.perf_counter() - t0})
                save_rows(out, rows)
                print(f"{name} fold {fold} {fusion:9s} test {test_acc:.3f} val {val_acc:.3f} {cfg} "
                      f"epoch {hist.best_epoch + 1} {time.perf_counter() - t0:.1f}s", flush=True)


# --- WL subtree kernel: the classical graph baseline, same folds and inner splits ---------------------
def run_wl(args) -> None:
    """WLFeatures (the WL subtree kernel's explicit map, cosine-normalised) + a linear SVM; ``h`` and
    ``C`` chosen on the same inner validation split as the GNNs, the test fold scored once."""
    from sklearn.model_selection import StratifiedKFold, train_test_split
    from sklearn.preprocessing import normalize
    from sklearn.svm import SVC

    from fuselearn.extract import WLFeatures

    root = data_root()
    out = Path(args.out) / "wl.json"
    rows = load_rows(out)
    done = {(r["dataset"], r["fold"], r["fusion"]) for r in rows}
    n_folds = 3 if args.quick else args.folds
    for name in args.datasets:
        graphs, y = read_tu(root, name)
        folds = list(StratifiedKFold(n_splits=n_folds, shuffle=True, random_state=0).split(np.zeros(len(y)), y))
        for fold, (train_idx, test_idx) in enumerate(folds):
            if (name, fold, "wl-svm") in done:
                continue
            t0 = time.perf_counter()
            inner_tr, inner_va = train_test_split(train_idx, test_size=0.1, stratify=y[train_idx], random_state=fold)
            best = None
            for h in (1, 2, 3, 4, 5):
                wl = WLFeatures(n_iter=h).fit([graphs[i] for i in inner_tr])
                F_tr, F_va, F_te = (normalize(wl.transform([graphs[i] for i in idx]))
                                    for idx in (inner_tr, inner_va, test_idx))
                for C in (0.01, 0.1, 1.0, 10.0, 100.0):
                    svm = SVC(kernel="linear", C=C).fit(F_tr, y[inner_tr])
                    val_acc = float((svm.predict(F_va) == y[inner_va]).mean())
                    if best is None or val_acc > best[0]:
                        best = (val_acc, {"h": h, "C": C}, float((svm.predict(F_te) == y[test_idx]).mean()))
            val_acc, cfg, test_acc = best
            rows.append({"dataset": name, "fold": fold, "fusion": "wl-svm", "test_acc": test_acc,
                         "val_acc": val_acc, "config": cfg, "best_epoch": None, "params": None,
                         "seconds": time.perf_counter() - t0})
            save_rows(out, rows)
            print(f"{name} fold {fold} wl-svm    test {test_acc:.3f} val {val_acc:.3f} {cfg} "
                  f"{time.perf_counter() - t0:.1f}s", flush=True)


# --- decision fusion of the two families: the AFF GNN and the WL kernel ---------------------------------
def run_fused(args) -> None:
    """The mean of the AFF GNN's and the WL SVM's class probabilities, each model with the
    configuration its own inner validation chose in ``graphs`` / ``wl`` (run those first). The mean
    has no parameter, so nothing here is tuned, and the test fold is scored once."""
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.model_selection import StratifiedKFold, train_test_split
    from sklearn.preprocessing import normalize
    from sklearn.svm import SVC

    from fuselearn.extract import WLFeatures

    root = data_root()
    out = Path(args.out) / "fused.json"
    rows = load_rows(out)
    done = {(r["dataset"], r["fold"]) for r in rows}
    gnn = {(r["dataset"], r["fold"]): r for r in load_rows(Path(args.out) / "graphs.json")
           if r["fusion"] == "aff" and r.get("fusion_level", "node") == args.fusion_level}
    wl = {(r["dataset"], r["fold"]): r for r in load_rows(Path(args.out) / "wl.json")}
    for name in args.datasets:
        graphs, y = read_tu(root, name)
        in_dim = graphs[0].x.shape[1]
        folds = list(StratifiedKFold(n_splits=args.folds, shuffle=True, random_state=0).split(np.zeros(len(y)), y))
        for fold, (train_idx, test_idx) in enumerate(folds):
            key = (name, fold)
            if key in done or key not in gnn or key not in wl:
                continue
            t0 = time.perf_counter()
            inner_tr, inner_va = train_test_split(train_idx, test_size=0.1, stratify=y[train_idx], random_state=fold)
            # the GNN exactly as in run_graphs, with its selected width
            params = dict(num_layers=args.layers, conv="gin", readout="sum", dropout=0.5, fusion="aff",
                          fusion_level=gnn[key].get("fusion_level", "node"), **gnn[key]["config"])
            net = seeded_build(fold, lambda p=params, w=in_dim: FusionGNN(w, 2, **p))
            config = TrainConfig(max_epochs=args.epochs, batch_size=32, lr=args.lr, patience=args.patience)
            train_module(net, [graphs[i] for i in inner_tr], torch.as_tensor(y[inner_tr]),
                         loss_fn=torch.nn.functional.cross_entropy, config=config, seed=fold,
                         collate=collate_graphs, X_valid=[graphs[i] for i in inner_va],
                         y_valid=torch.as_tensor(y[inner_va]))
            X_te = [graphs[i] for i in test_idx]
            p_gnn = torch.softmax(predict_module(net, X_te, collate=collate_graphs), 1).numpy()
            # the WL SVM with its selected h and C, Platt-scaled for probabilities
            h, C = wl[key]["config"]["h"], wl[key]["config"]["C"]
            feats = WLFeatures(n_iter=h).fit([graphs[i] for i in inner_tr])
            F_tr = normalize(feats.transform([graphs[i] for i in inner_tr]))
            F_te = normalize(feats.transform(X_te))
            svm = CalibratedClassifierCV(SVC(kernel="linear", C=C), ensemble=False)  # Platt, 5-fold
            p_wl = svm.fit(F_tr, y[inner_tr]).predict_proba(F_te)
            y_te = y[test_idx]
            accs = {k: float((p.argmax(1) == y_te).mean())
                    for k, p in (("gnn", p_gnn), ("wl", p_wl), ("mean", (p_gnn + p_wl) / 2))}
            rows.append({"dataset": name, "fold": fold, **{f"{k}_acc": v for k, v in accs.items()},
                         "gnn_acc_in_graphs": gnn[key]["test_acc"], "seconds": time.perf_counter() - t0})
            save_rows(out, rows)
            print(f"{name} fold {fold} fused: gnn {accs['gnn']:.3f} (graphs run {gnn[key]['test_acc']:.3f}) "
                  f"wl {accs['wl']:.3f} mean {accs['mean']:.3f} {time.perf_counter() - t0:.1f}s", flush=True)


# --- timing --------------------------------------------------------------------------------------------
def _time_step(module, make_batch, loss_of, repeats) -> float:
    module.train()
    batch = make_batch()
    for _ in range(3):  # warm-up
        module.zero_grad(set_to_none=True)
        loss_of(module, batch).backward()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        module.zero_grad(set_to_none=True)
        loss_of(module, batch).backward()
        times.append(time.perf_counter() - t0)
    return float(np.median(times))


def run_timing(args) -> None:
    from torch_geometric.data import Batch

    rows = []
    repeats = 5 if args.quick else 30
    width, n_src = 64, 5
    g = torch.Generator().manual_seed(0)
    p_graphs, p_y = read_tu(data_root(), "PROTEINS")
    for fusion in args.fusions:
        torch.manual_seed(0)
        entries = {}
        layer = make_fusion(fusion, [width] * n_src, width)
        entries["layer (5 x 64 -> 64, 512 rows)"] = (
            layer, lambda: [torch.randn(512, width, generator=g).requires_grad_() for _ in range(n_src)],
            lambda m, b: m(b).square().mean())
        spatial = make_fusion(fusion, [32, 64, 128], 64, spatial=True)
        entries["spatial layer (32@16x16, 64@8x8, 128@4x4 -> 64, 64 rows)"] = (
            spatial, lambda: [torch.randn(64, c, s, s, generator=g).requires_grad_()
                              for c, s in ((32, 16), (64, 8), (128, 4))],
            lambda m, b: m(b).square().mean())
        for level in ("node", "graph"):
            gnn = FusionGNN(3, 2, hidden=64, num_layers=4, fusion=fusion, fusion_level=level)
            entries[f"FusionGNN, {level} level (PROTEINS, 32 graphs)"] = (
                gnn, lambda: (Batch.from_data_list(p_graphs[:32]), torch.as_tensor(p_y[:32])),
                lambda m, b: torch.nn.functional.cross_entropy(m(b[0]), b[1]))
        cnn = FusionCNN(3, 10, channels=(32, 64, 128), fusion_dim=64, fusion=fusion)
        entries["FusionCNN (64 images 32x32)"] = (
            cnn, lambda: (torch.randn(64, 3, 32, 32, generator=g), torch.randint(0, 10, (64,), generator=g)),
            lambda m, b: torch.nn.functional.cross_entropy(m(b[0]), b[1]))
        rnn = FusionRNN(20000, 2, embed_dim=64, hidden_size=64, num_layers=2, fusion_dim=64, fusion=fusion)
        entries["FusionRNN (32 reviews x 200 tokens)"] = (
            rnn, lambda: (torch.randint(1, 20000, (32, 200), generator=g), torch.randint(0, 2, (32,), generator=g)),
            lambda m, b: torch.nn.functional.cross_entropy(m(b[0]), b[1]))
        for setting, (module, make_batch, loss_of) in entries.items():
            seconds = _time_step(module, make_batch, loss_of, repeats)
            fusion_params = n_params(getattr(module, "fusion", module))
            rows.append({"fusion": fusion, "setting": setting, "seconds": seconds, "params": n_params(module),
                         "fusion_params": fusion_params})
            print(f"{fusion:9s} {setting:55s} {seconds * 1e3:8.2f} ms  params {n_params(module)}", flush=True)
    save_rows(Path(args.out) / "timing.json", rows)


# --- CIFAR-10 -------------------------------------------------------------------------------------------
CIFAR_CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]


def read_cifar(path: Path):
    from PIL import Image

    xs, ys = [], []
    with tarfile.open(path) as tar:
        for member in tar.getmembers():
            if not member.isfile():
                continue
            cls = member.name.split("/")[0]
            img = Image.open(io.BytesIO(tar.extractfile(member).read())).convert("RGB")
            xs.append(np.asarray(img, dtype=np.uint8))
            ys.append(CIFAR_CLASSES.index(cls))
    X = np.stack(xs).astype(np.float32).transpose(0, 3, 1, 2) / 255.0
    return X, np.asarray(ys)


def run_cifar(args) -> None:
    root = data_root() / "CIFAR-10-images"
    out = Path(args.out) / "cifar.json"
    rows = load_rows(out)
    done = {(r["seed"], r["fusion"]) for r in rows}
    X_tr, y_tr = read_cifar(root / "train.tar")
    X_te, y_te = read_cifar(root / "test.tar")
    mean, std = X_tr.mean((0, 2, 3), keepdims=True), X_tr.std((0, 2, 3), keepdims=True)
    X_tr, X_te = torch.as_tensor((X_tr - mean) / std), torch.as_tensor((X_te - mean) / std)
    if args.quick:
        X_tr, y_tr, X_te, y_te = X_tr[:1000], y_tr[:1000], X_te[:1000], y_te[:1000]
    channels = tuple(args.cifar_channels)
    epochs = 1 if args.quick else args.cifar_epochs
    for seed in range(args.seeds):
        if args.only_seeds is not None and seed not in args.only_seeds:
            continue
        for fusion in args.fusions:
            if (seed, fusion) in done:
                continue
            t0 = time.perf_counter()
            name, fparams = VARIANTS.get(fusion, (fusion, None))
            net = seeded_build(seed, lambda f=name, fp=fparams: FusionCNN(3, 10, channels=channels, fusion_dim=64,
                                                                          fusion=f, fusion_params=fp))
            config = TrainConfig(max_epochs=epochs, batch_size=128, lr=2e-3, patience=None)
            train_module(net, X_tr, torch.as_tensor(y_tr), loss_fn=torch.nn.functional.cross_entropy, config=config,
                         seed=seed)
            acc = accuracy(net, X_te, y_te, lambda X, idx: X[torch.as_tensor(idx)])
            rows.append({"seed": seed, "fusion": fusion, "test_acc": acc, "params": n_params(net), "epochs": epochs,
                         "channels": list(channels), "n_train": len(y_tr), "seconds": time.perf_counter() - t0})
            save_rows(out, rows)
            print(f"cifar seed {seed} {fusion:9s} test {acc:.4f} {time.perf_counter() - t0:.0f}s", flush=True)


# --- IMDb -----------------------------------------------------------------------------------------------
TOKEN = re.compile(r"[a-z0-9']+")


def read_imdb(path: Path, n: int, seed: int):
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        rows = list(reader)
    text_key = next(k for k in rows[0] if k.lower() in ("text", "review"))
    label_key = next(k for k in rows[0] if k.lower() in ("label", "sentiment"))
    labels = np.asarray([int(r[label_key]) for r in rows])
    rng = np.random.default_rng(seed)
    keep = np.concatenate([rng.choice(np.flatnonzero(labels == c), n // 2, replace=False) for c in (0, 1)])
    keep.sort()
    texts = [TOKEN.findall(rows[i][text_key].lower().replace("<br />", " ")) for i in keep]
    return texts, labels[keep]


def encode(texts, vocab, max_len):
    X = np.zeros((len(texts), max_len), dtype=np.int64)
    for i, toks in enumerate(texts):
        ids = [vocab.get(t, 1) for t in toks[:max_len]]
        X[i, :len(ids)] = ids
    return X


def run_imdb(args) -> None:
    root = data_root() / "IMDB-reviews"
    out = Path(args.out) / "imdb.json"
    rows = load_rows(out)
    done = {(r["seed"], r["fusion"]) for r in rows}
    n = 500 if args.quick else args.imdb_n
    tr_texts, y_tr = read_imdb(root / "train.csv.gz", n, 0)
    te_texts, y_te = read_imdb(root / "test.csv.gz", n, 1)
    counts = Counter(t for toks in tr_texts for t in toks)
    vocab = {w: i + 2 for i, (w, _) in enumerate(counts.most_common(args.vocab))}  # 0 pad, 1 unknown
    X_tr = torch.as_tensor(encode(tr_texts, vocab, args.max_len))
    X_te = torch.as_tensor(encode(te_texts, vocab, args.max_len))
    epochs = 1 if args.quick else args.imdb_epochs
    for seed in range(args.seeds):
        for fusion in args.fusions:
            if (seed, fusion) in done:
                continue
            t0 = time.perf_counter()
            net = seeded_build(seed, lambda f=fusion: FusionRNN(len(vocab) + 2, 2, embed_dim=64, hidden_size=64,
                                                                num_layers=2, fusion_dim=64, fusion=f))
            config = TrainConfig(max_epochs=epochs, batch_size=64, lr=2e-3, patience=None)
            train_module(net, X_tr, torch.as_tensor(y_tr), loss_fn=torch.nn.functional.cross_entropy, config=config,
                         seed=seed)
            acc = accuracy(net, X_te, y_te, lambda X, idx: X[torch.as_tensor(idx)])
            rows.append({"seed": seed, "fusion": fusion, "test_acc": acc, "params": n_params(net), "epochs": epochs,
                         "n_train": len(y_tr), "n_test": len(y_te), "seconds": time.perf_counter() - t0})
            save_rows(out, rows)
            print(f"imdb seed {seed} {fusion:9s} test {acc:.4f} {time.perf_counter() - t0:.0f}s", flush=True)


# --- report ---------------------------------------------------------------------------------------------
def _stats(table: dict[str, dict], fusions: list[str]) -> list[str]:
    """Friedman test across fusions (blocks = folds or seeds) and Nemenyi p-values against AFF."""
    from scipy.stats import friedmanchisquare

    all_blocks = set.union(*(set(table[f]) for f in fusions))
    partial = [f for f in fusions if set(table[f]) != all_blocks]
    fusions = [f for f in fusions if f not in partial]  # a variant run on fewer blocks stays out of the test
    blocks = sorted(all_blocks)
    lines = [f"(not in the Friedman test, run on fewer blocks: {', '.join(partial)})"] if partial else []
    if len(fusions) < 3 or len(blocks) < 2:
        return ["(too few complete blocks for the Friedman test)"]
    data = np.array([[table[f][b] for f in fusions] for b in blocks])
    stat, p = friedmanchisquare(*data.T)
    ranks = np.mean([len(fusions) + 1 - _rank(row) for row in data], axis=0)
    lines.append(f"Friedman chi2 = {stat:.2f}, p = {p:.3g} over {len(blocks)} blocks; mean rank (1 = best): "
                 + ", ".join(f"{f} {r:.2f}" for f, r in sorted(zip(fusions, ranks), key=lambda t: t[1])))
    try:
        import scikit_posthocs as sp

        nem = sp.posthoc_nemenyi_friedman(data)
        for a in ("aff", "aff@graph"):
            if a in fusions:
                i = fusions.index(a)
                lines.append(f"Nemenyi p ({a} vs): " + ", ".join(
                    f"{f} {float(nem.iloc[i, j]):.3f}" for j, f in enumerate(fusions) if f != a))
    except ImportError:
        lines.append("(scikit_posthocs not installed: no Nemenyi post-hoc)")
    return lines


def _rank(row):
    from scipy.stats import rankdata

    return rankdata(row)


def _label(row) -> str:
    """The fusion's name; ``@graph`` for FusionGNN rows fused per graph (rows without the key: per node)."""
    return row["fusion"] + ("@graph" if row.get("fusion_level", "node") == "graph" else "")


def _table(rows, block_key, fusions, label):
    table: dict[str, dict] = {}
    params: dict[str, int] = {}
    for r in rows:
        table.setdefault(_label(r), {})[r[block_key]] = 100 * r["test_acc"]
        params[_label(r)] = r["params"]
    fusions = [g for f in fusions for g in (f, f + "@graph") if g in table]
    lines = [f"| fusion | {label} accuracy % (mean +- std) | n | params |", "|---|---|---|---|"]
    for f in fusions:
        v = np.array(list(table[f].values()))
        n_par = f"{params[f]:,}" if params[f] is not None else "-"
        lines.append(f"| {f} | {v.mean():.1f} +- {v.std(ddof=1) if len(v) > 1 else 0:.1f} | {len(v)} | {n_par} |")
    return lines, table, fusions


def run_report(args) -> None:
    out = Path(args.out)
    lines = []
    _load = globals()["load_rows"]
    if args.merge_from:
        # rows of an earlier run for the variants this run did not redo (e.g. the unchanged baselines)
        def load_rows(path: Path) -> list[dict]:
            rows = _load(path)
            have = {_label(r) for r in rows if "fusion" in r}
            return rows + [r for r in _load(Path(args.merge_from) / path.name)
                           if "fusion" in r and _label(r) not in have]
    else:
        load_rows = _load
    graphs = load_rows(out / "graphs.json") + load_rows(out / "wl.json")
    for name in ("MUTAG", "PROTEINS"):
        rows = [r for r in graphs if r["dataset"] == name]
        if not rows:
            continue
        lines += [f"### {name} (FusionGNN, GIN, stratified 10-fold CV, strict protocol)", ""]
        t, table, fus = _table(rows, "fold", [*ALL_FUSIONS, *VARIANTS, "wl-svm"], "test")
        lines += t + ["", ("(wl-svm: the WL subtree kernel + linear SVM, same folds and inner splits; not in the "
                      "Friedman test, which compares the fusion layers)"), ""]
        lines += _stats(table, [f for f in fus if f != "wl-svm"]) + ["", "Published anchors:", ""]
        lines += [f"- {a}: {v}" for a, v in ANCHORS[name]] + [""]
        cfgs = Counter(json.dumps(r["config"]) for r in rows if r["fusion"] != "wl-svm")
        lines += ["Selected configurations (inner validation): " + ", ".join(f"{k} x{v}" for k, v in cfgs.items()), ""]
    fused = load_rows(out / "fused.json")
    if fused:
        from fuselearn.evaluate.stats import corrected_ttest

        lines += ["### Decision fusion: AFF GNN + WL SVM (mean of probabilities), same folds", "",
                  "| dataset | GNN (AFF) | WL SVM | mean of the two | n | mean - best, corrected t-test p |",
                  "|---|---|---|---|---|---|"]
        for name in dict.fromkeys(r["dataset"] for r in fused):
            rs = [r for r in fused if r["dataset"] == name]
            cols = {k: 100 * np.array([r[f"{k}_acc"] for r in rs]) for k in ("gnn", "wl", "mean")}
            best = max(("gnn", "wl"), key=lambda k: cols[k].mean())
            res = corrected_ttest(cols["mean"], cols[best], n_train=9, n_test=1)  # 10-fold: 9 parts to 1
            cells = " | ".join(f"{v.mean():.1f} +- {v.std(ddof=1):.1f}" for v in cols.values())
            lines.append(f"| {name} | {cells} | {len(rs)} | {cols['mean'].mean() - cols[best].mean():+.1f} "
                         f"(vs {best}), p = {res.p_value:.3f} |")
        lines.append("")
    timing = load_rows(out / "timing.json")
    if timing:
        lines += ["### Forward+backward time per batch (median), relative to concat", "",
                  "| setting | " + " | ".join(ALL_FUSIONS) + " |", "|---|" + "---|" * len(ALL_FUSIONS)]
        for setting in dict.fromkeys(r["setting"] for r in timing):
            base = next(r["seconds"] for r in timing if r["setting"] == setting and r["fusion"] == "concat")
            cells = []
            for f in ALL_FUSIONS:
                r = next((r for r in timing if r["setting"] == setting and r["fusion"] == f), None)
                cells.append(f"{r['seconds'] / base:.2f}x" if r else "-")
            lines.append(f"| {setting} (concat {base * 1e3:.1f} ms) | " + " | ".join(cells) + " |")
        lines += ["", "| setting | " + " | ".join(ALL_FUSIONS) + " |", "|---|" + "---|" * len(ALL_FUSIONS)]
        for setting in dict.fromkeys(r["setting"] for r in timing):
            cells = [next((f"{r['fusion_params']:,}" for r in timing if r["setting"] == setting and r["fusion"] == f), "-")
                     for f in ALL_FUSIONS]
            lines.append(f"| fusion-layer parameters, {setting} | " + " | ".join(cells) + " |")
        lines.append("")
    for task, title in (("cifar", "CIFAR-10 JPEG subset (FusionCNN)"), ("imdb", "IMDb subset (FusionRNN)")):
        rows = load_rows(out / f"{task}.json")
        if rows:
            lines += [f"### {title}", ""]
            t, table, fus = _table(rows, "seed", [*ALL_FUSIONS, *VARIANTS], "test")
            lines += t + [""] + _stats(table, fus) + [""]
    print("\n".join(lines))


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("tasks", nargs="+", choices=["graphs", "wl", "fused", "timing", "cifar", "imdb", "report"])
    parser.add_argument("--out", default="bench_out", help="folder of the JSON results")
    parser.add_argument("--quick", action="store_true", help="a smoke run: few folds, epochs and rows")
    parser.add_argument("--fusions", nargs="+", default=ALL_FUSIONS)
    parser.add_argument("--datasets", nargs="+", default=["MUTAG", "PROTEINS"])
    parser.add_argument("--folds", type=int, default=10)
    parser.add_argument("--only-seeds", type=int, nargs="+", default=None,
                        help="cifar: run only these seeds (split a run over processes, each with its own --out)")
    parser.add_argument("--only-folds", type=int, nargs="+", default=None,
                        help="graphs: run only these fold indices (split a run over processes, each with "
                             "its own --out, then concatenate their graphs.json)")
    parser.add_argument("--epochs", type=int, default=100, help="max epochs (graphs; early stopping on validation)")
    parser.add_argument("--patience", type=int, default=20)
    parser.add_argument("--grid", type=int, nargs="+", default=[32, 64], help="hidden widths tried (graphs)")
    parser.add_argument("--layers", type=int, default=4)
    parser.add_argument("--fusion-level", choices=["node", "graph"], default="node",
                        help="graphs: FusionGNN's fusion_level (fuse per-layer graph read-outs, or per node)")
    parser.add_argument("--lr", type=float, default=5e-3)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--cifar-epochs", type=int, default=5)
    parser.add_argument("--cifar-channels", type=int, nargs="+", default=[32, 64, 128])
    parser.add_argument("--imdb-n", type=int, default=5000, help="reviews per split (class-balanced sample)")
    parser.add_argument("--imdb-epochs", type=int, default=3)
    parser.add_argument("--max-len", type=int, default=200)
    parser.add_argument("--vocab", type=int, default=20000)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--merge-from", default=None,
                        help="report: also take rows from this earlier --out for variants (fusion, level) "
                             "that --out does not have, e.g. the unchanged baselines of an earlier run")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    unknown = [f for f in args.fusions if f not in FUSIONS and f not in VARIANTS]
    if unknown:
        sys.exit(f"unknown fusions {unknown}; choose from {list(FUSIONS)}")
    for task in args.tasks:
        {"graphs": run_graphs, "wl": run_wl, "fused": run_fused, "timing": run_timing, "cifar": run_cifar, "imdb": run_imdb, "report": run_report}[task](args)


if __name__ == "__main__":
    main()
