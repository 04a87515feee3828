"""The figures layer: a scene and its results in, plotly figures out (no streamlit, no runs).

    palette    the Okabe-Ito colours and the light / dark / print themes (both views, every export)
    style      typed arrays (compact JSON) and `apply_display`: theme, fonts, title, legend
    contours   a surface's levels, iso-lines and filled bands, computed once per surface
    surfaces   the surfaces view: trajectories + loss (one animation), 3D, lr, effective step, table
    mlp        the MLP view: decision boundaries, curves, landscape, histograms, gradients, data
    live       the page's compact payload for the browser-side chart (static parts sent once)
    hpmap      the hyperparameter map (C31): a metric over lr x a second setting, theory on the bowl
    basins     basins of attraction: a grid of starts coloured by the minimum each run reaches
    seeds      seed bands: N seeds of a random run as a cloud of paths and the loss's quartiles

Pure functions: the page shows what they return and the exporters write the same figures to
files, so a slide is what the lecturer saw.  The surfaces view's builders are re-exported here.
A figure built from a Scene speaks its `display.lang` (Korean or English) whatever the caller's
current language (`optviz.figures.style.speaks_scene`, `optviz.i18n`).
"""

from optviz.figures.basins import basins_figure
from optviz.figures.contours import Contours, contour_png, lowest_minimum, surface_contours
from optviz.figures.hpmap import hpmap_figure
from optviz.figures.inside import coords_figure, inside_figure
from optviz.figures.palette import COLORS, DIVERGED_COLOR, THEMES, color_for, theme_style
from optviz.figures.seeds import seed_band_figure
from optviz.figures.style import apply_display, as_array, typed_array
from optviz.figures.surfaces import (
    CLICK_GRID,
    CONVERGENCE_TOL,
    FRAME_POINT_BUDGET,
    LOG_FLOOR,
    effective_lr_figure,
    frame_indices,
    loss_figure,
    lr_figure,
    results_table,
    scene_figure,
    scene_title,
    surface3d_figure,
    trajectory_figure,
)

__all__ = [
    "CLICK_GRID",
    "COLORS",
    "CONVERGENCE_TOL",
    "DIVERGED_COLOR",
    "FRAME_POINT_BUDGET",
    "LOG_FLOOR",
    "THEMES",
    "Contours",
    "apply_display",
    "as_array",
    "basins_figure",
    "color_for",
    "contour_png",
    "coords_figure",
    "surface_contours",
    "effective_lr_figure",
    "frame_indices",
    "inside_figure",
    "hpmap_figure",
    "loss_figure",
    "lowest_minimum",
    "lr_figure",
    "results_table",
    "scene_figure",
    "scene_title",
    "seed_band_figure",
    "surface3d_figure",
    "theme_style",
    "trajectory_figure",
    "typed_array",
]
