"""Config validation: every error names its key path and stops before any work (exit code 2)."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from conftest import tiny_config
from fuselearn.cli import app
from fuselearn.exceptions import ConfigError
from fuselearn.experiment import load_config, parse_config


def _neural(params):
    return {"name": "net", "estimator": "fuselearn.NeuralClassifier", "params": params}


def test_valid_config_defaults(write_config):
    cfg = load_config(write_config(tiny_config()))
    assert [d.name for d in cfg.datasets] == ["iris", "bc"]
    assert cfg.primary_metric == "accuracy"
    assert cfg.backend == "local" and cfg.seeds == [0]


@pytest.mark.parametrize(
    "change, match",
    [
        ({"pipeline": []}, r"pipeline: unknown key\. Did you mean 'pipelines'\?"),
        ({"cv": {"schem": "kfold"}}, r"cv\.schem: unknown key\. Did you mean 'scheme'\?"),
        ({"cv": {"scheme": "loo"}}, r"cv\.scheme: Input should be"),
        ({"seeds": ["a"]}, r"seeds\[0\]: Input should be a valid integer"),
        ({"metrics": ["acuracy"]}, r"metrics\[0\]: unknown metric 'acuracy'\. Did you mean 'accuracy'\?"),
        ({"time_budget": -1}, r"time_budget: Input should be greater than 0"),
        ({"datasets": [{"name": "iris", "max_row": 3}]}, r"datasets\[0\]\.max_row: unknown key\. Did you mean 'max_rows'\?"),
        ({"datasets": [{"name": "irls"}]}, r"datasets\[0\]\.name: unknown dataset 'irls'\. Did you mean 'iris'\?"),
        ({"datasets": [{"name": "d", "source": "csv", "path": "nope.csv", "target": "y"}]}, r"datasets\[0\]\.path: file .*nope\.csv' does not exist"),
    ],
)
def test_config_errors_name_the_key_path(change, match):
    with pytest.raises(ConfigError, match=match):
        parse_config(tiny_config(**change))


def test_misspelt_estimator_parameter_suggests_the_closest():
    config = tiny_config()
    config["pipelines"].append(_neural({"max_epoch": 3}))
    with pytest.raises(ConfigError, match=r"pipelines\[3\]\.params\.max_epoch: unknown parameter "
                       r"of NeuralClassifier\. Did you mean 'max_epochs'\?"):
        parse_config(config)


def test_wrong_parameter_type_and_bad_import_path():
    config = tiny_config()
    config["pipelines"].append(_neural({"max_epochs": "ten"}))
    config["pipelines"].append({"name": "x", "estimator": "sklearn.linear_model.LogisticRegresion"})
    with pytest.raises(ConfigError) as info:
        parse_config(config)
    message = str(info.value)
    assert "pipelines[3].params.max_epochs: expected a number, got 'ten'" in message
    assert "pipelines[4].estimator" in message and "Did you mean 'LogisticRegression'" in message


def test_nested_components_and_refs_are_checked():
    config = tiny_config()
    config["pipelines"][2]["estimators"].append({"ref": "tre"})
    config["pipelines"][0]["steps"][1]["params"]["C_"] = 1.0
    with pytest.raises(ConfigError) as info:
        parse_config(config)
    message = str(info.value)
    assert "pipelines[2].estimators[2].ref: no pipeline named 'tre'. Did you mean 'tree'?" in message
    assert "pipelines[0].steps[1].params.C_: unknown parameter of LogisticRegression" in message


def test_csv_dataset_target_column_checked(tmp_path):
    (tmp_path / "d.csv").write_text("a,b,label\n1,2,0\n3,4,1\n")
    ok = tiny_config(datasets=[{"name": "d", "source": "csv", "path": "d.csv", "target": "label"}])
    parse_config(ok, base_dir=tmp_path)
    bad = tiny_config(datasets=[{"name": "d", "source": "csv", "path": "d.csv", "target": "lable"}])
    with pytest.raises(ConfigError, match=r"datasets\[0\]\.target: column 'lable' .*'label'"):
        parse_config(bad, base_dir=tmp_path)


def test_cli_exits_2_before_any_work(write_config, tmp_path):
    config = tiny_config()
    config["pipelines"][1]["params"]["max_dept"] = 2
    path = write_config(config)
    out = tmp_path / "run"
    result = CliRunner().invoke(app, ["run", str(path), "--out", str(out)])
    assert result.exit_code == 2
    assert "pipelines[1].params.max_dept" in result.output
    assert "Did you mean 'max_depth'?" in result.output
    assert not out.exists()


def test_cli_missing_config_file(tmp_path):
    result = CliRunner().invoke(app, ["run", str(tmp_path / "missing.yaml")])
    assert result.exit_code == 2
    assert "does not exist" in result.output


@pytest.mark.parametrize("name", ["mean_average_precision", "Mean-Average-Precision", "F1 Macro", "ROC_AUC"])
def test_metric_names_accepted_as_get_metric_accepts_them(name):
    from fuselearn.metrics import get_metric

    cfg = parse_config(tiny_config(metrics=[name]))
    assert cfg.metrics == [name] and get_metric(cfg.metrics[0]).name in {"map", "f1_macro", "roc_auc"}
