"""utils.perf: FLOP counts checked by hand against the book's MNIST model."""
import numpy as np
import pytest

from utils import models, perf


def test_mnist_cnn_forward_flops_by_hand():
    conv = 26 * 26 * 32 * (3 * 3 * 1)  # multiply-adds of Conv2D(32, 3x3) on 28x28x1
    dense = 5408 * 128 + 128 * 10
    assert perf.model_flops(models.mnist_cnn()) == 2 * (conv + dense)  # 1,776,384
    assert perf.training_flops(models.mnist_cnn()) == 3 * 2 * (conv + dense)


def test_median_seconds_takes_the_median_of_the_timed_calls_after_the_warmup(monkeypatch):
    # a fake clock: each call to function() takes the next of these durations
    durations = iter([100.0, 100.0, 3.0, 1.0, 2.0])  # two warm-up calls (never timed), then 3, 1, 2 s
    clock = [0.0]
    monkeypatch.setattr(perf.time, "perf_counter", lambda: clock[0])

    def function():
        clock[0] += next(durations)

    assert perf.median_seconds(function, repeats=3, warmup=2) == 2.0  # median of 3, 1, 2; warm-ups ignored
    assert next(durations, None) is None  # all five calls were made


@pytest.mark.parametrize("kwargs, message", [
    (dict(repeats=0), "`repeats` must be a positive integer; got 0"),
    (dict(repeats=2.5), "`repeats` must be a positive integer; got 2.5"),
    (dict(warmup=-1), "`warmup` must be a non-negative integer; got -1"),
])
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
