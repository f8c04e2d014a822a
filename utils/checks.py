"""Checks the chapters run in front of the reader: our NumPy result against TensorFlow's."""
import numpy as np


def max_abs_diff(actual, expected):
    """Largest absolute elementwise difference of two arrays of the same shape."""
    actual, expected = np.asarray(actual), np.asarray(expected)
    if actual.shape != expected.shape:
        raise ValueError(f"shapes differ: `actual` {actual.shape} vs `expected` {expected.shape}")
    return float(np.max(np.abs(actual.astype(np.float64) - expected.astype(np.float64))))


def report_max_diff(label, actual, expected, atol):
    """Print `label: max |difference| = d (tolerance atol)` and fail unless d <= atol.

    The printed d differs in its last digits between CPUs, so the book's nbval sanitizer masks it;
    the assertion below is what is checked.
    """
    diff = max_abs_diff(actual, expected)
    print(f"{label}: max |difference| = {diff:.1e} (tolerance {atol:.0e})")
    if not diff <= atol:
        raise AssertionError(f"{label}: max |difference| {diff:.3e} exceeds the tolerance {atol:.0e}")
