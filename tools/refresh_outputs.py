"""Re-execute notebooks in fresh kernels, and write the outputs back if the notebook ran cleanly.

Each notebook runs top to bottom with its default parameters; its outputs are written back only
when the whole notebook ran cleanly (no error, no stderr). Prints each chapter's time and its
slowest cells, and the total: the book's run times are measured with this script.

    python tools/refresh_outputs.py                      # every notebook in _toc.yml
    python tools/refresh_outputs.py chapters/01_*.ipynb  # some of them
    python tools/refresh_outputs.py --time-only          # run and time them, write nothing
    python tools/refresh_outputs.py --time-only --alone  # each from an empty cache, as a reader
                                                         # runs one chapter (#28's "alone" times)
    python tools/refresh_outputs.py --into DIR           # write them into DIR instead, even if a
                                                         # cell failed (to measure differences)

All notebooks of one invocation share a fresh, empty cache of trained models (utils.cache), as a
reader's first run does: a chapter that reuses an earlier chapter's model loads it if that chapter
ran before it in this invocation, and trains it otherwise (with --alone, every notebook starts from
an empty cache). After chapter 4 is written back, its model is exported from that cache for the
page "Draw a digit" (tools/export_draw_model.py).
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

# the repository root: `tools` and `utils`
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tools import export_draw_model  # noqa: E402

# noqa: E402
from tools.notebooks import ROOT, prepare_kernel_environment, record_machine, toc_notebooks
from utils import cache  # noqa: E402


def execute(path, timeout, allow_errors=False):
    """Clear and execute the notebook at `path` in a fresh kernel started in its folder.

    Returns (nb, {cell index: seconds}): the executed notebook and each code cell's seconds."""
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
            cell.metadata.pop("execution", None)
    started, seconds = {}, {}

    def on_start(cell, cell_index):
        started[cell_index] = time.perf_counter()

    def on_executed(cell, cell_index, execute_reply):
        seconds[cell_index] = time.perf_counter() - started[cell_index]

    # C-level output (TensorFlow's "oneDNN custom operations are on" log line, written before its
    # logging starts, whatever TF_CPP_MIN_LOG_LEVEL says) goes to this script's stderr, not into
    # the notebook: as under nbval and papermill, whose kernels run under pytest, where ipykernel
    # does not capture file descriptors.
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        record_timing=False,
        allow_errors=allow_errors,
        extra_arguments=["--IPKernelApp.capture_fd_output=False"],
        resources={"metadata": {"path": str(path.parent)}},
        on_cell_start=on_start,
        on_cell_executed=on_executed,
    )
    client.execute()
    return nb, seconds


def stderr_outputs(nb):
    """(cell index, text) of every stderr stream output: the book must not store any."""
    return [
        (i, out.text)
        for i, cell in enumerate(nb.cells)
        if cell.cell_type == "code"
        for out in cell.outputs
        if out.output_type == "stream" and out.name == "stderr"
    ]


def slowest(nb, seconds, n=3):
    """The n slowest cells as 'cell 23 (model.fit(...): 166 s'."""
    top = sorted(seconds.items(), key=lambda item: -item[1])[:n]
    return ", ".join(
        f"cell {i} ({nb.cells[i].source.splitlines()[0][:40]}): {s:.0f} s" for i, s in top
    )


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "notebooks", nargs="*", type=Path, help="default: every notebook in _toc.yml"
    )
    parser.add_argument(
        "--timeout", type=int, default=1800, help="seconds per cell (default 1800)"
    )
    parser.add_argument(
        "--time-only", action="store_true", help="run and time the notebooks; write nothing"
    )
    parser.add_argument(
        "--into",
        type=Path,
        help="write the executed notebooks into this folder, not over "
        "the sources, errors and stderr included (for tools/output_differences.py)",
    )
    parser.add_argument(
        "--cache",
        type=Path,
        help="a folder to use as the cache of trained models, kept "
        "afterwards (default: a fresh temporary one, deleted); its entries are reused",
    )
    parser.add_argument(
        "--alone",
        action="store_true",
        help="give every notebook its own fresh, empty cache "
        "(a chapter that reuses another's model trains it itself)",
    )
    args = parser.parse_args(argv)
    if args.alone and args.cache:
        parser.error(
            "--alone gives each notebook a fresh cache: it cannot be combined with --cache"
        )
    prepare_kernel_environment()
    if args.cache:
        # utils.cache refuses a folder others may write
        args.cache.mkdir(mode=0o700, parents=True, exist_ok=True)
    fresh_cache = (
        str(args.cache.resolve()) if args.cache else tempfile.mkdtemp(prefix="cnn-tested-cache-")
    )
    os.environ[cache.ENV] = fresh_cache
    paths = [p.resolve() for p in args.notebooks] or [ROOT / nb for nb in toc_notebooks()]
    failed, times = 0, {}
    try:
        for path in paths:
            start = time.perf_counter()
            name = path.relative_to(ROOT)
            if args.alone:  # an empty cache for this notebook only
                shutil.rmtree(fresh_cache, ignore_errors=True)
                os.makedirs(fresh_cache)
            try:
                nb, seconds = execute(path, args.timeout, allow_errors=bool(args.into))
            except CellExecutionError as exc:
                print(f"FAILED  {name}: left unchanged\n{exc}", file=sys.stderr)
                failed += 1
                continue
            times[name] = time.perf_counter() - start
            if args.into:
                record_machine(nb)
                args.into.mkdir(parents=True, exist_ok=True)
                nbformat.write(nb, args.into / path.name)
                errors = [
                    i
                    for i, cell in enumerate(nb.cells)
                    if cell.cell_type == "code"
                    and any(out.output_type == "error" for out in cell.outputs)
                ]
                print(
                    f"ran {name} into {args.into} in {times[name]:.0f} s; errors in cells "
                    f"{errors}, stderr in "
                    f"cells {[i for i, _ in stderr_outputs(nb)]}; slowest: {slowest(nb, seconds)}",
                    flush=True,
                )
                failed += bool(errors)
                continue
            if noise := stderr_outputs(nb):
                print(
                    f"FAILED  {name}: stderr in cell(s) {[i for i, _ in noise]}, "
                    f"left unchanged\n{noise[0][1]}",
                    file=sys.stderr,
                )
                failed += 1
                continue
            if not args.time_only:
                record_machine(nb)
                tmp = path.with_suffix(".ipynb.tmp")
                nbformat.write(nb, tmp)
                os.replace(tmp, path)  # never a half-written notebook
            print(
                f"{'ran' if args.time_only else 'updated'} {name} in {times[name]:.0f} s; "
                f"slowest: "
                f"{slowest(nb, seconds)}",
                flush=True,
            )
            if path == export_draw_model.CHAPTER and not args.time_only:
                # the draw-a-digit page ships chapter 4's weights: export the model this run just
                # stored
                subprocess.run([sys.executable, str(Path(export_draw_model.__file__))], check=True)
    finally:
        if not args.cache:
            shutil.rmtree(fresh_cache, ignore_errors=True)
    print(f"\n{'notebook':50}{'seconds':>8}")
    for name, s in times.items():
        print(f"{str(name):50}{s:8.0f}")
    print(f"{'total':50}{sum(times.values()):8.0f}  ({sum(times.values()) / 60:.1f} min)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
