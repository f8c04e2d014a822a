"""Re-execute notebooks top to bottom in fresh kernels with their default parameters and write the
outputs back, only when the whole notebook ran cleanly (no error, no stderr).

    python tests/refresh_outputs.py                      # every notebook in _toc.yml
    python tests/refresh_outputs.py chapters/01_*.ipynb  # some of them
"""
import argparse
import os
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from notebooks import ROOT, prepare_kernel_environment, record_machine, toc_notebooks


def execute(path, timeout):
    """The notebook at `path`, cleared and executed in a fresh kernel started in its folder."""
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
            cell.metadata.pop("execution", None)
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", record_timing=False,
                            resources={"metadata": {"path": str(path.parent)}})
    client.execute()
    return nb


def stderr_outputs(nb):
    """(cell index, text) of every stderr stream output: the book must not store any."""
    return [(i, out.text) for i, cell in enumerate(nb.cells) if cell.cell_type == "code"
            for out in cell.outputs if out.output_type == "stream" and out.name == "stderr"]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: every notebook in _toc.yml")
    parser.add_argument("--timeout", type=int, default=1800, help="seconds per cell (default 1800)")
    args = parser.parse_args(argv)
    prepare_kernel_environment()
    paths = [p.resolve() for p in args.notebooks] or [ROOT / nb for nb in toc_notebooks()]
    failed = 0
    for path in paths:
        start = time.perf_counter()
        try:
            nb = execute(path, args.timeout)
        except CellExecutionError as exc:
            print(f"FAILED  {path.relative_to(ROOT)}: left unchanged\n{exc}", file=sys.stderr)
            failed += 1
            continue
        if noise := stderr_outputs(nb):
            print(f"FAILED  {path.relative_to(ROOT)}: stderr in cell(s) {[i for i, _ in noise]}, "
                  f"left unchanged\n{noise[0][1]}", file=sys.stderr)
            failed += 1
            continue
        record_machine(nb)
        tmp = path.with_suffix(".ipynb.tmp")
        nbformat.write(nb, tmp)
        os.replace(tmp, path)  # never a half-written notebook
        print(f"updated {path.relative_to(ROOT)} in {time.perf_counter() - start:.0f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
