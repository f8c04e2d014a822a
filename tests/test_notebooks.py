"""Layer 2: every chapter in _toc.yml runs end to end under papermill with reduced parameters."""
import nbformat
import papermill
import pytest

from tools.notebooks import ROOT, check_parameter_names, reduced_parameters, toc_notebooks
from utils import cache

NOTEBOOKS = toc_notebooks()
TABLE = reduced_parameters()


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


@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_notebook_runs_with_reduced_parameters(notebook, tmp_path):
    parameters = TABLE.get(notebook) or {}
    check_parameter_names(ROOT / notebook, parameters)
    try:  # run from a working directory that is neither the notebook's nor the repository's
        papermill.execute_notebook(str(ROOT / notebook), str(tmp_path / "out.ipynb"),
                                   parameters=parameters, cwd=str(tmp_path), kernel_name="python3",
                                   progress_bar=False, execution_timeout=900)
    except papermill.PapermillExecutionError as exc:
        source = nbformat.read(tmp_path / "out.ipynb", as_version=4).cells[exc.cell_index].source
        pytest.fail(f"{notebook} failed in cell {exc.exec_count} ({exc.ename}: {exc.evalue})\n"
                    f"--- cell source ---\n{source}", pytrace=False)


def test_chapter_5_shows_the_same_whether_the_cache_holds_chapter_4s_model_or_not(tmp_path, monkeypatch):
    """utils.cache's promise, on a real chapter: a miss (training) and a hit (loading) give identical outputs."""
    notebook = "chapters/05_what_the_network_learned.ipynb"
    monkeypatch.setenv(cache.ENV, str(tmp_path / "cache"))  # inherited by the kernels started below
    runs = {}
    for run in ("miss", "hit"):
        out = tmp_path / f"{run}.ipynb"
        papermill.execute_notebook(str(ROOT / notebook), str(out), parameters=TABLE[notebook], cwd=str(tmp_path),
                                   kernel_name="python3", progress_bar=False, execution_timeout=900)
        entries = sorted((tmp_path / "cache").iterdir())
        runs[run] = (nbformat.read(out, as_version=4), [(e.name, e.stat().st_ino) for e in entries])
    assert len(runs["miss"][1]) == 1, "the first run should have stored exactly one trained model"
    assert runs["hit"][1] == runs["miss"][1], "the second run should have loaded that entry, not replaced it"
    for miss, hit in zip(*(runs[r][0].cells for r in ("miss", "hit"))):
        if miss.cell_type == "code":
            assert _shown(hit) == _shown(miss), f"a cache hit changed what this cell shows:\n{miss.source}"


def _shown(cell):
    """What a reader sees of a code cell: its streams and every representation of its results, figures included."""
    return [(out.get("name"), out.get("text"), out.get("data")) for out in cell.outputs]
