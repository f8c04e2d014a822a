"""Layer 2: every chapter in _toc.yml runs end to end under papermill with reduced parameters."""

import shutil
import sys

import nbformat
import papermill
import pytest

from tools.notebooks import (
    ROOT,
    check_parameter_names,
    models_cache_for_run,
    reduced_parameters,
    toc_notebooks,
)
from utils import cache

NOTEBOOKS = toc_notebooks()
TABLE = reduced_parameters()
# Chapter 6 loads chapter 4's model from the cache of trained models. Its crash test is the cache
# test at the end of this file, which runs it twice: loading that model (a hit), and training it
# with the cache off.
CACHE_CHAPTER = "chapters/06_what_the_network_learned.ipynb"
CACHE_MODEL_CHAPTER = "chapters/04_mnist_cnn.ipynb"  # trains the model that CACHE_CHAPTER loads


def test_the_toc_lists_notebooks():
    assert NOTEBOOKS, "_toc.yml lists no notebook"


def test_every_toc_notebook_has_a_row_in_the_table_and_no_row_is_stale():
    assert sorted(TABLE) == sorted(NOTEBOOKS), "tests/reduced_parameters.yml and _toc.yml disagree"


@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_reduced_parameter_names_exist_in_the_notebook(notebook):
    check_parameter_names(ROOT / notebook, TABLE.get(notebook) or {})


def test_a_misspelled_parameter_fails():
    with pytest.raises(ValueError, match=r"\['N_DIGIT'\] are not parameters"):
        check_parameter_names(ROOT / NOTEBOOKS[0], {"N_DIGIT": 1})


RAN = set()  # the chapters whose reduced run finished in this test session


@pytest.mark.parametrize("notebook", [nb for nb in NOTEBOOKS if nb != CACHE_CHAPTER])
def test_notebook_runs_with_reduced_parameters(notebook, tmp_path):
    run_reduced(notebook, tmp_path / "out.ipynb")
    RAN.add(notebook)


def run_reduced(notebook, out):
    """Run `notebook` with its reduced parameters into `out`; return the executed notebook.

    The working directory is neither the notebook's nor the repository's. Fail with the failing
    cell's source, and on any output to stderr (a warning: the stored outputs have none, so a
    warning that only small sizes raise fails here too)."""
    parameters = TABLE.get(notebook) or {}
    check_parameter_names(ROOT / notebook, parameters)
    try:
        papermill.execute_notebook(
            str(ROOT / notebook),
            str(out),
            parameters=parameters,
            cwd=str(out.parent),
            kernel_name="python3",
            progress_bar=False,
            execution_timeout=900,
        )
    except papermill.PapermillExecutionError as exc:
        source = nbformat.read(out, as_version=4).cells[exc.cell_index].source
        pytest.fail(
            f"{notebook} failed in cell {exc.exec_count} ({exc.ename}: {exc.evalue})\n"
            f"--- cell source ---\n{source}",
            pytrace=False,
        )
    executed = nbformat.read(out, as_version=4)
    for cell in executed.cells:
        errors = "".join(
            o.get("text", "") for o in cell.get("outputs", []) if o.get("name") == "stderr"
        )
        if errors:
            pytest.fail(
                f"{notebook} wrote to stderr with its reduced parameters:\n{errors[-2000:]}\n"
                f"--- cell source ---\n{cell.source}",
                pytrace=False,
            )
    return executed


def test_the_crash_runs_fail_on_a_warning(tmp_path):
    parameters = nbformat.v4.new_code_cell("N = 0", metadata={"tags": ["parameters"]})
    nb = nbformat.v4.new_notebook(
        cells=[parameters, nbformat.v4.new_code_cell("import numpy as np\nnp.mean([])")]
    )
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    (tmp_path / "warns.ipynb").write_text(nbformat.writes(nb))
    with pytest.raises(pytest.fail.Exception, match="(?s)wrote to stderr .*Mean of empty slice"):
        run_reduced(str(tmp_path / "warns.ipynb"), tmp_path / "out.ipynb")


def test_the_kernels_run_this_python():
    """papermill and tools/refresh_outputs.py start kernel "python3": it must run this Python.

    It must be this environment's interpreter, not one that a user-level kernelspec names (the
    libraries recorded are this process's)."""
    from jupyter_client.kernelspec import KernelSpecManager

    assert KernelSpecManager().get_kernel_spec("python3").argv[0] == sys.executable


def test_a_test_run_starts_from_a_fresh_empty_cache_of_models_unless_it_reuses_them(
    monkeypatch, tmp_path
):
    monkeypatch.setenv(cache.ENV, str(tmp_path / "kept"))
    (first, temporary), (second, _) = models_cache_for_run(), models_cache_for_run()
    try:
        assert (
            temporary
            and first != second
            and not any(first.iterdir())
            and first != tmp_path / "kept"
        )
    finally:
        shutil.rmtree(first), shutil.rmtree(second)
    # pytest --reuse-models: kept
    assert models_cache_for_run(reuse=True) == (tmp_path / "kept", False)


def test_reusing_models_with_the_cache_off_is_refused(monkeypatch):
    monkeypatch.setenv(cache.ENV, "off")
    with pytest.raises(ValueError, match="needs the cache on"):
        models_cache_for_run(reuse=True)


def test_reusing_models_from_a_folder_the_cache_would_refuse_is_refused(monkeypatch, tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o777)
    shared.chmod(0o777)  # writable by every user: each kernel would warn and train afresh
    monkeypatch.setenv(cache.ENV, str(shared))
    with pytest.raises(ValueError, match="may be written by other users"):
        models_cache_for_run(reuse=True)


def test_the_cache_chapters_are_in_the_book_in_this_order():
    assert CACHE_CHAPTER in NOTEBOOKS and CACHE_MODEL_CHAPTER in NOTEBOOKS, (
        "update CACHE_CHAPTER and CACHE_MODEL_CHAPTER"
    )
    assert NOTEBOOKS.index(CACHE_MODEL_CHAPTER) < NOTEBOOKS.index(CACHE_CHAPTER)


def test_chapter_6_loads_chapter_4s_model_from_the_cache_and_shows_the_same_as_without_it(
    tmp_path, monkeypatch
):
    """utils.cache's promise, on a real chapter: chapter 6 asks for exactly the model chapter 4
    trained and stored (a hit: no training, no new entry), and shows the same outputs as when it
    trains that model itself with the cache off."""
    # this test run's cache: chapter 4's crash test stored its model there
    session_cache = cache.cache_dir()
    if CACHE_MODEL_CHAPTER not in RAN:  # e.g. under -k: store chapter 4's model first
        run_reduced(CACHE_MODEL_CHAPTER, tmp_path / "chapter4.ipynb")
    before = {entry.name: entry.stat().st_ino for entry in cache.entries(session_cache)}
    assert before, "chapter 4's run stored no model"
    (tmp_path / "hit").mkdir()
    hit = run_reduced(CACHE_CHAPTER, tmp_path / "hit" / "out.ipynb")
    after = {entry.name: entry.stat().st_ino for entry in cache.entries(session_cache)}
    assert after == before, (
        "chapter 6 stored a new entry: it asked the cache for another training than chapter "
        "4's and trained it"
        if set(after) != set(before)
        else "an entry was replaced"
    )
    # inherited by the kernel: it trains chapter 4's model itself
    monkeypatch.setenv(cache.ENV, "off")
    (tmp_path / "off").mkdir()
    off = run_reduced(CACHE_CHAPTER, tmp_path / "off" / "out.ipynb")
    assert {entry.name for entry in cache.entries(session_cache)} == set(before)
    for a, b in zip(off.cells, hit.cells):
        if a.cell_type == "code":
            assert _shown(b) == _shown(a), f"a cache hit changed what this cell shows:\n{a.source}"


def _shown(cell):
    """What a reader sees of a code cell: its streams and every representation of its results.

    Figures are included. Consecutive pieces of one stream are joined: how the kernel happens to
    chunk its stdout is not output.
    """
    shown = []
    for out in cell.outputs:
        if out.get("output_type") == "stream" and shown and shown[-1][0] == out.get("name"):
            shown[-1] = (shown[-1][0], shown[-1][1] + out.get("text", ""), None)
        else:
            shown.append((out.get("name"), out.get("text"), out.get("data")))
    return shown
