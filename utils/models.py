"""Keras model builders the chapters share."""
import keras
from keras import layers


def mnist_cnn(input_shape=(28, 28, 1), num_classes=10, pool_size=(2, 2), hidden_units=128):
    """The book's MNIST model: Conv2D(32, 3x3, relu) -> MaxPooling2D(2x2) -> Flatten -> Dense(128, relu) -> Dense(10, softmax).

    pool_size: the pooling window; None leaves the pooling layer out (chapter 2 compares).
    hidden_units: units of the hidden Dense layer.
    """
    pooling = [] if pool_size is None else [layers.MaxPooling2D(pool_size=pool_size)]
    return keras.Sequential([
        keras.Input(shape=input_shape),
        layers.Conv2D(32, kernel_size=(3, 3), activation="relu"),
        *pooling,
        layers.Flatten(),
        layers.Dense(hidden_units, activation="relu"),
        layers.Dense(num_classes, activation="softmax"),
    ], name="mnist_cnn")


def mlp(input_shape=(28, 28, 1), hidden_units=128, num_classes=10):
    """A dense network with the book model's head: Flatten -> Dense(128, relu) -> Dense(10, softmax)."""
    return keras.Sequential([
        keras.Input(shape=input_shape),
        layers.Flatten(),
        layers.Dense(hidden_units, activation="relu"),
        layers.Dense(num_classes, activation="softmax"),
    ], name="mlp")
