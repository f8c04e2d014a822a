"""Runs before pytest starts any notebook kernel (nbval or papermill).

It also decides what nbval compares."""

import json
import os
import shutil
from collections import Counter
from pathlib import Path

import pytest

from utils.cache import ENV
from tools import tolerance
from tools.test_times import REPORT as TIMES  # where this run's seconds go: _build/test_times.json
from tools.notebooks import ROOT, models_cache_for_run, prepare_kernel_environment, recorded_here

prepare_kernel_environment()


def pytest_addoption(parser):
    parser.addoption(
        "--reuse-models",
        action="store_true",
        help="a warm run: keep the trained models in utils.cache's own folder "
        "($CNN_TESTED_CACHE, else ~/.cache/cnn-tested/models) and load those an earlier run "
        "stored; by default every run starts from a fresh, empty cache",
    )


def pytest_configure(config):
    """The cache of trained models for this run, inherited by every notebook kernel.

    A fresh, empty one, so that an entry left by an earlier run can never hide a change (chapters
    that share a model still share it within the run); with --reuse-models, utils.cache's own
    folder, kept (tools.notebooks.models_cache_for_run)."""
    try:
        folder, temporary = models_cache_for_run(config.getoption("--reuse-models", default=False))
    except ValueError as error:
        raise pytest.UsageError(str(error)) from None
    config._cnn_tested_cache = str(folder) if temporary else ""
    config._cnn_tested_cache_setting = os.environ.get(ENV)  # restored afterwards
    os.environ[ENV] = str(folder)


def pytest_unconfigure(config):
    # a temporary cache; --reuse-models keeps its folder
    if getattr(config, "_cnn_tested_cache", ""):
        shutil.rmtree(config._cnn_tested_cache, ignore_errors=True)
    if hasattr(config, "_cnn_tested_cache_setting"):
        if config._cnn_tested_cache_setting is None:
            os.environ.pop(ENV, None)
        else:
            os.environ[ENV] = config._cnn_tested_cache_setting


# what each compared cell measured, for tools and readers
REPORT = ROOT / "_build" / "nbval_comparison.json"
WAYS = ("exactly", "within tolerance", "not at all")


def pytest_collection_modifyitems(config, items):
    """Decide how nbval compares each cell (tools/tolerance.py).

    Exactly where the notebook was recorded on a CPU like this one; elsewhere within the tolerance
    a cell declares, and exactly where it declares none."""
    cells = [item for item in items if hasattr(item, "compare_outputs") and hasattr(item, "cell")]
    config._cnn_tested_ways, config._cnn_tested_measured = {}, {}
    for item in cells:
        foreign = not recorded_here(item.parent.nb)
        declared = tolerance.cell_tolerance(item.cell)
        if item.options.get("skip") or not item.options.get("check", True):
            # nbval-skip, or nbval-ignore-output (wall-clock times): executed, not compared
            way = "not at all"
        elif foreign and declared and tolerance.NOT_COMPARED in declared:
            # the cell still runs: its assertions still count
            way, item.options["check"] = (
                "not at all",
                False,
            )
        else:
            way = "within tolerance" if foreign and declared else "exactly"
            item.compare_outputs = _comparing(item, declared if foreign else None, foreign, config)
        config._cnn_tested_ways[item] = way


def _comparing(item, declared, foreign, config):
    """Replacement for nbval's compare_outputs: tools.tolerance.compare, with nbval's sanitizer."""

    def compare(test, ref, skip_compare=None):
        result = tolerance.compare(
            tolerance.flatten(test, item.sanitize),
            tolerance.flatten(ref, item.sanitize),
            declared,
            foreign=foreign,
        )
        index = int(item.name.split()[-1])  # nbval's "Cell 30": the 31st code cell
        config._cnn_tested_measured.setdefault(item.parent.name, {})[index] = (
            dict(  # tools/choose_tolerances.py reads it
                result.measured,
                pairs=result.pairs,
                int_pairs=result.int_pairs,
                kind="MD" if declared else "--",
                declared=declared,
                other=[f for f in result.failures if "allowed" not in f],
                fails=result.failures,
            )
        )
        beyond = (
            f" beyond the tolerance the cell declares ({json.dumps(declared)})" if declared else ""
        )
        item.comparison_traceback = [
            f"outputs differ{beyond} (recorded on {'another' if foreign else 'this'} CPU):"
        ] + result.failures
        return not result.failures

    return compare


def pytest_report_header(config):
    return (
        "notebook outputs: compared exactly where recorded on a CPU like this one (figures byte "
        "for byte); "
        "elsewhere within the tolerance each cell declares (tools/tolerance.py), exactly where "
        "it declares none"
    )


# node ids of the tests that ran (or were skipped while running): -k, -x and deselection leave out
# the rest
RAN = set()
# each test's seconds, setup and teardown included (a session fixture counts where it is built)
SECONDS = Counter()


def pytest_runtest_logreport(report):
    SECONDS[report.nodeid] += report.duration
    if report.when == "call" or report.skipped:
        RAN.add(report.nodeid)


def pytest_sessionfinish(session):
    """Write every test's seconds to TIMES.

    CNN_TESTED_TIMES names another file, e.g. for tools/rehearse.py."""
    if SECONDS:
        path = Path(os.environ.get("CNN_TESTED_TIMES") or TIMES)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"tests": dict(SECONDS)}, indent=0))


def pytest_terminal_summary(terminalreporter, config):
    ways = {
        item: way
        for item, way in getattr(config, "_cnn_tested_ways", {}).items()
        if item.nodeid in RAN
    }
    if not ways:
        terminalreporter.write_line(
            "NO NOTEBOOK OUTPUTS WERE COMPARED: no notebook cell ran in this run "
            "(run `pytest` from the repository root, or name chapters/ or a notebook)",
            red=True,
            bold=True,
        )
        return
    cells, figures, notebooks = Counter(), Counter(), {}
    for item, way in ways.items():
        notebook = item.parent.name
        notebooks.setdefault(notebook, (Counter(), Counter(), recorded_here(item.parent.nb)))
        n_figures = sum(
            any(key in out.get("data", {}) for key in tolerance.FIGURES)
            for out in item.cell.outputs
        )
        for total, per_notebook, n in (
            (cells, notebooks[notebook][0], 1),
            (figures, notebooks[notebook][1], n_figures),
        ):
            total[way] += n
            per_notebook[way] += n
    terminalreporter.write_line(
        "notebook outputs compared (cells / figures), exactly | within tolerance | not at all:"
    )
    for notebook, (c, f, here) in notebooks.items():
        terminalreporter.write_line(
            f"  {notebook:45} {' | '.join(f'{c[w]:3} / {f[w]:2}' for w in WAYS)}   "
            f"recorded on {'this CPU' if here else 'another CPU (or other kernel settings)'}"
        )
    terminalreporter.write_line(
        f"  {'all ' + str(len(notebooks)) + ' notebooks':45} "
        f"{' | '.join(f'{cells[w]:3} / {figures[w]:2}' for w in WAYS)}"
    )
    measured = getattr(config, "_cnn_tested_measured", {})
    if measured:
        REPORT.parent.mkdir(exist_ok=True)
        REPORT.write_text(json.dumps(measured, indent=1))
        terminalreporter.write_line(
            f"  what each compared cell measured: {REPORT.relative_to(ROOT)}"
        )
