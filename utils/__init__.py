"""Shared, tested helpers of the book *Convolutional Neural Networks, Tested*.

Import the modules explicitly, e.g. ``from utils import ops``.
"""

import hashlib as _hashlib
from pathlib import Path as _Path


def source_digest():
    """SHA-256 of every module of this package as it is now (subpackages included)."""
    package = _Path(__file__).resolve().parent
    digest = _hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        digest.update(str(path.relative_to(package)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


# Taken when the package is imported, before any of its modules runs: the key of utils.cache uses
# it.
SOURCE_AT_IMPORT = source_digest()
