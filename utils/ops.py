"""NumPy reference implementations of the operations the book teaches.

Images are NHWC: (batch, height, width, channels). Kernels are laid out as in Keras:
(kernel_height, kernel_width, in_channels, out_channels). These functions favour
readability over speed; each one is checked against TensorFlow/Keras in ``tests/``.
"""

import functools

import numpy as np

from utils.validation import check_int, check_number

PADDINGS = ("valid", "same")


def corr2d(x, kernel):
    """2-D cross-correlation of one channel: x (H, W), kernel (kh, kw) -> (H-kh+1, W-kw+1)."""
    x, kernel = _check_corr2d(x, kernel)
    kh, kw = kernel.shape
    y = np.zeros(
        (x.shape[0] - kh + 1, x.shape[1] - kw + 1), dtype=np.result_type(x, kernel, np.float32)
    )
    for i in range(y.shape[0]):
        for j in range(y.shape[1]):
            y[i, j] = (x[i : i + kh, j : j + kw] * kernel).sum()
    return y


def conv_output_size(input_size, kernel_size, strides=1, padding="valid"):
    """Length of a convolution's output along one axis, as Keras/TensorFlow compute it."""
    n, k, s, padding = _check_window(input_size, kernel_size, strides, padding)
    if padding == "same":
        return -(-n // s)  # ceil(n / s)
    return (n - k) // s + 1


def same_padding(input_size, kernel_size, strides=1):
    """(before, after) zero padding of padding='same' along one axis; the odd pixel goes after."""
    out = conv_output_size(input_size, kernel_size, strides, "same")
    total = max((out - 1) * strides + kernel_size - input_size, 0)
    return total // 2, total - total // 2


def pad2d(x, kernel_size, strides=1, padding="valid"):
    """Zero-pad the H and W axes of x (N, H, W, C) exactly as Keras does for `padding`."""
    x = _check_nhwc(x, "x")
    (kh, kw), (sh, sw) = _pair(kernel_size, "kernel_size"), _pair(strides, "strides")
    if _check_padding(padding) == "valid":
        return x
    pads = ((0, 0), same_padding(x.shape[1], kh, sh), same_padding(x.shape[2], kw, sw), (0, 0))
    return np.pad(x, pads)


def conv2d(x, kernel, bias=None, strides=1, padding="valid"):
    """Convolution (cross-correlation) of x (N, H, W, C_in) with kernel (kh, kw, C_in, C_out)."""
    x, kernel, bias, (sh, sw), (out_h, out_w) = _conv_setup(x, kernel, bias, strides, padding)
    kh, kw, _, c_out = kernel.shape
    xp = pad2d(x, (kh, kw), (sh, sw), padding)
    y = np.zeros((x.shape[0], out_h, out_w, c_out), dtype=np.result_type(x, kernel, np.float32))
    for i in range(out_h):
        for j in range(out_w):
            patch = xp[:, i * sh : i * sh + kh, j * sw : j * sw + kw, :]  # (N, kh, kw, C_in)
            y[:, i, j, :] = np.tensordot(patch, kernel, axes=3)  # sum over kh, kw, C_in
    return y + bias


def dilate_kernel(kernel, dilation_rate):
    """Spread a kernel (kh, kw, C_in, C_out) apart with dilation_rate - 1 zeros between its taps.

    conv2d with the result is Keras' Conv2D(dilation_rate=...): the same weights, a wider window.
    """
    kernel = _as_array(kernel, "kernel", 4)
    dh, dw = _pair(dilation_rate, "dilation_rate")
    kh, kw, c_in, c_out = kernel.shape
    spread = np.zeros(((kh - 1) * dh + 1, (kw - 1) * dw + 1, c_in, c_out), dtype=kernel.dtype)
    spread[::dh, ::dw] = kernel
    return spread


def _conv_setup(x, kernel, bias, strides, padding, depthwise=False):
    """Validated x, kernel, bias, strides (sh, sw) and output size (out_h, out_w) of a 2-D conv.

    depthwise: kernel (kh, kw, C_in, multiplier), and bias holds one value per output channel.
    """
    x = _check_nhwc(x, "x")
    kernel = _check_kernel(kernel, x.shape[-1])
    bias = _check_bias(bias, kernel.shape[-1] * (kernel.shape[2] if depthwise else 1))
    sh, sw = _pair(strides, "strides")
    out_size = (
        conv_output_size(x.shape[1], kernel.shape[0], sh, padding),
        conv_output_size(x.shape[2], kernel.shape[1], sw, padding),
    )
    return x, kernel, bias, (sh, sw), out_size


def conv2d_loops(x, kernel, bias=None):
    """conv2d ('valid', stride 1) in plain Python loops, one multiply-add at a time.

    The slow baseline of chapter 10.
    """
    x, kernel, bias, _, (out_h, out_w) = _conv_setup(x, kernel, bias, strides=1, padding="valid")
    n, c_in = x.shape[0], x.shape[-1]
    kh, kw, _, c_out = kernel.shape
    xs, ks = x.tolist(), kernel.tolist()  # Python floats: no NumPy inside the loops
    y = [
        [[[float(bias[o]) for o in range(c_out)] for _ in range(out_w)] for _ in range(out_h)]
        for _ in range(n)
    ]
    for b in range(n):
        for i in range(out_h):
            for j in range(out_w):
                for o in range(c_out):
                    total = 0.0
                    for a in range(kh):
                        for d in range(kw):
                            for c in range(c_in):
                                total += xs[b][i + a][j + d][c] * ks[a][d][c][o]
                    y[b][i][j][o] += total
    return np.array(y, dtype=np.result_type(x, kernel, np.float32))


def conv2d_fast(x, kernel, bias=None, strides=1, padding="valid"):
    """conv2d as one matrix product (im2col): conv2d's numbers, far faster; NHWC in and out."""
    x, kernel, bias, (sh, sw), (out_h, out_w) = _conv_setup(x, kernel, bias, strides, padding)
    kh, kw, c_in, c_out = kernel.shape
    windows = np.lib.stride_tricks.sliding_window_view(
        pad2d(x, (kh, kw), (sh, sw), padding), (kh, kw), axis=(1, 2)
    )
    # (N, out_h, out_w, C_in, kh, kw): a view, no copy
    windows = windows[:, ::sh, ::sw][:, :out_h, :out_w]
    # im2col: one row per output pixel
    columns = windows.transpose(0, 1, 2, 4, 5, 3).reshape(-1, kh * kw * c_in)
    y = columns @ kernel.reshape(kh * kw * c_in, c_out)
    return y.reshape(x.shape[0], out_h, out_w, c_out) + bias


def depthwise_conv2d(x, kernel, bias=None, strides=1, padding="valid"):
    """Each channel convolved with its own filters: x (N, H, W, C) -> (N, H', W', C * multiplier).

    kernel: (kh, kw, C, multiplier).
    Output channel c * multiplier + m comes from input channel c (Keras' order).
    """
    x, kernel, bias, (sh, sw), (out_h, out_w) = _conv_setup(
        x, kernel, bias, strides, padding, depthwise=True
    )
    kh, kw, c_in, multiplier = kernel.shape
    windows = np.lib.stride_tricks.sliding_window_view(
        pad2d(x, (kh, kw), (sh, sw), padding), (kh, kw), axis=(1, 2)
    )
    windows = windows[:, ::sh, ::sw][:, :out_h, :out_w]  # (N, out_h, out_w, C, kh, kw)
    # no sum over channels: each keeps its own
    y = np.einsum("nijcab,abcm->nijcm", windows, kernel)
    return y.reshape(x.shape[0], out_h, out_w, c_in * multiplier) + bias


def separable_conv2d(x, depthwise_kernel, pointwise_kernel, bias=None, strides=1, padding="valid"):
    """Depthwise-separable convolution: (N, H, W, C) -> (N, H', W', C_out).

    depthwise_conv2d with depthwise_kernel (kh, kw, C, m), then a 1x1 convolution with
    pointwise_kernel (1, 1, C * m, C_out) that mixes the channels.
    """
    y = depthwise_conv2d(x, depthwise_kernel, None, strides, padding)
    pointwise_kernel = _as_array(pointwise_kernel, "pointwise_kernel", 4)
    if pointwise_kernel.shape[:3] != (1, 1, y.shape[-1]):
        raise ValueError(
            f"`pointwise_kernel` must have shape (1, 1, {y.shape[-1]}, out_channels): 1x1 over "
            f"the "
            f"depthwise step's {y.shape[-1]} channels; got shape {pointwise_kernel.shape}"
        )
    return conv2d_fast(y, pointwise_kernel, bias)


def relu(x):
    """Rectified linear unit, elementwise: max(x, 0); any shape."""
    x = np.asarray(x)
    if not (np.issubdtype(x.dtype, np.number) or x.dtype == bool):
        raise TypeError(f"`x` must be numeric; got dtype {x.dtype}")
    # bool: 0 and 1 as float32, as every other op
    return np.maximum(_as_float(x) if x.dtype == bool else x, 0)


def flatten(x):
    """Flatten all but the batch axis, in C order as keras.layers.Flatten: (N, ...) -> (N, D)."""
    x = np.asarray(x)
    if x.ndim < 2:
        raise ValueError(f"`x` must have a batch axis and at least one more; got shape {x.shape}")
    return x.reshape(x.shape[0], -1)


def dense(x, kernel, bias=None):
    """Fully connected layer: x (N, D_in) @ kernel (D_in, D_out) + bias (D_out,) -> (N, D_out)."""
    x, kernel, bias = _check_dense(x, kernel, bias)
    return x @ kernel + bias


def softmax(logits, axis=-1):
    """Probabilities exp(z) / sum(exp(z)) along `axis`, stable: the max is subtracted first."""
    z = _as_logits(logits, axis)
    # the largest exponent is exp(0) = 1: no overflow
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def log_softmax(logits, axis=-1):
    """log(softmax(logits)) without ever taking the log of 0: z - max - log(sum(exp(z - max)))."""
    z = _as_logits(logits, axis)
    shifted = z - z.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


EPSILON = 1e-7  # Keras clips probabilities to [EPSILON, 1 - EPSILON] before taking logs


def categorical_crossentropy(y_true, y_pred, from_logits=False):
    """Per-sample cross-entropy -sum(y_true * log p): one-hot y_true (N, C), predictions (N, C)."""
    y_true, y_pred = _check_same_shape(
        y_true, y_pred, "y_pred", "; for integer labels use sparse_categorical_crossentropy"
    )
    return -(y_true * _log_probabilities(y_pred, from_logits)).sum(axis=-1)


def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False):
    """Per-sample cross-entropy -log p[label]: integer labels y_true (N,), predictions (N, C)."""
    y_true, y_pred = np.asarray(y_true), _as_array(y_pred, "y_pred", 2)
    if y_true.shape != y_pred.shape[:1] or not np.issubdtype(y_true.dtype, np.integer):
        raise ValueError(
            f"`y_true` must be integer labels of shape ({y_pred.shape[0]},); got {y_true.dtype} "
            f"of shape {y_true.shape}. For one-hot labels use categorical_crossentropy"
        )
    if y_true.min() < 0 or y_true.max() >= y_pred.shape[1]:
        raise ValueError(
            f"`y_true` labels must be in 0..{y_pred.shape[1] - 1}; got "
            f"{y_true.min()}..{y_true.max()}"
        )
    return -_log_probabilities(y_pred, from_logits)[np.arange(len(y_true)), y_true]


def _log_probabilities(y_pred, from_logits):
    """log p from logits (stable), or from probabilities as Keras does: renormalise, clip, log."""
    if from_logits:
        return log_softmax(y_pred)
    p = y_pred / y_pred.sum(axis=-1, keepdims=True)
    return np.log(np.clip(p, EPSILON, 1 - EPSILON))


def max_pool2d(x, pool_size=2, strides=None, padding="valid"):
    """Max pooling of NHWC x over pool_size windows; strides default to pool_size, as in Keras."""
    return pool2d(x, pool_size, strides, padding, np.max)


def avg_pool2d(x, pool_size=2, strides=None, padding="valid"):
    """Average pooling of NHWC x; with padding='same' only real pixels count, as in Keras."""
    return pool2d(x, pool_size, strides, padding, np.mean)


def global_max_pool2d(x):
    """Largest value of each channel: x (N, H, W, C) -> (N, C)."""
    return _check_nhwc(x, "x").max(axis=(1, 2))


def global_avg_pool2d(x):
    """Mean of each channel: x (N, H, W, C) -> (N, C)."""
    return _check_nhwc(x, "x").mean(axis=(1, 2))


def pool2d(x, pool_size=2, strides=None, padding="valid", reduce=np.max):
    """Apply `reduce` (np.max, np.mean) over every pooling window of x (N, H, W, C)."""
    x, pool, strides, padding = _check_pool(x, pool_size, strides, padding, reduce)
    rows, cols = (pool_windows(x.shape[a], pool[a - 1], strides[a - 1], padding) for a in (1, 2))
    y = np.zeros(
        (x.shape[0], len(rows), len(cols), x.shape[3]), dtype=np.result_type(x, np.float32)
    )
    for i, (r0, r1) in enumerate(rows):
        for j, (c0, c1) in enumerate(cols):
            y[:, i, j, :] = reduce(x[:, r0:r1, c0:c1, :], axis=(1, 2))
    return y


def pool_windows(size, pool_size, strides, padding="valid"):
    """(start, stop) of each pooling window along one axis, clipped: padding is never pooled."""
    before = same_padding(size, pool_size, strides)[0] if _check_padding(padding) == "same" else 0
    starts = (
        i * strides - before for i in range(conv_output_size(size, pool_size, strides, padding))
    )
    return [(max(start, 0), min(start + pool_size, size)) for start in starts]


def batch_norm(x, gamma, beta, mean=None, variance=None, epsilon=1e-3):
    """Batch norm of NHWC x per channel: gamma * (x - mean) / sqrt(variance + epsilon) + beta.

    mean, variance: per-channel statistics; None (training) takes them from x over N, H and W.
    epsilon: Keras' default, 1e-3.
    """
    x, epsilon = _check_batch_norm(x, gamma, beta, mean, variance, epsilon)
    if mean is None:  # training: statistics over N, H, W, summed in float64 (float32 loses digits)
        mean, variance = (
            x.mean(axis=(0, 1, 2), dtype=np.float64),
            x.var(axis=(0, 1, 2), dtype=np.float64),
        )
    return (gamma * (x - mean) / np.sqrt(np.asarray(variance) + epsilon) + beta).astype(x.dtype)


# --- backward passes: the gradient of a loss for each operation's inputs and weights -------------
# Each takes the forward pass's inputs and `grad`, the gradient of the loss with respect to the
# operation's output (the "upstream" gradient, same shape as the output), and returns gradients
# with the shapes of the inputs. Chapter 5 checks each against tf.GradientTape and finite
# differences.


def conv2d_backward(x, kernel, grad, strides=1, padding="valid", input_gradient=True):
    """Gradients (dx, dkernel, dbias) of conv2d for upstream grad (N, out_h, out_w, C_out).

    dkernel: cross-correlation of the (padded) input with grad, summed over the batch;
    dx: the *full* convolution of grad (spread apart by the strides) with the kernel, i.e. grad
        zero-padded by the kernel size - 1 and cross-correlated with the flipped kernel;
    dbias: grad summed over N, H and W.
    input_gradient=False skips dx (None): a first layer's input is data. Each result has NumPy's
    promoted dtype of the arrays it is computed from: float32 in, float32 out.
    """
    x, kernel, _, (sh, sw), (out_h, out_w) = _conv_setup(x, kernel, None, strides, padding)
    kh, kw, c_in, c_out = kernel.shape
    grad = _check_grad(grad, (x.shape[0], out_h, out_w, c_out), "conv2d")
    windows = np.lib.stride_tricks.sliding_window_view(
        pad2d(x, (kh, kw), (sh, sw), padding), (kh, kw), axis=(1, 2)
    )
    windows = windows[:, ::sh, ::sw][:, :out_h, :out_w]  # (N, out_h, out_w, C_in, kh, kw)
    # (kh, kw, C_in, C_out)
    dkernel = np.tensordot(windows, grad, axes=([0, 1, 2], [0, 1, 2])).transpose(1, 2, 0, 3)
    dbias = grad.sum(axis=(0, 1, 2))
    if not input_gradient:
        return None, dkernel, dbias
    spread = np.zeros(
        (x.shape[0], (out_h - 1) * sh + 1, (out_w - 1) * sw + 1, c_out), dtype=grad.dtype
    )
    spread[:, ::sh, ::sw] = grad  # stride s: s - 1 zeros between upstream values
    # 'full': every partial overlap
    full = np.pad(spread, ((0, 0), (kh - 1, kh - 1), (kw - 1, kw - 1), (0, 0)))
    # flipped, C_out in, C_in out
    dx_padded = conv2d_fast(full, kernel[::-1, ::-1].transpose(0, 1, 3, 2))
    (top, bottom), (left, right) = _padding_amounts(x.shape, (kh, kw), (sh, sw), padding)
    rows, cols = x.shape[1] + top + bottom, x.shape[2] + left + right
    dx_padded = np.pad(
        dx_padded, ((0, 0), (0, rows - dx_padded.shape[1]), (0, cols - dx_padded.shape[2]), (0, 0))
    )
    # pixels no window read: 0
    return dx_padded[:, top : top + x.shape[1], left : left + x.shape[2]], dkernel, dbias


def dense_backward(x, kernel, grad):
    """Gradients (dx, dkernel, dbias) of dense for upstream grad (N, D_out): g·Wᵀ, xᵀ·g, Σ g."""
    x, kernel, _ = _check_dense(x, kernel, None)
    grad = _check_grad(grad, (x.shape[0], kernel.shape[1]), "dense")
    return grad @ kernel.T, x.T @ grad, grad.sum(axis=0)


def relu_backward(x, grad):
    """Gradient of relu at x for upstream grad (x's shape): grad where x > 0, else 0 (at 0 too).

    The result has grad's dtype.
    """
    x, grad = _check_relu_backward(x, grad)
    return grad * (x > 0)


def flatten_backward(grad, input_shape):
    """Gradient of flatten for upstream grad (N, D): grad reshaped to input_shape (N, ...)."""
    grad, input_shape = _check_flatten_backward(grad, input_shape)
    return grad.reshape(input_shape)


def softmax_crossentropy_backward(y_true, probabilities):
    """Gradient (N, C) of the batch's mean cross-entropy for the logits: (softmax - y_true) / N."""
    y_true, probabilities = _check_same_shape(
        y_true, probabilities, "probabilities", "(one-hot labels)"
    )
    return (probabilities - y_true) / y_true.shape[0]


def softmax_jacobian(probabilities):
    """Jacobian (N, C, C) of softmax at its output p (N, C).

    Entry [n, i, j] = dp_i/dz_j = p_i (δ_ij - p_j).
    """
    p = _as_array(probabilities, "probabilities", 2)
    return p[:, :, None] * (np.eye(p.shape[1], dtype=p.dtype) - p[:, None, :])


def max_pool2d_fast(x, pool_size=2, strides=None, padding="valid"):
    """max_pool2d looping over the pool_size offsets, not the output pixels: same numbers, fast."""
    xp, pool, strides, (out_h, out_w), _ = _pool_setup(
        x, pool_size, strides, padding, fill=-np.inf
    )
    return functools.reduce(
        np.maximum, (view for _, view in _pool_views(xp, pool, strides, (out_h, out_w)))
    )


def max_pool2d_backward(x, grad, pool_size=2, strides=None, padding="valid"):
    """Gradient of max_pool2d at x (N, H, W, C): each window's gradient goes to its maximum.

    Ties: to the first maximum in the window, scanning rows top to bottom and each row left to
    right, as TensorFlow's CPU kernel does. Overlapping windows add up their gradients. A NaN in a
    window makes its maximum NaN, equal to none of its inputs, so that window passes no gradient
    (0, not NaN). dx has grad's dtype.
    """
    xp, pool, strides, out_size, crop = _pool_setup(x, pool_size, strides, padding, fill=-np.inf)
    grad = _check_grad(grad, (xp.shape[0], *out_size, xp.shape[3]), "max_pool2d")
    y = max_pool2d_fast(x, pool_size, strides, padding)
    taken, dx = np.zeros(y.shape, dtype=bool), np.zeros(xp.shape, dtype=grad.dtype)
    for where, view in _pool_views(xp, pool, strides, out_size):  # offsets in row-major order
        first = (view == y) & ~taken
        taken |= first
        dx[where] += np.where(first, grad, 0)
    return dx[crop]


def avg_pool2d_backward(x, grad, pool_size=2, strides=None, padding="valid"):
    """Gradient of avg_pool2d at x (N, H, W, C): each window's gradient shared by its pixels.

    With padding='same' the padded pixels do not count, as in the forward pass. dx: grad's dtype.
    """
    xp, pool, strides, out_size, crop = _pool_setup(x, pool_size, strides, padding, fill=0)
    grad = _check_grad(grad, (xp.shape[0], *out_size, xp.shape[3]), "avg_pool2d")
    real = np.zeros(xp.shape[1:3], dtype=grad.dtype)
    real[crop[1:3]] = 1
    # (1, h, w, 1)
    count = sum(view for _, view in _pool_views(real[None, :, :, None], pool, strides, out_size))
    dx = np.zeros(xp.shape, dtype=grad.dtype)
    for where, _ in _pool_views(xp, pool, strides, out_size):
        dx[where] += grad / count
    return dx[crop]


def _pool_setup(x, pool_size, strides, padding, fill):
    """x padded with `fill` as a pooling layer pads it, and the pooling's sizes and crop back to x.

    Returns (xp, (ph, pw), (sh, sw), (out_h, out_w), crop).
    """
    x = _check_nhwc(x, "x")
    pool = _pair(pool_size, "pool_size")
    strides = pool if strides is None else _pair(strides, "strides")
    (top, bottom), (left, right) = _padding_amounts(x.shape, pool, strides, padding)
    out_size = tuple(
        conv_output_size(x.shape[a], pool[a - 1], strides[a - 1], padding) for a in (1, 2)
    )
    xp = np.pad(x, ((0, 0), (top, bottom), (left, right), (0, 0)), constant_values=fill)
    return (
        xp,
        pool,
        strides,
        out_size,
        (slice(None), slice(top, top + x.shape[1]), slice(left, left + x.shape[2])),
    )


def _pool_views(xp, pool, strides, out_size):
    """For each window offset (a, b), row-major: (index, view) of that pixel in every window."""
    (ph, pw), (sh, sw), (out_h, out_w) = pool, strides, out_size
    for a in range(ph):
        for b in range(pw):
            where = (
                slice(None),
                slice(a, a + (out_h - 1) * sh + 1, sh),
                slice(b, b + (out_w - 1) * sw + 1, sw),
            )
            yield where, xp[where]


def _padding_amounts(shape, kernel_size, strides, padding):
    """((top, bottom), (left, right)) zero padding of NHWC `shape` for a sliding window.

    The window has size kernel_size and moves by strides.
    """
    if _check_padding(padding) == "valid":
        return (0, 0), (0, 0)
    return tuple(same_padding(shape[a], kernel_size[a - 1], strides[a - 1]) for a in (1, 2))


def _check_grad(grad, expected_shape, operation):
    """The upstream gradient `grad` as a float array of `operation`'s output shape, or an error."""
    arr = np.asarray(grad)
    if not np.issubdtype(arr.dtype, np.floating):
        raise TypeError(
            f"`grad` must be a floating-point array (the gradient of a loss); got dtype "
            f"{arr.dtype}"
        )
    if arr.shape != tuple(expected_shape):
        raise ValueError(
            f"`grad` must have the shape of {operation}'s output, {tuple(expected_shape)}; "
            f"got {arr.shape}"
        )
    return arr


def _check_relu_backward(x, grad):
    """relu_backward's x (numeric, as relu takes it) and grad (float, of x's shape).

    An error names the wrong one.
    """
    x = np.asarray(x)
    if not (np.issubdtype(x.dtype, np.number) or x.dtype == bool):
        raise TypeError(f"`x` must be numeric; got dtype {x.dtype}")
    return x, _check_grad(grad, x.shape, "relu")


def edge_kernels():
    """The book's 3x3 edge detectors, name -> (3, 3) float32 array."""
    prewitt = np.array([[-1, 0, 1]] * 3, dtype=np.float32)
    sobel = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], dtype=np.float32)
    return {
        "vertical": prewitt,
        "horizontal": prewitt.T.copy(),
        "sobel_x": sobel,
        "sobel_y": sobel.T.copy(),
    }


# --- input validation -------------------------------------------------------------------


def _as_array(value, name, ndim):
    """`value` as a floating-point array with `ndim` dimensions, or an error naming `name`.

    Integer and bool inputs (e.g. uint8 pixels) are converted to floats: computed in their own
    dtype, sums of products would overflow (uint8: 40 * 40 = 1600 wraps to 64) or saturate (bool).
    """
    arr = np.asarray(value)
    if not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise TypeError(f"`{name}` must be numeric; got dtype {arr.dtype}")
    if arr.ndim != ndim:
        raise ValueError(f"`{name}` must have {ndim} dimensions; got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"`{name}` is empty (shape {arr.shape})")
    return _as_float(arr)


def _check_corr2d(x, kernel):
    """corr2d's x (H, W) and kernel (kh, kw) as float arrays, the kernel no larger than x."""
    x, kernel = _as_array(x, "x", ndim=2), _as_array(kernel, "kernel", ndim=2)
    if kernel.shape[0] > x.shape[0] or kernel.shape[1] > x.shape[1]:
        raise ValueError(
            f"corr2d: `kernel` of shape {kernel.shape} is larger than `x` of shape {x.shape}"
        )
    return x, kernel


def _check_window(input_size, kernel_size, strides, padding):
    """(n, k, s, padding) of a window moved along one axis; with 'valid' it must fit the input."""
    n, k, s = (
        check_int(v, name)
        for v, name in (
            (input_size, "input_size"),
            (kernel_size, "kernel_size"),
            (strides, "strides"),
        )
    )
    padding = _check_padding(padding)
    if padding == "valid" and k > n:
        raise ValueError(f"`kernel_size`={k} is larger than `input_size`={n} with padding='valid'")
    return n, k, s, padding


def _check_dense(x, kernel, bias):
    """dense's x (N, D_in), kernel (D_in, D_out) and bias (D_out,; None: zeros) as float arrays."""
    x, kernel = _as_array(x, "x", 2), _as_array(kernel, "kernel", 2)
    if kernel.shape[0] != x.shape[1]:
        raise ValueError(
            f"`kernel` has {kernel.shape[0]} input rows but `x` has {x.shape[1]} features; "
            "kernel shape must be (input_features, units)"
        )
    return x, kernel, _check_bias(bias, kernel.shape[1])


def _check_pool(x, pool_size, strides, padding, reduce=np.max):
    """A pooling layer's x (NHWC), pool (ph, pw), strides (sh, sw; None: the pool) and padding."""
    if not callable(reduce):
        raise TypeError(f"`reduce` must be a function such as np.max or np.mean; got {reduce!r}")
    x = _check_nhwc(x, "x")
    pool = _pair(pool_size, "pool_size")
    strides = pool if strides is None else _pair(strides, "strides")
    return x, pool, strides, _check_padding(padding)


def _check_batch_norm(x, gamma, beta, mean, variance, epsilon):
    """batch_norm's x (NHWC, float) and epsilon, after checking the per-channel arguments.

    gamma, beta (and mean, variance if given) must hold one value per channel.
    """
    x, epsilon = _as_float(x), check_number(epsilon, "epsilon", low=0)
    _check_nhwc(x, "x")
    if (mean is None) != (variance is None):
        raise ValueError(
            "pass both `mean` and `variance` (inference) or neither (training: from the batch)"
        )
    channels = x.shape[-1]
    named = (("gamma", gamma), ("beta", beta)) + (
        (("mean", mean), ("variance", variance)) if mean is not None else ()
    )
    for name, value in named:
        if np.shape(value) != (channels,):
            raise ValueError(
                f"`{name}` must hold one value per channel, shape ({channels},); "
                f"got shape {np.shape(value)}"
            )
    return x, epsilon


def _check_flatten_backward(grad, input_shape):
    """flatten_backward's grad (N, D), and input_shape (N, ...) as a tuple of grad's size."""
    input_shape = tuple(check_int(n, "input_shape") for n in input_shape)
    if len(input_shape) < 2:
        raise ValueError(
            f"`input_shape` must have a batch axis and at least one more; got {input_shape}"
        )
    return _check_grad(
        grad, (input_shape[0], int(np.prod(input_shape[1:]))), "flatten"
    ), input_shape


def _check_same_shape(y_true, second, name, hint):
    """y_true and `second` (N, C) as float arrays of one shape, or an error naming `name`."""
    y_true, second = _as_array(y_true, "y_true", 2), _as_array(second, name, 2)
    if y_true.shape != second.shape:
        raise ValueError(
            f"`y_true` {y_true.shape} and `{name}` {second.shape} must have the same shape"
            f"{hint if hint.startswith(';') else ' ' + hint}"
        )
    return y_true, second


def _as_float(x):
    """x as an array of at least float32 precision.

    float64 stays float64; integers too large for float32's 24-bit mantissa to hold exactly
    (int32, int64) become float64; bool and small integers become float32.
    """
    x = np.asarray(x)
    return x.astype(np.result_type(x, np.float32), copy=False)


def _as_logits(logits, axis):
    """logits as a float array (_as_float) with at least one class along `axis`.

    Otherwise an error naming the argument.
    """
    z = _as_float(logits)
    if z.ndim == 0:
        raise ValueError(
            f"`logits` must be an array of class scores, not a single number; got {logits!r}"
        )
    axis = check_int(
        axis, "axis", -z.ndim, z.ndim - 1, hint=f"(an axis of `logits`, shape {z.shape})"
    )
    if z.shape[axis] == 0:
        raise ValueError(
            f"`logits` must hold at least one class along axis {axis}; got shape {z.shape}"
        )
    return z


def _check_nhwc(x, name):
    """x as a 4-D NHWC array, or a ValueError that explains the layout."""
    arr = np.asarray(x)
    if arr.ndim != 4:
        raise ValueError(
            f"`{name}` must be a 4-D NHWC array (batch, height, width, channels); "
            f"got shape {arr.shape}. For one grayscale image use x[None, :, :, None]."
        )
    return _as_array(arr, name, 4)


def _check_kernel(kernel, in_channels):
    """kernel as a (kh, kw, in_channels, out_channels) array matching x's channels."""
    kernel = _as_array(kernel, "kernel", 4)
    if kernel.shape[2] != in_channels:
        raise ValueError(
            f"`kernel` has {kernel.shape[2]} input channels but `x` has {in_channels}; "
            "kernel shape must be (kernel_height, kernel_width, in_channels, out_channels)"
        )
    return kernel


def _check_bias(bias, out_channels):
    """bias as an (out_channels,) array; None means no bias."""
    if bias is None:
        return np.zeros((out_channels,), dtype=np.float32)
    bias = _as_array(bias, "bias", 1)
    if bias.shape[0] != out_channels:
        raise ValueError(
            f"`bias` must have shape ({out_channels},), one value per output channel; "
            f"got shape {bias.shape}"
        )
    return bias


def _pair(value, name):
    """An int or a pair of ints as (height, width), each positive."""
    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise ValueError(f"`{name}` must be an int or a pair (height, width); got {value!r}")
        return check_int(value[0], name), check_int(value[1], name)
    v = check_int(value, name)
    return v, v


def _check_padding(padding):
    """padding as 'valid' or 'same' (case-insensitive, as Keras accepts)."""
    if not isinstance(padding, str) or padding.lower() not in PADDINGS:
        raise ValueError(f"`padding` must be 'valid' or 'same'; got {padding!r}")
    return padding.lower()
