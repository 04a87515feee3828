"""The view protocol (see `optviz.views`): what the page and the exporters need from a view."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Protocol

import plotly.graph_objects as go

from optviz.config import Scene


class View(Protocol):
    """A view of the page: its numbers, its figures, its table and its CSV, from a Scene.

    name: the scene.view it draws; figures: the names `figure` takes (the first is the default
    of a surfaces scene; the MLP view's default is its config's `figure`); csv_columns: the keys
    of every CSV row.
    """

    name: str
    figures: tuple[str, ...]
    csv_columns: tuple[str, ...]

    def run(self, scene: Scene) -> Any:
        """The numbers of the scene (pure; cached by the page per scene)."""
        ...

    def figure(self, scene: Scene, results: Any, name: str | None = None, *, animate: bool = True) -> go.Figure:
        """The figure `name` (None: the scene's own figure), with the scene's display applied."""
        ...

    def table(self, scene: Scene, results: Any) -> list[dict[str, str]]:
        """The results table as text (one row per run), for the page and for slides."""
        ...

    def csv_rows(self, scene: Scene, results: Any) -> Iterable[Mapping[str, Any]]:
        """One dict per run and recorded step, with the keys `csv_columns`."""
        ...
