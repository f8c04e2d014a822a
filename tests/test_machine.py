"""The records that decide how a notebook's stored outputs are compared.

The CPU fingerprint and the library versions."""

import re
from pathlib import Path

import nbformat
import pytest

from tools.notebooks import ROOT, record_machine, recorded_here, staleness
from tools.rehearse import REHEARSALS
from utils.machine import (
    LIBRARIES,
    kernel_settings,
    library_versions,
    machine_description,
    machine_fingerprint,
)

PATH = "chapters/01_convolution.ipynb"


def test_a_notebook_recorded_here_is_recognised_and_current():
    nb = nbformat.v4.new_notebook()
    assert not recorded_here(nb)  # nothing recorded
    record_machine(nb)
    assert recorded_here(nb)
    assert staleness(nb, PATH) is None


def test_another_cpu_is_not_this_one():
    nb = nbformat.v4.new_notebook()
    record_machine(nb)
    other = dict(machine_description(), cpu="Some Other CPU", simd=["avx512f"])
    nb.metadata["cnn_tested"]["machine_fingerprint"] = machine_fingerprint(other)
    assert not recorded_here(nb)
    # another CPU is a reason to relax machine-dependent cells, not staleness
    assert staleness(nb, PATH) is None


def test_another_library_version_makes_the_notebook_stale_and_says_how_to_refresh():
    nb = nbformat.v4.new_notebook()
    record_machine(nb)
    nb.metadata["cnn_tested"]["versions"]["keras"] = "3.0.0"
    message = staleness(nb, PATH)
    assert f"keras 3.0.0 -> {library_versions()['keras']}" in message
    assert "stale" in message and f"tools/refresh_outputs.py {PATH}" in message
    # on the same CPU, so nothing is relaxed: its cells are compared as usual
    assert recorded_here(nb)


def test_a_notebook_without_the_record_is_stale_not_from_elsewhere():
    nb = nbformat.v4.new_notebook()
    message = staleness(nb, PATH)
    assert (
        "does not record the machine and library versions" in message
        and "refresh_outputs.py" in message
    )


def test_every_recorded_package_is_pinned_in_the_lock_at_the_installed_version():
    lock = dict(
        re.findall(r"(?m)^([A-Za-z0-9_.-]+)==([^ ;\n]+)", (ROOT / "requirements.txt").read_text())
    )
    lock = {name.lower().replace("_", "-"): version for name, version in lock.items()}
    for name, version in library_versions().items():
        pinned = [lock.get(d.lower().replace("_", "-")) for d in LIBRARIES[name]]
        assert version is not None, f"{name} is not installed"
        assert version in pinned, f"{name} {version} is installed, requirements.txt pins {pinned}"


def test_the_lock_pins_every_package_exactly():
    lines = [
        line
        for line in (ROOT / "requirements.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#") and line != "-e ."
    ]
    assert lines and all(re.match(r"^[A-Za-z0-9_.-]+==[^ ;]+( ; .+)?$", line) for line in lines), [
        line for line in lines if not re.match(r"^[A-Za-z0-9_.-]+==[^ ;]+( ; .+)?$", line)
    ]
    for direct in (
        "tensorflow-cpu",
        "keras",
        "numpy",
        "matplotlib",
        "pillow",
        "ipython",
        "matplotlib-inline",
    ):
        assert any(line.lower().startswith(direct + "==") for line in lines), (
            f"{direct} is not locked"
        )


@pytest.mark.parametrize("name", sorted(REHEARSALS))
def test_each_rehearsal_is_another_machine(name):
    """The settings that choose other numeric kernels are part of the fingerprint.

    Outputs recorded without them are thus never compared exactly under them."""
    here = machine_description(environ={})
    settings = REHEARSALS[name]
    assert kernel_settings(settings) == settings
    assert machine_fingerprint(machine_description(environ=settings)) != machine_fingerprint(here)


def test_settings_that_choose_no_kernels_leave_the_fingerprint_alone():
    assert kernel_settings({"HOME": "/root", "TF_CPP_MIN_LOG_LEVEL": "3"}) == {}
    assert "kernel_settings" not in machine_description(environ={"PATH": "/usr/bin"})
    assert kernel_settings({"OPENBLAS_L2_SIZE": "512", "ONEDNN_VERBOSE": "0"}) == {
        "ONEDNN_VERBOSE": "0",
        "OPENBLAS_L2_SIZE": "512",
    }


def test_a_planted_regression_changes_only_the_parameters_cell():
    from tools.rehearse import plant

    planted = plant(Path("chapters/04_mnist_cnn.ipynb"), "EPOCHS = 10 =>EPOCHS = 9  ")
    try:
        original, changed = (
            nbformat.read(ROOT / p, as_version=4) for p in ("chapters/04_mnist_cnn.ipynb", planted)
        )
        differing = [
            (a.source, b.source)
            for a, b in zip(original.cells, changed.cells)
            if a.source != b.source
        ]
        assert (
            len(differing) == 1
            and "parameters"
            in changed.cells[[c.source for c in changed.cells].index(differing[0][1])].metadata[
                "tags"
            ]
        )
        assert "EPOCHS = 9" in differing[0][1] and "EPOCHS = 10" in differing[0][0]
        assert [c.get("outputs") for c in changed.cells] == [
            c.get("outputs") for c in original.cells
        ]
    finally:
        (ROOT / planted).unlink()
    with pytest.raises(SystemExit, match="OLD=>NEW"):
        plant(Path("chapters/04_mnist_cnn.ipynb"), "EPOCHS = 11=>EPOCHS = 9")
