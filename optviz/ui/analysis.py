"""The surfaces page's pictures of one step and of many runs (the tabs after the race).

    analysis_state(good, ...) the `Analysis` the widgets hold (the open tab is its figure; a loaded
                              scene's analysis is written into them by `state.seed_analysis`)
    apply_pending_cell()      a map cell clicked on the last run, written into the first slot's widgets
    inside_tab(scene, ...)    the arrows of one step, the readout beside them, the per-coordinate plots
    hpmap_tab(scene)          the hyperparameter map; a click on a cell loads its values
    basins_tab(scene)         basins of attraction, one or two optimizers side by side
    seeds_tab(scene)          seed bands: the median and quartiles of N seeds, and their paths

The numbers come from `optviz.runs` (the map, the basins and the bands: batched runs, computed on
demand under a progress bar and kept per setting) and the pictures from the view, so each tab shows
what `optviz export` writes for the scene whose `analysis.figure` names it.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import streamlit as st

from optviz.api import Result
from optviz.config import Analysis, Scene
from optviz.i18n import N_, _
from optviz.optimizers import OPTIMIZERS
from optviz.runs.hpmap import cell_settings
from optviz.runs.inside import readout, substituted_rule
from optviz.runs.seeds import randomness
from optviz.theory import hessian_eigenvalues, local_lr_limit
from optviz.ui.controls import tab_name, titled
from optviz.ui.saved_sweep import saved_sweep
from optviz.ui.state import ANALYSIS_KEYS, ANALYSIS_TABS, default, hp_key, hp_state_value, ss
from optviz.views import SURFACES
from optviz.views.surfaces import analysis_numbers, focus_run, has_numbers
from surfaces import SURFACES as SURFACE_REGISTRY

TAB_FIGURES = ANALYSIS_TABS
_METRICS = {"loss": N_("final loss"), "steps": N_("steps to f* + tol"), "diverged": N_("diverged")}
_BASIN_COLORS = {"minimum": N_("the minimum reached"), "steps": N_("steps to converge")}
CELL_CHOICES = (12, 24, 48, 64, 96, 128)


# ----------------------------------------------------------------------------- state


def analysis_state(good: Analysis, tab_key: str, tab_names: tuple[str, ...]) -> Analysis:
    """The analysis settings the tabs' widgets hold (their values of the last run, else `good`'s);
    the open tab names the figure ("auto" for the race's own tabs)."""
    open_name = tab_name(tab_names, ss.get(tab_key))
    figure = TAB_FIGURES.get(open_name or "", "auto")
    values = {"figure": figure, **{k: ss.get(f"a_{k}", getattr(good, k)) for k in ANALYSIS_KEYS}}
    try:
        return Analysis(**values)
    except (TypeError, ValueError):
        return good


# ----------------------------------------------------------------------------- computed once per setting


def _numbers(scene: Scene, name: str, text: str) -> Any:
    """The view's numbers of analysis figure `name` (kept by the view per setting), computed under
    a progress bar the first time."""
    if has_numbers(scene, name):
        return analysis_numbers(scene, name)
    bar = st.progress(0.0, text=text)
    try:
        return analysis_numbers(scene, name, progress=lambda f: bar.progress(min(max(float(f), 0.0), 1.0), text=text))
    finally:
        bar.empty()


def _figure(scene: Scene, name: str, text: str) -> tuple[Any, Any] | None:
    """(numbers, figure) of analysis figure `name` (`_numbers` under a progress bar saying `text`);
    None after showing the error in place of a setting the runs refuse."""
    try:
        return _numbers(scene, name, text), SURFACES.figure(scene, None, name)
    except ValueError as e:
        st.error(str(e), icon=":material/error:")
        return None


# ----------------------------------------------------------------------------- inside one step


def _on_step(delta: int, last: int) -> None:
    ss["a_step"] = int(min(max(int(ss.get("a_step", 1)) + delta, 1), last))


def stacked(tex: str) -> str:
    """A substituted rule (`optviz.runs.inside.substituted_rule`: one aligned row per equation,
    "lhs &= formula = numbers = value") with each "=" on a line of its own, so that it fits
    beside the chart instead of running off the column."""
    head, tail = r"\begin{aligned}", r"\end{aligned}"
    body = tex.strip()
    if not (body.startswith(head) and body.endswith(tail)):
        return tex
    rows = []
    for row in body[len(head) : -len(tail)].split(r" \\ "):
        lhs, sep, rhs = row.partition("& = ")
        rows.append(lhs + sep + r" \\ & = ".join(rhs.split(" = ")) if sep else row)
    # \small: the column beside the chart is a third of the page
    return r"\small " + head + " " + r" \\[2pt] ".join(rows) + " " + tail


def _curvature(scene: Scene, r: Result, t: int) -> str:
    """The Hessian's eigenvalues at the point step t starts from, and the local limit 2/λmax there."""
    point = tuple(float(v) for v in r.path[t - 1])
    sp = dict(scene.surfaces.surface_params)
    try:
        lo, hi = hessian_eigenvalues(scene.surfaces.surface, point, sp)
        limit = local_lr_limit(scene.surfaces.surface, point, sp)
    except ValueError:
        return ""
    text = _("Hessian eigenvalues at θₜ: {low} and {high}").format(low=f"{lo:.4g}", high=f"{hi:.4g}")
    if limit is not None:
        limit_text = _("local limit 2/λmax = {limit} (η = {lr})")
        text += "; " + limit_text.format(limit=f"{limit:.3g}", lr=f"{r.lr[t - 1]:.3g}")
    return text


def _readout(scene: Scene, label: str, r: Result, t: int) -> None:
    st.markdown(f"**{label}**")
    if t > r.steps_done:
        st.caption(_("stopped at step {step}").format(step=r.steps_done))
        return
    st.latex(stacked(substituted_rule(r, t)))
    curvature = _curvature(scene, r, t)
    if curvature:
        st.caption(curvature)
    rows = readout(r, t)
    if rows:
        st.dataframe(
            [{_("quantity"): k, _("value at this step"): v} for k, v in rows], hide_index=True, width="stretch"
        )


def inside_tab(scene: Scene, recorded: list[Result]) -> None:
    """The arrows of one step on the contour, the readout with the numbers substituted beside it,
    a step control (previous / next / slider) and the run to zoom on, the per-coordinate plots under it."""
    last = max((r.steps_done for r in recorded), default=0)
    if last < 1:
        st.info(_("No run completed a step: nothing to look inside."), icon=":material/info:")
        return
    labels = scene.surfaces.labels()
    default("a_step", min(scene.analysis.step, last))
    if int(ss["a_step"]) > last:
        ss["a_step"] = last
    default("a_focus", scene.analysis.focus)
    if not -1 <= int(ss["a_focus"]) <= len(labels):
        ss["a_focus"] = 0
    c1, c2, c3, c4 = st.columns([1, 1, 5, 3], vertical_alignment="bottom")
    c1.button(_("◀ previous"), key="a_step_prev", on_click=_on_step, args=(-1, last), disabled=ss["a_step"] <= 1)
    c2.button(_("next ▶"), key="a_step_next", on_click=_on_step, args=(1, last), disabled=ss["a_step"] >= last)
    c3.slider(_("step"), 1, last, key="a_step", help=_("the step whose arrows and numbers are shown"))
    names = {0: _("automatic (a run with a state)"), -1: _("every run"), **{k + 1: lab for k, lab in enumerate(labels)}}
    c4.selectbox(_("zoom on"), list(names), key="a_focus", format_func=lambda k: names.get(k, str(k)))
    t = int(ss["a_step"])
    shown = replace(scene, analysis=replace(scene.analysis, figure="inside", step=t, focus=int(ss["a_focus"])))
    focus = focus_run(shown, recorded, t)
    left, right = st.columns([2, 1])
    with left:
        st.plotly_chart(SURFACES.figure(shown, recorded, "inside", animate=False), key="chart_inside", theme=None)
    with right, st.container(height=640, border=False):
        order = list(range(len(recorded))) if focus is None else [focus]
        for k in order:
            _readout(scene, labels[k], recorded[k], t)
    st.caption(
        _(
            "The arrows start at the point before step {step}: the plain gradient step −η·g, the step the "
            "optimizer actually took, and its parts.  A gap between the two is what the optimizer's state adds."
        ).format(step=t)
    )
    # its own title: the scene's (a lecture's words about the step) belongs to the arrows
    untitled = replace(shown, display=replace(shown.display, title=""))
    st.plotly_chart(SURFACES.figure(untitled, recorded, "coords", animate=False), key="chart_coords", theme=None)


# ----------------------------------------------------------------------------- the hyperparameter map


def apply_pending_cell() -> None:
    """A map cell clicked on the last run: its values into the first optimizer slot's widgets (and
    the surface's or the noise widget for a map over kappa or sigma), before the widgets are drawn."""
    cell = ss.pop("_pending_cell", None)
    if not cell or not ss.get("slots"):
        return
    ss.pop("chart_hpmap", None)  # the selection that loaded it: read once, not again next run
    uid = ss["slots"][0]
    name = ss.get(f"o{uid}_name")
    params = {p.name: p for p in OPTIMIZERS[name].hparams} if name in OPTIMIZERS else {}
    surface = ss.get("surface")
    for key, value in cell.items():
        if key in params:
            ss[hp_key("", uid, name, key)] = hp_state_value(params[key], value)
        elif key == "noise":
            ss["noise"] = float(value)
        elif surface in SURFACE_REGISTRY and key in {p.name for p in SURFACE_REGISTRY[surface].params}:
            ss[f"sp_{surface}_{key}"] = float(value)


def _map_controls(scene: Scene) -> None:
    first = scene.surfaces.optimizers[0]
    opt = OPTIMIZERS[first.name]
    axes = [p.name for p in opt.hparams if p.name != "lr" and p.kind == "float"]
    surf = SURFACE_REGISTRY[scene.surfaces.surface]
    axes += [p.name for p in surf.params] + ["noise"]
    choices = ["", *dict.fromkeys(axes)]
    default("a_map_h2", scene.analysis.map_h2 if scene.analysis.map_h2 in choices else "")
    if ss["a_map_h2"] not in choices:
        ss["a_map_h2"] = ""
    default("a_map_metric", scene.analysis.map_metric)
    default("a_map_cells", scene.analysis.map_cells)
    c1, c2, c3 = st.columns(3)
    c1.selectbox(
        _("second axis"),
        choices,
        key="a_map_h2",
        format_func=lambda n: _("the usual partner of lr") if n == "" else n,
        help=_("the hyperparameter swept against lr"),
    )
    c2.selectbox(_("colour shows"), list(_METRICS), key="a_map_metric", format_func=titled(_METRICS))
    c3.select_slider(
        _("cells per axis"),
        sorted({*CELL_CHOICES, int(ss["a_map_cells"])}),
        key="a_map_cells",
        help=_("a map of n × n runs; 128 × 128 runs take about a second"),
    )


def hpmap_tab(scene: Scene) -> None:
    """C31 and its theory: the map of the first optimizer over lr x a second axis; a click on a cell
    loads those values into the sidebar."""
    _map_controls(scene)
    first = scene.surfaces.optimizers[0]
    cells = scene.analysis.map_cells
    made = _figure(scene, "hpmap", _("Running the map's {n} runs…").format(n=f"{cells * cells:,}"))
    if made is None:
        return
    m, fig = made
    event = st.plotly_chart(
        fig, key="chart_hpmap", theme=None, on_select="rerun", selection_mode="points", config={"displaylogo": False}
    )
    points = (event or {}).get("selection", {}).get("points", []) if isinstance(event, dict) else []
    if not points and hasattr(event, "selection"):
        points = event.selection.get("points", [])
    curve = next((k for k, t in enumerate(fig.data) if t.name == "cells"), -1)
    picked = next((p for p in points if p.get("curve_number") == curve and isinstance(p.get("point_index"), int)), None)
    cells = m.loss.shape[1]
    if picked is not None and picked["point_index"] < m.loss.size:
        i, j = divmod(picked["point_index"], cells)  # the "cells" trace is row-major: i * cells + j
        ss["_pending_cell"] = cell_settings(m, i, j)
        st.rerun()
    saved_sweep(scene, "a_sweep")
    st.caption(
        _(
            "Each cell is one run of {optimizer} with every other setting of this scene; dots are the random "
            "search's tries over the same box, ✕ the runs that diverged.  The grid's best and the random search's "
            "best are marked, and so are the current settings.  Click a cell to load its values."
        ).format(optimizer=_(OPTIMIZERS[first.name].title))
    )


# ----------------------------------------------------------------------------- basins of attraction


def basins_tab(scene: Scene) -> None:
    """Basins of attraction of the first one or two optimizers, side by side."""
    surf = SURFACE_REGISTRY[scene.surfaces.surface]
    default("a_basin_cells", scene.analysis.basin_cells)
    default("a_basin_color", scene.analysis.basin_color)
    default("a_basin_runs", scene.analysis.basin_runs)
    n_opts = len(scene.surfaces.optimizers)
    c1, c2, c3 = st.columns(3)
    c1.select_slider(
        _("starts per axis"),
        sorted({*CELL_CHOICES, int(ss["a_basin_cells"])}),
        key="a_basin_cells",
        help=_("a grid of n × n start points over the plot"),
    )
    several = len(surf.minima) > 1
    c2.selectbox(
        _("colour shows"),
        list(_BASIN_COLORS),
        key="a_basin_color",
        format_func=titled(_BASIN_COLORS) if several else (lambda _v: _(_BASIN_COLORS["steps"])),
        disabled=not several,
    )
    c3.radio(
        _("optimizers"),
        [1, 2],
        key="a_basin_runs",
        horizontal=True,
        format_func=lambda n: _("the first") if n == 1 else _("the first two"),
        disabled=n_opts < 2,
    )
    if len(surf.minima) < 2:
        st.info(
            _(
                "{surface} has {count} known minimum: every converging start reaches the same one, so the colour "
                "shows how many steps it takes.  Himmelblau, six-hump camel, Styblinski–Tang and Rastrigin have "
                "several basins."
            ).format(surface=_(surf.title), count=len(surf.minima)),
            icon=":material/info:",
        )
    a = scene.analysis
    made = _figure(scene, "basins", _("Running {n} starts per optimizer…").format(n=f"{a.basin_cells**2:,}"))
    if made is None:
        return
    st.plotly_chart(made[1], key="chart_basins", theme=None)
    st.caption(
        _(
            "Each pixel is a start point; its colour says where the run from there ends, with every other setting "
            "of this scene.  Grey: did not converge in the steps given; dark: diverged."
        )
    )


# ----------------------------------------------------------------------------- seed bands


def _on_add_noise() -> None:
    ss["noise"] = 0.5


def seeds_tab(scene: Scene) -> None:
    """N seeds of every run with gradient noise or a random search: the loss band and the paths."""
    default("a_seeds", scene.analysis.seeds)
    st.select_slider(
        _("seeds"),
        sorted({5, 10, 20, 50, 100, 200, int(ss["a_seeds"])}),
        key="a_seeds",
        help=_("runs per optimizer, each with its own noise or random draws"),
    )
    which = [i for i in range(len(scene.surfaces.optimizers)) if randomness(scene, i) is not None]
    if not which:
        st.info(
            _(
                "Every run here is deterministic: the same start gives the same path.  Add gradient noise σ "
                "(sidebar, Surface and start) or a random search to see how much the seed matters."
            ),
            icon=":material/info:",
        )
        st.button(_("Set gradient noise σ = 0.5"), key="a_add_noise", on_click=_on_add_noise)
        return
    made = _figure(scene, "seeds", _("Running {n} seeds per optimizer…").format(n=scene.analysis.seeds))
    if made is None:
        return
    st.plotly_chart(made[1], key="chart_seeds", theme=None)
    st.caption(
        _(
            "Left: the paths of {n} seeds (thin) and the median run's (bold).  Right: the median loss per step "
            "and the band between the 25th and 75th percentiles."
        ).format(n=scene.analysis.seeds)
    )


__all__ = [
    "TAB_FIGURES",
    "analysis_state",
    "apply_pending_cell",
    "basins_tab",
    "hpmap_tab",
    "inside_tab",
    "seeds_tab",
]
