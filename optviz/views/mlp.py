"""The MLP view: a tiny MLP trained on 2D toy data by the same update rules (`optviz.views.base.View`)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import plotly.graph_objects as go

from optviz.config import Scene
from optviz.config.mlp import FIGURES
from optviz.figures.mlp import boundary_live, mlp_figure, spoken_run
from optviz.i18n import _, use_lang
from optviz.runs.mlp import MLPRun, add_parts, parts_for, run_mlp_scene


@dataclass(frozen=True)
class MLPView:
    """Trains `scene.mlp`'s panels; draws the figure its config names (or any of FIGURES)."""

    name: str = "mlp"
    figures: tuple[str, ...] = FIGURES
    csv_columns: tuple[str, ...] = ("step", "run", "optimizer", "loss", "val_loss", "accuracy", "val_accuracy", "lr")

    def run(self, scene: Scene) -> MLPRun:
        return run_mlp_scene(scene)

    def with_parts(self, run: MLPRun, figures: Iterable[str]) -> MLPRun:
        """`run` with the extras that `figures` need (computed once, kept on the returned run)."""
        return add_parts(run, parts_for(figures))

    def figure(self, scene: Scene, results: Any, name: str | None = None, *, animate: bool = True) -> go.Figure:
        run = self.with_parts(results, [name or scene.mlp.figure])
        return mlp_figure(scene, run, name, animate=animate)

    def boundary_live(
        self, scene: Scene, results: Any, *, frames: int, height: int | None = None
    ) -> tuple[go.Figure, list[dict[str, Any]]]:
        """The decision boundary with its frames apart, as plain dicts (the page's live chart:
        `optviz.figures.live.live_payload_mlp(fig, frames=...)`)."""
        return boundary_live(scene, self.with_parts(results, ["boundary"]), frames=frames, height=height)

    def table(self, scene: Scene, results: Any) -> list[dict[str, str]]:
        """The results table people read: headers, words and run labels in the scene's language."""
        with use_lang(scene.display.lang):
            return self._table(spoken_run(results))

    def _table(self, results: MLPRun) -> list[dict[str, str]]:
        def num(v: float | None, fmt: str) -> str:
            return "—" if v is None else format(v, fmt)

        def step(v: int | None, none: str = "—") -> str:
            return none if v is None else _("step {step}").format(step=f"{v:,}")

        no = _("no")
        return [
            {
                _("run"): row["run"],
                _("train loss"): num(row["train loss"], ".4g"),
                _("validation loss"): num(row["validation loss"], ".4g"),
                _("train accuracy"): num(row["train accuracy"], ".1%"),
                _("validation accuracy"): num(row["validation accuracy"], ".1%"),
                _("lowest validation loss"): step(row["lowest validation loss at step"]),
                _("early stop"): step(row["early stop at step"], no),
                _("diverged"): step(row["diverged at step"], no),
            }
            for row in results.summary()
        ]

    def csv_rows(self, scene: Scene, results: Any) -> Iterator[dict[str, Any]]:
        """One row per run and recorded step: data loss and accuracy (train, validation), the step's lr.

        A CSV file is data for programs: its column names (`csv_columns`) stay English in every
        language; the run column holds the panels' labels in the scene's language."""
        nan = math.nan
        with use_lang(scene.display.lang):
            results = spoken_run(results)
        for r in results.results:
            for i, step in enumerate(r.step):
                yield {
                    "step": int(step),
                    "run": r.label,
                    "optimizer": r.optimizer,
                    "loss": float(r.data_loss[i]),
                    "val_loss": nan if r.val_loss is None else float(r.val_loss[i]),
                    "accuracy": float(r.accuracy[i]),
                    "val_accuracy": nan if r.val_accuracy is None else float(r.val_accuracy[i]),
                    "lr": float(r.lr[step - 1]) if step >= 1 else nan,
                }


MLP = MLPView()

__all__ = ["MLP", "MLPView"]
