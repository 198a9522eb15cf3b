"""The IMDb case study configs (issue 11, part 2) and what they need: the dataset's own split as the
cross-validation scheme, and FusionClassifier on a column of texts."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from fuselearn.exceptions import ConfigError
from fuselearn.experiment import parse_config, run_experiment
from fuselearn.experiment._config import CVConfig
from fuselearn.experiment._data import iter_splits, load_data

CASES = Path(__file__).resolve().parents[2] / "examples" / "case_studies"
IMDB = [CASES / "imdb.yaml", CASES / "imdb_quick.yaml"]


def _norm(est):  # YAML gives lists where Python gives tuples
    return {k: tuple(v) if isinstance(v, list) else v for k, v in est.get_params().items()
            if k != "random_state" and not hasattr(v, "get_params")}


@pytest.mark.parametrize("path", IMDB, ids=[p.stem for p in IMDB])
def test_imdb_config_is_valid_without_data(path):
    from fuselearn import FusionClassifier, NBSVMClassifier
    from fuselearn.data._catalogue import CATALOGUE
    from fuselearn.experiment._build import build_pipeline, pipeline_members

    config = parse_config(yaml.safe_load(path.read_text()), base_dir=path.parent)
    assert [ds.source for ds in config.datasets] == ["imdb_reviews"]
    assert "imdb_reviews" in {e.name for e in CATALOGUE}
    assert config.cv.scheme == "predefined"  # the official 25,000 / 25,000 split
    assert pipeline_members(config.pipelines)["fusion"] == ["nbsvm", "minilm", "cnn1d"]
    built = {p.name: build_pipeline(p, config.pipelines, seed=0) for p in config.pipelines}
    fusion = built["fusion"]
    assert isinstance(fusion, FusionClassifier) and fusion.method == "stacking" and fusion.cv == 5
    for name, member in fusion.estimators:  # the fusion's members are the pipelines reported alone
        steps = getattr(member, "steps", [(name, member)])
        assert [_norm(s) for _, s in steps] == [_norm(s) for _, s in getattr(built[name], "steps", [(name, built[name])])], name
    assert built["minilm"].named_steps["embed"].max_length == 128
    assert built["minilm"].named_steps["embed"].cache is True
    assert isinstance(built["nbsvm"], NBSVMClassifier)  # the library's NBSVM, as the benchmark runs it
    assert tuple(built["nbsvm"].ngram_range) == (1, 3) and built["nbsvm"].token_pattern == "punct"


def test_quick_config_is_the_full_one_on_fewer_rows():
    full, quick = (yaml.safe_load(p.read_text()) for p in IMDB)
    assert quick["datasets"][0].pop("max_rows") == 2000
    assert "max_rows" not in full["datasets"][0]
    assert quick["pipelines"] == full["pipelines"] and quick["cv"] == full["cv"]
    assert quick["datasets"] == full["datasets"]


def test_predefined_scheme_is_the_datasets_own_split():
    y = np.array([0, 1] * 5)
    split = {"train": np.array([4, 0, 1, 2]), "test": np.array([9, 3, 5, 6, 7, 8])}
    cv = CVConfig(scheme="predefined")
    for seed in (0, 1):  # the same fold whatever the seed
        (train, test), = iter_splits(cv, y, seed, "binary", split=split)
        assert train.tolist() == [0, 1, 2, 4] and test.tolist() == [3, 5, 6, 7, 8, 9]
    with pytest.raises(ConfigError, match=r"'predefined'.*'toy' has no predefined split"):
        iter_splits(cv, y, 0, "binary", split=None, dataset="toy")
    with pytest.raises(ConfigError, match=r"parts \['train'\]"):
        iter_splits(cv, y, 0, "binary", split={"train": split["train"]}, dataset="toy")
    with pytest.raises(ConfigError, match="empty train or test part"):
        iter_splits(cv, y, 0, "binary", split={"train": split["train"], "test": np.array([], int)})


def _fake_imdb(n_per_part=30):
    """A tiny IMDb look-alike: texts naming their part and row, sentiment words, a train/test split."""
    from fuselearn.data import Dataset

    rng = np.random.default_rng(0)
    texts, y = [], []
    for part in ("train", "test"):
        for i in range(n_per_part):
            label = i % 2
            words = rng.choice(["great", "lovely", "superb"] if label else ["awful", "dull", "bad"], 6)
            texts.append(f"{part}-{i} " + " ".join(words) + " film plot acting")
            y.append(label)
    split = {"train": np.arange(n_per_part), "test": np.arange(n_per_part, 2 * n_per_part)}
    return Dataset(inputs={"text": texts}, target=np.array(y), task="binary", name="imdb_reviews", split=split)


@pytest.fixture
def fake_imdb(monkeypatch):
    import fuselearn.data

    monkeypatch.setattr(fuselearn.data, "load_dataset", lambda *a, **k: _fake_imdb())


def test_subsampled_dataset_keeps_each_row_in_its_part(fake_imdb):
    config = parse_config({"datasets": [{"name": "imdb", "source": "imdb_reviews", "max_rows": 20}],
                           "pipelines": [{"name": "lr", "estimator": "sklearn.linear_model.LogisticRegression"}],
                           "cv": {"scheme": "predefined"}})
    loaded = load_data(config.datasets[0], config)
    assert len(loaded.X) == 20
    train, test = loaded.split["train"], loaded.split["test"]
    assert sorted(np.r_[train, test].tolist()) == list(range(20))
    assert all(loaded.X[i].startswith("train-") for i in train)
    assert all(loaded.X[i].startswith("test-") for i in test)


@pytest.mark.slow  # a cnn1d and a cross-fitted fusion through the runner: 5-50 s on a shared 2-core machine
def test_imdb_quick_config_runs_on_a_tiny_split(fake_imdb, tmp_path):
    """The quick config end to end on 60 fake reviews (MiniLM left out: no model load in a unit test)."""
    config = yaml.safe_load(IMDB[1].read_text())
    config["pipelines"] = [p for p in config["pipelines"] if p["name"] != "minilm"]
    fusion = next(p for p in config["pipelines"] if p["name"] == "fusion")
    fusion["estimators"] = [{"ref": "nbsvm"}, {"ref": "cnn1d"}]
    fusion["params"]["cv"] = 2
    net = next(p for p in config["pipelines"] if p["name"] == "cnn1d")["steps"][1]["params"]
    net.update(max_epochs=1, module_params={**net["module_params"], "embed_dim": 8, "n_filters": 4})
    config["datasets"][0]["max_rows"] = 60
    config.pop("time_budget")  # in-process: no worker start-up in a unit test
    result = run_experiment(parse_config(config, base_dir=IMDB[1].parent), tmp_path / "run", progress=False)
    assert result.n_failed == 0 and result.n_ok == result.n_cells == 3  # one fold: the split


def test_fusion_classifier_takes_a_column_of_texts():
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    from fuselearn import FusionClassifier
    from fuselearn.extract import TfidfExtractor

    ds = _fake_imdb(20)
    texts, y = ds.inputs["text"], ds.target
    fusion = FusionClassifier([("nb", make_pipeline(TfidfExtractor(nb_weighting=True), LogisticRegression())),
                               ("tfidf", make_pipeline(TfidfExtractor(), LogisticRegression()))],
                              method="stacking", cv=2, random_state=0)
    fusion.fit(texts, y)
    assert fusion.oof_predictions_.shape == (2, len(texts), 2)
    assert (fusion.predict(texts[:20]) == y[:20]).mean() > 0.9  # sentiment words decide the label
    assert fusion.predict(np.asarray(["superb lovely", "awful dull"], dtype=object)).tolist() == [1, 0]
