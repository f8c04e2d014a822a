"""tools/test_times.py: every test's seconds land in the group that names what it checks."""

import json

from tools import test_times

SECONDS = {
    "chapters/04_mnist_cnn.ipynb::Cell 0": 1.0,
    "chapters/04_mnist_cnn.ipynb::Cell 7": 30.0,
    (
        "tests/test_notebooks.py::test_notebook_runs_with_reduced_parameters"
        "[chapters/04_mnist_cnn.ipynb]"
    ): 12.0,
    (
        "tests/test_notebooks.py::"
        "test_chapter_6_loads_chapter_4s_model_from_the_cache_and_shows_the_same_as_without_it"
    ): 20.0,
    "tests/test_browser.py::test_page_reads_cleanly[intro.html]": 40.0,
    "tests/test_draw_page.py::test_clear_empties_the_drawing_and_the_results": 3.0,
    "tests/test_pdf.py::test_every_chapter_is_in_the_pdf": 25.0,
    "tests/test_ops.py::test_conv2d_matches_tensorflow[1]": 0.5,
    "tests/test_notebooks.py::test_the_toc_lists_notebooks": 0.25,
}


def test_each_chapter_gets_its_cells_as_nbval_seconds_and_its_crash_run_as_papermill_seconds():
    chapters, others = test_times.summarize(SECONDS)
    assert chapters == {
        "chapters/04_mnist_cnn.ipynb": {"nbval": 31.0, "papermill": 12.0},
        "chapters/06_what_the_network_learned.ipynb": {"nbval": 0.0, "papermill": 20.0},
    }
    assert others == {"browser": 40.0, "draw page": 3.0, "PDF": 25.0, "unit tests": 0.75}


def test_the_table_prints_every_group_and_the_total(tmp_path, capsys):
    report = tmp_path / "times.json"
    report.write_text(json.dumps({"tests": SECONDS}))
    test_times.main([str(report)])
    out = capsys.readouterr().out
    assert "chapters/04_mnist_cnn.ipynb                         31           12" in out
    # 1 + 30 + 12 + 20 + 40 + 3 + 25 + 0.5 + 0.25, rounded
    assert out.splitlines()[-1].split()[-1] == "132"


def test_a_missing_report_says_to_run_pytest_first(tmp_path):
    import pytest

    with pytest.raises(SystemExit, match="run pytest first"):
        test_times.main([str(tmp_path / "none.json")])
