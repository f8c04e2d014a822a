"""Shared, tested helpers of the book *Convolutional Neural Networks, Tested*.

Import the modules explicitly, e.g. ``from utils import ops``.
"""
