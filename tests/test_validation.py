"""The validation layer: scikit-learn constraints re-raised as fuselearn errors, in one message format."""

from numbers import Integral

import numpy as np
import pytest
from sklearn.exceptions import DataConversionWarning
from sklearn.linear_model import LogisticRegression

from fuselearn._validation import (
    Interval,
    StrOptions,
    check_choice,
    check_classes,
    check_fitted,
    check_int,
    check_params,
    check_real,
    check_y,
    param_error,
    validate_params,
)
from fuselearn.exceptions import (
    FuselearnError,
    InvalidInputError,
    InvalidParameterError,
    NotFittedError,
)

CONSTRAINTS = {"n": [Interval(Integral, 1, None, closed="left")], "how": [StrOptions({"a", "b"}), None]}


def test_check_params_maps_sklearn_error_to_fuselearn_tree():
    check_params("Thing", CONSTRAINTS, {"n": 3, "how": None, "other": object()})
    with pytest.raises(InvalidParameterError) as info:
        check_params("Thing", CONSTRAINTS, {"n": 0})
    assert isinstance(info.value, (FuselearnError)) and isinstance(info.value, ValueError)
    assert isinstance(info.value, TypeError)
    assert str(info.value) == "The 'n' parameter of Thing must be an int in the range [1, inf). Got 0 instead."
    with pytest.raises(InvalidParameterError, match=r"The 'how' parameter of LogisticRegression must be"):
        check_params(LogisticRegression(), CONSTRAINTS, {"how": "c"})


def test_a_bool_is_not_taken_for_the_int_one():
    with pytest.raises(InvalidParameterError, match=r"The 'n' parameter of T must be an int in the range \[1, inf\)\. "
                       r"Got True instead\."):
        check_params("T", CONSTRAINTS, {"n": True})
    check_params("T", {"flag": ["boolean", Interval(Integral, 0, None, closed="left")]}, {"flag": True})


def test_validate_params_decorator_checks_bound_arguments_only():
    @validate_params(CONSTRAINTS)
    def f(n, how="a"):
        if n == 99:
            raise ValueError("inner")
        return n

    assert f(2) == 2 and f(n=3, how="b") == 3
    with pytest.raises(InvalidParameterError, match=r"The 'how' parameter of .*f must be"):
        f(1, how="z")
    with pytest.raises(ValueError, match="inner") as info:
        f(99)
    assert not isinstance(info.value, FuselearnError)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: check_int(0, "k", "Top"), "The 'k' parameter of Top must be an int >= 1. Got 0 instead."),
        (lambda: check_int(True, "k", "Top"), "The 'k' parameter of Top must be an int >= 1. Got True instead."),
        (lambda: check_int(2.0, "k", "Top", minimum=0), "must be an int >= 0. Got 2.0 instead."),
        (lambda: check_real(1.0, "dropout", "MLP", low=0, high=1, closed="left"),
         "The 'dropout' parameter of MLP must be a float in the range [0.0, 1.0). Got 1.0 instead."),
        (lambda: check_real("x", "p", "Q", low=0), "must be a float in the range [0.0, inf]. Got 'x' instead."),
        (lambda: check_choice("Maxx", "pool", "CNN", ("max", "mean")),
         "The 'pool' parameter of CNN must be one of {'max', 'mean'}. Got 'Maxx' instead."),
    ],
)
def test_helpers_raise_in_one_format(call, message):
    with pytest.raises(InvalidParameterError) as info:
        call()
    assert message in str(info.value)


def test_helpers_return_normalised_values():
    assert check_int(np.int64(4), "k", "T") == 4 and type(check_int(np.int64(4), "k", "T")) is int
    assert check_real(0, "p", "Q", low=0, high=1) == 0.0
    assert check_choice(" MAX ", "pool", "CNN", ("max",)) == "max"
    assert str(param_error("a", "B", "c", 1, "Do d.")).endswith("Got 1 instead. Do d.")


def test_check_fitted_names_the_method():
    with pytest.raises(NotFittedError, match="This LogisticRegression instance is not fitted yet. Call 'fit' "
                       "before 'predict'."):
        check_fitted(LogisticRegression(), "coef_", "predict")
    check_fitted(LogisticRegression().fit([[0], [1]], [0, 1]), "coef_", "predict")


def test_check_y_refuses_none_and_flattens_a_column():
    with pytest.raises(InvalidInputError, match=r"Est\.fit requires y to be passed"):
        check_y(None, "Est")
    with pytest.warns(DataConversionWarning, match="column-vector y"):
        y = check_y(np.array([[0], [1]]), "Est")
    assert y.shape == (2,)
    assert check_y([0, 1], "Est") == [0, 1]


def test_check_classes_needs_two():
    with pytest.raises(InvalidInputError, match=r"Est\.fit: y has one class only \('a'\)"):
        check_classes(np.array(["a"]), "Est")
    assert len(check_classes(np.array([0, 1]), "Est")) == 2
