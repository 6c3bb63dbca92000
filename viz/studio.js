// The studio page: one graph laid out once; each frame (epoch, row, step) changes only text, colours
// and classes in place. Numbers come from the compiled trace (studioTrace) when the page has it, else
// from the engine's numbers embedded per frame. Plain ES2017, nothing from the network.
(function () {
  "use strict";
  // nan and ±inf travel as {"$f": "NaN"}: JSON has no such numbers, a diverged run does.
  const D = JSON.parse(document.getElementById("studio-data").textContent, (k, v) =>
    v !== null && typeof v === "object" && !Array.isArray(v) && typeof v.$f === "string" ? Number(v.$f) : v);
  const trace = typeof studioTrace === "function" ? studioTrace : null; // eslint-disable-line no-undef
  const $ = (id) => document.getElementById(id);
  const N = D.nodes.length;
  const ROOT = N - 1;
  const ORDER = D.order; // node indices in backward()'s order
  const S = ORDER.length; // chain-rule steps in one backward pass
  const HISTORY = D.kind === "history";
  const COMPUTED = [];
  for (let i = 0; i < N; i++) if (D.nodes[i].parents.length) COMPUTED.push(i);
  const BASE_FILL = { parameter: "#eaf2ff", "data input": "#fff8dc", target: "#fff8dc", constant: "#f2f2f2", computed: "#ffffff" };
  const state = { epoch: 0, row: 0, step: 0, edits: {}, showAll: false };
  let previousParams = null;
  let shownParams = null;

  // --- numbers -----------------------------------------------------------------------------------

  // Python's format(x, ".4g"), so the page prints what the engine's files print.
  function fmt(x) {
    if (x === null || x === undefined) return "";
    if (Number.isNaN(x)) return "nan";
    if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
    if (x === 0) return Object.is(x, -0) ? "-0" : "0";
    const [mant, e] = x.toExponential(3).split("e");
    const exp = parseInt(e, 10);
    if (exp < -4 || exp >= 4) {
      const m = mant.includes(".") ? mant.replace(/\.?0+$/, "") : mant;
      return m + "e" + (exp < 0 ? "-" : "+") + String(Math.abs(exp)).padStart(2, "0");
    }
    let f = x.toFixed(Math.max(0, 3 - exp));
    if (f.includes(".")) f = f.replace(/\.?0+$/, "");
    return f;
  }

  function rowCount(e) { return HISTORY ? D.epochs[e].rows.length : 1; }
  // The epoch a frame shows. Frames index the recorded epochs; a very long run keeps a thinned
  // subset, so the number shown (and linked) is the record's own, not its position.
  function num(e) { return HISTORY ? D.epochs[e].epoch : e; }
  function indexOf(epoch) { let i = 0; while (i + 1 < D.epochs.length && D.epochs[i + 1].epoch <= epoch) i++; return i; }
  function isEnd(e, r) { return HISTORY && r === rowCount(e); }
  function lastStep(e, r) { return isEnd(e, r) ? 0 : S + (HISTORY ? 1 : 0); }
  function dataRow(e, r) { return isEnd(e, r) ? 0 : r; }
  function params(e, r) {
    if (!HISTORY) return [];
    return isEnd(e, r) ? D.epochs[e].end : D.epochs[e].rows[r];
  }

  function leafValues(e, r) {
    const p = params(e, r);
    const row = dataRow(e, r);
    const out = [];
    for (let i = 0; i < N; i++) {
      const s = D.sources[i];
      let v = 0;
      if (!s.length) v = 0;
      else if (s[0] === "p") v = p[s[1]];
      else if (s[0] === "x") v = D.rows[s[1] === null ? row : s[1]][0][s[2]];
      else if (s[0] === "y") v = D.rows[s[1] === null ? row : s[1]][1];
      else v = s[1];
      if (Object.prototype.hasOwnProperty.call(state.edits, i)) v = state.edits[i];
      out.push(v);
    }
    return out;
  }

  // data[i] and local[i] (∂node/∂parent, operand order) for every node of the frame.
  function forward(e, r) {
    const leaves = leafValues(e, r);
    if (trace) {
      const res = trace(leaves.filter((_, i) => !D.nodes[i].parents.length));
      if (res.pathChanged) return res; // the user's code would branch the other way here: see showPathChanged
      return { data: res.data, local: res.local };
    }
    const packed = HISTORY ? D.epochs[e].num[r] : D.single;
    const data = leaves.slice();
    const local = D.nodes.map(() => []);
    let k = 0;
    for (const i of COMPUTED) data[i] = packed[k++];
    for (const i of COMPUTED) for (let j = 0; j < D.nodes[i].parents.length; j++) local[i].push(packed[k++]);
    return { data, local };
  }

  // The backward pass replayed for `steps` steps: grad[i] as backward() leaves it at that point.
  function replay(local, steps) {
    const grad = new Array(N).fill(0);
    const reached = new Array(N).fill(false);
    const paths = D.nodes.map(() => []);
    const contrib = D.nodes.map(() => []);
    if (steps > 0) { grad[ROOT] += 1; reached[ROOT] = true; }
    for (let k = 0; k < Math.min(steps, S); k++) {
      const node = ORDER[k];
      const ps = D.nodes[node].parents;
      for (let j = 0; j < ps.length; j++) {
        const c = grad[node] * local[node][j];
        contrib[node][j] = c;
        grad[ps[j]] += c;
        reached[ps[j]] = true;
        paths[ps[j]].push(c);
      }
    }
    return { grad, reached, paths, contrib };
  }

  // --- the picture ---------------------------------------------------------------------------------

  const svg = document.getElementById("graph-svg");
  const vb = svg.viewBox.baseVal;
  const full = { x: vb.x, y: vb.y, w: vb.width, h: vb.height };
  const view = { x: full.x, y: full.y, scale: 1 };
  const MIN_TEXT_SCALE = 12 / 13; // the smallest SVG font is 13 units: keep it >= 12 px unless zoomed out by hand

  function gradFill(g, scale) {
    if (g === 0 || scale === 0 || !Number.isFinite(g) || !Number.isFinite(scale)) return "#f4f4f4";
    const strength = Math.sqrt(Math.min(Math.abs(g) / scale, 1));
    const c = g > 0 ? [0x21, 0x66, 0xac] : [0xb2, 0x18, 0x2b];
    return "#" + c.map((v) => Math.round(255 + (v - 255) * (0.12 + 0.6 * strength)).toString(16).padStart(2, "0")).join("");
  }
  function edgeColour(c) { return c > 0 ? "#2166ac" : c < 0 ? "#b2182b" : "#666666"; }
  function setText(id, text, value) {
    const el = $(id);
    if (!el) return;
    if (el.textContent !== text) el.textContent = text;
    if (value === undefined || value === null) el.removeAttribute("data-v");
    else el.setAttribute("data-v", String(value));
  }
  function setTitle(g, text) {
    const t = g.querySelector("title");
    if (t && t.textContent !== text) t.textContent = text;
  }
  function port(i, j) { return D.nodes[i].ordered ? (j < 8 ? "abcdefgh"[j] : String(j + 1)) + ": " : ""; }
  function shows(i) { return state.showAll || D.showGrad[i]; }
  function name(i) { return D.nodes[i].name; }

  let frame = null; // the numbers on screen, for tests and the tables

  function render() {
    const { epoch: e, row: r, step: s } = state;
    const f = forward(e, r);
    if (f.pathChanged) { showPathChanged(f.pathChanged); return; }
    const back = replay(f.local, isEnd(e, r) ? 0 : Math.min(s, S));
    const current = !isEnd(e, r) && s >= 1 && s <= S ? ORDER[s - 1] : -1;
    let scale = 0;
    for (let i = 0; i < N; i++) if (back.reached[i] && shows(i) && Number.isFinite(back.grad[i])) scale = Math.max(scale, Math.abs(back.grad[i]));
    for (let i = 0; i < N; i++) {
      setText("n" + i + "-data", "data = " + fmt(f.data[i]), f.data[i]);
      const visible = back.reached[i] && shows(i);
      setText("n" + i + "-grad", visible ? "grad = " + fmt(back.grad[i]) : shows(i) ? "grad =" : "grad not shown", back.reached[i] ? back.grad[i] : null);
      $("n" + i + "-shape").setAttribute("fill", visible ? gradFill(back.grad[i], scale) : BASE_FILL[D.nodes[i].kind]);
      $("n" + i).classList.toggle("cur", i === current);
      $("n" + i).classList.toggle("edited", Object.prototype.hasOwnProperty.call(state.edits, i));
      const ps = D.nodes[i].parents;
      if (!ps.length) continue;
      const processed = back.contrib[i].length > 0;
      for (let j = 0; j < ps.length; j++) {
        const id = "e" + i + "_" + j;
        const on = processed && shows(ps[j]);
        const c = back.contrib[i][j];
        setText(id + "-d", on ? port(i, j) + "∂ " + fmt(f.local[i][j]) : "", on ? f.local[i][j] : null);  // idle: no orphan "a:"
        setText(id + "-c", on ? "→ " + fmt(c) : "", on ? c : null);
        $(id + "-path").setAttribute("stroke", on ? edgeColour(c) : "#666666");
        $(id + "-head").setAttribute("stroke", on ? edgeColour(c) : "#666666");
        $(id + "-head").setAttribute("fill", on ? edgeColour(c) : "#666666");
        $(id).classList.toggle("cur", i === current);
        setTitle($(id), on ? "∂" + name(i) + "/∂" + name(ps[j]) + " = " + fmt(f.local[i][j]) + "; contribution = dL/d" + name(i) +
          " × ∂" + name(i) + "/∂" + name(ps[j]) + " = " + fmt(back.grad[i]) + " × " + fmt(f.local[i][j]) + " = " + fmt(c) : "");
      }
    }
    frame = { data: f.data, local: f.local, grad: back.grad, reached: back.reached, contrib: back.contrib, current };
    renderNow(f, back, current);
    renderUpdate(f, back);
    renderParams(back);
    renderControls();
    renderChart();
    renderFit();
    writeHash();
  }

  // The compiled trace refuses leaves at which one of the comparisons that built the graph (w > 0.5)
  // would come out the other way ({pathChanged: {comparison, recorded, now, message}}): the graph on
  // screen is not what the code would build there, so say so instead of showing its numbers.
  function showPathChanged(p) {
    const sentence = "your edit takes the code down another path: " + p.comparison + " is now " + (p.now ? "true" : "false") +
      "; the recorded path's numbers are not shown";
    for (let i = 0; i < N; i++) {
      setText("n" + i + "-data", "data = ?", null);
      setText("n" + i + "-grad", "grad = ?", null);
      $("n" + i + "-shape").setAttribute("fill", BASE_FILL[D.nodes[i].kind]);
      for (let j = 0; j < D.nodes[i].parents.length; j++) { setText("e" + i + "_" + j + "-d", "", null); setText("e" + i + "_" + j + "-c", "", null); }
    }
    $("now").innerHTML = '<div class="path-changed">' + esc(sentence) + "</div>";
    if (HISTORY) $("update").textContent = "";
    frame = { pathChanged: p, sentence };
    renderControls();
    writeHash();
  }

  function loss() { return "L"; }

  function renderNow(f, back, current) {
    const { epoch: e, row: r, step: s } = state;
    const parts = [];
    let where = "";
    if (HISTORY) {
      where = "epoch " + num(e) + " (of 0–" + num(D.epochs.length - 1) + ")";
      if (D.fullBatch) where += " · all " + D.rows.length + " rows summed";
      else if (isEnd(e, r)) where += " · end: the parameters after this epoch's updates";
      else {
        const [xs, y] = D.rows[r];
        where += " · row " + r + " (of 0–" + (D.rows.length - 1) + "): " + D.features.map((n, j) => n + " " + fmt(xs[j])).join(", ") + ", " + D.label + " " + fmt(y);
      }
    }
    const root = f.data[ROOT];
    let what;
    const L = "L = " + D.objective + " = " + fmt(root);
    if (isEnd(e, r)) what = "forward pass with the trained parameters: " + L;
    else if (s === 0) what = "forward pass: " + L + " (gradients not computed yet)";
    else if (s <= S) {
      what = "backward step " + s + " of " + S + ": through " + name(current) + " (" + D.nodes[current].op + "), whose gradient is complete";
      const ps = D.nodes[current].parents;
      const lines = [];
      for (let j = 0; j < ps.length; j++) {
        if (!shows(ps[j])) continue;
        const p = ps[j];
        const line = "d" + loss() + "/d" + name(p) + " += d" + loss() + "/d" + name(current) + " × ∂" + name(current) + "/∂" + name(p) + " = " +
          fmt(back.grad[current]) + " × " + fmt(f.local[current][j]) + " = " + fmt(back.contrib[current][j]);
        lines.push(line);
        if (back.paths[p].length > 1) lines.push("  " + name(p) + " is used " + back.paths[p].length + " times: " + back.paths[p].map(fmt).join(" + ") + " = " + fmt(back.grad[p]));
      }
      parts.push('<div class="formula">' + lines.map(esc).join("<br>") + "</div>");
    } else what = "backward pass done (" + L + "): every gradient is in; the update below";
    $("now").innerHTML = (where ? '<div class="where">' + esc(where) + "</div>" : "") + "<div>" + esc(what) + "</div>" + parts.join("");
    if (HISTORY) {
      const metric = D.epochs[e].loss;
      $("now").insertAdjacentHTML("beforeend", '<div title="what the tutorial prints each epoch: the squared error of each row, before its update, summed">epoch ' + num(e) +
        "'s printed error (Σ " + esc(D.metric.replace(/_/g, " ")) + " over its rows) = " + esc(fmt(metric)) + "</div>");
    }
  }

  function esc(t) { return String(t).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;"); }

  function paramLeaves() {
    const out = [];
    for (let i = 0; i < N; i++) if (D.sources[i].length && D.sources[i][0] === "p") out.push([D.sources[i][1], i]);
    return out;
  }
  const PARAM_NODES = paramLeaves();

  function renderUpdate(f, back) {
    const el = $("update");
    if (!HISTORY) { el.textContent = ""; return; }
    const { epoch: e, row: r, step: s } = state;
    if (isEnd(e, r)) { el.innerHTML = '<span class="pending">after epoch ' + num(e) + ": " + D.params.map((p, k) => esc(p) + " = " + fmt(D.epochs[e].end[k])).join(", ") + "</span>"; return; }
    if (s <= S) { el.innerHTML = '<span class="pending">update: after the backward pass (step ' + (S + 1) + ")</span>"; return; }
    const leaves = leafValues(e, r); // with the learner's edits
    const after = r + 1 < rowCount(e) ? D.epochs[e].rows[r + 1] : D.epochs[e].end;
    const lines = [];
    const before = [];
    for (const [k, i] of PARAM_NODES) before[k] = leaves[i];
    for (const [k, i] of PARAM_NODES) {
      const g = back.grad[i];
      const lr = D.lr;
      const sgd = before[k] - lr * g;
      const same = Math.abs(sgd - after[k]) <= 1e-9 * Math.max(1, Math.abs(after[k]));
      const edited = Object.keys(state.edits).length > 0;
      let text;
      if (edited) text = D.params[k] + " ← " + fmt(before[k]) + " − " + fmt(lr) + " × " + fmt(g) + " = " + fmt(sgd) + " (with your edit)";
      else if (same) text = D.params[k] + " ← " + fmt(before[k]) + " − " + fmt(lr) + " × " + fmt(g) + " = " + fmt(after[k]);
      else text = D.params[k] + ": " + fmt(before[k]) + " → " + fmt(after[k]) + " (" + D.optimizer + ")";
      lines.push('<div class="update-line" data-param="' + esc(D.params[k]) + '" data-before="' + before[k] + '" data-grad="' + g + '" data-after="' + (edited ? sgd : after[k]) + '" data-lr="' + lr + '">' + esc(text) + "</div>");
    }
    el.innerHTML = lines.join("");
  }

  function renderParams(back) {
    const body = document.querySelector("#params tbody");
    if (!HISTORY && !D.nodes.some((n) => n.kind === "parameter")) { $("params").hidden = true; return; }
    const rows = [];
    const values = [];
    const leaves = leafValues(state.epoch, state.row);
    const list = HISTORY ? PARAM_NODES : [];
    if (!HISTORY) for (let i = 0; i < N; i++) if (D.nodes[i].kind === "parameter") list.push([list.length, i]);
    for (const [k, i] of list) {
      const v = leaves[i];
      values.push(v);
      const g = back.reached[i] ? fmt(back.grad[i]) : "";
      let change = "";
      if (previousParams && previousParams.length === list.length) {
        const d = v - previousParams[k];
        change = d === 0 ? "0" : (d > 0 ? "+" : "") + fmt(d);
      }
      const n = HISTORY ? D.params[k] : D.nodes[i].label;
      rows.push("<tr><td>" + esc(n) + "</td><td>" + fmt(v) + "</td><td>" + g + "</td><td>" + change + "</td></tr>");
    }
    body.innerHTML = rows.join("");
    shownParams = values;
  }

  // --- controls, scrubbing, keys ------------------------------------------------------------------

  const epochInput = $("epoch");
  const stepInput = $("step");
  if (HISTORY) epochInput.max = String(D.epochs.length - 1);
  else { $("epoch-box").hidden = true; $("chart-box").hidden = true; $("fit-box").hidden = true; $("update").hidden = true; }
  $("title").textContent = D.title;
  if (!HISTORY) document.querySelector("#key .keys").textContent = "← → step · space play · Home/End · click a leaf to edit · wheel/drag zoom, pan";
  const notes = D.notes.slice();
  if (!trace) notes.unshift("editing is off");
  if (D.interrupted) notes.push("training was stopped early: these are the epochs it finished");
  $("notes").textContent = notes.join(" · ");

  function renderControls() {
    const { epoch: e, row: r, step: s } = state;
    if (HISTORY) { epochInput.value = String(e); $("epoch-out").textContent = num(e) + " / " + num(D.epochs.length - 1); }
    stepInput.max = String(lastStep(e, r));
    stepInput.value = String(s);
    const last = lastStep(e, r);
    $("step-out").textContent = isEnd(e, r) ? "end" : s === 0 ? "forward" : s <= S ? s + " of " + S : "update";
    stepInput.disabled = last === 0;
    const box = $("rows");
    if (!HISTORY) { box.hidden = true; return; }
    if (box.childElementCount !== D.rows.length + 1) {
      box.innerHTML = "";
      const title = document.createElement("span");
      title.textContent = D.fullBatch ? "batch" : "row";
      box.appendChild(title);
      const n = D.fullBatch ? 1 : D.rows.length;
      for (let k = 0; k <= n; k++) {
        const b = document.createElement("button");
        b.textContent = k < n ? (D.fullBatch ? "all rows" : String(k)) : "end";
        b.dataset.row = String(k);
        b.addEventListener("click", () => { const rr = Number(b.dataset.row); go(state.epoch, Math.min(rr, rowCount(state.epoch)), landing(state.epoch, Math.min(rr, rowCount(state.epoch)))); });
        box.appendChild(b);
      }
    }
    const buttons = box.querySelectorAll("button");
    buttons.forEach((b, k) => {
      const target = k === buttons.length - 1 ? rowCount(e) : k;
      b.disabled = k !== buttons.length - 1 && k >= rowCount(e);
      b.classList.toggle("on", target === r && !(k !== buttons.length - 1 && k >= rowCount(e)));
      b.title = k === buttons.length - 1 ? "the parameters after the epoch"
        : rowCount(e) === 0 ? "this epoch's rows were not recorded (a long run keeps a subset of epochs): only its end is known"
        : D.epochs[e].partial ? "rows of this epoch were not recorded; row 0 uses the previous epoch's parameters" : "";
    });
  }

  function landing(e, r) { return lastStep(e, r); }

  function go(e, r, s, keepEdits) {
    if (HISTORY) e = Math.max(0, Math.min(D.epochs.length - 1, e)); else e = 0;
    r = Math.max(0, Math.min(HISTORY ? rowCount(e) : 0, r));
    s = Math.max(0, Math.min(lastStep(e, r), s));
    const moved = e !== state.epoch || r !== state.row || s !== state.step;
    if (moved && !keepEdits) { state.edits = {}; $("edited").hidden = true; closeEditor(); }
    if (moved) previousParams = shownParams;
    state.epoch = e; state.row = r; state.step = s;
    render();
  }

  // The frame sequence at the finest scale: steps, then the next row, then the next epoch.
  function nextStep(dir) {
    let { epoch: e, row: r, step: s } = state;
    s += dir;
    if (s > lastStep(e, r)) { r += 1; s = 0; if (r > (HISTORY ? rowCount(e) : 0)) { if (!HISTORY || e + 1 >= D.epochs.length) return false; e += 1; r = 0; } }
    if (s < 0) {
      r -= 1;
      if (r < 0) { if (!HISTORY || e === 0) return false; e -= 1; r = rowCount(e); }
      s = lastStep(e, r);
    }
    go(e, r, s);
    return true;
  }
  function nextRow(dir) {
    let { epoch: e, row: r } = state;
    r += dir;
    if (r > (HISTORY ? rowCount(e) : 0)) { if (!HISTORY || e + 1 >= D.epochs.length) return false; e += 1; r = 0; }
    if (r < 0) { if (!HISTORY || e === 0) return false; e -= 1; r = rowCount(e); }
    go(e, r, landing(e, r));
    return true;
  }
  function nextEpoch(dir) {
    if (!HISTORY) return false;
    const e = state.epoch + dir;
    if (e < 0 || e >= D.epochs.length) return false;
    go(e, 0, landing(e, 0));
    return true;
  }

  epochInput.addEventListener("input", () => go(Number(epochInput.value), 0, landing(Number(epochInput.value), 0)));
  stepInput.addEventListener("input", () => go(state.epoch, state.row, Number(stepInput.value)));
  $("all-grads").checked = D.showGrad.every(Boolean);
  $("all-grads").addEventListener("change", () => { state.showAll = $("all-grads").checked; render(); });
  $("prev").addEventListener("click", () => nextStep(-1));
  $("next").addEventListener("click", () => nextStep(1));

  // Play: epochs at 50 per second (1000 epochs in 20 s at 1×), rows at 4, steps at 2.
  const RATE = { epoch: 50, row: 4, step: 2 };
  let playing = false, lastTick = 0, owed = 0;
  if (!HISTORY) $("scale").value = "step";
  if (!HISTORY) $("scale").disabled = true;
  function tick(now) {
    if (!playing) return;
    const rate = RATE[$("scale").value] * Number($("speed").value);
    owed += ((now - lastTick) / 1000) * rate;
    lastTick = now;
    let moves = Math.floor(owed);
    owed -= moves;
    while (moves-- > 0) {
      const scale = $("scale").value;
      const ok = scale === "epoch" ? nextEpoch(1) : scale === "row" ? nextRow(1) : nextStep(1);
      if (!ok) { setPlaying(false); return; }
    }
    requestAnimationFrame(tick);
  }
  function setPlaying(on) {
    playing = on;
    $("play").textContent = on ? "❚❚ pause" : "▶ play";
    if (on) { lastTick = performance.now(); owed = 1; requestAnimationFrame(tick); }
  }
  $("play").addEventListener("click", () => setPlaying(!playing));

  // A clicked button gives the keyboard back, so space plays instead of pressing that button again.
  document.addEventListener("click", (ev) => {
    const b = ev.target.closest && ev.target.closest("button");
    if (b && b.id !== "editor-ok") b.blur();
  });
  document.addEventListener("keydown", (ev) => {
    if (ev.target && ev.target.tagName === "INPUT" && ev.target.type === "text") return;
    if (ev.target && ev.target.tagName === "SELECT") return;
    const dir = ev.key === "ArrowRight" ? 1 : ev.key === "ArrowLeft" ? -1 : 0;
    if (dir) {
      ev.preventDefault();
      if (ev.ctrlKey || ev.altKey || ev.metaKey) nextEpoch(dir);
      else if (ev.shiftKey) nextRow(dir);
      else nextStep(dir);
    } else if (ev.key === "PageDown" || ev.key === "PageUp") { ev.preventDefault(); nextEpoch(ev.key === "PageDown" ? 1 : -1); }
    else if (ev.key === " ") { ev.preventDefault(); setPlaying(!playing); }
    else if (ev.key === "Home") { ev.preventDefault(); go(0, 0, 0); }
    else if (ev.key === "End") { ev.preventDefault(); const e = HISTORY ? D.epochs.length - 1 : 0; go(e, HISTORY ? rowCount(e) : 0, HISTORY ? 0 : S); }
    else if (ev.key === "0") fitView();
    else if (ev.key === "Escape") { closeEditor(); }
  });

  // --- deep links: #epoch=500&row=2&step=3 (rows and epochs count from 0, as in the code) ---------

  function readHash() {
    const h = new URLSearchParams(location.hash.replace(/^#/, ""));
    if (![...h.keys()].length) return false;
    const asked = Number(h.get("epoch") || 0);
    const e = HISTORY && Number.isFinite(asked) ? indexOf(asked) : asked;
    let r = h.get("row");
    r = r === "end" ? (HISTORY ? rowCount(Math.max(0, Math.min(e, (D.epochs || [0]).length - 1))) : 0) : Number(r || 0);
    const s = h.has("step") ? Number(h.get("step")) : null;
    if ([e, r].some((v) => !Number.isFinite(v))) return false;
    const ee = HISTORY ? Math.max(0, Math.min(D.epochs.length - 1, e)) : 0;
    const rr = Math.max(0, Math.min(HISTORY ? rowCount(ee) : 0, r));
    go(ee, rr, s === null || !Number.isFinite(s) ? landing(ee, rr) : s);
    return true;
  }
  let hashTimer = 0;
  function writeHash() {
    const { epoch: e, row: r, step: s } = state;
    const hash = HISTORY ? "#epoch=" + num(e) + "&row=" + (isEnd(e, r) ? "end" : r) + "&step=" + s : "#step=" + s;
    if (location.hash === hash) return;
    clearTimeout(hashTimer);
    const write = () => { try { history.replaceState(null, "", hash); } catch (err) { /* a sandboxed iframe */ } };
    if (playing) hashTimer = setTimeout(write, 200); else write();
  }
  window.addEventListener("hashchange", () => readHash());

  // --- zoom and pan: only the viewBox changes, the layout never does -------------------------------

  const pane = $("graph");
  function applyView() {
    const w = pane.clientWidth, h = pane.clientHeight;
    svg.setAttribute("viewBox", [view.x, view.y, w / view.scale, h / view.scale].join(" "));
  }
  function fitView() {
    const w = pane.clientWidth || 600, h = pane.clientHeight || 400;
    const fitScale = Math.min(w / full.w, h / full.h, 2.2); // big enough to read from the back of a room
    view.scale = Math.max(fitScale, MIN_TEXT_SCALE);
    const vw = w / view.scale;
    view.x = full.x + Math.min(0, (full.w - vw) / 2); // centred when it fits, from the left edge when not
    view.y = full.y;
    applyView();
  }
  pane.addEventListener("wheel", (ev) => {
    ev.preventDefault();
    const rect = pane.getBoundingClientRect();
    const px = ev.clientX - rect.left, py = ev.clientY - rect.top;
    const gx = view.x + px / view.scale, gy = view.y + py / view.scale;
    view.scale = Math.max(0.2, Math.min(6, view.scale * Math.exp(-ev.deltaY * 0.0015)));
    view.x = gx - px / view.scale; view.y = gy - py / view.scale;
    applyView();
  }, { passive: false });
  let drag = null;
  pane.addEventListener("pointerdown", (ev) => {
    if (ev.button !== 0) return;
    drag = { x: ev.clientX, y: ev.clientY, vx: view.x, vy: view.y, moved: false };
  });
  window.addEventListener("pointermove", (ev) => {
    if (!drag) return;
    const dx = ev.clientX - drag.x, dy = ev.clientY - drag.y;
    if (!drag.moved && Math.abs(dx) + Math.abs(dy) < 4) return;
    drag.moved = true;
    pane.classList.add("dragging");
    view.x = drag.vx - dx / view.scale; view.y = drag.vy - dy / view.scale;
    applyView();
  });
  window.addEventListener("pointerup", () => { setTimeout(() => { drag = null; }, 0); pane.classList.remove("dragging"); });
  // Fit again whenever the pane changes size (a window resize, the controls wrapping onto more lines).
  if (typeof ResizeObserver === "function") new ResizeObserver(() => fitView()).observe(pane);
  else window.addEventListener("resize", fitView);
  $("fitview").addEventListener("click", fitView);

  // --- edit and see: click a leaf, type a number, every value and gradient recomputed -----------

  let editing = -1;
  for (let i = 0; i < N; i++) {
    if (D.nodes[i].parents.length) continue;
    const g = $("n" + i);
    g.classList.add("leaf");
    setTitle(g, (D.nodes[i].label || "constant") + ": " + D.nodes[i].kind + (trace ? " — click to set its value" : ""));
    g.addEventListener("click", () => { if (drag && drag.moved) return; openEditor(i); });
  }
  function openEditor(i) {
    if (!trace) {
      $("notes").textContent = "Editing needs the page's compiled JavaScript, which this graph does not have: " + D.notes.join(" · ");
      return;
    }
    editing = i;
    $("editor").hidden = false;
    $("editor-name").textContent = D.nodes[i].label || "constant";
    const v = leafValues(state.epoch, state.row)[i];
    $("editor-input").value = String(v);
    $("editor-input").focus();
    $("editor-input").select();
  }
  function closeEditor() { editing = -1; $("editor").hidden = true; }
  function applyEdit() {
    if (editing < 0) return;
    const v = Number($("editor-input").value.trim());
    if ($("editor-input").value.trim() === "" || !Number.isFinite(v)) { $("editor-input").setCustomValidity("a number, e.g. 0.5"); $("editor-input").reportValidity(); return; }
    edit(editing, v);
    closeEditor();
  }
  function edit(i, v) {
    state.edits[i] = v;
    const names = Object.keys(state.edits).map((k) => (D.nodes[k].label || "constant") + " = " + fmt(state.edits[k]));
    $("edited-text").textContent = "You set " + names.join(", ") + ": every number in this frame is recomputed.";
    $("edited").hidden = false;
    previousParams = shownParams;
    render();
  }
  $("editor-ok").addEventListener("click", applyEdit);
  $("editor-input").addEventListener("keydown", (ev) => { if (ev.key === "Enter") applyEdit(); if (ev.key === "Escape") closeEditor(); ev.stopPropagation(); });
  $("reset").addEventListener("click", () => { state.edits = {}; $("edited").hidden = true; render(); });

  // --- save the frame as SVG (a Blob download; nothing leaves the machine) -------------------------

  $("save").addEventListener("click", () => {
    const copy = svg.cloneNode(true);
    copy.setAttribute("viewBox", [full.x, full.y, full.w, full.h].join(" "));
    copy.setAttribute("width", full.w + "pt");
    copy.setAttribute("height", full.h + "pt");
    copy.setAttribute("xmlns", "http://www.w3.org/2000/svg");
    const text = '<?xml version="1.0" encoding="UTF-8"?>\n' + new XMLSerializer().serializeToString(copy);
    const url = URL.createObjectURL(new Blob([text], { type: "image/svg+xml" }));
    const a = document.createElement("a");
    const { epoch: e, row: r, step: s } = state;
    a.href = url;
    a.download = HISTORY ? "epoch" + num(e) + "_row" + (isEnd(e, r) ? "end" : r) + "_step" + s + ".svg" : "step" + s + ".svg";
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  });

  // --- panels: the printed error per epoch, and the fit for the frame's parameters ---------------

  const SVGNS = "http://www.w3.org/2000/svg";
  function el(tag, attrs, text) {
    const n = document.createElementNS(SVGNS, tag);
    for (const k in attrs) n.setAttribute(k, attrs[k]);
    if (text !== undefined) n.textContent = text;
    return n;
  }
  function niceTicks(lo, hi, n) {
    const span = hi - lo || 1;
    const step = Math.pow(10, Math.floor(Math.log10(span / n)));
    const m = [1, 2, 5, 10].find((k) => span / (k * step) <= n) * step;
    const out = [];
    for (let v = Math.ceil(lo / m) * m; v <= hi + 1e-12; v += m) out.push(Number(v.toPrecision(12)));
    return out;
  }
  let chartMarker = null, chartX = null;
  function buildChart() {
    if (!HISTORY) return;
    const c = $("chart");
    const L = { l: 44, r: 10, t: 8, b: 30 }, W = 320, H = 150;
    const ys = D.epochs.map((x) => x.loss).filter(Number.isFinite);
    const lo = Math.min(0, ...ys), hi = Math.max(...ys, lo + 1e-9);
    const n = num(D.epochs.length - 1) + 1;  // the x axis counts epochs, recorded or not
    const X = (epoch) => L.l + (n > 1 ? (epoch / (n - 1)) * (W - L.l - L.r) : 0);
    const Y = (v) => H - L.b - ((v - lo) / (hi - lo)) * (H - L.t - L.b);
    chartX = X;
    c.appendChild(el("line", { x1: L.l, y1: H - L.b, x2: W - L.r, y2: H - L.b, stroke: "#888" }));
    c.appendChild(el("line", { x1: L.l, y1: L.t, x2: L.l, y2: H - L.b, stroke: "#888" }));
    for (const t of niceTicks(lo, hi, 4)) {
      c.appendChild(el("line", { x1: L.l - 3, y1: Y(t), x2: W - L.r, y2: Y(t), stroke: "#eee" }));
      c.appendChild(el("text", { x: L.l - 5, y: Y(t) + 4, "text-anchor": "end", class: "chart-text" }, fmt(t)));
    }
    for (const t of niceTicks(0, n - 1, 4)) {
      c.appendChild(el("text", { x: X(t), y: H - L.b + 14, "text-anchor": "middle", class: "chart-text" }, String(t)));
    }
    c.appendChild(el("text", { x: (L.l + W - L.r) / 2, y: H - 3, "text-anchor": "middle", class: "chart-text" }, "epoch"));
    const step = Math.max(1, Math.floor(D.epochs.length / 600));
    const pts = [];
    for (let e = 0; e < D.epochs.length; e += step) if (Number.isFinite(D.epochs[e].loss)) pts.push(X(num(e)).toFixed(1) + "," + Y(D.epochs[e].loss).toFixed(1));
    c.appendChild(el("polyline", { points: pts.join(" "), fill: "none", stroke: "#1f4e9c", "stroke-width": 1.8 }));
    chartMarker = el("g", {});
    chartMarker.appendChild(el("line", { x1: 0, y1: L.t, x2: 0, y2: H - L.b, stroke: "#e8590c", "stroke-width": 1.5 }));
    chartMarker.appendChild(el("circle", { cx: 0, cy: 0, r: 4, fill: "#e8590c" }));
    c.appendChild(chartMarker);
    chartMarker.Y = Y;
    $("chart-caption").textContent = "printed error per epoch (Σ " + D.metric.replace(/_/g, " ") + " over the rows, the tutorial's log); the training objective is " + D.objective;
  }
  function renderChart() {
    if (!chartMarker) return;
    const e = state.epoch;
    chartMarker.setAttribute("transform", "translate(" + chartX(num(e)).toFixed(1) + ",0)");
    chartMarker.lastChild.setAttribute("cy", chartMarker.Y(D.epochs[e].loss).toFixed(1));
  }

  let fitLayer = null, fitMap = null;
  function buildFit() {
    if (!HISTORY || !D.fit) { $("fit-box").hidden = true; return; }
    const c = $("fit");
    const W = 320, H = 170, L = { l: 36, r: 10, t: 8, b: 30 };
    const xs = D.rows.map((r) => r[0][0]);
    const x0 = Math.min(...xs) - 1, x1 = Math.max(...xs) + 1;
    const X = (x) => L.l + ((x - x0) / (x1 - x0)) * (W - L.l - L.r);
    c.appendChild(el("line", { x1: L.l, y1: H - L.b, x2: W - L.r, y2: H - L.b, stroke: "#888" }));
    c.appendChild(el("line", { x1: L.l, y1: L.t, x2: L.l, y2: H - L.b, stroke: "#888" }));
    for (const t of niceTicks(x0, x1, 5)) c.appendChild(el("text", { x: X(t), y: H - L.b + 14, "text-anchor": "middle", class: "chart-text" }, fmt(t)));
    if (D.fit.inputs === 1) {
      const Y = (p) => H - L.b - p * (H - L.t - L.b);
      for (const t of [0, 0.5, 1]) {
        c.appendChild(el("text", { x: L.l - 5, y: Y(t) + 4, "text-anchor": "end", class: "chart-text" }, String(t)));
        c.appendChild(el("line", { x1: L.l, y1: Y(t), x2: W - L.r, y2: Y(t), stroke: "#eee" }));
      }
      c.appendChild(el("text", { x: (L.l + W - L.r) / 2, y: H - 3, "text-anchor": "middle", class: "chart-text" }, D.features[0]));
      fitMap = { X, Y, x0, x1 };
      fitLayer = el("g", {});
      c.appendChild(fitLayer);
      for (const [f, y] of D.rows) c.appendChild(el("circle", { cx: X(f[0]), cy: Y(y), r: 5, fill: y ? "#2166ac" : "#b2182b", stroke: "white" }));
      $("fit-caption").textContent = "probability of " + D.label + " = sigmoid(w·" + D.features[0] + " + b) for this frame's w and b; dots: the data";
    } else {
      const ys = D.rows.map((r) => r[0][1]);
      const y0 = Math.min(...ys) - 1, y1 = Math.max(...ys) + 1;
      const Y = (y) => H - L.b - ((y - y0) / (y1 - y0)) * (H - L.t - L.b);
      for (const t of niceTicks(y0, y1, 4)) c.appendChild(el("text", { x: L.l - 5, y: Y(t) + 4, "text-anchor": "end", class: "chart-text" }, fmt(t)));
      c.appendChild(el("text", { x: (L.l + W - L.r) / 2, y: H - 3, "text-anchor": "middle", class: "chart-text" }, D.features[0] + " (up: " + D.features[1] + ")"));
      fitMap = { X, Y, x0, x1, y0, y1 };
      fitLayer = el("g", {});
      c.appendChild(fitLayer);
      for (const [f, y] of D.rows) c.appendChild(el("circle", { cx: X(f[0]), cy: Y(f[1]), r: 5, fill: y ? "#2166ac" : "#b2182b", stroke: "white" }));
      $("fit-caption").textContent = "decision boundary w1·" + D.features[0] + " + w2·" + D.features[1] + " + b = 0 (probability 0.5) for this frame's parameters; shaded: predicted " + D.label + "; blue dots: " + D.label + " 1";
    }
  }
  function renderFit() {
    if (!fitLayer) return;
    const leaves = leafValues(state.epoch, state.row);
    const p = [];
    for (const [k, i] of PARAM_NODES) p[k] = leaves[i];
    while (fitLayer.firstChild) fitLayer.removeChild(fitLayer.firstChild);
    const { X, Y, x0, x1 } = fitMap;
    if (D.fit.inputs === 1) {
      const pts = [];
      for (let k = 0; k <= 80; k++) {
        const x = x0 + ((x1 - x0) * k) / 80;
        pts.push(X(x).toFixed(1) + "," + Y(1 / (1 + Math.exp(-(p[0] * x + p[1])))).toFixed(1));
      }
      fitLayer.appendChild(el("polyline", { points: pts.join(" "), fill: "none", stroke: "#e8590c", "stroke-width": 2 }));
    } else {
      // The line w1·x + w2·y + b = 0, and the side where the probability is above 0.5 shaded;
      // a polygon clipped to the plot box (Sutherland–Hodgman on one half-plane).
      const { y0, y1 } = fitMap;
      const [w1, w2, b] = p;
      const box = [[x0, y0], [x1, y0], [x1, y1], [x0, y1]];
      const f = (q) => w1 * q[0] + w2 * q[1] + b;
      const inside = [];
      const cut = [];
      for (let k = 0; k < 4; k++) {
        const a = box[k], c = box[(k + 1) % 4];
        const fa = f(a), fc = f(c);
        if (fa >= 0) inside.push(a);
        if ((fa >= 0) !== (fc >= 0)) {
          const t = fa / (fa - fc);
          const q = [a[0] + t * (c[0] - a[0]), a[1] + t * (c[1] - a[1])];
          inside.push(q);
          cut.push(q);
        }
      }
      if (inside.length >= 3) {
        fitLayer.appendChild(el("polygon", { points: inside.map((q) => X(q[0]).toFixed(1) + "," + Y(q[1]).toFixed(1)).join(" "), fill: "#2166ac", "fill-opacity": 0.12 }));
      }
      if (cut.length === 2) {
        fitLayer.appendChild(el("line", { x1: X(cut[0][0]), y1: Y(cut[0][1]), x2: X(cut[1][0]), y2: Y(cut[1][1]), stroke: "#e8590c", "stroke-width": 2 }));
      }
    }
  }

  // --- for tests and the curious: the frame on screen, and a way to set one -------------------------

  window.studio = {
    go: (e, r, s) => go(e, r, s),
    state: () => ({ epoch: state.epoch, row: state.row, step: state.step }),
    frame: () => frame,
    edit: (i, v) => edit(i, v),
    compiled: !!trace,
    steps: S,
  };

  buildChart();
  buildFit();
  if (!readHash()) go(0, 0, HISTORY ? landing(0, 0) : 0);
  render();
  fitView(); // after the first frame has built the controls, so the pane has its final size
})();
