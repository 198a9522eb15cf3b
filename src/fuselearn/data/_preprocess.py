"""A sensible per-column preprocessing pipeline for mixed tables."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler

from ..exceptions import InvalidParameterError

__all__ = ["default_preprocessor"]


def _as_text(column) -> np.ndarray:
    """Missing texts become empty strings; everything else its ``str``."""
    values = pd.Series(np.asarray(column, dtype=object).ravel())
    return values.where(values.notna(), "").astype(str).to_numpy()


def default_preprocessor(
    X: pd.DataFrame,
    *,
    text_columns: Sequence[str] | None = None,
    smote: bool = False,
    random_state: int | None = None,
):
    """Build an unfitted preprocessing pipeline with one step per column type.

    * numeric columns (not bool): median imputation, then standard scaling;
    * every other column (strings, categories, bools): most-frequent imputation, then one-hot
      encoding with ``handle_unknown="ignore"``;
    * each column in ``text_columns``: missing values become ``""``, then TF-IDF (its own
      vocabulary per column).

    Parameters
    ----------
    X : DataFrame
        A sample of the table; only its columns and dtypes are looked at.
    text_columns : sequence of str, optional
        Free-text columns. They are never detected automatically.
    smote : bool, default=False
        Append SMOTE oversampling (imbalanced-learn). SMOTE then runs at ``fit`` only, never at
        ``predict``.
    random_state : int, optional
        Seed of SMOTE.

    Returns
    -------
    preprocessor : ColumnTransformer or imblearn.pipeline.Pipeline
        A ``ColumnTransformer`` (``smote=False``) or an imbalanced-learn ``Pipeline`` of
        ``("preprocess", ColumnTransformer)`` and ``("smote", SMOTE)``; append a classifier with
        ``pipe.steps.append(("model", clf))`` or use it in ``imblearn.pipeline.make_pipeline``.

    Examples
    --------
    >>> import pandas as pd
    >>> X = pd.DataFrame({"age": [30, None, 50], "city": ["a", "b", None]})
    >>> default_preprocessor(X).fit_transform(X).shape
    (3, 3)
    """
    if not isinstance(X, pd.DataFrame):
        raise InvalidParameterError(
            f"The 'X' parameter of default_preprocessor must be a pandas DataFrame. "
            f"Got {type(X).__name__} instead."
        )
    text = list(text_columns or [])
    unknown = [c for c in text if c not in X.columns]
    if unknown:
        raise InvalidParameterError(
            f"The 'text_columns' parameter of default_preprocessor names columns not in X: {unknown}."
        )
    numeric = [
        c for c in X.columns
        if c not in text
        and pd.api.types.is_numeric_dtype(X[c])
        and not pd.api.types.is_bool_dtype(X[c])
    ]
    categorical = [c for c in X.columns if c not in text and c not in numeric]
    transformers = []
    if numeric:
        transformers.append(("numeric", Pipeline([
            ("impute", SimpleImputer(strategy="median")),
            ("scale", StandardScaler()),
        ]), numeric))
    if categorical:
        transformers.append(("categorical", Pipeline([
            ("to_object", FunctionTransformer(_to_object, feature_names_out="one-to-one")),
            ("impute", SimpleImputer(strategy="most_frequent", missing_values=None)),
            ("onehot", OneHotEncoder(handle_unknown="ignore")),
        ]), categorical))
    for c in text:
        transformers.append((f"text_{c}", Pipeline([
            ("fill", FunctionTransformer(_as_text)),
            ("tfidf", TfidfVectorizer()),
        ]), c))
    ct = ColumnTransformer(transformers, remainder="drop")
    if not smote:
        return ct
    from imblearn.over_sampling import SMOTE
    from imblearn.pipeline import Pipeline as ImbPipeline

    return ImbPipeline([("preprocess", ct), ("smote", SMOTE(random_state=random_state))])


def _to_object(frame) -> pd.DataFrame:
    """Object dtype with ``None`` for every missing value, so one imputer fits str, bool and category."""
    frame = pd.DataFrame(frame).astype(object)
    return frame.where(frame.notna(), None)
