"""A saved sweep drawn as a map, for either view: lr × batch size, a panel per init scheme, say.

    sweep_map_figure(scene, g)   one heatmap per panel (`g.facet`'s values) of the median over the
                                 seeds of `g.metric`, on one shared colour scale (dark = better:
                                 a log scale for losses that span more than a decade, accuracy
                                 as a share), the value written in each cell while the cells are
                                 few enough to read, ✕ where every run of a cell diverged (a small ✕
                                 where some did), ★ on the best cell of the whole map

`g` is an `optviz.runs.sweepmap.SweepGrid`; this module only draws it.  The cells sit at whole-number
positions, one per swept value, labelled with the values as the sweep recorded them (a grid is
usually geometric in lr, and a batch size or an init scheme has no metric distance anyway).
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

import numpy as np
import plotly.graph_objects as go

from optviz.config import Scene
from optviz.config.mlp import DATASET_TITLES, LOSS_TITLES
from optviz.figures.palette import DIVERGED_COLOR, theme_style
from optviz.figures.style import apply_display, speaks_scene
from optviz.figures.surfaces import power_label
from optviz.i18n import N_, _
from optviz.mlp.model import ACTIVATION_TITLES, INIT_TITLES
from optviz.optimizers import OPTIMIZERS
from optviz.runs.sweepmap import SweepGrid

SCALE = "Viridis"  # perceptually uniform and colour-vision safe
BEST_COLOR = "#E69F00"  # Okabe-Ito orange, as on the page's own map
MAX_TEXT_CELLS = 144  # per panel: more cells than this and the numbers would not be readable
PANELS_PER_ROW = 4

METRIC_TITLES = {
    "train_loss": N_("final training loss"),
    "val_loss": N_("final validation loss"),
    "train_accuracy": N_("training accuracy"),
    "val_accuracy": N_("validation accuracy"),
    "final_loss": N_("final loss"),
    "steps_to_tol": N_("steps to f* + 0.001"),
}
SETTING_TITLES = {
    "lr": N_("learning rate"),
    "batch_size": N_("batch size"),
    "init": N_("init scheme"),
    "activation": N_("activation"),
    "dataset": N_("data set"),
    "loss": N_("loss"),
    "dropout": N_("dropout"),
    "batch_norm": N_("batch norm"),
    "weight_decay": N_("weight decay"),
    "l2": "L2 λ",
    "momentum": N_("momentum"),
    "noise": N_("gradient noise"),
    "steps": N_("steps"),
    "clip_norm": N_("clipping norm"),
    "start_x": N_("start x"),
    "start_y": N_("start y"),
}
_SYMBOLS = {"momentum": "μ", "noise": "σ", "beta1": "β₁", "beta2": "β₂", "rho": "ρ"}
_VALUE_TITLES = {"init": INIT_TITLES, "activation": ACTIVATION_TITLES, "dataset": DATASET_TITLES, "loss": LOSS_TITLES}


def setting_title(name: str) -> str:
    """A swept setting's name for an axis or a panel, in the current language."""
    t = SETTING_TITLES.get(name)
    word = name.replace("_", " ") if t is None else t if t.startswith("L2") else _(t)
    sym = _SYMBOLS.get(name)
    return f"{word} {sym}" if sym else word


def value_label(name: str, v: Any) -> str:
    """A swept value as the map writes it: '0.001', 'He normal', 'on'."""
    if isinstance(v, (bool, np.bool_)):
        return _("on") if v else _("off")
    if isinstance(v, (int, float, np.integer, np.floating)):
        return f"{float(v):g}"
    titles = _VALUE_TITLES.get(name, {})
    return _(titles[v]) if v in titles else str(v)


def _fmt(metric: str, v: float) -> str:
    if not math.isfinite(v):
        return ""
    if metric.endswith("accuracy"):
        return f"{v:.0%}"
    if metric == "steps_to_tol":
        return f"{v:.0f}"
    return f"{v:.2g}" if 1e-2 <= abs(v) < 1e3 else f"{v:.1e}"


def _colour(g: SweepGrid) -> tuple[np.ndarray, dict[str, Any]]:
    """The values coloured and the shared colour axis: log10 for a positive loss spanning a decade."""
    v = g.value
    finite = v[np.isfinite(v)]
    axis: dict[str, Any] = {"colorscale": SCALE, "reversescale": not g.lower_is_better}
    bar: dict[str, Any] = {"title": {"text": _(METRIC_TITLES[g.metric]), "side": "right"}, "len": 0.9}
    if g.metric.endswith("loss") and finite.size and finite.min() > 0 and finite.max() / finite.min() > 10:
        z = np.log10(np.where(v > 0, v, np.nan))
        lo, hi = float(np.nanmin(z)), float(np.nanmax(z))
        e0, e1 = math.floor(lo), math.ceil(hi)
        if e1 - e0 <= 3:  # a few decades: 1, 2 and 5 of each, written as numbers
            vals = [m * 10.0**e for e in range(e0, e1 + 1) for m in (1, 2, 5)]
            ticks = [math.log10(v) for v in vals if lo - 1e-9 <= math.log10(v) <= hi + 1e-9]
            bar.update(tickvals=ticks, ticktext=[f"{10**t:.3g}" for t in ticks])
        else:
            ticks = list(range(e0, e1 + 1, max(1, math.ceil((e1 - e0) / 8))))
            bar.update(tickvals=ticks, ticktext=[power_label(t) for t in ticks])
        axis.update(cmin=lo, cmax=hi)
        return z, {**axis, "colorbar": bar}
    if g.metric.endswith("accuracy"):
        bar["tickformat"] = ".0%"
    if finite.size:
        lo, hi = float(finite.min()), float(finite.max())
        axis.update(cmin=lo, cmax=hi if hi > lo else lo + 1e-12)
    return v, {**axis, "colorbar": bar}


def _domains(n: int, gap: float, top: float = 1.0) -> list[tuple[float, float]]:
    width = (top - gap * (n - 1)) / n
    return [(k * (width + gap), k * (width + gap) + width) for k in range(n)]


def _cell_axis(domain: tuple[float, float], anchor: str, labels: list[str], title: str, ticks: bool = True) -> dict:
    """An axis of whole-number cell positions labelled with the swept values."""
    n = len(labels)
    return {
        "domain": list(domain),
        "anchor": anchor,
        "tickvals": list(range(n)),
        "ticktext": labels,
        "range": [-0.5, n - 0.5],
        "showgrid": False,
        "showticklabels": ticks,
        "title": {"text": title},
    }


@speaks_scene
def sweep_map_figure(scene: Scene, g: SweepGrid) -> go.Figure:
    """The map of `g` (see the module docstring) for the sweep's `scene`, in the scene's language."""
    th = theme_style(scene.display)
    panels = max(1, len(g.facet_values))
    cols = min(panels, PANELS_PER_ROW)
    rows = math.ceil(panels / cols)
    xd, yd = _domains(cols, 0.06), _domains(rows, 0.16 if g.facet else 0.1, 0.9 if g.facet else 1.0)[::-1]
    z, coloraxis = _colour(g)
    nx, ny = len(g.x_values), max(1, len(g.y_values))
    xs = [value_label(g.x, v) for v in g.x_values]
    ys = [value_label(g.y, v) for v in g.y_values] if g.y else [""]
    x_title, y_title = setting_title(g.x), setting_title(g.y) if g.y else ""
    metric = _(METRIC_TITLES[g.metric])
    text_on = nx * ny <= MAX_TEXT_CELLS
    best = g.best
    data: list[dict[str, Any]] = []
    layout: dict[str, Any] = {}
    annotations: list[dict[str, Any]] = []
    for f in range(panels):
        k = "" if f == 0 else str(f + 1)
        xa, ya = f"x{k}", f"y{k}"
        r, c = divmod(f, cols)
        hover = []
        for i in range(ny):
            row = []
            for j in range(nx):
                runs, gone = int(g.runs[f, i, j]), g.diverged[f, i, j]
                parts = [f"{x_title} = {xs[j]}"] + ([f"{y_title} = {ys[i]}"] if g.y else [])
                if runs == 0:
                    parts.append(_("not in the sweep"))
                else:
                    val = _fmt(g.metric, float(g.value[f, i, j])) or "—"
                    parts.append(
                        _("{metric}: {value} (median of {runs} runs)").format(metric=metric, value=val, runs=runs)
                    )
                    if gone > 0:
                        parts.append(_("diverged: {k} of {n}").format(k=round(gone * runs), n=runs))
                row.append("<br>".join(parts))
            hover.append(row)
        trace: dict[str, Any] = {
            "type": "heatmap",
            "z": z[f],
            "x": list(range(nx)),
            "y": list(range(ny)),
            "coloraxis": "coloraxis",
            "xaxis": xa,
            "yaxis": ya,
            "hovertext": hover,
            "hovertemplate": "%{hovertext}<extra></extra>",
            "xgap": 1,
            "ygap": 1,
            "showlegend": False,
            "meta": {"role": "sweep_map", "panel": f},
        }
        if text_on:
            trace["texttemplate"] = "%{text}"
            trace["text"] = [[_fmt(g.metric, float(g.value[f, i, j])) for j in range(nx)] for i in range(ny)]
        data.append(trace)
        for frac, size, name in ((1.0, 16, _("every run diverged")), (None, 9, _("some runs diverged"))):
            pick = g.diverged[f] >= 1.0 if frac else (g.diverged[f] > 0) & (g.diverged[f] < 1.0)
            ii, jj = np.nonzero(pick)
            data.append(
                {
                    "type": "scatter",
                    # a cell where only some runs diverged keeps its number: its ✕ goes to a corner
                    "x": (jj if frac else jj - 0.34).tolist(),
                    "y": (ii if frac else ii + 0.3).tolist(),
                    "mode": "markers",
                    "marker": {"symbol": "x-thin", "size": size, "line": {"width": 2.5, "color": DIVERGED_COLOR}},
                    "name": name,
                    "legendgroup": name,
                    "showlegend": f == 0 and ii.size > 0,
                    "hoverinfo": "skip",
                    "xaxis": xa,
                    "yaxis": ya,
                }
            )
        if best is not None and best[0] == f:
            data.append(
                {
                    "type": "scatter",
                    "x": [best[2] + 0.34],  # in the cell's corner, clear of its number
                    "y": [best[1] + 0.3],
                    "mode": "markers",
                    "marker": {
                        "symbol": "star",
                        "size": 16,
                        "color": BEST_COLOR,
                        "line": {"width": 1.5, "color": th["ink"]},
                    },
                    "name": _("best: {value}").format(value=_fmt(g.metric, float(g.value[best]))),
                    "hoverinfo": "skip",
                    "xaxis": xa,
                    "yaxis": ya,
                }
            )
        layout[f"xaxis{k}"] = _cell_axis(xd[c], ya, xs, x_title if r == rows - 1 else "")
        layout[f"yaxis{k}"] = _cell_axis(yd[r], xa, ys, y_title if c == 0 else "", ticks=bool(g.y) and c == 0)
        if g.facet:
            annotations.append(
                {
                    "text": f"<b>{setting_title(g.facet)} = {value_label(g.facet, g.facet_values[f])}</b>",
                    "x": (xd[c][0] + xd[c][1]) / 2,
                    "y": yd[r][1],
                    "xref": "paper",
                    "yref": "paper",
                    "xanchor": "center",
                    "yanchor": "bottom",
                    "showarrow": False,
                }
            )
    opt = _(OPTIMIZERS[g.optimizer].title)
    over = " × ".join(setting_title(n) for n in (g.x, g.y, g.facet) if n)
    title = _("Saved sweep: {metric} of {optimizer} over {settings}, median of {seeds} seeds").format(
        metric=metric, optimizer=opt, settings=over, seeds=g.seeds
    )
    layout.update(
        {
            "title": {"text": title, "x": 0.0, "xanchor": "left", "pad": {"l": 12}},
            "height": 470 + 330 * (rows - 1),
            "coloraxis": coloraxis,
            "annotations": annotations,
            "legend": {"orientation": "h", "x": 0.0, "y": 1.0, "yanchor": "bottom"},
            "hovermode": "closest",
            "meta": {"optviz": "figure", "auto_title": title, "bottom": 80},
        }
    )
    fig = go.Figure({"data": data, "layout": layout}, _validate=False)
    # The scene's own title and caption name its page figures, not this map of many of its runs.
    return apply_display(fig, replace(scene.display, title="", caption=""))


__all__ = ["METRIC_TITLES", "SETTING_TITLES", "setting_title", "sweep_map_figure", "value_label"]
