"""The hyperparameter map (C31): grid search and random search over lr x a second hyperparameter.

    hpmap_figure(scene, m)   two heatmaps side by side over the same axes: the final loss (log10
                             colour scale) and the steps to f* + tol, diverged cells marked ✕,
                             the random-search samples as dots, the grid's and the samples' best

`m` is an `optviz.runs.hpmap.HPMap`; this module only draws it (no runs).  The heatmaps are given
their cell edges (geometric midpoints along a log axis), so on plotly's log axis every cell spans
its own share of a decade; a log axis gets ticks at the decades written as powers of ten.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import plotly.graph_objects as go

from optviz.config import Scene
from optviz.figures.palette import DIVERGED_COLOR, theme_style
from optviz.figures.style import apply_display, speaks_scene
from optviz.figures.surfaces import LOG_FLOOR, log_ticks, power_label
from optviz.i18n import N_, _
from optviz.optimizers import OPTIMIZERS
from surfaces import get_surface

LOSS_SCALE = "Viridis"  # perceptually uniform and colour-vision safe; dark = low loss
STEPS_SCALE = "Cividis"
BEST_COLOR = "#E69F00"  # Okabe-Ito orange: the grid's best cell


def _edges(v: np.ndarray, log: bool) -> np.ndarray:
    """Cell edges around increasing centres: midpoints (geometric on a log axis), ends mirrored."""
    u = np.log10(v) if log else np.asarray(v, dtype=np.float64)
    mid = (u[1:] + u[:-1]) / 2
    e = np.concatenate([[u[0] - (mid[0] - u[0])], mid, [u[-1] + (u[-1] - mid[-1])]])
    return 10.0**e if log else e


def _axis(title: str, values: np.ndarray, log: bool, domain: list[float], anchor: str) -> dict[str, Any]:
    e = _edges(values, log)
    ax: dict[str, Any] = {"title": {"text": title}, "domain": domain, "anchor": anchor, "showgrid": False}
    if log:
        inside = [(v, t) for v, t in zip(*log_ticks(float(e[0]), float(e[-1]))) if e[0] <= v <= e[-1]]
        ticks, text = [v for v, _ in inside], [t for _, t in inside]
        ax.update(type="log", range=[math.log10(e[0]), math.log10(e[-1])], tickvals=ticks, ticktext=text)
    else:
        ax.update(type="linear", range=[float(e[0]), float(e[-1])], exponentformat="none")
    return ax


_GREEK = {
    "\\mu": "μ",
    "\\beta_1": "β₁",
    "\\beta_2": "β₂",
    "\\rho": "ρ",
    "\\lambda": "λ",
    "\\epsilon": "ε",
    "\\psi": "ψ",
}


# The swept hyperparameter's name on the axis: words are translated, torch's names (beta1, alpha,
# rho) are identifiers and stay as they are, beside their symbol.
_H2_WORDS = {"momentum": N_("momentum"), "lr_decay": N_("lr decay"), "weight_decay": N_("weight decay")}


def _symbol(optimizer: str, name: str) -> str:
    """'μ' for momentum's momentum, 'β₁' for Adam's beta1: the registry's symbol as text, else the name."""
    p = next(p for p in OPTIMIZERS[optimizer].hparams if p.name == name)
    return _GREEK.get(p.symbol, name)


def _log_colorbar(lo: float, hi: float) -> dict[str, Any]:
    e0, e1 = math.floor(lo), math.ceil(hi)
    step = max(1, math.ceil((e1 - e0) / 8))
    vals = list(range(e0, e1 + 1, step))
    return {"tickvals": vals, "ticktext": [power_label(v) for v in vals]}


@speaks_scene
def hpmap_figure(scene: Scene, m: Any) -> go.Figure:
    """The map `m` of `scene` (see the module docstring), with the scene's display applied,
    in the scene's language."""
    th = theme_style(scene.display)
    opt = OPTIMIZERS[m.optimizer]
    sym = _symbol(m.optimizer, m.h2)
    surf = get_surface(m.surface)
    n_cells, n_samples = m.loss.size, m.sample_lr.size
    title = _(
        "Hyperparameter search: {optimizer} on {surface}, lr × {symbol} · "
        "grid of {rows} × {cols} = {cells} runs, {samples} random samples"
    ).format(
        optimizer=_(opt.title),
        surface=_(surf.title),
        symbol=sym,
        rows=m.lr.size,
        cols=m.h2_values.size,
        cells=n_cells,
        samples=n_samples,
    )
    final_loss = _("final loss")
    steps_to = _("steps to f* + {tol}").format(tol=f"{m.tol:g}")
    z = np.log10(np.maximum(m.loss, LOG_FLOOR))
    finite = z[np.isfinite(z)]
    zlo, zhi = (float(finite.min()), float(finite.max())) if finite.size else (-1.0, 1.0)
    lr_e, h2_e = _edges(m.lr, m.lr_log), _edges(m.h2_values, m.h2_log)
    gap = 0.12
    doms = ([0.0, 0.5 - gap / 2 - 0.04], [0.5 + gap / 2, 1.0 - 0.04])
    tol = f"{m.tol:g}"
    hover_cell = f"lr %{{x:.3g}}<br>{sym} %{{y:.4g}}<br>"
    data: list[dict[str, Any]] = [
        {
            "type": "heatmap",
            "x": lr_e,
            "y": h2_e,
            "z": z,
            "zmin": zlo,
            "zmax": zhi,
            "colorscale": LOSS_SCALE,
            "colorbar": {
                "title": {"text": final_loss, "side": "top"},  # above the bar: beside it, it meets the next panel
                "x": doms[0][1] + 0.01,
                "xanchor": "left",
                "len": 1.0,
                **_log_colorbar(zlo, zhi),
            },
            "customdata": m.loss,
            "hovertemplate": hover_cell + final_loss + " %{customdata:.3g}<extra></extra>",
            "xaxis": "x",
            "yaxis": "y",
            "name": final_loss,
            "showlegend": False,
            "meta": {"role": "hpmap", "panel": "loss"},
        },
        {
            "type": "heatmap",
            "x": lr_e,
            "y": h2_e,
            "z": m.steps,
            "colorscale": STEPS_SCALE,
            "colorbar": {
                "title": {"text": _("steps to<br>f* + {tol}").format(tol=tol), "side": "top"},
                "x": doms[1][1] + 0.01,
                "xanchor": "left",
                "len": 1.0,
            },
            "hovertemplate": hover_cell + steps_to + ": %{z}<extra></extra>",
            "xaxis": "x2",
            "yaxis": "y2",
            "name": steps_to,
            "showlegend": False,
            "meta": {"role": "hpmap", "panel": "steps"},
        },
    ]
    ii, jj = np.nonzero(m.diverged)
    best, best_k = m.best_cell, m.best_sample
    for k, (xa, ya) in enumerate((("x", "y"), ("x2", "y2"))):
        first = k == 0
        data.append(
            {
                "type": "scatter",
                "mode": "markers",
                "x": m.lr[jj],
                "y": m.h2_values[ii],
                "marker": {"symbol": "x-thin", "size": 7, "line": {"width": 1.6, "color": DIVERGED_COLOR}},
                "name": _("diverged ({n} of {cells} cells)").format(n=ii.size, cells=n_cells),
                "legendgroup": "diverged",
                "showlegend": first and ii.size > 0,
                "hoverinfo": "skip",
                "xaxis": xa,
                "yaxis": ya,
                "meta": {"role": "hpmap_diverged"},
            }
        )
        ok = ~m.sample_diverged
        data.append(
            {
                "type": "scatter",
                "mode": "markers",
                "x": m.sample_lr,
                "y": m.sample_h2,
                "customdata": np.where(ok, m.sample_loss, np.nan),
                "marker": {
                    "symbol": np.where(ok, "circle", "circle-x").tolist(),  # ⊗: this sample diverged
                    "size": 9,
                    "color": th["paper"],
                    "line": {"width": 1.5, "color": th["ink"]},
                },
                "name": _("random search ({n} runs; ⊗ diverged)").format(n=n_samples),
                "legendgroup": "samples",
                "showlegend": first and n_samples > 0,
                "hovertemplate": _("random sample")
                + "<br>lr %{x:.3g}<br>"
                + sym
                + " %{y:.4g}<br>"
                + final_loss
                + " %{customdata:.3g}<extra></extra>",
                "xaxis": xa,
                "yaxis": ya,
                "meta": {"role": "hpmap_samples"},
            }
        )
        if best is not None:
            i, j = best
            data.append(
                {
                    "type": "scatter",
                    "mode": "markers",
                    "x": [m.lr[j]],
                    "y": [m.h2_values[i]],
                    "marker": {"symbol": "square-open", "size": 15, "line": {"width": 3, "color": BEST_COLOR}},
                    "name": _("grid best: lr {lr}, {symbol} {value} → {loss}").format(
                        lr=f"{m.lr[j]:.3g}", symbol=sym, value=f"{m.h2_values[i]:.3g}", loss=f"{m.loss[i, j]:.2g}"
                    ),
                    "legendgroup": "best",
                    "showlegend": first,
                    "hoverinfo": "skip",
                    "xaxis": xa,
                    "yaxis": ya,
                    "meta": {"role": "hpmap_best"},
                }
            )
        if best_k is not None:
            data.append(
                {
                    "type": "scatter",
                    "mode": "markers",
                    "x": [m.sample_lr[best_k]],
                    "y": [m.sample_h2[best_k]],
                    "marker": {
                        "symbol": "star",
                        "size": 17,
                        "color": th["paper"],
                        "line": {"width": 1.5, "color": th["ink"]},
                    },
                    "name": _("random best: lr {lr}, {symbol} {value} → {loss}").format(
                        lr=f"{m.sample_lr[best_k]:.3g}",
                        symbol=sym,
                        value=f"{m.sample_h2[best_k]:.3g}",
                        loss=f"{m.sample_loss[best_k]:.2g}",
                    ),
                    "legendgroup": "sample_best",
                    "showlegend": first,
                    "hoverinfo": "skip",
                    "xaxis": xa,
                    "yaxis": ya,
                    "meta": {"role": "hpmap_sample_best"},
                }
            )
    h2_name = _(_H2_WORDS[m.h2]) if m.h2 in _H2_WORDS else m.h2.replace("_", " ")
    h2_title = f"{h2_name} {sym}" if sym != m.h2 else h2_name
    layout: dict[str, Any] = {
        "title": {"text": title, "x": 0.0, "xanchor": "left", "pad": {"l": 12}},
        "height": 560,
        "xaxis": _axis(_("learning rate"), m.lr, m.lr_log, doms[0], "y"),
        "yaxis": _axis(h2_title, m.h2_values, m.h2_log, [0.0, 1.0], "x"),
        "xaxis2": _axis(_("learning rate"), m.lr, m.lr_log, doms[1], "y2"),
        "yaxis2": _axis("", m.h2_values, m.h2_log, [0.0, 1.0], "x2"),  # the left panel's, shared
        "legend": {"orientation": "h", "x": 0.0, "y": 1.0, "yanchor": "bottom"},
        "hovermode": "closest",
        "meta": {"optviz": "figure", "auto_title": title, "bottom": 56},
    }
    fig = go.Figure({"data": data, "layout": layout}, _validate=False)
    return apply_display(fig, scene.display)


__all__ = ["hpmap_figure"]
