"""The built book as a reader meets it: every page opened in headless Chromium.

Needs Chromium (Debian: `apt-get install chromium`; or set CHROMIUM to a browser binary) and is
skipped, saying so, only when there is none (with REQUIRE_BROWSER=1, as in CI, it fails instead).
MathJax normally comes from its CDN; offline, set MATHJAX_DIR to a local copy
(`npm install mathjax@3.2.2`, then .../node_modules/mathjax) and the test serves the CDN's URLs
from it, as the network would. Full-page screenshots land in _build/screenshots/.

Accessibility: axe-core (`npm install axe-core@4.14.1`; AXE_DIR names its folder, by default
.ci/cache's copy) audits every page in light and in dark mode and fails on any serious or critical
violation; each page's full list of violations lands in _build/axe/. The keyboard alone must reach
the search field, the launch buttons and the exercises' solutions, and open each.
"""

import json
import re

import pytest
import yaml

from tools.browser import AXE_RUN, BLOCKING, Visit, prebuilt, required, set_scheme
from tools.notebooks import ROOT, toc_files

CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text())
REPO = CONFIG["repository"]["url"].removeprefix("https://github.com/")
BRANCH = CONFIG["repository"]["branch"]
SCREENSHOTS = ROOT / "_build" / "screenshots"
AXE_REPORTS = ROOT / "_build" / "axe"


def toc_pages():
    """HTML paths of every page in _toc.yml, plus the search and index pages Sphinx adds."""
    return [f + ".html" for f in toc_files()] + ["genindex.html", "search.html"]


# Both editions: the English one at the root, the Korean one in ko/ (tools/build_book.py)
EDITIONS = {"": "en", "ko/": "ko"}
PAGES = [folder + page for folder in EDITIONS for page in toc_pages()]
NOTEBOOK_PAGES = [
    p for p in PAGES if (ROOT / p.removeprefix("ko/")).with_suffix(".ipynb").exists()
]
# Text a Korean page keeps in English: code, outputs, formulas, references, names of papers; not
# translated yet: the draw page's interactive panel (its labels and draw.mjs's messages) and the
# tables of "How this book is tested", made from the notebooks' metadata
# (_ext/comparison_tables.py)
KEPT_IN_ENGLISH = (
    "script, style, pre, code, .cell_output, .output, mjx-container, .MathJax, .citation, "
    ".footnote-list, "
    "[role=doc-bibliography], .bibtex, dl.footnote, .pasted-text, .draw-digit, "
    ".comparison-table"
)


def edition(path):
    """The language of a page of the built book: 'ko' for ko/..., else 'en'."""
    return "ko" if path.startswith("ko/") else "en"


@pytest.fixture(scope="module", params=PAGES)
def opened(request, browser, site):
    """One page of the book, opened once (in light mode) for every test about it.

    Its formulas are typeset."""
    visit = Visit(browser, site + request.param)
    visit.path, visit.untypeset = request.param, visit.wait_for_math()
    yield visit
    visit.page.close()


def test_page_reads_cleanly(opened):
    page, path = opened.page, opened.path
    assert opened.untypeset == 0, f"{opened.untypeset} formulas were not typeset by MathJax"
    images = page.evaluate("""[...document.images].map(i => ({src: i.currentSrc || i.src,
                                                              alt: i.alt,
                                                              width: i.naturalWidth}))""")
    assert not [i["src"] for i in images if i["width"] == 0], "images that did not load"
    assert not [i["src"] for i in images if not i["alt"].strip()], "images without alt text"
    # a chapter: its code, its outputs, and the buttons that run it elsewhere
    if path in NOTEBOOK_PAGES:
        assert page.locator(".cell_input").count() > 0 and page.locator(".cell_output").count() > 0
        links = page.evaluate("[...document.querySelectorAll('a')].map(a => a.href)")
        notebook = path.removeprefix("ko/").removesuffix(".html") + ".ipynb"
        assert f"https://mybinder.org/v2/gh/{REPO}/{BRANCH}?urlpath=lab/tree/{notebook}" in links
        assert f"https://colab.research.google.com/github/{REPO}/blob/{BRANCH}/{notebook}" in links
    set_scheme(page, "light")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(
        path=str(SCREENSHOTS / (path.replace("/", "_").removesuffix(".html") + ".png")),
        full_page=True,
    )
    assert opened.problems == [], "\n".join(opened.problems)


@pytest.mark.parametrize("folder, word", [("", "convolution"), ("ko/", "합성곱")])
def test_search_finds_convolution(browser, site, folder, word):
    page = Visit(browser, site + folder + f"search.html?q={word}").page
    page.wait_for_selector("#search-results li", timeout=15000)
    titles = page.locator("#search-results li a").all_inner_texts()
    assert any(re.search(word, t, re.I) for t in titles), f"search results: {titles}"
    page.close()


def test_page_is_in_its_language_and_links_to_the_other_edition(opened, browser, site):
    page, path = opened.page, opened.path
    language = edition(path)
    assert page.evaluate("document.documentElement.lang") == language
    switch = page.locator(".edition-switch a")
    assert switch.count() == 1, "every page links to the same page in the other edition"
    other = switch.get_attribute("hreflang")
    assert other == {"en": "ko", "ko": "en"}[language]
    target = page.evaluate("document.querySelector('.edition-switch a').href")
    assert target == site + (path.removeprefix("ko/") if language == "ko" else "ko/" + path)
    if language == "ko" and path.removeprefix("ko/") not in ("genindex.html", "search.html"):
        # the prose is Korean: most letters outside code, outputs, formulas and references are
        # Hangul (names such as Conv2D, NumPy and MNIST stay English)
        hangul, latin = page.evaluate(
            """kept => {
                 const article = document.querySelector('article').cloneNode(true);
                 article.querySelectorAll(kept).forEach(e => e.remove());
                 const text = article.textContent;
                 return [(text.match(/[\\uac00-\\ud7a3]/g) || []).length,
                         (text.match(/[A-Za-z]/g) || []).length];
               }""",
            KEPT_IN_ENGLISH,
        )
        assert hangul > latin, f"{hangul} Hangul syllables, {latin} Latin letters"
    other_page = Visit(browser, target).page
    assert other_page.evaluate("document.documentElement.lang") == other
    other_page.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_page_has_no_serious_accessibility_violation(opened, axe_script, scheme):
    page = opened.page
    set_scheme(page, scheme)
    if not page.evaluate("typeof window.axe === 'object'"):
        page.add_script_tag(path=str(axe_script))
    violations = page.evaluate(AXE_RUN)
    AXE_REPORTS.mkdir(parents=True, exist_ok=True)
    (
        AXE_REPORTS / f"{opened.path.replace('/', '_').removesuffix('.html')}-{scheme}.json"
    ).write_text(json.dumps(violations, indent=1) + "\n")
    # also what the mode switch and the audit logged
    assert opened.problems == [], "\n".join(opened.problems)
    blocking = [v for v in violations if v["impact"] in BLOCKING]
    assert not blocking, "\n".join(
        f"{v['id']} ({v['impact']}, {len(v['nodes'])} elements): {v['help']}; "
        f"first: {v['nodes'][:3]}"
        for v in blocking
    )


def tab_to(page, selector, limit=1000):
    """Press Tab until the focused element matches the CSS selector.

    Returns how many presses it took."""
    for presses in range(1, limit + 1):
        page.keyboard.press("Tab")
        if page.evaluate(
            "s => document.activeElement && document.activeElement.matches(s)", selector
        ):
            return presses
    raise AssertionError(f"{limit} presses of Tab never reached {selector}")


EXERCISE_PAGE = (
    "chapters/04_mnist_cnn.html"  # a chapter with exercises, solutions and launch buttons
)


def test_the_keyboard_opens_the_search(browser, site):
    page = Visit(browser, site + EXERCISE_PAGE).page
    tab_to(page, ".search-button-field")
    page.keyboard.press("Enter")
    page.wait_for_function(
        "document.activeElement && document.activeElement.matches('input[name=q]')", timeout=5000
    )
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
    assert any(url.startswith("https://mybinder.org/") and notebook in url for url in reached), (
        reached
    )
    assert any(
        url.startswith("https://colab.research.google.com/") and notebook in url for url in reached
    ), reached
    page.close()


def test_the_keyboard_opens_every_solution(browser, site):
    page = Visit(browser, site + EXERCISE_PAGE).page
    solutions = page.locator(".solution.dropdown")
    assert (
        solutions.count() > 0
        and page.locator(".solution.dropdown .toggle-button").count() == solutions.count()
    )
    for k in range(solutions.count()):
        tab_to(page, ".solution.dropdown .toggle-button")
        solution = page.locator(".solution.dropdown").nth(k)
        assert page.evaluate(
            "e => e.contains(document.activeElement)", solution.element_handle()
        ), f"Tab skipped solution {k + 1}"
        assert not solution.locator(".admonition-title ~ *").first.is_visible(), (
            f"solution {k + 1} is open already"
        )
        page.keyboard.press("Enter")
        solution.locator(".admonition-title ~ *").first.wait_for(state="visible", timeout=5000)
    page.close()


@pytest.mark.parametrize(
    "value, on",
    [("1", True), ("yes", True), ("0", False), ("false", False), ("", False), (None, False)],
)
def test_require_browser_is_on_only_when_set_to_something_other_than_0_or_false(
    monkeypatch, value, on
):
    if value is None:
        monkeypatch.delenv("REQUIRE_BROWSER", raising=False)
    else:
        monkeypatch.setenv("REQUIRE_BROWSER", value)
    assert required("REQUIRE_BROWSER") is on


def test_a_prebuilt_book_is_used_only_where_it_exists(monkeypatch, tmp_path):
    """BOOK_HTML and BOOK_PDF (.ci/run builds the book once): unset builds anew.

    A wrong name fails, never skips."""
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
