"""Image transforms the chapters use to probe models: NHWC batches in, same shape out."""

import warnings

import numpy as np

from utils.validation import check_int, check_number


def shift(images, dy=0, dx=0):
    """Move images (N, H, W[, C]) dy pixels down and dx pixels right; uncovered pixels become 0."""
    images = np.asarray(images)
    if images.ndim not in (3, 4):
        raise ValueError(f"`images` must be (N, H, W) or (N, H, W, C); got shape {images.shape}")
    dy, dx = (
        check_int(value, name, low=None, hint="(pixels)")
        for value, name in ((dy, "dy"), (dx, "dx"))
    )
    height, width = images.shape[1:3]
    out = np.zeros_like(images)
    if abs(dy) < height and abs(dx) < width:
        out[:, max(dy, 0) : height + min(dy, 0), max(dx, 0) : width + min(dx, 0)] = images[
            :, max(-dy, 0) : height + min(-dy, 0), max(-dx, 0) : width + min(-dx, 0)
        ]
    return out


MNIST_SIZE = 28  # MNIST's image size
MNIST_BOX = 20  # the box a digit's longer side is scaled to, as in LeCun et al. (1998)
# where MNIST puts a digit's centre of mass: pixel (14, 14) (training-set mean: 14.0, 14.01)
MNIST_CENTRE = 14.0
# an MNIST digit inks about a fifth of its pixels; over half: more likely dark ink on white paper
MOST_INK = 0.5


def render_strokes(strokes, size=112, width=9.0):
    """Draw polylines as anti-aliased ink (size, size) in [0, 1].

    Each stroke is a list of (x, y) points in [0, 1], y down.
    """
    yy, xx = np.mgrid[0:size, 0:size] + 0.5  # pixel centres
    ink = np.zeros((size, size), dtype=np.float32)
    for stroke in strokes:
        points = np.asarray(stroke, dtype=np.float64) * size
        if points.ndim != 2 or points.shape[1] != 2 or len(points) < 2:
            raise ValueError(
                f"each stroke must be a list of at least two (x, y) points; got {stroke!r}"
            )
        for (x0, y0), (x1, y1) in zip(points[:-1], points[1:]):
            distance = _distance_to_segment(xx, yy, x0, y0, x1, y1)
            ink = np.maximum(ink, np.clip(width / 2 + 0.5 - distance, 0, 1))
    return ink


def _distance_to_segment(xx, yy, x0, y0, x1, y1):
    """Distance of every pixel centre (xx, yy) to the segment from (x0, y0) to (x1, y1)."""
    dx, dy = x1 - x0, y1 - y0
    t = np.clip(((xx - x0) * dx + (yy - y0) * dy) / max(dx * dx + dy * dy, 1e-12), 0, 1)
    return np.hypot(xx - (x0 + t * dx), yy - (y0 + t * dy))


def mnist_style(image):
    """Preprocess a digit (H, W), ink bright, into a 28x28 image the MNIST way.

    Fit it in a 20x20 box and put its centre of mass at pixel (14, 14) of the 28x28.
    """
    import tensorflow as tf  # only needed here

    image = np.asarray(image, dtype=np.float32)
    if image.ndim != 2:
        raise ValueError(f"`image` must be one grayscale image (H, W); got shape {image.shape}")
    rows, cols = np.nonzero(image > 0)
    if rows.size == 0:
        raise ValueError(
            "`image` has no ink: every pixel is 0 (digits must be bright on a dark background)"
        )
    if rows.size > MOST_INK * image.size:
        warnings.warn(
            f"`image` has ink (> 0) in {rows.size / image.size:.0%} of its pixels: digits must "
            f"be bright on a "
            "dark (0) background; for dark ink on white paper pass 1 - image (pixels in [0, 1])",
            stacklevel=2,
        )
    crop = image[rows.min() : rows.max() + 1, cols.min() : cols.max() + 1]
    scale = MNIST_BOX / max(crop.shape)
    new_shape = [max(1, round(n * scale)) for n in crop.shape]
    box = tf.image.resize(crop[..., None], new_shape, method="bilinear", antialias=True).numpy()[
        ..., 0
    ]
    box = np.clip(box / box.max(), 0, 1)  # resampling softens the peak: restore full ink
    return _centre_of_mass_placement(box)


def _centre_of_mass_placement(box):
    """Place `box` in a 28x28 canvas with its centre of mass on MNIST's centre, pixel (14, 14)."""
    rows, cols = np.indices(box.shape)
    com = np.array([(rows * box).sum(), (cols * box).sum()]) / box.sum()
    # The sums' last bits differ between NumPy, TensorFlow and the draw page's JavaScript (float32
    # pixels: about 1e-6 of a pixel). A symmetric digit's offset is exactly half a pixel, where
    # those bits would pick the side; rounded to 4 decimals first, the tie is exact, and rounding
    # half to even places it the same way everywhere (except within about 1e-6 of n + 0.5 +-
    # 0.00005, far from where symmetric digits land).
    offsets = np.round(np.round(MNIST_CENTRE - com, 4))
    top, left = (int(np.clip(o, 0, MNIST_SIZE - n)) for o, n in zip(offsets, box.shape))
    canvas = np.zeros((MNIST_SIZE, MNIST_SIZE), dtype=np.float32)
    canvas[top : top + box.shape[0], left : left + box.shape[1]] = box
    return canvas


def rotate(images, degrees):
    """Rotate images (N, H, W[, C]) counter-clockwise about their centre; bilinear, 0 outside."""
    images = np.asarray(images)
    if images.ndim not in (3, 4):
        raise ValueError(f"`images` must be (N, H, W) or (N, H, W, C); got shape {images.shape}")
    degrees, (height, width) = check_number(degrees, "degrees"), images.shape[1:3]
    # rows grow downwards: a negative angle here turns the picture counter-clockwise
    angle = -np.deg2rad(degrees)
    rows, cols = np.indices((height, width), dtype=np.float64)
    y, x = rows - (height - 1) / 2, cols - (width - 1) / 2
    # each output pixel samples the input at the point that the rotation carries onto it
    src_r = np.cos(angle) * y - np.sin(angle) * x + (height - 1) / 2
    src_c = np.sin(angle) * y + np.cos(angle) * x + (width - 1) / 2
    out = _bilinear(images, src_r, src_c)
    # ints: round
    return (np.rint(out) if np.issubdtype(images.dtype, np.integer) else out).astype(images.dtype)


def _bilinear(images, src_r, src_c):
    """Sample images (N, H, W[, C]) at fractional positions (H, W), bilinearly; 0 outside."""
    r0, c0 = np.floor(src_r).astype(int), np.floor(src_c).astype(int)
    out = np.zeros(images.shape, dtype=np.float64)
    for dr, dc in ((0, 0), (0, 1), (1, 0), (1, 1)):
        r, c = r0 + dr, c0 + dc
        weight = (1 - np.abs(src_r - r)) * (1 - np.abs(src_c - c))
        inside = (r >= 0) & (r < images.shape[1]) & (c >= 0) & (c < images.shape[2])
        sample = images[:, np.clip(r, 0, images.shape[1] - 1), np.clip(c, 0, images.shape[2] - 1)]
        w = np.where(inside, weight, 0.0)
        out += sample * (w[..., None] if images.ndim == 4 else w)
    return out


def add_noise(images, sigma, seed=0):
    """Add Gaussian noise (standard deviation `sigma`) to images in [0, 1]; clip back to [0, 1]."""
    sigma = check_number(sigma, "sigma", low=0)
    images = np.asarray(images)
    if (
        not np.issubdtype(images.dtype, np.floating)
        or images.size
        and not 0 <= images.min() <= images.max() <= 1
    ):
        values = f" from {images.min()} to {images.max()}" if images.size else ""
        raise ValueError(
            f"`images` must be floating-point pixels in [0, 1], as load_mnist() gives them "
            f"(scale=True); "
            f"got {images.dtype}{values}"
        )
    noise = np.random.default_rng(seed).normal(0.0, sigma, size=images.shape)
    return np.clip(images + noise, 0.0, 1.0).astype(images.dtype)
