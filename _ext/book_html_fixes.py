"""Fixes for the book's HTML that the browser test (tests/test_browser.py) found.

Jupyter Book 1 registers sphinx-thebe's inline configuration script twice, so every page declared
`const THEBE_JS_URL` twice and browsers reported "Identifier 'THEBE_JS_URL' has already been declared".
This extension drops exact duplicates from each page's script list.
"""


def drop_duplicate_scripts(app, pagename, templatename, context, doctree):
    """Keep the first of any scripts with the same file name and attributes (inline body included)."""
    seen, unique = set(), []
    for script in context.get("script_files", []):
        name = getattr(script, "filename", str(script)) or ""  # inline scripts: "" from one source, None from another
        key = (name, tuple(sorted(getattr(script, "attributes", {}).items())))
        if key not in seen:
            seen.add(key)
            unique.append(script)
    context["script_files"] = unique


def setup(app):
    app.connect("html-page-context", drop_duplicate_scripts)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
