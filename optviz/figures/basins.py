"""Basins of attraction drawn: each start of a grid coloured by where its run ends.

    basins_figure(scene, [b])          one panel: the grid of starts over the plot, a colour per
    basins_figure(scene, [b1, b2])     listed minimum; two panels side by side (same scale, 1:1
                                       aspect) compare two optimizers, e.g. how momentum moves the
                                       basins' borders; the title says in how many starts they differ
    basins_figure(..., color_by="steps")   the steps each run took to settle (one colour bar for
                                       both panels), the outcomes without a minimum in greys

`b` is an `optviz.runs.basins.Basins`; this module only draws it (no runs).  Colours: the listed
minima take the Okabe-Ito run colours in order (`palette.COLORS`), labelled A, B, C... on the map
and named by their coordinates in the legend.  The outcomes that are no listed minimum are neutral
greys: a minimum the registry does not list (Rastrigin's lattice) in light greys, darker where that
minimum is lower (so neighbouring basins stay apart), a run that did not converge in mid grey, one
that diverged or left the plot in dark grey.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go

from optviz.config import Scene
from optviz.config.spec import run_labels
from optviz.figures.palette import COLORS, theme_style
from optviz.figures.style import apply_display, speaks_scene
from optviz.i18n import N_, _
from optviz.runs.basins import DIVERGED, NOT_CONVERGED, OTHER, Basins, differing_cells
from surfaces import get_surface

COLOR_BY = ("minimum", "steps")
NOT_CONVERGED_GREY = "#8A8A8A"
DIVERGED_GREY = "#3C3C3C"
OTHER_GREYS = [[0.0, "#B4B4B4"], [1.0, "#EBEBEB"]]  # lower f darker: another minimum's basin
STEPS_SCALE = "Cividis"
_GREYS = {
    OTHER: N_("another minimum (not listed; darker: lower f)"),
    NOT_CONVERGED: N_("not converged"),
    DIVERGED: N_("diverged or left the plot"),
}


def _letter(k: int) -> str:
    return chr(ord("A") + k) if k < 26 else f"M{k + 1}"


def _check(scene: Scene, basins: Sequence[Basins], color_by: str) -> None:
    if color_by not in COLOR_BY:
        raise ValueError(f"color_by must be one of: {', '.join(COLOR_BY)}; got {color_by!r}")
    if not 1 <= len(basins) <= 2:
        raise ValueError(f"basins: one or two basin maps (panels), got {len(basins)}")
    first = basins[0]
    for b in basins:
        if b.surface != first.surface or b.minimum.shape != first.minimum.shape:
            raise ValueError("basins: the panels must be maps of one surface over the same grid of starts")
        opts = scene.surfaces.optimizers
        if (
            b.surface != scene.surfaces.surface
            or b.optimizer_index >= len(opts)
            or opts[b.optimizer_index].name != b.optimizer
        ):
            raise ValueError(f"basins do not belong to this scene: {b.optimizer} on {b.surface}")


def _category_z(b: Basins, color_by: str) -> np.ndarray:
    """The categorical layer: index into the colour list (minima, then not converged, diverged);
    NaN where another layer shows the cell (unlisted minima; in steps mode, the settled cells)."""
    k = len(b.minima)
    z = b.minimum.astype(np.float64)
    z[b.minimum == NOT_CONVERGED] = k
    z[b.minimum == DIVERGED] = k + 1
    z[b.minimum == OTHER] = np.nan
    if color_by == "steps":
        z[np.isfinite(b.steps)] = np.nan
        z[(b.minimum >= 0) & ~np.isfinite(b.steps)] = k  # reached the disk, not settled within tol
    return z


def _hover(b: Basins, sym_steps: str) -> list[list[str]]:
    """One hover text per cell: the start, the outcome, the steps to settle."""
    names = {
        OTHER: _(_GREYS[OTHER]).split(" (")[0],
        NOT_CONVERGED: _(_GREYS[NOT_CONVERGED]),
        DIVERGED: _(_GREYS[DIVERGED]),
    }
    rows = []
    for i, y in enumerate(b.ys):
        row = []
        for j, x in enumerate(b.xs):
            c = int(b.minimum[i, j])
            if c >= 0:
                q = b.minima[c]
                what = f"{_letter(c)} ({q.x:.3g}, {q.y:.3g})"
            else:
                what = names[c]
            s = b.steps[i, j]
            tail = f"<br>{sym_steps}: {int(s)}" if np.isfinite(s) else ""
            row.append(_("start ({x}, {y})").format(x=f"{x:.3g}", y=f"{y:.3g}") + f" → {what}{tail}")
        rows.append(row)
    return rows


@speaks_scene
def basins_figure(scene: Scene, basins: list[Basins], color_by: str = "minimum") -> go.Figure:
    """The basins of one or two optimizers of `scene` side by side (see the module docstring)."""
    _check(scene, basins, color_by)
    th = theme_style(scene.display)
    first = basins[0]
    surf = get_surface(first.surface)
    (x0, x1), (y0, y1) = surf.bounds
    k = len(first.minima)
    colors = [COLORS[i % len(COLORS)] for i in range(k)] + [NOT_CONVERGED_GREY, DIVERGED_GREY]
    n_cat = len(colors)
    scale = []
    for i, c in enumerate(colors):  # a step per category: z = i is centred on its band
        scale += [[i / n_cat, c], [(i + 1) / n_cat, c]]
    labels = run_labels(scene.surfaces.optimizers, detailed=True)
    steps_word = _("steps to settle within {tol}").format(tol=f"{first.tol:g}")
    n_panels = len(basins)
    gap = 0.1
    width = (0.92 - gap * (n_panels - 1)) / n_panels  # the right 8 %: the steps colour bar
    finite = np.concatenate([b.steps[np.isfinite(b.steps)] for b in basins])
    s_lo, s_hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    data: list[dict[str, Any]] = []
    layout: dict[str, Any] = {}
    annotations = []
    for p, b in enumerate(basins):
        xa, ya = ("x", "y") if p == 0 else (f"x{p + 1}", f"y{p + 1}")
        dom = [p * (width + gap), p * (width + gap) + width]
        text = _hover(b, steps_word)
        other = np.where(b.minimum == OTHER, surf.f(b.final[..., 0], b.final[..., 1], **dict(b.surface_params)), np.nan)
        if np.isfinite(other).any():
            data.append(
                {
                    "type": "heatmap",
                    "x": b.xs,
                    "y": b.ys,
                    "z": other,
                    "colorscale": OTHER_GREYS,
                    "showscale": False,
                    "text": text,
                    "hovertemplate": "%{text}<extra></extra>",
                    "xaxis": xa,
                    "yaxis": ya,
                    "name": _(_GREYS[OTHER]),
                    "meta": {"role": "basins_other", "panel": p},
                }
            )
        data.append(
            {
                "type": "heatmap",
                "x": b.xs,
                "y": b.ys,
                "z": _category_z(b, color_by),
                "zmin": -0.5,
                "zmax": n_cat - 0.5,
                "colorscale": scale,
                "showscale": False,
                "text": text,
                "hovertemplate": "%{text}<extra></extra>",
                "xaxis": xa,
                "yaxis": ya,
                "name": labels[b.optimizer_index],
                "meta": {"role": "basins", "panel": p},
            }
        )
        if color_by == "steps":
            data.append(
                {
                    "type": "heatmap",
                    "x": b.xs,
                    "y": b.ys,
                    "z": b.steps,
                    "zmin": s_lo,
                    "zmax": s_hi,
                    "colorscale": STEPS_SCALE,
                    "showscale": p == 0,
                    "colorbar": {
                        "title": {"text": steps_word.replace(" within", "<br>within"), "side": "top"},
                        "x": 0.93,
                        "len": 1.0,
                    },
                    "text": text,
                    "hovertemplate": "%{text}<extra></extra>",
                    "xaxis": xa,
                    "yaxis": ya,
                    "name": steps_word,
                    "meta": {"role": "basins_steps", "panel": p},
                }
            )
        counts = b.counts
        n = b.minimum.size
        data.append(
            {
                "type": "scatter",
                "mode": "markers",
                "x": [q.x for q in b.minima],
                "y": [q.y for q in b.minima],
                "text": [_letter(i) for i in range(k)],
                "customdata": [[counts[i], 100.0 * counts[i] / n] for i in range(k)],
                "marker": {
                    "symbol": "star",
                    "size": 15,
                    "color": th["paper"],
                    "line": {"width": 1.5, "color": th["ink"]},
                },
                "hovertemplate": "%{text} (%{x:.3g}, %{y:.3g})<br>"
                + _("{n} of {total} starts").format(n="%{customdata[0]}", total=n)
                + " (%{customdata[1]:.0f} %)<extra></extra>",
                "showlegend": False,
                "cliponaxis": False,
                "xaxis": xa,
                "yaxis": ya,
                "meta": {"role": "basins_minima", "panel": p},
            }
        )
        for i, q in enumerate(b.minima):  # the letters on a paper box: readable on any basin colour
            annotations.append(
                {
                    "text": _letter(i),
                    "x": q.x,
                    "y": q.y,
                    "xref": xa,
                    "yref": ya,
                    "xshift": 10,
                    "yshift": 10,
                    "xanchor": "left",
                    "yanchor": "bottom",
                    "showarrow": False,
                    "bgcolor": th["box"],
                    "font": {"color": th["ink"]},
                    "name": "minimum_label",
                }
            )
        layout[f"xaxis{'' if p == 0 else p + 1}"] = {
            "range": [x0, x1],
            "domain": dom,
            "anchor": ya,
            # the panel's name under its x axis (above the plots sits the legend)
            "title": {"text": f"x<br><b>{labels[b.optimizer_index]}</b>"},
            "constrain": "domain",
            "showgrid": False,
            "zeroline": False,
            "ticks": "outside",
            "exponentformat": "none",
        }
        layout[f"yaxis{'' if p == 0 else p + 1}"] = {
            "range": [y0, y1],
            "anchor": xa,
            "scaleanchor": xa,  # 1:1, so a basin's shape is its shape
            "scaleratio": 1,
            "constrain": "domain",
            "title": {"text": "y" if p == 0 else ""},
            "showgrid": False,
            "zeroline": False,
            "ticks": "outside",
            "exponentformat": "none",
        }
    # the legend: one data-less square per minimum (its coordinates) and per grey shown
    shown = {int(c) for b in basins for c in np.unique(b.minimum)}
    if color_by == "steps" and any(np.any((b.minimum >= 0) & ~np.isfinite(b.steps)) for b in basins):
        shown.add(NOT_CONVERGED)
    # coloured by steps, the minima have no colour of their own: their key is the star on the map
    star = color_by == "steps"
    keys = [
        (th["paper"] if star else colors[i], f"{_letter(i)}  ({q.x:.3g}, {q.y:.3g}), f = {q.f:.4g}", star)
        for i, q in enumerate(first.minima)
    ]
    greys = ((OTHER, OTHER_GREYS[0][1]), (NOT_CONVERGED, NOT_CONVERGED_GREY), (DIVERGED, DIVERGED_GREY))
    keys += [(c, _(_GREYS[code]), False) for code, c in greys if code in shown]
    for color, name, is_star in keys:
        data.append(
            {
                "type": "scatter",
                "mode": "markers",
                "x": [None],
                "y": [None],
                "marker": {
                    "symbol": "star" if is_star else "square",
                    "size": 13,
                    "color": color,
                    "line": {"width": 1, "color": th["ink"]},
                },
                "name": name,
                "hoverinfo": "skip",
                "meta": {"role": "basins_key"},
            }
        )
    title = _("Basins of attraction on {surface}: {cells} × {cells} starts, {steps} steps each").format(
        surface=_(surf.title), cells=first.xs.size, steps=f"{first.steps_run:,}"
    )
    if n_panels == 2:
        title += " · " + _("{pct} % of the starts end elsewhere").format(pct=f"{100 * differing_cells(*basins):.0f}")
    layout.update(
        {
            "title": {"text": title, "x": 0.0, "xanchor": "left", "pad": {"l": 12}},
            "height": 620,
            "annotations": annotations,
            "legend": {"orientation": "h", "x": 0.0, "y": 1.0, "yanchor": "bottom"},
            "hovermode": "closest",
            "meta": {"optviz": "figure", "auto_title": title, "bottom": 84},
        }
    )
    fig = go.Figure({"data": data, "layout": layout}, _validate=False)
    return apply_display(fig, scene.display)


__all__ = ["COLOR_BY", "basins_figure"]
