"""Glue for the book's prose: values computed in a notebook and cited in its text."""
try:  # MyST-NB's glue, installed with the book's requirements
    from myst_nb import glue as _glue
except ImportError:  # e.g. in Colab: show the value; there is no book to paste it into
    _glue = None


def glue(name, value, display=False):
    """Store `value` under `name` for {glue:text}`name` in the book's prose; without MyST-NB (e.g. in Colab) only print it, if display=True."""
    if _glue is not None:
        return _glue(name, value, display=display)
    if display:
        print(f"{name}: {value}")
