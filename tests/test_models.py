"""utils.models: the book's MNIST model has exactly the recipe's layers, shapes and parameters."""

import keras
import numpy as np
import pytest
from keras import layers

from utils import models, perf


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
    assert [type(layer) for layer in model.layers] == [
        layers.Conv2D,
        layers.Flatten,
        layers.Dense,
        layers.Dense,
    ]
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


# --- the stronger model of chapter 7, built one change at a time --------------------------------


def layer_summary(model):
    return [(type(layer), layer.output.shape, layer.count_params()) for layer in model.layers]


def test_stronger_cnn_with_one_block_is_the_chapter_4_model():
    assert layer_summary(models.stronger_cnn(conv_blocks=1)) == layer_summary(models.mnist_cnn())


def test_second_conv_block_shrinks_the_dense_layer_input_from_5408_to_1600():
    model = models.stronger_cnn(conv_blocks=2)
    assert layer_summary(model) == [
        (layers.Conv2D, (None, 26, 26, 32), 320),
        (layers.MaxPooling2D, (None, 13, 13, 32), 0),
        (layers.Conv2D, (None, 11, 11, 64), 3 * 3 * 32 * 64 + 64),  # 18,496
        (layers.MaxPooling2D, (None, 5, 5, 64), 0),
        (layers.Flatten, (None, 1600), 0),
        (layers.Dense, (None, 128), 1600 * 128 + 128),  # 204,928
        (layers.Dense, (None, 10), 1290),
    ]
    assert model.count_params() == 225_034


def test_third_block_works_on_the_5x5_maps_without_pooling():
    model = models.stronger_cnn(conv_blocks=3)
    assert layer_summary(model)[4:] == [
        (layers.Conv2D, (None, 3, 3, 128), 3 * 3 * 64 * 128 + 128),  # 73,856
        (layers.Flatten, (None, 1152), 0),
        (layers.Dense, (None, 128), 1152 * 128 + 128),  # 147,584
        (layers.Dense, (None, 10), 1290),
    ]
    assert model.count_params() == 241_546
    assert models.stronger_cnn().count_params() == 241_546  # three blocks by default


def test_batch_norm_replaces_each_conv_bias_with_4_values_per_channel():
    model = models.stronger_cnn(conv_blocks=2, batch_norm=(1, 2))
    assert [type(layer) for layer in model.layers[:4]] == [
        layers.Conv2D,
        layers.BatchNormalization,
        layers.ReLU,
        layers.MaxPooling2D,
    ]
    conv, norm = model.layers[:2]
    assert not conv.use_bias and conv.count_params() == 3 * 3 * 32
    assert norm.count_params() == 4 * 32  # gamma, beta (trained); moving mean, variance (not)
    assert norm.momentum == 0.9  # moving averages that keep up with a short training
    # 225,034 - 32 - 64 biases + 4 * (32 + 64) batch-norm values
    assert model.count_params() == 225_034 - 96 + 384


def test_batch_norm_goes_only_into_the_blocks_named():
    model = models.stronger_cnn(batch_norm=(2, 3))
    kinds = [type(layer) for layer in model.layers]
    assert (
        kinds[:3] == [layers.Conv2D, layers.MaxPooling2D, layers.Conv2D]
        and model.layers[0].use_bias
    )
    assert kinds.count(layers.BatchNormalization) == 2
    assert [type(layer) for layer in model.layers[2:5]] == [
        layers.Conv2D,
        layers.BatchNormalization,
        layers.ReLU,
    ]
    assert model.count_params() == 241_546 - 64 - 128 + 4 * (64 + 128)


def test_dropout_sits_before_the_output_layer_and_adds_no_parameters():
    model = models.stronger_cnn(conv_blocks=2, dropout=0.3)
    assert type(model.layers[-2]) is layers.Dropout and model.layers[-2].rate == 0.3
    assert type(model.layers[-3]) is layers.Dense and model.layers[-3].units == 128
    assert model.count_params() == 225_034


def test_augmentation_is_the_first_layer_and_changes_only_training_inputs():
    model = models.stronger_cnn(augment=models.augmentation(seed=1))
    assert model.layers[0].name == "augmentation" and model.count_params() == 241_546
    x = np.random.default_rng(0).random((4, 28, 28, 1), dtype=np.float32)
    np.testing.assert_array_equal(model.layers[0](x, training=False), x)
    assert not np.allclose(model.layers[0](x, training=True), x)


def test_augmentation_has_one_layer_per_nonzero_factor_with_black_fill():
    augment = models.augmentation(rotation=0.05, translation=0.1, zoom=0.2)
    rotate, shift, zoom = augment.layers
    assert (type(rotate), type(shift), type(zoom)) == (
        layers.RandomRotation,
        layers.RandomTranslation,
        layers.RandomZoom,
    )
    assert rotate.factor == (-0.05, 0.05) and shift.height_factor == shift.width_factor == 0.1
    assert zoom.height_factor == 0.2
    assert all(layer.fill_mode == "constant" and layer.fill_value == 0 for layer in augment.layers)
    assert all(layer.interpolation == "nearest" for layer in augment.layers)
    assert [type(layer) for layer in models.augmentation(rotation=0, zoom=0).layers] == [
        layers.RandomTranslation
    ]


def test_augmentation_moves_a_single_pixel_of_ink_by_whole_pixels_without_blurring_it():
    x = np.zeros((1, 28, 28, 1), dtype=np.float32)
    x[0, 14, 14, 0] = 1.0
    shifted = np.asarray(models.augmentation(rotation=0, zoom=0, seed=3)(x, training=True))[
        0, :, :, 0
    ]
    (row,), (col,) = np.nonzero(shifted)  # still exactly one pixel...
    assert shifted[row, col] == 1.0  # ...with all of its ink
    assert abs(row - 14) <= 2 and abs(col - 14) <= 2  # at most 0.08 * 28 = 2.24 pixels away


def test_bilinear_augmentation_blurs_the_pixel_over_its_neighbours():
    x = np.zeros((1, 28, 28, 1), dtype=np.float32)
    x[0, 14, 14, 0] = 1.0
    blurred = np.asarray(
        models.augmentation(rotation=0.05, zoom=0, interpolation="bilinear", seed=3)(
            x, training=True
        )
    )
    assert np.count_nonzero(blurred > 1e-6) > 1 and blurred.max() < 1.0


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (
            dict(rotation=0.5),
            "`rotation` must be a number in \\[0, 0.5\\) \\(a fraction of the image\\); got 0.5",
        ),
        (dict(translation=-0.1), "`translation` must be a number in \\[0, 0.5\\)"),
        (dict(zoom="0.1"), "`zoom` must be a number in \\[0, 0.5\\)"),
        (dict(zoom=float("nan")), "`zoom` must be a number in \\[0, 0.5\\).*; got nan"),
        (dict(rotation=True), "`rotation` must be a number in \\[0, 0.5\\).*; got True"),
    ],
)
def test_augmentation_rejects_bad_factors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        models.augmentation(**kwargs)


def test_augmentation_takes_numpy_factors_as_plain_floats():
    layers = models.augmentation(
        rotation=np.float32(0.25), translation=np.float64(0.125), zoom=0
    ).layers
    # zoom 0: left out
    assert [type(layer).__name__ for layer in layers] == ["RandomRotation", "RandomTranslation"]
    # float32(0.25) is exact
    assert layers[0].factor == (-0.25, 0.25) and layers[1].height_factor == 0.125


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(conv_blocks=0), "`conv_blocks` must be an integer from 1 to 3"),
        (dict(conv_blocks=4), "`conv_blocks` must be an integer from 1 to 3"),
        (dict(conv_blocks=1.0), "`conv_blocks` must be an integer from 1 to 3"),
        (dict(conv_blocks=3, filters=(32, 64)), "`conv_blocks` must be an integer from 1 to 2"),
        (dict(dropout=1.0), "`dropout` must be a rate in \\[0, 1\\)"),
        (dict(dropout=True), "`dropout` must be a rate in \\[0, 1\\)"),
        (
            dict(batch_norm=True),
            "`batch_norm` must be a tuple of block numbers such as \\(2, 3\\)",
        ),
        (
            dict(conv_blocks=2, batch_norm=(3,)),
            "`batch_norm` must be an integer from 1 to 2 \\(a block number, with conv_blocks=2\\)",
        ),
        (dict(batch_norm=(0, 1)), "`batch_norm` must be an integer from 1 to 3"),
    ],
)
def test_stronger_cnn_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        models.stronger_cnn(**kwargs)


def test_each_augmentation_layer_gets_its_own_seed_derived_from_the_one_given():
    # rotation, shift, zoom
    assert [layer.seed for layer in models.augmentation(seed=5).layers] == [5, 6, 7]
    # the slots are fixed: leaving rotation out does not hand its seed to the shift
    assert [layer.seed for layer in models.augmentation(rotation=0, seed=5).layers] == [6, 7]
    # Keras' global seed
    assert [layer.seed for layer in models.augmentation().layers] == [None, None, None]


def test_the_same_augmentation_seed_gives_the_same_copies_and_another_seed_others():
    x = np.random.default_rng(0).random((4, 28, 28, 1)).astype(np.float32)

    def copies(seed):
        return np.asarray(models.augmentation(seed=seed)(x, training=True))

    np.testing.assert_array_equal(copies(1), copies(1))
    assert not np.array_equal(copies(1), copies(2))


def test_augmentation_rejects_a_bad_seed():
    with pytest.raises(ValueError, match="`seed` must be a non-negative integer; got 1.5"):
        models.augmentation(seed=1.5)


def test_relu_after_pooling_computes_exactly_what_the_book_model_computes():
    book = models.mnist_cnn()
    moved = models.mnist_cnn_relu_after_pool()
    moved.set_weights(book.get_weights())  # the same weights: the ReLU layer has none
    # negative pixels too
    x = np.random.default_rng(0).normal(size=(16, 28, 28, 1)).astype(np.float32)
    np.testing.assert_array_equal(moved.predict(x, verbose=0), book.predict(x, verbose=0))
    assert [type(layer) for layer in moved.layers[:3]] == [
        layers.Conv2D,
        layers.MaxPooling2D,
        layers.ReLU,
    ]
    assert moved.layers[0].activation.__name__ == "linear"


# --- block_cnn: the modern blocks of chapter 9
# -------------------------------------------------------------


def types(model, kind):
    return [layer for layer in model.layers if type(layer).__name__ == kind]


def test_block_cnn_parameters_by_hand():
    model = models.block_cnn()
    stem = 3 * 3 * 1 * 16 + 4 * 16  # conv without bias, batch norm's 4 values per channel
    # two convs, the 1x1 shortcut, three BNs
    stage_2 = 3 * 3 * 16 * 32 + 3 * 3 * 32 * 32 + 16 * 32 + 3 * 4 * 32
    stage_3 = 3 * 3 * 32 * 64 + 3 * 3 * 64 * 64 + 32 * 64 + 3 * 4 * 64
    head = 64 * 10 + 10  # global average pooling has no parameters
    assert model.count_params() == stem + stage_2 + stage_3 + head == 73_690


def test_block_cnn_halves_the_maps_twice_and_the_base_ends_in_7x7x64_maps():
    model = models.block_cnn()
    assert model.get_layer("base_output").output.shape == (None, 7, 7, 64)
    assert [layer.output.shape for layer in types(model, "MaxPooling2D")] == [
        (None, 14, 14, 16),
        (None, 7, 7, 32),
    ]
    assert model.output.shape == (None, 10)


def test_the_flatten_head_is_chapter_4s_head_on_the_7x7x64_maps():
    gap, flat = models.block_cnn(head="gap"), models.block_cnn(head="flatten")
    dense = types(flat, "Dense")
    assert (
        dense[0].count_params() == 7 * 7 * 64 * 128 + 128
        and dense[1].count_params() == 128 * 10 + 10
    )
    assert flat.count_params() - gap.count_params() == (7 * 7 * 64 * 128 + 128) + (
        128 * 10 + 10
    ) - (64 * 10 + 10)
    assert types(gap, "GlobalAveragePooling2D") and not types(flat, "GlobalAveragePooling2D")


def test_plain_blocks_have_no_shortcut_and_residual_blocks_one_add_per_block():
    plain, residual = models.block_cnn(residual=False), models.block_cnn(residual=True)
    assert not types(plain, "Add") and len(types(residual, "Add")) == 2
    one_by_one = [
        layer for layer in residual.layers if getattr(layer, "kernel_size", None) == (1, 1)
    ]
    # channels change in both blocks (16 -> 32 -> 64): projection shortcuts
    assert len(one_by_one) == 2
    assert residual.count_params() - plain.count_params() == 16 * 32 + 4 * 32 + 32 * 64 + 4 * 64


def test_identity_shortcut_when_the_channels_stay_the_same():
    model = models.block_cnn(filters=(8, 8))
    (add,) = types(model, "Add")
    assert not [layer for layer in model.layers if getattr(layer, "kernel_size", None) == (1, 1)]
    # the pooled input itself
    assert type(add.input[1]._keras_history.operation).__name__ == "MaxPooling2D"


def test_a_residual_block_whose_last_conv_is_zero_passes_nonnegative_inputs_through_unchanged():
    inputs = keras.Input(shape=(5, 5, 4))
    block = keras.Model(inputs, models.residual_block(inputs, 4))
    convs = types(block, "Conv2D")
    convs[-1].kernel.assign(np.zeros(convs[-1].kernel.shape))  # F(x) = BN(0) = 0 at initialization
    x = np.random.default_rng(0).uniform(0, 1, (2, 5, 5, 4)).astype("float32")
    # relu(0 + x) = x
    np.testing.assert_allclose(block(x, training=False).numpy(), x, rtol=0, atol=1e-6)


def test_separable_blocks_use_separable_convolutions_with_fewer_parameters():
    standard, separable = models.block_cnn(), models.block_cnn(separable=True)
    assert (
        len(types(separable, "SeparableConv2D")) == 4
        and len(types(standard, "Conv2D")) == 4 + 1 + 2
    )
    saving = sum(
        perf.conv_weights(3, c_in, c_out) - perf.conv_weights(3, c_in, c_out, separable=True)
        for c_in, c_out in [(16, 32), (32, 32), (32, 64), (64, 64)]
    )
    assert standard.count_params() - separable.count_params() == saving


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(head="dense"), r"`head` must be one of \('gap', 'flatten'\); got 'dense'"),
        (dict(dropout=1.0), r"`dropout` must be a rate in \[0, 1\); got 1.0"),
        (dict(filters=()), r"`filters` must be one or more positive integers"),
        (
            dict(filters=(16, 0)),
            r"`filters` must be one or more positive integers, one per stage; got \(16, 0\)",
        ),
        (dict(filters=(16, 3.0)), r"`filters` must be one or more positive integers"),
    ],
)
def test_block_cnn_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        models.block_cnn(**kwargs)


# --- with_new_head: transfer learning
# ------------------------------------------------------------------------


def test_the_new_model_reuses_the_base_weights_under_a_new_ten_way_head():
    source = models.block_cnn()
    model, base = models.with_new_head(source)
    for copied, original in zip(
        base.get_weights(),
        keras.Model(source.input, source.get_layer("base_output").output).get_weights(),
    ):
        np.testing.assert_array_equal(copied, original)
    assert model.output.shape == (None, 10) and types(model, "GlobalAveragePooling2D")


def test_a_frozen_base_leaves_only_the_heads_weights_to_train_and_the_source_untouched():
    keras.utils.set_random_seed(0)
    source = models.block_cnn()
    before = [w.copy() for w in source.get_weights()]
    model, base = models.with_new_head(source, num_classes=3)
    assert sum(w.numpy().size for w in model.trainable_weights) == 64 * 3 + 3
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    frozen = [w.copy() for w in base.get_weights()]
    x = np.random.default_rng(0).uniform(0, 1, (8, 28, 28, 1)).astype("float32")
    model.fit(x, np.eye(3, dtype="float32")[np.arange(8) % 3], epochs=2, verbose=0)
    for after, was in zip(base.get_weights(), frozen):
        # batch norm's statistics too: the base runs in inference mode
        np.testing.assert_array_equal(after, was)
    for after, was in zip(source.get_weights(), before):
        np.testing.assert_array_equal(after, was)


def test_unfreezing_the_base_makes_all_its_weights_but_batch_norm_statistics_trainable():
    model, base = models.with_new_head(models.block_cnn())
    base.trainable = True
    statistics = sum(w.numpy().size for w in base.non_trainable_weights)
    assert statistics == 2 * (16 + 3 * 32 + 3 * 64)  # moving mean and variance of every batch norm
    assert (
        sum(w.numpy().size for w in model.trainable_weights)
        == models.block_cnn().count_params() - (64 * 10 + 10) - statistics + 650
    )


def test_with_new_head_names_a_missing_base_layer():
    with pytest.raises(
        ValueError, match=r"`base_output`: model 'mnist_cnn' has no layer named 'base_output'"
    ):
        models.with_new_head(models.mnist_cnn())


def test_two_blocks_per_stage_add_a_same_width_block_with_an_identity_shortcut_to_each_stage():
    one, two = models.block_cnn(), models.block_cnn(blocks_per_stage=2)
    assert len(types(two, "Add")) == 4
    one_by_one = [layer for layer in two.layers if getattr(layer, "kernel_size", None) == (1, 1)]
    assert len(one_by_one) == 2  # only the first block of each stage changes the width
    identity = [
        add
        for add in types(two, "Add")
        if type(add.input[1]._keras_history.operation).__name__ == "ReLU"
    ]
    # the second block of each stage adds the first block's output itself
    assert len(identity) == 2
    # two convs and two BNs each
    same_width = 2 * (3 * 3 * 32 * 32 + 4 * 32) + 2 * (3 * 3 * 64 * 64 + 4 * 64)
    assert two.count_params() - one.count_params() == same_width
    with pytest.raises(ValueError, match="`blocks_per_stage` must be a positive integer"):
        models.block_cnn(blocks_per_stage=0)


def test_the_augmentation_for_clothing_mirrors_and_shifts_but_never_rotates_or_zooms():
    augment = models.augmentation(rotation=0, translation=2 / 28, zoom=0, flip=True, seed=5)
    assert [type(layer).__name__ for layer in augment.layers] == [
        "RandomTranslation",
        "RandomFlip",
    ]
    assert [layer.seed for layer in augment.layers] == [6, 8]  # the flip has a slot of its own
    assert models.augmentation(flip=False).layers[-1].__class__.__name__ == "RandomZoom"
    x = np.zeros((64, 28, 28, 1), dtype=np.float32)
    x[:, :, :3] = 1  # a bar on the left edge
    copies = np.asarray(
        models.augmentation(rotation=0, translation=0, zoom=0, flip=True, seed=0)(x, training=True)
    )
    right = copies[:, :, -3:].mean(axis=(1, 2, 3)) == 1
    # about half mirrored, the rest kept
    assert 10 < right.sum() < 54 and np.array_equal(copies[~right], x[~right])
    with pytest.raises(ValueError, match="`flip` must be True or False"):
        models.augmentation(flip="yes")
    with pytest.raises(
        ValueError, match=r"`shift` must be a number in \[0, 14\) \(pixels\); got 14"
    ):
        models.clothing_cnn(shift=14)


def test_a_flatten_head_on_a_reused_base_is_chapter_4s_head():
    model, base = models.with_new_head(models.block_cnn(), head="flatten", dropout=0.3)
    assert [type(layer).__name__ for layer in model.layers[2:]] == [
        "Flatten",
        "Dense",
        "Dropout",
        "Dense",
    ]
    assert (
        sum(w.numpy().size for w in model.trainable_weights)
        == 7 * 7 * 64 * 128 + 128 + 128 * 10 + 10
    )
    with pytest.raises(
        ValueError, match=r"`head` must be one of \('gap', 'flatten'\); got 'dense'"
    ):
        models.with_new_head(models.block_cnn(), head="dense")
