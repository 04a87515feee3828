"""The live chart's MLP mode: the decision-boundary payload (round trip against the figure's frames,
its size for the default scene and a five-panel preset) and, in headless Chromium, that the
component draws the heatmaps and plays them (the frame label and the heatmaps' z change)."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import plotly.graph_objects as go
import pytest

from optviz.config import Scene
from optviz.config.mlp import preset
from optviz.figures.live import decode_panels, live_payload_mlp
from optviz.figures.mlp import decision_boundary_figure
from optviz.figures.style import as_array
from optviz.runs.mlp import run_mlp_scene
from tests.test_live_chart import served_page

FRAMES = 40
RESOLUTION = 60
FIVE_PANELS = "deep sigmoid: vanishing gradients"  # compares five activations
BUDGET = 300_000  # bytes of JSON per rerun, five panels (measured: ~110 kB for three panels, ~138 kB for five)


def _figure(scene: Scene):
    run = run_mlp_scene(scene, parts=())
    return decision_boundary_figure(run.results, frames=FRAMES, resolution=RESOLUTION)


@pytest.fixture(scope="module")
def default_fig(warm_jit):
    return _figure(Scene(view="mlp"))


@pytest.mark.parametrize(("preset_name", "font_size", "theme"), [(None, 14, "light"), (FIVE_PANELS, 26, "dark")])
def test_the_pages_frames_apart_give_the_same_payload(warm_jit, preset_name, font_size, theme):
    """The page's payload from `boundary_live` (the frames as plain dicts, never validated by
    plotly) is the payload of the figure with its frames: the same static part, grids and texts."""
    from optviz.views import MLP

    scene = Scene(view="mlp") if preset_name is None else replace(Scene(view="mlp"), mlp=preset(preset_name))
    scene = replace(scene, display=replace(scene.display, font_size=font_size, theme=theme, frames=FRAMES))
    run = MLP.run(scene)
    whole = live_payload_mlp(MLP.figure(scene, run, "boundary"), fps=20)
    fig, frames = MLP.boundary_live(scene, run, frames=FRAMES)
    assert not fig.frames and len(frames) == FRAMES
    apart = live_payload_mlp(fig, fps=20, frames=frames)
    assert apart.static_key == whole.static_key and apart.static_json() == whole.static_json()
    assert apart.dynamic_json() == whole.dynamic_json()
    if font_size == 26:  # five panels at a projector's size: the corners on two lines, in every frame
        assert all("<br>" in t for col in json.loads(apart.dynamic_json())["texts"].values() for t in col)


def test_round_trip_matches_the_frames(default_fig):
    fig = default_fig
    payload = live_payload_mlp(fig, fps=20)
    dynamic = json.loads(payload.dynamic_json())  # what the browser receives
    static = json.loads(payload.static_json())
    assert dynamic["kind"] == "mlp"
    frames = fig.frames
    heat = list(frames[0].traces)
    assert [p["trace"] for p in dynamic["panels"]] == heat and len(heat) == 3
    assert dynamic["anim"]["labels"] == [f.name for f in frames]
    decoded = decode_panels(dynamic)
    for pos, z in enumerate(decoded):
        assert z.shape == (len(frames), RESOLUTION, RESOLUTION) and z.dtype == np.uint8
        want = np.stack([as_array(f.data[pos].z) for f in frames])
        np.testing.assert_array_equal(z, want)  # lossless: the codes are bytes
    # the bulky part is only in the dynamic part; the heatmaps keep their grid in the static one
    for t in heat:
        assert "z" not in static["data"][t] and "x" in static["data"][t]
    assert not {"sliders", "updatemenus", "annotations"} & set(static["layout"])
    # the corner text of every frame, as the figure's frames set it
    per_frame = [[a.text for a in f.layout.annotations] for f in frames]
    texts = {int(i): col for i, col in dynamic["texts"].items()}
    assert len(texts) == 3
    for i, col in texts.items():
        assert col == [row[i] for row in per_frame]
    assert [a["text"] for a in dynamic["annotations"]] == per_frame[-1]


def test_static_key_ignores_the_runs(default_fig, warm_jit):
    a = live_payload_mlp(default_fig)
    shorter = Scene(view="mlp", mlp=replace(Scene(view="mlp").mlp, steps=200))  # other runs, same data
    again = live_payload_mlp(_figure(shorter))
    assert a.static_key == again.static_key  # same data, layout and grid: the browser keeps its copy
    assert a.dynamic["panels"] != again.dynamic["panels"] and again.dynamic["anim"]["labels"][-1] == "200"


def test_payload_size(default_fig, warm_jit):
    sizes = {"default": len(live_payload_mlp(default_fig).dynamic_json())}
    five = _figure(Scene(view="mlp", mlp=preset(FIVE_PANELS)))
    p5 = live_payload_mlp(five)
    assert len(p5.dynamic["panels"]) == 5
    sizes["five"] = len(p5.dynamic_json())
    print({k: f"{v / 1e3:.1f} kB" for k, v in sizes.items()}, f"static {len(p5.static_json()) / 1e3:.1f} kB")
    # 5 panels x 40 frames x 3 600 cells would be 960 kB in plain base64
    assert sizes["default"] <= BUDGET * 3 / 5 and sizes["five"] <= BUDGET


def test_rejects_a_figure_without_frames(default_fig):
    bare = go.Figure(default_fig)
    bare.frames = []
    with pytest.raises(ValueError, match="no frames"):
        live_payload_mlp(bare)


# ----------------------------------------------------------------------------- in the browser

SCRIPT = """
import streamlit as st
from optviz.config import Scene
from optviz.figures.live import live_payload_mlp
from optviz.figures.mlp import decision_boundary_figure
from optviz.runs.mlp import run_mlp_scene
from optviz.ui.live_chart import live_chart

from optviz.views import MLP

scene = Scene(view="mlp")
run = run_mlp_scene(scene, parts=())
curves = MLP.figure(scene, run, "curves")
payload = live_payload_mlp(decision_boundary_figure(run.results, frames=40, resolution=60), fps=20, companion=curves)
live_chart(payload, key="live", height=560, sent=st.session_state.setdefault("sent", set()))
"""

STATE = """() => {
  const gd = document.querySelector('[data-testid="optviz-live-chart"] .js-plotly-plot');
  const heat = gd._fullData.filter(t => t.type === 'heatmap');
  return {label: document.querySelector('.optviz-live-step').textContent, heat: heat.length,
          z: heat.map(t => Array.from(gd.data[t.index].z[30]).join(',')),
          corner: gd.layout.annotations.map(a => a.text),
          steps: (() => {  // the companion curves' step lines: [visible, x] each
            const c = document.querySelector('[data-testid="optviz-live-chart"] .optviz-live-companion.js-plotly-plot');
            return c ? c.layout.shapes.filter(s => s.name === 'optviz_step').map(s => [s.visible, s.x0]) : null;
          })()};
}"""


@pytest.fixture(scope="module")
def mlp_page(tmp_path_factory):
    from tests.conftest import require_browser

    require_browser()
    with served_page(SCRIPT, tmp_path_factory.mktemp("live_mlp"), "live_chart_mlp_server.log") as page:
        yield page


def test_browser_renders_and_plays_the_decision_boundary(mlp_page):
    from tests.conftest import ARTIFACTS

    page = mlp_page
    page.wait_for_function("() => window.__optvizRenders.some(r => r.kind === 'mlp')", timeout=60_000)
    rest = page.evaluate(STATE)
    assert rest["heat"] == 3 and rest["label"] == "step 500"
    assert sum("step 500:" in t for t in rest["corner"]) == 3  # the accuracy boxes at the last frame
    page.screenshot(path=str(ARTIFACTS / "live_chart_mlp.png"))
    # square panels, and no idle band: the figure is as tall as a panel is wide plus its margins
    fit = page.evaluate(
        """() => {
          const gd = document.querySelector('[data-testid="optviz-live-chart"] .js-plotly-plot');
          const fl = gd._fullLayout;
          const span = (a) => Math.abs(a.range[1] - a.range[0]);
          return {w: fl.xaxis._length, h: fl.yaxis._length, plotH: fl._size.h, top: fl.margin.t,
                  ratio: span(fl.yaxis) / span(fl.xaxis)};
        }"""
    )
    assert abs(fit["w"] * fit["ratio"] - fit["h"]) <= 1, fit  # equal units on both axes
    assert fit["plotH"] - fit["h"] <= 4, fit  # plotly centres a short panel in a tall plot: nothing to centre
    assert fit["top"] < 100, fit  # the legend at the right does not push the panels down
    # play, and pause as soon as a frame between the first and the last shows (in the page: two
    # seconds of play are over before a round trip from Python would pause it)
    page.evaluate(
        """() => new Promise((resolve, reject) => {
          const label = document.querySelector('.optviz-live-step');
          document.querySelector('.optviz-live-play').click();
          const t0 = performance.now();
          const poll = () => {
            if (!['step 500', 'step 0'].includes(label.textContent)) {
              document.querySelector('.optviz-live-pause').click();
              resolve();
            } else if (performance.now() - t0 > 30000) reject(new Error('the label never changed'));
            else requestAnimationFrame(poll);
          };
          requestAnimationFrame(poll);
        })"""
    )
    page.wait_for_timeout(500)  # the paused frame's draw settles
    mid = page.evaluate(STATE)
    assert mid["label"] != "step 500"
    assert sum("step 500:" in t for t in mid["corner"]) == 0  # the accuracy boxes follow the frame
    assert mid["z"] != rest["z"]  # the heatmaps show an earlier frame
    # the training curves under the player: their step lines (loss and accuracy panel) sit on the
    # frame's step while it is not the last, and are hidden at rest
    assert rest["steps"] is not None and len(rest["steps"]) == 2 and not any(v for v, _ in rest["steps"])
    step = int(mid["label"].removeprefix("step "))
    assert mid["steps"] == [[True, step], [True, step]]
