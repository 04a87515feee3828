// optviz live chart: the page's animated figure, played, scrubbed and clicked in the browser.
//
// Streamlit (st.components.v2) imports this module once per page (a Blob URL cached by content)
// and calls the default export again whenever the data change, with the same parentElement; so
// the chart, the player and the static cache live here, at module level, and survive reruns and
// remounts.  The payload is built by optviz/figures/live.py; see its docstring for the format.
//
// One player, two modes (dynamic.kind): "surfaces" (contour + loss panels: trails cut at the
// frame's step, "now" markers) and "mlp" (decision-boundary heatmaps, one per panel, whose z and
// corner text change per frame).  A mode is an object {frames, label(j), figure(j), draw(j)}.

const STATICS = new Map(); // static_key -> static part
const STATIC_CACHE_SIZE = 8;
const CHARTS = new WeakMap(); // parentElement -> chart state
const CONTROLS_PX = 40;
const STEP_MARKER = "optviz_step"; // the companion's step lines (STEP_MARKER in live.py)
const SPEEDS = [0.5, 1, 2];
// What the player writes into the page; the data's `text` (live_chart/__init__.py, `texts`) gives
// them in the page's language, these English ones stand in for a key it lacks.
const TEXT = {
  play: "play",
  pause: "pause",
  speed: "{speed}× speed",
  slider: "step",
  step: "step {step}",
  inspect: "inside this step: its arrows and numbers",
  inspect_button: "inside this step",
};
// Draw at most ~30 frames a second: at 2x speed the 20 fps of a scene would ask for 40, and a
// frame the screen cannot show in time only delays the next one (the clock skips frames instead).
const MIN_FRAME_MS = 1000 / 30 - 1;
let plotlyLoading = null;

function loadPlotly(url) {
  // plotly.min.js is UMD and ends with `window.Plotly = Plotly`: importing it as a module is
  // enough, and the browser imports a URL only once per page.
  if (window.Plotly) return Promise.resolve(window.Plotly);
  if (!plotlyLoading) {
    // absolute: this module's own URL is a blob:, against which a path does not resolve
    const abs = new URL(url, window.location.href).href;
    plotlyLoading = import(/* @vite-ignore */ abs).then(() => window.Plotly);
    plotlyLoading.catch(() => (plotlyLoading = null));
  }
  return plotlyLoading;
}

function b64Bytes(b64) {
  const bin = atob(b64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return bytes;
}

function decodeF32(b64) {
  // widened to float64 so the exact first and last points fit (see decode_run in live.py)
  return Float64Array.from(new Float32Array(b64Bytes(b64).buffer));
}

// encode_u8 in live.py: zlib-deflated bytes; the browser inflates them natively.
async function decodeU8(b64) {
  const stream = new Blob([b64Bytes(b64)]).stream().pipeThrough(new DecompressionStream("deflate"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

// The same expansion as kept_steps() in live.py: multiples of stride below n, the extras and
// n - 1, sorted and unique.
function keptSteps(n, stride, extra) {
  const set = new Set();
  for (let i = 0; i < n; i += stride) set.add(i);
  for (const e of extra) if (e >= 0 && e < n) set.add(e);
  set.add(n - 1);
  return Int32Array.from([...set].sort((a, b) => a - b));
}

function decodeRun(run) {
  const out = { index: run.index, n: run.n, steps: keptSteps(run.n, run.stride, run.extra) };
  ["x", "y", "loss"].forEach((name, col) => {
    const a = decodeF32(run[name]);
    a[0] = run.first[col];
    a[a.length - 1] = run.last[col];
    out[name] = a;
  });
  // f for the hover: its own array, or the plotted loss plus a constant (f_offset in live.py)
  out.f = run.f !== undefined ? decodeF32(run.f) : Float64Array.from(out.loss, (v) => v + run.f_offset);
  // the trail's hover (step, f): given once in full; plotly reads it up to the trail's length
  out.customdata = Array.from(out.steps, (s, i) => [s, out.f[i]]);
  if (run.theta) {
    ["x", "y"].forEach((name, col) => {
      const a = decodeF32(run.theta[name]);
      a[0] = run.theta.first[col];
      a[a.length - 1] = run.theta.last[col];
      out["theta_" + name] = a;
    });
  }
  return out;
}

// Number of kept points with step <= target (binary search over the sorted steps).
function countUpTo(steps, target) {
  let lo = 0;
  let hi = steps.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (steps[mid] <= target) lo = mid + 1;
    else hi = mid;
  }
  return Math.max(lo, 1);
}

// A text of the player: `key` of the data's texts (else English) with its {name}s filled in.
function say(st, key, values) {
  const t = (st.text && typeof st.text[key] === "string" && st.text[key]) || TEXT[key];
  return t.replace(/\{(\w+)\}/g, (m, name) => (values && name in values ? String(values[name]) : m));
}

// The texts written at creation, again in the language of new data (a switch keeps the chart mounted).
function applyTexts(st, text) {
  st.text = text || null;
  st.play.title = say(st, "play");
  st.pause.title = say(st, "pause");
  st.speeds.forEach((b) => (b.title = say(st, "speed", { speed: b.dataset.speed })));
  st.slider.setAttribute("aria-label", say(st, "slider"));
  st.inspect.title = say(st, "inspect");
  st.inspect.textContent = say(st, "inspect_button");
  st.inspect.setAttribute("aria-label", say(st, "inspect"));
  if (st.mode) st.label.textContent = st.mode.label(st.frame);
}

function el(tag, attrs, text) {
  const e = document.createElement(tag);
  Object.entries(attrs || {}).forEach(([k, v]) => e.setAttribute(k, v));
  if (text !== undefined) e.textContent = text;
  return e;
}

function plotHeight(st) {
  return st.plotMax || Math.max(st.height - CONTROLS_PX, 200);
}

// below these a panel is too small to read: the page scrolls instead (the MLP's square panels are
// narrower than the surfaces' contour, and its curves must fit under them at 1280x720 too)
const MIN_PLOT_PX = { surfaces: 300, mlp: 230 };
const MIN_COMPANION_PX = 170;

// The plot, the player's bar and the companion (the MLP's curves) fitted into the window below the
// chart's top, so the play controls and the curves are on screen without scrolling at 1280x720.
// At most the heights the server asked for; with `fill` (presentation mode) the plot takes all
// the height there is.  Sets st.plotMax and st.companionH before the figure is built.
function fitWindow(st, data, comp) {
  const wantComp = comp ? (comp.layout && comp.layout.height) || 360 : 0;
  const wantPlot = Math.max(data.height - CONTROLS_PX, 200);
  const scroller = st.root.closest('[data-testid="stMain"]') || document.scrollingElement;
  const top = st.root.getBoundingClientRect().top + (scroller ? scroller.scrollTop : 0);
  const avail = Math.floor(window.innerHeight - Math.max(top, 0) - 12);
  st.availPx = avail;
  st.wantComp = wantComp;
  if (!(avail > 0)) {
    st.plotMax = wantPlot;
    st.companionH = wantComp;
    return;
  }
  const companion = comp ? Math.max(MIN_COMPANION_PX, Math.min(wantComp, Math.round(avail * 0.4))) : 0;
  const room = avail - CONTROLS_PX - companion;
  // The plots' own height is what must stay readable, above the figure's margins (the title, the
  // legend's rows and the axis titles grow with the font size: at 28 px they take 250-330 px).
  // Where the window cannot give it, the chart keeps the server's height and the page scrolls.
  const stat = STATICS.get(data.static_key);
  const margin = (data.dynamic && data.dynamic.layout && data.dynamic.layout.margin) ||
    (stat && stat.layout && stat.layout.margin) || {};
  const margins = Math.max(st.fitTop || 0, margin.t || 0) + (margin.b || 0);
  const least = MIN_PLOT_PX[(data.dynamic && data.dynamic.kind) || "surfaces"] || MIN_PLOT_PX.surfaces;
  if (room - margins < least - 120) {
    st.plotMax = Math.max(wantPlot, margins + least - 120);
    st.companionH = wantComp;
    return;
  }
  st.plotMax = Math.max(least, data.fill ? room : Math.min(wantPlot, room), st.readableFloor || 0);
  st.companionH = companion;
}

// After a draw: if the margins (a large font's title, legend rows and rotated ticks) left the
// plots less than MIN_AREA_PX, grow the figure by the difference, and keep that height as the
// floor of later fits for this font size (so the next render draws once, at the right height).
const MIN_AREA_PX = 240;
async function fitReadable(st) {
  const fl = st.gd && st.gd._fullLayout;
  if (!fl || !fl._size || st.kind !== "surfaces") return;
  const fontSize = (fl.font && fl.font.size) || 0;
  if (st.floorFont !== fontSize) {
    st.floorFont = fontSize;
    st.readableFloor = 0;
  }
  const need = MIN_AREA_PX - fl._size.h;
  if (need <= 2) return;
  const h = Math.round(fl.height + need);
  st.readableFloor = h;
  st.plotMax = h;
  await setPlotHeight(st, h);
}

// The plot's height (the element's height follows: plot, player's bar and companion).
async function setPlotHeight(st, h) {
  st.root.style.height = `${h + CONTROLS_PX + st.companionH}px`;
  st.busy = true;
  try {
    await window.Plotly.relayout(st.gd, { height: h });
  } finally {
    st.busy = false;
  }
}

// ----------------------------------------------------------------------------- surfaces mode

// A pseudo-frame drawn at once: no transition, no redraw of what it does not name.
const ANIMATE_NOW = { mode: "immediate", frame: { duration: 0, redraw: false }, transition: { duration: 0 } };

// Trace n's attributes out of a restyle-style update {attr: [value per trace]}.
function pick(upd, n) {
  const out = {};
  for (const [attr, values] of Object.entries(upd)) if (values[n] !== undefined) out[attr] = values[n];
  return out;
}

function surfacesMode(st, dyn, stat) {
  const runs = dyn.runs.map(decodeRun);
  const anim = dyn.anim;
  const frames = anim.frame_steps.length;
  let trailMode = null; // the trails' mode as drawn ("lines" while playing, "lines+markers" at rest)

  // Only the moving traces, each array a view on the decoded run (no copy): the trails cut at
  // the frame's step, the heads and loss markers on it, Nesterov's look-ahead segments.
  function update(j, full) {
    const step = anim.frame_steps[Math.min(j, frames - 1)];
    const rest = j >= frames - 1;
    const counts = runs.map((r) => (rest ? r.steps.length : countUpTo(r.steps, Math.min(step, r.n - 1))));
    const at = (k) => countUpTo(runs[k].steps, Math.min(step, runs[k].n - 1)) - 1;
    const traces = [];
    const x = [];
    const y = [];
    const customdata = [];
    const mode = [];
    const wantMode = rest ? "lines+markers" : "lines";
    for (const [t, k] of anim.trails) {
      const r = runs[k];
      traces.push(t);
      x.push(r.x.subarray(0, counts[k]));
      y.push(r.y.subarray(0, counts[k]));
      customdata.push(full ? r.customdata : undefined);
      // markers only at rest, as the page's frames: a marker per point is an SVG node per point per frame
      mode.push(full || wantMode !== trailMode ? wantMode : undefined);
    }
    for (const [t, k] of anim.theta_trails) {
      const r = runs[k];
      traces.push(t);
      x.push(r.theta_x.subarray(0, counts[k]));
      y.push(r.theta_y.subarray(0, counts[k]));
      customdata.push(undefined);
      mode.push(undefined);
    }
    const idx = runs.map((r, k) => at(k));
    const pairs = runs.map((r, k) => [r.steps[idx[k]], r.f[idx[k]]]);
    if (anim.head !== null) {
      traces.push(anim.head);
      x.push(runs.map((r, k) => r.x[idx[k]]));
      y.push(runs.map((r, k) => r.y[idx[k]]));
      customdata.push(pairs);
      mode.push(undefined);
    }
    if (anim.loss_head !== null) {
      traces.push(anim.loss_head);
      x.push(runs.map((r, k) => r.steps[idx[k]]));
      y.push(runs.map((r, k) => r.loss[idx[k]]));
      customdata.push(pairs);
      mode.push(undefined);
    }
    const arrowRuns = anim.arrow_runs || anim.theta_trails.map(([, k]) => k); // Nesterov's, not Schedule-Free's y
    if (anim.lookahead !== null && arrowRuns.length) {
      // Nesterov: the segment from the textbook iterate theta_t to the look-ahead point at the frame
      const sx = [];
      const sy = [];
      for (const k of arrowRuns) {
        const r = runs[k];
        sx.push(r.theta_x[idx[k]], r.x[idx[k]], null);
        sy.push(r.theta_y[idx[k]], r.y[idx[k]], null);
      }
      traces.push(anim.lookahead);
      x.push(sx);
      y.push(sy);
      customdata.push(undefined);
      mode.push(undefined);
    }
    trailMode = wantMode;
    const upd = { x, y };
    if (customdata.some((c) => c !== undefined)) upd.customdata = customdata;
    if (mode.some((m) => m !== undefined)) upd.mode = mode;
    return { traces, update: upd };
  }

  return {
    frames,
    label: (j) => say(st, "step", { step: anim.frame_steps[j] }),
    step: (j) => anim.frame_steps[Math.min(j, frames - 1)],
    // The whole figure at frame j: the dynamic traces with the run arrays put back, the static part merged.
    figure(j) {
      const data = dyn.data.map((t) => ({ ...t }));
      const layout = { ...dyn.layout, images: stat.images, shapes: stat.shapes, autosize: true };
      delete layout.width;
      layout.height = plotHeight(st);
      if (stat.template) layout.template = stat.template;
      for (const [t, k] of anim.loss_lines) {
        data[t].x = runs[k].steps;
        data[t].y = runs[k].loss;
      }
      const { traces, update: upd } = update(j, true);
      traces.forEach((t, n) => {
        for (const [attr, values] of Object.entries(upd)) if (values[n] !== undefined) data[t][attr] = values[n];
      });
      return { data, layout };
    },
    // All moving traces in one call.  Plotly.restyle of x / y replots the whole figure (axes,
    // legend, the 84 kB iso-line path, the surface PNG): ~200 ms a frame on a loaded machine
    // (measured, Chromium, default scene).  Plotly.animate with redraw: false on one pseudo-frame
    // recomputes and redraws only the traces it names.  A change of the trails' mode (markers at
    // rest) is a restyle: it happens once per play, and the transition path does not add markers.
    draw(j) {
      const { traces, update: upd } = update(j, false);
      if (upd.mode) return window.Plotly.restyle(st.gd, upd, traces);
      const frame = { data: traces.map((_, n) => pick(upd, n)), traces };
      return window.Plotly.animate(st.gd, frame, ANIMATE_NOW);
    },
    clickable: true,
  };
}

// ----------------------------------------------------------------------------- MLP mode

async function mlpMode(st, dyn, stat) {
  const anim = dyn.anim;
  const frames = anim.labels.length;
  // z of frame j, panel k: ny rows, each a view on the inflated codes (no copy per frame)
  const panels = await Promise.all(
    dyn.panels.map(async (p) => {
      const codes = await decodeU8(p.z);
      const rows = [];
      for (let j = 0; j < frames; j++) {
        const base = j * p.ny * p.nx;
        rows.push(Array.from({ length: p.ny }, (_, r) => codes.subarray(base + r * p.nx, base + (r + 1) * p.nx)));
      }
      return { trace: p.trace, rows };
    }),
  );
  const texts = Object.entries(dyn.texts).map(([i, col]) => [Number(i), col]);
  const traces = panels.map((p) => p.trace);

  return {
    frames,
    // the frames are named by their step: the page's own words when it sent them, else the figure's prefix
    label: (j) =>
      st.text && st.text.step ? say(st, "step", { step: anim.labels[j] }) : `${anim.prefix}${anim.labels[j]}`,
    step: (j) => Number(anim.labels[j]), // the frames are named by their step
    figure(j) {
      const data = stat.data.map((t) => ({ ...t }));
      for (const p of panels) data[p.trace].z = p.rows[j];
      const annotations = dyn.annotations.map((a) => ({ ...a }));
      for (const [i, col] of texts) annotations[i].text = col[j];
      const layout = { ...stat.layout, annotations, autosize: true, height: plotHeight(st) };
      delete layout.width;
      return { data, layout };
    },
    // One update per frame: the heatmaps' z and the corner texts together (one redraw, not two).
    draw(j) {
      const lay = {};
      for (const [i, col] of texts) lay[`annotations[${i}].text`] = col[j];
      return window.Plotly.update(st.gd, { z: panels.map((p) => p.rows[j]) }, lay, traces);
    },
    clickable: false,
  };
}

// ----------------------------------------------------------------------------- the player

function createChart(parent) {
  const root = el("div", { class: "optviz-live", "data-testid": "optviz-live-chart" });
  const plot = el("div", { class: "optviz-live-plot" });
  const bar = el("div", { class: "optviz-live-controls" });
  const play = el("button", { type: "button", class: "optviz-live-play" }, "▶");
  const pause = el("button", { type: "button", class: "optviz-live-pause" }, "❚❚");
  const speeds = SPEEDS.map((s) =>
    el("button", { type: "button", class: "optviz-live-speed", "data-speed": String(s) }, `${s}×`),
  );
  const slider = el("input", { type: "range", min: "0", max: "0", step: "1", value: "0" });
  const label = el("span", { class: "optviz-live-step" }, "");
  // "Inside this step": the step shown goes to Python, which opens the tab with its arrows (surfaces only)
  const inspect = el("button", { type: "button", class: "optviz-live-inspect" }, "");
  inspect.hidden = true;
  const companion = el("div", { class: "optviz-live-companion" });
  bar.append(play, pause, ...speeds, slider, label, inspect);
  root.append(plot, bar, companion);
  parent.appendChild(root);

  const st = { root, plot, bar, play, pause, speeds, slider, label, inspect, companion, cgd: null, companionH: 0,
    stepShapes: [], gd: null, mode: null, kind: null, frame: 0,
    playing: false, busy: false, drawing: false, drawnAt: -Infinity, height: 0, speed: 1, raf: 0, scrubRaf: 0,
    scrubTo: 0, startFrame: 0, startTime: 0, token: 0, observer: null, setTrigger: null };

  play.addEventListener("click", () => startPlaying(st));
  inspect.addEventListener("click", () => {
    if (!st.mode || !st.mode.step || !st.setTrigger) return;
    stopPlaying(st);
    st.setTrigger("inspect", { step: Math.max(1, st.mode.step(st.frame)) });
  });
  pause.addEventListener("click", () => stopPlaying(st));
  speeds.forEach((b) =>
    b.addEventListener("click", () => {
      st.speed = Number(b.dataset.speed);
      restartClock(st);
      markSpeed(st);
      if (!st.playing) startPlaying(st);
    }),
  );
  slider.addEventListener("input", () => {
    stopPlaying(st);
    // a drag fires an input per pixel: draw the latest one once per display frame
    st.scrubTo = Number(slider.value);
    if (!st.scrubRaf)
      st.scrubRaf = requestAnimationFrame(() => {
        st.scrubRaf = 0;
        showFrame(st, st.scrubTo);
      });
  });
  // Plotly fires no click event on the contour panel (an image and shapes, no trace there), so
  // the chart hit-tests clicks itself.  Plotly's drag layer swallows the mousedown and, when the
  // pointer did not move, dispatches a synthetic click on it, which bubbles up to here.
  plot.addEventListener("click", (ev) => onPlotClick(st, ev));
  st.observer = new ResizeObserver(() => {
    if (st.gd && window.Plotly)
      Promise.resolve(window.Plotly.Plots.resize(st.gd))
        .then(() => st.cgd && window.Plotly.Plots.resize(st.cgd))
        .then(() => fitLegend(st))
        .then(() => fitSquare(st));
  });
  st.observer.observe(root);
  applyTexts(st, null);
  markSpeed(st);
  return st;
}

function markSpeed(st) {
  st.speeds.forEach((b) => b.classList.toggle("active", Number(b.dataset.speed) === st.speed));
  st.play.classList.toggle("active", st.playing);
}

function lastFrame(st) {
  return st.mode ? st.mode.frames - 1 : 0;
}

function setSlider(st, j) {
  st.slider.max = String(lastFrame(st));
  st.slider.value = String(j);
  st.label.textContent = st.mode.label(j);
}

function showFrame(st, j) {
  if (!st.gd || !st.mode || st.busy) return;
  st.frame = Math.max(0, Math.min(j, lastFrame(st)));
  st.drawing = true;
  // plotly.js draws scatter restyles synchronously; the promise also covers a heatmap's image
  Promise.resolve(st.mode.draw(st.frame))
    .then(() => moveStep(st, st.frame))
    .catch((err) => console.error("optviz live chart:", err))
    .finally(() => (st.drawing = false));
  setSlider(st, st.frame);
}

function tick(st, now) {
  if (!st.playing) return;
  // The frame follows the clock (frames are skipped when drawing one takes longer than its
  // period), so a run plays in frames / fps seconds on a slow machine too.
  const fps = st.mode.fps * st.speed;
  const due = st.startFrame + Math.floor(((now - st.startTime) * fps) / 1000);
  if (due > st.frame && !st.busy && !st.drawing && now - st.drawnAt >= MIN_FRAME_MS) {
    showFrame(st, Math.min(due, lastFrame(st)));
    st.drawnAt = now;
  }
  if (st.frame >= lastFrame(st)) {
    stopPlaying(st);
    return;
  }
  st.raf = requestAnimationFrame((t) => tick(st, t));
}

function restartClock(st) {
  st.startFrame = st.frame;
  st.startTime = performance.now();
}

function startPlaying(st) {
  if (!st.gd || !st.mode) return;
  if (st.frame >= lastFrame(st)) showFrame(st, 0); // from the start, as plotly's play at the end
  st.playing = true;
  restartClock(st);
  cancelAnimationFrame(st.raf);
  st.raf = requestAnimationFrame((t) => tick(st, t));
  markSpeed(st);
}

function stopPlaying(st) {
  st.playing = false;
  cancelAnimationFrame(st.raf);
  markSpeed(st);
}

function onPlotClick(st, ev) {
  // The contour panel (axes x, y) only: a click on the loss panel, the legend or outside the
  // axes sets no start.
  if (!st.gd || !st.mode || !st.mode.clickable || !st.setTrigger) return;
  const target = ev.target;
  if (!(target instanceof Element) || !target.closest(".draglayer")) return; // legend, mode bar, ...
  const fl = st.gd._fullLayout;
  const xa = fl && fl.xaxis;
  const ya = fl && fl.yaxis;
  if (!xa || !ya || typeof xa.p2d !== "function") return;
  const box = st.gd.getBoundingClientRect();
  // pixel -> data on the subplot: plotly's p2d takes pixels from the axis' own offset
  const px = ev.clientX - box.left - xa._offset;
  const py = ev.clientY - box.top - ya._offset;
  if (!(px >= 0 && px <= xa._length && py >= 0 && py <= ya._length)) return;
  const x = xa.p2d(px);
  const y = ya.p2d(py);
  if (Number.isFinite(x) && Number.isFinite(y)) st.setTrigger("click", { x, y });
}

async function render(st, data) {
  const token = ++st.token;
  const Plotly = await loadPlotly(data.plotly_url);
  if (token !== st.token) return; // newer data arrived while plotly was loading
  const stat = STATICS.get(data.static_key);
  if (!stat) return;
  const dyn = data.dynamic;
  const kind = dyn.kind || "surfaces";
  const mode = kind === "mlp" ? await mlpMode(st, dyn, stat) : surfacesMode(st, dyn, stat);
  mode.fps = dyn.anim.fps;
  if (token !== st.token) return;
  const wasAtRest = !st.mode || st.kind !== kind || st.frame >= lastFrame(st);
  st.height = data.height;
  st.fill = Boolean(data.fill);
  st.root.classList.toggle("optviz-present", st.fill);
  const comp = dyn.companion || null;
  fitWindow(st, data, comp);
  st.mode = mode;
  st.kind = kind;
  st.inspect.hidden = !(mode.step && data.inspect);
  // new numbers while playing: keep playing from the same frame; at rest: the final state
  const j = wasAtRest && !st.playing ? lastFrame(st) : Math.min(st.frame, lastFrame(st));
  st.frame = j;
  const { data: traces, layout } = mode.figure(j);
  // The legend's fitted top margin (fitLegend) of the last render, applied before drawing: a
  // relayout after the draw would redraw the whole figure a second time.
  const baseTop = (layout.margin || {}).t;
  if (st.fitTop && layout.margin && st.fitTop > baseTop) layout.margin = { ...layout.margin, t: st.fitTop };
  st.root.style.background = layout.paper_bgcolor || "";
  st.root.style.color = (layout.font || {}).color || "";
  if (kind === "mlp" && st.fitHeight) layout.height = Math.min(st.fitHeight, layout.height);
  st.root.style.height = `${layout.height + CONTROLS_PX + st.companionH}px`;
  const config = { responsive: false, ...(data.config || {}) };
  st.busy = true; // the player waits: a restyle in the middle of a react would mix old and new traces
  try {
    if (!st.gd) st.gd = await Plotly.newPlot(st.plot, traces, layout, config);
    else await Plotly.react(st.gd, traces, layout, config);
  } finally {
    st.busy = false;
  }
  if (token !== st.token) return;
  st.baseTop = baseTop; // the server's top margin: the least the legend fit may use
  await fitLegend(st);
  await fitSquare(st);
  await fitReadable(st);
  await drawCompanion(st, comp, config);
  if (token !== st.token) return;
  await moveStep(st, j);
  if (st.playing) restartClock(st);
  setSlider(st, j);
  (window.__optvizRenders ||= []).push({ t: performance.now(), kind });
  window.dispatchEvent(new CustomEvent("optviz:render"));
}

// The companion figure under the player (the MLP's training curves), drawn with each new payload;
// its vertical lines named STEP_MARKER (live.py) follow the frame's step.
async function drawCompanion(st, comp, config) {
  const Plotly = window.Plotly;
  if (!comp) {
    if (st.cgd) Plotly.purge(st.cgd);
    st.cgd = null;
    st.stepShapes = [];
    st.companion.replaceChildren();
    return;
  }
  const layout = { ...comp.layout, autosize: true, height: st.companionH };
  delete layout.width;
  st.stepShapes = (layout.shapes || []).flatMap((sh, i) => (sh.name === STEP_MARKER ? [i] : []));
  st.cgd = st.cgd
    ? await Plotly.react(st.cgd, comp.data, layout, config)
    : await Plotly.newPlot(st.companion, comp.data, layout, config);
}

// The companion's step lines at frame j's step; hidden at rest on the last frame (the curves end there).
function moveStep(st, j) {
  if (!st.cgd || !st.stepShapes.length || !st.mode || !st.mode.step) return undefined;
  const step = st.mode.step(j);
  const show = j < lastFrame(st) && Number.isFinite(step);
  const upd = {};
  for (const i of st.stepShapes) {
    upd[`shapes[${i}].visible`] = show;
    if (show) {
      upd[`shapes[${i}].x0`] = step;
      upd[`shapes[${i}].x1`] = step;
    }
  }
  return window.Plotly.relayout(st.cgd, upd);
}

// The MLP panels are square (scaleanchor): in a figure taller than a panel is wide, plotly centres
// them and leaves bands above and below.  Fit the figure's height to the panels' width instead (at
// most the height the server asked for), and remember it for the next render, which then draws once.
async function fitSquare(st) {
  const fl = st.gd && st.gd._fullLayout;
  const xa = fl && fl.xaxis;
  if (st.kind !== "mlp" || !xa || !fl._size) return;
  const dom = xa._inputDomain || xa.domain;
  const wide = fl._size.w * (dom[1] - dom[0]); // the panel's width before the square constraint
  const ya = fl.yaxis;
  // equal units on both axes (scaleanchor, ratio 1): the panel's height in pixels for that width
  const ratio = ya && ya.range ? Math.abs((ya.range[1] - ya.range[0]) / (xa.range[1] - xa.range[0])) : 1;
  const want = Math.round(wide * ratio + (fl.height - fl._size.h));
  const h = Math.max(200, Math.min(want, plotHeight(st)));
  st.fitHeight = h;
  // the room the square panels leave in the window goes to the curves below (up to their height)
  if (st.wantComp && st.availPx > 0)
    st.companionH = Math.max(MIN_COMPANION_PX, Math.min(st.wantComp, st.availPx - h - CONTROLS_PX));
  if (Math.abs(h - fl.height) <= 2) {
    st.root.style.height = `${fl.height + CONTROLS_PX + st.companionH}px`; // the curves' share may differ
    return;
  }
  await setPlotHeight(st, h);
}

// The server lays the title, the legend and the plots out for a slide's width; in a narrower page
// the horizontal legend wraps to more rows and would climb into the title.  Measure the legend as
// drawn and push the plots down by what it needs (never up: the server's margin is the minimum).
async function fitLegend(st) {
  const fl = st.gd && st.gd._fullLayout;
  const box = st.gd && st.gd.querySelector(".legend");
  // only a horizontal legend above the plots (the MLP's stands at the right, beside the panels)
  if (!fl || !box || !fl.margin || !fl.legend || fl.legend.orientation !== "h") return;
  const base = st.baseTop ?? fl.margin.t;
  const titleFont = (fl.title && fl.title.font && fl.title.font.size) || 0;
  const titleH = fl.title && fl.title.text ? Math.ceil(titleFont * 1.35) + 10 : 0;
  const need = Math.ceil(10 + titleH + box.getBBox().height + 6);
  const top = Math.max(base, need);
  st.fitTop = top;
  if (Math.abs(top - fl.margin.t) > 1) {
    st.busy = true;
    try {
      await window.Plotly.relayout(st.gd, { "margin.t": top });
    } finally {
      st.busy = false;
    }
  }
}

export default function liveChart(component) {
  const { data, parentElement, setTriggerValue } = component;
  let st = CHARTS.get(parentElement);
  if (!st) {
    st = createChart(parentElement);
    CHARTS.set(parentElement, st);
  }
  st.setTrigger = setTriggerValue;
  if (!data) return undefined;
  applyTexts(st, data.text);
  // the space the chart will take, held from the first call (the element's height follows this root)
  if (!st.gd) st.root.style.height = `${data.height}px`;
  if (data.static) {
    STATICS.delete(data.static_key); // re-inserted last: the Map's order is the eviction order
    STATICS.set(data.static_key, data.static);
    while (STATICS.size > STATIC_CACHE_SIZE) STATICS.delete(STATICS.keys().next().value);
  }
  if (!STATICS.has(data.static_key)) {
    // Python believes the browser has it (a page reload, an evicted entry): ask for it again.
    setTriggerValue("need_static", data.static_key);
    return undefined;
  }
  st.lastData = data;
  if (!st.onResize) {
    // a new window height (a projector, a rotated laptop) refits the chart to it
    let timer = 0;
    st.onResize = () => {
      clearTimeout(timer);
      timer = setTimeout(() => st.lastData && render(st, st.lastData).catch(() => {}), 250);
    };
    window.addEventListener("resize", st.onResize);
  }
  render(st, data).catch((err) => {
    console.error("optviz live chart:", err);
  });
  return () => {
    stopPlaying(st);
    cancelAnimationFrame(st.scrubRaf);
    st.observer.disconnect();
    if (st.onResize) window.removeEventListener("resize", st.onResize);
    if (st.gd && window.Plotly) window.Plotly.purge(st.gd);
    if (st.cgd && window.Plotly) window.Plotly.purge(st.cgd);
    st.root.remove();
    CHARTS.delete(parentElement);
  };
}
