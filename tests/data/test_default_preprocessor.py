import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression

from fuselearn.data import default_preprocessor
from fuselearn.exceptions import InvalidParameterError


@pytest.fixture
def frame():
    return pd.DataFrame({
        "age": [30.0, np.nan, 50.0, 40.0, 35.0, 60.0],
        "city": ["a", "b", None, "a", "b", "a"],
        "flag": [True, False, True, True, False, True],
        "review": ["good fit", None, "bad fabric", "good", "runs small", "lovely"],
    })


def test_column_types_and_shapes(frame):
    ct = default_preprocessor(frame, text_columns=["review"])
    assert isinstance(ct, ColumnTransformer)
    Xt = ct.fit_transform(frame)
    names = {n: c for n, _, c in ct.transformers}
    assert names == {"numeric": ["age"], "categorical": ["city", "flag"], "text_review": "review"}
    vocab = ct.named_transformers_["text_review"].named_steps["tfidf"].vocabulary_
    assert Xt.shape == (6, 1 + 2 + 2 + len(vocab))
    dense = Xt.toarray() if hasattr(Xt, "toarray") else Xt
    assert np.isfinite(dense).all()
    assert abs(dense[:, 0].mean()) < 1e-9  # scaled numeric column


def test_unknown_category_is_ignored(frame):
    ct = default_preprocessor(frame).fit(frame)
    new = frame.iloc[:1].assign(city="zzz")
    out = ct.transform(new)
    assert out.shape[0] == 1


def test_smote_pipeline(frame):
    pytest.importorskip("imblearn")
    y = np.array([0, 0, 0, 0, 1, 1])
    X = pd.concat([frame] * 3, ignore_index=True)
    y = np.tile(y, 3)
    pipe = default_preprocessor(X, text_columns=["review"], smote=True, random_state=0)
    pipe.steps.append(("model", LogisticRegression()))
    pipe.fit(X, y)
    assert pipe.predict(X).shape == (18,)
    _, yr = pipe[:-1].fit_resample(X, y)
    assert np.bincount(yr).tolist() == [12, 12]


def test_bad_arguments(frame):
    with pytest.raises(InvalidParameterError, match="must be a pandas DataFrame"):
        default_preprocessor(frame.to_numpy())
    with pytest.raises(InvalidParameterError, match=r"names columns not in X: \['text'\]"):
        default_preprocessor(frame, text_columns=["text"])
