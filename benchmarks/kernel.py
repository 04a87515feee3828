"""Kernel benchmark: steps per second of every optimizer on Rosenbrock, with the path recorded.

For each optimizer it prints three speeds measured in this run and two ratios:
  optviz      `optviz.run("rosenbrock", name, steps=N)`: validation, allocation, kernel
  python      the very same code with NUMBA_DISABLE_JIT=1 (a plain Python/NumPy loop of the
              same rule), in a subprocess, over fewer steps
  hand        a scalar Numba loop written by hand for that one rule on Rosenbrock (the ceiling)
and the start-up times (import + first run, with the Numba cache warm).  A last column gives the
cost of asking for the optimizer's state (`record_state=True`, `Result.state`): the median over
interleaved pairs of (time with) / (time without), so that both see the same load; a run that does
not ask is the plain optviz run of the first column (compare it with `--baseline`).
`--custom` (or `--custom-only`) times a custom surface typed as a formula, in a fresh process whose
kernel cache is warm: its first run (parse, symbolic derivatives, stationary points, compiling the
formula) and a second run of the same formula (targets: 3 s and 50 ms).

    python benchmarks/kernel.py [--steps 100000] [--python-steps 2000] [--custom]   (or: optviz bench kernel)
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np
from numba import njit

import optviz

START = (-1.5, 2.0)
HP = {
    "sgd": {"lr": 2e-4},
    "momentum": {"lr": 1e-4, "momentum": 0.9},
    "nesterov": {"lr": 1e-4, "momentum": 0.9},
    "adagrad": {"lr": 0.05},
    "rmsprop": {"lr": 1e-3},
    "adadelta": {"lr": 1.0},
    "adam": {"lr": 1e-3},
    "amsgrad": {"lr": 1e-3},
    "adamw": {"lr": 1e-3},
    "nadam": {"lr": 1e-3},
    "newton": {"lr": 0.5},
    "random_search": {"seed": 0},
    "random_local_search": {"step": 0.05, "seed": 0},
    "radam": {"lr": 1e-3},
    "adamax": {"lr": 1e-3},
    "rprop": {"lr": 1e-3},
    "adafactor": {"lr": 1e-3},
    "lion": {"lr": 1e-4},
    "sam": {"lr": 2e-4, "rho": 0.01},
    "schedule_free_adamw": {"lr": 1e-3},
    "schedule_free_sgd": {"lr": 1e-4},
    "muon": {"lr": 1e-3},
    "lbfgs": {"lr": 1.0, "line_search": True},
}


# ---------------------------------------------------------------- hand-specialised ceilings


@njit(inline="always")
def _rosen(x, y):
    a = 1.0 - x
    b = y - x * x
    return a * a + 100.0 * b * b, -2.0 * a - 400.0 * x * b, 200.0 * b


@njit  # not cached: a cache written as benchmarks.kernel cannot load under __main__
def hand_gd(kind, n, lr, mu, x, y, path):
    """sgd (0), momentum (1), nesterov (2) on Rosenbrock, scalars only."""
    bx = by = 0.0
    path[0, 0], path[0, 1] = x, y
    for t in range(n):
        _, gx, gy = _rosen(x, y)
        if kind == 0:
            x -= lr * gx
            y -= lr * gy
        else:
            bx = mu * bx + gx
            by = mu * by + gy
            if kind == 1:
                x -= lr * bx
                y -= lr * by
            else:
                x -= lr * (gx + mu * bx)
                y -= lr * (gy + mu * by)
        path[t + 1, 0], path[t + 1, 1] = x, y
    return x


@njit  # not cached: a cache written as benchmarks.kernel cannot load under __main__
def hand_adagrad(n, lr, eps, x, y, path):
    sx = sy = 0.0
    path[0, 0], path[0, 1] = x, y
    for t in range(n):
        _, gx, gy = _rosen(x, y)
        sx += gx * gx
        sy += gy * gy
        x -= lr * gx / (np.sqrt(sx) + eps)
        y -= lr * gy / (np.sqrt(sy) + eps)
        path[t + 1, 0], path[t + 1, 1] = x, y
    return x


@njit  # not cached: a cache written as benchmarks.kernel cannot load under __main__
def hand_rmsprop(n, lr, a, eps, x, y, path):
    vx = vy = 0.0
    path[0, 0], path[0, 1] = x, y
    for t in range(n):
        _, gx, gy = _rosen(x, y)
        vx = a * vx + (1 - a) * gx * gx
        vy = a * vy + (1 - a) * gy * gy
        x -= lr * gx / (np.sqrt(vx) + eps)
        y -= lr * gy / (np.sqrt(vy) + eps)
        path[t + 1, 0], path[t + 1, 1] = x, y
    return x


@njit  # not cached: a cache written as benchmarks.kernel cannot load under __main__
def hand_adadelta(n, lr, rho, eps, x, y, path):
    vx = vy = ux = uy = 0.0
    path[0, 0], path[0, 1] = x, y
    for t in range(n):
        _, gx, gy = _rosen(x, y)
        vx = rho * vx + (1 - rho) * gx * gx
        vy = rho * vy + (1 - rho) * gy * gy
        dx = np.sqrt(ux + eps) / np.sqrt(vx + eps) * gx
        dy = np.sqrt(uy + eps) / np.sqrt(vy + eps) * gy
        ux = rho * ux + (1 - rho) * dx * dx
        uy = rho * uy + (1 - rho) * dy * dy
        x -= lr * dx
        y -= lr * dy
        path[t + 1, 0], path[t + 1, 1] = x, y
    return x


@njit  # not cached: a cache written as benchmarks.kernel cannot load under __main__
def hand_adam(kind, n, lr, b1, b2, eps, wd, x, y, path):
    """adam (0), amsgrad (1), adamw (2)."""
    mx = my = vx = vy = hx = hy = 0.0
    path[0, 0], path[0, 1] = x, y
    for t in range(1, n + 1):
        _, gx, gy = _rosen(x, y)
        if kind == 2:
            x *= 1 - lr * wd
            y *= 1 - lr * wd
        mx += (1 - b1) * (gx - mx)
        my += (1 - b1) * (gy - my)
        vx = b2 * vx + (1 - b2) * gx * gx
        vy = b2 * vy + (1 - b2) * gy * gy
        if kind == 1:
            hx = max(hx, vx)
            hy = max(hy, vy)
        else:
            hx, hy = vx, vy
        s = lr / (1 - b1**t)
        c = np.sqrt(1 - b2**t)
        x -= s * mx / (np.sqrt(hx) / c + eps)
        y -= s * my / (np.sqrt(hy) / c + eps)
        path[t, 0], path[t, 1] = x, y
    return x


@njit  # not cached: a cache written as benchmarks.kernel cannot load under __main__
def hand_nadam(n, lr, b1, b2, eps, psi, x, y, path):
    mx = my = vx = vy = 0.0
    prod = 1.0
    path[0, 0], path[0, 1] = x, y
    for t in range(1, n + 1):
        _, gx, gy = _rosen(x, y)
        mu = b1 * (1 - 0.5 * 0.96 ** (t * psi))
        mu1 = b1 * (1 - 0.5 * 0.96 ** ((t + 1) * psi))
        prod *= mu
        mx += (1 - b1) * (gx - mx)
        my += (1 - b1) * (gy - my)
        vx = b2 * vx + (1 - b2) * gx * gx
        vy = b2 * vy + (1 - b2) * gy * gy
        bc2 = 1 - b2**t
        dx = np.sqrt(vx / bc2) + eps
        dy = np.sqrt(vy / bc2) + eps
        cg = lr * (1 - mu) / (1 - prod)
        cm = lr * mu1 / (1 - prod * mu1)
        x -= cg * gx / dx + cm * mx / dx
        y -= cg * gy / dy + cm * my / dy
        path[t, 0], path[t, 1] = x, y
    return x


@njit  # not cached: a cache written as benchmarks.kernel cannot load under __main__
def hand_newton(n, lr, x, y, path):
    path[0, 0], path[0, 1] = x, y
    for t in range(n):
        _, gx, gy = _rosen(x, y)
        a = 2.0 - 400.0 * y + 1200.0 * x * x
        b = -400.0 * x
        c = 200.0
        phi = 0.5 * np.arctan2(2 * b, a - c)
        cs, sn = np.cos(phi), np.sin(phi)
        l1 = max(abs(a * cs * cs + 2 * b * cs * sn + c * sn * sn), 1e-6)
        l2 = max(abs(a * sn * sn - 2 * b * cs * sn + c * cs * cs), 1e-6)
        p1 = (cs * gx + sn * gy) / l1
        p2 = (-sn * gx + cs * gy) / l2
        x -= lr * (cs * p1 - sn * p2)
        y -= lr * (sn * p1 + cs * p2)
        path[t + 1, 0], path[t + 1, 1] = x, y
    return x


@njit  # not cached: a cache written as benchmarks.kernel cannot load under __main__
def hand_random(local, n, step, rand, x, y, path):
    f, _, _ = _rosen(x, y)
    path[0, 0], path[0, 1] = x, y
    for t in range(n):
        if local:
            cx, cy = x + step * rand[t, 0], y + step * rand[t, 1]
        else:
            cx, cy = rand[t, 0], rand[t, 1]
        cf, _, _ = _rosen(cx, cy)
        if cf < f:
            x, y, f = cx, cy, cf
        path[t + 1, 0], path[t + 1, 1] = x, y
    return x


# the rules with a hand-written ceiling below
HP_HAND = ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adadelta", "adam", "amsgrad", "adamw", "nadam")
HP_HAND += ("newton", "random_search", "random_local_search")


def hand_loop(name: str, n: int) -> float:
    """Run the hand-written loop for `name` (rand drawn outside the timing, as optviz draws its own inside)."""
    path = np.empty((n + 1, 2))
    x, y = START
    if name in ("sgd", "momentum", "nesterov"):
        hp = HP[name]
        return hand_gd(("sgd", "momentum", "nesterov").index(name), n, hp["lr"], hp.get("momentum", 0.0), x, y, path)
    if name == "adagrad":
        return hand_adagrad(n, 0.05, 1e-10, x, y, path)
    if name == "rmsprop":
        return hand_rmsprop(n, 1e-3, 0.99, 1e-8, x, y, path)
    if name == "adadelta":
        return hand_adadelta(n, 1.0, 0.9, 1e-6, x, y, path)
    if name in ("adam", "amsgrad", "adamw"):
        return hand_adam(("adam", "amsgrad", "adamw").index(name), n, 1e-3, 0.9, 0.999, 1e-8, 0.01, x, y, path)
    if name == "nadam":
        return hand_nadam(n, 1e-3, 0.9, 0.999, 1e-8, 0.004, x, y, path)
    if name == "newton":
        return hand_newton(n, 0.5, x, y, path)
    if name not in ("random_search", "random_local_search"):
        return np.nan  # no hand-written ceiling for this rule
    rng = np.random.default_rng(0)
    rand = rng.uniform((-2, -1), (2, 3), (n, 2)) if name == "random_search" else rng.standard_normal((n, 2))
    return hand_random(name == "random_local_search", n, 0.05, rand, x, y, path)


def state_cost(name: str, n: int, repeats: int) -> float:
    """Median of t(record_state=True) / t(record_state=False) over interleaved pairs of runs."""

    def timed(record: bool) -> float:
        t0 = time.perf_counter()
        optviz.run("rosenbrock", name, start=START, steps=n, record_state=record, **HP[name])
        return time.perf_counter() - t0

    timed(True)  # compile / warm
    return float(np.median([timed(True) / timed(False) for _ in range(2 * repeats + 1)]))


def best_rate(fn, n: int, repeats: int) -> float:
    """Steps per second of the fastest of `repeats` calls (the least disturbed by other load)."""
    fn()  # compile / warm
    best = np.inf
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return n / best


PY_SNIPPET = """
import json, sys, time, optviz
names, n = json.loads(sys.argv[1]), int(sys.argv[2])
hp = json.loads(sys.argv[3])
out = {}
for name in names:
    t0 = time.perf_counter()
    optviz.run("rosenbrock", name, start=(-1.5, 2.0), steps=n, **hp[name])
    out[name] = n / (time.perf_counter() - t0)
print(json.dumps(out))
"""


def python_rates(names: list[str], n: int) -> dict[str, float]:
    """The same optviz code with the JIT disabled: Python/NumPy interpreting the same rules."""
    env = dict(os.environ, NUMBA_DISABLE_JIT="1")
    out = subprocess.run(
        [sys.executable, "-c", PY_SNIPPET, json.dumps(names), str(n), json.dumps(HP)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def startup_times() -> tuple[float, float]:
    """Seconds for `import optviz` + a first run in a fresh process: warm cache, and cold (empty cache dir)."""
    import tempfile

    code = (
        "import time; t = time.perf_counter(); import optviz; "
        "optviz.run('rosenbrock', 'adam', steps=500); print(time.perf_counter() - t)"
    )
    warm = float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)
    with tempfile.TemporaryDirectory() as d:
        env = dict(os.environ, NUMBA_CACHE_DIR=d)
        cold_code = code.replace(
            "optviz.run('rosenbrock', 'adam', steps=500)", "optviz.mlp.warmup(include_surfaces=True)"
        )
        cold = float(
            subprocess.run(
                [sys.executable, "-c", cold_code], env=env, capture_output=True, text=True, check=True
            ).stdout
        )
    return warm, cold


CUSTOM_FORMULA = "sin(3*x) * cos(2*y) + 0.1*(x**2 + y**2)"
CUSTOM_SNIPPET = """
import json, sys, time
t = time.perf_counter()
import optviz
imported = time.perf_counter() - t
out = {"import": imported}
for opt in ("adam", "newton"):
    f = sys.argv[1] + (" + 0.01*x*y" if opt == "newton" else "")  # a formula this process has not seen
    for run in ("first", "second"):
        t = time.perf_counter()
        optviz.run("custom", opt, formula=f, bounds=((-3, 3), (-3, 3)), start=(1.0, 1.0), steps=500)
        out[f"{opt} {run}"] = time.perf_counter() - t
print(json.dumps(out))
"""


def custom_times() -> dict[str, float]:
    """Seconds of a custom surface's first and second run (adam; newton, which also compiles the Hessian),
    in a fresh process with the kernel cache warm (a first process warms it)."""

    def once(formula: str) -> dict[str, float]:
        out = subprocess.run(
            [sys.executable, "-c", CUSTOM_SNIPPET, formula], capture_output=True, text=True, check=True
        )
        return json.loads(out.stdout.strip().splitlines()[-1])

    once("x**2 + y**2")  # compiles (or loads) the rules' custom-surface loops into the disk cache
    return once(CUSTOM_FORMULA)


def print_custom() -> None:
    t = custom_times()
    print(f"\ncustom surface {CUSTOM_FORMULA!r}, 500 steps, fresh process, kernel cache warm")
    print(f"(import optviz: {t['import']:.2f} s, not counted)\n")
    print("| optimizer | first run (s) | second run (ms) | targets |")
    print("|---|---:|---:|---|")
    for opt in ("adam", "newton"):
        print(f"| {opt} | {t[opt + ' first']:.2f} | {t[opt + ' second'] * 1e3:.1f} | < 3 s, < 50 ms |")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=100_000)
    ap.add_argument("--python-steps", type=int, default=2_000)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--only", default="", help="comma-separated optimizer names")
    ap.add_argument("--no-startup", action="store_true", help="skip the start-up (warm and cold compile) timings")
    ap.add_argument("--baseline", default="", help="an earlier output of this script: print after/before ratios")
    ap.add_argument("--custom", action="store_true", help="also time a custom surface's first and second run")
    ap.add_argument("--custom-only", action="store_true", help="only time a custom surface's first and second run")
    a = ap.parse_args(argv)
    if a.custom_only:
        print_custom()
        return 0
    names = [n for n in optviz.OPTIMIZERS if not a.only or n in a.only.split(",")]
    n = a.steps
    py = python_rates(names, a.python_steps)
    rows = []
    for name in names:
        ours = best_rate(lambda o=name: optviz.run("rosenbrock", o, start=START, steps=n, **HP[o]), n, a.repeats)
        has_hand = name in HP_HAND
        hand = best_rate(lambda o=name: hand_loop(o, n), n, a.repeats) if has_hand else np.nan
        rows.append((name, ours, py[name], hand))
    # after every plain timing: a recording run's large temporaries change how later allocations
    # fault in fresh pages; measured in between, they cut the next optimizer's plain rate by 10-30%
    # (momentum's, after SGD's recording runs)
    rows = [(*row, state_cost(row[0], n, a.repeats)) for row in rows]
    print(f"Rosenbrock, {n:,} steps with the path recorded (python: {a.python_steps:,} steps, JIT disabled)\n")
    print(
        "| optimizer | optviz steps/s | python steps/s | hand loop steps/s | optviz / python | optviz / hand "
        "| time with state / without |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, ours, p, hand, cost in rows:
        hand_s = f"{hand / 1e6:.2f} M" if np.isfinite(hand) else "—"
        ratio = f"{ours / hand:.2f}" if np.isfinite(hand) else "—"
        print(f"| {name} | {ours / 1e6:.2f} M | {p / 1e3:.1f} k | {hand_s} | {ours / p:,.0f}x | {ratio} | {cost:.2f} |")
    if a.baseline:
        base = {}
        for line in open(a.baseline, encoding="utf-8"):
            cells = [c.strip() for c in line.split("|")]
            if len(cells) > 3 and cells[1] in HP and cells[2].endswith(" M"):
                base[cells[1]] = float(cells[2][:-2]) * 1e6
        print("\n| optimizer | before steps/s | after steps/s | after / before |")
        print("|---|---:|---:|---:|")
        for name, ours, *_ in rows:
            if name in base:
                print(f"| {name} | {base[name] / 1e6:.2f} M | {ours / 1e6:.2f} M | {ours / base[name]:.2f} |")
    if a.custom:
        print_custom()
    if a.no_startup:
        return 0
    warm, cold = startup_times()
    print(f"\nimport optviz + first run, warm Numba cache: {warm:.2f} s;", end=" ")
    print(f"cold compile of all kernels (MLP too): {cold:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
