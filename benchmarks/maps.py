"""Maps benchmark: the three maps of many runs (issue 11) end to end, warm, median of --repeats calls.

c31 map      the shipped C31 scene's 24 x 24 lr x momentum map + 30 samples (500 steps, Rosenbrock)
             through `hyperparameter_map` (one batched call), and as one `optviz.run` per cell
128 map      a 128 x 128 lr x momentum map on the bowl (500 steps), and its figure
kappa map    a 24 x 24 lr x kappa map (one batched call per kappa value: `run_batch` shares the
             surface parameters across its runs)
basins       64 x 64 starts on Himmelblau (300 steps, keep="loss" for the settling time), and the
             two-panel figure
seed band    20 noise seeds of a 1000-step run (keep="path"), and its figure

  python benchmarks/maps.py [--repeats 5]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import optviz
from optviz.config import OptimizerSpec, Scene, SurfacesConfig
from optviz.figures.basins import basins_figure
from optviz.figures.hpmap import hpmap_figure
from optviz.figures.seeds import seed_band_figure
from optviz.runs.basins import basins
from optviz.runs.hpmap import SCENE_MAPS, MapSpec, hyperparameter_map
from optviz.runs.seeds import seed_bands

SCENES = Path(__file__).resolve().parent.parent / "optviz" / "scenes"


def median_time(fn: Callable[[], object], repeats: int) -> float:
    fn()  # warm: compile or load the kernels, fill the contour caches
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def unbatched(scene: Scene, spec: MapSpec) -> None:
    """The map as it was computed before the batched kernel: one `optviz.run` per cell and sample."""
    m = hyperparameter_map(scene, spec)  # for its grid only (timed apart below)
    cfg = scene.surfaces
    for lr in m.lr:
        for h in m.h2_values:
            optviz.run(cfg.surface, "momentum", **cfg.run_options(), lr=float(lr), momentum=float(h))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    r = args.repeats
    c31 = Scene.from_json((SCENES / "c31_hyperparameter_search.json").read_text(encoding="utf-8"))
    spec = SCENE_MAPS["c31_hyperparameter_search"]
    batched = median_time(lambda: hyperparameter_map(c31, spec), r)
    one_map = median_time(lambda: hyperparameter_map(c31, spec), 1)
    loop = median_time(lambda: unbatched(c31, spec), max(1, r // 2)) - one_map
    print(
        f"c31 map 24x24+30     batched {batched * 1e3:8.1f} ms   "
        f"per-cell optviz.run {loop * 1e3:8.1f} ms   ratio {loop / batched:5.1f}x"
    )

    bowl = Scene(
        surfaces=SurfacesConfig(
            surface="bowl", steps=500, optimizers=(OptimizerSpec("momentum", (("lr", 0.05), ("momentum", 0.9))),)
        )
    )
    big = MapSpec(h2="momentum", cells=128, lr_range=(1e-3, 1.0), h2_range=(0.0, 0.99))
    t_map = median_time(lambda: hyperparameter_map(bowl, big), r)
    m = hyperparameter_map(bowl, big)
    t_fig = median_time(lambda: hpmap_figure(bowl, m), r)
    print(f"bowl map 128x128     map {t_map * 1e3:8.1f} ms   figure {t_fig * 1e3:8.1f} ms")
    t_k = median_time(lambda: hyperparameter_map(bowl, MapSpec(h2="kappa", cells=24)), r)
    print(f"bowl map lr x kappa  24x24+30 (54 calls) {t_k * 1e3:8.1f} ms")

    him = Scene(
        surfaces=SurfacesConfig(
            surface="himmelblau",
            steps=300,
            optimizers=(
                OptimizerSpec("sgd", (("lr", 0.01),)),
                OptimizerSpec("momentum", (("lr", 0.002), ("momentum", 0.9))),
            ),
        )
    )
    t_b = median_time(lambda: basins(him, 0), r)
    pair = [basins(him, 0), basins(him, 1)]
    t_bf = median_time(lambda: basins_figure(him, pair), r)
    print(f"basins 64x64         runs {t_b * 1e3:8.1f} ms   figure (2 panels) {t_bf * 1e3:8.1f} ms")

    noisy = Scene(
        surfaces=SurfacesConfig(
            surface="himmelblau", steps=1000, noise=5.0, optimizers=(OptimizerSpec("sgd", (("lr", 0.005),)),)
        )
    )
    t_s = median_time(lambda: seed_bands(noisy, 20), r)
    bands = seed_bands(noisy, 20)
    t_sf = median_time(lambda: seed_band_figure(noisy, bands), r)
    print(f"seed band 20 seeds   runs {t_s * 1e3:8.1f} ms   figure {t_sf * 1e3:8.1f} ms")


if __name__ == "__main__":
    main()
