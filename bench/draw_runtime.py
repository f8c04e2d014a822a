"""Which runtime for the page "Draw a digit": ONNX Runtime Web, or its own JavaScript forward pass?

    PYTHONPATH=/tmp/onnx ORT_WEB_DIR=.../onnxruntime-web python bench/draw_runtime.py [--runs 5]

Both run chapter 4's exported weights (_static/draw/classic_cnn.bin) in headless Chromium, served
from 127.0.0.1, each in its own page that loads only what that runtime needs. Printed for each: the
bytes it downloads, the time from navigation to its first prediction (median of --runs fresh loads,
browser cache off), the time per prediction, and how far its probabilities are from Keras' on the
first --digits MNIST test digits.

Needs, beyond requirements.txt: the `onnx` package (to write the ONNX graph; e.g.
`pip install --no-deps --target /tmp/onnx onnx` and PYTHONPATH=/tmp/onnx, as TensorFlow's protobuf
already satisfies it) and npm's `onnxruntime-web` (ORT_WEB_DIR: its folder). Measured once for #18;
the page uses the winner.
"""

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from tools import browser, export_draw_model  # noqa: E402

JS_PAGE = """<!doctype html><meta charset="utf-8"><script type="module" src="draw.mjs"></script>
<div id="done"></div>"""

ORT_PAGE = """<!doctype html><meta charset="utf-8"><script src="ort.wasm.min.js"></script>
<script>
window.cnnTestedOrt = (async () => {
  ort.env.wasm.wasmPaths = './';
  // threads need cross-origin isolation, which a static book does not have
  ort.env.wasm.numThreads = 1;
  const session = await ort.InferenceSession.create('classic_cnn.onnx');
  return async (x) => {
    const out = await session.run(
      {input: new ort.Tensor('float32', Float32Array.from(x), [1, 28, 28, 1])});
    return Array.from(out.probabilities.data);
  };
})();
</script>"""

# JavaScript run after navigation: resolves when the runtime has predicted one digit
FIRST_PREDICTION = {
    "JavaScript forward pass": """async (x) => {
        while (!window.cnnTestedDrawing) await new Promise(r => setTimeout(r, 5));
        const weights = await window.cnnTestedDrawing.loadWeights();
        window.bench = (d) => window.cnnTestedDrawing.predict(weights, d);
        window.bench(x);
        return performance.now();
    }""",
    "ONNX Runtime Web": """async (x) => {
        while (!window.cnnTestedOrt) await new Promise(r => setTimeout(r, 5));
        const predict = await window.cnnTestedOrt;
        window.bench = predict;
        await predict(x);
        return performance.now();
    }""",
}


def onnx_model(weights, path):
    """Chapter 4's model as an ONNX graph (opset 17): NHWC input, as Keras takes it."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    conv_kernel, conv_bias, hidden_kernel, hidden_bias, output_kernel, output_bias = weights
    init = [
        numpy_helper.from_array(np.ascontiguousarray(a, dtype=np.float32), name)
        for a, name in (
            (conv_kernel.transpose(3, 2, 0, 1), "conv_kernel"),
            (conv_bias, "conv_bias"),
            (hidden_kernel, "hidden_kernel"),
            (hidden_bias, "hidden_bias"),
            (output_kernel, "output_kernel"),
            (output_bias, "output_bias"),
        )
    ]
    init.append(numpy_helper.from_array(np.array([1, -1], dtype=np.int64), "flat_shape"))
    nodes = [
        helper.make_node("Transpose", ["input"], ["nchw"], perm=[0, 3, 1, 2]),
        helper.make_node(
            "Conv", ["nchw", "conv_kernel", "conv_bias"], ["conv"], kernel_shape=[3, 3]
        ),
        helper.make_node("Relu", ["conv"], ["conv_relu"]),
        helper.make_node(
            "MaxPool", ["conv_relu"], ["pooled"], kernel_shape=[2, 2], strides=[2, 2]
        ),
        helper.make_node(
            "Transpose", ["pooled"], ["pooled_nhwc"], perm=[0, 2, 3, 1]
        ),  # Keras flattens NHWC
        helper.make_node("Reshape", ["pooled_nhwc", "flat_shape"], ["flat"]),
        helper.make_node("Gemm", ["flat", "hidden_kernel", "hidden_bias"], ["hidden"]),
        helper.make_node("Relu", ["hidden"], ["hidden_relu"]),
        helper.make_node("Gemm", ["hidden_relu", "output_kernel", "output_bias"], ["logits"]),
        helper.make_node("Softmax", ["logits"], ["probabilities"], axis=1),
    ]
    graph = helper.make_graph(
        nodes,
        "classic_cnn",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 28, 28, 1])],
        [helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, [1, 10])],
        init,
    )
    # what ORT Web reads
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=9)
    onnx.checker.check_model(model)
    onnx.save(model, str(path))


def measure(chrome, url, name, digits, runs):
    """Bytes downloaded, median ms to the first prediction, ms per prediction, probabilities."""
    times, sizes = [], []
    for _ in range(runs):
        context = chrome.new_context()
        page = context.new_page()
        client = context.new_cdp_session(page)
        client.send("Network.enable")
        client.send("Network.setCacheDisabled", {"cacheDisabled": True})
        received = []
        client.on(
            "Network.loadingFinished", lambda event: received.append(event["encodedDataLength"])
        )
        page.goto(url)
        times.append(page.evaluate(FIRST_PREDICTION[name], digits[0].ravel().tolist()))
        sizes.append(sum(received))
        probabilities = page.evaluate(
            "async (xs) => { const out = []; for (const x of xs) out.push(await "
            "window.bench(x)); return out; }",
            [d.ravel().tolist() for d in digits],
        )
        per_digit = page.evaluate(
            """async (x) => { const t = performance.now();
            for (let k = 0; k < 50; k++) await window.bench(x);
            return (performance.now() - t) / 50; }""",
            digits[0].ravel().tolist(),
        )
        context.close()
    return max(sizes), statistics.median(times), per_digit, np.array(probabilities)


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--runs", type=int, default=5, help="fresh page loads per runtime (default 5)"
    )
    parser.add_argument(
        "--digits",
        type=int,
        default=200,
        help="MNIST test digits compared with Keras (default 200)",
    )
    args = parser.parse_args(argv)
    ort_dir = Path(os.environ.get("ORT_WEB_DIR", "")) / "dist"
    if not (ort_dir / "ort.wasm.min.js").is_file():
        raise SystemExit(
            "set ORT_WEB_DIR to an npm install of onnxruntime-web (its folder holds "
            "dist/ort.wasm.min.js)"
        )
    from playwright.sync_api import sync_playwright

    from utils import data, models, repro

    repro.make_reproducible(0)
    weights = export_draw_model.read_weights()[0]
    _, (x_test, _) = data.load_mnist(n_train=1000)
    digits = x_test[: args.digits].astype(np.float32)
    keras_model = models.mnist_cnn()
    keras_model.set_weights(weights)
    reference = keras_model.predict(digits, verbose=0)
    ort_version = json.loads((ort_dir.parent / "package.json").read_text())["version"]
    with tempfile.TemporaryDirectory() as site, sync_playwright() as p:
        site = Path(site)
        for name in ("draw.mjs", export_draw_model.WEIGHTS.name, export_draw_model.MANIFEST.name):
            shutil.copy(export_draw_model.OUT / name, site / name)
        for name in (
            "ort.wasm.min.js",
            "ort-wasm-simd-threaded.wasm",
            "ort-wasm-simd-threaded.mjs",
        ):
            shutil.copy(ort_dir / name, site / name)
        onnx_model(weights, site / "classic_cnn.onnx")
        (site / "js.html").write_text(JS_PAGE)
        (site / "ort.html").write_text(ORT_PAGE)
        chrome = p.chromium.launch(executable_path=browser.chromium(), args=["--no-sandbox"])
        with browser.serve(site) as url:
            print(
                f"{'runtime':36}{'downloaded':>12}{'to 1st prediction':>19}{'per digit':>11}"
                f"{'max |p - Keras|':>17}{'same class':>12}"
            )
            for name, page in (
                ("JavaScript forward pass", "js.html"),
                ("ONNX Runtime Web", "ort.html"),
            ):
                size, first, per_digit, probabilities = measure(
                    chrome, url + page, name, digits, args.runs
                )
                diff = float(np.abs(probabilities - reference).max())
                same = int((probabilities.argmax(1) == reference.argmax(1)).sum())
                label = name + (f" {ort_version}" if name.startswith("ONNX") else "")
                print(
                    f"{label:36}{size / 1e6:9.2f} MB{first:15.0f} ms{per_digit:8.2f} "
                    f"ms{diff:17.1e}"
                    f"{same:>8}/{len(digits)}"
                )
        chrome.close()
    print(
        f"(median of {args.runs} fresh loads each, browser cache off; {len(digits)} MNIST test "
        f"digits; "
        f"the book's own pages, theme and fonts, are the same for both and not counted)"
    )


if __name__ == "__main__":
    main()
