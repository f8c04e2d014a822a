"""utils.plots: helpers draw on the axes they are given, return them, and reject bad shapes."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from utils import plots  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_show_image_draws_on_the_given_axes_and_returns_them():
    _, ax = plt.subplots()
    assert plots.show_image(np.zeros((28, 28, 1)), ax=ax, title="zero") is ax
    assert ax.get_title() == "zero" and len(ax.images) == 1


def test_signed_images_get_a_scale_centred_on_zero():
    ax = plots.show_image(np.array([[-1.0, 3.0]]))
    assert ax.images[0].get_clim() == (-3.0, 3.0)


def test_show_kernel_writes_every_value():
    ax = plots.show_kernel(np.array([[-1, 0, 1]] * 3))
    assert [t.get_text() for t in ax.texts] == ["-1", "0", "1"] * 3


def test_image_grid_hides_unused_axes():
    axes = plots.image_grid(np.zeros((5, 4, 4)), ncols=3)
    assert len(axes) == 6 and not axes[-1].axison and axes[0].axison


def test_bad_shapes_are_rejected():
    with pytest.raises(ValueError, match=r"`image` must be \(H, W\) or \(H, W, 1\)"):
        plots.show_image(np.zeros((4, 4, 3)))
    _, axes = plt.subplots(1, 2)
    with pytest.raises(ValueError, match="`axes` has 2 axes for 3 images"):
        plots.image_grid(np.zeros((3, 4, 4)), axes=axes)


def test_set_style_applies_the_book_style():
    plots.set_style()
    assert plt.rcParams["image.cmap"] == plots.IMAGE_CMAP


def test_show_confusion_matrix_writes_nonzero_counts():
    ax = plots.show_confusion_matrix(np.array([[5, 0], [2, 3]]))
    assert sorted(t.get_text() for t in ax.texts) == ["2", "3", "5"]
    assert ax.get_xlabel() == "predicted class" and ax.get_ylabel() == "true class"


def test_show_history_draws_training_and_validation():
    ax = plots.show_history({"loss": [1.0, 0.5, 0.4], "val_loss": [1.1, 0.7, 0.8]}, "loss")
    assert [line.get_label() for line in ax.lines] == ["training", "validation"]
    assert list(ax.lines[1].get_ydata()) == [1.1, 0.7, 0.8]


def test_show_history_names_a_missing_metric():
    with pytest.raises(ValueError, match="'accuracy' is not in the history"):
        plots.show_history({"loss": [1.0]}, "accuracy")


def test_filter_grid_draws_one_image_per_output_channel():
    axes = plots.filter_grid(np.random.default_rng(0).normal(size=(3, 3, 1, 10)), ncols=5)
    assert len(axes) == 10 and [ax.get_title() for ax in axes[:3]] == ["0", "1", "2"]
    assert axes[0].images[0].get_array().shape == (3, 3)


def test_feature_map_grid_draws_every_channel():
    axes = plots.feature_map_grid(np.zeros((13, 13, 4)), ncols=4)
    assert len(axes) == 4 and axes[3].images[0].get_array().shape == (13, 13)
    assert axes[3].get_title() == "3"


def test_feature_map_grid_draws_chosen_channels_with_a_label():
    maps = np.arange(13 * 13 * 4, dtype=float).reshape(13, 13, 4)
    axes = plots.feature_map_grid(maps, channels=[2, 0], ncols=2, label="ReLU")
    assert [ax.get_title() for ax in axes] == ["ReLU 2", "ReLU 0"]
    np.testing.assert_array_equal(axes[0].images[0].get_array(), maps[:, :, 2])


def test_grid_helpers_reject_bad_shapes():
    with pytest.raises(ValueError, match=r"`kernel` must be \(kh, kw, 1, out_channels\)"):
        plots.filter_grid(np.zeros((3, 3, 2, 4)))
    with pytest.raises(ValueError, match=r"`maps` must be one example's feature maps \(H, W, C\)"):
        plots.feature_map_grid(np.zeros((1, 13, 13, 4)))


def test_show_image_accepts_an_explicit_scale():
    ax = plots.show_image(np.array([[-1.0, 3.0]]), vmin=0, vmax=10)
    assert ax.images[0].get_clim() == (0, 10)


def test_mistakes_grid_shows_only_the_mistakes_most_confident_first_with_one_decimal():
    images = np.arange(4)[:, None, None] * np.ones((4, 3, 3))
    y_true = np.array([0, 1, 1, 0])
    # wrong, 80%
    probabilities = np.array(
        [
            [0.9, 0.1],  # right
            [0.6, 0.4],  # wrong, 60%
            [0.995, 0.005],  # wrong, 99.5%
            [0.2, 0.8],
        ]
    )
    shown, axes = plots.mistakes_grid(images, y_true, probabilities, ncols=3)
    assert list(shown) == [2, 3, 1]
    assert [ax.get_title() for ax in axes] == ["1 → 0 (99.5%)", "0 → 1 (80.0%)", "1 → 0 (60.0%)"]
    assert list(plots.mistakes_grid(images, y_true, probabilities, limit=1)[0]) == [2]


def test_mistakes_grid_titles_with_class_names_when_given():
    probabilities = np.array([[0.3, 0.7], [0.9, 0.1]])
    _, axes = plots.mistakes_grid(
        np.zeros((2, 3, 3)), [0, 1], probabilities, ncols=2, class_names=("Shirt", "Coat")
    )
    # most confident first
    assert [ax.get_title() for ax in axes] == ["Coat → Shirt (90.0%)", "Shirt → Coat (70.0%)"]
    with pytest.raises(ValueError, match="`class_names` must name all 2 classes; got 1 names"):
        plots.mistakes_grid(np.zeros((2, 3, 3)), [0, 1], probabilities, class_names=("Shirt",))


def test_mistakes_grid_rejects_mismatched_inputs():
    with pytest.raises(ValueError, match="must describe the same N examples"):
        plots.mistakes_grid(np.zeros((3, 2, 2)), [0, 1], np.ones((2, 2)) / 2)


def test_roofline_draws_both_roofs_and_one_marker_per_point():
    _, ax = plt.subplots()
    points = {"conv": (4.0, 5e9), "dense": (30.0, 100e9)}
    assert plots.roofline(points, peak_flops=150e9, bandwidth=30e9, ax=ax) is ax
    roof, *markers = ax.lines
    x, y = roof.get_data()
    # GFLOP/s: bandwidth x intensity, capped at the peak
    assert np.allclose(y, np.minimum(150, 30 * x))
    assert [tuple(m.get_xydata()[0]) for m in markers] == [(4.0, 5.0), (30.0, 100.0)]
    assert ax.get_xscale() == ax.get_yscale() == "log"


@pytest.mark.parametrize(
    "points, peak, bandwidth, message",
    [
        ({}, 1e9, 1e9, "at least one"),
        ({"a": (0.0, 1e9)}, 1e9, 1e9, "positive intensity"),
        ({"a": (1.0, 1e9)}, 0, 1e9, "must be positive"),
    ],
)
def test_roofline_rejects_what_it_cannot_draw(points, peak, bandwidth, message):
    with pytest.raises(ValueError, match=message):
        plots.roofline(points, peak, bandwidth)


def test_roofline_names_its_points_in_a_legend_not_beside_them():
    _, ax = plt.subplots()
    plots.roofline(
        {"conv": (4.0, 5e9), "dense": (30.0, 100e9)}, peak_flops=150e9, bandwidth=30e9, ax=ax
    )
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["conv", "dense"]
    # only the roofs
    assert [t.get_text() for t in ax.texts] == ["memory: 30 GB/s", "compute: 150 GFLOP/s"]
