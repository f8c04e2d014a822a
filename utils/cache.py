"""A cache of trained models, so that no chapter trains the same model twice.

An entry is found by a key that hashes everything that decides the trained weights: the training
function's name and source and everything it reads (the globals and closure variables it names, and
the same for every function of the notebook or of a script that it calls), the source code of the
`utils` package as this process imported it (model builders, recipes), every argument (arrays by
their dtype, shape and bytes, so the data selection is part of it), the versions of the packages
that shape the outputs (utils.machine.LIBRARIES, and those this process imported), the machine's
fingerprint (CPU and the environment settings that choose numeric kernels, such as
TF_ENABLE_ONEDNN_OPTS and ONEDNN_MAX_CPU_ISA), the Keras backend, float type, dtype policy and
image layout, the GPUs, XLA, and the settings utils.repro makes (thread counts, op determinism).
Change any of them and the key changes, so a stale entry is never found. A training function that
reads something the key cannot describe (a model, a file handle) is refused: pass it as an argument
of a type the key can describe instead. Data that a training loads itself (a file, a download) is
not in the key either: pass the arrays as arguments.

An entry holds the saved model, its training history and a manifest with the SHA-256 of both
files; an entry that is partial or damaged is deleted and the model retrained, never loaded; the
bytes loaded are the bytes verified, read without following symbolic links. A cache folder that is
not a folder, or that someone else owns or may write to, is not used (with a warning); a folder
where the trained model cannot be stored (read-only, full) gives a warning and the chapter goes on
with the model it trained.

Where: $CNN_TESTED_CACHE if set (CNN_TESTED_CACHE=off turns the cache off), else
$XDG_CACHE_HOME/cnn-tested/models, else ~/.cache/cnn-tested/models.
"""

import contextlib
import functools
import hashlib
import inspect
import json
import os
import shutil
import stat
import sys
import sysconfig
import tempfile
import types
import warnings
import zipfile
from pathlib import Path

import numpy as np

import utils
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
        return Path(setting).expanduser().absolute()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base).expanduser().absolute() / "cnn-tested" / "models"


def entries(folder=None):
    """The entries (folders named by their key) in `folder` (default: cache_dir()), sorted.

    Locks and partial entries being written are not entries.
    """
    folder = cache_dir() if folder is None else Path(folder)
    if folder is None or not folder.is_dir():
        return []
    return sorted(path for path in folder.iterdir() if not path.name.startswith("."))


def describe(value):
    """A JSON-able description of one argument of a training function.

    Arrays are described by their dtype, shape and SHA-256.
    """
    if isinstance(value, np.ndarray):
        if value.dtype.hasobject:
            raise TypeError(
                f"cannot key a training on an array of dtype {value.dtype}: its bytes are "
                f"pointers, "
                "not values; pass a numeric array"
            )
        data = np.ascontiguousarray(value)
        return {
            "array": str(data.dtype),
            "shape": list(data.shape),
            "sha256": hashlib.sha256(data.data).hexdigest(),
        }
    if isinstance(value, (tuple, list)):
        return [describe(item) for item in value]
    if isinstance(value, dict):
        return {
            str(key): describe(item)
            for key, item in sorted(value.items(), key=lambda item: str(item[0]))
        }
    if value is None or isinstance(
        value, (bool, int, float, str, np.integer, np.floating, np.bool_)
    ):
        return repr(value)
    raise TypeError(
        f"cannot key a training on an argument of type {type(value).__name__} ({value!r}): "
        "pass arrays, numbers, strings, None, or tuples, lists and dicts of them"
    )


source_digest = utils.source_digest  # SHA-256 of every module of `utils` as it is now


# The code this process runs is the code it imported: utils/__init__.py takes the digest when the
# package is imported, before any of its modules runs, so an edit of utils/ afterwards does not
# give a model trained with the old code the new code's key (restart the kernel to train with the
# edit).
IMPORTED_SOURCE = utils.SOURCE_AT_IMPORT


def _is_library(module_name):
    """Whether a module is part of an installed package or of Python, or of utils.

    The key holds the versions of the installed packages and of Python (and the source of utils).
    """
    module = sys.modules.get(module_name)
    if module_name == "utils" or module_name.startswith("utils."):
        return True  # IMPORTED_SOURCE covers it
    path = getattr(module, "__file__", None)
    # a notebook's __main__ has no file; sys, builtins, ... are built in
    if module is None or path is None:
        return module_name in sys.builtin_module_names
    path = str(Path(path).resolve())
    roots = {
        sysconfig.get_paths()[name] for name in ("stdlib", "platstdlib", "purelib", "platlib")
    }
    return any(path.startswith(str(Path(root).resolve()) + os.sep) for root in roots)


def _code_of(function, seen):
    """Source and reads of a function defined outside the libraries (a notebook's, a script's)."""
    function = inspect.unwrap(function)
    name = f"{function.__module__}.{function.__qualname__}"
    if id(function) in seen:
        return {"function": name}
    seen.add(id(function))
    try:
        source = inspect.getsource(function)
    except (OSError, TypeError):
        source = (
            None  # e.g. typed at a plain Python prompt: the compiled code stands in for the text
        )
    code = function.__code__
    reads = {}
    for variable, cell in zip(code.co_freevars, function.__closure__ or ()):
        try:
            reads[variable] = cell.cell_contents
        except ValueError:  # a closure variable not assigned yet
            reads[variable] = None
    for variable in sorted(_names(code)):
        if variable in function.__globals__ and variable not in reads:
            reads[variable] = function.__globals__[variable]
    defaults = [function.__defaults__, function.__kwdefaults__]
    return {
        "function": name,
        "source": source,
        "bytecode": _bytecode(code),  # two lambdas on one line differ
        "defaults": _read(name, "its defaults", defaults, seen),
        "reads": {
            variable: _read(name, variable, value, seen) for variable, value in reads.items()
        },
    }


def _names(code):
    """Every global name that a code object and the code nested in it use.

    Nested code: lambdas, comprehensions, inner functions.
    """
    names = set(code.co_names)
    for constant in code.co_consts:
        if isinstance(constant, types.CodeType):
            names |= _names(constant)
    return names


def _bytecode(code):
    """SHA-256 of a code object's instructions and constants, nested code included.

    Nested code counts by its content, not by its memory address.
    """
    digest = hashlib.sha256(code.co_code)
    for constant in code.co_consts:
        digest.update(
            (
                _bytecode(constant) if isinstance(constant, types.CodeType) else repr(constant)
            ).encode()
        )
    return digest.hexdigest()


def _read(function, variable, value, seen):
    """How the key describes a value `function` reads as `variable`; a TypeError if it cannot."""
    if isinstance(value, types.ModuleType):
        if _is_library(value.__name__):
            return f"module {value.__name__}"
        path = getattr(value, "__file__", None)
        return {
            "module": value.__name__,
            "sha256": hashlib.sha256(Path(path).read_bytes()).hexdigest(),
        }
    if isinstance(value, functools.partial):
        return {
            "partial": _read(function, variable, value.func, seen),
            "args": _read(function, variable, list(value.args), seen),
            "keywords": _read(function, variable, dict(value.keywords), seen),
        }
    if inspect.isfunction(value) or inspect.ismethod(value) and inspect.isclass(value.__self__):
        inner = value.__func__ if inspect.ismethod(value) else value
        if _is_library(inner.__module__):
            return f"function {inner.__module__}.{inner.__qualname__}"
        return _code_of(inner, seen)
    if (
        inspect.isclass(value)
        or inspect.isbuiltin(value)
        or isinstance(value, (types.MethodWrapperType, types.WrapperDescriptorType))
    ):
        module = getattr(value, "__module__", None) or "builtins"
        if _is_library(module):
            return f"{type(value).__name__} {module}.{getattr(value, '__qualname__', value)}"
        try:
            return {"class": f"{module}.{value.__qualname__}", "source": inspect.getsource(value)}
        except (OSError, TypeError):
            pass
    try:
        return describe(value)
    except TypeError:
        raise TypeError(
            f"the training function {function} reads `{variable}`, a {type(value).__name__}, "
            f"which the "
            "cache key cannot describe (so a change to it would not be seen): pass it as an "
            "argument "
            "(arrays, numbers, strings, None, or tuples, lists and dicts of them)"
        ) from None


def _function(train, args, kwargs):
    """(function, args, kwargs), functools.partial unwrapped; a TypeError for other callables."""
    while isinstance(train, functools.partial):
        args, kwargs = tuple(train.args) + tuple(args), {**train.keywords, **kwargs}
        train = train.func
    if not inspect.isfunction(train):
        kind = (
            "a callable object" if callable(train) and not inspect.isclass(train) else repr(train)
        )
        raise TypeError(
            f"`train` must be a function (def or lambda, or a functools.partial of one) that "
            f"returns "
            f"(model, history); got {kind} of type {type(train).__name__}: the state of an object "
            "or a built-in cannot be part of the cache key"
        )
    return train, args, kwargs


def _settings():
    """What else changes the last bits of a training.

    Keras' backend, float type, dtype policy and image layout; XLA; the GPUs; TensorFlow's threads
    and determinism; the versions this process imported.
    """
    import keras
    import tensorflow as tf

    return {
        "backend": keras.backend.backend(),
        "floatx": keras.config.floatx(),
        "dtype_policy": keras.config.dtype_policy().name,
        "image_data_format": keras.config.image_data_format(),
        "jit": str(tf.config.optimizer.get_jit()),
        "gpus": [gpu.name for gpu in tf.config.list_physical_devices("GPU")],
        "threads": [
            tf.config.threading.get_intra_op_parallelism_threads(),
            tf.config.threading.get_inter_op_parallelism_threads(),
        ],
        "op_determinism": _op_determinism(),
        "imported": {
            "tensorflow": tf.__version__,
            "keras": keras.__version__,
            "numpy": np.__version__,
            "python": sys.version.split()[0],
        },
    }


def _op_determinism():
    """Whether tf.config.experimental.enable_op_determinism() is in force.

    TensorFlow has no public query for it.
    """
    try:
        from tensorflow.python.framework import config as tf_config

        return bool(tf_config.is_op_determinism_enabled())
    except (ImportError, AttributeError):
        return os.environ.get("TF_DETERMINISTIC_OPS", "") not in ("", "0", "false")


def key_parts(train, *args, **kwargs):
    """Everything the key hashes, as a dict: what decides the weights of train(*args, **kwargs)."""
    train, args, kwargs = _function(train, args, kwargs)
    bound = inspect.signature(train).bind(*args, **kwargs)  # positional or keyword: the same key
    bound.apply_defaults()
    name = f"{train.__module__}.{train.__qualname__}"
    code = name if _is_library(train.__module__) else _code_of(train, set())
    return {
        "train": name,
        "train_code": code,
        "source": IMPORTED_SOURCE,
        "arguments": {name: describe(value) for name, value in bound.arguments.items()},
        "versions": machine.library_versions(),
        "machine": machine.machine_fingerprint(),
        "settings": _settings(),
    }


def key(train, *args, **kwargs):
    """The cache key of train(*args, **kwargs): a SHA-256 of key_parts()."""
    return _digest(key_parts(train, *args, **kwargs))


def _digest(parts):
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def usable_folder():
    """cache_dir() if this process may use it, else None: off, or refused (a warning says why)."""
    folder = cache_dir()
    if folder is None:
        return None
    problem = folder_problem(folder)
    if problem:
        warnings.warn(
            f"the cache of trained models {folder} {problem}: not used, models are trained afresh "
            f"(set {ENV} to another folder, or to 'off' to silence this)",
            stacklevel=3,
        )
        return None
    return folder


def folder_problem(folder):
    """Why `folder` may not hold the cache (a sentence), or None.

    The problems: not a folder, a symbolic link, someone else's, or writable by other users. A
    folder that does not exist yet has no problem.
    """
    problem = None
    try:
        if folder.is_symlink() or folder.exists() and not folder.is_dir():
            problem = "is not a folder (or is a symbolic link)"
        elif folder.exists():
            info = folder.stat()
            if hasattr(os, "getuid") and info.st_uid != os.getuid():
                problem = f"belongs to another user (uid {info.st_uid})"
            elif info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
                problem = (
                    f"may be written by other users (mode {stat.filemode(info.st_mode)}; "
                    f"`chmod go-w {folder}` fixes it)"
                )
    except OSError as error:
        problem = f"cannot be examined ({error})"
    return problem


def trained(train, *args, **kwargs):
    """(model, history) of train(*args, **kwargs), through the cache of trained models.

    train must return a Keras model and its history dict. A hit loads the stored model and
    history; a miss calls train, stores what it returned and returns it loaded back from the
    store, so that a hit and a miss return the same thing (with the cache off, or where it cannot
    be written, the model goes through a private temporary folder instead). Either way Keras'
    session is then cleared before the load (layer names created afterwards start afresh) and the
    global random state is seeded from the arguments, so that what runs next draws the same
    random numbers and names.
    """
    import keras

    parts = key_parts(train, *args, **kwargs)
    entry_key = _digest(parts)
    folder = usable_folder()
    entry = None if folder is None else folder / entry_key
    # a second process asking for the same training waits, then loads it
    with _locked(folder, entry_key):
        found = None
        if entry is not None and (entry.exists() or entry.is_symlink()):
            keras.backend.clear_session(free_memory=False)
            try:
                found = load(entry)
            except PermissionError as error:
                warnings.warn(
                    f"the cache entry {entry} cannot be read ({error}): training again without "
                    f"storing "
                    f"(set {ENV}=off to silence this)",
                    stacklevel=2,
                )
                entry = None
        if found is None:
            model, history = train(*args, **kwargs)
            history = {name: [float(v) for v in values] for name, values in history.items()}
            found = _kept(entry, model, history, parts)
    keras.utils.set_random_seed(int(_digest(parts["arguments"])[:8], 16))
    return found


@contextlib.contextmanager
def _locked(folder, entry_key):
    """Hold an exclusive lock on one key in `folder`.

    No lock where the cache is off or locks are unavailable.
    """
    try:
        import fcntl
    except (
        ImportError
    ):  # Windows: two processes may both train; the atomic store keeps the entry whole
        fcntl = None
    handle = None
    if folder is not None and fcntl is not None:
        try:
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            handle = open(
                os.open(
                    folder / f".{entry_key}.lock", os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600
                )
            )
            fcntl.flock(handle, fcntl.LOCK_EX)
        except OSError:
            handle = None  # a read-only folder: no lock, and the store will warn
    try:
        yield
    finally:
        if handle is not None:
            handle.close()  # releases the lock


def _kept(entry, model, history, parts):
    """What trained() returns after a miss: the model stored and loaded back.

    Where it cannot be stored, the same round trip through a private temporary folder (with a
    warning, unless the cache is off).
    """
    if entry is not None:
        try:
            return store(entry, model, history, parts)
        except OSError as error:
            warnings.warn(
                f"the trained model could not be stored in the cache ({type(error).__name__}: "
                f"{error}): "
                f"going on with the trained model (set {ENV}=off to silence this)",
                stacklevel=3,
            )
    try:
        with tempfile.TemporaryDirectory(prefix="cnn-tested-model-") as private:
            return store(Path(private) / _digest(parts), model, history, parts)
    except (
        OSError
    ):  # no temporary folder either: the model as trained, names afresh as after a load
        import keras

        keras.backend.clear_session(free_memory=False)
        return model, history


def _read_verified(path):
    """A regular file's bytes, opened without following a symbolic link or blocking on a pipe."""
    descriptor = os.open(
        path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    )
    with open(descriptor, "rb") as file:
        if not stat.S_ISREG(os.fstat(file.fileno()).st_mode):
            raise ValueError(f"{path.name} is not a regular file")
        return file.read()


def load(entry):
    """(model, history) from a cache entry folder, or None.

    None if the entry is missing, and if it is partial, damaged or a symbolic link (it is then
    deleted, with a warning: a link is removed, never followed).
    """
    import keras

    if entry.is_symlink():
        warnings.warn(
            f"cache entry {entry} is a symbolic link: not followed, removed, training again",
            stacklevel=3,
        )
        entry.unlink()
        return None
    if not entry.exists():
        return None
    try:
        if not entry.is_dir():
            raise ValueError("the entry is not a folder")
        files = {name: _read_verified(entry / name) for name in (MANIFEST, MODEL, HISTORY)}
        manifest = json.loads(files[MANIFEST])
        if _digest(manifest["key_parts"]) != entry.name:
            raise ValueError("the manifest describes another training than the folder's name")
        for name in (MODEL, HISTORY):
            actual = hashlib.sha256(files[name]).hexdigest()
            if actual != manifest["sha256"][name]:
                raise ValueError(
                    f"{name} has SHA-256 {actual[:12]}, the manifest says "
                    f"{manifest['sha256'][name][:12]}"
                )
        history = json.loads(files[HISTORY])
        with tempfile.TemporaryDirectory(
            prefix="cnn-tested-load-"
        ) as private:  # load exactly the bytes verified
            (Path(private) / MODEL).write_bytes(files[MODEL])
            model = keras.saving.load_model(Path(private) / MODEL, safe_mode=True)
    except PermissionError:  # not damage: the entry may be fine, and must not be deleted
        raise
    except (
        OSError,
        EOFError,
        ValueError,
        KeyError,
        TypeError,
        zipfile.BadZipFile,
    ) as error:  # damaged: never use it
        warnings.warn(
            f"damaged cache entry {entry} ({type(error).__name__}: {error}): deleted, training "
            f"again",
            stacklevel=3,
        )
        shutil.rmtree(entry, ignore_errors=True)
        return None
    return model, history


def store(entry, model, history, parts):
    """Write model and history into the entry folder atomically; return them loaded back.

    A partial entry is never visible.
    parts: key_parts() of the training, whose digest names the entry.
    """
    if _digest(parts) != entry.name:
        raise ValueError(f"the entry {entry.name[:12]}… is not named by the digest of `parts`")
    entry.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    # of a process killed while storing this key
    for leftover in entry.parent.glob(f".{entry.name[:12]}-*"):
        shutil.rmtree(leftover, ignore_errors=True)
    partial = Path(tempfile.mkdtemp(prefix=f".{entry.name[:12]}-", dir=entry.parent))
    try:
        model.save(partial / MODEL)
        (partial / HISTORY).write_text(json.dumps(history))
        digests = {
            name: hashlib.sha256((partial / name).read_bytes()).hexdigest()
            for name in (MODEL, HISTORY)
        }
        (partial / MANIFEST).write_text(
            json.dumps({"sha256": digests, "key_parts": parts}, indent=1)
        )
        try:
            # atomic; fails if another process stored the same entry meanwhile
            partial.rename(entry)
        except OSError:
            if not entry.exists():
                raise
    finally:
        shutil.rmtree(partial, ignore_errors=True)
    import keras

    # as before a hit's load: names start afresh either way
    keras.backend.clear_session(free_memory=False)
    found = load(entry)
    if found is None:
        raise RuntimeError(
            f"the cache entry {entry} could not be read back right after it was written"
        )
    return found
