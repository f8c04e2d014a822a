"""How long one update of "Draw a digit" takes while the reader draws, and how heavy the page is.

    BOOK_HTML=_build/html python bench/draw_update.py [--slowdown 1 4] [--rounds 3]

Opens the built book's draw_a_digit.html in headless Chromium (BOOK_HTML names a build; without it
the book is built first), draws the stored example strokes with the mouse, as
tests/test_draw_page.py does, and prints the page's own timing of each update
(`window.cnnTestedDraw.updateMs`: inking the new segments, preparing the 28 x 28 input, the forward
pass and redrawing the panel), at each CPU slowdown Chromium can emulate (4: a CPU four times
slower than this one). Also printed: the bytes the page downloads and the time from navigation to
its first prediction.
"""

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tools import browser  # noqa: E402

EXAMPLES = json.loads((ROOT / "_static" / "draw" / "examples.json").read_text())


def measure(chrome, url, slowdown, rounds):
    """Update times (ms) over `rounds` drawings of every example, and the page's load.

    The load: bytes downloaded and ms to the first prediction."""
    page = chrome.new_page(viewport={"width": 1280, "height": 900})
    client = page.context.new_cdp_session(page)
    client.send("Network.enable")
    client.send("Network.setCacheDisabled", {"cacheDisabled": True})
    received = []
    client.on("Network.loadingFinished", lambda event: received.append(event["encodedDataLength"]))
    client.send("Emulation.setCPUThrottlingRate", {"rate": slowdown})
    page.goto(url + "draw_a_digit.html")
    page.wait_for_function("window.cnnTestedDraw && window.cnnTestedDraw.ready", timeout=60000)
    ready = page.evaluate("window.cnnTestedDraw.readyMs")
    page.evaluate("window.cnnTestedDraw.updateMs = []")
    for _ in range(rounds):
        for strokes in EXAMPLES.values():
            browser.draw_strokes(page, strokes)
    times = page.evaluate("window.cnnTestedDraw.updateMs")
    page.close()
    return times, sum(received), ready


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--slowdown", type=float, nargs="+", default=[1, 4], help="CPU slowdowns (default 1 4)"
    )
    parser.add_argument(
        "--rounds", type=int, default=3, help="drawings of every example per slowdown (default 3)"
    )
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as out, sync_playwright() as p:
        html = browser.prebuilt("BOOK_HTML", "index.html") or browser.build_book(out)
        chrome = p.chromium.launch(executable_path=browser.chromium(), args=["--no-sandbox"])
        with browser.serve(html) as url:
            print(
                f"{'CPU slowdown':>12}{'updates':>9}{'median':>9}{'p95':>9}{'max':>9}  (ms per "
                f"update)"
                f"{'downloaded':>13}{'first prediction':>18}"
            )
            for slowdown in args.slowdown:
                times, size, ready = measure(chrome, url, slowdown, args.rounds)
                print(
                    f"{slowdown:>11g}x{len(times):>9}{statistics.median(times):>9.1f}"
                    f"{np.percentile(times, 95):>9.1f}{max(times):>9.1f}{'':16}"
                    f"{size / 1e6:>10.2f} MB"
                    f"{ready:>15.0f} ms"
                )
        chrome.close()
    print(
        "(headless Chromium; an update inks the new segments, prepares the input, runs the "
        "forward pass and "
        "redraws the panel; the screen refreshes every 16.7 ms at 60 Hz)"
    )


if __name__ == "__main__":
    main()
