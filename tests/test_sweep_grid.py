"""A saved sweep of either view as a map (`optviz.runs.sweepmap.sweep_grid`, `optviz.figures.sweepmap`):
the MLP's lr x batch size x init, with seeds, reduced to medians per cell, drawn a panel per init."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import optviz
from optviz.config import Scene
from optviz.figures.sweepmap import sweep_map_figure
from optviz.runs.sweep import Sweep
from optviz.runs.sweepmap import metrics_of, sweep_grid
from optviz.views.surfaces import SCENES_DIR

MLP_SCENE = SCENES_DIR / "c28_early_stopping.json"
C31 = SCENES_DIR / "c31_hyperparameter_search.json"


@pytest.fixture(scope="module")
def mlp_sweep() -> Sweep:
    grid = {"lr": [1e-3, 1e-1, 1.0], "batch_size": [16, "full"], "init": ["he_normal", "zeros"], "steps": [150]}
    return optviz.sweep(MLP_SCENE, grid, seeds=2)


def _table(scene: Scene, rows: list[tuple]) -> Sweep:
    cols = ["lr", "init", "seed", "train_loss", "train_accuracy", "val_loss", "val_accuracy", "diverged", "diverged_at"]
    t = pd.DataFrame(rows, columns=cols)
    grid = {"lr": sorted(set(t["lr"])), "init": list(dict.fromkeys(t["init"]))}
    return Sweep(scene, grid, sorted(set(t["seed"])), t)


def test_each_cell_is_the_median_of_its_seeds_that_did_not_diverge() -> None:
    scene = Scene.from_json(MLP_SCENE.read_text(encoding="utf-8"))
    nan = float("nan")
    sw = _table(
        scene,
        [
            (0.1, "he_normal", 0, 0.5, 0.8, 0.6, 0.7, False, 0),
            (0.1, "he_normal", 1, 0.3, 0.9, 0.4, 0.8, False, 0),
            (0.1, "he_normal", 2, 0.9, 0.6, 1.0, 0.5, False, 0),
            (0.01, "he_normal", 0, 0.7, 0.7, 0.8, 0.6, False, 0),
            (0.01, "he_normal", 1, nan, nan, nan, nan, True, 40),
            (0.01, "he_normal", 2, 0.1, 0.95, 0.2, 0.9, False, 0),
            (0.1, "zeros", 0, nan, nan, nan, nan, True, 3),
            (0.1, "zeros", 1, nan, nan, nan, nan, True, 5),
            (0.1, "zeros", 2, nan, nan, nan, nan, True, 9),
        ],
    )
    g = sweep_grid(sw, "train_loss")
    assert g.x == "lr" and g.x_values == (0.01, 0.1) and g.y == "init" and g.y_values == ("he_normal", "zeros")
    assert g.facet is None and g.value.shape == (1, 2, 2)
    assert g.value[0, 0, 1] == 0.5  # median of 0.5, 0.3, 0.9
    assert g.value[0, 0, 0] == pytest.approx(0.4)  # the diverged seed left out: median of 0.7 and 0.1
    assert g.diverged[0, 0, 0] == pytest.approx(1 / 3) and g.diverged[0, 0, 1] == 0.0
    assert np.isnan(g.value[0, 1, 1]) and g.diverged[0, 1, 1] == 1.0  # every seed diverged
    assert g.runs[0, 1, 0] == 0 and np.isnan(g.diverged[0, 1, 0])  # (0.01, zeros) is not in the table
    assert g.best == (0, 0, 0)  # the lowest loss
    acc = sweep_grid(sw, "val_accuracy")
    assert acc.value[0, 0, 1] == 0.7 and acc.best == (0, 0, 0) and not acc.lower_is_better  # 0.75 beats 0.7


def test_the_mlp_sweep_map_lr_by_batch_size_a_panel_per_init(mlp_sweep: Sweep, tmp_path) -> None:
    sw = Sweep.load(mlp_sweep.save(tmp_path / "mlp.csv"))  # what the page reads: the file
    g = sweep_grid(sw, "train_loss")
    assert (g.x, g.y, g.facet) == ("lr", "batch_size", "init") and g.pooled == ()  # steps: one value, a constant
    assert g.facet_values == ("he_normal", "zeros") and g.runs.min() == 2 and g.seeds == 2
    t = mlp_sweep.table
    for f, init in enumerate(g.facet_values):
        for i, bs in enumerate(g.y_values):
            for j, lr in enumerate(g.x_values):
                rows = t[(t["init"] == init) & (t["batch_size"] == bs) & (t["lr"] == lr) & (t["diverged_at"] == 0)]
                want = float(np.median(rows["train_loss"])) if len(rows) else np.nan
                np.testing.assert_equal(g.value[f, i, j], want)
    he = g.value[0]
    # The lesson in the numbers: zeros init cannot break the symmetry, so it trains worse than He at
    # the best lr; and lr 1e-3 is too small to learn anything in 150 steps.
    assert np.nanmin(he) < np.nanmin(g.value[1])
    assert np.nanmin(he[:, 0]) > np.nanmin(he[:, 1:])
    fig = sweep_map_figure(sw.scene, g)
    maps = [t for t in fig.data if t.type == "heatmap"]
    assert len(maps) == 2 and {m.xaxis for m in maps} == {"x", "x2"}
    assert maps[0].text[0][1] == f"{g.value[0, 0, 1]:.2g}"  # each cell's number is written in it
    assert list(fig.layout.xaxis.ticktext) == ["0.001", "0.1", "1"]
    assert "He normal" in fig.layout.annotations[0].text
    assert fig.layout.title.text.startswith("Saved sweep: final training loss of SGD")


def test_the_axes_can_be_swapped_and_a_setting_pooled(mlp_sweep: Sweep) -> None:
    g = sweep_grid(mlp_sweep, "val_accuracy", x="init", y="lr", facet=None)
    assert (g.x, g.y) == ("init", "lr") and g.facet == "batch_size"  # the next one fills the panels
    pooled = sweep_grid(mlp_sweep, "val_accuracy", x="lr", y="init", facet="steps")
    assert pooled.pooled == ("batch_size",) and pooled.runs.min() == 4  # two batch sizes x two seeds per cell
    assert pooled.value[0, 1, 2] == pytest.approx(
        float(np.median(mlp_sweep.table.query("lr == 1.0 and init == 'zeros' and diverged_at == 0")["val_accuracy"]))
    )


def test_a_surfaces_sweep_over_three_settings_is_drawn_too() -> None:
    sw = optviz.sweep(C31, {"lr": [1e-4, 1e-3], "momentum": [0.0, 0.9], "noise": [0.0, 0.5]}, seeds=2)
    g = sweep_grid(sw)
    assert g.metric == "final_loss" and g.facet == "noise" and g.value.shape == (2, 2, 2)
    rows = sw.table[(sw.table["lr"] == 1e-3) & (sw.table["momentum"] == 0.9) & (sw.table["noise"] == 0.5)]
    assert g.value[1, 1, 1] == pytest.approx(float(np.median(rows["final_loss"])))
    ko = sweep_map_figure(replace(sw.scene, display=replace(sw.scene.display, lang="ko")), g)
    assert "학습률" in ko.layout.xaxis.title.text


@pytest.mark.parametrize(
    "kwargs, words",
    [
        ({"metric": "accuracy"}, "metric must be one of: train_loss, val_loss, train_accuracy, val_accuracy"),
        ({"x": "momentum"}, "x must be one of the swept settings: lr, batch_size, init, steps"),
        ({"x": "lr", "y": "lr"}, "x, y and facet must be different settings"),
    ],
)
def test_bad_choices_name_the_argument(mlp_sweep: Sweep, kwargs, words) -> None:
    with pytest.raises(ValueError) as e:
        sweep_grid(mlp_sweep, **kwargs)
    assert words in str(e.value)


def test_the_metrics_of_each_view() -> None:
    assert metrics_of("mlp")[0] == "train_loss" and metrics_of("surfaces") == ("final_loss", "steps_to_tol")
    with pytest.raises(ValueError, match="view must be one of"):
        metrics_of("both")


def test_the_sweep_map_exports_as_png_svg_and_pdf(mlp_sweep: Sweep) -> None:
    from optviz import export
    from tests.conftest import CHROMIUM, IN_CI

    if not Path(CHROMIUM).exists() and not IN_CI:
        pytest.skip("no Chromium")
    fig = sweep_map_figure(mlp_sweep.scene, sweep_grid(mlp_sweep, "val_accuracy"))
    with export.Browser() as b:
        png = export.figure_bytes(fig, mlp_sweep.scene, "png", scale=1, browser=b)
        svg = export.figure_bytes(fig, mlp_sweep.scene, "svg", browser=b)
        pdf = export.figure_bytes(fig, mlp_sweep.scene, "pdf", browser=b)
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and int.from_bytes(png[16:20], "big") == 1280  # the slide's width
    assert b"Saved sweep: validation accuracy" in svg and b"He normal" in svg
    assert pdf[:5] == b"%PDF-"
    assert fig.layout.width is None  # the page's figure is not changed by its export
    with pytest.raises(ValueError, match="format must be one of: png, svg, pdf"):
        export.figure_bytes(fig, mlp_sweep.scene, "gif")
