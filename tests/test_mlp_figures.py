"""The MLP view's figure builders: what each figure holds, consistent colours, small JSON."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import plotly.graph_objects as go
import pytest

from optviz import mlp
from optviz.figures import mlp as F


@pytest.fixture(scope="module")
def runs():
    X, y = mlp.make_dataset("moons", n=80, noise=0.3, seed=1)
    return mlp.compare(
        X,
        y,
        [("adam", {"lr": 0.02}), ("sgd", {"lr": 0.5}), ("momentum", {"lr": 0.1})],
        hidden=(12, 12),
        steps=150,
        val_fraction=0.4,
        early_stopping_patience=30,
    )


@pytest.fixture(scope="module")
def diverged():
    X, y = mlp.make_dataset("moons", n=80, noise=0.3, seed=1)
    r = mlp.train(10 * X, y, hidden=(32, 32), activation="leaky_relu", init="normal_1", optimizer="sgd", lr=50.0)
    assert r.diverged_at is not None
    return r


def _size(fig: go.Figure) -> int:
    return len(fig.to_json())


def _colors(fig: go.Figure) -> dict[str, str]:
    """legend group -> line colour of the first line trace in it."""
    out = {}
    for t in fig.data:
        if t.type == "scatter" and t.line.color and t.legendgroup not in out:
            out[t.legendgroup] = t.line.color
    return out


def test_module_never_imports_streamlit():
    code = "import sys, optviz.figures.mlp, optviz.mlp; print('streamlit' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_decision_boundary_animates_every_run_on_one_slider(runs):
    fig = F.decision_boundary_figure(runs, frames=12, resolution=30)
    heat = [i for i, t in enumerate(fig.data) if t.type == "heatmap"]
    assert len(heat) == 3 and all(fig.data[i].z.shape == (30, 30) for i in heat)
    assert fig.data[heat[0]].z.dtype == np.uint8  # compact codes: class * 50 + confidence level
    assert len(fig.frames) == 12 and all(list(f.traces) == heat for f in fig.frames)
    assert fig.frames[0].name == "0" and fig.frames[-1].name == str(max(int(r.step[-1]) for r in runs))
    slider = fig.layout.sliders[0]
    assert [s.label for s in slider.steps] == [f.name for f in fig.frames] and slider.active == 11
    assert [b.label for b in fig.layout.updatemenus[0].buttons] == ["▶ play", "❚❚ pause"]
    # the resting picture is the last frame, and the first frame is the untrained net
    np.testing.assert_array_equal(fig.data[heat[0]].z, fig.frames[-1].data[0].z)
    assert not np.array_equal(fig.frames[0].data[0].z, fig.frames[-1].data[0].z)
    # the frame's class codes are the argmax of the model's prediction
    r = runs[0]
    df = mlp.decision_frames(r, [len(r.params) - 1], 30, _bounds(fig))
    np.testing.assert_array_equal(fig.frames[-1].data[0].z // F.CONF_LEVELS, np.argmax(df.proba[0], axis=-1))
    # data on top: train filled, validation open markers, in every panel
    symbols = {t.marker.symbol for t in fig.data if t.type == "scatter"}
    assert {"circle", "circle-open", "x", "x-open"} <= symbols
    assert _size(fig) < 250_000


def _bounds(fig):
    return (tuple(fig.layout.xaxis.range), tuple(fig.layout.yaxis.range))


def test_decision_boundary_of_a_single_three_class_run():
    X, y = mlp.make_dataset("blobs", n=90, classes=3, noise=0.5)
    r = mlp.train(X, y, hidden=(8,), steps=40, lr=0.05)
    fig = F.decision_boundary_figure(r, frames=5, resolution=20)
    z = fig.data[0].z
    assert z.max() < 3 * F.CONF_LEVELS and len(set((z // F.CONF_LEVELS).ravel())) == 3
    assert len(fig.frames) == 5


def test_loss_curves_mark_early_stopping_and_divergence(runs, diverged):
    stopped = [r for r in runs if r.stopped_at is not None]
    assert stopped, "the fixture should early-stop at least one run"
    fig = F.loss_curves_figure([*runs, diverged])
    names = [t.name for t in fig.data]
    for r in runs:
        assert f"{r.label} train" in names and f"{r.label} validation" in names
    vlines = [s for s in fig.layout.shapes if s.type == "line"]
    assert sorted({s.x0 for s in vlines}) == sorted({r.stopped_at for r in stopped})
    stars = [t for t in fig.data if t.type == "scatter" and t.marker.symbol == "star"]
    assert sorted(t.x[0] for t in stars) == sorted(r.best_step for r in runs)
    crosses = [t for t in fig.data if t.marker.symbol == "x"]
    assert len(crosses) == 1 and crosses[0].x[0] == diverged.step[-1]
    assert fig.layout.yaxis.type == "log" and fig.layout.yaxis2.tickformat == ".0%"
    # train curve is the data loss, comparable with the validation loss
    train = next(t for t in fig.data if t.name == f"{runs[0].label} train")
    np.testing.assert_allclose(train.y, runs[0].data_loss, rtol=1e-6)


def test_colours_are_okabe_ito_by_position_and_the_same_in_every_figure(runs):
    expected = {str(k): F.COLORS[k] for k in range(3)}
    assert _colors(F.loss_curves_figure(runs)) == expected
    land = F.landscape_figure(mlp.landscape(runs, resolution=9))
    assert _colors(land) == expected
    assert [F.color_for(k) for k in range(9)] == [*F.COLORS, F.COLORS[0]]
    assert F.color_for(0) == "#0072B2" and "#F0E442" in F.COLORS  # Okabe-Ito blue first, yellow late


def test_landscape_figure_overlays_every_path_on_one_contour(runs):
    ls = mlp.landscape(runs, resolution=15)
    fig = F.landscape_figure(ls)
    contours = [t for t in fig.data if t.type == "contour"]
    assert len(contours) == 1 and np.asarray(contours[0].z).shape == (15, 15)
    np.testing.assert_allclose(contours[0].z, np.log10(ls.loss), rtol=1e-6)
    paths = [t for t in fig.data if t.type == "scatter" and t.mode == "lines"]
    assert [t.name for t in paths] == [r.label for r in runs]
    np.testing.assert_allclose(paths[0].x, ls.paths[0][:, 0], rtol=1e-5, atol=1e-6)
    assert "PC1" in fig.layout.xaxis.title.text
    lin = F.landscape_figure(mlp.landscape(runs, directions="filter", resolution=5), log=False)
    assert "filter" in lin.layout.title.text and lin.layout.xaxis.range == (-1.0, 1.0)


def test_slice_figure(runs):
    slices = [mlp.loss_slice(r, direction="interpolation", resolution=21) for r in runs[:2]]
    fig = F.slice_figure(slices)
    lines = [t for t in fig.data if t.mode == "lines"]
    assert len(lines) == 2 and len(lines[0].x) == 21
    marks = [t for t in fig.data if t.mode in ("markers+text", "markers")]
    assert {t.text[0] for t in marks} == {"init", "final"}
    assert sum(t.mode == "markers+text" for t in marks) == 2  # labels once, not once per curve


def test_activation_histograms_one_row_per_init_one_column_per_layer():
    stats = [mlp.activation_stats(i, "sigmoid", n=300) for i in ("normal_1", "normal_0.01", "xavier_normal")]
    fig = F.activation_histograms_figure(stats, bins=20)
    bars = [t for t in fig.data if t.type == "bar"]
    assert len(bars) == 15 and all(len(b.x) == 20 for b in bars)
    for b in bars:
        assert float(np.sum(b.y)) == pytest.approx(1.0, abs=1e-5)
    assert fig.layout.xaxis.range == (0.0, 1.0)  # sigmoid's range, in every panel
    # N(0, 0.01): every layer's mass in the bins around 0.5
    collapsed = bars[5:10]
    for b in collapsed:
        assert float(np.sum(np.asarray(b.y)[(np.asarray(b.x) > 0.4) & (np.asarray(b.x) < 0.6)])) > 0.99
    assert _size(fig) < 60_000


def test_grad_norm_lr_one_hot_data_and_gradient_check_figures(runs):
    g = F.grad_norm_figure(runs)
    assert len(g.data) == 3 * 3 and g.layout.yaxis.type == "log"
    np.testing.assert_allclose(g.data[0].y, runs[0].grad_norm[:, 0], rtol=1e-6)
    lr = F.lr_figure(runs)
    assert len(lr.data) == 3 and len(lr.data[0].x) == runs[0].steps_done
    X, y = runs[0].X, runs[0].y
    oh = F.one_hot_figure(X, y, rows=5)
    np.testing.assert_array_equal(oh.data[0].z, mlp.one_hot(y)[:5])
    assert oh.data[0].y[0].endswith(f"class {y[0]}")
    d = F.data_figure(X, y, runs[0].X_val, runs[0].y_val)
    assert sum(len(t.x) for t in d.data) == len(y) + len(runs[0].y_val)
    gc = mlp.gradient_check(X, y, hidden=(4,))
    fig = F.gradient_check_figure(gc)
    assert f"{gc.rel_error:.1e}" in fig.layout.title.text and len(fig.data[1].x) == len(gc.analytic)


def test_figures_are_json_serialisable_and_reject_empty_input(runs):
    for fig in (F.loss_curves_figure(runs[0]), F.grad_norm_figure(runs[0]), F.lr_figure(runs[0])):
        json.loads(fig.to_json())
    with pytest.raises(ValueError, match="non-empty list"):
        F.loss_curves_figure([])
    with pytest.raises(ValueError, match="frames must be"):
        F.decision_boundary_figure(runs, frames=1)


def test_long_curves_are_thinned():
    X, y = mlp.make_dataset("moons", n=40)
    r = mlp.train(X, y, hidden=(4,), steps=5000, lr=0.01)
    fig = F.loss_curves_figure(r)
    assert len(fig.data[0].x) == F.MAX_POINTS and fig.data[0].x[-1] == 5000 and fig.data[0].x[0] == 0


def test_log_axes_are_ticked_at_decades_written_as_powers(runs):
    """The loss axis reads 10⁻², 10⁻¹, 1 (issue 9: never plotly's minor digits "8 7 6 5 4 3 2 0.1 9")."""
    import re

    fig = F.loss_curves_figure(runs)
    logs = [fig.layout[k] for k in fig.layout if k.startswith("yaxis") and fig.layout[k].type == "log"]
    assert logs
    for ax in logs:
        assert ax.tickvals is not None and len(ax.tickvals) >= 3
        for v, t in zip(ax.tickvals, ax.ticktext):
            m, e = f"{v:.0e}".split("e")
            assert m in ("1", "2", "5"), (v, t)  # decades, with 2· and 5· only when few decades show
            assert re.fullmatch(r"(\d·)?10[⁻⁰¹²³⁴⁵⁶⁷⁸⁹]*|\d+", t), t


def test_the_corner_boxes_grow_with_the_font_size(runs):
    """At a projector's font size the accuracy in each panel's corner grows with the rest."""
    from dataclasses import replace as _replace

    from optviz.config import Display, MLPConfig, Scene
    from optviz.runs.mlp import run_mlp_scene

    for size, want in ((14, 12), (24, 20)):
        scene = Scene(view="mlp", mlp=MLPConfig(steps=60), display=_replace(Display(), font_size=size))
        fig = F.mlp_figure(scene, run_mlp_scene(scene, parts=()), "boundary")
        corners = [a for a in fig.layout.annotations if str(a.xref).endswith(" domain") and a.bgcolor]
        assert corners and all(a.font.size == want for a in corners), (size, [a.font.size for a in corners])
        # three panels at a large type: each box on two lines (the step above the accuracies), in
        # every animation frame too, or it runs past its panel into the next one
        frame_corners = [
            a for fr in fig.frames for a in fr.layout.annotations if str(a.xref).endswith(" domain") and a.bgcolor
        ]
        assert len(corners) == 3 and frame_corners
        for a in corners + frame_corners:
            assert ("<br>" in a.text) == (size == 24), (size, a.text)
