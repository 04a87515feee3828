"""A saved sweep drawn as the page's map (`optviz.runs.hpmap.hpmap_from_sweep`)."""

from __future__ import annotations

import numpy as np
import pytest

import optviz
from optviz.config import Scene
from optviz.figures.hpmap import hpmap_figure
from optviz.runs.hpmap import hpmap_from_sweep
from optviz.runs.sweep import Sweep
from optviz.views.surfaces import SCENES_DIR

C31 = SCENES_DIR / "c31_hyperparameter_search.json"


def test_a_saved_sweep_is_the_map_of_its_runs(tmp_path) -> None:
    lrs = np.geomspace(1e-4, 1e-1, 5)
    sw = optviz.sweep(C31, {"lr": lrs, "momentum": [0.0, 0.9]})
    path = sw.save(tmp_path / "map.parquet")
    m = hpmap_from_sweep(Sweep.load(path))
    scene = Scene.from_json(C31.read_text(encoding="utf-8"))
    s = scene.surfaces
    assert m.loss.shape == (2, 5) and m.h2 == "momentum" and m.lr_log
    for i, mu in enumerate([0.0, 0.9]):
        for j, lr in enumerate(lrs):
            kw = {**dict(s.optimizers[0].kwargs), "lr": float(lr), "momentum": mu}
            r = optviz.run(s.surface, s.optimizers[0].name, **s.run_options(), **kw)
            if r.diverged_at is not None:
                assert m.diverged[i, j] and np.isnan(m.loss[i, j])
            else:
                assert m.loss[i, j] == r.loss[-1]
    fig = hpmap_figure(scene, m)
    assert any(t.name == "cells" for t in fig.data)


def test_seeds_are_summarised_by_their_median(tmp_path) -> None:
    scene = Scene.from_json(C31.read_text(encoding="utf-8"))
    noisy = scene.surfaces.__class__(**{**scene.surfaces.__dict__, "noise": 0.5})
    sw = optviz.sweep(Scene(surfaces=noisy), {"lr": [1e-3, 2e-3], "momentum": [0.5]}, seeds=3)
    m = hpmap_from_sweep(sw)
    for j, lr in enumerate([1e-3, 2e-3]):
        rows = sw.table[(sw.table["lr"] == lr)]
        assert m.loss[0, j] == pytest.approx(float(np.median(rows["final_loss"])))


def test_only_a_map_of_lr_and_one_more_setting_is_drawn() -> None:
    sw = optviz.sweep(C31, {"lr": [1e-3, 1e-2]})
    with pytest.raises(ValueError, match="lr and one more setting"):
        hpmap_from_sweep(sw)
