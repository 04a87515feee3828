"""Learning-rate schedules: the per-step factor that multiplies each optimizer's own lr.

A schedule is shared by every optimizer in a comparison, while each optimizer keeps its own
lr slider, so schedules are written as factors: the lr used at step t (from 0) is
`lr * factor(t)`, the value torch's `LRScheduler` gives after t calls of `scheduler.step()`.

    constant      factor = 1
    step          piecewise constant: values[i] while boundaries[i-1] <= t < boundaries[i]
    exponential   decay_rate ** (t / decay_steps), or ** floor(t / decay_steps) with staircase
                  (torch ExponentialLR is decay_steps = 1; StepLR is staircase with gamma, step_size)
    polynomial    (1 - end_factor) * (1 - min(t, T) / T) ** power + end_factor
    cosine        end_factor + (1 - end_factor) * (1 + cos(pi * min(t, T) / T)) / 2
with T = decay_steps for polynomial and cosine (default: the whole run after warm-up), and an
optional linear warm-up: factor = (t + 1) / W * factor_0 for t < W, then the schedule runs
on t - W.  (Formulas as in optax `schedule.py` and tf.keras `learning_rate_schedule.py`.)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any

import numpy as np

from optviz.i18n import N_

SCHEDULE_NAMES = ("constant", "step", "exponential", "polynomial", "cosine")
# How a person reads each name (marked for the catalog; translate with `optviz.i18n._` where shown).
SCHEDULE_TITLES: dict[str, str] = {
    "constant": N_("constant"),
    "step": N_("step decay"),
    "exponential": N_("exponential decay"),
    "polynomial": N_("polynomial decay"),
    "cosine": N_("cosine decay"),
}

# What each schedule reads, for the UI and for validation.
SCHEDULE_PARAMS: dict[str, tuple[str, ...]] = {
    "constant": ("warmup_steps",),
    "step": ("boundaries", "values", "warmup_steps"),
    "exponential": ("decay_rate", "decay_steps", "staircase", "warmup_steps"),
    "polynomial": ("end_factor", "power", "decay_steps", "warmup_steps"),
    "cosine": ("end_factor", "decay_steps", "warmup_steps"),
}

SCHEDULE_LATEX: dict[str, str] = {
    "constant": r"\eta_t = \eta",
    "step": r"\eta_t = \eta\, c_i \quad\text{for } b_{i-1} \le t < b_i",
    "exponential": r"\eta_t = \eta\, r^{t/T}\quad(\text{staircase: } r^{\lfloor t/T \rfloor})",
    "polynomial": r"\eta_t = \eta\big[(1-e)(1 - t/T)^p + e\big]",
    "cosine": r"\eta_t = \eta\big[e + (1-e)\tfrac{1}{2}(1+\cos(\pi t/T))\big]",
}


@dataclass(frozen=True)
class Schedule:
    """A learning-rate schedule and its parameters (unused ones are ignored by that schedule).

    name: one of constant, step, exponential, polynomial, cosine.
    boundaries / values: step schedule; len(values) == len(boundaries) + 1, values are factors.
    decay_rate, decay_steps, staircase: exponential (decay_steps default 100).
    end_factor, power: polynomial and cosine (end lr = end_factor * lr); their decay_steps
    default to the rest of the run after warm-up.
    warmup_steps: linear warm-up length W (0 = none), for every schedule.
    """

    name: str = "constant"
    boundaries: tuple[int, ...] = (300, 600)
    values: tuple[float, ...] = (1.0, 0.1, 0.01)
    decay_rate: float = 0.5
    decay_steps: int | None = None
    staircase: bool = False
    end_factor: float = 0.01
    power: float = 1.0
    warmup_steps: int = 0

    def __post_init__(self) -> None:
        if self.name not in SCHEDULE_NAMES:
            raise ValueError(f"schedule must be one of: {', '.join(SCHEDULE_NAMES)}; got {self.name!r}")
        try:
            b = tuple(int(v) for v in np.atleast_1d(self.boundaries))
        except (TypeError, ValueError):
            raise ValueError(f"boundaries must be whole step numbers, got {self.boundaries!r}") from None
        try:
            vals = tuple(float(v) for v in np.atleast_1d(self.values))
        except (TypeError, ValueError):
            raise ValueError(f"values must be numbers, got {self.values!r}") from None
        object.__setattr__(self, "boundaries", b)
        object.__setattr__(self, "values", vals)
        if any(v <= 0 for v in b) or any(b2 <= b1 for b1, b2 in zip(b, b[1:])):
            raise ValueError(f"boundaries must be increasing positive step numbers, got {b}")
        if len(vals) != len(b) + 1 or not all(np.isfinite(v) and 0 < v <= 100 for v in vals):
            raise ValueError(f"values must hold len(boundaries) + 1 = {len(b) + 1} factors in (0, 100], got {vals}")
        if not 0 < self.decay_rate <= 1:
            raise ValueError(f"decay_rate must be in (0, 1], got {self.decay_rate!r}")
        if self.decay_steps is not None and not (int(self.decay_steps) == self.decay_steps >= 1):
            raise ValueError(f"decay_steps must be a whole number >= 1 or None, got {self.decay_steps!r}")
        if not 0 <= self.end_factor <= 1:
            raise ValueError(f"end_factor must be in [0, 1], got {self.end_factor!r}")
        if not 0 < self.power <= 10:
            raise ValueError(f"power must be in (0, 10], got {self.power!r}")
        if not (int(self.warmup_steps) == self.warmup_steps >= 0):
            raise ValueError(f"warmup_steps must be a whole number >= 0, got {self.warmup_steps!r}")

    @classmethod
    def coerce(cls, spec: str | Mapping[str, Any] | Schedule | None) -> Schedule:
        """A Schedule from a name, a mapping {'name': ..., **params}, or a Schedule."""
        if spec is None:
            return cls()
        if isinstance(spec, Schedule):
            return spec
        if isinstance(spec, str):
            return cls(name=spec)
        if isinstance(spec, Mapping):
            allowed = {f.name for f in fields(cls)}
            unknown = sorted(set(spec) - allowed)
            if unknown:
                raise ValueError(f"schedule has no parameter {unknown[0]!r}; allowed: {', '.join(sorted(allowed))}")
            return cls(**dict(spec))
        raise ValueError(f"schedule must be a name, a mapping or a Schedule, got {type(spec).__name__}")

    def to_dict(self) -> dict[str, Any]:
        """Only the fields this schedule reads (plus its name): compact, JSON-ready."""
        d = asdict(self)
        return {"name": self.name} | {k: d[k] for k in SCHEDULE_PARAMS[self.name]}

    def factors(self, steps: int) -> np.ndarray:
        """float64 (steps,): the factor applied to lr at steps t = 0 .. steps-1."""
        w = int(self.warmup_steps)
        n_main = max(steps - w, 0)
        t = np.arange(max(n_main, 1), dtype=np.float64)
        horizon = float(self.decay_steps) if self.decay_steps is not None else float(max(n_main, 1))
        if self.name == "constant":
            f = np.ones_like(t)
        elif self.name == "step":
            f = np.asarray(self.values)[np.searchsorted(self.boundaries, t, side="right")]
        elif self.name == "exponential":
            k = float(self.decay_steps) if self.decay_steps is not None else 100.0
            e = np.floor(t / k) if self.staircase else t / k
            f = self.decay_rate**e
        elif self.name == "polynomial":
            frac = 1.0 - np.minimum(t, horizon) / horizon
            f = (1.0 - self.end_factor) * frac**self.power + self.end_factor
        else:  # cosine
            f = self.end_factor + (1.0 - self.end_factor) * 0.5 * (
                1.0 + np.cos(np.pi * np.minimum(t, horizon) / horizon)
            )
        warm = f[0] * np.arange(1, w + 1, dtype=np.float64) / max(w, 1)
        return np.concatenate([warm, f[:n_main]])[:steps]
