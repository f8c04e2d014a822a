"""The backward passes of utils.ops.

Hand-checkable cases, equality with tf.GradientTape over grids of shapes, strides and paddings
(float64, so that only summation order differs), finite differences, and clear errors."""

import itertools

import numpy as np
import pytest
import tensorflow as tf

from utils import checks, ops

RNG = np.random.default_rng(0)
X = np.arange(9.0).reshape(1, 3, 3, 1)  # [[0, 1, 2], [3, 4, 5], [6, 7, 8]], as in test_ops
K = np.array([[0.0, 1.0], [2.0, 3.0]]).reshape(2, 2, 1, 1)


# --- convolution ----------------------------------------------------------------------------


def test_conv2d_backward_by_hand():
    # y = [[19, 25], [37, 43]]; an upstream gradient of ones asks how the sum of y changes
    dx, dkernel, dbias = ops.conv2d_backward(X, K, np.ones((1, 2, 2, 1)))
    # dK[a, b] = sum of the input under tap (a, b) of every window: e.g. dK[0, 0] = 0 + 1 + 3 + 4
    np.testing.assert_array_equal(dkernel[:, :, 0, 0], [[8, 12], [20, 24]])
    # dX[p, q] = sum of the taps that touch pixel (p, q): the centre is touched by all four, 0 + 1
    # + 2 + 3
    np.testing.assert_array_equal(dx[0, :, :, 0], [[0, 1, 1], [2, 6, 4], [2, 5, 3]])
    np.testing.assert_array_equal(dbias, [4])


def test_conv2d_dx_is_the_full_convolution_of_the_upstream_gradient_with_the_flipped_kernel():
    g = np.array([[1.0, 2.0], [3.0, 4.0]])
    # zero-pad by kernel size - 1, flip, slide
    full = ops.corr2d(np.pad(g, 1), np.flip(K[:, :, 0, 0]))
    dx, _, _ = ops.conv2d_backward(X, K, g.reshape(1, 2, 2, 1))
    np.testing.assert_array_equal(dx[0, :, :, 0], full)


def test_conv2d_dkernel_is_the_cross_correlation_of_the_input_with_the_upstream_gradient():
    g = np.array([[1.0, -1.0], [0.5, 2.0]])
    _, dkernel, _ = ops.conv2d_backward(X, K, g.reshape(1, 2, 2, 1))
    np.testing.assert_array_equal(dkernel[:, :, 0, 0], ops.corr2d(X[0, :, :, 0], g))


CONV_GRID = list(
    itertools.product(
        [(5, 5), (6, 7), (8, 5)],
        [(1, 1), (2, 2), (3, 3), (2, 3)],
        [1, 2, 3, (1, 2)],
        ["valid", "same"],
    )
)


@pytest.mark.parametrize("size, kernel_size, strides, padding", CONV_GRID)
def test_conv2d_backward_equals_tensorflow(size, kernel_size, strides, padding):
    x, kernel = RNG.normal(size=(2, *size, 3)), RNG.normal(size=(*kernel_size, 3, 4))
    bias = RNG.normal(size=4)
    upstream = RNG.normal(size=ops.conv2d_fast(x, kernel, bias, strides, padding).shape)
    dx, dkernel, dbias = ops.conv2d_backward(x, kernel, upstream, strides, padding)
    expected = checks.tape_gradients(
        lambda a, k, b: tf.nn.conv2d(a, k, strides, padding.upper()) + b,
        [x, kernel, bias],
        upstream,
    )
    for actual, wanted in zip((dx, dkernel, dbias), expected):
        np.testing.assert_allclose(actual, wanted, rtol=1e-10, atol=1e-10)


def test_conv2d_backward_equals_finite_differences():
    x, kernel = RNG.normal(size=(1, 5, 6, 2)), RNG.normal(size=(3, 2, 2, 3))
    upstream = RNG.normal(size=ops.conv2d(x, kernel, strides=2, padding="same").shape)
    dx, dkernel, _ = ops.conv2d_backward(x, kernel, upstream, strides=2, padding="same")
    loss_of_x = lambda a: (ops.conv2d(a, kernel, strides=2, padding="same") * upstream).sum()
    loss_of_kernel = lambda k: (ops.conv2d(x, k, strides=2, padding="same") * upstream).sum()
    assert checks.relative_error(dx, checks.numerical_gradient(loss_of_x, x)) < 1e-8
    assert checks.relative_error(dkernel, checks.numerical_gradient(loss_of_kernel, kernel)) < 1e-8


def test_conv2d_backward_can_skip_the_input_gradient_and_keeps_float32():
    x, kernel = (
        RNG.normal(size=(2, 6, 6, 1)).astype("float32"),
        RNG.normal(size=(3, 3, 1, 2)).astype("float32"),
    )
    upstream = np.ones((2, 4, 4, 2), dtype="float32")
    dx, dkernel, dbias = ops.conv2d_backward(x, kernel, upstream, input_gradient=False)
    assert dx is None and dkernel.dtype == dbias.dtype == np.float32
    np.testing.assert_allclose(dkernel, ops.conv2d_backward(x, kernel, upstream)[1])


@pytest.mark.parametrize(
    "grad, message",
    [
        (np.ones((1, 3, 3, 1)), r"`grad` must have the shape of conv2d's output, \(1, 2, 2, 1\)"),
        (np.ones((1, 2, 2, 1), dtype=int), "`grad` must be a floating-point array"),
    ],
)
def test_conv2d_backward_rejects_a_bad_upstream_gradient(grad, message):
    with pytest.raises((ValueError, TypeError), match=message):
        ops.conv2d_backward(X, K, grad)


def test_conv2d_backward_rejects_a_kernel_that_does_not_fit_the_input():
    with pytest.raises(ValueError, match="`kernel` has 2 input channels but `x` has 1"):
        ops.conv2d_backward(X, np.ones((2, 2, 2, 1)), np.ones((1, 2, 2, 1)))


# --- dense, ReLU, flatten, softmax with cross-entropy ------------------------------------------


def test_dense_backward_by_hand():
    x, kernel = np.array([[1.0, 2.0]]), np.array([[1.0, 0.0, -1.0], [2.0, 1.0, 0.0]])
    dx, dkernel, dbias = ops.dense_backward(x, kernel, np.array([[1.0, 0.0, 2.0]]))
    np.testing.assert_array_equal(dx, [[1 - 2, 2]])  # g·Wᵀ
    np.testing.assert_array_equal(dkernel, [[1, 0, 2], [2, 0, 4]])  # xᵀ·g
    np.testing.assert_array_equal(dbias, [1, 0, 2])  # Σ g over the batch


@pytest.mark.parametrize("n, d_in, d_out", [(1, 1, 1), (4, 7, 3), (16, 5408, 128)])
def test_dense_backward_equals_tensorflow(n, d_in, d_out):
    x, kernel, bias = (
        RNG.normal(size=(n, d_in)),
        RNG.normal(size=(d_in, d_out)),
        RNG.normal(size=d_out),
    )
    upstream = RNG.normal(size=(n, d_out))
    expected = checks.tape_gradients(lambda a, k, b: a @ k + b, [x, kernel, bias], upstream)
    for actual, wanted in zip(ops.dense_backward(x, kernel, upstream), expected):
        np.testing.assert_allclose(actual, wanted, rtol=1e-10, atol=1e-10)


def test_dense_backward_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match="`kernel` has 3 input rows but `x` has 2 features"):
        ops.dense_backward(np.ones((1, 2)), np.ones((3, 4)), np.ones((1, 4)))
    with pytest.raises(
        ValueError, match=r"`grad` must have the shape of dense's output, \(1, 4\)"
    ):
        ops.dense_backward(np.ones((1, 2)), np.ones((2, 4)), np.ones((1, 3)))


def test_relu_backward_passes_gradient_only_where_the_input_was_positive_and_not_at_zero():
    x = np.array([-1.0, 0.0, 2.0])
    np.testing.assert_array_equal(ops.relu_backward(x, np.array([5.0, 5.0, 5.0])), [0, 0, 5])
    np.testing.assert_array_equal(
        ops.relu_backward(x, np.ones(3)), checks.tape_gradients(tf.nn.relu, [x], np.ones(3))[0]
    )


def test_relu_backward_of_bool_inputs_treats_true_as_1():
    np.testing.assert_array_equal(
        ops.relu_backward(np.array([True, False]), np.array([5.0, 5.0])), [5, 0]
    )


def test_relu_backward_keeps_the_gradients_dtype_and_refuses_a_non_numeric_input():
    assert (
        ops.relu_backward(np.array([1.0, -1.0]), np.ones(2, dtype="float32")).dtype == np.float32
    )
    with pytest.raises(TypeError, match="`x` must be numeric"):
        ops.relu_backward(np.array(["a", "b"]), np.ones(2))
    with pytest.raises(ValueError, match=r"`grad` must have the shape of relu's output, \(2,\)"):
        ops.relu_backward(np.ones(2), np.ones(3))


def test_flatten_backward_restores_the_input_shape_in_keras_order():
    x = RNG.normal(size=(2, 3, 3, 2))
    upstream = RNG.normal(size=(2, 18))
    np.testing.assert_array_equal(
        ops.flatten_backward(upstream, x.shape),
        checks.tape_gradients(lambda a: tf.reshape(a, (2, -1)), [x], upstream)[0],
    )
    with pytest.raises(
        ValueError, match=r"`grad` must have the shape of flatten's output, \(2, 18\)"
    ):
        ops.flatten_backward(np.ones((2, 17)), x.shape)


def test_softmax_crossentropy_backward_is_probabilities_minus_labels_over_n():
    np.testing.assert_allclose(
        ops.softmax_crossentropy_backward([[0.0, 1.0]], [[0.25, 0.75]]), [[0.25, -0.25]]
    )
    logits, y = RNG.normal(size=(5, 10)), np.eye(10)[RNG.integers(0, 10, 5)]
    expected = checks.tape_gradients(
        lambda z: tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(y, z)), [logits], 1.0
    )[0]
    np.testing.assert_allclose(
        ops.softmax_crossentropy_backward(y, ops.softmax(logits)), expected, rtol=1e-12
    )
    with pytest.raises(ValueError, match="must have the same shape"):
        ops.softmax_crossentropy_backward(np.ones((2, 3)), np.ones((2, 4)))


def test_the_softmax_jacobian_gives_the_same_gradient_as_the_combined_formula():
    logits, y = RNG.normal(size=(4, 6)), np.eye(6)[[0, 5, 2, 2]]
    p = ops.softmax(logits)
    # probabilities sum to 1
    np.testing.assert_allclose(ops.softmax_jacobian(p)[0].sum(axis=0), 0, atol=1e-15)
    # dL/dz = Jᵀ dL/dp
    through_jacobian = np.einsum("nij,ni->nj", ops.softmax_jacobian(p), -y / p / len(y))
    np.testing.assert_allclose(
        through_jacobian, ops.softmax_crossentropy_backward(y, p), atol=1e-15
    )


# --- pooling --------------------------------------------------------------------------------


def test_max_pool2d_backward_routes_each_window_to_its_maximum_and_ties_to_the_first():
    x = np.array(
        [[1.0, 1.0, 0.0, 2.0], [1.0, 1.0, 2.0, 2.0], [0.0, 5.0, 0.0, 0.0], [3.0, 4.0, 0.0, 0.0]]
    ).reshape(1, 4, 4, 1)
    dx = ops.max_pool2d_backward(x, np.array([[10.0, 20.0], [30.0, 40.0]]).reshape(1, 2, 2, 1))
    np.testing.assert_array_equal(
        dx[0, :, :, 0], [[10, 0, 0, 20], [0, 0, 0, 0], [0, 30, 40, 0], [0, 0, 0, 0]]
    )
    np.testing.assert_array_equal(
        dx,
        checks.tape_gradients(
            lambda a: tf.nn.max_pool2d(a, 2, 2, "VALID"),
            [x],
            np.array([[10.0, 20.0], [30.0, 40.0]]).reshape(1, 2, 2, 1),
        )[0],
    )


# 3: strides larger than a 2-pool
POOL_GRID = [
    (size, pool, strides, padding)
    for size, pool, strides, padding in itertools.product(
        [(5, 5), (6, 7), (4, 4)], [2, 3, (2, 3)], [None, 1, 2, 3], ["valid", "same"]
    )
]


@pytest.mark.parametrize("size, pool_size, strides, padding", POOL_GRID)
def test_pool_backward_equals_tensorflow(size, pool_size, strides, padding):
    x = RNG.normal(size=(2, *size, 3))
    window = pool_size if isinstance(pool_size, tuple) else (pool_size, pool_size)
    step = window if strides is None else (strides, strides)
    for ours, theirs, forward in (
        (ops.max_pool2d_backward, tf.nn.max_pool2d, ops.max_pool2d),
        (ops.avg_pool2d_backward, tf.nn.avg_pool2d, ops.avg_pool2d),
    ):
        upstream = RNG.normal(size=forward(x, pool_size, strides, padding).shape)
        expected = checks.tape_gradients(
            lambda a: theirs(a, window, step, padding.upper()), [x], upstream
        )[0]
        np.testing.assert_allclose(
            ours(x, upstream, pool_size, strides, padding), expected, rtol=1e-12, atol=1e-12
        )


@pytest.mark.parametrize("size, pool_size, strides, padding", POOL_GRID)
def test_max_pool2d_fast_equals_max_pool2d(size, pool_size, strides, padding):
    x = RNG.normal(size=(2, *size, 3)).astype("float32")
    np.testing.assert_array_equal(
        ops.max_pool2d_fast(x, pool_size, strides, padding),
        ops.max_pool2d(x, pool_size, strides, padding),
    )


def test_avg_pool2d_backward_shares_the_gradient_equally_and_ignores_same_padding():
    dx = ops.avg_pool2d_backward(np.zeros((1, 4, 4, 1)), np.ones((1, 2, 2, 1)))
    np.testing.assert_array_equal(dx, np.full((1, 4, 4, 1), 0.25))
    dx = ops.avg_pool2d_backward(np.zeros((1, 3, 3, 1)), np.ones((1, 2, 2, 1)), padding="same")
    # windows rows 0-1 / row 2 (the padded row is not counted) and the same for columns
    np.testing.assert_allclose(
        dx[0, :, :, 0], [[0.25, 0.25, 0.5], [0.25, 0.25, 0.5], [0.5, 0.5, 1.0]]
    )


@pytest.mark.parametrize("backward", [ops.max_pool2d_backward, ops.avg_pool2d_backward])
def test_pool_backward_rejects_a_gradient_of_the_wrong_shape(backward):
    with pytest.raises(
        ValueError,
        match=r"`grad` must have the shape of (max|avg)_pool2d's output, \(1, 2, 2, 1\)",
    ):
        backward(np.zeros((1, 4, 4, 1)), np.ones((1, 4, 4, 1)))


# --- finite differences ---------------------------------------------------------------------


def test_numerical_gradient_of_a_quadratic_is_exact_by_hand():
    # d/dx of sum(x²) is 2x; central differences are exact for a quadratic up to rounding
    np.testing.assert_allclose(
        checks.numerical_gradient(lambda a: (a**2).sum(), np.array([1.0, -2.0, 3.0])),
        [2, -4, 6],
        rtol=1e-8,
    )


def test_numerical_gradients_of_a_product_with_the_upstream_gradient():
    x, kernel, upstream = RNG.normal(size=(2, 3)), RNG.normal(size=(3, 2)), RNG.normal(size=(2, 2))
    dx, dkernel = checks.numerical_gradients(ops.dense, [x, kernel], upstream)
    np.testing.assert_allclose(dx, upstream @ kernel.T, rtol=1e-7)
    np.testing.assert_allclose(dkernel, x.T @ upstream, rtol=1e-7)


def test_numerical_gradient_insists_on_float64():
    with pytest.raises(TypeError, match="`x` must be float64"):
        checks.numerical_gradient(lambda a: a.sum(), np.ones(3, dtype="float32"))


@pytest.mark.parametrize("eps", [0, -1e-6, float("inf"), float("nan"), "1e-6", True])
def test_numerical_gradient_needs_a_positive_finite_step(eps):
    # eps=inf used to give NaN gradients: (f(inf) - f(-inf)) / inf
    with pytest.raises(ValueError, match="`eps` must be a positive finite step; got "):
        checks.numerical_gradient(lambda a: a.sum(), np.ones(3), eps=eps)


def test_numerical_gradient_takes_a_numpy_step():
    np.testing.assert_allclose(
        checks.numerical_gradient(lambda a: (a**2).sum(), np.array([1.0]), np.float32(1e-3)),
        [2.0],
        rtol=1e-8,
    )


def test_relative_error_is_the_largest_difference_over_the_largest_value():
    assert checks.relative_error([1.0, 2.0], [1.0, 4.0]) == 0.5
    # a 100 % wrong small entry: max norm
    assert checks.relative_error([1e-3, 4.0], [2e-3, 4.0]) == 2.5e-4
    # no scale: the absolute difference
    assert checks.relative_error([0.5, -1.0], [0.0, 0.0]) == 1.0
    with pytest.raises(
        AssertionError, match="relative error 5.000e-01 exceeds the tolerance 1e-01"
    ):
        checks.report_relative_error("x", [1.0, 2.0], [1.0, 4.0], 0.1)


def test_tape_gradients_of_an_input_the_forward_pass_does_not_use_are_zeros():
    gradients = checks.tape_gradients(
        lambda a, unused: a * 2.0, [np.ones(3), np.ones((2, 2))], 1.0
    )
    np.testing.assert_array_equal(gradients[0], [2.0, 2.0, 2.0])
    np.testing.assert_array_equal(gradients[1], np.zeros((2, 2)))
