"""The page "Draw a digit" (draw_a_digit.md) in real Chromium, checked against Python and Keras.

Stored strokes (_static/draw/examples.json, which the page's example buttons draw too) are drawn on the canvas
with the mouse, and once with real touch events. For each digit the page's own results are read back: the
drawing's pixels, the 28 x 28 input it prepared and its ten probabilities. The input must equal what
utils.transforms.mnist_style makes of the same pixels in Python; the probabilities must equal what Keras gives for
that input with the shipped weights, which must be chapter 4's (their SHA-256 is the one chapter 4 glued).
The page's weight, load time and every comparison land in _build/draw_page_report.json.
"""
import json
import time

import numpy as np
import pytest

from tools import export_draw_model
from tools.browser import Visit
from tools.notebooks import ROOT, stored_glue

PAGE = "draw_a_digit.html"
EXAMPLES = json.loads((ROOT / "_static" / "draw" / "examples.json").read_text())
INPUT_ATOL = 1e-5  # JavaScript in float64 against TensorFlow's float32 resize: rounding, about 1e-7 (report)
PROBABILITY_ATOL = 1e-5  # JavaScript in float64 against Keras in float32: rounding, about 1e-7 (report)
REPORT = ROOT / "_build" / "draw_page_report.json"
report = {"digits": {}}


def chapter4_glue(name):
    """The text of a value chapter 4 glued, from its stored outputs."""
    return stored_glue("chapters/04_mnist_cnn.ipynb", name)


def test_the_shipped_weights_are_chapter_4s_trained_model():
    weights, digest, manifest = export_draw_model.read_weights()
    assert digest == manifest["sha256"], "classic_cnn.bin does not match its manifest: run tools/export_draw_model.py"
    assert digest == chapter4_glue("weights_sha256"), \
        "the page ships other weights than chapter 4 trained: refresh chapter 4 (tools/refresh_outputs.py exports them)"
    from utils import numpy_cnn

    assert [w.shape for w in weights] == list(numpy_cnn.SHAPES)


@pytest.fixture(scope="module")
def keras_model():
    """The Keras model of chapter 4's recipe with the page's weights."""
    from utils import models

    model = models.mnist_cnn()
    model.set_weights(export_draw_model.read_weights()[0])
    return model


@pytest.fixture(scope="module")
def visit(browser, site):
    """The page, opened once, with its model loaded."""
    started = time.perf_counter()
    visit = Visit(browser, site + PAGE)
    visit.page.wait_for_function("window.cnnTestedDraw && window.cnnTestedDraw.ready", timeout=15000)
    report["load_seconds_to_ready"] = round(time.perf_counter() - started, 3)
    report["ready_ms_after_navigation_start"] = round(visit.page.evaluate("window.cnnTestedDraw.readyMs"), 1)
    report["page_bytes"] = sum(len(r.body()) for r in visit.responses if r.ok and r.request.method == "GET")
    report["requests"] = len(visit.responses)
    yield visit
    visit.page.close()
    REPORT.parent.mkdir(exist_ok=True)
    REPORT.write_text(json.dumps(report, indent=1) + "\n")


def settle(page):
    """Wait two animation frames: the page classifies once per frame."""
    page.evaluate("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")


def page_results(page):
    """What the page computed: the drawing's ink (H, W), its 28 x 28 input and its ten probabilities."""
    result = page.evaluate("""() => {
        const canvas = document.querySelector('.draw-canvas'), state = window.cnnTestedDraw;
        const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
        return {red: Array.from(pixels.filter((_, k) => k % 4 === 0)), height: canvas.height, width: canvas.width,
                input: state.input && Array.from(state.input), probabilities: state.probabilities && Array.from(state.probabilities),
                prediction: state.prediction, status: document.querySelector('.draw-status').textContent};
    }""")
    ink = np.array(result["red"], dtype=np.float32).reshape(result["height"], result["width"]) / np.float32(255)
    return ink, result


def drawing_area(page):
    """The canvas' drawing area on the screen, inside its border: {x, y, width, height}."""
    return page.evaluate("""() => { const c = document.querySelector('.draw-canvas'), r = c.getBoundingClientRect();
        return {x: r.left + c.clientLeft, y: r.top + c.clientTop, width: c.clientWidth, height: c.clientHeight}; }""")


def draw_with_mouse(page, strokes):
    page.locator(".draw-clear").click()
    box = drawing_area(page)
    at = lambda x, y: (box["x"] + x * box["width"], box["y"] + y * box["height"])  # noqa: E731
    for stroke in strokes:
        page.mouse.move(*at(*stroke[0]))
        page.mouse.down()
        for x, y in stroke[1:]:
            page.mouse.move(*at(x, y), steps=4)
        page.mouse.up()
    settle(page)


def check_against_python(keras_model, ink, result, label):
    """The page's input against mnist_style, its probabilities against Keras; returns the differences."""
    from utils import transforms

    assert result["input"] is not None, f"{label}: the page prepared no input: {result['status']}"
    page_input = np.array(result["input"], dtype=np.float32).reshape(28, 28)
    python_input = transforms.mnist_style(ink)
    input_diff = float(np.abs(page_input - python_input).max())
    assert input_diff <= INPUT_ATOL, f"{label}: the page's 28 x 28 input differs from mnist_style's by {input_diff:.1e}"
    keras_probabilities = keras_model.predict(page_input[None, :, :, None], verbose=0)[0]
    page_probabilities = np.array(result["probabilities"])
    probability_diff = float(np.abs(page_probabilities - keras_probabilities).max())
    assert result["prediction"] == int(keras_probabilities.argmax()), \
        f"{label}: the page predicts {result['prediction']}, Keras {keras_probabilities.argmax()}"
    assert probability_diff <= PROBABILITY_ATOL, f"{label}: probabilities differ from Keras' by {probability_diff:.1e}"
    return {"prediction": result["prediction"], "probability": round(float(page_probabilities.max()), 6),
            "max_input_difference": input_diff, "max_probability_difference": probability_diff}


@pytest.mark.parametrize("digit", sorted(EXAMPLES))
def test_a_digit_drawn_with_the_mouse_gives_keras_probabilities(visit, keras_model, digit):
    draw_with_mouse(visit.page, EXAMPLES[digit])
    ink, result = page_results(visit.page)
    report["digits"][digit] = check_against_python(keras_model, ink, result, f"a drawn {digit}")
    # the recorded strokes are clear digits, and the example buttons promise them: the model must read them so
    assert result["prediction"] == int(digit), f"the drawn {digit} reads as a {result['prediction']}"
    assert f"reads a {digit}," in result["status"], result["status"]


def test_an_ambiguous_scribble_gives_keras_probabilities_too(visit, keras_model):
    # the digits above get probabilities near 1, which would hide a wrong logit; an X spreads them over classes
    scribble = [[[0.3, 0.3], [0.7, 0.7]], [[0.7, 0.3], [0.3, 0.7]]]
    draw_with_mouse(visit.page, scribble)
    ink, result = page_results(visit.page)
    report["digits"]["scribble"] = check_against_python(keras_model, ink, result, "a scribble")
    assert max(result["probabilities"]) < 0.99, f"the scribble is not ambiguous: {np.round(result['probabilities'], 3)}"


def test_the_page_needs_no_other_server_and_logs_no_error(visit):
    assert len(EXAMPLES) >= 3
    assert visit.problems == [], "\n".join(visit.problems)
    foreign = [r.url for r in visit.responses if not r.url.startswith(visit.page.url.rsplit("/", 1)[0])
               and "cdn.jsdelivr.net/npm/mathjax" not in r.url]  # MathJax: the book's one CDN (served locally offline)
    assert foreign == [], f"requests to other servers: {foreign}"


def test_clear_empties_the_drawing_and_the_results(visit):
    draw_with_mouse(visit.page, EXAMPLES["7"])
    visit.page.locator(".draw-clear").click()
    settle(visit.page)
    ink, result = page_results(visit.page)
    assert ink.max() == 0 and result["input"] is None and result["probabilities"] is None
    assert result["status"].startswith("Draw a digit")


def test_touch_draws_too(browser, site, keras_model):
    context = browser.new_context(has_touch=True, viewport={"width": 420, "height": 900})  # a phone-sized screen
    try:
        problems = []
        page = context.new_page()
        page.on("console", lambda m: m.type == "error" and problems.append(f"console: {m.text}"))
        page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
        page.on("response", lambda r: r.status >= 400 and problems.append(f"HTTP {r.status}: {r.url}"))
        page.goto(site + PAGE)
        page.wait_for_function("window.cnnTestedDraw && window.cnnTestedDraw.ready", timeout=15000)
        box = drawing_area(page)
        touch = context.new_cdp_session(page)
        for stroke in EXAMPLES["4"]:
            points = [{"x": box["x"] + x * box["width"], "y": box["y"] + y * box["height"]} for x, y in stroke]
            touch.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [points[0]]})
            for point in points[1:]:
                touch.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [point]})
            touch.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
        settle(page)
        ink, result = page_results(page)
        report["digits"]["4 (touch)"] = check_against_python(keras_model, ink, result, "a 4 drawn by touch")
        assert result["prediction"] == 4, f"the 4 drawn by touch reads as a {result['prediction']}"
        assert problems == [], "\n".join(problems)
    finally:
        context.close()


def test_the_keyboard_reaches_every_button_and_draws_an_example(visit):
    page = visit.page
    page.locator(".draw-clear").click()
    page.keyboard.press("Tab")  # from Clear to the first example button, in page order
    reached = []
    for _ in range(len(EXAMPLES)):
        reached.append(page.evaluate("document.activeElement.dataset.example || ''"))
        page.keyboard.press("Tab")
    assert reached == sorted(EXAMPLES), f"Tab from Clear reaches {reached}"
    page.locator('[data-example="3"]').focus()
    page.keyboard.press("Enter")
    settle(page)
    _, result = page_results(page)
    assert result["prediction"] == 3, f"the example 3, drawn from the keyboard, reads as a {result['prediction']}"
