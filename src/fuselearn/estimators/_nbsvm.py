"""NBSVM (Wang & Manning 2012): an SVM on Naive-Bayes-scaled binary n-grams, with Platt probabilities.

Written by hand: no maintained library implements NBSVM (checked: scikit-learn, imbalanced-learn,
sklearn-contrib; the public repositories ``mesnilgr/nbsvm`` and ``sidaw/nbsvm`` are scripts, not
estimators). The parts that exist are reused: :class:`~sklearn.feature_extraction.text.CountVectorizer`
counts the n-grams, :class:`~sklearn.svm.LinearSVC` (liblinear, as the paper) fits the SVM, and
:class:`~sklearn.linear_model.LogisticRegression` fits the Platt sigmoid. scikit-learn's
:class:`~sklearn.calibration.CalibratedClassifierCV` was checked for the sigmoid: its fitted objects are
private classes (``_CalibratedClassifier``, ``_SigmoidCalibration``) that :func:`fuselearn.load` would
have to trust, so the held-out decisions and the sigmoid are computed here and kept as plain arrays.
"""

from __future__ import annotations

import re
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.preprocessing import LabelEncoder
from sklearn.svm import LinearSVC
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets

from .._validation import Interval, check_classes, check_fitted, check_params, check_y
from ..exceptions import InvalidInputError, InvalidParameterError
from ..extract._text import as_texts

__all__ = ["TOKEN_PATTERNS", "NBSVMClassifier"]

#: Named token patterns for :class:`NBSVMClassifier` (any other string is used as a regular expression).
TOKEN_PATTERNS = {
    # The normalisation of Mesnil et al.'s NBSVM scripts (mesnilgr/nbsvm), the usual reproduction of
    # Wang & Manning on IMDb: . , ! ? ; : ( ) and " are tokens of their own, every other run of
    # non-space characters is one token (one-letter words, apostrophes and hyphens kept).
    "punct": r"[^\s.,!?;:()\"]+|[.,!?;:()\"]",
    # Word characters, one-letter words included, and every other non-space character as a token.
    "words_punct": r"(?u)\b\w+\b|[^\w\s]",
    # scikit-learn's default: words of two or more word characters; punctuation dropped.
    "words": r"(?u)\b\w\w+\b",
}
_TAG = re.compile(r"<[^>]*>")

_CONSTRAINTS = {
    "ngram_range": [tuple, list],
    "token_pattern": [str],
    "lowercase": ["boolean"],
    "strip_tags": ["boolean"],
    "min_df": [Interval(Integral, 1, None, closed="left"), Interval(Real, 0, 1, closed="right")],
    "max_features": [Interval(Integral, 1, None, closed="left"), None],
    "alpha": [Interval(Real, 0, None, closed="neither")],
    "C": [Interval(Real, 0, None, closed="neither")],
    "beta": [Interval(Real, 0, 1, closed="both")],
    "cv": [Interval(Integral, 2, None, closed="left"), None],
    "max_iter": [Interval(Integral, 1, None, closed="left")],
    "random_state": ["random_state"],
}


def _nb_ratio(counts: sp.csr_matrix, positive: np.ndarray, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    """Log-count ratio ``r = log((p / |p|_1) / (q / |q|_1))`` of binary counts, 0 for unseen n-grams;
    and the mask of the n-grams seen in ``counts``.

    ``p = alpha + sum of the positive rows``, ``q`` likewise over the others. An n-gram absent from
    ``counts`` (a vocabulary counted on more rows than these) gets ``r = 0``, exactly as if the
    vocabulary had been counted on these rows alone.
    """
    p = np.asarray(counts[positive].sum(axis=0)).ravel()
    q = np.asarray(counts[~positive].sum(axis=0)).ravel()
    seen = (p + q) > 0
    p, q = p[seen] + alpha, q[seen] + alpha
    r = np.zeros(counts.shape[1])
    r[seen] = np.log((p / p.sum()) / (q / q.sum()))
    return r, seen


def _fit_scores(counts, codes, n_classes, *, alpha, C, beta, max_iter, seed):
    """NB ratios, interpolated SVM weights and intercepts, one row per one-vs-rest problem (one if binary)."""
    positives = [1] if n_classes == 2 else range(n_classes)
    R, W, b = [], [], []
    for k in positives:
        pos = codes == k
        r, seen = _nb_ratio(counts, pos, alpha)
        svm = LinearSVC(C=C, loss="squared_hinge", dual=True, max_iter=max_iter, random_state=seed)
        svm.fit(counts @ sp.diags(r), pos.astype(int))
        w = svm.coef_.ravel()
        w_bar = np.abs(w[seen]).mean() if seen.any() else 0.0
        # Wang & Manning's interpolation between MNB (w = w_bar * 1) and the SVM (w).
        R.append(r)
        W.append(np.where(seen, (1 - beta) * w_bar + beta * w, 0.0))
        b.append(float(svm.intercept_[0]))
    return np.vstack(R), np.vstack(W), np.asarray(b)


def _scores(counts, R, W, b) -> np.ndarray:
    """``(n_rows, n_problems)`` interpolated SVM scores ``(x * r) . w' + b``."""
    return np.column_stack([counts @ (r * w) for r, w in zip(R, W)]) + b


class NBSVMClassifier(ClassifierMixin, BaseEstimator):
    """NBSVM of Wang & Manning (2012) on raw texts: an SVM on binary n-grams scaled by NB log-count ratios.

    ``fit`` counts binary word n-grams ``x`` (scikit-learn's ``CountVectorizer``), computes the
    Naive-Bayes log-count ratio ``r = log((p / |p|_1) / (q / |q|_1))`` (``p = alpha + sum of x over
    positive texts``, ``q`` likewise over the others), fits an L2-regularised squared-hinge linear SVM
    (liblinear) on ``x * r``, and interpolates its weights with their mean magnitude,
    ``w' = (1 - beta) mean(|w|) + beta w`` (``beta=1``: the SVM; ``beta=0``: multinomial NB scaled by a
    constant). The score is ``(x * r) . w' + b``. More than two classes: one such problem per class
    against the rest.

    The interpolation leaves the SVM's intercept in place, which shifts the score's zero away from the
    best threshold (on IMDb, 1-3 grams: 88.8 % at zero, 91.4 % with a fitted threshold). So
    ``predict_proba`` is Platt's sigmoid ``1 / (1 + exp(-(a s + c)))`` of the score, fitted on
    held-out scores (``cv`` stratified folds, each fitting the ratios and the SVM on the other folds),
    and ``predict`` is its most probable class. With ``cv=None`` the sigmoid is fitted on the training
    rows' own scores: one fit instead of ``cv + 1``, but those scores are optimistic (the SVM has seen
    the rows), so the threshold is less reliable; inside a stack that recalibrates (``FusionClassifier``
    with ``method="stacking"``) that is often enough.

    Parameters
    ----------
    ngram_range : tuple (min_n, max_n), default=(1, 2)
        Word n-grams (Wang & Manning: (1, 2); (1, 3) is the stronger on IMDb).
    token_pattern : str, default="punct"
        How texts are split into tokens: ``"punct"`` (Mesnil et al.'s NBSVM normalisation: ``. , ! ? ;
        : ( ) "`` are tokens, one-letter words and apostrophes kept), ``"words_punct"`` (word characters,
        one-letter words included, and each other non-space character), ``"words"`` (scikit-learn's
        default: words of two or more characters, punctuation dropped), or a regular expression.
    lowercase : bool, default=True
        Lower-case before tokenising.
    strip_tags : bool, default=True
        Replace HTML tags (IMDb's ``<br />``) by a space before tokenising.
    min_df : int or float, default=1
        Ignore n-grams in fewer training texts (an int) or a smaller share of them (a float).
    max_features : int or None, default=None
        Keep the most frequent n-grams only.
    alpha : float, default=1.0
        Smoothing of the NB counts.
    C : float, default=1.0
        Inverse regularisation strength of the SVM.
    beta : float in [0, 1], default=0.25
        Interpolation weight of the SVM (the paper's value).
    cv : int >= 2 or None, default=3
        Folds for the held-out scores the Platt sigmoid is fitted on (None: the training scores).
    max_iter : int, default=5000
        Iterations of liblinear's dual coordinate descent.
    random_state : int, RandomState or None, default=None
        Seeds liblinear's coordinate order and the calibration folds.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    vectorizer_ : CountVectorizer
        The fitted binary n-gram counter.
    r_ : ndarray of shape (n_problems, n_terms)
        NB log-count ratios (one row for two classes; one per class otherwise).
    coef_ : ndarray of shape (n_problems, n_terms)
        Interpolated SVM weights ``w'`` (on the NB-scaled features).
    intercept_ : ndarray of shape (n_problems,)
        SVM intercepts.
    platt_ : ndarray of shape (n_problems, 2)
        Platt's ``(a, c)`` per problem.
    n_features_in_ : int
        1 (one text column).

    Examples
    --------
    >>> texts = ["a great film !", "great acting , loved it", "awful , boring film", "boring and bad"] * 3
    >>> clf = NBSVMClassifier(cv=None).fit(texts, [1, 1, 0, 0] * 3)
    >>> clf.predict(["loved it !", "bad film"]).tolist()
    [1, 0]
    """

    def __init__(
        self,
        *,
        ngram_range: tuple[int, int] = (1, 2),
        token_pattern: str = "punct",
        lowercase: bool = True,
        strip_tags: bool = True,
        min_df: float = 1,
        max_features: int | None = None,
        alpha: float = 1.0,
        C: float = 1.0,
        beta: float = 0.25,
        cv: int | None = 3,
        max_iter: int = 5000,
        random_state=None,
    ) -> None:
        self.ngram_range = ngram_range
        self.token_pattern = token_pattern
        self.lowercase = lowercase
        self.strip_tags = strip_tags
        self.min_df = min_df
        self.max_features = max_features
        self.alpha = alpha
        self.C = C
        self.beta = beta
        self.cv = cv
        self.max_iter = max_iter
        self.random_state = random_state

    # --- input -------------------------------------------------------------------------------------

    def _check_params(self) -> str:
        check_params(self, _CONSTRAINTS, self.get_params())
        ngrams = self.ngram_range
        if (len(ngrams) != 2 or any(isinstance(n, bool) or not isinstance(n, Integral) for n in ngrams)
                or not 1 <= ngrams[0] <= ngrams[1]):
            raise InvalidParameterError(
                f"The 'ngram_range' parameter of NBSVMClassifier must be a pair (min_n, max_n) of ints with "
                f"1 <= min_n <= max_n, e.g. (1, 3). Got {ngrams!r} instead."
            )
        pattern = TOKEN_PATTERNS.get(self.token_pattern, self.token_pattern)
        try:
            re.compile(pattern)
        except re.error as exc:
            raise InvalidParameterError(
                f"The 'token_pattern' parameter of NBSVMClassifier must be one of {sorted(TOKEN_PATTERNS)} or a "
                f"regular expression; {self.token_pattern!r} is neither ({exc})."
            ) from None
        return pattern

    def _texts(self, X) -> np.ndarray:
        texts = as_texts(X, "NBSVMClassifier")
        if self.strip_tags:
            texts = np.asarray([_TAG.sub(" ", t) for t in texts], dtype=object)
        return texts

    # --- fit ---------------------------------------------------------------------------------------

    def fit(self, X, y):
        """Count the n-grams, fit the NB ratios and the SVM, then the Platt sigmoid.

        Parameters
        ----------
        X : sequence of str, pandas Series or one-column DataFrame
            The texts (missing values are empty texts).
        y : array-like of shape (n_samples,)
            Class labels.

        Returns
        -------
        self : NBSVMClassifier
        """
        pattern = self._check_params()
        texts = self._texts(X)
        y = np.asarray(check_y(y, "NBSVMClassifier"))
        if y.ndim != 1 or len(y) != len(texts):
            raise InvalidInputError(
                f"NBSVMClassifier.fit: y must be 1-D with one label per text ({len(texts)} texts); got shape "
                f"{y.shape}."
            )
        check_classification_targets(y)
        enc = LabelEncoder().fit(y)
        classes = check_classes(enc.classes_, "NBSVMClassifier")
        codes = enc.transform(y)
        rng = check_random_state(self.random_state)
        seed = int(rng.randint(np.iinfo(np.int32).max))
        vectorizer = CountVectorizer(ngram_range=tuple(self.ngram_range), token_pattern=pattern,
                                     lowercase=self.lowercase, min_df=self.min_df,
                                     max_features=self.max_features, binary=True, dtype=np.float64)
        try:
            counts = vectorizer.fit_transform(texts).tocsr()
        except ValueError as exc:  # empty vocabulary and friends
            raise InvalidInputError(
                f"NBSVMClassifier.fit: no n-gram to learn from ({exc}). Check that X holds texts and that "
                "min_df / max_features leave some n-grams."
            ) from None
        params = {"alpha": float(self.alpha), "C": float(self.C), "beta": float(self.beta),
                  "max_iter": int(self.max_iter), "seed": seed}
        R, W, b = _fit_scores(counts, codes, len(classes), **params)
        if self.cv is None:
            held_out = _scores(counts, R, W, b)
        else:
            smallest = int(np.bincount(codes).min())
            if smallest < self.cv:
                raise InvalidInputError(
                    f"NBSVMClassifier.fit: cv={self.cv} calibration folds need at least {self.cv} texts of "
                    f"every class; the smallest class has {smallest}. Lower cv, or pass cv=None to fit the "
                    "sigmoid on the training scores."
                )
            held_out = np.empty((len(texts), W.shape[0]))
            folds = StratifiedKFold(int(self.cv), shuffle=True, random_state=seed)
            for a, v in folds.split(np.zeros(len(codes)), codes):
                # a fold's ratios count only its rows: n-grams absent there get r = 0 (_nb_ratio)
                held_out[v] = _scores(counts[v], *_fit_scores(counts[a], codes[a], len(classes), **params))
        platt = []
        positives = [1] if len(classes) == 2 else range(len(classes))
        for j, k in enumerate(positives):
            target = (codes == k).astype(int)
            if target.min() == target.max():  # cannot happen with >= 2 classes; kept for safety of the shape
                platt.append((0.0, 0.0))
                continue
            lr = LogisticRegression(C=1e4, max_iter=1000).fit(held_out[:, [j]], target)
            platt.append((float(lr.coef_[0, 0]), float(lr.intercept_[0])))
        self.classes_ = classes
        self.vectorizer_ = vectorizer
        self.r_, self.coef_, self.intercept_ = R, W, b
        self.platt_ = np.asarray(platt)
        self.n_features_in_ = 1
        return self

    # --- predict -----------------------------------------------------------------------------------

    def decision_function(self, X) -> np.ndarray:
        """Interpolated SVM scores ``(x * r) . w' + b``: shape ``(n,)`` for two classes, else ``(n, n_classes)``.

        The score's zero is not the decision threshold (see the class notes); :meth:`predict` uses the
        Platt sigmoid.
        """
        check_fitted(self, "coef_", "decision_function")
        counts = self.vectorizer_.transform(self._texts(X))
        s = _scores(counts, self.r_, self.coef_, self.intercept_)
        return s[:, 0] if len(self.classes_) == 2 else s

    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities ``(n, n_classes)``: Platt's sigmoid of each score (normalised over classes)."""
        check_fitted(self, "coef_", "predict_proba")
        s = self.decision_function(X).reshape(-1, self.coef_.shape[0])
        z = np.clip(s * self.platt_[:, 0] + self.platt_[:, 1], -500, 500)
        p = 1.0 / (1.0 + np.exp(-z))
        if len(self.classes_) == 2:
            return np.column_stack([1 - p[:, 0], p[:, 0]])
        total = p.sum(axis=1, keepdims=True)
        return np.divide(p, total, out=np.full_like(p, 1.0 / p.shape[1]), where=total > 0)

    def predict(self, X) -> np.ndarray:
        """The most probable class of each text."""
        check_fitted(self, "coef_", "predict")
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.string = True
        tags.input_tags.sparse = False
        tags.target_tags.required = True
        return tags
