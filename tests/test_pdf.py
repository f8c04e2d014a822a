"""The book as one PDF (tools/build_pdf.py), read back with pdftotext, pdfimages and pdfinfo.

Each edition has its PDF: English (BOOK_PDF) and Korean (BOOK_PDF_KO), tested alike; the Korean
one's titles are the catalogs' translations of the English ones, printed in a Korean font.

Needs Chromium (as the browser test) and poppler-utils (Debian: `apt-get install poppler-utils`);
skipped, saying so, without them, and failed instead with REQUIRE_BROWSER=1, as in CI.
"""

import base64
import collections
import re
import struct
import shutil
import subprocess

import nbformat
import pytest

from tools import build_book, build_pdf, translations
from tools.browser import prebuilt, required
from tools.notebooks import ROOT, toc_files

# plausible page counts: 177 pages when the PDF was first made (nine chapters, A4)
PAGES = (120, 300)
POPPLER = ("pdftotext", "pdfimages", "pdfinfo", "pdffonts")


@pytest.fixture(scope="module", params=["en", "ko"])
def language(request):
    return request.param


@pytest.fixture(scope="module")
def pdf(
    tmp_path_factory, browser, language
):  # `browser`: skips or fails exactly as the browser test does without Chromium
    missing = [tool for tool in POPPLER if shutil.which(tool) is None]
    if missing:
        reason = f"{', '.join(missing)} not found: apt-get install poppler-utils"
        if required("REQUIRE_BROWSER"):
            pytest.fail(reason + " (REQUIRE_BROWSER is set: the PDF test may not be skipped)")
        pytest.skip(reason)
    built = prebuilt("BOOK_PDF" if language == "en" else f"BOOK_PDF_{language.upper()}", "")
    # .ci/run made the PDFs once, before the tests (BOOK_PDF, BOOK_PDF_KO): the files it
    # publishes are the ones tested
    if built:
        return built
    path = tmp_path_factory.mktemp("pdf") / f"book-{language}.pdf"
    build_pdf.build(path, browser, language)
    return path


def translate(page, text, language):
    """The text of a page in an edition: the English itself, or its translation in the catalog."""
    if language == "en":
        return text
    catalog = translations.read(translations.CATALOGS / f"{page}.po")
    message = catalog.get(text) or catalog.get(re.sub(r"\s*\n\s*", " ", text))
    return message.string if message and message.string else text


def run(*command):
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout


def normalize(text):
    """Text with every run of whitespace as one space.

    Typographic quotes are made plain and soft hyphens dropped."""
    text = (
        text.replace("\u2019", "'")
        .replace("\u2018", "'")
        .replace("\u201c", '"')
        .replace("\u201d", '"')
    )
    return re.sub(r"\s+", " ", text.replace("\u00ad", "")).strip()


def headings(language="en"):
    """Every title of the book, as the sources write them (or as the catalogs translate them).

    Each page's title and its ## and ### sections."""
    found = []
    for name in toc_files():
        path = (
            ROOT / (name + ".ipynb")
            if (ROOT / (name + ".ipynb")).exists()
            else ROOT / (name + ".md")
        )
        if path.suffix == ".ipynb":
            text = "\n".join(
                c.source
                for c in nbformat.read(path, as_version=4).cells
                if c.cell_type == "markdown"
            )
        else:
            text = path.read_text()
        # headings inside code or directives are not titles
        text = re.sub(r"```.*?```", "", text, flags=re.S)
        for line in re.findall(r"^#{1,3} (.+)$", text, flags=re.M):
            line = translate(name, line, language)
            # {doc}`text <target>` -> text
            title = re.sub(r"\{[a-z:]+\}`([^`<]*?)(?: <[^>]*>)?`", r"\1", line)
            found.append(normalize(title.replace("`", "")))
    return found


def opening(language):
    """The first words of the front page's first paragraph, in an edition's language."""
    first = (ROOT / (toc_files()[0] + ".md")).read_text().split("\n\n")[1]
    return normalize(translate(toc_files()[0], first, language))


def pdf_text(pdf, language):
    """The PDF's text; Korean in the order it is printed (-raw).

    By default pdftotext sorts a heading's Latin and Hangul runs (two fonts) apart: "에서의 밀집
    신경망" came before "3.5. MNIST"."""
    return run(
        "pdftotext", *(["-raw"] if language == "ko" else []), "-enc", "UTF-8", str(pdf), "-"
    )


def test_every_chapter_and_section_title_is_in_the_pdf(pdf, language):
    text = normalize(pdf_text(pdf, language))
    # the title page and the table of contents come first; the titles must be found in what follows
    # them
    start = text.index(opening(language)[:60])
    front, body = text[:start], text[start:]
    book_title = build_book.title(language)
    contents = build_pdf.FRONT_MATTER[language]["contents"]
    assert book_title in front and contents in front, (
        "no title page or contents before the front page's text"
    )
    # the front page's own title: on the title page only
    titles = [t for t in headings(language) if t != book_title]
    assert len(titles) > 100, f"only {len(titles)} titles found in the sources"
    if language == "ko":
        # pdftotext puts a space where the font changes (a Korean particle after code or a Latin
        # word: "conv2d 는", "MNIST 에서의"): the Korean titles are compared without spaces
        body = re.sub(r"\s", "", body)
        titles = [re.sub(r"\s", "", t) for t in titles]
    missing = [t for t in titles if t not in body]
    assert missing == [], f"titles missing from the PDF's pages: {missing}"
    position = 0
    for title in titles:  # in the sources' order, each as often as the sources have it
        found = body.find(title, position)
        assert found >= 0, (
            f"{title!r} is missing after {body[max(0, position - 80) : position]!r}: out of order"
        )
        position = found + len(title)


def test_each_repeated_title_is_a_numbered_heading_as_often_as_the_book_has_it(pdf, language):
    # "Summary", "Exercises" and "References" close each of ten chapters: ten numbered headings
    # each ("4.10. Summary")
    lines = pdf_text(pdf, language).splitlines()
    first = opening(language)[:30]
    # after the contents
    start = next(i for i, line in enumerate(lines) if normalize(line).startswith(first))
    numbered = collections.Counter(
        re.sub(r"^\d+(\.\d+)*\. ", "", normalize(line))
        for line in lines[start:]
        if re.match(r"\s*\d+(\.\d+)*\. \S", line)
    )
    repeated = {t: n for t, n in collections.Counter(headings(language)).items() if n > 1}
    closing = [translate("chapters/01_convolution", t, language) for t in ("Summary", "Exercises")]
    assert all(repeated.get(title, 0) >= 10 for title in closing), repeated
    assert {title: numbered[title] for title in repeated} == repeated


def test_the_korean_pdf_is_set_in_a_korean_font(pdf, language):
    if language != "ko":
        pytest.skip("the Korean edition's PDF only")
    text = run("pdftotext", "-enc", "UTF-8", str(pdf), "-")
    hangul = len(re.findall(r"[\uac00-\ud7a3]", text))
    assert hangul > 50000, f"only {hangul} Hangul syllables in the Korean PDF"
    fonts = run("pdffonts", str(pdf))
    assert re.search(r"(?i)nanum|cjk|noto sans kr|gothic|myeongjo|batang|gulim|malgun", fonts), (
        fonts
    )


def test_the_page_count_is_plausible(pdf):
    pages = int(re.search(r"Pages:\s+(\d+)", run("pdfinfo", str(pdf))).group(1))
    assert PAGES[0] <= pages <= PAGES[1], f"{pages} pages"


def figure_sizes():
    """(width, height) in pixels of every figure the chapters' stored outputs show.

    Read from each PNG's header."""
    sizes = []
    for name in toc_files():
        path = ROOT / (name + ".ipynb")
        for cell in nbformat.read(path, as_version=4).cells if path.exists() else []:
            for out in cell.get("outputs", []):
                if "image/png" in out.get("data", {}):
                    # IHDR: width, height
                    header = base64.b64decode(out["data"]["image/png"])[16:24]
                    sizes.append(struct.unpack(">II", header))
    return collections.Counter(sizes)


def test_every_figure_of_the_html_book_is_an_image_in_the_pdf(pdf):
    figures = figure_sizes()
    listing = [line.split() for line in run("pdfimages", "-list", str(pdf)).splitlines()[2:]]
    # not alpha masks
    images = collections.Counter((int(f[3]), int(f[4])) for f in listing if f[2] == "image")
    assert sum(figures.values()) > 30, f"only {sum(figures.values())} figures in the chapters"
    # each figure must appear at its own pixel size, as many times as the book has it
    missing = figures - images
    assert not missing, (
        f"{sum(missing.values())} figures are not images in the PDF; their sizes: {dict(missing)}"
    )


def test_no_line_runs_off_the_page(pdf):
    # every word's box must end inside the right margin (plus half a millimetre): code wraps, it is
    # not cut
    bbox = run("pdftotext", "-bbox", str(pdf), "-")
    width = float(re.search(r'<page width="([\d.]+)"', bbox).group(1))
    limit = width - build_pdf.MARGIN_MM["right"] * 72 / 25.4 + 1.5
    beyond = [
        (float(m.group(1)), m.group(2))
        for m in re.finditer(
            r'<word xMin="[\d.]+" yMin="[\d.]+" xMax="([\d.]+)" '
            r'yMax="[\d.]+">([^<]*)</word>',
            bbox,
        )
        if float(m.group(1)) > limit
    ]
    assert beyond == [], (
        f"{len(beyond)} words end beyond the right margin ({limit:.0f} pt), e.g. {beyond[:10]}"
    )


def parameters_lines():
    """(chapter, line) for every line of each chapter's parameters cell, as the notebook has it."""
    for name in toc_files():
        path = ROOT / (name + ".ipynb")
        if path.exists():
            cells = nbformat.read(path, as_version=4).cells
            cell = next(c for c in cells if "parameters" in c.metadata.get("tags", []))
            yield from ((name, line) for line in cell.source.splitlines() if line.strip())


def test_every_line_of_a_parameters_cell_is_one_line_of_the_pdf(pdf):
    # a line that wraps at the page edge (tools/build_pdf.py's print style) is split over two
    # lines of the text; the readers' knobs must read as they do in the notebook
    lines = {
        normalize(line) for line in run("pdftotext", "-enc", "UTF-8", str(pdf), "-").splitlines()
    }
    expected = list(parameters_lines())
    assert len(expected) > 100
    wrapped = [(name, line) for name, line in expected if normalize(line) not in lines]
    assert wrapped == [], f"{len(wrapped)} parameters lines wrap in the PDF, e.g. {wrapped[:5]}"


def test_the_pdf_names_its_commit_and_in_ci_refuses_to_say_uncommitted(tmp_path, monkeypatch):
    if (ROOT / ".git").exists():
        assert re.fullmatch(r"[0-9a-f]{7,}", build_pdf.commit())  # this checkout
    monkeypatch.setattr(build_pdf, "ROOT", tmp_path)  # not a git checkout (or one git refuses)
    monkeypatch.delenv("CI", raising=False)
    assert build_pdf.commit() == "uncommitted"
    monkeypatch.setenv("CI", "true")
    with pytest.raises(RuntimeError, match="git cannot tell which commit"):
        build_pdf.commit()
