"""The page "Draw a digit" (draw_a_digit.md) in real Chromium, checked against Python and Keras.

Stored strokes (_static/draw/examples.json, which the page's example buttons draw too) are drawn on
the canvas with the mouse, once with real touch events, and by the example buttons. For each
drawing the page's own results are read back: the stroke points it recorded, the 28 x 28 input it
prepared from them, every layer's activations and the ten probabilities. The input must equal what
utils.transforms makes of the same strokes in Python (render_strokes, then mnist_style); every
layer must equal Keras' for that input, with the shipped weights, which must be chapter 4's (their
SHA-256 is the one chapter 4 glued). The same strokes must give the same input whatever the
screen's pixel density, and with canvas read-back perturbed as privacy-protecting browsers do. The
page's weight, load time, update times and every comparison land in _build/draw_page_report.json.
"""

import json
import re
import statistics
import time

import numpy as np
import pytest

from tools import export_draw_model
from tools.browser import AXE_RUN, BLOCKING, Visit, draw_strokes, drawing_area, set_scheme, settle
from tools.notebooks import ROOT, stored_glue

PAGE = "draw_a_digit.html"
EXAMPLES = json.loads((ROOT / "_static" / "draw" / "examples.json").read_text())
# the page inks strokes as render_strokes(strokes, size=280, width=22.5)
RASTER, PEN = 280, 280 * 9 / 112
# JavaScript's resize in float64 against TensorFlow's in float32: rounding, about 3e-7 (report)
INPUT_ATOL = 1e-5
# Every layer within 1e-5 of Keras', relative to the layer's largest value where that exceeds 1
# (NumPy's allclose also takes rtol=1e-5): the page sums in float64, Keras in float32, and Keras'
# sums of up to 5,408 products are off by several 1e-6 at logits of 20 to 30 (report:
# max_difference_from_keras).
LAYER_TOLERANCE = 1e-5
LAYERS = ("conv", "pooled", "hidden", "logits", "probabilities")
SHAPES = {
    "conv": (26, 26, 32),
    "pooled": (13, 13, 32),
    "hidden": (128,),
    "logits": (10,),
    "probabilities": (10,),
}
REPORT = ROOT / "_build" / "draw_page_report.json"
report = {"drawings": {}}


def chapter4_glue(name):
    """The text of a value chapter 4 glued, from its stored outputs."""
    return stored_glue("chapters/04_mnist_cnn.ipynb", name)


def test_the_shipped_weights_are_chapter_4s_trained_model():
    weights, digest, manifest = export_draw_model.read_weights()
    assert digest == manifest["sha256"], (
        "classic_cnn.bin does not match its manifest: run tools/export_draw_model.py"
    )
    assert digest == chapter4_glue("weights_sha256"), (
        "the page ships other weights than chapter 4 trained: refresh chapter 4 "
        "(tools/refresh_outputs.py exports them)"
    )
    from utils import numpy_cnn

    assert [w.shape for w in weights] == list(numpy_cnn.SHAPES)


@pytest.fixture(scope="module")
def keras_layers():
    """Chapter 4's model with the page's weights, as one function.

    Input (28, 28) -> every layer's output."""
    import keras

    from utils import explain, models

    model = models.mnist_cnn()
    model.set_weights(export_draw_model.read_weights()[0])
    conv, pool, _, hidden, _ = model.layers
    outputs = {
        name: keras.Model(model.inputs, layer.output)
        for name, layer in (
            ("conv", conv),
            ("pooled", pool),
            ("hidden", hidden),
            ("probabilities", model.layers[-1]),
        )
    }

    def layers(image):
        x = np.asarray(image, dtype=np.float32)[None, :, :, None]
        found = {name: np.asarray(f(x, training=False))[0] for name, f in outputs.items()}
        # the last Dense before its softmax
        found["logits"] = np.asarray(explain.class_scores(model, x))[0]
        return found

    layers.model = model
    return layers


@pytest.fixture(scope="module")
def visit(browser, site):
    """The page, opened once, with its model loaded."""
    started = time.perf_counter()
    visit = Visit(browser, site + PAGE)
    visit.page.wait_for_function(
        "window.cnnTestedDraw && window.cnnTestedDraw.ready", timeout=15000
    )
    report["load_seconds_to_ready"] = round(time.perf_counter() - started, 3)
    report["ready_ms_after_navigation_start"] = round(
        visit.page.evaluate("window.cnnTestedDraw.readyMs"), 1
    )
    report["page_bytes"] = sum(
        len(r.body()) for r in visit.responses if r.ok and r.request.method == "GET"
    )
    report["draw_files_bytes"] = {
        r.url.rsplit("/", 1)[1]: len(r.body())
        for r in visit.responses
        if "/_static/draw/" in r.url and r.ok
    }
    report["requests"] = len(visit.responses)
    yield visit
    visit.page.close()
    # every update while the digits were drawn with the mouse
    times = report.pop("update_ms_while_drawing", [])
    if times:
        report["update_ms_while_drawing"] = {
            "updates": len(times),
            "median": round(statistics.median(times), 2),
            "p95": round(float(np.percentile(times, 95)), 2),
            "max": round(max(times), 2),
        }
    REPORT.parent.mkdir(exist_ok=True)
    REPORT.write_text(json.dumps(report, indent=1) + "\n")


def page_results(page):
    """What the page computed: strokes, 28 x 28 input, every layer, prediction and texts."""
    result = page.evaluate("""() => {
        const state = window.cnnTestedDraw, layers = state.layers,
            text = s => document.querySelector(s).textContent;
        return {strokes: state.strokes, input: state.input && Array.from(state.input),
                layers: layers && Object.fromEntries(
                    Object.entries(layers).map(([k, v]) => [k, Array.from(v)])),
                prediction: state.prediction, status: text('.draw-status'),
                selected: state.selected,
                summaries: Object.fromEntries(['conv', 'pooled', 'hidden', 'logits'].map(
                    k => [k, text(`.draw-${k}-summary`)]))};
    }""")
    if result["input"] is not None:
        result["input"] = np.array(result["input"], dtype=np.float32).reshape(28, 28)
        result["layers"] = {k: np.array(v).reshape(SHAPES[k]) for k, v in result["layers"].items()}
    return result


def python_input(strokes):
    """What Python makes of the same strokes.

    Chapter 4's render_strokes at the page's size, then mnist_style."""
    from utils import transforms

    return transforms.mnist_style(transforms.render_strokes(strokes, size=RASTER, width=PEN))


def check_against_python(keras_layers, result, label, strokes=None):
    """The page's input against Python's for its strokes, every layer against Keras'.

    Returns the differences."""
    assert result["input"] is not None, f"{label}: the page prepared no input: {result['status']}"
    input_diff = float(np.abs(result["input"] - python_input(strokes or result["strokes"])).max())
    assert input_diff <= INPUT_ATOL, (
        f"{label}: the page's 28 x 28 input differs from Python's by {input_diff:.1e}"
    )
    expected = keras_layers(result["input"])
    diffs = {}
    for name in LAYERS:
        diffs[name] = float(np.abs(result["layers"][name] - expected[name]).max())
        tolerance = LAYER_TOLERANCE * max(1.0, float(np.abs(expected[name]).max()))
        assert diffs[name] <= tolerance, (
            f"{label}: the page's {name} differs from Keras' by {diffs[name]:.1e} (tolerance "
            f"{tolerance:.1e})"
        )
    assert result["prediction"] == int(expected["probabilities"].argmax()), (
        f"{label}: the page predicts {result['prediction']}, Keras "
        f"{expected['probabilities'].argmax()}"
    )
    return {
        "prediction": result["prediction"],
        "probability": round(float(result["layers"]["probabilities"].max()), 6),
        "max_input_difference": input_diff,
        "max_difference_from_keras": diffs,
    }


def assert_recorded(strokes, drawn, label):
    """The page recorded the strokes drawn.

    As many, each passing within a pixel of every point drawn."""
    assert len(strokes) == len(drawn), (
        f"{label}: {len(drawn)} strokes drawn, {len(strokes)} recorded"
    )
    for recorded, points in zip(strokes, drawn):
        gap = (
            np.abs(np.asarray(points)[:, None] - np.asarray(recorded)[None])
            .max(axis=2)
            .min(axis=1)
            .max()
            * RASTER
        )
        assert gap <= 1, (
            f"{label}: a point drawn is {gap:.1f} pixels from every point the page recorded"
        )


SCRIBBLE = [[[0.3, 0.3], [0.7, 0.7]], [[0.7, 0.3], [0.3, 0.7]]]  # an X, which is no digit


@pytest.mark.parametrize("name", sorted(EXAMPLES) + ["X"])
def test_the_page_inks_strokes_as_chapter_4s_render_strokes(visit, name):
    from utils import transforms

    strokes = SCRIBBLE if name == "X" else EXAMPLES[name]
    assert visit.page.evaluate("[cnnTestedDrawing.RASTER, cnnTestedDrawing.PEN]") == [RASTER, PEN]
    page = np.array(
        visit.page.evaluate("s => Array.from(cnnTestedDrawing.renderStrokes(s))", strokes)
    )
    python = transforms.render_strokes(strokes, size=RASTER, width=PEN).astype(np.float32)
    difference = np.abs(page.reshape(RASTER, RASTER) - python).max()
    assert difference <= 1e-6, (
        f"{name}: the page's ink differs from render_strokes' by {difference:.1e}"
    )


def contrast(rgb, text):
    """WCAG's contrast ratio of two colours (0-255 RGB)."""

    def luminance(colour):
        c = np.asarray(colour) / 255
        return float(
            np.dot(
                [0.2126, 0.7152, 0.0722],
                np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4),
            )
        )

    high, low = sorted((luminance(rgb), luminance(text)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.mark.parametrize("name, cmap", [("image", "IMAGE_CMAP"), ("signed", "SIGNED_CMAP")])
def test_the_page_colours_values_as_the_chapters_figures_do(visit, name, cmap):
    import matplotlib

    from utils import plots

    values = np.linspace(0, 1, 1001)
    page = np.array(
        visit.page.evaluate(
            f"vs => vs.map(v => cnnTestedDrawing.COLOUR_MAPS.{name}(v))", values.tolist()
        )
    )
    expected = matplotlib.colormaps[getattr(plots, cmap)](values)[:, :3] * 255
    assert np.abs(page - expected).max() <= 0.5 + 1e-9, (
        f"the page's {name} colours are not matplotlib's {getattr(plots, cmap)}"
    )
    texts = visit.page.evaluate("cs => cs.map(c => cnnTestedDrawing.textColour(c))", page.tolist())
    worst = min(
        contrast(c, (0, 0, 0) if t == "#000" else (255, 255, 255)) for c, t in zip(page, texts)
    )
    assert worst >= 4.5, (
        f"text written on the {name} colours reaches a contrast of only {worst:.2f} to 1"
    )


@pytest.mark.parametrize("digit", sorted(EXAMPLES))
def test_a_digit_drawn_with_the_mouse_gives_keras_activations(visit, keras_layers, digit):
    visit.page.evaluate("window.cnnTestedDraw.updateMs = []")
    draw_strokes(visit.page, EXAMPLES[digit])
    result = page_results(visit.page)
    assert_recorded(result["strokes"], EXAMPLES[digit], f"a drawn {digit}")
    report["drawings"][f"{digit} (mouse)"] = check_against_python(
        keras_layers, result, f"a drawn {digit}"
    )
    report.setdefault("update_ms_while_drawing", []).extend(
        visit.page.evaluate("window.cnnTestedDraw.updateMs")
    )
    # the recorded strokes are clear digits, and the example buttons promise them: the model must
    # read them so
    assert result["prediction"] == int(digit), (
        f"the drawn {digit} reads as a {result['prediction']}"
    )
    assert f"reads a {digit}," in result["status"], result["status"]


@pytest.mark.parametrize("digit", sorted(EXAMPLES))
def test_an_example_button_draws_the_stored_strokes(visit, keras_layers, digit):
    visit.page.locator(f'[data-example="{digit}"]').click()
    settle(visit.page)
    result = page_results(visit.page)
    assert result["strokes"] == EXAMPLES[digit]
    report["drawings"][f"{digit} (button)"] = check_against_python(
        keras_layers, result, f"the example {digit}", strokes=EXAMPLES[digit]
    )
    assert result["prediction"] == int(digit)


def test_something_that_is_no_digit_gives_keras_activations_too(visit, keras_layers):
    draw_strokes(visit.page, SCRIBBLE)
    result = page_results(visit.page)
    report["drawings"]["X (mouse)"] = check_against_python(keras_layers, result, "an X")


def test_a_tap_leaves_a_dot(visit, keras_layers):
    visit.page.locator(".draw-clear").click()
    box = drawing_area(visit.page)
    visit.page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    settle(visit.page)
    result = page_results(visit.page)
    assert len(result["strokes"]) == 1 and result["strokes"][0][0] == result["strokes"][0][-1]
    report["drawings"]["tap (mouse)"] = check_against_python(keras_layers, result, "a dot")


def test_the_maps_and_units_are_painted_on_one_scale_per_layer(visit):
    import matplotlib

    visit.page.locator('[data-example="7"]').click()
    settle(visit.page)
    result = page_results(visit.page)
    painted = visit.page.evaluate("""() => {
        const red = c => Array.from(c.getContext('2d').getImageData(0, 0, c.width, c.height).data)
            .filter((_, k) => k % 4 === 0);
        const maps = layer =>
            [...document.querySelectorAll(`.draw-${layer} .draw-map canvas`)].map(red);
        const bar = k => document.querySelector(`.draw-${k}-bar`);
        return {conv: maps('conv'), pooled: maps('pooled'),
                hidden: red(document.querySelector('.draw-hidden')),
                bars: ['conv', 'pooled', 'hidden'].map(
                    k => bar(k).querySelector('.draw-bar-high').textContent),
                labels: ['conv', 'pooled', 'hidden', 'logits', 'kernel'].map(
                    k => bar(k).ariaLabel)};
    }""")
    grey = matplotlib.colormaps["gray_r"]  # white is 0, black the layer's largest value
    for k, layer in enumerate(("conv", "pooled", "hidden")):
        values = result["layers"][layer]
        top = values.max()
        expected = np.round(grey(values / top)[..., 0] * 255)
        if layer == "hidden":  # 16 units to a row, unit 0 at the top left
            shown = np.array(painted["hidden"]).reshape(8, 16)
            expected = expected.reshape(8, 16)
        else:  # map f in tile f, row 0 at the top
            shown = np.stack(
                [np.array(m).reshape(values.shape[:2]) for m in painted[layer]], axis=-1
            )
        assert np.abs(shown - expected).max() <= 1, (
            f"the {layer} layer is not painted on its own one scale"
        )
        assert painted["bars"][k] == f"{top:.2f}", (
            f"the {layer} colour bar ends at {painted['bars'][k]}, not {top:.2f}"
        )
        assert painted["labels"][k] == f"Colour scale: from 0 (white) to {top:.2f} (black)"
    limit = np.abs(result["layers"]["logits"]).max()
    assert (
        painted["labels"][3]
        == f"Colour scale: from \u2212{limit:.1f} (blue) to {limit:.1f} (red, white at 0)"
    )


def test_the_texts_say_which_maps_and_units_respond_most(visit):
    visit.page.locator(".draw-clear").click()
    visit.page.locator('[data-example="3"]').click()
    settle(visit.page)
    result = page_results(visit.page)
    conv = result["layers"]["conv"]
    peaks = conv.max(axis=(0, 1))
    top = [int(f) for f in np.argsort(-peaks, kind="stable")[:3]]
    row, column = np.unravel_index(conv[:, :, top[0]].argmax(), conv.shape[:2])
    assert result["summaries"]["conv"].startswith(
        f"Strongest: map {top[0]} ({peaks[top[0]]:.2f} at row {row}, column {column}), map "
        f"{top[1]} "
    ), result["summaries"]["conv"]
    assert f"{int(np.sum(peaks <= 0))} of 32 maps are 0 everywhere" in result["summaries"]["conv"]
    labels = visit.page.eval_on_selector_all(
        ".draw-conv .draw-map", "tiles => tiles.map(t => t.ariaLabel)"
    )
    assert (
        labels[top[0]]
        == f"map {top[0]}: strongest {peaks[top[0]]:.2f} at row {row}, column {column}"
    )
    assert result["selected"] == top[0], (
        "until a map is chosen, the page shows the one that responds most"
    )
    pooled = result["layers"]["pooled"]
    prow, pcolumn = np.unravel_index(pooled[:, :, top[0]].argmax(), pooled.shape[:2])
    assert result["summaries"]["pooled"].startswith(
        f"Strongest: map {top[0]} ({pooled[:, :, top[0]].max():.2f} at row {prow}, column "
        f"{pcolumn})"
    )
    hidden = result["layers"]["hidden"]
    unit = int(hidden.argmax())
    assert result["summaries"]["hidden"].startswith(
        f"{int(np.sum(hidden > 0))} of 128 units are above 0; the strongest: unit {unit} "
        f"({hidden[unit]:.2f})"
    )
    logits = result["layers"]["logits"]
    first, second = np.argsort(-logits, kind="stable")[:2]
    assert result["summaries"]["logits"].startswith(
        f"{first} leads {second} by {logits[first] - logits[second]:.2f}: the softmax makes "
        f"{first} exp("
    )


def test_choosing_a_map_shows_its_kernel_and_the_pixels_it_reads(visit, keras_layers):
    import tensorflow as tf

    page = visit.page
    page.locator('[data-example="4"]').click()
    settle(page)
    result = page_results(page)
    kernel, bias = (np.asarray(w) for w in keras_layers.model.layers[0].get_weights())
    x = result["input"][None, :, :, None]
    before_relu = (tf.nn.conv2d(x, kernel, strides=1, padding="VALID") + bias).numpy()[0]
    for f in (int(before_relu.max(axis=(0, 1)).argmin()), 5):  # the weakest map, and map 5
        page.locator(f'.draw-conv .draw-map[data-channel="{f}"]').click()
        detail = page.evaluate("window.cnnTestedDraw.detail")
        assert detail["channel"] == f and page.evaluate("window.cnnTestedDraw.selected") == f
        assert np.array_equal(
            np.array(detail["kernel"], dtype=np.float32), kernel[:, :, 0, f].ravel()
        )
        shown = page.eval_on_selector_all(
            ".draw-kernel-table td", "cells => cells.map(c => c.textContent)"
        )
        written = [
            f"{v:.2f}".replace("-", "\u2212").replace("\u22120.00", "0.00")
            for v in kernel[:, :, 0, f].ravel()
        ]
        assert shown == written, f"map {f}: the kernel table shows {shown}"
        row, column = np.unravel_index(before_relu[:, :, f].argmax(), before_relu.shape[:2])
        assert (detail["row"], detail["column"]) == (row, column), (
            f"map {f}: the strongest value is elsewhere"
        )
        patch = result["input"][row : row + 3, column : column + 3].ravel()
        assert np.array_equal(np.array(detail["patch"], dtype=np.float32), patch)
        assert abs(detail["value"] - before_relu[row, column, f]) <= LAYER_TOLERANCE
        for layer in ("conv", "pooled"):
            checked = page.eval_on_selector_all(
                f".draw-{layer} .draw-map", "tiles => tiles.map(t => t.ariaChecked)"
            )
            assert checked == ["true" if k == f else "false" for k in range(32)]
        frame = page.eval_on_selector(
            ".draw-receptive", "e => [e.hidden, e.style.top, e.style.left]"
        )
        assert frame == [False, f"{100 * row / 28:g}%", f"{100 * column / 28:g}%"]
        pixels = page.eval_on_selector_all(
            ".draw-patch-table td", "cells => cells.map(c => c.textContent)"
        )
        assert pixels == [f"{v:.2f}" for v in patch], f"map {f}: the pixel table shows {pixels}"
        sentence = page.eval_on_selector(".draw-detail-sum", "e => e.textContent")
        total, shown_bias = round(float(before_relu[row, column, f]), 2), round(float(bias[f]), 2)
        # noqa: E731
        written = lambda v: f"{v:.2f}".replace("-", "\u2212").replace("\u22120.00", "0.00")
        ending = (
            ", the map's strongest value."
            if before_relu[row, column, f] > 0
            else ": no sum is above 0, so the ReLU makes the whole map 0."
        )
        assert sentence == (
            f"At row {row}, column {column}: the nine products sum to "
            f"{written(total - shown_bias)}, "
            f"plus the bias {written(shown_bias)} makes {written(total)}{ending}"
        )
        label = page.eval_on_selector(".draw-input", "e => e.ariaLabel")
        assert label.endswith(f"the 3 × 3 pixels map {f} reads at row {row}, column {column}"), (
            label
        )


def test_a_chosen_map_stays_chosen_across_examples_until_clear(visit):
    page = visit.page
    page.locator('[data-example="3"]').click()
    page.locator('.draw-conv .draw-map[data-channel="5"]').click()
    page.locator('[data-example="7"]').click()
    settle(page)
    assert page.evaluate("window.cnnTestedDraw.selected") == 5, (
        "an example button forgot the chosen map"
    )
    page.locator(".draw-clear").click()
    page.locator('[data-example="7"]').click()
    settle(page)
    peaks = page_results(page)["layers"]["conv"].max(axis=(0, 1))
    assert page.evaluate("window.cnnTestedDraw.selected") == int(peaks.argmax()), (
        "after Clear the page does not go back to the map that responds most"
    )


def test_the_keyboard_reaches_every_button_and_chooses_maps(visit):
    page = visit.page
    page.locator(".draw-clear").click()
    settle(page)  # the panel follows at the next frame: back to map 0 (nothing drawn)
    page.keyboard.press("Tab")  # from Clear to the first example button, in page order
    reached = []
    for _ in range(len(EXAMPLES)):
        reached.append(page.evaluate("document.activeElement.dataset.example || ''"))
        page.keyboard.press("Tab")
    assert reached == sorted(EXAMPLES), f"Tab from Clear reaches {reached}"
    selected = page.evaluate("window.cnnTestedDraw.selected")
    assert page.evaluate(
        "[document.activeElement.dataset.layer, +document.activeElement.dataset.channel]"
    ) == ["conv", selected], "Tab after the examples goes to the chosen feature map"
    # the maps are one stop each: the next stop is the pooled maps' group
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.dataset.layer") == "pooled"
    for key in (
        "ArrowRight",
        "ArrowDown",
        "ArrowLeft",
        "ArrowUp",
        "Home",
        "ArrowUp",
        "End",
        "ArrowDown",
    ):
        page.keyboard.press(key)  # the next or previous map, wrapping round; the first; the last
        expected = {"Home": 0, "End": 31}.get(
            key, (selected + (1 if key in ("ArrowRight", "ArrowDown") else -1)) % 32
        )
        assert page.evaluate(
            "[window.cnnTestedDraw.selected, +document.activeElement.dataset.channel]"
        ) == [expected, expected], f"{key} from map {selected} chooses map {expected}"
        selected = expected
    page.keyboard.press("Control+ArrowRight")  # with a modifier: the browser's, not the maps'
    assert page.evaluate("window.cnnTestedDraw.selected") == selected
    page.locator('[data-example="3"]').focus()
    page.keyboard.press("Enter")
    settle(page)
    assert page_results(page)["prediction"] == 3, (
        "the example 3, drawn from the keyboard, reads as another digit"
    )


def test_the_panel_has_no_serious_accessibility_violation(visit, axe_script):
    page = visit.page
    page.locator('[data-example="2"]').click()
    settle(page)
    if not page.evaluate("typeof window.axe === 'object'"):
        page.add_script_tag(path=str(axe_script))
    for scheme in ("light", "dark"):
        set_scheme(page, scheme)
        violations = page.evaluate(AXE_RUN, ".draw-digit")
        blocking = [v for v in violations if v["impact"] in BLOCKING]
        assert not blocking, f"{scheme}: " + "; ".join(
            f"{v['id']}: {v['help']} {v['nodes'][:3]}" for v in blocking
        )
    set_scheme(page, "light")


def test_the_page_needs_no_other_server_and_logs_no_error(visit):
    assert len(EXAMPLES) >= 3
    assert visit.problems == [], "\n".join(visit.problems)
    # MathJax: the book's one CDN (served locally offline)
    foreign = [
        r.url
        for r in visit.responses
        if not r.url.startswith(visit.page.url.rsplit("/", 1)[0])
        and "cdn.jsdelivr.net/npm/mathjax" not in r.url
    ]
    assert foreign == [], f"requests to other servers: {foreign}"


def test_clear_empties_the_drawing_and_the_results(visit):
    draw_strokes(visit.page, EXAMPLES["7"])
    visit.page.locator(".draw-clear").click()
    settle(visit.page)
    result = page_results(visit.page)
    assert result["strokes"] == [] and result["input"] is None and result["layers"] is None
    assert result["status"].startswith("Draw a digit")
    assert result["summaries"]["conv"] == "Draw a digit to see its maps."
    assert result["summaries"]["hidden"] == "Draw a digit to see its 128 units."
    assert visit.page.eval_on_selector(".draw-receptive", "e => e.hidden")
    labels = visit.page.eval_on_selector_all(".draw-map", "tiles => tiles.map(t => t.ariaLabel)")
    assert labels == [f"map {f}" for f in range(32)] * 2
    assert (
        visit.page.eval_on_selector_all(".draw-logit", "cells => cells.map(c => c.textContent)")
        == [""] * 10
    )


def test_a_stroke_ends_when_the_pointer_capture_is_lost(visit):
    page = visit.page
    page.locator(".draw-clear").click()
    box = drawing_area(page)
    page.evaluate("""() => document.querySelector('.draw-canvas').addEventListener('pointerdown',
        e => { window.lastPointer = e.pointerId; })""")
    page.mouse.move(box["x"] + 100, box["y"] + 100)
    page.mouse.down()
    page.mouse.move(box["x"] + 150, box["y"] + 100, steps=3)
    page.evaluate(
        "() => document.querySelector('.draw-canvas').releasePointerCapture(window.lastPointer)"
    )
    # the button is still down, but the stroke has ended
    page.mouse.move(box["x"] + 150, box["y"] + 200, steps=3)
    page.mouse.up()
    page.mouse.move(box["x"] + 50, box["y"] + 50)
    page.mouse.down()
    page.mouse.move(box["x"] + 60, box["y"] + 200, steps=3)
    page.mouse.up()
    settle(page)
    strokes = page.evaluate("window.cnnTestedDraw.strokes")
    assert len(strokes) == 2, f"{len(strokes)} strokes recorded"
    assert max(y for _, y in strokes[0]) * RASTER < 101, (
        "the first stroke went on after the capture was lost"
    )


def new_page(browser, site, problems, **context_options):
    """The page in a fresh browser context (touch, screen density, init scripts).

    Its model is loaded."""
    context = browser.new_context(**context_options)
    page = context.new_page()
    page.on("console", lambda m: m.type == "error" and problems.append(f"console: {m.text}"))
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("response", lambda r: r.status >= 400 and problems.append(f"HTTP {r.status}: {r.url}"))
    return context, page


def open_page(page, site):
    page.goto(site + PAGE)
    page.wait_for_function("window.cnnTestedDraw && window.cnnTestedDraw.ready", timeout=15000)


def test_touch_draws_too(browser, site, keras_layers):
    problems = []
    context, page = new_page(
        browser, site, problems, has_touch=True, viewport={"width": 420, "height": 900}
    )
    try:  # a phone-sized screen
        open_page(page, site)
        box = drawing_area(page)
        touch = context.new_cdp_session(page)
        for stroke in EXAMPLES["4"]:
            points = [
                {"x": box["x"] + x * box["width"], "y": box["y"] + y * box["height"]}
                for x, y in stroke
            ]
            touch.send(
                "Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [points[0]]}
            )
            for point in points[1:]:
                touch.send(
                    "Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [point]}
                )
            touch.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
        settle(page)
        result = page_results(page)
        assert_recorded(result["strokes"], EXAMPLES["4"], "a 4 drawn by touch")
        report["drawings"]["4 (touch)"] = check_against_python(
            keras_layers, result, "a 4 drawn by touch"
        )
        assert result["prediction"] == 4, f"the 4 drawn by touch reads as a {result['prediction']}"
        assert problems == [], "\n".join(problems)
    finally:
        context.close()


# Privacy-protecting browsers (Brave by default, Firefox with resistFingerprinting, Safari's
# private browsing) add noise to what a page reads back from a canvas. Here: one pixel in ten gets
# +1 in each channel.
NOISY_READ_BACK = """(() => {
    const read = CanvasRenderingContext2D.prototype.getImageData;
    CanvasRenderingContext2D.prototype.getImageData = function (...args) {
        const image = read.apply(this, args);
        for (let k = 0; k < image.data.length; k++) {
            if (Math.random() < 0.1) image.data[k] = Math.min(255, image.data[k] + 1);
        }
        return image;
    };
})();"""


def test_noisy_canvas_read_back_changes_nothing(browser, site, keras_layers):
    problems = []
    context, page = new_page(browser, site, problems)
    context.add_init_script(NOISY_READ_BACK)
    try:
        open_page(page, site)
        noise = page.evaluate("""() => {
            const c = document.createElement('canvas'), x = c.getContext('2d');
            return x.getImageData(0, 0, 50, 50).data.reduce((a, b) => a + b, 0); }""")
        assert noise > 0, "the read-back noise is not in effect: the test would prove nothing"
        for digit in ("7", "0"):
            page.locator(f'[data-example="{digit}"]').click()
            settle(page)
            result = page_results(page)
            report["drawings"][f"{digit} (button, noisy read-back)"] = check_against_python(
                keras_layers,
                result,
                f"the example {digit}, canvas read-back noisy",
                EXAMPLES[digit],
            )
            draw_strokes(page, EXAMPLES[digit])
            report["drawings"][f"{digit} (mouse, noisy read-back)"] = check_against_python(
                keras_layers, page_results(page), f"a drawn {digit}, canvas read-back noisy"
            )
        assert problems == [], "\n".join(problems)
    finally:
        context.close()


def test_a_high_dpi_screen_gets_a_sharp_canvas_and_the_same_input(browser, site, keras_layers):
    problems = []
    context, page = new_page(browser, site, problems, device_scale_factor=2)
    try:
        open_page(page, site)
        assert page.evaluate("document.querySelector('.draw-canvas').width") == 2 * RASTER, (
            "the canvas is not sharp"
        )
        page.locator('[data-example="2"]').click()
        settle(page)
        report["drawings"]["2 (button, density 2)"] = check_against_python(
            keras_layers, page_results(page), "the example 2 at twice the density", EXAMPLES["2"]
        )
        draw_strokes(page, EXAMPLES["2"])
        result = page_results(page)
        assert_recorded(result["strokes"], EXAMPLES["2"], "a 2 drawn at twice the density")
        report["drawings"]["2 (mouse, density 2)"] = check_against_python(
            keras_layers, result, "a 2 drawn at twice the density"
        )
        # the reader zooms out (half the density, a wider page): the canvas follows, the drawing
        # stays
        viewport = page.viewport_size
        context.new_cdp_session(page).send(
            "Emulation.setDeviceMetricsOverride",
            {
                "width": viewport["width"] + 200,
                "height": viewport["height"],
                "deviceScaleFactor": 1,
                "mobile": False,
            },
        )
        page.wait_for_function(
            f"document.querySelector('.draw-canvas').width === {RASTER}", timeout=5000
        )
        x, y = (round(v * RASTER) for v in EXAMPLES["2"][0][0])  # where the first stroke starts
        ink = page.evaluate(
            f"document.querySelector('.draw-canvas').getContext('2d')"
            f".getImageData({x}, {y}, 1, 1).data[0]"
        )
        assert ink == 255, "the drawing was not drawn again on the resized canvas"
        assert problems == [], "\n".join(problems)
    finally:
        context.close()


# ---- the Korean edition's page (ko/, tools/build_book.py): the same model, in Korean -----------

MESSAGES = json.loads((ROOT / "_static" / "draw" / "messages.json").read_text())
HANGUL = re.compile(r"[\uac00-\ud7a3]")
# words of the English messages that a Korean sentence must not keep (names such as ReLU, softmax,
# MNIST and exp stay)
ENGLISH = re.compile(
    r"\b(the|map|units?|row|column|reads?|draw|strongest|bias|stroke|everywhere)\b"
)


def test_every_message_the_panel_says_is_in_messages_json():
    script = (ROOT / "_static" / "draw" / "draw.mjs").read_text()
    said = set(re.findall(r'say\("([a-z_]+)"', script))
    said |= {k for k in MESSAGES if re.search(rf'"{k}"', script)}  # chosen by a condition
    # the colour names: say(`colour_${map}_low`) with map "signed" or "image"
    assert "say(`colour_${map}_low`)" in script and "say(`colour_${map}_high`)" in script
    said |= {f"colour_{m}_{end}" for m in ("signed", "image") for end in ("low", "high")}
    assert said == set(MESSAGES), (
        f"said but not in messages.json: {sorted(said - set(MESSAGES))}; "
        f"in messages.json but never said: {sorted(set(MESSAGES) - said)}"
    )


@pytest.fixture(scope="module")
def korean(browser, site):
    """The Korean edition's page, opened once, with its model loaded."""
    visit = Visit(browser, site + "ko/" + PAGE)
    visit.page.wait_for_function(
        "window.cnnTestedDraw && window.cnnTestedDraw.ready", timeout=15000
    )
    yield visit
    visit.page.close()


def panel_texts(page):
    """Every sentence and label the panel shows or gives to a screen reader, after a drawing."""
    return page.evaluate("""() => {
        const all = s => [...document.querySelectorAll(s)];
        return [...all('.draw-status, .draw-summary, .draw-stage-title, .draw-detail-title, '
                       + '.draw-detail-sum, .draw-help, .draw-clear, #draw-examples-label')
                    .map(e => e.textContent.trim()),
                ...all('[aria-label]').filter(e => e.closest('.draw-digit'))
                    .map(e => e.getAttribute('aria-label'))]
               .filter(t => /[A-Za-z]{3,}/.test(t) || /[\\uac00-\\ud7a3]/.test(t));
    }""")


@pytest.mark.parametrize("digit", ["2", "7"])
def test_the_korean_page_reads_a_drawing_as_the_english_one_and_says_so_in_korean(
    visit, korean, keras_layers, digit
):
    for page in (visit.page, korean.page):
        draw_strokes(page, EXAMPLES[digit])
        settle(page)
    english, result = page_results(visit.page), page_results(korean.page)
    # the same model and steps: the mouse lands on slightly different points of a canvas laid out
    # around Korean text, so each page is held to Python and Keras for the strokes it recorded
    assert result["prediction"] == english["prediction"] == int(digit)
    check_against_python(keras_layers, result, f"the Korean page's {digit}")
    texts = panel_texts(korean.page)
    assert len(texts) > 40, texts
    untranslated = [t for t in texts if not HANGUL.search(t) or ENGLISH.search(t)]
    assert not untranslated, f"English left on the Korean page: {untranslated[:5]}"
    assert digit in result["status"], result["status"]


def test_the_korean_page_has_no_console_error_and_no_serious_accessibility_violation(
    korean, axe_script
):
    for scheme in ("light", "dark"):
        set_scheme(korean.page, scheme)
        if not korean.page.evaluate("typeof window.axe === 'object'"):
            korean.page.add_script_tag(path=str(axe_script))
        violations = korean.page.evaluate(AXE_RUN)
        blocking = [v for v in violations if v["impact"] in BLOCKING]
        assert not blocking, [(v["id"], v["help"], v["nodes"][:2]) for v in blocking]
    assert korean.problems == [], korean.problems
