"""utils.transforms: shifts move pixels exactly and fill with zeros."""

import os

import numpy as np
import pytest

from utils import data, transforms

LOCAL_MNIST = os.environ.get(data.MNIST_ENV)  # None: Keras downloads MNIST

IMAGE = np.arange(1, 10).reshape(1, 3, 3)  # [[1, 2, 3], [4, 5, 6], [7, 8, 9]]


def test_shift_right_by_one_fills_the_first_column_with_zeros():
    np.testing.assert_array_equal(
        transforms.shift(IMAGE, dx=1)[0], [[0, 1, 2], [0, 4, 5], [0, 7, 8]]
    )


def test_shift_up_and_left():
    np.testing.assert_array_equal(
        transforms.shift(IMAGE, dy=-1, dx=-2)[0], [[6, 0, 0], [9, 0, 0], [0, 0, 0]]
    )


def test_shift_keeps_the_channel_axis_and_dtype():
    x = np.ones((2, 4, 4, 3), dtype=np.float32)
    out = transforms.shift(x, dy=1)
    assert out.shape == x.shape and out.dtype == np.float32 and out[:, 0].sum() == 0


def test_shifting_past_the_border_leaves_nothing():
    assert transforms.shift(IMAGE, dx=3).sum() == 0


def test_zero_shift_is_the_identity_and_a_copy():
    out = transforms.shift(IMAGE)
    np.testing.assert_array_equal(out, IMAGE)
    assert out is not IMAGE


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(images=np.ones((3, 3))), r"`images` must be \(N, H, W\) or \(N, H, W, C\)"),
        (dict(images=IMAGE, dx=1.5), "`dx` must be an integer \\(pixels\\)"),
        (dict(images=IMAGE, dy=True), "`dy` must be an integer \\(pixels\\)"),
    ],
)
def test_bad_input_is_rejected(kwargs, message):
    with pytest.raises(ValueError, match=message):
        transforms.shift(**kwargs)


def centre_of_mass(image):
    rows, cols = np.indices(image.shape)
    return (rows * image).sum() / image.sum(), (cols * image).sum() / image.sum()


def test_render_strokes_draws_a_horizontal_line_of_the_given_width():
    # x from 5 to 15
    ink = transforms.render_strokes([[(0.25, 0.5), (0.75, 0.5)]], size=20, width=4)
    assert ink.shape == (20, 20) and ink.max() == 1.0
    assert ink[10, 10] == 1.0 and ink[0, 0] == 0.0 and ink[10, 0] == 0.0
    # the line runs between rows 9 and 10 (y = 10.0); pixel centres within 2 of it: rows 8 to 11
    assert np.count_nonzero(ink[:, 10]) == 4 and ink[8:12, 10].min() == 1.0


def test_render_strokes_rejects_a_one_point_stroke():
    with pytest.raises(ValueError, match="at least two"):
        transforms.render_strokes([[(0.5, 0.5)]])


def test_mnist_style_fits_the_digit_in_a_20x20_box_centred_by_mass():
    image = np.zeros((100, 60), dtype=np.float32)
    image[10:90, 20:40] = 1.0  # a tall bar: 80 x 20 pixels
    out = transforms.mnist_style(image)
    rows, cols = np.nonzero(out > 0)
    assert out.shape == (28, 28) and out.dtype == np.float32 and out.max() == 1.0
    assert rows.max() - rows.min() + 1 == 20  # the longer side scaled to 20
    assert cols.max() - cols.min() + 1 == 5  # aspect ratio kept: 80:20 -> 20:5
    np.testing.assert_allclose(centre_of_mass(out), (14, 14), atol=0.5)


def test_mnist_style_centres_by_mass_not_by_box():
    image = np.zeros((30, 30), dtype=np.float32)
    image[:, :6] = 1.0  # an L: a full-height left bar ...
    image[24:, :] = 1.0  # ... and a full-width bottom bar, so the mass sits low and left
    out = transforms.mnist_style(image)
    rows, cols = np.nonzero(out > 0)
    box_centre = ((rows.min() + rows.max()) / 2, (cols.min() + cols.max()) / 2)
    np.testing.assert_allclose(centre_of_mass(out), (14, 14), atol=0.5)
    assert abs(box_centre[0] - 14) > 2 and abs(box_centre[1] - 14) > 2  # the box is off-centre


def test_mnist_style_places_a_symmetric_digit_the_same_way_whatever_its_last_bits():
    # a symmetric 20 x 14 box: its centre of mass (9.5, 6.5) is half a pixel from the grid, an
    # exact tie
    box = np.zeros((20, 14), dtype=np.float32)
    box[[0, -1], :] = box[:, [0, -1]] = 1.0
    # more than float32 sums differ by
    noise = 1 + np.random.default_rng(0).uniform(-2e-6, 2e-6, size=box.shape)
    for values in (box, (box * noise).astype(np.float32), (box / noise).astype(np.float32)):
        out = transforms._centre_of_mass_placement(values)
        rows, cols = np.nonzero(out > 0)
        # 14 - 9.5 = 4.5 and 14 - 6.5 = 7.5: ties, to the even neighbour (4 and 8), as NumPy and
        # the draw page round
        assert (rows.min(), cols.min()) == (4, 8)


@pytest.mark.parametrize(
    "image, message",
    [
        (np.zeros((28, 28)), "has no ink"),
        (np.ones((2, 28, 28)), r"one grayscale image \(H, W\)"),
    ],
)
def test_mnist_style_rejects_bad_images(image, message):
    with pytest.raises(ValueError, match=message):
        transforms.mnist_style(image)


def test_mnist_style_leaves_real_mnist_digits_almost_unchanged():
    _, (x_test, _) = data.load_mnist(n_test=200, channel_axis=False, path=LOCAL_MNIST)
    similarity = [np.corrcoef(x.ravel(), transforms.mnist_style(x).ravel())[0, 1] for x in x_test]
    assert np.median(similarity) > 0.99 and np.mean(similarity) > 0.95


def test_rotate_by_90_degrees_is_rot90_counter_clockwise():
    x = np.random.default_rng(0).random((2, 5, 5, 1)).astype(np.float32)
    np.testing.assert_allclose(transforms.rotate(x, 90), np.rot90(x, k=1, axes=(1, 2)), atol=1e-6)


@pytest.mark.parametrize("k", [1, 2, 3])
def test_rotating_uint8_pixels_by_quarter_turns_is_rot90_exactly(k):
    # bilinear weights of 0.9999999... must round to the pixel, not truncate it to the pixel minus
    # 1
    x = np.random.default_rng(2).integers(0, 256, size=(2, 28, 28), dtype=np.uint8)
    out = transforms.rotate(x, 90 * k)
    assert out.dtype == np.uint8
    np.testing.assert_array_equal(out, np.rot90(x, k=k, axes=(1, 2)))


def test_rotating_uint8_pixels_rounds_the_bilinear_mixture_to_the_nearest_integer():
    x = np.zeros((1, 3, 3), dtype=np.uint8)
    x[0, 1, 2] = 255  # the pixel right of the centre
    # turned 45 degrees counter-clockwise, output pixel (0, 1) samples the input at (1 - sqrt(1/2),
    # 1 + sqrt(1/2)), where pixel (1, 2) has the bilinear weight (1 - sqrt(1/2)) * sqrt(1/2): 255 *
    # 0.2071 = 52.81
    exact = 255 * (1 - np.sqrt(0.5)) * np.sqrt(0.5)
    assert transforms.rotate(x.astype(np.float64), 45)[0, 0, 1] == pytest.approx(exact)
    assert transforms.rotate(x, 45)[0, 0, 1] == 53  # rounded, not truncated to 52


def test_rotate_by_0_degrees_is_the_identity_and_keeps_dtype():
    x = np.random.default_rng(1).random((1, 6, 4)).astype(np.float32)
    out = transforms.rotate(x, 0)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, x, atol=1e-6)


def test_rotate_by_45_degrees_moves_corners_out_and_keeps_the_centre():
    x = np.ones((1, 7, 7))
    out = transforms.rotate(x, 45)
    assert out[0, 3, 3] == pytest.approx(1.0) and out[0, 0, 0] == 0.0


def test_add_noise_is_seeded_clipped_and_has_the_asked_spread():
    x = np.full((1, 100, 100), 0.5, dtype=np.float32)
    a, b = transforms.add_noise(x, 0.1, seed=3), transforms.add_noise(x, 0.1, seed=3)
    np.testing.assert_array_equal(a, b)
    assert a.dtype == np.float32 and a.std() == pytest.approx(0.1, rel=0.05)
    assert transforms.add_noise(x, 5.0).min() >= 0 and transforms.add_noise(x, 5.0).max() <= 1


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: transforms.rotate(np.ones((4, 4)), 10), r"`images` must be \(N, H, W\)"),
        (
            lambda: transforms.rotate(np.ones((1, 4, 4)), float("nan")),
            "`degrees` must be a finite number; got nan",
        ),
        (
            lambda: transforms.rotate(np.ones((1, 4, 4)), float("inf")),
            "`degrees` must be a finite number; got inf",
        ),
        (
            lambda: transforms.rotate(np.ones((1, 4, 4)), "90"),
            "`degrees` must be a finite number; got '90'",
        ),
        (
            lambda: transforms.add_noise(np.ones((1, 4, 4)), -0.1),
            "`sigma` must be a non-negative finite number; got -0.1",
        ),
        (
            lambda: transforms.add_noise(np.ones((1, 4, 4)), float("inf")),
            "`sigma` must be a non-negative finite number",
        ),
        (
            lambda: transforms.add_noise(np.ones((1, 4, 4)), float("nan")),
            "`sigma` must be a non-negative finite number",
        ),
    ],
)
def test_rotate_and_noise_reject_bad_input(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_rotate_accepts_numpy_angles():
    x = np.random.default_rng(3).random((1, 5, 5)).astype(np.float32)
    np.testing.assert_array_equal(transforms.rotate(x, np.float32(90)), transforms.rotate(x, 90))


@pytest.mark.parametrize(
    "images, got",
    [
        (
            np.full((1, 4, 4), 200, dtype=np.uint8),
            "got uint8 from 200 to 200",
        ),  # load_mnist(scale=False)'s pixels
        (
            np.full((1, 4, 4), 200.0, dtype=np.float32),
            "got float32 from 200.0 to 200.0",
        ),  # 0-255 as floats
        (np.full((1, 4, 4), -0.5), "got float64 from -0.5 to -0.5"),
        (np.array([[[0.5, np.nan]]]), "got float64 from nan to nan"),
    ],
)
def test_noise_needs_pixels_in_0_to_1_else_clipping_would_make_a_binary_image(images, got):
    with pytest.raises(
        ValueError, match=rf"`images` must be floating-point pixels in \[0, 1\].*; {got}"
    ):
        transforms.add_noise(images, 0.1)


def test_mnist_style_warns_about_dark_ink_on_white_paper():
    page = np.ones((30, 30), dtype=np.float32)
    page[5:25, 13:17] = 0.0  # a dark bar on white: 'ink' (> 0) in 91 % of the pixels
    with pytest.warns(
        UserWarning, match=r"`image` has ink \(> 0\) in 91% of its pixels.*pass 1 - image"
    ):
        transforms.mnist_style(page)
