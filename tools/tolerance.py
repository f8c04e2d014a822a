"""How a notebook cell's fresh outputs are compared with the stored ones, here or on another CPU.

On the CPU that recorded a notebook (same fingerprint, utils.machine) every output is compared
exactly: text character for character, figures byte for byte. On another CPU a trained model's last
bits differ, and so do the last digits of what is printed from it. A cell whose outputs depend on
such bits declares, in its metadata, how far they may move there (and says why in `nbval_reason`):

    "tolerance": {"rtol": 0.002, "atol": 1e-4, "integers": {"atol": 3}, "figure_rms": 1.5}

- every number in the text is compared within `atol + rtol * |stored|`, plus one unit in the last
  printed place of a fixed-point number (a value that moves less than the tolerance can still round
  the other way; of the two numbers, the one printed with more decimals decides);
- integers (no decimal point, no exponent: counts, shapes, epochs) stay exact unless the cell gives
  them a tolerance of their own, `"integers": {"rtol": ..., "atol": ...}` (for counts such as
  "91 digits misclassified");
- everything between the numbers (words, punctuation, line structure) is compared exactly, except
  spaces (columns of numbers are padded to their widest number, so the padding moves with a digit);
- figures are compared with matplotlib's own image comparison: the RMS difference of the pixel
  values (0-255) at most `figure_rms` (matplotlib.testing.compare.calculate_rms). Their pixel size
  must match, except that in a cell with a tolerance it may move by up to SIZE_SLACK pixels (tick
  labels of another width move the inline backend's tight bounding box): both are then padded with
  white to one size, aligned at the corner or centre that gives the smallest RMS.

A cell may instead declare `"tolerance": {"not_compared": "why"}`: only for outputs that show a
sample which legitimately changes (which test digits a model gets wrong); the claims drawn from it
are asserted. Cells without a tolerance are compared exactly on every CPU, figures included (by
their pixels off the recording CPU, where PNG bytes can differ in metadata only if the pixels do).
"""

import base64
import io
import re
from collections import defaultdict

import numpy as np

FIGURES = ("image/png",)  # what matplotlib's inline backend stores for a figure
TEXT_KEYS = ("text", "text/plain", "text/html", "application/papermill.record/text/plain")
NOT_COMPARED = "not_compared"
KEYS = {"rtol", "atol", "integers", "figure_rms", NOT_COMPARED}
# A number is not part of a word: the 2 of "conv2d" and the 1 of "dense_1" are text.
NUMBER = re.compile(r"(?<![\w.])[-+]?(?:\d+(?:,\d{3})*(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?(?![\w])")


def cell_tolerance(cell):
    """The tolerance a cell declares (a dict, checked), or None."""
    tolerance = cell.metadata.get("tolerance")
    if tolerance is None:
        return None
    if not isinstance(tolerance, dict) or not set(tolerance) <= KEYS or not tolerance:
        raise ValueError(
            f"a cell's 'tolerance' must be a dict with keys from {sorted(KEYS)}; got {tolerance!r}"
        )
    if NOT_COMPARED in tolerance:
        if set(tolerance) != {NOT_COMPARED} or not str(tolerance[NOT_COMPARED]).strip():
            raise ValueError(
                f"'{NOT_COMPARED}' stands alone and gives a reason; got {tolerance!r}"
            )
        return tolerance
    for key in ("rtol", "atol", "figure_rms"):
        if not isinstance(tolerance.get(key, 0), (int, float)) or not tolerance.get(key, 0) >= 0:
            raise ValueError(f"tolerance {key!r} must be a number >= 0; got {tolerance[key]!r}")
    integers = tolerance.get("integers", "exact")
    if integers != "exact" and not (
        isinstance(integers, dict)
        and integers
        and set(integers) <= {"rtol", "atol"}
        and all(isinstance(v, (int, float)) and v >= 0 for v in integers.values())
    ):
        raise ValueError(
            f"tolerance 'integers' must be 'exact' or {{'rtol': r, 'atol': a}}; got {integers!r}"
        )
    return tolerance


def flatten(outputs, sanitize=lambda s: s):
    """{key: [values]} as nbval compares them: one list per stream text or MIME type, in order.

    Each glued value is under its name (nbval itself skips the metadata that names it)."""
    flat, previous = defaultdict(list), None
    for out in outputs:
        # consecutive pieces of one stream are one output, as in nbval
        if out.get("output_type") == "stream":
            key = "text" if out.get("name") == "stdout" else out.get("name")
            text = out.get("text", "")
            text = text if isinstance(text, str) else "".join(text)
            if previous == key:
                flat[key][-1] += text
            else:
                flat[key].append(text)
            previous = key
            continue
        previous = None
        if out.get("output_type") == "error":
            flat["error"].append(f"{out.get('ename')}: {out.get('evalue')}")
        for key, value in out.get("data", {}).items():
            value = (
                value
                if isinstance(value, str) or key not in TEXT_KEYS + FIGURES
                else "".join(value)
            )
            flat[key].append(
                value if key in FIGURES else sanitize(value) if isinstance(value, str) else value
            )
        name = out.get("metadata", {}).get("scrapbook", {}).get("name")
        if name:
            flat["glue name"].append(name)
    for key in ("text", "stderr"):
        if key in flat:
            flat[key] = [sanitize(text) for text in flat[key]]
    return dict(flat)


class Comparison:
    """The result of comparing one cell: its failures, and the largest differences measured.

    `failures` holds messages (empty when it passes); the rest is what was measured: the largest
    differences of its numbers and figures."""

    def __init__(self):
        self.failures = []
        # the smallest RMS of a stored figure from a white canvas
        self.measured = {
            "abs": 0.0,
            "rel": 0.0,
            "int_abs": 0,
            "figure_rms": 0.0,
            "figures": 0,
            "blank_rms": None,
        }
        # (|stored|, |difference| beyond one unit in the last place) of every number that moved
        self.pairs = []
        self.int_pairs = []  # the same for integers

    def note(self, key, value):
        self.measured[key] = max(self.measured[key], value)


def compare(test, ref, tolerance=None, foreign=True):
    """Compare flattened outputs `test` (fresh) with `ref` (stored) within `tolerance`.

    With `tolerance` None, exactly. Where the notebook was recorded on this CPU (`foreign` False)
    every output must be identical, figures byte for byte."""
    result = Comparison()
    if set(test) != set(ref):
        result.failures.append(
            f"the outputs are of other kinds: stored {sorted(ref)}, fresh {sorted(test)}"
        )
        return result
    for key in ref:
        if len(test[key]) != len(ref[key]):
            result.failures.append(
                f"{len(ref[key])} stored '{key}' outputs, {len(test[key])} fresh ones"
            )
            continue
        for stored, fresh in zip(ref[key], test[key]):
            if key in FIGURES:
                result.measured["figures"] += 1
                if stored != fresh and not foreign:
                    result.failures.append(
                        "a figure's PNG bytes differ (on the recording CPU figures are "
                        "compared byte for byte)"
                    )
                elif stored != fresh:
                    _compare_figures(stored, fresh, tolerance, result)
            elif stored != fresh:
                if (
                    tolerance is None
                    or not foreign
                    or not isinstance(stored, str)
                    or not isinstance(fresh, str)
                ):
                    result.failures.append(_text_failure(key, stored, fresh))
                else:
                    _compare_text(key, stored, fresh, tolerance, result)
    return result


def _text_failure(key, stored, fresh, why="differs"):
    stored_lines, fresh_lines = str(stored).splitlines(), str(fresh).splitlines()
    for k, (a, b) in enumerate(zip(stored_lines, fresh_lines)):
        if a != b:
            return f"'{key}' {why}, line {k + 1}:\n  stored: {a[:300]}\n  fresh:  {b[:300]}"
    return (
        f"'{key}' {why}: stored {len(stored_lines)} lines, fresh {len(fresh_lines)}:\n"
        f"  stored: {str(stored)[-300:]}\n  fresh:  {str(fresh)[-300:]}"
    )


def _compare_text(key, stored, fresh, tolerance, result):
    """Words exactly, numbers within the tolerance; records the largest differences in `result`."""
    stored_lines, fresh_lines = stored.splitlines(), fresh.splitlines()
    if len(stored_lines) != len(fresh_lines):
        result.failures.append(_text_failure(key, stored, fresh, "has another number of lines"))
        return
    for a, b in zip(stored_lines, fresh_lines):
        words_a, numbers_a = split_numbers(a)
        words_b, numbers_b = split_numbers(b)
        if words_a != words_b:
            result.failures.append(
                f"'{key}': the text between the numbers differs:\n  stored: {a[:300]}\n"
                f"  fresh:  {b[:300]}"
            )
            continue
        for x, y in zip(numbers_a, numbers_b):
            message = _compare_number(x, y, tolerance, result)
            if message:
                result.failures.append(
                    f"'{key}': {message}\n  stored: {a[:300]}\n  fresh:  {b[:300]}"
                )


def split_numbers(line):
    """(the text around the numbers, without spaces, and the numbers as printed) of one line.

    Spaces do not count: columns of numbers are padded to the widest one, so a changed digit count
    moves the padding."""
    parts = [re.sub(r"\s+", "", part) for part in NUMBER.split(line)]
    return parts, NUMBER.findall(line)


def _value(token):
    return float(token.replace(",", ""))


def _is_integer(token):
    return not any(c in token for c in ".eE")


def last_place(token):
    """One unit in the last printed place of a fixed-point number ('0.9912' -> 1e-4), else 0."""
    if _is_integer(token) or "e" in token.lower():
        return 0.0
    decimals = len(token.split(".")[1])
    return 10.0**-decimals


def _compare_number(stored, fresh, tolerance, result):
    """None if `fresh` is within tolerance of `stored`, else why not; records the difference."""
    x, y = _value(stored), _value(fresh)
    if _is_integer(stored) and _is_integer(fresh):
        result.note("int_abs", abs(x - y))
        if x != y:
            result.int_pairs.append((abs(x), abs(x - y)))
        integers = tolerance.get("integers", "exact")
        if x == y or (
            integers != "exact"
            and abs(x - y) <= integers.get("atol", 0) + integers.get("rtol", 0) * abs(x)
        ):
            return None
        return f"the integer {stored} became {fresh} (integers: {integers})"
    diff = abs(x - y)
    slack = min(last_place(stored), last_place(fresh))  # NumPy prints 1.0 as "1." beside "0.99999"
    result.note("abs", max(diff - slack, 0.0))
    if diff > slack:
        result.pairs.append((abs(x), diff - slack))
    if x != 0:
        result.note("rel", max(diff - slack, 0.0) / abs(x))
    allowed = tolerance.get("atol", 0.0) + tolerance.get("rtol", 0.0) * abs(x) + slack
    if diff <= allowed * (1 + 1e-12):
        return None
    return (
        f"{stored} became {fresh}: |difference| {diff:.3g} > {allowed:.3g} allowed "
        f"(atol {tolerance.get('atol', 0)}, rtol {tolerance.get('rtol', 0)}"
        f"{f', last place {slack:g}' if slack else ''})"
    )


def decode_png(value):
    """A PNG output (base64 text) as an array of 8-bit pixel values (H, W, channels)."""
    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(base64.b64decode(value))).convert("RGB"))


SIZE_SLACK = 4  # pixels: tick labels of another width move the inline backend's tight bounding box


def _close_sizes(a, b):
    return all(abs(m - n) <= SIZE_SLACK for m, n in zip(a[:2], b[:2]))


def _aligned(a, b):
    """Both images padded with white to one size, the smaller one at each corner and the centre."""
    height, width = max(a.shape[0], b.shape[0]), max(a.shape[1], b.shape[1])
    if a.shape == b.shape:
        return [(a, b)]

    def pad(image, top, left):
        canvas = np.full((height, width, 3), 255, dtype=image.dtype)
        canvas[top : top + image.shape[0], left : left + image.shape[1]] = image
        return canvas

    placements = []
    for fy in (0, 0.5, 1):
        for fx in (0, 0.5, 1):
            placements.append(
                (
                    pad(a, round(fy * (height - a.shape[0])), round(fx * (width - a.shape[1]))),
                    pad(b, round(fy * (height - b.shape[0])), round(fx * (width - b.shape[1]))),
                )
            )
    return placements


def _compare_figures(stored, fresh, tolerance, result):
    """Off the recording CPU: the same pixel size, and an RMS difference within the tolerance.

    The tolerance's default is 0."""
    from matplotlib.testing.compare import calculate_rms

    a, b = decode_png(stored), decode_png(fresh)
    if a.shape != b.shape and (tolerance is None or not _close_sizes(a.shape, b.shape)):
        result.failures.append(
            f"a figure changed size: stored {a.shape[1]}x{a.shape[0]} pixels, "
            f"fresh {b.shape[1]}x{b.shape[0]}"
        )
        return
    rms = min(
        float(calculate_rms(x.astype(np.int16), y.astype(np.int16))) for x, y in _aligned(a, b)
    )
    blank = float(calculate_rms(a.astype(np.int16), np.full_like(a, 255, dtype=np.int16)))
    result.measured["blank_rms"] = min(blank, result.measured["blank_rms"] or blank)
    result.note("figure_rms", rms)
    allowed = (tolerance or {}).get("figure_rms", 0.0)
    if rms > allowed:
        result.failures.append(
            f"a figure differs: RMS {rms:.3f} of pixel values (0-255) > {allowed} allowed "
            f"({'figure_rms of the cell' if tolerance else 'pixels compared exactly'})"
        )
