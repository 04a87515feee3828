"""The surfaces view: optimizers racing over a 2D test surface (`optviz.views.base.View`)."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import plotly.graph_objects as go

from optviz import figures
from optviz.api import Result
from optviz.config import Scene
from optviz.runs.surfaces import run_scene
from optviz.validate import check_choice
from surfaces import SURFACES as SURFACE_REGISTRY


@dataclass(frozen=True)
class SurfacesView:
    """Runs `scene.surfaces`; draws the page's trajectory + loss figure and its companions."""

    name: str = "surfaces"
    figures: tuple[str, ...] = ("scene", "trajectory", "loss", "surface3d", "lr", "effective_lr")
    csv_columns: tuple[str, ...] = ("step", "optimizer", "x", "y", "loss", "lr")

    def run(self, scene: Scene) -> list[Result]:
        return run_scene(scene)

    def figure(self, scene: Scene, results: Any, name: str | None = None, *, animate: bool = True) -> go.Figure:
        name = "scene" if name is None else check_choice("figure", name, self.figures)
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
        """`figures.results_table` as text: no 'None', numbers to 4 significant digits."""
        tol = f"first step with f − f* ≤ {figures.CONVERGENCE_TOL:g}"
        has_min = bool(SURFACE_REGISTRY[scene.surfaces.surface].minima)
        out = []
        for row in figures.results_table(scene, results):
            dist = row["distance to nearest minimum"]
            first = row[tol]
            reach = "—" if not has_min else ("never" if first is None else f"step {first:,}")
            out.append(
                {
                    "optimizer": row["optimizer"],
                    "final loss": "—" if row["final loss"] is None else f"{row['final loss']:.4g}",
                    "distance to nearest minimum": f"{dist:.3g} to {row['nearest minimum']}"
                    if has_min
                    else "no minimum",
                    f"reaches f* + {figures.CONVERGENCE_TOL:g}": reach,
                    "diverged": row["diverged"] or "no",
                    "steps run": f"{row['steps run']:,}",
                }
            )
        return out

    def csv_rows(self, scene: Scene, results: Any) -> Iterator[dict[str, Any]]:
        """One row per optimizer and point: step 0 is the start; lr is the one used by that step."""
        for label, r in zip(scene.surfaces.labels(), results):
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
