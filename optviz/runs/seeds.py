"""Seed bands: one random run of a scene repeated over N seeds, as quartiles of its loss and a cloud of paths.

    band = seed_band(scene, optimizer_index=0, seeds=20)
    band.q25, band.q50, band.q75     (steps + 1,) the loss's quartiles over the seeds at every step
    band.paths                       (seeds, steps + 1, 2), NaN after a run diverged
    band.median_run                  the run whose final loss is the median (its path is drawn bold)
    seed_bands(scene)                a band for every run of the scene that has randomness

What varies with the seed: with gradient noise (the scene's sigma > 0) the noise seed, 0 .. N-1
(`optviz.run`'s noise_seed: the noise of step t is sigma * N(0, I) from numpy's default_rng(seed));
for random search and random local search, which take no gradient and ignore the noise, their own
`seed` hyperparameter, 0 .. N-1 (it seeds their draws, `optviz.api.run`).  Every other setting is
the scene's and the slot's.  A run that is not random (noise 0, a gradient rule) has no band: a
ValueError says what to set.  The N runs are one batched call (`optviz.batch.run_batch`).

Quantiles (`loss_quantiles`): numpy's default (linear interpolation between order statistics,
Hyndman & Fan type 7) per step over the N runs, NaN-aware in one stated way: a run that diverged
counts as loss +inf at every step after its divergence (it is worse than any run still going),
so a quantile is +inf once more than that share of the runs has diverged, and finite otherwise.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from optviz.batch import run_batch
from optviz.config import Scene
from optviz.optimizers import OPTIMIZERS
from optviz.runs.surfaces import batch_options
from optviz.validate import check_whole
from surfaces import get_surface

MAX_SEEDS = 1000
QUANTILES = (0.25, 0.5, 0.75)
NOT_RANDOM = (
    "a seed band needs randomness: set the gradient noise σ above 0, or add random search or random local search"
)


@dataclass(frozen=True, eq=False)
class Band:
    """N runs of one slot of a scene that differ only in their seed (see the module docstring).

    source: "noise" (noise seeds) or "seed" (the random searches' own seed); seeds: (N,) the seeds.
    loss: (N, steps + 1), +inf after a divergence; paths: (N, steps + 1, 2), NaN after one.
    diverged_at: (N,) int64, 0 for a run that did not diverge (`Result.diverged_at` otherwise).
    """

    surface: str
    optimizer: str
    optimizer_index: int
    hyperparams: tuple[tuple[str, float], ...]
    source: str
    seeds: np.ndarray
    loss: np.ndarray
    paths: np.ndarray
    diverged_at: np.ndarray
    q25: np.ndarray
    q50: np.ndarray
    q75: np.ndarray
    steps_run: int
    f_star: float | None = None

    @property
    def median_run(self) -> int:
        """The run whose final loss is the median of the N (the lower one of the middle two for
        an even N; a diverged run's final loss counts as +inf), ties by seed."""
        order = np.argsort(self.loss[:, -1], kind="stable")
        return int(order[(order.size - 1) // 2])


def loss_quantiles(loss: np.ndarray, q: float) -> np.ndarray:
    """The q-quantile over the runs (axis 0) at every step of `loss`, np.quantile's linear method,
    with +inf (a diverged run) sorting last: +inf where the interpolation reaches an infinite run.

    np.quantile itself returns NaN there (it computes inf - inf); on finite columns this returns
    the same numbers (the same two interpolation formulas, bit for bit).
    """
    if not 0.0 <= q <= 1.0:
        raise ValueError(f"q must be in [0, 1], got {q!r}")
    s = np.sort(np.asarray(loss, dtype=np.float64), axis=0)
    n = s.shape[0]
    pos = q * (n - 1)
    lo = int(math.floor(pos))
    hi = min(lo + 1, n - 1)
    t = pos - lo
    a, b = s[lo], s[hi]
    with np.errstate(invalid="ignore"):
        # numpy's _lerp: a + (b - a) t below t = 0.5, b - (b - a)(1 - t) from it (monotone, exact at the ends)
        out = np.where(t >= 0.5, b - (b - a) * (1 - t), a + (b - a) * t)
    if t == 0.0:
        return a.copy()
    return np.where(np.isinf(a) | np.isinf(b), np.inf, out)


def randomness(scene: Scene, optimizer_index: int) -> str | None:
    """What makes slot `optimizer_index` of the scene random: "seed" (a random search), "noise"
    (gradient noise on a gradient rule) or None."""
    cfg = scene.surfaces
    reg = OPTIMIZERS[cfg.optimizers[optimizer_index].name]
    if reg.random:
        return "seed"
    if cfg.noise > 0 and not reg.gradient_free:
        return "noise"
    return None


def seed_band(
    scene: Scene, optimizer_index: int = 0, seeds: int = 20, progress: Callable[[float], None] | None = None
) -> Band:
    """Slot `optimizer_index` of `scene` run with seeds 0 .. seeds-1 (see the module docstring).

    ValueError when the slot has no randomness (`NOT_RANDOM` says what to set) or seeds is not 2 .. MAX_SEEDS.
    """
    cfg = scene.surfaces
    optimizer_index = check_whole("optimizer_index", optimizer_index, 0, len(cfg.optimizers) - 1)
    seeds = check_whole("seeds", seeds, 2, MAX_SEEDS)
    source = randomness(scene, optimizer_index)
    spec = cfg.optimizers[optimizer_index]
    if source is None:
        raise ValueError(f"{spec.name} (run {optimizer_index + 1}) is not random: {NOT_RANDOM}")
    ids = np.arange(seeds, dtype=np.int64)
    hyper: dict[str, float | np.ndarray] = dict(spec.kwargs)
    if source == "seed":
        hyper["seed"] = ids
    seeds = ids if source == "noise" else cfg.noise_seed
    b = run_batch(
        cfg.surface,
        spec.name,
        hyperparams=hyper,
        keep="path",
        progress=progress,
        **batch_options(cfg, noise_seeds=seeds),
    )
    loss = np.where(np.isnan(b.loss), np.inf, b.loss)  # NaN only after a divergence (`Batch`)
    surf = get_surface(cfg.surface)
    return Band(
        surface=cfg.surface,
        optimizer=spec.name,
        optimizer_index=optimizer_index,
        hyperparams=spec.hyperparams,
        source=source,
        seeds=ids,
        loss=loss,
        paths=b.path,
        diverged_at=np.asarray(b.diverged_at, dtype=np.int64),
        q25=loss_quantiles(loss, QUANTILES[0]),
        q50=loss_quantiles(loss, QUANTILES[1]),
        q75=loss_quantiles(loss, QUANTILES[2]),
        steps_run=cfg.steps,
        f_star=min(q.f for q in surf.minima) if surf.minima else None,
    )


def seed_bands(scene: Scene, seeds: int = 20, progress: Callable[[float], None] | None = None) -> list[Band]:
    """A band for every run of `scene` that has randomness, in the scene's order; ValueError
    (`NOT_RANDOM`) when none has."""
    slots = [i for i in range(len(scene.surfaces.optimizers)) if randomness(scene, i) is not None]
    if not slots:
        raise ValueError(f"no run of this scene is random: {NOT_RANDOM}")
    out = []
    for k, i in enumerate(slots):

        def part(fraction: float, k: int = k) -> None:
            if progress is not None:
                progress((k + fraction) / len(slots))

        out.append(seed_band(scene, i, seeds, part))
    return out


__all__ = ["MAX_SEEDS", "NOT_RANDOM", "QUANTILES", "Band", "loss_quantiles", "randomness", "seed_band", "seed_bands"]
