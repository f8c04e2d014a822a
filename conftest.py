"""Runs before pytest starts any notebook kernel (nbval or papermill), and decides what nbval compares."""
import base64
import hashlib
import os
import shutil
import tempfile

import nbformat

from utils.cache import ENV
from tools.notebooks import MACHINE_DEPENDENT, prepare_kernel_environment, recorded_here

prepare_kernel_environment()


def pytest_configure(config):
    """A fresh, empty cache of trained models for this run (inherited by every notebook kernel): an entry
    left by an earlier run can never hide a change. Chapters that share a model still share it within the run."""
    config._cnn_tested_cache = tempfile.mkdtemp(prefix="cnn-tested-cache-")
    os.environ[ENV] = config._cnn_tested_cache


def pytest_unconfigure(config):
    shutil.rmtree(getattr(config, "_cnn_tested_cache", ""), ignore_errors=True)

FIGURES = ("image/png",)  # what matplotlib's inline backend stores for a figure


def pytest_collection_modifyitems(config, items):
    """Compare figures where the notebook was recorded on this kind of CPU; elsewhere relax machine-dependent cells."""
    cells = [item for item in items if hasattr(item, "compare_outputs") and hasattr(item, "cell")]
    here = [item for item in cells if recorded_here(item.parent.nb)]
    for item in here:
        item.compare_outputs = _comparing_figures(item.compare_outputs, item.parent.skip_compare)
    relaxed = [item for item in cells if item not in here and _machine_dependent(item)]
    for item in relaxed:
        item.options["check"] = False  # the cell still runs: its assertions still count
    config._cnn_tested_counts = {
        "cells": sum(item.options.get("check", True) for item in cells),
        "notebooks": len({item.parent for item in cells}),
        "figures": sum(_figures(item.cell.outputs) for item in here if item.options.get("check", True)),
        "relaxed": len(relaxed),
    }


def _comparing_figures(compare_outputs, skip_compare):
    """nbval's compare_outputs, with every figure compared by the SHA-256 of its PNG bytes (nbval skips images)."""
    keep = tuple(key for key in skip_compare if key not in FIGURES)

    def compare(test, ref, skip_compare=None):
        return compare_outputs(_hash_figures(test), _hash_figures(ref), skip_compare=keep)

    return compare


def _hash_figures(outputs):
    """Copies of the outputs with each PNG replaced by a short, readable line: its size in bytes and its hash."""
    hashed = []
    for out in outputs:
        data = out.get("data", {})
        if any(key in data for key in FIGURES):
            out = nbformat.from_dict(dict(out, data={key: _png_digest(value) if key in FIGURES else value
                                                     for key, value in data.items()}))
        hashed.append(out)
    return hashed


def _png_digest(value):
    png = base64.b64decode(value if isinstance(value, str) else "".join(value))
    return f"PNG of {len(png):,} bytes, sha256 {hashlib.sha256(png).hexdigest()[:16]}"


def _figures(outputs):
    return sum(any(key in out.get("data", {}) for key in FIGURES) for out in outputs)


def _machine_dependent(item):
    return MACHINE_DEPENDENT in item.cell.metadata.get("tags", [])


def pytest_report_header(config):
    return ("notebook outputs: text and figures (by PNG hash) compared exactly where recorded on a CPU like this "
            "one; elsewhere text only, and cells tagged 'machine-dependent' are only executed (their asserts run)")


def pytest_terminal_summary(terminalreporter, config):
    counts = getattr(config, "_cnn_tested_counts", None)
    if not counts or not counts["notebooks"]:
        terminalreporter.write_line(
            "NO NOTEBOOK OUTPUTS WERE COMPARED: nbval collected no notebook in this run "
            "(run `pytest` from the repository root, or name chapters/ or a notebook)", red=True, bold=True)
        return
    terminalreporter.write_line(
        f"notebook outputs compared: {counts['cells']} cells in {counts['notebooks']} notebooks, "
        f"{counts['figures']} figures among them by PNG hash")
    if counts["relaxed"]:
        terminalreporter.write_line(
            f"{counts['relaxed']} machine-dependent notebook cells were executed but not compared: "
            "their stored outputs were recorded on another kind of CPU (see README, 'How the tests work')")
