"""The surfaces view's figures: a scene and its results in, plotly figures out.

Pure functions (no streamlit, no optimizer runs): the app shows what they return and the
exporter writes the same figures to files, so a slide is what the lecturer saw.

    scene_figure        contour + paths (left) and loss (right) sharing ONE animation: the
                        app's main figure, since two charts cannot share a play button
    trajectory_figure   the surface as a static filled contour with every optimizer's path
    loss_figure         loss per step, a moving marker per optimizer
    surface3d_figure    the surface in 3D with the paths lifted onto it
    lr_figure           the learning rate of every step (schedule applied, C17)
    effective_lr_figure per-coordinate effective step |dtheta_i| / |g_i| (AdaGrad's decay, C6)
    results_table       final loss, distance to the nearest minimum, steps to converge, divergence
    run_outcome         "ran", "diverged" or "escaped" (left the plot downhill on a surface unbounded below)
    rebounds            runs whose loss climbed back by > 100x after their minimum (adaptive steps near 0)
    apply_display       theme, font size, title and legend from a `Display`, in one place

The surface is layout, not a trace: its filled bands are a PNG layout image and its iso-lines
one SVG path shape (`landscape`, marching squares on a 200 x 200 grid, log-spaced levels of
f - f* where the surface asks for it).  Two plotly.js 4.x behaviours (also in the plotly.js
inside Streamlit) force this: while frames play with redraw=False, (1) every non-scatter layer
of a cartesian subplot is removed, so a contour trace vanishes at play, and (2) every trace of
the subplot that the frame does not list loses its SVG handles, after which a click selection
throws and the click-to-start stops working.  So frames list the moving traces (paths and the
"now" markers) plus the few small static scatter traces of the contour plot with an empty
update; the iso-lines, 10 000 segments, stay out of the frames as a shape.

Frames show the paths at `frame_indices`; within a frame the trail up to that step is drawn
at an odd stride (an odd stride keeps the alternation of a period-2 zig-zag visible, an even
one would hide it) chosen so the frames stay within `FRAME_POINT_BUDGET` points.  The final
frame and the figure's resting state draw every step.

Colours: Okabe & Ito (2008), "Color Universal Design", a palette distinguishable under the
common colour-vision deficiencies.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go

from optviz.api import Result
from optviz.config import Display, Scene
from optviz.figures.contours import contour_png, lowest_minimum, surface_contours
from optviz.figures.palette import DIVERGED_COLOR, THEMES, color_for
from optviz.figures.style import apply_display, speaks_scene, style_trace, typed_array, typed_array2
from optviz.i18n import N_, _
from optviz.optimizers import OPTIMIZERS
from optviz.schedules import SCHEDULE_TITLES, Schedule
from optviz.theory import bowl_theory, gd_rate, heavy_ball_rate, predicted_loss
from surfaces import Surface, get_surface

CLICK_GRID = 40  # invisible click targets per axis (plotly fires no click events on contours)
SURFACE3D_GRID = 120
FRAME_POINT_BUDGET = 120_000  # trail points over all frames and optimizers (about 1.3 MB as float32)
MAX_DOTS = 150  # step dots drawn per path at most (marker.maxdisplayed)
CONVERGENCE_TOL = 1e-3  # results table: first step with f - f* <= this (absolute)
LOG_FLOOR = 1e-16  # log loss axis: values at or below this (a run that hits the minimum exactly) sit here
REBOUND_FACTOR = 100.0  # `rebounds`: a loss this many times above the run's minimum, after it, is a climb back

# Surfaces without a lower bound.  Leaving the plot downhill there is the lesson (a saddle escaped),
# not a blow-up, and it is named and marked differently.  The registry (`surfaces`) has no such flag,
# so this is the one place that says it; tests/test_figures.py checks that f -> -inf along a ray on
# each of them and that every other surface lists a minimum.
UNBOUNDED_BELOW = frozenset({"saddle", "monkey_saddle"})
ESCAPED_TEXT = N_("left the plot: f is unbounded below")  # shown as _(ESCAPED_TEXT)

_LANDMARKS = {  # kind -> (legend label, symbol, size, filled); the label is shown as _(label)
    "global minimum": (N_("global minimum"), "star", 17, True),
    "local minimum": (N_("local minimum"), "star", 13, False),
    "saddle": (N_("saddle point"), "hourglass", 13, True),
    "local maximum": (N_("local maximum"), "triangle-up", 12, False),
}


def frame_indices(n_points: int, frames: int) -> np.ndarray:
    """Path indices shown at the animation frames: at most `frames`, evenly spaced in steps,
    always including 0 and the last index `n_points - 1`."""
    if n_points < 1:
        raise ValueError(f"n_points must be >= 1, got {n_points!r}")
    if frames < 1:
        raise ValueError(f"frames must be >= 1, got {frames!r}")
    if n_points == 1 or frames == 1:
        return np.array([n_points - 1] if frames == 1 and n_points > 1 else [0], dtype=np.int64)
    k = min(frames, n_points)
    return np.unique(np.round(np.linspace(0, n_points - 1, k)).astype(np.int64))


@speaks_scene
def scene_title(scene: Scene) -> str:
    """The automatic title: surface, steps, and the shared settings that are not defaults."""
    surf = get_surface(scene.surfaces.surface)
    parts = [_(surf.title), _("{steps} steps").format(steps=f"{scene.surfaces.steps:,}")]
    sp = dict(scene.surfaces.surface_params)
    if surf.name == "bowl":
        parts.append(f"κ = {sp['kappa']:g}" + (f", θ = {sp['theta']:.2g}" if sp["theta"] else ""))
    sched = scene.surfaces.schedule.name
    if sched != "constant":
        parts.append(_("{schedule} lr schedule").format(schedule=_(SCHEDULE_TITLES.get(sched, sched))))
    if scene.surfaces.noise:
        parts.append(_("gradient noise σ = {sigma}").format(sigma=f"{scene.surfaces.noise:g}"))
    return " · ".join(parts)


# ----------------------------------------------------------------------------- helpers


def _surface(scene: Scene) -> Surface:
    return get_surface(scene.surfaces.surface)


def check_results(scene: Scene, results: Sequence[Result]) -> None:
    if len(results) != len(scene.surfaces.optimizers):
        raise ValueError(
            f"results: expected one per optimizer of the scene ({len(scene.surfaces.optimizers)}), got {len(results)}"
        )
    for spec, r in zip(scene.surfaces.optimizers, results):
        if r.optimizer != spec.name or r.surface != scene.surfaces.surface:
            raise ValueError(f"results do not belong to this scene: {r.optimizer} on {r.surface}")


def landscape_layers(scene: Scene, xref: str, yref: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The surface as (iso-line layout shape, filled-band layout image): layout, not traces.

    Not a plotly contour trace: plotly.js (4.x, also the one inside Streamlit) removes every
    non-scatter layer of a cartesian subplot while it plays frames with redraw=False, so a contour
    vanishes as soon as play is pressed.  Not a scatter trace either: every trace of the subplot
    must then be re-drawn in each frame (see `_assemble`), and 10 000 line segments per frame
    would halve the frame rate.  A path shape and an image are drawn once and stay.
    """
    surf = _surface(scene)
    land = surface_contours(surf.name, scene.surfaces.surface_params)
    lines = {
        "type": "path",
        "path": land.svg_path,
        "xref": xref,
        "yref": yref,
        "layer": "between",  # above the band image ("below" would hide under it), below the paths
        "line": {"width": 0.7},
        "showlegend": False,
        "name": land.label,
        "legendgroup": "contours",
    }
    (x0, x1), (y0, y1) = surf.bounds
    image = {
        "source": contour_png(surf.name, scene.surfaces.surface_params, scene.display.theme),
        "xref": xref,
        "yref": yref,
        "x": x0,
        "y": y1,
        "sizex": x1 - x0,
        "sizey": y1 - y0,
        "xanchor": "left",
        "yanchor": "top",
        "sizing": "stretch",
        "layer": "below",
        "name": "landscape",
    }
    return lines, image


def _click_grid_trace(scene: Scene, xref: str, yref: str) -> dict[str, Any]:
    """Invisible markers that turn a click anywhere on the plot into a start point (plotly fires
    no click events on contours or images)."""
    surf = _surface(scene)
    (x0, x1), (y0, y1) = surf.bounds
    gx, gy = np.meshgrid(np.linspace(x0, x1, CLICK_GRID), np.linspace(y0, y1, CLICK_GRID))
    gx, gy = gx.ravel(), gy.ravel()
    f = surf.f(gx, gy, **dict(scene.surfaces.surface_params))
    return {
        "type": "scatter",
        "mode": "markers",
        "x": gx,
        "y": gy,
        "customdata": f.astype(np.float32),
        "xaxis": xref,
        "yaxis": yref,
        "marker": {"size": 10, "color": "rgba(0,0,0,0)"},
        "selected": {"marker": {"opacity": 0}},
        "unselected": {"marker": {"opacity": 0}},
        "hovertemplate": "x = %{x:.3g}, y = %{y:.3g}<br>f = %{customdata:.4g}<br><i>"
        + _("click to start here")
        + "</i><extra></extra>",
        "showlegend": False,
        "name": _("click to start here"),
        "meta": {"role": "click_grid"},
    }


def landmark_traces(scene: Scene, xref: str, yref: str) -> list[dict[str, Any]]:
    surf = _surface(scene)
    out = []
    for kind, (label, symbol, size, filled) in _LANDMARKS.items():
        pts = [p for p in surf.points if p.kind == kind]
        if not pts:
            continue
        label = _(label)
        out.append(
            {
                "type": "scatter",
                "mode": "markers",
                "x": [p.x for p in pts],
                "y": [p.y for p in pts],
                "customdata": [p.f for p in pts],
                "xaxis": xref,
                "yaxis": yref,
                "name": label,
                "legendrank": 900,
                "marker": {"symbol": symbol, "size": size, "line": {"width": 1.5}},
                "unselected": {"marker": {"opacity": 1}},
                "hovertemplate": f"{label}<br>(%{{x:.4g}}, %{{y:.4g}})<br>f = %{{customdata:.6g}}<extra></extra>",
                "meta": {"role": "landmark", "filled": filled},
                "cliponaxis": False,
            }
        )
    return out


def start_trace(scene: Scene, xref: str, yref: str) -> dict[str, Any]:
    x, y = scene.surfaces.start_point
    return {
        "type": "scatter",
        "mode": "markers",
        "x": [x],
        "y": [y],
        "xaxis": xref,
        "yaxis": yref,
        "name": _("start"),
        "legendrank": 950,
        "marker": {"symbol": "circle", "size": 12, "line": {"width": 2}},
        "unselected": {"marker": {"opacity": 1}},
        "hovertemplate": _("start") + " (%{x:.4g}, %{y:.4g})<extra></extra>",
        "meta": {"role": "start"},
    }


def _exit_point(path: np.ndarray, bounds: Any) -> tuple[np.ndarray, int]:
    """Where a path is last seen inside the plot: its end if inside, else where it leaves the box.

    Returns the point and the index of the last step inside the box.
    """
    (x0, x1), (y0, y1) = bounds
    inside = (path[:, 0] >= x0) & (path[:, 0] <= x1) & (path[:, 1] >= y0) & (path[:, 1] <= y1)
    if inside[-1]:
        return path[-1], len(path) - 1
    idx = np.flatnonzero(inside)
    if idx.size == 0:
        return np.clip(path[0], (x0, y0), (x1, y1)), 0
    k = int(idx[-1])
    a, b = path[k], path[k + 1]
    d = b - a
    t = 1.0
    for i, (lo, hi) in enumerate(((x0, x1), (y0, y1))):
        if d[i] > 0:
            t = min(t, (hi - a[i]) / d[i])
        elif d[i] < 0:
            t = min(t, (lo - a[i]) / d[i])
    return a + max(t, 0.0) * d, k


def _inside(path: np.ndarray, bounds: Any) -> np.ndarray:
    (x0, x1), (y0, y1) = bounds
    return (path[:, 0] >= x0) & (path[:, 0] <= x1) & (path[:, 1] >= y0) & (path[:, 1] <= y1)


def run_outcome(surface: str, r: Result) -> str:
    """How a run ended, for its marker, its table row and the page's warning.

    "escaped": on a surface in UNBOUNDED_BELOW, the run left the plot with f below its start (it went
        downhill for good; the engine stops it 100 plot widths away, which is not a blow-up);
    "diverged": it left the finite range or wandered away (`Result.diverged_at`) otherwise;
    "ran": every other run.
    """
    surf = get_surface(surface)
    out = not _inside(r.path[-1:], surf.bounds)[0]
    if surface in UNBOUNDED_BELOW and (out or r.diverged_at is not None) and r.loss[-1] < r.loss[0]:
        return "escaped"
    return "diverged" if r.diverged_at is not None else "ran"


def rebounds(scene: Scene, results: Sequence[Result]) -> list[tuple[int, float, float, int]]:
    """Runs whose loss climbed back by more than REBOUND_FACTOR after reaching its minimum, as
    (index, lowest f - f*, final f - f*, step of the lowest); f* the lowest known minimum.

    RMSProp and Adam do this by design: as the gradient vanishes near a minimum, the
    running average v of g^2 decays with it, so the step lr m / (sqrt(v) + eps) grows back to about
    lr and the run is kicked out to a distance where the gradient balances it.  Runs with gradient
    noise or that left the plot are not counted (noise jitters, an escape is its own result).
    """
    f_star = lowest_minimum(_surface(scene))
    if f_star is None or scene.surfaces.noise:
        return []
    out = []
    for k, r in enumerate(results):
        if r.diverged_at is not None or len(r.loss) < 3:
            continue
        gap = np.maximum(r.loss - f_star, LOG_FLOOR)
        i = int(np.argmin(gap))
        if gap[-1] > REBOUND_FACTOR * gap[i] and gap[-1] > 1e-9:
            out.append((k, float(gap[i]), float(gap[-1]), i))
    return out


def _trail(path: np.ndarray, i: int, stride: int) -> np.ndarray:
    """path[0 .. i] at `stride`, always ending exactly at path[i]."""
    idx = np.arange(0, i + 1, stride)
    if idx[-1] != i:
        idx = np.append(idx, i)
    return path[idx]


def _trail_stride(lengths: Sequence[int], idx: np.ndarray) -> int:
    """The smallest odd stride that keeps every frame's trails within FRAME_POINT_BUDGET points."""
    n = np.asarray(lengths, dtype=np.int64)
    last = np.minimum(idx[:, None], n[None, :] - 1)
    s = 1
    while int(np.sum(last // s + 2)) > FRAME_POINT_BUDGET and s < 10_001:
        s += 2
    return s


def _frame_xy(a: np.ndarray) -> np.ndarray:
    # The clip keeps the far-escaped points of a diverging run finite in float32.
    return np.clip(a, -1e30, 1e30).astype(np.float32)


GRADIENT_AT_Y = frozenset({"schedule_free_sgd", "schedule_free_adamw"})  # gradient at y, model at x


def _gradient_points(r: Result) -> np.ndarray:
    """Schedule-Free's y_t, where step t takes the gradient (`Result.probe`), one per point of the
    path x_t; the last point, after the last step, repeats y of the last step taken."""
    probe = r.probe if r.probe is not None and len(r.probe) else r.path[:1]
    return np.vstack([probe, probe[-1:]])[: len(r.path)]


def _textbook_nesterov(r: Result) -> np.ndarray:
    """Nesterov's textbook iterate theta_t from optviz's (torch's) look-ahead variable.

    optviz stores phi_t = theta_t + mu v_t, where the gradient is taken; with torch's buffer
    b_t = mu b_{t-1} + g_t and v_t = -lr_t b_t: theta_t = phi_t + mu lr_t b_t (exact for a constant
    lr; with a schedule it is the same change of variable, step by step).
    """
    mu = r.hyperparams["momentum"]
    b = np.zeros(2)
    theta = r.path.copy()
    for t in range(r.grad.shape[0]):
        b = mu * b + r.grad[t]
        theta[t + 1] = r.path[t + 1] + mu * r.lr[t] * b
    return theta


# ----------------------------------------------------------------------------- panels
#
# A panel is a list of trace dicts plus, for the traces it animates, one dict per frame.
# Builders compose panels into one figure and turn the per-trace frame lists into plotly frames.


class _Panel:
    def __init__(self, hold_static: bool = False) -> None:
        # hold_static: list this panel's static traces in every frame too (with no change), see _assemble
        self.hold_static = hold_static
        self.shapes: list[dict[str, Any]] = []
        self.traces: list[dict[str, Any]] = []
        self.anim: list[tuple[int, list[dict[str, Any]]]] = []  # (trace position, per-frame update)
        self.images: list[dict[str, Any]] = []

    def add(self, trace: dict[str, Any], frames: list[dict[str, Any]] | None = None) -> None:
        if frames is not None:
            self.anim.append((len(self.traces), frames))
        self.traces.append(trace)


def _heads_trace(
    results: Sequence[Result], labels: Sequence[str], ys: Sequence[np.ndarray], xref: str, yref: str, role: str
) -> dict[str, Any]:
    """One trace holding every optimizer's current point (one trace, not one per optimizer:
    each frame trace costs ~40 us to build, and there are frames x traces of them)."""
    xs_last = [float(len(y) - 1) for y in ys] if role == "loss_head" else [float(r.path[-1, 0]) for r in results]
    ys_last = [float(y[-1]) for y in ys] if role == "loss_head" else [float(r.path[-1, 1]) for r in results]
    return {
        "type": "scatter",
        "mode": "markers",
        "x": xs_last,
        "y": ys_last,
        "customdata": [[len(r.loss) - 1, float(r.loss[-1])] for r in results],
        "text": list(labels),
        "xaxis": xref,
        "yaxis": yref,
        "name": _("now"),
        "showlegend": False,
        "cliponaxis": False,
        "marker": {"color": [color_for(k) for k in range(len(results))], "size": 11, "line": {"width": 1.5}},
        "unselected": {"marker": {"opacity": 1}},
        "hovertemplate": "<b>%{text}</b><br>"
        + _("step")
        + " %{customdata[0]}<br>f = %{customdata[1]:.4g}<extra></extra>",
        "meta": {"role": role},
    }


def _traj_panel(
    scene: Scene,
    results: Sequence[Result],
    idx: np.ndarray | None,
    xref: str,
    yref: str,
    lookahead: bool,
) -> _Panel:
    surf = _surface(scene)
    labels = scene.surfaces.labels()
    panel = _Panel(hold_static=True)
    lines, image = landscape_layers(scene, xref, yref)
    panel.images.append(image)
    panel.shapes.append(lines)
    panel.add(_click_grid_trace(scene, xref, yref))
    for t in landmark_traces(scene, xref, yref):
        panel.add(t)
    panel.add(start_trace(scene, xref, yref))
    # the legend entry of the contour shape (a path shape's own legend icon is a faint circle)
    panel.add(_legend_key(lines["name"], "contours", "contour_legend", xref, yref, {"width": 1.5}, legendrank=1000))
    stride = _trail_stride([len(r.path) for r in results], idx) if idx is not None else 1
    last = [np.minimum(idx, len(r.path) - 1) for r in results] if idx is not None else []
    nesterov = [k for k, r in enumerate(results) if lookahead and r.optimizer == "nesterov" and r.grad.shape[0]]
    thetas = {k: _textbook_nesterov(results[k]) for k in nesterov}
    # Schedule-Free: the path is x (where the model is evaluated); y (where the gradient is taken)
    # is drawn beside it, dotted, and grows with the animation as Nesterov's textbook iterate does
    gradient_points = {k: _gradient_points(r) for k, r in enumerate(results) if r.optimizer in GRADIENT_AT_Y}
    # Drawn last-to-first, so the first optimizer is on top where paths share a valley (the legend
    # keeps the scene's order through legendrank).
    step_word = _("step")
    for k, (r, label) in reversed(list(enumerate(zip(results, labels)))):
        color = color_for(k)
        full_tmpl = (
            f"<b>{label}</b><br>{step_word} %{{customdata[0]:.0f}}<br>(%{{x:.4g}}, %{{y:.4g}})"
            "<br>f = %{customdata[1]:.4g}<extra></extra>"
        )
        # While animating, the trail is subsampled, so the per-point step numbers would be wrong:
        # its hover shows coordinates only (the "now" marker carries the step and f).
        frame_tmpl = f"<b>{label}</b><br>(%{{x:.4g}}, %{{y:.4g}})<extra></extra>"
        frames = None
        if idx is not None:
            frames = []
            for j, i in enumerate(last[k]):
                if j == len(idx) - 1:  # the resting state again: every step (float32 is exact to the pixel)
                    full = _frame_xy(r.path)
                    frames.append(
                        {
                            "x": typed_array(full[:, 0]),
                            "y": typed_array(full[:, 1]),
                            "hovertemplate": full_tmpl,
                            "mode": "lines+markers",
                        }
                    )
                else:
                    tr = _frame_xy(_trail(r.path, int(i), stride))
                    # lines only while playing: a marker per point is an SVG node per point per frame
                    frames.append(
                        {
                            "x": typed_array(tr[:, 0]),
                            "y": typed_array(tr[:, 1]),
                            "hovertemplate": frame_tmpl,
                            "mode": "lines",
                        }
                    )
        panel.add(
            {
                "type": "scatter",
                "mode": "lines+markers",
                "x": r.path[:, 0],
                "y": r.path[:, 1],
                "customdata": np.column_stack([np.arange(len(r.path)), r.loss]).astype(np.float32),
                "xaxis": xref,
                "yaxis": yref,
                "name": label,
                "legendgroup": f"opt{k}",
                "legendrank": 100 + k,
                "line": {"color": color, "width": 2},
                # a run that stopped at step 1 is its start alone: a dot big enough to see
                # a dot per step, at most MAX_DOTS of them drawn (plotly samples evenly; zooming in shows
                # more): a dot is an SVG node, and 5 x 1 000 of them cost ~1 s per redraw in the browser
                "marker": {"color": color, "size": 3.5 if len(r.path) > 2 else 10, "maxdisplayed": MAX_DOTS},
                "unselected": {"marker": {"opacity": 1}},
                "hovertemplate": full_tmpl,
                "meta": {"role": "path", "index": k},
            },
            frames,
        )
        # a second point sequence beside the path, dotted, growing with the animation as the path
        # does: Nesterov's textbook iterate theta_t, or Schedule-Free's y (where the gradient is taken)
        for seq, name, hover, role, group in (
            (thetas, _("θₜ (textbook iterate)"), _("textbook θₜ"), "lookahead_path", "textbook"),
            (gradient_points, _("y (the gradient's point)"), _("y, where the gradient is taken"), "gradient_path", "y"),
        ):
            if k not in seq:
                continue
            pts = seq[k]
            seq_frames = None
            if idx is not None:
                seq_frames = []
                for i in last[k]:
                    tr = _frame_xy(_trail(pts, int(i), stride))
                    seq_frames.append({"x": typed_array(tr[:, 0]), "y": typed_array(tr[:, 1])})
            panel.add(
                {
                    "type": "scatter",
                    "mode": "lines",
                    "x": pts[:, 0],
                    "y": pts[:, 1],
                    "xaxis": xref,
                    "yaxis": yref,
                    "name": f"{label}: {name}",
                    "legendgroup": f"opt{k}_{group}",  # its own group: a shared one stacks vertically
                    "line": {"color": color, "width": 1.5, "dash": "dot"},
                    "hovertemplate": f"<b>{label}</b> {hover}<br>(%{{x:.4g}}, %{{y:.4g}})<extra></extra>",
                    "meta": {"role": role, "index": k},
                },
                seq_frames,
            )
    if thetas:  # one trace with every Nesterov run's current step theta_t -> look-ahead phi_t

        def segments(at: Sequence[int]) -> tuple[list[float | None], list[float | None]]:
            xs: list[float | None] = []
            ys: list[float | None] = []
            for k, i in zip(thetas, at):
                a, b = _frame_xy(thetas[k][i]), _frame_xy(results[k].path[i])
                xs += [float(a[0]), float(b[0]), None]
                ys += [float(a[1]), float(b[1]), None]
            return xs, ys

        seg_frames = None
        if idx is not None:
            seg_frames = []
            for j in range(len(idx)):
                xs, ys = segments([int(last[k][j]) for k in thetas])
                seg_frames.append({"x": xs, "y": ys})
        xs, ys = segments([len(results[k].path) - 1 for k in thetas])
        n = len(thetas)
        panel.add(
            {  # an arrow per run: a fixed-size head (angleref "previous" points it along the segment),
                # so the step stays visible when mu v_t is a few pixels long
                "type": "scatter",
                "mode": "lines+markers",
                "x": xs,
                "y": ys,
                "xaxis": xref,
                "yaxis": yref,
                "name": _("look-ahead θₜ → θₜ + μvₜ (Nesterov's gradient point)"),
                "legendrank": 960,
                "line": {"color": THEMES["light"]["ink"], "width": 2.5},
                "marker": {
                    "symbol": ["circle", "arrow", "circle"] * n,
                    "size": [7, 15, 0] * n,
                    "angleref": "previous",
                    "color": THEMES["light"]["ink"],
                    "line": {"width": 0},
                },
                "cliponaxis": False,
                "hovertemplate": _("θₜ → look-ahead θₜ + μvₜ, where Nesterov takes the gradient") + "<extra></extra>",
                "meta": {"role": "lookahead"},
            },
            seg_frames,
        )
    heads = _heads_trace(results, labels, [r.loss for r in results], xref, yref, "head")
    head_frames = None
    if idx is not None:
        head_frames = []
        for j in range(len(idx)):
            at = [int(last[k][j]) for k in range(len(results))]
            pts = [_frame_xy(r.path[i]) for r, i in zip(results, at)]
            head_frames.append(
                {  # typed arrays: plotly validates python lists element by element (~3x slower)
                    "x": typed_array(np.array([p[0] for p in pts])),
                    "y": typed_array(np.array([p[1] for p in pts])),
                    "customdata": typed_array2([[i, r.loss[i]] for r, i in zip(results, at)]),
                }
            )
    panel.add(heads, head_frames)
    (x0, x1), (y0, y1) = surf.bounds
    for k, (r, label) in enumerate(zip(results, labels)):
        kind = run_outcome(surf.name, r)
        if kind == "escaped":
            panel.add(_escape_mark(r, label, k, surf, xref, yref))
            continue
        if kind != "diverged":
            continue
        p, last_in = _exit_point(r.path, surf.bounds)
        # inside the plot by a margin, so the whole ✕ shows (on the border plotly clips half of it)
        p = np.clip(p, (x0 + 0.02 * (x1 - x0), y0 + 0.02 * (y1 - y0)), (x1 - 0.02 * (x1 - x0), y1 - 0.02 * (y1 - y0)))
        where = "" if last_in == len(r.path) - 1 else " " + _("(left the plot after step {step})").format(step=last_in)
        panel.add(
            {
                "type": "scatter",
                "mode": "markers",
                "x": [float(p[0])],
                "y": [float(p[1])],
                "xaxis": xref,
                "yaxis": yref,
                "name": _("{label} diverged").format(label=label),
                "legendgroup": f"opt{k}",
                "showlegend": False,
                "marker": {"symbol": "x", "size": 18, "color": DIVERGED_COLOR, "line": {"width": 1.5}},
                "cliponaxis": False,
                "unselected": {"marker": {"opacity": 1}},
                "hovertemplate": "<b>"
                + _("{label} diverged at step {step}").format(label=label, step=r.diverged_at)
                + f"</b>{where}<extra></extra>",
                "meta": {"role": "diverged", "index": k},
            }
        )
    return panel


def _escape_mark(r: Result, label: str, k: int, surf: Surface, xref: str, yref: str) -> dict[str, Any]:
    """An arrow in the run's colour where it leaves the plot, pointing the way it went (not the red
    ✕ of a blow-up: on a surface unbounded below, running downhill off the plot is the right answer)."""
    p, last_in = _exit_point(r.path, surf.bounds)
    a = r.path[max(last_in - 3, 0)]
    d = p - a if np.any(p != a) else r.path[-1] - r.path[max(len(r.path) - 2, 0)]
    # plotly's marker angle: degrees clockwise from "up"
    angle = float(np.degrees(np.arctan2(d[0], d[1]))) if np.any(d) else 0.0
    escaped = _(ESCAPED_TEXT)
    return {
        "type": "scatter",
        "mode": "markers",
        "x": [float(p[0])],
        "y": [float(p[1])],
        "xaxis": xref,
        "yaxis": yref,
        "name": f"{label} {escaped}",
        "legendgroup": f"opt{k}",
        "showlegend": False,
        "marker": {"symbol": "arrow", "size": 20, "angle": angle, "color": color_for(k), "line": {"width": 1.5}},
        "cliponaxis": False,
        "unselected": {"marker": {"opacity": 1}},
        "hovertemplate": f"<b>{label}</b>: {escaped}<br>"
        + _("after step {step}, f still falling").format(step=last_in)
        + "<extra></extra>",
        "meta": {"role": "escaped", "index": k},
    }


def _loss_values(scene: Scene, results: Sequence[Result]) -> tuple[list[np.ndarray], str, bool]:
    """The plotted loss per result, the axis title, and whether the axis is logarithmic."""
    surf = _surface(scene)
    f_star = lowest_minimum(surf)
    log = scene.display.log_loss and f_star is not None
    if not log:
        linear = f_star is None and scene.display.log_loss
        title = "f(θ)  (" + _("linear: no minimum") + ")" if linear else "f(θ)"
        return [r.loss for r in results], title, False
    shifted = [r.loss - f_star for r in results] if f_star else [r.loss for r in results]
    title = f"f(θ) − f*   (f* = {f_star:.6g})" if f_star else "f(θ)"
    if any(np.any(y <= LOG_FLOOR) for y in shifted):
        floor = _("values ≤ {floor} drawn at {floor}").format(floor=f"{LOG_FLOOR:g}")
        title += f"<br><span style='font-size:0.8em'>({floor})</span>"
    return [np.maximum(y, LOG_FLOOR) for y in shifted], title, True


_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def power_label(e: int, m: int = 1) -> str:
    """10^e as text with superscripts ("10⁻⁴"), or m·10^e ("2·10⁻⁴"; plain "2", "20" near 1)."""
    if e in (0, 1):
        return str(m * 10**e)
    p = "10" + str(e).translate(_SUPERSCRIPT)
    return p if m == 1 else f"{m}·{p}"


def log_ticks(lo: float, hi: float) -> tuple[list[float], list[str]]:
    """Tick values and labels for a log axis over [lo, hi]: the decades, as powers of ten (every
    k-th decade over more than nine), plus 2· and 5· when fewer than three decades fall inside."""
    e0, e1 = math.floor(math.log10(lo)), math.ceil(math.log10(hi))
    step = max(1, math.ceil((e1 - e0) / 9))
    vals = [(e, 1) for e in range(e0, e1 + 1, step)]
    for mantissas in ((1, 2, 5), tuple(range(1, 10))):
        if sum(lo <= m * 10.0**e <= hi for e, m in vals) >= 3:
            break
        vals = [(e, m) for e in range(e0, e1 + 1) for m in mantissas]
    return [m * 10.0**e for e, m in vals], [power_label(e, m) for e, m in vals]


def value_axis(values: Sequence[np.ndarray], log: bool, title: str) -> dict[str, Any]:
    """A y axis over `values` (the points to keep in view): on a log axis, ticks at the powers of
    ten written as powers ("10⁻⁴", never plotly's "5, 2, 10, 5, 2" of minor digits or SI prefixes);
    on a linear axis, plain numbers ("−20,000", not "−0.2×10⁵" or "20k").  The range is set
    from `values`, so a run that blows up or leaves a surface unbounded below does not flatten the
    others: its line leaves the axis."""
    ax: dict[str, Any] = {"title": {"text": title}, "type": "log" if log else "linear"}
    v = np.concatenate([np.asarray(a, dtype=np.float64).ravel() for a in values]) if values else np.zeros(0)
    v = v[np.isfinite(v) & ((v > 0) if log else True)]
    if not v.size:
        ax["exponentformat"] = "power" if log else "none"
        return ax
    lo, hi = float(v.min()), float(v.max())
    if log:
        ticks, text = log_ticks(lo, hi)
        pad = 0.04 * max(math.log10(hi) - math.log10(lo), 0.5)
        ax.update(tickvals=ticks, ticktext=text, range=[math.log10(lo) - pad, math.log10(hi) + pad])
    else:
        pad = 0.05 * (hi - lo) if hi > lo else max(abs(hi), 1.0) * 0.1
        ax.update(range=[lo - pad, hi + pad], exponentformat="none", separatethousands=True, nticks=8)
    return ax


def _in_plot_values(scene: Scene, results: Sequence[Result], ys: Sequence[np.ndarray]) -> list[np.ndarray]:
    """The plotted loss of each run at the steps where its path is inside the plot: the loss axis
    spans these, the runs still on the picture."""
    bounds = _surface(scene).bounds
    out = []
    for r, y in zip(results, ys):
        inside = _inside(r.path, bounds)
        out.append(y[: len(inside)][inside] if inside.any() else y[:1])
    return out


THEORY_POINTS = 241  # points per predicted loss line at most
THEORY_KEY = N_("theory: loss ∝ rate²ᵗ (dashed)")  # the one legend entry of the predicted lines


def predicted_rate(result: Result) -> float | None:
    """The per-step contraction `optviz.theory` predicts for `result`, or None where it predicts none.

    Only on the bowl (a quadratic: eigenvalues 1 and κ everywhere), for plain gradient descent
    ("sgd") and heavy ball ("momentum"; Nesterov is a separate optimizer) with a constant lr and no
    noise, clipping or L2, the runs the theory of Goh (2017) describes exactly."""
    opts = result.options
    if result.surface != "bowl" or result.optimizer not in ("sgd", "momentum"):
        return None
    if Schedule.coerce(opts.get("schedule")) != Schedule() or opts.get("noise", 0.0) != 0.0:
        return None
    if opts.get("clip_norm") is not None or opts.get("l2", 0.0) != 0.0:
        return None
    th = bowl_theory(float(opts.get("surface_params", {}).get("kappa", 10.0)))
    lams = (th.lambda_min, th.lambda_max)
    hp = result.hyperparams
    if result.optimizer == "sgd":
        return gd_rate(hp["lr"], lams)
    return heavy_ball_rate(hp["lr"], hp["momentum"], lams)


def _theory_lines(
    scene: Scene, results: Sequence[Result], ys: Sequence[np.ndarray], log: bool, xref: str, yref: str
) -> list[dict[str, Any]]:
    """A thin dashed line per run with a predicted rate: f(t₀)·rate^2(t−t₀) from t₀ = a quarter of
    the steps, the loss the theory predicts
    (`optviz.theory.predicted_loss`), in the run's colour and legend group, and one legend entry
    for them all.  Each line stops where it leaves the span of the measured losses (the loss axis'
    range; never below LOG_FLOOR on a log axis), so it neither stretches nor leaves the axis.

    Role "loss_theory": drawn whole (the live chart cuts only the "loss" lines at the frame and
    passes other traces through as they are)."""
    rates = [predicted_rate(r) for r in results]
    if not any(rate is not None for rate in rates):
        return []
    v = np.concatenate([np.asarray(a, dtype=np.float64).ravel() for a in _in_plot_values(scene, results, ys)])
    v = v[np.isfinite(v) & ((v > 0) if log else True)]
    if not v.size:
        return []
    lo, hi = float(v.min()), float(v.max())
    if log:
        lo = max(lo, LOG_FLOOR)
    steps = np.arange(scene.surfaces.steps + 1, dtype=np.float64)
    labels = scene.surfaces.labels()
    step_word = _("step")
    lines: list[dict[str, Any]] = []
    for k, (rate, y, label) in enumerate(zip(rates, ys, labels)):
        if rate is None or not np.isfinite(y[0]):
            continue
        # Drawn through the measured loss a quarter of the way in, not through f₀: the rates are
        # asymptotic (heavy ball at its optimum decays like t·rateᵗ after a transient), so what
        # the lecture compares is the slope: a measured curve parallel to its dashed line.
        a = min(len(steps) // 4, len(y) - 1)
        if not (np.isfinite(y[a]) and y[a] > 0):
            continue
        pred = predicted_loss(float(y[a]), rate, steps[a:] - a)
        inside = np.isfinite(pred) & (pred >= lo - 1e-12 * abs(lo)) & (pred <= hi + 1e-12 * abs(hi))
        if not inside.any():
            continue
        # from where it enters the axis' span (a transient may start above it) to where it leaves
        first = int(np.argmax(inside))
        n = first + (int(np.argmin(inside[first:])) if not inside[first:].all() else len(pred) - first)
        if n - first < 2:
            continue
        # a smooth curve (straight on a log axis): THEORY_POINTS points draw it, as plain lists the
        # live chart passes through to plotly.js as they are
        keep = np.unique(np.linspace(first, n - 1, min(n - first, THEORY_POINTS)).round().astype(np.int64))
        keep_steps = steps[a:][keep]
        rate_text = _("predicted rate {rate}").format(rate=f"{rate:.4g}")
        lines.append(
            {
                "type": "scatter",
                "mode": "lines",
                "x": keep_steps.tolist(),
                "y": pred[keep].tolist(),
                "xaxis": xref,
                "yaxis": yref,
                "name": f"{label}: {rate_text}",
                "legendgroup": f"opt{k}",
                "showlegend": False,
                "line": {"color": color_for(k), "width": 1.2, "dash": "dash"},
                "hovertemplate": f"<b>{label}</b><br>{rate_text}<br>{step_word} %{{x}}<br>%{{y:.4g}}<extra></extra>",
                "meta": {"role": "loss_theory", "index": k, "rate": rate},
            }
        )
    if lines:  # the legend's key: no data, so a click on it hides no run
        key = _legend_key(_(THEORY_KEY), "theory", "loss_theory_key", xref, yref, {"width": 1.2, "dash": "dash"})
        lines.append({**key, "showlegend": True})
    return lines


def _legend_key(name: str, group: str, role: str, xref: str, yref: str, line: dict, **extra: Any) -> dict[str, Any]:
    """A legend entry without data: its line stands for something drawn otherwise (shapes, a group)."""
    return {
        "type": "scatter",
        "mode": "lines",
        "x": [None],
        "y": [None],
        "xaxis": xref,
        "yaxis": yref,
        "name": name,
        "legendgroup": group,
        "line": line,
        "hoverinfo": "skip",
        "meta": {"role": role},
        **extra,
    }


def _loss_panel(scene: Scene, results: Sequence[Result], idx: np.ndarray | None, xref: str, yref: str) -> _Panel:
    ys, _title, log = _loss_values(scene, results)
    labels = scene.surfaces.labels()
    step_word = _("step")
    panel = _Panel()
    for k, (y, label) in enumerate(zip(ys, labels)):
        panel.add(
            {
                "type": "scatter",
                "mode": "lines",
                "x0": 0,
                "dx": 1,
                "y": y,
                "xaxis": xref,
                "yaxis": yref,
                "name": label,
                "legendgroup": f"opt{k}",
                "showlegend": False,
                "line": {"color": color_for(k), "width": 2},
                "hovertemplate": f"<b>{label}</b><br>{step_word} %{{x}}<br>%{{y:.4g}}<extra></extra>",
                "meta": {"role": "loss", "index": k},
            }
        )
    for t in _theory_lines(scene, results, ys, log, xref, yref):
        panel.add(t)
    frames = None
    if idx is not None:
        frames = []
        for i_all in idx:
            at = [int(min(i_all, len(y) - 1)) for y in ys]
            frames.append(
                {
                    "x": typed_array(np.array(at), "f8"),
                    "y": typed_array(np.array([y[i] for y, i in zip(ys, at)]), "f8"),
                    "customdata": typed_array2([[i, r.loss[i]] for r, i in zip(results, at)]),
                }
            )
    panel.add(_heads_trace(results, labels, ys, xref, yref, "loss_head"), frames)
    surface = scene.surfaces.surface
    for k, (r, y, label) in enumerate(zip(results, ys, labels)):
        if run_outcome(surface, r) == "diverged":
            panel.add(
                {
                    "type": "scatter",
                    "mode": "markers",
                    "x": [len(y) - 1],
                    "y": [float(y[-1])],
                    "xaxis": xref,
                    "yaxis": yref,
                    "name": _("{label} diverged").format(label=label),
                    "legendgroup": f"opt{k}",
                    "showlegend": False,
                    "marker": {"symbol": "x", "size": 14, "color": DIVERGED_COLOR, "line": {"width": 1}},
                    "hovertemplate": "<b>"
                    + _("{label} diverged at step {step}").format(label=label, step=r.diverged_at)
                    + "</b><extra></extra>",
                    "meta": {"role": "diverged", "index": k},
                }
            )
    return panel


def _animation_controls(display: Display, idx: np.ndarray, x: float, y: float, slider_x: float) -> dict[str, Any]:
    """Play buttons at three speeds, pause, and a step slider, all driving the same frames."""
    base = 1000.0 / display.fps

    def play(speed: float) -> dict[str, Any]:
        dur = base / speed
        return {
            "label": f"▶ {speed:g}×",
            "method": "animate",
            "args": [
                None,
                {"frame": {"duration": dur, "redraw": False}, "fromcurrent": True, "transition": {"duration": 0}},
            ],
        }

    pause = {
        "label": "❚❚",
        "method": "animate",
        "args": [
            [None],
            {"frame": {"duration": 0, "redraw": False}, "mode": "immediate", "transition": {"duration": 0}},
        ],
    }
    menus = [
        {
            "type": "buttons",
            "direction": "right",
            "showactive": False,
            "x": x,
            "y": y,
            "xanchor": "left",
            "yanchor": "top",
            "pad": {"t": 0, "r": 6},
            "buttons": [play(1.0), pause, play(0.5), play(2.0)],
            "name": "animation",
        }
    ]
    slider = {
        "active": len(idx) - 1,
        "x": slider_x,
        "len": 1.0 - slider_x,
        "y": y + 0.012,
        "yanchor": "top",
        "pad": {"t": 0, "b": 0},
        "ticklen": 0,
        "minorticklen": 0,
        "tickwidth": 0,
        "font": {"color": "rgba(0,0,0,0)", "size": 1},
        "currentvalue": {"prefix": _("step") + " ", "xanchor": "right", "visible": True},
        "transition": {"duration": 0},
        "steps": [
            {
                "label": str(int(i)),
                "method": "animate",
                "args": [
                    [str(int(i))],
                    {"frame": {"duration": 0, "redraw": False}, "mode": "immediate", "transition": {"duration": 0}},
                ],
            }
            for i in idx
        ],
    }
    return {"updatemenus": menus, "sliders": [slider]}


def _assemble(panels: Sequence[_Panel], idx: np.ndarray | None, layout: dict[str, Any], display: Display) -> go.Figure:
    data: list[dict[str, Any]] = []
    anim: list[tuple[int, list[dict[str, Any]] | None]] = []
    for p in panels:
        offset = len(data)
        data.extend(p.traces)
        moving = {i for i, _ in p.anim}
        anim.extend((offset + i, f) for i, f in p.anim)
        if p.hold_static:
            # plotly.js rebuilds every trace's calcdata in a redraw=False frame but redraws only
            # the traces the frame lists; the others lose their SVG handles, and the next click
            # selection then throws, so a click on the plot after playing would set no start.
            # Listing them with an empty update keeps them whole (they are few and small).
            anim.extend((offset + i, None) for i in range(len(p.traces)) if i not in moving)
    layout["images"] = [im for p in panels for im in p.images]
    layout["shapes"] = [sh for p in panels for sh in p.shapes]
    for t in data:
        style_trace(t, display)
        if t["meta"].get("role") == "lookahead":  # its arrowheads in the colour of its line
            t["marker"]["color"] = t["line"]["color"]
    # Data and layout are built here from documented attributes only, so plotly's per-property
    # validation (~25 ms of CPU a rerun) is skipped for them; tests/test_figures.py validates every
    # figure in full.  Frames go through plotly's validating setter (trace objects, not dicts).
    fig = go.Figure(data=data, layout=layout, _validate=False)
    if idx is not None and anim:
        anim.sort(key=lambda a: a[0])
        trace_ids = [i for i, _ in anim]
        fig.frames = [
            {
                "name": str(int(step)),
                "traces": trace_ids,
                "data": [{"type": "scatter", **(f[j] if f is not None else {})} for _, f in anim],
            }
            for j, step in enumerate(idx)
        ]
    return apply_display(fig, display, traces_styled=True)


def traj_axes(surf: Surface, domain_x: Sequence[float], xa: str, ya: str, anchor_x: str, anchor_y: str) -> dict:
    (x0, x1), (y0, y1) = surf.bounds
    return {
        xa: {
            "range": [x0, x1],
            "domain": list(domain_x),
            "anchor": anchor_y,
            "title": {"text": "x"},
            "constrain": "domain",
            "constraintoward": "center",
            "zeroline": False,
            "showgrid": False,
            "ticks": "outside",
            "nticks": 9,  # six-hump camel's narrow x range got one tick ("5") at plotly's default
            "exponentformat": "none",
        },
        ya: {
            "range": [y0, y1],
            "anchor": anchor_x,
            "scaleanchor": anchor_x,
            "scaleratio": 1,
            "constrain": "domain",
            "constraintoward": "top",
            "title": {"text": "y"},
            "zeroline": False,
            "showgrid": False,
            "ticks": "outside",
            "nticks": 9,
            "exponentformat": "none",
        },
    }


def base_layout(scene: Scene, height: int) -> dict[str, Any]:
    return {
        "title": {
            "text": scene_title(scene),
            "x": 0.0,
            "xanchor": "left",
            "pad": {"l": 12},
            "y": 0.98,
            "yanchor": "top",
        },
        "height": height,
        "hovermode": "closest",
        "dragmode": "pan",
        "clickmode": "event+select",
        "legend": {"orientation": "h", "x": 0.0, "xanchor": "left", "y": 1.0, "yanchor": "bottom"},
        "meta": {
            "optviz": "figure",
            "auto_title": scene_title(scene),
            "surface": scene.surfaces.surface,
            "surface_params": [list(p) for p in scene.surfaces.surface_params],
        },
        "uirevision": scene.surfaces.surface,
    }


# ----------------------------------------------------------------------------- public builders


@speaks_scene
def trajectory_figure(
    scene: Scene, results: list[Result], *, animate: bool = True, lookahead: bool | None = None
) -> go.Figure:
    """The surface as a static filled contour with every optimizer's path, landmarks and start.

    animate: add frames that move all paths together, with play/pause, speed and a step slider.
    lookahead: for Nesterov, also draw the textbook iterate theta_t (dotted) and, while animating,
        the look-ahead step theta_t -> theta_t + mu v_t where the gradient is taken (C5);
        None: the scene's `display.lookahead`, so the page, its URL and the exports agree.
    """
    check_results(scene, results)
    surf = _surface(scene)
    idx = frame_indices(max(len(r.path) for r in results), scene.display.frames) if animate else None
    if lookahead is None:
        lookahead = scene.display.lookahead
    panel = _traj_panel(scene, results, idx, "x", "y", lookahead=lookahead)
    layout = base_layout(scene, 640)
    # a square-ish plot on a wide slide: the legend in a column on the left, the plot centred right of it
    layout.update(traj_axes(surf, [0.22, 1.0], "xaxis", "yaxis", "x", "y"))
    layout["legend"] = {"orientation": "v", "x": 0.0, "xanchor": "left", "y": 1.0, "yanchor": "top"}
    if idx is not None:
        layout.update(_animation_controls(scene.display, idx, 0.0, -0.1, 0.3))
    layout["meta"]["bottom"] = 118 if idx is not None else 60
    return _assemble([panel], idx, layout, scene.display)


@speaks_scene
def loss_figure(scene: Scene, results: list[Result], *, animate: bool = True) -> go.Figure:
    """Loss per step (log y when `display.log_loss`; f - f* where f* != 0), a moving marker per
    optimizer on the same frames (same names) as `trajectory_figure`."""
    check_results(scene, results)
    ytitle, log = _loss_values(scene, results)[1:]
    idx = frame_indices(max(len(r.path) for r in results), scene.display.frames) if animate else None
    panel = _loss_panel(scene, results, idx, "x", "y")
    # The loss figure alone has no path traces: give it one legend entry per optimizer.
    for t in panel.traces:
        if t["meta"]["role"] == "loss":
            t["showlegend"] = True
    layout = base_layout(scene, 420)
    layout["title"]["text"] = _("Loss") + " · " + scene_title(scene)
    layout["meta"]["auto_title"] = layout["title"]["text"]
    layout["xaxis"] = {"title": {"text": _("step")}, "range": [0, scene.surfaces.steps], "zeroline": False}
    layout["yaxis"] = value_axis(_in_plot_values(scene, results, _loss_values(scene, results)[0]), log, ytitle)
    if idx is not None:
        layout.update(_animation_controls(scene.display, idx, 0.0, -0.18, 0.3))
    layout["meta"]["bottom"] = 118 if idx is not None else 60
    return _assemble([panel], idx, layout, scene.display)


@speaks_scene
def scene_figure(
    scene: Scene,
    results: list[Result],
    *,
    animate: bool = True,
    lookahead: bool | None = None,
    height: int = 700,
) -> go.Figure:
    """The app's main figure: trajectories (left) and loss (right) as subplots of ONE figure,
    so one play button, one speed control and one step slider drive both."""
    check_results(scene, results)
    surf = _surface(scene)
    idx = frame_indices(max(len(r.path) for r in results), scene.display.frames) if animate else None
    if lookahead is None:
        lookahead = scene.display.lookahead
    traj = _traj_panel(scene, results, idx, "x", "y", lookahead=lookahead)
    loss = _loss_panel(scene, results, idx, "x2", "y2")
    ytitle, log = _loss_values(scene, results)[1:]
    layout = base_layout(scene, height)
    # The contour plot keeps x and y on one scale: give it about the width its height allows on a
    # 1 200 px wide page, the loss plot the rest.
    (x0, x1), (y0, y1) = surf.bounds
    split = min(0.6, max(0.35, (height - 200) * (x1 - x0) / (y1 - y0) / 1110))
    layout.update(traj_axes(surf, [0.0, split], "xaxis", "yaxis", "x", "y"))
    layout["xaxis"]["constraintoward"] = "left"
    layout["xaxis2"] = {
        "domain": [split + 0.09, 1.0],
        "anchor": "y2",
        "title": {"text": _("step")},
        "range": [0, scene.surfaces.steps],
        "zeroline": False,
    }
    ys = _in_plot_values(scene, results, _loss_values(scene, results)[0])
    layout["yaxis2"] = {"anchor": "x2", **value_axis(ys, log, ytitle)}
    if idx is not None:
        layout.update(_animation_controls(scene.display, idx, 0.0, -0.1, 0.25))
    layout["meta"]["bottom"] = 118 if idx is not None else 60
    return _assemble([traj, loss], idx, layout, scene.display)


def _cell_top(xs: np.ndarray, ys: np.ndarray, z: np.ndarray, px: np.ndarray, py: np.ndarray) -> np.ndarray:
    """The highest of the four grid values around each point (px, py): the drawn mesh is never
    above it inside that cell, whatever its triangulation."""
    i = np.clip(np.searchsorted(xs, px) - 1, 0, len(xs) - 2)
    j = np.clip(np.searchsorted(ys, py) - 1, 0, len(ys) - 2)
    return np.maximum.reduce([z[j, i], z[j, i + 1], z[j + 1, i], z[j + 1, i + 1]])


@speaks_scene
def surface3d_figure(scene: Scene, results: list[Result]) -> go.Figure:
    """The surface in 3D with the paths lifted onto it.

    On surfaces with `log_levels` (values over many decades) z is log10(f - f* + delta), delta the
    lowest contour level, so the valley floor is not flattened into one plane; the z title says so.
    The paths ride on the drawn mesh, at the highest grid value of the cell they cross: a mesh is
    linear between grid points, so in a narrow valley it floats above the true floor and hides a
    path drawn at its exact height.  Their hover gives the exact f.  Paths are drawn up to where
    they first leave the plotted square.
    """
    check_results(scene, results)
    surf = _surface(scene)
    sp = dict(scene.surfaces.surface_params)
    xs, ys, z = surf.grid(SURFACE3D_GRID, **sp)
    land = surface_contours(surf.name, scene.surfaces.surface_params)
    if land.log:
        base, delta = land.f_base, 10.0 ** land.levels[0]
        zt = np.log10(np.maximum(z - base, 0.0) + delta)
        ztitle = f"log₁₀(f − f* + {delta:g})" if base else f"log₁₀(f + {delta:g})"
    else:
        zt = z
        ztitle = "f"
    lift = 0.006 * float(np.ptp(zt))
    data: list[dict[str, Any]] = [
        {
            "type": "surface",
            "x": xs,
            "y": ys,
            "z": zt.astype(np.float32),
            "showscale": False,
            "opacity": 1.0,
            "lighting": {"ambient": 0.7, "diffuse": 0.55, "specular": 0.05, "roughness": 0.9},
            "hoverinfo": "skip",
            "contours": {"z": {"show": True, "usecolormap": True, "project": {"z": False}, "width": 1}},
            "meta": {"role": "surface3d"},
            "name": _(surf.title),
        }
    ]
    (x0, x1), (y0, y1) = surf.bounds
    for k, (r, label) in enumerate(zip(results, scene.surfaces.labels())):
        inside = (r.path[:, 0] >= x0) & (r.path[:, 0] <= x1) & (r.path[:, 1] >= y0) & (r.path[:, 1] <= y1)
        m = len(r.path) if inside.all() else max(int(np.argmin(inside)), 1)
        p = r.path[:m]
        data.append(
            {
                "type": "scatter3d",
                "mode": "lines",
                "x": p[:, 0],
                "y": p[:, 1],
                "z": _cell_top(xs, ys, zt, p[:, 0], p[:, 1]) + lift,
                "customdata": r.loss[:m],
                "name": label,
                "line": {"color": color_for(k), "width": 6},
                "hovertemplate": f"<b>{label}</b><br>(%{{x:.4g}}, %{{y:.4g}})<br>f = %{{customdata:.4g}}"
                "<extra></extra>",
                "meta": {"role": "path3d", "index": k},
            }
        )
    zmin, zmax = float(np.min(zt)), float(np.max(zt))
    title3d = _("{surface} in 3D").format(surface=_(surf.title))
    layout = {
        "title": {"text": title3d, "x": 0.0, "xanchor": "left", "pad": {"l": 12}},
        "height": 640,
        "scene": {
            "xaxis": {"title": {"text": "x"}, "range": [x0, x1], "exponentformat": "none"},
            "yaxis": {"title": {"text": "y"}, "range": [y0, y1], "exponentformat": "none"},
            # plain numbers (no "20k"), and the title on its own line under the tick labels' width
            "zaxis": {
                "title": {"text": ztitle},
                "range": [zmin, zmax + 0.02 * (zmax - zmin + 1e-12)],
                "exponentformat": "none",
                "separatethousands": True,
                "nticks": 6,
            },
            "aspectmode": "manual",
            "aspectratio": {"x": 1.25, "y": 1.25 * (y1 - y0) / (x1 - x0), "z": 0.6},
            "camera": {"eye": {"x": -0.8, "y": -1.65, "z": 1.8}},  # from high up: valleys are trenches
        },
        "legend": {"orientation": "h", "x": 0.0, "y": 1.0, "yanchor": "bottom"},
        "meta": {"optviz": "figure", "auto_title": title3d, "bottom": 10},
        "uirevision": scene.surfaces.surface,
    }
    fig = go.Figure({"data": data, "layout": layout}, _validate=False)
    return apply_display(fig, scene.display)


def _line_figure(
    scene: Scene, title: str, ytitle: str, series: list[tuple[int, str, np.ndarray, dict[str, Any]]], note: str = ""
) -> go.Figure:
    data = []
    step_word = _("step")
    for k, name, y, line in series:
        data.append(
            {
                "type": "scatter",
                "mode": "lines",
                "x0": 0 if not line.get("x0") else line["x0"],
                "dx": 1,
                "y": y,
                "name": name,
                "legendgroup": f"opt{k}",
                "line": {"color": color_for(k), "width": 2, **{a: b for a, b in line.items() if a != "x0"}},
                "hovertemplate": f"<b>{name}</b><br>{step_word} %{{x}}<br>%{{y:.4g}}<extra></extra>",
                "meta": {"role": "line", "index": k},
            }
        )
    layout = {
        "title": {"text": title, "x": 0.0, "xanchor": "left", "pad": {"l": 12}},
        "height": 380,
        "xaxis": {"title": {"text": step_word}, "range": [0, scene.surfaces.steps], "zeroline": False},
        "yaxis": value_axis([y for _, _, y, _ in series], True, ytitle),
        "legend": {"orientation": "h", "x": 0.0, "y": 1.0, "yanchor": "bottom"},
        "hovermode": "closest",
        "meta": {"optviz": "figure", "auto_title": title, "bottom": 50},
    }
    if note:
        layout["annotations"] = [
            {
                "text": note,
                "x": 1.0,
                "xref": "paper",
                "xanchor": "right",
                "y": 1.0,
                "yref": "paper",
                "yanchor": "bottom",
                "showarrow": False,
                "name": "note",
            }
        ]
    fig = go.Figure({"data": data, "layout": layout}, _validate=False)
    return apply_display(fig, scene.display)


@speaks_scene
def lr_figure(scene: Scene, results: list[Result]) -> go.Figure:
    """The learning rate of every step (the optimizer's lr times the schedule's factor, C17).

    Random search has no step size and is left out; random local search shows its perturbation size.
    """
    check_results(scene, results)
    series = []
    skipped = []
    for k, (r, label) in enumerate(zip(results, scene.surfaces.labels())):
        if r.lr.size == 0 or not np.all(np.isfinite(r.lr)):
            skipped.append(label)
            continue
        name = label + (" (" + _("perturbation σ") + ")" if r.optimizer == "random_local_search" else "")
        series.append((k, name, r.lr, {}))
    note = _("no step size: {runs}").format(runs=", ".join(skipped)) if skipped else ""
    sched = scene.surfaces.schedule.name
    title = _("Learning rate per step · {schedule} schedule").format(schedule=_(SCHEDULE_TITLES.get(sched, sched)))
    return _line_figure(scene, title, _("learning rate") + " ηₜ", series, note)


@speaks_scene
def effective_lr_figure(scene: Scene, results: list[Result]) -> go.Figure:
    """Per-coordinate effective step |theta_{t+1,i} - theta_{t,i}| / |g_{t,i}| over the steps (C6).

    For SGD this is the lr itself; AdaGrad's decays like 1/sqrt(t); Adam's and RMSProp's adapt per
    coordinate.  Solid: x coordinate, dotted: y.  Steps with |g_i| < 1e-12 are left out (no ratio).
    Gradient-free searches have no gradient and are left out.
    """
    check_results(scene, results)
    series = []
    skipped = []
    for k, (r, label) in enumerate(zip(results, scene.surfaces.labels())):
        if OPTIMIZERS[r.optimizer].gradient_free or r.grad.shape[0] == 0:
            skipped.append(label)
            continue
        step = np.abs(np.diff(r.path, axis=0))
        g = np.abs(r.grad)
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(g > 1e-12, step / g, np.nan)
        ratio[ratio <= 0] = np.nan  # a zero step (log axis) carries no information here
        series.append((k, f"{label} · x", ratio[:, 0], {"x0": 1}))
        series.append((k, f"{label} · y", ratio[:, 1], {"x0": 1, "dash": "dot"}))
    note = _("no gradient: {runs}").format(runs=", ".join(skipped)) if skipped else ""
    title = _("Effective step per coordinate") + "  |Δθᵢ| / |gᵢ|   (" + _("solid: x, dotted: y") + ")"
    return _line_figure(scene, title, "|Δθᵢ| / |gᵢ|", series, note)


@speaks_scene
def results_table(scene: Scene, results: list[Result]) -> list[dict[str, Any]]:
    """One row per optimizer: label, final loss, distance to the nearest known minimum, the first
    step with f - f* <= CONVERGENCE_TOL (f* the lowest known minimum value), how it ended, steps run.

    Missing values (no known minimum, never within tolerance) are None.  A run that diverged has no
    final loss (None: the last finite value before a blow-up says nothing about the optimizer) and
    "diverged at step k"; one that ran off a surface unbounded below says so (`run_outcome`).
    The keys are data (English, as the code reads them); the texts of "diverged" are in the
    scene's language.
    """
    check_results(scene, results)
    surf = _surface(scene)
    f_star = lowest_minimum(surf)
    mins = np.array([[p.x, p.y] for p in surf.minima]) if surf.minima else None
    rows = []
    for r, label in zip(results, scene.surfaces.labels()):
        kind = run_outcome(surf.name, r)
        final = r.path[-1]
        dist = nearest = None
        if mins is not None:
            d = np.hypot(mins[:, 0] - final[0], mins[:, 1] - final[1])
            j = int(np.argmin(d))
            dist = float(d[j])
            nearest = f"({mins[j, 0]:.4g}, {mins[j, 1]:.4g})"
        first = None
        if f_star is not None:
            hit = np.flatnonzero(r.loss - f_star <= CONVERGENCE_TOL)
            first = int(hit[0]) if hit.size else None
        rows.append(
            {
                "optimizer": label,
                "final loss": None if kind == "diverged" else float(r.loss[-1]),
                "distance to nearest minimum": dist,
                "nearest minimum": nearest,
                f"first step with f − f* ≤ {CONVERGENCE_TOL:g}": first,
                "diverged": _("diverged at step {step}").format(step=r.diverged_at)
                if kind == "diverged"
                else _(ESCAPED_TEXT)
                if kind == "escaped"
                else "",
                "steps run": r.steps_done,
            }
        )
    return rows
