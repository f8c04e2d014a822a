"""Layer 2: every chapter in _toc.yml runs end to end under papermill with reduced parameters."""
import nbformat
import papermill
import pytest

from notebooks import ROOT, check_parameter_names, reduced_parameters, toc_notebooks

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
