"""utils.models: the book's MNIST model has exactly the layers, shapes and parameters of the recipe."""
from keras import layers

from utils import models


def test_mnist_cnn_is_the_classic_recipe():
    model = models.mnist_cnn()
    summary = [(type(layer), layer.output.shape, layer.count_params()) for layer in model.layers]
    assert summary == [
        (layers.Conv2D, (None, 26, 26, 32), 3 * 3 * 1 * 32 + 32),  # 320
        (layers.MaxPooling2D, (None, 13, 13, 32), 0),
        (layers.Flatten, (None, 5408), 0),
        (layers.Dense, (None, 128), 5408 * 128 + 128),  # 692,352
        (layers.Dense, (None, 10), 128 * 10 + 10),  # 1,290
    ]
    assert model.count_params() == 693_962


def test_mnist_cnn_activations_and_kernel_sizes():
    conv, pool, _, hidden, out = models.mnist_cnn().layers
    assert conv.kernel_size == (3, 3) and conv.activation.__name__ == "relu"
    assert pool.pool_size == (2, 2)
    assert hidden.activation.__name__ == "relu" and out.activation.__name__ == "softmax"


def test_mnist_cnn_without_pooling_feeds_all_21632_values_to_the_dense_layer():
    model = models.mnist_cnn(pool_size=None)
    assert [type(layer) for layer in model.layers] == [layers.Conv2D, layers.Flatten, layers.Dense, layers.Dense]
    assert model.layers[2].count_params() == 26 * 26 * 32 * 128 + 128  # 2,769,024


def test_mnist_cnn_with_4x4_pooling():
    model = models.mnist_cnn(pool_size=4)
    assert model.layers[1].output.shape == (None, 6, 6, 32)
    assert model.count_params() == 320 + (6 * 6 * 32 * 128 + 128) + 1290


def test_mlp_is_flatten_and_two_dense_layers():
    model = models.mlp()
    summary = [(type(layer), layer.output.shape, layer.count_params()) for layer in model.layers]
    assert summary == [
        (layers.Flatten, (None, 784), 0),
        (layers.Dense, (None, 128), 784 * 128 + 128),  # 100,480
        (layers.Dense, (None, 10), 128 * 10 + 10),
    ]
    assert model.count_params() == 101_770


def test_mnist_cnn_hidden_units():
    model = models.mnist_cnn(hidden_units=256)
    assert model.layers[3].units == 256
    assert model.count_params() == 320 + (5408 * 256 + 256) + (256 * 10 + 10)
