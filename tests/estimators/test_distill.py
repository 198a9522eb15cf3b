"""Distillation: the student follows its teacher, synthetic rows come from training rows only."""

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.tree import DecisionTreeClassifier

import fuselearn
from fuselearn import (
    DistilledClassifier,
    FusionClassifier,
    NeuralClassifier,
    NeuralRegressor,
    distill,
)
from fuselearn.data import default_preprocessor
from fuselearn.estimators._distill import _augment
from fuselearn.exceptions import (
    FuselearnError,
    InvalidInputError,
    InvalidParameterError,
    UnknownNameError,
)


@pytest.fixture(scope="module")
def data():
    X, y = make_classification(1400, n_features=8, n_informative=5, random_state=0)
    return X[:900], y[:900], X[900:], y[900:]


def _table(n, rng):
    return pd.DataFrame({
        "age": rng.normal(40, 10, n).round(),
        "income": rng.lognormal(3, 1, n),
        "city": rng.choice(["a", "b", "c"], n),
        "flag": rng.choice([True, False], n),
    })


def test_student_matches_a_logistic_teacher(data):
    Xtr, ytr, Xte, _ = data
    teacher = LogisticRegression().fit(Xtr, ytr)
    student = distill(teacher, Xtr, ytr, tolerance=0.0, random_state=0)  # the most faithful size
    assert student.soft_label_source_ == "cross_val_predict"
    assert student.n_synthetic_ == 5 * len(Xtr)
    agreement = (student.predict(Xte) == teacher.predict(Xte)).mean()
    assert agreement > 0.97
    # the default, the smallest size within 0.002 of that fidelity, gives up little of it
    small = distill(teacher, Xtr, ytr, random_state=0)
    assert (small.predict(Xte) == teacher.predict(Xte)).mean() > 0.95
    # and without the synthetic rows the default LightGBM student follows it less closely
    plain = distill(teacher, Xtr, ytr, augment=None, tolerance=0.0, random_state=0)
    assert plain.n_synthetic_ == 0
    gap = np.abs(student.predict_proba(Xte) - teacher.predict_proba(Xte)).mean()
    gap_plain = np.abs(plain.predict_proba(Xte) - teacher.predict_proba(Xte)).mean()
    assert gap < gap_plain


def test_weighted_rows_reproduce_soft_labels_exactly(data):
    """A logistic student on a logistic teacher's probabilities recovers the teacher's model."""
    Xtr, ytr, Xte, _ = data
    teacher = LogisticRegression(C=1e4).fit(Xtr, ytr)
    P = teacher.predict_proba(Xtr)
    student = DistilledClassifier(LogisticRegression(C=1e4, max_iter=5000)).fit(Xtr, ytr, soft_targets=P)
    np.testing.assert_allclose(student.predict_proba(Xte), teacher.predict_proba(Xte), atol=2e-3)


def test_fusion_teacher_uses_its_own_out_of_fold_predictions(data):
    Xtr, ytr, Xte, _ = data
    teacher = FusionClassifier([("lr", LogisticRegression()), ("tree", DecisionTreeClassifier(max_depth=4))],
                               method="stacking", cv=3, random_state=0).fit(Xtr, ytr)
    student = distill(teacher, Xtr, n_augment=500, random_state=0)  # no y needed
    assert student.soft_label_source_ == "fusion_oof"
    assert (student.predict(Xte) == teacher.predict(Xte)).mean() > 0.9
    with pytest.raises(InvalidInputError, match="out-of-fold predictions for 900 rows"):
        distill(teacher, Xtr[:100], random_state=0)


def test_multiclass_and_dataframe_inputs():
    rng = np.random.RandomState(0)
    X = _table(600, rng)
    y = np.where(X["city"] == "a", "x", np.where(X["age"] > 40, "y", "z"))
    pre = default_preprocessor(X)
    from sklearn.pipeline import make_pipeline

    teacher = make_pipeline(pre, LogisticRegression(max_iter=1000))
    student = distill(teacher, X, y, n_augment=600, random_state=0)
    assert list(student.classes_) == ["x", "y", "z"]
    proba = student.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert (student.predict(X) == y).mean() > 0.9


def test_augmentation_never_uses_other_rows():
    """Synthetic rows are built from the rows given: test-only values never appear in them."""
    rng = np.random.RandomState(1)
    train, test = _table(300, rng), _table(100, rng)
    test["city"] = "only-in-test"
    test["age"] = 1000.0
    for method in ("munge", "spunge"):
        synth = _augment(train, 2000, method, 0.5, 1.0, np.random.RandomState(0))
        assert set(synth["city"]) <= set(train["city"])
        assert set(synth["flag"]) <= set(train["flag"])
        assert not (synth["age"] >= 1000).any()
        assert list(synth.columns) == list(train.columns) and len(synth) == 2000
    # MUNGE moves numeric values only between a row and its neighbour: within the training range
    # widened by one neighbour gap, far from the test rows' 1000.
    synth = _augment(train, 2000, "munge", 0.5, 1.0, np.random.RandomState(0))
    assert synth["age"].max() < 2 * train["age"].max() - train["age"].min()


def test_augmented_rows_are_perturbed_copies():
    rng = np.random.RandomState(2)
    X = rng.normal(size=(200, 5))
    synth = _augment(X, 400, "munge", 0.5, 1.0, np.random.RandomState(0))
    assert synth.shape == (400, 5)
    # each synthetic row is a training row with about perturb = 50 % of its cells redrawn
    kept = np.array([np.isclose(X, row).sum(axis=1).max() for row in synth]) / 5
    assert 0.35 < kept.mean() < 0.65
    assert (kept < 1).mean() > 0.9


def test_student_without_sample_weight_needs_hard_labels(data):
    Xtr, ytr, _, _ = data
    teacher = LogisticRegression().fit(Xtr, ytr)
    net = NeuralClassifier(hidden_sizes=(8,), max_epochs=3, random_state=0)
    with pytest.raises(InvalidParameterError, match="cannot take soft labels.*NeuralRegressor.*soft=False"):
        distill(teacher, Xtr, ytr, student=net, n_augment=100, random_state=0)
    student = distill(teacher, Xtr, ytr, student=net, soft=False, n_augment=100, random_state=0)
    assert student.predict(Xtr[:5]).shape == (5,)


def test_bad_parameters(data):
    Xtr, ytr, _, _ = data
    with pytest.raises(UnknownNameError, match="Valid names are: munge, none, spunge"):
        distill(LogisticRegression(), Xtr, ytr, augment="mixup")
    with pytest.raises(InvalidInputError, match="not fitted and no y"):
        distill(LogisticRegression(), Xtr)
    with pytest.raises(InvalidParameterError, match="'teacher' parameter"):
        distill(object(), Xtr, ytr)
    with pytest.raises(InvalidParameterError, match="'perturb'"):
        distill(LogisticRegression(), Xtr, ytr, perturb=0)
    with pytest.raises(InvalidInputError, match="soft_targets must have shape"):
        DistilledClassifier().fit(Xtr, ytr, soft_targets=np.ones((len(ytr), 3)))
    with pytest.raises(FuselearnError, match="not fitted"):
        DistilledClassifier().predict(Xtr)


def test_save_load_round_trip(tmp_path):
    rng = np.random.RandomState(3)
    X = _table(400, rng)
    y = (X["income"] > 20).astype(int).to_numpy()
    from sklearn.pipeline import make_pipeline

    teacher = make_pipeline(default_preprocessor(X), LogisticRegression(max_iter=1000))
    student = distill(teacher, X, y, n_augment=400, random_state=0)
    folder = fuselearn.save(student, tmp_path / "student")
    loaded = fuselearn.load(folder)
    assert isinstance(loaded, DistilledClassifier)
    np.testing.assert_array_equal(loaded.predict_proba(X), student.predict_proba(X))


def test_lightgbm_student_reads_string_columns_natively():
    """A LightGBM student given by the user gets the DataFrame's strings as categories too, and an
    unseen category at predict is treated as missing rather than failing."""
    from lightgbm import LGBMRegressor

    rng = np.random.RandomState(4)
    X = _table(400, rng)
    X["city"] = X["city"].astype("string")
    X.loc[::7, "city"] = None
    y = ((X["city"] == "a").fillna(False) | (X["age"] > 50)).astype(int).to_numpy()
    student = DistilledClassifier(LGBMRegressor(objective="cross_entropy", n_estimators=30, verbose=-1),
                                  random_state=0).fit(X, y)
    assert (student.predict(X) == y).mean() > 0.9
    new = X.head(3).copy()
    new["city"] = "unseen"
    assert student.predict_proba(new).shape == (3, 2)


def test_neural_student_learns_soft_labels_as_a_regressor(data):
    """The neural way to soft labels: a NeuralRegressor fitted on the class probability."""
    Xtr, ytr, Xte, _ = data
    teacher = LogisticRegression().fit(Xtr, ytr)
    net = NeuralRegressor(hidden_sizes=(16,), max_epochs=60, lr=3e-3, random_state=0)
    student = distill(teacher, Xtr, ytr, student=net, n_augment=900, random_state=0)
    assert student.student_size_ is None  # a student of the user's: no size search
    gap = np.abs(student.predict_proba(Xte)[:, 1] - teacher.predict_proba(Xte)[:, 1]).mean()
    assert gap < 0.1
    assert (student.predict(Xte) == teacher.predict(Xte)).mean() > 0.9


def test_student_size_is_the_smallest_within_tolerance(data):
    """The sizing rule on tiny data: every size is tried, the choice is the cheapest within
    ``tolerance`` of the most faithful; a loose tolerance gives the smallest, none the fixed size."""
    Xtr, ytr, _, _ = data
    X, y = Xtr[:300], ytr[:300]
    P = LogisticRegression().fit(X, y).predict_proba(X)
    student = DistilledClassifier(random_state=0).fit(X, y, soft_targets=P)
    search = student.size_search_
    assert len(search) == 3 * 11  # 7, 15, 31 leaves x 11 tree counts
    floor = min(r["gap"] for r in search)
    chosen = student.student_size_
    assert chosen["gap"] <= floor + student.tolerance
    cheaper = [r for r in search if r["cost"] < chosen["n_estimators"] * np.log2(chosen["num_leaves"] + 1)]
    assert all(r["gap"] > floor + student.tolerance for r in cheaper)
    assert student.students_[0].n_estimators == chosen["n_estimators"]
    assert student.students_[0].num_leaves == chosen["num_leaves"]
    loose = DistilledClassifier(tolerance=0.9, random_state=0).fit(X, y, soft_targets=P)
    assert (loose.student_size_["n_estimators"], loose.student_size_["num_leaves"]) == (5, 7)
    assert loose.students_[0].learning_rate == loose.student_size_["learning_rate"]
    fixed = DistilledClassifier(tolerance=None, random_state=0).fit(X, y, soft_targets=P)
    assert fixed.student_size_ is None and fixed.size_search_ == []
    assert fixed.students_[0].n_estimators == 150
    with pytest.raises(InvalidParameterError, match="'tolerance' parameter"):
        DistilledClassifier(tolerance=-1).fit(X, y, soft_targets=P)


def test_default_student_reads_the_table_without_an_encoder():
    """Strings become category codes fixed at fit (no pipeline); columns are read by name."""
    rng = np.random.RandomState(5)
    X = _table(400, rng)
    y = ((X["city"] == "a") | (X["age"] > 50)).astype(int).to_numpy()
    student = DistilledClassifier(random_state=0).fit(X, y)
    assert student.students_[0].booster_.num_feature() == 4
    assert (student.predict(X) == y).mean() > 0.9
    shuffled = X[["flag", "city", "income", "age"]]
    np.testing.assert_allclose(student.predict_proba(shuffled), student.predict_proba(X))
    with pytest.raises(InvalidInputError, match="lacks the column"):
        student.predict(X.rename(columns={"city": "town"}))
