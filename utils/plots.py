"""The book's matplotlib style and figure helpers; each takes ax=None and returns what it drew.

One colour map per meaning, each readable by colour-blind readers: 'gray_r' for digits (ink is
dark), the diverging 'RdBu_r' for signed values such as responses and kernels (white is 0, red
positive, blue negative; use a colour bar), 'magma' for magnitudes that are never negative
(saliency), and Okabe & Ito's palette for lines.
"""

import matplotlib.pyplot as plt
import numpy as np

# Okabe & Ito's palette: distinguishable with every common colour-vision deficiency
LINE_COLORS = [
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#CC79A7",
    "#56B4E9",
    "#D55E00",
    "#F0E442",
    "#000000",
]
IMAGE_CMAP = "gray_r"
SIGNED_CMAP = "RdBu_r"
MAGNITUDE_CMAP = "magma"
STYLE = {
    "figure.figsize": (6.4, 3.6),
    "figure.dpi": 100,
    "savefig.dpi": 100,
    "font.size": 10,
    "axes.titlesize": 10,
    "axes.grid": False,
    "image.interpolation": "nearest",
    "image.cmap": IMAGE_CMAP,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.prop_cycle": plt.cycler(color=LINE_COLORS),
}


def set_style():
    """Apply the book's matplotlib style to every figure that follows."""
    plt.rcParams.update(STYLE)


def show_image(image, ax=None, title=None, cmap=None, colorbar=False, vmin=None, vmax=None):
    """Draw one image (H, W) or (H, W, 1) without ticks, a signed one on a scale centred on 0.

    vmin/vmax, if given, set the scale instead.
    """
    ax = ax if ax is not None else plt.gca()
    image = np.asarray(image)
    image = image[..., 0] if image.ndim == 3 and image.shape[-1] == 1 else image
    if image.ndim != 2:
        raise ValueError(f"`image` must be (H, W) or (H, W, 1); got shape {image.shape}")
    signed = image.min() < 0
    limit = float(np.abs(image).max()) or 1.0
    if signed and vmin is None and vmax is None:
        vmin, vmax = -limit, limit
    im = ax.imshow(
        image, cmap=cmap or (SIGNED_CMAP if signed else IMAGE_CMAP), vmin=vmin, vmax=vmax
    )
    ax.set_xticks([]), ax.set_yticks([])
    ax.spines[:].set_visible(True)  # a thin frame on all four sides, whatever the style says
    ax.spines[:].set_color("0.6")
    if title is not None:
        ax.set_title(title)
    if colorbar:
        ax.figure.colorbar(im, ax=ax, fraction=0.046, pad=0.04)
    return ax


def show_kernel(kernel, ax=None, title=None, fmt="{:g}"):
    """Draw a small 2-D kernel with its values written in each cell."""
    kernel = np.asarray(kernel)
    ax = show_image(kernel, ax=ax, title=title, cmap=SIGNED_CMAP)
    limit = float(np.abs(kernel).max()) or 1.0
    for (i, j), value in np.ndenumerate(kernel):
        # a diverging map is dark at both ends, white in the middle
        dark = abs(value) > 0.6 * limit
        ax.text(
            j, i, fmt.format(value), ha="center", va="center", color="white" if dark else "black"
        )
    return ax


def image_grid(images, titles=None, ncols=8, axes=None, cmap=None):
    """Draw images (N, H, W[, 1]) in a grid of `ncols` columns; returns the axes array."""
    images = list(images)
    if axes is None:
        nrows = -(-len(images) // ncols)
        _, axes = plt.subplots(nrows, ncols, figsize=(1.6 * ncols, 1.8 * nrows), squeeze=False)
    axes = np.asarray(axes).ravel()
    if len(axes) < len(images):
        raise ValueError(f"`axes` has {len(axes)} axes for {len(images)} images")
    for k, ax in enumerate(axes):
        if k < len(images):
            show_image(images[k], ax=ax, cmap=cmap, title=None if titles is None else titles[k])
        else:
            ax.axis("off")
    return axes


def mistakes_grid(
    images, y_true, probabilities, limit=None, ncols=10, axes=None, class_names=None
):
    """Draw the misclassified images (N, H, W[, 1]), most confident first.

    Each is titled "true → predicted (p)".
    y_true: integer labels (N,); probabilities: the model's (N, classes) output;
    limit: show at most this many.
    class_names: names for the titles, one per class (None: the class numbers).
    Returns (indices of the images shown, axes).
    """
    y_true, probabilities = np.asarray(y_true), np.asarray(probabilities)
    if probabilities.ndim != 2 or len(probabilities) != len(y_true) or len(images) != len(y_true):
        raise ValueError(
            f"`images`, `y_true` and `probabilities` must describe the same N examples, "
            f"probabilities "
            f"as (N, classes); got {len(images)} images, {y_true.shape} and {probabilities.shape}"
        )
    y_pred = probabilities.argmax(axis=1)
    wrong = np.flatnonzero(y_pred != y_true)
    confidence = probabilities[wrong, y_pred[wrong]]
    shown = wrong[np.argsort(-confidence, kind="stable")][:limit]
    if class_names is not None and len(class_names) != probabilities.shape[1]:
        raise ValueError(
            f"`class_names` must name all {probabilities.shape[1]} classes; got "
            f"{len(class_names)} names"
        )
    name = (lambda c: c) if class_names is None else (lambda c: class_names[c])
    titles = [
        f"{name(y_true[i])} → {name(y_pred[i])} ({probabilities[i, y_pred[i]]:.1%})" for i in shown
    ]
    return shown, image_grid(np.asarray(images)[shown], titles=titles, ncols=ncols, axes=axes)


def show_confusion_matrix(confusion, ax=None, class_names=None):
    """Draw a confusion matrix (rows true, columns predicted) with its counts; returns the axes."""
    confusion = np.asarray(confusion)
    ax = ax if ax is not None else plt.gca()
    # log scale: the few errors stay visible next to the diagonal
    ax.imshow(np.log1p(confusion), cmap="Blues")
    names = class_names if class_names is not None else range(len(confusion))
    ax.set_xticks(range(len(confusion)), names), ax.set_yticks(range(len(confusion)), names)
    ax.set_xlabel("predicted class"), ax.set_ylabel("true class")
    high = np.log1p(confusion.max()) / 2
    for (i, j), count in np.ndenumerate(confusion):
        if count:
            ax.text(
                j,
                i,
                str(count),
                ha="center",
                va="center",
                fontsize=7,
                color="white" if np.log1p(count) > high else "black",
            )
    return ax


def show_history(history, metric, ax=None):
    """Plot a Keras History's training and validation curves of `metric` per epoch.

    Returns the axes.
    """
    ax = ax if ax is not None else plt.gca()
    values = history.history if hasattr(history, "history") else history
    if metric not in values:
        raise ValueError(f"`metric` {metric!r} is not in the history; it has {sorted(values)}")
    epochs = range(1, len(values[metric]) + 1)
    ax.plot(epochs, values[metric], marker="o", label="training")
    if f"val_{metric}" in values:
        ax.plot(epochs, values[f"val_{metric}"], marker="s", label="validation")
    ax.set_xlabel("epoch"), ax.set_ylabel(metric), ax.legend()
    return ax


def filter_grid(kernel, ncols=8, axes=None):
    """Draw each output channel's kernel of a Conv2D kernel (kh, kw, 1, C_out) as a small image."""
    kernel = np.asarray(kernel)
    if kernel.ndim != 4 or kernel.shape[2] != 1:
        raise ValueError(f"`kernel` must be (kh, kw, 1, out_channels); got shape {kernel.shape}")
    filters = np.moveaxis(kernel[:, :, 0, :], -1, 0)
    return image_grid(
        filters,
        titles=[str(i) for i in range(len(filters))],
        ncols=ncols,
        axes=axes,
        cmap=SIGNED_CMAP,
    )


def feature_map_grid(maps, channels=None, ncols=8, axes=None, label=""):
    """Draw channels (default: all) of one example's feature maps (H, W, C) in a grid.

    Each is titled "label channel".
    """
    maps = np.asarray(maps)
    if maps.ndim != 3:
        raise ValueError(
            f"`maps` must be one example's feature maps (H, W, C); got shape {maps.shape}"
        )
    channels = range(maps.shape[-1]) if channels is None else channels
    return image_grid(
        [maps[:, :, c] for c in channels],
        titles=[f"{label} {c}".strip() for c in channels],
        ncols=ncols,
        axes=axes,
    )


def roofline(points, peak_flops, bandwidth, ax=None):
    """A roofline plot: `points` ({label: (FLOPs per byte, FLOP/s)}) under the machine's two roofs.

    peak_flops: the compute roof in FLOP/s; bandwidth: the memory roof in bytes/s.
    A kernel with arithmetic intensity I can run at most at min(peak_flops, bandwidth * I).
    Log-log axes, in GFLOP/s.
    """
    ax = ax if ax is not None else plt.gca()
    if not points:
        raise ValueError("`points` must hold at least one (intensity, FLOP/s) pair")
    if not (peak_flops > 0 and bandwidth > 0):
        raise ValueError(
            f"`peak_flops` and `bandwidth` must be positive; got {peak_flops!r} and {bandwidth!r}"
        )
    intensities = [i for i, _ in points.values()]
    if min(intensities) <= 0 or min(f for _, f in points.values()) <= 0:
        raise ValueError(f"every point needs a positive intensity and FLOP/s; got {points}")
    ridge = peak_flops / bandwidth
    x = np.geomspace(min(min(intensities), ridge) / 4, max(max(intensities), ridge) * 4, 200)
    ax.plot(x, np.minimum(peak_flops, bandwidth * x) / 1e9, color="black", linewidth=1.5)
    # below the rising roof, clear of it
    ax.annotate(
        f"memory: {bandwidth / 1e9:.0f} GB/s",
        (x[0], bandwidth * x[0] / 1e9),
        textcoords="offset points",
        xytext=(10, -4),
        va="top",
        fontsize=9,
    )
    ax.annotate(
        f"compute: {peak_flops / 1e9:.0f} GFLOP/s",
        (ridge, peak_flops / 1e9),
        textcoords="offset points",
        xytext=(4, 4),
        ha="left",
        fontsize=9,
    )
    # named in a legend: labels beside measured
    for k, (label, (intensity, flops)) in enumerate(points.items()):
        ax.plot(
            [intensity],
            [flops / 1e9],
            "o",
            color=LINE_COLORS[k % len(LINE_COLORS)],
            markersize=7,
            label=label,
        )
    ax.legend(fontsize=8, loc="lower right")  # points would overlap wherever the timings put them
    ax.set_xscale("log"), ax.set_yscale("log")
    ax.set_xlabel("arithmetic intensity (FLOPs per byte moved)"), ax.set_ylabel("GFLOP/s")
    return ax
