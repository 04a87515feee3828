"""The surfaces view's page: its sidebar read into a `SurfacesConfig`, the race drawn, the tabs below.

    page()       the whole page (app.py calls it when the view is "surfaces")

Widgets -> SurfacesConfig + Display -> Scene -> `SURFACES.run` (cached per scene, display aside)
-> `SURFACES.figure` -> `live_payload` (cached per scene) -> the live chart.  A slider that does not change the
scene (the export's aspect, the PNG scale, a tab) reuses the cached figure.  A click on the
main chart sets the start point (`_main_chart`, the one place the chart is drawn).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import Any

import plotly.graph_objects as go
import streamlit as st

import optviz
from optviz import figures
from optviz.api import MAX_STEPS, Result
from optviz.config import MAX_OPTIMIZERS, Analysis, Display, Scene, SurfacesConfig
from optviz.config.scene import spoken_caption
from optviz.figures.live import LivePayload, live_payload
from optviz.figures.surfaces import ESCAPED_TEXT, rebounds, run_outcome
from optviz.i18n import N_, _
from optviz.optimizers import OPTIMIZERS
from optviz.runs.hpmap import lr_marks
from optviz.theory import BowlTheory, bowl_theory, hessian_eigenvalues, local_lr_limit
from optviz.ui.analysis import (
    TAB_FIGURES,
    analysis_state,
    apply_pending_cell,
    basins_tab,
    hpmap_tab,
    inside_tab,
    seeds_tab,
)
from optviz.ui.controls import (
    display_control,
    log_grid,
    number_widget,
    optimizer_slots,
    schedule_control,
    select_slider,
    sidebar_top,
    snap_lr,
    tabs,
)
from optviz.ui.custom_surface import EXAMPLE, custom_surface_control
from optviz.ui.export_panel import export_files, run_exports
from optviz.ui.live_chart import live_chart
from optviz.ui.prologue import prologue
from optviz.ui.state import (
    Group,
    default,
    fragment_groups,
    hp_key,
    in_full_run,
    run_fragment,
    settle,
    show_error,
    shown,
    speak,
    ss,
    sync_url,
)
from optviz.views import SURFACES
from optviz.views.surfaces import STATEFUL, default_figure
from surfaces import SURFACES as SURFACE_REGISTRY
from surfaces import Surface, define_custom
from surfaces.custom import DEFAULT_BOUNDS

CUSTOM = "custom"  # the selectbox's choice for the lecturer's own formula
CUSTOM_TITLE = N_("your own formula f(x, y)…")

_NOISE = (0.0, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0, 2.0, 5.0, 10.0)
L2_GRID = (0.0, 1e-4, 3e-4, 1e-3, 3e-3, 0.01, 0.03, 0.1, 0.3, 1.0)
LIVE_HEIGHT = 760  # the plot (700 px, the view's figure) and the player's bar under it
_TAGLINE = N_("watch deep-learning optimizers race over a loss surface: change any control and the paths update.")


# ----------------------------------------------------------------------------- compute (cached)


@st.cache_data(max_entries=64, show_spinner=False)
def _results(core_json: str) -> list[Result]:
    """The scene's runs, cached per parameter set (the display and the analysis do not enter the
    key, except whether the runs record their state)."""
    return SURFACES.run(Scene.from_json(core_json))


def _run(scene: Scene, *, record_state: bool = False) -> list[Result]:
    analysis = Analysis(figure="inside") if record_state else Analysis()
    return _results(replace(scene, display=Display(), analysis=analysis).to_json())


@st.cache_resource(max_entries=8, show_spinner=False)
def _figure(scene_json: str, name: str | None = None) -> go.Figure:
    """A figure of the scene, shared read-only by every session (st.plotly_chart does not modify it).
    A resource, not data: unpickling a 10 000-step figure on every rerun would cost more than building it."""
    scene = Scene.from_json(scene_json)
    return SURFACES.figure(scene, _run(scene), name)


# ----------------------------------------------------------------------------- callbacks


def _surface_params(surface: str) -> dict[str, float]:
    """The surface's parameters as its widgets hold them (defaults for those not drawn yet)."""
    surf = SURFACE_REGISTRY[surface]
    return {p.name: float(ss.get(f"sp_{surface}_{p.name}", p.default)) for p in surf.params}


def _suggest(surface: str, name: str, sp: dict[str, float]) -> float | None:
    """`optviz.suggest_lr` for the page: rounded down to two significant digits (`snap_lr`)."""
    lr = optviz.suggest_lr(surface, name, surface_params=sp)
    if lr is None:
        return None
    spec = next(p for p in OPTIMIZERS[name].hparams if p.name == "lr")
    return snap_lr(lr, spec.min, spec.max)


def _resuggest(surface: str, sp: dict[str, float], only_changed_from: dict[str, float] | None = None) -> list[str]:
    """Set every slot's lr to its suggestion on `surface` with parameters `sp`; with
    `only_changed_from`, only the slots whose suggestion differs from the one at those parameters
    (a new kappa changes SGD's and momentum's, not Adam's).  Returns "Title lr" per change."""
    changed = []
    for uid in ss.get("slots", []):
        name = ss.get(f"o{uid}_name")
        lr = _suggest(surface, name, sp) if name else None
        if lr is None:
            continue
        if only_changed_from is not None and lr == _suggest(surface, name, only_changed_from):
            continue
        key = hp_key("", uid, name, "lr")
        ss[key] = lr
        changed.append(f"{_(OPTIMIZERS[name].title)} {lr:g}")
    return changed


def _chosen_surface() -> Surface:
    """The surface the selectbox names: a built-in, or the custom formula its inputs hold."""
    if ss.get("surface") != CUSTOM:
        return SURFACE_REGISTRY[ss["surface"]]
    bounds = tuple(
        (float(ss.get(f"custom_{a}_min", lo)), float(ss.get(f"custom_{a}_max", hi)))
        for a, (lo, hi) in zip("xy", DEFAULT_BOUNDS)
    )
    try:
        return define_custom(ss.get("custom_formula") or EXAMPLE, bounds)
    except ValueError:
        return define_custom(EXAMPLE, DEFAULT_BOUNDS)


def _on_surface_change() -> None:
    speak()  # a callback: its toast in the page's language
    surf = _chosen_surface()
    ss["start_x"], ss["start_y"] = surf.start
    # Learning rates that suit one surface crawl or explode on another: suggest fresh ones (curvature
    # at the start for GD and momentum, plot span for the adaptive methods).
    changed = _resuggest(surf.name, _surface_params(surf.name))
    ss["_sp_seen"] = _surface_params(surf.name)
    if changed:
        message = _("Learning rates suggested for {surface}: {changes}")
        st.toast(message.format(surface=_(surf.title), changes=", ".join(changed)), icon=":material/tune:")


def _on_surface_param(surface: str) -> None:
    """A surface parameter moved (the bowl's kappa): the curvature-based suggestions move with it,
    so SGD keeps zig-zagging and converging at every kappa instead of bouncing or diverging."""
    speak()
    sp = _surface_params(surface)
    before = ss.get("_sp_seen") or {p.name: p.default for p in SURFACE_REGISTRY[surface].params}
    ss["_sp_seen"] = sp
    changed = _resuggest(surface, sp, only_changed_from=before)
    if changed:
        message = _("Learning rates suggested for the new curvature: {changes}")
        st.toast(message.format(changes=", ".join(changed)), icon=":material/tune:")


def _start_presets(surface: str) -> dict[str, tuple[str, tuple[float, float]]]:
    """Named start points, generated from the registry entry: {id: (label, point)}.  The id is the
    selectbox's option (the same in every language), the label what it shows."""
    surf = SURFACE_REGISTRY[surface]
    (x0, x1), (y0, y1) = surf.bounds
    out = {"default": (_("surface default") + f" ({surf.start[0]:g}, {surf.start[1]:g})", surf.start)}
    for i, p in enumerate(surf.saddles[:3]):
        dx = 0.02 * (x1 - x0)
        label = _("next to the saddle {i}") if len(surf.saddles) > 1 else _("next to the saddle")
        label = label.format(i=i + 1) + f" ({p.x + dx:.3g}, {p.y:.3g})"
        out[f"saddle_{i}"] = (label, (round(p.x + dx, 4), round(p.y + 1e-3, 4)))
    for p in surf.maxima[:1]:
        label = _("next to the local maximum") + f" ({p.x:.3g}, {p.y:.3g})"
        out["maximum"] = (label, (round(p.x + 0.01, 4), round(p.y + 0.01, 4)))
    label = _("far corner") + f" ({x0 + 0.1 * (x1 - x0):.3g}, {y1 - 0.1 * (y1 - y0):.3g})"
    out["corner"] = (label, (round(x0 + 0.1 * (x1 - x0), 4), round(y1 - 0.1 * (y1 - y0), 4)))
    if surf.minima:
        m = surf.minima[0]
        label = _("close to the minimum") + f" ({m.x + 0.05 * (x1 - x0):.3g}, {m.y:.3g})"
        out["minimum"] = (label, (round(m.x + 0.05 * (x1 - x0), 4), round(m.y + 0.05 * (y1 - y0), 4)))
    return out


def _on_preset() -> None:
    presets = _start_presets(ss["surface"])
    if ss.get("start_preset") in presets:
        ss["start_x"], ss["start_y"] = presets[ss["start_preset"]][1]
    ss["start_preset"] = None


def _on_theory_optimal(theory: BowlTheory) -> None:
    """Every SGD slot's lr to lr_opt and every momentum slot's (lr, momentum) to (α*, β*): set here,
    before the sliders are drawn; `optviz.ui.state.options` adds the values to their grids."""
    for uid in ss.get("slots", []):
        name = ss.get(f"o{uid}_name")
        if name == "sgd":
            ss[hp_key("", uid, name, "lr")] = theory.lr_opt
        elif name == "momentum":
            ss[hp_key("", uid, name, "lr")] = theory.hb_lr
            ss[hp_key("", uid, name, "momentum")] = theory.hb_momentum


def _theory(surface: str, sp: dict[str, float], start: tuple[float, float]) -> None:
    """Goh (2017)'s predictions (`optviz.theory`): on the bowl, GD's limit, the optimal lr and heavy
    ball's pair with their rates and a button that sets them; on every surface, the Hessian's
    eigenvalues at the start and the local limit 2/λmax."""
    if surface == "bowl":
        th = bowl_theory(sp.get("kappa", 10.0))
        st.caption(
            _(
                "Stable for lr < 2/λmax = {lr_max}; best lr 2/(λmin+λmax) = {lr_opt}, rate {rate}.  "
                "Heavy ball: lr α* = {hb_lr}, momentum β* = {hb_momentum}, rate √β* = {hb_rate}."
            ).format(
                lr_max=f"{th.lr_max:.4g}",
                lr_opt=f"{th.lr_opt:.4g}",
                rate=f"{th.rate_opt:.4g}",
                hb_lr=f"{th.hb_lr:.4g}",
                hb_momentum=f"{th.hb_momentum:.4g}",
                hb_rate=f"{th.hb_rate:.4g}",
            )
        )
        st.button(
            _("Set the optimal values"),
            key="theory_optimal",
            on_click=_on_theory_optimal,
            args=(th,),
            help=_("SGD's lr to 2/(λmin+λmax); momentum's lr and momentum to α*, β* (Goh 2017)"),
        )
    try:
        lo, hi = hessian_eigenvalues(surface, start, sp)
        limit = local_lr_limit(surface, start, sp)
    except ValueError:  # a start or parameters the settle step will report
        return
    limit_text = f"{limit:.4g}" if limit is not None else "∞"
    st.caption(
        _("Hessian eigenvalues at the start: {lo}, {hi}; local limit 2/λmax = {limit}").format(
            lo=f"{lo:.4g}", hi=f"{hi:.4g}", limit=limit_text
        )
    )


# ----------------------------------------------------------------------------- the sidebar


@dataclass(frozen=True)
class Outer:
    """What the full run's sidebar sections give the race's fragment: the SurfacesConfig fields of
    Surface, Start and Run (with where their errors go), the sidebar place of the Optimizers
    section, the display, and the surface, its parameters and the start (for the lr theory)."""

    groups: list[Group]
    optimizers: Any  # a sidebar container: the Optimizers section, drawn by the fragment
    display: Display
    surface: str
    sp: dict[str, float]
    start: tuple[float, float]


def _sidebar(good: Scene) -> Outer:
    """The sidebar's sections that a slider of an optimizer does not rerun: Surface, Start, Run and
    View, with an empty place between Run and View for the Optimizers section (`_optimizers`)."""
    groups = []
    with st.sidebar:
        sidebar_top()
        st.header(_("Surface"), divider="gray")
        choice = st.selectbox(
            _("surface"),
            [*SURFACE_REGISTRY, CUSTOM],
            key="surface",
            format_func=lambda n: _(CUSTOM_TITLE) if n == CUSTOM else _(SURFACE_REGISTRY[n].title),
            on_change=_on_surface_change,
        )
        if choice == CUSTOM:  # the lecturer's own f(x, y): its control shows the formula and its errors
            got = custom_surface_control(
                key="custom",
                formula=good.surfaces.formula or EXAMPLE,
                bounds=good.surfaces.bounds or DEFAULT_BOUNDS,
            )
            if got is not None:
                surf = SURFACE_REGISTRY[got.name]
                groups.append(Group({**got.fields(), "surface_params": ()}, st.empty()))
            else:  # a bad formula: the page keeps drawing the last valid scene
                g = good.surfaces
                surf = SURFACE_REGISTRY[g.surface]
                keep = {"surface": g.surface, "formula": g.formula, "bounds": g.bounds}
                groups.append(Group({**keep, "surface_params": g.surface_params}, st.empty()))
            sp: dict[str, float] = {}
        else:
            surf = SURFACE_REGISTRY[choice]
            # inline math: KaTeX may break a long formula after a + or =, display math would be cut off
            st.markdown(f"${surf.latex}$")
            sp = {
                p.name: number_widget(
                    _(p.label), f"sp_{choice}_{p.name}", p, resolution=200, on_change=_on_surface_param, args=(choice,)
                )
                for p in surf.params
            }
            groups.append(Group({"surface": choice, "surface_params": tuple(sp.items())}, st.empty()))
        ss["_sp_seen"] = dict(sp)
        surface = surf.name

        st.header(_("Start"), divider="gray")
        c1, c2 = st.columns(2)
        start = (
            float(c1.number_input("x₀", key="start_x", step=0.1, format="%.4g")),
            float(c2.number_input("y₀", key="start_y", step=0.1, format="%.4g")),
        )
        default("start_preset", None)
        presets = _start_presets(surface)
        st.selectbox(
            _("presets"),
            list(presets),
            key="start_preset",
            index=None,
            format_func=lambda k: presets[k][0] if k in presets else k,
            placeholder=_("choose a preset start…"),
            on_change=_on_preset,
            label_visibility="collapsed",
        )
        st.caption(_("Or click anywhere on the contour plot."))
        groups.append(Group({"start": None if start == tuple(surf.start) else start}, st.empty()))

        st.header(_("Run"), divider="gray")
        steps = int(st.number_input(_("steps"), 1, MAX_STEPS, key="steps", step=100))
        c1, c2 = st.columns([3, 2])
        with c1:
            noise = select_slider(
                _("gradient noise") + " σ",
                "noise",
                _NOISE,
                0.0,
                help=_("Gaussian noise added to every gradient: makes the smooth gradient path jitter like SGD's"),
            )
        seed = c2.number_input(_("noise seed"), 0, 2**31 - 1, key="noise_seed", step=1)
        with st.expander(_("gradient clipping and L2")):
            clip_on = st.checkbox(_("clip the gradient norm"), key="clip_on")
            clip = select_slider(_("max norm"), "clip_norm", log_grid(1e-3, 1e3), 1.0, disabled=not clip_on)
            l2 = select_slider(
                _("L2 weight decay"), "l2", L2_GRID, 0.0, help=_("adds l2·θ to every gradient (coupled weight decay)")
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

        optimizers = st.container()  # filled by the race's fragment (`_race`)

        st.header(_("View"), divider="gray")
        display = display_control(good.display, full=True)
    return Outer(groups, optimizers, display, surface, sp, start)


def _optimizers(outer: Outer) -> Group:
    """The Optimizers section, drawn by the race's fragment into the sidebar place kept for it."""
    surface, sp, start = outer.surface, outer.sp, outer.start
    with outer.optimizers:
        st.header(_("Optimizers"), divider="gray")
        _theory(surface, sp, start)
        specs = optimizer_slots(
            "",
            list(OPTIMIZERS),
            MAX_OPTIMIZERS,
            suggest=lambda name: _suggest(surface, name, sp),
            lr_theory=lambda name, hps: lr_marks(surface, sp, start, name, hps),
        )
        return Group({"optimizers": tuple(specs)}, st.empty())


# ----------------------------------------------------------------------------- the main area


@st.cache_resource(max_entries=16, show_spinner=False)
def _live(scene_json: str) -> LivePayload:
    """The main chart's payload: the view's figure without frames, split into the static part the
    browser caches (contours, keyed by surface, parameters and theme) and compact float32 runs."""
    scene = Scene.from_json(scene_json)
    fig = SURFACES.figure(scene, _run(scene), "scene", animate=False)  # the race, also in a map scene
    return live_payload(fig, frames=scene.display.frames, fps=scene.display.fps)


def _main_chart(scene: Scene, results: list[Result]) -> tuple[float, float] | None:
    """Draw the race (paths and loss) and return a point the user clicked on it since the last call.

    The one place the main chart is drawn: a client-side chart (`optviz.ui.live_chart`) that plays,
    pauses, scrubs and moves the loss marker in the browser.  Per slider move the server sends only
    the runs as float32 arrays; the contours go once per surface (`sent` remembers which).
    """
    payload = _live(replace(scene, analysis=Analysis()).to_json())  # a new step shown inside: same chart
    sent = ss.setdefault("_live_sent", set())
    height = LIVE_HEIGHT + 20 * max(0, scene.display.font_size - 14)
    return live_chart(
        payload, key="main_chart", height=height, sent=sent, fill=scene.display.presentation, on_inspect=_on_inspect
    )


def _on_inspect(step: int) -> None:
    """The player's "inside this step": that step's arrows and numbers, in their tab."""
    speak()
    ss["a_step"] = int(step)
    ss["surfaces_tab"] = _("Inside one step")


_HATS = (
    (r"\hat m_t", "m_t"),
    (r"\hat v^{\max}_", r"v^{\max}_"),
    (r"\hat v_t", "v_t"),
    (r"/(1-\beta_2^t)", ""),
)


def formula(name: str, hyperparams: dict[str, float]) -> str:
    """The LaTeX of the rule that runs with these hyperparameters: the registry's formula, or for
    Adam-like rules with `bias_correction` off, the same without the correction (no hats, no
    1 - beta^t: m and v are used as they are)."""
    tex = OPTIMIZERS[name].latex
    if "bias_correction" in hyperparams and not hyperparams["bias_correction"]:
        tex = tex.replace(r"\quad\hat m_t = \frac{m_t}{1-\beta_1^t},\ \hat v_t = \frac{v_t}{1-\beta_2^t},", "")
        for a, b in _HATS:
            tex = tex.replace(a, b)
        tex += r"\qquad\text{(" + _("bias correction off") + ")}"
    return tex


def _update_rules(scene: Scene) -> None:
    # one tab per optimizer and bias-correction setting: the formula shown is the one that runs
    variants = list(
        dict.fromkeys((o.name, bool(o.kwargs.get("bias_correction", 1))) for o in scene.surfaces.optimizers)
    )
    titles = [
        _(OPTIMIZERS[n].title)
        + ("" if on or len([v for v in variants if v[0] == n]) == 1 else " (" + _("no bias correction") + ")")
        for n, on in variants
    ]
    for tab, (name, on) in zip(st.tabs(titles), variants):
        opt = OPTIMIZERS[name]
        hps = {"bias_correction": float(on)} if any(p.name == "bias_correction" for p in opt.hparams) else {}
        with tab:
            st.latex(formula(name, hps))
            lines = [f"- ${sym}$: {_(text)}" for sym, text in opt.symbols.items() if on or "hat" not in sym]
            for p in opt.hparams:
                if p.symbol and not any(p.symbol == s for s in opt.symbols):
                    lines.append(f"- ${p.symbol}$ (`{p.name}`): {_(p.help)}")
            st.markdown("\n".join(lines))
            if not on:
                st.caption(
                    _(
                        "Bias correction is off: m and v start at 0 and are used as they are, so the first steps "
                        "are smaller than lr (m₁ = (1 − β₁) g₁) or larger (v₁ = (1 − β₂) g₁²)."
                    )
                )
            st.caption(_(opt.note) + "  " + _("Follows `{reference}`.").format(reference=_(opt.follows)))


_ADAPTIVE_NOTES = {
    "adagrad": N_(
        "AdaGrad's effective step only shrinks: it divides by the square root of the sum of all squared "
        "gradients, which only grows."
    ),
    "rmsprop": N_("RMSProp's adapts and recovers: it divides by a moving average of g², which forgets old gradients."),
    "adadelta": N_("AdaDelta's adapts and recovers, like RMSProp's, and needs no lr scale of its own."),
    "adam": N_("Adam's adapts per coordinate like RMSProp's (times the momentum m)."),
}


def effective_step_caption(names: list[str]) -> str:
    """The caption under the effective-step chart, about the optimizers on the page only."""
    seen = set(names)
    parts = [_(text) for key, text in _ADAPTIVE_NOTES.items() if key in seen or (key == "adam" and seen & _ADAM_LIKE)]
    if not parts:
        return _("For SGD, momentum and Newton the ratio is the learning rate itself (times a momentum factor).")
    return "  ".join(parts)


_ADAM_LIKE = {"adam", "amsgrad", "adamw", "nadam", "radam", "adamax"}


def rebound_note(scene: Scene, results: list[Result]) -> str:
    """A sentence for each run whose loss climbed back by > 100x after its minimum (`rebounds`)."""
    labels = scene.surfaces.labels()
    found = rebounds(scene, results)
    if not found:
        return ""
    run = _("{label} from {low} (step {step}) to {high}")
    runs = "; ".join(
        run.format(label=labels[k], low=f"{lo:.1e}", step=f"{i:,}", high=f"{hi:.1e}") for k, lo, hi, i in found
    )
    return _(
        "The loss climbs back after converging: {runs}.  This is real, not a bug: near the minimum the "
        "gradient vanishes, the running average v of g² decays with it, and the step lr·m/(√v + ε) grows back "
        "to about lr, so the run is pushed out until the gradient balances it.  A smaller lr or a larger ε "
        "lowers the level it settles at; AMSGrad's running maximum of v prevents it."
    ).format(runs=runs)


TAB_NAMES = (
    N_("Results"),
    N_("Update rules"),
    N_("Learning rate"),
    N_("Effective step size"),
    *TAB_FIGURES,  # inside one step, the hyperparameter map, basins of attraction, seed bands
)


def _tabs(scene: Scene, results: list[Result]) -> None:
    """Results, update rules, lr, effective step, and the pictures of one step and of many runs:
    only the open tab is built and sent (the charts are a few hundred kB a slider move that nobody
    sees while the Results tab is open; a map or basins run only when their tab opens)."""
    names = TAB_NAMES
    for tab, name in zip(tabs(names, "surfaces_tab", on_change="rerun"), names):
        if tab.open is False:
            continue
        with tab:
            if name == "Results":
                st.dataframe(SURFACES.table(scene, results), hide_index=True, width="stretch")
                tol = figures.CONVERGENCE_TOL
                st.caption(
                    _(
                        "f* is the lowest known minimum value of the surface; steps count from 0 (the start); "
                        "'reaches f* + {tol}' is the first step with f − f* ≤ {tol}."
                    ).format(tol=f"{tol:g}")
                )
            elif name == "Update rules":
                _update_rules(scene)
            elif name == "Learning rate":
                st.plotly_chart(_figure(scene.to_json(), "lr"), key="chart_lr", theme=None)
            elif name == "Effective step size":
                st.plotly_chart(_figure(scene.to_json(), "effective_lr"), key="chart_eff", theme=None)
                st.caption(effective_step_caption([o.name for o in scene.surfaces.optimizers]))
            elif name == "Inside one step":
                inside_tab(scene, _run(scene, record_state=True))
            elif name == "Hyperparameter map":
                if _map_above(scene):
                    st.caption(_("This scene's picture is its map: it is drawn above."))
                else:
                    hpmap_tab(scene)
            elif name == "Basins of attraction":
                basins_tab(scene)
            elif name == "Seed bands":
                seeds_tab(scene)


def _map_above(scene: Scene) -> bool:
    """A shipped map scene (C31): its lecture picture, the map, is drawn above the tabs."""
    return scene.analysis.figure == "auto" and default_figure(scene) == "hpmap"


def page() -> None:
    """The surfaces view: sidebar, the race, the 3D view, results and the export section.

    A slider of an optimizer reruns only `_race` (an `st.fragment`): the Optimizers section, the
    main area and what the Export section shows of the run.  Surface, Start, Run, View and the
    Export buttons are drawn by the full run only: on this 2-core machine each element redrawn
    costs the page a few milliseconds, and they are half of the page's elements."""
    t_start = time.perf_counter()
    if "_pending_start" in ss:  # a click of the last run, applied before the start widgets exist
        ss["start_x"], ss["start_y"] = ss.pop("_pending_start")
    prologue("surfaces", _(_TAGLINE))
    apply_pending_cell()  # a map cell clicked on the last run, likewise
    outer = _sidebar(ss.get("_base_scene") or Scene())
    exports = export_files("surfaces", outer.surface, outer.display.fps)
    run_fragment(_race, outer, exports, t_start)


@st.fragment
def _race(outer: Outer, exports: Any, t_start: float) -> None:
    """The Optimizers section (in its sidebar place), the scene settled and run, the main area, and
    the run's part of the Export section: rerun alone when one of its widgets changes."""
    full = in_full_run()
    t_start = t_start if full else time.perf_counter()
    good: Scene = ss.get("_base_scene") or Scene()
    groups = [*fragment_groups(outer.groups), _optimizers(outer)]
    surfaces = settle(SurfacesConfig, groups, good.surfaces)[0]
    analysis = analysis_state(good.analysis, "surfaces_tab", TAB_NAMES)
    mlp = ss.get("_mlp", good.mlp)
    display = outer.display
    scene = Scene(view="surfaces", surfaces=surfaces, mlp=mlp, display=display, analysis=analysis)

    t0 = time.perf_counter()
    try:
        results = _run(scene)
    except ValueError as e:  # valid settings the engine still refuses: say so, draw the last valid scene
        show_error(e)
        scene = replace(good, view="surfaces", display=display)
        results = _run(scene)
    t1 = time.perf_counter()
    scene = shown(scene)  # a loaded scene's title and caption, marked once a setting changed
    sync_url(scene)

    surf = SURFACE_REGISTRY[scene.surfaces.surface]
    presenting = scene.display.presentation  # projector: the figure first, the words under it
    if not presenting:
        st.markdown(f"**{_(surf.title)}.** {_(surf.note)}")
    if scene.display.caption and not presenting:  # a shipped caption is a message; the user's own stays
        st.caption(spoken_caption(scene.display.caption))
    labels = scene.surfaces.labels()
    kinds = [run_outcome(scene.surfaces.surface, r) for r in results]
    diverged = [
        _("{label} diverged at step {step}").format(label=lab, step=r.diverged_at)
        for lab, r, k in zip(labels, results, kinds)
        if k == "diverged"
    ]
    if diverged:
        st.warning(
            "; ".join(diverged) + ".  " + _("Its path ends at a red ✕; try a smaller learning rate."),
            icon=":material/trending_up:",
        )
    escaped = [lab for lab, k in zip(labels, kinds) if k == "escaped"]
    if escaped:
        st.info(
            _(
                "{runs} {escaped}: it ran downhill off the plot (an arrow marks where), which on "
                "this surface is the right move, not a blow-up.  The loss axis follows the runs still in the plot."
            ).format(runs=", ".join(escaped), escaped=_(ESCAPED_TEXT)),
            icon=":material/south_east:",
        )
    note = rebound_note(scene, results)
    if note:
        st.info(note, icon=":material/info:")
    clicked = _main_chart(scene, results)
    if scene.display.caption and presenting:
        st.caption(spoken_caption(scene.display.caption))
    ss["_timing"] = {"compute_s": t1 - t0, "figure_s": time.perf_counter() - t1}
    if clicked is not None:
        # The start widgets are drawn already: set them at the top of the next run.
        ss["_pending_start"] = (round(clicked[0], 4), round(clicked[1], 4))
        st.rerun()
    if _map_above(scene):  # the lecture's picture of this scene is the map (C31)
        hpmap_tab(scene)
    if scene.display.show_3d:
        st.plotly_chart(_figure(scene.to_json(), "surface3d"), key="chart_3d", theme=None)
    _tabs(scene, results)
    # an export of the step's arrows or the per-coordinate plots reuses the page's recorded runs
    with exports:
        run_exports(scene, _run(scene, record_state=True) if scene.analysis.figure in STATEFUL else results)
    # the whole script, widgets included (in a rerun of this fragment alone: the fragment)
    ss["_timing"]["rerun_s"] = time.perf_counter() - t_start
    ss["_timing"]["fragment"] = not full
