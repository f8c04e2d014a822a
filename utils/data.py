"""Loading MNIST: Keras' own downloader online, a local ``mnist.npz`` offline.

Set the environment variable ``MNIST_NPZ`` to the path of an ``mnist.npz`` (the layout
``keras.datasets.mnist.load_data`` downloads: keys x_train, y_train, x_test, y_test, uint8)
to load that file instead of downloading.
"""
import os
import zipfile

import numpy as np

from utils.validation import check_int

MNIST_ENV = "MNIST_NPZ"
KEYS = ("x_train", "y_train", "x_test", "y_test")
NUM_CLASSES = 10
IMAGE_SHAPE = (28, 28)
HINT = (f"To use a local copy, set the environment variable {MNIST_ENV} to the path of an "
        "mnist.npz with keys x_train, y_train, x_test, y_test (uint8), e.g. "
        f"`export {MNIST_ENV}=/path/to/mnist.npz`, or pass path=... to load_mnist.")


def load_mnist(n_train=None, n_test=None, scale=True, channel_axis=True, one_hot=False, path=None):
    """MNIST as ((x_train, y_train), (x_test, y_test)); x (N, 28, 28, 1) float32 in [0, 1] by default.

    n_train, n_test: keep the first n images of each split (None keeps all).
    scale: divide by 255 into float32; otherwise keep the raw uint8 pixels.
    channel_axis: add the trailing channel axis (NHWC); otherwise x is (N, 28, 28).
    one_hot: labels as (N, 10) float32 one-hot rows; otherwise integer labels (N,).
    path: an mnist.npz to read; default: $MNIST_NPZ if set, else keras.datasets.mnist.
    """
    path = path if path is not None else os.environ.get(MNIST_ENV) or None
    raw = read_npz(path) if path is not None else download()
    splits = []
    for split, n in (("train", n_train), ("test", n_test)):
        x, y = raw[f"x_{split}"], raw[f"y_{split}"]
        n = _subset_size(n, len(x), f"n_{split}")
        splits.append((_prepare_images(x[:n], scale, channel_axis), _prepare_labels(y[:n], one_hot)))
    return tuple(splits)


def split_validation(x, y, n_val, seed=0):
    """Hold out n_val random examples of (x, y) for validation: ((x_train, y_train), (x_val, y_val)).

    The same seed gives the same split; the order of each part follows the original order.
    """
    if len(x) != len(y):
        raise ValueError(f"`x` and `y` must have one label per example; got {len(x)} examples and {len(y)} labels")
    n_val = check_int(n_val, "n_val", 1, len(x) - 1, hint="(some examples must be left to train on)")
    held_out = np.zeros(len(x), dtype=bool)
    held_out[np.random.default_rng(seed).choice(len(x), size=n_val, replace=False)] = True
    return (x[~held_out], y[~held_out]), (x[held_out], y[held_out])


def read_npz(path):
    """The four MNIST arrays from a local .npz, fully read and validated, as a dict."""
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"MNIST file not found: {path!r}. {HINT}")
    try:
        with np.load(path, allow_pickle=False) as npz:
            missing = [k for k in KEYS if k not in npz.files]
            if missing:
                raise KeyError(f"{path!r} lacks the key(s) {missing}; it has {sorted(npz.files)}. "
                               f"An MNIST .npz needs {list(KEYS)}.")
            arrays = {k: npz[k] for k in KEYS}  # reads every byte: a damaged file fails here
    except (zipfile.BadZipFile, EOFError, OSError, ValueError) as exc:
        raise ValueError(f"{path!r} could not be read as an .npz file (corrupted or incomplete "
                         f"download?): {exc}. {HINT}") from exc
    return validate(arrays, source=path)


def download():
    """The four MNIST arrays from keras.datasets.mnist.load_data(), validated, as a dict."""
    import keras  # imported here so that offline use never needs it

    try:
        (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
    except Exception as exc:  # Keras raises plain Exception on a failed fetch
        raise RuntimeError(f"Downloading MNIST with keras.datasets.mnist.load_data() failed: {exc}. "
                           f"{HINT}") from exc
    arrays = dict(x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)
    return validate(arrays, source="keras.datasets.mnist")


def validate(arrays, source):
    """Check the four MNIST arrays' shapes, dtypes and label range; return them unchanged."""
    for split in ("train", "test"):
        x, y = arrays[f"x_{split}"], arrays[f"y_{split}"]
        if x.dtype != np.uint8 or x.ndim != 3 or x.shape[1:] != IMAGE_SHAPE:
            raise ValueError(f"{source}: x_{split} must be uint8 of shape (N, 28, 28); "
                             f"got {x.dtype} of shape {x.shape}")
        if y.dtype.kind not in "iu" or y.shape != (len(x),):
            raise ValueError(f"{source}: y_{split} must be integer labels of shape ({len(x)},), "
                             f"one per image; got {y.dtype} of shape {y.shape}")
        if len(y) and (y.min() < 0 or y.max() >= NUM_CLASSES):
            raise ValueError(f"{source}: y_{split} must hold labels 0-9; "
                             f"found values from {y.min()} to {y.max()}")
    return arrays


def _subset_size(n, available, name):
    """n checked against what the split holds; None means all of it."""
    if n is None:
        return available
    return check_int(n, name, 1, available, hint="(or None for all)")


def _prepare_images(x, scale, channel_axis):
    """uint8 images (N, 28, 28) -> float32 in [0, 1] and/or (N, 28, 28, 1) as asked."""
    x = x.astype(np.float32) / 255.0 if scale else x.copy()
    return x[..., np.newaxis] if channel_axis else x


def _prepare_labels(y, one_hot):
    """Integer labels (N,) -> the same as int64, or (N, 10) float32 one-hot rows."""
    y = y.astype(np.int64)
    return np.eye(NUM_CLASSES, dtype=np.float32)[y] if one_hot else y
