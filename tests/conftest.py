"""Shared set-up of the unit tests."""
from utils import repro

# Pin TensorFlow's thread pools before any test runs an op, as every chapter does.
repro.make_reproducible(0)
