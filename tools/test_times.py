"""Where the last test run's time went, per chapter and per group of tests.

Each chapter's nbval seconds (its cells re-executed and compared) and papermill seconds (its crash
run with reduced parameters), the browser, draw-page and PDF tests, and the unit tests, read from
the file the test run writes (conftest.py: _build/test_times.json; CNN_TESTED_TIMES names another).

    python tools/test_times.py                             # the last `pytest` run's
    python tools/test_times.py _build/rehearse_times.json  # another run's

Each test's seconds include its setup and teardown, so a session fixture's cost (the book's HTML
build, Chromium's start) counts in the group of the first test that uses it. Chapter 6's crash runs
are part of the cache test (tests/test_notebooks.py), which runs chapter 6 twice: they are listed
as chapter 6's papermill seconds.
"""

import argparse
import json
import re
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repository root: `tools`
from tools.notebooks import ROOT  # noqa: E402

REPORT = ROOT / "_build" / "test_times.json"
CACHE_TEST = (
    "test_chapter_6_loads_chapter_4s_model"  # tests/test_notebooks.py: runs chapter 6 twice
)
GROUPS = {
    "tests/test_browser.py": "browser",
    "tests/test_draw_page.py": "draw page",
    "tests/test_pdf.py": "PDF",
}


def group(nodeid):
    """(chapter or None, what): where a test's seconds count."""
    path, _, name = nodeid.partition("::")
    if path.endswith(".ipynb"):
        return path, "nbval"
    crash = re.search(r"reduced_parameters\[(.+\.ipynb)\]", name)
    if crash:
        return crash.group(1), "papermill"
    if name.startswith(CACHE_TEST):
        return "chapters/06_what_the_network_learned.ipynb", "papermill"
    return None, GROUPS.get(path, "unit tests")


def summarize(seconds):
    """{chapter: {"nbval": s, "papermill": s}} and {other group: s} from {nodeid: seconds}."""
    chapters, others = defaultdict(lambda: {"nbval": 0.0, "papermill": 0.0}), defaultdict(float)
    for nodeid, s in seconds.items():
        chapter, what = group(nodeid)
        if chapter:
            chapters[chapter][what] += s
        else:
            others[what] += s
    return dict(sorted(chapters.items())), dict(others)


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "report", nargs="?", type=Path, default=REPORT, help=f"default: {REPORT.relative_to(ROOT)}"
    )
    args = parser.parse_args(argv)
    if not args.report.is_file():
        raise SystemExit(f"{args.report} not found: run pytest first (conftest.py writes it)")
    chapters, others = summarize(json.loads(args.report.read_text())["tests"])
    print(f"{'chapter':45}{'nbval s':>9}{'papermill s':>13}")
    for chapter, s in chapters.items():
        print(f"{chapter:45}{s['nbval']:9.0f}{s['papermill']:13.0f}")
    nbval, crash = (sum(s[what] for s in chapters.values()) for what in ("nbval", "papermill"))
    print(f"{'all chapters':45}{nbval:9.0f}{crash:13.0f}")
    for what in ("browser", "draw page", "PDF", "unit tests"):
        print(f"{what:45}{others.get(what, 0.0):9.0f}")
    print(
        f"{'total (the tests; pytest start and collection not counted)':58}"
        f"{nbval + crash + sum(others.values()):5.0f}"
    )


if __name__ == "__main__":
    main()
