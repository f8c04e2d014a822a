"""Training helpers for the chapters that compare training recipes: one call per run, timed."""
import math
import time

import keras


def steps_per_epoch(n_examples, batch_size):
    """Batches in one pass over n_examples (the last one may be smaller)."""
    for name, value in (("n_examples", n_examples), ("batch_size", batch_size)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"`{name}` must be a positive integer; got {value!r}")
    return math.ceil(n_examples / batch_size)


def cosine_decay(learning_rate, epochs, steps_per_epoch):
    """A learning rate that falls from learning_rate to 0 along half a cosine, over epochs * steps_per_epoch steps."""
    if not learning_rate > 0:
        raise ValueError(f"`learning_rate` must be positive; got {learning_rate!r}")
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1:
        raise ValueError(f"`epochs` must be a positive integer; got {epochs!r}")
    return keras.optimizers.schedules.CosineDecay(learning_rate, decay_steps=epochs * steps_per_epoch)


def fit_timed(model, x_train, y_train, validation_data, epochs, batch_size, learning_rate=1e-3,
              schedule=False, verbose=0):
    """Compile with Adam and categorical cross-entropy (one-hot labels), fit; return (history, seconds).

    schedule: False keeps learning_rate constant; True decays it with cosine_decay() over the whole run.
    seconds: wall-clock time of model.fit, validation included.
    """
    if schedule:
        learning_rate = cosine_decay(learning_rate, epochs, steps_per_epoch(len(x_train), batch_size))
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss="categorical_crossentropy",
                  metrics=["accuracy"])
    start = time.perf_counter()
    history = model.fit(x_train, y_train, batch_size=batch_size, epochs=epochs,
                        validation_data=validation_data, verbose=verbose)
    return history, time.perf_counter() - start
