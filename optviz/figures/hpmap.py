"""The hyperparameter map (C31): grid search and random search over lr x a second setting.

    hpmap_figure(scene, m)   one heatmap of the map's metric (`m.metric`: the final loss on a log10
                             colour scale, the steps to f* + tol, or diverged / ran), diverged cells
                             marked ✕, the random-search samples as dots, the grid's and the
                             samples' best, the scene's current settings, and on the bowl what the
                             theory predicts (`optviz.runs.hpmap.map_theory`): stability limits as
                             lines, the heavy ball's optimum as a point

`m` is an `optviz.runs.hpmap.HPMap`; this module only draws it (no runs).  The heatmap is given
its cell edges (geometric midpoints along a log axis), so on plotly's log axis every cell spans
its own share of a decade; a log axis gets ticks at the decades written as powers of ten.

Click to load a cell: the trace named "cells" (meta role "hpmap_cells") is an invisible scatter
with one point per cell centre (opacity 0, hover on: it carries the cells' hover text) whose
customdata row is (lr, second value) of that cell, in the order of the grid (row-major: row i is
h2_values[i], column j is lr[j]; point index = i * cells + j).  The page selects points with
Streamlit's `st.plotly_chart(..., on_select="rerun", selection_mode="points")` and loads the
selected point's customdata (`optviz.runs.hpmap.cell_settings` gives the same values by (i, j)).
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
from optviz.runs.hpmap import HPMap, current_settings, map_theory
from surfaces import get_surface

LOSS_SCALE = "Viridis"  # perceptually uniform and colour-vision safe; dark = low loss
STEPS_SCALE = "Cividis"
BEST_COLOR = "#E69F00"  # Okabe-Ito orange: the grid's best cell
CURRENT_COLOR = "#56B4E9"  # Okabe-Ito sky blue: the scene's current settings
RAN_COLOR = "#C9CED6"  # the "diverged" metric's cells that ran every step: a neutral grey
THEORY_POINTS = 200


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
# The symbols of the settings that are not the optimizer's: the bowl's parameters and the noise.
_OTHER_SYMBOLS = {"kappa": "κ", "theta": "θ", "noise": "σ"}


# The swept hyperparameter's name on the axis: words are translated, torch's names (beta1, alpha,
# rho) are identifiers and stay as they are, beside their symbol.
_H2_WORDS = {"momentum": N_("momentum"), "lr_decay": N_("lr decay"), "weight_decay": N_("weight decay")}


def _symbol(optimizer: str, name: str) -> str:
    """'μ' for momentum's momentum, 'β₁' for Adam's beta1, 'κ' for the bowl's kappa: the registry's
    symbol as text, else the name."""
    p = next((p for p in OPTIMIZERS[optimizer].hparams if p.name == name), None)
    if p is None:
        return _OTHER_SYMBOLS.get(name, name)
    return _GREEK.get(p.symbol, name)


def _h2_title(m: HPMap, sym: str) -> str:
    """The second axis's title: the hyperparameter's word and symbol, the surface parameter's
    slider label, or the gradient noise σ."""
    if m.h2_kind == "noise":
        return _("gradient noise") + " σ"
    if m.h2_kind == "surface":
        p = next(p for p in get_surface(m.surface).params if p.name == m.h2)
        return _(p.label)
    name = _(_H2_WORDS[m.h2]) if m.h2 in _H2_WORDS else m.h2.replace("_", " ")
    return f"{name} {sym}" if sym != m.h2 else name


def _log_colorbar(lo: float, hi: float) -> dict[str, Any]:
    e0, e1 = math.floor(lo), math.ceil(hi)
    step = max(1, math.ceil((e1 - e0) / 8))
    vals = list(range(e0, e1 + 1, step))
    return {"tickvals": vals, "ticktext": [power_label(v) for v in vals]}


def _metric_heatmap(m: HPMap, th: dict[str, Any], lr_e: np.ndarray, h2_e: np.ndarray, bar_x: float) -> dict[str, Any]:
    """The heatmap of `m.metric`; its hover is the "cells" trace's."""
    trace: dict[str, Any] = {
        "type": "heatmap",
        "x": lr_e,
        "y": h2_e,
        "hoverinfo": "skip",
        "xaxis": "x",
        "yaxis": "y",
        "showlegend": False,
        "meta": {"role": "hpmap", "panel": m.metric},
    }
    bar = {"x": bar_x, "xanchor": "left", "len": 1.0}
    if m.metric == "loss":
        shift = m.f_star or 0.0
        if m.f_star is None:  # no known minimum (the saddles): f itself, on a linear scale
            z = m.loss
            bar_title = _("final loss")
            extra: dict[str, Any] = {}
        else:
            z = np.log10(np.maximum(m.loss - shift, LOG_FLOOR))
            bar_title = _("final loss") if shift == 0 else _("final f − f*")
            finite = z[np.isfinite(z)]
            zlo, zhi = (float(finite.min()), float(finite.max())) if finite.size else (-1.0, 1.0)
            extra = {"zmin": zlo, "zmax": zhi}
            bar.update(_log_colorbar(zlo, zhi))
        trace.update(z=z, colorscale=LOSS_SCALE, name=bar_title, **extra)
        bar["title"] = {"text": bar_title, "side": "top"}
    elif m.metric == "steps":
        name = _("steps to f* + {tol}").format(tol=f"{m.tol:g}")
        trace.update(z=m.steps, colorscale=STEPS_SCALE, name=name)
        bar["title"] = {"text": _("steps to<br>f* + {tol}").format(tol=f"{m.tol:g}"), "side": "top"}
    else:  # two colours: ran every step, diverged
        trace.update(
            z=m.diverged.astype(np.float64),
            zmin=0.0,
            zmax=1.0,
            colorscale=[[0.0, RAN_COLOR], [0.5, RAN_COLOR], [0.5, DIVERGED_COLOR], [1.0, DIVERGED_COLOR]],
            showscale=False,
            opacity=0.75,
            name=_("diverged"),
        )
        return trace
    trace["colorbar"] = bar
    return trace


def _cell_text(m: HPMap, sym: str) -> list[str]:
    """One hover line per cell, row-major: the two values and the outcome."""
    out = []
    steps_word = _("steps to f* + {tol}").format(tol=f"{m.tol:g}")
    loss_word = _("final loss")
    for i, h in enumerate(m.h2_values):
        for j, lr in enumerate(m.lr):
            head = f"lr {lr:.3g}<br>{sym} {h:.4g}<br>"
            if m.diverged[i, j]:
                out.append(head + _("diverged"))
                continue
            s = m.steps[i, j]
            tail = f"{steps_word}: {int(s)}" if np.isfinite(s) else f"{steps_word}: " + _("never")
            out.append(head + f"{loss_word} {m.loss[i, j]:.3g}<br>{tail}")
    return out


def _cells_trace(m: HPMap, sym: str) -> dict[str, Any]:
    """The invisible click targets, one per cell (see the module docstring)."""
    gh, gl = np.meshgrid(m.h2_values, m.lr, indexing="ij")
    n = m.lr.size
    return {
        "type": "scatter",
        "mode": "markers",
        "x": gl.ravel(),
        "y": gh.ravel(),
        "customdata": np.stack([gl.ravel(), gh.ravel()], axis=1),
        "hovertext": _cell_text(m, sym),
        "hovertemplate": "%{hovertext}<br><i>" + _("click to load these settings") + "</i><extra></extra>",
        # about a cell wide on a 560 px plot, so a click anywhere in a cell picks its centre
        "marker": {"size": max(4.0, min(24.0, 440.0 / n)), "color": "rgba(0,0,0,0)", "opacity": 0},
        "selected": {"marker": {"opacity": 0}},
        "unselected": {"marker": {"opacity": 0}},
        "name": "cells",
        "showlegend": False,
        "xaxis": "x",
        "yaxis": "y",
        "meta": {"role": "hpmap_cells"},
    }


def _theory_traces(m: HPMap, th: dict[str, Any], sym: str) -> list[dict[str, Any]]:
    """The theory's lines (a paper-coloured halo under an ink line, readable on any cell colour)
    and the heavy ball's optimum, from `map_theory`."""
    out: list[dict[str, Any]] = []
    law = "κ" if m.h2 == "kappa" else "λmax"
    names = {
        "gd_limit": _("theory: GD's limit lr = 2/{lam}").format(lam=law),
        "lr_opt": _("theory: GD's fastest lr = 2/(λmin + λmax)"),
    }
    if m.optimizer == "momentum":
        names["limit"] = _("theory: heavy ball's limit lr = 2(1 + μ)/{lam}").format(lam=law)
    else:
        names["limit"] = _("theory: Nesterov's limit lr = 2(1 + μ)/((1 + 2μ){lam})").format(lam=law)
    dashes = {"limit": "solid", "gd_limit": "dash", "lr_opt": "dot"}
    for mark in map_theory(m):
        if mark.role == "optimum":
            out.append(
                {
                    "type": "scatter",
                    "mode": "markers",
                    "x": mark.lr,
                    "y": mark.h2,
                    "marker": {
                        "symbol": "diamond",
                        "size": 14,
                        "color": th["ink"],
                        "line": {"width": 2, "color": th["paper"]},
                    },
                    "name": _("theory: heavy ball's optimum lr {lr}, {symbol} {mu}: error × {rate} per step").format(
                        lr=f"{mark.lr[0]:.3g}", symbol=sym, mu=f"{mark.h2[0]:.3g}", rate=f"{mark.rate:.3g}"
                    ),
                    "hoverinfo": "skip",
                    "xaxis": "x",
                    "yaxis": "y",
                    "meta": {"role": "hpmap_theory", "kind": "optimum"},
                }
            )
            continue
        name = names[mark.role] + (f" = {mark.value:.3g}" if mark.value is not None else "")
        for halo in (True, False):
            out.append(
                {
                    "type": "scatter",
                    "mode": "lines",
                    "x": mark.lr,
                    "y": mark.h2,
                    "line": {
                        "color": th["paper"] if halo else th["ink"],
                        "width": 4.5 if halo else 2.0,
                        "dash": "solid" if halo else dashes[mark.role],
                    },
                    "name": name,
                    "legendgroup": f"theory_{mark.role}",
                    "showlegend": not halo,
                    "hoverinfo": "skip",
                    "xaxis": "x",
                    "yaxis": "y",
                    "meta": {"role": "hpmap_theory_halo" if halo else "hpmap_theory", "kind": mark.role},
                }
            )
    return out


def _marker(x: float, y: float, name: str, role: str, group: str, marker: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "scatter",
        "mode": "markers",
        "x": [x],
        "y": [y],
        "marker": marker,
        "name": name,
        "legendgroup": group,
        "hoverinfo": "skip",
        "xaxis": "x",
        "yaxis": "y",
        "meta": {"role": role},
    }


@speaks_scene
def hpmap_figure(scene: Scene, m: HPMap) -> go.Figure:
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
    lr_e, h2_e = _edges(m.lr, m.lr_log), _edges(m.h2_values, m.h2_log)
    dom = [0.0, 0.9]
    data: list[dict[str, Any]] = [_metric_heatmap(m, th, lr_e, h2_e, dom[1] + 0.01), _cells_trace(m, sym)]
    if m.metric == "diverged":  # the two colours' key (the heatmap has no colour bar)
        for color, label in ((RAN_COLOR, _("ran every step")), (DIVERGED_COLOR, _("diverged"))):
            key = _marker(0.0, 0.0, label, "hpmap_key", "key", {"symbol": "square", "size": 12, "color": color})
            data.append({**key, "x": [None], "y": [None]})  # a legend entry without data
    ii, jj = np.nonzero(m.diverged)
    x_size = float(np.clip(300.0 / m.lr.size, 3.0, 7.0))  # a 128-cell map's ✕ stay within their cells
    data.append(
        {
            "type": "scatter",
            "mode": "markers",
            "x": m.lr[jj],
            "y": m.h2_values[ii],
            "marker": {"symbol": "x-thin", "size": x_size, "line": {"width": 1.6, "color": DIVERGED_COLOR}},
            "name": _("diverged ({n} of {cells} cells)").format(n=ii.size, cells=n_cells),
            "legendgroup": "diverged",
            # the "diverged" metric colours them: the ✕ would only hide its colours
            "visible": m.metric != "diverged",
            "showlegend": ii.size > 0,
            "hoverinfo": "skip",
            "xaxis": "x",
            "yaxis": "y",
            "meta": {"role": "hpmap_diverged"},
        }
    )
    data.extend(_theory_traces(m, th, sym))
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
            "showlegend": n_samples > 0,
            "hovertemplate": _("random sample")
            + "<br>lr %{x:.3g}<br>"
            + sym
            + " %{y:.4g}<br>"
            + final_loss
            + " %{customdata:.3g}<extra></extra>",
            "xaxis": "x",
            "yaxis": "y",
            "meta": {"role": "hpmap_samples"},
        }
    )
    best, best_k = m.best_cell, m.best_sample
    if best is not None:
        i, j = best
        name = _("grid best: lr {lr}, {symbol} {value} → {loss}").format(
            lr=f"{m.lr[j]:.3g}", symbol=sym, value=f"{m.h2_values[i]:.3g}", loss=f"{m.loss[i, j]:.2g}"
        )
        # an open symbol is drawn in marker.color (its line.color is ignored)
        marker = {"symbol": "square-open", "size": 15, "color": BEST_COLOR, "line": {"width": 3, "color": BEST_COLOR}}
        data.append(_marker(m.lr[j], m.h2_values[i], name, "hpmap_best", "best", marker))
    if best_k is not None:
        name = _("random best: lr {lr}, {symbol} {value} → {loss}").format(
            lr=f"{m.sample_lr[best_k]:.3g}",
            symbol=sym,
            value=f"{m.sample_h2[best_k]:.3g}",
            loss=f"{m.sample_loss[best_k]:.2g}",
        )
        marker = {"symbol": "star", "size": 17, "color": th["paper"], "line": {"width": 1.5, "color": th["ink"]}}
        data.append(_marker(m.sample_lr[best_k], m.sample_h2[best_k], name, "hpmap_sample_best", "sample_best", marker))
    now = current_settings(scene, m)
    if now is not None:
        name = _("current settings: lr {lr}, {symbol} {value}").format(
            lr=f"{now[0]:.3g}", symbol=sym, value=f"{now[1]:.3g}"
        )
        if not (lr_e[0] <= now[0] <= lr_e[-1] and h2_e[0] <= now[1] <= h2_e[-1]):
            name += " " + _("(outside the map)")
        marker = {"symbol": "cross", "size": 15, "color": CURRENT_COLOR, "line": {"width": 1.5, "color": th["ink"]}}
        data.append(_marker(now[0], now[1], name, "hpmap_current", "current", marker))
    layout: dict[str, Any] = {
        "title": {"text": title, "x": 0.0, "xanchor": "left", "pad": {"l": 12}},
        "height": 620,
        "xaxis": _axis(_("learning rate"), m.lr, m.lr_log, dom, "y"),
        "yaxis": _axis(_h2_title(m, sym), m.h2_values, m.h2_log, [0.0, 1.0], "x"),
        "legend": {"orientation": "h", "x": 0.0, "y": 1.0, "yanchor": "bottom"},
        "hovermode": "closest",
        "clickmode": "event+select",  # a click selects the nearest cell centre (trace "cells")
        "meta": {"optviz": "figure", "auto_title": title, "bottom": 56},
    }
    fig = go.Figure({"data": data, "layout": layout}, _validate=False)
    return apply_display(fig, scene.display)


__all__ = ["hpmap_figure"]
