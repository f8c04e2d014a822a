"""Export chapter 4's trained model for the page "Draw a digit" (draw_a_digit.md).

The page runs it in the browser.

    python tools/export_draw_model.py

Writes into _static/draw/:
- classic_cnn.bin: the six weight arrays, float32 little-endian, concatenated in Keras' order (the
  order of utils.numpy_cnn.SHAPES);
- classic_cnn.json: their names, shapes and offsets in the .bin, the .bin's SHA-256 and the
  libraries that trained them.

The model is the one chapter 4 trains, asked of the cache of trained models (utils.cache) with
chapter 4's own parameters (read from its `parameters` cell), so right after chapter 4 ran in the
same cache it is loaded, not trained again; tools/refresh_outputs.py runs this script whenever it
refreshes chapter 4. Chapter 4 glues the same digest (`weights_sha256`), and
tests/test_draw_page.py checks the two agree.
"""

import hashlib
import json
import os
import sys
from pathlib import Path

import numpy as np

# the repository root: `tools` and `utils`
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tools.notebooks import ROOT  # noqa: E402

CHAPTER = ROOT / "chapters" / "04_mnist_cnn.ipynb"
OUT = ROOT / "_static" / "draw"
WEIGHTS, MANIFEST = OUT / "classic_cnn.bin", OUT / "classic_cnn.json"


def chapter_parameters():
    """The defaults of chapter 4's `parameters` cell, as papermill reads them."""
    import papermill

    return {
        name: eval(spec["default"])
        for name, spec in papermill.inspect_notebook(str(CHAPTER)).items()
    }


def weights_bytes(weights):
    """The model's weights as the page reads them: float32 little-endian, array after array."""
    return b"".join(np.asarray(w, dtype="<f4").tobytes() for w in weights)


def manifest(weights, digest):
    """What the page and the tests need to read classic_cnn.bin, and where it came from."""
    from utils import machine, numpy_cnn

    offsets = np.cumsum([0] + [w.size * 4 for w in weights]).tolist()
    return {
        "model": (
            "chapter 4's classic model: Conv2D(32, 3x3, relu) -> MaxPooling2D(2x2) -> Flatten "
            "-> Dense(128, relu) -> Dense(10, softmax), trained in chapters/04_mnist_cnn.ipynb"
        ),
        "file": WEIGHTS.name,
        "dtype": "float32, little-endian",
        "sha256": digest,
        "arrays": [
            {"name": name, "shape": list(w.shape), "offset": offsets[k], "bytes": w.size * 4}
            for k, (name, w) in enumerate(zip(numpy_cnn.NAMES, weights))
        ],
        "libraries": machine.library_versions(),
    }


def read_weights():
    """The six arrays of classic_cnn.bin as the page reads them, its SHA-256, and the manifest."""
    manifest = json.loads(MANIFEST.read_text())
    payload = WEIGHTS.read_bytes()
    arrays = [
        np.frombuffer(payload, dtype="<f4", count=a["bytes"] // 4, offset=a["offset"]).reshape(
            a["shape"]
        )
        for a in manifest["arrays"]
    ]
    return arrays, hashlib.sha256(payload).hexdigest(), manifest


def main():
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    from utils import cache, data, repro, training

    p = chapter_parameters()
    # as chapter 4 does first: the cache key includes these settings
    repro.make_reproducible(p["SEED"])
    (x_train, y_train), (x_test, y_test) = data.load_mnist(n_train=p["N_TRAIN"], one_hot=True)
    arguments = dict(
        epochs=p["EPOCHS"],
        batch_size=p["BATCH_SIZE"],
        validation_data=(x_test, y_test),
        seed=p["SEED"],
    )
    folder = cache.cache_dir()
    hit = (
        folder is not None
        and (folder / cache.key(training.train_mnist_cnn, x_train, y_train, **arguments)).exists()
    )
    print(
        "chapter 4's model:",
        "loaded from the cache" if hit else "not in the cache: training it (a few minutes)",
    )
    model, _ = cache.trained(training.train_mnist_cnn, x_train, y_train, **arguments)
    weights = [w.astype(np.float32) for w in model.get_weights()]
    payload = weights_bytes(weights)
    digest = hashlib.sha256(payload).hexdigest()
    OUT.mkdir(parents=True, exist_ok=True)
    WEIGHTS.write_bytes(payload)
    MANIFEST.write_text(json.dumps(manifest(weights, digest), indent=1) + "\n")
    print(
        f"wrote {WEIGHTS.relative_to(ROOT)} ({len(payload):,} bytes, sha256 {digest[:12]}...) "
        f"and {MANIFEST.name}"
    )


if __name__ == "__main__":
    main()
