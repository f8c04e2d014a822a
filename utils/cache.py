"""A cache of trained models, so that no chapter trains the same model twice.

An entry is found by a key that hashes everything that decides the trained weights: the training
function's name, the source code of the `utils` package (model builders, recipes), every argument
(arrays by their dtype, shape and bytes, so the data selection is part of it), the versions of
TensorFlow, Keras, NumPy and matplotlib, and the CPU fingerprint. Change any of them and the key
changes, so a stale entry is never found. An entry holds the saved model, its training history and
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


def key_parts(train, *args, **kwargs):
    """Everything the key hashes, as a dict: what decides the weights of train(*args, **kwargs)."""
    if not callable(train):
        raise TypeError(f"`train` must be a function that returns (model, history); got {train!r}")
    bound = inspect.signature(train).bind(*args, **kwargs)  # positional or keyword: the same key
    bound.apply_defaults()
    return {"train": f"{train.__module__}.{train.__qualname__}", "source": source_digest(),
            "arguments": {name: describe(value) for name, value in bound.arguments.items()},
            "versions": machine.library_versions(), "machine": machine.machine_fingerprint()}


def key(train, *args, **kwargs):
    """The cache key of train(*args, **kwargs): a SHA-256 of key_parts()."""
    return _digest(key_parts(train, *args, **kwargs))


def _digest(parts):
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def trained(train, *args, **kwargs):
    """(model, history) of train(*args, **kwargs), which must return a Keras model and its history dict.

    A hit loads the stored model and history; a miss calls train, stores what it returned and returns it
    loaded back from the store, so that a hit and a miss return the same thing. Either way the global
    random state is then seeded from the key, so that what runs next draws the same random numbers.
    """
    import keras

    parts = key_parts(train, *args, **kwargs)
    entry_key = _digest(parts)
    folder = cache_dir()
    entry = None if folder is None else folder / entry_key
    found = None if entry is None else load(entry)
    if found is None:
        model, history = train(*args, **kwargs)
        history = {name: [float(v) for v in values] for name, values in history.items()}
        found = (model, history) if entry is None else store(entry, model, history, parts)
    keras.utils.set_random_seed(int(entry_key[:8], 16))
    return found


def load(entry):
    """(model, history) from a cache entry folder; None if it is missing, and if it is partial or damaged
    (it is then deleted, with a warning)."""
    import keras

    if not entry.exists():
        return None
    try:
        manifest = json.loads((entry / MANIFEST).read_text())
        for name in (MODEL, HISTORY):
            actual = hashlib.sha256((entry / name).read_bytes()).hexdigest()
            if actual != manifest["sha256"][name]:
                raise ValueError(f"{name} has SHA-256 {actual[:12]}, the manifest says {manifest['sha256'][name][:12]}")
        history = json.loads((entry / HISTORY).read_text())
        model = keras.saving.load_model(entry / MODEL)
    except Exception as error:  # any damage at all: never use the entry
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
    found = load(entry)
    if found is None:
        raise RuntimeError(f"the cache entry {entry} could not be read back right after it was written")
    return found
