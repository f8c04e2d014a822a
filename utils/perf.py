"""Counting a model's arithmetic and timing code: the tools of chapter 10 and bench/speed.py."""

import time

import numpy as np

from utils.validation import check_int


def layer_flops(layer):
    """Floating-point operations of one layer for one example.

    2 per multiply-add of Conv2D, SeparableConv2D and Dense, else 0.
    """
    kind = type(layer).__name__
    if kind == "Conv2D":
        kh, kw = layer.kernel_size
        out_h, out_w, c_out = layer.output.shape[1:]
        return 2 * out_h * out_w * c_out * kh * kw * layer.input.shape[-1]
    # a depthwise kh x kw filter per input channel, then a 1x1 convolution
    if kind == "SeparableConv2D":
        kh, kw = layer.kernel_size
        out_h, out_w, c_out = layer.output.shape[1:]
        c_in = layer.input.shape[-1] * layer.depth_multiplier
        return 2 * out_h * out_w * c_in * (kh * kw + c_out)
    if kind == "Dense":
        return 2 * layer.input.shape[-1] * layer.units
    return 0


def model_flops(model):
    """Floating-point operations of one forward pass of one example through a built model."""
    return sum(layer_flops(layer) for layer in model.layers)


def layer_bytes(layer, batch_size, input_gradient=True):
    """The fewest bytes one layer moves for a batch in float32: (forward, backward).

    Each tensor is read or written once:
    forward: read the input and the weights, write the output.
    backward: read the output's gradient, the input and the weights; write the weights' gradients
        and, if input_gradient (every layer but a model's first), the input's gradient.
    Flatten only relabels the same memory: (0, 0). Real kernels move more (a ReLU or a layout
    change rereads a tensor), never less.
    """
    batch_size = check_int(batch_size, "batch_size")
    if type(layer).__name__ == "Flatten":
        return 0, 0
    values_in = int(np.prod(layer.input.shape[1:])) * batch_size
    values_out = int(np.prod(layer.output.shape[1:])) * batch_size
    weights = layer.count_params()
    backward = values_out + values_in + 2 * weights + (values_in if input_gradient else 0)
    return 4 * (values_in + values_out + weights), 4 * backward


def training_flops(model):
    """FLOPs to train on one example: the forward pass, then the gradients training needs.

    The gradients of each layer's weights and of its input are each as costly as the forward pass,
    but count only where training needs them.

    A layer without trainable weights (or frozen) needs no gradient of its weights; a layer needs
    the gradient of its input only if a layer before it trains. So the first layer that trains, if
    it computes (as the book's first convolution does), costs 2 forward passes:
    3 * model_flops(model) - its FLOPs. layer_costs() counts simply 2 forward passes for the
    model's first layer and 3 for every other: the two agree when the first computing layer is the
    model's first layer and every layer trains, as in the book's models (not, say, behind a
    Rescaling layer or with a frozen layer).
    """
    total, trains_before = 0, False
    for layer in model.layers:
        trains = bool(layer.trainable_weights)
        total += layer_flops(layer) * (1 + trains + trains_before)
        trains_before = trains_before or trains
    return total


def median_seconds(function, repeats=5, warmup=1):
    """Median wall-clock seconds of `repeats` calls of `function()` after `warmup` untimed ones."""
    repeats, warmup = check_int(repeats, "repeats"), check_int(warmup, "warmup", low=0)
    for _ in range(warmup):
        function()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def interleaved_seconds(functions, rounds=5, warmup=1):
    """Median wall-clock seconds of each of `functions` ({name: function}), timed in turn.

    The functions take turns, round after round. Taking turns exposes every function to the same
    drift of the machine's speed, so their ratios hold even when the absolute times wander. The
    order of the turn reverses every round (the given order in the first round, then
    backwards, ...), so no function is always timed first or last.
    warmup: untimed rounds first (compiling, caches).
    """
    rounds, warmup = check_int(rounds, "rounds"), check_int(warmup, "warmup", low=0)
    names = list(functions)
    times = {name: [] for name in names}
    for round_ in range(warmup + rounds):
        order = names if round_ % 2 == 0 else names[::-1]
        for name in order:
            start = time.perf_counter()
            functions[name]()
            if round_ >= warmup:
                times[name].append(time.perf_counter() - start)
    return {name: float(np.median(values)) for name, values in times.items()}


def training_variants_seconds(variants, x, y, copies=3, rounds=2, seed=0, reference="book"):
    """Time one epoch of model.fit on (x, y) (integer labels) for each training variant, honestly.

    variants: {name: (build, batch_size, steps_per_execution)},
        where build() returns an uncompiled model.
    Each variant is built and compiled `copies` times from `seed` (copies of one model have been
    timed at different speeds), every copy trains on the same batches in the same order
    (shuffle=False), and all copies take turns (interleaved_seconds).
    Returns ({name: [seconds of each copy]}, {name: True if its copies end with exactly the weights
    of the `reference` variant}).
    """
    import keras

    copies = check_int(copies, "copies")
    models, epochs = {}, {}
    for copy in range(copies):
        for name, (build, batch_size, steps) in variants.items():
            keras.utils.set_random_seed(seed)
            models[name, copy] = model = build()
            model.compile(
                loss="sparse_categorical_crossentropy", optimizer="adam", steps_per_execution=steps
            )
            epochs[name, copy] = lambda m=model, b=batch_size: m.fit(
                x, y, batch_size=b, shuffle=False, verbose=0
            )
    seconds = interleaved_seconds(epochs, rounds=rounds)
    same = {
        name: all(
            np.array_equal(a, b)
            for a, b in zip(models[name, 0].get_weights(), models[reference, 0].get_weights())
        )
        for name in variants
    }
    return {name: [seconds[name, c] for c in range(copies)] for name in variants}, same


def layer_seconds(model, x, repeats=5):
    """Median seconds of each layer alone on batch x (N, H, W, C), as a training step runs it.

    Returns {layer name: (forward, forward + backward)}. Backward: the gradients of the layer's
    weights and, for every layer but the first (whose input is the data), of its input.

    Each layer gets the input the model gives it, and an upstream gradient of random numbers,
    handed to the backward pass directly (output_gradients), as the next layer's backward pass
    hands it over in training: no loss is computed, so what is timed is the layer's ops and one
    compiled call's fixed cost (the Flatten row, a reshape, shows that cost alone). The forward and
    backward function returns the layer's output with the gradients, so that the compiled graph
    cannot prune the forward ops.
    """
    import tensorflow as tf

    inputs, timings = tf.convert_to_tensor(x), {}
    rng = np.random.default_rng(0)
    for k, layer in enumerate(model.layers):
        outputs = layer(inputs)
        upstream = tf.constant(rng.normal(size=outputs.shape).astype("float32"))

        @tf.function
        def forward(t, layer=layer):
            return layer(t, training=True)

        @tf.function
        def forward_backward(t, layer=layer, upstream=upstream, input_gradient=k > 0):
            with tf.GradientTape() as tape:
                if input_gradient:
                    tape.watch(t)
                outputs = layer(t, training=True)
            return outputs, tape.gradient(
                outputs,
                [t, *layer.trainable_weights] if input_gradient else layer.trainable_weights,
                output_gradients=upstream,
            )

        timings[layer.name] = (
            median_seconds(lambda: forward(inputs), repeats=repeats),
            median_seconds(lambda: forward_backward(inputs), repeats=repeats),
        )
        inputs = outputs
    return timings


def memory_bytes_per_second(n_bytes=2**28, repeats=5):
    """The machine's practical memory bandwidth: achieved bytes/s of NumPy copying an array.

    It copies an n_bytes array into another: each byte read once and written once, counted twice.
    """
    n_bytes = check_int(n_bytes, "n_bytes", low=1024)
    source = np.ones(n_bytes // 4, dtype="float32")
    target = np.empty_like(source)
    return 2 * source.nbytes / median_seconds(lambda: np.copyto(target, source), repeats=repeats)


def layer_costs(model, x, repeats=5):
    """Per layer of `model` on the batch x: {name: dict(flops, bytes, forward, seconds)}.

    The costs of one training step:
    flops: the batch's forward FLOPs times 3 (forward, then the input's and the weights'
        gradients, each as costly as the forward pass), times 2 for the first layer, which
        needs no input gradient;
    bytes: layer_bytes() forward + backward;
    forward, seconds: measured by layer_seconds(), the latter forward + backward.
    """
    timings, costs = layer_seconds(model, x, repeats=repeats), {}
    for k, layer in enumerate(model.layers):
        forward_s, both_s = timings[layer.name]
        costs[layer.name] = dict(
            flops=(3 if k else 2) * layer_flops(layer) * len(x),
            bytes=sum(layer_bytes(layer, len(x), input_gradient=k > 0)),
            forward=forward_s,
            seconds=both_s,
        )
    return costs


def matmul_flops_per_second(size=1024, repeats=5):
    """Achieved float32 FLOP/s of TensorFlow's matrix product of two size x size matrices.

    The machine's practical peak.
    """
    import tensorflow as tf

    a = tf.random.stateless_uniform((size, size), seed=(1, 2))
    b = tf.random.stateless_uniform((size, size), seed=(3, 4))
    seconds = median_seconds(lambda: tf.linalg.matmul(a, b).numpy(), repeats=repeats)
    return 2 * size**3 / seconds


def conv_weights(kernel_size, in_channels, filters, separable=False):
    """Weights (no bias) of a kernel_size x kernel_size convolution from in_channels to filters.

    k*k*in*filters, or k*k*in + in*filters when depthwise-separable (a k x k filter per channel,
    then a 1x1 convolution).
    """
    k = check_int(kernel_size, "kernel_size")
    c_in, c_out = check_int(in_channels, "in_channels"), check_int(filters, "filters")
    return k * k * c_in + c_in * c_out if separable else k * k * c_in * c_out
