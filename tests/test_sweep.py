"""`optviz.sweep` / `optviz sweep`: cells equal to the page's runs, on the cores or on Dask, saved and loaded."""

from __future__ import annotations

import importlib.util
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

import optviz
from optviz.config import OptimizerSpec, Scene, SurfacesConfig
from optviz.config.mlp import MLPConfig
from optviz.runs.mlp import train_runs
from optviz.runs.sweep import Sweep, sweep
from optviz.sweep_cli import main as cli_main
from optviz.sweep_cli import parse_grid

SURF = Scene(
    view="surfaces",
    surfaces=SurfacesConfig(
        surface="himmelblau",
        start=(0.5, -3.0),
        steps=150,
        noise=0.3,
        noise_seed=7,
        schedule={"name": "exponential", "decay_rate": 0.5},
        optimizers=(OptimizerSpec("momentum", (("lr", 1e-3), ("momentum", 0.8))), OptimizerSpec("adam")),
    ),
)
MLP = Scene(
    view="mlp",
    mlp=MLPConfig(n=64, hidden=(4,), steps=25, optimizers=(OptimizerSpec("momentum", (("lr", 0.1),)),)),
)
GRID = {"lr": [1e-4, 1e-3, 3e-2], "start_x": [-1.0, 2.0]}


def test_surface_cells_are_the_scenes_runs():
    s = sweep(SURF, GRID, seeds=2)
    t = s.table
    metrics = ["final_loss", "steps_to_tol", "diverged_at", "final_x", "final_y"]
    assert list(t.columns) == ["lr", "start_x", "seed", *metrics]
    assert len(t) == 3 * 2 * 2 and s.seeds == [7, 8]
    assert (t["diverged_at"] > 0).any() and (t["diverged_at"] == 0).any()
    opts = SURF.surfaces.run_options()
    for _, row in t.iterrows():
        kw = {**opts, "start": (row["start_x"], -3.0), "noise_seed": int(row["seed"])}
        r = optviz.run("himmelblau", "momentum", **kw, lr=row["lr"], momentum=0.8)
        assert row["final_x"] == r.final[0] and row["final_y"] == r.final[1]
        assert row["final_loss"] == r.loss[-1]
        assert row["diverged_at"] == (r.diverged_at or 0)
    # the product's order: first name slowest, seed fastest
    assert t["lr"].tolist()[:4] == [1e-4] * 4 and t["seed"].tolist()[:4] == [7, 8, 7, 8]


def test_noise_and_every_hyperparameter_can_be_swept():
    s = sweep(SURF, {"momentum": [0.0, 0.9], "noise": [0.0, 1.0]}, seeds=[3])
    for _, row in s.table.iterrows():
        kw = {**SURF.surfaces.run_options(), "noise": row["noise"], "noise_seed": 3}
        r = optviz.run("himmelblau", "momentum", **kw, lr=1e-3, momentum=row["momentum"])
        assert row["final_loss"] == r.loss[-1]


def test_progress_reaches_one():
    seen: list[float] = []
    sweep(SURF, {"lr": np.geomspace(1e-4, 1e-2, 50).tolist()}, seeds=4, progress=seen.append)
    assert seen and seen[-1] == 1.0 and seen == sorted(seen)


@pytest.mark.parametrize(
    "grid, seeds, words",
    [
        ({"beta1": [0.9]}, 1, "'beta1' cannot be swept in the surfaces view"),
        ({"lr": []}, 1, "grid['lr'] must be a non-empty sequence"),
        ({"lr": "0.1"}, 1, "grid['lr'] must be a non-empty sequence"),
        ({}, 1, "grid must map at least one"),
        ({"lr": [0.1]}, 0, "seeds must be a whole number"),
        ({"lr": [0.1]}, [-1], "seeds[] must be a whole number"),
        ({"lr": [0.1, -2.0]}, 1, "lr of momentum must be in"),
        ({"start_x": ["left"]}, 1, "grid['start_x'] must hold numbers"),
    ],
)
def test_bad_grids_name_the_setting(grid, seeds, words):
    with pytest.raises(ValueError) as e:
        sweep(SURF, grid, seeds=seeds)
    assert words in str(e.value), str(e.value)


def test_a_shipped_scene_by_name_and_a_missing_one():
    s = sweep("c31_hyperparameter_search", {"lr": [1e-4]})
    assert s.scene.surfaces.surface == "rosenbrock" and len(s.table) == 1
    with pytest.raises(ValueError, match="no such scene file"):
        sweep("no_such_scene", {"lr": [1e-4]})


def _mlp_reference(cfg: MLPConfig):
    return train_runs(cfg).results[0]


def test_an_mlp_sweep_is_the_pages_training_per_cell():
    grid = {"lr": [0.01, 0.3], "batch_size": ["full", 8], "init": ["zeros", "he_normal"]}
    s = sweep(MLP, grid, seeds=2)
    t = s.table
    assert len(t) == 2 * 2 * 2 * 2
    assert set(t["batch_size"]) == {48, 8}  # full batch: the 48 training points of 64 (val_fraction 0.25)
    assert s.grid["batch_size"] == [48, 8]
    assert {"train_loss", "train_accuracy", "val_loss", "val_accuracy", "diverged", "diverged_at"} <= set(t.columns)
    for i in (0, 5, 10, 15):
        row = t.iloc[i]
        full = row["batch_size"] == 48
        cfg = replace(
            MLP.mlp,
            optimizers=(OptimizerSpec("momentum", (("lr", float(row["lr"])),)),),
            batch_size=None if full else 8,
            init=row["init"],
            seed=int(row["seed"]),
        )
        r = _mlp_reference(cfg)
        f = r.final_row
        assert row["train_loss"] == r.data_loss[f] and row["val_accuracy"] == r.val_accuracy[f]
        assert row["diverged"] == (r.diverged_at is not None)
    # zeros init with tanh never breaks symmetry, so it cannot beat He at the larger lr (a sanity check)
    assert t["train_loss"].notna().all()


def test_an_mlp_grid_takes_mlp_settings_and_refuses_others():
    s = sweep(MLP, {"dropout": [0.0, 0.5]}, seeds=1)
    assert s.table["dropout"].tolist() == [0.0, 0.5]
    with pytest.raises(ValueError, match="'start_x' cannot be swept in the mlp view"):
        sweep(MLP, {"start_x": [0.0]})
    with pytest.raises(ValueError, match="batch_size"):
        sweep(MLP, {"batch_size": [1000]})


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_save_and_load_round_trip(tmp_path, suffix):
    s = sweep(SURF, GRID, seeds=2)
    m = sweep(MLP, {"init": ["zeros", "he_normal"], "batch_norm": [False, True]})
    for x, name in ((s, "surf"), (m, "mlp")):
        p = x.save(tmp_path / f"{name}{suffix}")
        back = Sweep.load(p)
        pd.testing.assert_frame_equal(back.table, x.table, check_exact=True)
        assert back.scene == x.scene and back.grid == x.grid and back.seeds == x.seeds
    if suffix == ".csv":  # readable by anyone: the scene is one comment line above the table
        plain = pd.read_csv(tmp_path / "surf.csv", comment="#")
        assert list(plain.columns) == list(s.table.columns)


def test_save_and_load_refuse_other_files(tmp_path):
    s = sweep(SURF, {"lr": [1e-3]})
    with pytest.raises(ValueError, match=r"path must end in \.csv or \.parquet"):
        s.save(tmp_path / "map.xlsx")
    (tmp_path / "other.csv").write_text("a,b\n1,2\n")
    with pytest.raises(ValueError, match="not an optviz sweep"):
        Sweep.load(tmp_path / "other.csv")
    pd.DataFrame({"a": [1]}).to_parquet(tmp_path / "other.parquet")
    with pytest.raises(ValueError, match="without optviz's sweep metadata"):
        Sweep.load(tmp_path / "other.parquet")


def test_optviz_sweep_is_the_function():
    assert optviz.sweep is sweep


def test_parse_grid():
    g = parse_grid(["lr=1e-4:1e-1:4:log", "beta1=0.5:0.9:3", "init=zeros,he_normal", "batch_size=8:64:4:log"])
    np.testing.assert_allclose(g["lr"], [1e-4, 1e-3, 1e-2, 1e-1], rtol=1e-12)
    np.testing.assert_allclose(g["beta1"], [0.5, 0.7, 0.9], rtol=1e-12)
    assert g["init"] == ["zeros", "he_normal"] and g["batch_size"] == [8, 16, 32, 64]
    assert parse_grid(["batch_norm=true,false", "n=3,4"]) == {"batch_norm": [True, False], "n": [3, 4]}
    for bad in ("lr", "lr=", "lr=1:2", "lr=0:1:3:log", "lr=1:2:x", "lr=1:2:3:lin"):
        with pytest.raises(ValueError, match="--grid"):
            parse_grid([bad])


def test_cli_end_to_end(tmp_path, capsys):
    scene_file = tmp_path / "scene.json"
    scene_file.write_text(SURF.to_json())
    out = tmp_path / "map.parquet"
    code = cli_main([str(scene_file), "--grid", "lr=1e-4:1e-2:3:log", "--grid", "momentum=0.5,0.9", "--seeds", "2",
                     "--out", str(out), "-q"])  # fmt: skip
    assert code == 0, capsys.readouterr().err
    assert str(out) in capsys.readouterr().out
    s = Sweep.load(out)
    ref = sweep(SURF, {"lr": np.geomspace(1e-4, 1e-2, 3).tolist(), "momentum": [0.5, 0.9]}, seeds=2)
    pd.testing.assert_frame_equal(s.table, ref.table, check_exact=True)


@pytest.mark.parametrize(
    "args, words",
    [
        (["--grid", "beta1=0.5,0.9"], "'beta1' cannot be swept"),
        (["--grid", "lr=1:2"], "--grid lr: a range is lo:hi:n"),
        (["--seeds", "x"], "--seeds must be"),
        (["--out", "map.txt"], "--out must end in .csv or .parquet"),
    ],
)
def test_cli_bad_arguments_give_one_line_and_status_2(tmp_path, capsys, args, words):
    scene_file = tmp_path / "scene.json"
    scene_file.write_text(SURF.to_json())
    base = {"--grid": "lr=1e-3", "--out": str(tmp_path / "m.csv")}
    argv = [str(scene_file), *args]
    for k, v in base.items():
        if k not in args:
            argv += [k, v]
    assert cli_main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("optviz sweep: error:") and words in err[0], err


def test_the_optviz_command_dispatches_sweep(tmp_path, capsys):
    from optviz.cli import BENCHES
    from optviz.cli import main as optviz_main

    assert "sweep" in BENCHES
    out = tmp_path / "m.csv"
    assert optviz_main(["sweep", "c31_hyperparameter_search", "--grid", "lr=1e-4", "--out", str(out), "-q"]) == 0
    assert len(Sweep.load(out).table) == 1


@pytest.mark.skipif(importlib.util.find_spec("distributed") is None, reason="dask[distributed] is not installed")
def test_a_dask_cluster_gives_the_local_table():
    from dask.distributed import Client, LocalCluster

    with (
        LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster,
        Client(cluster) as client,
    ):
        grid = {"lr": np.geomspace(1e-4, 3e-2, 7).tolist(), "momentum": [0.0, 0.5, 0.9]}
        seen: list[float] = []
        remote = sweep(SURF, grid, seeds=3, client=client, chunks=5, progress=seen.append)
        mlp_grid = {"lr": [0.01, 0.3], "init": ["zeros", "he_normal"]}
        remote_mlp = sweep(MLP, mlp_grid, seeds=2, client=client)
    local = sweep(SURF, grid, seeds=3)
    pd.testing.assert_frame_equal(remote.table, local.table, check_exact=True)
    pd.testing.assert_frame_equal(remote_mlp.table, sweep(MLP, mlp_grid, seeds=2).table, check_exact=True)
    assert seen[-1] == 1.0 and len(seen) == 5
