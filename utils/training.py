"""Training helpers for the chapters that compare training recipes: one call per run, timed."""
import math
import time

import keras

from utils import models
from utils.validation import check_int


def steps_per_epoch(n_examples, batch_size):
    """Batches in one pass over n_examples (the last one may be smaller)."""
    return math.ceil(check_int(n_examples, "n_examples") / check_int(batch_size, "batch_size"))


def cosine_decay(learning_rate, epochs, steps_per_epoch):
    """A learning rate that falls from learning_rate to 0 along half a cosine, over epochs * steps_per_epoch steps."""
    if not learning_rate > 0:
        raise ValueError(f"`learning_rate` must be positive; got {learning_rate!r}")
    decay_steps = check_int(epochs, "epochs") * check_int(steps_per_epoch, "steps_per_epoch")
    return keras.optimizers.schedules.CosineDecay(learning_rate, decay_steps=decay_steps)


def fit_timed(model, x_train, y_train, validation_data, epochs, batch_size, learning_rate=1e-3,
              schedule=False, verbose=0, callbacks=None):
    """Compile with Adam and categorical cross-entropy (one-hot labels), fit; return (history, seconds).

    schedule: False keeps learning_rate constant; True decays it with cosine_decay() over the whole run.
    seconds: wall-clock time of model.fit, validation included. callbacks: passed to model.fit, e.g. EpochTimer().
    """
    if schedule:
        learning_rate = cosine_decay(learning_rate, epochs, steps_per_epoch(len(x_train), batch_size))
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss="categorical_crossentropy",
                  metrics=["accuracy"])
    start = time.perf_counter()
    history = model.fit(x_train, y_train, batch_size=batch_size, epochs=epochs,
                        validation_data=validation_data, verbose=verbose, callbacks=callbacks)
    return history, time.perf_counter() - start


class EpochTimer(keras.callbacks.Callback):
    """Records the wall-clock seconds of every epoch's training in `seconds`, validation left out. The first
    epoch also pays for tracing the model into a graph; later epochs show the steady pace."""

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
    """The epoch (from 1) after which keras.callbacks.EarlyStopping(patience=patience) watching `values`,
    a metric to maximise such as val_accuracy, would stop training; None if it would run to the end.

    Like Keras: an epoch counts as an improvement only if it beats the best so far, and training stops
    once `patience` epochs in a row brought none.
    """
    patience = check_int(patience, "patience")
    best, wait = -math.inf, 0
    for epoch, value in enumerate(values, start=1):
        best, wait = (value, 0) if value > best else (best, wait + 1)
        if wait >= patience:
            return epoch if epoch < len(values) else None
    return None


def train_mnist_cnn(x_train, y_train, epochs=10, batch_size=128, validation_data=None, seed=0):
    """Chapter 4's recipe: models.mnist_cnn() trained with Adam on categorical cross-entropy (one-hot y_train).

    x_train: (N, 28, 28, 1) float32 images; y_train: (N, 10) one-hot labels.
    Returns (model, history dict). Seeds Keras (seed) and resets its layer names first, so that the same
    arguments give the same model, with the same layer names, wherever in a session it is trained.
    """
    keras.backend.clear_session(free_memory=False)  # layer names from scratch: "conv2d", "dense", ...
    keras.utils.set_random_seed(check_int(seed, "seed", low=0))
    model = models.mnist_cnn()
    model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    history = model.fit(x_train, y_train, batch_size=batch_size, epochs=epochs, validation_data=validation_data,
                        verbose=0)
    return model, history.history


def history_lines(history):
    """One line of text per epoch of a history dict (as model.fit's History.history): every metric, rounded."""
    names = list(history)
    epochs = len(history[names[0]]) if names else 0
    return [f"epoch {epoch + 1:2}/{epochs}: " + "  ".join(f"{name} {history[name][epoch]:.4f}" for name in names)
            for epoch in range(epochs)]
