"""Hyperparameter search as a map (C31): grid search and random search over lr x one more hyperparameter.

    m = hyperparameter_map(scene)                  # the scene's first optimizer, on its surface
    m.loss[i, j]       final loss at h2[i], lr[j]   (NaN where the run diverged)
    m.steps[i, j]      first step with f - f* <= tol (NaN: never, or diverged)
    m.diverged[i, j]   the run left the finite range (`Result.diverged_at`)
    m.best_cell        (i, j) of the grid's best run; m.best_sample the random search's best

One `optviz.run` per cell (a 24 x 24 grid of 400-step runs takes about 0.2 s on this project's
machine: the kernel is compiled once and a run's fixed cost is ~0.3 ms, so no batched kernel is
needed yet).  The random search draws `samples` points over the same box, log-uniform along a
log axis, uniform along a linear one (Bergstra & Bengio 2012, "Random search for hyper-parameter
optimization", JMLR 13), with its own seed, so the map and the samples are reproducible.

The scene format (`optviz.config.Scene`) has no field for a map yet, so a map's settings are a
`MapSpec` here, and `SCENE_MAPS` names the shipped scenes drawn as a map with their spec:
the map sweeps the scene's first optimizer, every other setting (surface, start, steps,
schedule, noise, the optimizer's other hyperparameters) is the scene's.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

from optviz.api import run
from optviz.config import Scene, SurfacesConfig
from optviz.optimizers import OPTIMIZERS, HParam
from surfaces import get_surface

# The second axis when a spec names none: the hyperparameter a lecture pairs with lr.
SECOND_AXIS = {
    "momentum": "momentum",
    "nesterov": "momentum",
    "schedule_free_sgd": "momentum",
    "rmsprop": "alpha",
    "adadelta": "rho",
    "adam": "beta1",
    "amsgrad": "beta1",
    "adamw": "beta1",
    "nadam": "beta1",
    "radam": "beta1",
    "adamax": "beta1",
    "lion": "beta1",
    "schedule_free_adamw": "beta1",
    "adagrad": "lr_decay",
    "sam": "rho",
}
MAX_CELLS = 100  # per axis: 10 000 runs is the most a map may ask of the unbatched engine


@dataclass(frozen=True)
class MapSpec:
    """What a map sweeps.  Ranges None: lr over [lr / 1000, lr * 10] around the scene's lr, the
    second hyperparameter over its registry range.  tol: the results table's (f - f* <= 1e-3)."""

    h2: str | None = None
    cells: int = 24
    lr_range: tuple[float, float] | None = None
    h2_range: tuple[float, float] | None = None
    samples: int = 30
    seed: int = 0
    tol: float = 1e-3

    def __post_init__(self) -> None:
        if not (isinstance(self.cells, int) and 2 <= self.cells <= MAX_CELLS):
            raise ValueError(f"cells must be a whole number from 2 to {MAX_CELLS}, got {self.cells!r}")
        if not (isinstance(self.samples, int) and 0 <= self.samples <= MAX_CELLS**2):
            raise ValueError(f"samples must be a whole number from 0 to {MAX_CELLS**2}, got {self.samples!r}")
        for name in ("lr_range", "h2_range"):
            r = getattr(self, name)
            if r is not None and not (len(r) == 2 and all(map(math.isfinite, r)) and r[0] < r[1]):
                raise ValueError(f"{name} must be (low, high) with low < high, got {r!r}")


# The shipped scenes drawn as a hyperparameter map (by file name, optviz/scenes/<name>.json).
SCENE_MAPS: dict[str, MapSpec] = {
    "c31_hyperparameter_search": MapSpec(h2="momentum", lr_range=(1e-5, 1e-2), h2_range=(0.5, 0.99)),
}


@dataclass(frozen=True, eq=False)
class HPMap:
    """A grid of runs over lr (columns) x h2 (rows), and random-search samples over the same box.

    Arrays are float64; loss and steps are NaN where a run diverged, steps also where a run never
    came within tol of f* (the lowest known minimum).  fixed: the optimizer's other hyperparameters.
    """

    surface: str
    optimizer: str
    h2: str
    lr: np.ndarray  # (cells,) ascending, log-spaced
    h2_values: np.ndarray  # (cells,) ascending
    lr_log: bool
    h2_log: bool
    loss: np.ndarray  # (cells h2, cells lr)
    steps: np.ndarray
    diverged: np.ndarray  # bool
    sample_lr: np.ndarray  # (samples,)
    sample_h2: np.ndarray
    sample_loss: np.ndarray
    sample_steps: np.ndarray
    sample_diverged: np.ndarray
    fixed: tuple[tuple[str, float], ...] = ()
    tol: float = 1e-3
    steps_run: int = 0
    f_star: float | None = None
    seconds: float = 0.0  # how long the map took (runs and samples)

    @property
    def best_cell(self) -> tuple[int, int] | None:
        """(row i, column j) of the lowest final loss (ties: fewer steps to tol); None if all diverged."""
        return _best(self.loss, self.steps)

    @property
    def best_sample(self) -> int | None:
        """Index of the random search's lowest final loss (ties: fewer steps); None if all diverged."""
        b = _best(self.sample_loss[None, :], self.sample_steps[None, :])
        return None if b is None else b[1]

    def cell_hyperparams(self, i: int, j: int) -> dict[str, float]:
        """The hyperparameters of cell (i, j): the keyword arguments of `optviz.run`."""
        return {**dict(self.fixed), "lr": float(self.lr[j]), self.h2: float(self.h2_values[i])}

    def sample_hyperparams(self, k: int) -> dict[str, float]:
        return {**dict(self.fixed), "lr": float(self.sample_lr[k]), self.h2: float(self.sample_h2[k])}


def _best(loss: np.ndarray, steps: np.ndarray) -> tuple[int, int] | None:
    ok = np.isfinite(loss)
    if not ok.any():
        return None
    never = np.where(np.isfinite(steps), steps, np.inf)
    flat = np.lexsort((never[ok], loss[ok]))[0]  # lowest loss, then fewest steps
    i, j = np.argwhere(ok)[flat]
    return int(i), int(j)


def _axis(p: HParam, rng: tuple[float, float] | None, fallback: tuple[float, float]) -> tuple[float, float]:
    lo, hi = rng if rng is not None else fallback
    if not (p.min <= lo < hi <= p.max):
        raise ValueError(f"{p.name} range must lie within [{p.min:g}, {p.max:g}], got ({lo:g}, {hi:g})")
    return float(lo), float(hi)


def _spaced(lo: float, hi: float, n: int, log: bool) -> np.ndarray:
    return np.geomspace(lo, hi, n) if log else np.linspace(lo, hi, n)


def hyperparameter_map(surfaces: SurfacesConfig | Scene, spec: MapSpec | None = None, *, optimizer: int = 0) -> HPMap:
    """The map of `surfaces`' optimizer number `optimizer` (default the first) under `spec`.

    Raises ValueError when the optimizer has no lr or no second hyperparameter to sweep.
    """
    t0 = time.perf_counter()
    cfg = surfaces.surfaces if isinstance(surfaces, Scene) else surfaces
    spec = spec or MapSpec()
    opt = cfg.optimizers[optimizer]
    reg = OPTIMIZERS[opt.name]
    hps = {p.name: p for p in reg.hparams}
    h2 = spec.h2 or SECOND_AXIS.get(opt.name)
    if "lr" not in hps:
        raise ValueError(f"a hyperparameter map sweeps lr; {opt.name} has none")
    if h2 is None or h2 == "lr" or h2 not in hps or hps[h2].kind != "float":
        floats = [p.name for p in reg.hparams if p.kind == "float" and p.name != "lr"]
        raise ValueError(f"the map's second hyperparameter must be one of {floats} for {opt.name}, got {h2!r}")
    base = opt.kwargs
    p_lr, p_h2 = hps["lr"], hps[h2]
    lr_lo, lr_hi = _axis(p_lr, spec.lr_range, (base["lr"] / 1000, base["lr"] * 10))
    h_lo, h_hi = _axis(p_h2, spec.h2_range, (p_h2.min, p_h2.max))
    lrs = _spaced(lr_lo, lr_hi, spec.cells, True)
    h2s = _spaced(h_lo, h_hi, spec.cells, p_h2.log)
    fixed = {k: v for k, v in base.items() if k not in ("lr", h2)}
    options = cfg.run_options()
    surf = get_surface(cfg.surface)
    f_star = min(q.f for q in surf.minima) if surf.minima else None

    def one(lr: float, h: float) -> tuple[float, float, bool]:
        r = run(cfg.surface, opt.name, **options, **fixed, lr=float(lr), **{h2: float(h)})
        if r.diverged_at is not None:
            return math.nan, math.nan, True
        steps = math.nan
        if f_star is not None:
            hit = np.flatnonzero(r.loss - f_star <= spec.tol)
            steps = float(hit[0]) if hit.size else math.nan
        return float(r.loss[-1]), steps, False

    def sweep(lr_values: np.ndarray, h_values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        out = np.array([one(a, b) for a, b in zip(lr_values, h_values)], dtype=np.float64).reshape(-1, 3)
        return out[:, 0], out[:, 1], out[:, 2] != 0

    n = spec.cells
    grid_h2, grid_lr = np.meshgrid(h2s, lrs, indexing="ij")  # rows: h2, columns: lr
    loss, steps, div = (a.reshape(n, n) for a in sweep(grid_lr.ravel(), grid_h2.ravel()))
    u = np.random.default_rng(spec.seed).random((spec.samples, 2))
    s_lr = np.exp(np.log(lr_lo) + u[:, 0] * (np.log(lr_hi) - np.log(lr_lo)))  # log-uniform
    if p_h2.log:
        s_h2 = np.exp(np.log(h_lo) + u[:, 1] * (np.log(h_hi) - np.log(h_lo)))
    else:
        s_h2 = h_lo + u[:, 1] * (h_hi - h_lo)
    s_loss, s_steps, s_div = sweep(s_lr, s_h2)
    return HPMap(
        surface=cfg.surface,
        optimizer=opt.name,
        h2=h2,
        lr=lrs,
        h2_values=h2s,
        lr_log=True,
        h2_log=bool(p_h2.log),
        loss=loss,
        steps=steps,
        diverged=div,
        sample_lr=s_lr,
        sample_h2=s_h2,
        sample_loss=s_loss,
        sample_steps=s_steps,
        sample_diverged=s_div,
        fixed=tuple(fixed.items()),
        tol=spec.tol,
        steps_run=cfg.steps,
        f_star=f_star,
        seconds=time.perf_counter() - t0,
    )


__all__ = ["MAX_CELLS", "SCENE_MAPS", "SECOND_AXIS", "HPMap", "MapSpec", "hyperparameter_map"]
