"""What theory predicts on a quadratic: step-size limits and convergence rates, for overlays and tests.

    bowl_theory(kappa)                          GD's and heavy ball's limits and optimal rates on the bowl
    hessian_eigenvalues(surface, point, sp)     the analytic Hessian's eigenvalues at a point, ascending
    local_lr_limit(surface, point, sp)          2/λmax there (GD's stability limit for the local quadratic)
    gd_rate(lr, eigenvalues)                    GD's per-step contraction of the error on a quadratic
    heavy_ball_rate(lr, momentum, eigenvalues)  heavy ball's asymptotic contraction on a quadratic
    predicted_loss(f0, rate, steps)             f0·rate^(2t): the loss those rates predict

On f(w) = ½ wᵀAw with eigenvalues λmin ≤ λmax of A, gradient descent w ← w − α∇f multiplies the
error along the eigenvector of λ by (1 − αλ) per step: it is stable for α < 2/λmax, and the largest
factor max(|1 − αλmin|, |1 − αλmax|) is smallest, (κ−1)/(κ+1), at α = 2/(λmin + λmax).  Heavy-ball
momentum with its best pair (α*, β*) contracts by √β* = (√κ−1)/(√κ+1) per step, asymptotically:
at the optimum the iteration matrix has a repeated eigenvalue, so the error decays like t·(√β*)ᵗ.

The bowl ("bowl" in `surfaces`) is f = ½(u² + κv²) in axes rotated by θ: its Hessian is constant
with eigenvalues exactly 1 and κ (`surfaces.functions.bowl_hess`), so λmin = 1, λmax = κ and the
forms below reduce to the textbook ones (2/(1+κ), ...).  θ rotates the eigenvectors, not the rates.

Pure numbers: no streamlit, no figures.

Reference:
    G. Goh, "Why Momentum Really Works", Distill, 2017. https://distill.pub/2017/momentum/
    (sections "First Steps: Gradient Descent", "The Dynamics of Momentum" and "The Critical Damping
    Coefficient").
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from optviz.validate import check_number, is_finite
from surfaces import get_surface

__all__ = [
    "BowlTheory",
    "bowl_theory",
    "gd_rate",
    "heavy_ball_rate",
    "hessian_eigenvalues",
    "local_lr_limit",
    "predicted_loss",
]


@dataclass(frozen=True)
class BowlTheory:
    """The predictions of Goh (2017) for the bowl with condition number `kappa`.

    lambda_min, lambda_max: the Hessian's eigenvalues (1 and κ).
    lr_max: 2/λmax, gradient descent's stability limit (it diverges for lr > lr_max).
    lr_opt: 2/(λmin + λmax), the lr with the fastest worst-direction contraction;
    rate_opt: (κ−1)/(κ+1), the factor the distance to the minimum shrinks by per step at lr_opt.
    hb_lr, hb_momentum: heavy ball's optimum α* = (2/(√λmax + √λmin))², β* = ((√κ−1)/(√κ+1))²,
        for optviz's "momentum" optimizer as lr = α*, momentum = β*;
    hb_rate: √β* = (√κ−1)/(√κ+1), its asymptotic contraction per step.
    """

    kappa: float
    lambda_min: float
    lambda_max: float
    lr_max: float
    lr_opt: float
    rate_opt: float
    hb_lr: float
    hb_momentum: float
    hb_rate: float


def bowl_theory(kappa: float) -> BowlTheory:
    """Gradient descent's and heavy ball's limits and optimal rates on the bowl (Goh 2017).

    kappa: the bowl's condition number, >= 1 (its Hessian has eigenvalues 1 and κ at every point).

    Heavy ball in Goh's form is z ← βz + ∇f(w), w ← w − αz.  optviz's "momentum" optimizer runs
    torch's form b ← μb + g, θ ← θ − lr·b (`optviz.optimizers._momentum`): the same recursion with
    b = z, μ = β and lr = α, so (α*, β*) go into its sliders as they are.  (The textbook
    v ← μv − lr·g, θ ← θ + v is the same path again, with v = −lr·b, for a constant lr.)
    """
    kappa = check_number("kappa", kappa, 1.0, math.inf)
    lo, hi = 1.0, kappa  # the eigenvalues of surfaces.functions.bowl_hess
    s_lo, s_hi = math.sqrt(lo), math.sqrt(hi)
    hb_rate = (s_hi - s_lo) / (s_hi + s_lo)  # (√κ − 1)/(√κ + 1)
    return BowlTheory(
        kappa=kappa,
        lambda_min=lo,
        lambda_max=hi,
        lr_max=2.0 / hi,
        lr_opt=2.0 / (lo + hi),
        rate_opt=(hi - lo) / (hi + lo),  # (κ − 1)/(κ + 1)
        hb_lr=(2.0 / (s_hi + s_lo)) ** 2,
        hb_momentum=hb_rate**2,
        hb_rate=hb_rate,
    )


def hessian_eigenvalues(
    surface: str, point: Sequence[float], surface_params: Mapping[str, float] | None = None
) -> tuple[float, float]:
    """The eigenvalues (ascending) of `surface`'s analytic Hessian at `point` = (x, y).

    surface: a name of the `surfaces` registry (or a custom surface defined in this process);
    surface_params: its parameters, e.g. {"kappa": 10.0} for the bowl (defaults for those left out).
    """
    surf = get_surface(surface)
    try:
        x, y = point
    except (TypeError, ValueError):
        raise ValueError(f"point must be a pair (x, y) of finite numbers, got {point!r}") from None
    if not (is_finite(x) and is_finite(y)) or isinstance(x, (bool, str)) or isinstance(y, (bool, str)):
        raise ValueError(f"point must be a pair (x, y) of finite numbers, got {point!r}")
    hxx, hxy, hyy = (float(h) for h in surf.hess(float(x), float(y), **dict(surface_params or {})))
    if not all(math.isfinite(h) for h in (hxx, hxy, hyy)):
        raise ValueError(f"the Hessian of {surface!r} at point {point!r} is not finite")
    lo, hi = np.linalg.eigvalsh(np.array([[hxx, hxy], [hxy, hyy]]))
    return float(lo), float(hi)


def local_lr_limit(
    surface: str, point: Sequence[float], surface_params: Mapping[str, float] | None = None
) -> float | None:
    """2/λmax of the Hessian at `point`: gradient descent's stability limit on the local quadratic
    model (Goh 2017); None where λmax <= 0 (no curvature upward: no limit from the quadratic)."""
    lam_max = hessian_eigenvalues(surface, point, surface_params)[1]
    return 2.0 / lam_max if lam_max > 0 else None


def gd_rate(lr: float, eigenvalues: Sequence[float]) -> float:
    """Gradient descent's per-step contraction of the error on a quadratic: max_i |1 − lr·λ_i|.

    On f(w) = ½ wᵀAw, w ← w − lr·Aw multiplies the error's component along the eigenvector of
    λ_i by (1 − lr·λ_i) each step (Goh 2017, "First Steps: Gradient Descent"), so the slowest
    component shrinks by this factor; >= 1 means no convergence (> 1: divergence).
    eigenvalues: the Hessian's, e.g. (1, κ) for the bowl.
    """
    lams = [float(lam) for lam in eigenvalues]
    if not lams:
        raise ValueError("eigenvalues must hold at least one number")
    return max(abs(1.0 - float(lr) * lam) for lam in lams)


def _heavy_ball_radius(alpha: float, beta: float, lam: float) -> float:
    """The spectral radius of R = [[β, λ], [−αβ, 1 − αλ]]: trace 1 + β − αλ, determinant β."""
    tr = 1.0 + beta - alpha * lam
    disc = tr * tr - 4.0 * beta
    if disc <= 0.0:  # complex pair (or a double root): both of modulus √det
        return math.sqrt(beta)
    return (abs(tr) + math.sqrt(disc)) / 2.0


def heavy_ball_rate(lr: float, momentum: float, eigenvalues: Sequence[float]) -> float:
    """Heavy ball's asymptotic per-step contraction of the error on a quadratic.

    Goh's heavy ball z ← βz + ∇f(w), w ← w − αz (optviz's "momentum" with lr = α, momentum = β)
    on f(w) = ½ wᵀAw decouples along A's eigenvectors; along the one of λ the pair (z, w) evolves by
    the iteration matrix R = [[β, λ], [−αβ, 1 − αλ]] (Goh 2017, "The Dynamics of Momentum").  The
    error then shrinks like ρ(R)ᵗ, ρ the spectral radius (times t where R's eigenvalues coincide);
    this is the largest ρ(R) over `eigenvalues`.  >= 1 means no convergence.
    """
    lams = [float(lam) for lam in eigenvalues]
    if not lams:
        raise ValueError("eigenvalues must hold at least one number")
    return max(_heavy_ball_radius(float(lr), float(momentum), lam) for lam in lams)


def predicted_loss(f0: float, rate: float, steps: np.ndarray) -> np.ndarray:
    """f0·rate^(2t) at each t of `steps`: the loss of a run whose error shrinks by `rate` per step.

    The loss of a quadratic with its minimum 0 is quadratic in the error, so it shrinks by rate²
    a step; f0 is the loss at t = 0.  (Exact for GD where every component contracts at `rate`, as
    at lr_opt on the bowl; otherwise the asymptotic slope, up to a constant factor.)
    """
    t = np.asarray(steps, dtype=np.float64)
    with np.errstate(over="ignore", under="ignore"):
        return float(f0) * float(rate) ** (2.0 * t)
