"""The built book in a real browser, for the browser tests and tools/build_pdf.py.

Build it, serve it on 127.0.0.1, and open pages in Debian's Chromium driven by Playwright (which
downloads no browser here).

MathJax normally comes from its CDN. Offline, MATHJAX_DIR names a local copy, served in the CDN's
place as the network would (`npm install mathjax@3.2.2`, then .../node_modules/mathjax).
"""

import contextlib
import functools
import http.server
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

from tools.notebooks import ROOT

MATHJAX_CDN = "https://cdn.jsdelivr.net/npm/mathjax@3/"


def required(name):
    """Whether the environment variable `name` (e.g. REQUIRE_BROWSER) is on.

    On: set, and not 0, false, no or off."""
    return os.environ.get(name, "").strip().lower() not in ("", "0", "false", "no", "off")


def chromium():
    """Path of a Chromium binary (CHROMIUM, or Debian's chromium on the PATH), or None."""
    candidates = [os.environ.get("CHROMIUM"), "chromium", "chromium-browser", "google-chrome"]
    return next((shutil.which(c) for c in candidates if c and shutil.which(c)), None)


def prebuilt(name, marker):
    """The folder or file that the environment variable `name` names, or None when unset.

    .ci/run builds the book once, before the tests, and names it in BOOK_HTML and BOOK_PDF. It must
    exist and hold `marker` (a file name inside a folder, or "" for a file): a stale or wrong name
    fails instead of testing something else."""
    value = os.environ.get(name, "").strip()
    if not value:
        return None
    path = Path(value).resolve()
    if not (path / marker).is_file():
        raise RuntimeError(
            f"{name}={value}: {path / marker if marker else path} does not exist (build the book "
            f"first, or unset {name} to let the tests build it)"
        )
    return path


def build_book(out, builder="html", language="en"):
    """Build one edition of the book from this checkout into out/_build/<builder>; return it.

    The Korean edition goes to out/_build/<builder>/ko, where the English edition's language switch
    finds it. Warnings are errors."""
    folder = Path(out) / "_build" / builder
    if language == "en":
        jupyter_book = (
            shutil.which("jupyter-book", path=str(Path(sys.executable).parent)) or "jupyter-book"
        )
        command = [
            jupyter_book,
            "build",
            str(ROOT),
            "--path-output",
            str(out),
            "--builder",
            builder,
        ]
        command += ["-W", "-n", "--keep-going"]
    else:
        folder = folder / language
        command = [sys.executable, str(ROOT / "tools" / "build_book.py"), "--language", language]
        command += ["--builder", builder, "--output", str(folder)]
    build = subprocess.run(command, capture_output=True, text=True)
    if build.returncode != 0:
        raise RuntimeError(
            f"the book does not build ({language}, {builder}):\n{build.stdout[-3000:]}\n"
            f"{build.stderr[-3000:]}"
        )
    return folder


def build_editions(out):
    """Build the English HTML edition and the Korean one inside it; return the English folder."""
    html = build_book(out)
    build_book(out, language="ko")
    return html


@contextlib.contextmanager
def serve(folder):
    """Serve `folder` on 127.0.0.1 on a free port; yields the base URL (ending in /)."""
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(folder))
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(
        self, *args
    ):  # one line per request on stderr would bury the tests' own output
        pass


class Visit:
    """A page opened in a fresh tab, recording every console error, failed request and response."""

    def __init__(self, browser, url, color_scheme="light", viewport=(1280, 900)):
        self.problems, self.responses = [], []
        self.page = browser.new_page(
            viewport={"width": viewport[0], "height": viewport[1]}, color_scheme=color_scheme
        )
        self.page.on(
            "console", lambda m: m.type == "error" and self.problems.append(f"console: {m.text}")
        )
        self.page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
        self.page.on(
            "requestfailed", lambda r: self.problems.append(f"failed: {r.url} ({r.failure})")
        )
        self.page.on("response", self._response)
        mathjax = os.environ.get("MATHJAX_DIR")
        if mathjax:
            self.page.route(MATHJAX_CDN + "**", lambda route: _serve_local(route, Path(mathjax)))
        self.page.goto(url, wait_until="load")
        self.page.wait_for_load_state("networkidle")

    def _response(self, response):
        self.responses.append(response)
        if response.status >= 400:
            self.problems.append(f"HTTP {response.status}: {response.url}")

    def wait_for_math(self):
        """Wait until MathJax has typeset the page, if it has formulas.

        Returns how many formulas stayed untypeset."""
        if not self.page.locator(".math").count():
            return 0
        self.page.wait_for_function(
            "window.MathJax && MathJax.startup && MathJax.startup.promise", timeout=15000
        )
        self.page.evaluate("MathJax.startup.promise")
        return self.page.locator(".math:not(:has(mjx-container))").count()


def _serve_local(route, mathjax):
    path = mathjax / route.request.url.removeprefix(MATHJAX_CDN).split("?")[0]
    if path.is_file():
        route.fulfill(path=str(path))
    else:
        route.fulfill(status=404, body=f"not in the local MathJax copy: {path}")


AXE_DIR = Path(os.environ.get("AXE_DIR", ROOT / ".ci" / "cache" / "node_modules" / "axe-core"))
BLOCKING = ("serious", "critical")  # axe-core's two highest impacts: these fail the tests
# axe-core's audit of the page, or of the element that a CSS selector (the argument) names:
# its violations
AXE_RUN = """async (selector) => (await axe.run(
    selector ? document.querySelector(selector) : document,
    {resultTypes: ['violations']})).violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => n.target.join(' '))}))"""


# The theme's colours do not jump when the mode changes: CSS transitions (Bootstrap's 0.15 s on
# buttons such as the search field, sphinx-copybutton's 0.3 s on the copy buttons) fade them from
# the old mode's to the new one's. Midway the search field's text and background cross (light to
# dark: 1.05:1 about 90 ms in), though both end states pass (6.8:1 light, 5.2:1 dark). An audit
# started as soon as data-theme had changed sometimes read the colours mid-fade and reported
# color-contrast (serious) on the search field's text, in dark mode on whichever page axe reached
# the button within those 0.15 s (chapter 10 in CI). The colours are the new mode's once no CSS
# transition is running. CSS animations are not waited for: the mode switch starts none, and one
# may run forever.
TRANSITIONS_DONE = """() => !document.getAnimations().some(
    a => a instanceof CSSTransition && a.playState !== 'finished')"""


def set_scheme(page, scheme):
    """Switch the reader's system to light or dark, and wait until the theme has followed.

    The theme (default_mode: auto in _config.yml) must follow, and its colours must have finished
    their transition to the new mode's (see TRANSITIONS_DONE)."""
    page.emulate_media(color_scheme=scheme)
    page.wait_for_function(
        "s => document.documentElement.dataset.theme === s", arg=scheme, timeout=5000
    )
    page.wait_for_function(TRANSITIONS_DONE, timeout=5000)


# ---- the page "Draw a digit": shared by tests/test_draw_page.py and bench/draw_update.py ----


def settle(page):
    """Wait two animation frames (the draw page updates once per frame)."""
    page.evaluate(
        "() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))"
    )


def drawing_area(page):
    """The canvas' drawing area on the screen, inside its border.

    As Playwright's box: {x, y, width, height}."""
    box = page.locator(".draw-canvas").bounding_box()
    border = page.evaluate(
        "parseFloat(getComputedStyle(document.querySelector('.draw-canvas')).borderTopWidth)"
    )
    return {
        "x": box["x"] + border,
        "y": box["y"] + border,
        "width": box["width"] - 2 * border,
        "height": box["height"] - 2 * border,
    }


def draw_strokes(page, strokes):
    """On the page "Draw a digit": Clear, then draw strokes with the mouse.

    Each stroke is a list of points in [0, 1]; the mouse takes 4 moves a segment."""
    page.locator(".draw-clear").click()
    page.locator(".draw-canvas").scroll_into_view_if_needed()
    box = drawing_area(page)
    at = lambda x, y: (box["x"] + x * box["width"], box["y"] + y * box["height"])  # noqa: E731
    for stroke in strokes:
        page.mouse.move(*at(*stroke[0]))
        page.mouse.down()
        for x, y in stroke[1:]:
            page.mouse.move(*at(x, y), steps=4)
        page.mouse.up()
    settle(page)
