"""utils.validation: one check of integer arguments, one of real numbers and one of switches.

They serve every module, each with one kind of message."""

import numpy as np
import pytest

from utils.validation import check_bool, check_int, check_number, check_rate


@pytest.mark.parametrize("value", [3, np.int64(3), np.uint8(3)])
def test_python_and_numpy_integers_are_accepted_as_python_ints(value):
    checked = check_int(value, "n")
    assert checked == 3 and type(checked) is int


@pytest.mark.parametrize("value", [True, np.bool_(True), 3.0, "3", None])
def test_non_integers_are_refused_even_when_they_hold_a_whole_number(value):
    with pytest.raises(ValueError, match=r"`n` must be a positive integer; got "):
        check_int(value, "n")


@pytest.mark.parametrize(
    "kwargs, value, message",
    [
        (dict(), 0, "`n` must be a positive integer; got 0"),
        (dict(low=0), -1, "`n` must be a non-negative integer; got -1"),
        (dict(low=2), 1, "`n` must be an integer >= 2; got 1"),
        (dict(low=1, high=9), 10, "`n` must be an integer from 1 to 9; got 10"),
        (dict(low=None), 1.5, "`n` must be an integer; got 1.5"),
        (
            dict(high=9, hint="(one per class)"),
            10,
            r"`n` must be an integer from 1 to 9 \(one per class\); got 10",
        ),
    ],
)
def test_the_message_names_the_argument_the_range_and_the_value(kwargs, value, message):
    with pytest.raises(ValueError, match=message):
        check_int(value, "n", **kwargs)


def test_bounds_are_inclusive_and_none_means_unbounded():
    assert check_int(1, "n", 1, 9) == 1 and check_int(9, "n", 1, 9) == 9
    assert check_int(-(10**9), "dy", low=None) == -(10**9)


@pytest.mark.parametrize("value", [0, 0.0, 0.5, np.float32(0.25), 0.999])
def test_a_rate_is_any_number_from_0_up_to_but_not_including_1(value):
    checked = check_rate(value, "dropout")
    assert checked == float(value) and type(checked) is float


@pytest.mark.parametrize("value", [1, 1.0, -0.1, float("nan"), True, np.bool_(False), "0.3", None])
def test_a_rate_outside_0_to_1_or_not_a_number_is_refused_by_name(value):
    with pytest.raises(ValueError, match=r"`dropout` must be a rate in \[0, 1\); got "):
        check_rate(value, "dropout")


@pytest.mark.parametrize(
    "value", [2, 2.0, np.float32(2.0), np.float64(2.0), np.int64(2), np.uint8(2)]
)
def test_python_and_numpy_reals_are_accepted_as_python_floats(value):
    checked = check_number(value, "scale")
    assert checked == 2.0 and type(checked) is float


@pytest.mark.parametrize(
    "value",
    [
        True,
        np.bool_(False),
        "2",
        None,
        [2.0],
        float("nan"),
        float("inf"),
        -np.inf,
        np.float32("nan"),
        10**400,
    ],
)
def test_non_numbers_nan_and_infinities_are_refused(value):
    with pytest.raises(ValueError, match=r"`scale` must be a finite number; got "):
        check_number(value, "scale")


@pytest.mark.parametrize(
    "kwargs, value, message",
    [
        (dict(low=0, low_inclusive=False), 0, "`x` must be a positive finite number; got 0"),
        (dict(low=0), -0.5, "`x` must be a non-negative finite number; got -0.5"),
        (dict(low=0), float("inf"), "`x` must be a non-negative finite number; got inf"),
        (dict(low=2), 1, "`x` must be a finite number >= 2; got 1"),
        (dict(low=2, low_inclusive=False), 2, "`x` must be a finite number > 2; got 2"),
        (dict(high=1), 1, "`x` must be a finite number < 1; got 1"),
        (dict(high=1, high_inclusive=True), 1.5, "`x` must be a finite number <= 1; got 1.5"),
        (
            dict(low=0, high=1, high_inclusive=True),
            1.5,
            r"`x` must be a number in \[0, 1\]; got 1.5",
        ),
        (
            dict(low=0, high=0.5, hint="(a fraction of the image)"),
            0.5,
            r"`x` must be a number in \[0, 0.5\) \(a fraction of the image\); got 0.5",
        ),
        (dict(low=0, high=1, low_inclusive=False), 0, r"`x` must be a number in \(0, 1\); got 0"),
        (
            dict(low=0, low_inclusive=False, kind="step"),
            -1e-6,
            "`x` must be a positive finite step; got -1e-06",
        ),
    ],
)
def test_the_number_message_names_the_argument_the_range_and_the_value(kwargs, value, message):
    with pytest.raises(ValueError, match=message):
        check_number(value, "x", **kwargs)


def test_number_bounds_are_inclusive_or_not_as_asked():
    assert (
        check_number(0, "x", low=0) == 0.0
        and check_number(1, "x", high=1, high_inclusive=True) == 1.0
    )
    # exactly representable: no rounding
    assert check_number(np.float32(0.5), "x", low=0, high=1) == 0.5
    assert check_number(-1e300, "x") == -1e300  # no bound: any finite number


@pytest.mark.parametrize("value", [True, False, np.bool_(True)])
def test_switches_are_bools(value):
    checked = check_bool(value, "scale")
    assert checked == bool(value) and type(checked) is bool


@pytest.mark.parametrize("value", ["no", "False", 0, 1, None, np.array([True])])
def test_a_truthy_or_falsy_non_bool_is_not_taken_for_a_switch(value):
    with pytest.raises(ValueError, match=r"`scale` must be True or False; got "):
        check_bool(value, "scale")
