"""What theory predicts on a quadratic: step-size limits and convergence rates, for overlays and tests.

    bowl_theory(kappa)                          GD's and heavy ball's limits and optimal rates on the bowl
    hessian_eigenvalues(surface, point, sp)     the analytic Hessian's eigenvalues at a point, ascending
    local_lr_limit(surface, point, sp)          2/λmax there (GD's stability limit for the local quadratic)

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
    (sections "First Steps: Gradient Descent" and "The Critical Damping Coefficient").
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from optviz.validate import check_number, is_finite
from surfaces import get_surface

__all__ = ["BowlTheory", "bowl_theory", "hessian_eigenvalues", "local_lr_limit"]


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
