"""The lecture scenes of one step and of many runs show what their captions say, in the numbers;
each check is also run on the scene with the effect removed, where it must not hold."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from optviz.config import OptimizerSpec, Scene
from optviz.runs.basins import basins, differing_cells
from optviz.runs.inside import step_parts
from optviz.runs.seeds import seed_band
from optviz.views import SURFACES
from optviz.views.surfaces import SCENES_DIR
from surfaces import SURFACES as SURFACES_REGISTRY


def _scene(name: str) -> Scene:
    return Scene.from_json((SCENES_DIR / f"{name}.json").read_text(encoding="utf-8"))


def _with_optimizer(scene: Scene, i: int, spec: OptimizerSpec) -> Scene:
    opts = list(scene.surfaces.optimizers)
    opts[i] = spec
    return replace(scene, surfaces=replace(scene.surfaces, optimizers=tuple(opts)))


def _momentum_moves_starts(scene: Scene) -> float:
    return differing_cells(basins(scene, 0, cells=48), basins(scene, 1, cells=48))


def test_basins_momentum_sends_starts_to_other_minima() -> None:
    scene = _scene("basins_himmelblau")
    assert _momentum_moves_starts(scene) >= 0.10  # "about one start in six"
    # effect removed: momentum 0 at gradient descent's lr is gradient descent, start for start
    plain = _with_optimizer(scene, 1, OptimizerSpec("momentum", (("lr", 0.01), ("momentum", 0.0))))
    assert _momentum_moves_starts(plain) < 0.10


def _minima_reached(scene: Scene) -> int:
    band = seed_band(scene, 0, seeds=20)
    ends = band.paths[:, -1]
    minima = np.array([[m.x, m.y] for m in SURFACES_REGISTRY["himmelblau"].minima])
    nearest = np.argmin(((ends[:, None, :] - minima[None]) ** 2).sum(-1), axis=1)
    return len(set(nearest.tolist()))


def test_seed_bands_noisy_runs_split_between_minima() -> None:
    scene = _scene("seed_bands_himmelblau")
    assert _minima_reached(scene) >= 2  # "the runs split between minima"
    calm = replace(scene, surfaces=replace(scene.surfaces, noise=0.01))
    assert _minima_reached(calm) == 1


def _momentum_turns_the_step(scene: Scene) -> float:
    """cos of the angle between momentum's update and its plain gradient step at the scene's step."""
    results = SURFACES.run(scene)
    k = [r.optimizer for r in results].index("momentum")
    p = step_parts(results[k], scene.analysis.step)
    u, g = p.arrow("update").vector, p.arrow("gradient").vector
    return float(np.dot(u, g) / (np.linalg.norm(u) * np.linalg.norm(g)))


def test_inside_one_step_momentum_goes_where_the_gradient_does_not() -> None:
    scene = _scene("inside_one_step")
    assert _momentum_turns_the_step(scene) < 0.5  # its velocity, not this gradient, sets the step
    plain = _with_optimizer(scene, 1, OptimizerSpec("momentum", (("lr", 0.05), ("momentum", 0.0))))
    assert _momentum_turns_the_step(plain) > 0.999
