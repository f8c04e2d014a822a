"""utils.ops: hand-checkable cases, equality with TensorFlow/Keras, and clear errors."""

import itertools

import keras
import numpy as np
import pytest
import tensorflow as tf

from utils import ops

X = np.arange(9.0).reshape(3, 3)  # [[0, 1, 2], [3, 4, 5], [6, 7, 8]]
K = np.array([[0.0, 1.0], [2.0, 3.0]])


# --- corr2d --------------------------------------------------------------------------------


def test_corr2d_matches_the_hand_computed_example():
    # top-left: 0*0 + 1*1 + 3*2 + 4*3 = 19
    np.testing.assert_array_equal(ops.corr2d(X, K), [[19, 25], [37, 43]])


def test_corr2d_with_the_flipped_kernel_is_true_convolution():
    # convolution flips the kernel: top-left 0*3 + 1*2 + 3*1 + 4*0 = 5
    np.testing.assert_array_equal(ops.corr2d(X, np.flip(K)), [[5, 11], [23, 29]])


def test_corr2d_detects_the_vertical_edge_of_d2l():
    x = np.ones((6, 8))
    x[:, 2:6] = 0
    y = ops.corr2d(x, [[1.0, -1.0]])
    np.testing.assert_array_equal(y[0], [0, 1, 0, 0, 0, -1, 0])


@pytest.mark.parametrize(
    "x, kernel, message",
    [
        (np.ones((3, 3, 1)), K, "`x` must have 2 dimensions"),
        (X, np.ones(2), "`kernel` must have 2 dimensions"),
        (X, np.ones((4, 2)), "larger than `x`"),
        (np.array([["a"]]), K, "`x` must be numeric"),
    ],
)
def test_corr2d_rejects_bad_input(x, kernel, message):
    with pytest.raises((ValueError, TypeError), match=message):
        ops.corr2d(x, kernel)


# --- output size and padding ---------------------------------------------------------------


@pytest.mark.parametrize(
    "n, k, s, padding, expected",
    [
        (28, 3, 1, "valid", 26),
        (28, 3, 1, "same", 28),
        (28, 3, 2, "valid", 13),
        (28, 3, 2, "same", 14),
        (5, 5, 1, "valid", 1),
        (7, 2, 3, "valid", 2),
        (7, 2, 3, "same", 3),
    ],
)
def test_conv_output_size_by_hand(n, k, s, padding, expected):
    assert ops.conv_output_size(n, k, s, padding) == expected


@pytest.mark.parametrize(
    "n, k, s, expected",
    [
        (6, 3, 2, (0, 1)),  # odd total padding: the extra zero goes after (bottom/right)
        (5, 3, 2, (1, 1)),
        (28, 3, 1, (1, 1)),
        (28, 4, 1, (1, 2)),
        (4, 1, 2, (0, 0)),
    ],
)
def test_same_padding_puts_the_odd_pixel_after(n, k, s, expected):
    assert ops.same_padding(n, k, s) == expected


@pytest.mark.parametrize(
    "args, message",
    [
        ((0, 3), "`input_size` must be a positive integer"),
        ((5, 2.5), "`kernel_size` must be a positive integer"),
        ((5, 3, -1), "`strides` must be a positive integer"),
        ((5, 3, 1, "full"), "`padding` must be 'valid' or 'same'"),
        ((2, 3, 1, "valid"), "larger than `input_size`"),
    ],
)
def test_conv_output_size_rejects_bad_input(args, message):
    with pytest.raises(ValueError, match=message):
        ops.conv_output_size(*args)


# --- conv2d ----------------------------------------------------------------------------------


def test_conv2d_of_one_channel_equals_corr2d():
    y = ops.conv2d(X[None, :, :, None], K[:, :, None, None])
    np.testing.assert_array_equal(y[0, :, :, 0], [[19, 25], [37, 43]])


def test_conv2d_sums_input_channels_and_adds_bias():
    x = np.stack([X, 2 * X], axis=-1)[None]  # channel 1 is twice channel 0
    kernel = np.stack([K, K], axis=2)[..., None]  # (2, 2, 2, 1)
    y = ops.conv2d(x, kernel, bias=[1.0])
    np.testing.assert_array_equal(y[0, :, :, 0], 3 * np.array([[19, 25], [37, 43]]) + 1)


def test_conv2d_same_stride_2_pads_bottom_right_only():
    x = np.arange(1.0, 37.0).reshape(1, 6, 6, 1)
    y = ops.conv2d(x, np.ones((3, 3, 1, 1)), strides=2, padding="same")
    # window rows 0-2, cols 0-2: no padding on the top/left
    assert y.shape == (1, 3, 3, 1)
    assert y[0, 0, 0, 0] == x[0, 0:3, 0:3, 0].sum()
    # last window covers rows 4-5 plus one zero row below
    assert y[0, 2, 2, 0] == x[0, 4:6, 4:6, 0].sum()


GRID = list(
    itertools.product(
        [(1, 7, 7, 1), (2, 9, 8, 3), (3, 28, 28, 1)],  # x shape
        [(1, 1), (2, 3), (3, 3), (5, 5)],  # kernel size
        [1, 2, 3],  # output channels
        [1, 2, (2, 1)],  # strides
        ["valid", "same"],
    )
)


def _random_case(x_shape, kernel_size, c_out, seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=x_shape).astype(np.float32)
    kernel = rng.normal(size=(*kernel_size, x_shape[-1], c_out)).astype(np.float32)
    bias = rng.normal(size=(c_out,)).astype(np.float32)
    return x, kernel, bias


@pytest.mark.parametrize("x_shape, kernel_size, c_out, strides, padding", GRID)
def test_conv2d_equals_tf_nn_conv2d(x_shape, kernel_size, c_out, strides, padding):
    x, kernel, bias = _random_case(x_shape, kernel_size, c_out, seed=len(x_shape) + c_out)
    expected = tf.nn.conv2d(x, kernel, strides=strides, padding=padding.upper()) + bias
    actual = ops.conv2d(x, kernel, bias, strides=strides, padding=padding)
    assert actual.shape == tuple(expected.shape)
    np.testing.assert_allclose(actual, expected.numpy(), rtol=0, atol=1e-5)


@pytest.mark.parametrize("x_shape, kernel_size, c_out, strides, padding", GRID[::3])
def test_conv2d_equals_keras_conv2d_with_the_same_weights(
    x_shape, kernel_size, c_out, strides, padding
):
    x, kernel, bias = _random_case(x_shape, kernel_size, c_out, seed=7)
    layer = keras.layers.Conv2D(c_out, kernel_size, strides=strides, padding=padding)
    layer.build(x.shape)
    layer.set_weights([kernel, bias])
    np.testing.assert_allclose(
        ops.conv2d(x, kernel, bias, strides, padding), layer(x).numpy(), rtol=0, atol=1e-5
    )


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(x=np.ones((28, 28))), "4-D NHWC array"),
        (dict(kernel=np.ones((3, 3, 2, 4))), "`kernel` has 2 input channels but `x` has 1"),
        (dict(kernel=np.ones((3, 3))), "`kernel` must have 4 dimensions"),
        (dict(bias=np.ones(3)), r"`bias` must have shape \(4,\)"),
        (dict(strides=0), "`strides` must be a positive integer"),
        (dict(strides=(1, 2, 3)), "`strides` must be an int or a pair"),
        (dict(padding="causal"), "`padding` must be 'valid' or 'same'"),
        (dict(x=np.ones((1, 2, 2, 1))), "larger than `input_size`"),
    ],
)
def test_conv2d_rejects_bad_input(kwargs, message):
    args = dict(
        x=np.ones((1, 5, 5, 1)),
        kernel=np.ones((3, 3, 1, 4)),
        bias=None,
        strides=1,
        padding="valid",
    )
    args.update(kwargs)
    with pytest.raises(ValueError, match=message):
        ops.conv2d(**args)


def test_edge_kernels_respond_to_edges_of_their_orientation():
    x = np.zeros((5, 5))
    x[:, 3:] = 1.0  # a vertical edge between columns 2 and 3
    k = ops.edge_kernels()
    assert np.abs(ops.corr2d(x, k["vertical"])).max() == 3
    assert np.abs(ops.corr2d(x, k["horizontal"])).max() == 0
    assert np.abs(ops.corr2d(x, k["sobel_x"])).max() == 4
    assert np.abs(ops.corr2d(x, k["sobel_y"])).max() == 0


# --- relu and pooling ------------------------------------------------------------------------

X4 = np.arange(16.0).reshape(1, 4, 4, 1)  # [[0..3], [4..7], [8..11], [12..15]]


def test_relu_zeroes_negatives_only():
    np.testing.assert_array_equal(ops.relu([-2.0, -0.0, 0.5, 3.0]), [0.0, 0.0, 0.5, 3.0])


def test_max_pool_of_the_hand_example():
    np.testing.assert_array_equal(ops.max_pool2d(X4)[0, :, :, 0], [[5, 7], [13, 15]])


def test_avg_pool_of_the_hand_example():
    # top-left window: (0 + 1 + 4 + 5) / 4 = 2.5
    np.testing.assert_array_equal(ops.avg_pool2d(X4)[0, :, :, 0], [[2.5, 4.5], [10.5, 12.5]])


def test_same_padding_is_never_pooled():
    x = -np.ones((1, 3, 3, 1))  # all negative: a padded zero would win a max
    np.testing.assert_array_equal(
        ops.max_pool2d(x, 2, padding="same")[0, :, :, 0], -np.ones((2, 2))
    )
    np.testing.assert_array_equal(
        ops.avg_pool2d(x, 2, padding="same")[0, :, :, 0], -np.ones((2, 2))
    )


def test_global_pools_reduce_height_and_width():
    x = np.stack([X4[..., 0], -X4[..., 0]], axis=-1)  # (1, 4, 4, 2)
    np.testing.assert_array_equal(ops.global_max_pool2d(x), [[15, 0]])
    np.testing.assert_array_equal(ops.global_avg_pool2d(x), [[7.5, -7.5]])


POOL_GRID = list(
    itertools.product(
        [(2, 7, 7, 1), (1, 8, 9, 3), (2, 28, 28, 2)],  # x shape
        [1, 2, 3, (2, 3)],  # pool size
        [None, 1, 2, (3, 1)],  # strides (None: the pool size)
        ["valid", "same"],
    )
)


@pytest.mark.parametrize("x_shape, pool_size, strides, padding", POOL_GRID)
def test_max_pool2d_equals_keras_exactly(x_shape, pool_size, strides, padding):
    x = np.random.default_rng(1).normal(size=x_shape).astype(np.float32)
    layer = keras.layers.MaxPooling2D(pool_size, strides=strides, padding=padding)
    np.testing.assert_array_equal(ops.max_pool2d(x, pool_size, strides, padding), layer(x).numpy())


@pytest.mark.parametrize("x_shape, pool_size, strides, padding", POOL_GRID)
def test_avg_pool2d_equals_keras(x_shape, pool_size, strides, padding):
    x = np.random.default_rng(2).normal(size=x_shape).astype(np.float32)
    layer = keras.layers.AveragePooling2D(pool_size, strides=strides, padding=padding)
    np.testing.assert_allclose(
        ops.avg_pool2d(x, pool_size, strides, padding), layer(x).numpy(), rtol=0, atol=1e-6
    )


@pytest.mark.parametrize("x_shape", [(1, 5, 5, 1), (3, 28, 28, 8), (2, 4, 7, 3)])
def test_global_pools_equal_keras(x_shape):
    x = np.random.default_rng(3).normal(size=x_shape).astype(np.float32)
    np.testing.assert_array_equal(
        ops.global_max_pool2d(x), keras.layers.GlobalMaxPooling2D()(x).numpy()
    )
    np.testing.assert_allclose(
        ops.global_avg_pool2d(x),
        keras.layers.GlobalAveragePooling2D()(x).numpy(),
        rtol=0,
        atol=1e-6,
    )


@pytest.mark.parametrize(
    "pool, kwargs, message",
    [
        (ops.max_pool2d, dict(x=np.ones((4, 4))), "4-D NHWC array"),
        (ops.avg_pool2d, dict(pool_size=0), "`pool_size` must be a positive integer"),
        (ops.max_pool2d, dict(strides=(1, 2, 3)), "`strides` must be an int or a pair"),
        (ops.avg_pool2d, dict(padding="full"), "`padding` must be 'valid' or 'same'"),
        (ops.max_pool2d, dict(pool_size=5), "larger than `input_size`"),
        (ops.global_avg_pool2d, dict(x=np.ones((2, 3))), "4-D NHWC array"),
    ],
)
def test_pooling_rejects_bad_input(pool, kwargs, message):
    args = dict(x=np.ones((1, 4, 4, 1)))
    if pool in (ops.max_pool2d, ops.avg_pool2d):
        args.update(pool_size=2, strides=None, padding="valid")
    args.update(kwargs)
    with pytest.raises(ValueError, match=message):
        pool(**args)


def test_relu_rejects_non_numbers():
    with pytest.raises(TypeError, match="`x` must be numeric"):
        ops.relu(np.array(["a"]))


def test_relu_of_bools_is_0_and_1_in_float32_like_every_other_op():
    out = ops.relu(np.array([True, False]))
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, [1.0, 0.0])


# --- dense layers, softmax and cross-entropy -------------------------------------------------


def test_flatten_keeps_channels_fastest_like_keras():
    x = np.arange(12).reshape(1, 2, 2, 3)  # (N, H, W, C)
    np.testing.assert_array_equal(ops.flatten(x), [list(range(12))])
    np.testing.assert_array_equal(
        ops.flatten(x), keras.layers.Flatten()(x.astype("float32")).numpy()
    )


def test_dense_by_hand():
    # [1, 2] @ [[1, 0, 2], [0, 1, 3]] + [1, 1, 1] = [2, 3, 9]
    np.testing.assert_array_equal(
        ops.dense([[1.0, 2.0]], [[1, 0, 2], [0, 1, 3]], [1, 1, 1]), [[2, 3, 9]]
    )


@pytest.mark.parametrize("n, d_in, d_out", [(1, 1, 1), (5, 784, 128), (3, 128, 10)])
def test_dense_equals_keras_dense(n, d_in, d_out):
    rng = np.random.default_rng(n)
    x = rng.normal(size=(n, d_in)).astype("float32")
    layer = keras.layers.Dense(d_out)
    layer.build((None, d_in))
    layer.set_weights(
        [
            rng.normal(size=(d_in, d_out)).astype("float32"),
            rng.normal(size=d_out).astype("float32"),
        ]
    )
    np.testing.assert_allclose(
        ops.dense(x, *layer.get_weights()), layer(x).numpy(), rtol=1e-5, atol=1e-4
    )


def test_softmax_by_hand_and_shift_invariant():
    # softmax([0, ln 3]) = [1/4, 3/4]
    np.testing.assert_allclose(ops.softmax([[0.0, np.log(3.0)]]), [[0.25, 0.75]], rtol=1e-6)
    np.testing.assert_allclose(
        ops.softmax([[1000.0, 1000.0 + np.log(3.0)]]), [[0.25, 0.75]], rtol=1e-5
    )


@pytest.mark.parametrize(
    "scale", [1.0, 50.0, 1e4]
)  # 1e4: exp overflows float32 without the max trick
def test_softmax_equals_keras_even_for_extreme_logits(scale):
    logits = (np.random.default_rng(0).normal(size=(8, 10)) * scale).astype("float32")
    ours = ops.softmax(logits)
    assert np.all(np.isfinite(ours))
    np.testing.assert_allclose(
        ours, keras.activations.softmax(logits).numpy(), rtol=1e-5, atol=1e-7
    )
    np.testing.assert_allclose(ours.sum(axis=1), 1.0, rtol=1e-6)


@pytest.mark.parametrize("scale", [1.0, 50.0, 1e4])
def test_crossentropy_from_logits_equals_keras(scale):
    rng = np.random.default_rng(1)
    logits = (rng.normal(size=(8, 10)) * scale).astype("float32")
    labels = rng.integers(0, 10, size=8)
    one_hot = np.eye(10, dtype="float32")[labels]
    expected = keras.losses.categorical_crossentropy(one_hot, logits, from_logits=True).numpy()
    np.testing.assert_allclose(
        ops.categorical_crossentropy(one_hot, logits, from_logits=True), expected, rtol=1e-5
    )
    np.testing.assert_allclose(
        ops.sparse_categorical_crossentropy(labels, logits, from_logits=True), expected, rtol=1e-5
    )
    assert np.all(np.isfinite(expected))


def test_crossentropy_from_probabilities_equals_keras_including_clipping():
    rng = np.random.default_rng(2)
    probs = ops.softmax(rng.normal(size=(6, 10)).astype("float32") * 30)  # some probabilities ~0
    labels = rng.integers(0, 10, size=6)
    one_hot = np.eye(10, dtype="float32")[labels]
    expected = keras.losses.categorical_crossentropy(one_hot, probs).numpy()
    # atol: where p is ~1 the loss is ~1e-7, and float32 renormalisation moves it by a few ulp
    np.testing.assert_allclose(
        ops.categorical_crossentropy(one_hot, probs), expected, rtol=1e-5, atol=1e-6
    )
    np.testing.assert_allclose(
        ops.sparse_categorical_crossentropy(labels, probs),
        keras.losses.sparse_categorical_crossentropy(labels, probs).numpy(),
        rtol=1e-5,
        atol=1e-6,
    )


def test_crossentropy_by_hand():
    # the true class has probability 1/4: loss = -log(1/4) = log 4
    np.testing.assert_allclose(
        ops.categorical_crossentropy([[0, 1]], [[0.75, 0.25]]), [np.log(4)], rtol=1e-6
    )
    np.testing.assert_allclose(
        ops.sparse_categorical_crossentropy([1], [[0.75, 0.25]]), [np.log(4)], rtol=1e-6
    )


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: ops.flatten(np.ones(3)), "batch axis and at least one more"),
        (
            lambda: ops.dense(np.ones((2, 3)), np.ones((4, 5))),
            "`kernel` has 4 input rows but `x` has 3 features",
        ),
        (
            lambda: ops.dense(np.ones((2, 3)), np.ones((3, 5)), np.ones(4)),
            r"`bias` must have shape \(5,\)",
        ),
        (
            lambda: ops.categorical_crossentropy(np.array([1, 2]), np.ones((2, 10))),
            "`y_true` must have 2 dimensions",
        ),
        (
            lambda: ops.categorical_crossentropy(np.ones((2, 3)), np.ones((2, 10))),
            "must have the same shape",
        ),
        (
            lambda: ops.sparse_categorical_crossentropy(np.ones((2, 10)), np.ones((2, 10))),
            "integer labels of shape",
        ),
        (
            lambda: ops.sparse_categorical_crossentropy(np.array([0, 10]), np.ones((2, 10))),
            r"labels must be in 0\.\.9",
        ),
    ],
)
def test_dense_and_loss_reject_bad_input(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_softmax_of_no_examples_is_no_rows_of_probabilities():
    for f in (ops.softmax, ops.log_softmax):
        assert f(np.empty((0, 10))).shape == (0, 10)


@pytest.mark.parametrize(
    "logits, axis, message",
    [
        (
            np.empty((10, 0)),
            -1,
            r"`logits` must hold at least one class along axis -1; got shape \(10, 0\)",
        ),
        (
            np.empty((0, 10)),
            0,
            r"`logits` must hold at least one class along axis 0; got shape \(0, 10\)",
        ),
        (np.float32(2.0), -1, "`logits` must be an array of class scores, not a single number"),
        (
            np.ones((2, 3)),
            2,
            r"`axis` must be an integer from -2 to 1 \(an axis of `logits`, shape \(2, 3\)\); "
            r"got 2",
        ),
        (np.ones((2, 3)), 1.0, r"`axis` must be an integer from -2 to 1"),
    ],
)
@pytest.mark.parametrize("function", [ops.softmax, ops.log_softmax])
def test_softmax_needs_at_least_one_class_along_a_real_axis(function, logits, axis, message):
    with pytest.raises(ValueError, match=message):
        function(logits, axis=axis)


# --- the vectorized conv2d ----------------------------------------------------------------------


def test_conv2d_fast_matches_the_hand_example():
    np.testing.assert_array_equal(
        ops.conv2d_fast(X[None, :, :, None], K[:, :, None, None])[0, :, :, 0], [[19, 25], [37, 43]]
    )


@pytest.mark.parametrize("x_shape, kernel_size, c_out, strides, padding", GRID)
def test_conv2d_fast_equals_conv2d_and_tf(x_shape, kernel_size, c_out, strides, padding):
    x, kernel, bias = _random_case(x_shape, kernel_size, c_out, seed=11)
    fast = ops.conv2d_fast(x, kernel, bias, strides=strides, padding=padding)
    np.testing.assert_allclose(
        fast, ops.conv2d(x, kernel, bias, strides=strides, padding=padding), rtol=0, atol=1e-5
    )
    expected = tf.nn.conv2d(x, kernel, strides=strides, padding=padding.upper()) + bias
    np.testing.assert_allclose(fast, expected.numpy(), rtol=0, atol=1e-5)


def test_conv2d_fast_rejects_bad_input_like_conv2d():
    with pytest.raises(ValueError, match="`kernel` has 2 input channels but `x` has 1"):
        ops.conv2d_fast(np.ones((1, 5, 5, 1)), np.ones((3, 3, 2, 4)))


def test_conv2d_loops_matches_the_hand_example_and_conv2d():
    np.testing.assert_array_equal(
        ops.conv2d_loops(X[None, :, :, None], K[:, :, None, None])[0, :, :, 0],
        [[19, 25], [37, 43]],
    )
    x, kernel, bias = _random_case((2, 6, 5, 2), (3, 2), 3, seed=5)
    np.testing.assert_allclose(
        ops.conv2d_loops(x, kernel, bias), ops.conv2d(x, kernel, bias), rtol=0, atol=1e-5
    )


# --- batch normalization ------------------------------------------------------------------------


def test_batch_norm_by_hand_one_channel():
    # one channel holding 1, 2, 3, 4: mean 2.5, variance 1.25
    x = np.array([1.0, 2.0, 3.0, 4.0]).reshape(1, 2, 2, 1)
    out = ops.batch_norm(x, gamma=[2.0], beta=[10.0], epsilon=0.0)
    expected = 2.0 * (np.array([1.0, 2.0, 3.0, 4.0]) - 2.5) / np.sqrt(1.25) + 10.0
    np.testing.assert_allclose(out.ravel(), expected)
    np.testing.assert_allclose(ops.batch_norm(x, [1.0], [0.0], epsilon=0.0).std(), 1.0)


def test_batch_norm_normalizes_each_channel_over_batch_height_and_width():
    x = np.random.default_rng(0).normal(loc=[5.0, -3.0], scale=[2.0, 0.5], size=(8, 4, 4, 2))
    out = ops.batch_norm(x, gamma=np.ones(2), beta=np.zeros(2), epsilon=0.0)
    np.testing.assert_allclose(out.mean(axis=(0, 1, 2)), [0.0, 0.0], atol=1e-12)
    np.testing.assert_allclose(out.std(axis=(0, 1, 2)), [1.0, 1.0])


@pytest.mark.parametrize("training", [True, False])
def test_batch_norm_equals_keras_in_training_and_inference(training):
    x = np.random.default_rng(1).normal(size=(6, 5, 5, 3)).astype(np.float32)
    layer = keras.layers.BatchNormalization()
    layer.build(x.shape)
    rng = np.random.default_rng(2)
    gamma, beta, mean, variance = (
        rng.normal(size=3),
        rng.normal(size=3),
        rng.normal(size=3),
        rng.random(3) + 0.5,
    )
    layer.set_weights([w.astype(np.float32) for w in (gamma, beta, mean, variance)])
    expected = np.asarray(layer(x, training=training))
    stats = {} if training else dict(mean=mean, variance=variance)
    np.testing.assert_allclose(ops.batch_norm(x, gamma, beta, **stats), expected, atol=1e-5)


def test_batch_norm_rejects_one_statistic_without_the_other_and_wrong_shapes():
    x = np.zeros((2, 3, 3, 4))
    with pytest.raises(ValueError, match="pass both `mean` and `variance`"):
        ops.batch_norm(x, np.ones(4), np.zeros(4), mean=np.zeros(4))
    with pytest.raises(
        ValueError,
        match=r"`gamma` must hold one value per channel, shape \(4,\); got shape \(3,\)",
    ):
        ops.batch_norm(x, np.ones(3), np.zeros(4))
    with pytest.raises(ValueError, match="4-D NHWC"):
        ops.batch_norm(np.zeros((3, 3)), np.ones(3), np.zeros(3))


@pytest.mark.parametrize("epsilon", [-1, -1e-3, float("nan"), float("inf"), "1e-3", None])
def test_batch_norm_needs_a_non_negative_finite_epsilon(epsilon):
    # epsilon=-1 used to give NaN wherever the variance is below 1; 0 is fine (the hand examples
    # use it)
    with pytest.raises(ValueError, match="`epsilon` must be a non-negative finite number; got "):
        ops.batch_norm(np.ones((1, 2, 2, 1)), np.ones(1), np.zeros(1), epsilon=epsilon)


def test_batch_norm_takes_a_numpy_epsilon():
    x = np.arange(8.0).reshape(2, 2, 2, 1)
    np.testing.assert_array_equal(
        ops.batch_norm(x, [1.0], [0.0], epsilon=np.float64(1e-3)),
        ops.batch_norm(x, [1.0], [0.0], epsilon=1e-3),
    )


# --- integer and bool inputs: computed in floating point, never in their own dtype -------------

# 40 * 40 = 1600 does not fit in a uint8 (it wraps to 64)
PIXELS = np.full((3, 3), 40, dtype=np.uint8)


@pytest.mark.parametrize(
    "op",
    [
        lambda x, k: ops.corr2d(x, k),
        lambda x, k: ops.conv2d(x[None, :, :, None], k[:, :, None, None])[0, :, :, 0],
        lambda x, k: ops.conv2d_fast(x[None, :, :, None], k[:, :, None, None])[0, :, :, 0],
        lambda x, k: ops.conv2d_loops(x[None, :, :, None], k[:, :, None, None])[0, :, :, 0],
    ],
)
def test_convolutions_of_uint8_pixels_do_not_overflow(op):
    y = op(PIXELS, np.full((1, 1), 40, dtype=np.uint8))
    np.testing.assert_array_equal(y, np.full((3, 3), 1600.0))
    assert y.dtype == np.float32


def test_corr2d_of_bool_arrays_counts_instead_of_saturating():
    y = ops.corr2d(np.ones((2, 2), dtype=bool), np.ones((2, 2), dtype=bool))
    np.testing.assert_array_equal(y, [[4.0]])  # computed in bool, the sum would be True (1)


def test_dense_of_uint8_inputs_does_not_overflow():
    y = ops.dense(np.full((1, 2), 200, dtype=np.uint8), np.full((2, 1), 200, dtype=np.uint8))
    np.testing.assert_array_equal(y, [[80_000.0]])


def test_integer_inputs_give_the_same_numbers_as_float_inputs():
    rng = np.random.default_rng(0)
    x, kernel = rng.integers(0, 256, (2, 6, 6, 1)), rng.integers(-2, 3, (3, 3, 1, 2))
    np.testing.assert_array_equal(
        ops.conv2d(x, kernel), ops.conv2d(x.astype(float), kernel.astype(float))
    )
    np.testing.assert_array_equal(
        ops.max_pool2d(x.astype(np.uint8)), ops.max_pool2d(x.astype(np.float32))
    )
    # float32
    np.testing.assert_allclose(
        ops.global_avg_pool2d(x.astype(np.uint8)), x.mean(axis=(1, 2)), rtol=1e-6
    )


# --- dilation
# -------------------------------------------------------------------------------------


def test_dilate_kernel_puts_zeros_between_the_taps():
    kernel = np.arange(1.0, 5.0).reshape(2, 2, 1, 1)  # [[1, 2], [3, 4]]
    np.testing.assert_array_equal(
        ops.dilate_kernel(kernel, 2)[:, :, 0, 0], [[1, 0, 2], [0, 0, 0], [3, 0, 4]]
    )
    np.testing.assert_array_equal(ops.dilate_kernel(kernel, 1), kernel)  # rate 1: unchanged


@pytest.mark.parametrize("dilation_rate", [2, 3, (1, 2)])
@pytest.mark.parametrize("padding", ops.PADDINGS)
def test_conv2d_with_a_dilated_kernel_equals_keras_dilated_conv2d(dilation_rate, padding):
    rng = np.random.default_rng(0)
    x = rng.random((2, 11, 12, 3)).astype("float32")
    layer = keras.layers.Conv2D(4, 3, dilation_rate=dilation_rate, padding=padding)
    expected = layer(x).numpy()
    kernel, bias = layer.get_weights()
    ours = ops.conv2d(x, ops.dilate_kernel(kernel, dilation_rate), bias, padding=padding)
    np.testing.assert_allclose(ours, expected, atol=1e-5)


def test_dilate_kernel_rejects_a_bad_rate():
    with pytest.raises(ValueError, match="`dilation_rate` must be a positive integer"):
        ops.dilate_kernel(np.ones((3, 3, 1, 1)), 0)


# --- depthwise and depthwise-separable convolution
# ----------------------------------------------------------


def test_depthwise_conv2d_keeps_each_channel_to_itself_by_hand():
    x = np.stack([X, X], axis=-1)[None]  # two channels holding the same 3 x 3 image
    kernel = np.stack([K, np.flip(K)], axis=-1)[..., None]  # (2, 2, 2 channels, multiplier 1)
    y = ops.depthwise_conv2d(x, kernel)
    np.testing.assert_array_equal(y[0, :, :, 0], [[19, 25], [37, 43]])  # d2l's corr2d on channel 0
    # the flipped kernel on channel 1
    np.testing.assert_array_equal(y[0, :, :, 1], [[5, 11], [23, 29]])


def test_a_pointwise_kernel_of_ones_sums_the_depthwise_channels():
    x = np.stack([X, X], axis=-1)[None]
    kernel = np.stack([K, np.flip(K)], axis=-1)[..., None]
    y = ops.separable_conv2d(x, kernel, np.ones((1, 1, 2, 1)))
    np.testing.assert_array_equal(y[0, :, :, 0], [[24, 36], [60, 72]])


DEPTHWISE_GRID = list(
    itertools.product(
        [(1, 7, 7, 1), (2, 9, 8, 3)],  # x shape
        [(1, 1), (3, 3), (2, 3)],  # kernel size
        [1, 2],  # depth multiplier
        [1, 2],  # strides
        ["valid", "same"],
    )
)


@pytest.mark.parametrize("x_shape, kernel_size, multiplier, strides, padding", DEPTHWISE_GRID)
def test_depthwise_conv2d_equals_tf_nn_depthwise_conv2d(
    x_shape, kernel_size, multiplier, strides, padding
):
    x, kernel, bias = _random_case(x_shape, kernel_size, multiplier, seed=multiplier + strides)
    bias = np.resize(bias, x_shape[-1] * multiplier)
    expected = (
        tf.nn.depthwise_conv2d(
            x, kernel, strides=(1, strides, strides, 1), padding=padding.upper()
        )
        + bias
    )
    np.testing.assert_allclose(
        ops.depthwise_conv2d(x, kernel, bias, strides, padding),
        expected.numpy(),
        rtol=0,
        atol=1e-5,
    )


@pytest.mark.parametrize("x_shape, kernel_size, multiplier, strides, padding", DEPTHWISE_GRID[::2])
def test_separable_conv2d_equals_keras_separable_conv2d_with_the_same_weights(
    x_shape, kernel_size, multiplier, strides, padding
):
    x, depthwise, _ = _random_case(x_shape, kernel_size, multiplier, seed=3)
    rng = np.random.default_rng(4)
    pointwise = rng.normal(size=(1, 1, x_shape[-1] * multiplier, 5)).astype(np.float32)
    bias = rng.normal(size=(5,)).astype(np.float32)
    layer = keras.layers.SeparableConv2D(
        5, kernel_size, strides=strides, padding=padding, depth_multiplier=multiplier
    )
    layer.build(x.shape)
    layer.set_weights([depthwise, pointwise, bias])
    np.testing.assert_allclose(
        ops.separable_conv2d(x, depthwise, pointwise, bias, strides, padding),
        layer(x).numpy(),
        rtol=0,
        atol=1e-5,
    )


@pytest.mark.parametrize(
    "args, message",
    [
        (
            (np.zeros((1, 5, 5, 2)), np.zeros((3, 3, 3, 1))),
            r"`kernel` has 3 input channels but `x` has 2",
        ),
        ((np.zeros((5, 5, 2)), np.zeros((3, 3, 2, 1))), r"`x` must be a 4-D NHWC array"),
        (
            (np.zeros((1, 5, 5, 2)), np.zeros((3, 3, 2, 2)), np.zeros(2)),
            r"`bias` must have shape \(4,\)",
        ),
    ],
)
def test_depthwise_conv2d_rejects_bad_inputs(args, message):
    with pytest.raises(ValueError, match=message):
        ops.depthwise_conv2d(*args)


def test_separable_conv2d_names_a_pointwise_kernel_of_the_wrong_shape():
    with pytest.raises(
        ValueError,
        match=(
            r"`pointwise_kernel` must have shape \(1, 1, 2, out_channels\)"
            r".*got shape \(3, 3, 2, 4\)"
        ),
    ):
        ops.separable_conv2d(
            np.zeros((1, 5, 5, 2)), np.zeros((3, 3, 2, 1)), np.zeros((3, 3, 2, 4))
        )


# one zero before, one after
def test_pool_windows_by_hand():
    assert ops.pool_windows(5, 2, 2) == [(0, 2), (2, 4)]  # 'valid' drops the last pixel
    # clipped: padding is never pooled
    assert ops.pool_windows(5, 2, 2, "same") == [
        (0, 2),
        (2, 4),
        (4, 5),
    ]
    assert ops.pool_windows(4, 3, 1, "same") == [
        (0, 2),
        (0, 3),
        (1, 4),
        (2, 4),
    ]


def test_pool2d_applies_any_reduction_to_the_windows():
    x = np.arange(16, dtype=np.float32).reshape(1, 4, 4, 1)
    assert ops.pool2d(x, 2, reduce=np.min)[0, :, :, 0].tolist() == [[0, 2], [8, 10]]
    np.testing.assert_array_equal(ops.pool2d(x, 2), ops.max_pool2d(x, 2))


def test_pool2d_says_reduce_must_be_a_function():
    with pytest.raises(TypeError, match="`reduce` must be a function such as np.max"):
        ops.pool2d(np.zeros((1, 4, 4, 1)), 2, reduce="max")
