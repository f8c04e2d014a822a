"""Keras model builders the chapters share."""
import keras
import numpy as np
from keras import layers

from utils.validation import check_int


def mnist_cnn(input_shape=(28, 28, 1), num_classes=10, pool_size=(2, 2), hidden_units=128):
    """The book's MNIST model: Conv2D(32, 3x3, relu) -> MaxPooling2D(2x2) -> Flatten -> Dense(128, relu) -> Dense(10, softmax).

    pool_size: the pooling window; None leaves the pooling layer out (chapter 2 compares).
    hidden_units: units of the hidden Dense layer.
    """
    pooling = [] if pool_size is None else [layers.MaxPooling2D(pool_size=pool_size)]
    return keras.Sequential([
        keras.Input(shape=input_shape),
        layers.Conv2D(32, kernel_size=(3, 3), activation="relu"),
        *pooling,
        layers.Flatten(),
        layers.Dense(hidden_units, activation="relu"),
        layers.Dense(num_classes, activation="softmax"),
    ], name="mnist_cnn")


def mlp(input_shape=(28, 28, 1), hidden_units=128, num_classes=10):
    """A dense network with the book model's head: Flatten -> Dense(128, relu) -> Dense(10, softmax)."""
    return keras.Sequential([
        keras.Input(shape=input_shape),
        layers.Flatten(),
        layers.Dense(hidden_units, activation="relu"),
        layers.Dense(num_classes, activation="softmax"),
    ], name="mlp")


def augmentation(rotation=0.02, translation=0.08, zoom=0.08, interpolation="nearest", seed=None):
    """Random small rotations, shifts and zooms of (N, H, W, C) images: active in training, the identity otherwise.

    rotation: largest angle as a fraction of a full turn (0.02: 7.2 degrees either way).
    translation: largest shift as a fraction of the image's side (0.08: 2.24 of 28 pixels).
    zoom: largest zoom in or out as a fraction of the side (0.08: 8 %).
    interpolation: "nearest" moves whole pixels and keeps strokes sharp; "bilinear" blurs every copy a
        little (three times: once per layer), while the test digits are never blurred.
    A factor of 0 leaves its layer out. Uncovered pixels are filled with 0, MNIST's background.
    seed: None draws from Keras' global seed (set by utils.repro); an integer gives the three layers the
        seeds seed, seed + 1 and seed + 2, so that rotation, shift and zoom never share their random draws.
    """
    for name, value in (("rotation", rotation), ("translation", translation), ("zoom", zoom)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < 0.5:
            raise ValueError(f"`{name}` must be a number in [0, 0.5), a fraction of the image; got {value!r}")
    seeds = (None,) * 3 if seed is None else tuple(check_int(seed, "seed", low=0) + i for i in range(3))
    steps = [
        (rotation, lambda: layers.RandomRotation(rotation, fill_mode="constant", interpolation=interpolation,
                                                 seed=seeds[0])),
        (translation, lambda: layers.RandomTranslation(translation, translation, fill_mode="constant",
                                                       interpolation=interpolation, seed=seeds[1])),
        (zoom, lambda: layers.RandomZoom(zoom, fill_mode="constant", interpolation=interpolation, seed=seeds[2])),
    ]
    return keras.Sequential([make() for factor, make in steps if factor], name="augmentation")


# Batch norm's moving averages for prediction: Keras' default momentum 0.99 averages over about the
# last 100 steps, too slowly for a training of a few hundred steps (the averages lag behind the
# weights and predictions suffer). 0.9 averages over about 10 steps. (PyTorch's default, momentum=0.1,
# is this same average written the other way round: there momentum weighs the new batch, here the old
# average. Porting this model to PyTorch means momentum=0.1, not 0.9.)
BATCH_NORM_MOMENTUM = 0.9


def conv_block(filters, batch_norm=False, pool=True):
    """Conv2D(filters, 3x3) -> [BatchNormalization] -> ReLU -> [MaxPooling2D(2x2)], as a list of layers."""
    pooling = [layers.MaxPooling2D(pool_size=(2, 2))] if pool else []
    if not batch_norm:
        return [layers.Conv2D(filters, kernel_size=(3, 3), activation="relu"), *pooling]
    return [
        layers.Conv2D(filters, kernel_size=(3, 3), use_bias=False),  # batch norm's shift replaces the bias
        layers.BatchNormalization(momentum=BATCH_NORM_MOMENTUM),
        layers.ReLU(),
        *pooling,
    ]


def stronger_cnn(conv_blocks=3, batch_norm=(), dropout=0.0, augment=None, filters=(32, 64, 128),
                 hidden_units=128, input_shape=(28, 28, 1), num_classes=10):
    """The book's MNIST model grown one change at a time: (N, 28, 28, 1) images -> (N, 10) probabilities.

    conv_blocks: how many conv_block()s, with filters[i] filters in block i (1 is chapter 4's model).
        The first two pool (28 -> 26 -> 13 -> 11 -> 5); a third works on the 5 x 5 maps without pooling.
    batch_norm: the blocks (numbered from 1) that normalize their convolution's output before its ReLU,
        e.g. (2, 3); () for none. Chapter 7 leaves out block 1: its maps are the largest (26 x 26 x 32
        values per image), so normalizing them moves the most bytes.
    dropout: rate of a Dropout layer before the output layer (0: none).
    augment: a layer applied to the input, e.g. augmentation(); None: no augmentation.
    With conv_blocks=1 and nothing else it has exactly mnist_cnn()'s layers.
    """
    conv_blocks = check_int(conv_blocks, "conv_blocks", 1, len(filters),
                            hint=f"(one per entry of `filters`={tuple(filters)})")
    if isinstance(dropout, bool) or not isinstance(dropout, (int, float)) or not 0 <= dropout < 1:
        raise ValueError(f"`dropout` must be a rate in [0, 1); got {dropout!r}")
    if isinstance(batch_norm, (bool, int, np.integer)):
        raise ValueError(f"`batch_norm` must be a tuple of block numbers such as (2, 3), or () for none; got {batch_norm!r}")
    normalized = {check_int(block, "batch_norm", 1, conv_blocks, hint=f"(a block number, with conv_blocks={conv_blocks})")
                  for block in batch_norm}
    blocks = [layer for i, f in enumerate(filters[:conv_blocks])
              for layer in conv_block(f, batch_norm=i + 1 in normalized, pool=i < 2)]
    return keras.Sequential([
        keras.Input(shape=input_shape),
        *([augment] if augment is not None else []),
        *blocks,
        layers.Flatten(),
        layers.Dense(hidden_units, activation="relu"),
        *([layers.Dropout(dropout)] if dropout else []),
        layers.Dense(num_classes, activation="softmax"),
    ], name="stronger_cnn")


def mnist_cnn_relu_after_pool(input_shape=(28, 28, 1), num_classes=10):
    """mnist_cnn() with ReLU moved behind the pooling: the same function (max and ReLU commute), ReLU on 4x fewer values."""
    return keras.Sequential([
        keras.Input(shape=input_shape),
        layers.Conv2D(32, kernel_size=(3, 3)),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.ReLU(),
        layers.Flatten(),
        layers.Dense(128, activation="relu"),
        layers.Dense(num_classes, activation="softmax"),
    ], name="mnist_cnn_relu_after_pool")
