"""Checks the chapters run in front of the reader: our NumPy result against TensorFlow's."""

import numpy as np

from utils.validation import check_number


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
        raise AssertionError(
            f"{label}: max |difference| {diff:.3e} exceeds the tolerance {atol:.0e}"
        )


def relative_error(actual, expected):
    """max |actual - expected| / max |expected|: largest difference in units of the largest value.

    One number per array, in the max norm: an entry far smaller than the largest can be wrong by
    100 % and stay below a bound (CS231n's elementwise |a - b| / max(|a|, |b|) would catch it). An
    all-zero `expected` has no scale: then the result is the absolute max |actual - expected|.
    """
    scale = np.max(np.abs(np.asarray(expected, dtype=np.float64)))
    return max_abs_diff(actual, expected) / scale if scale > 0 else max_abs_diff(actual, expected)


def report_relative_error(label, actual, expected, rtol):
    """Print `label: relative error = e (tolerance rtol)` and fail unless e <= rtol; return e."""
    error = relative_error(actual, expected)
    print(f"{label}: relative error = {error:.1e} (tolerance {rtol:.0e})")
    if not error <= rtol:
        raise AssertionError(
            f"{label}: relative error {error:.3e} exceeds the tolerance {rtol:.0e}"
        )
    return error


def numerical_gradient(f, x, eps=1e-6):
    """Gradient of a scalar f at x by central differences: (f(x + eps) - f(x - eps)) / 2 eps.

    x must be float64: float32's rounding error (1e-7 relative) divided by a small eps would swamp
    the difference. Costs 2 * x.size calls of f, so use it on small arrays only.
    """
    x, eps = _check_finite_differences(x, eps)
    x, grad = x.copy(), np.zeros_like(x)
    for index in np.ndindex(x.shape):
        saved = x[index]
        x[index] = saved + eps
        f_plus = f(x)
        x[index] = saved - eps
        f_minus = f(x)
        x[index] = saved
        grad[index] = (f_plus - f_minus) / (2 * eps)
    return grad


def _check_finite_differences(x, eps):
    """x as float64 (float32's rounding would swamp the differences) and eps as a positive step."""
    x = np.asarray(x)
    if x.dtype != np.float64:
        raise TypeError(f"`x` must be float64 for finite differences; got dtype {x.dtype}")
    return x, check_number(eps, "eps", low=0, low_inclusive=False, kind="step")


def tape_gradients(forward, inputs, upstream):
    """Gradients of sum(forward(*inputs) * upstream) for each input, by tf.GradientTape.

    forward: TensorFlow operations on tensors; upstream: the gradient of a loss with respect to
    forward's output (its shape, or a scalar), so the results are what a backward pass must return
    for each input (zeros for an input that forward does not use).
    """
    import tensorflow as tf

    tensors = [tf.constant(a) for a in inputs]
    with tf.GradientTape() as tape:
        tape.watch(tensors)
        loss = tf.reduce_sum(forward(*tensors) * upstream)
    return [
        g.numpy()
        for g in tape.gradient(loss, tensors, unconnected_gradients=tf.UnconnectedGradients.ZERO)
    ]


def numerical_gradients(forward, inputs, upstream, eps=1e-6):
    """The same gradients as tape_gradients, by central differences in float64.

    forward is NumPy code here.
    """
    inputs = [np.asarray(a, dtype=np.float64) for a in inputs]
    gradients = []
    for k in range(len(inputs)):

        def loss(value, k=k):
            return float(np.sum(forward(*inputs[:k], value, *inputs[k + 1 :]) * upstream))

        gradients.append(numerical_gradient(loss, inputs[k], eps))
    return gradients
