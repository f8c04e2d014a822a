"""Where the time goes on this CPU: convolution four ways, and training with each speed setting.

The book's MNIST model is trained with each speed setting alone (and XLA together with op
determinism off). One run, one machine; every figure printed comes from this run.

    python bench/speed.py                 # everything (about 25 minutes on a 2-core CPU)
    python bench/speed.py --part conv     # only the convolution timings
    python bench/speed.py --part train    # only the training settings
    python bench/speed.py --part layers   # layer times, FLOPs and bytes; the machine's two roofs
    python bench/speed.py --part remedies # the three remedies of chapter 10 on all training digits

Each training setting runs in a fresh Python process, because some (oneDNN) must be set before
TensorFlow is imported. Settings that change the numbers are reported as such; the book adopts a
setting only if it is faster and keeps runs reproducible.
"""

import argparse
import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

# name -> (environment, options of one training run); each differs from "book" in one thing
SETTINGS = {
    "book (as the chapters run)": ({}, {}),
    "Keras defaults (no pinned threads, no op determinism)": ({}, {"defaults": True}),
    "XLA on (jit_compile=True; Keras ignores it under op determinism)": (
        {},
        {"jit_compile": True},
    ),
    "no op determinism (seeds and threads still fixed)": ({}, {"nondeterministic_ops": True}),
    "XLA on and no op determinism": ({}, {"jit_compile": True, "nondeterministic_ops": True}),
    "XLA off (jit_compile=False)": ({}, {"jit_compile": False}),
    "oneDNN off (TF_ENABLE_ONEDNN_OPTS=0)": ({"TF_ENABLE_ONEDNN_OPTS": "0"}, {}),
    "1 inter-op thread": ({}, {"inter": 1}),
    "64 steps per call (steps_per_execution=64)": ({}, {"steps_per_execution": 64}),
    "tf.data pipeline with prefetch": ({}, {"pipeline": True}),
}


def conv_part(batch, repeats):
    """Median time, four ways, of convolving `batch` digits with 32 3x3 filters; and the ratios."""
    import numpy as np
    import tensorflow as tf

    from utils import data, ops, perf, repro

    repro.make_reproducible(0)
    (x, _), _ = data.load_mnist(n_train=batch)
    kernel = np.random.default_rng(0).normal(size=(3, 3, 1, 32)).astype("float32")
    ways = {
        "Python loops": (lambda: ops.conv2d_loops(x, kernel), 1),
        "NumPy, readable (ops.conv2d)": (lambda: ops.conv2d(x, kernel), repeats),
        "NumPy, vectorized (ops.conv2d_fast)": (lambda: ops.conv2d_fast(x, kernel), repeats),
        "TensorFlow (tf.nn.conv2d)": (
            lambda: tf.nn.conv2d(x, kernel, 1, "VALID").numpy(),
            repeats,
        ),
    }
    reference = tf.nn.conv2d(x, kernel, 1, "VALID").numpy()
    seconds = {}
    for name, (run, n) in ways.items():
        assert np.abs(run() - reference).max() < 1e-4, f"{name} does not equal tf.nn.conv2d"
        seconds[name] = perf.median_seconds(run, repeats=n, warmup=0 if n == 1 else 1)
    tf_time = seconds["TensorFlow (tf.nn.conv2d)"]
    print(
        f"\nConvolution of {batch} MNIST digits with 32 3x3 filters ('valid'); all four give the "
        f"same numbers"
    )
    print(f"{'':38}{'median':>12}{'x TensorFlow':>14}")
    for name, s in seconds.items():
        print(f"{name:38}{s * 1e3:10.2f} ms{s / tf_time:13.1f}x")
    return seconds


def train_one(options, epochs, n_train):
    """Train the book's model with `options` here; return timings, accuracy and a weights hash."""
    import keras
    import numpy as np
    import tensorflow as tf

    from utils import data, models, repro

    if options.get("defaults"):
        keras.utils.set_random_seed(0)
    elif options.get("nondeterministic_ops"):
        repro._pin_threads(repro.THREADS)
        keras.utils.set_random_seed(0)
    else:
        repro.make_reproducible(0)
    if "inter" in options:  # after make_reproducible pinned both pools, before any op runs
        tf.config.threading.set_inter_op_parallelism_threads(options["inter"])
    (x, y), (xt, yt) = data.load_mnist(n_train=n_train)
    model = models.mnist_cnn()
    model.compile(
        loss="sparse_categorical_crossentropy",
        optimizer="adam",
        metrics=["accuracy"],
        jit_compile=options.get("jit_compile", "auto"),
        steps_per_execution=options.get("steps_per_execution", 1),
    )
    if options.get("pipeline"):
        train = (
            tf.data.Dataset.from_tensor_slices((x, y))
            .shuffle(len(x), seed=0)
            .batch(128)
            .prefetch(tf.data.AUTOTUNE)
        )
        fit = lambda: model.fit(train, epochs=1, verbose=0)
    else:
        fit = lambda: model.fit(x, y, batch_size=128, epochs=1, verbose=0)
    times = []
    for _ in range(epochs):
        start = time.perf_counter()
        fit()
        times.append(time.perf_counter() - start)
    accuracy = model.evaluate(xt, yt, batch_size=1000, verbose=0)[1]
    digest = hashlib.sha256(b"".join(w.tobytes() for w in model.get_weights())).hexdigest()[:12]
    return {
        "first_epoch": times[0],
        "later_epochs": float(np.median(times[1:] or times)),
        "accuracy": accuracy,
        "weights": digest,
        "jit": str(model.jit_compile),
    }


def run_setting(name, epochs, n_train):
    env, options = SETTINGS[name]
    result = subprocess.run(
        [
            sys.executable,
            __file__,
            "--child",
            json.dumps(options),
            "--epochs",
            str(epochs),
            "--train-n",
            str(n_train),
        ],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
    )
    if result.returncode:
        raise RuntimeError(f"{name} failed:\n{result.stderr[-2000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def train_part(epochs, n_train, only=None):
    """Each setting alone against the book's, and the book's again to check reproducibility."""
    from utils import models, perf

    print(
        f"\nTraining the book's MNIST model: {epochs} epochs of {n_train:,} digits, batch 128, "
        f"one process each"
    )
    names = [
        n
        for n in SETTINGS
        if n == "book (as the chapters run)" or not only or any(o in n for o in only)
    ]
    results = {name: run_setting(name, epochs, n_train) for name in names}
    repeat = run_setting("book (as the chapters run)", epochs, n_train)
    book = results["book (as the chapters run)"]
    print(
        f"{'setting':56}{'epoch 1':>9}{'later':>8}{'speed':>7}{'accuracy':>10}  {'XLA':6}weights"
    )
    for name, r in results.items():
        speed = book["later_epochs"] / r["later_epochs"]
        same = " (same as book)" if r["weights"] == book["weights"] else ""
        print(
            f"{name:56}{r['first_epoch']:8.1f}s{r['later_epochs']:7.1f}s{speed:6.2f}x"
            f"{r['accuracy']:10.2%}  "
            f"{r['jit']:6}{r['weights']}{same}"
        )
    print(
        f"book's setting run twice gives identical weights: {repeat['weights'] == book['weights']}"
    )
    flops_step = perf.training_flops(models.mnist_cnn()) * 128
    achieved = flops_step * (n_train / 128) / book["later_epochs"]
    peak = perf.matmul_flops_per_second(size=2048)
    print(
        f"\ntraining FLOPs per step (batch 128): {flops_step / 1e9:.2f} GFLOP; achieved "
        f"{achieved / 1e9:.1f} GFLOP/s "
        f"against {peak / 1e9:.1f} GFLOP/s for a 2048x2048 matrix product ({achieved / peak:.0%})"
    )
    return results


def layers_part(repeats):
    """Each layer of the book's model (batch 128): time, FLOPs, minimal bytes, roofline verdict."""
    from utils import data, models, perf, repro

    repro.make_reproducible(0)
    (x, _), _ = data.load_mnist(n_train=128)
    model = models.mnist_cnn()
    peak, bandwidth = perf.matmul_flops_per_second(size=2048), perf.memory_bytes_per_second()
    costs = perf.layer_costs(model, x, repeats=repeats)
    print(
        f"\nThe book's model, one training step of 128 digits, each layer alone (median of "
        f"{repeats})"
    )
    print(
        f"machine: {peak / 1e9:.1f} GFLOP/s (2048x2048 matrix product), {bandwidth / 1e9:.1f} "
        f"GB/s (NumPy copy), "
        f"ridge {peak / bandwidth:.1f} FLOPs per byte"
    )
    print(
        f"{'layer':15}{'fwd ms':>8}{'fwd+bwd ms':>11}{'MFLOP':>8}{'MB':>7}{'FLOP/B':>8}"
        f"{'GFLOP/s':>9}{'roof':>7}{'of roof':>9}{'GB/s':>7}"
    )
    for name, c in costs.items():
        intensity = c["flops"] / c["bytes"] if c["bytes"] else 0.0
        roof = min(peak, bandwidth * intensity)
        share = f"{c['flops'] / c['seconds'] / roof:8.0%}" if roof else f"{'-':>8}"
        print(
            f"{name:15}{c['forward'] * 1e3:8.1f}{c['seconds'] * 1e3:11.1f}"
            f"{c['flops'] / 1e6:8.1f}{c['bytes'] / 1e6:7.1f}"
            f"{intensity:8.1f}{c['flops'] / c['seconds'] / 1e9:9.1f}{roof / 1e9:7.0f} "
            f"{share}{c['bytes'] / c['seconds'] / 1e9:7.1f}"
        )
    return costs


def remedies_part(n_train, copies, rounds):
    """Chapter 10's remedies on n_train digits, each variant compiled `copies` times.

    All copies are timed in turns."""
    import numpy as np

    from utils import data, models, perf, repro

    repro.make_reproducible(0)
    (x, y), _ = data.load_mnist(n_train=n_train)
    variants = {
        "book": (models.mnist_cnn, 128, 1),
        "ReLU after pooling": (models.mnist_cnn_relu_after_pool, 128, 1),
        "8 steps per call": (models.mnist_cnn, 128, 8),
        "batches of 256": (models.mnist_cnn, 256, 1),
    }
    seconds, same = perf.training_variants_seconds(variants, x, y, copies=copies, rounds=rounds)
    book = seconds["book"]
    spread = max(book) / min(book)
    print(
        f"\nRemedies: one epoch of {n_train:,} digits, {copies} copies of each variant, {rounds} "
        f"timed rounds in turns"
    )
    print(f"{'variant':22}{'median s':>9}{'speed-up':>10}  {'copies':24}same weights as the book")
    for name, times in seconds.items():
        print(
            f"{name:22}{np.median(times):9.2f}{np.median(book) / np.median(times):9.2f}x  "
            f"{' '.join(f'{t:.2f}' for t in times):24}{same[name]}"
        )
    print(
        f"the book's own copies are {spread:.2f}x apart: a remedy wins only if it is faster than "
        f"that"
    )
    return seconds


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--part", choices=["all", "conv", "train", "layers", "remedies"], default="all"
    )
    parser.add_argument(
        "--copies", type=int, default=3, help="compiled copies of each remedy's model"
    )
    parser.add_argument(
        "--rounds", type=int, default=2, help="timed epochs of each copy (after one untimed)"
    )
    parser.add_argument(
        "--batch", type=int, default=128, help="digits in the convolution benchmark"
    )
    parser.add_argument(
        "--repeats", type=int, default=7, help="timed repeats of each fast convolution"
    )
    parser.add_argument(
        "--epochs",
        type=int,
        default=3,
        help="training epochs per setting (the first includes compiling)",
    )
    parser.add_argument("--train-n", type=int, default=60000, help="training digits per epoch")
    parser.add_argument(
        "--only", nargs="*", help="train only settings whose name contains one of these words"
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        print(json.dumps(train_one(json.loads(args.child), args.epochs, args.train_n)))
        return
    if args.part in ("all", "conv"):
        conv_part(args.batch, args.repeats)
    if args.part in ("all", "layers"):
        layers_part(args.repeats)
    if args.part in ("all", "train"):
        train_part(args.epochs, args.train_n, args.only)
    if args.part in ("all", "remedies"):
        remedies_part(args.train_n, args.copies, args.rounds)


if __name__ == "__main__":
    main()
