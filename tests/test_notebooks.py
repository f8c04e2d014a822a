"""Layer 2: every chapter in _toc.yml runs end to end under papermill with reduced parameters."""
import nbformat
import papermill
import pytest

from tools.notebooks import ROOT, check_parameter_names, reduced_parameters, toc_notebooks
from utils import cache

NOTEBOOKS = toc_notebooks()
TABLE = reduced_parameters()
# Chapter 6 loads chapter 4's model from the cache of trained models. Its crash test is the cache test at the
# end of this file, which runs it twice, once training that model (a miss) and once loading it (a hit).
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


@pytest.mark.parametrize("notebook", [nb for nb in NOTEBOOKS if nb != CACHE_CHAPTER])
def test_notebook_runs_with_reduced_parameters(notebook, tmp_path):
    run_reduced(notebook, tmp_path / "out.ipynb")


def run_reduced(notebook, out):
    """Run `notebook` with its reduced parameters into `out`, from a working directory that is neither the
    notebook's nor the repository's; fail with the failing cell's source. Returns the executed notebook."""
    parameters = TABLE.get(notebook) or {}
    check_parameter_names(ROOT / notebook, parameters)
    try:
        papermill.execute_notebook(str(ROOT / notebook), str(out), parameters=parameters, cwd=str(out.parent),
                                   kernel_name="python3", progress_bar=False, execution_timeout=900)
    except papermill.PapermillExecutionError as exc:
        source = nbformat.read(out, as_version=4).cells[exc.cell_index].source
        pytest.fail(f"{notebook} failed in cell {exc.exec_count} ({exc.ename}: {exc.evalue})\n"
                    f"--- cell source ---\n{source}", pytrace=False)
    return nbformat.read(out, as_version=4)


def test_the_cache_chapters_are_in_the_book_in_this_order():
    assert CACHE_CHAPTER in NOTEBOOKS and CACHE_MODEL_CHAPTER in NOTEBOOKS, "update CACHE_CHAPTER and CACHE_MODEL_CHAPTER"
    assert NOTEBOOKS.index(CACHE_MODEL_CHAPTER) < NOTEBOOKS.index(CACHE_CHAPTER)


def test_chapter_6_runs_and_shows_the_same_whether_the_cache_holds_chapter_4s_model_or_not(tmp_path, monkeypatch):
    """utils.cache's promise, on a real chapter: chapter 6 asks for exactly the model chapter 4 trained, and
    shows the same outputs whether it trains that model (a miss) or loads it (a hit)."""
    session_cache = cache.cache_dir()  # this test run's cache: chapter 4's crash test stored its model there
    monkeypatch.setenv(cache.ENV, str(tmp_path / "cache"))  # empty: inherited by the kernel of the first run
    (tmp_path / "miss").mkdir()
    missed = run_reduced(CACHE_CHAPTER, tmp_path / "miss" / "out.ipynb")
    entry, = (tmp_path / "cache").iterdir()  # the first run trained chapter 4's model and stored it
    if not (session_cache / entry.name).exists():  # chapter 4's crash test did not run in this session (e.g. -k)
        monkeypatch.setenv(cache.ENV, str(session_cache))
        run_reduced(CACHE_MODEL_CHAPTER, tmp_path / "chapter4.ipynb")
    assert (session_cache / entry.name).exists(), \
        "chapter 6 asked the cache for another training than chapter 4's: it would train the model again"
    stored = (session_cache / entry.name).stat().st_ino
    monkeypatch.setenv(cache.ENV, str(session_cache))
    (tmp_path / "hit").mkdir()
    hit = run_reduced(CACHE_CHAPTER, tmp_path / "hit" / "out.ipynb")
    assert (session_cache / entry.name).stat().st_ino == stored, "the second run replaced the entry instead of loading it"
    for a, b in zip(missed.cells, hit.cells):
        if a.cell_type == "code":
            assert _shown(b) == _shown(a), f"a cache hit changed what this cell shows:\n{a.source}"


def _shown(cell):
    """What a reader sees of a code cell: its streams and every representation of its results, figures included.

    Consecutive pieces of one stream are joined: how the kernel happens to chunk its stdout is not output.
    """
    shown = []
    for out in cell.outputs:
        if out.get("output_type") == "stream" and shown and shown[-1][0] == out.get("name"):
            shown[-1] = (shown[-1][0], shown[-1][1] + out.get("text", ""), None)
        else:
            shown.append((out.get("name"), out.get("text"), out.get("data")))
    return shown
