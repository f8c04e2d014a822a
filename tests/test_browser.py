"""The built book as a reader meets it: every page opened in headless Chromium.

Needs Chromium (Debian: `apt-get install chromium`; or set CHROMIUM to a browser binary) and is skipped,
saying so, only when there is none (with REQUIRE_BROWSER=1, as in CI, it fails instead). MathJax normally comes from its CDN; offline, set MATHJAX_DIR to a
local copy (`npm install mathjax@3`, then .../node_modules/mathjax) and the test serves the CDN's URLs
from it, as the network would. Full-page screenshots land in _build/screenshots/.
"""
import re

import pytest
import yaml

from tools.browser import Visit
from tools.notebooks import ROOT, toc_files

CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text())
REPO = CONFIG["repository"]["url"].removeprefix("https://github.com/")
BRANCH = CONFIG["repository"]["branch"]
SCREENSHOTS = ROOT / "_build" / "screenshots"


def toc_pages():
    """HTML paths of every page in _toc.yml, plus the search and index pages Sphinx adds."""
    return [f + ".html" for f in toc_files()] + ["genindex.html", "search.html"]


PAGES = toc_pages()
NOTEBOOK_PAGES = [p for p in PAGES if (ROOT / p).with_suffix(".ipynb").exists()]


@pytest.mark.parametrize("page_path", PAGES)
def test_page_reads_cleanly(browser, site, page_path):
    visit = Visit(browser, site + page_path)
    page = visit.page
    unrendered = visit.wait_for_math()
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
