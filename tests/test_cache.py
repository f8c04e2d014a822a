"""utils.cache: a trained model is found again by exactly what decides its weights.

That is, by everything that decides its weights, and by nothing else."""

import functools
import importlib.util
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import keras
import numpy as np
import pytest
import tensorflow as tf

from tools.notebooks import ROOT
from utils import cache, machine, training

# every fit() while a test's `folder` is in use, so that tests can tell a miss (training) from a
# hit
CALLS = []


def tiny_training(x, y, epochs=1, seed=0):
    """A small model trained for real: Dense(3, softmax) on x (N, 4)."""
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="softmax")])
    model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    history = model.fit(x, y, epochs=epochs, batch_size=8, verbose=0)
    return model, history.history


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    return rng.normal(size=(32, 4)).astype("float32"), np.eye(3, dtype="float32")[
        rng.integers(0, 3, 32)
    ]


@pytest.fixture
def folder(tmp_path, monkeypatch):
    """An empty cache folder of this test's own.

    Every training (a call of Model.fit) is counted in CALLS."""
    monkeypatch.setenv(cache.ENV, str(tmp_path / "cache"))
    CALLS.clear()
    fit = keras.Model.fit

    def counted_fit(self, x=None, y=None, **kwargs):
        CALLS.append(len(x))
        return fit(self, x, y, **kwargs)

    monkeypatch.setattr(keras.Model, "fit", counted_fit)
    return tmp_path / "cache"


def weights_equal(a, b):
    return all(np.array_equal(u, v) for u, v in zip(a.get_weights(), b.get_weights()))


# --- where the cache lives
# -------------------------------------------------------------------------


def test_the_environment_variable_names_the_folder_and_off_turns_the_cache_off(
    monkeypatch, tmp_path
):
    monkeypatch.setenv(cache.ENV, str(tmp_path))
    assert cache.cache_dir() == tmp_path
    monkeypatch.setenv(cache.ENV, "off")
    assert cache.cache_dir() is None


def test_by_default_the_cache_lives_in_the_users_cache_folder(monkeypatch, tmp_path):
    monkeypatch.delenv(cache.ENV, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cache.cache_dir() == tmp_path / "cnn-tested" / "models"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert cache.cache_dir() == cache.Path.home() / ".cache" / "cnn-tested" / "models"


def test_the_test_suite_uses_a_fresh_cache_of_its_own(request):
    # set by the root conftest.py for this run, before any notebook kernel starts: entries of
    # earlier runs are never seen
    if request.config.getoption("--reuse-models"):
        pytest.skip(
            "pytest --reuse-models: utils.cache's own folder, kept across runs (a warm run)"
        )
    folder = cache.cache_dir()
    assert folder is not None and folder.name.startswith("cnn-tested-cache-"), folder
    assert folder.parent == cache.Path(tempfile.gettempdir()), folder


# --- the key
# ---------------------------------------------------------------------------------------


def test_the_key_is_the_same_for_positional_and_keyword_arguments_and_defaults(data):
    x, y = data
    assert (
        cache.key(tiny_training, x, y)
        == cache.key(tiny_training, x=x, y=y, epochs=1)
        == cache.key(tiny_training, x.copy(), y, 1, 0)
    )


def test_the_key_changes_with_every_thing_that_decides_the_weights(data, monkeypatch):
    x, y = data
    base = cache.key(tiny_training, x, y)
    changed_pixel = x.copy()
    changed_pixel[5, 2] += 1e-6
    assert cache.key(tiny_training, changed_pixel, y) != base  # the data, down to one value
    assert cache.key(tiny_training, x[:31], y[:31]) != base  # the data selection
    assert cache.key(tiny_training, x.astype("float64"), y) != base  # the dtype
    assert cache.key(tiny_training, x, y, epochs=2) != base
    assert cache.key(tiny_training, x, y, seed=1) != base
    assert cache.key(training.train_mnist_cnn, x, y) != base  # another recipe
    monkeypatch.setattr(cache, "IMPORTED_SOURCE", "edited utils")
    assert cache.key(tiny_training, x, y) != base  # the recipes' source code, as imported
    monkeypatch.undo()
    monkeypatch.setattr(machine, "library_versions", lambda: {"keras": "3.0.0"})
    assert cache.key(tiny_training, x, y) != base  # the libraries
    monkeypatch.undo()
    assert cache.key(tiny_training, x, y) == base


@pytest.mark.parametrize(
    "setting",
    [
        "TF_ENABLE_ONEDNN_OPTS=0",
        "ONEDNN_MAX_CPU_ISA=AVX2",
        "DNNL_MAX_CPU_ISA=AVX2",
        "TF_XLA_FLAGS=--tf_xla_auto_jit=2",
        "OPENBLAS_CORETYPE=Sandybridge",
        "NPY_DISABLE_CPU_FEATURES=AVX512F",
        "OMP_NUM_THREADS=1",
    ],
)
def test_the_key_changes_with_an_environment_setting_that_chooses_other_kernels(
    data, monkeypatch, setting
):
    name, value = setting.split("=", 1)
    monkeypatch.delenv(name, raising=False)
    base = cache.key(tiny_training, *data)
    monkeypatch.setenv(name, value)
    assert cache.key(tiny_training, *data) != base


def test_the_key_changes_with_keras_float_type_dtype_policy_image_layout_xla_and_threads(data):
    base = cache.key(tiny_training, *data)
    changes = [
        (keras.config.set_floatx, keras.config.floatx, "float64"),
        (keras.config.set_dtype_policy, lambda: keras.config.dtype_policy().name, "mixed_float16"),
        (keras.config.set_image_data_format, keras.config.image_data_format, "channels_first"),
        (tf.config.optimizer.set_jit, tf.config.optimizer.get_jit, "autoclustering"),
    ]
    for change, current, other in changes:
        before = current()
        try:
            change(other)
            assert cache.key(tiny_training, *data) != base, change.__name__
        finally:
            change(before)
        assert cache.key(tiny_training, *data) == base, f"{change.__name__} was not restored"
    # thread counts cannot change once TensorFlow runs: what TensorFlow reports is what the key
    # reads
    for getter in ("get_inter_op_parallelism_threads", "get_intra_op_parallelism_threads"):
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(tf.config.threading, getter, lambda: 7)
            assert cache.key(tiny_training, *data) != base, getter


# --- training functions defined outside utils (a notebook's)
# ---------------------------------------

NOTEBOOK_CELL = """
import keras
import numpy as np

BATCH_SIZE = 8
UNITS = [3]


def build(units):
    return keras.Sequential([keras.Input((4,)), keras.layers.Dense(units, activation="softmax")])


def train(x, y):
    model = build(UNITS[0])
    model.compile(loss="categorical_crossentropy", optimizer="adam")
    return model, model.fit(x, y, batch_size=BATCH_SIZE, epochs=1, verbose=0).history


def train_closure(scale):
    def inner(x, y):
        return train(x * scale, y)
    return inner


def train_comprehension(x, y):
    return train(np.stack([image for image in x if image.sum() > THRESHOLD]), y)


THRESHOLD = 0.0
"""


@pytest.fixture
def notebook(tmp_path):
    """A module standing for a notebook's namespace.

    Its functions read its globals, as a notebook's do."""
    path = tmp_path / "a_notebook.py"
    path.write_text(NOTEBOOK_CELL)
    spec = importlib.util.spec_from_file_location("a_notebook", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_training_defined_in_a_notebook_gets_a_new_key_when_a_global_it_reads_changes(
    notebook, data
):
    base = cache.key(notebook.train, *data)
    notebook.BATCH_SIZE = 16  # read by train itself
    assert cache.key(notebook.train, *data) != base
    notebook.BATCH_SIZE = 8
    assert cache.key(notebook.train, *data) == base
    notebook.UNITS[0] = 4  # a mutable global, changed in place
    assert cache.key(notebook.train, *data) != base
    notebook.UNITS[0] = 3
    notebook.build = lambda units: None  # a helper it calls, redefined
    assert cache.key(notebook.train, *data) != base


def test_what_a_helper_closure_or_comprehension_reads_is_part_of_the_key(notebook, data):
    base = cache.key(notebook.train_comprehension, *data)
    notebook.THRESHOLD = 1.0  # read only inside the comprehension
    assert cache.key(notebook.train_comprehension, *data) != base
    assert cache.key(notebook.train_closure(1.0), *data) != cache.key(
        notebook.train_closure(2.0), *data
    )
    assert cache.key(notebook.train_closure(2.0), *data) == cache.key(
        notebook.train_closure(2.0), *data
    )
    closure = cache.key(notebook.train_closure(1.0), *data)
    notebook.BATCH_SIZE = 16  # read by train, which the closure calls
    assert cache.key(notebook.train_closure(1.0), *data) != closure


def test_two_lambdas_on_one_line_get_two_keys_and_a_function_keeps_its_key_in_another_process(
    data, tmp_path
):
    # noqa: E731
    first, second = lambda x, y: tiny_training(x, y), lambda x, y: tiny_training(x, y, epochs=2)
    assert cache.key(first, *data) != cache.key(second, *data)
    np.save(tmp_path / "x.npy", data[0])
    np.save(tmp_path / "y.npy", data[1])
    script = (
        "import sys, numpy as np; sys.path.insert(0, sys.argv[1])\n"
        "from utils import cache; from tests.test_cache import tiny_training\n"
        "nested = lambda x, y: [tiny_training(x, y) for _ in range(1)][0]\n"
        "print(cache.key(nested, np.load(sys.argv[2]), np.load(sys.argv[3])))\n"
    )
    keys = {
        subprocess.run(
            [
                sys.executable,
                "-c",
                script,
                str(ROOT),
                str(tmp_path / "x.npy"),
                str(tmp_path / "y.npy"),
            ],
            capture_output=True,
            text=True,
            cwd=ROOT,
            check=True,
        ).stdout
        for _ in range(2)
    }
    assert len(keys) == 1, keys  # nothing in the key depends on where the process put its objects


def test_a_training_that_reads_what_the_key_cannot_describe_is_refused_by_name(notebook, data):
    notebook.BATCH_SIZE = object()
    with pytest.raises(
        TypeError,
        match=r"a_notebook.train reads `BATCH_SIZE`, a object, which the cache key cannot",
    ):
        cache.key(notebook.train, *data)


def test_a_partial_is_keyed_like_the_call_it_stands_for_and_a_callable_object_is_refused(
    notebook, data
):
    x, y = data
    assert cache.key(functools.partial(tiny_training, x, epochs=2), y) == cache.key(
        tiny_training, x, y, epochs=2
    )
    assert cache.key(functools.partial(notebook.train, y=y), x) == cache.key(notebook.train, x, y)

    class Trainer:
        def __call__(self, x, y):
            return tiny_training(x, y)

    with pytest.raises(
        TypeError, match="`train` must be a function .* got a callable object of type Trainer"
    ):
        cache.key(Trainer(), x, y)
    with pytest.raises(TypeError, match="`train` must be a function"):
        cache.key(print, x, y)


def test_a_notebook_training_is_stored_and_found_again(notebook, data, folder):
    model, history = cache.trained(notebook.train, *data)
    again, history_again = cache.trained(notebook.train, *data)
    assert len(CALLS) == 1 and history_again == history and weights_equal(again, model)
    notebook.BATCH_SIZE = 4
    cache.trained(notebook.train, *data)
    assert len(CALLS) == 2 and len(cache.entries(folder)) == 2


def test_an_argument_that_cannot_be_keyed_is_refused_by_name(data):
    with pytest.raises(TypeError, match="cannot key a training on an argument of type object"):
        cache.key(tiny_training, *data, seed=object())
    with pytest.raises(TypeError, match="cannot key a training on an array of dtype object"):
        cache.key(tiny_training, np.array([1, "a"], dtype=object), data[1])
    with pytest.raises(TypeError, match="`train` must be a function"):
        cache.key("train", *data)


def test_the_source_in_the_key_is_the_source_as_it_was_when_utils_was_imported(tmp_path):
    """Editing utils/ after the import must not give a model of the old code the new code's key."""
    shutil.copytree(
        ROOT / "utils", tmp_path / "utils", ignore=shutil.ignore_patterns("__pycache__")
    )
    script = (
        "import sys; from pathlib import Path; sys.path.insert(0, sys.argv[1]);\n"
        "import utils; before = utils.source_digest()\n"
        "Path(sys.argv[1], 'utils', 'models.py').write_text('# edited\\n', 'utf-8')\n"
        "from utils import cache\n"
        "assert cache.IMPORTED_SOURCE == before != cache.source_digest(), 'the key follows the "
        "edit'\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


# --- hits and misses
# -------------------------------------------------------------------------------


def test_a_miss_trains_and_stores_a_hit_loads_the_same_model_and_history(data, folder):
    x, y = data
    model, history = cache.trained(tiny_training, x, y, epochs=3)
    assert len(CALLS) == 1 and len(cache.entries(folder)) == 1
    again, history_again = cache.trained(tiny_training, x, y, epochs=3)
    assert len(CALLS) == 1  # not trained again
    assert history_again == history and len(history["loss"]) == 3
    assert weights_equal(again, model)
    assert np.array_equal(again.predict(x, verbose=0), model.predict(x, verbose=0))
    cache.trained(tiny_training, x, y, epochs=2)
    assert len(CALLS) == 2  # another recipe: trained


def test_book_model_is_the_same_after_a_miss_a_hit_and_cache_off_and_so_is_what_runs_next(
    folder, monkeypatch
):
    rng = np.random.default_rng(1)
    x = rng.random((256, 28, 28, 1), dtype="float32")
    y = np.eye(10, dtype="float32")[rng.integers(0, 10, 256)]

    def run():
        # a name used before: the names that come after must not depend on it
        keras.layers.Dense(2)
        model, history = cache.trained(
            training.train_mnist_cnn, x, y, epochs=1, validation_data=(x[:64], y[:64])
        )
        # everything random that a notebook might draw next: numbers and the next layer's name
        draws = [
            random.random(),
            np.random.random(),
            float(tf.random.uniform(())),
            float(keras.random.uniform(())),
            keras.layers.Dense(2).name,
        ]
        layer = keras.layers.Dense(2)
        layer.build((None, 3))
        draws.append(layer.kernel.numpy())
        return model, history, draws

    missed, history, draws = run()
    assert len(CALLS) == 1 and cache.entries(folder)  # trained and stored
    hit, history_hit, draws_hit = run()
    monkeypatch.setenv(cache.ENV, "off")
    off, history_off, draws_off = run()
    assert len(CALLS) == 2  # the hit did not train, the run with the cache off did
    assert history_hit == history_off == history and set(history) == {
        "loss",
        "accuracy",
        "val_loss",
        "val_accuracy",
    }
    assert (
        [layer.name for layer in hit.layers]
        == [layer.name for layer in off.layers]
        == [layer.name for layer in missed.layers]
    )
    assert np.array_equal(hit.predict(x, verbose=0), missed.predict(x, verbose=0))
    assert np.array_equal(off.predict(x, verbose=0), missed.predict(x, verbose=0))
    for a, b, c in zip(draws, draws_hit, draws_off):
        assert np.array_equal(a, b) and np.array_equal(a, c)


def test_with_the_cache_off_every_call_trains_and_nothing_is_written(data, folder, monkeypatch):
    monkeypatch.setenv(cache.ENV, "off")
    cache.trained(tiny_training, *data)
    cache.trained(tiny_training, *data)
    assert len(CALLS) == 2 and not folder.exists()


# --- damaged entries
# -------------------------------------------------------------------------------


def damage_truncated_model(entry):
    path = entry / cache.MODEL
    path.write_bytes(path.read_bytes()[:1000])


def damage_history(entry):
    (entry / cache.HISTORY).write_text(json.dumps({"loss": [0.0]}))


def damage_missing_manifest(entry):  # what a training killed half-way through writing would leave
    (entry / cache.MANIFEST).unlink()


def damage_consistent_but_unreadable_model(
    entry,
):  # even a manifest that matches cannot vouch for a bad file
    (entry / cache.MODEL).write_bytes(b"not a keras file")
    manifest = json.loads((entry / cache.MANIFEST).read_text())
    manifest["sha256"][cache.MODEL] = cache.hashlib.sha256(b"not a keras file").hexdigest()
    (entry / cache.MANIFEST).write_text(json.dumps(manifest))


def damage_manifest_without_key(
    entry,
):  # a manifest that does not say which training it holds vouches for nothing
    manifest = json.loads((entry / cache.MANIFEST).read_text())
    manifest["key_parts"] = None
    (entry / cache.MANIFEST).write_text(json.dumps(manifest))


def damage_symlinked_model(
    entry,
):  # a file inside the entry that points elsewhere is never followed
    real = entry.parent.parent / "elsewhere.keras"
    (entry / cache.MODEL).rename(real)
    (entry / cache.MODEL).symlink_to(real)


def damage_pipe_as_model(entry):  # would block a reader forever
    (entry / cache.MODEL).unlink()
    os.mkfifo(entry / cache.MODEL)


@pytest.mark.parametrize(
    "damage",
    [
        damage_truncated_model,
        damage_history,
        damage_missing_manifest,
        damage_consistent_but_unreadable_model,
        damage_manifest_without_key,
        damage_symlinked_model,
        damage_pipe_as_model,
    ],
)
def test_a_damaged_or_partial_entry_is_deleted_and_retrained_never_loaded(data, folder, damage):
    model, history = cache.trained(tiny_training, *data, epochs=2)
    (entry,) = cache.entries(folder)
    damage(entry)
    with pytest.warns(UserWarning, match="damaged cache entry .* deleted, training again"):
        again, history_again = cache.trained(tiny_training, *data, epochs=2)
    assert len(CALLS) == 2  # trained again
    assert history_again == history and weights_equal(again, model)
    assert cache.load(entry) is not None  # and stored afresh


def test_an_entry_that_is_a_symbolic_link_is_removed_not_followed(data, folder, tmp_path):
    cache.trained(tiny_training, *data)
    (entry,) = cache.entries(folder)
    elsewhere = tmp_path / "elsewhere"
    entry.rename(elsewhere)
    entry.symlink_to(elsewhere, target_is_directory=True)
    with pytest.warns(UserWarning, match="is a symbolic link: not followed, removed"):
        cache.trained(tiny_training, *data)
    assert len(CALLS) == 2 and not entry.is_symlink() and (elsewhere / cache.MODEL).exists()


def test_the_bytes_loaded_are_the_bytes_verified(data, folder, monkeypatch):
    cache.trained(tiny_training, *data)
    (entry,) = cache.entries(folder)
    manifest = json.loads((entry / cache.MANIFEST).read_text())
    loaded = []
    load_model = keras.saving.load_model

    def load_and_look(path, **kwargs):
        # what another process might do meanwhile
        (entry / cache.MODEL).write_bytes(b"swapped after the check")
        loaded.append(
            (Path(path), cache.hashlib.sha256(Path(path).read_bytes()).hexdigest(), kwargs)
        )
        return load_model(path, **kwargs)

    monkeypatch.setattr(keras.saving, "load_model", load_and_look)
    assert cache.load(entry) is not None
    ((path, digest, kwargs),) = loaded
    assert entry not in path.parents and digest == manifest["sha256"][cache.MODEL]
    assert kwargs.get("safe_mode") is True


# --- a cache folder that cannot or must not be used
# -------------------------------------------------


def test_a_cache_folder_where_nothing_can_be_stored_warns_and_goes_on_with_the_trained_model(
    data, folder, tmp_path, monkeypatch
):
    blocked = tmp_path / "a_file"
    blocked.write_text("not a folder")
    # cannot be created, whoever runs this (root too)
    monkeypatch.setenv(cache.ENV, str(blocked / "cache"))
    with pytest.warns(
        UserWarning, match="could not be stored in the cache .* going on with the trained model"
    ):
        model, history = cache.trained(tiny_training, *data)
    assert len(CALLS) == 1 and len(history["loss"]) == 1
    assert model.predict(data[0], verbose=0).shape == (32, 3)


def test_a_full_disk_leaves_no_partial_entry_and_the_chapter_goes_on(data, folder, monkeypatch):
    save = keras.Model.save

    def fail_in_the_cache(self, path, **kwargs):
        if folder in Path(path).parents:
            raise OSError(28, "No space left on device")
        return save(self, path, **kwargs)

    monkeypatch.setattr(keras.Model, "save", fail_in_the_cache)
    with pytest.warns(
        UserWarning, match="No space left on device.*going on with the trained model"
    ):
        model, history = cache.trained(tiny_training, *data)
    assert [path.name for path in folder.iterdir() if not path.name.endswith(".lock")] == []
    with pytest.warns(UserWarning, match="No space left on device"):
        # nothing stored: trained again, to the same weights
        again, _ = cache.trained(tiny_training, *data)
    assert len(CALLS) == 2 and weights_equal(model, again)


def test_a_read_only_cache_folder_warns_and_goes_on_with_the_trained_model(
    data, folder, monkeypatch
):
    folder.mkdir(mode=0o700)
    os.chmod(folder, 0o500)
    # root may write anyway: the refusal a read-only folder gives everyone else
    if os.getuid() == 0:
        mkdtemp = tempfile.mkdtemp

        def refuse_in_the_cache(suffix=None, prefix=None, dir=None):
            if dir is not None and Path(dir) == folder:
                raise PermissionError(13, "Permission denied", str(folder))
            return mkdtemp(suffix, prefix, dir)

        monkeypatch.setattr(tempfile, "mkdtemp", refuse_in_the_cache)
    with pytest.warns(
        UserWarning, match=r"could not be stored in the cache \(PermissionError.*going on with"
    ):
        model, history = cache.trained(tiny_training, *data)
    assert len(CALLS) == 1 and len(history["loss"]) == 1 and cache.entries(folder) == []
    assert model.predict(data[0], verbose=0).shape == (32, 3)


def test_a_cache_folder_that_others_may_write_to_is_refused_with_a_warning(data, folder):
    folder.mkdir(mode=0o700)
    os.chmod(folder, 0o777)
    with pytest.warns(
        UserWarning, match=r"may be written by other users \(mode drwxrwxrwx; `chmod go-w"
    ):
        cache.trained(tiny_training, *data)
    assert len(CALLS) == 1 and list(folder.iterdir()) == []  # trained, nothing stored or loaded
    if hasattr(os, "getuid") and os.getuid() == 0:
        os.chmod(folder, 0o700)
        os.chown(folder, 65534, 65534)
        with pytest.warns(UserWarning, match=r"belongs to another user \(uid 65534\)"):
            cache.trained(tiny_training, *data)
        assert len(CALLS) == 2


def test_an_entry_that_cannot_be_read_for_lack_of_permission_is_kept_and_the_chapter_goes_on(
    data, folder, monkeypatch
):
    cache.trained(tiny_training, *data)
    (entry,) = cache.entries(folder)
    read = cache._read_verified

    def refuse(path):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(cache, "_read_verified", refuse)
    with pytest.raises(PermissionError):
        cache.load(entry)
    with pytest.warns(UserWarning, match="cannot be read .* training again without storing"):
        cache.trained(tiny_training, *data)
    assert len(CALLS) == 2
    monkeypatch.setattr(cache, "_read_verified", read)
    assert cache.load(entry) is not None  # still there, still good


def test_leftovers_of_a_process_killed_while_storing_are_removed(data, folder):
    key = cache.key(tiny_training, *data)
    leftover = folder / f".{key[:12]}-killed"
    leftover.mkdir(parents=True)
    cache.trained(tiny_training, *data)
    assert not leftover.exists() and [entry.name for entry in cache.entries(folder)] == [key]


def test_two_processes_asking_for_the_same_training_train_it_once(data, folder, tmp_path):
    x, y = data
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "y.npy", y)
    script = (
        "import sys, numpy as np, keras; sys.path.insert(0, sys.argv[1])\n"
        "from utils import cache; from tests.test_cache import tiny_training\n"
        "calls = []; fit = keras.Model.fit\n"
        "keras.Model.fit = lambda self, *a, **k: calls.append(1) or fit(self, *a, **k)\n"
        "cache.trained(tiny_training, np.load(sys.argv[2]), np.load(sys.argv[3]))\n"
        "print('trained' if calls else 'loaded')\n"
    )
    command = [
        sys.executable,
        "-c",
        script,
        str(ROOT),
        str(tmp_path / "x.npy"),
        str(tmp_path / "y.npy"),
    ]
    runs = [
        subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT
        )
        for _ in range(2)
    ]
    outputs = [run.communicate() for run in runs]
    assert all(run.returncode == 0 for run in runs), [error[-1000:] for _, error in outputs]
    assert sorted(out.strip() for out, _ in outputs) == ["loaded", "trained"]
    assert len(cache.entries(folder)) == 1
