"""Optimizers from scratch with Keras' update rules: step for step equal to keras.optimizers'.

Each optimizer updates a list of NumPy weight arrays in place from a list of gradients of the same
shapes, computing in the weights' dtype (float32 for the book's models), in the order Keras
computes. An optimizer belongs to the weights of its first step: its state (velocities, m and v) is
kept per weight, so it refuses a list of other shapes or dtypes later.
"""

import numpy as np

from utils.validation import check_int, check_number


class _Optimizer:
    """What SGD and Adam share: the checks of each step's weights and gradients."""

    created_for = None  # [(shape, dtype)] of the weights of the first step

    def _check(self, weights, gradients):
        """Lists of matching float arrays, with the same shapes and dtypes as at the first step."""
        _check_pairs(weights, gradients)
        spec = [(w.shape, w.dtype) for w in weights]
        if self.created_for is None:
            self.created_for = spec
        elif spec != self.created_for:
            raise ValueError(
                f"this optimizer was created for {_describe(self.created_for)}; got "
                f"{_describe(spec)}: "
                "its state is kept per weight, so create a new optimizer for other weights"
            )


class SGD(_Optimizer):
    """keras.optimizers.SGD: w -= learning_rate * g.

    With momentum: v = momentum * v - learning_rate * g; w += v.
    """

    def __init__(self, learning_rate=0.01, momentum=0.0):
        self.learning_rate = check_number(
            learning_rate, "learning_rate", low=0, low_inclusive=False
        )
        self.momentum = check_number(momentum, "momentum", low=0, high=1, high_inclusive=True)
        self.velocities, self.iterations = None, 0

    def apply(self, weights, gradients):
        """Update `weights` (list of arrays) in place with one step along `gradients`."""
        self._check(weights, gradients)
        if self.momentum and self.velocities is None:
            self.velocities = [np.zeros_like(w) for w in weights]
        for k, (w, g) in enumerate(zip(weights, gradients)):
            lr, g = w.dtype.type(self.learning_rate), g.astype(w.dtype, copy=False)
            if self.momentum:
                v = self.velocities[k]
                v[...] = v * w.dtype.type(self.momentum) - g * lr
                w += v
            else:
                w -= g * lr
        self.iterations += 1


class Adam(_Optimizer):
    """keras.optimizers.Adam (Kingma & Ba 2015, with Keras' placement of epsilon):

        m = m + (g - m) * (1 - beta_1)        v = v + (g² - v) * (1 - beta_2)
        alpha = learning_rate * sqrt(1 - beta_2**t) / (1 - beta_1**t)
        w = w - m * alpha / (sqrt(v) + epsilon)

    The bias correction is folded into alpha, so epsilon is added to the uncorrected sqrt(v): the
    paper's "epsilon hat" form, which differs from adding epsilon to the corrected sqrt(v̂) in the
    first steps. Like Keras, the powers of beta_1 and beta_2 are taken of their float32 values,
    also for float64 weights.
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
        self.learning_rate = check_number(
            learning_rate, "learning_rate", low=0, low_inclusive=False
        )
        self.beta_1, self.beta_2 = (
            check_number(value, name, low=0, high=1)
            for name, value in (("beta_1", beta_1), ("beta_2", beta_2))
        )
        self.epsilon = check_number(epsilon, "epsilon", low=0, low_inclusive=False)
        self.momentums = self.velocities = None
        self.iterations = 0

    def apply(self, weights, gradients):
        """Update `weights` (list of arrays) in place with one Adam step along `gradients`."""
        # lists of matching arrays, the same weights as at the first step
        self._check(weights, gradients)
        if self.momentums is None:
            self.momentums = [np.zeros_like(w) for w in weights]
            self.velocities = [np.zeros_like(w) for w in weights]
        for w, g, m, v in zip(weights, gradients, self.momentums, self.velocities):
            f = w.dtype.type  # Keras casts every constant to the weight's dtype...
            g, t = g.astype(w.dtype, copy=False), f(self.iterations + 1)
            # ...the betas through float32
            beta_1, beta_2 = f(np.float32(self.beta_1)), f(np.float32(self.beta_2))
            alpha = f(self.learning_rate) * np.sqrt(1 - beta_2**t) / (1 - beta_1**t)
            m += (g - m) * f(1 - self.beta_1)
            v += (np.square(g) - v) * f(1 - self.beta_2)
            w -= m * alpha / (np.sqrt(v) + f(self.epsilon))
        self.iterations += 1


def _check_pairs(weights, gradients):
    """Weights and gradients: lists of the same length, float arrays of matching shapes."""
    if len(weights) != len(gradients):
        raise ValueError(
            f"got {len(weights)} `weights` but {len(gradients)} `gradients`; pass one gradient "
            f"per weight"
        )
    for k, (w, g) in enumerate(zip(weights, gradients)):
        if not isinstance(w, np.ndarray) or not np.issubdtype(w.dtype, np.floating):
            raise TypeError(
                f"`weights[{k}]` must be a floating-point NumPy array (updated in place); got "
                f"{type(w).__name__}"
                f"{' of dtype ' + str(w.dtype) if isinstance(w, np.ndarray) else ''}"
            )
        g = np.asarray(g)
        if not np.issubdtype(g.dtype, np.floating):
            raise TypeError(f"`gradients[{k}]` must be floating-point; got dtype {g.dtype}")
        if g.shape != w.shape:
            raise ValueError(
                f"`gradients[{k}]` has shape {g.shape} but `weights[{k}]` has shape {w.shape}"
            )
    check_int(len(weights), "len(weights)", hint="(an optimizer needs at least one weight)")


def _describe(spec):
    """'2 weights of shapes [(3,), (2,)] (float32)': the weights a step got, for error messages."""
    dtypes = sorted({str(dtype) for _, dtype in spec})
    plural = "s" if len(spec) != 1 else ""
    shapes = [shape for shape, _ in spec]
    return f"{len(spec)} weight{plural} of shape{plural} {shapes} ({', '.join(dtypes)})"
