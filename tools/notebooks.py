"""Helpers shared by the notebook tests and the maintainers' scripts.

Which notebooks, which parameters, the environment every notebook kernel starts in, and the record
of which machine and libraries made a notebook's outputs."""

import atexit
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

import nbformat
import papermill
import yaml

from utils.cache import ENV as CACHE_ENV, cache_dir, folder_problem
from utils.machine import library_versions, machine_fingerprint

ROOT = Path(__file__).resolve().parent.parent
REDUCED = ROOT / "tests" / "reduced_parameters.yml"


def toc_files(root=ROOT):
    """Every file listed in _toc.yml (the root page first), without suffix, in book order."""
    toc = yaml.safe_load((root / "_toc.yml").read_text())
    files = [toc["root"]]

    def walk(node):
        if isinstance(node, dict):
            files.extend([node["file"]] if "file" in node else [])
            node = list(node.values())
        if isinstance(node, list):
            for item in node:
                walk(item)

    walk(toc)
    return list(dict.fromkeys(files))


def toc_notebooks(root=ROOT):
    """Paths (relative to root) of every .ipynb listed in _toc.yml, in book order."""
    return [f + ".ipynb" for f in toc_files(root) if (root / (f + ".ipynb")).exists()]


def reduced_parameters():
    """The table of reduced papermill parameters: notebook path -> {name: value}."""
    return yaml.safe_load(REDUCED.read_text()) or {}


def stored_glue(notebook, name):
    """Text of the value a notebook glued as `name` (utils.book.glue), from its stored outputs."""
    nb = nbformat.read(ROOT / notebook, as_version=4)
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            scrapbook = out.get("metadata", {}).get("scrapbook", {})
            if scrapbook.get("name") == name:
                return out["data"][scrapbook["mime_prefix"] + "text/plain"].strip("'")
    raise LookupError(f"{notebook} glues no {name!r}")


def parameter(notebook, name):
    """The default value of a variable of a notebook's parameters cell."""
    return eval(papermill.inspect_notebook(str(ROOT / notebook))[name]["default"])


def check_parameter_names(notebook, parameters):
    """Raise ValueError unless every name in `parameters` is a variable of the parameters cell."""
    known = papermill.inspect_notebook(str(notebook))
    if not known:
        raise ValueError(f"{notebook}: no cell tagged 'parameters'")
    unknown = sorted(set(parameters) - set(known))
    if unknown:
        raise ValueError(
            f"{notebook}: {unknown} are not parameters of this notebook; "
            f"its parameters are {sorted(known)}"
        )


def models_cache_for_run(reuse=False):
    """The folder of trained models (utils.cache) for a test run, and whether to delete it after.

    By default a fresh, empty temporary folder: nothing an earlier run stored can hide a change (a
    cold run). With reuse (pytest --reuse-models, a warm run), utils.cache's own folder, kept: its
    key holds everything that decides the trained weights, so an earlier run's entry is loaded only
    for the very same training."""
    if not reuse:
        return Path(tempfile.mkdtemp(prefix="cnn-tested-cache-")), True
    folder = cache_dir()
    if folder is None:
        raise ValueError(
            f"reusing trained models needs the cache on: {CACHE_ENV} is {os.environ[CACHE_ENV]!r}"
        )
    problem = folder_problem(folder)
    # every kernel would refuse it with a warning and train afresh: a warm run in name only
    if problem:
        raise ValueError(
            f"the cache of trained models {folder} {problem}: set {CACHE_ENV} to another folder"
        )
    return folder, False


def prepare_kernel_environment():
    """Set what notebook kernels inherit: call before any kernel starts."""
    # TensorFlow's C++ log lines would otherwise land in notebook outputs as stderr.
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
    # Build matplotlib's font cache now, so that no kernel writes "building the font cache" to
    # stderr.
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.font_manager  # noqa: F401

    # Kernel "python3" is this environment's Python, whatever kernelspecs the user has installed
    # (the libraries recorded in the notebooks are this process's): JUPYTER_PATH is searched before
    # the user's folders.
    folder = Path(tempfile.mkdtemp(prefix="cnn-tested-kernels-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    (folder / "kernels" / "python3").mkdir(parents=True)
    (folder / "kernels" / "python3" / "kernel.json").write_text(
        json.dumps(
            {
                "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                "display_name": "Python 3 (this environment)",
                "language": "python",
            }
        )
    )
    os.environ["JUPYTER_PATH"] = os.pathsep.join(
        filter(None, [str(folder), os.environ.get("JUPYTER_PATH")])
    )


# --- which machine and which libraries recorded a notebook's outputs
# ------------------------------ A trained model's weights differ in their last bits between CPUs
# (other SIMD kernels, other summation orders) and between kernel settings on one CPU, so outputs
# that depend on them (training logs, accuracies, figures of learned weights) are reproduced
# exactly only on a machine with the recording one's fingerprint (utils.machine). Cells that show
# such outputs carry the tag MACHINE_DEPENDENT and declare a tolerance (tools/tolerance.py):
# elsewhere they are compared within it. Their assertions run everywhere. Other library versions
# are no reason to relax anything: they make the stored outputs stale, and the tests fail until the
# notebook is refreshed.
MACHINE_DEPENDENT = "machine-dependent"
METADATA_KEY = "cnn_tested"
REFRESH = ".venv/bin/python tools/refresh_outputs.py"


def record_machine(nb):
    """Store this machine's fingerprint and the library versions in a notebook's metadata.

    Called at refresh."""
    nb.metadata[METADATA_KEY] = {
        "machine_fingerprint": machine_fingerprint(),
        "versions": library_versions(),
    }


def recorded_here(nb):
    """True if the notebook's outputs were recorded on a CPU like this one (same fingerprint)."""
    return nb.metadata.get(METADATA_KEY, {}).get("machine_fingerprint") == machine_fingerprint()


def staleness(nb, path):
    """Why the notebook at `path` has stale outputs for the installed libraries, with the fix.

    None if its outputs are not stale."""
    record = nb.metadata.get(METADATA_KEY, {})
    fix = f"Refresh its outputs: {REFRESH} {path}"
    if "machine_fingerprint" not in record or "versions" not in record:
        return (
            f"{path} does not record the machine and library versions that made its outputs "
            f"(notebook metadata '{METADATA_KEY}'), so nothing shows they are current. {fix}"
        )
    changed = [
        f"{name} {record['versions'].get(name)} -> {version}"
        for name, version in library_versions().items()
        if record["versions"].get(name) != version
    ]
    if changed:
        return (
            f"{path} was recorded with other library versions than the installed ones "
            f"({', '.join(changed)}): its stored outputs are stale. {fix}"
        )
    return None
