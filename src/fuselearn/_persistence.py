"""Save and load fitted estimators safely: a folder, never a pickle.

Layout of a saved model::

    model/
      manifest.json          class, parameters, library versions, sha256 of every file
      estimator.skops        the estimator through skops (scikit-learn, LightGBM, fuselearn parts)
      weights.safetensors    every torch module's weights (absent when there are none)

Loading checks the manifest and the digests, refuses pickle payloads, lists the types the skops file
would construct and refuses any that is not on an explicit trusted list (:func:`trusted_types`), so
nothing is executed before the check. Torch modules are rebuilt from the estimator's parameters and
their weights read with safetensors.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
import platform
import re
import shutil
import tempfile
import warnings
from functools import lru_cache
from importlib import metadata
from pathlib import Path

from . import _torch_state
from .exceptions import FuselearnWarning, InvalidParameterError, ModelFormatError, UnsafeModelError

__all__ = ["load", "save", "trusted_types"]

FORMAT = "fuselearn-model"
FORMAT_VERSION = 1
_SKOPS = "estimator.skops"
_WEIGHTS = "weights.safetensors"
_MANIFEST = "manifest.json"
_PICKLE_MAGIC = (b"\x80",)  # protocol >= 2 pickles start with PROTO
_ZIP_MAGIC = b"PK\x03\x04"


@lru_cache(maxsize=1)
def trusted_types() -> frozenset[str]:
    """The explicit list of types :func:`load` will construct beyond skops' own defaults.

    Every public scikit-learn estimator (``sklearn.utils.all_estimators``), every fuselearn estimator
    and its helper types, LightGBM's and XGBoost's scikit-learn classes and boosters, imbalanced-learn's
    estimators where installed, and a few containers they hold.
    """
    from sklearn.utils import all_estimators

    names = {f"{cls.__module__}.{cls.__qualname__}" for _, cls in all_estimators()}
    names |= {"collections.OrderedDict", "collections.defaultdict", "builtins.slice"}
    # Data structures that fitted scikit-learn estimators hold (trees of forests and isolation
    # forests, neighbour indexes of LOF / k-NN): plain containers of arrays, not code.
    names |= {"sklearn.tree._tree.Tree", "sklearn.neighbors._kd_tree.KDTree",
              "sklearn.neighbors._ball_tree.BallTree"}
    names |= {f"sklearn.metrics._dist_metrics.{m}{b}" for b in ("", "64", "32")
              for m in ("EuclideanDistance", "ManhattanDistance", "ChebyshevDistance",
                        "MinkowskiDistance")}
    names |= _fuselearn_types()
    for mod, classes in (
        ("lightgbm.sklearn", ("LGBMClassifier", "LGBMRegressor", "LGBMRanker")),
        ("lightgbm.basic", ("Booster",)),
        ("xgboost.sklearn", ("XGBClassifier", "XGBRegressor", "XGBRanker", "XGBRFClassifier",
                             "XGBRFRegressor")),
        ("xgboost.core", ("Booster",)),
    ):
        names |= {f"{mod}.{c}" for c in classes}
    try:
        from imblearn.utils import all_estimators as imb_all

        names |= {f"{cls.__module__}.{cls.__qualname__}" for _, cls in imb_all()}
    except ImportError:  # imbalanced-learn is optional here
        pass
    return frozenset(names)


def _fuselearn_types() -> set[str]:
    import fuselearn.estimators as est
    import fuselearn.extract as ext
    from fuselearn.nn import History

    classes = [getattr(est, n) for n in est.__all__] + [getattr(ext, n) for n in ext.__all__]
    classes += list(est._helper_types())  # fitted helper objects: combiners, modality strategies
    classes.append(History)
    return {f"{c.__module__}.{c.__qualname__}" for c in classes if isinstance(c, type)}


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for dist in ("fuselearn", "scikit-learn", "torch", "numpy", "skops", "safetensors", "lightgbm"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            pass
    return out


# Libraries whose version decides whether a saved model means the same thing when loaded.
_CHECKED = ("fuselearn", "scikit-learn", "torch", "numpy", "lightgbm")


def _major_minor(version: str) -> tuple[int, int] | None:
    match = re.match(r"(\d+)(?:\.(\d+))?", str(version))
    if match is None:
        return None
    return int(match.group(1)), int(match.group(2) or 0)


def _check_versions(mpath: Path, saved: object) -> None:
    """Refuse a model saved under another major version of a library; warn on another minor one.

    Patch releases (``1.9.0`` against ``1.9.1``) and local tags (``+cpu``) are not reported.
    """
    if not isinstance(saved, dict):
        raise ModelFormatError(f"{mpath}: 'versions' must be a mapping of library to version; got {saved!r}.")
    now = _versions()
    major, minor = [], []
    for lib in _CHECKED:
        if lib not in saved or lib not in now:
            continue
        old, new = _major_minor(saved[lib]), _major_minor(now[lib])
        entry = f"{lib} {saved[lib]} (installed: {now[lib]})"
        if old is None or new is None:
            if str(saved[lib]) != now[lib]:
                minor.append(entry)
        elif old[0] != new[0]:
            major.append(entry)
        elif old[1] != new[1]:
            minor.append(entry)
    if major:
        raise ModelFormatError(
            f"{mpath.parent} was saved with another major version of {', '.join(major)}; its estimator "
            "may not load or may predict differently. Install the versions listed in "
            f"{mpath.name} to load it (and re-save it with fuselearn.save), or pass "
            "check_versions=False to load it anyway at your own risk."
        )
    if minor:
        warnings.warn(
            f"{mpath.parent} was saved with {', '.join(minor)}. It loads, but check its predictions; "
            "re-save it with fuselearn.save to record the current versions.",
            FuselearnWarning,
            stacklevel=3,
        )


def _jsonable(value, depth=0):
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if depth > 6:
        return repr(value)
    if isinstance(value, (list, tuple)):
        return [_jsonable(v, depth + 1) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v, depth + 1) for k, v in value.items()}
    if hasattr(value, "get_params") and not isinstance(value, type):
        return {"class": f"{type(value).__module__}.{type(value).__qualname__}",
                "params": _jsonable(value.get_params(deep=False), depth + 1)}
    if hasattr(value, "item") and getattr(value, "ndim", 1) == 0:
        return value.item()
    return repr(value)


def save(estimator, path, *, overwrite: bool = False) -> Path:
    """Save a (fitted) estimator into the folder ``path``.

    Parameters
    ----------
    estimator : estimator
        Any fuselearn or scikit-learn estimator, fitted or not. Torch modules inside fuselearn
        estimators go to ``weights.safetensors``; everything else to ``estimator.skops``.
    path : str or Path
        The folder to create. It is written beside its final place and moved in at the end, so a
        failed save leaves nothing half-written.
    overwrite : bool, default=False
        Replace an existing folder at ``path``.

    Returns
    -------
    Path
        The folder written.

    Examples
    --------
    >>> import tempfile, os
    >>> from sklearn.datasets import load_iris
    >>> from fuselearn import NeuralClassifier, save, load
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = NeuralClassifier(max_epochs=2, random_state=0).fit(X, y)
    >>> folder = save(clf, os.path.join(tempfile.mkdtemp(), "clf"))
    >>> (load(folder).predict_proba(X) == clf.predict_proba(X)).all()
    np.True_
    """
    import skops.io as sio
    from safetensors.torch import save_file

    if not hasattr(estimator, "get_params") or isinstance(estimator, type):
        raise InvalidParameterError(
            f"fuselearn.save expects an estimator instance (an object with get_params); got "
            f"{estimator!r} of type {type(estimator).__name__}."
        )
    path = _as_path(path, "save")
    if path.exists() and not overwrite:
        raise InvalidParameterError(
            f"{path} already exists; pass overwrite=True to replace it or choose another path."
        )
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", dir=path.parent))
    except OSError as exc:
        raise InvalidParameterError(
            f"Cannot save into {path}: its parent folder {path.parent} cannot be created or written "
            f"({exc.strerror or exc}). Choose another path."
        ) from exc
    try:
        with _torch_state.collecting() as weights:
            sio.dump(estimator, tmp / _SKOPS)
        files = [_SKOPS]
        if weights:
            flat = {f"{key}/{name}": t for key, sd in weights.items() for name, t in sd.items()}
            save_file(flat, str(tmp / _WEIGHTS))
            files.append(_WEIGHTS)
        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "class": f"{type(estimator).__module__}.{type(estimator).__qualname__}",
            "params": _jsonable(estimator.get_params(deep=False)) if hasattr(estimator, "get_params") else None,
            "torch_modules": sorted(weights),
            "files": {name: _sha256(tmp / name) for name in files},
            "versions": _versions(),
            "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        }
        (tmp / _MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True))
        if path.exists():
            backup = path.with_name(f".{path.name}.old")
            shutil.rmtree(backup, ignore_errors=True)
            os.replace(path, backup)
            os.replace(tmp, path)
            shutil.rmtree(backup, ignore_errors=True)
        else:
            os.replace(tmp, path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return path


def _as_path(path, where: str) -> Path:
    if not isinstance(path, (str, os.PathLike)):
        raise InvalidParameterError(
            f"The 'path' parameter of fuselearn.{where} must be a str or path-like folder name. "
            f"Got {path!r} instead."
        )
    return Path(path)


def _read_manifest(path: Path) -> dict:
    mpath = path / _MANIFEST
    if not path.is_dir():
        raise ModelFormatError(
            f"{path} is not a saved fuselearn model folder (expected a folder with {_MANIFEST}). "
            "Save models with fuselearn.save(estimator, path)."
        )
    if not mpath.is_file():
        raise ModelFormatError(f"{mpath} is missing; {path} is not a complete fuselearn model folder.")
    try:
        manifest = json.loads(mpath.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ModelFormatError(f"{mpath} is not valid JSON ({exc}).") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ModelFormatError(f"{mpath} is not a fuselearn model manifest (no 'format': {FORMAT!r}).")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise ModelFormatError(
            f"{mpath} has format_version {manifest.get('format_version')!r}; this fuselearn reads "
            f"version {FORMAT_VERSION}. Load it with the fuselearn version that saved it."
        )
    files = manifest.get("files")
    if not isinstance(files, dict) or _SKOPS not in files:
        raise ModelFormatError(f"{mpath} lists no {_SKOPS} file.")
    for name in files:
        if name not in (_SKOPS, _WEIGHTS):
            raise UnsafeModelError(f"{mpath} lists an unexpected file {name!r}; refusing to load it.")
    return manifest


def _looks_like_safetensors(fh, file: Path) -> bool:
    fh.seek(0)
    start = fh.read(9)
    if len(start) < 9:
        return False
    header = int.from_bytes(start[:8], "little")
    return 8 + header <= file.stat().st_size and start[8:9] == b"{"


def _refuse_pickle(file: Path, expected_magic: bytes | None) -> None:
    with open(file, "rb") as fh:
        head = fh.read(4)
        if expected_magic is None and head[:1] in _PICKLE_MAGIC and _looks_like_safetensors(fh, file):
            # A safetensors file starts with its header length (u64, little-endian), whose first
            # byte can be 0x80 too: a header length that fits the file followed by "{" is not a pickle.
            return
    if head[:1] in _PICKLE_MAGIC:
        raise UnsafeModelError(
            f"{file} holds a pickle payload (type: pickle); fuselearn never unpickles. "
            "Nothing was executed. Re-save the model with fuselearn.save."
        )
    if expected_magic is not None and head != expected_magic:
        raise ModelFormatError(f"{file} is not a skops file (it does not start with a zip header).")
    if expected_magic is None and head == _ZIP_MAGIC:
        raise UnsafeModelError(
            f"{file} is a zip archive (type: torch.save pickle archive), not safetensors; refusing it."
        )


def load(path, *, trusted: list[str] | None = None, check_versions: bool = True):
    """Load an estimator saved by :func:`save`.

    Parameters
    ----------
    path : str or Path
        The model folder.
    trusted : list of str, default=None
        Extra type names (``"module.Class"``) to trust beyond :func:`trusted_types`. Only add types
        whose code you trust: constructing them runs their code.
    check_versions : bool, default=True
        Compare the library versions recorded at save (fuselearn, scikit-learn, torch, numpy,
        LightGBM) with the installed ones: another major version refuses the model, another minor
        version warns (:class:`~fuselearn.exceptions.FuselearnWarning`). ``False`` skips the check.

    Returns
    -------
    estimator
        The estimator, predicting exactly what the saved one did.

    Raises
    ------
    UnsafeModelError
        A file holds a pickle payload or a type that is not trusted (named in the message). Nothing
        was executed.
    ModelFormatError
        The folder is incomplete, modified after saving, from another format version, saved under
        another major version of a library, or its weights do not fit the estimator's modules.

    Warns
    -----
    FuselearnWarning
        The model was saved under another minor version of a library.
    """
    import skops.io as sio
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    path = _as_path(path, "load")
    manifest = _read_manifest(path)
    if check_versions:
        _check_versions(path / _MANIFEST, manifest.get("versions", {}))
    for name, digest in manifest["files"].items():
        file = path / name
        if not file.is_file():
            raise ModelFormatError(f"{file} is listed in the manifest but missing.")
        _refuse_pickle(file, _ZIP_MAGIC if name == _SKOPS else None)
        actual = _sha256(file)
        if actual != digest:
            raise ModelFormatError(
                f"{file} was modified after saving: sha256 {actual} differs from the manifest's {digest}."
            )
    skops_file = path / _SKOPS
    try:
        untrusted = sio.get_untrusted_types(file=skops_file)
    except Exception as exc:  # a corrupt archive or schema
        raise ModelFormatError(f"{skops_file} cannot be read as a skops file: {exc}") from exc
    allowed = trusted_types() | set(trusted or ())
    refused = sorted(t for t in untrusted if t not in allowed)
    if refused:
        raise UnsafeModelError(
            f"{skops_file} holds types that are not trusted: {', '.join(refused)}. Nothing was executed. "
            "If you trust their code, pass them as load(path, trusted=[...])."
        )
    weights: dict[str, dict] = {}
    if _WEIGHTS in manifest["files"]:
        try:
            flat = load_file(str(path / _WEIGHTS))
        except (SafetensorError, OSError, ValueError) as exc:
            raise ModelFormatError(f"{path / _WEIGHTS} is not a valid safetensors file: {exc}") from exc
        for full, tensor in flat.items():
            key, _, name = full.partition("/")
            weights.setdefault(key, {})[name] = tensor
    with _torch_state.providing(weights) as fetched:
        try:
            return sio.load(skops_file, trusted=list(untrusted))
        except RuntimeError as exc:
            # torch's load_state_dict reports a size mismatch or missing keys as a RuntimeError
            if not fetched or "state_dict" not in str(exc):
                raise
            raise ModelFormatError(
                f"{path / _WEIGHTS}: the weights {fetched[-1]!r} do not fit the network rebuilt from "
                f"the estimator's parameters in {path / _MANIFEST} (the parameters or the weights file "
                f"were changed, or come from different saves); save the fitted estimator again. torch said: {exc}"
            ) from exc
