"""A cache of trained models, so that no chapter trains the same model twice.

An entry is found by a key that hashes everything that decides the trained weights: the training
function's name and source, the source code of the `utils` package as this process imported it (model
builders, recipes), every argument (arrays by their dtype, shape and bytes, so the data selection is part
of it), the versions of the packages that shape the outputs (utils.machine.LIBRARIES), the machine's
fingerprint (CPU and the environment settings that choose numeric kernels), the Keras backend,
the GPUs, and the settings utils.repro makes (thread counts, op determinism). Change any of them and the
key changes, so a stale entry is never found. An entry holds the saved model, its training history and
a manifest with the SHA-256 of both files; an entry that is partial or damaged is deleted and the
model retrained, never loaded.

Where: $CNN_TESTED_CACHE if set (CNN_TESTED_CACHE=off turns the cache off), else
$XDG_CACHE_HOME/cnn-tested/models, else ~/.cache/cnn-tested/models.
"""
import hashlib
import inspect
import json
import os
import shutil
import tempfile
import warnings
import zipfile
from pathlib import Path

import numpy as np

from utils import machine

ENV = "CNN_TESTED_CACHE"
OFF = "off"
MODEL, HISTORY, MANIFEST = "model.keras", "history.json", "manifest.json"
PACKAGE = Path(__file__).resolve().parent


def cache_dir():
    """The cache's folder (a Path), or None when CNN_TESTED_CACHE=off."""
    setting = os.environ.get(ENV, "").strip()
    if setting.lower() == OFF:
        return None
    if setting:
        return Path(setting).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "cnn-tested" / "models"


def describe(value):
    """A JSON-able description of one argument of a training function: arrays by dtype, shape and SHA-256."""
    if isinstance(value, np.ndarray):
        data = np.ascontiguousarray(value)
        return {"array": str(data.dtype), "shape": list(data.shape), "sha256": hashlib.sha256(data.data).hexdigest()}
    if isinstance(value, (tuple, list)):
        return [describe(item) for item in value]
    if isinstance(value, dict):
        return {str(key): describe(item) for key, item in sorted(value.items())}
    if value is None or isinstance(value, (bool, int, float, str, np.integer, np.floating)):
        return repr(value)
    raise TypeError(f"cannot key a training on an argument of type {type(value).__name__} ({value!r}): "
                    "pass arrays, numbers, strings, None, or tuples, lists and dicts of them")


def source_digest():
    """SHA-256 of the source of every module of the `utils` package: a change in any recipe changes every key."""
    digest = hashlib.sha256()
    for path in sorted(PACKAGE.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


# The code this process runs is the code it imported: an edit of utils/ after the import must not give a
# model trained with the old code the new code's key (restart the kernel to train with the edit).
IMPORTED_SOURCE = source_digest()


def _function_source(train):
    """train's own source (a function defined in a notebook is covered too), or '' where Python has none."""
    try:
        return inspect.getsource(train)
    except (OSError, TypeError):
        return ""


def _settings():
    """What else changes the last bits of a training: Keras' backend, GPUs, TensorFlow's threads and determinism."""
    import keras
    import tensorflow as tf

    return {"backend": keras.backend.backend(),
            "gpus": [gpu.name for gpu in tf.config.list_physical_devices("GPU")],
            "threads": [tf.config.threading.get_intra_op_parallelism_threads(),
                        tf.config.threading.get_inter_op_parallelism_threads()],
            "op_determinism": _op_determinism()}


def _op_determinism():
    """Whether tf.config.experimental.enable_op_determinism() is in force (TensorFlow has no public query)."""
    try:
        from tensorflow.python.framework import config as tf_config

        return bool(tf_config.is_op_determinism_enabled())
    except (ImportError, AttributeError):
        return os.environ.get("TF_DETERMINISTIC_OPS", "") not in ("", "0", "false")


def key_parts(train, *args, **kwargs):
    """Everything the key hashes, as a dict: what decides the weights of train(*args, **kwargs)."""
    if not callable(train):
        raise TypeError(f"`train` must be a function that returns (model, history); got {train!r}")
    bound = inspect.signature(train).bind(*args, **kwargs)  # positional or keyword: the same key
    bound.apply_defaults()
    return {"train": f"{train.__module__}.{train.__qualname__}", "train_source": _function_source(train),
            "source": IMPORTED_SOURCE, "arguments": {name: describe(value) for name, value in bound.arguments.items()},
            "versions": machine.library_versions(), "machine": machine.machine_fingerprint(), "settings": _settings()}


def key(train, *args, **kwargs):
    """The cache key of train(*args, **kwargs): a SHA-256 of key_parts()."""
    return _digest(key_parts(train, *args, **kwargs))


def _digest(parts):
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def trained(train, *args, **kwargs):
    """(model, history) of train(*args, **kwargs), which must return a Keras model and its history dict.

    A hit loads the stored model and history; a miss calls train, stores what it returned and returns it
    loaded back from the store, so that a hit and a miss return the same thing. Either way Keras' session
    is then cleared before the load (layer names created afterwards start afresh) and the global random
    state is seeded from the arguments, so that what runs next draws the same random numbers and names.
    """
    import keras

    parts = key_parts(train, *args, **kwargs)
    entry_key = _digest(parts)
    folder = cache_dir()
    entry = None if folder is None else folder / entry_key
    found = None
    if entry is not None and entry.exists():
        keras.backend.clear_session(free_memory=False)
        found = load(entry)
    if found is None:
        model, history = train(*args, **kwargs)
        history = {name: [float(v) for v in values] for name, values in history.items()}
        found = (model, history) if entry is None else store(entry, model, history, parts)
    keras.utils.set_random_seed(int(_digest(parts["arguments"])[:8], 16))
    return found


def load(entry):
    """(model, history) from a cache entry folder; None if it is missing, and if it is partial or damaged
    (it is then deleted, with a warning)."""
    import keras

    if not entry.exists():
        return None
    try:
        manifest = json.loads((entry / MANIFEST).read_text())
        if manifest.get("key_parts") is not None and _digest(manifest["key_parts"]) != entry.name:
            raise ValueError("the manifest describes another training than the folder's name")
        for name in (MODEL, HISTORY):
            actual = hashlib.sha256((entry / name).read_bytes()).hexdigest()
            if actual != manifest["sha256"][name]:
                raise ValueError(f"{name} has SHA-256 {actual[:12]}, the manifest says {manifest['sha256'][name][:12]}")
        history = json.loads((entry / HISTORY).read_text())
        model = keras.saving.load_model(entry / MODEL)
    except PermissionError:  # not damage: the entry may be fine, and must not be deleted
        raise
    except (OSError, EOFError, ValueError, KeyError, TypeError, zipfile.BadZipFile) as error:  # damaged: never use it
        warnings.warn(f"damaged cache entry {entry} ({type(error).__name__}: {error}): deleted, training again",
                      stacklevel=3)
        shutil.rmtree(entry, ignore_errors=True)
        return None
    return model, history


def store(entry, model, history, parts=None):
    """Write model and history into the entry folder atomically (a partial entry is never visible); return them loaded back.

    parts: key_parts() of the training, kept in the manifest for people who look.
    """
    entry.parent.mkdir(parents=True, exist_ok=True)
    partial = Path(tempfile.mkdtemp(prefix=f".{entry.name[:12]}-", dir=entry.parent))
    try:
        model.save(partial / MODEL)
        (partial / HISTORY).write_text(json.dumps(history))
        digests = {name: hashlib.sha256((partial / name).read_bytes()).hexdigest() for name in (MODEL, HISTORY)}
        (partial / MANIFEST).write_text(json.dumps({"sha256": digests, "key_parts": parts}, indent=1))
        try:
            partial.rename(entry)  # atomic; fails if another process stored the same entry meanwhile
        except OSError:
            if not entry.exists():
                raise
    finally:
        shutil.rmtree(partial, ignore_errors=True)
    import keras

    keras.backend.clear_session(free_memory=False)  # as before a hit's load: names start afresh either way
    found = load(entry)
    if found is None:
        raise RuntimeError(f"the cache entry {entry} could not be read back right after it was written")
    return found
