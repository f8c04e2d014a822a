"""The records that decide how a notebook's stored outputs are compared: CPU fingerprint and library versions."""
import nbformat

from tools.notebooks import record_machine, recorded_here, staleness
from utils.machine import library_versions, machine_description, machine_fingerprint

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
    assert staleness(nb, PATH) is None  # another CPU is a reason to relax machine-dependent cells, not staleness


def test_another_library_version_makes_the_notebook_stale_and_says_how_to_refresh():
    nb = nbformat.v4.new_notebook()
    record_machine(nb)
    nb.metadata["cnn_tested"]["versions"]["keras"] = "3.0.0"
    message = staleness(nb, PATH)
    assert f"keras 3.0.0 -> {library_versions()['keras']}" in message
    assert "stale" in message and f"tools/refresh_outputs.py {PATH}" in message
    assert recorded_here(nb)  # on the same CPU, so nothing is relaxed: its cells are compared as usual


def test_a_notebook_without_the_record_is_stale_not_from_elsewhere():
    nb = nbformat.v4.new_notebook()
    message = staleness(nb, PATH)
    assert "does not record the machine and library versions" in message and "refresh_outputs.py" in message


def test_the_record_covers_the_libraries_that_change_the_outputs():
    versions = library_versions()
    assert set(versions) == {"tensorflow", "keras", "numpy", "matplotlib"}
    assert all(versions.values()), f"not installed: {[k for k, v in versions.items() if not v]}"
    assert machine_fingerprint() == machine_fingerprint(machine_description())  # stable within a machine
