"""Fixes for the book's HTML that the browser test (tests/test_browser.py) found.

1. Jupyter Book 1 registers sphinx-thebe's inline configuration script twice, so every page
   declared `const THEBE_JS_URL` twice and browsers reported "Identifier 'THEBE_JS_URL' has already
   been declared". `drop_duplicate_scripts` drops exact duplicates from each page's script list.
2. axe-core (the accessibility audit in the browser test) found serious and critical
   violations in what the theme and docutils write; `accessible_html` mends each in the
   written pages (see its comments).
"""

import re
from pathlib import Path


def drop_duplicate_scripts(app, pagename, templatename, context, doctree):
    """Keep the first of any scripts with equal file name and attributes (inline body included)."""
    seen, unique = set(), []
    for script in context.get("script_files", []):
        # inline scripts: "" from one source, None from another
        name = getattr(script, "filename", str(script)) or ""
        key = (name, tuple(sorted(getattr(script, "attributes", {}).items())))
        if key not in seen:
            seen.add(key)
            unique.append(script)
    context["script_files"] = unique


# The pydata theme's search field shows "Search" and its shortcut "Ctrl+K" but names itself only
# "Search" (axe: label-content-name-mismatch, serious): without the aria-label its name is its
# visible text, and the shortcut is announced the standard way.
SEARCH_FIELD = re.compile(
    r'(<button class="btn search-button-field search-button__button[^"]*"[^>]*?) '
    r'aria-label="[^"]*"'  # "Search"; in the Korean edition "검색", while the field shows "Search"
)
# The colour-mode button's three icons carry titles ("Light", "Dark", "System Settings") that do
# not match its name, "Color mode" (the same rule): the icons are decoration, hidden from assistive
# technology.
MODE_ICON = re.compile(r'(<i class="theme-switch [^"]*"[^>]*?)(\s*title="[^"]*")?>')
# docutils marks bibliography entries with the deprecated role doc-biblioentry inside a role="list"
# container, so the list had no valid items (axe: aria-required-children, critical): the items
# become list items.
BIBLIO_ENTRY = 'role="doc-biblioentry"'
# The primary sidebar (the book's title and its table of contents) sat outside every landmark, so a
# screen reader's landmark list skipped the title (axe: region, moderate): the sidebar becomes a
# navigation landmark.
PRIMARY_SIDEBAR = '<div id="pst-primary-sidebar" class="bd-sidebar-primary bd-sidebar">'


def accessible_html(html):
    """The page's HTML with the fixes above applied."""
    html = SEARCH_FIELD.sub(r'\1 aria-keyshortcuts="Control+K"', html)
    html = MODE_ICON.sub(r'\1 aria-hidden="true">', html)
    name = "이 책" if '<html lang="ko"' in html else "The book"  # in the page's language
    html = html.replace(
        PRIMARY_SIDEBAR, PRIMARY_SIDEBAR[:-1] + f' role="navigation" aria-label="{name}">'
    )
    return html.replace(BIBLIO_ENTRY, 'role="listitem"')


def fix_written_pages(app, exception):
    """Apply accessible_html to every HTML page the build wrote."""
    if exception is None and app.builder.format == "html":
        for path in Path(app.outdir).rglob("*.html"):
            text = path.read_text(encoding="utf-8")
            fixed = accessible_html(text)
            if fixed != text:
                path.write_text(fixed, encoding="utf-8")


def setup(app):
    app.connect("html-page-context", drop_duplicate_scripts)
    app.connect("build-finished", fix_written_pages)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
