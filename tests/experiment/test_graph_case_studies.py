"""The graph case studies (examples/case_studies/{mutag,proteins,nci1,imdb_binary}.yaml): valid, and runnable."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml
from sklearn.model_selection import GridSearchCV

from fuselearn import FusionClassifier, NeuralClassifier
from fuselearn.data import Dataset, Graph
from fuselearn.experiment import parse_config, run_experiment

FOLDER = Path(__file__).resolve().parents[2] / "examples" / "case_studies"
GRAPH_CASES = {"mutag": "mutag", "proteins": "proteins", "nci1": "nci1", "imdb_binary": "imdb_binary"}
PATHS = [FOLDER / f"{stem}.yaml" for stem in GRAPH_CASES]


@pytest.mark.parametrize("path", PATHS, ids=[p.stem for p in PATHS])
def test_graph_case_study_config_is_valid_without_data(path):
    """Parses, names its registered dataset, and fuses the WL anchor, two cheap classical members and
    FusionGNN members (AFF among them)."""
    from fuselearn.data._catalogue import CATALOGUE
    from fuselearn.experiment._build import build_pipeline, pipeline_members

    config = parse_config(yaml.safe_load(path.read_text()), base_dir=path.parent)
    assert [ds.source or ds.name for ds in config.datasets] == [GRAPH_CASES[path.stem]]
    assert GRAPH_CASES[path.stem] in {e.name for e in CATALOGUE}
    assert config.cv.scheme == "stratified_kfold" and config.cv.n_splits == 10  # the strict protocol's folds
    built = {p.name: build_pipeline(p, config.pipelines, seed=0) for p in config.pipelines}
    members = pipeline_members(config.pipelines)["fusion"]
    assert members[:3] == ["wl_svm", "stats_rf", "wl_lgbm"] and "gnn_aff" in members and len(members) >= 4
    fusion = built["fusion"]
    assert isinstance(fusion, FusionClassifier) and fusion.method == "stacking" and fusion.bagging
    wl = built["wl_svm"]
    assert isinstance(wl, GridSearchCV)  # h and C chosen on the training rows only
    assert set(wl.param_grid) == {"wl__n_iter", "svm__estimator__C"}
    assert wl.estimator.named_steps["wl"].unseen == "norm"  # test graphs normalised by their full norm
    union = built["stats_rf"].steps[0][1]
    assert [type(t).__name__ for _, t in union.transformer_list] == ["WLFeatures", "GraphStatistics"]
    for name in members[3:]:
        gnn = built[name]
        assert isinstance(gnn, NeuralClassifier) and gnn.module == "gnn"
        assert gnn.module_params["fusion"] == name.removeprefix("gnn_")
        assert 0 < gnn.validation_fraction < 1 and gnn.patience  # early stopping on the training rows


def _tiny_graphs(n=72, seed=0):
    """Cycles (label 1) and paths (label 0) with two atom labels: separable by WL and by a GNN."""
    rng = np.random.default_rng(seed)
    graphs, y = [], []
    for i in range(n):
        k, cycle = int(rng.integers(4, 9)), i % 2 == 1
        edges = [(j, j + 1) for j in range(k - 1)] + ([(k - 1, 0)] if cycle else [])
        e = np.array(edges).T
        labels = rng.integers(0, 2, size=k)
        x = np.eye(2, dtype=np.float32)[labels]
        graphs.append(Graph(edge_index=np.hstack([e, e[::-1]]), num_nodes=k, x=x, node_labels=labels, y=int(cycle)))
        y.append(int(cycle))
    return graphs, np.array(y)


@pytest.mark.slow
def test_mutag_case_study_runs_end_to_end_on_tiny_graphs(tmp_path, monkeypatch):
    """The config as shipped, shrunk (2 folds, 2 epochs), on synthetic graphs instead of MUTAG's files."""
    from fuselearn import data

    graphs, y = _tiny_graphs()

    def fake_load(name, data_dir=None, **kwargs):
        assert name == "mutag"
        return Dataset(name="mutag", inputs={"graph": graphs}, target=y, task="binary")

    monkeypatch.setattr(data, "load_dataset", fake_load)
    config = yaml.safe_load((FOLDER / "mutag.yaml").read_text())
    for pipe in config["pipelines"]:
        if pipe["estimator"] == "fuselearn.NeuralClassifier":
            pipe["params"].update(max_epochs=2, patience=None)
        if pipe["name"] == "wl_svm":
            pipe["params"].update(cv=2, param_grid={"wl__n_iter": [1, 2], "svm__estimator__C": [1.0]})
        if pipe["name"] == "fusion":
            pipe["params"]["cv"] = 2
    config["cv"] = {"scheme": "stratified_kfold", "n_splits": 2}
    result = run_experiment(parse_config(config, base_dir=FOLDER), tmp_path / "run", progress=False)
    assert result.n_failed == 0 and result.n_ok == result.n_cells == 2 * 7  # 7 pipelines, 2 folds
