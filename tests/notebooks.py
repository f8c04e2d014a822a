"""Helpers shared by the notebook tests and the contributor script: which notebooks, which parameters,
and the environment every notebook kernel starts in."""
import hashlib
import json
import os
import platform
from importlib import metadata
from pathlib import Path

import papermill
import yaml

ROOT = Path(__file__).resolve().parent.parent
REDUCED = Path(__file__).with_name("reduced_parameters.yml")


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


# --- which machine and which libraries recorded a notebook's outputs ------------------------------
# A trained model's weights differ in their last bits between CPUs (other SIMD kernels, other
# summation orders), so outputs that depend on them (training logs, accuracies, lists of mistakes)
# can only be reproduced exactly on a machine like the one that recorded them. Cells that show such
# outputs carry the tag MACHINE_DEPENDENT; nbval compares them exactly where the CPU fingerprint
# matches (this project's machines and CI) and skips only their output comparison elsewhere. Their
# assertions run everywhere. Other library versions are no reason to relax anything: they make the
# stored outputs stale, and the tests fail until the notebook is refreshed.
MACHINE_DEPENDENT = "machine-dependent"
METADATA_KEY = "cnn_tested"
NUMERIC_FLAGS = {"avx", "avx2", "fma", "avx512f", "avx512bw", "avx512vl", "avx512_vnni", "avx512_bf16",
                 "avx_vnni", "amx_tile", "amx_bf16", "amx_int8", "asimd", "sve"}
# the libraries whose version changes what a notebook prints or draws; TensorFlow's wheel is
# tensorflow-cpu on x86-64 Linux and Windows, tensorflow elsewhere: both count as "tensorflow"
LIBRARIES = {"tensorflow": ("tensorflow-cpu", "tensorflow"), "keras": ("keras",), "numpy": ("numpy",),
             "matplotlib": ("matplotlib",)}
REFRESH = ".venv/bin/python tests/refresh_outputs.py"


def machine_description():
    """What decides a trained model's last bits on this machine, besides the libraries: CPU model and SIMD flags."""
    cpu, flags = platform.processor(), set()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            key, _, value = line.partition(":")
            if key.strip() == "model name" and cpu == platform.processor():
                cpu = value.strip()
            elif key.strip() in ("flags", "Features"):
                flags = set(value.split()) & NUMERIC_FLAGS
    except OSError:
        pass  # not Linux: the processor name still tells machines apart
    return {"machine": platform.machine(), "cpu": cpu, "simd": sorted(flags)}


def library_versions():
    """Installed version of each of LIBRARIES (None if not installed)."""
    found = {}
    for name, distributions in LIBRARIES.items():
        found[name] = None
        for distribution in distributions:
            try:
                found[name] = metadata.version(distribution)
                break
            except metadata.PackageNotFoundError:
                pass
    return found


def machine_fingerprint(description=None):
    """A short hash of machine_description()."""
    text = json.dumps(description or machine_description(), sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def record_machine(nb):
    """Store this machine's fingerprint and the library versions in a notebook's metadata (at refresh)."""
    nb.metadata[METADATA_KEY] = {"machine_fingerprint": machine_fingerprint(), "versions": library_versions()}


def recorded_here(nb):
    """True if the notebook's outputs were recorded on a CPU like this one (same fingerprint)."""
    return nb.metadata.get(METADATA_KEY, {}).get("machine_fingerprint") == machine_fingerprint()


def staleness(nb, path):
    """Why the notebook at `path` has stale outputs for the installed libraries, with the fix; None if it has none."""
    record = nb.metadata.get(METADATA_KEY, {})
    fix = f"Refresh its outputs: {REFRESH} {path}"
    if "machine_fingerprint" not in record or "versions" not in record:
        return (f"{path} does not record the machine and library versions that made its outputs "
                f"(notebook metadata '{METADATA_KEY}'), so nothing shows they are current. {fix}")
    changed = [f"{name} {record['versions'].get(name)} -> {version}" for name, version in library_versions().items()
               if record["versions"].get(name) != version]
    if changed:
        return (f"{path} was recorded with other library versions than the installed ones "
                f"({', '.join(changed)}): its stored outputs are stale. {fix}")
    return None
