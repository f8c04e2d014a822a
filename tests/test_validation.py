"""utils.validation: one check of integer arguments for every module, with one kind of message."""
import numpy as np
import pytest

from utils.validation import check_int, check_rate


@pytest.mark.parametrize("value", [3, np.int64(3), np.uint8(3)])
def test_python_and_numpy_integers_are_accepted_as_python_ints(value):
    checked = check_int(value, "n")
    assert checked == 3 and type(checked) is int


@pytest.mark.parametrize("value", [True, np.bool_(True), 3.0, "3", None])
def test_non_integers_are_refused_even_when_they_hold_a_whole_number(value):
    with pytest.raises(ValueError, match=r"`n` must be a positive integer; got "):
        check_int(value, "n")


@pytest.mark.parametrize("kwargs, value, message", [
    (dict(), 0, "`n` must be a positive integer; got 0"),
    (dict(low=0), -1, "`n` must be a non-negative integer; got -1"),
    (dict(low=2), 1, "`n` must be an integer >= 2; got 1"),
    (dict(low=1, high=9), 10, "`n` must be an integer from 1 to 9; got 10"),
    (dict(low=None), 1.5, "`n` must be an integer; got 1.5"),
    (dict(high=9, hint="(one per class)"), 10, r"`n` must be an integer from 1 to 9 \(one per class\); got 10"),
])
def test_the_message_names_the_argument_the_range_and_the_value(kwargs, value, message):
    with pytest.raises(ValueError, match=message):
        check_int(value, "n", **kwargs)


def test_bounds_are_inclusive_and_none_means_unbounded():
    assert check_int(1, "n", 1, 9) == 1 and check_int(9, "n", 1, 9) == 9
    assert check_int(-10**9, "dy", low=None) == -10**9


@pytest.mark.parametrize("value", [0, 0.0, 0.5, np.float32(0.25), 0.999])
def test_a_rate_is_any_number_from_0_up_to_but_not_including_1(value):
    checked = check_rate(value, "dropout")
    assert checked == float(value) and type(checked) is float


@pytest.mark.parametrize("value", [1, 1.0, -0.1, float("nan"), True, np.bool_(False), "0.3", None])
def test_a_rate_outside_0_to_1_or_not_a_number_is_refused_by_name(value):
    with pytest.raises(ValueError, match=r"`dropout` must be a rate in \[0, 1\); got "):
        check_rate(value, "dropout")
