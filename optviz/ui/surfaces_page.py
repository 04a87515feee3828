"""The surfaces view's page: its sidebar read into a `SurfacesConfig`, the race drawn, the tabs below.

    page()       the whole page (app.py calls it when the view is "surfaces")

Widgets -> SurfacesConfig + Display -> Scene -> `SURFACES.run` (cached per scene, display aside)
-> `SURFACES.figure` (cached per scene) -> st.plotly_chart.  A slider that does not change the
scene (the export's aspect, the PNG scale, a tab) reuses the cached figure.  A click on the
main chart sets the start point (`_main_chart`, the one place the chart is drawn).
"""

from __future__ import annotations

import time
from dataclasses import replace

import plotly.graph_objects as go
import streamlit as st

import optviz
from optviz import figures
from optviz.api import MAX_STEPS, Result
from optviz.config import MAX_OPTIMIZERS, Display, Scene, SurfacesConfig
from optviz.optimizers import OPTIMIZERS
from optviz.ui.controls import (
    display_control,
    log_grid,
    number_widget,
    optimizer_slots,
    schedule_control,
    select_slider,
    sidebar_top,
)
from optviz.ui.export_panel import export_panel
from optviz.ui.prologue import prologue
from optviz.ui.state import Group, default, hp_key, settle, ss, sync_url
from optviz.views import SURFACES
from surfaces import SURFACES as SURFACE_REGISTRY

_NOISE = (0.0, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0, 2.0, 5.0, 10.0)
L2_GRID = (0.0, 1e-4, 3e-4, 1e-3, 3e-3, 0.01, 0.03, 0.1, 0.3, 1.0)
_TAGLINE = "watch deep-learning optimizers race over a loss surface: change any control and the paths update."


# ----------------------------------------------------------------------------- compute (cached)


@st.cache_data(max_entries=64, show_spinner=False)
def _results(core_json: str) -> list[Result]:
    """The scene's runs, cached per parameter set (the display does not enter the key)."""
    return SURFACES.run(Scene.from_json(core_json))


def _run(scene: Scene) -> list[Result]:
    return _results(replace(scene, display=Display()).to_json())


@st.cache_resource(max_entries=8, show_spinner=False)
def _figure(scene_json: str, name: str | None = None) -> go.Figure:
    """A figure of the scene, shared read-only by every session (st.plotly_chart does not modify it).
    A resource, not data: unpickling a 10 000-step figure on every rerun would cost more than building it."""
    scene = Scene.from_json(scene_json)
    return SURFACES.figure(scene, _run(scene), name)


# ----------------------------------------------------------------------------- callbacks


def _on_surface_change() -> None:
    surf = SURFACE_REGISTRY[ss["surface"]]
    ss["start_x"], ss["start_y"] = surf.start
    # Learning rates that suit one surface crawl or explode on another: suggest fresh ones (curvature
    # at the start for GD and momentum, plot span for the adaptive methods), snapped down to the grid.
    changed = []
    for uid in ss.get("slots", []):
        name = ss.get(f"o{uid}_name")
        lr = optviz.suggest_lr(surf.name, name) if name else None
        if lr is None:
            continue
        spec = next(p for p in OPTIMIZERS[name].hparams if p.name == "lr")
        grid = [v for v in log_grid(spec.min, spec.max) if v <= lr * (1 + 1e-9)]
        key = hp_key("", uid, name, "lr")
        ss[key] = grid[-1] if grid else spec.min
        changed.append(f"{OPTIMIZERS[name].title} {ss[key]:g}")
    if changed:
        st.toast(f"Learning rates suggested for {surf.title}: " + ", ".join(changed), icon=":material/tune:")


def _start_presets(surface: str) -> dict[str, tuple[float, float]]:
    """Named start points, generated from the registry entry."""
    surf = SURFACE_REGISTRY[surface]
    (x0, x1), (y0, y1) = surf.bounds
    out = {f"surface default ({surf.start[0]:g}, {surf.start[1]:g})": surf.start}
    for i, p in enumerate(surf.saddles[:3]):
        dx = 0.02 * (x1 - x0)
        label = "next to the saddle" + (f" {i + 1}" if len(surf.saddles) > 1 else "")
        out[f"{label} ({p.x + dx:.3g}, {p.y:.3g})"] = (round(p.x + dx, 4), round(p.y + 1e-3, 4))
    for p in surf.maxima[:1]:
        out[f"next to the local maximum ({p.x:.3g}, {p.y:.3g})"] = (round(p.x + 0.01, 4), round(p.y + 0.01, 4))
    out[f"far corner ({x0 + 0.1 * (x1 - x0):.3g}, {y1 - 0.1 * (y1 - y0):.3g})"] = (
        round(x0 + 0.1 * (x1 - x0), 4),
        round(y1 - 0.1 * (y1 - y0), 4),
    )
    if surf.minima:
        m = surf.minima[0]
        out[f"close to the minimum ({m.x + 0.05 * (x1 - x0):.3g}, {m.y:.3g})"] = (
            round(m.x + 0.05 * (x1 - x0), 4),
            round(m.y + 0.05 * (y1 - y0), 4),
        )
    return out


def _on_preset() -> None:
    presets = _start_presets(ss["surface"])
    if ss.get("start_preset") in presets:
        ss["start_x"], ss["start_y"] = presets[ss["start_preset"]]
    ss["start_preset"] = None


# ----------------------------------------------------------------------------- the sidebar


def _sidebar(good: Scene) -> tuple[list[Group], Display]:
    """Every control, by section: the SurfacesConfig fields each section sets (and where its error
    goes), and the display."""
    groups = []
    with st.sidebar:
        sidebar_top()
        st.header("Surface", divider="gray")
        surface = st.selectbox(
            "surface",
            list(SURFACE_REGISTRY),
            key="surface",
            format_func=lambda n: SURFACE_REGISTRY[n].title,
            on_change=_on_surface_change,
        )
        surf = SURFACE_REGISTRY[surface]
        # inline math: KaTeX may break a long formula after a + or =, display math would be cut off
        st.markdown(f"${surf.latex}$")
        sp = {p.name: number_widget(p.label, f"sp_{surface}_{p.name}", p, resolution=200) for p in surf.params}
        groups.append(Group({"surface": surface, "surface_params": tuple(sp.items())}, st.empty()))

        st.header("Start", divider="gray")
        c1, c2 = st.columns(2)
        start = (
            float(c1.number_input("x₀", key="start_x", step=0.1, format="%.4g")),
            float(c2.number_input("y₀", key="start_y", step=0.1, format="%.4g")),
        )
        default("start_preset", None)
        st.selectbox(
            "presets",
            list(_start_presets(surface)),
            key="start_preset",
            index=None,
            placeholder="choose a preset start…",
            on_change=_on_preset,
            label_visibility="collapsed",
        )
        st.caption("Or click anywhere on the contour plot.")
        groups.append(Group({"start": None if start == tuple(surf.start) else start}, st.empty()))

        st.header("Run", divider="gray")
        steps = int(st.number_input("steps", 1, MAX_STEPS, key="steps", step=100))
        c1, c2 = st.columns([3, 2])
        with c1:
            noise = select_slider(
                "gradient noise σ",
                "noise",
                _NOISE,
                0.0,
                help="Gaussian noise added to every gradient: makes the smooth gradient path jitter like SGD's",
            )
        seed = c2.number_input("noise seed", 0, 2**31 - 1, key="noise_seed", step=1)
        with st.expander("gradient clipping and L2"):
            clip_on = st.checkbox("clip the gradient norm", key="clip_on")
            clip = select_slider("max norm", "clip_norm", log_grid(1e-3, 1e3), 1.0, disabled=not clip_on)
            l2 = select_slider(
                "L2 weight decay", "l2", L2_GRID, 0.0, help="adds l2·θ to every gradient (coupled weight decay)"
            )
        schedule = schedule_control("sched", MAX_STEPS, good.surfaces.schedule)
        run = {
            "steps": steps,
            "noise": float(noise),
            "noise_seed": int(seed),
            "clip_norm": float(clip) if clip_on else None,
            "l2": float(l2),
            "schedule": schedule,
        }
        groups.append(Group(run, st.empty()))

        st.header("Optimizers", divider="gray")
        specs = optimizer_slots("", list(OPTIMIZERS), MAX_OPTIMIZERS)
        groups.append(Group({"optimizers": tuple(specs)}, st.empty()))

        st.header("View", divider="gray")
        display = display_control(good.display, full=True)
    return groups, display


# ----------------------------------------------------------------------------- the main area


def _main_chart(scene: Scene, results: list[Result]) -> tuple[float, float] | None:
    """Draw the race (paths and loss) and return a point the user clicked on it since the last call.

    The one place the main chart is drawn: a client-side chart that animates in the browser will
    take its place here, with the same contract (draw; hand back a clicked point or None).
    """
    fig = _figure(scene.to_json())
    st.plotly_chart(
        fig,
        key="main_chart",
        on_select="rerun",
        selection_mode="points",
        theme=None,
        config={
            "displaylogo": False,
            "modeBarButtonsToRemove": ["select2d", "lasso2d", "autoScale2d"],
            "toImageButtonOptions": {"format": "png", "scale": 2, "filename": f"optviz_{scene.surfaces.surface}"},
        },
    )
    # A click on the chart's invisible grid trace is a start point; the selection persists over
    # reruns, so only a point that differs from the last one counts.
    grid = next(i for i, t in enumerate(fig.data) if (t.meta or {}).get("role") == "click_grid")
    try:
        points = list(ss["main_chart"]["selection"]["points"]) if ss.get("main_chart") else []
    except (KeyError, TypeError):
        points = []
    hits = [p for p in points if p.get("curve_number", p.get("curveNumber")) == grid]
    if not hits:
        ss["_last_click"] = None
        return None
    xy = (float(hits[-1]["x"]), float(hits[-1]["y"]))
    if xy == ss.get("_last_click"):
        return None
    ss["_last_click"] = xy
    return xy


def _update_rules(scene: Scene) -> None:
    names = list(dict.fromkeys(o.name for o in scene.surfaces.optimizers))
    for tab, name in zip(st.tabs([OPTIMIZERS[n].title for n in names]), names):
        opt = OPTIMIZERS[name]
        with tab:
            st.latex(opt.latex)
            lines = [f"- ${sym}$: {text}" for sym, text in opt.symbols.items()]
            for p in opt.hparams:
                if p.symbol and not any(p.symbol == s for s in opt.symbols):
                    lines.append(f"- ${p.symbol}$ (`{p.name}`): {p.help}")
            st.markdown("\n".join(lines))
            st.caption(f"{opt.note}  Follows `{opt.follows}`.")


def _tabs(scene: Scene, results: list[Result]) -> None:
    tab_res, tab_rules, tab_lr, tab_eff = st.tabs(["Results", "Update rules", "Learning rate", "Effective step size"])
    with tab_res:
        st.dataframe(SURFACES.table(scene, results), hide_index=True, width="stretch")
        tol = figures.CONVERGENCE_TOL
        st.caption(
            "f* is the lowest known minimum value of the surface; steps count from 0 (the start); "
            f"'reaches f* + {tol:g}' is the first step with f − f* ≤ {tol:g}."
        )
    with tab_rules:
        _update_rules(scene)
    with tab_lr:
        st.plotly_chart(_figure(scene.to_json(), "lr"), key="chart_lr", theme=None)
    with tab_eff:
        st.plotly_chart(_figure(scene.to_json(), "effective_lr"), key="chart_eff", theme=None)
        st.caption(
            "AdaGrad's effective step only shrinks (it divides by the sum of all squared gradients); "
            "RMSProp's and Adam's adapt and recover."
        )


def page() -> None:
    """The surfaces view: sidebar, the race, the 3D view, results and the export section."""
    t_start = time.perf_counter()
    if "_pending_start" in ss:  # a click of the last run, applied before the start widgets exist
        ss["start_x"], ss["start_y"] = ss.pop("_pending_start")
    prologue("surfaces", _TAGLINE)
    good: Scene = ss.get("_base_scene") or Scene()
    groups, display = _sidebar(good)
    surfaces, _ = settle(SurfacesConfig, groups, good.surfaces)
    scene = Scene(view="surfaces", surfaces=surfaces, mlp=ss.get("_mlp", good.mlp), display=display)

    t0 = time.perf_counter()
    try:
        results = _run(scene)
    except ValueError as e:  # valid settings the engine still refuses: say so, draw the last valid scene
        st.error(
            f"These settings do not combine: {e}  The page shows the last valid settings.", icon=":material/block:"
        )
        scene = replace(good, view="surfaces", display=display)
        results = _run(scene)
    t1 = time.perf_counter()
    sync_url(scene)

    surf = SURFACE_REGISTRY[scene.surfaces.surface]
    st.markdown(f"**{surf.title}.** {surf.note}")
    labels = scene.surfaces.labels()
    diverged = [f"{lab} diverged at step {r.diverged_at}" for lab, r in zip(labels, results) if r.diverged_at]
    if diverged:
        st.warning(
            "; ".join(diverged) + ".  Its path ends at a red ✕; try a smaller learning rate.",
            icon=":material/trending_up:",
        )
    clicked = _main_chart(scene, results)
    ss["_timing"] = {"compute_s": t1 - t0, "figure_s": time.perf_counter() - t1}
    if clicked is not None:
        # The start widgets are drawn already: set them at the top of the next run.
        ss["_pending_start"] = (round(clicked[0], 4), round(clicked[1], 4))
        st.rerun()
    if scene.display.show_3d:
        st.plotly_chart(_figure(scene.to_json(), "surface3d"), key="chart_3d", theme=None)
    _tabs(scene, results)
    export_panel(scene, results)
    ss["_timing"]["rerun_s"] = time.perf_counter() - t_start  # the whole script, widgets included
