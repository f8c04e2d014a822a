"""Argument checks shared by every module of `utils`, so that one kind of mistake gets one kind of message."""
import numpy as np


def check_int(value, name, low=1, high=None, hint=""):
    """`value` as a Python int in [low, high] (None: no bound on that side), or a ValueError naming `name`.

    Python and NumPy integers are accepted; bool, float and str are not, even when they hold a whole number.
    hint: a sentence appended to the message, e.g. why the range is what it is.
    """
    is_int = isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))
    if not is_int or (low is not None and value < low) or (high is not None and value > high):
        if low is not None and high is not None:
            expected = f"an integer from {low} to {high}"
        elif low is not None:
            expected = {0: "a non-negative integer", 1: "a positive integer"}.get(low, f"an integer >= {low}")
        else:
            expected = "an integer" if high is None else f"an integer <= {high}"
        raise ValueError(f"`{name}` must be {expected}{' ' + hint if hint else ''}; got {value!r}")
    return int(value)


def check_rate(value, name):
    """`value` as a float in [0, 1), e.g. a dropout rate, or a ValueError naming `name`; bool is not a rate."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)) \
            or not 0 <= value < 1:
        raise ValueError(f"`{name}` must be a rate in [0, 1); got {value!r}")
    return float(value)
