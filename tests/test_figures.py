"""The figure builders, checked on real runs: the figures hold the results' numbers, nothing else."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
import pytest

import optviz
from optviz import figures as F
from optviz.config import Display, OptimizerSpec, Scene, SurfacesConfig
from optviz.figures import contours as FC
from optviz.figures import surfaces as FS
from optviz.runs.surfaces import run_scene
from surfaces import SURFACES

OKABE_ITO = {"#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#000000"}


@pytest.fixture(scope="module")
def default(warm_jit):
    scene = Scene()
    return scene, run_scene(scene)


def _traces(fig: go.Figure, role: str) -> list:
    """The traces of one role, in the scene's optimizer order (paths are drawn last-to-first)."""
    ts = [t for t in fig.data if isinstance(t.meta, dict) and t.meta.get("role") == role]
    return sorted(ts, key=lambda t: t.meta.get("index", 0))


def _index(fig: go.Figure, role: str) -> list[int]:
    ids = [i for i, t in enumerate(fig.data) if isinstance(t.meta, dict) and t.meta.get("role") == role]
    return sorted(ids, key=lambda i: fig.data[i].meta.get("index", 0))


# ----------------------------------------------------------------------------- colours and frames


def test_palette_is_okabe_ito_and_stable_per_index(default):
    assert set(F.COLORS) == OKABE_ITO and len(F.COLORS) == 8
    assert [F.color_for(i) for i in range(10)] == [F.COLORS[i % 8] for i in range(10)]
    scene, results = default
    for fig in (F.scene_figure(scene, results), F.trajectory_figure(scene, results), F.loss_figure(scene, results)):
        for role in ("path", "loss"):
            for t in _traces(fig, role):
                assert t.line.color == F.color_for(t.meta["index"])
    # The same colour for the same slot whatever the optimizers around it.
    two = replace(scene, surfaces=replace(scene.surfaces, optimizers=(OptimizerSpec("adam"), OptimizerSpec("sgd"))))
    fig = F.scene_figure(two, run_scene(two))
    assert [t.line.color for t in _traces(fig, "path")] == [F.COLORS[0], F.COLORS[1]]


@pytest.mark.parametrize("n,frames", [(1001, 100), (11, 100), (2, 2), (500, 7), (1, 5), (100, 1)])
def test_frame_indices(n, frames):
    idx = F.frame_indices(n, frames)
    assert idx.dtype.kind == "i"
    assert len(idx) <= frames and len(idx) <= n
    assert idx[-1] == n - 1
    assert frames == 1 or idx[0] == 0
    assert np.all(np.diff(idx) > 0)
    if frames <= n:
        assert len(idx) == frames


def test_frame_indices_rejects_nonsense():
    with pytest.raises(ValueError):
        F.frame_indices(0, 10)
    with pytest.raises(ValueError):
        F.frame_indices(10, 0)


# ----------------------------------------------------------------------------- the main figure


def test_scene_figure_paths_equal_results(default):
    scene, results = default
    fig = F.scene_figure(scene, results)
    paths = _traces(fig, "path")
    assert len(paths) == len(results)
    for t, r, label in zip(paths, results, scene.surfaces.labels()):
        assert t.name == label
        np.testing.assert_array_equal(F.as_array(t.x), r.path[:, 0])
        np.testing.assert_array_equal(F.as_array(t.y), r.path[:, 1])
    losses = _traces(fig, "loss")
    for t, r in zip(losses, results):  # rosenbrock: f* = 0, log axis, loss plotted as is
        np.testing.assert_array_equal(F.as_array(t.y), r.loss)
        assert t.x0 == 0 and t.dx == 1
    start = _traces(fig, "start")[0]
    assert (start.x[0], start.y[0]) == SURFACES["rosenbrock"].start


def test_frames_update_only_scatter_traces(default):
    scene, results = default
    fig = F.scene_figure(scene, results)
    idx = F.frame_indices(scene.surfaces.steps + 1, scene.display.frames)
    assert len(fig.frames) == len(idx) == 100
    assert [f.name for f in fig.frames] == [str(i) for i in idx]
    animated = set(_index(fig, "path") + _index(fig, "head") + _index(fig, "loss_head"))
    held = set(_index(fig, "click_grid") + _index(fig, "landmark") + _index(fig, "start"))
    loss_lines = set(_index(fig, "loss"))
    for fr in fig.frames:
        assert animated <= set(fr.traces) and held <= set(fr.traces) and not loss_lines & set(fr.traces)
        assert all(d.type == "scatter" for d in fr.data)
        assert all(fig.data[i].type == "scatter" for i in fr.traces)
        for i, d in zip(fr.traces, fr.data):
            if i in held:  # listed with no change, only so that plotly.js keeps them clickable
                assert d.to_plotly_json() == {"type": "scatter"}
    # No contour/heatmap trace anywhere: plotly.js drops them while animating without redraw.
    assert {t.type for t in fig.data} == {"scatter"}
    slider = fig.layout.sliders[0]
    assert [s.args[0][0] for s in slider.steps] == [f.name for f in fig.frames]
    assert slider.active == len(fig.frames) - 1
    labels = [b.label for b in fig.layout.updatemenus[0].buttons]
    assert labels == ["▶ 1×", "❚❚", "▶ 0.5×", "▶ 2×"]
    durations = [b.args[1]["frame"]["duration"] for b in fig.layout.updatemenus[0].buttons if "▶" in b.label]
    assert durations == [1000 / scene.display.fps, 2000 / scene.display.fps, 500 / scene.display.fps]


def test_frame_trails_follow_the_paths(default):
    scene, results = default
    fig = F.scene_figure(scene, results)
    pos = {i: k for k, i in enumerate(fig.frames[0].traces)}
    path_ids = _index(fig, "path")
    head_id = _index(fig, "head")[0]
    stride = FS._trail_stride(
        [len(r.path) for r in results], F.frame_indices(scene.surfaces.steps + 1, scene.display.frames)
    )
    assert stride % 2 == 1
    for fr in fig.frames[:-1]:
        step = int(fr.name)
        for k, i in enumerate(path_ids):
            d = fr.data[pos[i]]
            x, y = F.as_array(d.x), F.as_array(d.y)
            r = results[k]
            np.testing.assert_allclose([x[0], y[0]], r.path[0], rtol=1e-6)
            np.testing.assert_allclose([x[-1], y[-1]], r.path[step], rtol=1e-6)
            # every drawn point is a point of the path (float32), in order, at the odd stride
            want = r.path[np.r_[0 : step + 1 : stride, step]][: len(x)]
            np.testing.assert_allclose(np.c_[x, y], want, rtol=1e-6)
            assert len(x) <= step + 2
        head = fr.data[pos[head_id]]
        xy = np.c_[F.as_array(head.x), F.as_array(head.y)]
        np.testing.assert_allclose(xy, np.array([r.path[step] for r in results]), rtol=1e-6)
        cd = F.as_array(head.customdata)
        assert cd.shape == (len(results), 2)
        assert cd[:, 0].tolist() == [step] * len(results)
        np.testing.assert_array_equal(cd[:, 1], [r.loss[step] for r in results])
    last = fig.frames[-1]
    for k, i in enumerate(path_ids):  # the last frame restores every step
        np.testing.assert_allclose(F.as_array(last.data[pos[i]].x), results[k].path[:, 0], rtol=1e-6)
        np.testing.assert_allclose(F.as_array(last.data[pos[i]].y), results[k].path[:, 1], rtol=1e-6)
        assert last.data[pos[i]].mode == "lines+markers"


def test_trails_use_an_odd_stride_and_the_exact_points():
    path = np.cumsum(np.ones((1001, 2)), axis=0)
    for stride in (1, 3, 5):
        tr = FS._trail(path, 500, stride)
        assert tr[-1].tolist() == path[500].tolist()
        np.testing.assert_array_equal(tr[:-1], path[0:500:stride][: len(tr) - 1])
    assert FS._trail_stride([1001] * 5, F.frame_indices(1001, 100)) % 2 == 1


def test_default_scene_json_under_3_mb(default):
    scene, results = default
    fig = F.scene_figure(scene, results)
    size = len(pio.to_json(fig, validate=False))
    assert size < 3_000_000, size
    # ... with the frames actually holding the trails (not a budget met by dropping them)
    assert size > 500_000


def test_figure_is_valid_plotly(default):
    """The builders skip nothing: plotly's validators accept the full figure, frames included."""
    scene, results = default
    for lookahead in (False, True):
        fig = F.scene_figure(scene, results, lookahead=lookahead)
        spec = json.loads(pio.to_json(fig, validate=False))
        go.Figure(spec)  # raises on an invalid property


# ----------------------------------------------------------------------------- contour levels


@pytest.mark.parametrize("name", ["rosenbrock", "beale", "goldstein_price"])
def test_log_levels_above_the_minimum(name):
    surf = SURFACES[name]
    land = F.surface_contours(name, ())
    assert surf.log_levels and land.spacing == "log"
    f_star = min(p.f for p in surf.minima)
    assert land.f_base == f_star
    steps = np.diff(land.levels)
    np.testing.assert_allclose(steps, steps[0])  # evenly spaced in log10(f - f*)
    assert np.all(10.0**land.levels > 0)
    # the iso-lines lie on their levels: f - f* at the segment ends is 10**level
    x, y = land.seg_x, land.seg_y
    ok = np.isfinite(x)
    f = surf.f(x[ok].astype(np.float64), y[ok].astype(np.float64)) - f_star
    lv = np.log10(np.maximum(f, 1e-300))
    nearest = land.levels[np.abs(lv[:, None] - land.levels[None, :]).argmin(axis=1)]
    assert np.median(np.abs(lv - nearest)) < 0.02


def test_linear_and_sqrt_levels():
    assert F.surface_contours("saddle", ()).spacing == "linear"
    assert F.surface_contours("himmelblau", ()).spacing == "linear"
    bowl = F.surface_contours("bowl", (("kappa", 50.0), ("theta", 0.0)))
    assert bowl.spacing == "sqrt"  # convex: evenly spaced ellipses
    np.testing.assert_allclose(np.diff(bowl.levels), np.diff(bowl.levels)[0])


def test_contours_are_layout_not_traces(default):
    scene, results = default
    fig = F.scene_figure(scene, results)
    (legend,) = _traces(fig, "contour_legend")
    assert "log-spaced" in legend.name
    (shape,) = [sh for sh in fig.layout.shapes if sh.legendgroup == "contours"]
    land = F.surface_contours(scene.surfaces.surface, scene.surfaces.surface_params)
    assert shape.path == land.svg_path and shape.xref == "x" and shape.yref == "y"
    n_segments = int(np.isnan(land.seg_x).sum())
    assert 0 < shape.path.count("M") < n_segments  # segments joined into polylines
    img = [im for im in fig.layout.images if im.name == "landscape"]
    assert len(img) == 1 and img[0].source.startswith("data:image/png;base64,")
    assert img[0].layer == "below" and (img[0].x, img[0].sizex) == (-2.0, 4.0)


def test_polylines_join_exactly():
    seg = np.array([[0, 0, 1, 0], [2, 0, 1, 0], [2, 0, 2, 1], [5, 5, 6, 6]], dtype=float)
    path = FC._svg_polylines(seg)
    assert path.count("M") == 2
    assert "M0,0L1,0L2,0L2,1" in path or "M2,1L2,0L1,0L0,0" in path


def test_landmarks_and_axes(warm_jit):
    scene = Scene(surfaces=SurfacesConfig(surface="himmelblau", steps=50))
    fig = F.trajectory_figure(scene, run_scene(scene), animate=False)
    names = {t.name for t in _traces(fig, "landmark")}
    assert names == {"global minimum", "saddle point", "local maximum"}
    symbols = {t.name: t.marker.symbol for t in _traces(fig, "landmark")}
    assert len(set(symbols.values())) == 3
    (x0, x1), (y0, y1) = SURFACES["himmelblau"].bounds
    assert tuple(fig.layout.xaxis.range) == (x0, x1) and tuple(fig.layout.yaxis.range) == (y0, y1)
    assert fig.layout.yaxis.scaleanchor == "x" and fig.layout.yaxis.scaleratio == 1
    assert not fig.frames and not fig.layout.sliders
    grid = _traces(fig, "click_grid")[0]
    assert len(grid.x) == F.CLICK_GRID**2 and "click to start here" in grid.hovertemplate


# ----------------------------------------------------------------------------- divergence


def test_diverged_run_is_marked(warm_jit):
    scene = Scene(
        surfaces=SurfacesConfig(surface="rosenbrock", steps=200, optimizers=(OptimizerSpec("sgd", (("lr", 0.01),)),))
    )
    (r,) = run_scene(scene)
    assert r.diverged_at is not None
    fig = F.scene_figure(scene, [r])
    marks = _traces(fig, "diverged")
    assert len(marks) == 2  # on the contour plot and at the end of the loss curve
    traj_mark = next(t for t in marks if t.xaxis == "x")
    assert f"diverged at step {r.diverged_at}" in traj_mark.hovertemplate
    (x0, x1), (y0, y1) = SURFACES["rosenbrock"].bounds
    assert x0 <= traj_mark.x[0] <= x1 and y0 <= traj_mark.y[0] <= y1  # visible, where it leaves the plot
    assert traj_mark.marker.symbol == "x"
    rows = F.results_table(scene, [r])
    assert rows[0]["diverged"] == f"diverged at step {r.diverged_at}"
    assert rows[0]["steps run"] == r.diverged_at - 1


# ----------------------------------------------------------------------------- other figures


def test_loss_figure_shifts_by_negative_minimum(warm_jit):
    scene = Scene(
        surfaces=SurfacesConfig(
            surface="six_hump_camel", steps=300, optimizers=(OptimizerSpec("adam", (("lr", 0.05),)),)
        )
    )
    results = run_scene(scene)
    fig = F.loss_figure(scene, results)
    f_star = min(p.f for p in SURFACES["six_hump_camel"].minima)
    assert f_star < 0
    (line,) = _traces(fig, "loss")
    np.testing.assert_allclose(F.as_array(line.y), np.maximum(results[0].loss - f_star, F.LOG_FLOOR))
    assert fig.layout.yaxis.type == "log"
    assert "f*" in fig.layout.yaxis.title.text and f"{f_star:.6g}" in fig.layout.yaxis.title.text
    lin = F.loss_figure(replace(scene, display=Display(log_loss=False)), results)
    assert lin.layout.yaxis.type == "linear"
    np.testing.assert_array_equal(F.as_array(_traces(lin, "loss")[0].y), results[0].loss)
    # frames of the standalone loss figure have the same names as the trajectory figure's
    traj = F.trajectory_figure(scene, results)
    assert [f.name for f in fig.frames] == [f.name for f in traj.frames]


def test_saddle_loss_axis_is_linear(warm_jit):
    scene = Scene(surfaces=SurfacesConfig(surface="saddle", steps=100, noise=0.2, noise_seed=3))
    fig = F.scene_figure(scene, run_scene(scene))
    assert fig.layout.yaxis2.type == "linear"
    assert "no minimum" in fig.layout.yaxis2.title.text


def test_lr_and_effective_step_figures(warm_jit):
    scene = Scene(
        surfaces=SurfacesConfig(
            surface="bowl",
            steps=300,
            schedule={"name": "exponential", "decay_rate": 0.5, "decay_steps": 100},
            optimizers=(OptimizerSpec("sgd", (("lr", 0.05),)), OptimizerSpec("adagrad", (("lr", 0.5),))),
        )
    )
    results = run_scene(scene)
    lr = F.lr_figure(scene, results)
    for t, r in zip(lr.data, results):
        np.testing.assert_array_equal(F.as_array(t.y), r.lr)
    np.testing.assert_allclose(results[0].lr[[0, 100, 200]], [0.05, 0.025, 0.0125])
    eff = F.effective_lr_figure(scene, results)
    sgd_x = F.as_array(eff.data[0].y)
    ok = np.isfinite(sgd_x)
    np.testing.assert_allclose(sgd_x[ok], results[0].lr[ok], rtol=1e-9)  # SGD's effective step is its lr
    ada = F.as_array(eff.data[2].y)
    ada = ada[np.isfinite(ada)]
    assert ada[-1] < ada[0] / 5  # AdaGrad's effective step decays (C6)


def test_random_search_has_no_lr_line(warm_jit):
    scene = Scene(
        surfaces=SurfacesConfig(
            surface="rastrigin", steps=50, optimizers=(OptimizerSpec("random_search"), OptimizerSpec("sgd"))
        )
    )
    results = run_scene(scene)
    lr = F.lr_figure(scene, results)
    assert [t.name for t in lr.data] == ["SGD"]
    assert "Random search" in lr.layout.annotations[0].text


def test_surface3d_lifts_paths(default):
    scene, results = default
    fig = F.surface3d_figure(scene, results)
    surf = fig.data[0]
    assert surf.type == "surface"
    land = F.surface_contours(scene.surfaces.surface, scene.surfaces.surface_params)
    delta = 10.0 ** land.levels[0]
    xs, ys = F.as_array(surf.x), F.as_array(surf.y)
    zt = F.as_array(surf.z).reshape(len(ys), len(xs))
    np.testing.assert_allclose(zt[5, 7], np.log10(SURFACES["rosenbrock"].f(xs[7], ys[5]) + delta), rtol=1e-6)
    for t, r in zip(fig.data[1:], results):
        assert t.type == "scatter3d"
        np.testing.assert_array_equal(F.as_array(t.x), r.path[:, 0])
        np.testing.assert_array_equal(F.as_array(t.customdata), r.loss)  # hover: the exact f
        # on the drawn mesh: never below the grid values of the cell it crosses
        i = np.clip(np.searchsorted(xs, r.path[:, 0]) - 1, 0, len(xs) - 2)
        j = np.clip(np.searchsorted(ys, r.path[:, 1]) - 1, 0, len(ys) - 2)
        top = np.maximum.reduce([zt[j, i], zt[j, i + 1], zt[j + 1, i], zt[j + 1, i + 1]])
        assert np.all(F.as_array(t.z) >= top - 1e-5)
    assert "log₁₀" in fig.layout.scene.zaxis.title.text


def test_nesterov_lookahead_matches_textbook_form(warm_jit):
    """The dotted path is the textbook iterate theta_t of v <- mu v - lr grad(theta + mu v),
    theta <- theta + v, computed here directly."""
    mu, lr = 0.9, 2e-4
    scene = Scene(
        surfaces=SurfacesConfig(steps=60, optimizers=(OptimizerSpec("nesterov", (("lr", lr), ("momentum", mu))),))
    )
    (r,) = run_scene(scene)
    surf = SURFACES["rosenbrock"]
    theta, v = np.array(surf.start, dtype=float), np.zeros(2)
    want = [theta.copy()]
    for _ in range(60):
        look = theta + mu * v
        g = np.array([float(a) for a in surf.grad(look[0], look[1])])
        v = mu * v - lr * g
        theta = theta + v
        want.append(theta.copy())
    fig = F.scene_figure(scene, [r], lookahead=True)
    (dotted,) = _traces(fig, "lookahead_path")
    np.testing.assert_allclose(np.c_[F.as_array(dotted.x), F.as_array(dotted.y)], np.array(want), rtol=1e-9)
    # ... and optviz's own path is the look-ahead point theta + mu v
    (seg,) = _traces(fig, "lookahead")
    assert len(fig.frames) and _index(fig, "lookahead")[0] in fig.frames[0].traces
    np.testing.assert_allclose([seg.x[1], seg.y[1]], r.path[-1])


def test_schedule_free_draws_y_beside_x(warm_jit):
    """Issue 12: Schedule-Free takes the gradient at y and is evaluated at x: the path is x, and y is
    drawn beside it (dotted, growing with the animation), equal to the schedulefree reference's y."""
    spec = OptimizerSpec("schedule_free_sgd", (("lr", 0.002),))
    scene = Scene(surfaces=SurfacesConfig(surface="rosenbrock", steps=60, optimizers=(spec,)))
    (r,) = run_scene(scene)
    fig = F.scene_figure(scene, [r])
    (y,) = _traces(fig, "gradient_path")
    got = np.c_[F.as_array(y.x), F.as_array(y.y)]
    np.testing.assert_array_equal(got[:-1], r.probe)  # y_t of every step taken ...
    assert not np.allclose(got[1:-1], r.path[1:-1])  # ... which is not x_t
    assert "y" in y.name and _index(fig, "gradient_path")[0] in fig.frames[0].traces  # it grows with the frames
    assert not _traces(fig, "lookahead")  # Nesterov's arrows are Nesterov's only


# ----------------------------------------------------------------------------- table


def test_results_table_values(default):
    scene, results = default
    rows = F.results_table(scene, results)
    tol_key = f"first step with f − f* ≤ {F.CONVERGENCE_TOL:g}"
    assert [r["optimizer"] for r in rows] == scene.surfaces.labels()
    for row, r in zip(rows, results):
        assert row["final loss"] == r.loss[-1]
        assert row["distance to nearest minimum"] == pytest.approx(np.hypot(*(r.path[-1] - (1.0, 1.0))))
        assert row["nearest minimum"] == "(1, 1)"
        hit = np.flatnonzero(r.loss <= F.CONVERGENCE_TOL)
        assert row[tol_key] == (int(hit[0]) if hit.size else None)
        assert row["diverged"] == ""
        assert row["steps run"] == 1000
    fast = replace(
        scene, surfaces=replace(scene.surfaces, optimizers=(OptimizerSpec("adam", (("lr", 0.03),)),), steps=3000)
    )
    (row,) = F.results_table(fast, run_scene(fast))
    assert row[tol_key] is not None and row[tol_key] > 0


def test_table_on_a_surface_without_minimum(warm_jit):
    scene = Scene(surfaces=SurfacesConfig(surface="saddle", steps=20))
    for row in F.results_table(scene, run_scene(scene)):
        assert row["distance to nearest minimum"] is None and row["nearest minimum"] is None


def test_results_must_match_the_scene(default):
    scene, results = default
    with pytest.raises(ValueError):
        F.scene_figure(scene, results[:2])
    with pytest.raises(ValueError):
        F.scene_figure(replace(scene, surfaces=replace(scene.surfaces, surface="bowl")), results)


# ----------------------------------------------------------------------------- display


def test_apply_display(default):
    scene, results = default
    fig = F.scene_figure(scene, results)
    auto = fig.layout.title.text
    assert auto and auto == F.scene_title(scene)
    light_img = fig.layout.images[0].source
    F.apply_display(fig, Display(theme="dark", font_size=20, show_title=False, show_legend=False))
    assert fig.layout.paper_bgcolor == "#0E1117" and fig.layout.font.size == 20
    assert not fig.layout.title.text and fig.layout.showlegend is False
    assert fig.layout.images[0].source != light_img  # the landscape is redrawn in the dark palette
    F.apply_display(fig, Display(title="Rosenbrock, five optimizers"))
    assert fig.layout.title.text == "Rosenbrock, five optimizers"
    F.apply_display(fig, Display())
    assert fig.layout.title.text == auto and fig.layout.images[0].source == light_img
    printed = F.apply_display(fig, Display(theme="print"))
    assert printed is fig
    assert all(t.line.width == 3.0 for t in _traces(fig, "path"))


def test_two_adams_get_two_labels_and_colours(warm_jit):
    scene = Scene(
        surfaces=SurfacesConfig(
            optimizers=(OptimizerSpec("adam", (("beta2", 0.9),)), OptimizerSpec("adam", (("beta2", 0.999),))), steps=100
        )
    )
    fig = F.scene_figure(scene, run_scene(scene))
    paths = _traces(fig, "path")
    assert len({t.name for t in paths}) == 2 and len({t.line.color for t in paths}) == 2


def test_builders_never_run_an_optimizer(default, monkeypatch):
    scene, results = default

    def boom(*a, **k):
        raise AssertionError("a figure builder ran an optimizer")

    monkeypatch.setattr(optviz.api, "run", boom)
    monkeypatch.setattr(optviz.api.kernel, "run_surface", boom)
    F.scene_figure(scene, results)
    F.surface3d_figure(scene, results)
    F.lr_figure(scene, results)
    F.effective_lr_figure(scene, results)
    F.results_table(scene, results)


def test_lookahead_travels_with_the_scene_into_figures_url_and_json():
    base = Scene(
        surfaces=SurfacesConfig(surface="bowl", steps=60, optimizers=(OptimizerSpec("nesterov", (("lr", 0.02),)),))
    )
    on = replace(base, display=replace(base.display, lookahead=True))
    results = run_scene(on)
    roles = lambda fig: {(t.meta or {}).get("role") for t in fig.data}  # noqa: E731
    assert "lookahead_path" in roles(F.scene_figure(on, results))
    assert "lookahead_path" not in roles(F.scene_figure(base, results))
    assert Scene.from_query(on.to_query()) == (on, [])
    assert Scene.from_json(on.to_json()) == on


# ----------------------------------------------------------------------------- issue 9: outcomes and axes


def test_divergence_at_step_one_draws_the_start_and_a_visible_cross(warm_jit):
    scene = Scene(
        surfaces=SurfacesConfig(surface="rosenbrock", steps=50, optimizers=(OptimizerSpec("sgd", (("lr", 10.0),)),))
    )
    (r,) = run_scene(scene)
    assert r.diverged_at == 1 and len(r.path) == 1
    fig = F.scene_figure(scene, [r])
    (path,) = _traces(fig, "path")
    assert path.marker.size >= 8  # the start alone, as a dot one can see
    mark = next(t for t in _traces(fig, "diverged") if t.xaxis == "x")
    (x0, x1), (y0, y1) = SURFACES["rosenbrock"].bounds
    assert x0 < mark.x[0] < x1 and y0 < mark.y[0] < y1
    (row,) = F.results_table(scene, [r])
    assert row["diverged"] == "diverged at step 1" and row["final loss"] is None


def test_log_axes_have_decade_ticks_written_as_powers(default):
    scene, results = default
    fig = F.scene_figure(scene, results, animate=False)
    ax = fig.layout.yaxis2
    assert ax.type == "log" and len(ax.ticktext) >= 3
    assert all(t in ("1", "10") or t.startswith("10") or "·10" in t for t in ax.ticktext)
    for name in ("lr", "effective_lr"):
        f = FS.lr_figure(scene, results) if name == "lr" else FS.effective_lr_figure(scene, results)
        assert f.layout.yaxis.ticktext and not any(c in "".join(f.layout.yaxis.ticktext) for c in "pμkMT")
    assert fig.layout.xaxis.exponentformat == "none" and fig.layout.xaxis.nticks >= 5


def test_escaping_a_saddle_is_marked_apart_and_keeps_the_loss_axis(warm_jit):
    scene = Scene(
        surfaces=SurfacesConfig(
            surface="monkey_saddle",
            start=(0.3, 0.05),
            steps=300,
            noise=0.1,
            optimizers=(OptimizerSpec("sgd", (("lr", 0.05),)), OptimizerSpec("sgd", (("lr", 0.001),))),
        )
    )
    results = run_scene(scene)
    kinds = [F.surfaces.run_outcome("monkey_saddle", r) for r in results]
    assert kinds[0] == "escaped"
    fig = F.scene_figure(scene, results, animate=False)
    (mark,) = _traces(fig, "escaped")
    assert mark.marker.symbol == "arrow" and "unbounded below" in mark.name
    assert not _traces(fig, "diverged")
    lo, hi = fig.layout.yaxis2.range
    assert lo > -50 and fig.layout.yaxis2.exponentformat == "none"
