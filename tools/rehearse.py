"""Rehearse another CPU on this one: run nbval over the chapters with other numeric kernels forced.

Every cell is then compared as on a reader's machine, within the tolerances the cells declare.

    python tools/rehearse.py                          # every chapter, as CPU "eigen" (the default)
    python tools/rehearse.py --as avx2 chapters/04_mnist_cnn.ipynb
    python tools/rehearse.py --list                   # the settings of each rehearsal
    python tools/rehearse.py --as avx2 --plant "BATCH_SIZE = 128=>BATCH_SIZE = 112" chapters/04_*
                                                      # a planted regression: must FAIL

Each rehearsal sets environment variables that choose other kernels (each was measured to change a
trained model's bits or NumPy's results; see "How this book is tested" in the book). They are part
of the machine's fingerprint (utils.machine.KERNEL_SETTINGS), so under any of them no notebook
counts as recorded on this CPU: every cell that declares a tolerance is compared within it, every
other cell exactly. Results differ from the recording in their last bits, as on another CPU;
bit-identity with a real other CPU is not on offer (kernel blocking also follows cache sizes). The
measured differences land in _build/nbval_comparison.json; extra arguments after `--` go to pytest.

--plant OLD=>NEW runs a copy of each named notebook whose parameters cell has OLD replaced by NEW
(a regression a reader's machine must catch: the copy keeps the stored outputs), from chapters/
under a name starting with "zz_planted_", deleted afterwards. The rehearsal then fails, and its
failures show which cells caught the change.
"""

import argparse
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

NUMPY_WITHOUT_AVX2 = (
    "X86_V3 X86_V4 AVX512_ICL AVX512_SPR"  # NumPy 2.4's names; the old "AVX512F" does nothing
)
REHEARSALS = {
    # differs from both kinds of this project's machines (AVX2 only, and AVX-512), and from most
    # readers'
    "eigen": {
        # TensorFlow's Eigen kernels instead of oneDNN's (about 1.7x slower)
        "TF_ENABLE_ONEDNN_OPTS": "0",
        "OPENBLAS_CORETYPE": "Sandybridge",  # NumPy's matrix products: AVX, no FMA
        "NPY_DISABLE_CPU_FEATURES": NUMPY_WITHOUT_AVX2,
    },  # NumPy's own loops (exp, sums): SSE4 at most
    # an AVX2-only CPU, rehearsed on an AVX-512 one (on an AVX2-only CPU it changes little)
    "avx2": {
        "ONEDNN_MAX_CPU_ISA": "AVX2",
        "OPENBLAS_CORETYPE": "Haswell",
        "NPY_DISABLE_CPU_FEATURES": "X86_V4 AVX512_ICL AVX512_SPR",
    },
    # an x86 CPU without AVX (oneDNN about 3x slower)
    "sse41": {
        "ONEDNN_MAX_CPU_ISA": "SSE41",
        "OPENBLAS_CORETYPE": "Nehalem",
        "NPY_DISABLE_CPU_FEATURES": NUMPY_WITHOUT_AVX2,
    },
}


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "notebooks", nargs="*", default=["chapters"], help="default: chapters (every chapter)"
    )
    parser.add_argument(
        "--as", dest="cpu", choices=sorted(REHEARSALS), default="eigen", help="default: eigen"
    )
    parser.add_argument(
        "--list", action="store_true", help="print each rehearsal's settings and exit"
    )
    parser.add_argument(
        "--plant", metavar="OLD=>NEW", help="change each notebook's parameters cell: must fail"
    )
    argv = sys.argv[1:] if argv is None else list(argv)
    pytest_args = argv[argv.index("--") + 1 :] if "--" in argv else []
    args = parser.parse_args(argv[: argv.index("--")] if "--" in argv else argv)
    if args.list:
        for name, settings in REHEARSALS.items():
            print(f"{name:6} " + " ".join(f"{k}={v!r}" for k, v in settings.items()))
        return 0
    env = dict(os.environ, **REHEARSALS[args.cpu])
    # tools/test_times.py
    env.setdefault("CNN_TESTED_TIMES", str(ROOT / "_build" / "rehearse_times.json"))
    notebooks = (
        [plant(Path(nb), args.plant) for nb in args.notebooks] if args.plant else args.notebooks
    )
    command = [sys.executable, "-m", "pytest", *map(str, notebooks), *pytest_args]
    print(
        f"rehearsing CPU '{args.cpu}': "
        + " ".join(f"{k}={v}" for k, v in REHEARSALS[args.cpu].items()),
        flush=True,
    )
    try:
        return subprocess.call(command, cwd=ROOT, env=env)
    finally:
        for planted in notebooks if args.plant else []:
            planted.unlink()


def plant(notebook, change):
    """A copy of `notebook` in its folder, its parameters cell changed by "OLD=>NEW".

    OLD must occur in the parameters cell."""
    import nbformat

    old, sep, new = change.partition("=>")
    nb = nbformat.read(ROOT / notebook, as_version=4)
    cell = next((c for c in nb.cells if "parameters" in c.metadata.get("tags", [])), None)
    if not sep or cell is None or old not in cell.source:
        raise SystemExit(
            f"--plant {change!r}: expected OLD=>NEW with OLD in the parameters cell of {notebook}"
        )
    cell.source = cell.source.replace(old, new)
    planted = (ROOT / notebook).with_name(f"zz_planted_{(ROOT / notebook).name}")
    nbformat.write(nb, planted)
    return planted.relative_to(ROOT)


if __name__ == "__main__":
    sys.exit(main())
