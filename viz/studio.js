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
  const OPENED_WITH = location.hash; // before the page writes its own
  const N = D.nodes.length;
  const ROOT = N - 1;
  const ORDER = D.order; // node indices in backward()'s order
  const S = ORDER.length; // chain-rule steps in one backward pass
  const HISTORY = D.kind === "history";
  const COMPUTED = [];
  for (let i = 0; i < N; i++) if (D.nodes[i].parents.length) COMPUTED.push(i);
  const BASE_FILL = { parameter: "#eaf2ff", "data input": "#fff8dc", target: "#fff8dc", constant: "#f2f2f2", computed: "#ffffff" };
  // edits: the learner's {e, r, i, v, row}: leaf i set to v at frame (epoch index e, row r); row is
  // the data row it was made on. quiz: predict mode; check: central differences beside the gradients.
  const state = { epoch: 0, row: 0, step: 0, edits: [], showAll: false, quiz: false, check: false };
  // Edits are carried on by redoing "p ← p − lr × grad" for every later row in the page: offered when
  // the run's update is that rule and the redoing stays small (epochs × rows × nodes).
  const CARRY = HISTORY && !!D.carry && !!trace && D.epochs.length * D.epochs[0].rows.length * N <= 4e7;
  let yours = null; // the learner's run after an edit: {rows, end, loss} per epoch index (see simulate)

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
  function recordedParams(e, r) {
    if (!HISTORY) return [];
    return isEnd(e, r) ? D.epochs[e].end : D.epochs[e].rows[r];
  }
  // The parameters on screen: the learner's run once an edit has been carried on, else the recording.
  function params(e, r) {
    if (!HISTORY) return [];
    if (yours && onYours(e, r)) return isEnd(e, r) ? yours.end[e] : yours.rows[e][r];
    return recordedParams(e, r);
  }
  function epochLoss(e) { return yours ? yours.loss[e] : D.epochs[e].loss; }
  function isParam(i) { return D.sources[i].length > 0 && D.sources[i][0] === "p"; }
  function before(e1, r1, e2, r2) { return e1 < e2 || (e1 === e2 && r1 < r2); }
  function firstEdit() {
    let f = null;
    for (const x of state.edits) if (!f || before(x.e, x.r, f.e, f.r)) f = x;
    return f;
  }
  // Whether frame (e, r) is at or after the learner's first edit (the learner's run differs from there).
  function onYours(e, r) { const f = firstEdit(); return !!f && !before(e, r, f.e, f.r); }
  // Whether edit x holds in frame (e, r): from its frame on when carried (data edits on their own row),
  // in its own frame only when the run cannot be carried on (another optimizer).
  function holds(x, e, r) {
    if (!HISTORY) return true;
    if (!CARRY || isParam(x.i)) return x.e === e && x.r === r;
    if (before(e, r, x.e, x.r)) return false;
    const s = D.sources[x.i];
    return !(s.length && s[0] !== "c" && s[1] === null && x.row !== dataRow(e, r));
  }

  function leafValues(e, r, p) {
    p = p || params(e, r);
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
      out.push(v);
    }
    for (const x of state.edits) if (holds(x, e, r)) out[x.i] = x.v;
    return out;
  }
  function editedHere(i) { return state.edits.some((x) => x.i === i && holds(x, state.epoch, state.row)); }

  // data[i] and local[i] (∂node/∂parent, operand order) for every node of the frame.
  function forward(e, r, given) {
    const leaves = given || leafValues(e, r);
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

  // The tutorial's printed Loss for one frame: Σ (target − prediction)² over the graph's rows, the
  // same floats as training's metric (squared_error is PowConst's a·a of target − prediction).
  const TARGET_OF = {};
  for (let i = 0; i < N; i++) if (D.sources[i][0] === "y") TARGET_OF[D.sources[i][1] === null ? "row" : D.sources[i][1]] = i;
  function metricOf(data, leaves) {
    if (D.metric !== "squared_error" || !(D.predictions || []).length) return NaN;
    let total = 0;
    for (const [i, rr] of D.predictions) { const d = leaves[TARGET_OF[rr === null ? "row" : rr]] - data[i]; total += d * d; }
    return total;
  }

  // The learner's run: recorded up to the first edit, then every row redone in the page with the
  // compiled trace and the plain update p ← p − lr × grad (offered only when that rule reproduces
  // the recorded run, see viz/studio.py _plain_sgd).
  function simulate() {
    yours = null;
    const first = firstEdit();
    if (!CARRY || !first) return;
    const E = D.epochs.length, R = rowCount(0);
    const run = { rows: [], end: [], loss: [] };
    for (let e = 0; e < first.e; e++) { run.rows.push(D.epochs[e].rows); run.end.push(D.epochs[e].end); run.loss.push(D.epochs[e].loss); }
    let p = null;
    const setAt = (e, r) => { for (const x of state.edits) if (isParam(x.i) && x.e === e && x.r === r) p[D.sources[x.i][1]] = x.v; };
    for (let e = first.e; e < E; e++) {
      const rows = [];
      let metric = 0;
      for (let r = 0; r < R; r++) {
        if (e === first.e && r <= first.r) p = D.epochs[e].rows[r].slice(); // the recording, up to the edit
        setAt(e, r);
        rows.push(p.slice());
        const leaves = leafValues(e, r, p);
        const f = run.stop ? null : forward(e, r, leaves);
        if (f && f.pathChanged) run.stop = { e, r, path: f.pathChanged };
        if (run.stop) { metric = NaN; continue; } // past a crossed branch the user's code has other numbers
        metric += metricOf(f.data, leaves);
        const g = replay(f.local, S).grad;
        const next = p.slice();
        for (const [k, i] of PARAM_NODES) next[k] = p[k] - D.lr * g[i];
        p = next;
      }
      if (e === first.e && first.r === R) p = D.epochs[e].end.slice();
      setAt(e, R);
      run.rows.push(rows); run.end.push(p.slice()); run.loss.push(metric);
    }
    yours = run;
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
  // The root is "L" wherever a derivative names it (dL/dp, ∂L/∂p); its box keeps its own name.
  function name(i) { return i === ROOT ? "L" : D.nodes[i].name; }
  // "L = bce(p, passed) with p = 0.525, passed = 0": what a learner needs to work a question out.
  function context(i, data) {
    const ps = D.nodes[i].parents;
    const t = D.nodes[i].forward;
    return name(i) + " = " + (t ? fill(t, i, namesOf(i)) : D.nodes[i].op) + " with " + ps.map((p) => name(p) + " = " + fmt(data[p])).join(", ") + (D.nodes[i].forward && /\{out\}/.test((D.nodes[i].derivatives || []).join()) ? ", " + name(i) + " = " + fmt(data[i]) : "");
  }

  let frame = null; // the numbers on screen, for tests and the tables

  // A formula template from viz/studio.py (_op_text) filled with names or numbers.
  function fill(t, i, values) {
    return t.replace(/\{(\d+|out)\}/g, (m, k) => (k === "out" ? values.out : values[Number(k)]));
  }
  function namesOf(i) { const v = D.nodes[i].parents.map(name); v.out = name(i); return v; }
  function numbersOf(i, data) { const v = D.nodes[i].parents.map((p) => fmt(data[p])); v.out = fmt(data[i]); return v; }
  // "p = 1 / (1 + exp(−z)) = 1 / (1 + exp(−0.1)) = 0.525": how a node's data was computed.
  function forwardText(i, data) {
    const t = D.nodes[i].forward;
    if (!t) return name(i) + " = " + fmt(data[i]);
    return name(i) + " = " + fill(t, i, namesOf(i)) + " = " + fill(t, i, numbersOf(i, data)) + " = " + fmt(data[i]);
  }
  // "∂p/∂z = p × (1 − p) = 0.525 × (1 − 0.525) = 0.2494": a local derivative from the op's rule.
  function localText(i, j, f) {
    const t = (D.nodes[i].derivatives || [])[j];
    const head = "∂" + name(i) + "/∂" + name(D.nodes[i].parents[j]) + " = ";
    if (!t) return head + fmt(f.local[i][j]);
    const sym = fill(t, i, namesOf(i)), nums = fill(t, i, numbersOf(i, f.data));
    return head + sym + (nums !== sym ? " = " + nums : "") + (nums !== fmt(f.local[i][j]) ? " = " + fmt(f.local[i][j]) : "");
  }
  function contributionText(i, j, f, back) {
    const p = D.nodes[i].parents[j];
    return "d" + loss() + "/d" + name(p) + " += d" + loss() + "/d" + name(i) + " × ∂" + name(i) + "/∂" + name(p) + " = " +
      fmt(back.grad[i]) + " × " + fmt(f.local[i][j]) + " = " + fmt(back.contrib[i][j]);
  }

  // --- predict mode: the number about to be computed is hidden and asked for ------------------------

  const answers = {}; // "e,r,s,question" → {given, ok}
  const TOLERANCE = "within 1% of the value (±0.001 near zero)";
  function near(given, truth) { return Math.abs(given - truth) <= Math.max(0.01 * Math.abs(truth), 0.001); }
  let FORWARD_ASK = ROOT; // the forward pass asks for p = sigmoid(z) when there is one
  for (let i = 0; i < N; i++) if (D.nodes[i].op === "sigmoid") { FORWARD_ASK = i; break; }
  function frameKey() { return state.epoch + "," + state.row + "," + state.step + ","; }

  // The frame's questions, in the order a learner computes them.
  function questions(f, back, updates) {
    const { epoch: e, row: r, step: s } = state;
    const out = [];
    if (isEnd(e, r)) return out;
    if (s === 0) {
      const i = FORWARD_ASK;
      out.push({ id: "f" + i, node: i, kind: "forward", ask: name(i) + " = " + fill(D.nodes[i].forward || "?", i, namesOf(i)) + " = ?", hint: "with " + D.nodes[i].parents.map((p) => name(p) + " = " + fmt(f.data[p])).join(", "), truth: f.data[i], text: forwardText(i, f.data) });
    } else if (s <= S) {
      const c = ORDER[s - 1];
      D.nodes[c].parents.forEach((p, j) => {
        if (!shows(p)) return;
        out.push({ id: "d" + c + "_" + j, node: c, j, kind: "local", ask: "∂" + name(c) + "/∂" + name(p) + " = ?", hint: context(c, f.data), truth: f.local[c][j], text: localText(c, j, f) });
        out.push({ id: "c" + c + "_" + j, node: c, j, kind: "contribution", ask: "d" + loss() + "/d" + name(p) + " += " + fmt(back.grad[c]) + " × " + fmt(f.local[c][j]) + " = ?", truth: back.contrib[c][j], text: contributionText(c, j, f, back) });
      });
    } else {
      for (const u of updates) if (u.rule) out.push({ id: "u" + u.k, kind: "update", k: u.k, ask: u.rule + " = ?", truth: u.after, text: u.rule + " = " + fmt(u.after) });
    }
    return out;
  }
  function answered(q) { return Object.prototype.hasOwnProperty.call(answers, frameKey() + q.id); }
  function hidden(q) { return state.quiz && !answered(q); }
  function rowScore() {
    const prefix = state.epoch + "," + state.row + ",";
    let asked = 0, right = 0;
    for (const k in answers) if (k.startsWith(prefix)) { asked++; if (answers[k].ok) right++; }
    return { asked, right };
  }

  // --- one frame ---------------------------------------------------------------------------------------

  function updatesFor(e, r, back, leaves) {
    // Each parameter's update in this row: the rule with its numbers when it is plain SGD, else before → after.
    if (!HISTORY || isEnd(e, r)) return [];
    const out = [];
    const recordedAfter = r + 1 < rowCount(e) ? D.epochs[e].rows[r + 1] : D.epochs[e].end;
    const after = yours && onYours(e, r) ? (r + 1 < rowCount(e) ? yours.rows[e][r + 1] : yours.end[e]) : recordedAfter;
    const carried = CARRY && onYours(e, r);
    for (const [k, i] of PARAM_NODES) {
      const g = back.grad[i], lr = D.lr, b = leaves[i];
      const sgd = b - lr * g;
      // Written as the rule only when the run's update is that rule (not Adam, whose step is shown as before → after).
      const plain = !!D.plainUpdate && typeof lr === "number";
      const edited = state.edits.some((x) => holds(x, e, r));
      const rule = plain ? D.params[k] + " ← " + fmt(b) + " − " + fmt(lr) + " × " + fmt(g) : "";
      out.push({ k, i, before: b, grad: g, lr, rule, after: plain ? (carried ? after[k] : edited ? sgd : after[k]) : after[k] });
    }
    return out;
  }

  function render() {
    const { epoch: e, row: r, step: s } = state;
    const leaves = leafValues(e, r);
    const stop = yours && yours.stop && onYours(e, r) && !before(e, r, yours.stop.e, yours.stop.r) ? yours.stop : null;
    if (stop) { showPathChanged(stop.path); return; }
    const f = forward(e, r, leaves);
    if (f.pathChanged) { showPathChanged(f.pathChanged); return; }
    const back = replay(f.local, isEnd(e, r) ? 0 : Math.min(s, S));
    checks = state.check ? centralDifferences(leaves) : null;
    const updates = s > S ? updatesFor(e, r, back, leaves) : [];
    const qs = questions(f, back, updates);
    const open = qs.find(hidden) || null;
    const hide = { data: {}, grad: {}, local: {}, contrib: {} };
    if (state.quiz) for (const q of qs) {
      if (!hidden(q)) continue;
      if (q.kind === "forward") { hide.data[q.node] = "?"; for (let i = q.node + 1; i < N; i++) if (D.nodes[i].parents.some((p) => hide.data[p])) hide.data[i] = "…"; }
      if (q.kind === "local") { hide.local[q.node + "_" + q.j] = q === open ? "?" : "…"; }
      if (q.kind === "contribution") { hide.contrib[q.node + "_" + q.j] = q === open ? "?" : "…"; hide.grad[D.nodes[q.node].parents[q.j]] = "?"; }
    }
    const current = !isEnd(e, r) && s >= 1 && s <= S ? ORDER[s - 1] : -1;
    let scale = 0;
    for (let i = 0; i < N; i++) if (back.reached[i] && shows(i) && !hide.grad[i] && Number.isFinite(back.grad[i])) scale = Math.max(scale, Math.abs(back.grad[i]));
    for (let i = 0; i < N; i++) {
      const g = $("n" + i);
      if (hide.data[i]) setText("n" + i + "-data", "data = " + hide.data[i], null);
      else setText("n" + i + "-data", "data = " + fmt(f.data[i]), f.data[i]);
      const visible = back.reached[i] && shows(i) && !hide.grad[i];
      const gradText = hide.grad[i] ? "grad = ?" : visible ? "grad = " + fmt(back.grad[i]) : shows(i) ? "grad = ·" : "grad not shown";
      setText("n" + i + "-grad", gradText, back.reached[i] && !hide.grad[i] ? back.grad[i] : null);
      $("n" + i + "-shape").setAttribute("fill", visible ? gradFill(back.grad[i], scale) : BASE_FILL[D.nodes[i].kind]);
      g.classList.toggle("cur", i === current);
      g.classList.toggle("edited", editedHere(i));
      g.classList.toggle("asked", !!open && (open.node === i || (open.kind !== "forward" && open.kind !== "update" && D.nodes[open.node].parents[open.j] === i)));
      // Hover: the formula this node's numbers came from, with the numbers (never an answer still asked for).
      const lines = [];
      if (D.nodes[i].parents.length) lines.push(hide.data[i] ? name(i) + " = ? (predict mode: answer first)" : forwardText(i, f.data));
      else {
        const s = D.sources[i];
        const raw = D.scaling && s[0] === "x" ? ", standardised: (" + fmt(f.data[i] * D.scaling.spread[s[2]] + D.scaling.mean[s[2]]) + " − " + fmt(D.scaling.mean[s[2]]) + ") / " + fmt(D.scaling.spread[s[2]]) : "";
        lines.push((D.nodes[i].label || "constant") + " (" + D.nodes[i].kind + raw + ") = " + fmt(f.data[i]) + (trace ? " — click to set it" : ""));
      }
      if (!shows(i)) lines.push("its gradient is not shown (tick “all grads”)");
      else if (hide.grad[i]) lines.push("d" + loss() + "/d" + name(i) + " = ? (answer first)");
      else if (!back.reached[i]) lines.push("grad: not reached yet — backward has not got here");
      else if (i === ROOT) lines.push("d" + loss() + "/d" + loss() + " = 1: where backward starts");
      else lines.push("d" + loss() + "/d" + name(i) + " = " + (back.paths[i].length > 1 ? back.paths[i].map(fmt).join(" + ") + " = " : "") + fmt(back.grad[i]) + " (what reached it so far)");
      if (state.check && checks && checks[i] !== undefined) lines.push("central difference: " + fmt(checks[i]));
      setTitle(g, lines.join("\n"));
      const ps = D.nodes[i].parents;
      if (!ps.length) continue;
      const processed = back.contrib[i].length > 0;
      for (let j = 0; j < ps.length; j++) {
        const id = "e" + i + "_" + j;
        const on = processed && shows(ps[j]);
        const c = back.contrib[i][j];
        const hl = hide.local[i + "_" + j], hc = hide.contrib[i + "_" + j];
        setText(id + "-d", on ? port(i, j) + "∂ " + (hl || fmt(f.local[i][j])) : "", on && !hl ? f.local[i][j] : null);  // idle: no orphan "a:"
        setText(id + "-c", on ? "→ " + (hc || fmt(c)) : "", on && !hc ? c : null);
        const colour = on && !hc ? edgeColour(c) : "#666666";
        $(id + "-path").setAttribute("stroke", colour);
        $(id + "-head").setAttribute("stroke", colour);
        $(id + "-head").setAttribute("fill", colour);
        $(id).classList.toggle("cur", i === current);
        setTitle($(id), on ? (hl ? "∂ … = ? (answer first)" : localText(i, j, f)) + "\n" + (hc ? "contribution = ? (answer first)" : "contribution: " + contributionText(i, j, f, back)) :
          "edge " + name(ps[j]) + " → " + name(i) + ": its ∂ (local derivative) and → (contribution) appear when backward processes " + name(i));
      }
    }
    frame = { data: f.data, local: f.local, grad: back.grad, reached: back.reached, contrib: back.contrib, current, questions: qs.map((q) => ({ id: q.id, kind: q.kind, truth: q.truth, hidden: hidden(q) })) };
    renderNow(f, back, current, hide);
    renderUpdate(updates, qs, f);
    renderParams(back, updates, qs);
    renderQuiz(qs, open);
    renderRun();
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

  function renderNow(f, back, current, hide) {
    const { epoch: e, row: r, step: s } = state;
    const parts = [];
    let where = "";
    if (HISTORY) {
      where = "epoch " + num(e) + " (of 0–" + num(D.epochs.length - 1) + ")";
      if (D.fullBatch) where += " · all " + D.rows.length + " rows summed";
      else if (isEnd(e, r)) where += " · end: the parameters after this epoch's updates";
      else {
        const [xs, y] = D.rows[r];
        where += " · row " + r + " (of 0–" + (D.rows.length - 1) + "): " + D.features.map((n, j) => n + " " + feature(xs[j], j)).join(", ") + ", " + D.label + " " + fmt(y);
      }
    }
    const rootHidden = !!hide.data[ROOT];
    const L = loss() + (D.objective !== loss() ? " = " + D.objective : "") + " = " + (rootHidden ? "?" : fmt(f.data[ROOT]));
    let what;
    if (isEnd(e, r)) what = "forward pass with the trained parameters: " + L;
    else if (s === 0) what = "forward pass: " + L + " · no gradients yet (grad = · means not reached yet)";
    else if (s <= S) {
      what = "backward step " + s + " of " + S + ": through " + name(current) + " (" + D.nodes[current].op + "), whose gradient is complete";
      const ps = D.nodes[current].parents;
      const lines = [];
      for (let j = 0; j < ps.length; j++) {
        if (!shows(ps[j])) continue;
        const p = ps[j];
        lines.push(hide.local[current + "_" + j] ? "∂" + name(current) + "/∂" + name(p) + " = ?" : localText(current, j, f));
        if (hide.contrib[current + "_" + j]) { lines.push("d" + loss() + "/d" + name(p) + " += d" + loss() + "/d" + name(current) + " × ∂" + name(current) + "/∂" + name(p) + " = ?"); continue; }
        lines.push(contributionText(current, j, f, back));
        if (back.paths[p].length > 1) lines.push("  " + name(p) + " is used " + back.paths[p].length + " times: " + back.paths[p].map(fmt).join(" + ") + " = " + fmt(back.grad[p]));
      }
      parts.push('<div class="formula">' + lines.map(esc).join("<br>") + "</div>");
    } else what = "backward pass done (" + L + "): every gradient is in; the update below";
    $("now").innerHTML = (where ? '<div class="where">' + esc(where) + "</div>" : "") + "<div>" + esc(what) + "</div>" + parts.join("");
    if (HISTORY) {
      const metric = epochLoss(e);
      $("now").insertAdjacentHTML("beforeend", '<div class="printed" title="' + esc(LOSS_WHY) + '">epoch ' + num(e) + "'s Loss = " + esc(loss4(metric)) +
        (yours && onYours(e, 0) ? ' <span class="was">(recorded ' + esc(loss4(D.epochs[e].loss)) + ")</span>" : "") + "</div>");
    }
  }
  // The tutorial prints its Loss with 4 decimals; so do the page, its chart and the notebooks.
  function loss4(x) { return Number.isFinite(x) ? x.toFixed(4) : fmt(x); }
  const LOSS_WHY = "Loss is what the tutorial prints each epoch: Σ (" + D.label + " − prediction)² over the epoch's rows, each before its update. " +
    "The gradients come from the training objective, " + D.objective + " (the graph's root L): the two are different numbers on purpose.";

  // A feature as the learner knows it: the raw value, and when the run standardised it, the number the neuron sees.
  function feature(x, j) {
    if (!D.scaling) return fmt(x);
    return fmt(x * D.scaling.spread[j] + D.scaling.mean[j]) + " (standardised " + fmt(x) + ")";
  }
  function esc(t) { return String(t).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;"); }

  function paramLeaves() {
    const out = [];
    for (let i = 0; i < N; i++) if (D.sources[i].length && D.sources[i][0] === "p") out.push([D.sources[i][1], i]);
    return out;
  }
  const PARAM_NODES = paramLeaves();

  // A one-pass page has no training to show: its panel lists the whole pass instead, forward
  // formulas with their numbers and the backward steps in order, the one on screen marked.
  function renderPass(f) {
    const lines = ['<div class="pass-title">forward pass</div>'];
    const WINDOW = 12; // a big graph: the lines near the step on screen, so a frame stays quick
    for (const i of COMPUTED.slice(0, 2 * WINDOW)) lines.push('<div class="pass-line">' + esc(FORWARD_HIDDEN(i) ? name(i) + " = ?" : forwardText(i, f.data)) + "</div>");
    if (COMPUTED.length > 2 * WINDOW) lines.push('<div class="pass-line">… and ' + (COMPUTED.length - 2 * WINDOW) + " more (hover a box for its formula)</div>");
    lines.push('<div class="pass-title">backward pass: one step per box, in this order</div>');
    const from = Math.max(0, Math.min(state.step - 1 - WINDOW / 2, S - WINDOW)), to = from + WINDOW;
    ORDER.forEach((i, k) => {
      if (k < from || k >= to) return;
      const cls = k + 1 === state.step ? "pass-line on" : k + 1 < state.step ? "pass-line done" : "pass-line";
      lines.push('<div class="' + cls + '">' + (k + 1) + ". " + esc(name(i)) + " (" + esc(D.nodes[i].op) + ")" + (k + 1 < state.step ? " ✓" : "") + "</div>");
    });
    return lines.join("");
  }
  function FORWARD_HIDDEN(i) { return state.quiz && state.step === 0 && frame && frame.questions.some((q) => q.hidden && q.kind === "forward") && (i >= FORWARD_ASK); }

  function renderUpdate(updates, qs, f) {
    const el = $("update");
    if (!HISTORY) { el.innerHTML = renderPass(f); return; }
    const { epoch: e, row: r, step: s } = state;
    if (isEnd(e, r)) { el.innerHTML = '<span class="pending">after epoch ' + num(e) + ": " + D.params.map((p, k) => esc(p) + " = " + fmt(params(e, r)[k])).join(", ") + "</span>"; return; }
    if (s <= S) { el.innerHTML = '<span class="pending">update: after the backward pass (step ' + (S + 1) + ")</span>"; return; }
    const lines = [];
    for (const u of updates) {
      const q = qs.find((x) => x.id === "u" + u.k);
      const value = q && hidden(q) ? "?" : fmt(u.after);
      const text = u.rule ? u.rule + " = " + value : D.params[u.k] + ": " + fmt(u.before) + " → " + value + " (" + D.optimizer + ")";
      lines.push('<div class="update-line" data-param="' + esc(D.params[u.k]) + '" data-before="' + u.before + '" data-grad="' + u.grad + '" data-after="' + u.after + '" data-lr="' + u.lr + '">' + esc(text) + "</div>");
    }
    el.innerHTML = lines.join("");
  }

  // Central differences, computed here: (L(x + h) − L(x − h)) / 2h for each leaf, with the compiled trace.
  let checks = null;
  function centralDifferences(leaves) {
    if (!trace) return null;
    const out = {};
    const leafOnly = (xs) => xs.filter((_, i) => !D.nodes[i].parents.length);
    for (let i = 0; i < N; i++) {
      if (D.nodes[i].parents.length || !shows(i)) continue;
      const h = 1e-6 * Math.max(1, Math.abs(leaves[i]));
      const up = leaves.slice(), down = leaves.slice();
      up[i] += h; down[i] -= h;
      out[i] = (trace(leafOnly(up)).data[ROOT] - trace(leafOnly(down)).data[ROOT]) / (2 * h);
    }
    return out;
  }

  function renderParams(back, updates, qs) {
    const table = $("params");
    if (!HISTORY && !D.nodes.some((n) => n.kind === "parameter")) { table.hidden = true; return; }
    const leaves = leafValues(state.epoch, state.row);
    const list = HISTORY ? PARAM_NODES : [];
    if (!HISTORY) for (let i = 0; i < N; i++) if (D.nodes[i].kind === "parameter") list.push([list.length, i]);
    const showRecorded = !!(yours && onYours(state.epoch, state.row));
    const head = HISTORY ? ["parameter", "value", "grad", "change in this update"] : ["parameter", "value", "grad"];
    if (state.check) head.push("check (central difference)");
    if (showRecorded) head.push("recorded run");
    table.querySelector("thead").innerHTML = "<tr>" + head.map((h) => "<th>" + esc(h) + "</th>").join("") + "</tr>";
    const rows = [];
    for (const [k, i] of list) {
      const v = leaves[i];
      const hiddenGrad = state.quiz && qs.some((q) => hidden(q) && q.kind === "contribution" && D.nodes[q.node].parents[q.j] === i);
      const g = back.reached[i] && !hiddenGrad ? fmt(back.grad[i]) : back.reached[i] ? "?" : "·";
      const u = updates.find((x) => x.k === k);
      const q = u && qs.find((x) => x.id === "u" + k);
      const change = !u ? "" : q && hidden(q) ? "?" : (u.after - u.before > 0 ? "+" : "") + fmt(u.after - u.before);
      const n = HISTORY ? D.params[k] : D.nodes[i].label;
      const gradTitle = back.reached[i] && !hiddenGrad ? "d" + loss() + "/d" + name(i) + " = " + (back.paths[i].length > 1 ? back.paths[i].map(fmt).join(" + ") + " = " : "") + fmt(back.grad[i]) + ": the sum of what backward sent up its edges" : "not reached yet";
      const changeTitle = u && u.rule ? u.rule + " = " + fmt(u.after) + ", so the change is −lr × grad = " + fmt(u.after - u.before) : "after minus before this row's update";
      let cells = "<td>" + esc(n) + '</td><td title="' + esc(n + " before this row's update") + '">' + fmt(v) + '</td><td title="' + esc(gradTitle) + '">' + g + "</td>" +
        (HISTORY ? '<td title="' + esc(q && hidden(q) ? "answer first" : changeTitle) + '">' + change + "</td>" : "");
      if (state.check) cells += "<td>" + (checks && checks[i] !== undefined && back.reached[i] && !hiddenGrad ? fmt(checks[i]) : "") + "</td>";
      if (showRecorded) cells += '<td class="was">' + fmt(recordedParams(state.epoch, state.row)[k]) + "</td>";
      rows.push('<tr data-param="' + esc(n) + '">' + cells + "</tr>");
    }
    table.querySelector("tbody").innerHTML = rows.join("");
    table.title = "change in this update: the parameter after this row's update minus before it (the update line's two ends), shown at the update step";
  }

  // --- controls, scrubbing, keys ------------------------------------------------------------------

  const epochInput = $("epoch");
  const stepInput = $("step");
  if (HISTORY) epochInput.max = String(D.epochs.length - 1);
  else { $("epoch-box").hidden = true; $("chart-box").hidden = true; $("fit-box").hidden = true; }
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
    const n = D.fullBatch ? 1 : D.rows.length;
    if (!box.dataset.built) { // built once: a button per row, or a slider when there are many rows
      box.dataset.built = "1";
      const title = document.createElement("span");
      title.textContent = D.fullBatch ? "batch" : "row";
      box.appendChild(title);
      const pick = (rr) => { rr = Math.min(rr, rowCount(state.epoch)); go(state.epoch, rr, landing(state.epoch, rr)); };
      if (n > MANY_ROWS) {
        const slider = document.createElement("input");
        Object.assign(slider, { type: "range", min: "0", max: String(n - 1), id: "row-slider" });
        slider.setAttribute("aria-label", "row");
        slider.addEventListener("input", () => pick(Number(slider.value)));
        const out = document.createElement("output");
        out.id = "row-out";
        box.append(slider, out);
      }
      for (let k = n > MANY_ROWS ? n : 0; k <= n; k++) {
        const b = document.createElement("button");
        b.textContent = k < n ? (D.fullBatch ? "all rows" : String(k)) : "end";
        b.dataset.row = String(k);
        b.addEventListener("click", () => pick(Number(b.dataset.row)));
        box.appendChild(b);
      }
    }
    if (n > MANY_ROWS) {
      $("row-slider").value = String(Math.min(r, n - 1));
      $("row-slider").disabled = rowCount(e) === 0;
      $("row-out").textContent = isEnd(e, r) ? "end" : r + " / " + (n - 1);
    }
    box.querySelectorAll("button").forEach((b) => {
      const k = Number(b.dataset.row), last = k === n;
      const target = last ? rowCount(e) : k;
      b.disabled = !last && k >= rowCount(e);
      b.classList.toggle("on", target === r && !b.disabled);
      b.title = last ? "the parameters after the epoch"
        : rowCount(e) === 0 ? "this epoch's rows were not recorded (a long run keeps a subset of epochs): only its end is known"
        : D.epochs[e].partial ? "rows of this epoch were not recorded; row 0 uses the previous epoch's parameters" : "";
    });
  }
  const MANY_ROWS = 24; // more rows than buttons fit on a line: a slider

  // Where a jump to another row or epoch lands: on its update (the whole picture), or in predict mode
  // on its forward pass (the first question).
  function landing(e, r) { return state.quiz ? 0 : lastStep(e, r); }

  function go(e, r, s) {
    if (HISTORY) e = Math.max(0, Math.min(D.epochs.length - 1, e)); else e = 0;
    r = Math.max(0, Math.min(HISTORY ? rowCount(e) : 0, r));
    s = Math.max(0, Math.min(lastStep(e, r), s));
    const moved = e !== state.epoch || r !== state.row || s !== state.step;
    if (moved) closeEditor();
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
    if (ev.target && ev.target.tagName === "INPUT" && ev.target.type === "text" && !emptyQuizArrow(ev)) return;
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

  // #quiz&epoch=0&row=0&step=0&edit=0_1_0_3 — quiz turns predict mode on; each edit is
  // epoch_row_node_value (row "end" for the end of an epoch), joined by "~".
  function readHash() {
    const h = new URLSearchParams(location.hash.replace(/^#/, ""));
    if (![...h.keys()].length) return false;
    setQuiz(h.has("quiz"), true);
    state.edits = [];
    for (const part of (h.get("edit") || "").split("~")) {
      const m = /^(\d+)_(\d+|end)_(\d+)_(.+)$/.exec(part);
      if (!m) continue;
      const i = Number(m[3]), v = Number(m[4]);
      if (i >= N || D.nodes[i].parents.length || !Number.isFinite(v)) continue;
      const e = HISTORY ? indexOf(Number(m[1])) : 0;
      const r = m[2] === "end" ? rowCount(e) : Math.min(Number(m[2]), HISTORY ? rowCount(e) : 0);
      edit(i, v, [e, r]);
    }
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
    let hash = HISTORY ? "#epoch=" + num(e) + "&row=" + (isEnd(e, r) ? "end" : r) + "&step=" + s : "#step=" + s;
    if (state.quiz) hash = "#quiz&" + hash.slice(1);
    if (state.edits.length) hash += "&edit=" + state.edits.map((x) => num(x.e) + "_" + (isEnd(x.e, x.r) ? "end" : x.r) + "_" + x.i + "_" + x.v).join("~");
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
  function NARROW() { return window.matchMedia && window.matchMedia("(max-width: 700px)").matches; }
  function fitView() {
    if (!pane.isConnected) return; // the page is being replaced (a notebook re-running its cell)
    if (NARROW()) { // the pane takes the graph's height at the width it has, so no box is cut off
      const want = Math.ceil((full.h * pane.clientWidth) / full.w) + 2;
      if (Math.abs($("graph-pane").clientHeight - want) > 2) $("graph-pane").style.height = want + "px";
    } else $("graph-pane").style.height = "";
    const w = pane.clientWidth || 600, h = pane.clientHeight || 400;
    // Big enough to read from the back of a room, but not so big that the numbers beside it look small.
    const fitScale = Math.min(w / full.w, h / full.h, 1.6);
    // A phone fits the whole graph to its width (pinch to zoom); a wider screen keeps text >= 12 px.
    view.scale = NARROW() ? Math.min(w / full.w, 1.6) : Math.max(fitScale, MIN_TEXT_SCALE);
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

  // --- edit and see: click a leaf, type a number; with a plain-SGD run the edit carries on --------

  let editing = -1, editorText = "";
  for (let i = 0; i < N; i++) {
    if (D.nodes[i].parents.length) continue;
    const g = $("n" + i);
    g.classList.add("leaf");
    g.addEventListener("click", () => { if (drag && drag.moved) return; openEditor(i); });
  }
  function openEditor(i) {
    if (!trace) {
      $("notes").textContent = "Editing needs the page's compiled JavaScript, which this graph does not have: " + D.notes.join(" · ");
      return;
    }
    editing = i;
    const box = $("editor");
    box.hidden = false;
    $("editor-name").textContent = D.nodes[i].label || "constant";
    editorText = fmt(leafValues(state.epoch, state.row)[i]); // 4 digits, as the box shows it; typed over or kept
    $("editor-input").value = editorText;
    // Beside the box, not on it: below its bottom edge, kept inside the pane.
    const node = $("n" + i + "-shape").getBoundingClientRect(), paneBox = $("graph-pane").getBoundingClientRect();
    const left = Math.max(4, Math.min(node.left - paneBox.left, paneBox.width - box.offsetWidth - 4));
    let top = node.bottom - paneBox.top + 10;
    if (top + box.offsetHeight > paneBox.height) top = Math.max(4, node.top - paneBox.top - box.offsetHeight - 10);
    box.style.left = left + "px"; box.style.top = top + "px";
    $("editor-input").focus();
    $("editor-input").select();
  }
  function closeEditor() { editing = -1; $("editor").hidden = true; }
  function applyEdit() {
    if (editing < 0) return;
    const text = $("editor-input").value.trim();
    if (text === editorText) { closeEditor(); return; } // unchanged: no edit
    const v = Number(text);
    if (text === "" || !Number.isFinite(v)) { $("editor-input").setCustomValidity("a number, e.g. 0.5"); $("editor-input").reportValidity(); return; }
    edit(editing, v);
    closeEditor();
  }
  // Set leaf i to v in the frame on screen; an earlier edit of the same leaf in the same frame is replaced.
  function edit(i, v, at) {
    const e = at ? at[0] : state.epoch, r = at ? at[1] : state.row;
    state.edits = state.edits.filter((x) => !(x.i === i && x.e === e && x.r === r));
    state.edits.push({ e, r, i, v, row: HISTORY ? dataRow(e, r) : 0 });
    simulate();
    if (!at) render();
  }
  function resetEdits() { state.edits = []; simulate(); render(); }
  $("editor-ok").addEventListener("click", applyEdit);
  $("editor-input").addEventListener("keydown", (ev) => { if (ev.key === "Enter") applyEdit(); if (ev.key === "Escape") closeEditor(); ev.stopPropagation(); });
  $("reset").addEventListener("click", resetEdits);

  // Which run is on screen, said once, with the way back.
  function renderRun() {
    const box = $("edited"), badge = $("run-badge");
    badge.hidden = !CARRY || !state.edits.length;
    if (!state.edits.length) { box.hidden = true; return; }
    box.hidden = false;
    const mine = CARRY && onYours(state.epoch, state.row);
    badge.textContent = mine ? "your run" : "recorded run";
    badge.classList.toggle("yours", mine);
    const say = (x) => (D.nodes[x.i].label || "constant") + " = " + fmt(x.v) + (HISTORY ? " at epoch " + num(x.e) + ", " + (isEnd(x.e, x.r) ? "end" : "row " + x.r) : "");
    const list = state.edits.map(say).join("; ");
    const f = firstEdit();
    let text;
    if (!HISTORY) text = "You set " + list + ": every number is recomputed in this page.";
    else if (!CARRY) text = "You set " + list + ". " + (trace ? "This run's update (" + (D.optimizer || "its optimizer") + ") is not plain p ← p − lr × grad, so the page recomputes the edited frame only; elsewhere the recorded run is shown." : "");
    else if (onYours(state.epoch, state.row)) text = "On screen: your run. You set " + list + "; every row and epoch after it is recomputed in this page. Faint: the recorded run.";
    else text = "On screen: the recorded run. Your run starts at epoch " + num(f.e) + ", " + (isEnd(f.e, f.r) ? "end" : "row " + f.r) + " (" + list + ").";
    $("edited-text").textContent = text;
    box.classList.toggle("yours", CARRY && onYours(state.epoch, state.row));
  }

  // --- predict mode: the answer field, Enter to check, Enter again to go on ------------------------

  let openQuestion = null;
  function setQuiz(on, quiet) {
    state.quiz = on;
    $("predict").setAttribute("aria-pressed", String(on));
    $("predict").classList.toggle("on", on);
    $("quiz").hidden = !on;
    if (!quiet) render();
  }
  function renderQuiz(qs, open) {
    openQuestion = open;
    if (!state.quiz) return;
    const { epoch: e, row: r, step: s } = state;
    const input = $("quiz-input");
    const last = qs.length ? qs[qs.length - 1] : null;
    const shownAnswer = [...qs].reverse().find((q) => answered(q)) || null;
    if (open) {
      $("quiz-hint").textContent = open.hint || "";
      $("quiz-q").textContent = (open.kind === "forward" ? "Forward pass: " : open.kind === "update" ? "The update: " : open.kind === "local" ? "Local derivative: " : "Chain rule: ") + open.ask;
      input.disabled = false;
      input.placeholder = "your answer";
    } else {
      $("quiz-hint").textContent = "";
      $("quiz-q").textContent = isEnd(e, r) ? "End of the epoch: nothing to predict here." : qs.length ? "All answered in this step." : "Nothing to predict in this step.";
      input.disabled = false;
      input.placeholder = "Enter: next step";
    }
    const res = $("quiz-result");
    if (shownAnswer) {
      const a = answers[frameKey() + shownAnswer.id];
      res.className = a.ok ? "right" : "wrong";
      res.textContent = (a.ok ? "✓ right: " : "✗ not quite: ") + shownAnswer.text + " · you said " + fmt(a.given) + " (off by " + fmt(Math.abs(a.given - shownAnswer.truth)) + ")";
    } else res.textContent = "";
    const sc = rowScore();
    $("quiz-score").textContent = HISTORY ? "score for " + (isEnd(e, r) ? "the end of epoch " + num(e) : "epoch " + num(e) + ", row " + r) + ": " + sc.right + " of " + sc.asked + " right" : "score: " + sc.right + " of " + sc.asked + " right";
    $("quiz-next").hidden = !!open;
    if (document.activeElement !== $("editor-input")) { input.focus({ preventScroll: true }); }
  }
  function checkAnswer() {
    const input = $("quiz-input");
    const text = input.value.trim();
    if (!openQuestion) { input.value = ""; nextStep(1); return; }
    if (text === "") return;
    const given = Number(text.replace(/\u2212/g, "-"));
    if (!Number.isFinite(given)) { $("quiz-result").className = "wrong"; $("quiz-result").textContent = "“" + text + "” is not a number; type one, e.g. 0.25"; return; }
    answers[frameKey() + openQuestion.id] = { given, ok: near(given, openQuestion.truth) };
    input.value = "";
    render();
  }
  $("predict").addEventListener("click", () => { setQuiz(!state.quiz, true); if (state.quiz) go(state.epoch, state.row, 0); render(); });
  // The answer field keeps the focus; while it is empty, ← → still step.
  function emptyQuizArrow(ev) { return ev.target.id === "quiz-input" && ev.target.value === "" && /^Arrow(Left|Right)$/.test(ev.key); }
  $("quiz-input").addEventListener("keydown", (ev) => {
    if (emptyQuizArrow(ev)) return;
    ev.stopPropagation();
    if (ev.key === "Enter") { ev.preventDefault(); checkAnswer(); }
    else if (ev.key === "Escape") setQuiz(false);
  });
  $("quiz-ok").addEventListener("click", checkAnswer);
  $("quiz-next").addEventListener("click", () => nextStep(1));
  $("quiz-rule").textContent = "Right when " + TOLERANCE + ". Enter checks; Enter on an empty field goes on.";

  // --- the legend: what each mark means (opens by itself on a first visit) -----------------------------

  function showLegend(on) { $("legend").hidden = !on; if (on) $("legend-close").focus({ preventScroll: true }); } // read from the top
  $("legend-open").addEventListener("click", () => showLegend(true));
  $("legend-close").addEventListener("click", () => { showLegend(false); try { localStorage.setItem("autodiff-studio-legend", "seen"); } catch (err) { /* no storage */ } });
  $("legend").addEventListener("keydown", (ev) => { if (ev.key === "Escape" || ev.key === "Enter") { ev.stopPropagation(); $("legend-close").click(); } });
  $("legend-loss").textContent = LOSS_WHY;
  function firstVisit() {
    if (OPENED_WITH) return false; // a shared link goes straight to its moment
    try { return localStorage.getItem("autodiff-studio-legend") !== "seen"; } catch (err) { return false; }
  }

  // --- check: central differences beside the gradients -------------------------------------------------

  $("check").addEventListener("change", () => { state.check = $("check").checked; render(); });
  if (!trace) $("check-box").hidden = true;

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
  let chartMarker = null, chartX = null, chartY = null, chartYours = null, chartRecorded = null, drawnRun = undefined;
  const CHART = { l: 48, r: 10, t: 8, b: 30, W: 320, H: 150 };
  function lossPoints(values) {
    const step = Math.max(1, Math.floor(D.epochs.length / 600));
    const pts = [];
    for (let e = 0; e < D.epochs.length; e += step) if (Number.isFinite(values(e))) pts.push(chartX(num(e)).toFixed(1) + "," + chartY(values(e)).toFixed(1));
    return pts.join(" ");
  }
  function buildChart() {
    if (!HISTORY) return;
    const c = $("chart");
    const L = CHART, W = L.W, H = L.H;
    while (c.firstChild) c.removeChild(c.firstChild); // built again when the learner's run changes its range
    drawnRun = yours;
    const ys = D.epochs.map((x) => x.loss).concat(yours ? yours.loss : []).filter(Number.isFinite);
    const lo = ys.reduce((a, b) => Math.min(a, b), 0), hi = ys.reduce((a, b) => Math.max(a, b), lo + 1e-9);
    const n = num(D.epochs.length - 1) + 1;  // the x axis counts epochs, recorded or not
    const X = (epoch) => L.l + (n > 1 ? (epoch / (n - 1)) * (W - L.l - L.r) : 0);
    const Y = (v) => Math.max(L.t - 4, Math.min(H - L.b, H - L.b - ((v - lo) / (hi - lo)) * (H - L.t - L.b)));
    chartX = X; chartY = Y;
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
    chartRecorded = el("polyline", { points: lossPoints((e) => D.epochs[e].loss), fill: "none", stroke: "#1f4e9c", "stroke-width": 1.8 });
    c.appendChild(chartRecorded);
    chartYours = el("polyline", { points: yours ? lossPoints((k) => yours.loss[k]) : "", fill: "none", stroke: "#c05a00", "stroke-width": 2 });
    chartRecorded.setAttribute("stroke-opacity", yours ? "0.35" : "1");
    c.appendChild(chartYours);
    chartMarker = el("g", {});
    chartMarker.appendChild(el("line", { x1: 0, y1: L.t, x2: 0, y2: H - L.b, stroke: "#e8590c", "stroke-width": 1.5 }));
    chartMarker.appendChild(el("circle", { cx: 0, cy: 0, r: 4, fill: "#e8590c" }));
    c.appendChild(chartMarker);
    const tip = el("text", { x: W - L.r, y: L.t + 12, "text-anchor": "end", class: "chart-text chart-tip" }, "");
    c.appendChild(tip);
    // Hover: the epoch and its Loss under the pointer; click: go there.
    const epochAt = (ev) => {
      const box = c.getBoundingClientRect();
      const x = ((ev.clientX - box.left) / box.width) * W;
      const epoch = Math.round(((x - L.l) / (W - L.l - L.r)) * (n - 1));
      return indexOf(Math.max(0, Math.min(n - 1, epoch)));
    };
    c.onpointermove = (ev) => { const e = epochAt(ev); tip.textContent = "epoch " + num(e) + " · Loss " + loss4(epochLoss(e)) + " · click to go"; };
    c.onpointerleave = () => { tip.textContent = ""; };
    c.onclick = (ev) => { const e = epochAt(ev); go(e, 0, landing(e, 0)); };
    c.style.cursor = "pointer";
    $("chart-caption").textContent = "Loss per epoch (hover: its value; click: go to that epoch). " + LOSS_WHY;
  }
  function renderChart() {
    if (!chartMarker) return;
    const e = state.epoch;
    if (drawnRun !== yours) buildChart(); // the learner's run in orange, the recorded one faint behind it
    chartMarker.setAttribute("transform", "translate(" + chartX(num(e)).toFixed(1) + ",0)");
    chartMarker.lastChild.setAttribute("cy", chartY(epochLoss(e)).toFixed(1));
  }

  let fitLayer = null, fitMap = null;
  function buildFit() {
    if (!HISTORY || !D.fit) { $("fit-box").hidden = true; return; }
    const c = $("fit");
    const W = 320, H = 170, L = { l: 36, r: 10, t: 8, b: 30 };
    const xs = D.rows.map((r) => r[0][0]);
    const x0 = xs.reduce((a, b) => Math.min(a, b), Infinity) - 1, x1 = xs.reduce((a, b) => Math.max(a, b), -Infinity) + 1;
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
      c.appendChild(el("text", { x: (L.l + W - L.r) / 2, y: H - 3, "text-anchor": "middle", class: "chart-text" }, D.features[0] + (D.scaling ? " (standardised)" : "")));
      fitMap = { X, Y, x0, x1 };
      fitLayer = el("g", {});
      c.appendChild(fitLayer);
      for (const [f, y] of D.rows) c.appendChild(el("circle", { cx: X(f[0]), cy: Y(y), r: 5, fill: y ? "#2166ac" : "#b2182b", stroke: "white" }));
      $("fit-caption").textContent = "probability of " + D.label + " = sigmoid(w·" + D.features[0] + " + b) for this frame's w and b; dots: the data";
    } else {
      const ys = D.rows.map((r) => r[0][1]);
      const y0 = ys.reduce((a, b) => Math.min(a, b), Infinity) - 1, y1 = ys.reduce((a, b) => Math.max(a, b), -Infinity) + 1;
      const Y = (y) => H - L.b - ((y - y0) / (y1 - y0)) * (H - L.t - L.b);
      for (const t of niceTicks(y0, y1, 4)) c.appendChild(el("text", { x: L.l - 5, y: Y(t) + 4, "text-anchor": "end", class: "chart-text" }, fmt(t)));
      c.appendChild(el("text", { x: (L.l + W - L.r) / 2, y: H - 3, "text-anchor": "middle", class: "chart-text" }, D.features[0] + " (up: " + D.features[1] + ")" + (D.scaling ? ", both standardised" : "")));
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
      const curve = (q, attrs) => {
        const pts = [];
        for (let k = 0; k <= 80; k++) {
          const x = x0 + ((x1 - x0) * k) / 80;
          pts.push(X(x).toFixed(1) + "," + Y(1 / (1 + Math.exp(-(q[0] * x + q[1])))).toFixed(1));
        }
        fitLayer.appendChild(el("polyline", Object.assign({ points: pts.join(" "), fill: "none", "stroke-width": 2 }, attrs)));
      };
      if (state.edits.length && onYours(state.epoch, state.row)) curve(recordedParams(state.epoch, state.row), { stroke: "#1f4e9c", "stroke-opacity": 0.35, "stroke-dasharray": "4 3" });
      curve(p, { stroke: "#e8590c" });
    } else {
      // The line w1·x + w2·y + b = 0, and the side where the probability is above 0.5 shaded;
      // a polygon clipped to the plot box (Sutherland–Hodgman on one half-plane).
      const { y0, y1 } = fitMap;
      const boundary = (q, shade, attrs) => {
        const [w1, w2, b] = q;
        const box = [[x0, y0], [x1, y0], [x1, y1], [x0, y1]];
        const f = (pt) => w1 * pt[0] + w2 * pt[1] + b;
        const inside = [];
        const cut = [];
        for (let k = 0; k < 4; k++) {
          const a = box[k], c = box[(k + 1) % 4];
          const fa = f(a), fc = f(c);
          if (fa >= 0) inside.push(a);
          if ((fa >= 0) !== (fc >= 0)) {
            const t = fa / (fa - fc);
            const pt = [a[0] + t * (c[0] - a[0]), a[1] + t * (c[1] - a[1])];
            inside.push(pt);
            cut.push(pt);
          }
        }
        if (shade && inside.length >= 3) {
          fitLayer.appendChild(el("polygon", { points: inside.map((pt) => X(pt[0]).toFixed(1) + "," + Y(pt[1]).toFixed(1)).join(" "), fill: "#2166ac", "fill-opacity": 0.12 }));
        }
        if (cut.length === 2) {
          fitLayer.appendChild(el("line", Object.assign({ x1: X(cut[0][0]), y1: Y(cut[0][1]), x2: X(cut[1][0]), y2: Y(cut[1][1]), "stroke-width": 2 }, attrs)));
        }
      };
      if (state.edits.length && onYours(state.epoch, state.row)) boundary(recordedParams(state.epoch, state.row), false, { stroke: "#1f4e9c", "stroke-opacity": 0.4, "stroke-dasharray": "4 3" });
      boundary(p, true, { stroke: "#e8590c" });
    }
  }

  // The side panel holds still while stepping: its changing blocks keep the height of their tallest
  // frame in this row (measured once, again after a resize), so nothing below them jumps.
  function settle() {
    const keep = { epoch: state.epoch, row: state.row, step: state.step };
    const blocks = [$("now"), $("update")];
    for (const b of blocks) b.style.minHeight = "";
    const tallest = blocks.map(() => 0);
    const e = keep.epoch, r = isEnd(keep.epoch, keep.row) ? 0 : keep.row;
    const frames = [];
    const last = lastStep(e, r), stride = Math.max(1, Math.floor(last / 24)); // a big graph: a sample of its steps
    for (let s = 0; s <= last; s += stride) frames.push([e, r, s]);
    if (last % stride) frames.push([e, r, last]);
    if (HISTORY) frames.push([e, rowCount(e), 0]);
    for (const [fe, fr, fs] of frames) {
      state.epoch = fe; state.row = fr; state.step = fs;
      render();
      blocks.forEach((b, k) => { tallest[k] = Math.max(tallest[k], b.getBoundingClientRect().height); });
    }
    blocks.forEach((b, k) => { b.style.minHeight = tallest[k] + "px"; });
    Object.assign(state, keep);
    render();
  }
  let settleTimer = 0;
  window.addEventListener("resize", () => { clearTimeout(settleTimer); settleTimer = setTimeout(settle, 150); });

  // --- for tests and the curious: the frame on screen, and a way to set one -------------------------

  window.studio = {
    go: (e, r, s) => go(e, r, s),
    state: () => ({ epoch: state.epoch, row: state.row, step: state.step }),
    frame: () => frame,
    edit: (i, v) => edit(i, v),
    compiled: !!trace,
    steps: S,
    carry: CARRY,
    edits: () => state.edits.map((x) => ({ epoch: num(x.e), row: x.r, node: x.i, value: x.v })),
    params: (e, r) => params(e, r).slice(),
    loss: (e) => epochLoss(e),
    quiz: (on) => setQuiz(on),
    score: () => rowScore(),
  };

  buildChart();
  buildFit();
  if (!readHash()) go(0, 0, 0); // opens on the question: the forward pass of epoch 0, row 0
  render();
  settle();
  if (firstVisit()) showLegend(true);
  fitView(); // after the first frame has built the controls, so the pane has its final size
})();
