"""utils.data: the offline file path, the online Keras path, and a clear error for every bad input."""
import os

import numpy as np
import pytest

from utils import data

# the real MNIST: $MNIST_NPZ (read before the fixture below hides it), else Keras downloads it
LOCAL_MNIST = os.environ.get(data.MNIST_ENV)
REAL_MNIST_CLASS_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]


def small_mnist(n_train=6, n_test=4):
    """Four arrays in MNIST's layout; image i is filled with the value i, its label is i % 10."""
    def images(n):
        return np.broadcast_to(np.arange(n, dtype=np.uint8)[:, None, None], (n, 28, 28)).copy()
    return dict(x_train=images(n_train), y_train=np.arange(n_train, dtype=np.uint8) % 10,
                x_test=images(n_test), y_test=np.arange(n_test, dtype=np.uint8) % 10)


@pytest.fixture
def npz(tmp_path):
    """Write arrays to an .npz in tmp_path and return its path."""
    def write(arrays, name="mnist.npz"):
        path = tmp_path / name
        np.savez(path, **arrays)
        return path
    return write


@pytest.fixture(autouse=True)
def no_mnist_env(monkeypatch):
    monkeypatch.delenv(data.MNIST_ENV, raising=False)


def test_default_is_float32_nhwc_in_unit_range_with_integer_labels(npz):
    (x_train, y_train), (x_test, y_test) = data.load_mnist(path=npz(small_mnist()))
    assert x_train.shape == (6, 28, 28, 1) and x_test.shape == (4, 28, 28, 1)
    assert x_train.dtype == np.float32
    assert x_train[5, 0, 0, 0] == pytest.approx(5 / 255)
    np.testing.assert_array_equal(y_train, [0, 1, 2, 3, 4, 5])


def test_options_keep_raw_pixels_drop_channel_axis_and_one_hot_labels(npz):
    (x_train, y_train), _ = data.load_mnist(scale=False, channel_axis=False, one_hot=True,
                                            path=npz(small_mnist()))
    assert x_train.shape == (6, 28, 28) and x_train.dtype == np.uint8
    assert y_train.shape == (6, 10) and y_train.dtype == np.float32
    np.testing.assert_array_equal(y_train.argmax(axis=1), [0, 1, 2, 3, 4, 5])
    np.testing.assert_array_equal(y_train.sum(axis=1), 1)


def test_subsets_keep_the_first_images(npz):
    (x_train, y_train), (x_test, _) = data.load_mnist(n_train=3, n_test=2, path=npz(small_mnist()))
    assert len(x_train) == 3 and len(x_test) == 2
    np.testing.assert_array_equal(y_train, [0, 1, 2])


def test_environment_variable_names_the_file(npz, monkeypatch):
    monkeypatch.setenv(data.MNIST_ENV, str(npz(small_mnist(n_train=7))))
    (x_train, _), _ = data.load_mnist()
    assert len(x_train) == 7


def test_without_a_file_the_keras_loader_is_used(monkeypatch):
    arrays = small_mnist(n_train=5)
    monkeypatch.setattr("keras.datasets.mnist.load_data", lambda: (
        (arrays["x_train"], arrays["y_train"]), (arrays["x_test"], arrays["y_test"])))
    (x_train, _), _ = data.load_mnist()
    assert len(x_train) == 5


def test_a_failed_download_says_how_to_use_a_local_file(monkeypatch):
    def offline():
        raise Exception("URL fetch failure on https://storage.googleapis.com/.../mnist.npz")
    monkeypatch.setattr("keras.datasets.mnist.load_data", offline)
    with pytest.raises(RuntimeError, match="MNIST_NPZ") as info:
        data.load_mnist()
    assert "URL fetch failure" in str(info.value)


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="nothing.npz.*MNIST_NPZ"):
        data.load_mnist(path=tmp_path / "nothing.npz")


def test_missing_keys_are_listed(npz):
    arrays = small_mnist()
    del arrays["y_test"]
    with pytest.raises(KeyError, match=r"lacks the key\(s\) \['y_test'\]"):
        data.load_mnist(path=npz(arrays))


@pytest.mark.parametrize("key, value, message", [
    ("x_train", np.zeros((6, 28, 27), np.uint8), r"x_train must be uint8 of shape \(N, 28, 28\)"),
    ("x_test", np.zeros((4, 28, 28), np.float32), "x_test must be uint8.*got float32"),
    ("y_train", np.zeros(5, np.uint8), r"y_train must be integer labels of shape \(6,\)"),
    ("y_test", np.zeros(4, np.float64), "y_test must be integer labels"),
    ("y_train", np.full(6, 10, np.uint8), "y_train must hold labels 0-9; found values from 10 to 10"),
])
def test_wrong_shapes_dtypes_and_labels_are_explained(npz, key, value, message):
    arrays = small_mnist()
    arrays[key] = value
    with pytest.raises(ValueError, match=message):
        data.load_mnist(path=npz(arrays))


def test_a_truncated_file_is_reported_as_corrupted(npz):
    path = npz(small_mnist())
    path.write_bytes(path.read_bytes()[: os.path.getsize(path) // 2])
    with pytest.raises(ValueError, match="corrupted or incomplete"):
        data.load_mnist(path=path)


def test_a_damaged_array_inside_the_file_is_caught_before_use(npz):
    path = npz(small_mnist())
    raw = bytearray(path.read_bytes())
    start = raw.find(b"x_test.npy")  # flip bytes inside one member's data: its CRC check fails
    raw[start + 200:start + 240] = b"\xff" * 40  # x_test[0] is all zeros
    path.write_bytes(bytes(raw))
    with pytest.raises(ValueError, match="corrupted or incomplete"):
        data.load_mnist(path=path)


def test_a_file_that_is_not_an_npz_is_reported(tmp_path):
    path = tmp_path / "mnist.npz"
    path.write_text("<html>404 Not Found</html>")
    with pytest.raises(ValueError, match="could not be read as an .npz"):
        data.load_mnist(path=path)


@pytest.mark.parametrize("kwargs, message", [
    (dict(n_train=0), "`n_train` must be an integer from 1 to 6"),
    (dict(n_train=7), "`n_train` must be an integer from 1 to 6"),
    (dict(n_test=2.5), "`n_test` must be an integer from 1 to 4"),
])
def test_bad_subset_sizes_are_rejected(npz, kwargs, message):
    with pytest.raises(ValueError, match=message):
        data.load_mnist(path=npz(small_mnist()), **kwargs)


def test_the_local_mnist_is_the_real_one():
    (x_train, y_train), (x_test, y_test) = data.load_mnist(scale=False, channel_axis=False, path=LOCAL_MNIST)
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


def test_split_validation_rejects_mismatched_labels():
    with pytest.raises(ValueError, match="one label per example; got 10 examples and 9 labels"):
        data.split_validation(np.zeros(10), np.zeros(9), n_val=2)


# --- Fashion-MNIST: the four original gzip IDX files ----------------------------------------------

DEBIAN_FASHION = "/usr/share/datasets/fashion-mnist"  # apt-get install dataset-fashion-mnist


def idx_bytes(array):
    """An array of uint8 in the IDX format: magic (0, 0, 8 = unsigned byte, ndim), the sizes, the bytes."""
    header = bytes([0, 0, 8, array.ndim]) + b"".join(n.to_bytes(4, "big") for n in array.shape)
    return header + array.astype(np.uint8).tobytes()


def fashion_arrays():
    """Full-size arrays in Fashion-MNIST's layout: balanced labels (i % 10), image i filled with i % 10."""
    arrays = {}
    for split, n in (("train", 60000), ("test", 10000)):
        labels = (np.arange(n) % 10).astype(np.uint8)
        arrays[f"x_{split}"] = np.broadcast_to(labels[:, None, None], (n, 28, 28))
        arrays[f"y_{split}"] = labels
    return arrays


def write_fashion(folder, arrays=None, raw=None):
    """Write the four gzip files into folder (raw: file name -> bytes that replace that file's content)."""
    import gzip

    folder.mkdir(exist_ok=True)
    arrays = fashion_arrays() if arrays is None else arrays
    for key, name in data.FASHION_FILES.items():
        content = (raw or {}).get(name, idx_bytes(np.asarray(arrays[key])))
        with gzip.open(folder / name, "wb", compresslevel=1) as f:
            f.write(content)
    return folder


@pytest.fixture(scope="module")
def fashion_folder(tmp_path_factory):
    return write_fashion(tmp_path_factory.mktemp("fashion"))


@pytest.fixture(autouse=True)
def no_fashion_env(monkeypatch):
    monkeypatch.delenv(data.FASHION_ENV, raising=False)


def test_fashion_loads_prepared_like_mnist(fashion_folder):
    (x_train, y_train), (x_test, y_test) = data.load_fashion_mnist(path=fashion_folder, n_train=20, one_hot=True)
    assert x_train.shape == (20, 28, 28, 1) and x_test.shape == (10000, 28, 28, 1) and x_train.dtype == np.float32
    np.testing.assert_allclose(x_train[3, 0, 0, 0], 3 / 255)  # image 3 is filled with 3
    np.testing.assert_array_equal(y_train[3], np.eye(10)[3])


def test_fashion_uses_its_environment_variable(fashion_folder, monkeypatch):
    monkeypatch.setenv(data.FASHION_ENV, str(fashion_folder))
    (x_train, _), _ = data.load_fashion_mnist(n_train=5, scale=False, channel_axis=False)
    assert x_train.shape == (5, 28, 28) and x_train.dtype == np.uint8 and x_train[4, 5, 5] == 4


def test_fashion_has_ten_class_names():
    assert len(data.FASHION_CLASSES) == data.NUM_CLASSES and data.FASHION_CLASSES[0] == "T-shirt/top"


def test_a_missing_fashion_folder_says_how_to_get_one(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"Fashion-MNIST folder not found.*apt-get install dataset-fashion-mnist"):
        data.load_fashion_mnist(path=tmp_path / "nowhere")


def test_a_missing_fashion_file_is_named(fashion_folder, tmp_path):
    folder = tmp_path / "f"
    folder.mkdir()
    for name in list(data.FASHION_FILES.values())[1:]:
        (folder / name).symlink_to(fashion_folder / name)
    with pytest.raises(FileNotFoundError, match=r"train-images-idx3-ubyte.gz' is missing.*FASHION_MNIST_DIR"):
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


@pytest.mark.parametrize("name, content, message", [
    ("t10k-images-idx3-ubyte.gz", idx_bytes(np.zeros((10000, 28, 28)))[:-100], "truncated or damaged"),
    ("t10k-images-idx3-ubyte.gz", b"not an idx file", "is not an IDX file"),
    ("train-images-idx3-ubyte.gz", idx_bytes(np.zeros(60000)), "holds labels where images were expected"),
    ("train-images-idx3-ubyte.gz", idx_bytes(np.zeros((60000, 32, 32))), r"must hold uint8 images of 28 x 28"),
    ("train-images-idx3-ubyte.gz", idx_bytes(np.zeros((10000, 28, 28))), r"holds 10,000 images.*swapped"),
    ("train-labels-idx1-ubyte.gz", idx_bytes(np.zeros(59999)), "must hold one integer label per image, 60,000"),
    ("train-labels-idx1-ubyte.gz", idx_bytes(np.arange(60000) % 11), "is mislabelled"),
    ("t10k-labels-idx1-ubyte.gz", idx_bytes(np.sort(np.arange(10000) % 10)[::-1] * (np.arange(10000) > 5)), "is mislabelled"),
])
def test_a_bad_fashion_file_stops_with_its_name_and_the_fix(fashion_folder, tmp_path, name, content, message):
    import gzip

    folder = corrupt(fashion_folder, tmp_path, name, gzip.compress(content, compresslevel=1))
    with pytest.raises(ValueError, match=rf"{name}.*{message}.*apt-get install dataset-fashion-mnist"):
        data.load_fashion_mnist(path=folder)


def test_fashion_downloads_with_keras_online_and_explains_a_failure_offline(monkeypatch):
    import keras

    arrays = fashion_arrays()
    monkeypatch.setattr(keras.datasets.fashion_mnist, "load_data",
                        lambda: ((arrays["x_train"], arrays["y_train"]), (arrays["x_test"], arrays["y_test"])))
    (x_train, _), _ = data.load_fashion_mnist(n_train=3)
    assert x_train.shape == (3, 28, 28, 1)

    def offline():
        raise Exception("URL fetch failure")
    monkeypatch.setattr(keras.datasets.fashion_mnist, "load_data", offline)
    with pytest.raises(RuntimeError, match="URL fetch failure.*FASHION_MNIST_DIR"):
        data.load_fashion_mnist()


@pytest.mark.skipif(not os.path.isdir(DEBIAN_FASHION), reason="Debian's dataset-fashion-mnist is not installed")
def test_debians_fashion_mnist_is_the_real_one():
    (x_train, y_train), (x_test, y_test) = data.load_fashion_mnist(path=DEBIAN_FASHION, scale=False, channel_axis=False)
    assert y_train[:10].tolist() == [9, 0, 0, 3, 0, 2, 7, 2, 5, 5]  # ankle boot, T-shirt/top, ... as in the paper's repository
    assert x_train.mean() == pytest.approx(72.94, abs=0.01) and x_test.shape == (10000, 28, 28)
