"""utils.repro and utils.checks: identical runs, and honest failures."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from utils import checks, repro


def train_tiny_model(seed):
    """Weights of a small conv net after two epochs on fixed random data."""
    repro.make_reproducible(seed)
    x = np.random.default_rng(0).random((64, 8, 8, 1)).astype("float32")
    y = (x.mean(axis=(1, 2, 3)) > 0.5).astype("float32")
    model = keras.Sequential(
        [
            keras.Input((8, 8, 1)),
            keras.layers.Conv2D(4, 3, activation="relu"),
            keras.layers.Flatten(),
            keras.layers.Dropout(0.5),
            keras.layers.Dense(1),
        ]
    )
    model.compile("adam", "mse")
    model.fit(x, y, batch_size=16, epochs=2, verbose=0)
    return model.get_weights()


def test_two_runs_with_one_seed_give_identical_weights():
    first, second = train_tiny_model(3), train_tiny_model(3)
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)


def test_another_seed_gives_other_weights():
    assert not np.array_equal(train_tiny_model(3)[0], train_tiny_model(4)[0])


def test_seeds_python_and_numpy_too():
    repro.make_reproducible(5)
    a = np.random.rand(3), tf.random.uniform((3,)).numpy()
    repro.make_reproducible(5)
    b = np.random.rand(3), tf.random.uniform((3,)).numpy()
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])


def test_changing_threads_after_tensorflow_started_is_explained():
    tf.constant(1.0) + 1.0  # TensorFlow is running
    with pytest.raises(RuntimeError, match="before any TensorFlow op runs"):
        repro.make_reproducible(0, threads=repro.THREADS + 1)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (
            dict(seed=-1),
            r"`seed` must be an integer from 0 to 4294967295 \(NumPy's seeds\); got -1",
        ),
        (dict(seed=1.5), r"`seed` must be an integer from 0 to 4294967295"),
        (
            dict(seed=2**32),
            r"`seed` must be an integer from 0 to 4294967295 \(NumPy's seeds\); got 4294967296",
        ),
        (dict(seed=0, threads=0), "`threads` must be a positive integer"),
    ],
)
def test_bad_arguments_are_rejected(kwargs, message):
    with pytest.raises(ValueError, match=message):
        repro.make_reproducible(**kwargs)


def test_report_max_diff_prints_and_passes_within_tolerance(capsys):
    checks.report_max_diff("ours vs keras", [1.0, 2.0], [1.0, 2.0 + 2e-6], atol=1e-5)
    assert (
        capsys.readouterr().out == "ours vs keras: max |difference| = 2.0e-06 (tolerance 1e-05)\n"
    )


def test_report_max_diff_fails_beyond_tolerance():
    with pytest.raises(AssertionError, match="exceeds the tolerance"):
        checks.report_max_diff("x", [0.0], [1e-3], atol=1e-5)


def test_max_abs_diff_needs_equal_shapes():
    with pytest.raises(ValueError, match="shapes differ"):
        checks.max_abs_diff(np.zeros(3), np.zeros(4))
