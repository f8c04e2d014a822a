"""Keras model builders the chapters share."""

import keras
import numpy as np
from keras import layers

from utils.validation import check_bool, check_int, check_number, check_rate


def mnist_cnn(input_shape=(28, 28, 1), num_classes=10, pool_size=(2, 2), hidden_units=128):
    """The book's MNIST model: Conv2D(32, 3x3), MaxPooling2D(2x2), Flatten, Dense(128), Dense(10).

    ReLU after the convolution and the hidden Dense layer, softmax at the output.

    pool_size: the pooling window; None leaves the pooling layer out (chapter 2 compares).
    hidden_units: units of the hidden Dense layer.
    """
    pooling = [] if pool_size is None else [layers.MaxPooling2D(pool_size=pool_size)]
    return keras.Sequential(
        [
            keras.Input(shape=input_shape),
            layers.Conv2D(32, kernel_size=(3, 3), activation="relu"),
            *pooling,
            layers.Flatten(),
            layers.Dense(hidden_units, activation="relu"),
            layers.Dense(num_classes, activation="softmax"),
        ],
        name="mnist_cnn",
    )


def mlp(input_shape=(28, 28, 1), hidden_units=128, num_classes=10):
    """A dense network with the book model's head.

    Flatten -> Dense(128, relu) -> Dense(10, softmax).
    """
    return keras.Sequential(
        [
            keras.Input(shape=input_shape),
            layers.Flatten(),
            layers.Dense(hidden_units, activation="relu"),
            layers.Dense(num_classes, activation="softmax"),
        ],
        name="mlp",
    )


def augmentation(
    rotation=0.02, translation=0.08, zoom=0.08, interpolation="nearest", seed=None, flip=False
):
    """Random small rotations, shifts and zooms of (N, H, W, C) images, active in training only.

    rotation: largest angle as a fraction of a full turn (0.02: 7.2 degrees either way).
    translation: largest shift as a fraction of the image's side (0.08: 2.24 of 28 pixels).
    zoom: largest zoom in or out as a fraction of the side (0.08: 8 %).
    interpolation: "nearest" moves whole pixels and keeps strokes sharp; "bilinear" blurs every
        copy a little (three times: once per layer), while the test digits are never blurred.
    flip: mirror half of the images left to right too (for clothing; a mirrored digit is no digit).
    A factor of 0 leaves its layer out. Uncovered pixels are filled with 0, MNIST's background.
    seed: None draws from Keras' global seed (set by utils.repro); an integer gives the layers the
        seeds seed, seed + 1, seed + 2 (and seed + 3 for the flip), so no two share random draws.
    """
    rotation, translation, zoom = (
        check_number(value, name, low=0, high=0.5, hint="(a fraction of the image)")
        for name, value in (("rotation", rotation), ("translation", translation), ("zoom", zoom))
    )
    flip = check_bool(flip, "flip")
    seeds = (
        (None,) * 4
        if seed is None
        else tuple(check_int(seed, "seed", low=0) + i for i in range(4))
    )
    steps = [
        (
            rotation,
            lambda: layers.RandomRotation(
                rotation, fill_mode="constant", interpolation=interpolation, seed=seeds[0]
            ),
        ),
        (
            translation,
            lambda: layers.RandomTranslation(
                translation,
                translation,
                fill_mode="constant",
                interpolation=interpolation,
                seed=seeds[1],
            ),
        ),
        (
            zoom,
            lambda: layers.RandomZoom(
                zoom, fill_mode="constant", interpolation=interpolation, seed=seeds[2]
            ),
        ),
        (flip, lambda: layers.RandomFlip("horizontal", seed=seeds[3])),
    ]
    return keras.Sequential([make() for factor, make in steps if factor], name="augmentation")


# Batch norm's moving averages for prediction: Keras' default momentum 0.99 averages over about the
# last 100 steps, too slowly for a training of a few hundred steps (the averages lag behind the
# weights and predictions suffer). 0.9 averages over about 10 steps. (PyTorch's default,
# momentum=0.1, is this same average written the other way round: there momentum weighs the new
# batch, here the old average. Porting this model to PyTorch means momentum=0.1, not 0.9.)
BATCH_NORM_MOMENTUM = 0.9


def conv_block(filters, batch_norm=False, pool=True):
    """Conv2D(filters, 3x3) -> [BatchNormalization] -> ReLU -> [MaxPooling2D(2x2)], as layers."""
    pooling = [layers.MaxPooling2D(pool_size=(2, 2))] if pool else []
    if not batch_norm:
        return [layers.Conv2D(filters, kernel_size=(3, 3), activation="relu"), *pooling]
    return [
        layers.Conv2D(
            filters, kernel_size=(3, 3), use_bias=False
        ),  # batch norm's shift replaces the bias
        layers.BatchNormalization(momentum=BATCH_NORM_MOMENTUM),
        layers.ReLU(),
        *pooling,
    ]


def stronger_cnn(
    conv_blocks=3,
    batch_norm=(),
    dropout=0.0,
    augment=None,
    filters=(32, 64, 128),
    hidden_units=128,
    input_shape=(28, 28, 1),
    num_classes=10,
):
    """The book's MNIST model grown step by step: (N, 28, 28, 1) images -> (N, 10) probabilities.

    conv_blocks: how many conv_block()s, with filters[i] filters in block i (1 is chapter 4's
        model). The first two pool (28 -> 26 -> 13 -> 11 -> 5); a third works on the 5 x 5
        maps without pooling.
    batch_norm: the blocks (numbered from 1) that normalize their convolution's output before its
        ReLU, e.g. (2, 3); () for none. Chapter 7 leaves out block 1: its maps are the largest
        (26 x 26 x 32 values per image), so normalizing them moves the most bytes.
    dropout: rate of a Dropout layer before the output layer (0: none).
    augment: a layer applied to the input, e.g. augmentation(); None: no augmentation.
    With conv_blocks=1 and nothing else it has exactly mnist_cnn()'s layers.
    """
    conv_blocks = check_int(
        conv_blocks,
        "conv_blocks",
        1,
        len(filters),
        hint=f"(one per entry of `filters`={tuple(filters)})",
    )
    dropout = check_rate(dropout, "dropout")
    if isinstance(batch_norm, (bool, int, np.integer)):
        raise ValueError(
            "`batch_norm` must be a tuple of block numbers such as (2, 3), or () for none; "
            f"got {batch_norm!r}"
        )
    normalized = {
        check_int(
            block,
            "batch_norm",
            1,
            conv_blocks,
            hint=f"(a block number, with conv_blocks={conv_blocks})",
        )
        for block in batch_norm
    }
    blocks = [
        layer
        for i, f in enumerate(filters[:conv_blocks])
        for layer in conv_block(f, batch_norm=i + 1 in normalized, pool=i < 2)
    ]
    return keras.Sequential(
        [
            keras.Input(shape=input_shape),
            *([augment] if augment is not None else []),
            *blocks,
            layers.Flatten(),
            layers.Dense(hidden_units, activation="relu"),
            *([layers.Dropout(dropout)] if dropout else []),
            layers.Dense(num_classes, activation="softmax"),
        ],
        name="stronger_cnn",
    )


def clothing_cnn(dropout=0.3, shift=2, flip=True):
    """Chapter 7's three blocks made for clothing: (N, 28, 28, 1) images -> (N, 10) probabilities.

    Batch norm in every block, and training copies mirrored left to right (flip) and shifted by up
    to `shift` pixels, instead of chapter 7's rotations and zooms, which suit digits.
    """
    shift = check_number(shift, "shift", low=0, high=14, hint="(pixels)")
    return stronger_cnn(
        conv_blocks=3,
        batch_norm=(1, 2, 3),
        dropout=dropout,
        augment=augmentation(rotation=0, translation=shift / 28, zoom=0, flip=flip),
    )


def mnist_cnn_relu_after_pool(input_shape=(28, 28, 1), num_classes=10):
    """mnist_cnn() with ReLU after the pooling: the same function, ReLU on 4x fewer values.

    Max pooling and ReLU commute: max(relu(a), relu(b)) = relu(max(a, b)).
    """
    return keras.Sequential(
        [
            keras.Input(shape=input_shape),
            layers.Conv2D(32, kernel_size=(3, 3)),
            layers.MaxPooling2D(pool_size=(2, 2)),
            layers.ReLU(),
            layers.Flatten(),
            layers.Dense(128, activation="relu"),
            layers.Dense(num_classes, activation="softmax"),
        ],
        name="mnist_cnn_relu_after_pool",
    )


def _conv(filters, separable, name=None):
    """A 3x3 'same' convolution without bias (batch norm's shift replaces it).

    separable: depthwise then 1x1.
    """
    if separable:
        return layers.SeparableConv2D(
            filters, kernel_size=(3, 3), padding="same", use_bias=False, name=name
        )
    return layers.Conv2D(filters, kernel_size=(3, 3), padding="same", use_bias=False, name=name)


def conv_bn_relu(x, filters, separable=False):
    """Conv2D(filters, 3x3, 'same') -> BatchNorm -> ReLU: (N, H, W, C) -> (N, H, W, filters).

    x: a Keras tensor.
    """
    x = _conv(filters, separable)(x)
    x = layers.BatchNormalization(momentum=BATCH_NORM_MOMENTUM)(x)
    return layers.ReLU()(x)


def residual_block(x, filters, residual=True, separable=False):
    """A residual block (He et al. 2016) on a Keras tensor: (N, H, W, C) -> (N, H, W, filters).

    Two 3x3 conv + batch norm layers and, if residual, a shortcut added before the last ReLU. The
    shortcut is the identity when C == filters, else a 1x1 convolution (with batch norm) that
    matches the channels. residual=False gives the block without the shortcut (a "plain" block).
    separable: depthwise-separable convolutions (Howard et al. 2017, Chollet 2017), not Conv2D.
    """
    shortcut = x
    y = conv_bn_relu(x, filters, separable)
    y = _conv(filters, separable)(y)
    y = layers.BatchNormalization(momentum=BATCH_NORM_MOMENTUM)(y)
    if residual:
        if x.shape[-1] != filters:
            shortcut = layers.Conv2D(filters, kernel_size=(1, 1), use_bias=False)(x)
            shortcut = layers.BatchNormalization(momentum=BATCH_NORM_MOMENTUM)(shortcut)
        y = layers.Add()([y, shortcut])
    return layers.ReLU()(y)


HEADS = ("gap", "flatten")


def block_cnn(
    residual=True,
    separable=False,
    head="gap",
    filters=(16, 32, 64),
    dropout=0.3,
    augment=None,
    hidden_units=128,
    input_shape=(28, 28, 1),
    num_classes=10,
    blocks_per_stage=1,
):
    """A small modern CNN: (N, 28, 28, 1) images -> (N, 10) probabilities.

    A stem conv_bn_relu(filters[0]) at full size, then for every further entry of filters a 2x2 max
    pool and blocks_per_stage residual_block()s (28 -> 14 -> 7 with three entries): the first
    changes the width to filters[i] (a 1x1 projection shortcut where it changes), the others keep
    it (identity shortcuts); then the head:
    head="gap": GlobalAveragePooling2D (one average per channel) -> Dropout
        -> Dense(num_classes, softmax);
    head="flatten": Flatten -> Dense(hidden_units, relu) -> Dropout -> Dense(num_classes, softmax),
        chapter 4's head with a dropout layer.
    dropout=0 leaves out the Dropout layer of either head.
    residual, separable: passed to every residual_block().
    augment: a layer applied to the input, or None.
    The last layer of the convolutional base is named "base_output" (the input of the head).
    """
    if head not in HEADS:
        raise ValueError(f"`head` must be one of {HEADS}; got {head!r}")
    dropout = check_rate(dropout, "dropout")
    filters = tuple(filters)
    if len(filters) < 1 or any(
        isinstance(f, bool) or not isinstance(f, (int, np.integer)) or f < 1 for f in filters
    ):
        raise ValueError(
            f"`filters` must be one or more positive integers, one per stage; got {filters!r}"
        )
    inputs = keras.Input(shape=input_shape)
    x = augment(inputs) if augment is not None else inputs
    x = conv_bn_relu(x, filters[0])
    blocks_per_stage = check_int(blocks_per_stage, "blocks_per_stage")
    for f in filters[1:]:
        x = layers.MaxPooling2D(pool_size=(2, 2))(x)
        for _ in range(blocks_per_stage):
            x = residual_block(x, f, residual=residual, separable=separable)
    x = layers.Identity(name="base_output")(x)
    if head == "gap":
        x = layers.GlobalAveragePooling2D()(x)
    else:
        x = layers.Flatten()(x)
        x = layers.Dense(hidden_units, activation="relu")(x)
    if dropout:
        x = layers.Dropout(dropout)(x)
    outputs = layers.Dense(num_classes, activation="softmax")(x)
    return keras.Model(inputs, outputs, name="block_cnn")


def with_new_head(
    model,
    base_output="base_output",
    num_classes=10,
    trainable=False,
    head="gap",
    hidden_units=128,
    dropout=0.0,
):
    """Transfer learning: a copy of `model`'s convolutional base topped with a new, random head.

    The base is the layers up to the one named base_output, weights copied; the head is randomly
    initialized. Returns (new_model, base): to fine-tune, set base.trainable = True and recompile.

    head="gap": GlobalAveragePooling2D -> Dense(num_classes, softmax);
    head="flatten": Flatten -> Dense(hidden_units, relu) -> [Dropout(dropout)]
        -> Dense(num_classes, softmax).
    The base is called with training=False, as in Keras' transfer-learning guide: its batch norm
    keeps the statistics of the data it was trained on, and an augmentation layer in it is the
    identity, even when the base is unfrozen for fine-tuning. The original model is left untouched.
    """
    if head not in HEADS:
        raise ValueError(f"`head` must be one of {HEADS}; got {head!r}")
    dropout = check_rate(dropout, "dropout")
    try:
        end = model.get_layer(base_output)
    except ValueError:
        raise ValueError(
            f"`base_output`: model {model.name!r} has no layer named {base_output!r}"
        ) from None
    copy = keras.models.clone_model(model)
    copy.set_weights(model.get_weights())
    base = keras.Model(copy.inputs, copy.get_layer(end.name).output, name="base")
    base.trainable = trainable
    inputs = keras.Input(shape=model.input_shape[1:])
    x = base(inputs, training=False)
    if head == "gap":
        x = layers.GlobalAveragePooling2D()(x)
    else:
        x = layers.Flatten()(x)
        x = layers.Dense(check_int(hidden_units, "hidden_units"), activation="relu")(x)
        if dropout:
            x = layers.Dropout(dropout)(x)
    outputs = layers.Dense(check_int(num_classes, "num_classes", low=2), activation="softmax")(x)
    return keras.Model(inputs, outputs, name="transfer"), base
