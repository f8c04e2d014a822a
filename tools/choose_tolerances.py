"""Propose each machine-dependent cell's tolerance from measured differences, with a stated margin.

    python tools/output_differences.py RUN1 --json a.json     # e.g. another kind of CPU
    python tools/output_differences.py RUN2 --json b.json     # e.g. tools/rehearse.py settings
    python tools/choose_tolerances.py a.json b.json           # print the proposals
    python tools/choose_tolerances.py a.json b.json --write   # store them in the cells' metadata

For each cell it takes every measured difference in all the reports and proposes the tightest
tolerance that covers them all, times MARGIN, rounded up to two significant digits:
- numbers: the (atol, rtol) pair with the smallest total allowance relative to each number's size
  (so that a cell printing both a loss of 0.007 and an accuracy of 0.99 gets a small atol and a
  small rtol, not one wide bound); integers get a pair of their own where one moved
  (`"integers": {"rtol": ..., "atol": ...}`);
- figures: the largest RMS difference times MARGIN.
A cell whose words or line structure changed cannot be covered by a tolerance: it is listed for a
decision (tag it `"not_compared"` with a reason only if it shows a sample that legitimately
changes, and assert its claims).
--write never touches a cell whose declared tolerance is `"not_compared"`, and never loosens a cell
that is not tagged machine-dependent: it prints those instead.
"""

import argparse
import json
import math
import sys
from pathlib import Path

import nbformat

# the repository root: `tools` and `utils`
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tools.notebooks import MACHINE_DEPENDENT, ROOT  # noqa: E402

MARGIN = 2.0  # every tolerance is twice the largest difference measured


def round_up(value):
    """`value` rounded up to two significant digits (0 stays 0): 0.001234 -> 0.0013."""
    if value <= 0:
        return 0
    exponent = math.floor(math.log10(value)) - 1
    return float(f"{math.ceil(value / 10**exponent - 1e-9) * 10**exponent:.2g}")


def fit(pairs):
    """The (atol, rtol) that covers every (|x|, difference) pair.

    Of those, the one with the least total allowance per number."""
    if not pairs:
        return 0.0, 0.0
    best = None
    for threshold in sorted({0.0} | {x for x, _ in pairs}) + [math.inf]:
        # a 0 needs an atol
        atol = max([d for x, d in pairs if x < threshold or x == 0], default=0.0)
        rtol = max([d / x for x, d in pairs if x >= threshold and x > 0], default=0.0)
        cost = sum((atol + rtol * x) / max(x, 1e-12) for x, _ in pairs)
        if best is None or cost < best[0]:
            best = (cost, atol, rtol)
    return best[1], best[2]


def propose(measurements):
    """A tolerance dict covering every measurement of one cell.

    Each measurement is a report row of output_differences."""
    pairs = [tuple(p) for m in measurements for p in m.get("pairs", [])]
    atol, rtol = fit(pairs)
    proposal = {}
    if rtol:
        proposal["rtol"] = round_up(rtol * MARGIN)
    if atol:
        proposal["atol"] = round_up(atol * MARGIN)
    int_atol, int_rtol = fit([tuple(p) for m in measurements for p in m.get("int_pairs", [])])
    if int_atol or int_rtol:
        proposal["integers"] = {
            key: max(1, math.ceil(value * MARGIN)) if key == "atol" else round_up(value * MARGIN)
            for key, value in (("rtol", int_rtol), ("atol", int_atol))
            if value
        }
    rms = max(m["figure_rms"] for m in measurements)
    if rms:
        proposal["figure_rms"] = round_up(rms * MARGIN)
        blank = min(
            (m["blank_rms"] for m in measurements if m.get("blank_rms") is not None), default=None
        )
        # such a tolerance would pass a figure half erased
        if blank is not None and proposal["figure_rms"] > blank / 2:
            proposal["figure_rms_useless"] = (
                f"{proposal['figure_rms']} > half the figure's RMS from blank, {blank:.0f}"
            )
    return proposal


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "reports", nargs="+", type=Path, help="JSON reports of tools/output_differences.py"
    )
    parser.add_argument(
        "--write", action="store_true", help="store the proposals in the chapters' metadata"
    )
    args = parser.parse_args(argv)
    cells = {}
    for report in args.reports:
        for notebook, rows in json.loads(report.read_text()).items():
            for index, row in rows.items():
                cells.setdefault((notebook, int(index)), []).append(row)
    for notebook in sorted({nb for nb, _ in cells}):
        nb = nbformat.read(ROOT / "chapters" / notebook, as_version=4)
        for index in sorted(k for name, k in cells if name == notebook):
            rows, cell = (
                cells[(notebook, index)],
                [c for c in nb.cells if c.cell_type == "code"][index],
            )
            tags, declared = cell.metadata.get("tags", []), cell.metadata.get("tolerance")
            if "nbval-ignore-output" in tags:
                continue  # wall-clock times: not compared anywhere
            proposal = propose(rows)
            words = [f for row in rows for f in row["other"] if "the integer" not in f]
            note = "WORDS OR LINES CHANGED: decide" if words else ""
            print(
                f"{notebook} cell {index:3} {'MD' if MACHINE_DEPENDENT in tags else '--'} "
                f"declared {declared} proposed {proposal} {note}"
            )
            for failure in words[:2]:
                print("      " + failure.replace("\n", "\n      ")[:500])
            if (
                args.write
                and not words
                and MACHINE_DEPENDENT in tags
                and not (declared or {}).get("not_compared")
            ):
                cell.metadata["tolerance"] = proposal
        if args.write:
            nbformat.write(nb, ROOT / "chapters" / notebook)
    return 0


if __name__ == "__main__":
    sys.exit(main())
