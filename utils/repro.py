"""One call that makes a TensorFlow/Keras run reproducible on a given machine."""

import tensorflow as tf
import keras

from utils.validation import check_int

# the same everywhere: oneDNN does not promise equal sums across thread counts (not measured here)
THREADS = 2


def make_reproducible(seed, threads=THREADS):
    """Seed Python, NumPy and Keras, make TensorFlow ops deterministic, pin thread counts.

    Call it once, right after the imports and before any TensorFlow op runs:
    TensorFlow fixes its thread pools when it first runs an op.
    """
    seed = check_int(seed, "seed", low=0, high=2**32 - 1, hint="(NumPy's seeds)")
    threads = check_int(threads, "threads")
    _pin_threads(threads)
    keras.utils.set_random_seed(seed)  # Python's random, NumPy and TensorFlow
    tf.config.experimental.enable_op_determinism()


def _pin_threads(threads):
    """Fix TensorFlow's intra- and inter-op thread pools, or explain why it is too late."""
    threading = tf.config.threading
    try:
        threading.set_intra_op_parallelism_threads(threads)
        threading.set_inter_op_parallelism_threads(threads)
    except RuntimeError:
        current = (
            threading.get_intra_op_parallelism_threads(),
            threading.get_inter_op_parallelism_threads(),
        )
        if current != (threads, threads):
            raise RuntimeError(
                f"TensorFlow already runs with (intra, inter) threads {current}, not ({threads}, "
                f"{threads}): "
                "call make_reproducible() before any TensorFlow op runs (restart the kernel)."
            ) from None
