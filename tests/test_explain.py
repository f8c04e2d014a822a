"""utils.explain: saliency, occlusion and PCA on models and data small enough to check by hand."""

import keras
import numpy as np
import pytest

from utils import explain, models


def linear_softmax(weights):
    """A 2-class softmax classifier on 3x3x1 images with the given (9, 2) weights and zero bias."""
    model = keras.Sequential(
        [
            keras.Input((3, 3, 1)),
            keras.layers.Flatten(),
            keras.layers.Dense(2, activation="softmax"),
        ]
    )
    model.layers[-1].set_weights(
        [np.asarray(weights, dtype="float32"), np.zeros(2, dtype="float32")]
    )
    return model


def test_class_scores_are_the_logits_before_the_softmax():
    w = np.random.default_rng(0).normal(size=(9, 2)).astype("float32")
    x = np.random.default_rng(1).random((2, 3, 3, 1)).astype("float32")
    np.testing.assert_allclose(
        explain.class_scores(linear_softmax(w), x), x.reshape(2, 9) @ w, rtol=1e-5, atol=1e-6
    )


def test_class_scores_need_a_softmax_output_layer():
    model = keras.Sequential(
        [keras.Input((3, 3, 1)), keras.layers.Flatten(), keras.layers.Dense(2)]
    )
    with pytest.raises(ValueError, match="last layer must be Dense with a softmax activation"):
        explain.class_scores(model, np.zeros((1, 3, 3, 1)))


def test_saliency_is_the_gradient_of_the_class_score_not_of_the_probability():
    w = np.random.default_rng(0).normal(size=(9, 2)).astype("float32")
    x = np.random.default_rng(1).random((2, 3, 3, 1)).astype("float32")
    # the score of class 1 is x . w[:, 1]: its gradient is w[:, 1] for every image, however sure
    # the model is
    expected = np.abs(np.broadcast_to(w[:, 1], (2, 9))).reshape(2, 3, 3)
    np.testing.assert_allclose(explain.saliency(linear_softmax(w), x, [1, 1]), expected, rtol=1e-6)


def test_occlusion_is_the_drop_of_the_class_score_and_only_where_the_model_looks():
    w = np.zeros((9, 2), dtype="float32")
    w[4, 0] = 5.0  # class 0 depends on the centre pixel only
    drop = explain.occlusion(linear_softmax(w), np.ones((3, 3, 1)), label=0, patch=1, stride=1)
    assert drop.shape == (3, 3) and np.count_nonzero(drop) == 1
    assert drop[1, 1] == pytest.approx(5.0)  # intact score 1 * 5, covered 0 * 5


@pytest.mark.parametrize("label", [-1, 2, 1.0, None])
def test_occlusion_needs_a_label_that_is_a_class_of_the_model(label):
    # -1 used to explain the last class silently, 2 to fail with a raw IndexError
    with pytest.raises(
        ValueError,
        match=r"`label` must be an integer from 0 to 1 \(one of the model's 2 classes\)",
    ):
        explain.occlusion(
            linear_softmax(np.zeros((9, 2))), np.ones((3, 3, 1)), label=label, patch=1
        )


def test_pca_finds_the_line_the_points_lie_on():
    t = np.linspace(-1, 1, 21)
    x = np.stack([t, 2 * t, -t], axis=1) + 5.0
    projected, ratio = explain.pca(x, n_components=2)
    assert ratio[0] == pytest.approx(1.0) and ratio[1] == pytest.approx(0.0, abs=1e-12)
    np.testing.assert_allclose(np.abs(projected[:, 0]), np.abs(t) * np.sqrt(6), atol=1e-12)
    assert projected[-1, 0] > 0  # the sign is fixed: the largest loading (the 2t axis) is positive


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: explain.pca(np.ones(5)), r"`x` must be \(N, D\)"),
        (
            lambda: explain.pca(np.ones((4, 3)), n_components=4),
            r"`n_components` must be an integer from 1 to 3",
        ),
        (
            lambda: explain.pca(np.ones((4, 3)), n_components=1.5),
            r"`n_components` must be an integer from 1 to 3",
        ),
        (
            lambda: explain.pca(np.array([[0.0, 1.0], [np.nan, 2.0], [1.0, np.inf]])),
            "`x` must be finite; it holds 2 NaN or infinite values, the first in row 1",
        ),
        (lambda: explain.occlusion(None, np.ones((3, 3)), 0), r"one image \(H, W, C\)"),
        (
            lambda: explain.occlusion(None, np.ones((3, 3, 1)), 0, patch=4),
            "`patch` must be an integer from 1 to 3",
        ),
        (
            lambda: explain.saliency(linear_softmax(np.zeros((9, 2))), np.ones((2, 3, 3, 1)), [0]),
            "one class per image",
        ),
    ],
)
def test_bad_input_is_rejected(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# --- receptive fields
# ------------------------------------------------------------------------------


def test_receptive_field_of_stacked_3x3_convolutions_grows_by_2_per_layer():
    for depth in (1, 2, 3):
        assert (
            explain.receptive_field([keras.layers.Conv2D(8, 3) for _ in range(depth)])
            == 2 * depth + 1
        )


def test_a_stride_or_a_pooling_layer_doubles_the_step_of_every_later_layer():
    # by hand: 3 + (3 - 1) * 2 = 7 for two 3x3 convolutions, the first with stride 2
    assert (
        explain.receptive_field([keras.layers.Conv2D(1, 3, strides=2), keras.layers.Conv2D(1, 3)])
        == 7
    )
    assert (
        explain.receptive_field(
            [keras.layers.Conv2D(1, 3), keras.layers.MaxPooling2D(2), keras.layers.Conv2D(1, 3)]
        )
        == 8
    )


def test_the_books_models_see_what_the_formula_says():
    assert (
        explain.receptive_field(models.mnist_cnn().layers)
        == 4
        == explain.receptive_field_formula((3, 2), (1, 2))
    )
    stronger = models.stronger_cnn(batch_norm=(2, 3), dropout=0.3, augment=models.augmentation())
    assert (
        explain.receptive_field(stronger.layers)
        == 18
        == explain.receptive_field_formula((3, 2, 3, 2, 3), (1, 2, 1, 2, 1))
    )


def test_dilation_spreads_the_kernel_without_more_weights():
    assert explain.receptive_field([keras.layers.Conv2D(1, 3, dilation_rate=2)]) == 5


def test_a_field_that_just_fits_a_valid_stack_is_measured_whole():
    # with padding='valid' every window lies inside the input: 18 pixels fit an 18-pixel input
    layers = models.stronger_cnn().layers
    assert (
        explain.receptive_field(layers, size=18) == 18 == explain.receptive_field(layers, size=28)
    )


@pytest.mark.parametrize(
    "layers, size, message",
    [
        (
            [keras.layers.Conv2D(1, 3)],
            2,
            r"`size`=2 is too small for these layers: a Conv2D is left no output pixel",
        ),
        (
            models.stronger_cnn().layers,
            16,
            r"`size`=16 is too small for these layers",
        ),  # 16 -> 14 -> 7 -> 5 -> 2 -> 0
        (
            [keras.layers.Conv2D(1, 5, padding="same")],
            3,
            r"`size`=3 is too small: the receptive field reaches the border",
        ),
        (
            [keras.layers.Conv2D(1, 3, padding="same")] * 3,
            5,
            r"padding='same' may cut it off \(measured 5 pixels\)",
        ),
        ([keras.layers.Conv2D(1, 3)], 0, "`size` must be a positive integer; got 0"),
        ([keras.layers.Conv2D(1, 3)], 28.0, "`size` must be a positive integer; got 28.0"),
    ],
)
def test_receptive_field_refuses_a_size_that_would_cut_the_field_off(layers, size, message):
    # a 5 x 5 'same' kernel on a 3 x 3 input used to report a field of 3
    with pytest.raises(ValueError, match=message):
        explain.receptive_field(layers, size=size)


def test_a_same_padded_field_away_from_the_border_is_measured_whole():
    assert explain.receptive_field([keras.layers.Conv2D(1, 3, padding="same")] * 3, size=9) == 7


def test_receptive_field_refuses_a_layer_it_cannot_place():
    with pytest.raises(ValueError, match="cannot tell where a UpSampling2D layer looks"):
        explain.receptive_field([keras.layers.UpSampling2D()])
