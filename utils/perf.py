"""Counting a model's arithmetic and timing code: what chapter 7 and bench/speed.py measure with."""
import time

import numpy as np

from utils.validation import check_int


def layer_flops(layer):
    """Floating-point operations of one layer for one example: 2 per multiply-add of Conv2D and Dense, else 0."""
    kind = type(layer).__name__
    if kind == "Conv2D":
        kh, kw = layer.kernel_size
        out_h, out_w, c_out = layer.output.shape[1:]
        return 2 * out_h * out_w * c_out * kh * kw * layer.input.shape[-1]
    if kind == "Dense":
        return 2 * layer.input.shape[-1] * layer.units
    return 0


def model_flops(model):
    """Floating-point operations of one forward pass of one example through a built model."""
    return sum(layer_flops(layer) for layer in model.layers)


def training_flops(model):
    """FLOPs to train on one example: forward plus backward, which costs about twice the forward pass."""
    return 3 * model_flops(model)


def median_seconds(function, repeats=5, warmup=1):
    """Median wall-clock seconds of `function()` over `repeats` calls, after `warmup` untimed calls."""
    repeats, warmup = check_int(repeats, "repeats"), check_int(warmup, "warmup", low=0)
    for _ in range(warmup):
        function()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def layer_seconds(model, x, repeats=5):
    """Median seconds of each layer alone on the batch x (N, H, W, C), as a training step runs it:
    {layer name: (forward, forward + backward)}. Backward: the gradients of the layer's input and weights.

    Each layer gets the input the model gives it, and an upstream gradient of random numbers.
    """
    import tensorflow as tf

    inputs, timings = tf.convert_to_tensor(x), {}
    rng = np.random.default_rng(0)
    for layer in model.layers:
        outputs = layer(inputs)
        upstream = tf.constant(rng.normal(size=outputs.shape).astype("float32"))

        @tf.function
        def forward(t, layer=layer):
            return layer(t, training=True)

        @tf.function
        def forward_backward(t, layer=layer, upstream=upstream):
            with tf.GradientTape() as tape:
                tape.watch(t)
                loss = tf.reduce_sum(layer(t, training=True) * upstream)
            return tape.gradient(loss, [t, *layer.trainable_weights])

        timings[layer.name] = (median_seconds(lambda: forward(inputs), repeats=repeats),
                               median_seconds(lambda: forward_backward(inputs), repeats=repeats))
        inputs = outputs
    return timings


def matmul_flops_per_second(size=1024, repeats=5):
    """Achieved float32 FLOP/s of TensorFlow's matrix product of two size x size matrices: the machine's practical peak."""
    import tensorflow as tf

    a = tf.random.stateless_uniform((size, size), seed=(1, 2))
    b = tf.random.stateless_uniform((size, size), seed=(3, 4))
    seconds = median_seconds(lambda: tf.linalg.matmul(a, b).numpy(), repeats=repeats)
    return 2 * size ** 3 / seconds
