"""Input kinds of the neural estimators, one :class:`InputKind` object each, all in this file.

A registered network (:func:`fuselearn.nn.register_module`) names the kind of input its ``forward``
takes: ``"tabular"`` (2-D floats, dense or scipy sparse), ``"image"`` (``(n, C, H, W)``),
``"sequence"`` (token ids) or ``"graph"`` (a list of graphs). ``fuselearn.nn`` knows only these names;
what each means to a scikit-learn estimator lives here: how ``X`` is validated and prepared, how rows
are batched, which ``module_params`` reach the module builder, and which scikit-learn input tags the
estimator declares. The four kinds are listed in :data:`_KINDS` below; :func:`register_input_kind`
adds or replaces one explicitly (nothing registers itself by being imported).
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
import torch

from .._registry import normalize_name, unknown_name_error
from ..exceptions import InvalidInputError, InvalidParameterError
from ..nn import INPUT_KINDS as NN_INPUT_KINDS
from ..nn._training import default_collate
from ._torch import _validate

__all__ = ["INPUT_HANDLERS", "InputKind", "SparseRows", "get_input_kind", "register_input_kind"]

Validate = Callable[[Any, Any, bool], tuple[Any, int]]
Collate = Callable[[Any, np.ndarray], Any]

_FLOAT32_MAX = float(np.finfo(np.float32).max)


def _params_unchanged(est, params: dict) -> dict:
    return params


@dataclass(frozen=True)
class InputKind:
    """What one kind of network input means to an estimator.

    Parameters
    ----------
    name : str
        The kind's name, as given to :func:`fuselearn.nn.register_module` (``input_kind=``).
    validate : callable
        ``validate(estimator, X, reset) -> (data, n_inputs)``: checks ``X`` (``reset=True`` in ``fit``
        records ``n_features_in_`` and friends on the estimator) and returns what ``collate`` indexes
        and the ``n_inputs`` the module builder receives.
    collate : callable, default=fuselearn.nn.default_collate
        ``collate(data, idx) -> batch``: rows ``idx`` as the module's ``forward`` takes them.
    module_params : callable, default=identity
        ``module_params(estimator, params) -> params``: the ``module_params`` the builder gets (an
        estimator-level setting such as ``image_shape`` is removed, a default such as
        ``hidden_sizes`` added).
    two_d_array, sparse : bool
        scikit-learn input tags of an estimator on this kind of input.
    """

    name: str
    validate: Validate
    collate: Collate = default_collate
    module_params: Callable[[Any, dict], dict] = _params_unchanged
    two_d_array: bool = True
    sparse: bool = False

    def apply_tags(self, tags):
        """Set the scikit-learn input tags of an estimator on this kind of input; returns ``tags``."""
        tags.input_tags.two_d_array = self.two_d_array
        tags.input_tags.sparse = self.sparse
        return tags

    def with_validate(self, wrap: Callable[[Validate], Validate]) -> InputKind:
        """This kind with ``validate`` wrapped (e.g. decoding image files before the array checks)."""
        return dataclasses.replace(self, validate=wrap(self.validate))


# --- tabular: 2-D floats, dense or scipy sparse (densified one batch at a time) ----------------------


class SparseRows:
    """A CSR matrix of float32 rows that the tabular collate densifies one batch at a time."""

    def __init__(self, matrix) -> None:
        self.matrix = sp.csr_matrix(matrix, dtype=np.float32)

    def __len__(self) -> int:
        return self.matrix.shape[0]

    @property
    def shape(self) -> tuple[int, int]:
        return self.matrix.shape

    def subset(self, idx) -> SparseRows:
        return SparseRows(self.matrix[np.asarray(idx)])


# A float32 network cannot learn from values whose square overflows float32 (about 1.8e19): losses,
# batch-norm variances and gradients become infinite. Above _WARN_ABOVE it trains, but to a degenerate
# model (every row given the same confident class), so fit warns.
_REFUSE_ABOVE = 1e18
_WARN_ABOVE = 1e10


def _check_magnitude(est, values: np.ndarray, where: str, reset: bool) -> None:
    """Refuse values a float32 network cannot represent or square; warn in ``fit`` about very large ones."""
    if values.size == 0:
        return
    magnitude = np.abs(values)
    top = float(magnitude.max())
    if top <= _WARN_ABOVE:
        return
    position = np.unravel_index(int(np.argmax(magnitude)), values.shape)
    position = [int(i) for i in position]
    fix = ("Scale the features first, e.g. StandardScaler (or fuselearn.data.default_preprocessor) in a "
           "Pipeline before the network.")
    if top > _FLOAT32_MAX:
        raise InvalidInputError(
            f"{type(est).__name__}: X has values a float32 network cannot represent ({where} {position} is "
            f"{top:.3g}; float32 ends at {_FLOAT32_MAX:.3g}). {fix}"
        )
    if top > _REFUSE_ABOVE:
        raise InvalidInputError(
            f"{type(est).__name__}: X has values too large for a float32 network ({where} {position} is "
            f"{top:.3g}; above {_REFUSE_ABOVE:.0e} their squares overflow float32 and the network's "
            f"outputs become NaN or meaningless). {fix}"
        )
    if reset:
        warnings.warn(
            f"{type(est).__name__}: X has values up to {top:.3g} ({where} {position}); a float32 network "
            f"trained on unscaled features this large usually predicts one class for every row. {fix}",
            RuntimeWarning, stacklevel=4,
        )


def _validate_tabular(est, X, reset):
    X = _validate(est, X, reset=reset, dtype=[np.float32, np.float64], accept_sparse=("csr", "csc", "coo"))
    if sp.issparse(X):
        _check_magnitude(est, X.data, "the stored entry", reset)
        return SparseRows(X), X.shape[1]
    _check_magnitude(est, X, "X[row, column]", reset)
    return torch.as_tensor(np.ascontiguousarray(X, dtype=np.float32)), X.shape[1]


def _collate_tabular(data, idx: np.ndarray):
    if isinstance(data, SparseRows):
        return torch.as_tensor(data.matrix[np.asarray(idx)].toarray())
    return default_collate(data, idx)


def _tabular_params(est, params: dict) -> dict:
    if hasattr(est, "hidden_sizes"):
        params.setdefault("hidden_sizes", tuple(np.atleast_1d(est.hidden_sizes).tolist()))
    return params


# --- image: (n, C, H, W) floats, or flat rows with module_params["image_shape"] -------------------------


def _check_image_shapes(est, X) -> None:
    """Name the first image whose shape differs, before numpy reports an "inhomogeneous" array."""
    if not isinstance(X, (list, tuple)) or not X:
        return
    first = np.shape(X[0])
    for i, item in enumerate(X):
        if np.shape(item) != first:
            raise InvalidInputError(
                f"{type(est).__name__}: image {i} has shape {np.shape(item)} but image 0 has shape "
                f"{first}; every image must have the same (C, H, W). Resize them first, or pass file "
                "paths / encoded images, which are decoded at image_size."
            )


def _validate_image(est, X, reset):
    _check_image_shapes(est, X)
    if not reset and getattr(est, "image_shape_", None) is not None:
        arr = np.asarray(X) if not hasattr(X, "shape") else X
        shape = tuple(arr.shape[1:])
        if arr.ndim == 4 and shape != est.image_shape_:
            raise InvalidInputError(
                f"{type(est).__name__}: the images have shape {shape} but it was fitted on images of shape "
                f"{est.image_shape_} (C, H, W); resize them to the fitted shape."
            )
    X = _validate(est, X, reset=reset, dtype=[np.float32, np.float64], allow_nd=True)
    shape = (getattr(est, "module_params", None) or {}).get("image_shape")
    if X.ndim == 2 and shape is not None:  # images stored as flat rows (pixel columns)
        shape = tuple(int(s) for s in shape)
        if len(shape) != 3 or int(np.prod(shape)) != X.shape[1]:
            raise InvalidInputError(
                f"{type(est).__name__}: module_params['image_shape']={shape} must be (C, H, W) with "
                f"C*H*W equal to the {X.shape[1]} columns of X."
            )
        X = X.reshape((len(X),) + shape)
    if X.ndim != 4:
        raise InvalidInputError(
            f"{type(est).__name__} with an image module expects X of shape (n, C, H, W), or flat rows "
            f"with module_params['image_shape']=(C, H, W); got shape {X.shape}."
        )
    _check_magnitude(est, X, "X[image, channel, row, column]", reset)
    if reset:
        est.image_shape_ = tuple(int(s) for s in X.shape[1:])
    return torch.as_tensor(np.ascontiguousarray(X, dtype=np.float32)), X.shape[1]


def _image_params(est, params: dict) -> dict:
    params.pop("image_shape", None)  # read by the image validation, not by the module
    return params


# --- sequence: integer token ids, 0 = padding -------------------------------------------------------------


def _validate_sequence(est, X, reset):
    X = _validate(est, X, reset=reset, dtype=None)
    if not np.issubdtype(X.dtype, np.integer) and not np.all(np.equal(np.mod(X, 1), 0)):
        raise InvalidInputError(
            f"{type(est).__name__} with a sequence module expects integer token ids (0 = padding); "
            f"got dtype {X.dtype}."
        )
    X = X.astype(np.int64)
    if X.min(initial=0) < 0:
        raise InvalidInputError("Token ids must be >= 0 (0 is padding); found a negative id in X.")
    if reset:
        est.vocab_size_ = int(X.max(initial=0)) + 1
    elif X.max(initial=0) >= est.vocab_size_:
        raise InvalidInputError(
            f"{type(est).__name__}: X has token id {int(X.max())} but the network was fitted on ids "
            f"0..{est.vocab_size_ - 1} (its embedding has {est.vocab_size_} rows). Map unseen tokens to an "
            "id seen in fit, e.g. with fuselearn.extract.TextVectorizer (unknown words become id 1)."
        )
    return torch.as_tensor(X), est.vocab_size_


# --- graph: a list of torch_geometric Data (or fuselearn.data.Graph), batched whole -------------------


def _validate_graphs(est, X, reset: bool):
    """Check ``X`` is a non-empty list of graphs with ``x`` and ``edge_index`` of one feature width."""
    from torch_geometric.data import Data

    name = type(est).__name__
    if isinstance(X, Data) or not isinstance(X, (list, tuple)) or isinstance(X, (str, bytes)):
        raise InvalidInputError(
            f"{name} with a graph module expects X as a list of torch_geometric.data.Data; "
            f"got {type(X).__name__}."
        )
    if len(X) == 0:
        raise InvalidInputError(f"{name} got an empty list of graphs; pass at least one graph.")
    if not all(isinstance(g, Data) for g in X):
        # fuselearn.data.Graph or objects with edge_index and node_labels/x: convert them to Data
        # (discrete node labels become one-hot features over the label range seen in fit).
        from ._graph import graphs_to_data

        X, _ = graphs_to_data(est, X, reset)
    graphs, width = [], None
    for i, g in enumerate(X):
        if not isinstance(g, Data):
            raise InvalidInputError(f"{name}: graph {i} is a {type(g).__name__}, not torch_geometric.data.Data.")
        x, edge_index = getattr(g, "x", None), getattr(g, "edge_index", None)
        if x is None or edge_index is None:
            missing = "x" if x is None else "edge_index"
            raise InvalidInputError(f"{name}: graph {i} has no {missing}; every graph needs x and edge_index.")
        x = torch.as_tensor(x)
        if x.dim() != 2 or x.shape[0] == 0:
            raise InvalidInputError(
                f"{name}: graph {i} has no nodes (x of shape {tuple(x.shape)}); node features must be "
                "(n_nodes >= 1, n_features). Drop empty graphs or give them a node."
            )
        if not torch.isfinite(x.float()).all():
            raise InvalidInputError(f"{name}: graph {i} has NaN or infinite node features.")
        edge_index = torch.as_tensor(edge_index, dtype=torch.long)
        if edge_index.dim() != 2 or edge_index.shape[0] != 2:
            raise InvalidInputError(f"{name}: graph {i} has edge_index of shape {tuple(edge_index.shape)}; expected (2, E).")
        if edge_index.numel() and (edge_index.min() < 0 or edge_index.max() >= x.shape[0]):
            raise InvalidInputError(f"{name}: graph {i} has an edge to a node outside 0..{x.shape[0] - 1}.")
        if width is None:
            width = x.shape[1]
        elif x.shape[1] != width:
            raise InvalidInputError(
                f"{name}: graph {i} has {x.shape[1]} node features but graph 0 has {width}; "
                "all graphs need the same node feature width."
            )
        if x.dtype != torch.float32 or g.edge_index.dtype != torch.long:
            g = g.clone()
            g.x, g.edge_index = x.float(), edge_index
        graphs.append(g)
    if reset:
        est.n_features_in_ = int(width)
    elif getattr(est, "n_features_in_", width) != width:
        raise InvalidInputError(
            f"{name}: X has graphs with {width} node features, but {name} was fitted with "
            f"{est.n_features_in_}."
        )
    return graphs, int(width)


def _collate_graphs(graphs, idx: np.ndarray):
    """Rows ``idx`` of a list of graphs as one ``torch_geometric.data.Batch``."""
    from torch_geometric.data import Batch

    return Batch.from_data_list([graphs[int(i)] for i in idx])


# --- the registry -----------------------------------------------------------------------------------------

_KINDS: dict[str, InputKind] = {
    kind.name: kind
    for kind in (
        InputKind("tabular", _validate_tabular, _collate_tabular, _tabular_params, sparse=True),
        InputKind("image", _validate_image, module_params=_image_params, two_d_array=False),
        InputKind("sequence", _validate_sequence, two_d_array=False),
        InputKind("graph", _validate_graphs, _collate_graphs, two_d_array=False),
    )
}


def register_input_kind(kind: InputKind, *, overwrite: bool = False) -> InputKind:
    """Add (or, with ``overwrite=True``, replace) an input kind; its name must be one ``fuselearn.nn`` knows."""
    if not isinstance(kind, InputKind):
        raise InvalidParameterError(
            f"register_input_kind expects an InputKind; got {type(kind).__name__}."
        )
    key = normalize_name(kind.name)
    if key not in NN_INPUT_KINDS:
        raise unknown_name_error("input kind", kind.name, NN_INPUT_KINDS, "register_input_kind")
    if key in _KINDS and not overwrite:
        raise InvalidParameterError(
            f"Input kind {key!r} is already registered; pass overwrite=True to replace it."
        )
    _KINDS[key] = dataclasses.replace(kind, name=key)
    return _KINDS[key]


def get_input_kind(name: str, where: str = "input kind") -> InputKind:
    """The :class:`InputKind` called ``name``; an unknown name lists the choices."""
    key = normalize_name(name) if isinstance(name, str) else name
    if key not in _KINDS:
        raise unknown_name_error("input kind", name, sorted(_KINDS), where)
    return _KINDS[key]


class _Handlers(Mapping):
    """``INPUT_HANDLERS[name] -> (validate, collate)``: the earlier public view, kept read-only."""

    def __getitem__(self, name: str) -> tuple[Validate, Collate]:
        kind = _KINDS[name]
        return kind.validate, kind.collate

    def __iter__(self) -> Iterator[str]:
        return iter(_KINDS)

    def __len__(self) -> int:
        return len(_KINDS)

    def __repr__(self) -> str:
        return f"INPUT_HANDLERS({', '.join(_KINDS)})"


INPUT_HANDLERS = _Handlers()
