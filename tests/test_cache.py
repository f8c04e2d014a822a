"""utils.cache: a trained model is found again by everything that decides its weights, and by nothing else."""
import json
import random
import tempfile

import keras
import numpy as np
import pytest
import tensorflow as tf

from utils import cache, machine, training

CALLS = []  # every call of tiny_training below, so that tests can tell a miss from a hit


def tiny_training(x, y, epochs=1, seed=0):
    """A small model trained for real: Dense(3, softmax) on x (N, 4)."""
    CALLS.append((len(x), epochs, seed))
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="softmax")])
    model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    history = model.fit(x, y, epochs=epochs, batch_size=8, verbose=0)
    return model, history.history


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    return rng.normal(size=(32, 4)).astype("float32"), np.eye(3, dtype="float32")[rng.integers(0, 3, 32)]


@pytest.fixture
def folder(tmp_path, monkeypatch):
    monkeypatch.setenv(cache.ENV, str(tmp_path / "cache"))
    CALLS.clear()
    return tmp_path / "cache"


def weights_equal(a, b):
    return all(np.array_equal(u, v) for u, v in zip(a.get_weights(), b.get_weights()))


# --- where the cache lives -------------------------------------------------------------------------

def test_the_environment_variable_names_the_folder_and_off_turns_the_cache_off(monkeypatch, tmp_path):
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


def test_the_test_suite_uses_a_fresh_cache_of_its_own():
    # set by the root conftest.py for this run, before any notebook kernel starts: entries of earlier runs are never seen
    folder = cache.cache_dir()
    assert folder is not None and folder.name.startswith("cnn-tested-cache-"), folder
    assert folder.parent == cache.Path(tempfile.gettempdir()), folder


# --- the key ---------------------------------------------------------------------------------------

def test_the_key_is_the_same_for_positional_and_keyword_arguments_and_defaults(data):
    x, y = data
    assert cache.key(tiny_training, x, y) == cache.key(tiny_training, x=x, y=y, epochs=1) == \
        cache.key(tiny_training, x.copy(), y, 1, 0)


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
    monkeypatch.setattr(cache, "_function_source", lambda train: "def tiny_training(): edited")
    assert cache.key(tiny_training, x, y) != base  # the training function's own source
    monkeypatch.undo()
    monkeypatch.setattr(cache, "_settings", lambda: {"threads": [8, 8]})
    assert cache.key(tiny_training, x, y) != base  # threads, determinism, backend, GPUs
    monkeypatch.undo()
    monkeypatch.setattr(machine, "library_versions", lambda: {"keras": "3.0.0"})
    assert cache.key(tiny_training, x, y) != base  # the libraries
    monkeypatch.undo()
    monkeypatch.setattr(machine, "machine_fingerprint", lambda: "another CPU")
    assert cache.key(tiny_training, x, y) != base  # the CPU
    monkeypatch.undo()
    assert cache.key(tiny_training, x, y) == base


def test_an_argument_that_cannot_be_keyed_is_refused_by_name(data):
    with pytest.raises(TypeError, match="cannot key a training on an argument of type object"):
        cache.key(tiny_training, *data, seed=object())
    with pytest.raises(TypeError, match="`train` must be a function"):
        cache.key("train", *data)


# --- hits and misses -------------------------------------------------------------------------------

def test_a_miss_trains_and_stores_a_hit_loads_the_same_model_and_history(data, folder):
    x, y = data
    model, history = cache.trained(tiny_training, x, y, epochs=3)
    assert len(CALLS) == 1 and len(list(folder.iterdir())) == 1
    again, history_again = cache.trained(tiny_training, x, y, epochs=3)
    assert len(CALLS) == 1  # not trained again
    assert history_again == history and len(history["loss"]) == 3
    assert weights_equal(again, model)
    assert np.array_equal(again.predict(x, verbose=0), model.predict(x, verbose=0))
    cache.trained(tiny_training, x, y, epochs=2)
    assert len(CALLS) == 2  # another recipe: trained


def test_the_book_model_is_the_same_after_a_hit_and_a_miss_and_so_is_what_runs_next(folder):
    rng = np.random.default_rng(1)
    x = rng.random((256, 28, 28, 1), dtype="float32")
    y = np.eye(10, dtype="float32")[rng.integers(0, 10, 256)]

    def run():
        model, history = cache.trained(training.train_mnist_cnn, x, y, epochs=1, validation_data=(x[:64], y[:64]))
        # everything random that a notebook might draw next
        draws = [random.random(), np.random.random(), float(tf.random.uniform(())),
                 float(keras.random.uniform(())), keras.layers.Dense(2).name]  # numbers and the next layer's name
        layer = keras.layers.Dense(2)
        layer.build((None, 3))
        draws.append(layer.kernel.numpy())
        return model, history, draws

    missed, history, draws = run()
    assert list(folder.iterdir())  # stored
    hit, history_hit, draws_hit = run()
    assert history_hit == history and set(history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert [layer.name for layer in hit.layers] == [layer.name for layer in missed.layers]
    assert np.array_equal(hit.predict(x, verbose=0), missed.predict(x, verbose=0))
    for a, b in zip(draws, draws_hit):
        assert np.array_equal(a, b)


def test_with_the_cache_off_every_call_trains_and_nothing_is_written(data, monkeypatch, tmp_path):
    monkeypatch.setenv(cache.ENV, "off")
    CALLS.clear()
    cache.trained(tiny_training, *data)
    cache.trained(tiny_training, *data)
    assert len(CALLS) == 2 and not list(tmp_path.iterdir())


# --- damaged entries -------------------------------------------------------------------------------

def damage_truncated_model(entry):
    path = entry / cache.MODEL
    path.write_bytes(path.read_bytes()[:1000])


def damage_history(entry):
    (entry / cache.HISTORY).write_text(json.dumps({"loss": [0.0]}))


def damage_missing_manifest(entry):  # what a training killed half-way through writing would leave
    (entry / cache.MANIFEST).unlink()


def damage_consistent_but_unreadable_model(entry):  # even a manifest that matches cannot vouch for a bad file
    (entry / cache.MODEL).write_bytes(b"not a keras file")
    manifest = json.loads((entry / cache.MANIFEST).read_text())
    manifest["sha256"][cache.MODEL] = cache.hashlib.sha256(b"not a keras file").hexdigest()
    (entry / cache.MANIFEST).write_text(json.dumps(manifest))


@pytest.mark.parametrize("damage", [damage_truncated_model, damage_history, damage_missing_manifest,
                                    damage_consistent_but_unreadable_model])
def test_a_damaged_or_partial_entry_is_deleted_and_retrained_never_loaded(data, folder, damage):
    model, history = cache.trained(tiny_training, *data, epochs=2)
    entry, = folder.iterdir()
    damage(entry)
    with pytest.warns(UserWarning, match="damaged cache entry .* deleted, training again"):
        again, history_again = cache.trained(tiny_training, *data, epochs=2)
    assert len(CALLS) == 2  # trained again
    assert history_again == history and weights_equal(again, model)
    assert cache.load(entry) is not None  # and stored afresh


def test_no_partial_entry_is_left_behind_when_saving_fails(data, folder, monkeypatch):
    def fail(self, path):
        raise OSError("disk full")

    monkeypatch.setattr(keras.Model, "save", fail)
    with pytest.raises(OSError, match="disk full"):
        cache.trained(tiny_training, *data)
    assert list(folder.iterdir()) == []


def test_the_source_in_the_key_is_the_source_this_process_imported():
    # an edit of utils/ after the import must not give models of the old code the new code's key
    assert cache.IMPORTED_SOURCE == cache.source_digest()  # nobody edited utils/ during this test run
    assert cache.key_parts(tiny_training, np.zeros(1), np.zeros(1))["source"] == cache.IMPORTED_SOURCE


def test_an_entry_that_cannot_be_read_for_lack_of_permission_is_kept(data, folder, monkeypatch):
    cache.trained(tiny_training, *data)
    entry, = folder.iterdir()

    def refuse(self, *args, **kwargs):
        raise PermissionError("no")

    monkeypatch.setattr(cache.Path, "read_text", refuse)
    with pytest.raises(PermissionError):
        cache.load(entry)
    monkeypatch.undo()
    assert cache.load(entry) is not None  # still there, still good
