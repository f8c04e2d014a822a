"""Measure how far a run's outputs are from the stored ones, cell by cell.

The result is the evidence tolerances are chosen from.

    python tools/refresh_outputs.py --into /tmp/run              # run elsewhere (any settings)
    python tools/output_differences.py /tmp/run                   # against the committed notebooks
    python tools/output_differences.py /tmp/run --stored /tmp/a   # against another run
    python tools/output_differences.py /tmp/run --json diffs.json # also keep the figures

For every code cell whose outputs differ it prints the largest absolute and relative difference of
its numbers (beyond one unit in the last printed place), the largest difference of an integer, the
largest RMS difference of a figure (pixel values 0-255), what else differs (words, line counts),
the tolerance the cell declares and whether that tolerance holds. Outputs are sanitized as nbval
sanitizes them (tests/nbval_sanitize.cfg).
"""

import argparse
import json
import re
import sys
from pathlib import Path

import nbformat

# the repository root: `tools` and `utils`
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tools import tolerance as tol  # noqa: E402
from tools.notebooks import MACHINE_DEPENDENT, ROOT, toc_notebooks  # noqa: E402

SANITIZE = ROOT / "tests" / "nbval_sanitize.cfg"
# measure everything, fail on nothing
MEASURE = {"rtol": 1e300, "atol": 1e300, "figure_rms": 1e300}


def sanitizer(path=SANITIZE):
    """nbval's sanitizing of one string, from the same file, parsed by nbval itself."""
    from nbval.plugin import get_sanitize_patterns

    pairs = [
        (re.compile(regex), replace) for regex, replace in get_sanitize_patterns(path.read_text())
    ]

    def sanitize(text):
        for regex, replace in pairs:
            text = regex.sub(replace, text)
        return text

    return sanitize


def differences(stored_nb, fresh_nb, sanitize):
    """The differing cells, as a list.

    Each is (code cell index, cell, Comparison under MEASURE, Comparison under its tolerance)."""
    rows = []
    code = [(a, b) for a, b in zip(stored_nb.cells, fresh_nb.cells) if a.cell_type == "code"]
    # numbered as nbval numbers them: "Cell 30" is the 31st code cell
    for k, (a, b) in enumerate(code):
        ref, test = tol.flatten(a.outputs, sanitize), tol.flatten(b.outputs, sanitize)
        if ref == test:
            continue
        declared = tol.cell_tolerance(a)
        measured = tol.compare(test, ref, MEASURE)
        checked = (
            None if declared and tol.NOT_COMPARED in declared else tol.compare(test, ref, declared)
        )
        rows.append((k, a, measured, checked))
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "run", type=Path, help="folder of executed notebooks (tools/refresh_outputs.py --into)"
    )
    parser.add_argument(
        "--stored", type=Path, default=ROOT / "chapters", help="default: chapters/"
    )
    parser.add_argument("--json", type=Path, help="write every measured difference here")
    args = parser.parse_args(argv)
    sanitize, report, failing = sanitizer(), {}, 0
    for name in [Path(nb).name for nb in toc_notebooks()]:
        if not (args.run / name).exists():
            continue
        stored, fresh = (
            nbformat.read(folder / name, as_version=4) for folder in (args.stored, args.run)
        )
        rows = differences(stored, fresh, sanitize)
        print(f"\n{name}: {len(rows)} cells differ")
        for k, cell, measured, checked in rows:
            m, tags = measured.measured, cell.metadata.get("tags", [])
            kind = (
                "MD"
                if MACHINE_DEPENDENT in tags
                else "ignored"
                if "nbval-ignore-output" in tags
                else "--"
            )
            verdict = (
                "not compared"
                if checked is None
                else "holds"
                if not checked.failures
                else f"FAILS: {checked.failures[0].splitlines()[0]}"
            )
            failing += checked is not None and bool(checked.failures) and kind != "ignored"
            print(
                f"  cell {k:3} [{kind:7}] abs {m['abs']:.3g} rel {m['rel']:.3g} int "
                f"{m['int_abs']:g} "
                f"rms {m['figure_rms']:.3g} other: {len(measured.failures)}; declared "
                f"{cell.metadata.get('tolerance')}: {verdict}"
            )
            for failure in measured.failures[:2]:
                print("      " + failure.replace("\n", "\n      ")[:600])
            report.setdefault(name, {})[k] = dict(
                m,
                kind=kind,
                other=measured.failures,
                pairs=measured.pairs,
                int_pairs=measured.int_pairs,
                declared=cell.metadata.get("tolerance"),
                fails=None if checked is None else checked.failures,
            )
    if args.json:
        args.json.write_text(json.dumps(report, indent=1))
    print(f"\n{failing} compared cells fail their declared tolerance")
    return 1 if failing else 0


if __name__ == "__main__":
    sys.exit(main())
