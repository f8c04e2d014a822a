"""Links between the book's code and prose: glued values and the source of taught functions."""

import inspect
import re

try:  # MyST-NB's glue, installed with the book's requirements
    from myst_nb import glue as _glue
except ImportError:  # e.g. in Colab: show the value; there is no book to paste it into
    _glue = None


def glue(name, value, display=False):
    """Store `value` under `name` for {glue:text}`name` in the prose.

    Without MyST-NB, print it if display.
    """
    if _glue is not None:
        return _glue(name, value, display=display)
    if display:
        print(f"{name}: {value}")


def source_markdown(*functions):
    """The source of public `functions` (or methods) as one fenced ```python block of Markdown."""
    if not functions:
        raise ValueError("show_source: pass at least one function")
    for function in functions:
        if not callable(function) or not hasattr(function, "__qualname__"):
            raise TypeError(f"show_source: expected a function or method; got {function!r}")
        if any(part.startswith("_") for part in function.__qualname__.split(".")):
            raise ValueError(
                f"show_source: `{function.__qualname__}` is private; the book shows public code"
            )
    code = "\n\n\n".join(inspect.cleandoc("\n" + inspect.getsource(f)) for f in functions)
    # longer than any run inside
    fence = "`" * max(3, 1 + max(map(len, re.findall("`+", code)), default=0))
    return f"{fence}python\n{code}\n{fence}"


def show_source(*functions):
    """Display the source of `functions` as highlighted Python.

    As Markdown in Jupyter, Colab and the book.
    """
    markdown = source_markdown(*functions)
    code = markdown.split("\n", 1)[1].rsplit("\n", 1)[0]
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:
        get_ipython = None
    if get_ipython is None or get_ipython() is None:  # plain Python: the code itself
        print(code)
        return
    display({"text/markdown": markdown, "text/plain": code}, raw=True)
