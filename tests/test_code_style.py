"""One format for the book's code, and code a reader never scrolls sideways to read.

ruff formats every .py file and every chapter's code cells, and holds every line, comments and
docstrings included, to 99 characters (pyproject.toml, [tool.ruff]). Each chapter's parameters
cell, the one a reader edits, fits the width of the HTML page without a scroll bar (the PDF's
lines: tests/test_pdf.py).
"""

import subprocess
import sys
import tomllib

import pytest

from tools.browser import Visit
from tools.notebooks import ROOT, toc_files

LINE_LENGTH = 99
CHAPTERS = [f + ".html" for f in toc_files() if (ROOT / f).with_suffix(".ipynb").exists()]


def ruff(*args, cwd=ROOT):
    """Run the pinned ruff (requirements.txt) with the repository's configuration."""
    return subprocess.run(
        [sys.executable, "-m", "ruff", *args], cwd=cwd, capture_output=True, text=True
    )


def test_the_configured_line_length_is_99():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["ruff"]
    assert config["line-length"] == LINE_LENGTH
    assert config["lint"]["select"] == ["E501"]


def test_every_py_file_and_notebook_is_formatted_by_ruff():
    result = ruff("format", "--check", ".")
    assert result.returncode == 0, (
        f"run `ruff format .` (or fix by hand):\n{result.stdout}{result.stderr}"
    )
    assert "chapters/01_convolution.ipynb" not in result.stdout  # the notebooks are included


def test_no_line_of_code_comment_or_docstring_is_longer_than_99_characters():
    result = ruff("check", "--output-format", "concise", ".")
    assert result.returncode == 0, f"lines over {LINE_LENGTH} characters:\n{result.stdout}"


def test_the_checks_find_what_they_are_for(tmp_path):
    """A badly formatted file and a long comment fail, so that the two tests above can fail."""
    (tmp_path / "pyproject.toml").write_text((ROOT / "pyproject.toml").read_text())
    (tmp_path / "messy.py").write_text("x = [1,2 ,3]\n# " + "a" * LINE_LENGTH + "\n")
    assert ruff("format", "--check", ".", cwd=tmp_path).returncode == 1
    found = ruff("check", "--output-format", "concise", ".", cwd=tmp_path)
    assert found.returncode == 1 and "E501" in found.stdout


@pytest.mark.parametrize("path", CHAPTERS)
def test_the_parameters_cell_fits_the_page_width(browser, site, path):
    """On a laptop's screen (1280 px wide, the theme's default layout) and on a tablet's (820 px,
    no sidebar), the parameters cell's code needs no horizontal scroll bar."""
    for width in (1280, 820):
        visit = Visit(browser, site + path, viewport=(width, 900))
        try:
            sizes = visit.page.evaluate(
                """() => [...document.querySelectorAll('.cell.tag_parameters .cell_input pre')]
                         .map(p => [p.scrollWidth, p.clientWidth])"""
            )
        finally:
            visit.page.close()
        assert len(sizes) == 1, f"{path}: expected one parameters cell, found {len(sizes)}"
        (scroll, client) = sizes[0]
        assert scroll <= client, (
            f"{path} at {width} px: the parameters cell is {scroll} px wide in a {client} px box"
        )
