"""utils.metrics: small confusion matrices checked by hand."""

import numpy as np
import pytest

from utils import metrics

# three classes; one 0 taken for a 2, two 1s taken for 0s
Y_TRUE = [0, 0, 0, 1, 1, 1, 2, 2]
Y_PRED = [0, 0, 2, 0, 0, 1, 2, 2]


def test_confusion_matrix_by_hand():
    np.testing.assert_array_equal(
        metrics.confusion_matrix(Y_TRUE, Y_PRED, num_classes=3), [[2, 0, 1], [2, 1, 0], [0, 0, 2]]
    )


def test_per_class_accuracy_is_the_diagonal_over_the_rows():
    cm = metrics.confusion_matrix(Y_TRUE, Y_PRED, num_classes=3)
    np.testing.assert_allclose(metrics.per_class_accuracy(cm), [2 / 3, 1 / 3, 1.0])


def test_per_class_accuracy_of_an_absent_class_is_zero_not_nan():
    np.testing.assert_array_equal(metrics.per_class_accuracy([[1, 0], [0, 0]]), [1.0, 0.0])


def test_most_confused_lists_errors_largest_first():
    cm = metrics.confusion_matrix(Y_TRUE, Y_PRED, num_classes=3)
    assert metrics.most_confused(cm) == [(1, 0, 2), (0, 2, 1)]
    assert metrics.most_confused(cm, top=1) == [(1, 0, 2)]


@pytest.mark.parametrize(
    "y_true, y_pred, message",
    [
        ([0, 1], [0], "must have the same shape"),
        ([[0.1, 0.9]], [1], "1-D array of integer class labels"),
        ([0, 3], [0, 1], r"`y_true` must hold labels 0\.\.2"),
        ([0, 1], [0.0, 1.0], "`y_pred` must be a 1-D array of integer"),
    ],
)
def test_bad_labels_are_rejected(y_true, y_pred, message):
    with pytest.raises(ValueError, match=message):
        metrics.confusion_matrix(y_true, y_pred, num_classes=3)


@pytest.mark.parametrize("num_classes", [0, -1, 2.5, "3", True, None])
def test_num_classes_must_be_a_positive_integer(num_classes):
    with pytest.raises(ValueError, match=r"`num_classes` must be a positive integer; got "):
        metrics.confusion_matrix([0], [0], num_classes=num_classes)


def test_most_confused_with_top_larger_than_the_errors_lists_them_all():
    cm = metrics.confusion_matrix(Y_TRUE, Y_PRED, num_classes=3)
    assert metrics.most_confused(cm, top=9) == [(1, 0, 2), (0, 2, 1)]


@pytest.mark.parametrize("top", [0, -1, 1.5, None])
def test_most_confused_needs_a_positive_top_not_a_slice_bound(top):
    # top=-1 used to drop the last pair silently ([:-1]), top=0 to return nothing
    cm = metrics.confusion_matrix(Y_TRUE, Y_PRED, num_classes=3)
    with pytest.raises(ValueError, match=r"`top` must be a positive integer; got "):
        metrics.most_confused(cm, top=top)


@pytest.mark.parametrize(
    "confusion",
    [[[1, 2, 3], [4, 5, 6]], [[1, 2], [3, 4], [5, 6]], [1, 2, 3], [["a", "b"], ["c", "d"]]],
)
@pytest.mark.parametrize("function", [metrics.per_class_accuracy, metrics.most_confused])
def test_a_confusion_matrix_must_be_square(function, confusion):
    # a 2 x 3 matrix used to give per-class accuracies for 2 classes from the first two columns'
    # diagonal, silently
    with pytest.raises(
        ValueError, match=r"`confusion` must be a square matrix of counts \(classes, classes\)"
    ):
        function(confusion)


def test_t_975_matches_the_printed_tables_and_refuses_what_it_does_not_hold():
    assert metrics.t_975(1) == 12.706 and metrics.t_975(4) == 2.776 and metrics.t_975(20) == 2.086
    # the quantile falls towards the normal distribution's 1.960 as the degrees of freedom grow
    values = [metrics.t_975(dof) for dof in range(1, 21)]
    assert all(a > b for a, b in zip(values, values[1:])) and values[-1] > 1.960
    with pytest.raises(
        ValueError, match=r"`dof` must be an integer from 1 to 20 \(degrees of freedom"
    ):
        metrics.t_975(21)


def test_difference_bar_by_hand():
    # two rows of 3 runs with variance 1 each: pooled variance 1, 4 degrees of freedom
    bar = metrics.difference_bar([1.0, 2.0, 3.0], [2.0, 3.0, 4.0])
    assert bar == pytest.approx(2.776 * (2 / 3) ** 0.5)
    assert metrics.difference_bar([5.0, 5.0], [1.0, 1.0]) == 0.0  # no spread, no bar
    with pytest.raises(ValueError, match="`runs_a` and `runs_b` must each hold at least 2 runs"):
        metrics.difference_bar([1.0], [1.0, 2.0])
