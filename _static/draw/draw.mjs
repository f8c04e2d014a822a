// "Draw a digit" (draw_a_digit.md): chapter 4's trained model classifies what the reader draws, in the browser,
// and shows every layer's activations as it does. No library and no network beyond this folder: the weights come
// from classic_cnn.bin (exported by tools/export_draw_model.py) and the forward pass below is chapter 4's NumPy
// capstone, a third time. tests/test_draw_page.py draws recorded strokes and checks every step against Python
// (utils.transforms) and every layer against Keras.
// A module (.mjs), so that Jupyter Book, which adds every _static/**/*.js to every page, leaves it to this page.
(function () {
  const HERE = import.meta.url;
  const SIZE = 28, BOX = 20, CENTRE = 14;  // as utils/transforms.py: MNIST_SIZE, MNIST_BOX, MNIST_CENTRE
  // The model's input is rasterized from the stroke points, never read back from the visible canvas (browsers
  // that protect privacy add noise to read-back): a RASTER x RASTER image of ink, as chapter 4's
  // transforms.render_strokes(strokes, size=RASTER, width=PEN) draws it. PEN: chapter 4's 9 pixels of 112.
  const RASTER = 280, PEN = RASTER * 9 / 112;
  // The page's words in its edition's language: _ext/editions.py writes _static/draw/messages.json into the page
  // (id draw-messages), translated from the page's catalog in the Korean edition. say("map", {f: 3}) -> "map 3".
  const MESSAGES = JSON.parse(document.getElementById("draw-messages")?.textContent || "{}");
  function say(key, values = {}) {
    if (!(key in MESSAGES)) throw new Error(`the page has no message ${key} (see _static/draw/messages.json)`);
    return MESSAGES[key].replace(/\{(\w+)\}/g, (match, name) => name in values ? String(values[name]) : match);
  }

  // ---- drawing strokes as ink: utils.transforms.render_strokes, segment by segment ------------------------

  // Ink of one segment (points in raster pixels) into `ink` (RASTER x RASTER, float32), keeping the larger value
  // at each pixel: clip(PEN / 2 + 0.5 - distance of the pixel's centre to the segment, 0, 1). Only the pixels
  // the segment can reach are visited; the maximum does not depend on the order of the segments.
  function inkSegment(ink, x0, y0, x1, y1) {
    const reach = PEN / 2 + 0.5, dx = x1 - x0, dy = y1 - y0, length2 = Math.max(dx * dx + dy * dy, 1e-12);
    const rowFirst = Math.max(0, Math.floor(Math.min(y0, y1) - reach - 1));
    const rowLast = Math.min(RASTER - 1, Math.ceil(Math.max(y0, y1) + reach + 1));
    const colFirst = Math.max(0, Math.floor(Math.min(x0, x1) - reach - 1));
    const colLast = Math.min(RASTER - 1, Math.ceil(Math.max(x0, x1) + reach + 1));
    for (let r = rowFirst; r <= rowLast; r++) {
      const yy = r + 0.5;
      for (let c = colFirst; c <= colLast; c++) {
        const xx = c + 0.5;
        const t = Math.min(Math.max(((xx - x0) * dx + (yy - y0) * dy) / length2, 0), 1);
        const ex = xx - (x0 + t * dx), ey = yy - (y0 + t * dy);
        const value = Math.min(Math.max(reach - Math.sqrt(ex * ex + ey * ey), 0), 1);
        if (value > ink[r * RASTER + c]) ink[r * RASTER + c] = value;
      }
    }
  }

  // Strokes, each a list of [x, y] points in [0, 1] (y down), as ink (RASTER x RASTER) in [0, 1].
  function renderStrokes(strokes) {
    const ink = new Float32Array(RASTER * RASTER);
    for (const stroke of strokes) {
      for (let k = 1; k < stroke.length; k++) {
        const [x0, y0] = stroke[k - 1], [x1, y1] = stroke[k];
        inkSegment(ink, x0 * RASTER, y0 * RASTER, x1 * RASTER, y1 * RASTER);
      }
    }
    return ink;
  }

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
    // the centre of mass goes to pixel (14, 14), as in MNIST, as far as the frame allows; the offset is rounded to
    // 4 decimals first, so that a symmetric digit's tie (half a pixel) is exact and goes the way Python's goes
    // (they can differ only within about 1e-6 pixel of n + 0.5 ± 0.00005)
    const offset = centre => roundHalfEven(roundHalfEven((CENTRE - centre) * 1e4) / 1e4);
    const y0 = Math.min(Math.max(offset(rowMass / mass), 0), SIZE - boxHeight);
    const x0 = Math.min(Math.max(offset(colMass / mass), 0), SIZE - boxWidth);
    const input = new Float32Array(SIZE * SIZE);
    for (let r = 0; r < boxHeight; r++) {
      for (let c = 0; c < boxWidth; c++) input[(y0 + r) * SIZE + x0 + c] = box[r * boxWidth + c];
    }
    return input;
  }

  // ---- the forward pass: chapter 4's numpy_forward, in JavaScript (NHWC, Keras' weight layouts) ----------

  // Every layer's output for one input (28 x 28): conv (26 x 26 x 32, after its ReLU), pooled (13 x 13 x 32),
  // hidden (128, after its ReLU), logits (10) and probabilities (10), each a flat array in NHWC order.
  function forward(weights, x) {
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
    for (let u = 0; u < units; u++) hidden[u] = Math.max(hidden[u], 0);
    const logits = Float64Array.from(outputBias);  // Dense(10), kernel (128, 10): the scores before the softmax
    for (let u = 0; u < units; u++) {
      for (let d = 0; d < classes; d++) logits[d] += hidden[u] * outputKernel[u * classes + d];
    }
    const top = Math.max(...logits);  // softmax, stable: subtract the largest logit first
    const exps = logits.map(z => Math.exp(z - top));
    const total = exps.reduce((a, b) => a + b, 0);
    return {conv, pooled: flat, hidden, logits, probabilities: exps.map(e => e / total)};
  }

  function predict(weights, x) {  // the ten probabilities only
    return forward(weights, x).probabilities;
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

  // ---- colour maps: the book's, as utils/plots.py draws them with matplotlib -------------------------------

  // matplotlib's lookup table of a linear segmented colour map (256 entries) from its equally spaced colours,
  // and its lookup: value in [0, 1] -> entry min(floor(256 value), 255).
  function colourMap(stops) {
    const table = [];
    for (let k = 0; k < 256; k++) {
      const at = k / 255 * (stops.length - 1), low = Math.min(Math.floor(at), stops.length - 2), w = at - low;
      table.push(stops[low].map((v, channel) => Math.round(v + w * (stops[low + 1][channel] - v))));
    }
    return value => table[Math.min(Math.max(Math.floor(value * 256), 0), 255)];
  }
  const COLOUR_MAPS = {
    image: colourMap([[255, 255, 255], [0, 0, 0]]),  // 'gray_r': digits and activations, 0 white, high black
    signed: colourMap([[5, 48, 97], [33, 102, 172], [67, 147, 195], [146, 197, 222], [209, 229, 240],
      [247, 247, 247], [253, 219, 199], [244, 165, 130], [214, 96, 77], [178, 24, 43], [103, 0, 31]]),  // 'RdBu_r'
  };
  const css = ([r, g, b]) => `rgb(${r}, ${g}, ${b})`;
  const GRADIENTS = Object.fromEntries(Object.entries(COLOUR_MAPS).map(([name, map]) =>
    [name, `linear-gradient(to right, ${[0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1].map(v => css(map(v))).join(", ")})`]));

  // A map (height x width) of non-negative values as an image, on the scale 0 .. `top`.
  function paint(canvas, values, top, pick = k => values[k]) {
    const context = canvas.getContext("2d"), image = context.createImageData(canvas.width, canvas.height);
    for (let k = 0; k < canvas.width * canvas.height; k++) {
      image.data.set([...COLOUR_MAPS.image(top > 0 ? pick(k) / top : 0), 255], 4 * k);
    }
    context.putImageData(image, 0, 0);
  }

  // Black or white text, whichever contrasts more with a background colour (WCAG's relative luminance): at
  // least 4.58 to 1 on any colour.
  function textColour(rgb) {
    const [r, g, b] = rgb.map(v => v / 255).map(v => v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
    const luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b;
    return (luminance + 0.05) / 0.05 >= 1.05 / (luminance + 0.05) ? "#000" : "#fff";
  }

  // A table cell coloured by its value (with the map `name`, value already scaled to [0, 1]), its value written in it.
  function colourCell(cell, name, scaled, text) {
    const rgb = COLOUR_MAPS[name](scaled);
    cell.style.background = css(rgb);
    cell.style.color = textColour(rgb);
    cell.textContent = text;
  }

  // A signed value on the scale -limit .. limit, as plots.show_kernel draws kernels.
  function signedCell(cell, value, limit, digits = 2) {
    colourCell(cell, "signed", limit > 0 ? 0.5 + value / (2 * limit) : 0.5, formatNumber(value, digits));
  }

  const SUPERSCRIPTS = {"-": "\u207b", 0: "\u2070", 1: "\u00b9", 2: "\u00b2", 3: "\u00b3", 4: "\u2074", 5: "\u2075",
    6: "\u2076", 7: "\u2077", 8: "\u2078", 9: "\u2079"};
  function scientific(value) {  // 3 significant digits below a million; from there on 2, as 6.8 × 10⁶
    if (!Number.isFinite(value)) return say("more_than", {value: "10³⁰⁸"});
    if (value < 1e6) return Number(value.toPrecision(3)).toLocaleString("en-US");
    const [mantissa, exponent] = value.toExponential(1).split("e+");
    return `${mantissa} × 10${[...exponent].map(c => SUPERSCRIPTS[c]).join("")}`;
  }
  const formatNumber = (value, digits = 2) => value.toFixed(digits).replace("-", "\u2212").replace(/^\u2212(0\.0*)$/, "$1");

  // ---- the page ---------------------------------------------------------------------------------------

  const FILTERS = 32, SIDE = SIZE - 2, POOLED = SIDE / 2, UNITS = 128, CLASSES = 10, COLUMNS = 16;

  // The strongest value of each channel of a map (side x side x channels): [{channel, value, row, column}],
  // strongest first (ties: the lower channel; within a map, the first position in row-major order, as np.argmax).
  function strongest(values, side, channels) {
    const found = Array.from({length: channels}, (_, f) => ({channel: f, value: -Infinity, row: 0, column: 0}));
    for (let k = 0; k < side * side; k++) {
      for (let f = 0; f < channels; f++) {
        const v = values[k * channels + f];
        if (v > found[f].value) Object.assign(found[f], {value: v, row: Math.floor(k / side), column: k % side});
      }
    }
    return found.sort((a, b) => b.value - a.value || a.channel - b.channel);
  }

  function start(root) {
    const $ = selector => root.querySelector(selector);
    const canvas = $(".draw-canvas"), inputCanvas = $(".draw-input"), status = $(".draw-status");
    const rows = Array.from(root.querySelectorAll(".draw-probabilities tbody tr"));
    const context = canvas.getContext("2d");
    const state = {ready: false, weights: null, strokes: [], input: null, layers: null, probabilities: null,
                   prediction: null, chosen: null, selected: null, detail: null, updates: 0, updateMs: []};
    window.cnnTestedDraw = state;  // what the page computed, for the tests
    let ink = new Float32Array(RASTER * RASTER);  // the model's drawing, from the stroke points (renderStrokes)
    let queued = [];  // segments drawn but not yet inked: [x0, y0, x1, y1] in raster pixels
    let last = null, pen = null, pending = false;  // the drawing pointer's last point (in [0, 1]) and its id

    // The visible canvas: sharp on high-DPI screens (its bitmap has the screen's pixels), drawn in raster units,
    // and drawn again when the pixel density changes (zoom, another screen: a resize, or a change of the media query).
    let scale = 1, density = 0;
    function fitCanvas() {
      if ((window.devicePixelRatio || 1) === density) return;
      density = window.devicePixelRatio || 1;
      scale = Math.round(RASTER * density) / RASTER;
      canvas.width = canvas.height = Math.round(RASTER * scale);
      clearCanvas();
      for (const stroke of state.strokes) stroke.slice(1).forEach((p, k) => drawSegment(stroke[k], p));
      const query = matchMedia(`(resolution: ${density}dppx)`);
      if (query.addEventListener) query.addEventListener("change", fitCanvas, {once: true});
      else if (query.addListener) query.addListener(fitCanvas);  // Safari before 14
    }
    window.addEventListener("resize", fitCanvas);

    function clearCanvas() {
      context.setTransform(1, 0, 0, 1, 0, 0);
      context.fillStyle = "#000";
      context.fillRect(0, 0, canvas.width, canvas.height);
      context.setTransform(scale, 0, 0, scale, 0, 0);
      context.strokeStyle = context.fillStyle = "#fff";
      context.lineWidth = PEN;
      context.lineCap = context.lineJoin = "round";
    }

    function drawSegment(from, to) {  // on the visible canvas; points in [0, 1]
      context.beginPath();
      context.moveTo(from[0] * RASTER, from[1] * RASTER);
      context.lineTo(to[0] * RASTER, to[1] * RASTER);
      context.stroke();
    }

    function segment(from, to) {  // drawn now, inked at the next update
      drawSegment(from, to);
      queued.push([from[0] * RASTER, from[1] * RASTER, to[0] * RASTER, to[1] * RASTER]);
    }

    function point(event) {  // [x, y] in [0, 1], whatever size the canvas is shown at (inside its border)
      const rect = canvas.getBoundingClientRect(), style = getComputedStyle(canvas), px = name => parseFloat(style[name]);
      const left = px("borderLeftWidth"), top = px("borderTopWidth");
      return [(event.clientX - rect.left - left) / (rect.width - left - px("borderRightWidth")),
              (event.clientY - rect.top - top) / (rect.height - top - px("borderBottomWidth"))];
    }

    function clear() {  // also goes back to showing the map that responds most
      clearCanvas();
      state.strokes = [];
      state.chosen = null;
      ink = new Float32Array(RASTER * RASTER);
      queued = [];
      last = pen = null;
    }

    function schedule() {
      if (!pending) { pending = true; requestAnimationFrame(() => { pending = false; classify(); }); }
    }

    function classify() {
      if (!state.ready) return;
      const started = performance.now();
      for (const [x0, y0, x1, y1] of queued) inkSegment(ink, x0, y0, x1, y1);
      queued = [];
      state.input = mnistStyle(ink, RASTER, RASTER);
      state.layers = state.input && forward(state.weights, state.input);
      state.probabilities = state.layers && state.layers.probabilities;
      state.prediction = state.probabilities && state.probabilities.indexOf(Math.max(...state.probabilities));
      show();
      state.updates += 1;
      state.updateMs.push(performance.now() - started);  // inking, preparing, the forward pass and the panel
      if (state.updateMs.length > 2000) state.updateMs.splice(0, 1000);
    }

    // ---- showing the results: the input, every layer, the probabilities --------------------------------

    const panel = {
      conv: buildMaps($(".draw-conv"), SIDE, "conv"), pooled: buildMaps($(".draw-pooled"), POOLED, "pooled"),
      hidden: $(".draw-hidden"), logits: Array.from(root.querySelectorAll(".draw-probabilities .draw-logit")),
    };

    function buildMaps(group, side, name) {  // FILTERS small maps, each a radio button of the group
      return Array.from({length: FILTERS}, (_, f) => {
        const tile = document.createElement("div");
        Object.assign(tile, {className: "draw-map", tabIndex: f === 0 ? 0 : -1});
        tile.setAttribute("role", "radio");
        tile.setAttribute("aria-checked", "false");
        tile.dataset.channel = f;
        tile.dataset.layer = name;
        tile.setAttribute("aria-label", say("map", {f}));
        const map = document.createElement("canvas");
        map.width = map.height = side;
        map.setAttribute("aria-hidden", "true");
        tile.append(map);
        group.append(tile);
        return tile;
      });
    }

    function colourBar(bar, low, high) {
      const map = bar.dataset.map === "signed" ? "signed" : "image";
      bar.setAttribute("role", "img");
      bar.setAttribute("aria-label", say("colour_scale", {low, high, low_colour: say(`colour_${map}_low`),
        high_colour: say(`colour_${map}_high`)}));
      bar.querySelector(".draw-gradient").style.background = GRADIENTS[bar.dataset.map];
      bar.querySelector(".draw-bar-low").textContent = low;
      bar.querySelector(".draw-bar-high").textContent = high;
    }

    function where(found) {
      return say("where", {value: formatNumber(found.value), row: found.row, column: found.column});
    }

    function showMaps(tiles, values, side, summary, bar) {
      const found = values ? strongest(values, side, FILTERS) : null;
      const top = found ? Math.max(found[0].value, 0) : 0;
      tiles.forEach((tile, f) => paint(tile.firstChild, values || [], top, k => values[k * FILTERS + f]));
      const byChannel = found ? Object.fromEntries(found.map(s => [s.channel, s])) : {};
      tiles.forEach((tile, f) => {
        const s = byChannel[f];
        tile.setAttribute("aria-label", !s ? say("map", {f}) : s.value > 0 ? say("map_strongest", {f, where: where(s)})
          : say("map_zero", {f}));
      });
      colourBar(bar, "0", formatNumber(top));
      if (!found) { summary.textContent = say("maps_empty"); return found; }
      const zero = found.filter(s => s.value <= 0).length;
      const list = found.slice(0, 3).filter(s => s.value > 0).map(s => say("maps_item", {f: s.channel, where: where(s)}));
      summary.textContent = say("maps_summary", {list: list.join(", ") || say("none"), zero, filters: FILTERS});
      return found;
    }

    function showHidden(hidden) {
      paint(panel.hidden, hidden || [], hidden ? Math.max(...hidden) : 0);
      const summary = $(".draw-hidden-summary");
      colourBar($(".draw-hidden-bar"), "0", formatNumber(hidden ? Math.max(...hidden) : 0));
      if (!hidden) {
        summary.textContent = say("hidden_empty");
      } else {
        const order = Array.from(hidden.keys()).sort((a, b) => hidden[b] - hidden[a] || a - b);
        const active = order.filter(u => hidden[u] > 0);
        const list = active.slice(0, 3).map(unit => say("hidden_item", {unit, value: formatNumber(hidden[unit])}));
        summary.textContent = say("hidden_summary", {active: active.length, units: UNITS,
          list: list.join(", ") || say("none")});
      }
      panel.hidden.setAttribute("aria-label", say("hidden_label", {columns: COLUMNS, summary: summary.textContent}));
    }

    function showLogits(logits) {
      const limit = logits ? Math.max(...logits.map(Math.abs)) : 0;
      panel.logits.forEach((cell, d) => {
        if (logits) { signedCell(cell, logits[d], limit, 1); } else { cell.textContent = ""; cell.style.background = ""; }
      });
      colourBar($(".draw-logits-bar"), formatNumber(-limit, 1), formatNumber(limit, 1));
      const summary = $(".draw-logits-summary");
      if (!logits) { summary.textContent = ""; return; }
      const order = Array.from(logits.keys()).sort((a, b) => logits[b] - logits[a] || a - b);
      const lead = logits[order[0]] - logits[order[1]];
      summary.textContent = say("logits_summary", {first: order[0], second: order[1], lead: formatNumber(lead),
        ratio: scientific(Math.exp(lead))});
    }

    // The chosen map's kernel and the 3 x 3 input pixels its strongest value reads (before the ReLU).
    function showDetail(found) {
      const f = state.chosen ?? (found ? found[0].channel : 0);
      state.selected = f;
      for (const tiles of [panel.conv, panel.pooled]) {
        tiles.forEach((tile, k) => {
          tile.setAttribute("aria-checked", String(k === f));
          tile.tabIndex = k === f ? 0 : -1;
        });
      }
      const [convKernel, convBias] = state.weights;
      const kernel = Array.from({length: 9}, (_, k) => convKernel[k * FILTERS + f]);
      const limit = Math.max(...kernel.map(Math.abs));
      root.querySelectorAll(".draw-kernel-table td").forEach((cell, k) => signedCell(cell, kernel[k], limit));
      colourBar($(".draw-kernel-bar"), formatNumber(-limit), formatNumber(limit));
      $(".draw-detail-title").textContent = say("detail_title", {f});
      const patchCells = root.querySelectorAll(".draw-patch-table td"), frame = $(".draw-receptive");
      if (!state.input) {
        state.detail = {channel: f, kernel, bias: convBias[f]};
        patchCells.forEach(cell => { cell.textContent = ""; cell.style.background = ""; });
        $(".draw-detail-sum").textContent = say("detail_empty", {bias: formatNumber(convBias[f])});
        frame.hidden = true;
        return;
      }
      let best = {value: -Infinity, row: 0, column: 0};  // the largest sum before the ReLU, first in row-major order
      for (let r = 0; r < SIDE; r++) {
        for (let c = 0; c < SIDE; c++) {
          let sum = convBias[f];
          for (let k = 0; k < 9; k++) sum += kernel[k] * state.input[(r + Math.floor(k / 3)) * SIZE + c + k % 3];
          if (sum > best.value) best = {value: sum, row: r, column: c};
        }
      }
      const patch = Array.from({length: 9}, (_, k) => state.input[(best.row + Math.floor(k / 3)) * SIZE + best.column + k % 3]);
      patchCells.forEach((cell, k) => colourCell(cell, "image", patch[k], formatNumber(patch[k])));
      // written so that the numbers add up: the products' sum as the rounded total minus the rounded bias
      const [total, bias] = [best.value, convBias[f]].map(v => Number(v.toFixed(2)));
      $(".draw-detail-sum").textContent = say(best.value > 0 ? "detail_sum_positive" : "detail_sum_zero", {
        row: best.row, column: best.column, products: formatNumber(total - bias), bias: formatNumber(bias),
        value: formatNumber(best.value)});
      Object.assign(frame.style, {top: `${100 * best.row / SIZE}%`, left: `${100 * best.column / SIZE}%`});
      frame.hidden = false;
      state.detail = {channel: f, kernel, bias: convBias[f], row: best.row, column: best.column, patch, value: best.value};
    }

    function show() {
      const image = inputCanvas.getContext("2d").createImageData(SIZE, SIZE);
      for (let k = 0; k < SIZE * SIZE; k++) image.data.set([...COLOUR_MAPS.image(state.input ? state.input[k] : 0), 255], 4 * k);
      inputCanvas.getContext("2d").putImageData(image, 0, 0);
      const layers = state.layers;
      const found = showMaps(panel.conv, layers && layers.conv, SIDE, $(".draw-conv-summary"), $(".draw-conv-bar"));
      showMaps(panel.pooled, layers && layers.pooled, POOLED, $(".draw-pooled-summary"), $(".draw-pooled-bar"));
      showHidden(layers && layers.hidden);
      showLogits(layers && layers.logits);
      showDetail(found);
      const d = state.detail;
      inputCanvas.setAttribute("aria-label", state.input
        ? say("input_label_square", {f: d.channel, row: d.row, column: d.column}) : say("input_label"));
      const strokes = state.strokes.length;
      canvas.setAttribute("aria-label", say(!strokes ? "canvas_empty" : strokes === 1 ? "canvas_one" : "canvas_many",
        {strokes}));
      rows.forEach((row, digit) => {
        const p = state.probabilities ? state.probabilities[digit] : 0;
        row.querySelector(".draw-bar span").style.width = `${(100 * p).toFixed(1)}%`;
        row.querySelector(".draw-value").textContent = state.probabilities ? `${(100 * p).toFixed(1)} %` : "";
        row.classList.toggle("draw-predicted", digit === state.prediction);
      });
      if (pen !== null) return;  // the status is a live region: announce the result when a stroke ends, not each frame
      const text = state.probabilities
        ? say(state.prediction === 8 ? "status_an" : "status_a", {digit: state.prediction,
          percent: (100 * state.probabilities[state.prediction]).toFixed(1)})
        : say("status_empty");
      if (status.textContent !== text) status.textContent = text;
    }

    function choose(f, focus) {
      state.chosen = f;
      if (state.ready) show();
      if (focus) focus.focus();
    }

    for (const [name, tiles] of [["conv", panel.conv], ["pooled", panel.pooled]]) {
      const group = $(`.draw-${name}`);
      group.addEventListener("click", event => {
        const tile = event.target.closest(".draw-map");
        if (tile) choose(Number(tile.dataset.channel), tile);
      });
      group.addEventListener("keydown", event => {  // a radio group: the arrows choose the next or previous map
        if (event.altKey || event.ctrlKey || event.metaKey) return;  // the browser's own shortcuts
        const step = {ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1}[event.key];
        const f = state.selected ?? 0;
        const next = event.key === "Home" ? 0 : event.key === "End" ? FILTERS - 1
          : step === undefined ? null : (f + step + FILTERS) % FILTERS;
        if (next === null) return;
        event.preventDefault();
        choose(next, tiles[next]);
      });
    }

    // ---- drawing ----------------------------------------------------------------------------------------

    function replay(strokes) {  // strokes: lists of [x, y] points in [0, 1], as chapter 4's render_strokes takes
      const chosen = state.chosen;  // a map chosen stays chosen, to compare digits
      clear();
      state.chosen = chosen;
      state.strokes = strokes.map(stroke => stroke.map(([x, y]) => [x, y]));
      for (const stroke of state.strokes) stroke.slice(1).forEach((p, k) => segment(stroke[k], p));
      schedule();
    }

    canvas.addEventListener("pointerdown", event => {
      if (event.button !== 0 || pen !== null) return;  // one pointer draws at a time: a second finger is ignored
      pen = event.pointerId;
      canvas.setPointerCapture(event.pointerId);
      last = point(event);
      state.strokes.push([last, last]);  // a tap that does not move still leaves a dot: a segment of length 0
      segment(last, last);
      schedule();
      event.preventDefault();
    });
    canvas.addEventListener("pointermove", event => {
      if (event.pointerId !== pen) return;
      // every point the pointer passed through, also those the browser merged into this event (one per frame)
      const merged = event.getCoalescedEvents ? event.getCoalescedEvents() : [];
      for (const each of merged.length ? merged : [event]) {
        const next = point(each);
        state.strokes[state.strokes.length - 1].push(next);
        segment(last, next);
        last = next;
      }
      schedule();
    });
    for (const type of ["pointerup", "pointercancel", "lostpointercapture"]) {  // the stroke ends, however it ends
      canvas.addEventListener(type, event => {
        if (event.pointerId !== pen) return;
        last = pen = null;
        schedule();
      });
    }
    $(".draw-clear").addEventListener("click", () => { clear(); schedule(); });

    const failed = $(".draw-error");
    function fail(what, error) {  // load errors get their own line: the status would overwrite them
      failed.textContent = `${failed.textContent} ${say("load_failed", {what, error: error.message})}`.trim();
      failed.hidden = false;
    }
    fetch(new URL("examples.json", HERE)).then(r => {
      if (!r.ok) throw new Error(`examples.json: HTTP ${r.status}`);
      return r.json();
    }).then(examples => {
      for (const button of root.querySelectorAll("[data-example]")) {
        button.addEventListener("click", () => replay(examples[button.dataset.example]));
        button.disabled = false;
      }
    }).catch(error => {
      fail(say("the_examples"), error);
      throw error;
    });

    fitCanvas();
    loadWeights().then(weights => {
      state.weights = weights;
      state.ready = true;
      root.classList.add("draw-ready");
      classify();
      state.readyMs = performance.now();  // milliseconds from the start of navigation to a working page
    }).catch(error => {
      fail(say("the_model"), error);
      if (location.protocol !== "file:") status.textContent = say("model_failed");  // keep the hint
      throw error;
    });
  }

  // the steps themselves, for tests and bench/draw_runtime.py
  window.cnnTestedDrawing = {renderStrokes, mnistStyle, forward, predict, resize, loadWeights, COLOUR_MAPS, textColour,
    RASTER, PEN};
  document.querySelectorAll(".draw-digit").forEach(start);
})();
