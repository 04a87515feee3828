"""A saved sweep of either view as a grid of cells: `sweep_grid` and its `SweepGrid`.

    g = sweep_grid(Sweep.load("mlp_map.csv"), "val_accuracy")     lr x batch_size, a panel per init
    g.value[f, i, j]      panel f, row i (y_values[i]), column j (x_values[j]): the median over the seeds

`optviz sweep` maps any grid of a scene's settings, for the MLP view too (lr x batch size x init,
several seeds).  This module reduces its table to what a map draws: two swept settings as the axes
(x: lr when it was swept), a third as side-by-side panels, and per cell the median of one metric
over the seeds, with the share of the seeds that diverged.  Settings beyond three are pooled into
the cells' medians (and said so in `pooled`).  Values stay as the sweep recorded them: numbers
sorted ascending, text in the grid's order.  The drawing is `optviz.figures.sweepmap`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from optviz.validate import check_choice

# Per view: the metrics a map may colour, the first being the default, and whether lower is better.
METRICS: dict[str, dict[str, bool]] = {
    "mlp": {"train_loss": True, "val_loss": True, "train_accuracy": False, "val_accuracy": False},
    "surfaces": {"final_loss": True, "steps_to_tol": True},
}


@dataclass(frozen=True, eq=False)
class SweepGrid:
    """One metric of a sweep over up to three swept settings: x (columns), y (rows), facet (panels).

    value (panels, rows, columns): the median over the cell's seeds (and pooled settings) that did not
    diverge, NaN where none is left or where the grid has no such cell; for steps_to_tol also leaving
    out the runs that never arrived.  diverged: the share of the cell's runs that diverged (NaN where
    the grid has no such cell); runs: how many runs the cell holds.  y is None for a sweep over one
    setting (one row), facet None for fewer than three (one panel).
    """

    view: str
    optimizer: str
    metric: str
    lower_is_better: bool
    x: str
    x_values: tuple[Any, ...]
    y: str | None
    y_values: tuple[Any, ...]
    facet: str | None
    facet_values: tuple[Any, ...]
    value: np.ndarray
    diverged: np.ndarray
    runs: np.ndarray
    seeds: int
    pooled: tuple[str, ...] = ()

    @property
    def best(self) -> tuple[int, int, int] | None:
        """(panel, row, column) of the best value (lowest loss or steps, highest accuracy); None if all NaN."""
        v = self.value if self.lower_is_better else -self.value
        if not np.isfinite(v).any():
            return None
        f, i, j = np.unravel_index(int(np.nanargmin(v)), v.shape)
        return int(f), int(i), int(j)


def metrics_of(view: str) -> tuple[str, ...]:
    """The metrics a map of a `view` sweep can colour (the first is the default)."""
    return tuple(METRICS[check_choice("view", view, METRICS)])


def _ordered(values: list[Any]) -> tuple[Any, ...]:
    """The grid's distinct values: numbers ascending (as Python numbers), text in the grid's order."""
    seen = list(dict.fromkeys(values))
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in seen):
        return tuple(sorted(seen))
    return tuple(seen)


def axis_order(grid: dict[str, list[Any]]) -> list[str]:
    """The swept settings in the order the map's axes take them: lr first, then those swept over more
    than one value, in the grid's order, then the constants."""
    names = list(dict.fromkeys((["lr"] if "lr" in grid else []) + list(grid)))
    return sorted(names, key=lambda n: len(set(map(_key, grid[n]))) < 2)


def _key(v: Any) -> Any:
    """A table value and a grid value compare equal through this (the CSV gives 0.001 back as 0.001,
    an int column back as numpy ints, a bool as numpy bool)."""
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, (int, float, np.integer, np.floating)):
        return float(v)
    return str(v)


def sweep_grid(
    sw: Any, metric: str | None = None, *, x: str | None = None, y: str | None = None, facet: str | None = None
) -> SweepGrid:
    """The cells of sweep `sw` (an `optviz.runs.sweep.Sweep`) for `metric` (None: the view's first).

    x, y, facet: swept setting names (None: in `axis_order`, skipping the settings swept over a single
    value); at most one each, all different.  ValueError naming the argument for a metric the view
    does not have, a name that was not swept, or a setting asked for twice.
    """
    view = sw.scene.view
    allowed = METRICS[check_choice("view", view, METRICS)]
    metric = check_choice("metric", metric if metric is not None else next(iter(allowed)), allowed)
    names = list(sw.grid)
    if not names:
        raise ValueError("the sweep has no swept setting to draw")
    asked = {"x": x, "y": y, "facet": facet}
    for arg, name in asked.items():
        if name is not None and name not in names:
            raise ValueError(f"{arg} must be one of the swept settings: {', '.join(names)}; got {name!r}")
    chosen = [n for n in asked.values() if n is not None]
    if len(set(chosen)) != len(chosen):
        raise ValueError(f"x, y and facet must be different settings, got {chosen}")
    rest = [n for n in axis_order(sw.grid) if n not in chosen and len(set(map(_key, sw.grid[n]))) > 1]
    x = x or (rest.pop(0) if rest else names[0])
    y = y if y is not None else (rest.pop(0) if rest else None)
    facet = facet if facet is not None else (rest.pop(0) if rest else None)
    # Settings swept over one value only are constants of the sweep: no axis, nothing pooled.
    pooled = tuple(n for n in names if n not in (x, y, facet) and len(set(map(_key, sw.grid[n]))) > 1)

    xs = _ordered(sw.grid[x])
    ys = _ordered(sw.grid[y]) if y else (None,)
    fs = _ordered(sw.grid[facet]) if facet else (None,)
    shape = (len(fs), len(ys), len(xs))
    value = np.full(shape, np.nan)
    diverged = np.full(shape, np.nan)
    runs = np.zeros(shape, dtype=np.int64)
    t = sw.table
    if metric not in t.columns or "diverged_at" not in t.columns:
        raise ValueError(f"the sweep's table has no {metric!r} column")
    gone = t["diverged_at"].to_numpy() != 0
    vals = t[metric].to_numpy(dtype=float)
    if metric == "steps_to_tol":
        vals = np.where(vals < 0, np.nan, vals)
    index = [{_key(v): k for k, v in enumerate(values)} for values in (fs, ys, xs)]
    cols = [t[facet] if facet else None, t[y] if y else None, t[x]]
    pos = np.zeros((3, len(t)), dtype=np.int64)
    for axis, col in enumerate(cols):
        if col is not None:
            pos[axis] = [index[axis][_key(v)] for v in col.tolist()]
    flat = np.ravel_multi_index(pos, shape)
    for cell in np.unique(flat):
        rows = flat == cell
        f, i, j = np.unravel_index(cell, shape)
        runs[f, i, j] = int(rows.sum())
        diverged[f, i, j] = float(gone[rows].mean())
        kept = vals[rows & ~gone]
        kept = kept[np.isfinite(kept)]
        if kept.size:
            value[f, i, j] = float(np.median(kept))
    first = sw.scene.mlp.optimizers[0] if view == "mlp" else sw.scene.surfaces.optimizers[0]
    return SweepGrid(
        view=view,
        optimizer=first.name,
        metric=metric,
        lower_is_better=allowed[metric],
        x=x,
        x_values=xs,
        y=y,
        y_values=ys if y else (),
        facet=facet,
        facet_values=fs if facet else (),
        value=value,
        diverged=diverged,
        runs=runs,
        seeds=len(sw.seeds),
        pooled=pooled,
    )


__all__ = ["METRICS", "SweepGrid", "axis_order", "metrics_of", "sweep_grid"]
