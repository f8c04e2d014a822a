"""utils.training: step counts, the cosine schedule's values, a timed fit that really trains."""

import json
import math

import numpy as np
import pytest

from utils import models, repro, training


def test_steps_per_epoch_counts_the_last_partial_batch():
    assert training.steps_per_epoch(55_000, 128) == 430  # 429 full batches and one of 88
    assert training.steps_per_epoch(256, 128) == 2


@pytest.mark.parametrize("n_examples, batch_size", [(0, 128), (100, 0), (100.0, 10), (True, 10)])
def test_steps_per_epoch_rejects_bad_sizes(n_examples, batch_size):
    with pytest.raises(ValueError, match="must be a positive integer"):
        training.steps_per_epoch(n_examples, batch_size)


def test_cosine_decay_starts_at_the_rate_halves_midway_and_ends_at_zero():
    schedule = training.cosine_decay(0.004, epochs=2, steps_per_epoch=50)  # 100 steps in all
    assert float(schedule(0)) == pytest.approx(0.004)
    assert float(schedule(50)) == pytest.approx(0.002)
    assert float(schedule(25)) == pytest.approx(0.002 * (1 + math.cos(math.pi / 4)))
    assert float(schedule(100)) == pytest.approx(0.0, abs=1e-9)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(learning_rate=0, epochs=1), "`learning_rate` must be positive"),
        (dict(learning_rate=1e-3, epochs=0), "`epochs` must be a positive integer"),
    ],
)
def test_cosine_decay_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        training.cosine_decay(steps_per_epoch=10, **kwargs)


def test_fit_timed_trains_and_times_a_model_that_can_learn_a_trivial_rule(monkeypatch):
    repro.make_reproducible(0)
    rng = np.random.default_rng(0)
    x = rng.random((256, 28, 28, 1), dtype=np.float32)
    # top half brighter?
    labels = (x[:, :14].mean(axis=(1, 2, 3)) > x[:, 14:].mean(axis=(1, 2, 3))).astype(int)
    y = np.eye(10, dtype=np.float32)[labels]
    model = models.stronger_cnn(conv_blocks=1)
    # a fake clock that fit() advances by 7 s: the seconds returned are fit's and only fit's
    clock = [1000.0]
    monkeypatch.setattr(training.time, "perf_counter", lambda: clock[0])
    fit = model.fit

    def fit_taking_7_seconds(*args, **kwargs):
        clock[0] += 7.0
        return fit(*args, **kwargs)

    monkeypatch.setattr(model, "fit", fit_taking_7_seconds)
    history, seconds = training.fit_timed(
        model,
        x,
        y,
        validation_data=(x, y),
        epochs=3,
        batch_size=32,
        learning_rate=3e-3,
        schedule=True,
    )
    assert set(history.history) >= {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert len(history.history["loss"]) == 3 and seconds == 7.0
    assert history.history["loss"][-1] < history.history["loss"][0]
    # the schedule ran to its end
    assert float(model.optimizer.learning_rate) == pytest.approx(0.0, abs=1e-9)


def test_early_stopping_stops_after_patience_epochs_without_a_new_best():
    # epoch 3 and 4 do not beat 0.92 (a tie is no improvement): stop after epoch 4, before the
    # best, epoch 5
    assert training.early_stopping_epoch([0.90, 0.92, 0.91, 0.92, 0.95], patience=2) == 4
    assert training.early_stopping_epoch([0.90, 0.92, 0.91, 0.92, 0.95], patience=3) is None


def test_early_stopping_runs_to_the_end_when_it_keeps_improving_or_stalls_only_at_the_end():
    assert training.early_stopping_epoch([0.90, 0.95, 0.94, 0.96, 0.97], patience=2) is None
    # would stop at the last epoch anyway
    assert training.early_stopping_epoch([0.90, 0.95, 0.94, 0.93], patience=2) is None


def test_early_stopping_rejects_a_bad_patience():
    with pytest.raises(ValueError, match="`patience` must be a positive integer; got 0"):
        training.early_stopping_epoch([0.9], patience=0)


def test_epoch_timer_records_each_epochs_training_seconds_without_validation(monkeypatch):
    # epoch 1: 10 -> 12.5 (then validation), epoch 2: 20 -> 21 (none)
    clock = iter([10.0, 12.5, 20.0, 21.0])
    monkeypatch.setattr(training.time, "perf_counter", lambda: next(clock))
    timer = training.EpochTimer()
    timer.on_train_begin()
    timer.on_epoch_begin(0)
    timer.on_test_begin()  # validation starts: the clock stops here...
    timer.on_epoch_end(0)  # ...and not again at the end of the epoch
    timer.on_epoch_begin(1)
    timer.on_epoch_end(1)
    assert timer.seconds == [2.5, 1.0]


def test_fit_timed_passes_callbacks_to_fit():
    repro.make_reproducible(0)
    x, y = np.zeros((64, 28, 28, 1), np.float32), np.eye(10, dtype=np.float32)[np.arange(64) % 10]
    timer = training.EpochTimer()
    training.fit_timed(
        models.mnist_cnn(),
        x,
        y,
        validation_data=(x, y),
        epochs=2,
        batch_size=32,
        callbacks=[timer],
    )
    # one time per epoch, validation or not
    assert len(timer.seconds) == 2 and all(s > 0 for s in timer.seconds)


def test_keras_fit_starts_validation_before_the_epoch_ends_so_the_timer_leaves_it_out():
    events = []

    class Recorder(training.EpochTimer):
        def on_test_begin(self, logs=None):
            events.append("validation begins")
            super().on_test_begin(logs)

        def on_epoch_end(self, epoch, logs=None):
            events.append("epoch ends")
            super().on_epoch_end(epoch, logs)

    x, y = np.zeros((8, 28, 28, 1), np.float32), np.eye(10, dtype=np.float32)[np.arange(8)]
    timer = Recorder()
    training.fit_timed(
        models.mnist_cnn(), x, y, validation_data=(x, y), epochs=1, batch_size=8, callbacks=[timer]
    )
    assert events == ["validation begins", "epoch ends"] and len(timer.seconds) == 1


def test_cosine_decay_with_warmup_rises_linearly_to_the_rate_then_falls_to_zero():
    # 50 up, 100 down
    schedule = training.cosine_decay(0.004, epochs=3, steps_per_epoch=50, warmup_epochs=1)
    assert float(schedule(0)) == pytest.approx(0.0, abs=1e-9)
    assert float(schedule(25)) == pytest.approx(0.002)  # halfway up
    assert float(schedule(50)) == pytest.approx(0.004)  # the peak, where the cosine starts
    assert float(schedule(100)) == pytest.approx(0.002)  # halfway down
    assert float(schedule(150)) == pytest.approx(0.0, abs=1e-9)


@pytest.mark.parametrize(
    "warmup_epochs, message",
    [
        (3, r"`warmup_epochs` must be an integer from 0 to 2 \(fewer than epochs=3\); got 3"),
        (-1, "`warmup_epochs` must be an integer from 0 to 2"),
        (0.5, "`warmup_epochs` must be an integer from 0 to 2"),
    ],
)
def test_cosine_decay_rejects_a_warmup_as_long_as_the_run(warmup_epochs, message):
    with pytest.raises(ValueError, match=message):
        training.cosine_decay(1e-3, epochs=3, steps_per_epoch=10, warmup_epochs=warmup_epochs)


def test_fit_timed_smooths_the_labels_it_is_asked_to_and_refuses_a_warmup_without_schedule():
    x = np.zeros((4, 28, 28, 1), dtype=np.float32)
    y = np.eye(10, dtype=np.float32)[[0, 1, 2, 3]]
    model = models.stronger_cnn(conv_blocks=1)
    training.fit_timed(model, x, y, None, epochs=1, batch_size=4, label_smoothing=0.1)
    assert model.loss.get_config()["label_smoothing"] == pytest.approx(0.1)
    # smoothing 0.1 over 10 classes: the target is 0.91 for the true class and 0.01 for the others
    p = np.full((1, 10), 0.1, dtype=np.float32)
    # uniform p: same loss either way
    assert float(model.loss(y[:1], p)) == pytest.approx(-np.log(0.1), rel=1e-5)
    with pytest.raises(ValueError, match="`warmup_epochs` needs schedule=True"):
        training.fit_timed(model, x, y, None, epochs=2, batch_size=4, warmup_epochs=1)
    with pytest.raises(ValueError, match="`label_smoothing` must be a rate in"):
        training.fit_timed(model, x, y, None, epochs=1, batch_size=4, label_smoothing=1.0)


def test_predict_flipped_averages_the_predictions_for_the_images_and_their_mirror_images():
    keras_model = models.mlp()
    x = np.random.default_rng(0).random((3, 28, 28, 1)).astype(np.float32)
    expected = (
        keras_model.predict(x, verbose=0) + keras_model.predict(x[:, :, ::-1], verbose=0)
    ) / 2
    np.testing.assert_allclose(training.predict_flipped(keras_model, x), expected, rtol=1e-6)
    symmetric = (x + x[:, :, ::-1]) / 2  # a left-right symmetric image: flipping changes nothing
    np.testing.assert_allclose(
        training.predict_flipped(keras_model, symmetric),
        keras_model.predict(symmetric, verbose=0),
        rtol=1e-5,
    )
    with pytest.raises(
        ValueError, match=r"`x` must be a batch of images \(N, H, W, C\); got shape \(28, 28, 1\)"
    ):
        training.predict_flipped(keras_model, x[0])


def test_train_clothing_cnn_trains_the_clothing_model_with_its_schedule_and_times_each_epoch():
    rng = np.random.default_rng(0)
    x = rng.random((64, 28, 28, 1), dtype=np.float32)
    y = np.eye(10, dtype=np.float32)[np.arange(64) % 10]
    model, history, seconds = training.train_clothing_cnn(x, y, (x, y), epochs=2, batch_size=32)
    assert model.name == "stronger_cnn" and len(history["val_accuracy"]) == 2 and len(seconds) == 2
    assert [type(layer).__name__ for layer in model.layers[0].layers] == [
        "RandomTranslation",
        "RandomFlip",
    ]
    # every block
    assert sum(type(layer).__name__ == "BatchNormalization" for layer in model.layers) == 3
    assert model.loss.get_config()["label_smoothing"] == pytest.approx(0.1)
    # the schedule ran to its end
    assert float(model.optimizer.learning_rate) == pytest.approx(0.0, abs=1e-9)
    again, _, _ = training.train_clothing_cnn(x, y, (x, y), epochs=2, batch_size=32)
    for a, b in zip(model.get_weights(), again.get_weights()):
        np.testing.assert_array_equal(a, b)  # the same seed, the same model


def test_train_clothing_cnn_timed_is_train_clothing_cnn_with_its_epoch_seconds_in_the_history():
    rng = np.random.default_rng(0)
    x = rng.random((64, 28, 28, 1), dtype=np.float32)
    y = np.eye(10, dtype=np.float32)[np.arange(64) % 10]
    model, history = training.train_clothing_cnn_timed(x, y, (x, y), 2, batch_size=32, seed=3)
    again, history_again, seconds = training.train_clothing_cnn(
        x, y, (x, y), 2, batch_size=32, seed=3
    )
    assert len(history.pop("epoch_seconds")) == 2 == len(seconds) and history == history_again
    for a, b in zip(model.get_weights(), again.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_the_clothing_recipes_digest_names_its_defaults_and_changes_with_its_code(monkeypatch):
    recipe = training.clothing_recipe()
    assert recipe["defaults"] == dict(
        batch_size=128,
        learning_rate=3e-3,
        warmup_epochs=1,
        label_smoothing=0.1,
        dropout=0.3,
        shift=2,
    )
    assert len(recipe["digest"]) == 64
    monkeypatch.setattr(models, "BATCH_NORM_MOMENTUM", 0.99)
    assert training.clothing_recipe()["digest"] != recipe["digest"]


def test_the_clothing_recipes_digest_ignores_docstrings_and_comments(monkeypatch):
    import inspect

    digest, source = training.clothing_recipe()["digest"], inspect.getsource

    def reworded(part):  # every docstring reworded and a comment added to every part's first line
        text = source(part)
        return text.replace('"""', '"""Reworded. ', 1).replace("\n", "  # a comment\n", 1)

    monkeypatch.setattr(inspect, "getsource", reworded)
    assert training.clothing_recipe()["digest"] == digest


def test_the_stored_clothing_bench_is_quoted_only_while_its_recipe_and_knobs_are_unchanged(
    tmp_path,
):
    recipe = training.clothing_recipe()
    path = tmp_path / "bench.json"
    path.write_text(json.dumps({"recipe": recipe, "results": [{"epochs": 6}]}))
    assert training.stored_clothing_bench(path, batch_size=128, label_smoothing=0.1)[
        "results"
    ] == [{"epochs": 6}]
    stale = (
        r"measured with batch_size=128, not 256: "
        r"measure again with `python bench/fashion.py --store`"
    )
    with pytest.raises(RuntimeError, match=stale):
        training.stored_clothing_bench(path, batch_size=256)
    with pytest.raises(ValueError, match=r"`epochs` is not a knob of the clothing recipe"):
        training.stored_clothing_bench(path, epochs=6)
    path.write_text(json.dumps({"recipe": {**recipe, "digest": "0" * 64}}))
    with pytest.raises(RuntimeError, match="was measured with other code of the clothing recipe"):
        training.stored_clothing_bench(path)
    with pytest.raises(RuntimeError, match="cannot be read"):
        training.stored_clothing_bench(tmp_path / "missing.json")


def test_the_committed_clothing_measurement_is_of_the_recipe_as_it_is_now():
    """Chapter 8 quotes utils/measurements/fashion_bench.json; a change to the recipe's code (a
    refactoring included) fails here, in a second, before the chapter fails in minutes."""
    assert training.stored_clothing_bench()["recipe"] == training.clothing_recipe()
