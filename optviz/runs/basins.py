"""Basins of attraction: which minimum a run reaches from every start of a grid over the plot.

    b = basins(scene, optimizer_index=0, cells=64)      # 64 x 64 starts, one batched call
    b.minimum[i, j]   where the run from (xs[j], ys[i]) ends: the index of a listed minimum
                      (`b.minima`), OTHER (-3), NOT_CONVERGED (-1) or DIVERGED (-2)
    b.steps[i, j]     the steps it took to settle there (NaN: never settled within tol)
    b.counts          {code: number of cells}

Every setting but the start is the scene's and its optimizer slot's (steps, schedule, noise, clip,
l2, hyperparameters); `steps` may override the scene's budget.  Rows follow y and columns x, as in
plotly's heatmaps (`Surface.grid`); the starts are the centres of a cells x cells tiling of the
plot bounds (centres, not edges: an edge start on a symmetry line, x = 0 on six-hump camel, would
sit on a saddle's ridge).

Which minimum (the radius test).  A run reached listed minimum k when its final point lies within
`radius` of it, radius = min(¼ of the closest distance between two listed minima, 5 % of the plot's
larger side).  A quarter of the closest pair keeps the disks apart with room between them, where
the saddle between two basins lies (Himmelblau 0.97 → capped, six-hump camel 0.34 → 0.22,
Rastrigin 0.25); the 5 % cap keeps it a "next to the minimum" test on surfaces with one minimum or
far-apart ones.  A final point in no disk is OTHER when it is a minimum the registry does not list
(gradient ‖g‖² <= 2 λmax tol and a positive definite Hessian: on a quadratic model this is
f − f_min <= tol; Rastrigin lists 5 of its 121 minima in view), NOT_CONVERGED otherwise (still
moving, or stopped at a saddle).  DIVERGED: the run diverged (`Result.diverged_at`) or ended outside
the plot bounds.

Steps to converge (settling time): the first step t from which the loss stays within tol of the
reached minimum's value, f_t' − f_k <= tol for every t' >= t up to the end; NaN where the final
loss is not within tol (or no listed minimum was reached).  Settling, not the first touch, because a
momentum run passes through the tol band and overshoots out of it again before it stays.
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from optviz.api import check_steps
from optviz.batch import run_batch
from optviz.config import Scene
from optviz.runs.surfaces import batch_options
from optviz.validate import check_whole
from surfaces import Point, get_surface

NOT_CONVERGED = -1
DIVERGED = -2
OTHER = -3  # a minimum the surface's registry does not list
MAX_CELLS = 128  # per axis: 16 384 runs
LOSS_BUDGET = 20_000_000  # loss values held at once (160 MB): the batch is cut into calls below it
RADIUS_FRACTION = 0.25  # of the closest distance between two listed minima
RADIUS_CAP = 0.05  # of the plot's larger side

# Settings that make the basins picture teach, per surface (the scene's lr is the optimizer's own;
# these are what `BASIN_DEFAULTS` suggests for a basins lecture): measured with 64 x 64 starts.
#   himmelblau: SGD lr 0.01 vs momentum lr 0.001, μ 0.9 (the same step size lr/(1-μ)), 300 steps:
#               the four basins of each, and 27 % of the cells end at another minimum with momentum
#   six_hump_camel: lr 0.02, 500 steps; styblinski_tang: lr 0.01, 300 steps; rastrigin: lr 0.002,
#               300 steps (GD's limit at its minima is 2/(2 + 40π²) ≈ 0.005)
BASIN_DEFAULTS: dict[str, dict[str, float | int]] = {
    "himmelblau": {"lr": 0.01, "steps": 300},
    "six_hump_camel": {"lr": 0.02, "steps": 500},
    "styblinski_tang": {"lr": 0.01, "steps": 300},
    "rastrigin": {"lr": 0.002, "steps": 300},
}


@dataclass(frozen=True, eq=False)
class Basins:
    """The outcome of a cells x cells grid of starts (see the module docstring).

    minimum: int64 (cells, cells), rows y, columns x; steps: float64 (cells, cells);
    final: float64 (cells, cells, 2), each run's last point.
    minima: the surface's listed minima (index k of `minimum` is minima[k]).
    hyperparams: the slot's resolved hyperparameters; optimizer_index: the slot in the scene.
    """

    surface: str
    optimizer: str
    optimizer_index: int
    hyperparams: tuple[tuple[str, float], ...]
    xs: np.ndarray
    ys: np.ndarray
    minimum: np.ndarray
    steps: np.ndarray
    final: np.ndarray
    minima: tuple[Point, ...]
    radius: float
    tol: float
    steps_run: int
    surface_params: tuple[tuple[str, float], ...] = ()
    seconds: float = 0.0

    @property
    def counts(self) -> dict[int, int]:
        """Cells per outcome: every listed minimum's index (0 too), and OTHER, NOT_CONVERGED, DIVERGED."""
        codes = [*range(len(self.minima)), OTHER, NOT_CONVERGED, DIVERGED]
        return {c: int(np.count_nonzero(self.minimum == c)) for c in codes}


def basin_radius(surface: str) -> float:
    """The radius of the "reached minimum k" disks on `surface` (see the module docstring)."""
    surf = get_surface(surface)
    (x0, x1), (y0, y1) = surf.bounds
    cap = RADIUS_CAP * max(x1 - x0, y1 - y0)
    pairs = itertools.combinations(surf.minima, 2)
    closest = min((math.hypot(a.x - b.x, a.y - b.y) for a, b in pairs), default=math.inf)
    return min(RADIUS_FRACTION * closest, cap)


def _classify(
    surface: str, sp: dict[str, float], final: np.ndarray, diverged: np.ndarray, radius: float, tol: float
) -> np.ndarray:
    """The outcome code of each final point (n, 2)."""
    surf = get_surface(surface)
    n = final.shape[0]
    code = np.full(n, NOT_CONVERGED, dtype=np.int64)
    (x0, x1), (y0, y1) = surf.bounds
    x, y = final[:, 0], final[:, 1]
    with np.errstate(invalid="ignore"):
        outside = ~((x >= x0) & (x <= x1) & (y >= y0) & (y <= y1))
    lost = diverged | outside | ~np.isfinite(final).all(axis=1)
    for k, q in enumerate(surf.minima):  # the disks are disjoint (radius < half the closest pair)
        code[(np.hypot(x - q.x, y - q.y) <= radius) & ~lost] = k
    rest = np.flatnonzero((code == NOT_CONVERGED) & ~lost)
    if rest.size:
        gx, gy = surf.grad(x[rest], y[rest], **sp)
        hxx, hxy, hyy = surf.hess(x[rest], y[rest], **sp)
        mean, half = (hxx + hyy) / 2, np.hypot((hxx - hyy) / 2, hxy)
        lam_min, lam_max = mean - half, mean + half
        # on the local quadratic f - f_min = ½ eᵀHe and g = He, so ‖g‖² <= 2 λmax (f - f_min):
        # ‖g‖² <= 2 λmax tol is the tol of the listed minima, at a minimum nobody listed
        still = (gx * gx + gy * gy <= 2.0 * lam_max * tol) & (lam_min > 0)
        code[rest[still]] = OTHER
    code[lost] = DIVERGED
    return code


def _settled(loss: np.ndarray, f_k: np.ndarray, tol: float) -> np.ndarray:
    """Per row: the first step from which loss - f_k <= tol to the end (NaN where the last isn't).

    loss (n, T) with NaN after a divergence; f_k (n,), NaN for the rows without a minimum."""
    out = np.full(loss.shape[0], np.nan)
    with np.errstate(invalid="ignore"):
        above = ~(loss - f_k[:, None] <= tol)  # NaN counts as above
    ok = ~above[:, -1]
    if ok.any():
        rows = above[ok]
        # the last step still above tol, +1; a row never above settled at step 0
        last = rows.shape[1] - 1 - np.argmax(rows[:, ::-1], axis=1)
        out[ok] = np.where(rows.any(axis=1), last + 1, 0)
    return out


def basins(
    scene: Scene,
    optimizer_index: int = 0,
    cells: int = 64,
    steps: int | None = None,
    tol: float = 1e-3,
    progress: Callable[[float], None] | None = None,
) -> Basins:
    """The basins of attraction of the scene's optimizer number `optimizer_index` (module docstring).

    cells: starts per axis, 2 .. MAX_CELLS; steps: the run length (None: the scene's);
    tol: the settling band and the "another minimum" test; progress: called with the fraction done.
    """
    t0 = time.perf_counter()
    cfg = scene.surfaces
    optimizer_index = check_whole("optimizer_index", optimizer_index, 0, len(cfg.optimizers) - 1)
    cells = check_whole("cells", cells, 2, MAX_CELLS)
    steps = cfg.steps if steps is None else check_steps(steps)
    if isinstance(tol, bool) or not (isinstance(tol, (int, float)) and math.isfinite(tol) and tol > 0):
        raise ValueError(f"tol must be a positive number, got {tol!r}")
    spec = cfg.optimizers[optimizer_index]
    surf = get_surface(cfg.surface)
    sp = dict(cfg.surface_params)
    (x0, x1), (y0, y1) = surf.bounds
    xs = x0 + (np.arange(cells) + 0.5) * (x1 - x0) / cells
    ys = y0 + (np.arange(cells) + 0.5) * (y1 - y0) / cells
    gy, gx = np.meshgrid(ys, xs, indexing="ij")
    starts = np.stack([gx.ravel(), gy.ravel()], axis=1)  # row-major: row i is ys[i]
    n = starts.shape[0]
    radius = basin_radius(cfg.surface)
    f_min = np.array([q.f for q in surf.minima] + [np.nan])  # index -1: no listed minimum

    code = np.empty(n, dtype=np.int64)
    settle = np.empty(n)
    final = np.empty((n, 2))
    per_call = max(1, LOSS_BUDGET // (steps + 1))
    for a in range(0, n, per_call):
        b = min(n, a + per_call)

        def part(fraction: float, a: int = a, b: int = b) -> None:
            if progress is not None:
                progress((a + fraction * (b - a)) / n)

        out = run_batch(
            cfg.surface,
            spec.name,
            hyperparams=spec.kwargs,
            tol=tol,
            keep="loss",
            progress=part,
            **batch_options(cfg, starts=starts[a:b], steps=steps),
        )
        c = _classify(cfg.surface, sp, out.final, np.asarray(out.diverged_at) != 0, radius, tol)
        code[a:b] = c
        final[a:b] = out.final
        settle[a:b] = _settled(out.loss, np.where(c >= 0, f_min[np.maximum(c, 0)], np.nan), tol)
    return Basins(
        surface=cfg.surface,
        optimizer=spec.name,
        optimizer_index=optimizer_index,
        hyperparams=spec.hyperparams,
        xs=xs,
        ys=ys,
        minimum=code.reshape(cells, cells),
        steps=settle.reshape(cells, cells),
        final=final.reshape(cells, cells, 2),
        minima=surf.minima,
        radius=radius,
        tol=float(tol),
        steps_run=steps,
        surface_params=cfg.surface_params,
        seconds=time.perf_counter() - t0,
    )


def differing_cells(a: Basins, b: Basins) -> float:
    """The fraction of starts whose outcome differs between two basin maps of one grid: another
    code, or both OTHER with final points more than a radius apart (two different unlisted minima)."""
    if a.minimum.shape != b.minimum.shape or a.surface != b.surface or not np.array_equal(a.xs, b.xs):
        raise ValueError("a and b must be basin maps of the same surface and grid")
    both_other = (a.minimum == OTHER) & (b.minimum == OTHER)
    apart = np.hypot(*(a.final - b.final).transpose(2, 0, 1)) > a.radius
    return float(np.mean((a.minimum != b.minimum) | (both_other & apart)))


__all__ = [
    "BASIN_DEFAULTS",
    "DIVERGED",
    "MAX_CELLS",
    "NOT_CONVERGED",
    "OTHER",
    "Basins",
    "basin_radius",
    "basins",
    "differing_cells",
]
