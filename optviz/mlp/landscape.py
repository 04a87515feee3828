"""Loss landscape of the MLP: the loss on a plane (or a line) through parameter space (C15).

    2D slice   L(c + a d1 + b d2) on a grid of (a, b)          (CS231n "Optimization" notes)
    1D slice   L(c + a d)

c is a point of a run (by default its final parameters, as in Li et al. 2018), and the
directions are
    random      Gaussian, rescaled as a whole to the norm of c
    filter      Gaussian, each neuron's incoming weights rescaled to the norm of that neuron's
                weights in c, zero on biases and batch-norm parameters ("filter normalisation",
                Li, Xu, Taylor, Studer & Goldstein 2018, "Visualizing the Loss Landscape of
                Neural Nets"): it makes the plot's scale match the weights' own scale
    pca         the top two principal directions of the trajectories' displacements from c
                (Li et al. 2018, section 7): the plane that holds most of the paths
    interpolation (1D only)  d = final - init, a from -0.5 to 1.5 (Goodfellow, Vinyals & Saxe 2015)
Several runs from the same init share one plane, so their paths (projected by least squares
on span{d1, d2}) overlay one contour.  The loss is the training objective of the runs (data
loss + L2 penalty) on the full training set, batch norm with the full set's statistics: a
function of the parameters alone.  One serial Numba kernel evaluates the whole grid.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from optviz._jit import jit
from optviz.i18n import N_
from optviz.mlp.data import check_data
from optviz.mlp.model import Net, _evaluate, _penalty, _workspace
from optviz.mlp.train import MLPResult

DIRECTIONS = ("filter", "random", "pca")
SLICE_DIRECTIONS = ("filter", "random", "pca", "interpolation")
PCA_MAX_ROWS = 600  # trajectory rows fed to the SVD (spread evenly); enough for two components


@jit
def _loss_plane(center, d1, d2, alphas, betas, X, y, sizes, lay, uoff, act, lossc, bn, l2, out):
    """out[j, i] = loss(center + alphas[i] d1 + betas[j] d2) on all of X (batch statistics)."""
    n = X.shape[0]
    P = center.shape[0]
    L = sizes.shape[0] - 1
    ws = _workspace(n, sizes, bn, False, uoff[L - 1])
    idx = np.arange(n)
    theta = np.empty(P)
    on = n > 0  # runtime True: a literal would compile a second copy of the callees
    for j in range(betas.shape[0]):
        b = betas[j]
        for i in range(alphas.shape[0]):
            a = alphas[i]
            for q in range(P):
                theta[q] = center[q] + a * d1[q] + b * d2[q]
            f, _ = _evaluate(theta, X, y, idx, n, sizes, lay, uoff, act, lossc, bn, on, ws.running, ws)
            out[j, i] = f + _penalty(theta, sizes, lay, l2)


@dataclass(frozen=True, eq=False)
class Plane:
    """A plane c + a d1 + b d2 in parameter space; explained: PCA variance fractions or None."""

    center: np.ndarray
    d1: np.ndarray
    d2: np.ndarray
    kind: str
    explained: tuple[float, float] | None = None

    def project(self, params: np.ndarray) -> np.ndarray:
        """(rows, 2) least-squares coordinates (a, b) of parameter vectors (rows, P) on the plane."""
        B = np.stack([self.d1, self.d2], axis=1)
        diff = np.atleast_2d(params) - self.center
        return diff @ np.linalg.pinv(B).T


@dataclass(frozen=True, eq=False)
class Landscape:
    """Loss on a grid of a shared plane, and each run's path projected onto it.

    alphas (na,), betas (nb,): grid coordinates along d1 and d2; loss (nb, na).
    paths: one (rows, 2) array of plane coordinates per run; path_loss: each run's own
    recorded loss at those rows (the true loss: the projection is not exact off the plane);
    labels, optimizers: one per run.
    """

    plane: Plane
    alphas: np.ndarray
    betas: np.ndarray
    loss: np.ndarray
    paths: list[np.ndarray]
    path_loss: list[np.ndarray]
    labels: list[str]
    optimizers: list[str]


@dataclass(frozen=True, eq=False)
class Slice1D:
    """L(c + a d) along one direction: alphas (n,), loss (n,); marks: named a values (e.g. init, final)."""

    alphas: np.ndarray
    loss: np.ndarray
    kind: str
    label: str
    marks: dict[str, float]


def _unit_scale(d: np.ndarray, norm: float) -> np.ndarray:
    nd = np.linalg.norm(d)
    return d * (norm / nd) if nd > 0 else d


def random_direction(net: Net, center: np.ndarray, kind: str, rng: np.random.Generator) -> np.ndarray:
    """A Gaussian direction, normalised as a whole ("random") or per neuron ("filter")."""
    d = rng.standard_normal(net.n_params)
    if kind == "random":
        return _unit_scale(d, float(np.linalg.norm(center)) or 1.0)
    out = np.zeros_like(d)
    sizes = net.sizes
    for l, (ow, ob, _, _) in enumerate(net.layout()):
        fi, fo = sizes[l], sizes[l + 1]
        W = center[ow:ob].reshape(fi, fo)
        D = d[ow:ob].reshape(fi, fo)
        # column j = the incoming weights of neuron j (a row of torch's (out, in) weight)
        wn = np.linalg.norm(W, axis=0)
        dn = np.linalg.norm(D, axis=0)
        out[ow:ob] = (D * (wn / np.where(dn > 0, dn, 1.0))).ravel()
    return out


def pca_directions(trajectories: Sequence[np.ndarray], center: np.ndarray) -> tuple[np.ndarray, np.ndarray, tuple]:
    """Top two right singular vectors of the stacked (theta_i - center), and their variance fractions."""
    rows = []
    for p in trajectories:
        take = np.unique(np.round(np.linspace(0, p.shape[0] - 1, min(p.shape[0], PCA_MAX_ROWS))).astype(int))
        rows.append(p[take] - center)
    M = np.concatenate(rows)
    _, s, vt = np.linalg.svd(M, full_matrices=False)
    tot = float(np.sum(s**2))
    v1 = vt[0] if vt.shape[0] > 0 else np.zeros_like(center)
    v2 = vt[1] if vt.shape[0] > 1 else np.zeros_like(center)
    frac = tuple(float(s[i] ** 2 / tot) if tot > 0 and i < len(s) else 0.0 for i in range(2))
    return v1, v2, frac


def plane_loss(
    net: Net, X: np.ndarray, y: np.ndarray, plane: Plane, alphas: np.ndarray, betas: np.ndarray, l2: float = 0.0
) -> np.ndarray:
    """(len(betas), len(alphas)) loss at center + a d1 + b d2 on (X, y)."""
    X, y = check_data(X, y)
    if X.shape[1] != net.n_in or (y.size and y.max() >= net.n_out):
        raise ValueError("X, y do not fit the network (inputs or number of classes)")
    sizes, lay, uoff, act, lossc, bn = net.codes()
    a = np.ascontiguousarray(alphas, dtype=np.float64)
    b = np.ascontiguousarray(betas, dtype=np.float64)
    out = np.empty((b.shape[0], a.shape[0]))
    c, d1, d2 = (np.ascontiguousarray(v, dtype=np.float64) for v in (plane.center, plane.d1, plane.d2))
    _loss_plane(c, d1, d2, a, b, X, y, sizes, lay, uoff, act, lossc, bn, float(l2), out)
    return out


def _as_runs(results: MLPResult | Sequence[MLPResult]) -> list[MLPResult]:
    runs = [results] if isinstance(results, MLPResult) else list(results)
    if not runs or not all(isinstance(r, MLPResult) for r in runs):
        raise ValueError("results must be an MLPResult or a non-empty list of them")
    net, l2 = runs[0].net, runs[0].options.get("l2", 0.0)
    for r in runs[1:]:
        if r.net != net or r.options.get("l2", 0.0) != l2:
            raise ValueError("results must share the network (hidden, activation, loss, batch_norm) and l2")
    return runs


def _center(runs: list[MLPResult], center: str | np.ndarray) -> np.ndarray:
    if isinstance(center, str):
        if center == "final":
            return runs[0].final.copy()
        if center == "init":
            return runs[0].params[0].copy()
        raise ValueError(f"center must be 'final', 'init' or a parameter vector, got {center!r}")
    c = np.array(center, dtype=np.float64).reshape(-1)
    if c.shape != (runs[0].net.n_params,) or not np.all(np.isfinite(c)):
        raise ValueError(f"center must be 'final', 'init' or {runs[0].net.n_params} finite numbers")
    return c


def _resolution(resolution: int) -> int:
    if isinstance(resolution, bool) or not isinstance(resolution, (int, np.integer)) or not 2 <= resolution <= 401:
        raise ValueError(f"resolution must be a whole number from 2 to 401, got {resolution!r}")
    return int(resolution)


def _span(span: float | None) -> float | None:
    if span is None:
        return None
    v = float(span)
    if not (np.isfinite(v) and 0 < v <= 1e4):
        raise ValueError(f"span must be a number in (0, 10000] or None, got {span!r}")
    return v


def landscape(
    results: MLPResult | Sequence[MLPResult],
    X: np.ndarray | None = None,
    y: np.ndarray | None = None,
    *,
    directions: str = "pca",
    center: str | np.ndarray = "final",
    resolution: int = 41,
    span: float | None = None,
    margin: float = 0.2,
    seed: int = 0,
) -> Landscape:
    """The loss on a shared plane through parameter space, with every run's path projected onto it.

    directions: "pca" (of all runs' trajectories), "filter" or "random".  center: "final" (the
    first run's last point), "init" (its start) or a parameter vector.  resolution: grid points
    per axis.  span: the grid covers [-span, span] on both axes; default for pca the paths'
    extent widened by `margin`, for random/filter directions 1.  X, y: default the first run's
    training data.  seed: the random directions.
    """
    runs = _as_runs(results)
    if directions not in DIRECTIONS:
        raise ValueError(f"directions must be one of: {', '.join(DIRECTIONS)}; got {directions!r}")
    res = _resolution(resolution)
    sp = _span(span)
    net = runs[0].net
    c = _center(runs, center)
    if directions == "pca":
        d1, d2, frac = pca_directions([r.params for r in runs], c)
    else:
        rng = np.random.default_rng(seed)
        d1 = random_direction(net, c, directions, rng)
        d2 = random_direction(net, c, directions, rng)
        frac = None
    plane = Plane(c, d1, d2, directions, frac)
    paths = [plane.project(r.params) for r in runs]
    if sp is not None:
        a_lo, a_hi, b_lo, b_hi = -sp, sp, -sp, sp
    elif directions == "pca":
        pts = np.vstack([*paths, [[0.0, 0.0]]])
        lo, hi = pts.min(axis=0), pts.max(axis=0)
        pad = margin * np.maximum(hi - lo, 1e-6)
        a_lo, b_lo = lo - pad
        a_hi, b_hi = hi + pad
    else:
        a_lo, a_hi, b_lo, b_hi = -1.0, 1.0, -1.0, 1.0
    alphas = np.linspace(a_lo, a_hi, res)
    betas = np.linspace(b_lo, b_hi, res)
    Xd, yd = (runs[0].X, runs[0].y) if X is None else (X, y)
    loss = plane_loss(net, Xd, yd, plane, alphas, betas, runs[0].options.get("l2", 0.0))
    return Landscape(
        plane=plane,
        alphas=alphas,
        betas=betas,
        loss=loss,
        paths=paths,
        path_loss=[r.loss for r in runs],
        labels=[r.label for r in runs],
        optimizers=[r.optimizer for r in runs],
    )


def loss_slice(
    result: MLPResult,
    X: np.ndarray | None = None,
    y: np.ndarray | None = None,
    *,
    direction: str = "filter",
    center: str | np.ndarray = "final",
    span: float = 1.0,
    resolution: int = 101,
    seed: int = 0,
) -> Slice1D:
    """L(c + a d) for a in [-span, span] (interpolation: c = init, d = final - init, a in [-0.5, 1.5]).

    direction: "filter", "random", "pca" (first component of the run's path) or "interpolation".
    """
    runs = _as_runs(result)
    if direction not in SLICE_DIRECTIONS:
        raise ValueError(f"direction must be one of: {', '.join(SLICE_DIRECTIONS)}; got {direction!r}")
    res = _resolution(resolution)
    sp = _span(span)
    r = runs[0]
    net = r.net
    marks: dict[str, float] = {}
    if direction == "interpolation":
        c = r.params[0].copy()
        d = r.final - c
        alphas = np.linspace(-0.5, 1.5, res)
        marks = {N_("init"): 0.0, N_("final"): 1.0}  # names marked for the catalog
    else:
        c = _center(runs, center)
        if direction == "pca":
            d, _, _ = pca_directions([r.params], c)
        else:
            d = random_direction(net, c, direction, np.random.default_rng(seed))
        alphas = np.linspace(-sp, sp, res)
        marks = {N_("center"): 0.0}
    plane = Plane(c, d, np.zeros_like(d), direction)
    Xd, yd = (r.X, r.y) if X is None else (X, y)
    loss = plane_loss(net, Xd, yd, plane, alphas, np.zeros(1), r.options.get("l2", 0.0))[0]
    return Slice1D(alphas, loss, direction, r.label, marks)
