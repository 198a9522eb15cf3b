"""Every bad input answered clearly: a table of bad inputs across fuselearn.

Each row is ``(id, call, exception class, regex)``: ``call(ws)`` must raise the class (from fuselearn's
exception tree, src/fuselearn/exceptions.py) with a message that matches the regex, which names the
offending thing (the parameter, the column, the file, the name). Command-line rows raise
:class:`CommandFailed` with the command's output; a command that ends in a traceback instead re-raises
that exception, so the row fails. Keep the table growing: each new bad input found is one more row.
"""

from __future__ import annotations

import hashlib
import json
import pickle
import re
import shutil
import warnings
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from sklearn.datasets import load_iris
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.tree import DecisionTreeClassifier
from typer.testing import CliRunner

from fuselearn import (
    FusionClassifier,
    HybridClassifier,
    ModalityFusion,
    NeuralClassifier,
    NeuralExtractor,
    NeuralRegressor,
    load,
    save,
)
from fuselearn.cli import app
from fuselearn.data import (
    download,
    get_dataset_info,
    load_dataset,
    load_image_folder,
    load_skab_folder,
    load_table,
    load_text_csv,
    load_tu,
    safe_unpickle,
)
from fuselearn.evaluate import explain, fairness, member_contributions, robustness
from fuselearn.exceptions import (
    ConfigError,
    DataError,
    FuselearnError,
    FuselearnWarning,
    InvalidInputError,
    InvalidParameterError,
    ModelFormatError,
    NotFittedError,
    UnknownNameError,
    UnsafeModelError,
)
from fuselearn.experiment import load_config, parse_config
from fuselearn.extract import (
    AutoencoderEmbedder,
    GraphEmbedder,
    ImageEmbedder,
    TextVectorizer,
    TfidfExtractor,
    WindowFeatures,
    WLFeatures,
)

# --- a workspace shared by the rows -----------------------------------------------------------------


class CommandFailed(Exception):
    """A ``fuselearn`` command exited non-zero; the message is its output, on one line."""


def cli(*args, env: dict | None = None):
    result = CliRunner().invoke(app, [str(a) for a in args], env=env, terminal_width=200)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception  # a traceback reached the user: the row fails with the real class
    if result.exit_code == 0:
        return result
    raise CommandFailed(f"exit {result.exit_code}: " + " ".join(result.output.split()))


@pytest.fixture(scope="module")
def ws(tmp_path_factory) -> SimpleNamespace:
    root = tmp_path_factory.mktemp("bad_inputs")
    X, y = load_iris(return_X_y=True, as_frame=True)
    X.columns = ["sepal_length", "sepal_width", "petal_length", "petal_width"]
    ns = SimpleNamespace(root=root, X=X.to_numpy(), y=y.to_numpy(), frame=X)
    ns.named = save(LogisticRegression(max_iter=500).fit(X, y), root / "named")
    ns.neural = save(NeuralClassifier(max_epochs=2, random_state=0).fit(X.to_numpy(), y), root / "neural")
    ns.neural_small = save(NeuralClassifier(max_epochs=1, random_state=0).fit(X.to_numpy()[:, :2], y),
                           root / "neural_small")
    ns.regressor = save(LinearRegression().fit(X, X["petal_width"]), root / "regressor")
    X.head(5).to_csv(root / "ok.csv", index=False)
    X.head(5).to_csv(root / "headerless.csv", index=False, header=False)
    X.head(5).rename(columns={"sepal_width": "sepal_widht"}).to_csv(root / "typo.csv", index=False)
    X.head(5).assign(petal_length="long").to_csv(root / "words.csv", index=False)
    (root / "empty.csv").write_text("")
    (root / "header_only.csv").write_text(",".join(X.columns) + "\n")
    (root / "binary.csv").write_bytes(b"\xff\xfe\x00\x81\x00garbage\x00\xff")
    (root / "malformed.csv").write_text("a,b,y\n1,2,0\n3,4,5,6,7\n")
    (root / "nodata").mkdir()
    (root / "store_dir").mkdir()
    return ns


def _copy(ws, name: str) -> Path:
    """A private copy of a saved model folder, for rows that damage it."""
    dest = ws.root / f"copy-{name}-{len(list(ws.root.iterdir()))}"
    shutil.copytree(getattr(ws, name), dest)
    return dest


def _with_file(folder: Path, name: str, data: bytes) -> Path:
    (folder / name).write_bytes(data)
    return folder


def _damaged(ws, model: str, file: str, data: bytes | None, *, append: bool = False) -> Path:
    """A copy of a saved model with ``file`` removed (``data=None``), replaced or appended to."""
    folder = _copy(ws, model)
    if data is None:
        (folder / file).unlink()
    elif append:
        with open(folder / file, "ab") as fh:
            fh.write(data)
    else:
        (folder / file).write_bytes(data)
    return folder


def _edit_manifest(folder: Path, edit) -> Path:
    manifest = json.loads((folder / "manifest.json").read_text())
    edit(manifest)
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return folder


def _rehash(folder: Path, file: str) -> Path:
    digest = hashlib.sha256((folder / file).read_bytes()).hexdigest()
    return _edit_manifest(folder, lambda m: m["files"].__setitem__(file, digest))


def _set_version(lib: str, version: str):
    return lambda m: m["versions"].__setitem__(lib, version)


def _wrong_shapes(ws) -> Path:
    folder = _copy(ws, "neural")
    shutil.copy(ws.neural_small / "weights.safetensors", folder / "weights.safetensors")
    return _rehash(folder, "weights.safetensors")


def _not_safetensors(ws) -> Path:
    folder = _copy(ws, "neural")
    (folder / "weights.safetensors").write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{not json}")
    return _rehash(folder, "weights.safetensors")


def _pickled(ws) -> Path:
    folder = _copy(ws, "named")
    (folder / "estimator.skops").write_bytes(pickle.dumps({"a": 1}))
    return _rehash(folder, "estimator.skops")


def _table(ws, name: str, text: str) -> Path:
    path = ws.root / name
    path.write_text(text)
    return path


def _images(ws, name: str, sizes) -> Path:
    from PIL import Image

    folder = ws.root / name
    for i, size in enumerate(sizes):
        (folder / f"c{i % 2}").mkdir(parents=True, exist_ok=True)
        Image.new("RGB", size).save(folder / f"c{i % 2}" / f"{i}.png")
    return folder


def _cfg(**over) -> dict:
    cfg = {
        "name": "t",
        "datasets": [{"name": "iris"}],
        "pipelines": [{"name": "logreg", "estimator": "sklearn.linear_model.LogisticRegression"}],
        "metrics": ["accuracy"],
    }
    cfg.update(over)
    return cfg


def _config_file(ws, name: str, text: str) -> Path:
    path = ws.root / name
    path.write_text(text)
    return path


def _yaml(ws, name: str, **over) -> Path:
    import yaml

    return _config_file(ws, name, yaml.safe_dump(_cfg(**over)))


def _absent_dataset_env(ws) -> dict:
    return {"FUSELEARN_DATA": str(ws.root / "nodata")}


def _nan(ws):
    X = ws.X.copy()
    X[3, 1] = np.nan
    return X


def _ragged_images():
    return [np.zeros((3, 8, 8), np.float32), np.zeros((3, 6, 6), np.float32)] * 4


def _fitted_image_embedder(ws):
    rng = np.random.default_rng(0)
    X = rng.random((12, 3, 8, 8), dtype=np.float32)
    return ImageEmbedder(image_size=(8, 8), max_epochs=1, hidden_sizes=(4,), random_state=0).fit(
        X, np.arange(12) % 2)


I = InvalidInputError
P = InvalidParameterError

# (id, call(ws), exception class, regex the message must match)
CASES = [
    # ---- neural estimators -------------------------------------------------------------------------
    ("neural_nan_in_X", lambda ws: NeuralClassifier(max_epochs=1).fit(_nan(ws), ws.y), I, r"NaN"),
    ("neural_inf_in_X", lambda ws: NeuralClassifier(max_epochs=1).fit(np.where(ws.X > 7, np.inf, ws.X), ws.y),
     I, r"[Ii]nf"),
    ("neural_y_none", lambda ws: NeuralClassifier(max_epochs=1).fit(ws.X, None), I, r"\by\b"),
    ("neural_one_class", lambda ws: NeuralClassifier(max_epochs=1).fit(ws.X, np.zeros(len(ws.X))), I,
     r"class"),
    ("neural_predict_unfitted", lambda ws: NeuralClassifier().predict(ws.X), NotFittedError,
     r"NeuralClassifier"),
    ("neural_max_epochs_zero", lambda ws: NeuralClassifier(max_epochs=0).fit(ws.X, ws.y), P, r"max_epochs"),
    ("neural_negative_lr", lambda ws: NeuralClassifier(lr=-1.0, max_epochs=1).fit(ws.X, ws.y), P, r"'lr'"),
    ("neural_batch_size_zero", lambda ws: NeuralClassifier(batch_size=0, max_epochs=1).fit(ws.X, ws.y), P,
     r"batch_size"),
    ("neural_validation_fraction", lambda ws: NeuralClassifier(validation_fraction=1.5, max_epochs=1).fit(
        ws.X, ws.y), P, r"validation_fraction"),
    ("neural_hidden_size_zero", lambda ws: NeuralClassifier(hidden_sizes=(0,), max_epochs=1).fit(ws.X, ws.y),
     P, r"hidden_sizes"),
    ("neural_unknown_module", lambda ws: NeuralClassifier(module="mlpp", max_epochs=1).fit(ws.X, ws.y),
     UnknownNameError, r"'mlpp'.*Did you mean 'mlp'"),
    ("neural_wrong_feature_count", lambda ws: load(ws.neural).predict(ws.X[:, :3]), I, r"3 features|features"),
    ("neural_strings_in_X", lambda ws: NeuralClassifier(max_epochs=1).fit(
        np.array([["a", "b"]] * 10), np.arange(10) % 2), I, r"'a'|string|convert"),
    ("neural_3d_tabular", lambda ws: NeuralClassifier(max_epochs=1).fit(np.zeros((10, 2, 2)), np.arange(10) % 2),
     I, r"dim|shape"),
    ("neural_X_y_lengths_differ", lambda ws: NeuralClassifier(max_epochs=1).fit(ws.X, ws.y[:-1]), I,
     r"X has 150 rows but y has 149"),
    ("neural_no_rows", lambda ws: NeuralClassifier(max_epochs=1).fit(np.zeros((0, 4)), np.zeros(0)), I,
     r"0 sample"),
    ("regressor_text_target", lambda ws: NeuralRegressor(max_epochs=1).fit(ws.X[:4], ["a", "b", "c", "d"]), I,
     r"\by\b|'a'|float"),
    ("text_vectorizer_one_string", lambda ws: TextVectorizer().fit("one review"), I, r"single string"),
    ("text_vectorizer_number_in_texts", lambda ws: TextVectorizer().fit(["good", 3]), I, r"element 1"),
    ("text_vectorizer_unknown_tokenizer", lambda ws: TextVectorizer(tokenizer="spacy").fit(["a"]), P,
     r"'tokenizer'.*regex"),
    ("sequence_id_beyond_fitted_vocabulary", lambda ws: NeuralClassifier(
        module="cnn1d", module_params={"n_filters": 2, "embed_dim": 2}, max_epochs=1).fit(
        np.array([[2, 3], [3, 2]]), [0, 1]).predict(np.array([[7, 2]])), I, r"token id 7.*0\.\.3"),
    ("transformer_nhead_not_dividing", lambda ws: NeuralClassifier(
        module="transformer", module_params={"d_model": 6, "nhead": 4}, max_epochs=1).fit(
        np.array([[2, 3], [3, 2]]), [0, 1]), P, r"nhead.*divisor of d_model=6"),
    ("image_module_on_flat_rows", lambda ws: NeuralClassifier(module="cnn", max_epochs=1).fit(ws.X, ws.y), I,
     r"image_shape|\(n, C, H, W\)"),
    ("image_shape_mismatch", lambda ws: NeuralClassifier(
        module="cnn", module_params={"image_shape": (3, 5, 5)}, max_epochs=1).fit(ws.X, ws.y), I, r"image_shape"),
    ("images_of_different_shapes", lambda ws: ImageEmbedder(max_epochs=1).fit(
        _ragged_images(), np.arange(8) % 2), I, r"image 1.*\(3, 6, 6\).*\(3, 8, 8\)"),
    ("image_size_differs_from_fit", lambda ws: _fitted_image_embedder(ws).transform(
        np.zeros((2, 3, 6, 6), np.float32)), I, r"\(3, 6, 6\).*\(3, 8, 8\)"),
    ("image_channels_differ_from_fit", lambda ws: _fitted_image_embedder(ws).transform(
        np.zeros((2, 1, 8, 8), np.float32)), I, r"\(1, 8, 8\).*\(3, 8, 8\)"),
    # ---- fusion, hybrid, modality ------------------------------------------------------------------
    ("fusion_no_members", lambda ws: FusionClassifier([]).fit(ws.X, ws.y), P, r"estimators"),
    ("fusion_unknown_method", lambda ws: FusionClassifier(
        [("lr", LogisticRegression())], method="meen").fit(ws.X, ws.y), UnknownNameError, r"meen.*'mean'"),
    ("fusion_duplicate_names", lambda ws: FusionClassifier(
        [("a", LogisticRegression()), ("a", DecisionTreeClassifier())]).fit(ws.X, ws.y), P, r"'a'|name"),
    ("fusion_cv_one", lambda ws: FusionClassifier(
        [("lr", LogisticRegression()), ("dt", DecisionTreeClassifier())], method="stacking", cv=1).fit(ws.X, ws.y),
     P, r"cv"),
    ("fusion_weights_length", lambda ws: FusionClassifier(
        [("lr", LogisticRegression()), ("dt", DecisionTreeClassifier())], weights=[1, 2, 3]).fit(ws.X, ws.y),
     P, r"weights"),
    ("fusion_predict_unfitted", lambda ws: FusionClassifier([("lr", LogisticRegression())]).predict(ws.X),
     NotFittedError, r"FusionClassifier"),
    ("hybrid_extractor_without_transform", lambda ws: HybridClassifier(
        LogisticRegression(), cross_fit=2).fit(ws.X, ws.y), P, r"extractor|transform"),
    ("hybrid_cross_fit_one", lambda ws: HybridClassifier(
        NeuralExtractor(max_epochs=1), cross_fit=1).fit(ws.X, ws.y), P, r"cross_fit"),
    ("fusion_member_column_index_in_range", lambda ws: FusionClassifier(
        [("lr", LogisticRegression(), [0, 1])]).fit(ws.X, ws.y).predict(ws.X[:, :1]), I, r"feature|column"),
    ("modality_unknown_strategy", lambda ws: ModalityFusion(
        {"table": (["sepal_length"], None)}, strategy="earli").fit(ws.frame, ws.y), UnknownNameError,
     r"earli.*'early'"),
    ("modality_unknown_fusion_layer", lambda ws: ModalityFusion(
        {"a": (["sepal_length"], None), "b": (["petal_width"], None)}, strategy="intermediate",
        fusion="concatt", max_epochs=1).fit(ws.frame, ws.y), UnknownNameError, r"concatt.*'concat'"),
    # ---- extractors --------------------------------------------------------------------------------
    ("tfidf_unfitted", lambda ws: TfidfExtractor().transform(["a b"]), NotFittedError, r"TfidfExtractor"),
    ("tfidf_numbers_not_text", lambda ws: TfidfExtractor().fit(np.arange(6).reshape(6, 1), np.arange(6) % 2), I,
     r"text|str"),
    ("tfidf_ngram_range_reversed", lambda ws: TfidfExtractor(ngram_range=(2, 1)).fit(["a b", "c d"], [0, 1]),
     FuselearnError, r"TfidfExtractor.*ngram_range=\(2, 1\)"),
    ("window_zero", lambda ws: WindowFeatures(window=0).fit(ws.X), P, r"window"),
    ("window_unknown_stat", lambda ws: WindowFeatures(stats=("meen",)).fit(ws.X), UnknownNameError,
     r"'meen'.*'mean'"),
    ("window_negative_lag", lambda ws: WindowFeatures(lags=(-1,)).fit(ws.X), P, r"lags"),
    ("wl_negative_iterations", lambda ws: WLFeatures(n_iter=-1).fit([]), P, r"n_iter"),
    ("wl_not_graphs", lambda ws: WLFeatures().fit(ws.X), I, r"graph"),
    ("graph_embedder_not_graphs", lambda ws: GraphEmbedder(max_epochs=1).fit(ws.X, ws.y), I, r"graph"),
    ("autoencoder_encoding_dim_zero", lambda ws: AutoencoderEmbedder(encoding_dim=0, max_epochs=1).fit(ws.X), P,
     r"encoding_dim"),
    ("autoencoder_nan", lambda ws: AutoencoderEmbedder(max_epochs=1).fit(_nan(ws)), I, r"NaN"),
    ("image_embedder_bad_size", lambda ws: ImageEmbedder(image_size=(0, 32)).fit(
        np.zeros((4, 3, 8, 8)), [0, 1, 0, 1]), P, r"image_size"),
    ("image_embedder_negative_padding", lambda ws: ImageEmbedder(crop_padding=-1).fit(
        np.zeros((4, 3, 8, 8)), [0, 1, 0, 1]), P, r"crop_padding"),
    ("image_embedder_undecodable", lambda ws: ImageEmbedder(max_epochs=1).fit(
        [b"not an image"] * 4, [0, 1, 0, 1]), I, r"Image 0"),
    # ---- persistence -------------------------------------------------------------------------------
    ("load_missing_folder", lambda ws: load(ws.root / "no-such-model"), ModelFormatError,
     r"no-such-model.*not a saved fuselearn model"),
    ("load_without_manifest", lambda ws: load(_damaged(ws, "named", "manifest.json", None)), ModelFormatError,
     r"manifest\.json is missing"),
    ("load_manifest_not_json", lambda ws: load(_damaged(ws, "named", "manifest.json", b"{")), ModelFormatError,
     r"manifest\.json is not valid JSON"),
    ("load_future_format", lambda ws: load(_edit_manifest(
        _copy(ws, "named"), lambda m: m.__setitem__("format_version", 99))), ModelFormatError,
     r"format_version 99"),
    ("load_modified_skops", lambda ws: load(_damaged(ws, "named", "estimator.skops", b"x", append=True)),
     ModelFormatError, r"estimator\.skops was modified"),
    ("load_missing_weights", lambda ws: load(_damaged(ws, "neural", "weights.safetensors", None)), ModelFormatError,
     r"weights\.safetensors is listed in the manifest but missing"),
    ("load_pickle_payload", lambda ws: load(_pickled(ws)), UnsafeModelError, r"estimator\.skops.*pickle"),
    ("load_unexpected_file", lambda ws: load(_edit_manifest(
        _copy(ws, "named"), lambda m: m["files"].__setitem__("run.sh", "0" * 64))), UnsafeModelError,
     r"'run\.sh'"),
    ("load_other_major_sklearn", lambda ws: load(_edit_manifest(
        _copy(ws, "named"), _set_version("scikit-learn", "0.24.2"))), ModelFormatError,
     r"major version of scikit-learn 0\.24\.2 \(installed: "),
    ("load_other_major_fuselearn", lambda ws: load(_edit_manifest(
        _copy(ws, "neural"), _set_version("fuselearn", "7.0.0"))), ModelFormatError, r"fuselearn 7\.0\.0"),
    ("load_versions_not_a_mapping", lambda ws: load(_edit_manifest(
        _copy(ws, "named"), lambda m: m.__setitem__("versions", "1.0"))), ModelFormatError, r"'versions'"),
    ("load_weights_wrong_shapes", lambda ws: load(_wrong_shapes(ws)), ModelFormatError,
     r"weights\.safetensors: the weights 'module0' do not fit.*size mismatch"),
    ("load_weights_not_safetensors", lambda ws: load(_not_safetensors(ws)), ModelFormatError,
     r"weights\.safetensors is not a valid safetensors file"),
    ("save_over_existing", lambda ws: save(LogisticRegression(), ws.named), P, r"already exists.*overwrite"),
    ("save_not_an_estimator", lambda ws: save(lambda x: x, ws.root / "fn"), P, r"estimator instance.*function"),
    ("save_class_not_instance", lambda ws: save(LogisticRegression, ws.root / "cls"), P,
     r"estimator instance.*LogisticRegression"),
    ("save_parent_is_a_file", lambda ws: save(LogisticRegression(), ws.root / "ok.csv" / "model"), P,
     r"ok\.csv cannot be created"),
    ("load_path_none", lambda ws: load(None), P, r"'path' parameter of fuselearn\.load"),
    # ---- data loaders ------------------------------------------------------------------------------
    ("table_missing_file", lambda ws: load_table(ws.root / "absent.csv", target="y"), DataError,
     r"absent\.csv' does not exist"),
    ("table_no_target_column", lambda ws: load_table(_table(ws, "t1.csv", "a,b\n1,2\n"), target="y"), DataError,
     r"no target column 'y'"),
    ("table_malformed_row", lambda ws: load_table(ws.root / "malformed.csv", target="y"), DataError,
     r"Malformed row in .*malformed\.csv.*line 3"),
    ("table_empty_file", lambda ws: load_table(ws.root / "empty.csv", target="y"), DataError,
     r"empty\.csv' is empty"),
    ("table_header_only", lambda ws: load_table(ws.root / "header_only.csv", target="petal_width"), DataError,
     r"header_only\.csv' has no rows"),
    ("table_not_text", lambda ws: load_table(ws.root / "binary.csv", target="y"), DataError,
     r"Cannot read '.*binary\.csv'.*decode"),
    ("image_folder_bad_mode", lambda ws: load_image_folder(ws.root, mode="CMYK"), DataError, r"'mode'.*CMYK"),
    ("image_folder_mixed_sizes", lambda ws: load_image_folder(_images(ws, "mixed", [(8, 8), (8, 8), (6, 9)])),
     DataError, r"c0/2\.png.*\(9, 6\)|size="),
    ("image_folder_undecodable", lambda ws: load_image_folder(
        _with_file(_images(ws, "undecodable", [(4, 4)] * 2), "c0/bad.png", b"nope")),
     DataError, r"bad\.png"),
    ("image_folder_empty", lambda ws: load_image_folder(ws.root / "nodata"), DataError, r"nodata"),
    ("text_csv_no_text_column", lambda ws: load_text_csv(_table(ws, "t2.csv", "body,label\nhi,1\n")), DataError,
     r"'text'"),
    ("text_csv_empty", lambda ws: load_text_csv(ws.root / "empty.csv"), DataError, r"empty\.csv' is empty"),
    ("skab_folder_empty", lambda ws: load_skab_folder(ws.root / "nodata"), DataError, r"nodata"),
    ("tu_missing_folder", lambda ws: load_tu(ws.root / "no-tu"), DataError, r"no-tu' does not exist"),
    ("image_folder_bad_size", lambda ws: load_image_folder(ws.root, size=(0, 32)), P, r"'size'.*\(0, 32\)"),
    ("text_csv_empty_label", lambda ws: load_text_csv(_table(ws, "t3.csv", "text,label\nhello,1\nbye,\n")),
     DataError, r"t3\.csv.*label of data row 2 is missing"),
    ("download_bad_digest", lambda ws: download("file:///etc/hostname", ws.root / "dl1", "nothex"), P,
     r"'sha256'.*'nothex'"),
    ("download_to_a_folder", lambda ws: download("file:///etc/hostname", ws.root, "0" * 64), DataError,
     r"is a folder"),
    ("download_unsupported_scheme", lambda ws: download("gopher://x/y", ws.root / "dl2", "0" * 64), DataError,
     r"'gopher://x/y'.*http"),
    ("download_missing_source", lambda ws: download(f"file://{ws.root}/absent.bin", ws.root / "dl3", "0" * 64),
     DataError, r"absent\.bin"),
    ("unknown_dataset_name", lambda ws: get_dataset_info("mutagg"), UnknownNameError, r"'mutagg'.*'mutag'"),
    ("registered_dataset_absent", lambda ws: load_dataset("mutag", ws.root / "nodata"), DataError,
     r"MUTAG_A\.txt' was not found.*nodata"),
    ("unpickle_code", lambda ws: safe_unpickle(pickle.dumps(shutil.rmtree), "evil.pkl"), DataError,
     r"evil\.pkl.*rmtree"),
    # ---- experiment config -------------------------------------------------------------------------
    ("config_unknown_metric", lambda ws: parse_config(_cfg(metrics=["acuracy"])), ConfigError,
     r"metrics\[0\]: unknown metric 'acuracy'\. Did you mean 'accuracy'"),
    ("config_unknown_dataset", lambda ws: parse_config(_cfg(datasets=[{"name": "iriss"}])), ConfigError,
     r"datasets\[0\]\.name: unknown dataset 'iriss'\. Did you mean 'iris'"),
    ("config_unknown_pipeline_ref", lambda ws: parse_config(_cfg(pipelines=[
        {"name": "logreg", "estimator": "sklearn.linear_model.LogisticRegression"},
        {"name": "fusion", "estimator": "fuselearn.FusionClassifier", "estimators": [{"ref": "logregg"}]}])),
     ConfigError, r"'logregg'.*Did you mean 'logreg'"),
    ("config_unknown_key", lambda ws: parse_config(_cfg(metricz=["accuracy"])), ConfigError,
     r"metricz: unknown key\. Did you mean 'metrics'"),
    ("config_unknown_estimator_path", lambda ws: parse_config(_cfg(pipelines=[
        {"name": "lr", "estimator": "sklearn.linear_model.LogisticRegresion"}])), ConfigError,
     r"LogisticRegresion"),
    ("config_unknown_estimator_param", lambda ws: parse_config(_cfg(pipelines=[
        {"name": "lr", "estimator": "sklearn.linear_model.LogisticRegression", "params": {"max_iterr": 5}}])),
     ConfigError, r"max_iterr.*unknown parameter"),
    ("config_bad_estimator_value", lambda ws: parse_config(_cfg(pipelines=[
        {"name": "lr", "estimator": "sklearn.linear_model.LogisticRegression", "params": {"C": -1}}])),
     ConfigError, r"pipelines\[0\]\.params: The 'C' parameter of LogisticRegression must be .* Got -1"),
    ("config_bad_nested_value", lambda ws: parse_config(_cfg(pipelines=[
        {"name": "p", "estimator": "sklearn.pipeline.Pipeline", "steps": [
            {"name": "tree", "estimator": "sklearn.tree.DecisionTreeClassifier", "params": {"max_depth": 0}}]}])),
     ConfigError, r"pipelines\[0\]\.steps\[0\]\.params: The 'max_depth' parameter"),
    ("config_bad_param_type", lambda ws: parse_config(_cfg(pipelines=[
        {"name": "n", "estimator": "fuselearn.NeuralClassifier", "params": {"max_epochs": "ten"}}])),
     ConfigError, r"params\.max_epochs: expected a number, got 'ten'"),
    ("config_csv_target_typo", lambda ws: parse_config(_cfg(datasets=[
        {"name": "x", "source": "csv", "path": str(_table(ws, "t4.csv", "a,label\n1,0\n")), "target": "lable"}])),
     ConfigError, r"datasets\[0\]\.target: column 'lable' is not in t4\.csv\. Did you mean 'label'"),
    ("config_repeated_seeds", lambda ws: parse_config(_cfg(seeds=[0, 0])), ConfigError, r"seeds"),
    ("config_unknown_cv_scheme", lambda ws: parse_config(_cfg(cv={"scheme": "kfoldd"})), ConfigError,
     r"cv\.scheme"),
    ("config_not_a_mapping", lambda ws: parse_config(["a"]), ConfigError, r"expected a mapping"),
    ("config_file_missing", lambda ws: load_config(ws.root / "absent.yaml"), ConfigError,
     r"absent\.yaml' does not exist"),
    ("config_file_not_yaml", lambda ws: load_config(_config_file(ws, "bad.yaml", "a: [1, 2\n")), ConfigError,
     r"bad\.yaml' is not valid YAML"),
    ("config_negative_time_budget", lambda ws: parse_config(_cfg(time_budget=-5)), ConfigError, r"time_budget"),
    # ---- command line ------------------------------------------------------------------------------
    ("cli_predict_empty_csv", lambda ws: cli("predict", ws.named, ws.root / "empty.csv"), CommandFailed,
     r"empty\.csv is empty"),
    ("cli_predict_header_only", lambda ws: cli("predict", ws.named, ws.root / "header_only.csv"), CommandFailed,
     r"header_only\.csv has a header line but no rows"),
    ("cli_predict_unreadable_csv", lambda ws: cli("predict", ws.named, ws.root / "binary.csv"), CommandFailed,
     r"binary\.csv cannot be read as a CSV"),
    ("cli_predict_csv_is_folder", lambda ws: cli("predict", ws.named, ws.root / "nodata"), CommandFailed,
     r"nodata is a folder"),
    ("cli_predict_missing_csv", lambda ws: cli("predict", ws.named, ws.root / "absent.csv"), CommandFailed,
     r"absent\.csv does not exist"),
    ("cli_predict_headerless_named_model", lambda ws: cli("predict", ws.named, ws.root / "headerless.csv"),
     CommandFailed, r"lacks the model's column.*looks like data.*--no-header"),
    ("cli_predict_headerless_array_model", lambda ws: cli("predict", ws.neural, ws.root / "headerless.csv"),
     CommandFailed, r"headerless\.csv: refusing to read the first line as a header.*--no-header"),
    ("cli_predict_misspelt_column", lambda ws: cli("predict", ws.named, ws.root / "typo.csv"), CommandFailed,
     r"lacks the model's column\(s\) 'sepal_width'"),
    ("cli_predict_too_many_columns_by_position", lambda ws: cli(
        "predict", ws.neural_small, ws.root / "ok.csv"), CommandFailed, r"has 4 column\(s\); the model takes 2.*--drop"),
    ("cli_predict_drop_unknown_column", lambda ws: cli("predict", ws.named, ws.root / "ok.csv", "--drop", "idd"),
     CommandFailed, r"--drop names 'idd'"),
    ("cli_predict_text_in_numeric_column", lambda ws: cli("predict", ws.named, ws.root / "words.csv"),
     CommandFailed, r"words\.csv:.*long"),
    ("cli_predict_bad_model", lambda ws: cli("predict", ws.root / "no-model", ws.root / "ok.csv"), CommandFailed,
     r"no-model is not a saved fuselearn model"),
    ("cli_predict_proba_of_regressor", lambda ws: cli("predict", ws.regressor, ws.root / "ok.csv", "--proba"),
     CommandFailed, r"LinearRegression has no predict_proba"),
    ("cli_predict_out_is_folder", lambda ws: cli("predict", ws.named, ws.root / "ok.csv", "--out", ws.root),
     CommandFailed, r"--out .* is a folder"),
    ("cli_datasets_unknown_name", lambda ws: cli("datasets", "verify", "mutagg"), CommandFailed,
     r"'mutagg'.*Did you mean 'mutag'"),
    ("cli_datasets_files_absent_env_set", lambda ws: cli("datasets", "verify", "mutag",
                                                         env=_absent_dataset_env(ws)),
     CommandFailed, r"MISSING mutag.*FUSELEARN_DATA is set to '.*nodata'"),
    ("cli_datasets_files_absent_data_dir", lambda ws: cli("datasets", "verify", "mutag", "--data-dir",
                                                          ws.root / "nodata"),
     CommandFailed, r"MISSING mutag.*--data-dir"),
    ("cli_datasets_verify_all_none_present_env_set", lambda ws: cli("datasets", "verify",
                                                                    env=_absent_dataset_env(ws)),
     CommandFailed, r"No dataset found.*FUSELEARN_DATA is set to '.*nodata'; check"),
    ("cli_datasets_fetch_unknown", lambda ws: cli("datasets", "fetch", "cifar100"), CommandFailed,
     r"'cifar100'.*Did you mean 'cifar10'"),
    ("cli_run_config_missing", lambda ws: cli("run", ws.root / "absent.yaml"), CommandFailed,
     r"absent\.yaml' does not exist"),
    ("cli_run_unknown_metric", lambda ws: cli("run", _yaml(ws, "m.yaml", metrics=["acuracy"]), "--out",
                                              ws.root / "run-m"), CommandFailed, r"Did you mean 'accuracy'"),
    ("cli_run_unknown_pipeline_estimator", lambda ws: cli("run", _yaml(ws, "p.yaml", pipelines=[
        {"name": "x", "estimator": "fuselearn.NeuralClasifier"}]), "--out", ws.root / "run-p"), CommandFailed,
     r"NeuralClasifier"),
    ("cli_run_registered_dataset_absent", lambda ws: cli(
        "run", _yaml(ws, "absent-data.yaml", datasets=[{"name": "mutag"}]), "--out", ws.root / "run-absent", "-q",
        env=_absent_dataset_env(ws)), CommandFailed, r"MUTAG_A\.txt' was not found.*FUSELEARN_DATA is set to"),
    ("cli_run_bad_backend", lambda ws: cli("run", _yaml(ws, "b.yaml"), "--backend", "spark"), CommandFailed,
     r"backend.*'local'.*'dask'.*'spark'"),
    ("cli_run_jobs_zero", lambda ws: cli("run", _yaml(ws, "j.yaml"), "--jobs", "0"), CommandFailed, r"--jobs"),
    ("cli_report_no_store", lambda ws: cli("report", ws.root / "store_dir"), CommandFailed, r"store_dir"),
    ("neural_float32_overflow", lambda ws: NeuralClassifier(max_epochs=1).fit(ws.X * 1e39, ws.y), I,
     r"float32"),
    ("modality_missing_column", lambda ws: ModalityFusion(
        {"table": (["sepal_length", "nope"], None)}).fit(ws.frame, ws.y), I, r"'nope'"),
    ("fusion_member_is_a_class", lambda ws: FusionClassifier([("lr", LogisticRegression)]).fit(ws.X, ws.y), P,
     r"'lr'.*class.*instance|LogisticRegression\(\)"),
    ("fusion_member_raises_in_fit", lambda ws: FusionClassifier(
        [("ok", LogisticRegression()), ("bad", _failing_member())], method="stacking", cv=2).fit(ws.X, ws.y),
     FuselearnError, r"'bad'.*(fold|all training rows).*boom"),
    ("fusion_member_column_missing", lambda ws: FusionClassifier(
        [("lr", LogisticRegression(), ["sepal_length", "nope"])]).fit(ws.frame, ws.y), I, r"'nope'"),
    ("fusion_member_column_out_of_range", lambda ws: FusionClassifier(
        [("lr", LogisticRegression(), [0, 9])]).fit(ws.X, ws.y), I, r"\b9\b.*'lr'|'lr'.*\b9\b"),
    ("fusion_regressor_as_voter", lambda ws: FusionClassifier(
        [("lin", LinearRegression()), ("lr", LogisticRegression())], method="vote").fit(ws.X, ws.y), P,
     r"'lin'.*(regressor|classifier)"),
    ("fusion_empty_dataframe", lambda ws: FusionClassifier([("lr", LogisticRegression())]).fit(
        pd.DataFrame(), np.zeros(0)), I, r"empty|0 sample|no rows"),
    ("fusion_extreme_imbalance", lambda ws: FusionClassifier(
        [("lr", LogisticRegression()), ("dt", DecisionTreeClassifier())], method="stacking", cv=5).fit(
        ws.X[:40], np.r_[np.zeros(39), np.ones(1)]), InvalidInputError, r"single class.*counts.*1\.0: 1"),
    ("cli_report_damaged_store", lambda ws: cli("report", _damaged_store(ws)), CommandFailed,
     r"store\.sqlite.*damaged"),
    ("cli_run_out_is_a_file", lambda ws: cli("run", _yaml(ws, "o.yaml"), "--out", _out_is_file(ws)), CommandFailed,
     r"out-file\.txt.*(is a file|not a folder)"),
    # ---- fuselearn.evaluate (issue 9) ---------------------------------------------------------------
    ("explain_unknown_member_group", lambda ws: explain(_binary_fusion(ws), ws.frame, ws.y == 2, groups=["lrr"],
                                                        features=False), UnknownNameError,
     r"explain: groups names 'lrr', which is no modality or member .*Did you mean 'lr'"),
    ("explain_unknown_column_in_group", lambda ws: explain(_binary_fusion(ws), ws.frame, ws.y == 2, members=False,
                                                           features=False, groups={"g": ["petal_lenght"]}),
     UnknownNameError, r"group 'g'.*column 'petal_lenght' is not in X\. Did you mean 'petal_length'"),
    ("explain_unfitted", lambda ws: explain(FusionClassifier([("lr", LogisticRegression())]), ws.frame, ws.y),
     NotFittedError, r"explain: this FusionClassifier is not fitted"),
    ("explain_member_contributions_of_a_non_fusion", lambda ws: member_contributions(
        LogisticRegression().fit(ws.X, ws.y), ws.y), P, r"FusionClassifier or FusionRegressor; got LogisticRegression"),
    ("robustness_unknown_modality", lambda ws: robustness(_binary_fusion(ws), ws.frame, ws.y == 2,
                                                          {"missing_group": ["tre"]}), UnknownNameError,
     r"missing_group names 'tre'.*Did you mean 'tree'"),
    ("robustness_unknown_perturbation", lambda ws: robustness(_binary_fusion(ws), ws.frame, ws.y == 2,
                                                              {"gausian_noise": [0.1]}), UnknownNameError,
     r"unknown perturbation 'gausian_noise'.*Did you mean 'gaussian_noise'"),
    ("robustness_perturbation_a_model_cannot_take", lambda ws: robustness(
        _binary_fusion(ws), ws.frame, ws.y == 2, {"missing": [0.3]}, errors="raise"), I,
     r"model 'fusion' cannot take perturbation 'missing' at strength 0\.3"),
    ("robustness_unfitted", lambda ws: robustness(LogisticRegression(), ws.frame, ws.y), NotFittedError,
     r"robustness: this LogisticRegression is not fitted"),
    ("fairness_sensitive_column_missing", lambda ws: fairness(_binary_fusion(ws), ws.frame, ws.y == 2,
                                                              ["sepal_lenght"]), UnknownNameError,
     r"sensitive column 'sepal_lenght' is not in X\. Did you mean 'sepal_length'"),
    ("fairness_one_group_only", lambda ws: fairness(_binary_fusion(ws), ws.frame, ws.y == 2,
                                                    {"sex": np.array(["F"] * len(ws.y))}), I,
     r"'sex'.*one group only"),
    ("fairness_unfitted", lambda ws: fairness(FusionClassifier([("lr", LogisticRegression())]), ws.frame, ws.y,
                                              {"g": np.arange(len(ws.y)) % 2}), NotFittedError,
     r"fairness: this FusionClassifier is not fitted"),
    ("sensitivity_unknown_parameter_path", lambda ws: parse_config(_sensitivity_cfg({"logreg__clf__CC": [0.1, 1]})),
     ConfigError, (r"sensitivity\.space\.logreg__clf__CC: FusionClassifier has no parameter path "
                   r"'logreg__clf__CC'\. Did you mean 'logreg__clf__C'")),
    ("cli_sensitivity_bad_space_writes_nothing", lambda ws: _sensitivity_cli_leaves_no_store(ws), CommandFailed,
     r"no parameter path 'methd'.*Did you mean 'method'"),
    # ---- anomaly detection: the detectors, and the runner's anomaly task (issue 11) ------------------
    ("anomaly_detector_fit_nan", lambda ws: _anomaly_detector().fit(_nan(ws)), I, r"FusionAnomalyDetector.*NaN"),
    ("anomaly_detector_constant_column", lambda ws: _anomaly_detector(constant_columns="raise").fit(
        np.c_[ws.X, np.ones(len(ws.X))]), I, r"columns \[4\] are constant in the fit data.*constant_columns='drop'"),
    ("anomaly_detector_all_columns_constant", lambda ws: _anomaly_detector().fit(np.ones((30, 3))), I,
     r"every one of the 3 columns is constant.*sensors vary"),
    ("anomaly_detector_rows_below_window", lambda ws: _conv_detector().fit(ws.X[:20]), I,
     r"at least 33 rows.*window=32.*longer stretch"),
    ("anomaly_detector_member_cannot_score", lambda ws: _anomaly_detector(
        [("lof", _lof())]).fit(ws.X), P, r"Member 'lof'.*cannot score new data.*novelty=True"),
    ("anomaly_run_classifier_pipeline", lambda ws: _anomaly_run(ws, "clf", pipelines=[
        {"name": "lr", "estimator": "sklearn.linear_model.LogisticRegression"}]), ConfigError,
     r"'lr'\): LogisticRegression is not an outlier detector.*'series' is an anomaly task.*Use a detector"),
    ("anomaly_run_detector_in_classification", lambda ws: _run_config(ws, "det-in-clf", _cfg(pipelines=[
        {"name": "iforest", "estimator": "sklearn.ensemble.IsolationForest"}])), ConfigError,
     r"'iforest'\): IsolationForest is an outlier detector.*'iris' is a multiclass task.*task: anomaly"),
    ("anomaly_run_member_cannot_score", lambda ws: _anomaly_run(ws, "lof", pipelines=[_fusion_pipeline(
        {"name": "lof", "estimator": "sklearn.neighbors.LocalOutlierFactor"})]), ConfigError,
     r"'fad'\): its member 'lof' \(LocalOutlierFactor\) cannot score new data.*novelty=True"),
    ("anomaly_run_fit_rows_past_series", lambda ws: _anomaly_run(ws, "long", cv={"scheme": "group_head",
                                                                             "fit_rows": 80}), ConfigError,
     r"cv.fit_rows: 80 is not less than the 50 rows of group 's0' of dataset 'series'.*Lower fit_rows"),
    ("anomaly_run_window_longer_than_fit_rows", lambda ws: _anomaly_run(ws, "window", pipelines=[_fusion_pipeline(
        {"name": "conv", "estimator": "fuselearn.estimators.ConvAutoencoderDetector", "params": {"window": 32}})]),
     ConfigError, r"'fad'\): its window conv__window = 32 rows is not shorter than the 20 fit rows"),
    ("anomaly_run_group_column_missing", lambda ws: _anomaly_run(ws, "group", group="series_id"), ConfigError,
     r"datasets\[0\].group: column 'series_id' is not in series.csv"),
]


def _anomaly_detector(members=None, **params):
    from fuselearn.estimators import FusionAnomalyDetector, PCADetector

    return FusionAnomalyDetector(members or [("pca", PCADetector())], **params)


def _conv_detector():
    from fuselearn.estimators import ConvAutoencoderDetector

    return ConvAutoencoderDetector(window=32, max_epochs=1)


def _lof():
    from sklearn.neighbors import LocalOutlierFactor

    return LocalOutlierFactor()  # novelty=False: no score_samples for new rows


def _fusion_pipeline(member: dict) -> dict:
    return {"name": "fad", "estimator": "fuselearn.estimators.FusionAnomalyDetector", "estimators": [member]}


def _run_config(ws, name: str, config: dict):
    from fuselearn.experiment import run_experiment

    return run_experiment(parse_config(config, base_dir=ws.root), ws.root / f"run-{name}", progress=False)


def _anomaly_run(ws, name: str, *, group: str = "file", **over):
    """Run an anomaly experiment on two short series (50 rows each, 20 fit rows) with ``over`` changed."""
    path = ws.root / "series.csv"
    if not path.exists():
        rng = np.random.default_rng(0)
        frame = pd.DataFrame(rng.normal(size=(100, 2)), columns=["a", "b"])
        frame.insert(0, "file", ["s0"] * 50 + ["s1"] * 50)
        frame["anomaly"] = (np.arange(100) % 50 > 40).astype(int)
        frame.to_csv(path, index=False)
    config = {"datasets": [{"name": "series", "source": "csv", "path": "series.csv", "target": "anomaly",
                            "group": group, "task": "anomaly"}],
              "pipelines": [_fusion_pipeline({"name": "pca", "estimator": "fuselearn.estimators.PCADetector"})],
              "cv": {"scheme": "group_head", "fit_rows": 20}, "metrics": ["f1", "far", "mar"]}
    config.update(over)
    return _run_config(ws, f"anomaly-{name}", config)


def _binary_fusion(ws):
    """A fitted fusion of two members on their own iris columns (binary: virginica or not), built once."""
    if getattr(ws, "binary_fusion", None) is None:
        ws.binary_fusion = FusionClassifier(
            [("lr", LogisticRegression(max_iter=500), ["sepal_length", "sepal_width"]),
             ("tree", DecisionTreeClassifier(max_depth=2, random_state=0), ["petal_length", "petal_width"])],
            method="mean").fit(ws.frame, ws.y == 2)
    return ws.binary_fusion


def _sensitivity_cfg(space: dict) -> dict:
    return _cfg(pipelines=[
        {"name": "logreg", "estimator": "sklearn.pipeline.Pipeline",
         "steps": [{"name": "clf", "estimator": "sklearn.linear_model.LogisticRegression"}]},
        {"name": "fusion", "estimator": "fuselearn.FusionClassifier", "estimators": [{"ref": "logreg"}]}],
        sensitivity={"pipeline": "fusion", "space": space})


def _sensitivity_cli_leaves_no_store(ws):
    """``fuselearn sensitivity`` with a bad search space fails before anything is written to its run folder."""
    import yaml

    cfg = _config_file(ws, "sens-bad.yaml", yaml.safe_dump(_sensitivity_cfg({"methd": ["mean", "vote"]})))
    out = ws.root / "run-sens-bad"
    try:
        cli("sensitivity", cfg, "--out", out, "-q")
    finally:
        assert not (out / "store.sqlite").exists(), "a half-written store was left behind"


def _failing_member():
    class Exploding(LogisticRegression):
        def fit(self, X, y, sample_weight=None):
            raise ValueError("boom")

    return Exploding()


def _damaged_store(ws) -> Path:
    folder = ws.root / "damaged-run"
    folder.mkdir(exist_ok=True)
    (folder / "store.sqlite").write_bytes(b"SQLite format 3\x00" + b"\x07" * 200)
    return folder


def _out_is_file(ws) -> Path:
    path = ws.root / "out-file.txt"
    path.write_text("not a folder")
    return path


def _check(ws, call, exc, pattern):
    with pytest.raises(exc) as info:
        call(ws)
    assert isinstance(info.value, FuselearnError) or exc is CommandFailed
    assert re.search(pattern, str(info.value), re.DOTALL), f"message does not match {pattern!r}:\n{info.value}"


@pytest.mark.parametrize(("call", "exc", "pattern"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_is_answered_clearly(ws, call, exc, pattern):
    _check(ws, call, exc, pattern)


def test_neural_takes_sparse_input_or_says_what_to_do(ws):
    """Sparse input (default_preprocessor's output): accepted, or refused naming the fix."""
    try:
        pred = NeuralClassifier(max_epochs=1, random_state=0).fit(sp.csr_matrix(ws.X), ws.y).predict(
            sp.csr_matrix(ws.X))
    except FuselearnError as exc:
        assert re.search(r"sparse.*(dense|toarray|sparse_output=False)", str(exc), re.DOTALL)
    else:
        assert pred.shape == (len(ws.X),)


def test_table_is_large_and_ids_are_unique():
    ids = [c[0] for c in CASES]
    assert len(ids) >= 60 and len(ids) == len(set(ids))


# --- behaviour the table cannot express: warnings and the working paths next to the refusals ---------


def test_load_warns_on_another_minor_version(ws):
    folder = _edit_manifest(_copy(ws, "neural"), _set_version("torch", "2.0.1"))
    with pytest.warns(FuselearnWarning, match=r"saved with torch 2\.0\.1 \(installed: "):
        model = load(folder)
    np.testing.assert_array_equal(model.predict(ws.X), load(ws.neural).predict(ws.X))


def test_load_is_silent_on_a_patch_difference_and_can_skip_the_check(ws):
    import sklearn

    major, minor = sklearn.__version__.split(".")[:2]
    folder = _edit_manifest(_copy(ws, "named"), _set_version("scikit-learn", f"{major}.{minor}.999"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        load(folder)
    other = _edit_manifest(_copy(ws, "named"), _set_version("scikit-learn", "0.1.0"))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = load(other, check_versions=False)
    assert not [w for w in caught if issubclass(w.category, FuselearnWarning)]
    np.testing.assert_array_equal(model.predict(ws.frame), load(ws.named).predict(ws.frame))


def test_predict_no_header_and_drop_work(ws):
    expected = load(ws.named).predict(ws.frame.head(5)).tolist()
    out = cli("predict", ws.named, ws.root / "headerless.csv", "--no-header").output
    assert pd.read_csv(__import__("io").StringIO(out))["prediction"].tolist() == expected
    extra = ws.root / "extra.csv"
    ws.frame.head(5).assign(id=range(5)).to_csv(extra, index=False)
    result = cli("predict", ws.named, extra)
    assert "ignoring column(s) the model was not fitted on: id" in result.output
    quiet = cli("predict", ws.named, extra, "--drop", "id")
    assert "warning" not in quiet.output
    assert pd.read_csv(__import__("io").StringIO(quiet.output))["prediction"].tolist() == expected


def test_predict_reorders_named_columns(ws):
    shuffled = ws.root / "shuffled.csv"
    ws.frame.head(5)[list(reversed(ws.frame.columns))].to_csv(shuffled, index=False)
    out = cli("predict", ws.named, shuffled).output
    assert pd.read_csv(__import__("io").StringIO(out))["prediction"].tolist() == \
        load(ws.named).predict(ws.frame.head(5)).tolist()
