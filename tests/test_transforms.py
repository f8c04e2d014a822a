"""utils.transforms: shifts move pixels exactly and fill with zeros."""
import numpy as np
import pytest

from utils import transforms

IMAGE = np.arange(1, 10).reshape(1, 3, 3)  # [[1, 2, 3], [4, 5, 6], [7, 8, 9]]


def test_shift_right_by_one_fills_the_first_column_with_zeros():
    np.testing.assert_array_equal(transforms.shift(IMAGE, dx=1)[0], [[0, 1, 2], [0, 4, 5], [0, 7, 8]])


def test_shift_up_and_left():
    np.testing.assert_array_equal(transforms.shift(IMAGE, dy=-1, dx=-2)[0], [[6, 0, 0], [9, 0, 0], [0, 0, 0]])


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


@pytest.mark.parametrize("kwargs, message", [
    (dict(images=np.ones((3, 3))), r"`images` must be \(N, H, W\) or \(N, H, W, C\)"),
    (dict(images=IMAGE, dx=1.5), "`dx` must be an integer number of pixels"),
    (dict(images=IMAGE, dy=True), "`dy` must be an integer number of pixels"),
])
def test_bad_input_is_rejected(kwargs, message):
    with pytest.raises(ValueError, match=message):
        transforms.shift(**kwargs)
