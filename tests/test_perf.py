"""utils.perf: FLOP counts checked by hand against the book's MNIST model."""

import keras
import numpy as np
import pytest

from utils import models, perf


def test_mnist_cnn_forward_flops_by_hand():
    conv = 26 * 26 * 32 * (3 * 3 * 1)  # multiply-adds of Conv2D(32, 3x3) on 28x28x1
    dense = 5408 * 128 + 128 * 10
    assert perf.model_flops(models.mnist_cnn()) == 2 * (conv + dense)  # 1,776,384
    # training: forward, weights' and inputs' gradients, each as costly as the forward pass; but
    # the first layer's input is the data, whose gradient no training computes: 4,939,776 FLOPs
    assert perf.training_flops(models.mnist_cnn()) == 3 * 2 * (conv + dense) - 2 * conv


def test_training_flops_count_only_the_gradients_training_needs():
    model = keras.Sequential(
        [
            keras.Input((10, 10, 1)),
            keras.layers.Rescaling(0.5),
            keras.layers.Conv2D(4, 3),
            keras.layers.Flatten(),
            keras.layers.Dense(5),
        ]
    )
    conv, dense = 2 * 8 * 8 * 4 * 9, 2 * 256 * 5
    # nothing before the convolution trains: no gradient of its input, even behind a layer without
    # weights
    assert perf.training_flops(model) == 2 * conv + 3 * dense
    model.layers[
        1
    ].trainable = False  # a frozen convolution: forward only, and the dense layer's input
    assert perf.training_flops(model) == conv + 2 * dense  # gradient serves no layer that trains


def test_median_seconds_takes_the_median_of_the_timed_calls_after_the_warmup(monkeypatch):
    # a fake clock: each call to function() takes the next of these durations: two warm-up calls
    # (never timed), then 3, 1, 2 s
    durations = iter([100.0, 100.0, 3.0, 1.0, 2.0])
    clock = [0.0]
    monkeypatch.setattr(perf.time, "perf_counter", lambda: clock[0])

    def function():
        clock[0] += next(durations)

    # median of 3, 1, 2; warm-ups ignored
    assert perf.median_seconds(function, repeats=3, warmup=2) == 2.0
    assert next(durations, None) is None  # all five calls were made


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(repeats=0), "`repeats` must be a positive integer; got 0"),
        (dict(repeats=2.5), "`repeats` must be a positive integer; got 2.5"),
        (dict(warmup=-1), "`warmup` must be a non-negative integer; got -1"),
    ],
)
def test_median_seconds_rejects_bad_counts(kwargs, message):
    with pytest.raises(ValueError, match=message):
        perf.median_seconds(lambda: None, **kwargs)


def test_matmul_flops_per_second_is_positive():
    assert perf.matmul_flops_per_second(size=64, repeats=1) > 0


def test_layer_flops_counts_only_conv_and_dense():
    conv, pool, flatten, hidden, output = models.mnist_cnn().layers
    assert perf.layer_flops(conv) == 2 * 26 * 26 * 32 * 9
    assert perf.layer_flops(pool) == perf.layer_flops(flatten) == 0
    assert perf.layer_flops(hidden) == 2 * 5408 * 128


def test_layer_seconds_times_every_layer_forward_and_with_its_backward_pass():
    model = models.mnist_cnn()
    x = np.random.default_rng(0).random((8, 28, 28, 1)).astype("float32")
    timings = perf.layer_seconds(model, x, repeats=1)
    assert list(timings) == [layer.name for layer in model.layers]
    assert all(len(pair) == 2 and min(pair) > 0 for pair in timings.values())


def test_layer_bytes_counts_each_tensor_once_by_hand():
    conv, pool, flatten, hidden, output = models.mnist_cnn().layers
    # conv, one digit: input 28*28, output 26*26*32, 320 weights; float32
    assert perf.layer_bytes(conv, 1) == (4 * (784 + 21632 + 320), 4 * (21632 + 2 * 784 + 2 * 320))
    # pooling: no weights; its backward reads the output's gradient and the input, writes the
    # input's gradient
    assert perf.layer_bytes(pool, 2) == (4 * 2 * (21632 + 5408), 4 * 2 * (5408 + 2 * 21632))
    assert perf.layer_bytes(flatten, 128) == (0, 0)  # a reshape moves nothing
    # the weights dominate
    assert perf.layer_bytes(hidden, 1)[0] == 4 * (5408 + 128 + 5408 * 128 + 128)
    # a model's first layer needs no gradient of its input (the data): one input-sized write less
    assert perf.layer_bytes(conv, 1, input_gradient=False) == (
        4 * (784 + 21632 + 320),
        4 * (21632 + 784 + 2 * 320),
    )


def test_layer_bytes_rejects_a_bad_batch_size():
    with pytest.raises(ValueError, match="`batch_size` must be a positive integer; got 0"):
        perf.layer_bytes(models.mnist_cnn().layers[0], 0)


def test_layer_costs_combine_flops_bytes_and_times_per_layer():
    model = models.mnist_cnn()
    x = np.random.default_rng(0).random((4, 28, 28, 1)).astype("float32")
    costs = perf.layer_costs(model, x, repeats=1)
    conv, hidden = costs[model.layers[0].name], costs[model.layers[3].name]
    # first layer: no input gradient
    assert conv["flops"] == 2 * 4 * perf.layer_flops(model.layers[0])
    assert conv["bytes"] == sum(perf.layer_bytes(model.layers[0], 4, input_gradient=False))
    assert hidden["flops"] == 3 * 4 * perf.layer_flops(model.layers[3])
    assert hidden["bytes"] == sum(perf.layer_bytes(model.layers[3], 4))
    assert 0 < conv["forward"] and 0 < conv["seconds"]


def test_interleaved_seconds_takes_turns_in_alternating_order_and_the_median_of_each(monkeypatch):
    clock, calls = [0.0], []
    monkeypatch.setattr(perf.time, "perf_counter", lambda: clock[0])
    durations = {"a": iter([9.0, 1.0, 3.0, 2.0]), "b": iter([9.0, 5.0, 4.0, 6.0])}

    def make(name):
        def function():
            calls.append(name)
            clock[0] += next(durations[name])

        return function

    assert perf.interleaved_seconds({"a": make("a"), "b": make("b")}, rounds=3, warmup=1) == {
        "a": 2.0,
        "b": 5.0,
    }
    # in turns, the warm-up round first, the order reversed every round: no copy is always timed
    # first
    assert calls == ["a", "b", "b", "a", "a", "b", "b", "a"]


def test_interleaved_seconds_reverses_the_whole_turn_every_round(monkeypatch):
    monkeypatch.setattr(perf.time, "perf_counter", lambda: 0.0)
    calls = []
    functions = {name: (lambda name=name: calls.append(name)) for name in "abc"}
    assert perf.interleaved_seconds(functions, rounds=3, warmup=0) == {
        "a": 0.0,
        "b": 0.0,
        "c": 0.0,
    }
    assert calls == list("abccbaabc")  # each function is first, or last, in alternate rounds


def test_memory_bytes_per_second_is_positive_and_rejects_tiny_sizes():
    assert perf.memory_bytes_per_second(2**20, repeats=1) > 0
    with pytest.raises(ValueError, match="`n_bytes` must be an integer >= 1024"):
        perf.memory_bytes_per_second(10)


def test_training_variants_seconds_times_every_copy_and_checks_the_weights():
    rng = np.random.default_rng(0)
    x, y = rng.random((64, 28, 28, 1), dtype=np.float32), rng.integers(0, 10, 64)
    variants = {
        "book": (models.mnist_cnn, 32, 1),
        "2 steps per call": (models.mnist_cnn, 32, 2),
        "batches of 64": (models.mnist_cnn, 64, 1),
    }
    seconds, same = perf.training_variants_seconds(variants, x, y, copies=2, rounds=1)
    assert set(seconds) == set(variants) and all(
        len(t) == 2 and min(t) > 0 for t in seconds.values()
    )
    # other batches, other weights
    assert same == {"book": True, "2 steps per call": True, "batches of 64": False}


@pytest.mark.parametrize("kernel_size", [1, 3, 5])
@pytest.mark.parametrize("in_channels, filters", [(1, 1), (3, 8), (16, 32), (64, 64)])
@pytest.mark.parametrize("separable", [False, True])
def test_conv_weights_equals_keras_parameter_count(kernel_size, in_channels, filters, separable):
    layer = (keras.layers.SeparableConv2D if separable else keras.layers.Conv2D)(
        filters, kernel_size, use_bias=False
    )
    layer.build((None, 9, 9, in_channels))
    assert perf.conv_weights(kernel_size, in_channels, filters, separable) == layer.count_params()


def test_separable_saving_by_hand_and_as_the_formula_1_over_filters_plus_1_over_k_squared():
    assert (
        perf.conv_weights(3, 32, 64) == 18_432
        and perf.conv_weights(3, 32, 64, separable=True) == 288 + 2_048
    )
    ratio = perf.conv_weights(3, 64, 128, separable=True) / perf.conv_weights(3, 64, 128)
    assert ratio == pytest.approx(1 / 128 + 1 / 9)


def test_separable_conv_flops_by_hand():
    inputs = keras.Input((28, 28, 16))
    layer = keras.layers.SeparableConv2D(32, 3, padding="same")
    layer(inputs)
    assert perf.layer_flops(layer) == 2 * 28 * 28 * 16 * 9 + 2 * 28 * 28 * 16 * 32


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (
            dict(kernel_size=0, in_channels=1, filters=1),
            r"`kernel_size` must be a positive integer; got 0",
        ),
        (
            dict(kernel_size=3, in_channels=2.0, filters=1),
            r"`in_channels` must be a positive integer; got 2.0",
        ),
        (
            dict(kernel_size=3, in_channels=1, filters=None),
            r"`filters` must be a positive integer; got None",
        ),
    ],
)
def test_conv_weights_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        perf.conv_weights(**kwargs)
