"""The views: one small protocol that both the surfaces view and the MLP view implement.

    view = view_of(scene)                  # SURFACES or MLP, by scene.view
    results = view.run(scene)              # the numbers (run once, shared by the page and every export)
    fig = view.figure(scene, results)      # the scene's figure (or a named one), display applied
    rows = view.table(scene, results)      # the page's results table, as text
    for row in view.csv_rows(scene, results): ...   # the CSV export, with view.csv_columns

The page, the exporters and the CLI call this protocol and never a view's internals, so a new
view (or a new figure of one) is added in one place.  An export from the page is handed the
page's results and does not rerun the scene.
"""

from __future__ import annotations

from optviz.config import Scene
from optviz.views.base import View
from optviz.views.mlp import MLP
from optviz.views.surfaces import SURFACES

VIEWS: dict[str, View] = {"surfaces": SURFACES, "mlp": MLP}


def view_of(scene: Scene) -> View:
    """The view that draws `scene` (by `scene.view`)."""
    return VIEWS[scene.view]


__all__ = ["MLP", "SURFACES", "VIEWS", "View", "view_of"]
