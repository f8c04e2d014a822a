"""What decides a trained model's last bits besides the code and the data: the CPU and the library versions."""
import hashlib
import json
import platform
from importlib import metadata
from pathlib import Path

# SIMD instruction sets that change which kernels oneDNN and Eigen run, hence the order of their sums
NUMERIC_FLAGS = {"avx", "avx2", "fma", "avx512f", "avx512bw", "avx512vl", "avx512_vnni", "avx512_bf16",
                 "avx_vnni", "amx_tile", "amx_bf16", "amx_int8", "asimd", "sve"}
# the libraries whose version changes what a notebook prints or draws; TensorFlow's wheel is
# tensorflow-cpu on x86-64 Linux and Windows, tensorflow elsewhere: both count as "tensorflow"
LIBRARIES = {"tensorflow": ("tensorflow-cpu", "tensorflow"), "keras": ("keras",), "numpy": ("numpy",),
             "matplotlib": ("matplotlib",)}


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
