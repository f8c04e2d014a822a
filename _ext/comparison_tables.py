"""Tables for the page "How this book is tested", made from the committed notebooks.

Made when the book is built, so that no count or tolerance on that page is typed by hand:

- ``{comparison-counts}``: per chapter, how many code cells and figures the tests compare exactly,
  within a tolerance and not at all, on the recording CPU and on any other;
- ``{tolerance-table}``: every tolerance a cell declares, with its reason.
"""

import json
from pathlib import Path

from docutils import nodes
from sphinx.util.docutils import SphinxDirective

ROOT = Path(__file__).resolve().parent.parent
MACHINE_DEPENDENT = "machine-dependent"
IGNORED = {"nbval-ignore-output", "nbval-skip"}


def notebooks():
    """(title, path, code cells) of every chapter in _toc.yml, in book order."""
    import yaml

    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    found = []
    for part in toc.get("parts", []):
        for chapter in part.get("chapters", []):
            path = ROOT / (chapter["file"] + ".ipynb")
            if path.exists():
                nb = json.loads(path.read_text())
                title = next(
                    (
                        "".join(c["source"]).splitlines()[0].lstrip("# ")
                        for c in nb["cells"]
                        if c["cell_type"] == "markdown"
                    ),
                    path.stem,
                )
                found.append((title, path, [c for c in nb["cells"] if c["cell_type"] == "code"]))
    return found


def way(cell, foreign):
    """How the tests compare this cell: 'exactly', 'within tolerance' or 'not at all'."""
    tags, tolerance = set(cell["metadata"].get("tags", [])), cell["metadata"].get("tolerance")
    if tags & IGNORED or "NBVAL_IGNORE_OUTPUT" in "".join(cell["source"]):
        return "not at all"
    if not foreign or tolerance is None:
        return "exactly"
    return "not at all" if "not_compared" in tolerance else "within tolerance"


def figures(cell):
    return sum("image/png" in out.get("data", {}) for out in cell["outputs"])


def table(header, rows, widths):
    """A docutils table node with a header row."""
    tgroup = nodes.tgroup(cols=len(header))
    for width in widths:
        tgroup += nodes.colspec(colwidth=width)
    head, body = nodes.thead(), nodes.tbody()
    for target, cells in ((head, [header]), (body, rows)):
        for values in cells:
            row = nodes.row()
            for value in values:
                row += nodes.entry("", nodes.paragraph(text=str(value)))
            target += row
    tgroup += head
    tgroup += body
    # made from the notebooks' metadata, English in both editions (tests/test_browser.py)
    return nodes.table("", tgroup, classes=["comparison-table"])


class ComparisonCounts(SphinxDirective):
    def run(self):
        rows = []
        for title, _, cells in notebooks():
            counts = [len(cells)]
            for foreign in (False, True):
                for kind in ("exactly", "within tolerance", "not at all"):
                    if not foreign and kind == "within tolerance":
                        continue
                    chosen = [c for c in cells if way(c, foreign) == kind]
                    counts.append(f"{len(chosen)} / {sum(map(figures, chosen))}")
            rows.append([title] + counts)
        header = [
            "Chapter",
            "code cells",
            "recording CPU: exactly",
            "recording CPU: not at all",
            "other CPU: exactly",
            "other CPU: within tolerance",
            "other CPU: not at all",
        ]
        return [table(header, rows, [30, 8, 12, 12, 12, 12, 12])]


class ToleranceTable(SphinxDirective):
    def run(self):
        rows = []
        for title, path, cells in notebooks():
            for k, cell in enumerate(cells):
                tolerance = cell["metadata"].get("tolerance")
                if tolerance is None:
                    continue
                if "not_compared" in tolerance:
                    declared = "not compared: " + tolerance["not_compared"]
                else:
                    declared = ", ".join(f"{key} {value}" for key, value in tolerance.items())
                rows.append(
                    [
                        f"{path.stem[:2]}, cell {k}",
                        declared,
                        cell["metadata"].get("nbval_reason", ""),
                    ]
                )
        return [
            table(
                ["Chapter, code cell", "Tolerance", "Why the output depends on the CPU"],
                rows,
                [12, 30, 58],
            )
        ]


def setup(app):
    app.add_directive("comparison-counts", ComparisonCounts)
    app.add_directive("tolerance-table", ToleranceTable)
    return {"parallel_read_safe": True}
