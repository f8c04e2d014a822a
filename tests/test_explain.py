"""utils.explain: saliency, occlusion and PCA on models and data small enough to check by hand."""
import keras
import numpy as np
import pytest

from utils import explain


def linear_softmax(weights):
    """A 2-class softmax classifier on 3x3x1 images with the given (9, 2) weights and zero bias."""
    model = keras.Sequential([keras.Input((3, 3, 1)), keras.layers.Flatten(), keras.layers.Dense(2, activation="softmax")])
    model.layers[-1].set_weights([np.asarray(weights, dtype="float32"), np.zeros(2, dtype="float32")])
    return model


def test_saliency_is_the_softmax_gradient():
    w = np.random.default_rng(0).normal(size=(9, 2)).astype("float32")
    x = np.random.default_rng(1).random((2, 3, 3, 1)).astype("float32")
    logits = x.reshape(2, 9) @ w
    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    # d p0 / d x = p0 * p1 * (w[:, 0] - w[:, 1])
    expected = np.abs((p[:, 0] * p[:, 1])[:, None] * (w[:, 0] - w[:, 1])[None]).reshape(2, 3, 3)
    np.testing.assert_allclose(explain.saliency(linear_softmax(w), x, [0, 0]), expected, rtol=1e-4, atol=1e-7)


def test_occlusion_drops_only_where_the_model_looks():
    w = np.zeros((9, 2), dtype="float32")
    w[4, 0] = 5.0  # class 0 depends on the centre pixel only
    drop = explain.occlusion(linear_softmax(w), np.ones((3, 3, 1)), label=0, patch=1, stride=1)
    assert drop.shape == (3, 3)
    assert drop[1, 1] > 0.4 and np.count_nonzero(drop) == 1


def test_pca_finds_the_line_the_points_lie_on():
    t = np.linspace(-1, 1, 21)
    x = np.stack([t, 2 * t, -t], axis=1) + 5.0
    projected, ratio = explain.pca(x, n_components=2)
    assert ratio[0] == pytest.approx(1.0) and ratio[1] == pytest.approx(0.0, abs=1e-12)
    np.testing.assert_allclose(np.abs(projected[:, 0]), np.abs(t) * np.sqrt(6), atol=1e-12)
    assert projected[-1, 0] > 0  # the sign is fixed: the largest loading (the 2t axis) is positive


@pytest.mark.parametrize("call, message", [
    (lambda: explain.pca(np.ones(5)), r"`x` must be \(N, D\)"),
    (lambda: explain.pca(np.ones((4, 3)), n_components=4), "n_components"),
    (lambda: explain.occlusion(None, np.ones((3, 3)), 0), r"one image \(H, W, C\)"),
    (lambda: explain.occlusion(None, np.ones((3, 3, 1)), 0, patch=4), "`patch` must be an integer from 1 to 3"),
    (lambda: explain.saliency(linear_softmax(np.zeros((9, 2))), np.ones((2, 3, 3, 1)), [0]), "one class per image"),
])
def test_bad_input_is_rejected(call, message):
    with pytest.raises(ValueError, match=message):
        call()
