"""Many independent surface runs in one call, across the cores: `run_batch` and its `Batch`.

    b = run_batch("rosenbrock", "adam", steps=500, hyperparams={"lr": lrs, "beta1": b1s})
    b.final_loss[i], b.diverged_at[i], b.steps_to_tol[i]      cell i of the map

Each run is BITWISE the run `optviz.run` makes with the same settings: this module prepares every
run's inputs as `optviz.api.run` does (the same per-step lr array, `base * schedule.factors(steps)`;
the same seeded generators for the gradient noise and the random searches' draws; the same box a
run may not leave) and calls the very same kernel, `optviz.kernel.run_surface`, once per run, from
`_run_range`, a serial jitted loop over a range of runs.  Only its outputs differ: a run's path and
loss go to scratch rows reused from run to run (keep="final"), and the loop reduces them to the
final point, the final loss and the first step within `tol` of the surface's lowest minimum.

Parallel, and safe under Streamlit's session threads.  `_run_range` is compiled `nogil`, and plain
Python threads (a pool of one per core) run it over chunks of the runs; Numba's own parallelism
(`prange`) is not used.  Why: `prange` runs on a Numba threading layer, and the default one
(workqueue) aborts the whole process when two threads launch parallel kernels at once, which is
what two Streamlit sessions do.  The thread-safe layers are TBB (not importable here) and GNU OpenMP
(available, but not fork-safe: a process forked after an OpenMP region hangs, and the MLP sweep
forks worker processes) and either must be chosen process-wide before any parallel launch.  Threads
that release the GIL have none of these limits, balance uneven work (diverging runs stop early)
by taking the next chunk when done, and give the caller a natural point between chunks to report
progress.  A module lock serialises whole calls regardless: two sessions asking for a map at once
then take turns at full speed instead of sharing the cores with twice the threads and twice the
scratch memory (and a future switch to `prange` would stay safe).

Custom surfaces (a typed formula) run through `optviz.run` per cell, serially: bitwise equal by
construction, not fast.
"""

from __future__ import annotations

import math
import os
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from optviz import api, kernel
from optviz._jit import generate, made_once
from optviz.optimizers import N_REC, get_optimizer  # noqa: F401 - N_REC: read by the generated loop
from optviz.schedules import Schedule
from optviz.validate import check_choice, check_number

KEEP = ("final", "loss", "path")
# Runs per chunk: about 2.5 ms of Adam at 500 steps, long against the ~30 us a chunk costs in Python,
# short enough for a smooth progress bar and for the last chunks to balance across the cores.
CHUNK_STEPS = 128_000

_lock = threading.Lock()
_pool: ThreadPoolExecutor | None = None
_pool_size = 0


def cores() -> int:
    """The cores this process may run on (its CPU affinity, not the machine's count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


@dataclass(frozen=True, eq=False)
class Batch:
    """The outcome of n runs with the same surface, optimizer and step budget.

    final (n, 2): the last point of each run (its path[-1] in `optviz.run`'s terms); final_loss (n,): f
    there.  diverged_at (n,) int64: 0 for a run that did not diverge, else `Result.diverged_at`.
    steps_to_tol (n,) int64: the first step t >= 0 with f - f* <= tol (f* the surface's lowest known
    minimum), -1 if never or if the surface lists no minimum.  steps_done (n,) int64: completed steps.
    loss (n, steps+1) with keep="loss" or "path", path (n, steps+1, 2) with keep="path": NaN after a
    divergence (row i's first steps_done[i] + 1 entries are `Result.loss` / `Result.path`).
    """

    n: int
    steps: int
    final: np.ndarray
    final_loss: np.ndarray
    diverged_at: np.ndarray
    steps_to_tol: np.ndarray
    steps_done: np.ndarray
    loss: np.ndarray | None = None
    path: np.ndarray | None = None
    f_star: float | None = None
    tol: float = 1e-3


# --------------------------------------------------------------------------- the kernel


_RANGE_ARGS = (
    "a, b, steps, scode, sp, code, hps, blocks, n_state, x0s, base_lr, factors, noise, noise_row, rand, rand_row, "
    "clip_norm, l2, lo, hi, own_probes, own_evals, f_star, tol, final, final_loss, done, to_tol, keep_loss, keep_path"
)
_RANGE_DOC = """Runs a .. b-1 (global indices; noise_row/rand_row are chunk rows, -1 = none), written into the outputs.

    factors: the schedule's (steps,) factors, or 0 rows for the constant schedule (`optviz.run` then
    fills lr with the base value itself).  keep_loss (n, steps+1) / keep_path (n, steps+1, 2): the
    rows to write, or 0 rows to run into scratch.
    """
_RANGE = """\
lrs = np.empty(steps)
path_s = np.empty((steps + 1, 2))
loss_s = np.empty(steps + 1)
grads = np.empty((steps, 2))
probes = np.empty((steps if own_probes else 0, 2))
evals = np.zeros(steps if own_evals else 0, dtype=np.int64)
no_rows = np.zeros((0, 2))
no_states = np.zeros((0, n_state, 2))  # the kernel records no state for a map's runs
no_scals = np.zeros((0, N_REC))
for i in range(a, b):
    base = base_lr[i]
    if factors.shape[0] == 0:
        for k in range(steps):
            lrs[k] = base
    else:
        for k in range(steps):
            lrs[k] = base * factors[k]
    j = i - a
    nz = noise[noise_row[j]] if noise_row[j] >= 0 else no_rows
    rd = rand[rand_row[j]] if rand_row[j] >= 0 else no_rows
    path = keep_path[i] if keep_path.shape[0] > 0 else path_s
    loss = keep_loss[i] if keep_loss.shape[0] > 0 else loss_s
    # The one call of the kernel: `optviz.run`'s own, or its copy for this surface and rule.
    k = {runner}(
        scode, sp, code, hps[i], blocks, n_state, x0s[i], lrs, nz, rd, clip_norm, l2, lo, hi,
        path, loss, grads, probes, evals, no_states, no_scals,
    )  # fmt: skip
    done[i] = k
    final[i, 0] = path[k, 0]
    final[i, 1] = path[k, 1]
    final_loss[i] = loss[k]
    hit = -1
    if not np.isnan(f_star):
        for t in range(k + 1):
            if loss[t] - f_star <= tol:
                hit = t
                break
    to_tol[i] = hit
    for t in range(k + 1, steps + 1):  # a diverged run's missing steps: NaN, as documented
        if keep_loss.shape[0] > 0:
            keep_loss[i, t] = np.nan
        if keep_path.shape[0] > 0:
            keep_path[i, t, 0] = np.nan
            keep_path[i, t, 1] = np.nan
"""
# The serial loop over a range of runs through `optviz.run`'s own kernel (any built-in surface and rule).
_run_range = generate("_run_range", _RANGE_ARGS, [(-1, _RANGE.format(runner="kernel.run_surface"))], globals(),
                      _RANGE_DOC, inline=False)  # fmt: skip
_pair_ranges: dict[tuple[int, int], Callable] = {}
# Batches of at least this many steps (runs x steps) run the loop specialised to their surface and rule
# (`optviz.kernel.surface_runner`): it takes about 0.6 of the time a step, but its first use on a machine
# compiles for about 2 s, which only a large batch amortises.  The page's maps stay below it.
SPECIALISE_STEPS = 4_000_000


def _range_for(surf: Any, opt: Any) -> Callable:
    """The range loop specialised to built-in surface `surf` and rule `opt` (compiled on first use)."""

    def make() -> Callable:
        runner = kernel.surface_runner(surf, opt)
        name = runner.py_func.__name__
        globals()[name] = runner
        src = _RANGE.format(runner=name)
        return generate(f"_range_{surf.name}__{opt.name}", _RANGE_ARGS, [(-1, src)], globals(), _RANGE_DOC,
                         inline=False)  # fmt: skip

    return made_once(_pair_ranges, (surf.code, opt.code), make)


# --------------------------------------------------------------------------- validation


def _per_run(name: str, value: Any) -> np.ndarray | None:
    """`value` as a 1-D array of per-run values, or None for a scalar (shared by every run)."""
    if isinstance(value, (str, bytes)) or np.ndim(value) == 0:
        return None
    arr = np.asarray(value)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be a number or a 1-D sequence with one value per run, got shape {arr.shape}")
    return arr


def _checked(arr: np.ndarray, check: Callable[[Any], Any]) -> np.ndarray:
    """Every value of `arr` validated by `check` (once per distinct value), converted as `check` converts it."""
    if arr.dtype.kind in "fiub":
        # Distinct values only (a 128 x 128 map repeats each 128 times), and the conversion applied to
        # the whole array in numpy: float64(v) is float(v) bit for bit, and unlike np.unique's merged
        # values it keeps the sign of a zero.
        for u in np.unique(arr):
            check(u.item())
        return arr
    return np.array([check(v) for v in arr.tolist()])


def _starts(starts: Any, default: tuple[float, float]) -> np.ndarray:
    if starts is None:
        return np.array([default], dtype=np.float64)
    try:
        arr = np.array(starts, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"starts must be (x, y) or an (n, 2) array of finite numbers, got {starts!r}") from None
    if arr.shape == (2,):
        arr = arr[None, :]
    if arr.ndim != 2 or arr.shape[1] != 2 or arr.shape[0] == 0 or not np.all(np.isfinite(arr)):
        raise ValueError(f"starts must be (x, y) or an (n, 2) array of finite numbers, got shape {arr.shape}")
    return arr


@dataclass(frozen=True)
class _Plan:
    """Everything `_run_range` reads, validated and packed; per-run columns have n rows."""

    n: int
    steps: int
    args: tuple  # scode, sp, code, hps, blocks, n_state, x0s, base_lr, factors
    tail: tuple  # clip_norm, l2, lo, hi, own_probes, own_evals, f_star, tol
    sigma: np.ndarray  # (n,) or (1,)
    noise_seed: np.ndarray  # (n,) or (1,)
    draw_seed: np.ndarray  # (n,) or (1,): the random searches' seeds; 0 rows for the other rules
    draw: str  # "", "normal" or "uniform"
    box: tuple[tuple[float, float], tuple[float, float]]
    hyperparams: dict[str, Any]  # the validated per-run columns (n,) and the scalars as given
    options: dict[str, Any]  # the shared keyword arguments of `optviz.run`


def _broadcast(arr: np.ndarray, n: int) -> np.ndarray:
    # A writable copy: a read-only view (what broadcast_to returns) would compile a second signature.
    return np.array(np.broadcast_to(arr, (n, *arr.shape[1:])), dtype=np.float64, order="C")


def _plan(
    surface: str,
    optimizer: str,
    starts: Any,
    steps: Any,
    hyperparams: Mapping[str, Any],
    surface_params: Mapping[str, float] | None,
    schedule: Any,
    noise: Any,
    noise_seeds: Any,
    clip_norm: Any,
    l2: Any,
    tol: Any,
) -> tuple[Any, Any, _Plan]:
    # The same checks as `optviz.run`, in its order, with the per-run values checked once each.
    surf = api.resolve_surface(surface)
    opt = get_optimizer(optimizer)
    sp = surf.pack(**dict(surface_params or {}))
    if not isinstance(hyperparams, Mapping):
        raise ValueError(f"hyperparams must be a mapping of hyperparameter names to values, got {hyperparams!r}")
    known = {p.name: p for p in opt.hparams}
    per_run: dict[str, np.ndarray] = {}
    scalars: dict[str, Any] = {}
    for k, v in hyperparams.items():
        if k not in known:
            opt.resolve(**{k: v})  # raises the registry's message: what the optimizer takes
        arr = _per_run(f"hyperparams[{k!r}]", v)
        if arr is None:
            scalars[k] = v
        else:
            per_run[k] = arr
    resolved = opt.resolve(**scalars)
    steps = api.check_steps(steps)
    x0s = _starts(starts, surf.start)
    sched = Schedule.coerce(schedule)
    noise_arr = _per_run("noise", noise)
    seeds_arr = _per_run("noise_seeds", noise_seeds)
    clip = 0.0 if clip_norm is None else check_number("clip_norm", clip_norm, 1e-12, 1e12)
    l2v = check_number("l2", l2, 0.0, 1e3)
    tol = check_number("tol", tol, 0.0, 1e300)

    lengths = {f"hyperparams[{k!r}]": len(a) for k, a in per_run.items()}
    if starts is not None and x0s.shape[0] > 1 or np.ndim(starts) == 2:
        lengths["starts"] = x0s.shape[0]
    if noise_arr is not None:
        lengths["noise"] = len(noise_arr)
    if seeds_arr is not None:
        lengths["noise_seeds"] = len(seeds_arr)
    if len(set(lengths.values())) > 1:
        said = ", ".join(f"{name} has {m}" for name, m in lengths.items())
        raise ValueError(f"every per-run argument must have one value per run (the same length): {said}")
    n = next(iter(lengths.values()), 1)
    if n == 0:
        raise ValueError(f"a batch needs at least one run: {next(iter(lengths))} is empty")

    checked = {k: _checked(a, lambda v, p=known[k]: p.validate(v, opt.name)) for k, a in per_run.items()}
    hps = np.tile(opt.pack(resolved), (n, 1))
    for k, a in checked.items():
        if k in opt.index:  # the seed is not packed: it seeds the draws below
            col = a.astype(np.float64)
            hps[:, opt.index[k]] = (col != 0).astype(np.float64) if known[k].kind == "bool" else col
    lr_name = "lr" if "lr" in known else "step" if "step" in known else None
    if lr_name is None:
        base_lr = np.full(n, np.nan)
    elif lr_name in checked:
        base_lr = np.ascontiguousarray(hps[:, opt.index[lr_name]])
    else:
        base_lr = np.full(n, resolved[lr_name])
    factors = np.zeros(0) if sched == Schedule() else np.ascontiguousarray(sched.factors(steps))

    if noise_arr is None:
        sigma = np.array([check_number("noise", noise, 0.0, 1e6)])
    else:
        sigma = _checked(noise_arr, lambda v: check_number("noise", v, 0.0, 1e6)).astype(np.float64)
    if opt.gradient_free:  # `optviz.run` adds no noise to the searches' values
        sigma = np.zeros(1)
    if seeds_arr is None:
        nseed = np.array([int(check_number("noise_seeds", noise_seeds, 0, 2**63 - 1))], dtype=np.int64)
    else:
        # int(float(seed)), as `optviz.run` reads noise_seed (check_number goes through float)
        seen = {u: int(check_number("noise_seeds", u, 0, 2**63 - 1)) for u in np.unique(seeds_arr).tolist()}
        nseed = np.array([seen[v] for v in seeds_arr.tolist()], dtype=np.int64)
    draw_seed = np.zeros(0, dtype=np.int64)
    if opt.random:
        draw_seed = (checked["seed"] if "seed" in checked else np.array([resolved["seed"]])).astype(np.int64)

    (x_lo, x_hi), (y_lo, y_hi) = surf.bounds
    span = max(x_hi - x_lo, y_hi - y_lo) * api.ESCAPE_FACTOR
    lo = np.array([x_lo - span, y_lo - span])
    hi = np.array([x_hi + span, y_hi + span])
    blocks = api._MATRIX_POINT if opt.point == "matrix" else api._VECTOR_POINT
    f_star = min((q.f for q in surf.minima), default=math.nan)
    own_probes, own_evals = kernel.writes_probes(opt), kernel.fixed_evals(opt) == 0
    plan = _Plan(
        n=n,
        steps=steps,
        args=(surf.code, sp, opt.code, hps, blocks, opt.state_rows, _broadcast(x0s, n), base_lr, factors),
        tail=(clip, 0.0 if opt.gradient_free else l2v, lo, hi, own_probes, own_evals, float(f_star), tol),
        sigma=sigma,
        noise_seed=nseed,
        draw_seed=draw_seed,
        draw=opt.random,
        box=surf.bounds,
        hyperparams={**scalars, **checked},
        options={"surface_params": surface_params, "schedule": sched, "clip_norm": clip_norm, "l2": l2v},
    )
    return surf, opt, plan


# --------------------------------------------------------------------------- chunks and threads


def _draws(plan: _Plan, a: int, b: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The noise and random-search draws of runs a .. b-1: (noise, noise_row, rand, rand_row).

    Each distinct (sigma, seed) gets one row, drawn exactly as `optviz.run` draws it; row -1: none.
    """
    steps, c = plan.steps, b - a
    empty = np.zeros((0, steps, 2))
    noise, noise_row = empty, np.full(c, -1, dtype=np.int64)
    if plan.sigma.shape[0] > 1 or plan.noise_seed.shape[0] > 1 or plan.sigma[0] > 0:
        sig = np.broadcast_to(plan.sigma, (plan.n,))[a:b]
        sd = np.broadcast_to(plan.noise_seed, (plan.n,))[a:b]
        rows: dict[tuple[float, int], int] = {}
        for j, key in enumerate(zip(sig.tolist(), sd.tolist())):
            if key[0] > 0:
                noise_row[j] = rows.setdefault(key, len(rows))
        noise = np.empty((len(rows), steps, 2))
        for (s, seed), r in rows.items():
            noise[r] = s * np.random.default_rng(seed).standard_normal((steps, 2))
    rand, rand_row = empty, np.full(c, -1, dtype=np.int64)
    if plan.draw:
        (x_lo, x_hi), (y_lo, y_hi) = plan.box
        sd = np.broadcast_to(plan.draw_seed, (plan.n,))[a:b].tolist()
        rows2: dict[int, int] = {}
        for j, seed in enumerate(sd):
            rand_row[j] = rows2.setdefault(seed, len(rows2))
        rand = np.empty((len(rows2), steps, 2))
        for seed, r in rows2.items():
            rng = np.random.default_rng(seed)
            if plan.draw == "uniform":
                rand[r] = rng.uniform((x_lo, y_lo), (x_hi, y_hi), size=(steps, 2))
            else:
                rand[r] = rng.standard_normal((steps, 2))
    return noise, noise_row, rand, rand_row


def _custom_range(
    a: int,
    b: int,
    surface: str,
    optimizer: str,
    plan: _Plan,
    final: np.ndarray,
    final_loss: np.ndarray,
    done: np.ndarray,
    to_tol: np.ndarray,
    keep_loss: np.ndarray,
    keep_path: np.ndarray,
) -> None:
    """`_run_range` for a custom surface: `optviz.run` per run (its compiled formula is per process)."""
    x0s, f_star, tol = plan.args[6], plan.tail[6], plan.tail[7]
    sigma = np.broadcast_to(plan.sigma, (plan.n,))
    seeds = np.broadcast_to(plan.noise_seed, (plan.n,))
    for i in range(a, b):
        hps = {k: (v[i].item() if isinstance(v, np.ndarray) else v) for k, v in plan.hyperparams.items()}
        r = api.run(
            surface,
            optimizer,
            start=x0s[i],
            steps=plan.steps,
            noise=float(sigma[i]),
            noise_seed=int(seeds[i]),
            **plan.options,
            **hps,
        )
        k = r.steps_done
        done[i], final[i], final_loss[i] = k, r.final, r.loss[-1]
        hit = np.flatnonzero(r.loss - f_star <= tol) if not math.isnan(f_star) else np.zeros(0)
        to_tol[i] = hit[0] if hit.size else -1
        if keep_loss.shape[0]:
            keep_loss[i, : k + 1], keep_loss[i, k + 1 :] = r.loss, np.nan
        if keep_path.shape[0]:
            keep_path[i, : k + 1], keep_path[i, k + 1 :] = r.path, np.nan


def _executor(threads: int) -> ThreadPoolExecutor:
    """The module's pool of `threads` workers (made again if another size is asked for); under `_lock`."""
    global _pool, _pool_size
    if _pool is None or _pool_size != threads:
        if _pool is not None:
            _pool.shutdown(wait=True)
        _pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="optviz-batch")
        _pool_size = threads
    return _pool


def run_batch(
    surface: str,
    optimizer: str,
    *,
    starts: ArrayLike | None = None,
    steps: int = 500,
    hyperparams: Mapping[str, float | ArrayLike] = {},  # noqa: B006 - read only, never mutated
    surface_params: Mapping[str, float] | None = None,
    schedule: str | Mapping[str, Any] | Schedule | None = "constant",
    noise: float | ArrayLike = 0.0,
    noise_seeds: int | ArrayLike = 0,
    clip_norm: float | None = None,
    l2: float = 0.0,
    tol: float = 1e-3,
    keep: str = "final",
    progress: Callable[[float], None] | None = None,
    threads: int | None = None,
    specialise: bool | None = None,
) -> Batch:
    """Run n independent runs of `optimizer` on `surface` across the cores; each is `optviz.run`'s, bit for bit.

    Per-run arguments (every one of length n, the number of runs): starts (n, 2) (or one (x, y), or None
    for the surface's default start), each value of `hyperparams` (a number shared by every run, or n
    values), noise (sigma: a number or n values) and noise_seeds (a seed or n seeds).  Run i is
    `optviz.run(surface, optimizer, start=starts[i], steps=steps, noise=noise[i],
    noise_seed=noise_seeds[i], **{k: v[i] for k, v in hyperparams.items()}, ...)` with the shared
    surface_params, schedule, clip_norm and l2.
    tol: the distance to the lowest known minimum value that counts as arrived (`Batch.steps_to_tol`).
    keep: "final" (the final point and loss only), "loss" (also every loss), "path" (also every point).
    progress: called with the fraction of runs done, in the calling thread, after each chunk.
    threads: worker threads (default: one per core of this process).
    specialise: run the loop compiled for this surface and rule (`optviz.kernel.surface_runner`:
    about 0.6 of the time a step, the same bits, but about 2 s to compile on its first use on a
    machine); None: when the batch has at least `SPECIALISE_STEPS` steps (runs x steps).
    ValueError, naming the argument, for anything `optviz.run` refuses and for per-run arguments
    whose lengths differ.
    """
    keep = check_choice("keep", keep, KEEP)
    if specialise not in (None, True, False):
        raise ValueError(f"specialise must be True, False or None (by the batch's size), got {specialise!r}")
    if threads is not None:
        threads = int(check_number("threads", threads, 1, 1024))
    surf, opt, plan = _plan(
        surface, optimizer, starts, steps, hyperparams, surface_params, schedule, noise, noise_seeds, clip_norm, l2, tol
    )
    n, steps = plan.n, plan.steps
    final = np.empty((n, 2))
    final_loss = np.empty(n)
    done = np.empty(n, dtype=np.int64)
    to_tol = np.empty(n, dtype=np.int64)
    keep_loss = np.empty((n if keep != "final" else 0, steps + 1))
    keep_path = np.empty((n if keep == "path" else 0, steps + 1, 2))
    if surf.formula:

        def run_chunk(a: int, b: int) -> None:
            _custom_range(a, b, surf.name, opt.name, plan, final, final_loss, done, to_tol, keep_loss, keep_path)
    else:
        if specialise is None:
            specialise = n * steps >= SPECIALISE_STEPS
        loop = _range_for(surf, opt) if specialise else _run_range

        def run_chunk(a: int, b: int) -> None:
            noise, noise_row, rand, rand_row = _draws(plan, a, b)
            loop(a, b, steps, *plan.args, noise, noise_row, rand, rand_row, *plan.tail,
                       final, final_loss, done, to_tol, keep_loss, keep_path)  # fmt: skip

    threads = threads or cores()
    size = max(1, min(CHUNK_STEPS // steps, math.ceil(n / (4 * threads))))
    bounds = [(a, min(a + size, n)) for a in range(0, n, size)]
    with _lock:
        if threads == 1 or len(bounds) == 1 or surf.formula:
            for a, b in bounds:
                run_chunk(a, b)
                if progress is not None:
                    progress(b / n)
        else:
            pool = _executor(threads)
            futures = {pool.submit(run_chunk, a, b): b - a for a, b in bounds}
            finished = 0
            try:
                for fut in as_completed(futures):
                    fut.result()
                    finished += futures[fut]
                    if progress is not None:
                        progress(finished / n)
            finally:  # a failed chunk or a progress callback that raised: leave no chunk running
                for fut in futures:
                    fut.cancel()
                for fut in futures:
                    if not fut.cancelled():
                        fut.exception()
    diverged = np.where(done < steps, done + 1, 0).astype(np.int64)
    return Batch(
        n=n,
        steps=steps,
        final=final,
        final_loss=final_loss,
        diverged_at=diverged,
        steps_to_tol=to_tol,
        steps_done=done,
        loss=keep_loss if keep != "final" else None,
        path=keep_path if keep == "path" else None,
        f_star=None if math.isnan(plan.tail[6]) else plan.tail[6],
        tol=plan.tail[7],
    )
