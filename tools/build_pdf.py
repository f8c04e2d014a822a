"""Make the whole book as one PDF with Debian's Chromium: no LaTeX, and no browser download.

(Jupyter Book's own `pdfhtml` builder downloads a browser, which cannot work offline.)

    python tools/build_pdf.py                  # writes _build/pdf/book.pdf
    python tools/build_pdf.py --language ko    # the Korean edition: _build/pdf/book-ko.pdf
    python tools/build_pdf.py --output my.pdf

It builds the book as a single HTML page (`jupyter-book build --builder singlehtml`), serves it on
127.0.0.1, opens it in headless Chromium (driven by Playwright), waits until MathJax has typeset
every formula, adds a title page and a table of contents, opens every exercise's solution (it then
follows its exercise), applies print styles (code and outputs wrap at the page edge instead of
running off it; no navigation, buttons or interactive page), and prints to A4 with page numbers and
a PDF outline. Offline, set MATHJAX_DIR to a local MathJax (as for the browser test).
tests/test_pdf.py checks the result.
"""

import argparse
import datetime
import os
import subprocess
import sys
import tempfile
from pathlib import Path

# the repository root: `tools` and `utils`
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tools import browser, build_book  # noqa: E402
from tools.notebooks import ROOT, toc_files  # noqa: E402

OUTPUT = ROOT / "_build" / "pdf" / "book.pdf"
OUTPUTS = {"en": OUTPUT, "ko": ROOT / "_build" / "pdf" / "book-ko.pdf"}
# The title page and the contents in each edition's language (English: _config.yml's title, author)
FRONT_MATTER = {
    "ko": {
        "author": "Convolutional Neural Networks, Tested 저자들",
        "built": "커밋 {commit}에서 {date:%Y년 %m월 %d일} 빌드",
        "contents": "차례",
    },
    "en": {"built": "Built from commit {commit} on {date:%d %B %Y}", "contents": "Contents"},
}
MARGIN_MM = {"top": 16, "bottom": 18, "left": 16, "right": 16}

PRINT_CSS = """
html, body { font-size: 10pt !important; background: #fff !important; }
/* Chromium prints shadows as images: a grey strip for every exercise and solution box (the
   theme's rule is !important too) */
html body *, html body div.admonition, html body .admonition { box-shadow: none !important; }
.bd-header, .bd-sidebar-primary, .bd-sidebar-secondary, .bd-header-article, .bd-footer,
.bd-footer-article, .bd-footer-content, .prev-next-area, .headerlink, .copybtn, .skip-link,
#pst-back-to-top, .search-button-field, .draw-digit, .toggle-button, .pst-async-banner-revealer,
#jb-print-docs-body { display: none !important; }
.bd-page-width, .bd-container, .bd-container__inner, .bd-main, .bd-content, .bd-article-container,
.bd-article {
  max-width: none !important; width: 100% !important; margin: 0 !important;
  padding: 0 !important; }
pre, pre *, div.highlight pre, div.output pre, .cell_output pre {
  white-space: pre-wrap !important; overflow-wrap: anywhere !important; word-break: break-all;
  overflow: visible !important; }
div.cell_output, div.output, div.highlight, .table-wrapper {
  overflow: visible !important; max-height: none !important; }
table { max-width: 100% !important; table-layout: auto; }
img { max-width: 100% !important; height: auto !important; }
figure, img, mjx-container[display="true"] { break-inside: avoid; }
/* long code splits */
div.cell, div.cell_input, div.cell_output, div.highlight, pre { break-inside: auto !important; }
h1, h2, h3 { break-after: avoid; }
section.pdf-chapter-start { break-before: page; }
.pdf-title-page { padding-top: 80mm; text-align: center; break-after: page; }
.pdf-title-page .pdf-title { font-size: 28pt; font-weight: 600; margin-bottom: 1.5rem; }
.pdf-contents { break-after: page; }
.pdf-contents ol { list-style: none; padding-left: 0; }
.pdf-contents ol ol { padding-left: 1.5em; font-size: 0.95em; }
.pdf-contents a { color: inherit; text-decoration: none; }
"""

PREPARE_JS = """([title, author, subtitle, contentsTitle]) => {
  // every solution open, right after its exercise; every collapsed cell shown
  document.querySelectorAll('.toggle-hidden').forEach(e => e.classList.remove('toggle-hidden'));
  document.querySelectorAll('.dropdown.toggle-hidden, .admonition.toggle-hidden')
    .forEach(e => e.classList.remove('toggle-hidden'));
  document.querySelectorAll('details').forEach(d => d.open = true);
  // a display formula wider than the page (the HTML book scrolls it) is scaled down to fit
  for (const math of document.querySelectorAll('mjx-container[display="true"]')) {
    const inner = math.firstElementChild, room = math.parentElement.clientWidth;
    if (inner && inner.scrollWidth > room)
      math.style.fontSize = `${Math.floor(100 * room / inner.scrollWidth) - 2}%`;
  }
  // the interactive part of "Draw a digit" cannot work on paper: say where it lives
  document.querySelectorAll('.draw-digit').forEach(e => e.outerHTML =
    '<p><em>On paper this page cannot run: open "Draw a digit" in the HTML book ' +
    'to draw.</em></p>');
  // a chapter (and each reference page) starts on a new page
  const article = document.querySelector('article.bd-article') || document.body;
  const chapters = [...article.querySelectorAll('.toctree-wrapper > section')];
  chapters.forEach(s => s.classList.add('pdf-chapter-start'));
  // every chapter has a "Summary", an "Exercises" and a "References": give each its own anchor
  const seen = new Set();
  for (const section of article.querySelectorAll('section[id]')) {
    if (seen.has(section.id))
      section.id = `${section.closest('.pdf-chapter-start')?.id ?? 'front'}--${section.id}`;
    seen.add(section.id);
  }
  // table of contents: every chapter and its sections, linked (the PDF outline has them too)
  const contents = document.createElement('nav');
  contents.className = 'pdf-contents';
  contents.innerHTML = `<h2>${contentsTitle}</h2>`;
  const list = document.createElement('ol');
  for (const chapter of chapters) {
    const heading = chapter.querySelector(':scope > h2');
    if (!heading) continue;
    const item = document.createElement('li');
    item.innerHTML = `<a href="#${chapter.id}">${heading.textContent.replace('#', '').trim()}</a>`;
    const sections = [...chapter.querySelectorAll(':scope > section > h3')];
    if (sections.length) {
      const sub = document.createElement('ol');
      for (const h of sections) {
        const text = h.textContent.replace('#', '').trim();
        sub.insertAdjacentHTML('beforeend',
          `<li><a href="#${h.parentElement.id}">${text}</a></li>`);
      }
      item.appendChild(sub);
    }
    list.appendChild(item);
  }
  contents.appendChild(list);
  const titlePage = document.createElement('div');
  titlePage.className = 'pdf-title-page';
  // the theme's print style hides the first h1
  titlePage.innerHTML = `<p class="pdf-title">${title}</p><p>${author}</p><p>${subtitle}</p>`;
  article.prepend(titlePage, contents);
  const first = article.querySelector(':scope > section > h1');
  if (first) first.remove();  // the title page replaces the front page's own title
  return chapters.length;
}"""


def book_config():
    import yaml

    return yaml.safe_load((ROOT / "_config.yml").read_text())


def commit():
    """The checkout's commit, short, or 'uncommitted' outside git.

    In CI (CI set, as on GitHub) git must answer."""
    result = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    )
    if result.returncode != 0 and os.environ.get("CI", "").lower() in ("1", "true"):
        raise RuntimeError(
            f"git cannot tell which commit the PDF is built from: {result.stderr.strip()}"
        )
    return result.stdout.strip() or "uncommitted"


def build(output=OUTPUT, chrome=None, language="en"):
    """Build one edition of the book and print it to `output` with Playwright's Chromium `chrome`.

    `chrome` None launches Debian's. Returns the number of chapters and reference pages in it."""
    if chrome is None:
        from playwright.sync_api import sync_playwright

        binary = browser.chromium()
        if binary is None:
            raise SystemExit(
                "no Chromium found: install Debian's chromium (apt-get install chromium) or set "
                "CHROMIUM"
            )
        with sync_playwright() as p:
            chrome = p.chromium.launch(executable_path=binary, args=["--no-sandbox"])
            try:
                return build(output, chrome, language)
            finally:
                chrome.close()
    config = book_config()
    front = FRONT_MATTER[language]
    title = build_book.title(language)
    author = front.get("author", config["author"])
    subtitle = front["built"].format(commit=commit(), date=datetime.date.today())
    with tempfile.TemporaryDirectory() as out:
        single = browser.build_book(out, builder="singlehtml", language=language)
        with browser.serve(single) as url:
            visit = browser.Visit(chrome, url + toc_files()[0] + ".html", color_scheme="light")
            page = visit.page
            untypeset = visit.wait_for_math()
            if untypeset:
                raise RuntimeError(f"{untypeset} formulas were not typeset by MathJax")
            page.emulate_media(media="print", color_scheme="light")
            # lay the page out at the paper's printable width, so that what PREPARE_JS measures is
            # what prints
            printable_mm = 210 - MARGIN_MM["left"] - MARGIN_MM["right"]
            page.set_viewport_size({"width": int(printable_mm / 25.4 * 96), "height": 1000})
            page.add_style_tag(content=PRINT_CSS)
            chapters = page.evaluate(PREPARE_JS, [title, author, subtitle, front["contents"]])
            output.parent.mkdir(parents=True, exist_ok=True)
            footer = (
                '<div style="font-size:8px;width:100%;text-align:center;color:#555">'
                '<span class="pageNumber"></span> / <span class="totalPages"></span></div>'
            )
            page.pdf(
                path=str(output),
                format="A4",
                print_background=True,
                outline=True,
                tagged=True,
                display_header_footer=True,
                header_template="<span></span>",
                footer_template=footer,
                margin={side: f"{mm}mm" for side, mm in MARGIN_MM.items()},
            )
            page.close()
            # a single page has no search index, and Sphinx's search script asks for it anyway
            problems = [
                p
                for p in visit.problems
                if "searchindex.js" not in p and "404 (File not found)" not in p
            ]
            if any("searchindex.js" not in r.url for r in visit.responses if r.status == 404):
                problems.append(
                    "a file of the book was not found (404): "
                    + ", ".join(r.url for r in visit.responses if r.status == 404)
                )
            if problems:
                raise RuntimeError(
                    "the single-page book did not load cleanly:\n" + "\n".join(problems)
                )
    return chapters


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--language", choices=sorted(OUTPUTS), default="en")
    parser.add_argument("--output", type=Path, help="default: _build/pdf/book.pdf, book-ko.pdf")
    args = parser.parse_args(argv)
    args.output = args.output or OUTPUTS[args.language]
    chapters = build(args.output.resolve(), language=args.language)
    print(
        f"wrote {args.output} ({args.output.stat().st_size / 1e6:.1f} MB, {chapters} chapters "
        f"and reference pages)"
    )


if __name__ == "__main__":
    main()
