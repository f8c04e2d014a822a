"""utils.optimizers: hand-checkable steps, equality with keras.optimizers, and clear errors.

The equality with keras.optimizers holds step after step."""

import keras
import numpy as np
import pytest

from utils import optimizers

RNG = np.random.default_rng(0)


def test_sgd_step_by_hand():
    w = np.array([1.0, 2.0], dtype="float32")
    optimizers.SGD(learning_rate=0.5).apply([w], [np.array([2.0, -4.0], dtype="float32")])
    np.testing.assert_array_equal(w, [0.0, 4.0])  # w - 0.5 g


def test_momentum_keeps_moving_when_the_gradient_is_zero():
    w, sgd = np.array([0.0], dtype="float32"), optimizers.SGD(learning_rate=1.0, momentum=0.5)
    sgd.apply([w], [np.array([1.0], dtype="float32")])  # v = -1, w = -1
    sgd.apply([w], [np.array([0.0], dtype="float32")])  # v = 0.5 * -1 = -0.5, w = -1.5
    np.testing.assert_array_equal(w, [-1.5])


def test_adams_first_step_moves_every_weight_by_about_the_learning_rate():
    # m = 0.1 g, v = 0.001 g²; alpha = lr sqrt(0.001) / 0.1, so the step is lr * g / (|g| + epsilon
    # / sqrt(0.001))
    w = np.zeros(3, dtype="float32")
    optimizers.Adam(learning_rate=0.01).apply([w], [np.array([1e-3, -5.0, 1e3], dtype="float32")])
    # 1e-3: 0.3 % less, from epsilon
    np.testing.assert_allclose(w, [-0.01, 0.01, -0.01], rtol=5e-3)


def keras_and_ours(keras_optimizer, ours, shapes, steps, dtype="float32"):
    """Run keras_optimizer and ours side by side on the same random gradients.

    Returns both weight lists."""
    start = [RNG.normal(size=shape).astype(dtype) for shape in shapes]
    variables = [keras.Variable(w) for w in start]
    weights = [w.copy() for w in start]
    for _ in range(steps):
        gradients = [
            RNG.normal(size=shape).astype(dtype) * 10.0 ** RNG.integers(-6, 2) for shape in shapes
        ]
        keras_optimizer.apply(gradients, variables)
        ours.apply(weights, gradients)
    return [np.asarray(v) for v in variables], weights


@pytest.mark.parametrize(
    "make_keras, make_ours",
    [
        (lambda: keras.optimizers.SGD(), lambda: optimizers.SGD()),
        (
            lambda: keras.optimizers.SGD(0.1, momentum=0.9),
            lambda: optimizers.SGD(0.1, momentum=0.9),
        ),
        (lambda: keras.optimizers.Adam(), lambda: optimizers.Adam()),
        (
            lambda: keras.optimizers.Adam(0.01, beta_1=0.5, beta_2=0.9, epsilon=1e-3),
            lambda: optimizers.Adam(0.01, beta_1=0.5, beta_2=0.9, epsilon=1e-3),
        ),
    ],
    ids=["sgd", "momentum", "adam", "adam-settings"],
)
@pytest.mark.parametrize("steps", [1, 20])
# float32: Keras' fused kernels may round differently
def test_each_step_equals_keras(make_keras, make_ours, steps):
    expected, actual = keras_and_ours(
        make_keras(), make_ours(), [(3, 3, 1, 4), (4,), (7, 5)], steps
    )
    for a, b in zip(actual, expected):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


def test_adam_equals_keras_in_float64_too_betas_included():
    # Keras turns the Python floats beta_1 and beta_2 into float32 tensors before casting them to
    # float64: 0.999 becomes 0.99900001287..., which changes sqrt(1 - beta_2**t) in the 6th digit.
    # Ours does the same.
    keras.config.set_floatx("float64")  # Keras' learning-rate variable takes this dtype
    try:
        expected, actual = keras_and_ours(
            keras.optimizers.Adam(), optimizers.Adam(), [(4, 3), (3,)], 10, dtype="float64"
        )
    finally:
        keras.config.set_floatx("float32")
    for a, b in zip(actual, expected):
        assert a.dtype == np.float64
        np.testing.assert_allclose(a, b, rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize(
    "make, message",
    [
        (
            lambda: optimizers.SGD(learning_rate=0),
            "`learning_rate` must be a positive finite number; got 0",
        ),
        (
            lambda: optimizers.SGD(learning_rate=float("inf")),
            "`learning_rate` must be a positive finite number; got inf",
        ),
        (
            lambda: optimizers.SGD(momentum=1.5),
            r"`momentum` must be a number in \[0, 1\]; got 1.5",
        ),
        (
            lambda: optimizers.SGD(momentum=float("nan")),
            r"`momentum` must be a number in \[0, 1\]; got nan",
        ),
        (
            lambda: optimizers.SGD(momentum=True),
            r"`momentum` must be a number in \[0, 1\]; got True",
        ),
        (lambda: optimizers.Adam(beta_1=1.0), r"`beta_1` must be a number in \[0, 1\); got 1.0"),
        (lambda: optimizers.Adam(beta_2=-0.1), r"`beta_2` must be a number in \[0, 1\); got -0.1"),
        (
            lambda: optimizers.Adam(epsilon=-1e-7),
            "`epsilon` must be a positive finite number; got -1e-07",
        ),
        (
            lambda: optimizers.Adam(epsilon=float("inf")),
            "`epsilon` must be a positive finite number; got inf",
        ),
        (
            lambda: optimizers.Adam(learning_rate="0.1"),
            "`learning_rate` must be a positive finite number; got '0.1'",
        ),
    ],
)
def test_bad_settings_are_rejected(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_numpy_floats_are_valid_settings_and_give_the_same_steps_as_python_floats():
    # np.float32(0.9) is 0.89999998: the optimizers compute in float32 anyway, so the steps are the
    # same
    ours = (
        optimizers.SGD(np.float32(0.5), momentum=np.float32(0.9)),
        optimizers.Adam(np.float32(0.01), np.float64(0.5)),
    )
    theirs = optimizers.SGD(0.5, momentum=0.9), optimizers.Adam(0.01, 0.5)
    for a, b in zip(ours, theirs):
        assert type(a.learning_rate) is float
        w_a, w_b = np.array([1.0, -1.0], dtype="float32"), np.array([1.0, -1.0], dtype="float32")
        for _ in range(3):
            a.apply([w_a], [np.array([0.5, 2.0], dtype="float32")])
            b.apply([w_b], [np.array([0.5, 2.0], dtype="float32")])
        np.testing.assert_array_equal(w_a, w_b)


@pytest.mark.parametrize(
    "weights, gradients, error, message",
    [
        (
            [np.zeros(2)],
            [np.zeros(2), np.zeros(2)],
            ValueError,
            "got 1 `weights` but 2 `gradients`",
        ),
        (
            [np.zeros(2)],
            [np.zeros(3)],
            ValueError,
            r"`gradients\[0\]` has shape \(3,\) but `weights\[0\]` has shape \(2,\)",
        ),
        (
            [np.zeros(2, dtype=int)],
            [np.zeros(2)],
            TypeError,
            r"`weights\[0\]` must be a floating-point NumPy array",
        ),
        (
            [[0.0, 0.0]],
            [np.zeros(2)],
            TypeError,
            r"`weights\[0\]` must be a floating-point NumPy array",
        ),
        (
            [np.zeros(2)],
            [np.array(["a", "b"])],
            TypeError,
            r"`gradients\[0\]` must be floating-point",
        ),
        ([], [], ValueError, "an optimizer needs at least one weight"),
    ],
)
@pytest.mark.parametrize("optimizer", [optimizers.SGD, optimizers.Adam])
def test_bad_weights_or_gradients_are_rejected(optimizer, weights, gradients, error, message):
    with pytest.raises(error, match=message):
        optimizer().apply(weights, gradients)


@pytest.mark.parametrize(
    "make",
    [optimizers.SGD, lambda: optimizers.SGD(momentum=0.9), optimizers.Adam],
    ids=["sgd", "momentum", "adam"],
)
@pytest.mark.parametrize(
    "other",
    [
        [
            np.zeros(3, dtype="float32")
        ],  # fewer weights: zipped with the state, the wrong moments would be updated
        [
            np.zeros(2, dtype="float32"),
            np.zeros(3, dtype="float32"),
        ],  # the same count, other shapes
        [np.zeros(3), np.zeros(2)],  # the same shapes in float64
    ],
    ids=["fewer", "shapes", "dtype"],
)
def test_an_optimizer_refuses_weights_it_was_not_created_for(make, other):
    optimizer, weights = make(), [np.zeros(3, dtype="float32"), np.zeros(2, dtype="float32")]
    for _ in range(2):  # the same weights again are fine
        optimizer.apply(weights, [np.ones(3, dtype="float32"), np.ones(2, dtype="float32")])
    before = [w.copy() for w in other]
    with pytest.raises(
        ValueError,
        match=r"this optimizer was created for 2 weights of shapes \[\(3,\), \(2,\)\] "
        r"\(float32\); got .*create a new optimizer for other weights",
    ):
        optimizer.apply(other, [np.ones_like(w) for w in other])
    for w, b in zip(other, before):  # refused before any update
        np.testing.assert_array_equal(w, b)
