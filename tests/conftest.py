"""Shared test set-up: TensorFlow's threads pinned, and the built book in a real browser."""

import pytest

from utils import repro

# Pin TensorFlow's thread pools before any test runs an op, as every chapter does.
repro.make_reproducible(0)


@pytest.fixture(scope="session")
def site(tmp_path_factory):
    """The book built from this checkout (both editions, warnings as errors), served on 127.0.0.1.

    Yields its base URL. Where BOOK_HTML names a build of this checkout (.ci/run builds it once,
    before the tests), that one is served."""
    from tools import browser

    html = browser.prebuilt("BOOK_HTML", "index.html") or browser.build_editions(
        tmp_path_factory.mktemp("book")
    )
    with browser.serve(html) as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    """Headless Chromium (Debian's, driven by Playwright), or a skip that says why.

    With REQUIRE_BROWSER=1, a failure instead of the skip."""
    from tools.browser import chromium, required

    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        sync_playwright, reason = None, "playwright is not installed (see requirements.txt)"
    binary = chromium()
    if binary is None:
        reason = (
            "no Chromium found: install Debian's chromium (apt-get install chromium) "
            "or set CHROMIUM"
        )
    if sync_playwright is None or binary is None:
        if required("REQUIRE_BROWSER"):
            pytest.fail(reason + " (REQUIRE_BROWSER is set: the browser tests may not be skipped)")
        pytest.skip(reason)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=binary, args=["--no-sandbox"])
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def axe_script():
    """axe-core's script, or a skip that says how to get it (a failure with REQUIRE_BROWSER=1)."""
    from tools.browser import AXE_DIR, required

    script = AXE_DIR / "axe.min.js"
    if not script.is_file():
        reason = (
            f"no axe-core at {AXE_DIR}: npm install axe-core@4.14.1 (see .ci/run), or set AXE_DIR"
        )
        if required("REQUIRE_BROWSER"):
            pytest.fail(
                reason + " (REQUIRE_BROWSER is set: the accessibility audit may not be skipped)"
            )
        pytest.skip(reason)
    return script
