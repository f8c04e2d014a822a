"""Helpers shared by the notebook tests and the contributor script: which notebooks, which parameters,
and the environment every notebook kernel starts in."""
import os
from pathlib import Path

import papermill
import yaml

ROOT = Path(__file__).resolve().parent.parent
REDUCED = Path(__file__).with_name("reduced_parameters.yml")


def toc_notebooks(root=ROOT):
    """Paths (relative to root) of every .ipynb listed in _toc.yml, in book order."""
    files = []

    def walk(node):
        if isinstance(node, dict):
            if "file" in node:
                files.append(node["file"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    toc = yaml.safe_load((root / "_toc.yml").read_text())
    walk(toc)
    return [f + ".ipynb" for f in files if (root / (f + ".ipynb")).exists()]


def reduced_parameters():
    """The table of reduced papermill parameters: notebook path -> {name: value}."""
    return yaml.safe_load(REDUCED.read_text()) or {}


def check_parameter_names(notebook, parameters):
    """Raise ValueError unless every name in `parameters` is a variable of the notebook's parameters cell."""
    known = papermill.inspect_notebook(str(notebook))
    if not known:
        raise ValueError(f"{notebook}: no cell tagged 'parameters'")
    unknown = sorted(set(parameters) - set(known))
    if unknown:
        raise ValueError(f"{notebook}: {unknown} are not parameters of this notebook; "
                         f"its parameters are {sorted(known)}")


def prepare_kernel_environment():
    """Set what notebook kernels inherit: call before any kernel starts."""
    # TensorFlow's C++ log lines would otherwise land in notebook outputs as stderr.
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
    # Build matplotlib's font cache now, so that no kernel writes "building the font cache" to stderr.
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.font_manager  # noqa: F401
