"""Training helpers for the chapters that compare training recipes: one call per run, timed."""

import json
import math
import time
from pathlib import Path

import keras
import numpy as np

from utils import models
from utils.validation import check_int, check_rate


def steps_per_epoch(n_examples, batch_size):
    """Batches in one pass over n_examples (the last one may be smaller)."""
    return math.ceil(check_int(n_examples, "n_examples") / check_int(batch_size, "batch_size"))


def cosine_decay(learning_rate, epochs, steps_per_epoch, warmup_epochs=0):
    """A learning rate falling from learning_rate to 0 along half a cosine, over the whole run.

    The run is epochs * steps_per_epoch steps.

    warmup_epochs: first rise linearly from 0 to learning_rate over that many epochs (the cosine
        then takes the remaining epochs).
    """
    if not learning_rate > 0:
        raise ValueError(f"`learning_rate` must be positive; got {learning_rate!r}")
    epochs, steps_per_epoch = (
        check_int(epochs, "epochs"),
        check_int(steps_per_epoch, "steps_per_epoch"),
    )
    warmup_epochs = check_int(
        warmup_epochs,
        "warmup_epochs",
        low=0,
        high=epochs - 1,
        hint=f"(fewer than epochs={epochs})",
    )
    if not warmup_epochs:
        return keras.optimizers.schedules.CosineDecay(
            learning_rate, decay_steps=epochs * steps_per_epoch
        )
    return keras.optimizers.schedules.CosineDecay(
        0.0,
        decay_steps=(epochs - warmup_epochs) * steps_per_epoch,
        warmup_target=learning_rate,
        warmup_steps=warmup_epochs * steps_per_epoch,
    )


def fit_timed(
    model,
    x_train,
    y_train,
    validation_data,
    epochs,
    batch_size,
    learning_rate=1e-3,
    schedule=False,
    verbose=0,
    callbacks=None,
    warmup_epochs=0,
    label_smoothing=0.0,
):
    """Compile with Adam and categorical cross-entropy (one-hot labels), fit: (history, seconds).

    schedule: False keeps learning_rate constant; True decays it with cosine_decay() over the whole
        run, after warmup_epochs of linear warm-up.
    label_smoothing: the loss's target gives the true class 1 - label_smoothing and spreads
        label_smoothing evenly over all classes.
    seconds: wall-clock time of model.fit, validation included.
    callbacks: passed to model.fit, e.g. EpochTimer().
    """
    if schedule:
        learning_rate = cosine_decay(
            learning_rate, epochs, steps_per_epoch(len(x_train), batch_size), warmup_epochs
        )
    elif warmup_epochs:
        raise ValueError("`warmup_epochs` needs schedule=True")
    label_smoothing = check_rate(label_smoothing, "label_smoothing")
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss=keras.losses.CategoricalCrossentropy(label_smoothing=label_smoothing),
        metrics=["accuracy"],
    )
    start = time.perf_counter()
    history = model.fit(
        x_train,
        y_train,
        batch_size=batch_size,
        epochs=epochs,
        validation_data=validation_data,
        verbose=verbose,
        callbacks=callbacks,
    )
    return history, time.perf_counter() - start


def predict_flipped(model, x, batch_size=1024):
    """Test-time augmentation: mean probabilities of x (N, H, W, C) and x mirrored left-right."""
    x = np.asarray(x)
    if x.ndim != 4:
        raise ValueError(f"`x` must be a batch of images (N, H, W, C); got shape {x.shape}")
    mirrored = x[:, :, ::-1]
    return (
        model.predict(x, batch_size=batch_size, verbose=0)
        + model.predict(mirrored, batch_size=batch_size, verbose=0)
    ) / 2


class EpochTimer(keras.callbacks.Callback):
    """Records the wall-clock seconds of every epoch's training in `seconds`, validation left out.

    The first epoch also pays for tracing the model into a graph; later ones show the steady pace.
    """

    def on_train_begin(self, logs=None):
        self.seconds, self._start = [], None

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_test_begin(self, logs=None):  # fit's validation starts: the epoch's training is over
        self._stop()

    def on_epoch_end(self, epoch, logs=None):
        self._stop()

    def _stop(self):
        if self._start is not None:
            self.seconds.append(time.perf_counter() - self._start)
            self._start = None


def early_stopping_epoch(values, patience):
    """The epoch (from 1) after which keras.callbacks.EarlyStopping would stop training, or None.

    The callback has patience=patience and watches `values`, a metric to maximise such as
    val_accuracy; None means it would run to the end.

    Like Keras: an epoch counts as an improvement only if it beats the best so far, and training
    stops once `patience` epochs in a row brought none.
    """
    patience = check_int(patience, "patience")
    best, wait = -math.inf, 0
    for epoch, value in enumerate(values, start=1):
        best, wait = (value, 0) if value > best else (best, wait + 1)
        if wait >= patience:
            return epoch if epoch < len(values) else None
    return None


def train_mnist_cnn(
    x_train, y_train, epochs=10, batch_size=128, validation_data=None, seed=0, callbacks=None
):
    """Chapter 4's recipe: models.mnist_cnn() trained with Adam on categorical cross-entropy.

    x_train: (N, 28, 28, 1) float32 images; y_train: (N, 10) one-hot labels.
    Returns (model, history dict). Seeds Keras (seed) and resets its layer names first: the same
    arguments give the same model, layer names included, wherever in a session it is trained.
    callbacks: passed to model.fit, e.g. [EpochTimer()].
    """
    # layer names from scratch: "conv2d", "dense", ...
    keras.backend.clear_session(free_memory=False)
    keras.utils.set_random_seed(check_int(seed, "seed", low=0))
    model = models.mnist_cnn()
    model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    history = model.fit(
        x_train,
        y_train,
        batch_size=batch_size,
        epochs=epochs,
        validation_data=validation_data,
        verbose=0,
        callbacks=callbacks,
    )
    return model, history.history


def history_lines(history):
    """One line per epoch of a history dict (model.fit's History.history), every metric rounded."""
    names = list(history)
    epochs = len(history[names[0]]) if names else 0
    return [
        f"epoch {epoch + 1:2}/{epochs}: "
        + "  ".join(f"{name} {history[name][epoch]:.4f}" for name in names)
        for epoch in range(epochs)
    ]


def train_clothing_cnn(
    x_train,
    y_train,
    validation_data,
    epochs,
    seed=0,
    batch_size=128,
    learning_rate=3e-3,
    warmup_epochs=1,
    label_smoothing=0.1,
    dropout=0.3,
    shift=2,
):
    """Chapter 8's recipe for clothing: models.clothing_cnn(dropout, shift) trained with Adam.

    The learning rate rises for warmup_epochs, then falls along a cosine to 0 at `epochs`; the loss
    uses label smoothing.

    x_train: (N, 28, 28, 1) float32 images; y_train: (N, 10) one-hot labels.
    validation_data: (x, y) or None.
    Returns (model, history dict, seconds of each epoch's training, validation left out). Seeds
    Keras (seed) and resets its layer names first, so that the same arguments give the same model.
    """
    keras.backend.clear_session(free_memory=False)
    keras.utils.set_random_seed(check_int(seed, "seed", low=0))
    model, timer = models.clothing_cnn(dropout=dropout, shift=shift), EpochTimer()
    history, _ = fit_timed(
        model,
        x_train,
        y_train,
        validation_data,
        epochs,
        batch_size,
        learning_rate,
        schedule=True,
        warmup_epochs=warmup_epochs,
        label_smoothing=label_smoothing,
        callbacks=[timer],
    )
    return model, history.history, timer.seconds


def train_clothing_cnn_timed(x_train, y_train, validation_data, epochs, **recipe):
    """train_clothing_cnn() as utils.cache.trained stores a training: (model, history dict).

    Takes the same arguments (x_train, y_train, validation_data, epochs, **recipe); the seconds of
    each epoch's training go into the history as "epoch_seconds".
    """
    model, history, seconds = train_clothing_cnn(
        x_train, y_train, validation_data, epochs, **recipe
    )
    return model, {**history, "epoch_seconds": list(seconds)}


def clothing_recipe():
    """The defaults of train_clothing_cnn() and a SHA-256 of the code that makes up the recipe.

    Docstrings and comments are left out of the hash. A stored measurement of the recipe
    (bench/fashion.py) is quoted only while both are unchanged.
    """
    import ast
    import hashlib
    import inspect
    import textwrap

    def code(part):
        tree = ast.parse(textwrap.dedent(inspect.getsource(part)))
        for node in ast.walk(tree):
            body = getattr(node, "body", None)
            if (
                isinstance(body, list)
                and body
                and isinstance(body[0], ast.Expr)
                and isinstance(body[0].value, ast.Constant)
                and isinstance(body[0].value.value, str)
            ):
                node.body = body[1:] or [ast.Pass()]
        return ast.unparse(tree)

    parts = [
        train_clothing_cnn,
        fit_timed,
        cosine_decay,
        EpochTimer,
        models.clothing_cnn,
        models.stronger_cnn,
        models.conv_block,
        models.augmentation,
    ]
    text = (
        "\n".join(code(part) for part in parts)
        + f"\nBATCH_NORM_MOMENTUM={models.BATCH_NORM_MOMENTUM}"
    )
    defaults = {
        name: p.default
        for name, p in inspect.signature(train_clothing_cnn).parameters.items()
        if p.default is not inspect.Parameter.empty and name != "seed"
    }
    return {"defaults": defaults, "digest": hashlib.sha256(text.encode()).hexdigest()}


BENCH_FILE = Path(__file__).resolve().parent / "measurements" / "fashion_bench.json"


def stored_clothing_bench(path=BENCH_FILE, **knobs):
    """The measurement bench/fashion.py stored for chapter 8's clothing recipe, as a dict.

    It is checked first: the recipe's code must be the one measured, and each knob given (e.g.
    batch_size=128) must equal the default the bench trained with. A stale or missing file raises
    a RuntimeError that says how to measure again.
    """
    path = Path(path)
    again = "measure again with `python bench/fashion.py --store`"
    try:
        stored = json.loads(path.read_text())
    except (OSError, ValueError) as error:
        raise RuntimeError(
            f"the clothing recipe's stored measurement {path} cannot be read ({error}): {again}"
        ) from None
    recipe = clothing_recipe()
    if stored.get("recipe", {}).get("digest") != recipe["digest"]:
        raise RuntimeError(f"{path} was measured with other code of the clothing recipe: {again}")
    for name, value in knobs.items():
        if name not in recipe["defaults"]:
            raise ValueError(
                f"`{name}` is not a knob of the clothing recipe; its knobs: "
                f"{sorted(recipe['defaults'])}"
            )
        if stored["recipe"]["defaults"][name] != value:
            raise RuntimeError(
                f"{path} was measured with {name}={stored['recipe']['defaults'][name]!r}, not "
                f"{value!r}: {again} after changing train_clothing_cnn's default"
            )
    return stored
