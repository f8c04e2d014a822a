"""utils.book: taught code shown as highlighted Python, exactly as written in utils/."""

import inspect

import pytest

from utils import book, ops, optimizers


def test_the_source_is_one_fenced_python_block_of_the_function_as_written():
    markdown = book.source_markdown(ops.dense)
    assert markdown == "```python\n" + inspect.getsource(ops.dense).rstrip("\n") + "\n```"


def test_several_functions_share_one_block_two_blank_lines_apart():
    markdown = book.source_markdown(ops.pool2d, ops.pool_windows)
    assert markdown.count("```") == 2
    assert "\n\n\ndef pool_windows(" in markdown


def test_a_method_is_shown_dedented_to_column_zero():
    code = book.source_markdown(optimizers.Adam.apply).split("\n", 1)[1]
    assert code.startswith('def apply(self, weights, gradients):\n    """')


def test_the_fence_is_longer_than_any_run_of_backticks_in_the_code():
    def documented():
        """A docstring that quotes ```code``` and ````more````."""

    markdown = book.source_markdown(documented)
    assert markdown.startswith("`````python\n") and markdown.endswith("\n`````")


def test_in_plain_python_show_source_prints_the_code_itself(capsys):
    book.show_source(ops.relu)
    assert capsys.readouterr().out == inspect.getsource(ops.relu)


@pytest.mark.parametrize(
    "functions, error, message",
    [
        ((), ValueError, "pass at least one function"),
        ((ops._check_dense,), ValueError, "`_check_dense` is private"),
        ((ops.dense, "dense"), TypeError, "expected a function or method; got 'dense'"),
        ((ops.PADDINGS,), TypeError, "expected a function or method"),
    ],
)
def test_bad_arguments_say_what_was_expected(functions, error, message):
    with pytest.raises(error, match=message):
        book.source_markdown(*functions)
