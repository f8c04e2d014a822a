"""utils.numpy_cnn: the book's model in NumPy.

It has Keras' gradients, trains as Keras trains, and rejects bad weights."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from utils import models, numpy_cnn, optimizers

RNG = np.random.default_rng(0)


def batch(n=32):
    """Random images in [0, 1] with one-hot labels: the model's input and target layout."""
    return RNG.uniform(size=(n, 28, 28, 1)).astype("float32"), np.eye(10, dtype="float32")[
        RNG.integers(0, 10, n)
    ]


def test_the_weights_are_keras_weights_in_keras_order():
    assert tuple(w.shape for w in models.mnist_cnn().get_weights()) == numpy_cnn.SHAPES


def test_forward_equals_keras():
    model, (x, _) = models.mnist_cnn(), batch()
    probabilities, _ = numpy_cnn.forward(model.get_weights(), x)
    np.testing.assert_allclose(probabilities, model.predict(x, verbose=0), atol=1e-6)


def test_every_gradient_equals_gradient_tape():
    model, (x, y) = models.mnist_cnn(), batch()
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(keras.losses.categorical_crossentropy(y, model(x)))
    expected = tape.gradient(loss, model.trainable_weights)
    ours_loss, gradients = numpy_cnn.loss_and_gradients(model.get_weights(), x, y)
    assert ours_loss == pytest.approx(float(loss), rel=1e-6)
    for name, ours, theirs in zip(numpy_cnn.NAMES, gradients, expected):
        theirs = theirs.numpy()
        assert np.abs(ours - theirs).max() <= 1e-5 * np.abs(theirs).max(), name


def test_training_steps_track_keras_train_on_batch():
    model = models.mnist_cnn()
    model.compile(loss="categorical_crossentropy", optimizer="adam")
    weights, adam = [w.copy() for w in model.get_weights()], optimizers.Adam()
    for _ in range(5):
        x, y = batch()
        assert numpy_cnn.train_step(weights, adam, x, y) == pytest.approx(
            model.train_on_batch(x, y), abs=1e-5
        )
    for ours, theirs in zip(weights, model.get_weights()):
        np.testing.assert_allclose(ours, theirs, atol=1e-5)


def test_batch_indices_cover_every_example_once_in_a_seeded_order():
    batches = numpy_cnn.batch_indices(10, batch_size=4, seed=1)
    assert [len(b) for b in batches] == [4, 4, 2]
    assert sorted(np.concatenate(batches)) == list(range(10))
    assert all(
        np.array_equal(a, b) for a, b in zip(batches, numpy_cnn.batch_indices(10, 4, seed=1))
    )
    assert not np.array_equal(
        np.concatenate(batches), np.concatenate(numpy_cnn.batch_indices(10, 4, seed=2))
    )


def test_predict_in_chunks_equals_one_forward_pass():
    weights, (x, _) = numpy_cnn.initial_weights(seed=3), batch(10)
    np.testing.assert_allclose(
        numpy_cnn.predict(weights, x, batch_size=3), numpy_cnn.forward(weights, x)[0], atol=1e-7
    )


@pytest.mark.parametrize(
    "shape, fan_in, fan_out", [((5408, 128), 5408, 128), ((3, 3, 1, 32), 9, 288)]
)
def test_glorot_limit_by_hand_and_as_keras_draws(shape, fan_in, fan_out):
    limit = numpy_cnn.glorot_limit(shape)
    assert limit == pytest.approx(np.sqrt(6 / (fan_in + fan_out)))
    draws = np.abs(keras.initializers.GlorotUniform(seed=0)(shape))
    assert draws.max() <= limit and draws.max() > 0.99 * limit


def test_initial_weights_scale_the_kernels_and_zero_the_biases():
    weights = numpy_cnn.initial_weights(scale=2.0, seed=0)
    assert [w.dtype for w in weights] == [np.float32] * 6
    assert all(not b.any() for b in weights[1::2])
    for kernel in weights[::2]:
        assert (
            1.9 * numpy_cnn.glorot_limit(kernel.shape)
            < np.abs(kernel).max()
            <= 2 * numpy_cnn.glorot_limit(kernel.shape)
        )


def test_initial_weights_take_a_numpy_scale_like_a_python_one():
    for ours, theirs in zip(
        numpy_cnn.initial_weights(scale=np.float32(2)), numpy_cnn.initial_weights(scale=2.0)
    ):
        np.testing.assert_array_equal(ours, theirs)


@pytest.mark.parametrize(
    "weights, error, message",
    [
        (lambda w: w[:5], ValueError, "`weights` must hold the model's 6 arrays"),
        (
            lambda w: [w[0][:2], *w[1:]],
            ValueError,
            r"`weights\[0\]` \(conv kernel\) must have shape \(3, 3, 1, 32\)",
        ),
        (
            lambda w: [*w[:5], w[5].astype(int)],
            TypeError,
            r"`weights\[5\]` \(output bias\) must be floating-point",
        ),
    ],
)
def test_bad_weights_are_rejected(weights, error, message):
    with pytest.raises(error, match=message):
        numpy_cnn.forward(weights(numpy_cnn.initial_weights()), batch(2)[0])


@pytest.mark.parametrize(
    "call, message",
    [
        (
            lambda: numpy_cnn.initial_weights(scale=0),
            "`scale` must be a positive finite number; got 0",
        ),
        (
            lambda: numpy_cnn.initial_weights(scale=float("inf")),
            "`scale` must be a positive finite number; got inf",
        ),
        (
            lambda: numpy_cnn.initial_weights(scale=True),
            "`scale` must be a positive finite number; got True",
        ),
        (lambda: numpy_cnn.glorot_limit((3, 3, 1)), "`shape` must be a Dense kernel's"),
        (
            lambda: numpy_cnn.batch_indices(10, batch_size=0),
            "`batch_size` must be a positive integer",
        ),
    ],
)
def test_bad_arguments_are_rejected(call, message):
    with pytest.raises(ValueError, match=message):
        call()
