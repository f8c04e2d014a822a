"""utils.data: the offline file path, the online Keras path, a clear error for every bad input."""

import gzip
import hashlib
import io
import os
import pickle

import numpy as np
import pytest

from tools.browser import required
from utils import data

# the real MNIST: $MNIST_NPZ (read before the fixture below hides it), else Keras downloads it
LOCAL_MNIST = os.environ.get(data.MNIST_ENV)
REAL_MNIST_CLASS_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]


def mnist_like(n_train=60000, n_test=10000):
    """Four arrays in MNIST's layout, MNIST's sizes by default.

    Image i is filled with the value i % 256, its label is i % 10. The images are read-only views
    (no memory): writing them to a file or slicing them copies."""

    def images(n):
        return np.broadcast_to((np.arange(n) % 256).astype(np.uint8)[:, None, None], (n, 28, 28))

    return dict(
        x_train=images(n_train),
        y_train=(np.arange(n_train) % 10).astype(np.uint8),
        x_test=images(n_test),
        y_test=(np.arange(n_test) % 10).astype(np.uint8),
    )


@pytest.fixture
def npz(tmp_path):
    """Write arrays to an .npz in tmp_path and return its path."""

    def write(arrays, name="mnist.npz"):
        path = tmp_path / name
        np.savez(path, **arrays)
        return path

    return write


@pytest.fixture(scope="module")
def mnist_file(tmp_path_factory):
    """An .npz of mnist_like(): MNIST's layout and sizes.

    Written once, for the tests that only read it."""
    path = tmp_path_factory.mktemp("mnist") / "mnist.npz"
    np.savez(path, **mnist_like())
    return path


@pytest.fixture(autouse=True)
def no_mnist_env(monkeypatch):
    monkeypatch.delenv(data.MNIST_ENV, raising=False)


def test_default_is_float32_nhwc_in_unit_range_with_integer_labels(mnist_file):
    (x_train, y_train), (x_test, y_test) = data.load_mnist(path=mnist_file)
    assert x_train.shape == (60000, 28, 28, 1) and x_test.shape == (10000, 28, 28, 1)
    assert x_train.dtype == np.float32
    assert x_train[5, 0, 0, 0] == pytest.approx(5 / 255)
    np.testing.assert_array_equal(y_train[:6], [0, 1, 2, 3, 4, 5])


def test_options_keep_raw_pixels_drop_channel_axis_and_one_hot_labels(mnist_file):
    (x_train, y_train), _ = data.load_mnist(
        n_train=6, scale=False, channel_axis=False, one_hot=True, path=mnist_file
    )
    assert x_train.shape == (6, 28, 28) and x_train.dtype == np.uint8
    assert y_train.shape == (6, 10) and y_train.dtype == np.float32
    np.testing.assert_array_equal(y_train.argmax(axis=1), [0, 1, 2, 3, 4, 5])
    np.testing.assert_array_equal(y_train.sum(axis=1), 1)


def test_subsets_keep_the_first_images(mnist_file):
    (x_train, y_train), (x_test, _) = data.load_mnist(n_train=3, n_test=2, path=mnist_file)
    assert len(x_train) == 3 and len(x_test) == 2
    np.testing.assert_array_equal(y_train, [0, 1, 2])


def test_environment_variable_names_the_file(mnist_file, monkeypatch):
    monkeypatch.setenv(data.MNIST_ENV, str(mnist_file))
    (x_train, _), _ = data.load_mnist(n_train=7)
    assert len(x_train) == 7


def test_a_relative_path_starts_at_the_working_directory_and_tilde_is_home(
    mnist_file, monkeypatch
):
    monkeypatch.chdir(mnist_file.parent.parent)
    (x_relative, _), _ = data.load_mnist(
        n_train=2, path=os.path.join(mnist_file.parent.name, "mnist.npz")
    )
    monkeypatch.setenv("HOME", str(mnist_file.parent))
    # quoted in a shell, so the shell left ~ alone
    monkeypatch.setenv(data.MNIST_ENV, "~/mnist.npz")
    (x_home, _), _ = data.load_mnist(n_train=2)
    np.testing.assert_array_equal(x_relative, x_home)


def test_without_a_file_the_keras_loader_is_used(monkeypatch):
    arrays = mnist_like()
    monkeypatch.setattr(
        "keras.datasets.mnist.load_data",
        lambda: ((arrays["x_train"], arrays["y_train"]), (arrays["x_test"], arrays["y_test"])),
    )
    (x_train, _), _ = data.load_mnist(n_train=5)
    assert len(x_train) == 5


def test_a_failed_download_says_how_to_use_a_local_file(monkeypatch):
    def offline():
        raise Exception("URL fetch failure on https://storage.googleapis.com/.../mnist.npz")

    monkeypatch.setattr("keras.datasets.mnist.load_data", offline)
    with pytest.raises(RuntimeError, match="MNIST_NPZ") as info:
        data.load_mnist()
    assert "URL fetch failure" in str(info.value)


@pytest.mark.parametrize(
    "error",
    [
        OSError("No space left on device"),
        EOFError("Compressed file ended"),
        ValueError("Incomplete or corrupted file detected"),
    ],
)
def test_disk_and_damaged_download_errors_also_say_how_to_use_a_local_file(monkeypatch, error):
    def failing():
        raise error

    monkeypatch.setattr("keras.datasets.mnist.load_data", failing)
    with pytest.raises(RuntimeError, match=rf"load_data\(\) failed: {error}.*MNIST_NPZ"):
        data.load_mnist()


def test_a_programming_error_in_the_download_is_not_taken_for_a_network_failure(monkeypatch):
    def buggy():
        raise TypeError("load_data() got an unexpected keyword argument")

    monkeypatch.setattr("keras.datasets.mnist.load_data", buggy)
    with pytest.raises(TypeError, match="unexpected keyword argument"):
        data.load_mnist()


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="nothing.npz.*MNIST_NPZ"):
        data.load_mnist(path=tmp_path / "nothing.npz")


def test_a_missing_relative_path_names_the_absolute_path_and_the_working_directory(
    tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(FileNotFoundError) as info:
        data.load_mnist(path=os.path.join("shared", "data", "mnist.npz"))
    assert (
        f"MNIST file not found: 'shared/data/mnist.npz', that is "
        f"'{tmp_path}/shared/data/mnist.npz'" in str(info.value)
    )
    assert f"(working directory: '{tmp_path}')" in str(info.value)
    assert "Notebooks run in chapters/ or a temporary folder: an absolute path works" in str(
        info.value
    )


def test_a_folder_given_for_the_file_is_called_a_folder(tmp_path):
    with pytest.raises(
        IsADirectoryError, match=rf"MNIST file '{tmp_path}' is a folder, not a file.*MNIST_NPZ"
    ):
        data.load_mnist(path=tmp_path)


def test_missing_keys_are_listed(npz):
    arrays = mnist_like(6, 4)
    del arrays["y_test"]
    with pytest.raises(KeyError, match=r"lacks the key\(s\) \['y_test'\]"):
        data.load_mnist(path=npz(arrays))


@pytest.mark.parametrize(
    "key, value, message",
    [
        (
            "x_train",
            np.zeros((60000, 28, 27), np.uint8),
            r"x_train must be uint8 of shape \(N, 28, 28\)",
        ),
        ("x_test", np.zeros((10000, 28, 28), np.float32), "x_test must be uint8.*got float32"),
        (
            "y_train",
            np.zeros(59999, np.uint8),
            r"y_train must be integer labels of shape \(60000,\)",
        ),
        ("y_test", np.zeros(10000, np.float64), "y_test must be integer labels"),
        (
            "y_train",
            np.full(60000, 10, np.uint8),
            "y_train must hold labels 0-9; found values from 10 to 10",
        ),
        (
            "x_test",
            np.zeros((0, 28, 28), np.uint8),
            r"x_test holds 0 images; MNIST's test set has 10,000",
        ),
    ],
)
def test_wrong_shapes_dtypes_sizes_and_labels_are_explained(key, value, message):
    arrays = mnist_like()
    arrays[key] = value
    with pytest.raises(ValueError, match=message):
        data.validate(arrays, source="mnist.npz")


def test_training_and_test_sets_swapped_are_refused(npz):
    swapped = mnist_like(n_train=10000, n_test=60000)
    with pytest.raises(
        ValueError,
        match=r"x_train holds 10,000 images; MNIST's train set has 60,000 \(are the training "
        r"and test sets swapped",
    ):
        data.load_mnist(n_train=100, path=npz(swapped))


def test_an_empty_file_in_mnists_layout_is_refused_before_any_subset_is_taken(npz):
    with pytest.raises(ValueError, match="x_train holds 0 images; MNIST's train set has 60,000"):
        data.load_mnist(n_train=5, path=npz(mnist_like(0, 0)))


def test_a_truncated_file_is_reported_as_corrupted(npz):
    path = npz(mnist_like(6, 4))
    path.write_bytes(path.read_bytes()[: os.path.getsize(path) // 2])
    with pytest.raises(ValueError, match="corrupted or incomplete"):
        data.load_mnist(path=path)


def test_a_damaged_array_inside_the_file_is_caught_before_use(npz):
    path = npz(mnist_like(6, 4))
    raw = bytearray(path.read_bytes())
    start = raw.find(b"x_test.npy")  # flip bytes inside one member's data: its CRC check fails
    raw[start + 200 : start + 240] = b"\xff" * 40  # x_test[0] is all zeros
    path.write_bytes(bytes(raw))
    with pytest.raises(ValueError, match="corrupted or incomplete"):
        data.load_mnist(path=path)


def test_a_file_that_is_not_an_npz_is_reported(tmp_path):
    path = tmp_path / "mnist.npz"
    path.write_text("<html>404 Not Found</html>")
    with pytest.raises(
        ValueError,
        match=r"could not be read as an .npz file: it starts with b'<html>40', not with a "
        r"zip archive's b'PK' \(an error page",
    ):
        data.load_mnist(path=path)


def saved(save, *args, **kwargs):
    """The bytes that np.save or np.savez writes for the arrays given."""
    buffer = io.BytesIO()
    save(buffer, *args, **kwargs)
    return buffer.getvalue()


@pytest.mark.parametrize(
    "content, message",
    [
        (saved(np.save, np.zeros((3, 28, 28), np.uint8)), "is a .npy file, which holds one array"),
        (
            gzip.compress(pickle.dumps({"x": 1})),
            r"is gzip-compressed \(mnist.pkl.gz\? an IDX .gz file\?\)",
        ),
        (pickle.dumps({"x": 1}), r"is a Python pickle \(mnist.pkl\?\)"),
        (b"", "could not be read as an .npz file: it is empty"),
        (
            saved(np.savez, **{**mnist_like(6, 4), "y_test": np.array([None] * 4)}),
            r"holds object arrays \(pickled Python objects\), which are not loaded",
        ),
    ],
)
def test_a_lookalike_of_an_npz_is_named_for_what_it_is(tmp_path, content, message):
    # a .npy used to raise a bare TypeError; pickles and object arrays were called corrupted
    # downloads
    path = tmp_path / "mnist.npz"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=rf"mnist.npz' {message}.*MNIST_NPZ"):
        data.load_mnist(path=path)


def test_an_unreadable_file_is_not_called_corrupted(mnist_file, monkeypatch):
    def denied(path, *args, **kwargs):
        raise PermissionError(13, "Permission denied", str(path))

    # as root, chmod 000 would not stop the reading
    monkeypatch.setattr(data, "open", denied, raising=False)
    with pytest.raises(PermissionError, match=rf"Permission denied: '{mnist_file}'"):
        data.load_mnist(path=mnist_file)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(n_train=0), "`n_train` must be an integer from 1 to 60000"),
        (dict(n_train=60001), "`n_train` must be an integer from 1 to 60000"),
        (dict(n_test=2.5), "`n_test` must be an integer from 1 to 10000"),
        (
            dict(scale="no"),
            "`scale` must be True or False; got 'no'",
        ),  # "no" is truthy: it used to scale
        (dict(one_hot="False"), "`one_hot` must be True or False; got 'False'"),
        (dict(channel_axis=1), "`channel_axis` must be True or False; got 1"),
    ],
)
def test_bad_options_are_rejected(mnist_file, kwargs, message):
    with pytest.raises(ValueError, match=message):
        data.load_mnist(path=mnist_file, **kwargs)


def test_the_local_mnist_is_the_real_one():
    (x_train, y_train), (x_test, y_test) = data.load_mnist(
        scale=False, channel_axis=False, path=LOCAL_MNIST
    )
    assert x_train.shape == (60000, 28, 28) and x_test.shape == (10000, 28, 28)
    np.testing.assert_array_equal(np.bincount(y_train), REAL_MNIST_CLASS_COUNTS)
    assert x_train.mean() == pytest.approx(33.318, abs=1e-3)


def test_split_validation_holds_out_n_val_examples_disjoint_from_training():
    x, y = np.arange(10) * 10, np.arange(10)  # example i is 10 * i, its label i
    (x_train, y_train), (x_val, y_val) = data.split_validation(x, y, n_val=3, seed=0)
    assert len(x_val) == 3 and len(x_train) == 7
    np.testing.assert_array_equal(x_train, y_train * 10)  # pairs stay together
    np.testing.assert_array_equal(x_val, y_val * 10)
    assert sorted([*y_train, *y_val]) == list(range(10))  # nothing lost, nothing twice
    assert list(y_train) == sorted(y_train) and list(y_val) == sorted(y_val)  # original order kept


def test_split_validation_same_seed_same_split_other_seed_other_split():
    x = y = np.arange(1000)
    first = data.split_validation(x, y, n_val=100, seed=1)[1][1]
    again = data.split_validation(x, y, n_val=100, seed=1)[1][1]
    other = data.split_validation(x, y, n_val=100, seed=2)[1][1]
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)


@pytest.mark.parametrize("n_val", [0, 10, -1, 2.5, True, None])
def test_split_validation_rejects_a_bad_n_val(n_val):
    with pytest.raises(ValueError, match="`n_val` must be an integer from 1 to 9"):
        data.split_validation(np.zeros(10), np.zeros(10), n_val=n_val)


@pytest.mark.parametrize(
    "x, y", [(np.zeros(10), np.zeros(9)), (np.float64(1.0), np.zeros(1)), (np.zeros(3), 2)]
)
def test_split_validation_rejects_mismatched_labels(x, y):
    with pytest.raises(
        ValueError, match=r"`x` and `y` must be arrays with one label per example; got shapes \("
    ):
        data.split_validation(x, y, n_val=1)


def test_split_validation_takes_python_lists_as_arrays():
    (x_train, y_train), (x_val, y_val) = data.split_validation(
        [0, 10, 20, 30], [0, 1, 2, 3], n_val=1, seed=0
    )
    assert isinstance(x_train, np.ndarray) and len(x_train) == 3 and len(x_val) == 1
    np.testing.assert_array_equal(x_val, y_val * 10)


@pytest.mark.parametrize("seed", [-1, 1.5, None, "0"])
def test_split_validation_needs_a_non_negative_integer_seed(seed):
    with pytest.raises(ValueError, match="`seed` must be a non-negative integer; got "):
        data.split_validation(np.zeros(10), np.zeros(10), n_val=2, seed=seed)


# --- Fashion-MNIST: the four original IDX files, gzip-compressed or not
# ----------------------------

DEBIAN_FASHION = "/usr/share/datasets/fashion-mnist"  # apt-get install dataset-fashion-mnist


def idx_bytes(array):
    """An array of uint8 in the IDX format.

    Magic (0, 0, 8 = unsigned byte, ndim), the sizes, the bytes."""
    header = bytes([0, 0, 8, array.ndim]) + b"".join(n.to_bytes(4, "big") for n in array.shape)
    return header + array.astype(np.uint8).tobytes()


def fashion_arrays():
    """Full-size arrays in Fashion-MNIST's layout.

    Balanced labels (i % 10); image i is filled with i % 10."""
    arrays = {}
    for split, n in (("train", 60000), ("test", 10000)):
        labels = (np.arange(n) % 10).astype(np.uint8)
        arrays[f"x_{split}"] = np.broadcast_to(labels[:, None, None], (n, 28, 28))
        arrays[f"y_{split}"] = labels
    return arrays


def write_fashion(folder, arrays=None, raw=None, compress=True):
    """Write the four gzip files into folder, or with compress=False the uncompressed files.

    raw maps a file name to bytes that replace that file's content. The uncompressed files are
    named without .gz, as some mirrors ship them."""
    folder.mkdir(exist_ok=True)
    arrays = fashion_arrays() if arrays is None else arrays
    for key, name in data.FASHION_FILES.items():
        content = (raw or {}).get(name, idx_bytes(np.asarray(arrays[key])))
        if compress:
            (folder / name).write_bytes(gzip.compress(content, compresslevel=1))
        else:
            (folder / name.removesuffix(".gz")).write_bytes(content)
    return folder


@pytest.fixture(scope="module")
def synthetic_md5():
    """The MD5 of each of fashion_arrays()' files.

    They stand in for Fashion-MNIST's published ones below."""
    return {key: data.idx_md5(array) for key, array in fashion_arrays().items()}


@pytest.fixture
def synthetic_is_published(monkeypatch, synthetic_md5):
    monkeypatch.setattr(data, "FASHION_MD5", synthetic_md5)


@pytest.fixture(scope="module")
def synthetic_folder(tmp_path_factory):
    return write_fashion(tmp_path_factory.mktemp("fashion"))


@pytest.fixture
def fashion_folder(synthetic_folder, synthetic_is_published):
    """A folder of fashion_arrays() in gzip IDX files.

    The test takes their MD5s for the published ones."""
    return synthetic_folder


@pytest.fixture(autouse=True)
def no_fashion_env(monkeypatch):
    monkeypatch.delenv(data.FASHION_ENV, raising=False)


def test_fashion_loads_prepared_like_mnist(fashion_folder):
    (x_train, y_train), (x_test, y_test) = data.load_fashion_mnist(
        path=fashion_folder, n_train=20, one_hot=True
    )
    assert (
        x_train.shape == (20, 28, 28, 1)
        and x_test.shape == (10000, 28, 28, 1)
        and x_train.dtype == np.float32
    )
    np.testing.assert_allclose(x_train[3, 0, 0, 0], 3 / 255)  # image 3 is filled with 3
    np.testing.assert_array_equal(y_train[3], np.eye(10)[3])


def test_fashion_uses_its_environment_variable(fashion_folder, monkeypatch):
    monkeypatch.setenv(data.FASHION_ENV, str(fashion_folder))
    (x_train, _), _ = data.load_fashion_mnist(n_train=5, scale=False, channel_axis=False)
    assert x_train.shape == (5, 28, 28) and x_train.dtype == np.uint8 and x_train[4, 5, 5] == 4


def test_fashion_has_ten_class_names():
    assert (
        len(data.FASHION_CLASSES) == data.NUM_CLASSES and data.FASHION_CLASSES[0] == "T-shirt/top"
    )


def test_a_missing_fashion_folder_says_how_to_get_one(tmp_path):
    with pytest.raises(
        FileNotFoundError,
        match=r"Fashion-MNIST folder not found.*apt-get install dataset-fashion-mnist",
    ):
        data.load_fashion_mnist(path=tmp_path / "nowhere")


def test_a_missing_fashion_file_is_named(fashion_folder, tmp_path):
    folder = tmp_path / "f"
    folder.mkdir()
    for name in list(data.FASHION_FILES.values())[1:]:
        (folder / name).symlink_to(fashion_folder / name)
    with pytest.raises(
        FileNotFoundError, match=r"train-images-idx3-ubyte.gz' is missing.*FASHION_MNIST_DIR"
    ):
        data.load_fashion_mnist(path=folder)


def corrupt(fashion_folder, tmp_path, name, content):
    """A copy of the good folder with `name` replaced by raw `content` (not gzip-wrapped)."""
    folder = tmp_path / "bad"
    folder.mkdir()
    for other in data.FASHION_FILES.values():
        if other != name:
            (folder / other).symlink_to(fashion_folder / other)
    (folder / name).write_bytes(content)
    return folder


def test_a_truncated_gzip_file_is_named(fashion_folder, tmp_path):
    name = "t10k-labels-idx1-ubyte.gz"
    folder = corrupt(fashion_folder, tmp_path, name, (fashion_folder / name).read_bytes()[:-20])
    with pytest.raises(ValueError, match=rf"{name}' could not be read as a gzip file"):
        data.load_fashion_mnist(path=folder)


@pytest.mark.parametrize(
    "name, content, message",
    [
        (
            "t10k-images-idx3-ubyte.gz",
            idx_bytes(np.zeros((10000, 28, 28)))[:-100],
            "truncated or damaged",
        ),
        ("t10k-images-idx3-ubyte.gz", b"not an idx file", "is not an IDX file"),
        (
            "train-images-idx3-ubyte.gz",
            idx_bytes(np.zeros(60000)),
            "holds labels where images were expected",
        ),
        (
            "train-images-idx3-ubyte.gz",
            idx_bytes(np.zeros((60000, 32, 32))),
            r"must hold uint8 images of 28 x 28",
        ),
        (
            "train-images-idx3-ubyte.gz",
            idx_bytes(np.zeros((10000, 28, 28))),
            r"holds 10,000 images.*swapped",
        ),
        (
            "train-labels-idx1-ubyte.gz",
            idx_bytes(np.zeros(59999)),
            "must hold one integer label per image, 60,000",
        ),
        ("train-labels-idx1-ubyte.gz", idx_bytes(np.arange(60000) % 11), "is mislabelled"),
        (
            "t10k-labels-idx1-ubyte.gz",
            idx_bytes(np.sort(np.arange(10000) % 10)[::-1] * (np.arange(10000) > 5)),
            "is mislabelled",
        ),
    ],
)
def test_a_bad_fashion_file_stops_with_its_name_and_the_fix(
    fashion_folder, tmp_path, name, content, message
):
    folder = corrupt(fashion_folder, tmp_path, name, gzip.compress(content, compresslevel=1))
    with pytest.raises(
        ValueError, match=rf"{name}.*{message}.*apt-get install dataset-fashion-mnist"
    ):
        data.load_fashion_mnist(path=folder)


def test_balanced_but_shuffled_labels_differ_from_the_published_file(fashion_folder, tmp_path):
    name = "train-labels-idx1-ubyte.gz"
    # still 6,000 of each class
    shuffled = np.random.default_rng(0).permutation(np.arange(60000) % 10)
    folder = corrupt(
        fashion_folder, tmp_path, name, gzip.compress(idx_bytes(shuffled), compresslevel=1)
    )
    with pytest.raises(
        ValueError,
        match=rf"{name} is not Fashion-MNIST's published file: the MD5 of its content is "
        r"[0-9a-f]{32}, not [0-9a-f]{32}.*apt-get install dataset-fashion-mnist",
    ):
        data.load_fashion_mnist(path=folder)


def test_mnists_files_in_the_fashion_folder_are_recognised(tmp_path):
    # MNIST's four files have exactly Fashion-MNIST's names
    (x_train, y_train), (x_test, y_test) = data.load_mnist(
        scale=False, channel_axis=False, path=LOCAL_MNIST
    )
    folder = write_fashion(
        tmp_path / "mnist", dict(x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)
    )
    with pytest.raises(
        ValueError,
        match=r"train-labels-idx1-ubyte.gz is mislabelled.*got counts \[5923, 6742, .*\] "
        r"\(MNIST's files have the same names: are these MNIST's\?\)",
    ):
        data.load_fashion_mnist(path=folder)


def test_uncompressed_idx_files_load_like_the_gzip_ones(fashion_folder, tmp_path):
    plain = write_fashion(tmp_path / "plain", compress=False)
    assert sorted(os.listdir(plain)) == sorted(
        name.removesuffix(".gz") for name in data.FASHION_FILES.values()
    )
    for ours, gzipped in zip(
        data.load_fashion_mnist(path=plain), data.load_fashion_mnist(path=fashion_folder)
    ):
        np.testing.assert_array_equal(ours[0], gzipped[0])
        np.testing.assert_array_equal(ours[1], gzipped[1])


def test_an_uncompressed_file_under_a_gz_name_is_read_as_it_is(fashion_folder, tmp_path):
    name = "t10k-labels-idx1-ubyte.gz"
    folder = corrupt(
        fashion_folder, tmp_path, name, idx_bytes((np.arange(10000) % 10).astype(np.uint8))
    )
    _, (_, y_test) = data.load_fashion_mnist(path=folder)
    np.testing.assert_array_equal(y_test[:12], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1])


def test_a_missing_fashion_file_and_its_uncompressed_twin_are_named(fashion_folder, tmp_path):
    folder = corrupt(fashion_folder, tmp_path, "t10k-labels-idx1-ubyte.gz", b"")
    (folder / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(
        FileNotFoundError,
        match=r"t10k-labels-idx1-ubyte.gz' is missing \(and so is the uncompressed "
        r"t10k-labels-idx1-ubyte\)",
    ):
        data.load_fashion_mnist(path=folder)


def test_a_file_given_for_the_fashion_folder_is_called_a_file(fashion_folder):
    path = fashion_folder / "train-images-idx3-ubyte.gz"
    with pytest.raises(
        NotADirectoryError,
        match=r"Fashion-MNIST folder '.*train-images-idx3-ubyte.gz' is a file, not a "
        r"folder: name the folder that holds the files.*FASHION_MNIST_DIR",
    ):
        data.load_fashion_mnist(path=path)


def test_a_relative_fashion_folder_starts_at_the_working_directory(fashion_folder, monkeypatch):
    monkeypatch.chdir(fashion_folder.parent)
    (x_train, _), _ = data.load_fashion_mnist(n_train=2, path=fashion_folder.name)
    assert x_train.shape == (2, 28, 28, 1)
    with pytest.raises(
        FileNotFoundError,
        match=rf"Fashion-MNIST folder not found: 'fashion-mnist', that is "
        rf"'{fashion_folder.parent}/fashion-mnist' \(working directory: "
        rf"'{fashion_folder.parent}'\)",
    ):
        data.load_fashion_mnist(path="fashion-mnist")


def test_read_idx_gives_a_writable_array(tmp_path):
    path = tmp_path / "labels-idx1-ubyte"
    path.write_bytes(idx_bytes(np.array([1, 2, 3], dtype=np.uint8)))
    labels = data.read_idx(path, ndim=1)
    labels += 1  # frombuffer's array was read-only: "assignment destination is read-only"
    np.testing.assert_array_equal(labels, [2, 3, 4])


@pytest.mark.parametrize(
    "shape, announced",
    [
        (
            (2**31, 2**31, 4),
            "18,446,744,073,709,551,616 bytes",
        ),  # 2 ** 64: np.prod wrapped it to 0, which "fitted"
        (
            (2**31, 2**31, 2**31),
            "9,903,520,314,283,042,199,192,993,792 bytes",
        ),  # 2 ** 93, not "(0 bytes)"
    ],
)
def test_an_idx_header_with_huge_dimensions_is_called_damaged(tmp_path, shape, announced):
    path = tmp_path / "images-idx3-ubyte"
    path.write_bytes(bytes([0, 0, 8, 3]) + b"".join(n.to_bytes(4, "big") for n in shape))
    with pytest.raises(
        ValueError,
        match=rf"holds 0 bytes of data but its header announces shape .*\({announced}\): "
        "truncated or damaged",
    ):
        data.read_idx(path, ndim=3)


def test_fashion_downloads_with_keras_online_and_explains_a_failure_offline(
    monkeypatch, synthetic_is_published
):
    import keras

    arrays = fashion_arrays()
    monkeypatch.setattr(
        keras.datasets.fashion_mnist,
        "load_data",
        lambda: ((arrays["x_train"], arrays["y_train"]), (arrays["x_test"], arrays["y_test"])),
    )
    (x_train, _), _ = data.load_fashion_mnist(n_train=3)
    assert x_train.shape == (3, 28, 28, 1)

    def offline():
        raise Exception("URL fetch failure")

    monkeypatch.setattr(keras.datasets.fashion_mnist, "load_data", offline)
    with pytest.raises(RuntimeError, match="URL fetch failure.*FASHION_MNIST_DIR"):
        data.load_fashion_mnist()


@pytest.fixture
def real_fashion():
    """The folder of the real Fashion-MNIST files: $FASHION_MNIST_DIR, else Debian's.

    A skip without them (a failure with REQUIRE_DATA=1)."""
    folder = os.environ.get(data.FASHION_ENV) or DEBIAN_FASHION
    if not os.path.isdir(folder):
        reason = (
            f"no Fashion-MNIST at {folder!r}: apt-get install dataset-fashion-mnist, "
            f"or set {data.FASHION_ENV}"
        )
        if required("REQUIRE_DATA"):
            pytest.fail(
                reason + " (REQUIRE_DATA is set: the real data's check may not be skipped)"
            )
        pytest.skip(reason)
    return folder


def test_the_real_fashion_mnist_is_the_published_one(real_fashion):
    (x_train, y_train), (x_test, y_test) = data.load_fashion_mnist(
        path=real_fashion, scale=False, channel_axis=False
    )
    # ankle boot, T-shirt/top, ... as in the paper's repository
    assert y_train[:10].tolist() == [9, 0, 0, 3, 0, 2, 7, 2, 5, 5]
    assert x_train.mean() == pytest.approx(72.94, abs=0.01) and x_test.shape == (10000, 28, 28)


@pytest.mark.skipif(
    not os.path.isdir(DEBIAN_FASHION), reason="Debian's dataset-fashion-mnist is not installed"
)
def test_the_published_md5s_are_those_of_debians_files_uncompressed_and_of_their_arrays():
    # Debian recompressed the gzip files (their own MD5s differ from the published ones), not their
    # content
    for key, name in data.FASHION_FILES.items():
        with open(os.path.join(DEBIAN_FASHION, name), "rb") as f:
            content = gzip.decompress(f.read())
        assert hashlib.md5(content).hexdigest() == data.FASHION_MD5[key], name
        assert (
            data.idx_md5(data.read_idx(os.path.join(DEBIAN_FASHION, name), ndim=content[3]))
            == data.FASHION_MD5[key]
        )
