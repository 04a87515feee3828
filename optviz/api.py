"""Public API over the kernel: `run`, `compare`, `Result` and `warmup`.

This layer validates every argument (a ValueError names the argument and what is allowed),
draws the random numbers from seeded numpy generators, expands the schedule into a per-step lr
array, allocates the outputs and calls the jitted kernel.  The kernel itself never raises: a
run that leaves the finite range stops and says so in `Result.diverged_at`.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from optviz import kernel
from optviz.optimizers import ADAFACTOR_EPS1, OPTIMIZERS, Optimizer, choose, get_optimizer
from optviz.schedules import Schedule
from optviz.validate import check_number
from surfaces import Surface, define_custom, get_surface

MAX_STEPS = 100_000
# What a run that does not record its state passes for it: no rows, shared (never written).
_NO_STATES = np.zeros((0, 0, 2))
_NO_SCALS = np.zeros((0, 0))
ESCAPE_FACTOR = 100.0  # a run stops once it is this many plot widths away from the plot
# The point's shape for the rules that read one (`Optimizer.point`): a vector of 2, or a 1 x 2 matrix.
_VECTOR_POINT = np.array([[0, 0, 2]], dtype=np.int64)
_MATRIX_POINT = np.array([[0, 1, 2]], dtype=np.int64)


@dataclass(frozen=True, eq=False)
class Result:
    """One optimizer's run on one surface.

    path: float64 (k+1, 2), the start and the point after each completed step.
    loss: float64 (k+1,), f at each point of path.
    lr: float64 (k,), the learning rate used at each step (schedule applied; for random local
        search the perturbation size; NaN for random search, which has none).
    grad: float64 (k, 2), the gradient the rule received at each step (after noise, clipping
        and L2; zeros for the gradient-free searches).
    diverged_at: None, or the step (from 1) whose result left the finite range or wandered
        more than 100 plot widths away; then k = diverged_at - 1 < steps.
    probe: float64 (k, 2), the last point where each step evaluated the objective other than the
        iterate: schedule-free's y (where its gradient is taken; path holds x, where the model is
        evaluated), SAM's perturbed point, L-BFGS's last line-search trial, the random searches'
        candidate; the iterate path[t] itself for the rules that evaluate only there.
    evals: int64 (k,), objective evaluations of each step (value, or value and gradient): 1 for
        the one-gradient rules, 2 for SAM and random local search, 1 + trials for L-BFGS (a
        read-only view where the count is fixed).
    state: None unless the run asked for it (`run(record_state=True)`); then the optimizer's state
        after each step, named as in its update rule's docstring (`Optimizer.state_names`,
        `scal_names`): a float64 (k, 2) per state row and (k,) per scalar, the value after step t
        in row t-1, as `grad`.  Derived entries (`optviz.api._DERIVED`): "step_size" (k, 2), the
        per-coordinate factor of the rule's direction, update = -step_size * direction (minus
        lr * weight_decay * x for decoupled decay), the direction being `state[direction]` or
        `grad` for direction "g"; "direction" (k, 2) where the rule steps along neither g nor a
        state row; "bias1", "bias2" (k,), the bias-correction factors 1/(1 - beta^t) the rule
        applies (ones with bias_correction off).
    direction: with `state`, the key of the direction step_size multiplies ("g": `grad`); None
        without a recorded state or for rules without a step size (Newton, L-BFGS, the searches,
        Schedule-Free).
    """

    surface: str
    optimizer: str
    hyperparams: dict[str, float]
    path: np.ndarray
    loss: np.ndarray
    lr: np.ndarray
    grad: np.ndarray
    diverged_at: int | None
    steps: int
    options: dict[str, Any] = field(default_factory=dict)
    probe: np.ndarray | None = None
    evals: np.ndarray | None = None
    state: dict[str, np.ndarray] | None = None
    direction: str | None = None

    @property
    def evaluations(self) -> int:
        """Objective evaluations over the whole run (the start's not counted)."""
        return int(self.evals.sum()) if self.evals is not None else self.steps_done

    @property
    def steps_done(self) -> int:
        return self.path.shape[0] - 1

    @property
    def final(self) -> np.ndarray:
        return self.path[-1]


def _check_start(start: Any, bounds: Any) -> np.ndarray:
    try:
        x0 = np.array(start, dtype=np.float64).reshape(-1)
    except (TypeError, ValueError):
        raise ValueError(f"start must be a pair of finite numbers (x, y), got {start!r}") from None
    if x0.shape != (2,) or not np.all(np.isfinite(x0)):
        raise ValueError(f"start must be a pair of finite numbers (x, y), got {start!r}")
    return x0


def check_steps(steps: Any, cap: int = MAX_STEPS) -> int:
    """`steps` as an int in [1, cap], or a ValueError that says the cap."""
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or not 1 <= steps <= cap:
        raise ValueError(f"steps must be a whole number from 1 to {cap:,}, got {steps!r}")
    return int(steps)


def run(
    surface: str,
    optimizer: str,
    *,
    start: Sequence[float] | None = None,
    steps: int = 500,
    surface_params: Mapping[str, float] | None = None,
    schedule: str | Mapping[str, Any] | Schedule | None = "constant",
    noise: float = 0.0,
    noise_seed: int = 0,
    clip_norm: float | None = None,
    l2: float = 0.0,
    formula: str | None = None,
    bounds: Sequence[Sequence[float]] | None = None,
    record_state: bool = False,
    **hyperparams: Any,
) -> Result:
    """Run `optimizer` on `surface` for `steps` steps and return its `Result`.

    surface, optimizer: names from `optviz.SURFACES` and `optviz.OPTIMIZERS`, or surface="custom"
        with `formula`, the text of f(x, y) (e.g. "sin(3*x) * cos(2*y) + 0.1*(x**2 + y**2)"; see
        `surfaces.custom`), and its plot `bounds` ((x_min, x_max), (y_min, y_max)), default
        ((-3, 3), (-3, 3)).  A custom surface's name ("custom:<hash>", `Result.surface`) also
        works as `surface` once defined in this process.
    start: (x, y); default the surface's default start.  steps: 1 .. 100 000.
    surface_params: e.g. {"kappa": 50, "theta": 0.5} for the bowl.
    schedule: a name ("constant", "step", "exponential", "polynomial", "cosine"), a mapping
        {"name": ..., params} or a `Schedule`; it multiplies the optimizer's lr per step.
    noise: standard deviation sigma of Gaussian noise added to every gradient (SGD's noise on a
        surface); noise_seed: its seed.
    clip_norm: clip the gradient to this Euclidean norm (after noise); None = no clipping.
    l2: coupled L2 weight decay, g <- g + l2 * x (torch's `weight_decay` argument).
    record_state: also return the optimizer's state after every step in `Result.state` (its
        moments, buffers and effective step size; see `Result`).  Off, a run costs what it did.
    **hyperparams: the optimizer's own (lr, momentum, beta1, ...); see OPTIMIZERS[name].hparams.
    """
    surf = resolve_surface(surface, formula, bounds)
    opt = get_optimizer(optimizer)
    sp = surf.pack(**dict(surface_params or {}))
    hps = opt.resolve(**hyperparams)
    steps = check_steps(steps)
    x0 = _check_start(surf.start if start is None else start, surf.bounds)
    sched = Schedule.coerce(schedule)
    sigma = check_number("noise", noise, 0.0, 1e6)
    nseed = int(check_number("noise_seed", noise_seed, 0, 2**63 - 1))
    clip = 0.0 if clip_norm is None else check_number("clip_norm", clip_norm, 1e-12, 1e12)
    l2v = check_number("l2", l2, 0.0, 1e3)
    if not isinstance(record_state, (bool, np.bool_)):
        raise ValueError(f"record_state must be True or False, got {record_state!r}")

    base = hps.get("lr", hps.get("step", np.nan))
    if sched == Schedule():  # the default: lr * 1.0 == lr, without the factors' three temporaries
        lr = np.full(steps, base)
    else:
        lr = base * sched.factors(steps)
    (x_lo, x_hi), (y_lo, y_hi) = surf.bounds
    span = max(x_hi - x_lo, y_hi - y_lo) * ESCAPE_FACTOR
    lo = np.array([x_lo - span, y_lo - span])
    hi = np.array([x_hi + span, y_hi + span])

    empty = np.zeros((0, 2))
    noise_arr = empty
    if sigma > 0 and not opt.gradient_free:
        noise_arr = sigma * np.random.default_rng(nseed).standard_normal((steps, 2))
    rand = empty
    if opt.random:
        rng = np.random.default_rng(int(hps["seed"]))
        if opt.random == "uniform":
            rand = rng.uniform((x_lo, y_lo), (x_hi, y_hi), size=(steps, 2))
        else:
            rand = rng.standard_normal((steps, 2))

    path = np.empty((steps + 1, 2))
    loss = np.empty(steps + 1)
    grads = np.zeros((steps, 2))
    # The one-gradient rules evaluate only at the iterate: their probes are the path itself.  Where a
    # step's evaluation count is fixed (1, or 2 for the proposals) it is not stored per step either:
    # fresh memory costs a page fault per 4 kB, about 3 ms per 100 000 steps for these two arrays,
    # as long as SGD's whole kernel.
    own_probes, fixed_evals = kernel.writes_probes(opt), kernel.fixed_evals(opt)
    probes = np.empty((steps if own_probes else 0, 2))
    if opt.proposes and rand.shape[0] == steps:
        # A proposal step reads its draws before it writes its candidate (see the kernel's proposal
        # loop), so the candidates overwrite the draws: 1.6 MB less fresh memory per 100 000 steps,
        # whose page faults cost the random searches as much as their whole loop.
        probes = rand
    evals = np.zeros(0 if fixed_evals else steps, dtype=np.int64)
    blocks = _MATRIX_POINT if opt.point == "matrix" else _VECTOR_POINT
    # l2 is torch's weight_decay, g <- g + l2 x; the kernel also adds l2/2 ||x||^2 to the values the
    # rules compare (L-BFGS's line search needs the value of what it descends).  The searches have
    # no gradient and always compared plain f: they keep doing so, like the noise above.
    l2_rule = 0.0 if opt.gradient_free else l2v
    states, scals = _NO_STATES, _NO_SCALS
    if record_state:  # the named rows only (L-BFGS's 40 history rows stay out; see kernel._record)
        states = np.empty((steps, len(opt.state_names), 2))
        scals = np.empty((steps, len(opt.scal_names)))
    if surf.formula:  # a custom surface: its compiled callbacks instead of an opcode
        head = (*kernel.formula_functions(surf, hessian=opt.needs_hessian), sp)
        step_all = kernel.custom_runner(opt)
    else:
        head = (surf.code, sp, opt.code)
        step_all = kernel.run_surface
    k = step_all(
        *head,
        opt.pack(hps),
        blocks,
        opt.state_rows,
        x0,
        lr,
        noise_arr,
        rand,
        clip,
        l2_rule,
        lo,
        hi,
        path,
        loss,
        grads,
        probes,
        evals,
        states,
        scals,
    )
    k = int(k)
    options = {
        "start": (float(x0[0]), float(x0[1])),
        "surface_params": {p.name: float(v) for p, v in zip(surf.params, sp)},
        "schedule": sched.to_dict(),
        "noise": sigma,
        "noise_seed": nseed,
        "clip_norm": clip_norm,
        "l2": l2v,
    }
    return Result(
        surface=surf.name,
        optimizer=opt.name,
        hyperparams=hps,
        path=path[: k + 1],
        loss=loss[: k + 1],
        lr=lr[:k],
        grad=grads[:k],
        diverged_at=None if k == steps else k + 1,
        steps=steps,
        options=options,
        probe=probes[:k] if own_probes else path[:k],
        evals=np.broadcast_to(np.int64(fixed_evals), (k,)) if fixed_evals else evals[:k],  # read-only view
        state=_state(opt, hps, states[:k], scals[:k], lr[:k], grads[:k], path[: k + 1]) if record_state else None,
        direction=(opt.direction_key(hps) or None) if record_state else None,
    )


def _state(
    opt: Optimizer,
    hps: dict[str, float],
    states: np.ndarray,
    scals: np.ndarray,
    lr: np.ndarray,
    grad: np.ndarray,
    path: np.ndarray,
) -> dict[str, np.ndarray]:
    """`Result.state` from the kernel's recording: the named rows and scalars, then the derived entries."""
    out = {n: states[:, i] for i, n in enumerate(opt.state_keys(hps)) if n}
    out.update({n: scals[:, i] for i, n in enumerate(choose(c, hps) for c in opt.scal_names) if n})
    derive = _DERIVED.get(opt.name)
    if derive is not None:
        t = np.arange(1, lr.shape[0] + 1, dtype=np.float64)
        out.update(derive(hps, out, lr[:, None], t[:, None], grad, path[:-1]))
    return out


# --------------------------------------------------------------------------- derived state
# Each rule's effective step size, written from its update rule (`optviz.optimizers`) over the
# recorded state: the factor of its direction, so that path[t] - path[t-1] = -step_size * direction
# (- lr * weight_decay * path[t-1] for decoupled decay) holds to rounding (tests/test_state.py).
# Arguments: hyperparameters, the named state (k, 2) / (k,), lr and t as (k, 1) columns, the
# gradient (k, 2) and the point each step started from (k, 2).  Returned: "step_size" (k, 2), and
# "direction", "bias1", "bias2" where the rule has them.


def _prev(a: np.ndarray) -> np.ndarray:
    """The value before each step: zeros (the initial state), then a's rows shifted down by one."""
    out = np.zeros_like(a)
    out[1:] = a[:-1]
    return out


def _bias(hp: dict[str, float], t: np.ndarray, corrected: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Adam's bias-correction factors 1/(1 - beta1^t), 1/(1 - beta2^t) as (k, 1) columns (ones when off)."""
    if not corrected:
        return np.ones_like(t), np.ones_like(t)
    return 1.0 / (1.0 - hp["beta1"] ** t), 1.0 / (1.0 - hp["beta2"] ** t)


def _flat(*cols: np.ndarray) -> dict[str, np.ndarray]:
    return {n: c[:, 0] for n, c in zip(("bias1", "bias2"), cols)}


def _per_coord(a: np.ndarray, grad: np.ndarray) -> np.ndarray:
    return np.broadcast_to(a, grad.shape).copy()


def _lr_only(hp, st, lr, t, grad, x):  # SGD along g; momentum along b
    return {"step_size": _per_coord(lr, grad)}


def _nesterov(hp, st, lr, t, grad, x):
    return {"step_size": _per_coord(lr, grad), "direction": grad + hp["momentum"] * st["b"]}


def _adagrad(hp, st, lr, t, grad, x):
    clr = lr / (1.0 + (t - 1.0) * hp["lr_decay"])
    return {"step_size": clr / (np.sqrt(st["s"]) + hp["eps"])}


def _rmsprop(hp, st, lr, t, grad, x):
    if hp["momentum"] > 0.0:  # x <- x - lr b: the 1/d is already inside b
        return {"step_size": _per_coord(lr, grad)}
    v = st["v"] - st["gbar"] * st["gbar"] if hp["centered"] else st["v"]
    return {"step_size": lr / (np.sqrt(v) + hp["eps"])}


def _adadelta(hp, st, lr, t, grad, x):
    eps = hp["eps"]
    return {"step_size": lr * np.sqrt(_prev(st["u"]) + eps) / np.sqrt(st["v"] + eps)}


def _adam(hp, st, lr, t, grad, x):
    b1, b2 = _bias(hp, t, hp.get("bias_correction", 1.0) != 0.0)
    vv = st.get("vhat", st["v"])
    return {"step_size": lr * b1 / (np.sqrt(vv) * np.sqrt(b2) + hp["eps"]), **_flat(b1, b2)}


def _nadam(hp, st, lr, t, grad, x):
    beta1, psi = hp["beta1"], hp["momentum_decay"]
    mu = beta1 * (1.0 - 0.5 * 0.96 ** (t * psi))
    mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((t + 1.0) * psi))
    prod = st["mu_product"][:, None]
    _, b2 = _bias(hp, t)
    direction = (1.0 - mu) / (1.0 - prod) * grad + mu_next / (1.0 - prod * mu_next) * st["m"]
    return {"step_size": lr / (np.sqrt(st["v"] * b2) + hp["eps"]), "direction": direction, "bias2": b2[:, 0]}


def _radam(hp, st, lr, t, grad, x):
    b1, b2 = _bias(hp, t)
    beta2 = hp["beta2"]
    rho_inf = 2.0 / (1.0 - beta2) - 1.0
    rho_t = rho_inf - 2.0 * t * beta2**t * b2
    adaptive = rho_t > 5.0
    rt = np.where(adaptive, rho_t, 5.0)  # the rectification only where it is used (no sqrt of < 0)
    rect = np.sqrt((rt - 4.0) * (rt - 2.0) * rho_inf / ((rho_inf - 4.0) * (rho_inf - 2.0) * rt))
    scale = np.where(adaptive, rect / np.sqrt(b2) / (np.sqrt(st["v"]) + hp["eps"]), 1.0)
    return {"step_size": lr * b1 * scale, **_flat(b1, b2)}


def _adamax(hp, st, lr, t, grad, x):
    b1, _ = _bias(hp, t)
    return {"step_size": lr * b1 / st["u"], "bias1": b1[:, 0]}


def _rprop(hp, st, lr, t, grad, x):  # x <- x - sign(g) delta, g zeroed after a sign change (g_prev)
    return {"step_size": st["delta"].copy(), "direction": np.sign(st["g_prev"])}


def _adafactor(hp, st, lr, t, grad, x):  # the unfactored (vector) form: a surface's point is one vector
    n = grad.shape[1]
    alpha = np.maximum(hp["eps2"], np.sqrt(np.sum(x * x, axis=1, keepdims=True)) / n**0.5)
    alpha = alpha * np.minimum(lr, 1.0 / np.sqrt(t))
    inv = 1.0 / np.sqrt(np.maximum(st["V"], ADAFACTOR_EPS1 * ADAFACTOR_EPS1))
    u = inv * grad
    rms = np.sqrt(np.sum(u * u, axis=1, keepdims=True)) / (n**0.5 * hp["d"])
    return {"step_size": alpha / np.maximum(1.0, rms) * inv}


def _lion(hp, st, lr, t, grad, x):
    beta1 = hp["beta1"]
    return {"step_size": _per_coord(lr, grad), "direction": np.sign(_prev(st["m"]) * beta1 + (1.0 - beta1) * grad)}


def _sam(hp, st, lr, t, grad, x):
    if hp["adam"]:
        return _adam(hp, st, lr, t, grad, x)
    return _lr_only(hp, st, lr, t, grad, x)


def _muon(hp, st, lr, t, grad, x):  # a surface's point is a 1 x 2 matrix (`Optimizer.point`)
    nr, nc = 1, grad.shape[1]
    scale = 0.2 * np.sqrt(max(nr, nc)) if hp["match_rms_adamw"] else np.sqrt(max(1.0, nr / nc))
    return {"step_size": _per_coord(lr * scale, grad)}


_DERIVED = {
    "sgd": _lr_only,
    "momentum": _lr_only,
    "nesterov": _nesterov,
    "adagrad": _adagrad,
    "rmsprop": _rmsprop,
    "adadelta": _adadelta,
    "adam": _adam,
    "amsgrad": _adam,
    "adamw": _adam,
    "nadam": _nadam,
    "radam": _radam,
    "adamax": _adamax,
    "rprop": _rprop,
    "adafactor": _adafactor,
    "lion": _lion,
    "sam": _sam,
    "muon": _muon,
}
assert set(_DERIVED) == {o.name for o in OPTIMIZERS.values() if o.direction}, "a step size per rule with a direction"


def resolve_surface(surface: str, formula: str | None = None, bounds: Any = None) -> Surface:
    """The surface `run` uses: a registered one by name, or surface="custom" built from `formula`
    and `bounds`; ValueError naming the argument otherwise."""
    if surface == "custom":
        if formula is None:
            raise ValueError("formula: surface='custom' needs formula='<f(x, y)>', e.g. formula='x**2 + 3*y**2'")
        return define_custom(formula, bounds)
    if formula is not None or bounds is not None:
        raise ValueError(f"formula and bounds are for surface='custom' only, got surface={surface!r}")
    return get_surface(surface)


def split_runs(
    runs: Iterable[tuple[str, Mapping[str, Any]] | str], common: Mapping[str, Any]
) -> list[tuple[str, dict[str, Any]]]:
    """(name, hyperparameters) pairs from a `compare` run list (bare names: the defaults);
    ValueError when a hyperparameter is also given as a shared option."""
    out = []
    for item in runs:
        name, hps = (item, {}) if isinstance(item, str) else item
        overlap = set(hps) & set(common)
        if overlap:
            raise ValueError(
                f"{sorted(overlap)[0]!r} given both as a shared option and as a hyperparameter of {name!r}"
            )
        out.append((name, dict(hps)))
    return out


def compare(
    surface: str,
    runs: Iterable[tuple[str, Mapping[str, Any]] | str],
    **common: Any,
) -> list[Result]:
    """Run several optimizers with shared settings (start, steps, schedule, noise, ...).

    runs: (optimizer name, hyperparameters) pairs, or bare names for the defaults; the same
    optimizer may appear twice with different hyperparameters.  **common: keyword arguments
    of `run` other than the hyperparameters.
    """
    return [run(surface, name, **common, **hps) for name, hps in split_runs(runs, common)]


# lr = factor / L for the plain gradient methods (L: the largest curvature at the start or at a
# minimum), lr = plot span / divisor for the adaptive ones (their step is about lr per coordinate).
_CURVATURE_FACTORS = {"sgd": (1.7, 0.3), "momentum": (0.1, 0.05), "nesterov": (0.1, 0.05)}  # (convex, non-convex)
_SPAN_DIVISORS = {
    "rmsprop": 400,
    "adam": 130,
    "amsgrad": 130,
    "adamw": 130,
    "nadam": 130,
    "adagrad": 10,
    "radam": 130,
    "adamax": 130,
    "lion": 130,
    "schedule_free_adamw": 130,
    "muon": 130,
}


def suggest_lr(
    surface: str,
    optimizer: str,
    *,
    surface_params: Mapping[str, float] | None = None,
    start: Sequence[float] | None = None,
) -> float | None:
    """A learning rate that makes `optimizer` move visibly and stably on `surface` (None: it has no lr
    to suggest, e.g. newton, adadelta or the random searches keep their defaults).

    Gradient descent on a quadratic is stable for lr < 2/L (L: largest Hessian eigenvalue) and
    zig-zags (the stiff coordinate changes sign every step) for lr > 1/L.  On convex surfaces SGD gets
    1.7/L: in the zig-zag regime with a contraction of 0.7 per step across the valley, so it zig-zags
    AND converges, and a caller that rounds it down to a value a lecturer can quote (the page keeps
    two significant digits) stays above 1/L.  Momentum and Nesterov get 0.1/L on convex surfaces:
    with mu = 0.9 their stiff coordinate then swings back about every 10 steps where SGD's flips
    every step (9 sign changes against 14 on the bowl, measured at every kappa of the slider), and
    their long-axis progress lr/(1 - mu) = 1/L is faster than SGD's.  On non-convex surfaces, where
    the curvature grows along the path, SGD gets 0.3/L and momentum 0.05/L.  Adaptive methods take
    steps of about lr in every coordinate, so their lr is a fraction of the plot's span.  Clipped to
    the lr's slider range.
    """
    surf = get_surface(surface)
    opt = get_optimizer(optimizer)
    sp = dict(zip((p.name for p in surf.params), surf.pack(**dict(surface_params or {}))))
    lr_spec = next((p for p in opt.hparams if p.name == "lr"), None)
    if lr_spec is None:
        return None
    x0 = _check_start(surf.start if start is None else start, surf.bounds)
    if optimizer in _CURVATURE_FACTORS:
        points = [(x0[0], x0[1])] + [(p.x, p.y) for p in surf.minima if p.kind == "global minimum"]
        curv = 1e-12
        for px, py in points:
            hxx, hxy, hyy = (float(v) for v in surf.hess(px, py, **sp))
            curv = max(curv, float(np.abs(np.linalg.eigvalsh([[hxx, hxy], [hxy, hyy]])).max()))
        lr = _CURVATURE_FACTORS[optimizer][0 if surf.convex else 1] / curv
    elif optimizer in _SPAN_DIVISORS:
        (x_lo, x_hi), (y_lo, y_hi) = surf.bounds
        lr = max(x_hi - x_lo, y_hi - y_lo) / _SPAN_DIVISORS[optimizer]
    else:
        return None
    return float(min(max(lr, lr_spec.min), lr_spec.max))


def compile_mlp_in_background() -> subprocess.Popen | None:
    """Start compiling the MLP kernels in a second process; they reach this one via Numba's cache.

    Numba compiles under one process-wide lock, so in one process the MLP kernels (~12 s cold) wait
    for the surface kernel (~6 s); on two cores a second process compiles them meanwhile.  The app
    calls this at server start so that the MLP view opens without a wait.  None if no process starts.
    """
    try:
        return subprocess.Popen(
            [sys.executable, "-c", "from optviz import mlp; mlp.warmup()"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    except OSError:
        return None


def warmup() -> None:
    """Compile (or load from the cache) the surface kernel once, so the first real run is fast.

    One kernel serves every surface and optimizer: a single call compiles (or loads) it all.  The
    MLP's kernels: `optviz.mlp.warmup(include_surfaces=True)` warms both, in two processes.
    """
    run("bowl", "adam", steps=2, start=(1.0, 1.0), noise=0.1)
