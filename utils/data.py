"""Loading MNIST and Fashion-MNIST: Keras' own downloaders online, local files offline.

Set the environment variable ``MNIST_NPZ`` to the path of an ``mnist.npz`` (the layout
``keras.datasets.mnist.load_data`` downloads: keys x_train, y_train, x_test, y_test, uint8)
to load that file instead of downloading; ``FASHION_MNIST_DIR`` to a folder with Fashion-MNIST's
four original gzip files (e.g. Debian's package dataset-fashion-mnist) likewise.
"""

import gzip
import hashlib
import math
import os
import zipfile
import zlib

import numpy as np

from utils.validation import check_bool, check_int

MNIST_ENV = "MNIST_NPZ"
KEYS = ("x_train", "y_train", "x_test", "y_test")
NUM_CLASSES = 10
IMAGE_SHAPE = (28, 28)
MNIST_SIZES = {"train": 60000, "test": 10000}  # images in MNIST's training and test sets
HINT = (
    f"To use a local copy, set the environment variable {MNIST_ENV} to the path of an "
    "mnist.npz with keys x_train, y_train, x_test, y_test (uint8), e.g. "
    f"`export {MNIST_ENV}=/path/to/mnist.npz`, or pass path=... to load_mnist."
)


def load_mnist(n_train=None, n_test=None, scale=True, channel_axis=True, one_hot=False, path=None):
    """MNIST as ((x_train, y_train), (x_test, y_test)); x (N, 28, 28, 1) in [0, 1] by default.

    n_train, n_test: keep the first n images of each split (None keeps all).
    scale: divide by 255 into float32; otherwise keep the raw uint8 pixels.
    channel_axis: add the trailing channel axis (NHWC); otherwise x is (N, 28, 28).
    one_hot: labels as (N, 10) float32 one-hot rows; otherwise integer labels (N,).
    path: an mnist.npz to read; default: $MNIST_NPZ if set, else keras.datasets.mnist.
    """
    scale, channel_axis, one_hot = _check_switches(scale, channel_axis, one_hot)
    path = path if path is not None else os.environ.get(MNIST_ENV) or None
    raw = read_npz(path) if path is not None else download()
    return _splits(raw, n_train, n_test, scale, channel_axis, one_hot)


def _check_switches(scale, channel_axis, one_hot):
    """The loaders' three on/off options as bools, or an error naming the first that is not one.

    A string such as "no" is not one: it is truthy.
    """
    return tuple(
        check_bool(value, name)
        for name, value in (("scale", scale), ("channel_axis", channel_axis), ("one_hot", one_hot))
    )


def _splits(raw, n_train, n_test, scale, channel_axis, one_hot):
    """((x_train, y_train), (x_test, y_test)) from the four raw arrays.

    The first n of each split, prepared as asked.
    """
    splits = []
    for split, n in (("train", n_train), ("test", n_test)):
        x, y = raw[f"x_{split}"], raw[f"y_{split}"]
        n = _subset_size(n, len(x), f"n_{split}")
        splits.append(
            (_prepare_images(x[:n], scale, channel_axis), _prepare_labels(y[:n], one_hot))
        )
    return tuple(splits)


def split_validation(x, y, n_val, seed=0):
    """Split off n_val random examples to validate on: ((x_train, y_train), (x_val, y_val)).

    The same seed gives the same split; the order of each part follows the original order.
    """
    x, y = np.asarray(x), np.asarray(y)
    if x.ndim == 0 or y.ndim == 0 or len(x) != len(y):
        raise ValueError(
            f"`x` and `y` must be arrays with one label per example; got shapes {x.shape} and "
            f"{y.shape}"
        )
    n_val = check_int(
        n_val, "n_val", 1, len(x) - 1, hint="(some examples must be left to train on)"
    )
    seed = check_int(seed, "seed", low=0)
    held_out = np.zeros(len(x), dtype=bool)
    held_out[np.random.default_rng(seed).choice(len(x), size=n_val, replace=False)] = True
    return (x[~held_out], y[~held_out]), (x[held_out], y[held_out])


def read_npz(path):
    """The four MNIST arrays from a local .npz, fully read and validated, as a dict."""
    path = _local_path(path, "file", "MNIST file", HINT)
    _check_zip(path)
    try:
        with np.load(path, allow_pickle=False) as npz:
            missing = [k for k in KEYS if k not in npz.files]
            if missing:
                raise KeyError(
                    f"{path!r} lacks the key(s) {missing}; it has {sorted(npz.files)}. "
                    f"An MNIST .npz needs {list(KEYS)}."
                )
            arrays = {k: npz[k] for k in KEYS}  # reads every byte: a damaged file fails here
    except (zipfile.BadZipFile, EOFError, zlib.error, OSError, ValueError) as exc:
        if "allow_pickle" in str(exc):  # NumPy's refusal to unpickle an object array
            raise ValueError(
                f"{path!r} holds object arrays (pickled Python objects), which are not loaded: "
                f"an MNIST "
                f".npz holds uint8 arrays only. {HINT}"
            ) from exc
        raise ValueError(
            f"{path!r} could not be read as an .npz file (corrupted or incomplete "
            f"download?): {exc}. {HINT}"
        ) from exc
    return validate(arrays, source=path)


LOOKALIKES = {
    b"\x93NUMPY": "a .npy file, which holds one array, not an .npz archive of four",
    b"\x1f\x8b": "gzip-compressed (mnist.pkl.gz? an IDX .gz file?), not an .npz archive",
    b"\x80": "a Python pickle (mnist.pkl?), not an .npz archive",
}


def _check_zip(path):
    """Nothing if the file starts like a zip (as an .npz does), else an error saying what it is."""
    with open(path, "rb") as f:  # a PermissionError says so itself, with the path
        head = f.read(8)
    if head.startswith(b"PK"):
        return
    for magic, what in LOOKALIKES.items():
        if head.startswith(magic):
            raise ValueError(f"{path!r} is {what}. {HINT}")
    start = f"it starts with {head!r}" if head else "it is empty"
    raise ValueError(
        f"{path!r} could not be read as an .npz file: {start}, not with a zip archive's b'PK' "
        f"(an error "
        f"page saved as the file, or an incomplete download?). {HINT}"
    )


def _local_path(path, kind, what, hint):
    """`path` (~ expanded) as an absolute path if it is an existing `kind`, "file" or "folder".

    Else an error that says what is there instead, or where it was looked for: relative paths start
    at the working directory.
    """
    given = os.fspath(path)
    expanded = os.path.expanduser(given)
    path = os.path.abspath(expanded)
    if os.path.isfile(path) if kind == "file" else os.path.isdir(path):
        return path
    if kind == "file" and os.path.isdir(path):
        raise IsADirectoryError(
            f"{what} {path!r} is a folder, not a file: name the file itself. {hint}"
        )
    if kind == "folder" and os.path.exists(path):
        raise NotADirectoryError(
            f"{what} {path!r} is a file, not a folder: name the folder that holds the files. "
            f"{hint}"
        )
    relative = (
        ""
        if os.path.isabs(expanded)
        else (
            " Notebooks run in chapters/ or a temporary folder: an absolute path works from "
            "everywhere."
        )
    )
    raise FileNotFoundError(
        f"{what} not found: {given!r}, that is {path!r} (working directory: {os.getcwd()!r})."
        f"{relative} {hint}"
    )


def download():
    """The four MNIST arrays from keras.datasets.mnist.load_data(), validated, as a dict."""
    return validate(_keras_load("mnist", "MNIST", HINT), source="keras.datasets.mnist")


# network, disk, damaged file
DOWNLOAD_ERRORS = (OSError, EOFError, ValueError, zipfile.BadZipFile, zlib.error)


def _keras_load(module, title, hint):
    """The four arrays of keras.datasets.<module>.load_data() as a dict.

    A failed download raises a RuntimeError that adds `hint`.
    """
    import keras  # imported here so that offline use never needs it

    try:
        loaded = getattr(keras.datasets, module).load_data()
    except Exception as exc:
        if type(exc) is not Exception and not isinstance(exc, DOWNLOAD_ERRORS):
            raise  # a programming error (TypeError, AttributeError, ...), not a failed download
        raise RuntimeError(
            f"Downloading {title} with keras.datasets.{module}.load_data() failed: {exc}. {hint}"
        ) from exc  # Keras raises plain Exception on a failed fetch
    (x_train, y_train), (x_test, y_test) = loaded
    return dict(x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)


def validate(arrays, source):
    """Check the four MNIST arrays' shapes, dtypes, sizes (60,000 and 10,000) and label range.

    Returns them unchanged.
    """
    for split, size in MNIST_SIZES.items():
        x, y = arrays[f"x_{split}"], arrays[f"y_{split}"]
        if x.dtype != np.uint8 or x.ndim != 3 or x.shape[1:] != IMAGE_SHAPE:
            raise ValueError(
                f"{source}: x_{split} must be uint8 of shape (N, 28, 28); "
                f"got {x.dtype} of shape {x.shape}"
            )
        if len(x) != size:
            raise ValueError(
                f"{source}: x_{split} holds {len(x):,} images; MNIST's {split} set has {size:,} "
                f"(are the training and test sets swapped, or is this another dataset?)"
            )
        if y.dtype.kind not in "iu" or y.shape != (len(x),):
            raise ValueError(
                f"{source}: y_{split} must be integer labels of shape ({len(x)},), "
                f"one per image; got {y.dtype} of shape {y.shape}"
            )
        if len(y) and (y.min() < 0 or y.max() >= NUM_CLASSES):
            raise ValueError(
                f"{source}: y_{split} must hold labels 0-9; "
                f"found values from {y.min()} to {y.max()}"
            )
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


# --- Fashion-MNIST ---------------------------------------------------------------------------
# The same shapes as MNIST: 28 x 28 grayscale, 10 classes, 60,000 training and 10,000 test images.

FASHION_ENV = "FASHION_MNIST_DIR"
FASHION_FILES = {
    "x_train": "train-images-idx3-ubyte.gz",
    "y_train": "train-labels-idx1-ubyte.gz",
    "x_test": "t10k-images-idx3-ubyte.gz",
    "y_test": "t10k-labels-idx1-ubyte.gz",
}
FASHION_CLASSES = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)
# the dataset is balanced: a mislabelled file breaks these counts
FASHION_PER_CLASS = {"train": 6000, "test": 1000}
# MD5 of each file's uncompressed content. The MD5s in Fashion-MNIST's README are of its gzip
# files, which Debian recompressed; gunzipped, the published files hash to these (as loaders list
# beside the README's), and so do Debian's.
FASHION_MD5 = {
    "x_train": "f4a8712d7a061bf5bd6d2ca38dc4d50a",
    "y_train": "9018921c3c673c538a1fc5bad174d6f9",
    "x_test": "8181f5470baa50b63fa0f6fddb340f0a",
    "y_test": "15d484375f8d13e6eb1aabb0c3f46965",
}
FASHION_HINT = (
    f"To use a local copy, set the environment variable {FASHION_ENV} to a folder with the four "
    f"original "
    f"gzip files ({', '.join(FASHION_FILES.values())}), e.g. the Debian package "
    f"dataset-fashion-mnist: "
    f"`sudo apt-get install dataset-fashion-mnist` and "
    f"`export {FASHION_ENV}=/usr/share/datasets/fashion-mnist`, or pass path=... to "
    f"load_fashion_mnist."
)
IDX_MAGIC = {1: 2049, 3: 2051}  # labels (1 dimension), images (3 dimensions), unsigned bytes


def load_fashion_mnist(
    n_train=None, n_test=None, scale=True, channel_axis=True, one_hot=False, path=None
):
    """Fashion-MNIST as ((x_train, y_train), (x_test, y_test)), exactly as load_mnist gives MNIST.

    path: a folder with the four original IDX files, gzip-compressed or not; default:
        $FASHION_MNIST_DIR if set, else keras.datasets.fashion_mnist (which downloads them once).
    Class names: FASHION_CLASSES.
    """
    scale, channel_axis, one_hot = _check_switches(scale, channel_axis, one_hot)
    path = path if path is not None else os.environ.get(FASHION_ENV) or None
    raw = read_idx_folder(path) if path is not None else download_fashion()
    return _splits(raw, n_train, n_test, scale, channel_axis, one_hot)


def read_idx_folder(folder):
    """The four Fashion-MNIST arrays from a folder of the original IDX files, as a dict.

    The files may be gzip-compressed or not; the arrays are validated (validate_fashion).
    """
    folder = _local_path(folder, "folder", "Fashion-MNIST folder", FASHION_HINT)
    arrays = {
        key: read_idx(_idx_file(folder, name), ndim=3 if key.startswith("x") else 1)
        for key, name in FASHION_FILES.items()
    }
    return validate_fashion(arrays, source=folder)


def _idx_file(folder, name):
    """The path of the gzip file `name` in folder, or of its uncompressed twin (no .gz).

    Some mirrors ship the files uncompressed.
    """
    for candidate in (name, name.removesuffix(".gz")):
        if os.path.isfile(os.path.join(folder, candidate)):
            return os.path.join(folder, candidate)
    raise FileNotFoundError(
        f"{os.path.join(folder, name)!r} is missing (and so is the uncompressed "
        f"{name.removesuffix('.gz')}). {FASHION_HINT}"
    )


def read_idx(path, ndim):
    """One IDX file of unsigned bytes (the MNIST format), gzip or not, as an array.

    Labels (N,) for ndim=1, images (N, rows, cols) for ndim=3.
    """
    path = _local_path(path, "file", "IDX file", FASHION_HINT)
    content = _decompressed(path)
    if len(content) < 8:
        raise ValueError(
            f"{path!r} is too short to be an IDX file ({len(content)} bytes). {FASHION_HINT}"
        )
    magic = int.from_bytes(content[:4], "big")
    if IDX_MAGIC.get(magic & 0xFF) != magic:
        raise ValueError(
            f"{path!r} is not an IDX file of unsigned bytes with 1 or 3 dimensions "
            f"(magic number {magic}, expected 2049 for labels or 2051 for images). {FASHION_HINT}"
        )
    if ndim != magic & 0xFF:
        kinds = {1: "labels", 3: "images"}
        raise ValueError(
            f"{path!r} holds {kinds[magic & 0xFF]} where {kinds[ndim]} were expected: is a file "
            f"misnamed "
            f"or swapped? {FASHION_HINT}"
        )
    header = 4 + 4 * ndim
    shape = tuple(int.from_bytes(content[4 + 4 * k : 8 + 4 * k], "big") for k in range(ndim))
    # math.prod: exact, where np.prod overflows int64
    if len(content) != header + math.prod(shape):
        raise ValueError(
            f"{path!r} holds {len(content) - header:,} bytes of data but its header announces "
            f"shape {shape} "
            f"({math.prod(shape):,} bytes): truncated or damaged. {FASHION_HINT}"
        )
    # frombuffer's is read-only
    return np.frombuffer(content, dtype=np.uint8, offset=header).reshape(shape).copy()


def _decompressed(path):
    """The bytes of the file at `path`, gunzipped if it is gzip-compressed.

    Compression is told by the file's first bytes, not by its name.
    """
    with open(path, "rb") as f:
        content = f.read()
    if not content.startswith(b"\x1f\x8b"):
        return content  # an uncompressed IDX file, as some mirrors ship them
    try:
        return gzip.decompress(content)
    except (OSError, EOFError, zlib.error) as exc:
        raise ValueError(
            f"{path!r} could not be read as a gzip file (corrupted or incomplete download?): "
            f"{exc}. "
            f"{FASHION_HINT}"
        ) from exc


def download_fashion():
    """The four Fashion-MNIST arrays from keras.datasets.fashion_mnist.load_data() as a dict.

    The arrays are validated (validate_fashion).
    """
    return validate_fashion(
        _keras_load("fashion_mnist", "Fashion-MNIST", FASHION_HINT),
        source="keras.datasets.fashion_mnist",
    )


def validate_fashion(arrays, source):
    """Check Fashion-MNIST's four arrays; errors name the file and the fix; returns the arrays.

    Checked: uint8 images (N, 28, 28), one label 0-9 per image, the sizes of its training and test
    sets, its exact class balance and the published MD5 of each file's content (FASHION_MD5).
    """
    for split, per_class in FASHION_PER_CLASS.items():
        x, y = arrays[f"x_{split}"], arrays[f"y_{split}"]
        images, labels = (f"{source}: {FASHION_FILES[f'{kind}_{split}']}" for kind in ("x", "y"))
        if x.dtype != np.uint8 or x.ndim != 3 or x.shape[1:] != IMAGE_SHAPE:
            raise ValueError(
                f"{images} must hold uint8 images of 28 x 28; got {x.dtype} of shape {x.shape}. "
                f"{FASHION_HINT}"
            )
        if len(x) != NUM_CLASSES * per_class:
            raise ValueError(
                f"{images} holds {len(x):,} images; Fashion-MNIST's {split} set has "
                f"{NUM_CLASSES * per_class:,} (are the training and test files swapped?). "
                f"{FASHION_HINT}"
            )
        if y.dtype.kind not in "iu" or y.shape != (len(x),):
            raise ValueError(
                f"{labels} must hold one integer label per image, {len(x):,}; got {y.dtype} of "
                f"shape "
                f"{y.shape}. {FASHION_HINT}"
            )
        counts = np.bincount(y, minlength=NUM_CLASSES) if y.min() >= 0 else None
        if counts is None or len(counts) != NUM_CLASSES or not (counts == per_class).all():
            raise ValueError(
                f"{labels} is mislabelled: Fashion-MNIST's {split} set has exactly {per_class:,} "
                f"images of "
                f"each class 0-9; got counts {None if counts is None else counts.tolist()} "
                f"(MNIST's files "
                f"have the same names: are these MNIST's?). {FASHION_HINT}"
            )
    for key, published in FASHION_MD5.items():
        if (digest := idx_md5(arrays[key])) != published:
            raise ValueError(
                f"{source}: {FASHION_FILES[key]} is not Fashion-MNIST's published file: the MD5 "
                f"of its "
                f"content is {digest}, not {published} (shuffled or edited labels or images?). "
                f"{FASHION_HINT}"
            )
    return arrays


def idx_md5(array):
    """MD5 of a uint8 array written as an uncompressed IDX file: what FASHION_MD5 lists."""
    array = np.ascontiguousarray(array, dtype=np.uint8)
    digest = hashlib.md5(
        bytes([0, 0, 8, array.ndim]) + b"".join(n.to_bytes(4, "big") for n in array.shape)
    )
    digest.update(array)
    return digest.hexdigest()
