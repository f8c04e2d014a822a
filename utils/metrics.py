"""Evaluating a classifier: confusion matrix, per-class accuracy, the most confused pairs."""

import numpy as np

from utils.validation import check_int


def confusion_matrix(y_true, y_pred, num_classes=10):
    """Counts (num_classes, num_classes): row = true class, column = predicted class."""
    num_classes = check_int(num_classes, "num_classes")
    y_true, y_pred = _labels(y_true, "y_true", num_classes), _labels(y_pred, "y_pred", num_classes)
    if y_true.shape != y_pred.shape:
        raise ValueError(
            f"`y_true` {y_true.shape} and `y_pred` {y_pred.shape} must have the same shape"
        )
    counts = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(counts, (y_true, y_pred), 1)
    return counts


def per_class_accuracy(confusion):
    """Fraction of each true class predicted correctly: the diagonal over the row sums."""
    confusion = _square(confusion)
    return np.diag(confusion) / np.maximum(confusion.sum(axis=1), 1)


def most_confused(confusion, top=5):
    """The `top` off-diagonal cells as (true class, predicted class, count), largest first."""
    confusion, top = _square(confusion), check_int(top, "top")
    errors = [
        (int(t), int(p), int(confusion[t, p])) for t, p in np.argwhere(confusion > 0) if t != p
    ]
    return sorted(errors, key=lambda e: (-e[2], e[0], e[1]))[:top]


def _square(confusion):
    """confusion as a square 2-D array (true classes x predicted classes) or an error naming it."""
    confusion = np.asarray(confusion)
    if (
        confusion.ndim != 2
        or confusion.shape[0] != confusion.shape[1]
        or not np.issubdtype(confusion.dtype, np.number)
    ):
        raise ValueError(
            f"`confusion` must be a square matrix of counts (classes, classes), as "
            f"confusion_matrix() "
            f"returns; got {confusion.dtype} of shape {confusion.shape}"
        )
    return confusion


def _labels(values, name, num_classes):
    """values as a 1-D integer array of class indices 0..num_classes-1."""
    values = np.asarray(values)
    if values.ndim != 1 or not np.issubdtype(values.dtype, np.integer):
        raise ValueError(
            f"`{name}` must be a 1-D array of integer class labels; got {values.dtype} of shape "
            f"{values.shape} (use argmax(axis=1) on probabilities or one-hot rows)"
        )
    if values.size and (values.min() < 0 or values.max() >= num_classes):
        raise ValueError(
            f"`{name}` must hold labels 0..{num_classes - 1}; found {values.min()}..{values.max()}"
        )
    return values


# Student's t distribution: the 97.5 % quantile by degrees of freedom (two-sided 95 % bounds)
T_975 = {
    1: 12.706,
    2: 4.303,
    3: 3.182,
    4: 2.776,
    5: 2.571,
    6: 2.447,
    7: 2.365,
    8: 2.306,
    9: 2.262,
    10: 2.228,
    11: 2.201,
    12: 2.179,
    13: 2.160,
    14: 2.145,
    15: 2.131,
    16: 2.120,
    17: 2.110,
    18: 2.101,
    19: 2.093,
    20: 2.086,
}


def t_975(dof):
    """The 97.5 % quantile of Student's t with dof (1 to 20) degrees of freedom.

    For a two-sided 95 % bound.
    """
    dof = check_int(
        dof, "dof", low=1, high=max(T_975), hint="(degrees of freedom; the table holds 1 to 20)"
    )
    return T_975[dof]


def difference_bar(runs_a, runs_b):
    """Half-width of a 95 % interval for the difference of the means of two rows of runs.

    Pooled variance, Student's t: a difference of means larger than this is unlikely to
    be seed noise alone.
    """
    runs_a, runs_b = np.asarray(runs_a, dtype=float), np.asarray(runs_b, dtype=float)
    if runs_a.ndim != 1 or runs_b.ndim != 1 or min(len(runs_a), len(runs_b)) < 2:
        raise ValueError(
            f"`runs_a` and `runs_b` must each hold at least 2 runs; got shapes {runs_a.shape} and "
            f"{runs_b.shape}"
        )
    dof = len(runs_a) + len(runs_b) - 2
    pooled = (
        (len(runs_a) - 1) * runs_a.var(ddof=1) + (len(runs_b) - 1) * runs_b.var(ddof=1)
    ) / dof
    return t_975(dof) * float(np.sqrt(pooled * (1 / len(runs_a) + 1 / len(runs_b))))
