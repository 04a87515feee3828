"""Run a scene of the surfaces view: every optimizer of `scene.surfaces` from the same start."""

from __future__ import annotations

from optviz.api import Result, compare
from optviz.config import Scene


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
