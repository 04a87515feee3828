"""Sweep benchmark: a hyperparameter map with the batched kernel (`optviz.batch.run_batch`), across the cores.

Times, warm, the median of --repeats calls:
  map         a 128 x 128 map (lr log-spaced x beta1) of 500-step Adam runs on Rosenbrock from the
              default start: 8.2 M steps, every core (target: <= 1 s).  A batch this large runs the
              loop specialised to its surface and rule (`optviz.kernel.surface_runner`; compiled on
              its first use, before the timing); the shared kernel's figures (`specialise=False`,
              what `optviz.run` runs) are printed beside it
  hand        a scalar Adam-on-Rosenbrock loop written by hand for this one case (Numba, one core, no
              registry, no dispatch, the same outputs: final point and loss, divergence, first step
              within tol) over the same 16 384 runs
  per core    (map steps/s / cores) / hand steps/s  (target: >= 0.5)
  page map    the 24 x 24 x 400 Adam map the page draws now, batched, and as one `optviz.run` per cell
Steps are counted as run (a diverged run stops early, in both loops alike).  The per-core ratio is also
given from CPU time (steps per CPU-second of this process), which other jobs on the machine do not skew.

    python benchmarks/sweep.py [--cells 128] [--steps 500] [--repeats 5]   (or: optviz bench sweep)
"""

from __future__ import annotations

import argparse
import math
import statistics
import time

import numpy as np
from numba import njit

import optviz
from optviz.batch import cores, run_batch
from surfaces import get_surface

START = get_surface("rosenbrock").start
TOL = 1e-3


def grid(cells: int) -> dict[str, np.ndarray]:
    lr, b1 = np.meshgrid(np.geomspace(1e-4, 1e-1, cells), np.linspace(0.5, 0.99, cells))
    return {"lr": lr.ravel(), "beta1": b1.ravel()}


@njit  # not cached: a cache written as benchmarks.sweep cannot load under __main__
def hand_adam_map(lrs, b1s, n, x0, y0, b2, eps, lo, hi, f_star, tol, out):
    """Adam on Rosenbrock, scalars only, one run per (lr, beta1); out[i] = x, y, f, diverged_at, steps_to_tol."""
    total = 0
    for i in range(lrs.shape[0]):
        lr, b1 = lrs[i], b1s[i]
        x, y = x0, y0
        a = 1.0 - x
        c = y - x * x
        f = a * a + 100.0 * c * c
        gx, gy = -2.0 * a - 400.0 * x * c, 200.0 * c
        mx = my = vx = vy = 0.0
        hit = 0 if f - f_star <= tol else -1
        div = 0
        k = 0
        for t in range(1, n + 1):
            mx += (1 - b1) * (gx - mx)
            my += (1 - b1) * (gy - my)
            vx = b2 * vx + (1 - b2) * gx * gx
            vy = b2 * vy + (1 - b2) * gy * gy
            s = lr / (1 - b1**t)
            q = np.sqrt(1 - b2**t)
            nx = x - s * mx / (np.sqrt(vx) / q + eps)
            ny = y - s * my / (np.sqrt(vy) / q + eps)
            a = 1.0 - nx
            c = ny - nx * nx
            nf = a * a + 100.0 * c * c
            if not (lo[0] <= nx <= hi[0] and lo[1] <= ny <= hi[1] and np.isfinite(nf)):
                div = t
                break
            x, y, f = nx, ny, nf
            gx, gy = -2.0 * a - 400.0 * x * c, 200.0 * c
            k = t
            if hit < 0 and f - f_star <= tol:
                hit = t
        total += k
        out[i, 0], out[i, 1], out[i, 2], out[i, 3], out[i, 4] = x, y, f, div, hit
    return total


def median_time(fn, repeats: int) -> tuple[float, float, object]:
    """Median wall-clock and median CPU seconds (this process, every thread) of `repeats` warm calls."""
    fn()  # compile / load / warm
    times, cpu, last = [], [], None
    for _ in range(repeats):
        c0, t0 = time.process_time(), time.perf_counter()
        last = fn()
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return statistics.median(times), statistics.median(cpu), last


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cells", type=int, default=128, help="cells per axis of the big map (default 128)")
    ap.add_argument("--steps", type=int, default=500)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--threads", type=int, default=None, help="worker threads (default: one per core)")
    a = ap.parse_args(argv)
    hp = grid(a.cells)
    n = a.cells**2
    k = cores() if a.threads is None else a.threads

    t_map, cpu_map, b = median_time(
        lambda: run_batch("rosenbrock", "adam", steps=a.steps, hyperparams=hp, tol=TOL, threads=a.threads), a.repeats
    )
    steps_run = int(b.steps_done.sum())
    t_shared, cpu_shared, _ = median_time(
        lambda: run_batch(
            "rosenbrock", "adam", steps=a.steps, hyperparams=hp, tol=TOL, threads=a.threads, specialise=False
        ),
        a.repeats,
    )

    surf = get_surface("rosenbrock")
    (x_lo, x_hi), (y_lo, y_hi) = surf.bounds
    span = max(x_hi - x_lo, y_hi - y_lo) * optviz.api.ESCAPE_FACTOR
    lo, hi = np.array([x_lo - span, y_lo - span]), np.array([x_hi + span, y_hi + span])
    f_star = min(p.f for p in surf.minima)
    out = np.empty((n, 5))
    args = (hp["lr"], hp["beta1"], a.steps, START[0], START[1], 0.999, 1e-8, lo, hi, f_star, TOL, out)
    t_hand, cpu_hand, hand_steps = median_time(lambda: hand_adam_map(*args), a.repeats)
    agree = np.mean(np.abs(out[:, 2] - b.final_loss) <= 1e-9 * np.maximum(1.0, np.abs(b.final_loss)))

    rate, rate_hand = steps_run / t_map, hand_steps / t_hand
    per_core = rate / k / rate_hand
    # The same ratio from CPU time (steps per CPU-second): what a core does while it runs our code,
    # whatever else the machine runs meanwhile (wall-clock ratios drop when other jobs share the cores).
    per_cpu = (steps_run / cpu_map) / (hand_steps / cpu_hand)
    print(f"Adam on Rosenbrock, {a.cells} x {a.cells} map (lr x beta1), {a.steps} steps a run, start {START}")
    print(f"{n:,} runs, {steps_run / 1e6:.2f} M steps run ({n * a.steps / 1e6:.2f} M asked), {k} threads\n")
    print("| loop | median s | M steps/s | target |")
    print("|---|---:|---:|---|")
    print(f"| optviz run_batch, {k} threads | {t_map:.3f} | {rate / 1e6:.1f} | <= 1 s at 128 x 128 x 500 |")
    print(f"| optviz run_batch, {k} threads, shared kernel | {t_shared:.3f} | {steps_run / t_shared / 1e6:.1f} | |")
    print(f"| hand-written Adam, 1 core | {t_hand:.3f} | {rate_hand / 1e6:.1f} | |")
    print(f"\nper-core ratio (run_batch / {k} / hand): {per_core:.2f}  (target >= 0.5)")
    print(f"per-CPU-second ratio (steps per CPU second, run_batch / hand): {per_cpu:.2f}")
    shared_core = steps_run / t_shared / k / rate_hand
    shared_cpu = (steps_run / cpu_shared) / (hand_steps / cpu_hand)
    print(f"the shared kernel's (specialise=False): per core {shared_core:.2f}, per CPU second {shared_cpu:.2f}")
    print(f"speed-up over one hand core: {rate / rate_hand:.2f}")
    print(f"hand loop's final loss within 1e-9 of run_batch's in {agree:.1%} of the cells (its own arithmetic)")

    small = grid(24)
    t_small, _, _ = median_time(lambda: run_batch("rosenbrock", "adam", steps=400, hyperparams=small), a.repeats)
    t0 = time.perf_counter()
    for lr, b1 in zip(small["lr"], small["beta1"]):
        optviz.run("rosenbrock", "adam", steps=400, lr=lr, beta1=b1)
    t_loop = time.perf_counter() - t0
    print(f"\npage map 24 x 24 x 400: run_batch {t_small * 1e3:.1f} ms, one optviz.run a cell {t_loop * 1e3:.1f} ms")
    print(f"(ratio {t_loop / t_small:.1f}x)")
    return 0 if math.isfinite(per_core) else 1


if __name__ == "__main__":
    raise SystemExit(main())
