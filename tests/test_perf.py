"""utils.perf: FLOP counts checked by hand against the book's MNIST model."""
import pytest

from utils import models, perf


def test_mnist_cnn_forward_flops_by_hand():
    conv = 26 * 26 * 32 * (3 * 3 * 1)  # multiply-adds of Conv2D(32, 3x3) on 28x28x1
    dense = 5408 * 128 + 128 * 10
    assert perf.model_flops(models.mnist_cnn()) == 2 * (conv + dense)  # 1,776,384
    assert perf.training_flops(models.mnist_cnn()) == 3 * 2 * (conv + dense)


def test_median_seconds_takes_the_median_of_the_timed_calls():
    calls = []
    assert perf.median_seconds(lambda: calls.append(1), repeats=3, warmup=2) >= 0
    assert len(calls) == 5


def test_median_seconds_rejects_zero_repeats():
    with pytest.raises(ValueError, match="`repeats` must be >= 1"):
        perf.median_seconds(lambda: None, repeats=0)


def test_matmul_flops_per_second_is_positive():
    assert perf.matmul_flops_per_second(size=64, repeats=1) > 0


def test_layer_flops_counts_only_conv_and_dense():
    conv, pool, flatten, hidden, output = models.mnist_cnn().layers
    assert perf.layer_flops(conv) == 2 * 26 * 26 * 32 * 9
    assert perf.layer_flops(pool) == perf.layer_flops(flatten) == 0
    assert perf.layer_flops(hidden) == 2 * 5408 * 128
