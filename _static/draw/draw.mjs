// "Draw a digit" (draw_a_digit.md): chapter 4's trained model classifies what the reader draws, in the browser.
// No library and no network beyond this folder: the weights come from classic_cnn.bin (exported by
// tools/export_draw_model.py) and the forward pass below is chapter 4's NumPy capstone, a third time.
// tests/test_draw_page.py replays recorded strokes and checks every step against Python and Keras.
// A module (.mjs), so that Jupyter Book, which adds every _static/**/*.js to every page, leaves it to this page.
(function () {
  const HERE = import.meta.url;
  const SIZE = 28, BOX = 20, CENTRE = 14;  // as utils/transforms.py: MNIST_SIZE, MNIST_BOX, MNIST_CENTRE
  const LINE_WIDTH = 9 / 112;  // stroke width as a fraction of the canvas, as chapter 4's render_strokes (9 of 112)

  // ---- preparing a drawing the MNIST way: utils.transforms.mnist_style, step by step ----------------------

  function roundHalfEven(x) {  // NumPy's and Python's round(): halves go to the even neighbour
    const r = Math.round(x);
    return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
  }

  // Weights of TensorFlow's antialiased bilinear resize (tf.image.resize(..., antialias=True), the op
  // ScaleAndTranslate with a triangle kernel) along one axis: for each output pixel, its first input pixel and
  // the weights of the input pixels from there on. f32 rounds as TensorFlow's float32 arithmetic does.
  function resizeSpans(inputSize, outputSize) {
    const f32 = Math.fround;
    const scale = f32(f32(outputSize) / f32(inputSize));
    const invScale = f32(1 / scale);
    const kernelScale = Math.max(invScale, 1);  // antialias: widen the kernel when shrinking
    const oneOverKernelScale = f32(1 / kernelScale);
    const spans = [];
    for (let x = 0; x < outputSize; x++) {
      const sample = f32(f32(x + 0.5) * invScale);
      if (sample < 0 || sample > inputSize) { spans.push({start: 0, weights: []}); continue; }
      let start = Math.ceil(f32(f32(sample - kernelScale) - 0.5));
      let end = Math.floor(f32(f32(sample + kernelScale) - 0.5));
      start = Math.min(Math.max(start, 0), inputSize - 1);
      end = Math.min(Math.max(end, 0), inputSize - 1) + 1;
      const weights = [];
      let total = 0;
      for (let source = start; source < end; source++) {
        const position = Math.abs(f32(f32(f32(source + 0.5) - sample) * oneOverKernelScale));
        const weight = position < 1 ? f32(1 - position) : 0;
        total = f32(total + weight);
        weights.push(weight);
      }
      if (total > 0) { const inv = f32(1 / total); for (let k = 0; k < weights.length; k++) weights[k] = f32(weights[k] * inv); }
      spans.push({start, weights});
    }
    return spans;
  }

  function resize(image, height, width, newHeight, newWidth) {  // (height, width) -> (newHeight, newWidth)
    const rowSpans = resizeSpans(height, newHeight), colSpans = resizeSpans(width, newWidth);
    const across = new Float64Array(height * newWidth);  // one axis, then the other: the weights are separable
    for (let r = 0; r < height; r++) {
      for (let c = 0; c < newWidth; c++) {
        const {start, weights} = colSpans[c];
        let sum = 0;
        for (let k = 0; k < weights.length; k++) sum += weights[k] * image[r * width + start + k];
        across[r * newWidth + c] = sum;
      }
    }
    const out = new Float64Array(newHeight * newWidth);
    for (let r = 0; r < newHeight; r++) {
      const {start, weights} = rowSpans[r];
      for (let c = 0; c < newWidth; c++) {
        let sum = 0;
        for (let k = 0; k < weights.length; k++) sum += weights[k] * across[(start + k) * newWidth + c];
        out[r * newWidth + c] = sum;
      }
    }
    return out;
  }

  // A drawing (height, width), ink in [0, 1], as a 28 x 28 MNIST-style input; null where there is no ink.
  function mnistStyle(ink, height, width) {
    let top = height, bottom = -1, left = width, right = -1;
    for (let r = 0; r < height; r++) {
      for (let c = 0; c < width; c++) {
        if (ink[r * width + c] > 0) {
          top = Math.min(top, r); bottom = Math.max(bottom, r); left = Math.min(left, c); right = Math.max(right, c);
        }
      }
    }
    if (bottom < 0) return null;
    const cropHeight = bottom - top + 1, cropWidth = right - left + 1;
    const crop = new Float64Array(cropHeight * cropWidth);
    for (let r = 0; r < cropHeight; r++) {
      for (let c = 0; c < cropWidth; c++) crop[r * cropWidth + c] = ink[(top + r) * width + left + c];
    }
    const scale = BOX / Math.max(cropHeight, cropWidth);  // the longer side becomes 20 pixels
    const boxHeight = Math.max(1, roundHalfEven(cropHeight * scale));
    const boxWidth = Math.max(1, roundHalfEven(cropWidth * scale));
    const box = resize(crop, cropHeight, cropWidth, boxHeight, boxWidth);
    let peak = 0;
    for (const v of box) peak = Math.max(peak, v);
    let mass = 0, rowMass = 0, colMass = 0;
    for (let r = 0; r < boxHeight; r++) {
      for (let c = 0; c < boxWidth; c++) {
        const v = Math.min(Math.max(box[r * boxWidth + c] / peak, 0), 1);  // resampling softens the peak: restore it
        box[r * boxWidth + c] = v;
        mass += v; rowMass += r * v; colMass += c * v;
      }
    }
    // the centre of mass goes to pixel (14, 14), as in MNIST, as far as the frame allows
    const y0 = Math.min(Math.max(roundHalfEven(CENTRE - rowMass / mass), 0), SIZE - boxHeight);
    const x0 = Math.min(Math.max(roundHalfEven(CENTRE - colMass / mass), 0), SIZE - boxWidth);
    const input = new Float32Array(SIZE * SIZE);
    for (let r = 0; r < boxHeight; r++) {
      for (let c = 0; c < boxWidth; c++) input[(y0 + r) * SIZE + x0 + c] = box[r * boxWidth + c];
    }
    return input;
  }

  // ---- the forward pass: chapter 4's numpy_forward, in JavaScript (NHWC, Keras' weight layouts) ----------

  function predict(weights, x) {
    const [convKernel, convBias, hiddenKernel, hiddenBias, outputKernel, outputBias] = weights;
    const filters = convBias.length, side = SIZE - 2, pooled = side / 2;  // 3x3 'valid': 28 -> 26; 2x2 pool: 13
    const conv = new Float64Array(side * side * filters);  // Conv2D(32, 3x3) + ReLU, kernel (3, 3, 1, 32)
    for (let r = 0; r < side; r++) {
      for (let c = 0; c < side; c++) {
        for (let f = 0; f < filters; f++) {
          let sum = convBias[f];
          for (let i = 0; i < 3; i++) {
            for (let j = 0; j < 3; j++) sum += x[(r + i) * SIZE + c + j] * convKernel[(i * 3 + j) * filters + f];
          }
          conv[(r * side + c) * filters + f] = Math.max(sum, 0);
        }
      }
    }
    const flat = new Float64Array(pooled * pooled * filters);  // MaxPooling2D(2x2), then Flatten (row, column, channel)
    for (let r = 0; r < pooled; r++) {
      for (let c = 0; c < pooled; c++) {
        for (let f = 0; f < filters; f++) {
          const at = (rr, cc) => conv[((2 * r + rr) * side + 2 * c + cc) * filters + f];
          flat[(r * pooled + c) * filters + f] = Math.max(at(0, 0), at(0, 1), at(1, 0), at(1, 1));
        }
      }
    }
    const units = hiddenBias.length, classes = outputBias.length;
    const hidden = Float64Array.from(hiddenBias);  // Dense(128) + ReLU, kernel (5408, 128)
    for (let k = 0; k < flat.length; k++) {
      const v = flat[k];
      if (v !== 0) for (let u = 0; u < units; u++) hidden[u] += v * hiddenKernel[k * units + u];
    }
    const logits = Float64Array.from(outputBias);  // Dense(10), kernel (128, 10)
    for (let u = 0; u < units; u++) {
      const v = Math.max(hidden[u], 0);
      for (let d = 0; d < classes; d++) logits[d] += v * outputKernel[u * classes + d];
    }
    const top = Math.max(...logits);  // softmax, stable: subtract the largest logit first
    const exps = logits.map(z => Math.exp(z - top));
    const total = exps.reduce((a, b) => a + b, 0);
    return exps.map(e => e / total);
  }

  async function loadWeights() {
    const found = await fetch(new URL("classic_cnn.json", HERE));
    if (!found.ok) throw new Error(`classic_cnn.json: HTTP ${found.status}`);
    const manifest = await found.json();
    const response = await fetch(new URL(manifest.file, HERE));
    if (!response.ok) throw new Error(`${manifest.file}: HTTP ${response.status}`);
    const buffer = await response.arrayBuffer();
    const expected = manifest.arrays.reduce((n, a) => n + a.bytes, 0);
    if (buffer.byteLength !== expected) throw new Error(`${manifest.file}: ${buffer.byteLength} bytes, expected ${expected}`);
    const littleEndian = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;  // nearly every machine: read in place
    const view = new DataView(buffer);  // the file is little-endian float32, whatever the reader's machine
    return manifest.arrays.map(a => littleEndian ? new Float32Array(buffer, a.offset, a.bytes / 4)
      : Float32Array.from({length: a.bytes / 4}, (_, k) => view.getFloat32(a.offset + 4 * k, true)));
  }

  // ---- the page ---------------------------------------------------------------------------------------

  function start(root) {
    const canvas = root.querySelector(".draw-canvas");
    const inputCanvas = root.querySelector(".draw-input");
    const status = root.querySelector(".draw-status");
    const rows = Array.from(root.querySelectorAll(".draw-probabilities tbody tr"));
    const context = canvas.getContext("2d", {willReadFrequently: true});
    const state = {ready: false, weights: null, input: null, probabilities: null, prediction: null, updates: 0};
    window.cnnTestedDraw = state;  // what the page computed, for the tests
    let last = null, pen = null, pending = false;  // the drawing pointer's last point and its id

    function clear() {
      context.fillStyle = "#000";
      context.fillRect(0, 0, canvas.width, canvas.height);
      context.strokeStyle = context.fillStyle = "#fff";
      context.lineWidth = LINE_WIDTH * canvas.width;
      context.lineCap = context.lineJoin = "round";
    }

    function segment(from, to) {
      context.beginPath();
      context.moveTo(from.x, from.y);
      context.lineTo(to.x, to.y);
      context.stroke();
    }

    function point(event) {  // canvas pixels, whatever size the canvas is shown at (inside its border)
      const rect = canvas.getBoundingClientRect();
      return {x: (event.clientX - rect.left - canvas.clientLeft) * canvas.width / canvas.clientWidth,
              y: (event.clientY - rect.top - canvas.clientTop) * canvas.height / canvas.clientHeight};
    }

    function dot(at) {  // a tap that does not move still leaves ink
      context.beginPath();
      context.arc(at.x, at.y, context.lineWidth / 2, 0, 2 * Math.PI);
      context.fill();
    }

    function schedule() {
      if (!pending) { pending = true; requestAnimationFrame(() => { pending = false; classify(); }); }
    }

    function classify() {
      if (!state.ready) return;
      const pixels = context.getImageData(0, 0, canvas.width, canvas.height).data;
      const ink = new Float64Array(canvas.width * canvas.height);
      for (let k = 0; k < ink.length; k++) ink[k] = pixels[4 * k] / 255;  // the red channel: white ink on black
      state.input = mnistStyle(ink, canvas.height, canvas.width);
      state.probabilities = state.input && predict(state.weights, state.input);
      state.prediction = state.probabilities && state.probabilities.indexOf(Math.max(...state.probabilities));
      show();
      state.updates += 1;
    }

    function show() {
      const image = inputCanvas.getContext("2d").createImageData(SIZE, SIZE);
      for (let k = 0; k < SIZE * SIZE; k++) {
        const v = state.input ? Math.round(255 * state.input[k]) : 0;
        image.data.set([v, v, v, 255], 4 * k);
      }
      inputCanvas.getContext("2d").putImageData(image, 0, 0);
      rows.forEach((row, digit) => {
        const p = state.probabilities ? state.probabilities[digit] : 0;
        row.querySelector(".draw-bar span").style.width = `${(100 * p).toFixed(1)}%`;
        row.querySelector(".draw-value").textContent = state.probabilities ? `${(100 * p).toFixed(1)} %` : "";
        row.classList.toggle("draw-predicted", digit === state.prediction);
      });
      if (last !== null) return;  // the status is a live region: announce the result when a stroke ends, not each frame
      const article = state.prediction === 8 ? "an" : "a";
      const text = state.probabilities
        ? `The model reads ${article} ${state.prediction}, with probability ${(100 * state.probabilities[state.prediction]).toFixed(1)} %.`
        : "Draw a digit from 0 to 9 in the black square.";
      if (status.textContent !== text) status.textContent = text;
    }

    function replay(strokes) {  // strokes: lists of [x, y] points in [0, 1], as chapter 4's render_strokes takes
      clear();
      for (const stroke of strokes) {
        const points = stroke.map(([x, y]) => ({x: x * canvas.width, y: y * canvas.height}));
        points.slice(1).forEach((p, k) => segment(points[k], p));
      }
      schedule();
    }

    canvas.addEventListener("pointerdown", event => {
      if (event.button !== 0 || pen !== null) return;  // one pointer draws at a time: a second finger is ignored
      pen = event.pointerId;
      canvas.setPointerCapture(event.pointerId);
      last = point(event);
      dot(last);
      schedule();
      event.preventDefault();
    });
    canvas.addEventListener("pointermove", event => {
      if (event.pointerId !== pen) return;
      const next = point(event);
      segment(last, next);
      last = next;
      schedule();
    });
    for (const type of ["pointerup", "pointercancel"]) {
      canvas.addEventListener(type, event => {
        if (event.pointerId !== pen) return;
        last = pen = null;
        schedule();
      });
    }
    root.querySelector(".draw-clear").addEventListener("click", () => { clear(); schedule(); });
    fetch(new URL("examples.json", HERE)).then(r => {
      if (!r.ok) throw new Error(`examples.json: HTTP ${r.status}`);
      return r.json();
    }).then(examples => {
      for (const button of root.querySelectorAll("[data-example]")) {
        button.addEventListener("click", () => replay(examples[button.dataset.example]));
        button.disabled = false;
      }
    }).catch(error => {
      status.textContent = `The example strokes could not be loaded: ${error.message}`;
      throw error;
    });

    clear();
    loadWeights().then(weights => {
      state.weights = weights;
      state.ready = true;
      root.classList.add("draw-ready");
      classify();
      state.readyMs = performance.now();  // milliseconds from the start of navigation to a working page
    }).catch(error => {
      status.textContent = `The model could not be loaded: ${error.message}`;
      throw error;
    });
  }

  window.cnnTestedDrawing = {mnistStyle, predict, resize, loadWeights};  // the steps themselves, for tests and bench/draw_runtime.py
  document.querySelectorAll(".draw-digit").forEach(start);
})();
