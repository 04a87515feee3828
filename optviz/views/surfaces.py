"""The surfaces view: optimizers racing over a 2D test surface (`optviz.views.base.View`).

Besides the race, a surfaces scene has a hyperparameter map (C31, figure "hpmap"): a grid and a
random search over lr x a second hyperparameter of its first optimizer (`optviz.runs.hpmap`).
The scene format has no field that says "draw the map", so the shipped scenes listed in
`optviz.runs.hpmap.SCENE_MAPS` are drawn as a map by default: a scene whose settings, except the
swept hyperparameters and the other runs, are those of such a file (`map_spec`); once one of those
is edited, the scene is drawn as the race again (the page keeps the map in a tab).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import plotly.graph_objects as go

from optviz import figures
from optviz.api import Result
from optviz.config import Scene, SurfacesConfig
from optviz.figures.hpmap import hpmap_figure
from optviz.i18n import _, use_lang
from optviz.runs.hpmap import SCENE_MAPS, HPMap, MapSpec, hyperparameter_map
from optviz.runs.surfaces import run_scene
from optviz.validate import check_choice
from surfaces import SURFACES as SURFACE_REGISTRY

SCENES_DIR = Path(__file__).resolve().parent.parent / "scenes"


def _map_key(s: SurfacesConfig) -> tuple[Any, ...]:
    """What a map depends on: everything but the hyperparameters it sweeps (so a map scene stays one
    when the page's lr slider shows the scene's lr at its nearest grid value) and the other runs."""
    first = s.optimizers[0].name if s.optimizers else None
    start = tuple(float(v) for v in s.start_point)  # None and the surface default alike
    return (s.surface, s.surface_params, start, s.steps, s.noise, s.noise_seed, s.clip_norm, s.l2, s.schedule, first)


@functools.cache
def _map_scenes() -> dict[tuple[Any, ...], MapSpec]:
    """The settings of each shipped map scene (`_map_key`) -> its map's spec (files read once)."""
    out = {}
    for name, spec in SCENE_MAPS.items():
        scene = Scene.from_json((SCENES_DIR / f"{name}.json").read_text(encoding="utf-8"))
        out[_map_key(scene.surfaces)] = spec
    return out


def map_spec(scene: Scene) -> MapSpec | None:
    """The map's spec when `scene` has the settings of a shipped map scene (`_map_key`), else None."""
    return _map_scenes().get(_map_key(scene.surfaces))


@functools.lru_cache(maxsize=8)
def _hpmap(surfaces: SurfacesConfig, spec: MapSpec) -> HPMap:
    return hyperparameter_map(surfaces, spec)


def hpmap_of(scene: Scene) -> HPMap:
    """The scene's hyperparameter map (computed once per setting: ~0.2-0.4 s for 24 x 24 + 30 runs)."""
    return _hpmap(scene.surfaces, map_spec(scene) or MapSpec())


def default_figure(scene: Scene) -> str:
    """The figure a scene shows and exports: "hpmap" for a shipped map scene, else "scene"."""
    return "hpmap" if map_spec(scene) is not None else "scene"


@dataclass(frozen=True)
class SurfacesView:
    """Runs `scene.surfaces`; draws the page's trajectory + loss figure and its companions."""

    name: str = "surfaces"
    figures: tuple[str, ...] = ("scene", "trajectory", "loss", "surface3d", "lr", "effective_lr", "hpmap")
    csv_columns: tuple[str, ...] = ("step", "optimizer", "x", "y", "loss", "lr")

    def run(self, scene: Scene) -> list[Result]:
        return run_scene(scene)

    def figure(self, scene: Scene, results: Any, name: str | None = None, *, animate: bool = True) -> go.Figure:
        """The figure `name` in the scene's language (`display.lang`)."""
        name = default_figure(scene) if name is None else check_choice("figure", name, self.figures)
        with use_lang(scene.display.lang):
            return self._figure(scene, results, name, animate)

    def _figure(self, scene: Scene, results: Any, name: str, animate: bool) -> go.Figure:
        if name == "hpmap":  # its own runs (the grid and the samples), not the race's results
            return hpmap_figure(scene, hpmap_of(scene))
        if name == "scene":
            return figures.scene_figure(scene, results, animate=animate)
        if name == "trajectory":
            return figures.trajectory_figure(scene, results, animate=animate)
        if name == "loss":
            return figures.loss_figure(scene, results, animate=animate)
        if name == "surface3d":
            return figures.surface3d_figure(scene, results)
        if name == "lr":
            return figures.lr_figure(scene, results)
        return figures.effective_lr_figure(scene, results)

    def table(self, scene: Scene, results: Any) -> list[dict[str, str]]:
        """`figures.results_table` as text: no 'None', numbers to 4 significant digits.  A table
        people read: its headers and words are in the scene's language (`display.lang`)."""
        with use_lang(scene.display.lang):
            return self._table(scene, results)

    def _table(self, scene: Scene, results: Any) -> list[dict[str, str]]:
        tol = f"first step with f − f* ≤ {figures.CONVERGENCE_TOL:g}"
        has_min = bool(SURFACE_REGISTRY[scene.surfaces.surface].minima)
        reaches = _("reaches f* + {tol}").format(tol=f"{figures.CONVERGENCE_TOL:g}")
        out = []
        for row in figures.results_table(scene, results):
            dist = row["distance to nearest minimum"]
            first = row[tol]
            reach = _("never") if first is None else _("step {step}").format(step=f"{first:,}")
            reach = reach if has_min else "—"
            out.append(
                {
                    _("optimizer"): row["optimizer"],
                    _("final loss"): "—" if row["final loss"] is None else f"{row['final loss']:.4g}",
                    _("distance to nearest minimum"): _("{distance} to {minimum}").format(
                        distance=f"{dist:.3g}", minimum=row["nearest minimum"]
                    )
                    if has_min
                    else _("no minimum"),
                    reaches: reach,
                    _("diverged"): row["diverged"] or _("no"),
                    _("steps run"): f"{row['steps run']:,}",
                }
            )
        return out

    def csv_rows(self, scene: Scene, results: Any) -> Iterator[dict[str, Any]]:
        """One row per optimizer and point: step 0 is the start; lr is the one used by that step.

        A CSV file is data for programs: its column names (`csv_columns`) stay English in every
        language; the optimizer column holds the legend labels in the scene's language."""
        with use_lang(scene.display.lang):
            labels = scene.surfaces.labels()
        for label, r in zip(labels, results):
            for i in range(r.path.shape[0]):
                yield {
                    "step": i,
                    "optimizer": label,
                    "x": float(r.path[i, 0]),
                    "y": float(r.path[i, 1]),
                    "loss": float(r.loss[i]),
                    "lr": float(r.lr[i - 1]) if i else math.nan,
                }


SURFACES = SurfacesView()

__all__ = ["SURFACES", "SurfacesView"]
