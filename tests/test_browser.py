"""The built book as a reader meets it: every page opened in headless Chromium.

Needs Chromium (Debian: `apt-get install chromium`; or set CHROMIUM to a browser binary) and is skipped,
saying so, only when there is none (with REQUIRE_BROWSER=1, as in CI, it fails instead). MathJax normally comes from its CDN; offline, set MATHJAX_DIR to a
local copy (`npm install mathjax@3`, then .../node_modules/mathjax) and the test serves the CDN's URLs
from it, as the network would. Full-page screenshots land in _build/screenshots/.
"""
import functools
import http.server
import os
import re
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import yaml

from tools.notebooks import ROOT, toc_files

playwright = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (see requirements.txt)")

CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text())
REPO = CONFIG["repository"]["url"].removeprefix("https://github.com/")
BRANCH = CONFIG["repository"]["branch"]
MATHJAX_CDN = "https://cdn.jsdelivr.net/npm/mathjax@3/"
SCREENSHOTS = ROOT / "_build" / "screenshots"


def toc_pages():
    """HTML paths of every page in _toc.yml, plus the search and index pages Sphinx adds."""
    return [f + ".html" for f in toc_files()] + ["genindex.html", "search.html"]


PAGES = toc_pages()
NOTEBOOK_PAGES = [p for p in PAGES if (ROOT / p).with_suffix(".ipynb").exists()]


def chromium():
    """Path of a Chromium binary, or None."""
    candidates = [os.environ.get("CHROMIUM"), "chromium", "chromium-browser", "google-chrome"]
    return next((shutil.which(c) for c in candidates if c and shutil.which(c)), None)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The book built from this checkout, served on 127.0.0.1: yields its base URL."""
    out = tmp_path_factory.mktemp("book")
    jupyter_book = shutil.which("jupyter-book", path=str(Path(sys.executable).parent)) or "jupyter-book"
    build = subprocess.run([jupyter_book, "build", str(ROOT), "--path-output", str(out), "-W", "-n", "--keep-going"],
                           capture_output=True, text=True)
    assert build.returncode == 0, f"the book does not build:\n{build.stdout[-3000:]}\n{build.stderr[-3000:]}"
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(out / "_build" / "html"))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


@pytest.fixture(scope="module")
def browser():
    binary = chromium()
    if binary is None:
        reason = "no Chromium found: install Debian's chromium (apt-get install chromium) or set CHROMIUM"
        if os.environ.get("REQUIRE_BROWSER"):
            pytest.fail(reason + " (REQUIRE_BROWSER is set: the browser test may not be skipped)")
        pytest.skip(reason)
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=binary, args=["--no-sandbox"])
        yield browser
        browser.close()


class Visit:
    """One page opened in a fresh tab, with every console error and failed request recorded."""

    def __init__(self, browser, url):
        self.problems = []
        self.page = browser.new_page(viewport={"width": 1280, "height": 900})
        self.page.on("console", lambda m: m.type == "error" and self.problems.append(f"console: {m.text}"))
        self.page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
        self.page.on("requestfailed", lambda r: self.problems.append(f"failed: {r.url} ({r.failure})"))
        self.page.on("response", lambda r: r.status >= 400 and self.problems.append(f"HTTP {r.status}: {r.url}"))
        mathjax = os.environ.get("MATHJAX_DIR")
        if mathjax:
            self.page.route(MATHJAX_CDN + "**", lambda route: _serve_local(route, Path(mathjax)))
        self.page.goto(url, wait_until="load")
        self.page.wait_for_load_state("networkidle")


def _serve_local(route, mathjax):
    path = mathjax / route.request.url.removeprefix(MATHJAX_CDN).split("?")[0]
    if path.is_file():
        route.fulfill(path=str(path))
    else:
        route.fulfill(status=404, body=f"not in the local MathJax copy: {path}")


@pytest.mark.parametrize("page_path", PAGES)
def test_page_reads_cleanly(browser, site, page_path):
    visit = Visit(browser, site + page_path)
    page = visit.page
    if page.locator(".math").count():
        page.wait_for_function("window.MathJax && MathJax.startup && MathJax.startup.promise", timeout=15000)
        page.evaluate("MathJax.startup.promise")
        unrendered = page.locator(".math:not(:has(mjx-container))").count()
        assert unrendered == 0, f"{unrendered} formulas were not typeset by MathJax"
    images = page.evaluate("""[...document.images].map(i => ({src: i.currentSrc || i.src, alt: i.alt,
                                                              width: i.naturalWidth}))""")
    assert not [i["src"] for i in images if i["width"] == 0], "images that did not load"
    assert not [i["src"] for i in images if not i["alt"].strip()], "images without alt text"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / (page_path.replace("/", "_").removesuffix(".html") + ".png")),
                    full_page=True)
    assert visit.problems == [], "\n".join(visit.problems)
    page.close()


@pytest.mark.parametrize("page_path", NOTEBOOK_PAGES)
def test_notebook_page_has_code_outputs_and_launch_buttons(browser, site, page_path):
    page = Visit(browser, site + page_path).page
    assert page.locator(".cell_input").count() > 0 and page.locator(".cell_output").count() > 0
    links = page.evaluate("[...document.querySelectorAll('a')].map(a => a.href)")
    notebook = page_path.removesuffix(".html") + ".ipynb"
    assert f"https://mybinder.org/v2/gh/{REPO}/{BRANCH}?urlpath=lab/tree/{notebook}" in links
    assert f"https://colab.research.google.com/github/{REPO}/blob/{BRANCH}/{notebook}" in links
    page.close()


def test_search_finds_convolution(browser, site):
    page = Visit(browser, site + "search.html?q=convolution").page
    page.wait_for_selector("#search-results li", timeout=15000)
    titles = page.locator("#search-results li a").all_inner_texts()
    assert any(re.search("convolution", t, re.I) for t in titles), f"search results: {titles}"
    page.close()
