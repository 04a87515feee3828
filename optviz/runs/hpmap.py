"""Hyperparameter search as a map (C31): grid search and random search over lr x one more setting.

    m = hyperparameter_map(scene, MapSpec(h2="momentum", metric="loss"), progress=bar)
    m.loss[i, j]       final loss at h2[i], lr[j]   (NaN where the run diverged)
    m.steps[i, j]      first step with f - f* <= tol (NaN: never, or diverged)
    m.diverged[i, j]   the run left the finite range (`Result.diverged_at`)
    m.best_cell        (i, j) of the grid's best run; m.best_sample the random search's best
    cell_settings(m, i, j)   {"lr": ..., h2: ...}: what a click on cell (i, j) loads
    map_theory(m)      on the bowl: the stability limits and optima the theory draws over the map

The second axis (`MapSpec.h2`) is a float hyperparameter of the optimizer (momentum, beta1, beta2,
rho, ...), a parameter of the surface (the bowl's condition number "kappa", or "theta"), or the
gradient noise sigma ("noise").  An axis is logarithmic where its slider is: the registry's
`HParam.log` / `surfaces.Param.log` (lr, eps, kappa), and the noise sigma, whose slider steps
through 0.01 ... 10 by factors of 2-2.5 (`NOISE_RANGE`).

The grid and the random-search samples are ONE call of the batched kernel (`optviz.batch.run_batch`,
each run bitwise what `optviz.run` gives with the same settings), so a caller's progress bar covers
the whole map.  The random search draws `samples` points over the same box, log-uniform along a log
axis, uniform along a linear one (Bergstra & Bengio 2012, "Random search for hyper-parameter
optimization", JMLR 13), with its own seed, so the map and the samples are reproducible.

The scene format (`optviz.config.Scene`) has no field for a map yet, so a map's settings are a
`MapSpec` here, and `SCENE_MAPS` names the shipped scenes drawn as a map with their spec:
the map sweeps the scene's first optimizer, every other setting (surface, start, steps,
schedule, noise, the optimizer's other hyperparameters) is the scene's.

Theory (`map_theory`, on the bowl f = ½(u² + κv²), Hessian eigenvalues 1 and κ, plus l2): gradient
descent is stable for lr < 2/λmax and fastest at lr = 2/(λmin + λmax); torch's heavy ball
(optviz's "momentum") for lr < 2(1 + μ)/λmax, fastest at Goh's (α*, β*) (`optviz.theory`); torch's
Nesterov for lr < 2(1 + μ)/((1 + 2μ)λmax) (`lr_limit` derives it).  Reference: G. Goh, "Why
Momentum Really Works", Distill, 2017.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from optviz.batch import run_batch
from optviz.config import Scene, SurfacesConfig
from optviz.optimizers import OPTIMIZERS
from optviz.runs.surfaces import batch_options
from optviz.schedules import Schedule
from optviz.theory import bowl_theory, hessian_eigenvalues
from optviz.validate import check_choice
from surfaces import get_surface

# The second axis when a spec names none: the hyperparameter a lecture pairs with lr; an optimizer
# with none of its own (SGD) is swept against the bowl's kappa on the bowl, else the noise sigma.
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
# Per axis.  Batched, a 128 x 128 map of 500-step SGD runs takes a few seconds on two cores; the
# figure's invisible click targets (one per cell) stay under 20 000 points.
MAX_CELLS = 128
METRICS = ("loss", "steps", "diverged")  # what the heatmap colours: final loss, steps to f* + tol, diverged
NOISE = "noise"  # the name of the gradient-noise axis (the scene's `noise`, sigma)
NOISE_RANGE = (0.01, 10.0)  # the page's nonzero sigma grid: 0.01 ... 10, a log axis
AXIS_KINDS = ("hyperparam", "surface", "noise")


@dataclass(frozen=True)
class MapSpec:
    """What a map sweeps.  Ranges None: lr over [lr / 1000, lr * 10] around the scene's lr, the
    second axis over its registry range (the noise over `NOISE_RANGE`).  tol: the results table's
    (f - f* <= 1e-3).  metric: what the figure colours, one of `METRICS`."""

    h2: str | None = None
    cells: int = 24
    lr_range: tuple[float, float] | None = None
    h2_range: tuple[float, float] | None = None
    samples: int = 30
    seed: int = 0
    tol: float = 1e-3
    metric: str = "loss"

    def __post_init__(self) -> None:
        if not (isinstance(self.cells, int) and 2 <= self.cells <= MAX_CELLS):
            raise ValueError(f"cells must be a whole number from 2 to {MAX_CELLS}, got {self.cells!r}")
        if not (isinstance(self.samples, int) and 0 <= self.samples <= MAX_CELLS**2):
            raise ValueError(f"samples must be a whole number from 0 to {MAX_CELLS**2}, got {self.samples!r}")
        for name in ("lr_range", "h2_range"):
            r = getattr(self, name)
            if r is not None and not (len(r) == 2 and all(map(math.isfinite, r)) and r[0] < r[1]):
                raise ValueError(f"{name} must be (low, high) with low < high, got {r!r}")
        if not (isinstance(self.tol, (int, float)) and math.isfinite(self.tol) and self.tol > 0):
            raise ValueError(f"tol must be a positive number, got {self.tol!r}")
        check_choice("metric", self.metric, METRICS)


# The shipped scenes drawn as a hyperparameter map (by file name, optviz/scenes/<name>.json).
SCENE_MAPS: dict[str, MapSpec] = {
    "c31_hyperparameter_search": MapSpec(h2="momentum", lr_range=(1e-5, 1e-2), h2_range=(0.5, 0.99)),
}


@dataclass(frozen=True, eq=False)
class HPMap:
    """A grid of runs over lr (columns) x h2 (rows), and random-search samples over the same box.

    Arrays are float64; loss and steps are NaN where a run diverged, steps also where a run never
    came within tol of f* (the lowest known minimum).  fixed: the optimizer's other hyperparameters.
    h2_kind: "hyperparam" (an optimizer's), "surface" (a surface parameter) or "noise" (sigma).
    surface_params, l2, clip_norm, schedule: the map's run options the theory needs (`map_theory`).
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
    h2_kind: str = "hyperparam"
    metric: str = "loss"
    optimizer_index: int = 0
    surface_params: tuple[tuple[str, float], ...] = ()
    l2: float = 0.0
    clip_norm: float | None = None
    schedule: Schedule = Schedule()

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
        """The optimizer's hyperparameters at cell (i, j): keyword arguments of `optviz.run` (the
        second value too when it is a hyperparameter; a surface parameter or the noise: `cell_settings`)."""
        own = {self.h2: float(self.h2_values[i])} if self.h2_kind == "hyperparam" else {}
        return {**dict(self.fixed), "lr": float(self.lr[j]), **own}

    def sample_hyperparams(self, k: int) -> dict[str, float]:
        """The optimizer's hyperparameters of random sample k (as `cell_hyperparams`)."""
        own = {self.h2: float(self.sample_h2[k])} if self.h2_kind == "hyperparam" else {}
        return {**dict(self.fixed), "lr": float(self.sample_lr[k]), **own}


def cell_settings(m: HPMap, i: int, j: int) -> dict[str, float]:
    """What a click on cell (row i, column j) loads: {"lr": lr[j], h2: h2_values[i]}, h2 being the
    name of the swept setting ("momentum", "beta1", ..., "kappa", "noise").  The page sets the map's
    optimizer's lr, and that hyperparameter, the surface parameter or the scene's noise sigma."""
    n_rows, n_cols = m.loss.shape
    if isinstance(i, bool) or not isinstance(i, (int, np.integer)) or not 0 <= i < n_rows:
        raise ValueError(f"i (the row, {m.h2}) must be a whole number from 0 to {n_rows - 1}, got {i!r}")
    if isinstance(j, bool) or not isinstance(j, (int, np.integer)) or not 0 <= j < n_cols:
        raise ValueError(f"j (the column, lr) must be a whole number from 0 to {n_cols - 1}, got {j!r}")
    return {"lr": float(m.lr[j]), m.h2: float(m.h2_values[i])}


def current_settings(surfaces: SurfacesConfig | Scene, m: HPMap) -> tuple[float, float] | None:
    """(lr, second value) of the scene's run that `m` sweeps (`m.optimizer_index`): where the map
    marks "you are here".  None when that run is no longer the map's optimizer."""
    cfg = surfaces.surfaces if isinstance(surfaces, Scene) else surfaces
    if m.optimizer_index >= len(cfg.optimizers) or cfg.optimizers[m.optimizer_index].name != m.optimizer:
        return None
    kw = cfg.optimizers[m.optimizer_index].kwargs
    if m.h2_kind == "hyperparam":
        h = kw[m.h2]
    elif m.h2_kind == "surface":
        h = dict(cfg.surface_params)[m.h2]
    else:
        h = cfg.noise
    return float(kw["lr"]), float(h)


def _best(loss: np.ndarray, steps: np.ndarray) -> tuple[int, int] | None:
    ok = np.isfinite(loss)
    if not ok.any():
        return None
    never = np.where(np.isfinite(steps), steps, np.inf)
    flat = np.lexsort((never[ok], loss[ok]))[0]  # lowest loss, then fewest steps
    i, j = np.argwhere(ok)[flat]
    return int(i), int(j)


@dataclass(frozen=True)
class _Axis:
    name: str
    kind: str  # one of AXIS_KINDS
    lo: float  # the registry's bounds of the setting
    hi: float
    log: bool
    default: tuple[float, float]  # the swept range when the spec gives none


def _second_axis(cfg: SurfacesConfig, optimizer: str, name: str | None) -> _Axis:
    """The second axis `name` (None: the default for this optimizer and surface), or a ValueError
    listing what this optimizer on this surface can sweep."""
    reg = OPTIMIZERS[optimizer]
    own = {p.name: p for p in reg.hparams if p.kind == "float" and p.name != "lr"}
    surf = get_surface(cfg.surface)
    sp = {p.name: p for p in surf.params}
    if name is None:
        name = SECOND_AXIS.get(optimizer) or ("kappa" if "kappa" in sp else NOISE)
    if name in own:
        p = own[name]
        return _Axis(name, "hyperparam", p.min, p.max, bool(p.log), (p.min, p.max))
    if name in sp:
        q = sp[name]
        return _Axis(name, "surface", q.min, q.max, bool(q.log), (q.min, q.max))
    if name == NOISE and not reg.gradient_free:
        return _Axis(NOISE, "noise", 0.0, 1e6, True, NOISE_RANGE)
    allowed = [*own, *sp, *([] if reg.gradient_free else [NOISE])]
    raise ValueError(
        f"the map's second axis (h2) must be one of {allowed} for {optimizer} on {surf.name}, got {name!r}"
    )


def _range(name: str, lo_hi: tuple[float, float], bounds: tuple[float, float], log: bool) -> tuple[float, float]:
    lo, hi = lo_hi
    if not (bounds[0] <= lo < hi <= bounds[1]) or (log and lo <= 0):
        low = "above 0" if log and bounds[0] <= 0 else f"from {bounds[0]:g}"
        raise ValueError(
            f"{name} range must lie within [{bounds[0]:g}, {bounds[1]:g}] ({low}: a log axis), got ({lo:g}, {hi:g})"
        )
    return float(lo), float(hi)


def _spaced(lo: float, hi: float, n: int, log: bool) -> np.ndarray:
    return np.geomspace(lo, hi, n) if log else np.linspace(lo, hi, n)


def hyperparameter_map(
    surfaces: SurfacesConfig | Scene,
    spec: MapSpec | None = None,
    *,
    optimizer: int = 0,
    progress: Callable[[float], None] | None = None,
) -> HPMap:
    """The map of `surfaces`' optimizer number `optimizer` (default the first) under `spec`.

    progress: called with the fraction done (0..1) as the batched runs finish (a progress bar).
    Raises ValueError when the optimizer has no lr or `spec.h2` is nothing it can sweep.
    """
    t0 = time.perf_counter()
    cfg = surfaces.surfaces if isinstance(surfaces, Scene) else surfaces
    spec = spec or MapSpec()
    if isinstance(optimizer, bool) or not isinstance(optimizer, int) or not 0 <= optimizer < len(cfg.optimizers):
        raise ValueError(f"optimizer must be an index from 0 to {len(cfg.optimizers) - 1}, got {optimizer!r}")
    opt = cfg.optimizers[optimizer]
    reg = OPTIMIZERS[opt.name]
    hps = {p.name: p for p in reg.hparams}
    if "lr" not in hps:
        raise ValueError(f"a hyperparameter map sweeps lr; {opt.name} has none")
    ax = _second_axis(cfg, opt.name, spec.h2)
    base = opt.kwargs
    p_lr = hps["lr"]
    lr_lo, lr_hi = _range("lr", spec.lr_range or (base["lr"] / 1000, base["lr"] * 10), (p_lr.min, p_lr.max), True)
    h_lo, h_hi = _range(ax.name, spec.h2_range or ax.default, (ax.lo, ax.hi), ax.log)
    n = spec.cells
    lrs = _spaced(lr_lo, lr_hi, n, True)
    h2s = _spaced(h_lo, h_hi, n, ax.log)
    u = np.random.default_rng(spec.seed).random((spec.samples, 2))
    s_lr = np.exp(np.log(lr_lo) + u[:, 0] * (np.log(lr_hi) - np.log(lr_lo)))  # log-uniform
    if ax.log:
        s_h2 = np.exp(np.log(h_lo) + u[:, 1] * (np.log(h_hi) - np.log(h_lo)))
    else:
        s_h2 = h_lo + u[:, 1] * (h_hi - h_lo)

    # One batch: the grid (row-major, rows h2, columns lr) then the samples.
    grid_h2, grid_lr = np.meshgrid(h2s, lrs, indexing="ij")
    all_lr = np.concatenate([grid_lr.ravel(), s_lr])
    all_h2 = np.concatenate([grid_h2.ravel(), s_h2])
    fixed = {k: v for k, v in base.items() if k not in ("lr", ax.name)}
    hyper: dict[str, float | np.ndarray] = {**fixed, "lr": all_lr}
    if ax.kind == "hyperparam":
        hyper[ax.name] = all_h2
    common = batch_options(cfg, tol=spec.tol, keep="final")
    if ax.kind == "surface":
        # run_batch shares one set of surface parameters across its runs: one call per distinct value
        # (a row of the grid, or a sample), the progress summed over the calls.
        b = _by_surface_value(cfg, opt.name, ax.name, all_h2, hyper, common, progress)
    else:
        noise = {"noise": all_h2} if ax.kind == "noise" else {}
        b = run_batch(cfg.surface, opt.name, hyperparams=hyper, progress=progress, **(common | noise))
    div = np.asarray(b.diverged_at) != 0
    loss = np.where(div, np.nan, np.asarray(b.final_loss, dtype=np.float64))
    hit = np.asarray(b.steps_to_tol)
    steps = np.where(div | (hit < 0), np.nan, hit.astype(np.float64))
    g = n * n
    return _hpmap(
        cfg,
        opt.name,
        ax,
        lrs,
        h2s,
        lr_log=True,
        grid=(loss[:g].reshape(n, n), steps[:g].reshape(n, n), div[:g].reshape(n, n)),
        samples=(s_lr, s_h2, loss[g:], steps[g:], div[g:]),
        fixed=tuple(fixed.items()),
        tol=spec.tol,
        seconds=time.perf_counter() - t0,
        metric=spec.metric,
        optimizer_index=optimizer,
    )


def _hpmap(
    cfg: SurfacesConfig,
    optimizer: str,
    ax: _Axis,
    lrs: np.ndarray,
    h2s: np.ndarray,
    *,
    lr_log: bool,
    grid: tuple[np.ndarray, np.ndarray, np.ndarray],
    samples: tuple[np.ndarray, ...] | None,
    fixed: tuple[tuple[str, float], ...],
    **extra: Any,
) -> HPMap:
    """The `HPMap` of runs with `cfg`'s settings: grid = (loss, steps, diverged) over h2s x lrs, samples
    = (lr, h2, loss, steps, diverged) of the random search (None: none); extra: the other fields."""
    surf = get_surface(cfg.surface)
    if samples is None:
        empty = np.zeros(0)
        samples = (empty, empty, empty, empty, np.zeros(0, dtype=bool))
    loss, steps, diverged = grid
    s_lr, s_h2, s_loss, s_steps, s_div = samples
    return HPMap(
        surface=cfg.surface,
        optimizer=optimizer,
        h2=ax.name,
        lr=lrs,
        h2_values=h2s,
        lr_log=lr_log,
        h2_log=ax.log,
        loss=loss,
        steps=steps,
        diverged=diverged,
        sample_lr=s_lr,
        sample_h2=s_h2,
        sample_loss=s_loss,
        sample_steps=s_steps,
        sample_diverged=s_div,
        fixed=fixed,
        steps_run=cfg.steps,
        f_star=min(q.f for q in surf.minima) if surf.minima else None,
        h2_kind=ax.kind,
        surface_params=cfg.surface_params,
        l2=cfg.l2,
        clip_norm=cfg.clip_norm,
        schedule=cfg.schedule,
        **extra,
    )


@dataclass(frozen=True)
class _Outcome:
    """The columns of a `Batch` a map reads, gathered over several calls."""

    final_loss: np.ndarray
    diverged_at: np.ndarray
    steps_to_tol: np.ndarray


def _by_surface_value(
    cfg: SurfacesConfig,
    optimizer: str,
    name: str,
    values: np.ndarray,
    hyper: dict[str, float | np.ndarray],
    common: dict[str, Any],
    progress: Callable[[float], None] | None,
) -> _Outcome:
    """The runs with surface parameter `name` = values[k], one `run_batch` call per distinct value."""
    n = values.size
    loss, div, hit = np.empty(n), np.empty(n, dtype=np.int64), np.empty(n, dtype=np.int64)
    distinct, inverse = np.unique(values, return_inverse=True)
    done = 0
    for u, v in enumerate(distinct):
        idx = np.flatnonzero(inverse == u)
        sub = {k: (a[idx] if isinstance(a, np.ndarray) else a) for k, a in hyper.items()}
        sp = {**dict(cfg.surface_params), name: float(v)}
        part = run_batch(cfg.surface, optimizer, hyperparams=sub, **(common | {"surface_params": sp}))
        loss[idx], div[idx], hit[idx] = part.final_loss, part.diverged_at, part.steps_to_tol
        done += idx.size
        if progress is not None:
            progress(done / n)
    return _Outcome(loss, div, hit)


# ----------------------------------------------------------------------------- theory on the bowl

# The rules the quadratic theory describes exactly (torch's forms, constant lr): their own limit.
THEORY_RULES = ("sgd", "momentum", "nesterov")


def lr_limit(optimizer: str, lam_max: float, momentum: float = 0.0) -> float:
    """The largest stable lr of `optimizer` on a quadratic whose Hessian's largest eigenvalue is
    `lam_max` (Jury's test on the per-eigenvector iteration matrix, constant lr):

        sgd        2/λ                  w ← w − lr·λw: |1 − lr·λ| < 1
        momentum   2(1 + μ)/λ           torch's heavy ball: trace 1 + μ − lr·λ, det μ (Goh 2017)
        nesterov   2(1 + μ)/((1 + 2μ)λ) torch's b ← μb + g, w ← w − lr(g + μb): on λ the pair
                                        (b, w) has trace 1 + μ − lr·λ(1 + μ) and det μ(1 − lr·λ),
                                        and 1 + trace + det > 0 is the binding condition
    """
    check_choice("optimizer", optimizer, THEORY_RULES)
    if not (math.isfinite(lam_max) and lam_max > 0):
        raise ValueError(f"lam_max must be a positive number, got {lam_max!r}")
    if not 0.0 <= momentum < 1.0:
        raise ValueError(f"momentum must be in [0, 1), got {momentum!r}")
    if optimizer == "sgd":
        return 2.0 / lam_max
    if optimizer == "momentum":
        return 2.0 * (1.0 + momentum) / lam_max
    return 2.0 * (1.0 + momentum) / ((1.0 + 2.0 * momentum) * lam_max)


@dataclass(frozen=True)
class LrMark:
    """What the theory says about one optimizer's lr, drawn on its lr control.

    kind: "limit" (the run diverges above it: lr_limit on the bowl, or on the local quadratic at the
    start elsewhere) or "best" (the bowl's fastest lr: 2/(λmin+λmax) for SGD, α* for the heavy ball
    at β*).  local: the limit holds on the quadratic model at the start only (not a bowl).
    """

    kind: str
    lr: float
    local: bool = False


def lr_marks(
    surface: str,
    surface_params: Mapping[str, float],
    start: tuple[float, float],
    optimizer: str,
    hyperparams: Mapping[str, float],
) -> list[LrMark]:
    """The theory's marks on `optimizer`'s lr control for a run on `surface` from `start`: its
    stability limit (`lr_limit` with the scene's momentum; on the bowl exact, elsewhere from the
    Hessian at the start, where it curves upward) and on the bowl the fastest lr.  None for the rules
    the theory does not cover (the adaptive ones): an empty list."""
    if optimizer not in THEORY_RULES:
        return []
    mu = float(hyperparams.get("momentum", 0.0)) if optimizer != "sgd" else 0.0
    if surface == "bowl":
        th = bowl_theory(float(surface_params.get("kappa", 10.0)))
        marks = [LrMark("limit", lr_limit(optimizer, th.lambda_max, mu))]
        if optimizer == "sgd":
            marks.append(LrMark("best", th.lr_opt))
        elif optimizer == "momentum":
            marks.append(LrMark("best", th.hb_lr))
        return marks
    lam_max = hessian_eigenvalues(surface, start, surface_params)[1]
    if not (math.isfinite(lam_max) and lam_max > 0):
        return []
    return [LrMark("limit", lr_limit(optimizer, lam_max, mu), local=True)]


@dataclass(frozen=True)
class TheoryMark:
    """One thing the theory draws over a map, in the map's coordinates (lr, h2).

    role: "limit" (the optimizer's own stability limit, where it is not GD's), "gd_limit"
    (GD's 2/λmax), "lr_opt" (GD's fastest lr 2/(λmin + λmax)) or "optimum" (heavy ball's (α*, β*),
    one point).  A vertical line is two points at the map's h2 ends; a curve, one point per h2.
    value: the lr of a vertical line (None for a curve); rate: the optimum's contraction per step.
    """

    role: str
    lr: np.ndarray
    h2: np.ndarray
    value: float | None = None
    rate: float | None = None


def map_theory(m: HPMap) -> list[TheoryMark]:
    """What the theory draws over the map `m`: nothing off the bowl, with a schedule other than
    constant or with gradient clipping (the theory assumes a constant lr and the raw gradient).

    The Hessian is A + l2·I (coupled L2 adds l2 to every eigenvalue): λmin = 1 + l2, λmax = κ + l2.
    lr x momentum (momentum, nesterov): the optimizer's limit over μ, GD's limit, and for the heavy
    ball Goh's optimum (α*, β*) with its rate (its l2-free form: drawn only when l2 is 0).
    lr x kappa: GD's limit 2/λmax(κ) and fastest lr 2/(λmin + λmax) as curves over κ, and the
    optimizer's own limit at its μ.  lr x anything else: the same as vertical lines.
    """
    if m.surface != "bowl" or m.schedule != Schedule() or m.clip_norm is not None:
        return []
    sp = dict(m.surface_params)
    l2 = float(m.l2)
    lo, hi = m.h2_values[0], m.h2_values[-1]
    own = m.optimizer if m.optimizer in THEORY_RULES and m.optimizer != "sgd" else None
    marks: list[TheoryMark] = []

    def vertical(role: str, lr: float) -> TheoryMark:
        return TheoryMark(role, np.array([lr, lr]), np.array([lo, hi]), value=lr)

    if m.h2 == "kappa":
        kap = np.geomspace(lo, hi, 200) if m.h2_log else np.linspace(lo, hi, 200)
        lam_max, lam_min = kap + l2, 1.0 + l2
        if own:
            mu = dict(m.fixed)["momentum"]
            marks.append(TheoryMark("limit", np.array([lr_limit(own, v, mu) for v in lam_max]), kap))
        marks.append(TheoryMark("gd_limit", 2.0 / lam_max, kap))
        marks.append(TheoryMark("lr_opt", 2.0 / (lam_min + lam_max), kap))
        return marks
    kappa = sp["kappa"]
    lam_max, lam_min = kappa + l2, 1.0 + l2
    if own and m.h2 == "momentum":
        mu = np.linspace(lo, hi, 200)
        marks.append(TheoryMark("limit", np.array([lr_limit(own, lam_max, v) for v in mu]), mu))
        marks.append(vertical("gd_limit", 2.0 / lam_max))
        if own == "momentum" and l2 == 0.0:
            t = bowl_theory(kappa)
            marks.append(TheoryMark("optimum", np.array([t.hb_lr]), np.array([t.hb_momentum]), rate=t.hb_rate))
        return marks
    if own:
        marks.append(vertical("limit", lr_limit(own, lam_max, dict(m.fixed)["momentum"])))
    marks.append(vertical("gd_limit", 2.0 / lam_max))
    marks.append(vertical("lr_opt", 2.0 / (lam_min + lam_max)))
    return marks


__all__ = [
    "MAX_CELLS",
    "METRICS",
    "NOISE",
    "NOISE_RANGE",
    "SCENE_MAPS",
    "SECOND_AXIS",
    "THEORY_RULES",
    "HPMap",
    "MapSpec",
    "LrMark",
    "TheoryMark",
    "cell_settings",
    "current_settings",
    "hyperparameter_map",
    "lr_limit",
    "lr_marks",
    "map_theory",
]


def hpmap_from_sweep(sw: Any) -> HPMap:
    """A saved surfaces sweep (`optviz.runs.sweep.Sweep`, e.g. from `optviz sweep ... --out map.csv`)
    over lr x one more setting of its scene's first optimizer, as a map the page draws like its own:
    per cell the median over the seeds of the final loss and of the steps to f* + tol (NaN where a
    seed diverged or never arrived), diverged where every seed diverged.  No random-search samples.
    ValueError when the sweep is not such a map (another view, another grid)."""
    scene = sw.scene
    if scene.view != "surfaces":
        raise ValueError(f"a map needs a surfaces sweep; this one is of the {scene.view!r} view")
    names = list(sw.grid)
    if len(names) != 2 or "lr" not in names:
        raise ValueError(f"a map needs a sweep over lr and one more setting, got the grid {names}")
    h2 = next(n for n in names if n != "lr")
    cfg = scene.surfaces
    opt = cfg.optimizers[0].name
    ax = _second_axis(cfg, opt, h2)
    lrs = np.array(sorted({float(v) for v in sw.grid["lr"]}))
    h2s = np.array(sorted({float(v) for v in sw.grid[h2]}))
    table = sw.table
    loss = np.full((h2s.size, lrs.size), np.nan)
    steps = np.full((h2s.size, lrs.size), np.nan)
    div = np.zeros((h2s.size, lrs.size), dtype=bool)
    for (lr_v, h2_v), rows in table.groupby(["lr", h2]):
        i, j = int(np.searchsorted(h2s, float(h2_v))), int(np.searchsorted(lrs, float(lr_v)))
        diverged = rows["diverged_at"].to_numpy() != 0
        div[i, j] = bool(diverged.all())
        with np.errstate(invalid="ignore"):
            loss[i, j] = np.median(np.where(diverged, np.nan, rows["final_loss"].to_numpy(dtype=float)))
            hit = rows["steps_to_tol"].to_numpy(dtype=float)
            steps[i, j] = np.median(np.where(diverged | (hit < 0), np.nan, hit))
    base = dict(cfg.optimizers[0].kwargs)
    return _hpmap(
        cfg,
        opt,
        ax,
        lrs,
        h2s,
        lr_log=bool(lrs.size > 2 and np.allclose(np.diff(np.log(lrs)), np.log(lrs[1] / lrs[0]))),
        grid=(loss, steps, div),
        samples=None,
        fixed=tuple((k, float(v)) for k, v in base.items() if k not in ("lr", ax.name)),
        seconds=float(sw.seconds),
    )
