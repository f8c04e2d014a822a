"""Looking inside a trained classifier: saliency, occlusion sensitivity, and PCA of its representations."""
import numpy as np
import tensorflow as tf

from utils.validation import check_int


def saliency(model, images, labels):
    """|d p(label) / d pixel| of a softmax classifier: images (N, H, W, C) -> (N, H, W), max over channels."""
    x = tf.convert_to_tensor(np.asarray(images, dtype=np.float32))
    labels = np.asarray(labels)
    if labels.shape != (x.shape[0],):
        raise ValueError(f"`labels` must hold one class per image, shape ({x.shape[0]},); got {labels.shape}")
    with tf.GradientTape() as tape:
        tape.watch(x)
        chosen = tf.gather(model(x, training=False), labels, axis=1, batch_dims=1)
    return np.abs(tape.gradient(chosen, x).numpy()).max(axis=-1)


def occlusion(model, image, label, patch=4, stride=2, fill=0.0):
    """Drop of p(label) when a patch x patch square of image (H, W, C) is set to `fill`, at every position."""
    image = np.asarray(image, dtype=np.float32)
    if image.ndim != 3:
        raise ValueError(f"`image` must be one image (H, W, C); got shape {image.shape}")
    patch, stride = check_int(patch, "patch", 1, min(image.shape[:2])), check_int(stride, "stride")
    rows = range(0, image.shape[0] - patch + 1, stride)
    cols = range(0, image.shape[1] - patch + 1, stride)
    batch = np.repeat(image[None], len(rows) * len(cols) + 1, axis=0)  # the last copy stays intact
    for k, (r, c) in enumerate((r, c) for r in rows for c in cols):
        batch[k, r:r + patch, c:c + patch, :] = fill
    p = model.predict(batch, batch_size=len(batch), verbose=0)[:, label]
    return (p[-1] - p[:-1]).reshape(len(rows), len(cols))


def pca(x, n_components=2):
    """Rows of x (N, D) projected on their top principal components: ((N, n_components), explained ratios)."""
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 2 or not 1 <= n_components <= min(x.shape):
        raise ValueError(f"`x` must be (N, D) with `n_components` from 1 to min(N, D); "
                         f"got shape {x.shape} and n_components={n_components!r}")
    centred = x - x.mean(axis=0)
    _, s, vt = np.linalg.svd(centred, full_matrices=False)
    vt = vt * np.sign(vt[np.arange(len(vt)), np.abs(vt).argmax(axis=1)])[:, None]  # a fixed sign per axis
    return centred @ vt[:n_components].T, (s ** 2 / (s ** 2).sum())[:n_components]
