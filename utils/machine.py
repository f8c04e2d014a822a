"""What decides a notebook's outputs besides the code and the data.

The CPU, the settings that choose its numeric kernels, and the versions of the packages that
compute, print or draw them.
"""

import hashlib
import json
import os
import platform
from importlib import metadata
from pathlib import Path

# SIMD instruction sets that change which kernels oneDNN and Eigen run, hence the order of their
# sums
NUMERIC_FLAGS = {
    "avx",
    "avx2",
    "fma",
    "avx512f",
    "avx512bw",
    "avx512vl",
    "avx512_vnni",
    "avx512_bf16",
    "avx_vnni",
    "amx_tile",
    "amx_bf16",
    "amx_int8",
    "asimd",
    "sve",
}
# Environment settings that choose other numeric kernels on the same CPU (each measured to change a
# trained model's bits or NumPy's results): a run under any of them is a run on another machine.
# Every variable of oneDNN (ONEDNN_*, DNNL_*) and OpenBLAS (OPENBLAS_*: its core type and cache
# sizes decide its blocking), and these:
KERNEL_SETTINGS = (
    "TF_ENABLE_ONEDNN_OPTS",
    "TF_XLA_FLAGS",
    "OMP_NUM_THREADS",
    "MKL_NUM_THREADS",
    "NPY_DISABLE_CPU_FEATURES",
    "NPY_ENABLE_CPU_FEATURES",
)
KERNEL_SETTING_PREFIXES = ("ONEDNN_", "DNNL_", "OPENBLAS_")
# The packages whose version changes what a notebook computes, prints or draws, transitive ones
# included: TensorFlow's wheel is tensorflow-cpu on x86-64 Linux and Windows, tensorflow elsewhere
# (both "tensorflow"); ml_dtypes and h5py (Keras' saved weights), optree (Keras' structures), rich
# (model.summary's table); Pillow writes the PNGs and matplotlib's drawing uses contourpy,
# kiwisolver, fonttools, pyparsing and cycler; IPython, ipykernel and matplotlib-inline shape the
# outputs; myst-nb stores the glued values.
LIBRARIES = {
    "tensorflow": ("tensorflow-cpu", "tensorflow"),
    "keras": ("keras",),
    "numpy": ("numpy",),
    "ml_dtypes": ("ml_dtypes",),
    "h5py": ("h5py",),
    "optree": ("optree",),
    "rich": ("rich",),
    "matplotlib": ("matplotlib",),
    "pillow": ("pillow",),
    "contourpy": ("contourpy",),
    "kiwisolver": ("kiwisolver",),
    "fonttools": ("fonttools",),
    "pyparsing": ("pyparsing",),
    "cycler": ("cycler",),
    "ipython": ("ipython",),
    "ipykernel": ("ipykernel",),
    "matplotlib-inline": ("matplotlib-inline",),
    "myst-nb": ("myst-nb",),
}


def kernel_settings(environ=None):
    """The KERNEL_SETTINGS set in `environ` (default: this process's environment), by name."""
    environ = os.environ if environ is None else environ
    return {
        name: environ[name]
        for name in sorted(environ)
        if name in KERNEL_SETTINGS or name.startswith(KERNEL_SETTING_PREFIXES)
    }


def machine_description(environ=None):
    """What decides a trained model's last bits on this machine, besides the libraries.

    CPU model, SIMD flags and the kernel-choosing settings in the environment (listed
    only when one is set).
    """
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
    description = {"machine": platform.machine(), "cpu": cpu, "simd": sorted(flags)}
    if settings := kernel_settings(environ):
        description["kernel_settings"] = settings
    return description


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
