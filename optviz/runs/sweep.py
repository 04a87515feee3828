"""A map over any grid of settings, on this machine's cores or on a Dask cluster: `sweep` and its `Sweep`.

    s = sweep("c31_hyperparameter_search", {"lr": np.geomspace(1e-5, 1e-2, 24), "momentum": [0.5, 0.9, 0.99]})
    s.table          # one row per cell: the swept values, the seed, the metrics
    s.save("map.parquet");  Sweep.load("map.parquet")

The scene gives every setting that is not swept; `grid` maps setting names to values; the cells are
the product of the grid's values and the seeds (first name slowest, seed fastest).  Every cell is the
run the page makes for the scene with that cell's settings:

surfaces view   the scene's first optimizer, on its surface; names: that optimizer's hyperparameters
                (lr, beta1, momentum, ...), start_x, start_y, noise; seeds are noise seeds.  Metrics:
                final_loss, steps_to_tol (first step with f - f* <= 1e-3; -1: never), diverged_at
                (0: did not), final_x, final_y.  Runs on `optviz.batch.run_batch` (every core).
mlp view        the first optimizer's training (`optviz.runs.mlp.train_runs`, compare="optimizers");
                names: that optimizer's hyperparameters (lr, ...) and the `MLPConfig` settings of
                `MLP_SETTINGS` (batch_size, init, ...; an optimizer's own hyperparameter wins a shared
                name such as weight_decay); batch_size "full" (or None) is stored as the number of
                training points, which trains identically; seeds are the MLP's seed (init, batches,
                dropout).  Metrics: train_loss, train_accuracy, val_loss, val_accuracy (NaN without a
                validation set), diverged, diverged_at (0: did not), of the final model
                (`MLPResult.final_row`).  Trainings run on threads, one per core: each is one compiled
                call that releases the GIL, so no process pool (and no Dask) is needed locally.

With `client` (a `dask.distributed.Client`) the cells are cut into `chunks` pieces run with
`client.map` / `client.gather`, one thread per task (Dask's workers are the parallelism); each cell's
numbers do not depend on which chunk or machine ran it, so the table is identical to the local one.
Dask is optional: this module never imports it.

The file: `Sweep.save` writes CSV or Parquet by suffix, and the file carries the scene, the grid and
the seeds (JSON) so the page can redraw the map from the file alone.  One file, not a sidecar (a
download or an upload is one file) and not a column (a CSV would repeat a 2 kB scene on each of tens
of thousands of rows): in Parquet the JSON is the file's key-value metadata, in CSV it is the first
line, `# optviz_sweep {...}` (`pandas.read_csv(path, comment="#")` reads the table without it).
The JSON also records each column's dtype, so a table loads back exactly as it was saved.
"""

from __future__ import annotations

import itertools
import json
import math
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from optviz.batch import cores, run_batch
from optviz.config import OptimizerSpec, Scene
from optviz.config.mlp import MLPConfig, n_split
from optviz.optimizers import get_optimizer
from optviz.runs.mlp import train_runs
from optviz.runs.surfaces import batch_options
from optviz.validate import check_whole

SWEEP_VERSION = 1
META_KEY = "optviz_sweep"
SCENES_DIR = Path(__file__).resolve().parent.parent / "scenes"
SURFACE_SETTINGS = ("start_x", "start_y", "noise")
# The MLPConfig fields a grid may sweep (the view's own choices, the seed and the optimizer list are not).
MLP_SETTINGS = (
    "dataset",
    "n",
    "noise",
    "classes",
    "data_seed",
    "shift",
    "scale",
    "standardize",
    "val_fraction",
    "activation",
    "init",
    "loss",
    "dropout",
    "batch_norm",
    "l2",
    "weight_decay",
    "batch_size",
    "steps",
    "clip_norm",
    "patience",
)
SURFACE_METRICS = ("final_loss", "steps_to_tol", "diverged_at", "final_x", "final_y")
MLP_METRICS = ("train_loss", "train_accuracy", "val_loss", "val_accuracy", "diverged", "diverged_at")
TOL = 1e-3  # steps_to_tol's distance to the lowest minimum (the results table's)
MAX_CELLS = 10_000_000


@dataclass(frozen=True, eq=False)
class Sweep:
    """A sweep's scene, grid, seeds and table (one row per cell: swept values, seed, metrics)."""

    scene: Scene
    grid: dict[str, list[Any]]
    seeds: list[int]
    table: pd.DataFrame
    seconds: float = 0.0

    @property
    def metrics(self) -> tuple[str, ...]:
        return MLP_METRICS if self.scene.view == "mlp" else SURFACE_METRICS

    def _meta(self) -> dict[str, Any]:
        return {
            "version": SWEEP_VERSION,
            "scene": self.scene.to_dict(),
            "grid": self.grid,
            "seeds": self.seeds,
            "dtypes": {c: str(t) for c, t in self.table.dtypes.items()},
        }

    def save(self, path: str | Path) -> Path:
        """Write the table to `path` (.csv or .parquet, by suffix) with the scene, grid and seeds in it."""
        path = Path(path)
        kind = _kind(path)
        meta = json.dumps(self._meta(), ensure_ascii=False, separators=(",", ":"))
        if kind == "parquet":
            import pyarrow as pa  # pandas' Parquet engine (a dependency of streamlit)
            import pyarrow.parquet as pq

            t = pa.Table.from_pandas(self.table, preserve_index=False)
            t = t.replace_schema_metadata({**(t.schema.metadata or {}), META_KEY.encode(): meta.encode()})
            pq.write_table(t, path)
        else:
            with path.open("w", encoding="utf-8", newline="") as fh:
                fh.write(f"# {META_KEY} {meta}\n")
                self.table.to_csv(fh, index=False)
        return path

    @classmethod
    def load(cls, path: str | Path) -> Sweep:
        """A sweep written by `save`; ValueError naming the file if it is not one."""
        path = Path(path)
        kind = _kind(path)
        try:
            if kind == "parquet":
                import pyarrow.parquet as pq

                t = pq.read_table(path)
                raw = (t.schema.metadata or {}).get(META_KEY.encode())
                if raw is None:
                    raise ValueError(f"{path}: a Parquet file without optviz's sweep metadata")
                meta = json.loads(raw)
                table = t.to_pandas()
            else:
                with path.open(encoding="utf-8", newline="") as fh:
                    head = fh.readline()
                    prefix = f"# {META_KEY} "
                    if not head.startswith(prefix):
                        raise ValueError(f"{path}: not an optviz sweep (its first line is not '{prefix}{{...}}')")
                    meta = json.loads(head[len(prefix) :])
                    dtypes = meta["dtypes"]
                    text_cols = {c: str for c, d in dtypes.items() if d in ("object", "str", "string")}
                    table = pd.read_csv(fh, dtype=text_cols, keep_default_na=False, na_values=[""])
                table = table.astype({c: d for c, d in meta["dtypes"].items() if d not in ("object", "str", "string")})
            return cls(Scene.from_dict(meta["scene"]), meta["grid"], meta["seeds"], table)
        except (OSError, KeyError, json.JSONDecodeError) as e:
            raise ValueError(f"{path}: cannot read the sweep: {e}") from None


def _kind(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".parquet"):
        raise ValueError(f"path must end in .csv or .parquet, got {str(path)!r}")
    return suffix[1:]


# --------------------------------------------------------------------------- the grid


def load_scene(scene: Scene | str | Path) -> Scene:
    """A Scene, from a scene file or a shipped scene's short name (e.g. c31_hyperparameter_search)."""
    if isinstance(scene, Scene):
        return scene
    if not isinstance(scene, (str, Path)):
        raise ValueError(f"scene must be a Scene, a scene file or a shipped scene's name, got {scene!r}")
    path = Path(scene)
    if not path.is_file():
        shipped = SCENES_DIR / f"{str(scene).removesuffix('.json')}.json"
        if not shipped.is_file():
            raise ValueError(f"scene: {scene}: no such scene file, and no shipped scene of that name")
        path = shipped
    try:
        return Scene.from_json(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise ValueError(f"scene: {path}: cannot read it: {e}") from None
    except ValueError as e:
        raise ValueError(f"scene: {path}: {e}") from None


def _plain(v: Any) -> Any:
    """A grid value as plain JSON (numpy scalars become Python numbers)."""
    return v.item() if isinstance(v, np.generic) else v


def _check_grid(scene: Scene, grid: Any, seeds: Any) -> tuple[dict[str, list[Any]], list[int]]:
    if not isinstance(grid, Mapping) or not grid:
        raise ValueError("grid must map at least one setting name to its values, e.g. {'lr': [1e-3, 1e-2]}")
    allowed = _allowed(scene)
    out: dict[str, list[Any]] = {}
    for name, values in grid.items():
        if name not in allowed:
            raise ValueError(f"grid: {name!r} cannot be swept in the {scene.view} view; allowed: {', '.join(allowed)}")
        if name == "seed":
            raise ValueError("grid: the seeds are the `seeds` argument, not a grid name")
        if isinstance(values, (str, bytes)) or not isinstance(values, (Sequence, np.ndarray)) or len(values) == 0:
            raise ValueError(f"grid[{name!r}] must be a non-empty sequence of values, got {values!r}")
        out[name] = [_plain(v) for v in values]
    base = scene.mlp.seed if scene.view == "mlp" else scene.surfaces.noise_seed
    if isinstance(seeds, (int, np.integer)) and not isinstance(seeds, bool):
        k = check_whole("seeds", int(seeds), 1, 100_000)
        seed_list = [base + i for i in range(k)]
    elif isinstance(seeds, (Sequence, np.ndarray)) and not isinstance(seeds, (str, bytes)) and len(seeds) > 0:
        seed_list = [check_whole("seeds[]", _plain(s), 0, 2**31 - 1) for s in seeds]
    else:
        raise ValueError(f"seeds must be a count (1: the scene's own seed) or a non-empty list of seeds, got {seeds!r}")
    cells = math.prod(len(v) for v in out.values()) * len(seed_list)
    if cells > MAX_CELLS:
        raise ValueError(f"grid: {cells:,} cells (values x seeds), more than {MAX_CELLS:,}")
    return out, seed_list


def _allowed(scene: Scene) -> tuple[str, ...]:
    if scene.view == "mlp":
        hps = get_optimizer(scene.mlp.optimizers[0].name).hparam_names
        return (*hps, *(s for s in MLP_SETTINGS if s not in hps))
    return (*get_optimizer(scene.surfaces.optimizers[0].name).hparam_names, *SURFACE_SETTINGS)


def _cells(grid: dict[str, list[Any]], seeds: list[int]) -> tuple[dict[str, list[Any]], list[int]]:
    """The product as columns: grid name -> value per cell, and the seed per cell (fastest)."""
    rows = list(itertools.product(*grid.values(), seeds))
    cols = {name: [r[i] for r in rows] for i, name in enumerate(grid)}
    return cols, [r[-1] for r in rows]


# --------------------------------------------------------------------------- running cells


def _surface_cells(
    scene: Scene, cols: dict[str, list[Any]], seeds: list[int], progress: Callable | None, threads: int | None
) -> dict[str, np.ndarray]:
    s = scene.surfaces
    opt = s.optimizers[0]
    n = len(seeds)
    hps: dict[str, Any] = dict(opt.kwargs)
    for name, values in cols.items():
        if name not in SURFACE_SETTINGS:
            hps[name] = np.asarray(values)
    x0, y0 = s.start_point
    starts = None
    if "start_x" in cols or "start_y" in cols:
        starts = np.column_stack([_numbers(cols, "start_x", x0, n), _numbers(cols, "start_y", y0, n)])
    elif s.start is not None:
        starts = s.start
    noise = _numbers(cols, "noise", s.noise, n) if "noise" in cols else s.noise
    b = run_batch(
        s.surface,
        opt.name,
        hyperparams=hps,
        tol=TOL,
        progress=progress,
        threads=threads,
        **batch_options(s, starts=starts, noise=noise, noise_seeds=np.asarray(seeds, dtype=np.int64)),
    )
    return {
        "final_loss": b.final_loss,
        "steps_to_tol": b.steps_to_tol,
        "diverged_at": b.diverged_at,
        "final_x": b.final[:, 0].copy(),
        "final_y": b.final[:, 1].copy(),
    }


def _numbers(cols: dict[str, list[Any]], name: str, default: float, n: int) -> np.ndarray:
    if name not in cols:
        return np.full(n, float(default))
    try:
        return np.asarray(cols[name], dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"grid[{name!r}] must hold numbers, got {sorted(set(map(str, cols[name])))[:3]}") from None


def _mlp_config(scene: Scene, cell: dict[str, Any], seed: int) -> MLPConfig:
    """The MLPConfig of one cell: the scene's, its first optimizer only, the cell's settings and seed."""
    m = scene.mlp
    first = m.optimizers[0]
    hp_names = get_optimizer(first.name).hparam_names
    hps = dict(first.hyperparams)
    over: dict[str, Any] = {}
    for name, value in cell.items():
        if name in hp_names:
            hps[name] = value
        else:
            over[name] = value
    spec = OptimizerSpec(first.name, tuple(hps.items()))
    return replace(m, **over, seed=seed, optimizers=(spec,), compare="optimizers")


def _full_batch(scene: Scene, cols: dict[str, list[Any]]) -> dict[str, list[Any]]:
    """batch_size "full" / None as the number of training points (the same training, a number to plot)."""
    if "batch_size" not in cols:
        return cols
    out = dict(cols)
    vals = []
    for i, v in enumerate(cols["batch_size"]):
        if v is None or (isinstance(v, str) and v.lower() in ("full", "none")):
            cell = {k: c[i] for k, c in cols.items() if k in ("n", "val_fraction")}
            n = int(cell.get("n", scene.mlp.n))
            v = n_split(n, float(cell.get("val_fraction", scene.mlp.val_fraction)))[0]
        vals.append(v)
    out["batch_size"] = vals
    return out


def _mlp_cell(scene: Scene, cell: dict[str, Any], seed: int) -> tuple[float, ...]:
    r = train_runs(_mlp_config(scene, cell, seed)).results[0]
    f = r.final_row
    val_loss = math.nan if r.val_loss is None else float(r.val_loss[f])
    val_acc = math.nan if r.val_accuracy is None else float(r.val_accuracy[f])
    div = 0 if r.diverged_at is None else int(r.diverged_at)
    return float(r.data_loss[f]), float(r.accuracy[f]), val_loss, val_acc, div > 0, div


def _mlp_cells(
    scene: Scene, cols: dict[str, list[Any]], seeds: list[int], progress: Callable | None, threads: int | None
) -> dict[str, np.ndarray]:
    n = len(seeds)
    cells = [{k: v[i] for k, v in cols.items()} for i in range(n)]
    for cell, seed in zip(cells[:1], seeds):  # a bad setting fails here, in the caller's thread, at once
        _mlp_config(scene, cell, seed)
    out: list[tuple[float, ...] | None] = [None] * n
    workers = threads or cores()
    if workers == 1 or n == 1:
        for i in range(n):
            out[i] = _mlp_cell(scene, cells[i], seeds[i])
            if progress is not None:
                progress((i + 1) / n)
    else:
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="optviz-sweep") as pool:
            futures = {pool.submit(_mlp_cell, scene, cells[i], seeds[i]): i for i in range(n)}
            try:
                for k, fut in enumerate(as_completed(futures), 1):
                    out[futures[fut]] = fut.result()
                    if progress is not None:
                        progress(k / n)
            finally:
                for fut in futures:
                    fut.cancel()
    arr = list(zip(*out))
    return {
        "train_loss": np.array(arr[0], dtype=np.float64),
        "train_accuracy": np.array(arr[1], dtype=np.float64),
        "val_loss": np.array(arr[2], dtype=np.float64),
        "val_accuracy": np.array(arr[3], dtype=np.float64),
        "diverged": np.array(arr[4], dtype=bool),
        "diverged_at": np.array(arr[5], dtype=np.int64),
    }


def _run_cells(
    scene_dict: dict[str, Any],
    cols: dict[str, list[Any]],
    seeds: list[int],
    progress: Callable | None = None,
    threads: int | None = None,
) -> dict[str, np.ndarray]:
    """The metrics of the cells (columns `cols`, `seeds`) of a scene given as its dict: a Dask task's body."""
    scene = Scene.from_dict(scene_dict) if isinstance(scene_dict, Mapping) else scene_dict
    run = _mlp_cells if scene.view == "mlp" else _surface_cells
    return run(scene, cols, seeds, progress, threads)


def sweep(
    scene: Scene | str | Path,
    grid: Mapping[str, Sequence[Any]],
    *,
    seeds: int | Sequence[int] = 1,
    client: Any = None,
    chunks: int | None = None,
    progress: Callable[[float], None] | None = None,
) -> Sweep:
    """Run `scene` at every cell of `grid` x `seeds` and return the table (see the module docstring).

    scene: a Scene, a scene file or a shipped scene's short name.  grid: setting name -> values.
    seeds: a count k (the scene's seed and the k - 1 after it) or a list of seeds.
    client: a `dask.distributed.Client` to run on (None: this machine's cores).  chunks: how many
    tasks the cells are cut into on the cluster (default: four per worker thread).
    progress: called with the fraction of cells done, in the calling thread.
    ValueError, naming the setting, for a name the view cannot sweep or a value it refuses.
    """
    t0 = time.perf_counter()
    sc = load_scene(scene)
    g, seed_list = _check_grid(sc, grid, seeds)
    cols, cell_seeds = _cells(g, seed_list)
    if sc.view == "mlp":
        cols = _full_batch(sc, cols)
    n = len(cell_seeds)
    if client is None:
        metrics = _run_cells(sc, cols, cell_seeds, progress)
    else:
        metrics = _on_cluster(client, sc, cols, cell_seeds, chunks, progress)
    table = pd.DataFrame({**{k: _column(v) for k, v in cols.items()}, "seed": np.asarray(cell_seeds, np.int64)})
    for k, v in metrics.items():
        table[k] = v
    assert len(table) == n
    if sc.view == "mlp" and "batch_size" in g:
        g = {**g, "batch_size": sorted(set(cols["batch_size"]), key=cols["batch_size"].index)}
    return Sweep(sc, g, seed_list, table, seconds=time.perf_counter() - t0)


def _column(values: list[Any]) -> np.ndarray:
    """A table column of swept values: int64, float64, bool or text, whichever holds them all."""
    if all(isinstance(v, bool) for v in values):
        return np.asarray(values, dtype=bool)
    if all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in values):
        return np.asarray(values, dtype=np.int64)
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        return np.asarray(values, dtype=np.float64)
    return np.asarray([str(v) for v in values], dtype=object)


def _on_cluster(
    client: Any,
    scene: Scene,
    cols: dict[str, list[Any]],
    seeds: list[int],
    chunks: int | None,
    progress: Callable | None,
) -> dict[str, np.ndarray]:
    """Cut the cells into chunks, run them with client.map and gather them in order."""
    n = len(seeds)
    if chunks is None:
        try:
            threads = sum(client.nthreads().values())
        except Exception:  # noqa: BLE001 - any client-like object: fall back to a fixed split
            threads = 2
        chunks = 4 * max(threads, 1)
    chunks = check_whole("chunks", chunks, 1, 10**6)
    size = math.ceil(n / min(chunks, n))
    bounds = [(a, min(a + size, n)) for a in range(0, n, size)]
    scene_dict = scene.to_dict()
    payload_cols = [{k: v[a:b] for k, v in cols.items()} for a, b in bounds]
    futures = client.map(
        _run_cells,
        [scene_dict] * len(bounds),
        payload_cols,
        [seeds[a:b] for a, b in bounds],
        [None] * len(bounds),
        [1] * len(bounds),  # one thread per task: the cluster's worker threads are the parallelism
        pure=False,
    )
    if progress is not None:  # in submission order: coarse, and no import of dask here
        for f, (_a, b) in zip(futures, bounds):
            f.result()
            progress(b / n)
    parts = client.gather(futures)
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


__all__ = ["MLP_METRICS", "MLP_SETTINGS", "SURFACE_METRICS", "SURFACE_SETTINGS", "Sweep", "load_scene", "sweep"]
