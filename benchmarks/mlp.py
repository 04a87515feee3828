"""MLP benchmark: training steps per second of optviz's Numba MLP against PyTorch, and a landscape plane.

Network 2-16-16-2 (tanh and relu), 256 points of two moons, full-batch Adam (lr 1e-2), measured
in this run:
  optviz          `optviz.mlp.train(...)`: validation, init, the one training kernel; it records
                  the parameters, loss and accuracy at every step (PyTorch records nothing)
  torch float32   autograd + torch.optim.Adam, nn.Linear layers, one thread, CPU
  torch float64   the same in double precision (what optviz computes in)
and the time of a 41 x 41 landscape plane (1681 full-batch losses over the 256 points).  Then the
page's work per move, the panels of a scene trained and their decision grids drawn: on one thread
per core (as the page does) against one after another (`os.cpu_count` seen as 1), same results.
Every time is the best of `--repeats` runs (the least disturbed by other load), after a warm-up.

    python benchmarks/mlp.py [--steps 3000] [--torch-steps 1000]   (or: optviz bench mlp)
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

from optviz import mlp

HIDDEN = (16, 16)
LR = 1e-2


def best_time(fn, repeats: int) -> float:
    """Seconds of the fastest of `repeats` calls, after one warm-up call."""
    fn()
    best = np.inf
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def optviz_rate(X: np.ndarray, y: np.ndarray, activation: str, steps: int, repeats: int) -> float:
    def run() -> None:
        mlp.train(X, y, hidden=HIDDEN, activation=activation, optimizer="adam", steps=steps, lr=LR)

    return steps / best_time(run, repeats)


def torch_rate(X: np.ndarray, y: np.ndarray, activation: str, steps: int, repeats: int, dtype: str) -> float | None:
    """Steps per second of the textbook PyTorch loop (zero_grad, forward, loss, backward, step)."""
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(1)
    dt = {"float32": torch.float32, "float64": torch.float64}[dtype]
    act = {"tanh": torch.nn.Tanh, "relu": torch.nn.ReLU}[activation]
    torch.manual_seed(0)
    layers: list[torch.nn.Module] = []
    sizes = (2, *HIDDEN, 2)
    for i in range(len(sizes) - 1):
        layers.append(torch.nn.Linear(sizes[i], sizes[i + 1]))
        if i < len(sizes) - 2:
            layers.append(act())
    net = torch.nn.Sequential(*layers).to(dt)
    opt = torch.optim.Adam(net.parameters(), lr=LR)
    loss_fn = torch.nn.CrossEntropyLoss()
    Xt = torch.tensor(X, dtype=dt)
    yt = torch.tensor(y)

    def run() -> None:
        for _ in range(steps):
            opt.zero_grad()
            loss = loss_fn(net(Xt), yt)
            loss.backward()
            opt.step()

    return steps / best_time(run, repeats)


def landscape_time(X: np.ndarray, y: np.ndarray, activation: str, repeats: int) -> float:
    r = mlp.train(X, y, hidden=HIDDEN, activation=activation, steps=300, lr=LR)
    return best_time(lambda: mlp.landscape(r, directions="filter", resolution=41), repeats)


def panels_rows(repeats: int) -> list[tuple[str, float, float, float, float]]:
    """(scene, train threaded, train in turn, grids threaded, grids in turn) in seconds, best of `repeats`."""
    from dataclasses import replace

    from optviz.config import MLPConfig
    from optviz.config.mlp import preset
    from optviz.figures import mlp as figures_mlp
    from optviz.runs import mlp as runs_mlp

    scenes = {
        "default view, 3 panels": MLPConfig(),
        "ReLU: He vs Xavier, 5 panels": replace(preset("ReLU: He vs Xavier"), hidden=(32, 32, 32)),
    }
    out = []
    real = os.cpu_count
    for name, cfg in scenes.items():
        times = []
        for cores in (real, lambda: 1):
            os.cpu_count = cores
            try:
                train = best_time(lambda cfg=cfg: runs_mlp.train_runs(cfg), repeats)
                run = runs_mlp.train_runs(cfg)
                grids = best_time(lambda run=run: figures_mlp.decision_boundary_figure(run.results, 40, 60), repeats)
            finally:
                os.cpu_count = real
            times += [train, grids]
        out.append((name, times[0], times[2], times[1], times[3]))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=3000, help="optviz training steps per timed run")
    ap.add_argument("--torch-steps", type=int, default=1000, help="PyTorch training steps per timed run")
    ap.add_argument("--repeats", type=int, default=5)
    a = ap.parse_args(argv)
    X, y = mlp.make_dataset("moons", n=256, noise=0.1, seed=0)

    def fmt(rate: float | None) -> str:
        return "n/a" if rate is None else f"{rate:,.0f}"

    def ratio(ours: float, theirs: float | None) -> str:
        return "n/a" if theirs is None else f"{ours / theirs:.1f}x"

    rows = []
    for act in ("tanh", "relu"):
        ours = optviz_rate(X, y, act, a.steps, a.repeats)
        t32 = torch_rate(X, y, act, a.torch_steps, a.repeats, "float32")
        t64 = torch_rate(X, y, act, a.torch_steps, a.repeats, "float64")
        plane = landscape_time(X, y, act, a.repeats)
        rows.append((act, ours, t32, t64, plane))
    print(f"MLP 2-16-16-2, 256 points, full-batch Adam; optviz {a.steps:,} steps, torch {a.torch_steps:,} steps")
    print("(CPU, torch.set_num_threads(1)); optviz computes in float64 and records params and loss every step\n")
    print(
        "| activation | optviz steps/s | torch float32 steps/s | torch float64 steps/s "
        "| vs torch float32 | vs torch float64 | 41x41 landscape plane |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    for act, ours, t32, t64, plane in rows:
        print(
            f"| {act} | {fmt(ours)} | {fmt(t32)} | {fmt(t64)} | {ratio(ours, t32)} | {ratio(ours, t64)} "
            f"| {plane * 1e3:.0f} ms |"
        )
    print(f"\nThe page's panels: trained, and their 40-frame 60 x 60 decision boundary built, {os.cpu_count()} cores\n")
    print("| scene | train, threads | train, in turn | ratio | boundary, threads | boundary, in turn | ratio |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, tt, ts, bt, bs in panels_rows(a.repeats):
        print(f"| {name} | {tt:.3f} s | {ts:.3f} s | {tt / ts:.2f} | {bt:.3f} s | {bs:.3f} s | {bt / bs:.2f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
