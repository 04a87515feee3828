"""The live chart: its payload (round trip, size, static key, no click grid) and, in headless
Chromium, the component itself (renders, plays, hit-tests a click on the contour panel and reports
it to the script, ignores one on the loss panel).  The MLP mode: tests/test_live_chart_mlp.py."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pytest

from optviz import compare
from optviz.config import Display, OptimizerSpec, Scene, SurfacesConfig
from optviz.figures import scene_figure
from optviz.figures.live import decode_run, live_payload
from optviz.runs.surfaces import run_scene
from surfaces import get_surface
from tests.conftest import ARTIFACTS, CHROMIUM, ROOT, free_port

if TYPE_CHECKING:
    from playwright.sync_api import Page

DYNAMIC_BUDGET = 150_000  # bytes of JSON per rerun for the default scene (measured: ~118 kB)


def _payload(scene: Scene, results=None, **kw):
    results = run_scene(scene) if results is None else results
    fig = scene_figure(scene, results, animate=False, height=640)
    return live_payload(fig, frames=scene.display.frames, fps=scene.display.fps, **kw), results


@pytest.fixture(scope="module")
def default(warm_jit):
    return _payload(Scene())


def test_round_trip_matches_the_results(default):
    payload, results = default
    runs = json.loads(payload.dynamic_json())["runs"]  # what the browser receives
    assert [r["index"] for r in runs] == list(range(len(results)))
    for run, res in zip(runs, results):
        got = decode_run(run)
        keep = got["steps"]
        n = len(res.path)
        assert keep[0] == 0 and keep[-1] == n - 1
        assert np.all(np.diff(keep) > 0)
        f32 = lambda a: a.astype(np.float32).astype(np.float64)  # noqa: E731
        # every step of the 1 000 is kept (below max_points), float32-rounded inside ...
        np.testing.assert_array_equal(got["x"][1:-1], f32(res.path[keep, 0])[1:-1])
        np.testing.assert_array_equal(got["y"][1:-1], f32(res.path[keep, 1])[1:-1])
        # f for the hover: the plotted loss f - f* plus f* (one number instead of an array)
        assert "f" not in run and run["f_offset"] == 0.0
        np.testing.assert_allclose(got["f"], res.loss[keep], rtol=1e-6)
        # ... and exact at both ends (the log loss axis shows f - f*, with f* = 0 on Rosenbrock)
        assert (got["x"][0], got["y"][0]) == tuple(res.path[0])
        assert (got["x"][-1], got["y"][-1]) == tuple(res.path[-1])
        assert got["loss"][-1] == res.loss[-1]


def test_hover_f_travels_as_an_offset_of_the_plotted_loss_when_f_star_is_not_zero(warm_jit):
    # Styblinski-Tang: the log loss axis shows f - f* with f* = -78.33; the hover's f is the loss + f*
    s = SurfacesConfig(surface="styblinski_tang", steps=300, optimizers=(OptimizerSpec("adam", (("lr", 0.1),)),))
    payload, results = _payload(Scene(surfaces=s))
    (run,) = json.loads(payload.dynamic_json())["runs"]
    assert "f" not in run and run["f_offset"] == pytest.approx(get_surface("styblinski_tang").minima[0].f, rel=1e-6)
    got = decode_run(run)
    np.testing.assert_allclose(got["f"], results[0].loss[got["steps"]], rtol=1e-6, atol=1e-4)


def test_schedule_free_y_travels_with_its_run_and_gets_no_arrow(warm_jit):
    runs = (OptimizerSpec("schedule_free_adamw", (("lr", 0.02),)), OptimizerSpec("nesterov", (("lr", 0.001),)))
    s = SurfacesConfig(surface="rosenbrock", steps=200, optimizers=runs)
    payload, results = _payload(Scene(surfaces=s, display=Display(lookahead=True)))
    sf, nes = json.loads(payload.dynamic_json())["runs"]
    got = decode_run(sf)
    np.testing.assert_allclose(got["theta_x"][:-1], results[0].probe[got["steps"][:-1], 0], rtol=1e-6)
    assert payload.dynamic["anim"]["arrow_runs"] == [1]  # the look-ahead arrow: Nesterov's run only
    assert "theta" in nes


def test_downsampling_keeps_ends_frames_and_the_exit_of_a_diverged_run(warm_jit):
    # lr just above 2/L on a bowl with L = 10: the run grows by 0.5 % a step and diverges after ~1 400
    runs = (OptimizerSpec("sgd", (("lr", 0.05),)), OptimizerSpec("sgd", (("lr", 0.2005),)))
    s = SurfacesConfig(surface="bowl", surface_params=(("kappa", 10.0), ("theta", 0.0)), steps=5000, optimizers=runs)
    payload, results = _payload(Scene(surfaces=s), max_points=300)
    assert results[1].diverged_at is not None and len(results[1].path) > 1000
    frames = payload.dynamic["anim"]["frame_steps"]
    (x0, x1), (y0, y1) = get_surface("bowl").bounds
    for run, res in zip(payload.dynamic["runs"], results):
        got = decode_run(run)
        keep = got["steps"]
        n = len(res.path)
        assert len(keep) <= 300 and keep[0] == 0 and keep[-1] == n - 1
        assert set(np.minimum(frames, n - 1).tolist()) <= set(keep.tolist())  # a "now" marker on a real point
        np.testing.assert_array_equal(got["x"][1:-1], res.path[keep, 0].astype(np.float32)[1:-1])
        assert run["stride"] % 2 == 1  # odd: a period-2 zig-zag stays visible
        p = res.path
        inside = np.flatnonzero((p[:, 0] >= x0) & (p[:, 0] <= x1) & (p[:, 1] >= y0) & (p[:, 1] <= y1))
        assert inside[-1] in keep  # where a diverging run leaves the plot


def test_payload_size(default):
    payload, _ = default
    size = len(payload.dynamic_json())
    print(f"dynamic {size / 1e3:.1f} kB, static {len(payload.static_json()) / 1e3:.1f} kB")
    assert size <= DYNAMIC_BUDGET
    # the surface's picture is not in the per-rerun part
    assert "data:image/png" not in payload.dynamic_json() and payload.static["images"]


def test_payload_does_not_grow_with_steps(warm_jit):
    sizes = {}
    for steps in (10_000, 100_000):
        scene = Scene(surfaces=SurfacesConfig(steps=steps))
        s = scene.surfaces
        results = compare(s.surface, [(o.name, o.kwargs) for o in s.optimizers], **s.run_options())
        payload, _ = _payload(scene, results)
        sizes[steps] = len(payload.dynamic_json())
        assert all(len(decode_run(r)["steps"]) <= 2000 for r in payload.dynamic["runs"])
    print(sizes)  # measured: ~174 kB (10 000 steps, stride 7) and ~225 kB (100 000 steps, stride 53)
    # bounded by the points, not the steps: 5 runs x 2 000 points x 4 float32 arrays in base64, plus the figure
    bound = 5 * 2000 * 4 * 4 * 4 / 3 + 20_000
    assert sizes[10_000] <= sizes[100_000] <= bound


def test_payload_has_no_click_grid(default):
    # the browser hit-tests clicks itself; the 1 600 invisible markers were most of a frame's cost
    payload, _ = default
    roles = [(t.get("meta") or {}).get("role") for t in payload.dynamic["data"]]
    assert "click_grid" not in roles and "path" in roles
    assert payload.dynamic["kind"] == "surfaces" and "traces" not in payload.static
    n = len(payload.dynamic["data"])
    anim = payload.dynamic["anim"]
    indices = [t for t, _ in anim["trails"] + anim["loss_lines"]] + [anim["head"], anim["loss_head"]]
    assert all(0 <= i < n for i in indices)
    assert roles[anim["head"]] == "head" and roles[anim["loss_head"]] == "loss_head"


def test_static_key_follows_surface_params_and_theme(default, warm_jit):
    payload, _ = default
    again, _ = _payload(Scene(surfaces=SurfacesConfig(noise=0.05)))  # other runs, same surface
    assert again.static_key == payload.static_key
    dark, _ = _payload(Scene(display=Display(theme="dark")))
    two = SurfacesConfig().optimizers[:2]
    bowl, _ = _payload(Scene(surfaces=SurfacesConfig(surface="bowl", optimizers=two)))
    steep = SurfacesConfig(surface="bowl", surface_params=(("kappa", 50.0), ("theta", 0.0)), optimizers=two)
    steep_p, _ = _payload(Scene(surfaces=steep))
    keys = {payload.static_key, dark.static_key, bowl.static_key, steep_p.static_key}
    assert len(keys) == 4


# ----------------------------------------------------------------------------- in the browser

SCRIPT = """
import streamlit as st
from optviz.config import Scene
from optviz.figures import scene_figure
from optviz.figures.live import live_payload
from optviz.runs.surfaces import run_scene
from optviz.ui.live_chart import live_chart

scene = Scene()
results = run_scene(scene)
payload = live_payload(scene_figure(scene, results, animate=False, height=600), frames=100, fps=20)
sent = st.session_state.setdefault("sent", set())
clicked = live_chart(payload, key="live", height=640, sent=sent)
if clicked is not None:
    st.session_state["clicks"] = st.session_state.get("clicks", []) + [list(clicked)]
st.text("clicks=" + repr(st.session_state.get("clicks", [])))
"""


@contextmanager
def served_page(script_text: str, folder: Path, log_name: str) -> Iterator[Page]:
    """`streamlit run` of a small script on a free port, opened in headless Chromium; yields the page
    once the live chart has drawn (also used by tests/test_live_chart_mlp.py)."""
    from playwright.sync_api import sync_playwright

    script = folder / "live_demo.py"
    script.write_text(textwrap.dedent(script_text))
    port = free_port()
    ARTIFACTS.mkdir(exist_ok=True)
    log = open(ARTIFACTS / log_name, "w")
    cmd = [
        sys.executable, "-m", "streamlit", "run", str(script), "--server.headless", "true", "--server.port", str(port),
        "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none",
    ]  # fmt: skip
    proc = subprocess.Popen(cmd, cwd=str(ROOT), stdout=log, stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}"
        t0 = time.monotonic()
        while True:
            assert proc.poll() is None, f"streamlit exited; see artifacts/{log_name}"
            try:
                if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok":
                    break
            except OSError:
                pass
            assert time.monotonic() - t0 < 120, "streamlit did not answer its health check"
            time.sleep(0.3)
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--headless=new"]
            )
            try:
                page = browser.new_page(viewport={"width": 1280, "height": 900})
                page.goto(url + "/", timeout=240_000)
                page.wait_for_function("() => (window.__optvizRenders || []).length > 0", timeout=240_000)
                yield page
            finally:
                browser.close()
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture(scope="module")
def live_page(tmp_path_factory):
    from tests.conftest import require_browser

    require_browser()
    with served_page(SCRIPT, tmp_path_factory.mktemp("live"), "live_chart_server.log") as page:
        yield page


def test_browser_renders_and_reports_a_click(live_page):
    page = live_page
    assert page.locator("[data-testid='optviz-live-chart']").count() == 1
    state = page.evaluate(
        """() => {
        const gd = document.querySelector('[data-testid="optviz-live-chart"] .js-plotly-plot');
        const path = gd._fullData.filter(t => t.meta && t.meta.role === 'path');
        return {paths: path.map(t => t._length), images: gd.layout.images.length, step: document.querySelector(
          '.optviz-live-step').textContent, grid: gd._fullData.some(t => t.meta && t.meta.role === 'click_grid')};
    }"""
    )
    assert state["paths"] == [1001] * 5 and state["images"] == 1 and state["step"] == "step 1000"
    assert not state["grid"]
    page.screenshot(path=str(ARTIFACTS / "live_chart.png"))
    # the loss panel: hit-tested, outside the contour axes, so no start point and no rerun
    loss = page.locator("[data-testid='optviz-live-chart'] .nsewdrag[data-subplot='x2y2']").bounding_box()
    page.mouse.click(loss["x"] + loss["width"] * 0.5, loss["y"] + loss["height"] * 0.5)
    page.wait_for_timeout(1500)
    assert page.get_by_text("clicks=[]").count() == 1
    area = page.locator("[data-testid='optviz-live-chart'] .nsewdrag[data-subplot='xy']").bounding_box()
    x, y = area["x"] + area["width"] * 0.8, area["y"] + area["height"] * 0.3
    page.mouse.move(x, y)
    page.wait_for_timeout(300)
    page.mouse.click(x, y)
    text = page.get_by_text("clicks=[[")
    text.wait_for(timeout=60_000)
    clicks = json.loads(text.inner_text().removeprefix("clicks="))
    assert len(clicks) == 1  # the contour click only
    cx, cy = clicks[0]
    # the pointer's own point, not a grid node: 80 % across [-2, 2] and 70 % up [-1, 3] (1 px ~ 0.01)
    assert abs(cx - 1.2) < 0.03 and abs(cy - 1.8) < 0.03


def test_browser_play_moves_the_trails(live_page):
    page = live_page
    page.locator(".optviz-live-play").click()
    page.wait_for_function(
        """() => { const s = document.querySelector('.optviz-live-step').textContent;
                   return s !== 'step 1000' && s !== 'step 0'; }""",
        timeout=30_000,
    )
    short = page.evaluate(
        "() => document.querySelector('[data-testid=\"optviz-live-chart\"] .js-plotly-plot').data[4].x.length"
    )
    assert short < 1001  # a trail, cut at the current frame
    page.wait_for_function(
        "() => document.querySelector('.optviz-live-step').textContent === 'step 1000'", timeout=60_000
    )
