"""The book's MNIST model in NumPy, forward and backward: trained by hand in chapter 5.

`weights` is a list in Keras' order, as models.mnist_cnn().get_weights() returns it:
[conv kernel (3, 3, 1, 32), conv bias (32,), hidden kernel (5408, 128), hidden bias (128,),
 output kernel (128, 10), output bias (10,)].
"""

import numpy as np

from utils import ops
from utils.validation import check_int, check_number

SHAPES = ((3, 3, 1, 32), (32,), (13 * 13 * 32, 128), (128,), (128, 10), (10,))
NAMES = (
    "conv kernel",
    "conv bias",
    "hidden kernel",
    "hidden bias",
    "output kernel",
    "output bias",
)


def forward(weights, x):
    """Probabilities (N, 10) of images x (N, 28, 28, 1), and the activations backward() needs."""
    conv_kernel, conv_bias, hidden_kernel, hidden_bias, output_kernel, output_bias = (
        _check_weights(weights)
    )
    z1 = ops.conv2d_fast(x, conv_kernel, conv_bias)  # (N, 26, 26, 32)
    a1 = ops.relu(z1)
    p1 = ops.max_pool2d_fast(a1, pool_size=2)  # (N, 13, 13, 32)
    f = ops.flatten(p1)  # (N, 5408)
    z2 = ops.dense(f, hidden_kernel, hidden_bias)  # (N, 128)
    a2 = ops.relu(z2)
    logits = ops.dense(a2, output_kernel, output_bias)  # (N, 10)
    probabilities = ops.softmax(logits)
    return probabilities, {
        "x": x,
        "z1": z1,
        "a1": a1,
        "p1": p1,
        "f": f,
        "z2": z2,
        "a2": a2,
        "logits": logits,
        "probabilities": probabilities,
    }


def backward(weights, activations, y_true):
    """Gradients of the mean cross-entropy for one-hot y_true (N, 10), in the order of weights."""
    conv_kernel, _, hidden_kernel, _, output_kernel, _ = _check_weights(weights)
    a = activations
    g = ops.softmax_crossentropy_backward(y_true, a["probabilities"])  # dL/dlogits = (p - y) / N
    g, d_output_kernel, d_output_bias = ops.dense_backward(a["a2"], output_kernel, g)
    g = ops.relu_backward(a["z2"], g)
    g, d_hidden_kernel, d_hidden_bias = ops.dense_backward(a["f"], hidden_kernel, g)
    g = ops.flatten_backward(g, a["p1"].shape)
    g = ops.max_pool2d_backward(a["a1"], g, pool_size=2)
    g = ops.relu_backward(a["z1"], g)
    _, d_conv_kernel, d_conv_bias = ops.conv2d_backward(
        a["x"], conv_kernel, g, input_gradient=False
    )
    return [
        d_conv_kernel,
        d_conv_bias,
        d_hidden_kernel,
        d_hidden_bias,
        d_output_kernel,
        d_output_bias,
    ]


def loss_and_gradients(weights, x, y_true):
    """The batch's mean cross-entropy (as Keras computes it, from the logits) and its gradients."""
    _, activations = forward(weights, x)
    loss = ops.categorical_crossentropy(y_true, activations["logits"], from_logits=True).mean()
    return loss, backward(weights, activations, y_true)


def train_step(weights, optimizer, x, y_true):
    """One step of training: returns the loss before the update; updates weights in place."""
    loss, gradients = loss_and_gradients(weights, x, y_true)
    optimizer.apply(weights, gradients)
    return loss


def batch_indices(n_examples, batch_size=128, seed=0):
    """One epoch's batches: a seeded permutation of range(n_examples) cut into batch_size pieces.

    The last batch may be smaller.
    """
    n, size = check_int(n_examples, "n_examples"), check_int(batch_size, "batch_size")
    order = np.random.default_rng(check_int(seed, "seed", low=0)).permutation(n)
    return [order[start : start + size] for start in range(0, n, size)]


def predict(weights, x, batch_size=1000):
    """Probabilities (N, 10) of images x (N, 28, 28, 1), batch_size at a time to bound memory."""
    size = check_int(batch_size, "batch_size")
    return np.concatenate(
        [forward(weights, x[start : start + size])[0] for start in range(0, len(x), size)]
    )


def initial_weights(scale=1.0, seed=0):
    """float32 weights: Glorot-uniform kernels times `scale`, and zero biases.

    With scale=1 this is Keras' default initializer.
    """
    scale = check_number(scale, "scale", low=0, low_inclusive=False)
    rng = np.random.default_rng(check_int(seed, "seed", low=0))
    return [
        (scale * rng.uniform(-1, 1, shape) * glorot_limit(shape)).astype(np.float32)
        if len(shape) > 1
        else np.zeros(shape, np.float32)
        for shape in SHAPES
    ]


def _check_kernel_shape(shape):
    """shape as a tuple of positive ints: a Dense (in, out) or Conv2D (kh, kw, in, out) kernel."""
    shape = tuple(check_int(n, "shape") for n in shape)
    if len(shape) not in (2, 4):
        raise ValueError(
            f"`shape` must be a Dense kernel's (in, out) or a Conv2D kernel's "
            f"(kh, kw, in, out); got {shape}"
        )
    return shape


def glorot_limit(shape):
    """Glorot & Bengio's uniform limit sqrt(6 / (fan_in + fan_out)) for a kernel's shape.

    shape: a Dense kernel's (in, out) or a Conv2D kernel's (kh, kw, in, out).
    """
    shape = _check_kernel_shape(shape)
    receptive = int(np.prod(shape[:-2]))  # kh * kw for a convolution, 1 for a dense layer
    return float(np.sqrt(6 / (receptive * shape[-2] + receptive * shape[-1])))


def _check_weights(weights):
    """The model's six weight arrays, in Keras' order, or an error naming the first wrong one."""
    if len(weights) != len(SHAPES):
        raise ValueError(
            f"`weights` must hold the model's {len(SHAPES)} arrays {NAMES}; got {len(weights)}"
        )
    for k, (w, shape) in enumerate(zip(weights, SHAPES)):
        if np.shape(w) != shape:
            raise ValueError(
                f"`weights[{k}]` ({NAMES[k]}) must have shape {shape}; got {np.shape(w)}"
            )
        if not np.issubdtype(np.asarray(w).dtype, np.floating):
            raise TypeError(
                f"`weights[{k}]` ({NAMES[k]}) must be floating-point; got dtype "
                f"{np.asarray(w).dtype}"
            )
    return weights
