"""tools/tolerance.py: how a cell's fresh outputs are compared with the stored ones.

Exactly, or within a tolerance."""

import base64
import io

import matplotlib
import nbformat
import numpy as np
import pytest

from tools import tolerance as tol

matplotlib.use("Agg")


def stream(text, name="stdout"):
    return nbformat.v4.new_output("stream", name=name, text=text)


def figure(pixels):
    """A display_data output holding `pixels` (H, W, 3 uint8) as a PNG.

    As matplotlib's inline backend stores it."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(pixels.astype(np.uint8)).save(buffer, format="PNG")
    return nbformat.v4.new_output(
        "display_data",
        data={
            "image/png": base64.b64encode(buffer.getvalue()).decode(),
            "text/plain": "<Figure size 100x100 with 1 Axes>",
        },
    )


def glued(name, text):
    return nbformat.v4.new_output(
        "display_data",
        data={"application/papermill.record/text/plain": text},
        metadata={"scrapbook": {"name": name}},
    )


def failures(stored, fresh, tolerance=None, foreign=True):
    return tol.compare(
        tol.flatten(fresh), tol.flatten(stored), tolerance, foreign=foreign
    ).failures


LOG = "Epoch 1/10 - loss: 0.2212 - accuracy: 0.9341\n469/469 - val_accuracy: 98.12%\n"


def test_identical_outputs_pass_with_and_without_a_tolerance():
    assert failures([stream(LOG)], [stream(LOG)]) == []
    assert failures([stream(LOG)], [stream(LOG)], {"rtol": 0.01}) == []


def test_without_a_tolerance_a_last_digit_fails():
    assert failures([stream(LOG)], [stream(LOG.replace("0.2212", "0.2213"))])


def test_numbers_within_rtol_pass_and_beyond_it_fail():
    # 0.0018 away: one unit of the last place (1e-4) plus 0.0017
    fresh = LOG.replace("0.2212", "0.2230")
    assert failures([stream(LOG)], [stream(fresh)], {"rtol": 0.008}) == []  # allowed 0.0018 + 1e-4
    # allowed 0.00155 + 1e-4
    (message,) = failures([stream(LOG)], [stream(fresh)], {"rtol": 0.007})
    assert "0.2212 became 0.2230" in message and "Epoch 1/10 - loss: 0.2212" in message


def test_one_unit_in_the_last_printed_place_is_always_allowed():
    assert failures([stream("accuracy 98.12%")], [stream("accuracy 98.13%")], {"atol": 0}) == []
    assert failures([stream("accuracy 98.12%")], [stream("accuracy 98.14%")], {"atol": 0})


def test_atol_covers_a_difference_printed_in_exponent_form():
    stored, fresh = (
        stream("max |difference| = 0.0e+00 (tolerance 1e-05)"),
        stream("max |difference| = 6.0e-08 (tolerance 1e-05)"),
    )
    assert failures([stored], [fresh], {"atol": 1e-7}) == []
    assert failures([stored], [fresh], {"atol": 1e-8})


def test_integers_are_exact_unless_the_cell_says_otherwise():
    stored, fresh = stream("91 of 10,000 digits wrong"), stream("95 of 10,000 digits wrong")
    (message,) = failures([stored], [fresh], {"rtol": 0.1})
    assert "the integer 91 became 95" in message
    assert failures([stored], [fresh], {"integers": {"atol": 4}}) == []
    assert failures([stored], [fresh], {"integers": {"rtol": 0.04}})  # 91 * 0.04 = 3.64 < 4


def test_words_and_line_structure_are_compared_exactly_within_a_tolerance():
    assert failures([stream(LOG)], [stream(LOG.replace("loss", "lose"))], {"rtol": 1})
    assert failures([stream(LOG)], [stream(LOG + "extra line\n")], {"rtol": 1})
    # a class is an integer
    assert failures([stream("a 7 (100.0%)")], [stream("a 3 (59.1%)")], {"rtol": 1})


def test_padding_of_a_column_of_numbers_may_change():
    stored, fresh = (
        stream("p = [1.      1.      0.99999]"),
        stream("p = [1.      0.998   0.99999]"),
    )
    assert failures([stored], [fresh], {"atol": 1e-3}) == []
    # "1." is 1.00000 here: "0.999" decides: 1e-3 allowed
    assert failures([stored], [fresh], {"atol": 0})


def test_digits_inside_names_are_words():
    assert tol.split_numbers("conv2d_1 (Conv2D) (None, 26, 26, 32) 320") == (
        ["conv2d_1(Conv2D)(None,", ",", ",", ")", ""],
        ["26", "26", "32", "320"],
    )
    assert failures([stream("dense_1")], [stream("dense_2")], {"rtol": 1, "integers": {"atol": 1}})


def test_a_glued_value_is_compared_with_its_name():
    assert failures([glued("accuracy", "'98.1%'")], [glued("loss", "'98.1%'")], {"rtol": 1})
    assert (
        failures([glued("accuracy", "0.9812")], [glued("accuracy", "0.9813")], {"atol": 1e-3})
        == []
    )


def test_consecutive_pieces_of_a_stream_are_one_output():
    assert failures([stream("a 1\nb 2\n")], [stream("a 1\n"), stream("b 2\n")]) == []


def test_a_missing_or_extra_output_fails():
    assert failures([stream(LOG)], [stream(LOG), stream("oops", name="stderr")], {"rtol": 1})
    assert failures([stream(LOG), figure(np.zeros((4, 4, 3)))], [stream(LOG)], {"rtol": 1})


def test_figures_are_compared_by_rms_within_the_cells_tolerance():
    rng = np.random.default_rng(0)
    pixels = rng.integers(0, 256, size=(20, 30, 3))
    changed = pixels.copy()
    changed[0, :10] = 255 - changed[0, :10]  # 10 of 600 pixels changed
    rms = float(np.sqrt(((pixels - changed) ** 2).mean()))
    assert failures([figure(pixels)], [figure(pixels)]) == []
    # no tolerance declared: pixels compared exactly
    (message,) = failures([figure(pixels)], [figure(changed)])
    assert f"RMS {rms:.3f}" in message
    assert failures([figure(pixels)], [figure(changed)], {"figure_rms": rms * 1.01}) == []
    assert failures([figure(pixels)], [figure(changed)], {"figure_rms": rms * 0.99})


def test_a_figure_of_another_size_fails_unless_a_tolerance_allows_a_few_pixels():
    (message,) = failures([figure(np.zeros((20, 30, 3)))], [figure(np.zeros((20, 31, 3)))])
    assert "changed size" in message
    (message,) = failures(
        [figure(np.zeros((20, 30, 3)))], [figure(np.zeros((20, 30 + 5, 3)))], {"figure_rms": 255}
    )
    assert "changed size" in message


def test_a_figure_a_few_pixels_taller_is_compared_padded_at_its_best_alignment():
    rng = np.random.default_rng(1)
    pixels = rng.integers(0, 256, size=(20, 30, 3))
    taller = np.full((22, 30, 3), 255)
    taller[2:] = pixels  # two white rows on top: the same picture, a tight bounding box that grew
    assert failures([figure(pixels)], [figure(taller)], {"figure_rms": 0}) == []


def test_on_the_recording_cpu_everything_is_exact_whatever_the_cell_declares():
    fresh = LOG.replace("0.2212", "0.2213")
    assert failures([stream(LOG)], [stream(fresh)], {"rtol": 1}, foreign=False)
    pixels = np.zeros((8, 8, 3))
    other = pixels.copy()
    other[0, 0] = 1
    assert failures([figure(pixels)], [figure(other)], {"figure_rms": 255}, foreign=False)


def test_the_comparison_measures_the_largest_differences():
    result = tol.compare(
        tol.flatten([stream("loss 0.2230, 1.50e-03")]),
        tol.flatten([stream("loss 0.2212, 1.00e-03")]),
        {"rtol": 1},
    )
    # the loss: 0.0018, less one unit in the last place
    assert result.measured["abs"] == pytest.approx(0.0017)
    assert result.measured["rel"] == pytest.approx(0.5)  # 1.0e-3 -> 1.5e-3


@pytest.mark.parametrize(
    "declared, message",
    [
        ("loose", "must be a dict"),
        ({"rtol": -1}, "'rtol' must be a number >= 0"),
        ({"rtool": 1}, "keys from"),
        ({"integers": "maybe"}, "'exact' or"),
        ({"integers": {"atol": -1}}, "'exact' or"),
        ({"not_compared": ""}, "gives a reason"),
        ({"not_compared": "why", "rtol": 1}, "stands alone"),
        ({}, "must be a dict"),
    ],
)
def test_a_malformed_tolerance_is_refused(declared, message):
    cell = nbformat.v4.new_code_cell(metadata={"tolerance": declared})
    with pytest.raises(ValueError, match=message):
        tol.cell_tolerance(cell)


def test_last_place():
    assert tol.last_place("0.9912") == pytest.approx(1e-4)
    assert tol.last_place("98.1") == pytest.approx(0.1)
    assert tol.last_place("1,234") == 0 and tol.last_place("6.0e-08") == 0
