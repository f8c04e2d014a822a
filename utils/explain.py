"""Looking inside a classifier.

Saliency, occlusion sensitivity, PCA of its representations, receptive fields.
"""

import keras
import numpy as np
import tensorflow as tf

from utils.validation import check_int


def class_scores(model, images):
    """Class scores (logits) before the model's final softmax: (N, H, W, C) -> (N, classes).

    model: a built Keras model ending in a softmax Dense layer, such as the book's models.
    """
    last = model.layers[-1]
    if (
        not isinstance(last, keras.layers.Dense)
        or last.activation is not keras.activations.softmax
    ):
        raise ValueError(
            f"the model's last layer must be Dense with a softmax activation; got "
            f"{last.__class__.__name__}"
        )
    # everything before the last layer
    features = keras.Model(model.inputs[0], model.layers[-2].output)
    return tf.matmul(features(images, training=False), last.kernel) + last.bias


def saliency(model, images, labels):
    """|d score(label) / d pixel|: images (N, H, W, C) -> (N, H, W), the largest over channels.

    The gradient is of the class score (logit), not of its probability, which saturates near 1.
    """
    x = tf.convert_to_tensor(np.asarray(images, dtype=np.float32))
    labels = np.asarray(labels)
    if labels.shape != (x.shape[0],):
        raise ValueError(
            f"`labels` must hold one class per image, shape ({x.shape[0]},); got {labels.shape}"
        )
    with tf.GradientTape() as tape:
        tape.watch(x)
        chosen = tf.gather(class_scores(model, x), labels, axis=1, batch_dims=1)
    return np.abs(tape.gradient(chosen, x).numpy()).max(axis=-1)


def occlusion(model, image, label, patch=4, stride=2, fill=0.0):
    """Drop in the logit of `label` as a patch x patch square of image (H, W, C) is set to `fill`.

    The result holds one drop per position of the square: an array (rows, cols).

    The score, like saliency's gradient, does not saturate: a confident model's probability
    stays near 1 under most occlusions (0.99996 -> 0.9999) while its score still shows how
    much evidence was lost.
    """
    image = np.asarray(image, dtype=np.float32)
    if image.ndim != 3:
        raise ValueError(f"`image` must be one image (H, W, C); got shape {image.shape}")
    patch, stride = check_int(patch, "patch", 1, min(image.shape[:2])), check_int(stride, "stride")
    rows = range(0, image.shape[0] - patch + 1, stride)
    cols = range(0, image.shape[1] - patch + 1, stride)
    batch = np.repeat(image[None], len(rows) * len(cols) + 1, axis=0)  # the last copy stays intact
    for k, (r, c) in enumerate((r, c) for r in rows for c in cols):
        batch[k, r : r + patch, c : c + patch, :] = fill
    scores = np.asarray(class_scores(model, batch))
    label = check_int(
        label,
        "label",
        0,
        scores.shape[1] - 1,
        hint=f"(one of the model's {scores.shape[1]} classes)",
    )
    return (scores[-1, label] - scores[:-1, label]).reshape(len(rows), len(cols))


def pca(x, n_components=2):
    """Rows of x (N, D) on the top principal components: ((N, n_components), explained ratios)."""
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError(f"`x` must be (N, D), one row per example; got shape {x.shape}")
    bad = ~np.isfinite(x)
    if bad.any():
        raise ValueError(
            f"`x` must be finite; it holds {bad.sum()} NaN or infinite values, the first in row "
            f"{np.argwhere(bad)[0, 0]}"
        )
    n_components = check_int(
        n_components, "n_components", 1, min(x.shape), hint="(min(N, D) of `x`)"
    )
    centred = x - x.mean(axis=0)
    _, s, vt = np.linalg.svd(centred, full_matrices=False)
    # a fixed sign per axis
    vt = vt * np.sign(vt[np.arange(len(vt)), np.abs(vt).argmax(axis=1)])[:, None]
    return centred @ vt[:n_components].T, (s**2 / (s**2).sum())[:n_components]


# layers that act on each position (or each example) alone: they do not change where an output
# looks (Sequential: augmentation)
_POINTWISE = ("Activation", "ReLU", "BatchNormalization", "Dropout", "Sequential")
_POOLING = ("MaxPooling2D", "AveragePooling2D")


def receptive_field(layers, size=28):
    """Width in pixels of the input region the centre output of `layers` depends on, measured.

    layers: Keras layers, e.g. model.layers; the stack ends at the first Flatten, Dense or global
    pooling. Each Conv2D is replaced by a 1-channel copy with an all-ones kernel and no bias or
    activation, each pooling layer by average pooling of the same window (max pooling would pass
    gradient to one input per window only); tf.GradientTape then shows which pixels of a size x
    size input reach the centre output.
    """
    stack = []
    for layer in layers:
        kind = type(layer).__name__
        if kind == "Conv2D":
            stack.append(
                keras.layers.Conv2D(
                    1,
                    layer.kernel_size,
                    strides=layer.strides,
                    padding=layer.padding,
                    dilation_rate=layer.dilation_rate,
                    kernel_initializer="ones",
                    use_bias=False,
                )
            )
        elif kind in _POOLING:
            stack.append(
                keras.layers.AveragePooling2D(
                    layer.pool_size, strides=layer.strides, padding=layer.padding
                )
            )
        elif kind in ("Flatten", "Dense") or kind.startswith("Global"):
            break
        elif kind not in _POINTWISE:
            raise ValueError(
                f"receptive_field: cannot tell where a {kind} layer looks; "
                f"it knows Conv2D, {', '.join(_POOLING)} and the pointwise {', '.join(_POINTWISE)}"
            )
    size = _check_size(size, stack)
    x = tf.Variable(tf.zeros((1, size, size, 1)))
    with tf.GradientTape() as tape:
        y = x
        for layer in stack:
            y = layer(y)
        centre = y[0, y.shape[1] // 2, y.shape[2] // 2, 0]
    columns = np.flatnonzero(np.any(tape.gradient(centre, x).numpy()[0, :, :, 0] != 0, axis=0))
    _check_inside(columns, size, stack)
    # from the first to the last column reached (dilation leaves gaps)
    return int(columns[-1] - columns[0] + 1)


def _check_size(size, stack):
    """`size` as an int that leaves every layer of the stack an output pixel, else an error."""
    size = check_int(size, "size")
    shape = (1, size, size, 1)
    for layer in stack:
        try:
            shape = layer.compute_output_shape(shape)
        except ValueError:  # Keras: "Computed output size would be zero or negative"
            shape = (1, 0, 0, 1)
        if min(shape[1:3]) < 1:
            raise ValueError(
                f"`size`={size} is too small for these layers: a {type(layer).__name__} is left "
                f"no output "
                "pixel; pass a larger size"
            )
    return size


def _check_inside(columns, size, stack):
    """An error if a field measured through padding='same' reaches the input's border.

    There the padding may cut the field off. With padding='valid' every window lies inside the
    input, so a field that fits is whole.
    """
    padded = any(getattr(layer, "padding", "valid") == "same" for layer in stack)
    if padded and (columns[0] == 0 or columns[-1] == size - 1):
        raise ValueError(
            f"`size`={size} is too small: the receptive field reaches the border of the input, "
            f"where "
            f"padding='same' may cut it off (measured {columns[-1] - columns[0] + 1} pixels); "
            "pass a larger size"
        )


def receptive_field_formula(kernel_sizes, strides):
    """r = 1 + sum over layers l of (k_l - 1) * (product of the strides of the layers before l)."""
    r, jump = 1, 1
    for k, s in zip(kernel_sizes, strides, strict=True):
        r, jump = r + (k - 1) * jump, jump * s
    return r
