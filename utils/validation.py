"""Argument checks shared by every module of `utils`: one kind of mistake, one kind of message."""

import math

import numpy as np


def check_int(value, name, low=1, high=None, hint=""):
    """`value` as a Python int in [low, high], or a ValueError naming `name`.

    Python and NumPy integers are accepted; bool, float and str are not, even when they
    hold a whole number.
    low, high: the bounds (None: no bound on that side).
    hint: a sentence appended to the message, e.g. why the range is what it is.
    """
    is_int = isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))
    if not is_int or (low is not None and value < low) or (high is not None and value > high):
        if low is not None and high is not None:
            expected = f"an integer from {low} to {high}"
        elif low is not None:
            expected = {0: "a non-negative integer", 1: "a positive integer"}.get(
                low, f"an integer >= {low}"
            )
        else:
            expected = "an integer" if high is None else f"an integer <= {high}"
        raise ValueError(f"`{name}` must be {expected}{' ' + hint if hint else ''}; got {value!r}")
    return int(value)


def check_number(
    value,
    name,
    low=None,
    high=None,
    low_inclusive=True,
    high_inclusive=False,
    hint="",
    kind="number",
):
    """`value` as a finite Python float in the range given, or a ValueError naming `name`.

    Python and NumPy integers and floats are accepted (np.float32 too); bool, str, NaN
    and infinities are not.
    low, high: the bounds (None: no bound on that side).
    hint: a sentence appended to the message.
    kind: what the value is, for the message ("rate", "step").
    """
    number = _finite_float(value)
    if number is None or not _within(number, low, high, low_inclusive, high_inclusive):
        expected = _expected_range(low, high, low_inclusive, high_inclusive, kind)
        raise ValueError(f"`{name}` must be {expected}{' ' + hint if hint else ''}; got {value!r}")
    return number


def _finite_float(value):
    """`value` as a finite float, or None.

    bool, str, NaN, infinities and integers too large for a float give None.
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(
        value, (int, float, np.integer, np.floating)
    ):
        return None
    try:
        number = float(value)
    except OverflowError:
        return None
    return number if math.isfinite(number) else None


def _within(number, low, high, low_inclusive, high_inclusive):
    """Whether `number` lies in the range, each bound inclusive or not (None: no bound)."""
    above = low is None or (number >= low if low_inclusive else number > low)
    below = high is None or (number <= high if high_inclusive else number < high)
    return above and below


def _expected_range(low, high, low_inclusive, high_inclusive, kind):
    """The words for a range of numbers: "a positive finite number", "a rate in [0, 1)", ..."""
    if low is not None and high is not None:
        opening = "[" if low_inclusive else "("
        closing = "]" if high_inclusive else ")"
        return f"a {kind} in {opening}{low:g}, {high:g}{closing}"
    if low is not None:
        if low == 0:
            return f"a {'non-negative' if low_inclusive else 'positive'} finite {kind}"
        return f"a finite {kind} {'>=' if low_inclusive else '>'} {low:g}"
    if high is not None:
        return f"a finite {kind} {'<=' if high_inclusive else '<'} {high:g}"
    return f"a finite {kind}"


def check_rate(value, name):
    """`value` as a float in [0, 1), e.g. a dropout rate, or a ValueError naming `name`.

    A bool is not a rate.
    """
    return check_number(value, name, low=0, high=1, kind="rate")


def check_bool(value, name):
    """`value` as a Python bool, or a ValueError naming `name`.

    A truthy string such as "no" is not a switch.
    """
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"`{name}` must be True or False; got {value!r}")
    return bool(value)
