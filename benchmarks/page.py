"""Page benchmark: what a lecturer feels in the browser, the app served and drawn by headless Chromium.

It starts the app as the README does (`optviz --server.headless true --server.port PORT`, here as
`python -m optviz.cli ...` from this checkout, in its own process group that is always stopped), or
measures an already running server (`--keep-server URL`), and drives it with Playwright and the
system Chromium (/usr/bin/chromium or $CHROMIUM; never `playwright install`).  Per scenario:

  first chart     the server is warmed by one visit that waits for the chart (kernels compiled,
                  results cached); then a fresh browser context (empty HTTP cache) opens the page
                  and the page itself records performance.now() (0 = navigation start) in the first
                  animation frame that holds the chart
  slider -> chart a capture-phase `keydown` listener records performance.now() at the key press;
                  the chart's frame is the first requestAnimationFrame callback that sees new chart
                  data (content, not identity: the app re-renders the same figure again when its
                  run ends), and the move counts once Streamlit's run has finished
                  ([data-testid=stApp][data-test-script-state=notRunning])
  kB per move     websocket frames received by the page from the key press to the end of the run
                  (plus 150 ms), Playwright's `framereceived`

The chart is the live component when the page has one (`[data-testid="optviz-live-chart"]`: each
render of new data appends {t, kind: "runs"} to `window.__optvizRenders`, also looked for in
same-origin iframes), else the Plotly chart (`.st-key-main_chart` / `.st-key-mlp_chart_boundary`,
else the first Plotly chart of the main area).

Scenarios (`--scenario`, default all):
  surfaces  the default scene (Rosenbrock, 5 optimizers, 1000 steps); N moves of the lr sliders (the
            optimizers in turn) interleaved with N moves of Adam's beta1; each slider alternates
            ArrowLeft / ArrowRight, so values stay in range and, for N <= 9, no parameter set repeats
            (every move misses the app's result cache)
  mlp       the default MLP view (?view=mlp); M moves of the first optimizer's lr, one grid step
            down each time (no repeats, no divergence)
  mlp5      five panels: the settings of the preset "ReLU: He vs Xavier" (compare init schemes: zeros,
            N(0, 0.01²), N(0, 1), He, Xavier) on the Training tab (the preset itself opens the
            Initialisation tab, whose histograms an lr move does not change); the same M moves
  floor     not optviz: `benchmarks/floor_app.py`, served with `streamlit run`: two sliders in sidebar
            expanders and a 3-point chart drawn with the plotly.js of the plotly package, all in one
            `st.fragment` (the optviz page's fastest path, with nothing to compute or draw); the same
            moves as the surfaces.  What this stack costs on this machine before optviz does anything:
            no target, printed beside them
An optimizer's sliders sit in a sidebar expander, opened (again) before each press: a slider in a
collapsed expander takes no keys.  Targets: surfaces <= 250 ms, MLP <= 400 ms, five panels <= 1000 ms
(median), first chart <= 2.5 s, <= 150 kB per move on the surfaces (1000 steps x 5 optimizers).

    python benchmarks/page.py [--scenario all] [--moves 9] [--mlp-moves 5]   (or: optviz bench page)

Timings include whatever else loads the machine: the header prints the CPU count and load average.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.metadata
import math
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
VIEWPORT = {"width": 1600, "height": 1000}
FLOOR_APP = ROOT / "benchmarks" / "floor_app.py"
FIRST_CHART_TARGET_S = 2.5
KB_TARGET = 150.0  # per move, surfaces at 1000 steps x 5 optimizers
SERVER_START_S = 120.0
WARM_VISIT_MS = 300_000  # the first visit of a fresh server compiles the kernels (~10-40 s)
QUIET_MS = 300  # before a key press: no run, no render, no state change for this long
TRAILING_MS = 150  # after a run ends: the last websocket frames of the move

# Installed in every page before its scripts run.  All times are performance.now() of the page.
PROBE_JS = r"""
(() => {
  if (window.__pb) return;
  const S = (window.__pb = { keys: [], renders: [], states: [], state: null, quietSince: 0,
                             first: { live: null, plotly: null }, live: false });
  document.addEventListener("keydown", () => S.keys.push(performance.now()), true);
  const CHART = ".st-key-main_chart .js-plotly-plot, .st-key-mlp_chart_boundary .js-plotly-plot";
  const FALLBACK = '[data-testid="stMain"] [data-testid="stPlotlyChart"] .js-plotly-plot';
  const LIVE = '[data-testid="optviz-live-chart"]';
  const windows = () => {
    const out = [window];
    for (const f of document.querySelectorAll("iframe")) {
      try { if (f.contentWindow && f.contentWindow.document) out.push(f.contentWindow); } catch (e) {}
    }
    return out;
  };
  const hash = (s) => {  // FNV-1a over the JSON of the chart's data
    let h = 0x811c9dc5;
    for (let i = 0; i < s.length; i++) { h ^= s.charCodeAt(i); h = Math.imul(h, 0x01000193); }
    return s.length + ":" + (h >>> 0).toString(16);
  };
  let lastData = null, liveSeen = 0;
  const tick = () => {
    const now = performance.now();
    const app = document.querySelector('[data-testid="stApp"]');
    const st = app ? app.getAttribute("data-test-script-state") : null;
    if (st !== S.state) { S.state = st; S.states.push([now, st]); S.quietSince = now; }
    const wins = windows();
    if (!S.live && wins.some((w) => w.document.querySelector(LIVE))) S.live = true;
    let n = 0;  // the live component's renders of new data
    for (const w of wins) n += (w.__optvizRenders || []).length;  // one entry per render of new data
    if (n > liveSeen) {
      liveSeen = n;
      S.live = true;
      S.quietSince = now;
      S.renders.push({ t: now, src: "live", sig: "live#" + n });
      if (S.first.live === null) S.first.live = now;
    }
    const gd = document.querySelector(CHART) || document.querySelector(FALLBACK);
    if (gd && gd.data && gd._fullData && gd.data !== lastData) {
      const data = (lastData = gd.data);
      S.quietSince = now;
      if (S.first.plotly === null && gd._fullData.length && gd.querySelector(".main-svg")) S.first.plotly = now;
      // Hashed once this frame is painted: the hash must not delay the frame measured.
      setTimeout(() => S.renders.push({ t: now, src: "plotly", sig: hash(JSON.stringify(data)) }), 0);
    }
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
})();
"""

# The first chart's frame (ms since navigation start): the live component's, else (once the run is
# over and no live component showed up) the Plotly chart's; -1 for an exception box.
FIRST_CHART_JS = r"""
() => {
  const S = window.__pb;
  if (!S) return false;
  if (document.querySelector('[data-testid="stException"]')) return -1;
  if (S.first.live !== null) return S.first.live;
  if (S.first.plotly !== null && !S.live && S.state === "notRunning") return S.first.plotly;
  return false;
}
"""

# A move is done when a render with new content followed its key press and Streamlit's run is over.
MOVE_DONE_JS = r"""
(n0) => {
  const S = window.__pb;
  if (S.keys.length <= n0) return false;
  const k = S.keys[n0], now = performance.now(), src = S.live ? "live" : "plotly";
  let sig0 = null, r = null;
  for (const x of S.renders) {
    if (x.src !== src) continue;
    if (x.t <= k) sig0 = x.sig;
    else if (r === null && x.sig !== sig0) r = x;
  }
  const ran = S.states.some(([t, s]) => t > k && s === "running");
  if (S.state !== "notRunning" || now - S.quietSince < 50) return false;
  if (r && (ran || now - r.t > 500)) return { ms: r.t - k };
  if (ran && now - S.quietSince > 2000) return { ms: null };  // it ran, but the chart never changed
  return false;
}
"""

IDLE_JS = f"""() => window.__pb && window.__pb.state === "notRunning"
    && performance.now() - window.__pb.quietSince > {QUIET_MS}"""


@dataclass(frozen=True)
class Slider:
    """A slider of an optimizer's sidebar expander: its label's start, the expander's place among those holding it."""

    label: str  # the start of the input's aria-label (the widget label): "lr ", "beta1"
    index: int = 0  # the index-th optimizer expander that holds such a slider


@dataclass(frozen=True)
class Scenario:
    name: str
    title: str
    query: str
    target_ms: float


SCENARIOS = {
    "surfaces": Scenario("surfaces", "surfaces, default scene: lr and beta1 sliders", "", 250.0),
    "mlp": Scenario("mlp", "MLP, default view: first optimizer's lr", "?view=mlp", 400.0),
    "mlp5": Scenario(
        "mlp5",
        "MLP, five panels (init schemes): lr",
        "?view=mlp&m_hidden=32|32|32&m_activation=relu&m_init=xavier_normal&m_compare=init&m_optimizers=adam:lr%3D0.01",
        1000.0,
    ),
    # not optviz: benchmarks/floor_app.py, one fragment of two sliders and a 3-point plotly chart
    "floor": Scenario("floor", "floor: a one-fragment Streamlit page, a 3-point plotly.js chart", "", 0.0),
}


@dataclass
class Row:
    scenario: Scenario
    moves: list[float] = field(default_factory=list)  # ms, key press to the chart's frame
    kbytes: list[float] = field(default_factory=list)  # per move
    first_chart_s: float | None = None
    failed: int = 0  # moves whose chart did not change, or that timed out
    mode: str = "?"


# ----------------------------------------------------------------------------- server


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def app_server(port: int, script: str | None = None) -> Iterator[str]:
    """`optviz --server.headless true --server.port PORT` from this checkout (or `streamlit run script`);
    stopped (process group) on exit."""
    run = ["-m", "optviz.cli"] if script is None else ["-m", "streamlit", "run", script]
    cmd = [sys.executable, *run, "--server.headless", "true", "--server.port", str(port)]
    cmd += ["--server.address", "127.0.0.1", "--server.fileWatcherType", "none"]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            url = f"http://127.0.0.1:{port}/"
            t0 = time.monotonic()
            while not healthy(url):
                if proc.poll() is not None or time.monotonic() - t0 > SERVER_START_S:
                    log.seek(0)
                    tail = log.read().decode(errors="replace")[-3000:]
                    raise SystemExit(f"optviz bench page: the app did not start ({' '.join(cmd)}):\n{tail}")
                time.sleep(0.25)
            yield url
        finally:
            stop(proc)


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "_stcore/health", timeout=1) as r:
            return r.read() == b"ok"
    except OSError:
        return False


def stop(proc: subprocess.Popen) -> None:
    """SIGTERM to the server's process group (the cli, Streamlit, its helpers); SIGKILL to what is left after 10 s."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    deadline = time.monotonic() + 10
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(10)
    while time.monotonic() < deadline and group_alive(proc.pid):
        time.sleep(0.1)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


# ----------------------------------------------------------------------------- the page


class ByteCounter:
    """Bytes of every websocket frame the page receives."""

    def __init__(self, page: Any) -> None:
        self.total = 0
        page.on("websocket", lambda ws: ws.on("framereceived", self._add))

    def _add(self, payload: str | bytes) -> None:
        self.total += len(payload.encode() if isinstance(payload, str) else payload)


def open_page(browser: Any, url: str, timeout_ms: float) -> tuple[Any, Any, ByteCounter, float]:
    """A fresh context and page at url, waited for until the chart is drawn: (context, page, bytes, first chart s)."""
    context = browser.new_context(viewport=VIEWPORT)
    context.add_init_script(PROBE_JS)
    page = context.new_page()
    counter = ByteCounter(page)
    page.goto(url, wait_until="commit", timeout=timeout_ms)
    first = page.wait_for_function(FIRST_CHART_JS, timeout=timeout_ms, polling=100).json_value()
    if first < 0:
        text = page.locator('[data-testid="stException"]').first.inner_text()
        context.close()
        raise SystemExit(f"optviz bench page: the app raised at {url}:\n{text[:2000]}")
    return context, page, counter, first / 1000


def wait_idle(page: Any, timeout_ms: float) -> None:
    page.wait_for_function(IDLE_JS, timeout=timeout_ms, polling=50)


def optimizer_expander(page: Any, slider: Slider) -> Any:
    """The sidebar expander ('1 · Adam  (lr 0.01, ...)') of slider; re-found each time, the app rebuilds it."""
    title = page.locator("summary p", has_text=re.compile(r"^\s*\d+ · "))
    holds = page.locator(f'input[type="range"][aria-label^="{slider.label}"]')
    expanders = page.locator('[data-testid="stSidebar"] [data-testid="stExpander"]').filter(has=title).filter(has=holds)
    return expanders.nth(slider.index)


def count_expanders(page: Any, label: str) -> int:
    n = 0
    while optimizer_expander(page, Slider(label, n)).count():
        n += 1
    return n


def press(page: Any, counter: ByteCounter, slider: Slider, key: str, timeout_ms: float) -> tuple[float | None, float]:
    """One key press on slider: (ms from the key press to the chart's new frame or None, kB received)."""
    expander = optimizer_expander(page, slider)
    if not expander.locator("details").evaluate("e => e.open"):  # a move relabels and so collapses it
        expander.locator("summary").click()
    thumb = expander.locator(f'input[type="range"][aria-label^="{slider.label}"]').first
    thumb.wait_for(state="attached", timeout=timeout_ms)
    page.wait_for_function(
        "e => e.closest('details').open && !e.closest('[inert]')", arg=thumb.element_handle(), timeout=timeout_ms
    )
    thumb.focus()
    wait_idle(page, timeout_ms)
    n0 = page.evaluate("() => window.__pb.keys.length")
    b0 = counter.total
    page.keyboard.press(key)
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        done = page.wait_for_function(MOVE_DONE_JS, arg=n0, timeout=timeout_ms, polling=50).json_value()
    except PlaywrightTimeout as e:  # reported as a failed move
        print(
            f"  {slider.label.strip()} {key}: no new chart within {timeout_ms / 1000:.0f} s ({e!r:.80})",
            file=sys.stderr,
        )
        return None, (counter.total - b0) / 1000
    page.wait_for_timeout(TRAILING_MS)
    return done["ms"], (counter.total - b0) / 1000


def plan(scenario: Scenario, page: Any, moves: int, mlp_moves: int) -> list[tuple[Slider, str]]:
    """The key presses of a scenario (see the module docstring)."""
    if scenario.name == "floor":  # as the surfaces, with one lr slider: lr and beta1 in turn, left, right, ...
        keys = ["ArrowLeft" if i % 2 == 0 else "ArrowRight" for i in range(moves)]
        return [(Slider(label), key) for key in keys for label in ("lr ", "beta1")]
    if scenario.name != "surfaces":
        return [(Slider("lr "), "ArrowLeft")] * mlp_moves
    n_lr = count_expanders(page, "lr ")
    out: list[tuple[Slider, str]] = []
    visits: dict[Slider, int] = {}
    for i in range(moves):
        for s in (Slider("lr ", i % n_lr), Slider("beta1")):
            out.append((s, "ArrowLeft" if visits.get(s, 0) % 2 == 0 else "ArrowRight"))
            visits[s] = visits.get(s, 0) + 1
    return out


def measure(browser: Any, base: str, scenario: Scenario, moves: int, mlp_moves: int) -> Row:
    url = base.rstrip("/") + "/" + scenario.query
    row = Row(scenario)
    move_ms = 30_000 if scenario.name in ("surfaces", "floor") else 90_000
    print(f"{scenario.name}: warming the server ({url})", file=sys.stderr)
    context, page, *_ = open_page(browser, url, WARM_VISIT_MS)
    wait_idle(page, WARM_VISIT_MS)  # the server finishes this session's run before the one measured
    context.close()
    context, page, counter, row.first_chart_s = open_page(browser, url, 120_000)
    try:
        wait_idle(page, move_ms)
        presses = plan(scenario, page, moves, mlp_moves)
        print(f"{scenario.name}: first chart {row.first_chart_s:.2f} s; {len(presses)} moves", file=sys.stderr)
        for slider, key in presses:
            ms, kb = press(page, counter, slider, key, move_ms)
            if ms is None:
                row.failed += 1
            else:
                row.moves.append(ms)
                row.kbytes.append(kb)
            shown = "failed" if ms is None else f"{ms:.0f} ms"
            print(f"  {slider.label.strip()}[{slider.index}] {key:<10} {shown:>9} {kb:9.1f} kB", file=sys.stderr)
        row.mode = "live component" if page.evaluate("() => window.__pb.live") else "plotly"
    finally:
        context.close()
    return row


# ----------------------------------------------------------------------------- report


def quantile(xs: list[float], q: float) -> float:
    """Linear interpolation between the closest ranks (numpy's default)."""
    s = sorted(xs)
    pos = q * (len(s) - 1)
    lo = math.floor(pos)
    return s[lo] + (s[min(lo + 1, len(s) - 1)] - s[lo]) * (pos - lo)


def fmt(v: float | None, spec: str) -> str:
    return "n/a" if v is None else format(v, spec)


def report(rows: list[Row]) -> None:
    print("| scenario | moves | median ms | p90 ms | min ms | median kB per move | first chart s |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    checks: list[tuple[str, str, bool | None]] = []
    for r in rows:
        med, p90, low, kb = (
            (quantile(r.moves, 0.5), quantile(r.moves, 0.9), min(r.moves), quantile(r.kbytes, 0.5))
            if r.moves
            else (None, None, None, None)
        )
        n = f"{len(r.moves)}" + (f" (+{r.failed} failed)" if r.failed else "")
        print(
            f"| {r.scenario.title} | {n} | {fmt(med, '.0f')} | {fmt(p90, '.0f')} | {fmt(low, '.0f')} "
            f"| {fmt(kb, ',.0f')} | {fmt(r.first_chart_s, '.2f')} |"
        )
        if r.scenario.name == "floor":  # what the stack itself costs: no target
            continue
        checks.append(
            (
                f"{r.scenario.name}: median ≤ {r.scenario.target_ms:.0f} ms",
                fmt(med, ".0f") + " ms",
                ok(med, r.scenario.target_ms),
            )
        )
        checks.append(
            (
                f"{r.scenario.name}: first chart ≤ {FIRST_CHART_TARGET_S} s",
                fmt(r.first_chart_s, ".2f") + " s",
                ok(r.first_chart_s, FIRST_CHART_TARGET_S),
            )
        )
        if r.scenario.name == "surfaces":
            checks.append((f"surfaces: ≤ {KB_TARGET:.0f} kB per move", fmt(kb, ",.0f") + " kB", ok(kb, KB_TARGET)))
    print("\n| target | measured | met |")
    print("|---|---:|:---:|")
    for name, value, met in checks:
        print(f"| {name} | {value} | {'n/a' if met is None else 'yes' if met else 'NO'} |")
    modes = ", ".join(sorted({r.mode for r in rows}))
    print(f"\nchart measured: {modes}; medians over the moves that changed the chart")
    if any(r.scenario.name == "floor" for r in rows):
        print("floor: benchmarks/floor_app.py, no optviz in it; what any page of this stack costs on this machine")


def ok(value: float | None, limit: float) -> bool | None:
    return None if value is None else value <= limit


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", choices=[*SCENARIOS, "all"], default="all")
    ap.add_argument("--moves", type=int, default=9, help="surfaces: moves of the lr sliders and of beta1 each")
    ap.add_argument("--mlp-moves", type=int, default=5, help="MLP scenarios: moves of the lr slider")
    ap.add_argument("--port", type=int, default=0, help="port of the server started (default: a free one)")
    ap.add_argument("--keep-server", metavar="URL", help="measure this running server instead of starting one")
    a = ap.parse_args(argv)
    if not Path(CHROMIUM).exists():
        print(f"optviz bench page: no Chromium at {CHROMIUM} (apt-get install -y chromium, or set CHROMIUM)")
        return 2
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        print('optviz bench page: needs playwright (pip install -e ".[test]"; never `playwright install`)')
        return 2
    names = list(SCENARIOS) if a.scenario == "all" else [a.scenario]
    t0 = time.monotonic()
    with contextlib.ExitStack() as stack:
        apps = [n for n in names if n != "floor"]
        base = (a.keep_server or stack.enter_context(app_server(a.port or free_port()))) if apps else ""
        floor = stack.enter_context(app_server(free_port(), str(FLOOR_APP))) if "floor" in names else ""
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
            try:
                rows = [
                    measure(browser, floor if n == "floor" else base, SCENARIOS[n], a.moves, a.mlp_moves) for n in names
                ]
            finally:
                browser.close()
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"optviz page benchmark: {base} (streamlit {importlib.metadata.version('streamlit')}), headless Chromium "
        f"{VIEWPORT['width']}x{VIEWPORT['height']}; {os.cpu_count()} CPUs, load average {load}; "
        f"{time.monotonic() - t0:.0f} s\n"
    )
    report(rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
