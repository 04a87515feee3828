"""Run a scene of the surfaces view: every optimizer of `scene.surfaces` from the same start."""

from __future__ import annotations

from optviz.api import Result, compare
from optviz.config import Scene


def run_scene(scene: Scene) -> list[Result]:
    """The surfaces-view results of a scene, one per optimizer, in order."""
    s = scene.surfaces
    return compare(s.surface, [(o.name, o.kwargs) for o in s.optimizers], **s.run_options())


__all__ = ["run_scene"]
