"""The machine fingerprint that decides whether machine-dependent notebook outputs are compared."""
import nbformat

from notebooks import machine_description, machine_fingerprint, record_machine, recorded_here


def test_a_notebook_recorded_here_is_recognised():
    nb = nbformat.v4.new_notebook()
    assert not recorded_here(nb)  # nothing recorded
    record_machine(nb)
    assert recorded_here(nb)


def test_another_machine_is_not_this_one():
    nb = nbformat.v4.new_notebook()
    other = dict(machine_description(), cpu="Some Other CPU", simd=["avx512f"])
    nb.metadata["cnn_tested"] = {"machine_fingerprint": machine_fingerprint(other)}
    assert not recorded_here(nb)


def test_the_fingerprint_covers_the_packages_that_change_the_numbers():
    description = machine_description()
    assert {"keras", "numpy"} <= set(description["versions"])
    newer = dict(description, versions=dict(description["versions"], keras="99.0"))
    assert machine_fingerprint(newer) != machine_fingerprint(description)
    assert machine_fingerprint() == machine_fingerprint(description)  # stable within a machine
