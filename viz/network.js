// The network studio's page: a layered model at neuron level, every number recomputed here by NET
// (generated from the model and the op table, equal to the engine) from per-epoch checkpoints.
// A frame is (run, epoch, row, step): step 0 is the row's forward pass, steps 1…M its backward pass
// one neuron at a time in backward()'s order (output first), step M + 1 the update.
(function () {
  "use strict";
  const D = JSON.parse(document.getElementById("network-data").textContent);
  const $ = (id) => document.getElementById(id);
  const SVGNS = "http://www.w3.org/2000/svg";
  const SIZES = D.sizes, L = SIZES.length - 1, P = NET.parameters, N = D.nRows, F = SIZES[0];
  const POS = [8, 119, 189], NEG = [245, 147, 34]; // Playground's blue (> 0) and orange (< 0)

  function floats(text) {
    const bytes = atob(text), u = new Uint8Array(bytes.length);
    for (let i = 0; i < bytes.length; i++) u[i] = bytes.charCodeAt(i);
    return new Float64Array(u.buffer);
  }
  const X = floats(D.x), Y = floats(D.y);
  const rowX = (r) => X.subarray(r * F, r * F + F);

  // Where each neuron's parameters start: weights o … o + k − 1, then its bias at o + k.
  const OFFSET = [];
  { let o = 0; for (let l = 0; l < L; l++) { OFFSET.push(o); o += SIZES[l + 1] * (SIZES[l] + 1); } }
  const paramAt = (l, j) => OFFSET[l] + j * (SIZES[l] + 1);
  // backward()'s order: the output first, then each layer's neurons last to first.
  const ORDER = [];
  for (let l = L - 1; l >= 0; l--) for (let j = SIZES[l + 1] - 1; j >= 0; j--) ORDER.push([l, j]);
  const UPDATE = ORDER.length + 1;
  const stepOf = (l, j) => 1 + ORDER.findIndex(([a, b]) => a === l && b === j);
  // per weight layer: 1 up to 16 neurons a side, less for wider ones (their lines are drawn thinner)
  const DENSITY = Array.from({ length: L }, (_, l) => Math.min(1, 16 / Math.max(SIZES[l], SIZES[l + 1])));

  // --- numbers -----------------------------------------------------------------------------
  const fmt = (v) => {
    if (typeof v !== "number") return String(v);
    if (!isFinite(v)) return String(v);
    if (v === 0) return "0";
    const a = Math.abs(v);
    if (a >= 1e5 || a < 1e-3) return v.toExponential(3).replace("e+", "e");
    return String(Number(v.toPrecision(4)));
  };
  const plural = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;
  const sign = (v) => (v > 0 ? "pos" : v < 0 ? "neg" : "");
  const paren = (v) => (v < 0 ? `(${fmt(v)})` : fmt(v)); // a negative factor in a product, bracketed
  const num = (v) => `<span class="${sign(v)}" title="${v}">${fmt(v)}</span>`;
  const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" }[c]));
  const actName = (l) => D.activations[l] || "identity";
  const neuronName = (l, j) => D.neurons[l][j];
  const inputName = (l, i) => (l === 0 ? D.features[i] : neuronName(l - 1, i));

  // --- runs: the recorded one, and any trained here ------------------------------------------
  const recorded = {
    name: "recorded", lr: D.lr, mode: D.mode, kept: D.kept, start: floats(D.start), ends: floats(D.ends),
    losses: floats(D.losses), replay: D.replay, epochs: D.epochs,
    starts: Object.fromEntries(Object.entries(D.starts).map(([k, v]) => [k, floats(v)])),
  };
  const runs = [recorded];
  const endOf = (run, e) => run.ends.subarray(e * P, e * P + P);
  function startOf(run, e) {
    if (e === 0 && run.kept[0] === 0) return run.start;
    if (e > 0 && run.kept[e - 1] === run.kept[e] - 1) return endOf(run, e - 1);
    return (run.starts && run.starts[e]) || null; // thinned: the run's own snapshot of its first row
  }

  // One epoch replayed from its start: the parameters before every row (per row), or the summed gradient.
  let epochCache = null;
  function epochData(run, e) {
    if (epochCache && epochCache.run === run && epochCache.e === e) return epochCache;
    const start = startOf(run, e);
    let out;
    if (!run.replay || !start) {
      out = { known: false, params: () => endOf(run, e) };
    } else if (run.mode === "full_batch") {
      const G = new Float64Array(P), buf = NET.buffers();
      for (let r = N - 1; r >= 0; r--) NET.backward(start, NET.forward(start, rowX(r), buf), Y[r], G); // backward()'s order
      const after = new Float64Array(P);
      for (let i = 0; i < P; i++) after[i] = start[i] - run.lr * G[i];
      out = { known: true, params: () => start, G, after };
    } else {
      const rows = [start], buf = NET.buffers(), G = new Float64Array(P);
      let p = start;
      for (let r = 0; r < N; r++) {
        G.fill(0);
        NET.backward(p, NET.forward(p, rowX(r), buf), Y[r], G);
        const next = new Float64Array(P);
        for (let i = 0; i < P; i++) next[i] = p[i] - run.lr * G[i];
        rows.push(next);
        p = next;
      }
      out = { known: true, params: (r) => rows[r], rows };
    }
    epochCache = Object.assign(out, { run, e });
    return out;
  }

  const state = { run: 0, e: 0, r: 0, s: 0, pick: null, edits: {} };
  const editKey = () => Object.entries(state.edits).map(([i, v]) => `${i}=${v}`).join(",");
  let frameCache = null;
  function frame() {
    const run = runs[state.run];
    const ep = epochData(run, state.e);
    const edited = editKey();
    const key = `${state.run}/${state.e}/${state.r}/${edited}`;
    if (frameCache && frameCache.key === key) return frameCache;
    let params = ep.params(state.r);
    if (edited) { // what if: the learner's values in place of the run's, for this frame only
      params = Float64Array.from(params);
      for (const [i, v] of Object.entries(state.edits)) params[Number(i)] = v;
    }
    const f = NET.forward(params, rowX(state.r));
    const G = new Float64Array(P);
    const b = NET.backward(params, f, Y[state.r], G);
    let after = null, grads = G;
    if (edited) {
      if (run.mode !== "full_batch") { after = new Float64Array(P); for (let i = 0; i < P; i++) after[i] = params[i] - run.lr * G[i]; }
    } else if (ep.known && run.mode === "full_batch") { after = ep.after; grads = ep.G; }
    else if (ep.known) after = ep.rows[state.r + 1];
    const paramsKey = `${state.run}/${state.e}/${run.mode === "full_batch" || !ep.known ? "" : state.r}/${edited}`;
    frameCache = { key, run, ep, params, f, b, G, grads, after, paramsKey, edited };
    return frameCache;
  }

  // --- layout: the project's places (layer, index), scaled to the pane ---------------------------
  const net = $("net"), edgesSvg = $("edges"), nodesDiv = $("nodes");
  const PLANE = D.plane && F <= 2 ? D.plane : null;
  const GS = F === 1 ? 128 : 48, GO = GS; // one grid for every neuron and the output (canvas smoothing does the rest)
  const boxes = []; // boxes[c][j]: the div of column c (0 = inputs) neuron j
  const edgeLines = []; // {l, j, i, line, hit, title, shown: the attributes last written}
  let lastFrame = null; // the frame on screen, for the weights' tooltips
  let geometry = null;

  function build() {
    for (let c = 0; c <= L; c++) {
      boxes.push([]);
      for (let j = 0; j < SIZES[c]; j++) {
        const div = document.createElement("div");
        div.className = "neuron" + (c === 0 ? " input" : "");
        div.dataset.column = c; div.dataset.index = j;
        const canvas = document.createElement("canvas");
        div.appendChild(canvas);
        const value = document.createElement("span");
        value.className = "value";
        div.appendChild(value);
        div.addEventListener("click", (ev) => { ev.stopPropagation(); if (c > 0) pick({ type: "neuron", l: c - 1, j }); });
        nodesDiv.appendChild(div);
        boxes[c].push(div);
      }
    }
    for (let l = 0; l < L; l++) {
      for (let j = 0; j < SIZES[l + 1]; j++) {
        for (let i = 0; i < SIZES[l]; i++) {
          const line = document.createElementNS(SVGNS, "line");
          const hit = document.createElementNS(SVGNS, "line");
          hit.setAttribute("class", "hit");
          hit.addEventListener("click", (ev) => { ev.stopPropagation(); pick({ type: "weight", l, j, i }); });
          const title = document.createElementNS(SVGNS, "title");
          hit.appendChild(title);
          // the tooltip is written when the pointer arrives: 300 titles a frame cost more than the picture
          hit.addEventListener("pointerenter", () => { title.textContent = `${D.params[paramAt(l, j) + i]} = ${weightOf(lastFrame, l, j, i)}`; });
          edgesSvg.appendChild(line);
          edgeLines.push({ l, j, i, line, hit, title, shown: {} });
        }
      }
    }
    for (const e of edgeLines) edgesSvg.appendChild(e.hit); // on top, so a click finds the nearest weight
  }

  function place() {
    placeOutput();
    const W = net.clientWidth, H = net.clientHeight;
    const top = 20, bottom = 6, high = H - top - bottom;
    const left = 34, right = 8;
    const colGap = (W - left - right) / Math.max(L, 1);
    const biggest = Math.max(10, Math.min(110, colGap * 0.42));
    // Each column its own spacing: a 64-neuron layer packs its squares, the inputs and the output
    // beside it keep theirs large (one size for all made x1 and x2 slivers next to a wide layer).
    const slots = SIZES.map((n) => Math.min(high / n, biggest / 0.82));
    const sizes = slots.map((slot) => Math.max(4, Math.min(biggest, slot * 0.82)));
    const s = Math.max(...sizes);
    const x0 = left + s / 2, x1 = W - right - s / 2;
    const xs = D.layout.map((col) => x0 + col[0][0] * (x1 - x0));
    const ys = SIZES.map((n, c) => Array.from({ length: n }, (_, j) => top + high / 2 + (j - (n - 1) / 2) * slots[c]));
    geometry = { s, sizes, xs, ys, W, H };
    for (let c = 0; c <= L; c++) {
      const sc = sizes[c];
      for (let j = 0; j < SIZES[c]; j++) {
        const st = boxes[c][j].style;
        st.left = `${xs[c] - sc / 2}px`; st.top = `${ys[c][j] - sc / 2}px`; st.width = `${sc}px`; st.height = `${sc}px`;
      }
    }
    edgesSvg.setAttribute("width", W); edgesSvg.setAttribute("height", H);
    for (const e of edgeLines) {
      for (const line of [e.line, e.hit]) {
        line.setAttribute("x1", xs[e.l] + sizes[e.l] / 2); line.setAttribute("y1", ys[e.l][e.i]);
        line.setAttribute("x2", xs[e.l + 1] - sizes[e.l + 1] / 2); line.setAttribute("y2", ys[e.l + 1][e.j]);
      }
      e.hit.setAttribute("stroke-width", Math.max(6, Math.min(12, Math.min(slots[e.l], slots[e.l + 1]) * 0.3)));
    }
    for (const t of nodesDiv.querySelectorAll(".tag")) t.remove();
    const tag = (text, x, y, cls) => {
      const t = document.createElement("span");
      t.className = "tag " + cls; t.textContent = text; t.style.left = `${x}px`; t.style.top = `${y}px`;
      nodesDiv.appendChild(t);
      return t;
    };
    for (let c = 0; c <= L; c++) {
      const what = c === 0 ? `${SIZES[0]} input${SIZES[0] > 1 ? "s" : ""}` : c === L ? `output${D.activations[c - 1] ? " " + D.activations[c - 1] : ""}` : `${SIZES[c]} ${actName(c - 1)}`;
      tag(what, xs[c], 0, "layer");
    }
    for (let i = 0; i < F; i++) {
      const t = tag(D.features[i], 0, ys[0][i] - 8, "feature");
      t.style.width = `${xs[0] - sizes[0] / 2 - 3}px`; t.style.textAlign = "right"; t.style.overflow = "hidden";
    }
    heatKey = null;
  }

  // --- heatmaps: every neuron over the input plane, for the frame's parameters ----------------------
  const outCanvas = $("output"), pointsSvg = $("points");
  let heatKey = null, grids = null;
  function colour(t) {
    const c = t >= 0 ? POS : NEG, m = Math.min(1, Math.abs(t));
    return [255 + (c[0] - 255) * m, 255 + (c[1] - 255) * m, 255 + (c[2] - 255) * m];
  }
  // A neuron's value in [-1, 1] for colouring: where it sits between its own extremes on the plane.
  function scaled(l, values) {
    const act = D.activations[l], t = new Float64Array(values.length);
    if (act === "sigmoid") { for (let k = 0; k < t.length; k++) t[k] = (values[k] - 0.5) * 2; return t; }
    if (act === "tanh") { t.set(values); return t; }
    let m = 0;
    for (const v of values) if (isFinite(v)) m = Math.max(m, Math.abs(v));
    if (m > 0) for (let k = 0; k < t.length; k++) t[k] = values[k] / m;
    return t;
  }
  function gridPoint(g, u, v) { // u across x1 (left → right), v down x2 (top → bottom)
    const [a, b] = PLANE[0];
    const x1 = a + (b - a) * (u + 0.5) / g;
    if (F === 1) return [x1];
    const [c, d] = PLANE[1];
    return [x1, d - (d - c) * (v + 0.5) / g];
  }
  // grids.small[c][j] = values of column c neuron j at the GS × GS points (row-major, top row first);
  // one forward pass per point, into reused buffers, gives every neuron's value and the output's.
  function computeGrids(params) {
    const rows = F === 1 ? 1 : GS, buf = NET.buffers(), x = new Float64Array(F);
    const g = SIZES.map((n) => Array.from({ length: n }, () => new Float64Array(GS * rows)));
    const [a, b] = PLANE[0], [c, d] = F === 1 ? [0, 0] : PLANE[1];
    for (let v = 0; v < rows; v++) {
      if (F === 2) x[1] = d - (d - c) * (v + 0.5) / GS;
      for (let u = 0; u < GS; u++) {
        x[0] = a + (b - a) * (u + 0.5) / GS;
        const f = NET.forward(params, x, buf), k = v * GS + u;
        for (let col = 0; col <= L; col++) { const src = f.a[col], dst = g[col]; for (let j = 0; j < src.length; j++) dst[j][k] = src[j]; }
      }
    }
    return { small: g, out: g[L][0] };
  }
  // A canvas keeps its size and its pixel buffer from one frame to the next: setting width, even
  // to the same number, reallocates and clears it, and 35 of those per key was half the key's time.
  const pixels = new WeakMap();
  function imageFor(canvas, n) {
    if (canvas.width !== n || canvas.height !== n) { canvas.width = n; canvas.height = n; }
    let img = pixels.get(canvas);
    if (!img || img.width !== n) { img = canvas.getContext("2d").createImageData(n, n); pixels.set(canvas, img); }
    return img;
  }
  function paintSquare(canvas, n, t) {
    const img = imageFor(canvas, n), ctx = canvas.getContext("2d");
    const px = img.data;
    for (let k = 0; k < n * n; k++) {
      const v = t[k], c = v >= 0 ? POS : NEG, m = v > 1 || v < -1 ? 1 : v >= 0 ? v : -v;
      px[4 * k] = 255 + (c[0] - 255) * m; px[4 * k + 1] = 255 + (c[1] - 255) * m; px[4 * k + 2] = 255 + (c[2] - 255) * m; px[4 * k + 3] = 255;
    }
    ctx.putImageData(img, 0, 0);
  }
  function paintCurve(canvas, values, t, size) {
    const px = Math.max(16, Math.round(size));
    canvas.width = px; canvas.height = px;
    const ctx = canvas.getContext("2d");
    ctx.clearRect(0, 0, px, px);
    ctx.strokeStyle = "#ccc"; ctx.beginPath(); ctx.moveTo(0, px / 2); ctx.lineTo(px, px / 2); ctx.stroke();
    ctx.strokeStyle = "#0877bd"; ctx.lineWidth = 1.5; ctx.beginPath();
    for (let k = 0; k < values.length; k++) {
      const x = (k + 0.5) / values.length * px, y = px / 2 - t[k] * px * 0.45;
      if (k === 0) ctx.moveTo(x, y); else ctx.lineTo(x, y);
    }
    ctx.stroke();
  }
  function paintNeurons(fr) {
    if (!PLANE) { // more than two features: each neuron's value for this row
      for (let c = 0; c <= L; c++) {
        const vals = Array.from(fr.f.a[c]), t = c === 0 ? scaled(-1, vals) : scaled(c - 1, vals);
        for (let j = 0; j < SIZES[c]; j++) {
          const box = boxes[c][j], [r, g, b] = colour(t[j]);
          box.style.background = `rgb(${r | 0},${g | 0},${b | 0})`;
          box.querySelector("canvas").width = 0;
          box.querySelector(".value").textContent = geometry.sizes[c] >= 30 ? fmt(vals[j]) : "";
        }
      }
      if (heatKey !== fr.paramsKey) {
        heatKey = fr.paramsKey;
        const out = new Float64Array(N);
        for (let r = 0; r < N; r++) out[r] = NET.forward(fr.params, rowX(r)).a[L][0];
        grids = { out };
        paintRows();
      }
      return;
    }
    if (heatKey === fr.paramsKey) return;
    heatKey = fr.paramsKey;
    grids = computeGrids(fr.params);
    for (let c = 0; c <= L; c++) {
      for (let j = 0; j < SIZES[c]; j++) {
        const values = grids.small[c][j], t = scaled(c === 0 ? -1 : c - 1, values);
        const canvas = boxes[c][j].querySelector("canvas");
        if (F === 1) paintCurve(canvas, values, t, geometry.sizes[c]); else paintSquare(canvas, GS, t);
      }
    }
    paintOutput();
  }

  // The output: the big heatmap, its decision boundary and the data points (click one for its row).
  let outSide = 200;
  function placeOutput() {
    const stage = $("stage"), narrow = getComputedStyle(stage).flexDirection === "column";
    const room = narrow ? Math.min(stage.clientWidth - 16, 320) : Math.min(stage.clientHeight - 60, stage.clientWidth * 0.4, 540);
    outSide = Math.max(140, Math.floor(room));
    outCanvas.style.width = `${outSide}px`; outCanvas.style.height = `${outSide}px`;
    pointsSvg.setAttribute("width", outSide); pointsSvg.setAttribute("height", outSide);
    drawPoints();
  }
  const thr = D.threshold.at;
  function outScaled(values) {
    const t = new Float64Array(values.length);
    if (D.activations[L - 1] === "sigmoid") { for (let k = 0; k < t.length; k++) t[k] = (values[k] - 0.5) * 2; return t; }
    let m = 0;
    for (const v of values) if (isFinite(v)) m = Math.max(m, Math.abs(v - thr));
    if (m > 0) for (let k = 0; k < t.length; k++) t[k] = (values[k] - thr) / m;
    return t;
  }
  let offscreen = null; // the output's grid, drawn once per frame then smoothed onto the big canvas
  function paintOutput() {
    const values = grids.out, t = outScaled(values);
    if (F === 1) {
      outCanvas.width = outSide; outCanvas.height = outSide;
      const ctx = outCanvas.getContext("2d");
      ctx.clearRect(0, 0, outSide, outSide);
      const [lo, hi] = outRange();
      const yOf = (v) => outSide - (v - lo) / (hi - lo) * outSide;
      ctx.strokeStyle = "#999"; ctx.setLineDash([4, 3]); ctx.beginPath(); ctx.moveTo(0, yOf(thr)); ctx.lineTo(outSide, yOf(thr)); ctx.stroke();
      ctx.setLineDash([]); ctx.strokeStyle = "#0877bd"; ctx.lineWidth = 2; ctx.beginPath();
      for (let k = 0; k < GO; k++) { const x = (k + 0.5) / GO * outSide; if (k) ctx.lineTo(x, yOf(values[k])); else ctx.moveTo(x, yOf(values[k])); }
      ctx.stroke();
      drawPoints();
      return;
    }
    // the heatmap, smoothed to the pane's size, then the boundary traced through the grid (marching squares)
    const off = offscreen || (offscreen = document.createElement("canvas"));
    const img = imageFor(off, GO), px = img.data;
    for (let k = 0; k < GO * GO; k++) {
      const w = t[k] * 0.8, c = w >= 0 ? POS : NEG, m = Math.min(1, Math.abs(w));
      px[4 * k] = 255 + (c[0] - 255) * m; px[4 * k + 1] = 255 + (c[1] - 255) * m; px[4 * k + 2] = 255 + (c[2] - 255) * m; px[4 * k + 3] = 255;
    }
    off.getContext("2d").putImageData(img, 0, 0);
    const ratio = window.devicePixelRatio || 1, side = Math.round(outSide * ratio);
    if (outCanvas.width !== side || outCanvas.height !== side) { outCanvas.width = side; outCanvas.height = side; }
    const ctx = outCanvas.getContext("2d");
    ctx.clearRect(0, 0, side, side);
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(off, 0, 0, side, side);
    const at = (u) => (u + 0.5) / GO * side;
    ctx.strokeStyle = "#222"; ctx.lineWidth = 2 * ratio; ctx.beginPath();
    for (let v = 0; v + 1 < GO; v++) {
      for (let u = 0; u + 1 < GO; u++) {
        const corners = [[u, v], [u + 1, v], [u + 1, v + 1], [u, v + 1]], cut = [];
        for (let e = 0; e < 4; e++) {
          const [u1, v1] = corners[e], [u2, v2] = corners[(e + 1) % 4];
          const a = values[v1 * GO + u1] - thr, b = values[v2 * GO + u2] - thr;
          if ((a > 0) !== (b > 0) && isFinite(a) && isFinite(b)) {
            const f = a / (a - b);
            cut.push([at(u1 + (u2 - u1) * f), at(v1 + (v2 - v1) * f)]);
          }
        }
        for (let q = 0; q + 1 < cut.length; q += 2) { ctx.moveTo(cut[q][0], cut[q][1]); ctx.lineTo(cut[q + 1][0], cut[q + 1][1]); }
      }
    }
    ctx.stroke();
  }
  function outRange() {
    let lo = Math.min(0, thr), hi = Math.max(1, thr);
    if (grids) for (const v of grids.out) if (isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
    const pad = (hi - lo) * 0.06;
    return [lo - pad, hi + pad];
  }
  // More than two features: every row's output (left to right), the threshold dashed; a point picks its row.
  function paintRows() {
    outCanvas.width = outSide; outCanvas.height = outSide;
    const ctx = outCanvas.getContext("2d"), [lo, hi] = outRange();
    const yOf = (v) => outSide - (v - lo) / (hi - lo) * outSide;
    ctx.clearRect(0, 0, outSide, outSide);
    ctx.strokeStyle = "#999"; ctx.setLineDash([4, 3]); ctx.beginPath(); ctx.moveTo(0, yOf(thr)); ctx.lineTo(outSide, yOf(thr)); ctx.stroke();
    drawPoints();
  }
  // At most about MAX_DOTS points are drawn (a spread-out sample of rows), and always the current row's.
  const MAX_DOTS = 2000, dots = new Map(), radius = N > 300 ? 2.5 : N > 100 ? 3.5 : 4.5;
  let marked = -1;
  function makeDot(r) {
    const x = rowX(r);
    let px, py;
    if (!PLANE) { const [lo, hi] = outRange(); px = (r + 0.5) / N * outSide; py = outSide - (grids.out[r] - lo) / (hi - lo) * outSide; }
    else if (F === 1) { const [a, b] = PLANE[0], [lo, hi] = outRange(); px = (x[0] - a) / (b - a) * outSide; py = outSide - (Y[r] - lo) / (hi - lo) * outSide; }
    else { const [a, b] = PLANE[0], [c, d] = PLANE[1]; px = (x[0] - a) / (b - a) * outSide; py = (d - x[1]) / (d - c) * outSide; }
    const dot = document.createElementNS(SVGNS, "circle");
    dot.dataset.row = r;
    dot.setAttribute("cx", px); dot.setAttribute("cy", py); dot.setAttribute("r", radius);
    dot.setAttribute("fill", Y[r] > 0.5 ? "rgb(8,119,189)" : "rgb(245,147,34)");
    dot.setAttribute("stroke", "#fff"); dot.setAttribute("stroke-width", 1);
    const title = document.createElementNS(SVGNS, "title");
    title.textContent = `row ${r + 1}: ${D.features.map((n, i) => `${n} ${fmt(x[i])}`).join(", ")}, ${D.label} ${Y[r]}`;
    dot.appendChild(title);
    dot.addEventListener("click", (ev) => { ev.stopPropagation(); go(state.e, r, 0); });
    pointsSvg.appendChild(dot);
    dots.set(r, dot);
    return dot;
  }
  function drawPoints() {
    pointsSvg.textContent = "";
    dots.clear();
    marked = -1;
    if (!PLANE && !grids) return;
    // a golden-ratio sample, not every k-th row: data often alternates classes, and a stride would keep one
    const share = MAX_DOTS / N;
    for (let r = 0; r < N; r++) if (share >= 1 || (r * 0.6180339887498949) % 1 < share) makeDot(r);
    markRow();
  }
  function markRow() {
    if (!PLANE && !grids) return;
    const old = dots.get(marked);
    if (old && marked !== state.r) { old.setAttribute("stroke", "#fff"); old.setAttribute("stroke-width", 1); old.setAttribute("r", radius); }
    const cur = dots.get(state.r) || makeDot(state.r);
    cur.setAttribute("stroke", "#000"); cur.setAttribute("stroke-width", 2.5); cur.setAttribute("r", N > 100 ? 6 : 7);
    pointsSvg.appendChild(cur); // on top
    marked = state.r;
  }

  // --- one frame on screen ----------------------------------------------------------------
  function weightOf(fr, l, j, i) { return fr.params[paramAt(l, j) + i]; }
  function draw() {
    const fr = frame(), run = runs[state.run];
    paintNeurons(fr);
    // weights: colour = sign, width = size (against the frame's largest)
    let big = 0;
    for (const e of edgeLines) big = Math.max(big, Math.abs(weightOf(fr, e.l, e.j, e.i)));
    const current = state.s >= 1 && state.s <= ORDER.length ? ORDER[state.s - 1] : null;
    lastFrame = fr;
    // Only what changed is written: a row step moves few widths by 0.01, and every write restyles.
    const set = (e, name, value) => { if (e.shown[name] !== value) { e.shown[name] = value; e.line.setAttribute(name, value); } };
    for (const e of edgeLines) {
      const w = weightOf(fr, e.l, e.j, e.i);
      const c = w >= 0 ? POS : NEG;
      const into = current && current[0] === e.l && current[1] === e.j;
      const thin = into ? 1 : DENSITY[e.l]; // between two wide layers, thousands of lines: thinner and fainter
      const width = big > 0 && isFinite(w) ? 0.3 + 3.2 * thin * Math.sqrt(Math.abs(w) / big) : 0.3;
      set(e, "stroke", `rgb(${c[0]},${c[1]},${c[2]})`);
      set(e, "stroke-width", width.toFixed(2));
      set(e, "stroke-opacity", String(into ? 1 : (current ? 0.35 : 0.75) * (0.4 + 0.6 * thin)));
      const picked = state.pick && state.pick.type === "weight" && state.pick.l === e.l && state.pick.j === e.j && state.pick.i === e.i;
      set(e, "class", picked ? "picked" : "");
    }
    // neurons: reached by the backward pass so far, the one being processed, the one picked
    const reached = new Set(ORDER.slice(0, Math.min(state.s, ORDER.length)).map(([l, j]) => `${l}/${j}`));
    for (let c = 0; c <= L; c++) {
      for (let j = 0; j < SIZES[c]; j++) {
        const box = boxes[c][j], l = c - 1;
        const done = c > 0 && (state.s === UPDATE || reached.has(`${l}/${j}`));
        box.classList.toggle("done", done);
        if (done) { const dz = fr.b.dz[l][j]; box.style.setProperty("--grad", dz > 0 ? "#0877bd" : dz < 0 ? "#f59322" : "#999"); }
        box.classList.toggle("current", !!current && current[0] === l && current[1] === j);
        box.classList.toggle("picked", !!state.pick && state.pick.type === "neuron" && state.pick.l === l && state.pick.j === j);
        const value = fr.f.a[c][j];
        box.title = c === 0 ? `${D.features[j]} = ${value}` : `${neuronName(l, j)}: ${actName(l)}(z) = ${value}` + (done ? `, ∂loss/∂z = ${fr.b.dz[l][j]}` : "");
      }
    }
    markRow();
    writeSliders(run);
    writeNow(fr, run);
    writeDetail(fr, run, current);
    writeUpdate(fr, run);
    drawChart();
    writeHash();
  }

  function writeSliders(run) {
    $("epoch").max = run.kept.length - 1; $("epoch").value = state.e;
    $("epoch-out").textContent = `${run.kept[state.e]} of ${run.epochs - 1}`;
    $("row").max = N - 1; $("row").value = state.r;
    $("row-out").textContent = `${state.r + 1} of ${N}`;
    $("step").max = UPDATE; $("step").value = state.s;
    $("step-out").textContent = state.s === 0 ? "forward" : state.s === UPDATE ? "update" : `backward ${state.s}/${ORDER.length}`;
    const other = runs.length > 1 ? ` · ${runs.length} runs` : "";
    $("run-info").textContent = `on screen: ${run.name === "recorded" ? "the recorded run" : "trained in this page"} (learning rate ${fmt(run.lr)}, ${plural(run.epochs, "epoch")}, ${run.mode === "full_batch" ? "full batch" : "one update per row"})${other}`;
  }

  function writeNow(fr, run) {
    const x = rowX(state.r), p = fr.f.a[L][0];
    const features = D.features.map((n, i) => `${esc(n)} ${num(x[i])}`).join(", ");
    const loss = run.losses[run.kept[state.e]];
    const side = p > thr ? 1 : 0;
    $("now").innerHTML =
      `<div class="big">epoch ${run.kept[state.e]} · row ${state.r + 1} of ${N}</div>` +
      `<div>${features}; ${esc(D.label)} ${Y[state.r]}</div>` +
      `<div>${esc(D.threshold.what)} ${num(p)} → class ${side} ${side === Y[state.r] ? "✓" : "✗"} · ${esc(D.objective)} ${num(fr.b.loss)}</div>` +
      `<div>epoch ${run.kept[state.e]}'s loss (${esc(D.metric || "summed")} over all rows): ${num(loss)}</div>` +
      (fr.ep.known ? "" : `<div class="neg">this epoch's start was not kept, so every row shows the parameters at its end</div>`);
  }

  // The chain rule of the neuron being processed, or what was picked, with this row's numbers.
  function writeDetail(fr, run, current) {
    const box = $("detail");
    const edits = Object.keys(state.edits);
    const edited = edits.length ? `<div class="edited">what if: ${edits.map((i) => `${esc(D.params[i])} = ${fmt(state.edits[i])}`).join(", ")} — every number on screen is recomputed with it (the run itself is unchanged) <button type="button" id="edit-reset">reset</button></div>` : "";
    writeDetailBody(box, fr, run, current);
    if (edited) box.insertAdjacentHTML("afterbegin", edited);
    const reset = $("edit-reset");
    if (reset) reset.addEventListener("click", () => { state.edits = {}; draw(); });
    const set = $("edit-set");
    if (set) {
      const apply = () => {
        const value = Number($("edit-value").value), { l, j, i } = state.pick;
        if (!isFinite(value) || $("edit-value").value.trim() === "") { $("edit-value").setCustomValidity("a number, please"); $("edit-value").reportValidity(); return; }
        state.edits[paramAt(l, j) + i] = value;
        draw();
      };
      set.addEventListener("click", apply);
      $("edit-value").addEventListener("keydown", (ev) => { ev.stopPropagation(); if (ev.key === "Enter") apply(); });
    }
  }
  function writeDetailBody(box, fr, run, current) {
    if (state.pick && state.pick.type === "weight") { box.innerHTML = weightDetail(fr, run, state.pick); return; }
    if (state.pick && state.pick.type === "neuron") {
      box.innerHTML = neuronDetail(fr, state.pick.l, state.pick.j);
      for (const g of box.querySelectorAll(".weight-box")) {
        g.addEventListener("click", () => pick({ type: "weight", l: Number(g.dataset.l), j: Number(g.dataset.j), i: Number(g.dataset.i) }));
      }
      return;
    }
    if (state.s === 0) {
      const shows = !PLANE ? "Each square shows the neuron's output for this row (blue > 0, orange < 0)" : F === 1 ? `Each square shows the neuron's output as a curve over ${esc(D.features[0])}` : "Each square shows the neuron's output over the whole input plane (blue > 0, orange < 0)";
      box.innerHTML = `<h2>Forward pass</h2><div>Each neuron adds its weighted inputs and its bias, z = Σ w·x + b, and passes z through its activation: a = ${esc(actName(0))}(z). ${shows}.</div><div>Click a neuron for its own graph, a weight for its numbers, a point for its row.</div>`;
      return;
    }
    if (current) { box.innerHTML = chainRule(fr, current[0], current[1]); return; }
    box.innerHTML = "";
  }

  function chainRule(fr, l, j) {
    const dz = fr.b.dz[l][j], da = fr.b.da[l + 1][j], slope = fr.b.slope[l][j];
    let html = `<h2>Backward: ${esc(neuronName(l, j))}</h2>`;
    if (l === L - 1) {
      html += `<div class="math">∂loss/∂${D.activations[l] ? "a" : "z"} = ${num(da)} <span>(the slope of ${esc(D.objective)} at ${esc(D.threshold.what)} ${fmt(fr.f.a[L][0])}, ${esc(D.label)} ${Y[state.r]})</span></div>`;
    } else {
      const next = SIZES[l + 2], terms = [];
      for (let k = next - 1; k >= 0; k--) terms.push([weightOf(fr, l + 1, k, j), fr.b.dz[l + 1][k], neuronName(l + 1, k)]);
      terms.sort((a, b) => Math.abs(b[0] * b[1]) - Math.abs(a[0] * a[1]));
      const shown = terms.slice(0, 3).map(([w, d]) => `${paren(w)}×${paren(d)}`).join(" + ");
      html += `<div>its output feeds ${next} neuron${next > 1 ? "s" : ""}: ∂loss/∂a = Σ weight × that neuron's ∂loss/∂z</div>`;
      html += `<div class="math">= ${shown}${terms.length > 3 ? ` + … (${terms.length - 3} more)` : ""} = ${num(da)}</div>`;
    }
    if (D.activations[l]) html += `<div class="math">∂loss/∂z = ${esc(actName(l))}′(z) × ∂loss/∂a = ${num(slope)} × ${da < 0 ? "(" + num(da) + ")" : num(da)} = ${num(dz)}</div>`;
    const k = SIZES[l], o = paramAt(l, j);
    html += `<div>so each weight's gradient is ∂loss/∂z × its input, the bias's is ∂loss/∂z:</div><div class="math">`;
    for (let i = 0; i < Math.min(k, 4); i++) html += `∂loss/∂${esc(D.params[o + i])} = ${fmt(dz)} × ${paren(fr.f.a[l][i])} = ${num(fr.G[o + i])}<br>`;
    if (k > 4) html += `… ${k - 4} more weights<br>`;
    html += `∂loss/∂${esc(D.params[o + k])} = ${num(fr.G[o + k])}</div>`;
    return html + neuronGraph(fr, l, j, true);
  }

  function updateLine(fr, run, index) {
    const before = fr.params[index], grad = fr.grads[index];
    if (!fr.after) return `not replayed here (${esc(D.optimizer || "this optimizer")})`;
    return `${fmt(before)} − ${fmt(run.lr)} × ${paren(grad)} = ${num(fr.after[index])}`;
  }

  function weightDetail(fr, run, { l, j, i }) {
    const o = paramAt(l, j) + i, w = fr.params[o], dz = fr.b.dz[l][j], x = fr.f.a[l][i];
    const batch = run.mode === "full_batch";
    return `<h2>Weight ${esc(D.params[o])}</h2>` +
      `<div>from ${esc(inputName(l, i))} into ${esc(neuronName(l, j))}: value ${num(w)}</div>` +
      `<div class="math">gradient this row = ∂loss/∂z of ${esc(neuronName(l, j))} × its input ${esc(inputName(l, i))}<br>= ${fmt(dz)} × ${paren(x)} = ${num(fr.G[o])}</div>` +
      (batch ? `<div>full batch: the update uses the gradient summed over all ${N} rows, ${num(fr.grads[o])}</div>` : "") +
      `<div class="math">update: ${esc(D.params[o])} ← ${updateLine(fr, run, o)}</div>` +
      `<div class="edit"><label>what if it were <input id="edit-value" type="text" inputmode="decimal" size="10" value="${w}"></label> <button type="button" id="edit-set">set</button></div>`;
  }

  function neuronDetail(fr, l, j) {
    const o = paramAt(l, j), k = SIZES[l];
    const reached = state.s >= stepOf(l, j);
    let html = `<h2>Neuron ${esc(neuronName(l, j))}: ${esc(actName(l))}(Σ w·x + b)</h2>`;
    html += `<div class="math">z = ${Array.from({ length: Math.min(k, 3) }, (_, i) => `${fmt(fr.params[o + i])}×${paren(fr.f.a[l][i])}`).join(" + ")}${k > 3 ? " + …" : ""} + ${fmt(fr.params[o + k])} = ${num(fr.f.z[l][j])}</div>`;
    html += `<div class="math">a = ${esc(actName(l))}(${fmt(fr.f.z[l][j])}) = ${num(fr.f.a[l + 1][j])}</div>`;
    if (!reached) html += `<div>The backward pass reaches this neuron at step ${stepOf(l, j)}; step there for its gradients.</div>`;
    return html + neuronGraph(fr, l, j, reached);
  }

  // A neuron's own scalar graph: each input × its weight, the sum with the bias, the activation;
  // once the backward pass has reached it, every box's gradient and every edge's ∂ (local) and → (passed back).
  function neuronGraph(fr, l, j, grads) {
    const o = paramAt(l, j), k = SIZES[l], dz = fr.b.dz[l][j];
    let shown = Array.from({ length: k }, (_, i) => i);
    const size = (i) => Math.abs(fr.params[o + i] * fr.f.a[l][i]);
    if (k > 10) shown = shown.sort((a, b) => size(b) - size(a)).slice(0, 10).sort((a, b) => a - b);
    const rowH = 34, width = 336;
    let y = 16, s = "";
    const colourOf = (g) => (g > 0 ? "#0b62a4" : g < 0 ? "#c0560c" : "#555");
    const box = (x, yy, w, title, value, grad, fill) => {
      s += `<rect x="${x}" y="${yy - 14}" width="${w}" height="29" rx="3" fill="${fill}" stroke="#555"/>`;
      s += `<text x="${x + 4}" y="${yy - 2}">${esc(title)} = ${fmt(value)}</text>`;
      s += `<text x="${x + 4}" y="${yy + 11}" fill="${colourOf(grad)}">${grads ? "grad " + fmt(grad) : "grad —"}</text>`;
    };
    s += `<text x="0" y="${y - 6}" fill="#555">input × weight</text><text x="192" y="${y - 6}" fill="#555">${grads ? "edge into z: ∂  →" : ""}</text>`;
    y += 12;
    for (const i of shown) {
      const x = fr.f.a[l][i], w = fr.params[o + i];
      box(0, y, 90, inputName(l, i), x, dz * w, l === 0 ? "#fff8dc" : "#fff");
      s += `<text x="92" y="${y + 4}">×</text>`;
      s += `<g class="weight-box" data-l="${l}" data-j="${j}" data-i="${i}"><title>click for this weight's update and to try another value</title>`;
      box(102, y, 86, D.params[o + i].replace(/^.*\./, ""), w, fr.G[o + i], "#eaf2ff");
      s += "</g>";
      if (grads) s += `<text x="192" y="${y + 4}" fill="${colourOf(fr.G[o + i])}">∂ ${fmt(x)} → ${fmt(fr.G[o + i])}</text>`;
      y += rowH;
    }
    if (k > shown.length) { s += `<text x="0" y="${y - 8}" fill="#555">… the ${shown.length} largest of ${k} weighted inputs shown</text>`; y += 12; }
    box(102, y, 86, "b", fr.params[o + k], fr.G[o + k], "#eaf2ff");
    if (grads) s += `<text x="192" y="${y + 4}" fill="${colourOf(fr.G[o + k])}">∂ 1 → ${fmt(fr.G[o + k])}</text>`;
    y += rowH + 4;
    s += `<line x1="160" y1="${y - 24}" x2="160" y2="${y - 16}" stroke="#888"/>`;
    box(60, y, 200, "z = Σ w·x + b", fr.f.z[l][j], dz, "#fff");
    y += 26;
    s += `<line x1="160" y1="${y - 10}" x2="160" y2="${y + 2}" stroke="#888"/>`;
    if (grads && D.activations[l]) s += `<text x="168" y="${y}" fill="#555">∂ ${esc(actName(l))}′ = ${fmt(fr.b.slope[l][j])} → ${fmt(dz)}</text>`;
    y += 18;
    box(60, y, 200, `a = ${actName(l)}(z)`, fr.f.a[l + 1][j], fr.b.da[l + 1][j], "#fff");
    y += 20;
    return `<svg viewBox="0 0 ${width} ${y}" role="img" aria-label="the neuron's scalar graph">${s}</svg>`;
  }

  // The update: the largest changes first, every parameter on demand.
  let showAll = false;
  function writeUpdate(fr, run) {
    const box = $("update");
    if (state.s !== UPDATE) { box.innerHTML = ""; return; }
    if (!fr.after) { box.innerHTML = `<h2>Update</h2><div>Not replayed in this page: ${esc(D.optimizer)} is not plain gradient descent with one learning rate.</div>`; return; }
    const idx = Array.from({ length: P }, (_, i) => i);
    idx.sort((a, b) => Math.abs(fr.after[b] - fr.params[b]) - Math.abs(fr.after[a] - fr.params[a]));
    const shown = showAll ? idx : idx.slice(0, 8);
    const batch = run.mode === "full_batch";
    let html = `<h2>Update: every parameter ← parameter − ${fmt(run.lr)} × gradient</h2>`;
    html += batch ? `<div>Full batch: one update per epoch, from the gradient summed over all ${N} rows.</div>` : `<div>One update per row, from this row's gradient.</div>`;
    html += `<table class="changes"><thead><tr><th>parameter</th><th>before</th><th>gradient</th><th>after</th></tr></thead><tbody>`;
    for (const i of shown) html += `<tr><td>${esc(D.params[i])}</td><td>${fmt(fr.params[i])}</td><td>${num(fr.grads[i])}</td><td>${fmt(fr.after[i])}</td></tr>`;
    html += `</tbody></table>`;
    if (P > 8) html += `<button type="button" id="all-changes">${showAll ? "only the 8 largest" : `all ${P} parameters`}</button>`;
    box.innerHTML = html;
    const button = $("all-changes");
    if (button) button.addEventListener("click", () => { showAll = !showAll; writeUpdate(frame(), runs[state.run]); });
  }

  // --- loss chart: the run on screen, the others faint ---------------------------------------------
  let chartKey = "";
  function drawChart() {
    const key = `${state.run}/${state.e}/${runs.length}/${runs.map((r) => r.losses.length).join(",")}`;
    if (key === chartKey) return;
    chartKey = key;
    const svg = $("chart"), W = 320, H = 130, left = 40, top = 8, pw = W - 48, ph = H - 30;
    let lo = Infinity, hi = -Infinity, longest = 1;
    for (const run of runs) {
      for (const v of run.losses) if (isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
      longest = Math.max(longest, run.losses.length - 1);
    }
    if (!isFinite(lo)) { svg.innerHTML = ""; return; }
    const span = hi - lo || 1, xOf = (i) => left + pw * i / longest, yOf = (v) => top + ph * (1 - (v - lo) / span);
    let s = `<rect x="${left}" y="${top}" width="${pw}" height="${ph}" fill="none" stroke="#ccc"/>`;
    runs.forEach((run, k) => {
      const step = Math.max(1, Math.floor(run.losses.length / 400)), pts = [];
      for (let i = 0; i < run.losses.length; i += step) if (isFinite(run.losses[i])) pts.push(`${xOf(i).toFixed(1)},${yOf(run.losses[i]).toFixed(1)}`);
      const on = k === state.run;
      s += `<polyline points="${pts.join(" ")}" fill="none" stroke="${k === 0 ? "#1f77b4" : "#d62728"}" stroke-width="${on ? 2 : 1.2}" stroke-opacity="${on ? 1 : 0.3}"/>`;
    });
    const run = runs[state.run], e = run.kept[state.e];
    s += `<line x1="${xOf(e)}" x2="${xOf(e)}" y1="${top}" y2="${top + ph}" stroke="#ff9800" stroke-width="2"/>`;
    s += `<text x="${left - 4}" y="${top + 9}" text-anchor="end" font-size="11" fill="#555">${fmt(hi)}</text>`;
    s += `<text x="${left - 4}" y="${top + ph}" text-anchor="end" font-size="11" fill="#555">${fmt(lo)}</text>`;
    s += `<text x="${left}" y="${H - 6}" font-size="11" fill="#555">0</text><text x="${left + pw}" y="${H - 6}" text-anchor="end" font-size="11" fill="#555">${longest}</text>`;
    svg.innerHTML = s;
    $("chart-caption").textContent = runs.length > 1 ? `loss per epoch: recorded (blue), trained in this page (red); the faint one is not on screen` : "loss per epoch (click to jump)";
    svg.onclick = (ev) => {
      const rect = svg.getBoundingClientRect(), i = ((ev.clientX - rect.left) / rect.width * W - left) / pw * longest;
      const target = Math.max(0, Math.min(longest, Math.round(i)));
      let best = 0;
      run.kept.forEach((k, n) => { if (Math.abs(k - target) < Math.abs(run.kept[best] - target)) best = n; });
      go(best, state.r, state.s);
    };
  }

  // --- training again in this page --------------------------------------------------------------
  // The engine's loop in the same float operations: per row, predict, add the metric, backward, step;
  // full batch, every row's forward (the metric summed in row order), backward last row first, one step.
  const trainBuf = NET.buffers(), trainG = new Float64Array(P);
  function trainEpoch(p, lr, mode) {
    let loss = 0;
    const buf = trainBuf, G = trainG;
    G.fill(0);
    if (mode === "full_batch") {
      for (let r = 0; r < N; r++) loss += NET.metricOf(NET.forward(p, rowX(r), buf).a[L][0], Y[r])[0];
      // the same forward again (the same numbers) right before each row's backward, last row first
      for (let r = N - 1; r >= 0; r--) NET.backward(p, NET.forward(p, rowX(r), buf), Y[r], G);
      const next = new Float64Array(P);
      for (let i = 0; i < P; i++) next[i] = p[i] - lr * G[i];
      return [next, loss];
    }
    for (let r = 0; r < N; r++) {
      const f = NET.forward(p, rowX(r), buf);
      loss += NET.metricOf(f.a[L][0], Y[r])[0];
      G.fill(0);
      NET.backward(p, f, Y[r], G);
      const next = new Float64Array(P);
      for (let i = 0; i < P; i++) next[i] = p[i] - lr * G[i];
      p = next;
    }
    return [p, loss];
  }
  function makeRun(lr, epochs) {
    return { name: "in page", lr, mode: D.mode, kept: [], start: recorded.start, ends: new Float64Array(epochs * P), losses: new Float64Array(0), lossList: [], replay: true, epochs, done: 0, stopped: "" };
  }
  function trainSome(run, until) {
    let p = run.done ? endOf(run, run.done - 1) : run.start;
    while (run.done < until && !run.stopped) {
      const [next, loss] = trainEpoch(p, run.lr, run.mode);
      if (!isFinite(loss) || next.some((v) => !isFinite(v))) { run.stopped = `stopped at epoch ${run.done}: the numbers stopped being finite; try a smaller learning rate`; break; }
      run.ends.set(next, run.done * P);
      run.kept.push(run.done); run.lossList.push(loss); run.done += 1;
      p = next;
    }
    run.losses = Float64Array.from(run.lossList);
    if (run.stopped) run.epochs = run.done;
  }
  function addRun(run) {
    if (runs.length > 1) runs.pop(); // one run trained here at a time, beside the recorded one
    runs.push(run);
    writeRuns();
  }
  function readSettings() {
    const lr = Number($("lr").value), epochs = Number($("epochs").value);
    if (!(lr > 0 && isFinite(lr))) return [null, `the learning rate must be a number > 0, got "${$("lr").value}"`];
    if (!(Number.isInteger(epochs) && epochs >= 1 && epochs <= 100000)) return [null, `epochs must be a whole number from 1 to 100000, got "${$("epochs").value}"`];
    return [{ lr, epochs }, ""];
  }
  let training = null;
  function train(lr, epochs, keep) {
    const run = makeRun(lr, epochs);
    clearTimeout(training);
    const started = performance.now();
    const chunk = () => {
      const until = Math.min(epochs, run.done + Math.max(1, Math.ceil(20000 / (N * Math.max(P, 1) / 50))));
      trainSome(run, until);
      $("train-out").textContent = run.stopped || (run.done < epochs ? `epoch ${run.done} of ${epochs}…` : `trained ${plural(epochs, "epoch")} in ${Math.round(performance.now() - started)} ms`);
      if (run.done < epochs && !run.stopped) { training = setTimeout(chunk, 0); return; }
      if (!run.done) return;
      addRun(run);
      state.run = runs.length - 1; state.edits = {};
      const at = keep || {};
      state.e = Math.min(at.e ?? run.kept.length - 1, run.kept.length - 1); state.r = at.r ?? state.r; state.s = at.s ?? 0;
      epochCache = null; frameCache = null; heatKey = null;
      draw();
    };
    chunk();
  }
  function writeRuns() {
    const box = $("runs");
    box.innerHTML = runs.map((run, k) => `<label><input type="radio" name="run" value="${k}"${k === state.run ? " checked" : ""}> ${k === 0 ? "recorded run" : "trained here"}: learning rate ${fmt(run.lr)}, ${plural(run.epochs, "epoch")}, final loss ${fmt(run.losses[run.losses.length - 1])}</label>`).join("");
    for (const input of box.querySelectorAll("input")) input.addEventListener("change", () => showRun(Number(input.value)));
  }
  function showRun(k) {
    if (k === state.run || !runs[k]) return;
    const epoch = runs[state.run].kept[state.e];
    state.run = k;
    state.edits = {};
    const kept = runs[k].kept;
    let best = 0;
    kept.forEach((v, n) => { if (Math.abs(v - epoch) < Math.abs(kept[best] - epoch)) best = n; });
    state.e = best;
    frameCache = null; heatKey = null;
    writeRuns();
    draw();
  }

  // --- moving through time -----------------------------------------------------------------
  function go(e, r, s) {
    const run = runs[state.run];
    e = Math.max(0, Math.min(run.kept.length - 1, e)); r = Math.max(0, Math.min(N - 1, r));
    if (e !== state.e || r !== state.r) state.edits = {}; // a what-if belongs to the frame it was made in
    state.e = e;
    state.r = r;
    state.s = Math.max(0, Math.min(UPDATE, s));
    draw();
  }
  function advance(scale, dir) {
    const run = runs[state.run];
    let { e, r, s } = state;
    if (scale === "step") {
      s += dir;
      if (s > UPDATE) { s = 0; r += 1; if (r >= N) { r = 0; e += 1; } }
      if (s < 0) { s = UPDATE; r -= 1; if (r < 0) { r = N - 1; e -= 1; } }
    } else if (scale === "row") {
      r += dir;
      if (r >= N) { r = 0; e += 1; }
      if (r < 0) { r = N - 1; e -= 1; }
    } else e += dir;
    if (e < 0 || e >= run.kept.length) return false;
    go(e, r, s);
    return true;
  }
  function pick(what) {
    const same = state.pick && what && JSON.stringify(state.pick) === JSON.stringify(what);
    state.pick = same ? null : what;
    draw();
  }

  let playing = null;
  function setPlaying(on) {
    clearInterval(playing);
    playing = on ? setInterval(() => { if (!advance($("scale").value, 1)) setPlaying(false); }, $("scale").value === "epoch" ? 120 : 300) : null;
    $("play").textContent = on ? "❚❚ pause" : "▶ play";
  }

  // --- the URL: a moment (and a run trained here) to share ----------------------------------
  function writeHash() {
    const run = runs[state.run];
    const parts = [];
    if (run !== recorded) parts.push(`lr=${run.lr}`, `epochs=${run.epochs}`);
    parts.push(`epoch=${run.kept[state.e]}`, `row=${state.r + 1}`, `step=${state.s}`);
    if (state.pick && state.pick.type === "neuron") parts.push(`neuron=${state.pick.l + 1}.${state.pick.j + 1}`);
    const hash = "#" + parts.join("&");
    if (location.hash === hash) return;
    // Written once the learner pauses: replaceState costs a few ms, a third of a step's budget.
    clearTimeout(hashTimer);
    hashTimer = setTimeout(() => { try { history.replaceState(null, "", hash); } catch (err) { /* a sandboxed iframe */ } }, 150);
  }
  let hashTimer = 0;
  function readHash() {
    const h = new URLSearchParams(location.hash.replace(/^#/, ""));
    const epoch = Number(h.get("epoch") ?? 0), row = Number(h.get("row") ?? 1) - 1, step = Number(h.get("step") ?? 0);
    const neuron = (h.get("neuron") || "").split(".").map(Number);
    if (neuron.length === 2 && neuron[0] >= 1 && neuron[0] <= L && neuron[1] >= 1 && neuron[1] <= SIZES[neuron[0]]) state.pick = { type: "neuron", l: neuron[0] - 1, j: neuron[1] - 1 };
    const at = (run) => Math.max(0, run.kept.findIndex((k) => k >= epoch));
    if (h.has("lr")) {
      $("lr").value = h.get("lr"); $("epochs").value = h.get("epochs") || D.epochs;
      const [settings, problem] = readSettings();
      const here = runs[1];
      if (settings && here && here.lr === settings.lr && here.epochs === settings.epochs) {
        if (state.run !== 1) showRun(1);
        go(at(here), isFinite(row) ? row : 0, isFinite(step) ? step : 0);
        return;
      }
      if (settings) { train(settings.lr, settings.epochs, { e: at({ kept: Array.from({ length: settings.epochs }, (_, k) => k) }), r: row, s: step }); return; }
      $("train-out").textContent = problem;
    }
    if (state.run !== 0) showRun(0);
    go(at(recorded), isFinite(row) ? row : 0, isFinite(step) ? step : 0);
  }

  // --- wiring ---------------------------------------------------------------------------------
  build();
  $("output-caption").textContent = !PLANE
    ? `every row's ${D.threshold.what}, row 1 on the left; dashed: ${fmt(thr)}; click a point for its row`
    : F === 1 ? `the ${D.threshold.what} against ${D.features[0]}; dashed: ${fmt(thr)}; the points are the data (click one)`
    : `the ${D.threshold.what} over the plane, blue for class 1, orange for 0; the dark line is the decision boundary (${fmt(thr)}); click a point for its row`;
  $("lr").value = D.lr ?? 0.1; $("epochs").value = D.epochs;
  if (!D.replay) document.querySelector("#retrain .head").textContent = "Train again, in this page, with plain gradient descent";
  $("notes").textContent = D.notes.join(" · ");
  $("prev").addEventListener("click", () => advance("step", -1));
  $("next").addEventListener("click", () => advance("step", 1));
  $("play").addEventListener("click", () => setPlaying(!playing));
  $("epoch").addEventListener("input", () => go(Number($("epoch").value), state.r, state.s));
  $("row").addEventListener("input", () => go(state.e, Number($("row").value), state.s));
  $("step").addEventListener("input", () => go(state.e, state.r, Number($("step").value)));
  $("retrain").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const [settings, problem] = readSettings();
    if (!settings) { $("train-out").textContent = problem; return; }
    train(settings.lr, settings.epochs);
  });
  document.addEventListener("keydown", (ev) => {
    if (ev.target && /INPUT|SELECT|TEXTAREA/.test(ev.target.tagName) && ev.target.type !== "range") return;
    const dir = ev.key === "ArrowRight" ? 1 : ev.key === "ArrowLeft" ? -1 : 0;
    if (dir) { ev.preventDefault(); advance(ev.ctrlKey || ev.metaKey ? "epoch" : ev.shiftKey ? "row" : "step", dir); }
    else if (ev.key === "PageDown" || ev.key === "PageUp") { ev.preventDefault(); advance("epoch", ev.key === "PageDown" ? 1 : -1); }
    else if (ev.key === " ") { ev.preventDefault(); setPlaying(!playing); }
    else if (ev.key === "Home") { ev.preventDefault(); go(0, 0, 0); }
    else if (ev.key === "End") { ev.preventDefault(); go(runs[state.run].kept.length - 1, N - 1, UPDATE); }
    else if (ev.key === "Escape") { state.pick = null; draw(); }
  });
  let resizeTimer = 0;
  // The pane, not the window: the bar above it wraps to another line once its texts are written,
  // and a layout made before that ran under the footer.
  let placedFor = "";
  new ResizeObserver(() => {
    const size = `${net.clientWidth}x${net.clientHeight}`;
    if (size === placedFor) return;
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(() => { placedFor = `${net.clientWidth}x${net.clientHeight}`; place(); draw(); }, 60);
  }).observe(net);
  place();
  placedFor = `${net.clientWidth}x${net.clientHeight}`;
  writeRuns();
  readHash();
  window.addEventListener("hashchange", readHash); // a link typed or pasted into this page (our writes replace it silently)
  // The first row or epoch key would pay for V8 compiling the heatmap code (60 ms, then 8): it is
  // compiled while the page is idle, on the frame already on screen, nothing drawn.
  (window.requestIdleCallback || ((f) => setTimeout(f, 100)))(() => {
    if (!PLANE) return;
    const params = frame().params, spare = document.createElement("canvas");
    for (let k = 0; k < 3; k++) {
      const g = computeGrids(params);
      for (let c = 0; c <= L; c++) for (let j = 0; j < SIZES[c]; j++) paintSquare(spare, GS, scaled(c === 0 ? -1 : c - 1, g.small[c][j]));
    }
  });

  // For tests and the curious: the numbers behind the picture.
  window.networkStudio = {
    state, runs, go, pick, advance,
    frame: () => { const fr = frame(); return { params: Array.from(fr.params), z: fr.f.z.map((a) => Array.from(a)), a: fr.f.a.map((a) => Array.from(a)), dz: fr.b.dz.map((a) => Array.from(a)), da: fr.b.da.map((a) => Array.from(a)), loss: fr.b.loss, grad: Array.from(fr.G), after: fr.after && Array.from(fr.after) }; },
    grid: (c, j) => (grids ? { points: Array.from({ length: GS * (F === 1 ? 1 : GS) }, (_, k) => gridPoint(GS, k % GS, Math.floor(k / GS))), values: Array.from(grids.small[c][j]) } : null),
    outputGrid: () => (grids ? { points: Array.from({ length: GO * (F === 1 ? 1 : GO) }, (_, k) => gridPoint(GO, k % GO, Math.floor(k / GO))), values: Array.from(grids.out) } : null),
    trainNow: (lr, epochs) => { const run = makeRun(lr, epochs); trainSome(run, epochs); addRun(run); state.run = runs.length - 1; state.edits = {}; state.e = run.kept.length - 1; epochCache = null; frameCache = null; heatKey = null; draw(); return Array.from(endOf(run, run.kept.length - 1)); },
    trained: () => (runs.length > 1 && runs[1].done === runs[1].kept.length && runs[1].done > 0 ? { lr: runs[1].lr, epochs: runs[1].done, final: Array.from(endOf(runs[1], runs[1].done - 1)) } : null),
  };
})();
