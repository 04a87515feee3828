"""The dark theme reaches every MLP figure: no light block on dark paper (issue 10).

Every figure of the MLP view is built with Display(theme="dark") and every colour that fills an
area is checked by its relative luminance (WCAG 2): the paper and plot backgrounds, the legend's,
the play buttons' and the slider's, every annotation box (the boundary's accuracy corners, in
each frame too), and the colour scales that paint a plane (the decision boundary's class tints,
the loss landscape, the one-hot cells).  A translucent colour counts as drawn over the paper.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from optviz.config import Display, MLPConfig, Scene
from optviz.config.mlp import PARTS
from optviz.figures.palette import THEMES
from optviz.runs.mlp import run_mlp_scene
from optviz.views import MLP

BACKGROUND_MAX = 0.06  # the dark paper is 0.005, its buttons 0.02; a white box is 1.0
SCALE_MAX = 0.35  # a colour scale under the data: the brightest stop stays well below white
NAMED = {"white": (255, 255, 255), "black": (0, 0, 0), "transparent": (0, 0, 0)}


def _rgba(color: str) -> tuple[tuple[float, float, float], float]:
    c = color.strip().lower()
    if c in NAMED:
        return NAMED[c], 0.0 if c == "transparent" else 1.0
    if re.fullmatch(r"#[0-9a-f]{6}", c):
        return (int(c[1:3], 16), int(c[3:5], 16), int(c[5:7], 16)), 1.0
    m = re.fullmatch(r"rgba?\(([^)]*)\)", c)
    if not m:
        raise AssertionError(f"a colour this test cannot read: {color!r}")
    nums = [float(v) for v in m.group(1).split(",")]
    return (nums[0], nums[1], nums[2]), nums[3] if len(nums) > 3 else 1.0


def luminance(color: str, over: str = THEMES["dark"]["paper"]) -> float:
    """WCAG relative luminance of `color` drawn over `over` (0 black .. 1 white)."""
    (r, g, b), a = _rgba(color)
    (r0, g0, b0), _ = _rgba(over)
    rgb = [a * v + (1 - a) * v0 for v, v0 in ((r, r0), (g, g0), (b, b0))]

    def lin(v: float) -> float:
        v /= 255
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

    return 0.2126 * lin(rgb[0]) + 0.7152 * lin(rgb[1]) + 0.0722 * lin(rgb[2])


@pytest.fixture(scope="module")
def dark():
    scene = Scene(view="mlp", mlp=MLPConfig(steps=60), display=Display(theme="dark", frames=4))
    return scene, run_mlp_scene(scene, parts=PARTS)


def _backgrounds(fig: Any) -> list[tuple[str, str]]:
    """(where, colour) of every area colour of the figure's layout and its frames' layouts."""
    lay, tmpl = fig.layout, fig.layout.template.layout
    out = [
        ("paper_bgcolor", lay.paper_bgcolor or tmpl.paper_bgcolor),
        ("plot_bgcolor", lay.plot_bgcolor or tmpl.plot_bgcolor),
    ]
    if lay.legend.bgcolor:
        out.append(("legend", lay.legend.bgcolor))
    for m in lay.updatemenus or ():
        out += [("buttons", m.bgcolor)] if m.bgcolor else []
    for s in lay.sliders or ():
        out += [("slider", s.bgcolor)] if s.bgcolor else []
    for where, layout in (("layout", lay), *((f"frame {f.name}", f.layout) for f in fig.frames or ())):
        for a in layout.annotations or ():
            if a.bgcolor:
                out.append((f"{where} annotation {a.text!r}", a.bgcolor))
    return [(w, c) for w, c in out if c]


@pytest.mark.parametrize("name", [*MLP.figures, "data_raw"])
def test_no_light_block_in_a_dark_mlp_figure(dark, name: str) -> None:
    scene, run = dark
    fig = MLP.figure(scene, run, name)
    paper = fig.layout.paper_bgcolor
    light = [(w, c, round(luminance(c), 3)) for w, c in _backgrounds(fig) if luminance(c) > BACKGROUND_MAX]
    for t in fig.data:
        if t.type in ("heatmap", "contour") and t.colorscale:
            for pos, c in t.colorscale:
                if luminance(c, paper) > SCALE_MAX:
                    light.append((f"{t.type} {t.name!r} colour scale at {pos:g}", c, round(luminance(c, paper), 3)))
    assert not light, f"{name}: light blocks in the dark theme: {light}"


def test_the_boundary_tints_stay_pale_in_the_light_theme(dark) -> None:
    """The fix darkens the dark theme only: on white paper the tints and the corner box stay light."""
    scene, run = dark
    from dataclasses import replace

    fig = MLP.figure(replace(scene, display=Display(frames=4)), run, "boundary")
    heat = [t for t in fig.data if t.type == "heatmap"]
    assert heat and all(luminance(t.colorscale[0][1], "#FFFFFF") > 0.8 for t in heat)
    boxes = [a for a in fig.layout.annotations if a.bgcolor]
    assert boxes and all(luminance(a.bgcolor, "#FFFFFF") > 0.8 for a in boxes)
