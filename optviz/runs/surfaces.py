"""Run a scene of the surfaces view: every optimizer of `scene.surfaces` from the same start; the
scene's run settings as the keyword arguments of a batch of runs (`batch_options`)."""

from __future__ import annotations

from typing import Any

import numpy as np

from optviz.api import Result, compare
from optviz.config import Scene, SurfacesConfig


def batch_options(cfg: SurfacesConfig, **over: Any) -> dict[str, Any]:
    """The scene's shared run settings (`SurfacesConfig.run_options`) as keyword arguments of
    `optviz.batch.run_batch`: one start and one noise seed for every run; `over` replaces any of them
    (the maps, basins, seed bands and sweeps vary one of them per run)."""
    o = cfg.run_options()
    start, seed = o.pop("start"), o.pop("noise_seed")
    return {"starts": np.asarray(start, dtype=np.float64), "noise_seeds": seed, **o, **over}


def run_scene(scene: Scene, *, record_state: bool = False) -> list[Result]:
    """The surfaces-view results of a scene, one per optimizer, in order.

    record_state: keep each optimizer's state after every step (`Result.state`), for the pictures
    of one step and of the per-coordinate state."""
    s = scene.surfaces
    opts = s.run_options()
    if record_state:
        opts["record_state"] = True
    return compare(s.surface, [(o.name, o.kwargs) for o in s.optimizers], **opts)


__all__ = ["run_scene"]
