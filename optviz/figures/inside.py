"""Inside one step (issue 11): the arrows of one update on the contour, and the state over the steps.

    inside_figure(scene, results, step)   step `step` of every run: a zoomed contour around the
                                          current points with the arrows of the update rule
                                          (`optviz.runs.inside.step_parts`), and a context inset
    coords_figure(scene, results)         per coordinate over the steps: effective step size, first
                                          and second moments, Adam's bias-correction factors

The runs must be recorded with `optviz.run(..., record_state=True)`; this module draws their
numbers and never reruns an optimizer.  Step t goes from path[t-1] (the point the animation shows
at index t-1) to path[t].

The zoom panel keeps x and y on one scale, so an arrow's direction on screen is its true direction
(the gradient crosses the contour lines at a right angle), and it spans the arrows' own extent:
updates of 1e-4 on a plot 4 wide are invisible at the plot's scale.  Its contour lines are
computed on the window itself (`ZOOM_GRID` x `ZOOM_GRID` values of f): the surface's own iso-lines
(`optviz.figures.contours`, a 200 x 200 grid over the whole plot) are straight chords at that
scale.  No animation here, so the local contour is an ordinary contour trace (the trajectory
figure's reasons for a layout shape are about frames).  The inset shows the whole plot with a
mark where the window is, and a note gives the window's width and the longest arrow's length.
Arrow kinds differ by dash and width (the legend's keys, in the ink colour); runs by colour.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go

from optviz.api import Result
from optviz.config import Scene
from optviz.figures.contours import surface_contours
from optviz.figures.palette import color_for, theme_style
from optviz.figures.style import apply_display, speaks_scene

# The surfaces figures' own helpers: the same landscape layers, landmarks, axes and checks, so the
# inset is the trajectory figure in small.
from optviz.figures.surfaces import (
    base_layout,
    check_results,
    landmark_traces,
    landscape_layers,
    scene_title,
    traj_axes,
    value_axis,
)
from optviz.i18n import N_, _
from optviz.runs.inside import Arrow, StepParts, state_symbol, step_parts
from surfaces import get_surface

ZOOM_GRID = 61  # f values per axis of the zoom window's contour (3 721 evaluations: under a millisecond)
ZOOM_PAD = 1.35  # the window spans the arrows' extent times this
ZOOM_CONTOURS = 16

# Arrow kind -> (legend words, dash, width).  The words say what a student sees; shown as _(words).
# Dash patterns short enough to read in a legend key (30 px): plotly's "longdash" of a 2 px line is
# 18 px on, 18 px off, a short solid line there.
ARROW_STYLE: dict[str, tuple[str, str, float]] = {
    "update": (N_("actual update θₜ₊₁ − θₜ"), "solid", 3.5),
    "gradient": (N_("−η·g (plain gradient step)"), "dot", 2.0),
    "momentum_share": (N_("momentum's share (memory of past steps)"), "dash", 2.0),
    "gradient_share": (N_("gradient's share"), "6px,2px,2px,2px,2px,2px", 2.0),
    "lookahead": (N_("Nesterov's look-ahead μv (to where g is taken)"), "dashdot", 1.8),
    "direction": (N_("direction before per-coordinate scaling (Adam: −η·m̂)"), "longdashdot", 2.0),
    "scaled": (N_("after per-coordinate scaling"), "solid", 1.6),
    "decay": (N_("decoupled weight decay −ηλθ"), "1px,3px", 4.0),
    "velocity": (N_("velocity −η·b"), "solid", 2.0),
}
# What an update arrow also is, by the rule's algebra (hover text of the update arrow).
_ALSO = {
    "velocity": N_("= the velocity −η·b"),
    "scaled": N_("= −η·g (or −η·m̂) scaled per coordinate"),
    "gradient": N_("= −η·g"),
    "gradient_share": N_("= −η·g"),
}
THETA_NAME = N_("Nesterov's textbook iterate θₜ")


def _checked(scene: Scene, results: Sequence[Result]) -> None:
    check_results(scene, results)
    for r in results:
        if getattr(r, "state", None) is None:
            raise ValueError(
                f"results: the {r.optimizer} run has no recorded state; run it with optviz.run(..., record_state=True)"
            )


def _drawn(p: StepParts) -> list[Arrow]:
    """The arrows a picture draws: one of each pair that coincide by the rule's algebra."""
    return [a for a in p.arrows if not a.same_as]


def _fmt(v: np.ndarray) -> str:
    return f"({v[0]:.4g}, {v[1]:.4g})"


def _window(parts: Sequence[StepParts], span: float) -> tuple[np.ndarray, float, float]:
    """Centre, half-width and longest drawn arrow of the zoom window around every run's step."""
    pts = []
    longest = 0.0
    for p in parts:
        pts.append(p.origin)
        pts += list(p.points.values())
        for a in _drawn(p):
            pts += [a.origin, a.tip]
            longest = max(longest, float(np.hypot(*a.vector)))
    pts_a = np.array([q for q in pts if np.all(np.isfinite(q))])
    lo, hi = pts_a.min(axis=0), pts_a.max(axis=0)
    centre = (lo + hi) / 2
    half = float(np.max(hi - lo)) / 2 * ZOOM_PAD
    # Every arrow of zero length (a run at rest): a window a thousandth of the plot; and never below
    # what float64 resolves around the centre, where the contour grid would repeat one value.
    floor = 1e-12 * max(float(np.max(np.abs(centre))), 1.0) * ZOOM_GRID
    if half <= floor:
        half = max(1e-3 * span, floor)
    return centre, half, longest


def _arrow_trace(p: StepParts, a: Arrow, k: int, label: str, xref: str, yref: str) -> dict[str, Any]:
    words, dash, width = ARROW_STYLE.get(a.key, (a.key, "solid", 2.0))
    words = _(words)
    tip = a.tip
    length = float(np.hypot(*a.vector))
    also = [_(_ALSO[b.key]) for b in p.arrows if b.same_as == a.key and b.key in _ALSO]
    hover = f"<b>{label}</b>: {words}" + "".join(f"<br>{s}" for s in dict.fromkeys(also))
    hover += f"<br>{_fmt(a.vector)}, |·| = {length:.4g}<extra></extra>"
    return {
        "type": "scatter",
        "mode": "lines+markers",
        "x": [float(a.origin[0]), float(tip[0])],
        "y": [float(a.origin[1]), float(tip[1])],
        "xaxis": xref,
        "yaxis": yref,
        "name": f"{label}: {words}",
        "legendgroup": f"arrow_{a.key}",
        "showlegend": False,
        "line": {"color": color_for(k), "width": width, "dash": dash},
        # a fixed-size head along the segment (angleref "previous"); none on a zero-length arrow,
        # whose direction is undefined
        "marker": {
            "symbol": ["circle", "arrow"],
            "size": [0, 13 if length > 0 else 0],
            "angleref": "previous",
            "color": color_for(k),
            "line": {"width": 0},
        },
        "cliponaxis": True,  # with a `focus`, other runs' arrows may leave the window: no heads beside it
        "hovertemplate": hover,
        "meta": {"role": "arrow", "index": k, "kind": a.key},
    }


def _key_trace(key: str, ink: str) -> dict[str, Any]:
    """The legend's entry of an arrow kind: its dash and width in the ink colour, no data."""
    words, dash, width = ARROW_STYLE.get(key, (key, "solid", 2.0))
    return {
        "type": "scatter",
        "mode": "lines",
        "x": [None],
        "y": [None],
        "name": _(words),
        "legendgroup": f"arrow_{key}",
        "line": {"color": ink, "width": width, "dash": dash},
        "hoverinfo": "skip",
        "meta": {"role": "arrow_key", "kind": key},
    }


def _zoom_contour(scene: Scene, centre: np.ndarray, half: float, th: dict[str, Any]) -> dict[str, Any]:
    surf = get_surface(scene.surfaces.surface)
    land = surface_contours(surf.name, scene.surfaces.surface_params)
    xs = np.linspace(centre[0] - half, centre[0] + half, ZOOM_GRID)
    ys = np.linspace(centre[1] - half, centre[1] + half, ZOOM_GRID)
    with np.errstate(all="ignore"):
        f = np.asarray(surf.f(xs[None, :], ys[:, None], **dict(scene.surfaces.surface_params)), dtype=np.float64)
        # The surface's level spacing, without the floor at its lowest level: a window near the
        # minimum lies below that floor, and its contours would all vanish.
        z = np.log10(np.maximum(f - land.f_base, 1e-300)) if land.log else land.transform(f)
    z = np.where(np.isfinite(z), z, np.nan)
    return {
        "type": "contour",
        "x": xs,
        "y": ys,
        "z": z.astype(np.float32),
        "ncontours": ZOOM_CONTOURS,
        "autocontour": True,
        "colorscale": th["contour"],
        "showscale": False,
        "line": {"color": th["contour_line"], "width": 0.8},
        "contours": {"coloring": "fill"},
        "hoverinfo": "skip",
        "xaxis": "x",
        "yaxis": "y",
        "showlegend": False,
        "name": land.label,
        "meta": {"role": "inside_contour"},
    }


@speaks_scene
def inside_figure(scene: Scene, results: list[Result], step: int, *, focus: int | None = None) -> go.Figure:
    """Step `step` (1 .. the longest run's steps) of every run: its arrows from path[step-1].

    Left, a window around the current points (focus: around run `focus`'s arrows alone, the others
    drawn where they fall), x and y on one scale, with the local contour of f, each run's path so
    far (faint), its current point and the arrows of its rule (`step_parts`): one trace per run and
    drawn kind (meta role "arrow", index = run, kind = arrow key), the run's
    colour, the kind's dash and width; the legend names the kinds.  Right, the whole plot with the
    window marked.  A run that stopped before `step` (it diverged) is drawn without arrows and
    named in a note.  ValueError when a result was not recorded with record_state=True, `step`
    is not a step of any run or `focus` not the index of a run that has it.
    """
    _checked(scene, results)
    k_max = max(r.steps_done for r in results)
    if isinstance(step, bool) or not isinstance(step, (int, np.integer)) or not 1 <= step <= k_max:
        allowed = f"a whole number from 1 to {k_max}" if k_max else "none: no run completed a step"
        raise ValueError(f"step must be a step of the runs, {allowed}; got {step!r}")
    step = int(step)
    th = theme_style(scene.display)
    surf = get_surface(scene.surfaces.surface)
    labels = scene.surfaces.labels()
    (x0, x1), (y0, y1) = surf.bounds
    parts = {k: step_parts(r, step) for k, r in enumerate(results) if r.steps_done >= step}
    stopped = [labels[k] for k, r in enumerate(results) if r.steps_done < step]
    if focus is not None:
        if isinstance(focus, bool) or not isinstance(focus, (int, np.integer)) or int(focus) not in parts:
            raise ValueError(
                f"focus must be the index of a run with a step {step}: one of {sorted(parts)}; got {focus!r}"
            )
        centre, half, longest = _window([parts[int(focus)]], max(x1 - x0, y1 - y0))
    else:
        centre, half, longest = _window(list(parts.values()), max(x1 - x0, y1 - y0))

    data: list[dict[str, Any]] = [_zoom_contour(scene, centre, half, th)]
    # clipped: drawn unclipped (as on the whole plot) a minimum outside the window would sit beside it
    data += [{**t, "cliponaxis": True} for t in landmark_traces(scene, "x", "y")]
    for k, (r, label) in enumerate(zip(results, labels)):
        upto = r.path[: min(step, r.steps_done + 1)]  # path[0 .. step-1]: the points before this step
        trail = np.clip(upto, -1e30, 1e30)
        # with a focus, the legend names that run alone: the others' arrows are mostly out of the window
        named = focus is None or k == int(focus)
        for xa, ya, legend in (("x", "y", named), ("x2", "y2", False)):
            data.append(
                {
                    "type": "scatter",
                    "mode": "lines+markers",
                    "x": trail[:, 0],
                    "y": trail[:, 1],
                    "xaxis": xa,
                    "yaxis": ya,
                    "name": label,
                    "legendgroup": f"opt{k}",
                    "legendrank": 100 + k,
                    "showlegend": legend,
                    "opacity": 0.4,
                    "line": {"color": color_for(k), "width": 1.5 if xa == "x" else 1.0},
                    "marker": {"color": color_for(k), "size": 4 if xa == "x" else 2, "maxdisplayed": 150},
                    "hovertemplate": f"<b>{label}</b><br>(%{{x:.6g}}, %{{y:.6g}})<extra></extra>",
                    "meta": {"role": "inside_path", "index": k},
                }
            )
    for k, p in parts.items():
        label = labels[k]
        for a in _drawn(p):
            data.append(_arrow_trace(p, a, k, label, "x", "y"))
        if "theta" in p.points:
            th_pt = p.points["theta"]
            data.append(
                {
                    "type": "scatter",
                    "mode": "markers",
                    "x": [float(th_pt[0])],
                    "y": [float(th_pt[1])],
                    "xaxis": "x",
                    "yaxis": "y",
                    "name": f"{label}: {_(THETA_NAME)}",
                    "legendgroup": "theta",
                    "showlegend": False,
                    "marker": {"symbol": "circle-open", "size": 11, "color": color_for(k), "line": {"width": 2}},
                    "hovertemplate": f"<b>{label}</b>: {_(THETA_NAME)}<br>{_fmt(th_pt)}<extra></extra>",
                    "meta": {"role": "inside_point", "index": k, "kind": "theta"},
                }
            )
    now_word = _("step {step} starts here").format(step=step)
    for xa, ya, size in (("x", "y", 12), ("x2", "y2", 8)):
        ks = list(parts)
        data.append(
            {
                "type": "scatter",
                "mode": "markers",
                "x": [float(parts[k].origin[0]) for k in ks],
                "y": [float(parts[k].origin[1]) for k in ks],
                "text": [labels[k] for k in ks],
                "xaxis": xa,
                "yaxis": ya,
                "name": now_word,
                "showlegend": False,
                "cliponaxis": xa == "x2",
                "marker": {
                    "color": [color_for(k) for k in ks],
                    "size": size,
                    "line": {"width": 1.5, "color": th["paper"]},
                },
                "hovertemplate": "<b>%{text}</b><br>" + now_word + "<br>(%{x:.6g}, %{y:.6g})<extra></extra>",
                "meta": {"role": "inside_head"},
            }
        )
    # The legend: runs (their faint paths), then each drawn arrow kind once, in ARROW_STYLE's order.
    keyed = parts.values() if focus is None else [parts[int(focus)]]
    kinds = {a.key for p in keyed for a in _drawn(p)}
    data += [_key_trace(key, th["ink"]) for key in ARROW_STYLE if key in kinds]
    if any("theta" in p.points for p in keyed):
        data.append(
            {
                "type": "scatter",
                "mode": "markers",
                "x": [None],
                "y": [None],
                "name": _(THETA_NAME),
                "legendgroup": "theta",
                "marker": {"symbol": "circle-open", "size": 11, "color": th["ink"], "line": {"width": 2}},
                "hoverinfo": "skip",
                "meta": {"role": "arrow_key", "kind": "theta"},
            }
        )
    # the window's place in the whole plot: its outline, and a mark where it shrinks to a dot
    if 2 * half < 0.05 * max(x1 - x0, y1 - y0):
        data.append(
            {
                "type": "scatter",
                "mode": "markers",
                "x": [float(centre[0])],
                "y": [float(centre[1])],
                "xaxis": "x2",
                "yaxis": "y2",
                "name": _("zoomed window"),
                "showlegend": False,
                "marker": {"symbol": "square-open", "size": 16, "color": th["ink"], "line": {"width": 2}},
                "hovertemplate": _("zoomed window") + "<extra></extra>",
                "meta": {"role": "window_mark"},
            }
        )

    title = _("Inside step {step}").format(step=step) + " · " + scene_title(scene)
    layout = base_layout(scene, 660)
    layout["title"]["text"] = title
    layout["meta"]["auto_title"] = title
    layout.pop("clickmode", None)
    zoom = {
        "xaxis": {
            "range": [float(centre[0] - half), float(centre[0] + half)],
            "domain": [0.0, 0.66],
            "anchor": "y",
            "title": {"text": "x"},
            "constrain": "domain",
            "showgrid": False,
            "zeroline": False,
            "ticks": "outside",
            "nticks": 7,
            "exponentformat": "power",
        },
        "yaxis": {
            "range": [float(centre[1] - half), float(centre[1] + half)],
            "domain": [0.0, 1.0],
            "anchor": "x",
            "scaleanchor": "x",
            "scaleratio": 1,
            "constrain": "domain",
            "showgrid": False,
            "zeroline": False,
            "title": {"text": "y"},
            "ticks": "outside",
            "nticks": 7,
            "exponentformat": "power",
        },
    }
    layout.update(zoom)
    inset = traj_axes(surf, [0.72, 1.0], "xaxis2", "yaxis2", "x2", "y2")
    inset["yaxis2"]["domain"] = [0.55, 1.0]
    for ax in inset.values():
        ax.update(title={"text": ""}, nticks=5)
    layout.update(inset)
    layout["legend"] = {"orientation": "v", "x": 0.7, "xanchor": "left", "y": 0.5, "yanchor": "top"}
    lines, image = landscape_layers(scene, "x2", "y2")
    layout["images"] = [image]
    layout["shapes"] = [
        lines,
        {
            "type": "rect",
            "xref": "x2",
            "yref": "y2",
            "x0": float(centre[0] - half),
            "x1": float(centre[0] + half),
            "y0": float(centre[1] - half),
            "y1": float(centre[1] + half),
            "line": {"color": th["ink"], "width": 1.5},
        },
    ]
    note = _("window {width} wide; longest arrow {length}").format(width=f"{2 * half:.3g}", length=f"{longest:.3g}")
    if stopped:
        note += " · " + _("no step {step}: {runs} (stopped earlier)").format(step=step, runs=", ".join(stopped))
    layout["annotations"] = [
        {
            "text": note,
            "x": 0.0,
            "xref": "paper",
            "xanchor": "left",
            "y": 1.0,
            "yref": "paper",
            "yanchor": "bottom",
            "showarrow": False,
            "name": "note",
        }
    ]
    layout["meta"]["bottom"] = 50
    layout["meta"]["window"] = [float(centre[0]), float(centre[1]), float(half)]
    fig = go.Figure({"data": data, "layout": layout}, _validate=False)
    return apply_display(fig, scene.display, traces_styled=True)


# ----------------------------------------------------------------------------- per coordinate


def _first_moment(r: Result) -> str | None:
    """The state entry of the first moment: Adam's m, momentum's buffer b (RMSProp's only with momentum)."""
    if "m" in r.state:
        return "m"
    if "b" in r.state and not (r.optimizer == "rmsprop" and not r.hyperparams.get("momentum")):
        return "b"
    return None


def _second_moment(r: Result) -> str | None:
    """The state entry the step divides by: AMSGrad's running maximum, else v, AdaGrad's s, Adamax's u."""
    return next((key for key in ("vhat", "v", "s", "u") if key in r.state), None)


_PANELS = (  # (panel, y-axis title, log axis); the state entries each run shows in it come from `_series`
    ("step_size", N_("effective step size"), True),
    ("first", N_("first moment"), False),
    ("second", N_("second moment"), True),
    ("bias", N_("bias correction"), True),
)


def _series(panel: str, r: Result) -> list[tuple[str, np.ndarray, str]]:
    """(state key, values (k,) or (k, 2), dash) of one run in one panel; [] when it has none."""
    st = r.state
    if r.steps_done == 0:
        return []
    if panel == "step_size":
        keys = ["step_size"] if "step_size" in st else []
    elif panel == "first":
        keys = [key for key in (_first_moment(r),) if key]
    elif panel == "second":
        keys = [key for key in (_second_moment(r),) if key]
    else:
        return [
            (key, np.asarray(st[key], dtype=np.float64), dash)
            for key, dash in (("bias1", "solid"), ("bias2", "dot"))
            if key in st
        ]
    return [(key, np.asarray(st[key], dtype=np.float64), "") for key in keys]


@speaks_scene
def coords_figure(scene: Scene, results: list[Result]) -> go.Figure:
    """Per coordinate over the steps, one panel each (stacked, one step axis): the effective step
    size (`Result.state["step_size"]`, log), the first moment (m, or momentum's b; linear, signed),
    the second moment the step divides by (v, s, AMSGrad's running max, Adamax's u; log) and the
    bias-correction factors 1/(1−β₁ᵗ) (solid) and 1/(1−β₂ᵗ) (dotted; log).  Coordinates: solid x,
    dotted y.  Row t-1 of the state is drawn at step t.  A run without a panel's quantity is left
    out of it, named in the panel's note; a panel no run has is not drawn.  ValueError when a
    result was not recorded with record_state=True.
    """
    _checked(scene, results)
    labels = scene.surfaces.labels()
    panels = []
    for name, words, log in _PANELS:
        rows = [(k, _series(name, r)) for k, r in enumerate(results)]
        if name == "step_size" or any(s for _k, s in rows):
            panels.append((name, _(words), log, rows))
    n = len(panels)
    gap = 0.06
    height_each = (1.0 - gap * (n - 1)) / n
    data: list[dict[str, Any]] = []
    layout: dict[str, Any] = {}
    annotations = []
    step_word = _("step")
    shown = set()
    for j, (name, words, log, rows) in enumerate(panels):
        ax = "" if j == 0 else str(j + 1)
        top = 1.0 - j * (height_each + gap)
        values = []
        missing = []
        for k, series in rows:
            if not series:
                missing.append(labels[k])
                continue
            for key, y, dash in series:
                y = y.copy()
                if log:
                    y[~(y > 0)] = (
                        np.nan
                    )  # log axis: a zero or negative value has no place (and none occurs but 0 at rest)
                sym = state_symbol(results[k].optimizer, key)
                cols = (
                    [("x", y[:, 0], dash or "solid"), ("y", y[:, 1], dash or "dot")] if y.ndim == 2 else [("", y, dash)]
                )
                for coord, yc, d in cols:
                    values.append(yc)
                    legend = k not in shown
                    shown.add(k)
                    name_c = f"{labels[k]} · {sym}" + (f" {coord}" if coord else "")
                    data.append(
                        {
                            "type": "scatter",
                            "mode": "lines",
                            "x0": 1,
                            "dx": 1,
                            "y": yc,
                            "xaxis": f"x{ax}",
                            "yaxis": f"y{ax}",
                            "name": labels[k] if legend else name_c,
                            "legendgroup": f"opt{k}",
                            "legendrank": 100 + k,
                            "showlegend": legend,
                            "line": {"color": color_for(k), "width": 2, "dash": d},
                            "hovertemplate": f"<b>{name_c}</b><br>{step_word} %{{x}}<br>%{{y:.4g}}<extra></extra>",
                            "meta": {"role": "coord", "index": k, "panel": name, "key": key, "coord": coord},
                        }
                    )
        symbols = dict.fromkeys(
            state_symbol(results[k].optimizer, key) for k, series in rows for key, _y, _d in series if name != "bias"
        )
        yaxis = value_axis(values, log, words + (" " + ", ".join(symbols) if symbols else ""))
        yaxis.update(domain=[max(top - height_each, 0.0), top], anchor=f"x{ax}")
        layout[f"yaxis{ax}"] = yaxis
        layout[f"xaxis{ax}"] = {
            "domain": [0.0, 1.0],
            "anchor": f"y{ax}",
            "range": [0.5, scene.surfaces.steps + 0.5],
            "zeroline": False,
            "showticklabels": j == n - 1,
            **({"matches": "x"} if j else {}),
            **({"title": {"text": step_word}} if j == n - 1 else {}),
        }
        if missing:
            annotations.append(
                {
                    "text": _("not shown: {runs}").format(runs=", ".join(missing)),
                    "x": 1.0,
                    "xref": "paper",
                    "xanchor": "right",
                    "y": top,
                    "yref": "paper",
                    "yanchor": "bottom",
                    "showarrow": False,
                    "name": "note",
                }
            )
    title = _("Per coordinate over the steps") + "   (" + _("solid: x, dotted: y") + ")"
    if any(name == "bias" for name, *_rest in panels):
        title += " · 1/(1−β₁ᵗ) " + _("solid") + ", 1/(1−β₂ᵗ) " + _("dotted")
    layout.update(
        {
            "title": {"text": title, "x": 0.0, "xanchor": "left", "pad": {"l": 12}},
            "height": 200 * n + 120,
            "legend": {"orientation": "h", "x": 0.0, "y": 1.0, "yanchor": "bottom"},
            "hovermode": "closest",
            "annotations": annotations,
            "meta": {"optviz": "figure", "auto_title": title, "bottom": 50},
        }
    )
    fig = go.Figure({"data": data, "layout": layout}, _validate=False)
    return apply_display(fig, scene.display)
