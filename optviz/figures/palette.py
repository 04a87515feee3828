"""The palette and the themes shared by both views and every export.

COLORS, color_for(i)      Okabe & Ito (2008), "Color Universal Design": one colour per run
                          index, the same in every figure of both views and every export
DIVERGED_COLOR            the red of a diverged run's ✕
THEMES, theme_style(d)    light, dark and print: paper, ink, grid, contour and 3D colour scales
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from optviz.config import Display

# Okabe-Ito, ordered so that the five default optimizers get the five most distinct colours on a
# light contour (yellow and black last: yellow vanishes on white, black on the dark theme).
COLORS: tuple[str, ...] = (
    "#0072B2",  # blue
    "#D55E00",  # vermillion
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#E69F00",  # orange
    "#56B4E9",  # sky blue
    "#F0E442",  # yellow
    "#000000",  # black
)
DIVERGED_COLOR = "#B00020"

THEMES: dict[str, dict[str, Any]] = {
    "light": {
        "paper": "#FFFFFF",
        "plot": "#FFFFFF",
        "ink": "#1F2430",
        "muted": "#5B6272",
        "grid": "#E6E8EC",
        # low values light, high values a muted slate: the Okabe-Ito paths stay the loudest thing
        "contour": [[0.0, "#FFFFFF"], [0.4, "#E9EDF3"], [0.75, "#CDD5E0"], [1.0, "#AEB9C9"]],
        "contour_line": "rgba(60, 70, 90, 0.25)",
        "mark_fill": "#1F2430",
        "mark_line": "#FFFFFF",
        "button_bg": "#F0F2F6",
        "box": "rgba(255, 255, 255, 0.8)",  # a box over a plot (the MLP boundary's accuracy corner)
        "path_width": 2.0,
        "surface3d": [[0.0, "#EEF2F7"], [0.5, "#B5C0CF"], [1.0, "#6E7D93"]],  # shading needs contrast
    },
    "dark": {
        "paper": "#0E1117",
        "plot": "#0E1117",
        "ink": "#E8EAED",
        "muted": "#A0A6B2",
        "grid": "#262B36",
        "contour": [[0.0, "#10141C"], [0.35, "#1E2633"], [0.7, "#323D50"], [1.0, "#4B5870"]],
        "contour_line": "rgba(200, 210, 230, 0.18)",
        "mark_fill": "#F5F5F5",
        "mark_line": "#0E1117",
        "button_bg": "#262B36",
        "box": "rgba(14, 17, 23, 0.8)",
        "path_width": 2.0,
        "surface3d": [[0.0, "#1E2633"], [0.5, "#46536A"], [1.0, "#8A97AD"]],
    },
    "print": {
        "paper": "#FFFFFF",
        "plot": "#FFFFFF",
        "ink": "#000000",
        "muted": "#333333",
        "grid": "#DDDDDD",
        "contour": [[0.0, "#FFFFFF"], [1.0, "#FFFFFF"]],
        "contour_line": "rgba(0, 0, 0, 0.45)",
        "mark_fill": "#000000",
        "mark_line": "#FFFFFF",
        "button_bg": "#FFFFFF",
        "box": "rgba(255, 255, 255, 0.8)",
        "path_width": 3.0,
        "surface3d": [[0.0, "#F2F2F2"], [1.0, "#8C8C8C"]],
    },
}


def color_for(index: int) -> str:
    """The colour of the index-th optimizer of a scene (the same in every figure and export)."""
    return COLORS[index % len(COLORS)]


PRESENTATION_TYPE = 1.4  # projector mode: type this much larger (capped at 40 px) ...
PRESENTATION_LINE = 1.5  # ... and paths this much thicker, for the back row of a lecture hall


def theme_style(display: Display) -> dict[str, Any]:
    th = THEMES[display.theme]
    if display.presentation:
        th = {**th, "path_width": th["path_width"] * PRESENTATION_LINE}
    return th


def font_px(display: Display) -> int:
    """The figure's base font size in pixels: the display's, or larger in presentation mode."""
    if display.presentation:
        return min(40, round(display.font_size * PRESENTATION_TYPE))
    return display.font_size


def hex_rgb(c: str) -> tuple[int, int, int]:
    c = c.lstrip("#")
    return int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16)


def scale_rgb(scale: Sequence[Sequence[Any]], t: np.ndarray) -> np.ndarray:
    """(n, 3) uint8 colours of a plotly colourscale [[pos, '#rrggbb'], ...] at positions t."""
    pos = np.array([float(p) for p, _ in scale])
    rgb = np.array([hex_rgb(c) for _, c in scale], dtype=np.float64)
    return np.stack([np.interp(t, pos, rgb[:, i]) for i in range(3)], axis=1).round().astype(np.uint8)
