"""Evaluating a classifier: confusion matrix, per-class accuracy, the most confused pairs."""
import numpy as np

from utils.validation import check_int


def confusion_matrix(y_true, y_pred, num_classes=10):
    """Counts (num_classes, num_classes): row = true class, column = predicted class."""
    num_classes = check_int(num_classes, "num_classes")
    y_true, y_pred = _labels(y_true, "y_true", num_classes), _labels(y_pred, "y_pred", num_classes)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"`y_true` {y_true.shape} and `y_pred` {y_pred.shape} must have the same shape")
    counts = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(counts, (y_true, y_pred), 1)
    return counts


def per_class_accuracy(confusion):
    """Fraction of each true class predicted correctly: the diagonal over the row sums."""
    confusion = _square(confusion)
    return np.diag(confusion) / np.maximum(confusion.sum(axis=1), 1)


def most_confused(confusion, top=5):
    """The `top` off-diagonal cells as (true class, predicted class, count), largest count first."""
    confusion, top = _square(confusion), check_int(top, "top")
    errors = [(int(t), int(p), int(confusion[t, p])) for t, p in np.argwhere(confusion > 0) if t != p]
    return sorted(errors, key=lambda e: (-e[2], e[0], e[1]))[:top]


def _square(confusion):
    """confusion as a square 2-D array (true classes x predicted classes), or an error naming it."""
    confusion = np.asarray(confusion)
    if confusion.ndim != 2 or confusion.shape[0] != confusion.shape[1] or not np.issubdtype(confusion.dtype, np.number):
        raise ValueError(f"`confusion` must be a square matrix of counts (classes, classes), as confusion_matrix() "
                         f"returns; got {confusion.dtype} of shape {confusion.shape}")
    return confusion


def _labels(values, name, num_classes):
    """values as a 1-D integer array of class indices 0..num_classes-1."""
    values = np.asarray(values)
    if values.ndim != 1 or not np.issubdtype(values.dtype, np.integer):
        raise ValueError(f"`{name}` must be a 1-D array of integer class labels; got {values.dtype} of shape "
                         f"{values.shape} (use argmax(axis=1) on probabilities or one-hot rows)")
    if values.size and (values.min() < 0 or values.max() >= num_classes):
        raise ValueError(f"`{name}` must hold labels 0..{num_classes - 1}; found {values.min()}..{values.max()}")
    return values
