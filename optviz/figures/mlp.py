"""Figure builders for the MLP view: MLP results in, plotly figures out (no streamlit, no training).

    data_figure                   the data set, classes by colour and marker, validation hollow
    one_hot_figure                a few points with their class and one-hot target vector (C25)
    decision_boundary_figure      predicted class and confidence over the plane, animated over
                                  training (slider + play), one panel per run
    loss_curves_figure            train / validation loss and accuracy per run; early-stopping
                                  point and divergence marked (C1, C27, C28, C30)
    landscape_figure              loss contour of a shared plane with every run's path (C15)
    slice_figure                  1D slices L(c + a d) (C15)
    activation_histograms_figure  activations per layer at init, one row per init scheme (C19, C20)
    grad_norm_figure              ||dL/dW_l|| per layer over training (C21)
    lr_figure                     the learning rate of every step (C17)
    gradient_check_figure         backprop against finite differences, one dot per parameter (C14)
    mlp_figure                    a scene's figure by name, from its MLPRun, the scene's display applied

Every builder reads only what `optviz.mlp` returned (results, landscapes, statistics); the
decision boundary evaluates the trained network on a grid (`optviz.mlp.decision_frames`) but
never reruns an optimizer.  Large arrays go out as float32 / uint8 (plotly writes numpy arrays
as base64 typed arrays), long curves are thinned to `MAX_POINTS`.

Colours: Okabe & Ito (2008), the order of `optviz.figures.COLORS`, by position of the run in
the list, so a comparison has the same colour per optimizer in every figure of both views.

Language: every text goes through `optviz.i18n._` when the figure is built, in the current
language; `mlp_figure` builds in its scene's `display.lang` and names the panels anew in it
(`spoken_run`: a run's labels were fixed when it trained, perhaps in another language).
"""

from __future__ import annotations

import copy
import math
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from optviz.config import Scene, run_labels
from optviz.config.mlp import COMPARISONS, DATASET_TITLES, DECISION_RESOLUTION, FIGURE_TITLES, FIGURES, MLPConfig
from optviz.figures.palette import COLORS, DIVERGED_COLOR, THEMES, color_for, font_px
from optviz.figures.style import apply_display
from optviz.figures.surfaces import log_ticks
from optviz.i18n import N_, _, use_lang
from optviz.mlp.data import one_hot
from optviz.mlp.landscape import Landscape, Slice1D
from optviz.mlp.model import ACTIVATION_TITLES, INIT_TITLES, ActivationStats
from optviz.mlp.train import GradientCheck, MLPResult, decision_frames
from optviz.runs.mlp import MLPRun, NamedResult, distinct_units, parts_for, run_specs, unit_weights, weight_norms
from optviz.validate import check_choice

# Classes: their own colours and marker symbols (shape too, for readers who cannot tell colours apart).
CLASS_COLORS: tuple[str, ...] = ("#0072B2", "#E69F00", "#009E73", "#CC79A7")
CLASS_SYMBOLS: tuple[str, ...] = ("circle", "x", "diamond", "triangle-up")
CONTOUR_SCALE = THEMES["light"]["contour"]  # the surfaces view's light bands
# The MLP landscape spans its colour range over 1-3 decades of loss: the surfaces' pale bands
# washed out on a projector, so here white to a dark slate (still behind the Okabe-Ito paths).
LANDSCAPE_SCALES: dict[str, list[list[Any]]] = {
    "light": [[0.0, "#FFFFFF"], [0.35, "#C9D2DF"], [0.7, "#8593A8"], [1.0, "#3E4A5E"]],
    "dark": [[0.0, "#0E1117"], [0.35, "#26303F"], [0.7, "#4B5870"], [1.0, "#8A97AD"]],
    "print": [[0.0, "#FFFFFF"], [1.0, "#8C8C8C"]],
}
MAX_POINTS = 2000  # points per curve after thinning
CONF_LEVELS = 50  # confidence shades per class in the decision map (uint8: classes * 50 <= 200)
LOG_FLOOR = 1e-12
CAP_FACTOR = 100.0  # loss curves: ceiling at 100 x the largest starting loss (diverging runs)
# A landscape plane's or a slice's direction, as read (`Plane.kind`, `Slice1D.kind`); shown as _(word).
KIND_WORDS = {
    "pca": "PCA",
    "filter": N_("filter-normalised"),
    "random": N_("random"),
    "interpolation": N_("interpolation"),
}


def _kind(kind: str) -> str:
    return _(KIND_WORDS.get(kind, kind))


def _class(c: int) -> str:
    return _("class {c}").format(c=c)


def class_color(c: int) -> str:
    """The colour of class c (cycles after 4 classes)."""
    return CLASS_COLORS[c % len(CLASS_COLORS)]


def _as_list(results: Any, kind: type) -> list:
    items = [results] if isinstance(results, kind) else list(results)
    if not items or not all(isinstance(r, kind) for r in items):
        raise ValueError(f"expected a {kind.__name__} or a non-empty list of them")
    return items


def _thin(n: int, cap: int = MAX_POINTS) -> np.ndarray:
    """Indices 0..n-1 thinned to at most `cap`, keeping the first and the last."""
    if n <= cap:
        return np.arange(n)
    return np.unique(np.round(np.linspace(0, n - 1, cap)).astype(np.int64))


def _f4(a: np.ndarray) -> np.ndarray:
    """float32 for a smaller JSON; a diverging run's 1e200 is clipped to float32's largest value."""
    big = float(np.finfo(np.float32).max)
    return np.clip(np.asarray(a, dtype=np.float64), -big, big).astype(np.float32)


def _mix(hex_color: str, white: float, paper: str = "#FFFFFF") -> str:
    """hex_color blended with the paper (white = 0: the colour, 1: the paper, white by default), as rgb()."""
    h, p = hex_color.lstrip("#"), paper.lstrip("#")
    r, g, b = (int(h[i : i + 2], 16) for i in (0, 2, 4))
    pr, pg, pb = (int(p[i : i + 2], 16) for i in (0, 2, 4))
    r, g, b = (round(v + (q - v) * white) for v, q in ((r, pr), (g, pg), (b, pb)))
    return f"rgb({r},{g},{b})"


def _decade_ticks(fig: go.Figure) -> None:
    """Every log axis ticked at its decades as powers of ten ("10⁻³", not plotly's "8 7 6 5 4 3 2
    0.1 9 8" of minor digits), from the positive values of the traces drawn on it (`log_ticks`)."""
    layout = fig.layout
    for name in [k for k in layout if k.startswith(("xaxis", "yaxis"))]:
        ax = layout[name]
        if ax.type != "log" or ax.tickvals is not None:
            continue
        letter, ref = name[0], name[0] + name[5:]
        vals = []
        for t in fig.data:
            if (getattr(t, f"{letter}axis", None) or letter) == ref and getattr(t, letter, None) is not None:
                v = np.asarray(t[letter], dtype=np.float64).ravel() if not isinstance(t[letter], dict) else None
                if v is not None:
                    vals.append(v[np.isfinite(v) & (v > 0)])
        v = np.concatenate(vals) if vals else np.zeros(0)
        if v.size:
            ticks, text = log_ticks(float(v.min()), float(v.max()))
            ax.update(tickvals=ticks, ticktext=text)


def _base_layout(fig: go.Figure, title: str, height: int = 420) -> go.Figure:
    _decade_ticks(fig)
    fig.update_layout(
        title={"text": title},
        template="plotly_white",
        height=height,
        margin={"l": 60, "r": 20, "t": 60, "b": 50},
        legend={"bgcolor": "rgba(0,0,0,0)"},
        meta={"auto_title": title},
    )
    return fig


# --------------------------------------------------------------------------- data


def _data_traces(
    X: np.ndarray, y: np.ndarray, X_val: np.ndarray | None, y_val: np.ndarray | None, legend: bool, group: str = ""
) -> list[go.Scatter]:
    traces = []
    n_cls = int(max(y.max(), y_val.max() if y_val is not None and y_val.size else 0)) + 1
    for c in range(n_cls):
        for Xs, ys, val in ((X, y, False), (X_val, y_val, True)):
            if Xs is None or ys is None:
                continue
            pts = Xs[ys == c]
            if not len(pts):
                continue
            color = class_color(c)
            symbol = CLASS_SYMBOLS[c % len(CLASS_SYMBOLS)] + ("-open" if val else "")
            traces.append(
                go.Scatter(
                    x=_f4(pts[:, 0]),
                    y=_f4(pts[:, 1]),
                    mode="markers",
                    name=_("class {c} (validation)").format(c=c) if val else _class(c),
                    legendgroup=f"{group}class{c}{val}",
                    showlegend=legend,
                    marker={
                        "color": color,
                        "symbol": symbol,
                        "size": 6,
                        "line": {"width": 0.6 if not val else 1.2, "color": "white" if not val else color},
                    },
                    hovertemplate=f"{_class(c)}<br>x₁=%{{x:.3f}}<br>x₂=%{{y:.3f}}<extra></extra>",
                )
            )
    return traces


def data_figure(
    X: np.ndarray, y: np.ndarray, X_val: np.ndarray | None = None, y_val: np.ndarray | None = None, title: str = ""
) -> go.Figure:
    """Scatter of the data: one colour and marker per class, validation points hollow."""
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.int64)
    fig = go.Figure(_data_traces(X, y, X_val, None if y_val is None else np.asarray(y_val), True))
    fig.update_xaxes(title="x₁")
    fig.update_yaxes(title="x₂", scaleanchor="x", scaleratio=1)
    auto = _("data: {n} points, {classes} classes").format(n=len(y), classes=int(y.max()) + 1)
    return _base_layout(fig, title or auto, 460)


def one_hot_figure(X: np.ndarray, y: np.ndarray, n_classes: int | None = None, rows: int = 8) -> go.Figure:
    """The first `rows` points: inputs, class, and the one-hot target vector the softmax is fitted to."""
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.int64)
    k = int(min(max(rows, 1), len(y)))
    oh = one_hot(y, n_classes)[:k]
    C = oh.shape[1]
    labels = [f"({X[i, 0]:.2f}, {X[i, 1]:.2f}) → {_class(int(y[i]))}" for i in range(k)]
    fig = go.Figure(
        go.Heatmap(
            z=oh,
            x=[_class(c) for c in range(C)],
            y=labels,
            colorscale=[[0.0, "#FFFFFF"], [1.0, COLORS[0]]],
            zmin=0,
            zmax=1,
            showscale=False,
            text=oh.astype(int).astype(str),
            texttemplate="%{text}",
            xgap=2,
            ygap=2,
            hovertemplate="%{y}<br>%{x}: %{z:.0f}<extra></extra>",
            meta={"role": "one_hot"},
        )
    )
    fig.update_yaxes(autorange="reversed", title=_("input (x₁, x₂) → label"))
    fig.update_xaxes(side="top")  # no axis title: above the column names it would meet the figure title
    return _base_layout(fig, _("one-hot targets: label → vector"), 140 + 34 * k)


# --------------------------------------------------------------------------- decision boundary


def _decision_z(proba: np.ndarray) -> np.ndarray:
    """uint8 code: class * CONF_LEVELS + confidence level (0 = at chance, CONF_LEVELS - 1 = certain)."""
    C = proba.shape[-1]
    cls = np.argmax(proba, axis=-1)
    conf = (np.max(proba, axis=-1) - 1.0 / C) / (1.0 - 1.0 / C)
    lvl = np.clip(np.floor(conf * CONF_LEVELS), 0, CONF_LEVELS - 1)
    return (cls * CONF_LEVELS + lvl).astype(np.uint8)


def _decision_scale(C: int, theme: str = "light") -> list[list[Any]]:
    """Colourscale over [0, C * CONF_LEVELS - 1]: each class from a faint to a medium tint of the paper
    (on white paper pale to medium; on the dark theme's paper from near-black to a muted shade, so the
    plane stays dark under the data and never lights up as a white block)."""
    top = C * CONF_LEVELS - 1
    paper = THEMES[theme]["paper"]
    faint, medium = (0.88, 0.5) if theme == "dark" else (0.92, 0.45)
    scale = []
    for c in range(C):
        lo, hi = c * CONF_LEVELS / top, (c * CONF_LEVELS + CONF_LEVELS - 1) / top
        scale += [[lo, _mix(class_color(c), faint, paper)], [hi, _mix(class_color(c), medium, paper)]]
    return scale


def decision_boundary_figure(
    results: MLPResult | Sequence[MLPResult],
    frames: int = 30,
    resolution: int = 50,
    show_val: bool = True,
    *,
    style: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
    frames_out: list[dict[str, Any]] | None = None,
) -> go.Figure:
    """Predicted class (hue) and confidence (depth of tint) over the data plane, animated over training.

    One panel per run, side by side, sharing one slider: frame k shows every run at the same
    step.  From its early stop on, a run shows the model training returns, the restored best
    weights (`MLPResult.final_row`), and its corner says so; a run that ended early otherwise
    stays at its last row.  The data sit on top; validation points are hollow.
    style: applied to every annotation (titles and corners) of the figure and of its frames
    before plotly validates them (`mlp_figure` themes them so, for the display).
    frames_out: given, the frames are appended to it as plain dicts and the figure gets none (the
    page's live chart sends them as it is; plotly validating 40 frames took 0.4 s a slider move).
    """
    runs = _as_list(results, MLPResult)
    if not 2 <= frames <= 200:
        raise ValueError(f"frames must be from 2 to 200, got {frames!r}")
    last = max(int(r.step[-1]) for r in runs)
    steps = np.unique(np.round(np.linspace(0, last, frames)).astype(np.int64))
    C = runs[0].net.n_out
    # shared grid over all runs' data
    pts = np.vstack([r.X if r.X_val is None else np.vstack([r.X, r.X_val]) for r in runs])
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    pad = 0.15 * np.maximum(hi - lo, 1e-9)
    bounds = ((lo[0] - pad[0], hi[0] + pad[0]), (lo[1] - pad[1], hi[1] + pad[1]))
    n = len(runs)
    fig = make_subplots(1, n, subplot_titles=[r.label for r in runs], horizontal_spacing=0.04, shared_yaxes=True)
    scale = _decision_scale(C)
    heat_idx, per_run_z = [], []
    restored_of = [[_is_restored(r, int(s)) for s in steps] for r in runs]
    rows_of = [
        np.array([r.final_row if back else r.row_of(s) for s, back in zip(steps, restored)])
        for r, restored in zip(runs, restored_of)
    ]
    uniq_of = [np.unique(rows, return_inverse=True) for rows in rows_of]
    # The panels' grids on one thread per core (the kernel releases the GIL): half the time of
    # the page's three panels on two cores.
    with ThreadPoolExecutor(max_workers=max(1, min(n, os.cpu_count() or 1))) as pool:
        dfs = list(pool.map(lambda k: decision_frames(runs[k], uniq_of[k][0], resolution, bounds), range(n)))
    for k, r in enumerate(runs):
        restored, rows, inv, df = restored_of[k], rows_of[k], uniq_of[k][1], dfs[k]
        z = _decision_z(df.proba)[inv]
        per_run_z.append((z, rows, restored))
        heat_idx.append(len(fig.data))
        fig.add_trace(
            go.Heatmap(
                x=_f4(df.xs),
                y=_f4(df.ys),
                z=z[-1],
                zmin=0,
                zmax=C * CONF_LEVELS - 1,
                colorscale=scale,
                showscale=False,
                hoverinfo="skip",
                meta={"role": "decision", "classes": C},  # `_themed` tints it for the display's theme
            ),
            1,
            k + 1,
        )
        for tr in _data_traces(r.X, r.y, r.X_val if show_val else None, r.y_val if show_val else None, k == 0):
            fig.add_trace(tr, 1, k + 1)
    # The panel titles name the runs; the accuracy of the frame's step sits in a box in each
    # panel's corner (one line per title would not fit five panels).
    titles = [a.to_plotly_json() for a in fig.layout.annotations]

    def corner(k: int, i: int) -> dict[str, Any]:
        """Run k's accuracy box at frame i."""
        axis = "" if k == 0 else str(k + 1)
        rows, restored = per_run_z[k][1:]
        return {
            "text": _acc_text(runs[k], rows[i], restored[i]),
            "xref": f"x{axis} domain",
            "yref": f"y{axis} domain",
            "x": 0.02,
            "y": 0.02,
            "xanchor": "left",
            "yanchor": "bottom",
            "showarrow": False,
            "align": "left",
            "bgcolor": THEMES["light"]["box"],  # `_themed`: the display's theme
            "font": {"size": 12, "color": THEMES["light"]["ink"]},
        }

    # Frames as plain dicts: built as go.Frame / go.Heatmap objects, every array and annotation
    # was validated twice; 100 frames of three runs took 12.4 s to build, now 2.3 s (profiled).
    # Styled here, as dicts: restyling the validated annotations of every frame afterwards cost as
    # much as building them (0.9 s of the page's 1.6 s figure of 40 frames, profiled).
    styled = style or (lambda a: a)
    titles = [styled(a) for a in titles]
    frame_dicts = [
        {
            "name": str(int(s)),
            "data": [{"type": "heatmap", "z": per_run_z[k][0][i]} for k in range(n)],
            "traces": heat_idx,
            "layout": {"annotations": titles + [styled(corner(k, i)) for k in range(n)]},
        }
        for i, s in enumerate(steps)
    ]
    if frames_out is None:
        fig.frames = frame_dicts
    else:
        frames_out.extend(frame_dicts)
    # assigned, not update_layout: that merges into the subplot titles there and keeps their old font
    fig.layout.annotations = titles + [styled(corner(k, len(steps) - 1)) for k in range(n)]
    fig.update_xaxes(range=bounds[0], title="x₁", constrain="domain")
    fig.update_yaxes(range=bounds[1], constrain="domain")
    # Every panel keeps x and y at one scale, at every size of the page or the slide: each y axis
    # is anchored to its own panel's x axis (all panels share the bounds, so they stay alike).
    for k in range(n):
        fig.update_yaxes(scaleanchor="x" if k == 0 else f"x{k + 1}", scaleratio=1, row=1, col=k + 1)
    fig.update_yaxes(title="x₂", col=1)
    _animation_controls(fig, [str(int(s)) for s in steps], _("step") + " ")
    return _base_layout(fig, _("decision boundary during training"), 480)


def _is_restored(r: MLPResult, step: int) -> bool:
    """Whether a boundary frame at `step` shows the restored best weights (from the early stop on)."""
    return r.restored and r.stopped_at is not None and step >= r.stopped_at


def _acc_text(r: MLPResult, row: int, restored: bool = False) -> str:
    step, train = int(r.step[row]), f"{r.accuracy[row]:.0%}"
    if r.val_accuracy is None:
        msg = _("best weights (step {step}) restored: train {train}") if restored else _("step {step}: train {train}")
        return msg.format(step=step, train=train)
    msg = (
        _("best weights (step {step}) restored: train {train}, val {val}")
        if restored
        else _("step {step}: train {train}, val {val}")
    )
    return msg.format(step=step, train=train, val=f"{r.val_accuracy[row]:.0%}")


def _animation_controls(fig: go.Figure, names: list[str], prefix: str) -> None:
    """Play / pause buttons and a slider over the frames `names`; the figure rests on the last frame."""
    anim = {"mode": "immediate", "frame": {"duration": 120, "redraw": True}, "transition": {"duration": 0}}
    fig.update_layout(
        updatemenus=[
            {
                "type": "buttons",
                "direction": "left",
                "x": 0.0,
                "y": -0.12,
                "xanchor": "left",
                "yanchor": "top",
                "showactive": False,
                "buttons": [
                    {"label": "▶ " + _("play"), "method": "animate", "args": [None, {**anim, "fromcurrent": True}]},
                    {
                        "label": "❚❚ " + _("pause"),
                        "method": "animate",
                        "args": [[None], {"mode": "immediate", "frame": {"duration": 0, "redraw": False}}],
                    },
                ],
            }
        ],
        sliders=[
            {
                "active": len(names) - 1,
                "x": 0.18,
                "len": 0.82,
                "y": -0.08,
                "yanchor": "top",
                "currentvalue": {"prefix": prefix, "xanchor": "right"},  # clear of the buttons
                "steps": [
                    {
                        "label": nm,
                        "method": "animate",
                        "args": [[nm], {"mode": "immediate", "frame": {"duration": 0, "redraw": True}}],
                    }
                    for nm in names
                ],
            }
        ],
    )
    fig.update_layout(margin={"b": 110})


# --------------------------------------------------------------------------- curves


PAST_OPACITY = 0.35  # the curves after an early stop: shown, but not the model that training returns


def _segments(r: MLPResult) -> list[tuple[np.ndarray, bool]]:
    """Thinned row indices of a run's curves: (rows, False) up to its early stop, and (rows, True) after
    it when the run went on past the stop (both hold the stop's row, so the two lines meet)."""
    idx = _thin(len(r.step))
    if r.stopped_at is None or r.step[-1] <= r.stopped_at:
        return [(idx, False)]
    cut = r.row_of(r.stopped_at)
    idx = np.union1d(idx, [cut])
    return [(idx[idx <= cut], False), (idx[idx >= cut], True)]


def loss_curves_figure(
    results: MLPResult | Sequence[MLPResult],
    log_y: bool = True,
    *,
    weight_norm: bool = False,
    epochs: bool = False,
    own_axes: bool = False,
) -> go.Figure:
    """Loss (left) and accuracy (right) over steps: training solid, validation dotted.

    weight_norm: a third panel with ‖W‖ over training, from the recorded parameters (C29).
    epochs: a panel of the loss over epochs (examples seen / training points) beside the one over
    steps: batch size 1 takes 100 steps where full batch takes 1 (C1).  own_axes: each run's
    loss in its own panel with its own y axis (losses of different kinds, C16).

    The training curve is the data loss (without the L2 penalty), the same quantity as the
    validation loss.  A star marks each run's lowest validation loss (the weights early stopping
    restores) and a dotted vertical line where its patience ran out; a run that went on past the
    stop (`train(..., run_past_stop=True)`, as scenes do) has its curves after it dimmed and
    dashed, so the lecture sees what the stop saved.  An x marks the last good point of a
    diverged run.  Losses
    above CAP_FACTOR x the largest starting loss are drawn at that ceiling (a diverging run
    reaches 1e250 and would flatten every other curve); hover shows the true value.
    """
    runs = _as_list(results, MLPResult)
    starts = [float(r.data_loss[0]) for r in runs] + [float(r.val_loss[0]) for r in runs if r.val_loss is not None]
    cap = CAP_FACTOR * max(max((v for v in starts if np.isfinite(v)), default=1.0), LOG_FLOOR)

    def shown(v: np.ndarray) -> np.ndarray:
        v = np.minimum(np.asarray(v, dtype=np.float64), cap)
        return np.maximum(v, LOG_FLOOR) if log_y else v

    loss_titles = [_("loss: {run}").format(run=r.label) for r in runs] if own_axes else [_("loss")]
    titles = [*loss_titles, *([_("loss over epochs")] if epochs else []), _("accuracy")]
    titles += [_("weight norm") + " ‖W‖"] if weight_norm else []
    w = {  # the words of the hovers, once
        "step": _("step"),
        "epoch": _("epoch"),
        "train loss": _("train loss"),
        "train accuracy": _("train accuracy"),
        "validation loss": _("validation loss"),
        "validation accuracy": _("validation accuracy"),
    }
    n_cols = len(titles)
    acc_col = len(loss_titles) + (2 if epochs else 1)
    fig = make_subplots(1, n_cols, subplot_titles=titles, horizontal_spacing=0.3 / n_cols)
    for k, r in enumerate(runs):
        color = color_for(k)
        loss_col = k + 1 if own_axes else 1
        common = {"legendgroup": str(k), "line": {"color": color}}
        val = {"legendgroup": str(k), "line": {"color": color, "dash": "dot", "width": 2}}
        per_epoch = min(r.batch_size, r.X.shape[0]) / r.X.shape[0]
        for sel, past in _segments(r):
            x = r.step[sel]
            after = " " + _("(after the stop)") if past else ""
            dim = {"opacity": PAST_OPACITY} if past else {}
            note = "<br>" + _("after the early stop: not the returned model") if past else ""

            def line(style: dict[str, Any], past: bool = past) -> dict[str, Any]:
                """The run's line style; past the stop dimmed, and dashed where it was solid."""
                if not past:
                    return style
                ln = dict(style["line"])
                ln.setdefault("dash", "dash")
                return {**style, "line": ln}

            train_loss = shown(r.data_loss[sel])
            if epochs:
                fig.add_trace(
                    go.Scatter(
                        x=_f4(x * per_epoch),
                        y=_f4(train_loss),
                        name=_("{run} train (epochs)").format(run=r.label) + after,
                        mode="lines",
                        showlegend=False,
                        **line(common),
                        **dim,
                        hovertemplate=f"{w['epoch']} %{{x:.2f}}<br>{w['train loss']} %{{y:.4g}}{note}<extra></extra>",
                    ),
                    1,
                    len(loss_titles) + 1,
                )
            if weight_norm:
                fig.add_trace(
                    go.Scatter(
                        x=x,
                        y=_f4(weight_norms(r)[sel]),
                        name=f"{r.label} ‖W‖{after}",
                        mode="lines",
                        showlegend=False,
                        **line(common),
                        **dim,
                        hovertemplate=f"{w['step']} %{{x}}<br>‖W‖ %{{y:.3g}}{note}<extra></extra>",
                    ),
                    1,
                    n_cols,
                )
            fig.add_trace(
                go.Scatter(
                    x=x,
                    y=_f4(train_loss),
                    customdata=_f4(r.data_loss[sel]),
                    name=_("{run} train").format(run=r.label) + after,
                    mode="lines",
                    showlegend=not past,
                    **line(common),
                    **dim,
                    hovertemplate=f"{w['step']} %{{x}}<br>{w['train loss']} %{{customdata:.4g}}{note}<extra></extra>",
                ),
                1,
                loss_col,
            )
            fig.add_trace(
                go.Scatter(
                    x=x,
                    y=_f4(r.accuracy[sel]),
                    name=_("{run} train accuracy").format(run=r.label) + after,
                    mode="lines",
                    showlegend=False,
                    **line(common),
                    **dim,
                    hovertemplate=f"{w['step']} %{{x}}<br>{w['train accuracy']} %{{y:.1%}}{note}<extra></extra>",
                ),
                1,
                acc_col,
            )
            if r.val_loss is None:
                continue
            fig.add_trace(
                go.Scatter(
                    x=x,
                    y=_f4(shown(r.val_loss[sel])),
                    customdata=_f4(r.val_loss[sel]),
                    name=_("{run} validation").format(run=r.label) + after,
                    mode="lines",
                    showlegend=not past,
                    **val,
                    **dim,
                    hovertemplate=f"{w['step']} %{{x}}<br>{w['validation loss']} %{{customdata:.4g}}{note}"
                    "<extra></extra>",
                ),
                1,
                loss_col,
            )
            fig.add_trace(
                go.Scatter(
                    x=x,
                    y=_f4(r.val_accuracy[sel]),
                    name=_("{run} validation accuracy").format(run=r.label) + after,
                    mode="lines",
                    showlegend=False,
                    **val,
                    **dim,
                    hovertemplate=f"{w['step']} %{{x}}<br>{w['validation accuracy']} %{{y:.1%}}{note}<extra></extra>",
                ),
                1,
                acc_col,
            )
        if r.val_loss is not None and r.best_step is not None:
            b = r.row_of(r.best_step)
            best = _("lowest validation loss at step {step}").format(step=r.best_step)
            if r.stopped_at is not None:
                best += _("; stopped at step {step}, these weights restored").format(step=r.stopped_at)
            fig.add_trace(
                go.Scatter(
                    x=[r.best_step],
                    y=[float(shown(r.val_loss[b]))],
                    mode="markers",
                    name=_("{run} best validation").format(run=r.label),
                    legendgroup=str(k),
                    showlegend=False,
                    marker={"symbol": "star", "size": 14, "color": color, "line": {"width": 1, "color": "white"}},
                    hovertemplate=f"{best}<extra></extra>",
                ),
                1,
                loss_col,
            )
        if r.stopped_at is not None:
            for col in (loss_col, acc_col):
                fig.add_vline(x=r.stopped_at, line={"color": color, "dash": "dot", "width": 1.5}, row=1, col=col)
            fig.add_annotation(
                x=r.stopped_at,
                y=1.0,
                yref="y domain",
                text=_("early stop (step {step})").format(step=r.stopped_at),
                showarrow=False,
                font={"color": color, "size": 11},
                xanchor="right",
                yanchor="top",
                row=1,
                col=loss_col,
            )
        if r.diverged_at is not None:
            fig.add_trace(
                go.Scatter(
                    x=[r.step[-1]],
                    y=[float(shown(r.data_loss[-1]))],
                    mode="markers",
                    name=_("{run} diverged").format(run=r.label),
                    legendgroup=str(k),
                    showlegend=False,
                    marker={"symbol": "x", "size": 14, "color": DIVERGED_COLOR},
                    hovertemplate=_("diverged at step {step} (loss {loss})").format(
                        step=r.diverged_at, loss=f"{r.data_loss[-1]:.3g}"
                    )
                    + "<extra></extra>",
                ),
                1,
                loss_col,
            )
    fig.update_xaxes(title=w["step"])
    for col in range(1, len(loss_titles) + (2 if epochs else 1)):
        fig.update_yaxes(type="log" if log_y else "linear", title=_("loss") if col == 1 else "", row=1, col=col)
    if epochs:
        fig.update_xaxes(title=_("epoch (examples seen / training points)"), row=1, col=len(loss_titles) + 1)
    fig.update_yaxes(range=[0, 1.02], tickformat=".0%", title=_("accuracy"), row=1, col=acc_col)
    return _base_layout(fig, _("training and validation curves"), 440)


# Layers get their own colours, input side to output side (never shades of one hue: a light
# layer-1 curve disappeared against the grid), distinct from each other on light and dark paper.
LAYER_COLORS: tuple[str, ...] = ("#0072B2", "#009E73", "#E69F00", "#D55E00", "#CC79A7", "#56B4E9")
RATIO_FLOOR = 1e-2  # the 100x line of the ratio panel


def grad_norm_figure(results: MLPResult | Sequence[MLPResult], ratio: bool = False) -> go.Figure:
    """||dLoss/dW_l|| per layer over the steps (top) and, with `ratio`, the first layer's over the
    last layer's (bottom), one column per run, log scales (C21).

    Layers have distinct colours (LAYER_COLORS).  The ratio panel has lines at 1 (level layers)
    and 1/100: a vanishing net's ratio stays below 1/100 for the whole run; an exploding one
    shows its norms orders of magnitude above the others' and ends at a red x.
    """
    runs = _as_list(results, MLPResult)
    n = len(runs)
    rows = 2 if ratio else 1
    fig = make_subplots(
        rows,
        n,
        subplot_titles=[r.label for r in runs] + [""] * n * (rows - 1),
        shared_yaxes=False,  # an exploding run's 1e100 would flatten the others' curves into one line
        shared_xaxes=False,
        horizontal_spacing=0.04,
        vertical_spacing=0.12,
        row_heights=[0.62, 0.38] if ratio else None,
    )
    step_word = _("step")
    for k, r in enumerate(runs):
        L = r.grad_norm.shape[1]
        idx = _thin(r.grad_norm.shape[0])
        for l in range(L):
            layer = _("layer {n}").format(n=l + 1)
            fig.add_trace(
                go.Scatter(
                    x=idx + 1,
                    y=_f4(np.maximum(r.grad_norm[idx, l], LOG_FLOOR)),
                    mode="lines",
                    name=_("layer {n} (output)").format(n=l + 1) if l == L - 1 else layer,
                    legendgroup=f"layer{l}",
                    showlegend=k == 0,
                    line={"color": LAYER_COLORS[l % len(LAYER_COLORS)], "width": 2},
                    hovertemplate=f"{layer}<br>{step_word} %{{x}}<br>‖∂L/∂W‖ = %{{y:.3g}}<extra></extra>",
                ),
                1,
                k + 1,
            )
        if not ratio:
            continue
        with np.errstate(divide="ignore", invalid="ignore"):
            q = r.grad_norm[idx, 0] / r.grad_norm[idx, L - 1]
        fig.add_trace(
            go.Scatter(
                x=idx + 1,
                y=_f4(np.clip(np.nan_to_num(q, nan=1.0), LOG_FLOOR, 1e12)),
                mode="lines",
                name=_("layer 1 / output layer"),
                legendgroup="ratio",
                showlegend=k == 0,
                line={"color": "#5B6272", "width": 2},
                hovertemplate=step_word + " %{x}<br>‖∂L/∂W₁‖ / ‖∂L/∂W_out‖ = %{y:.3g}<extra></extra>",
            ),
            2,
            k + 1,
        )
        for level, dash in ((1.0, "dot"), (RATIO_FLOOR, "dash")):
            fig.add_hline(y=level, line={"color": "#A0A6B2", "dash": dash, "width": 1}, row=2, col=k + 1)
        if r.diverged_at is not None:
            fig.add_trace(
                go.Scatter(
                    x=[r.diverged_at],
                    y=[float(np.nanmax(r.grad_norm[-1])) if r.grad_norm.size else 1.0],
                    mode="markers",
                    name=_("diverged"),
                    showlegend=False,
                    marker={"symbol": "x", "size": 14, "color": DIVERGED_COLOR},
                    hovertemplate=_("diverged at step {step}").format(step=r.diverged_at) + "<extra></extra>",
                ),
                1,
                k + 1,
            )
    fig.update_xaxes(title=step_word, row=rows)
    fig.update_yaxes(type="log")
    fig.update_yaxes(title="‖∂L/∂W‖", row=1, col=1)
    if ratio:
        fig.update_yaxes(title=_("layer 1 / output"), row=2, col=1)
        return _base_layout(fig, _("gradient norm per layer, and the first layer's over the last one's"), 560)
    return _base_layout(fig, _("gradient norm per layer"), 420)


def unit_weights_figure(results: MLPResult | Sequence[MLPResult], layer: int = 0, max_units: int = 16) -> go.Figure:
    """Each hidden unit's incoming weight from x₁ in layer `layer` over training, one panel per run (C18).

    After a zeros init every unit of a layer gets the same gradient and stays the same: the panel
    shows one line (all units on top of each other), and its title counts the distinct units.
    """
    runs = _as_list(results, MLPResult)
    n = len(runs)
    titles = [
        _("{run}: {n} distinct of {units}").format(run=r.label, n=distinct_units(r, layer), units=r.net.hidden[layer])
        for r in runs
    ]
    step_word = _("step")
    fig = make_subplots(1, n, subplot_titles=titles, shared_yaxes=False, horizontal_spacing=0.05)
    for k, r in enumerate(runs):
        u = unit_weights(r, layer)
        idx = _thin(u.shape[0], 400)
        x = r.step[idx]
        for j in range(min(u.shape[1], max_units)):
            fig.add_trace(
                go.Scatter(
                    x=x,
                    y=_f4(u[idx, j, 0]),
                    mode="lines",
                    name=_("unit {n}").format(n=j + 1),
                    legendgroup=f"unit{j}",
                    showlegend=False,
                    line={"color": COLORS[j % len(COLORS)], "width": 1.6},
                    hovertemplate=_("unit {n}").format(n=j + 1)
                    + f"<br>{step_word} %{{x}}<br>w = %{{y:.4g}}<extra></extra>",
                ),
                1,
                k + 1,
            )
    fig.update_xaxes(title=step_word)
    fig.update_yaxes(title=_("layer {n}: weight from x₁, one line per unit").format(n=layer + 1), col=1)
    return _base_layout(fig, _("hidden units of layer {n} over training").format(n=layer + 1), 440)


def _act(name: str, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(f(z), f'(z)) of an activation, as `optviz.mlp.model` computes them (GELU: the erf form)."""
    if name == "sigmoid":
        a = 1.0 / (1.0 + np.exp(-z))
        return a, a * (1.0 - a)
    if name == "tanh":
        a = np.tanh(z)
        return a, 1.0 - a * a
    if name == "relu":
        return np.maximum(z, 0.0), (z > 0).astype(float)
    if name == "leaky_relu":
        return np.where(z > 0, z, 0.01 * z), np.where(z > 0, 1.0, 0.01)
    cdf = 0.5 * (1.0 + np.vectorize(math.erf)(z / math.sqrt(2.0)))
    pdf = np.exp(-0.5 * z * z) / math.sqrt(2.0 * math.pi)
    return z * cdf, cdf + z * pdf


def activation_functions_figure(names: Sequence[str]) -> go.Figure:
    """f(z) (left) and f'(z) (right) of the activations: sigmoid's slope is at most 1/4, tanh's 1,
    ReLU's 0 or 1 (C21, C22)."""
    z = np.linspace(-5.0, 5.0, 401)
    titles = (_("activation") + " f(z)", _("derivative") + " f′(z)")
    fig = make_subplots(1, 2, subplot_titles=titles, horizontal_spacing=0.1)
    for k, name in enumerate(dict.fromkeys(names)):
        a, d = _act(name, z)
        for col, v in ((1, a), (2, d)):
            fig.add_trace(
                go.Scatter(
                    x=_f4(z),
                    y=_f4(v),
                    mode="lines",
                    name=_(ACTIVATION_TITLES.get(name, name)),
                    legendgroup=name,
                    showlegend=col == 1,
                    line={"color": color_for(k), "width": 2.5},
                ),
                1,
                col,
            )
    fig.add_hline(y=0.25, line={"color": "#A0A6B2", "dash": "dot", "width": 1}, row=1, col=2)
    fig.update_xaxes(title="z")
    fig.update_yaxes(range=[-1.2, 3.0], row=1, col=1)
    fig.update_yaxes(range=[-0.1, 1.15], row=1, col=2)
    return _base_layout(fig, _("activation functions and their derivatives"), 420)


def lr_figure(results: MLPResult | Sequence[MLPResult]) -> go.Figure:
    """The learning rate used at every step (schedule applied; C17)."""
    runs = _as_list(results, MLPResult)
    fig = go.Figure()
    for k, r in enumerate(runs):
        idx = _thin(len(r.lr))
        fig.add_trace(go.Scatter(x=idx + 1, y=_f4(r.lr[idx]), mode="lines", name=r.label, line={"color": color_for(k)}))
    fig.update_xaxes(title=_("step"))
    fig.update_yaxes(title=_("learning rate"), type="log")
    return _base_layout(fig, _("learning rate schedule"), 360)


# --------------------------------------------------------------------------- landscape


def landscape_figure(ls: Landscape, log: bool = True) -> go.Figure:
    """Filled contour of the loss on the shared plane with every run's projected path.

    Paths start at a circle and end at a star; hover shows the step and the run's true loss
    (the projection is exact only for points on the plane: PCA planes hold most of a path,
    random ones hardly any of it).
    """
    z = np.log10(np.maximum(ls.loss, LOG_FLOOR)) if log else ls.loss
    loss_word = _("loss")
    zname = f"log₁₀ {loss_word}" if log else loss_word
    fig = go.Figure(
        go.Contour(
            x=_f4(ls.alphas),
            y=_f4(ls.betas),
            z=_f4(z),
            colorscale=LANDSCAPE_SCALES["light"],
            ncontours=24,
            contours={"coloring": "fill", "showlines": True},
            line={"width": 0.6, "color": "rgba(60, 70, 90, 0.35)"},
            colorbar={"title": {"text": zname}, "thickness": 14},
            hovertemplate="a=%{x:.3g}, b=%{y:.3g}<br>" + zname + " %{z:.3f}<extra></extra>",
            name=loss_word,
            meta={"role": "landscape"},
        )
    )
    starts = [p[0] for p in ls.paths]
    for k, (path, pl, label) in enumerate(zip(ls.paths, ls.path_loss, ls.labels)):
        color = color_for(k)
        idx = _thin(len(path))
        fig.add_trace(
            go.Scatter(
                x=_f4(path[idx, 0]),
                y=_f4(path[idx, 1]),
                mode="lines",
                name=label,
                legendgroup=str(k),
                line={"color": color, "width": 2.5},
                customdata=np.c_[idx, pl[idx]].astype(np.float32),
                hovertemplate=_("row")
                + " %{customdata[0]:.0f}<br>"
                + loss_word
                + " %{customdata[1]:.4g}<extra>"
                + label
                + "</extra>",
            )
        )
        # Runs from one init share their start: rings of growing size keep every start visible.
        same_start = sum(1 for q in starts[:k] if np.allclose(q, path[0], atol=1e-9))
        fig.add_trace(
            go.Scatter(
                x=_f4(path[[0, -1], 0]),
                y=_f4(path[[0, -1], 1]),
                mode="markers",
                legendgroup=str(k),
                showlegend=False,
                marker={
                    "symbol": ["circle-open", "star"],
                    "size": [10 + 7 * same_start, 15],
                    "color": color,
                    "line": {"width": [2.5, 1], "color": [color, "white"]},
                },
                hoverinfo="skip",
            )
        )
    kind = _kind(ls.plane.kind)
    if ls.plane.explained is not None:
        e1, e2 = ls.plane.explained
        xt = "PC1 ({share})".format(share=_("{share} of the path's variance").format(share=f"{e1:.0%}"))
        yt = f"PC2 ({e2:.0%})"
    else:
        xt = _("a (direction 1, {kind})").format(kind=kind)
        yt = _("b (direction 2, {kind})").format(kind=kind)
    fig.update_xaxes(title=xt, range=[float(ls.alphas[0]), float(ls.alphas[-1])])
    fig.update_yaxes(title=yt, range=[float(ls.betas[0]), float(ls.betas[-1])])
    _base_layout(fig, _("loss landscape on a {kind} plane").format(kind=kind) + ": L(c + a·d₁ + b·d₂)", 560)
    # legend under the plot: the colour bar owns the right margin
    fig.update_layout(legend={"orientation": "h", "x": 0.0, "y": -0.14, "yanchor": "top"}, margin={"b": 100})
    return fig


def slice_figure(slices: Slice1D | Sequence[Slice1D], log: bool = False) -> go.Figure:
    """1D slices L(c + a d), one curve per slice, with the named points (center, init, final) marked."""
    items = _as_list(slices, Slice1D)
    loss_word = _("loss")
    fig = go.Figure()
    for k, s in enumerate(items):
        color = color_for(k)
        y = np.maximum(s.loss, LOG_FLOOR) if log else s.loss
        fig.add_trace(
            go.Scatter(
                x=_f4(s.alphas),
                y=_f4(y),
                mode="lines",
                name=f"{s.label} · {_kind(s.kind)}",
                line={"color": color, "width": 2.5},
            )
        )
        for name, a in s.marks.items():
            name = _(name)  # init, final, center: marked in optviz.mlp.landscape
            v = float(np.interp(a, s.alphas, y))
            fig.add_trace(
                go.Scatter(
                    x=[a],
                    y=[v],
                    mode="markers+text" if k == 0 else "markers",
                    text=[name],
                    textposition="top center",
                    showlegend=False,
                    marker={"color": color, "size": 9},
                    hovertemplate=f"{name}: {loss_word} %{{y:.4g}}<extra>{s.label}</extra>",
                )
            )
    kinds = {s.kind for s in items}
    interp = "a  (" + _("interpolation: 0 = init, 1 = final") + ")"
    fig.update_xaxes(title=interp if kinds == {"interpolation"} else "a")
    fig.update_yaxes(title=loss_word, type="log" if log else "linear")
    return _base_layout(fig, _("1D slice of the loss") + ": L(c + a·d)", 400)


# --------------------------------------------------------------------------- init and gradients


def activation_histograms_figure(stats: ActivationStats | Sequence[ActivationStats], bins: int = 40) -> go.Figure:
    """Histogram of every layer's activations at init: columns = layers, rows = inits (C19, C20).

    The x range is the activation's range (sigmoid [0, 1], tanh [-1, 1], else the data's), the
    same for every panel, so a collapse to 0.5 or a pile-up at +-1 reads at a glance.
    """
    items = _as_list(stats, ActivationStats)
    n_rows = len(items)
    n_cols = max(len(s.values) for s in items)
    titles = []
    for s in items:
        titles += [
            _("layer {n}").format(n=l + 1) + f": μ {s.mean[l]:.2f}, σ {s.std[l]:.2f}" for l in range(len(s.values))
        ]
        titles += [""] * (n_cols - len(s.values))
    fig = make_subplots(n_rows, n_cols, subplot_titles=titles, shared_yaxes=True, vertical_spacing=0.12 / n_rows + 0.06)
    fig.update_annotations(font_size=12)  # five panel titles a row must not run into each other
    # "activation" alone is the function (활성화 함수); here it is a value, so the placeholder is in the msgid
    hover = _("activation %{x:.3f}") + "<br>" + _("fraction") + " %{y:.1%}<extra></extra>"
    for r, s in enumerate(items):
        if s.activation == "sigmoid":
            lo, hi = 0.0, 1.0
        elif s.activation == "tanh":
            lo, hi = -1.0, 1.0
        else:
            lo = min(float(v.min()) for v in s.values)
            hi = max(float(v.max()) for v in s.values)
            if hi - lo < 1e-9:
                lo, hi = lo - 0.5, hi + 0.5
        edges = np.linspace(lo, hi, bins + 1)
        centers = 0.5 * (edges[1:] + edges[:-1])
        init_title = _(INIT_TITLES.get(s.init, s.init))
        for l, v in enumerate(s.values):
            counts = np.histogram(np.clip(v, lo, hi), bins=edges)[0]
            fig.add_trace(
                go.Bar(
                    x=_f4(centers),
                    y=_f4(counts / max(v.size, 1)),
                    width=float(edges[1] - edges[0]),
                    marker={"color": color_for(r), "line": {"width": 0}},
                    name=f"{init_title} · {_(ACTIVATION_TITLES.get(s.activation, s.activation))}",
                    legendgroup=str(r),
                    showlegend=l == 0,
                    hovertemplate=hover,
                ),
                r + 1,
                l + 1,
            )
            fig.update_xaxes(range=[lo, hi], row=r + 1, col=l + 1)
        fig.update_yaxes(title=init_title, row=r + 1, col=1)
    fig.update_yaxes(tickformat=".0%")
    fig.update_layout(bargap=0)
    widths = "-".join(str(w) for w in items[0].hidden)
    title = _("activations at initialisation ({activation}, layers {widths})").format(
        activation=items[0].activation, widths=widths
    )
    return _base_layout(fig, title, 200 + 210 * n_rows)


def gradient_check_figure(check: GradientCheck) -> go.Figure:
    """Analytic (backprop) against numerical (central difference) gradient, one dot per parameter (C14)."""
    a, nmr = check.analytic, check.numeric
    lim = float(max(np.max(np.abs(a)), np.max(np.abs(nmr)), 1e-12)) * 1.05
    fig = go.Figure(
        [
            go.Scatter(
                x=[-lim, lim],
                y=[-lim, lim],
                mode="lines",
                line={"color": "#999999", "dash": "dot"},
                name=_("analytic = numerical"),
                hoverinfo="skip",
            ),
            go.Scatter(
                x=_f4(nmr),
                y=_f4(a),
                mode="markers",
                marker={"color": COLORS[0], "size": 5},
                name=_("parameters"),
                hovertemplate=_("numerical") + " %{x:.4g}<br>" + _("analytic") + " %{y:.4g}<extra></extra>",
            ),
        ]
    )
    fig.update_xaxes(title=_("numerical") + f": (L(θ+h) − L(θ−h)) / 2h, h = {check.step:g}")
    fig.update_yaxes(title=_("analytic (backprop)"), scaleanchor="x", scaleratio=1)
    return _base_layout(fig, _("gradient check: relative error {error}").format(error=f"{check.rel_error:.1e}"), 460)


# ----------------------------------------------------------------------------- the view's figures, from a scene


def scene_title(s: MLPConfig) -> str:
    """'two moons · 16-16 tanh · Xavier normal': the context line of a figure's title (current language)."""
    net = "-".join(map(str, s.hidden)) + (
        "" if s.compare in ("activation", "gradients") else f" {_(ACTIVATION_TITLES[s.activation])}"
    )
    parts = [_(DATASET_TITLES[s.dataset]), net]
    if s.compare not in ("init", "schemes", "gradients"):
        parts.append(_(INIT_TITLES[s.init]))
    return " · ".join(parts)


def describe(s: MLPConfig) -> str:
    """One sentence for the page: the data, the network and what the panels compare (current language)."""
    data = _("{data}, {n} points, noise {noise}").format(data=_(DATASET_TITLES[s.dataset]), n=s.n, noise=f"{s.noise:g}")
    net = _("{network}, {init} init").format(
        network="-".join(map(str, s.hidden)) + f" {_(ACTIVATION_TITLES[s.activation])}", init=_(INIT_TITLES[s.init])
    )
    what = _(COMPARISONS[s.compare][1])
    if s.compare != "optimizers":
        what += _("; every panel trains {run}").format(run=run_labels(s.optimizers[:1], detailed=True)[0])
    return _("{data} · {network}.  Side by side: {what}.").format(data=data, network=net, what=what)


def spoken_run(run: MLPRun) -> MLPRun:
    """`run` with its panels named in the current language.

    A run's labels were fixed when it trained (`optviz.runs.mlp.run_specs`, in the language of
    that moment), and the page caches runs by their settings alone; the labels are derived again
    from the same settings here, in the current language, and given to the results, the landscape
    and the slices (which name the runs by the same labels).  Returns `run` itself when nothing changes.
    """
    try:
        specs = run_specs(run.settings, run.data.X.shape[0])
    except (ValueError, AttributeError):  # a run not made by run_mlp_scene: its labels as they are
        return run
    if len(specs) != len(run.results) or all(r.label == sp.label for r, sp in zip(run.results, specs)):
        return run
    names = {r.label: sp.label for r, sp in zip(run.results, specs)}
    results = []
    for r, sp in zip(run.results, specs):
        if isinstance(r, NamedResult):
            r = copy.copy(r)  # shallow: the arrays are shared, only the name differs
            object.__setattr__(r, "name", sp.label)
        results.append(r)
    new: dict[str, Any] = {"results": results}
    if run.landscape is not None:
        new["landscape"] = replace(run.landscape, labels=[names.get(x, x) for x in run.landscape.labels])
    for part in ("slices", "interpolations"):
        value = getattr(run, part)
        if value:
            new[part] = [replace(sl, label=names.get(sl.label, sl.label)) for sl in value]
    return replace(run, **new)


def mlp_figure(
    scene: Scene,
    run: MLPRun,
    name: str | None = None,
    *,
    animate: bool = True,
    frames: int | None = None,
    height: int | None = None,
) -> Any:
    """The page's figure `name` (default: the scene's `figure`) with the scene's display applied.

    animate: keep the decision boundary's frames (`frames`, default display.frames, at most
    200); without, only its final picture (the last frame is the same either way).  Raises
    ValueError when the run lacks the part the figure needs (see `parts_for`).
    """
    with use_lang(scene.display.lang):
        return _mlp_figure(scene, spoken_run(run), name, animate=animate, frames=frames, height=height)


def boundary_live(
    scene: Scene, run: MLPRun, *, frames: int, height: int | None = None
) -> tuple[Any, list[dict[str, Any]]]:
    """`mlp_figure(scene, run, "boundary", frames=frames, height=height)` with its frames apart, as
    plain dicts: the figure (without frames) and the frames, for `optviz.figures.live.live_payload_mlp`."""
    out: list[dict[str, Any]] = []
    with use_lang(scene.display.lang):
        fig = _mlp_figure(
            scene, spoken_run(run), "boundary", animate=True, frames=frames, height=height, frames_out=out
        )
    return fig, out


def _mlp_figure(
    scene: Scene,
    run: MLPRun,
    name: str | None,
    *,
    animate: bool,
    frames: int | None,
    height: int | None,
    frames_out: list[dict[str, Any]] | None = None,
) -> Any:
    s = run.settings
    name = s.figure if name is None else check_choice("figure", name, (*FIGURES, "data_raw"))
    d = scene.display
    results = run.results
    if name == "boundary":
        fig = decision_boundary_figure(
            results,
            frames=min(max(d.frames if frames is None else frames, 2), 200) if animate else 2,
            resolution=DECISION_RESOLUTION,
            style=_annotation_style(d, panels=len(results)),
            frames_out=frames_out,
        )
    elif name == "curves":
        fig = loss_curves_figure(
            results,
            log_y=d.log_loss,
            weight_norm=s.compare == "l2",
            epochs=s.compare == "batch_size",
            own_axes=s.compare == "loss",
        )
    elif name == "units":
        fig = unit_weights_figure(results)
    elif name == "activation_functions":
        acts = [s.activation] if s.compare not in ("activation", "gradients") else ["sigmoid", "tanh", "relu"]
        if s.compare == "activation":
            acts = list(ACTIVATION_TITLES)
        fig = activation_functions_figure(acts)
    elif name == "lr":
        fig = lr_figure(results)
    elif name == "gradients":
        fig = grad_norm_figure(results, ratio=True)
    elif name == "data":
        fig = data_figure(run.data.X, run.data.y, run.data.X_val, run.data.y_val, title=_data_title(run))
    elif name == "data_raw":
        data = run.data
        fig = data_figure(data.X_raw, data.y, data.X_val_raw, data.y_val, title=_data_title(run, raw=True))
    elif name == "one_hot":
        fig = one_hot_figure(run.data.X, run.data.y, run.data.n_classes)
    else:
        attr = {"slices": "slices", "interpolation": "interpolations", "landscape": "landscape"}.get(name, name)
        value = getattr(run, attr)
        if not value:
            raise ValueError(f"the {FIGURE_TITLES[name]} figure needs run_mlp_scene(..., parts={parts_for([name])})")
        if name == "landscape":
            fig = landscape_figure(value, log=d.log_loss)
        elif name == "slices":
            fig = slice_figure(value)
        elif name == "interpolation":
            fig = slice_figure(value)
            _retitle(fig, _("from init to the end") + ": L((1 − a)·θ₀ + a·θ_final)")
        elif name == "activations":
            fig = activation_histograms_figure(value)
        else:
            fig = gradient_check_figure(value)
    meta = dict(fig.layout.meta or {})
    if name in ("boundary", "curves", "lr", "landscape", "activations", "gradients"):  # the wide ones
        meta["auto_title"] = f"{meta.get('auto_title', '')} · {scene_title(s)}"
    meta["bottom"] = fig.layout.margin.b or 50  # apply_display keeps the room of the slider / legend below
    fig.update_layout(meta=meta)
    if height is not None:
        fig.update_layout(height=height)
    return _themed(apply_display(fig, d), d)


def _annotation_style(d: Any, panels: int) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """An annotation dict as the display shows it: a subplot title at the display's font size, a
    panel's corner box (accuracy) a little smaller in the theme's colours; others as they are."""
    th = THEMES[d.theme]
    corner_px = max(12, round(font_px(d) * 0.85))
    # three or more panels side by side at a large type: the accuracy box on two lines, or it runs
    # past its panel into the next one ("step 500:" above "train 99%, val 97%")
    two_lines = panels >= 3 and corner_px >= 17

    def style(a: dict[str, Any]) -> dict[str, Any]:
        a = dict(a)
        if (
            a.get("name") != "note"
            and a.get("xref") == "paper"
            and a.get("yref") == "paper"
            and a.get("showarrow") is False
        ):
            a["font"] = {"size": font_px(d), "color": th["ink"]}
        elif str(a.get("xref") or "").endswith(" domain") and a.get("bgcolor"):
            a["font"] = {"size": corner_px, "color": th["ink"]}
            a["bgcolor"] = th["box"]
            text = a.get("text")
            if two_lines and text and "<br>" not in text:
                a["text"] = text.replace(": ", ":<br>", 1)
        return a

    return style


def _themed(fig: Any, d: Any) -> Any:
    """What `apply_display` leaves to each view: subplot titles at the display's font size, and
    the MLP's own colour blocks (landscape, one-hot cells, white marker rims) in the theme's colours.
    (A decision boundary's annotations, and its frames', are themed as they are built.)"""
    th = THEMES[d.theme]
    # the frames rewrite the annotations: those of a decision boundary are styled as it is built (a
    # boundary without its frames, `boundary_live`, is styled again here: the style is idempotent)
    if not fig.frames:
        panels = sum(1 for a in fig.layout.annotations or () if str(a.xref or "").endswith(" domain") and a.bgcolor)
        style = _annotation_style(d, panels)
        fig.layout.annotations = [style(a.to_plotly_json()) for a in fig.layout.annotations or ()]
    for tr in fig.data:
        meta = tr.meta if isinstance(tr.meta, dict) else {}
        if meta.get("role") == "landscape":
            tr.colorscale = LANDSCAPE_SCALES[d.theme]
        elif tr.type == "heatmap" and meta.get("role") == "one_hot":
            tr.colorscale = [[0.0, th["plot"]], [1.0, COLORS[0]]]
        elif tr.type == "heatmap" and meta.get("role") == "decision":
            tr.colorscale = _decision_scale(int(meta["classes"]), d.theme)
        if tr.type == "scatter" and tr.marker is not None and tr.marker.line is not None:
            rim = tr.marker.line.color
            if rim == "white":
                tr.marker.line.color = th["paper"]
            elif isinstance(rim, (list, tuple)) and "white" in rim:  # the landscape's end stars
                tr.marker.line.color = [th["paper"] if c == "white" else c for c in rim]
        if getattr(tr, "colorbar", None) is not None and tr.type in ("contour", "heatmap"):
            tr.colorbar.tickfont = {"color": th["ink"], "size": font_px(d)}
            tr.colorbar.title.font = {"color": th["ink"], "size": font_px(d)}
    return fig


def _retitle(fig: Any, title: str) -> None:
    fig.update_layout(title={"text": title}, meta={**(fig.layout.meta or {}), "auto_title": title})


def _data_title(run: MLPRun, raw: bool = False) -> str:
    s = run.settings
    if raw:
        return _("as generated") + f": x · {s.scale:g} + {s.shift:g}"
    return _("what the network sees: standardised") if s.standardize else _("what the network sees: the raw inputs")
