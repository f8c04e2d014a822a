"""The built book as a reader meets it: every page opened in headless Chromium.

Needs Chromium (Debian: `apt-get install chromium`; or set CHROMIUM to a browser binary) and is skipped,
saying so, only when there is none (with REQUIRE_BROWSER=1, as in CI, it fails instead). MathJax normally comes
from its CDN; offline, set MATHJAX_DIR to a local copy (`npm install mathjax@3.2.2`, then .../node_modules/mathjax)
and the test serves the CDN's URLs from it, as the network would. Full-page screenshots land in _build/screenshots/.

Accessibility: axe-core (`npm install axe-core@4.14.1`; AXE_DIR names its folder, by default .ci/cache's copy)
audits every page in light and in dark mode and fails on any serious or critical violation; each page's full list
of violations lands in _build/axe/. The keyboard alone must reach the search field, the launch buttons and the
exercises' solutions, and open each.
"""
import json
import os
import re
from pathlib import Path

import pytest
import yaml

from tools.browser import Visit, prebuilt, required
from tools.notebooks import ROOT, toc_files

CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text())
REPO = CONFIG["repository"]["url"].removeprefix("https://github.com/")
BRANCH = CONFIG["repository"]["branch"]
SCREENSHOTS = ROOT / "_build" / "screenshots"
AXE_DIR = Path(os.environ.get("AXE_DIR", ROOT / ".ci" / "cache" / "node_modules" / "axe-core"))
AXE_REPORTS = ROOT / "_build" / "axe"
BLOCKING = ("serious", "critical")  # axe-core's two highest impacts: these fail the test
AXE_RUN = """async () => (await axe.run(document, {resultTypes: ['violations']})).violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => n.target.join(' '))}))"""


def toc_pages():
    """HTML paths of every page in _toc.yml, plus the search and index pages Sphinx adds."""
    return [f + ".html" for f in toc_files()] + ["genindex.html", "search.html"]


PAGES = toc_pages()
NOTEBOOK_PAGES = [p for p in PAGES if (ROOT / p).with_suffix(".ipynb").exists()]


@pytest.fixture(scope="module", params=PAGES)
def opened(request, browser, site):
    """One page of the book, opened once (in light mode) for every test about it, its formulas typeset."""
    visit = Visit(browser, site + request.param)
    visit.path, visit.untypeset = request.param, visit.wait_for_math()
    yield visit
    visit.page.close()


def test_page_reads_cleanly(opened):
    page, path = opened.page, opened.path
    assert opened.untypeset == 0, f"{opened.untypeset} formulas were not typeset by MathJax"
    images = page.evaluate("""[...document.images].map(i => ({src: i.currentSrc || i.src, alt: i.alt,
                                                              width: i.naturalWidth}))""")
    assert not [i["src"] for i in images if i["width"] == 0], "images that did not load"
    assert not [i["src"] for i in images if not i["alt"].strip()], "images without alt text"
    if path in NOTEBOOK_PAGES:  # a chapter: its code, its outputs, and the buttons that run it elsewhere
        assert page.locator(".cell_input").count() > 0 and page.locator(".cell_output").count() > 0
        links = page.evaluate("[...document.querySelectorAll('a')].map(a => a.href)")
        notebook = path.removesuffix(".html") + ".ipynb"
        assert f"https://mybinder.org/v2/gh/{REPO}/{BRANCH}?urlpath=lab/tree/{notebook}" in links
        assert f"https://colab.research.google.com/github/{REPO}/blob/{BRANCH}/{notebook}" in links
    set_scheme(page, "light")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / (path.replace("/", "_").removesuffix(".html") + ".png")), full_page=True)
    assert opened.problems == [], "\n".join(opened.problems)


# The theme's colours do not jump when the mode changes: CSS transitions (Bootstrap's 0.15 s on buttons such as the
# search field, sphinx-copybutton's 0.3 s on the copy buttons) fade them from the old mode's to the new one's. Midway
# the search field's text and background cross (light to dark: 1.05:1 about 90 ms in), though both end states pass
# (6.8:1 light, 5.2:1 dark). An audit started as soon as data-theme had changed sometimes read the colours mid-fade
# and reported color-contrast (serious) on the search field's text, in dark mode on whichever page axe reached the
# button within those 0.15 s (chapter 10 in CI). The colours are the new mode's once no CSS transition is running.
# CSS animations are not waited for: the mode switch starts none, and one may run forever.
TRANSITIONS_DONE = """() => !document.getAnimations().some(a => a instanceof CSSTransition && a.playState !== 'finished')"""


def set_scheme(page, scheme):
    """Switch the reader's system to light or dark; the theme (default_mode: auto in _config.yml) must follow, and
    its colours must have finished their transition to the new mode's (see TRANSITIONS_DONE)."""
    page.emulate_media(color_scheme=scheme)
    page.wait_for_function("s => document.documentElement.dataset.theme === s", arg=scheme, timeout=5000)
    page.wait_for_function(TRANSITIONS_DONE, timeout=5000)


def test_search_finds_convolution(browser, site):
    page = Visit(browser, site + "search.html?q=convolution").page
    page.wait_for_selector("#search-results li", timeout=15000)
    titles = page.locator("#search-results li a").all_inner_texts()
    assert any(re.search("convolution", t, re.I) for t in titles), f"search results: {titles}"
    page.close()


@pytest.fixture(scope="session")
def axe_script():
    """axe-core's script, or a skip that says how to get it (a failure with REQUIRE_BROWSER=1)."""
    script = AXE_DIR / "axe.min.js"
    if not script.is_file():
        reason = f"no axe-core at {AXE_DIR}: npm install axe-core@4.14.1 (see .ci/run), or set AXE_DIR"
        if required("REQUIRE_BROWSER"):
            pytest.fail(reason + " (REQUIRE_BROWSER is set: the accessibility audit may not be skipped)")
        pytest.skip(reason)
    return script


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_page_has_no_serious_accessibility_violation(opened, axe_script, scheme):
    page = opened.page
    set_scheme(page, scheme)
    if not page.evaluate("typeof window.axe === 'object'"):
        page.add_script_tag(path=str(axe_script))
    violations = page.evaluate(AXE_RUN)
    AXE_REPORTS.mkdir(parents=True, exist_ok=True)
    (AXE_REPORTS / f"{opened.path.replace('/', '_').removesuffix('.html')}-{scheme}.json").write_text(
        json.dumps(violations, indent=1) + "\n")
    assert opened.problems == [], "\n".join(opened.problems)  # also what the mode switch and the audit logged
    blocking = [v for v in violations if v["impact"] in BLOCKING]
    assert not blocking, "\n".join(f"{v['id']} ({v['impact']}, {len(v['nodes'])} elements): {v['help']}; "
                                    f"first: {v['nodes'][:3]}" for v in blocking)


def tab_to(page, selector, limit=1000):
    """Press Tab until the focused element matches the CSS selector; return how many presses it took."""
    for presses in range(1, limit + 1):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement && document.activeElement.matches(s)", selector):
            return presses
    raise AssertionError(f"{limit} presses of Tab never reached {selector}")


EXERCISE_PAGE = "chapters/04_mnist_cnn.html"  # a chapter with exercises, solutions and launch buttons


def test_the_keyboard_opens_the_search(browser, site):
    page = Visit(browser, site + EXERCISE_PAGE).page
    tab_to(page, ".search-button-field")
    page.keyboard.press("Enter")
    page.wait_for_function("document.activeElement && document.activeElement.matches('input[name=q]')", timeout=5000)
    page.keyboard.type("pooling")
    page.keyboard.press("Enter")
    page.wait_for_url("**/search.html?q=pooling*")
    page.close()


def test_the_keyboard_reaches_the_launch_buttons(browser, site):
    page = Visit(browser, site + EXERCISE_PAGE).page
    tab_to(page, 'button[aria-label="Launch interactive content"]')
    page.keyboard.press("Enter")
    reached = []
    for _ in range(2):  # the menu's items, one arrow key each
        page.keyboard.press("ArrowDown")
        reached.append(page.evaluate("document.activeElement.href || ''"))
    notebook = EXERCISE_PAGE.removesuffix(".html") + ".ipynb"
    assert any(url.startswith("https://mybinder.org/") and notebook in url for url in reached), reached
    assert any(url.startswith("https://colab.research.google.com/") and notebook in url for url in reached), reached
    page.close()


def test_the_keyboard_opens_every_solution(browser, site):
    page = Visit(browser, site + EXERCISE_PAGE).page
    solutions = page.locator(".solution.dropdown")
    assert solutions.count() > 0 and page.locator(".solution.dropdown .toggle-button").count() == solutions.count()
    for k in range(solutions.count()):
        tab_to(page, ".solution.dropdown .toggle-button")
        solution = page.locator(".solution.dropdown").nth(k)
        assert page.evaluate("e => e.contains(document.activeElement)", solution.element_handle()), \
            f"Tab skipped solution {k + 1}"
        assert not solution.locator(".admonition-title ~ *").first.is_visible(), f"solution {k + 1} is open already"
        page.keyboard.press("Enter")
        solution.locator(".admonition-title ~ *").first.wait_for(state="visible", timeout=5000)
    page.close()


@pytest.mark.parametrize("value, on", [("1", True), ("yes", True), ("0", False), ("false", False), ("", False),
                                       (None, False)])
def test_require_browser_is_on_only_when_set_to_something_other_than_0_or_false(monkeypatch, value, on):
    if value is None:
        monkeypatch.delenv("REQUIRE_BROWSER", raising=False)
    else:
        monkeypatch.setenv("REQUIRE_BROWSER", value)
    assert required("REQUIRE_BROWSER") is on


def test_a_prebuilt_book_is_used_only_where_it_exists(monkeypatch, tmp_path):
    """BOOK_HTML and BOOK_PDF (.ci/run builds the book once): unset builds anew; a wrong name fails, never skips."""
    monkeypatch.delenv("BOOK_HTML", raising=False)
    assert prebuilt("BOOK_HTML", "index.html") is None
    monkeypatch.setenv("BOOK_HTML", str(tmp_path))
    with pytest.raises(RuntimeError, match=r"BOOK_HTML=.*index\.html does not exist"):
        prebuilt("BOOK_HTML", "index.html")
    (tmp_path / "index.html").write_text("<html></html>")
    assert prebuilt("BOOK_HTML", "index.html") == tmp_path.resolve()
    monkeypatch.setenv("BOOK_PDF", str(tmp_path / "book.pdf"))
    with pytest.raises(RuntimeError, match="BOOK_PDF=.*book.pdf does not exist"):
        prebuilt("BOOK_PDF", "")
