"""Seed bands drawn: N seeds of a random run as a cloud of paths and a band of the loss's quartiles.

    seed_band_figure(scene, bands)   left: the surface's contours (`figures.contours`) with every
                                     seed's path thin and translucent in the run's colour, the
                                     median run's path bold; right: the loss over steps (log y,
                                     f − f* where f* != 0) with the median line and the 25-75 %
                                     band of each run

`bands` are `optviz.runs.seeds.Band`s (one per random run of the scene, `seed_bands`); this module
only draws them (no runs).  Where more than a quarter of a run's seeds have diverged, its upper
quartile is +inf and the band stops (see `optviz.runs.seeds`).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import plotly.graph_objects as go

from optviz.config import Scene
from optviz.figures.palette import color_for, hex_rgb
from optviz.figures.style import apply_display, speaks_scene
from optviz.figures.surfaces import LOG_FLOOR, landmark_traces, landscape_layers, log_ticks, start_trace
from optviz.i18n import _
from optviz.runs.seeds import NOT_RANDOM, Band
from surfaces import get_surface

MAX_PATH_POINTS = 1500  # per seed's path in the cloud (a 100 000-step run is strided down to this)
MAX_LOSS_POINTS = 3000  # per quartile line
CLOUD_OPACITY = 0.3


def _stride(n: int, cap: int) -> np.ndarray:
    """Indices 0 .. n-1 strided to at most `cap` (+1: the last index is always kept)."""
    idx = np.arange(0, n, max(1, math.ceil(n / cap)))
    return idx if idx[-1] == n - 1 else np.append(idx, n - 1)


def _rgba(color: str, alpha: float) -> str:
    r, g, b = hex_rgb(color)
    return f"rgba({r}, {g}, {b}, {alpha})"


def _check(scene: Scene, bands: list[Band]) -> None:
    if not bands:
        raise ValueError(f"no run of this scene is random: {NOT_RANDOM}")
    opts = scene.surfaces.optimizers
    for b in bands:
        if (
            b.surface != scene.surfaces.surface
            or b.optimizer_index >= len(opts)
            or opts[b.optimizer_index].name != b.optimizer
        ):
            raise ValueError(f"bands do not belong to this scene: {b.optimizer} on {b.surface}")


@speaks_scene
def seed_band_figure(scene: Scene, bands: list[Band]) -> go.Figure:
    """The seed bands of `scene` (see the module docstring); ValueError when `bands` is empty
    (no run of the scene is random: the message says what to set)."""
    _check(scene, bands)
    cfg = scene.surfaces
    surf = get_surface(cfg.surface)
    labels = cfg.labels()
    lines, image = landscape_layers(scene, "x", "y")
    (x0, x1), (y0, y1) = surf.bounds
    f_star = bands[0].f_star
    shift = f_star or 0.0
    log = f_star is not None  # f − f* >= 0 up to rounding: a log axis (a surface unbounded below: linear f)
    data: list[dict[str, Any]] = []
    shown: list[np.ndarray] = []
    for b in bands:
        color = color_for(b.optimizer_index)
        label = labels[b.optimizer_index]
        n = b.seeds.size
        idx = _stride(b.paths.shape[1], MAX_PATH_POINTS)
        cloud = np.full((n, idx.size + 1, 2), np.nan)  # a NaN after each path: one trace, N lines
        cloud[:, :-1] = b.paths[:, idx]
        what = _("noise seeds") if b.source == "noise" else _("seeds")
        data.append(
            {
                "type": "scatter",
                "mode": "lines",
                "x": cloud[..., 0].ravel(),
                "y": cloud[..., 1].ravel(),
                "line": {"color": _rgba(color, CLOUD_OPACITY), "width": 1.0},
                "name": _("{label}: {n} {what}").format(label=label, n=n, what=what),
                "showlegend": False,  # one legend entry per run (its median loss): the caption says the rest
                "legendgroup": f"band{b.optimizer_index}",
                "hoverinfo": "skip",
                "xaxis": "x",
                "yaxis": "y",
                "meta": {"role": "seed_cloud", "run": b.optimizer_index},
            }
        )
        k = b.median_run
        med = b.paths[k, idx]
        data.append(
            {
                "type": "scatter",
                "mode": "lines",
                "x": med[:, 0],
                "y": med[:, 1],
                "line": {"color": color, "width": 3.0},
                "name": _("{label}: the median run (seed {seed})").format(label=label, seed=int(b.seeds[k])),
                "showlegend": False,
                "legendgroup": f"band{b.optimizer_index}",
                "hovertemplate": f"{label}<br>x %{{x:.3g}}, y %{{y:.3g}}<extra></extra>",
                "xaxis": "x",
                "yaxis": "y",
                "meta": {"role": "seed_median_path", "run": b.optimizer_index},
            }
        )
        steps = _stride(b.q50.size, MAX_LOSS_POINTS)
        with np.errstate(invalid="ignore"):
            q = [np.where(np.isfinite(v[steps]), v[steps] - shift, np.nan) for v in (b.q25, b.q50, b.q75)]
        if log:
            q = [np.maximum(v, LOG_FLOOR) for v in q]
        lo, mid, hi = q
        shown.append(mid)
        shown.append(lo)
        n_div = int(np.count_nonzero(b.diverged_at))
        band_name = _("{label}: 25-75 % of the {n} runs").format(label=label, n=n)
        if n_div:
            band_name += " " + _("({k} diverged)").format(k=n_div)
        data.append(
            {
                "type": "scatter",
                "mode": "lines",
                "x": steps,
                "y": hi,
                "line": {"width": 0, "color": color},
                "showlegend": False,
                "legendgroup": f"band{b.optimizer_index}",
                "hoverinfo": "skip",
                "xaxis": "x2",
                "yaxis": "y2",
                "meta": {"role": "seed_q75", "run": b.optimizer_index},
            }
        )
        data.append(
            {
                "type": "scatter",
                "mode": "lines",
                "x": steps,
                "y": lo,
                "fill": "tonexty",  # to the upper quartile just before
                "fillcolor": _rgba(color, 0.22),
                "line": {"width": 0, "color": color},
                "name": band_name,
                "showlegend": False,
                "legendgroup": f"band{b.optimizer_index}",
                "hoverinfo": "skip",
                "xaxis": "x2",
                "yaxis": "y2",
                "meta": {"role": "seed_band", "run": b.optimizer_index},
            }
        )
        data.append(
            {
                "type": "scatter",
                "mode": "lines",
                "x": steps,
                "y": mid,
                "line": {"color": color, "width": 2.5},
                "name": f"{label} ({n} {what}" + (", " + _("{k} diverged").format(k=n_div) if n_div else "") + ")",
                "legendgroup": f"band{b.optimizer_index}",
                "customdata": np.stack([lo, hi], axis=1),
                "hovertemplate": _("step")
                + " %{x}<br>"
                + _("median")
                + " %{y:.3g}<br>25-75 %: %{customdata[0]:.3g} – %{customdata[1]:.3g}<extra>"
                + label
                + "</extra>",
                "xaxis": "x2",
                "yaxis": "y2",
                "meta": {"role": "seed_median", "run": b.optimizer_index},
            }
        )
    data += [*landmark_traces(scene, "x", "y"), start_trace(scene, "x", "y")]  # as the race draws them
    yaxis2: dict[str, Any] = {"anchor": "x2", "title": {"text": _("loss") if shift == 0 else "f − f*"}}
    vals = np.concatenate(shown) if shown else np.zeros(0)
    vals = vals[np.isfinite(vals) & ((vals > 0) if log else True)]
    if log:
        yaxis2["type"] = "log"
        if vals.size:
            lo_v, hi_v = float(vals.min()), float(vals.max())
            ticks, text = log_ticks(lo_v, hi_v)
            yaxis2.update(tickvals=ticks, ticktext=text)
    title = _("{n} seeds of each random run · {surface}").format(n=bands[0].seeds.size, surface=_(surf.title))
    layout: dict[str, Any] = {
        "title": {"text": title, "x": 0.0, "xanchor": "left", "pad": {"l": 12}},
        "height": 620,
        "xaxis": {
            "range": [x0, x1],
            "domain": [0.0, 0.48],
            "anchor": "y",
            "title": {"text": "x"},
            "constrain": "domain",
            "showgrid": False,
            "zeroline": False,
            "exponentformat": "none",
        },
        "yaxis": {
            "range": [y0, y1],
            "anchor": "x",
            "scaleanchor": "x",
            "scaleratio": 1,
            "constrain": "domain",
            "title": {"text": "y"},
            "showgrid": False,
            "zeroline": False,
            "exponentformat": "none",
        },
        "xaxis2": {
            "domain": [0.58, 1.0],
            "anchor": "y2",
            "title": {"text": _("step")},
            "range": [0, bands[0].steps_run],
        },
        "yaxis2": yaxis2,
        "shapes": [lines],  # the surface's iso-lines and bands, as the race draws them
        "images": [image],
        "legend": {"orientation": "h", "x": 0.0, "y": 1.0, "yanchor": "bottom"},
        "hovermode": "closest",
        "meta": {
            "optviz": "figure",
            "auto_title": title,
            "bottom": 60,
            "surface": surf.name,
            "surface_params": [list(p) for p in cfg.surface_params],
        },
    }
    fig = go.Figure({"data": data, "layout": layout}, _validate=False)
    return apply_display(fig, scene.display)


__all__ = ["seed_band_figure"]
