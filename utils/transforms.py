"""Image transforms the chapters use to probe models: NHWC batches in, same shape out."""
import numpy as np


def shift(images, dy=0, dx=0):
    """Move images (N, H, W[, C]) dy pixels down and dx pixels right; uncovered pixels become 0."""
    images = np.asarray(images)
    if images.ndim not in (3, 4):
        raise ValueError(f"`images` must be (N, H, W) or (N, H, W, C); got shape {images.shape}")
    for name, value in (("dy", dy), ("dx", dx)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            raise ValueError(f"`{name}` must be an integer number of pixels; got {value!r}")
    height, width = images.shape[1:3]
    out = np.zeros_like(images)
    if abs(dy) < height and abs(dx) < width:
        out[:, max(dy, 0):height + min(dy, 0), max(dx, 0):width + min(dx, 0)] = \
            images[:, max(-dy, 0):height + min(-dy, 0), max(-dx, 0):width + min(-dx, 0)]
    return out
