"""The MLP view's page: its sidebar read into an `MLPConfig`, a summary line and five tabs.

    page()       the whole page (app.py calls it when the view is "mlp")

The same mechanism as the surfaces: widgets -> MLPConfig -> a Scene of view "mlp" -> `MLP.run`
(cached per MLP settings) -> `MLP.figure` per chart.  Only the open tab is computed, and a tab's
extras (landscape, slices, activations, gradient check) are cached with the run.  Widgets that
Streamlit dropped while the surfaces were shown are re-seeded from ss["_mlp"] (`state.sync_mlp`).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, replace
from typing import Any

import plotly.graph_objects as go
import streamlit as st

from optviz.config import Display, MLPConfig, Scene
from optviz.config import mlp as M
from optviz.config.scene import spoken_caption
from optviz.figures.live import LivePayload, live_payload_mlp
from optviz.figures.mlp import describe
from optviz.i18n import N_, _
from optviz.mlp.model import ACTIVATION_TITLES, INIT_TITLES, MAX_HIDDEN_LAYERS
from optviz.runs.mlp import MLPRun, compute_key
from optviz.ui.controls import (
    display_control,
    log_grid,
    optimizer_slots,
    schedule_control,
    select_slider,
    sidebar_top,
    tab_name,
    tabs,
    titled,
)
from optviz.ui.export_panel import export_files, run_exports
from optviz.ui.live_chart import live_chart
from optviz.ui.prologue import prologue
from optviz.ui.saved_sweep import saved_sweep
from optviz.ui.state import (
    Group,
    default,
    fragment_groups,
    in_full_run,
    run_fragment,
    settle,
    show_error,
    shown,
    ss,
    sync_mlp,
    sync_url,
)
from optviz.ui.surfaces_page import L2_GRID
from optviz.views import MLP

_N = (16, 32, 48, 64, 80, 100, 128, 160, 200, 256, 320, 400, 512, 768, 1000)
_NOISE = (0.0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5, 0.6, 0.8, 1.0)
_SCALE = (0.01, 0.03, 0.1, 0.3, 1.0, 2.0, 3.0, 5.0, 10.0, 30.0, 100.0)
_WIDTHS = (2, 3, 4, 6, 8, 12, 16, 24, 32)
_STEPS = (20, 50, 100, 200, 300, 500, 800, 1000, 1500, 2000, 3000, 5000, 10_000)
_BATCH = (2, 4, 8, 16, 32, 64, 128)
_PATIENCE = (10, 20, 50, 100, 200, 300, 500, 1000)
_DROPOUT = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
_WEIGHT_DECAY = (0.0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0)
_CHECK_STEP = (1e-10, 1e-8, 1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1)
# Settings of this page that `state.mlp_state` does not seed: seeded here from the applied config.
_OWN_KEYS = {"mlp_weight_decay": "weight_decay", "mlp_check_step": "check_step"}
_BATCH_MODES = {"full": N_("full"), "mini": N_("mini-batch"), "one": "1"}  # "full": the full batch
PAGE_FRAMES = 40  # decision-boundary frames on the page (~0.3 s, 0.6 MB); exports use display.frames
_TAGLINE = N_("a tiny MLP on 2D data, trained by the same optimizers: change any control and it trains again.")


# ----------------------------------------------------------------------------- compute (cached)


def _scene_of(key: str) -> Scene:
    return Scene(view="mlp", mlp=MLPConfig.from_dict(json.loads(key)))


@st.cache_data(max_entries=32, show_spinner=False)
def _core(key: str, lang: str) -> MLPRun:
    """Data and trained runs, cached per MLP settings (`compute_key`: the figure does not enter it)
    and language (the runs' labels and notes are text a person reads)."""
    return MLP.run(_scene_of(key))


@st.cache_data(max_entries=32, show_spinner=False)
def _parts(key: str, figures: tuple[str, ...], lang: str) -> MLPRun:
    """The run with the extras `figures` need (landscape, slices, activations, gradient check)."""
    return MLP.with_parts(_core(key, lang), figures)


@st.cache_resource(max_entries=32, show_spinner=False)
def _figure(key: str, display_json: str, name: str, height: int | None = None) -> go.Figure:
    """A figure of the page, shared read-only by every session, per settings, display and name."""
    display = Display.from_dict(json.loads(display_json))
    # one entry per tab: its figures share extras
    run = _parts(key, M.TABS[M.TAB_OF_FIGURE.get(name, "Data")], display.lang)
    fig = MLP.figure(replace(_scene_of(key), display=display), run, name)
    if height is not None:
        fig.update_layout(height=height)
    return fig


@st.cache_resource(max_entries=32, show_spinner=False)
def _live(key: str, display_json: str, height: int | None) -> LivePayload:
    """The decision boundary as the live chart's payload: data and axes once, the frames as uint8 grids,
    and under the player the training curves, whose step line follows the frame."""
    display = Display.from_dict(json.loads(display_json))
    run = _parts(key, M.TABS[M.TAB_OF_FIGURE["boundary"]], display.lang)
    # the frames as plain dicts, never validated by plotly (0.4 s a move for the page's 40)
    # the page animates fewer frames than an export: it loads in a third of the time
    fig, frames = MLP.boundary_live(replace(_scene_of(key), display=display), run, frames=PAGE_FRAMES)
    if height is not None:
        fig.update_layout(height=height)
    curves = _figure(key, display_json, "curves")
    return live_payload_mlp(fig, fps=display.fps, companion=curves, frames=frames)


def _chart(scene: Scene, name: str, height: int | None = None) -> None:
    key = compute_key(scene)
    display_json = json.dumps(scene.display.to_dict(), sort_keys=True)
    if name == "boundary":  # animated in the browser: per move only the grids travel
        payload = _live(key, display_json, height)
        live_chart(
            payload,
            key="mlp_chart_boundary",
            height=(height or 480) + 60,
            sent=ss.setdefault("_live_sent", set()),
            fill=scene.display.presentation,
        )
        return
    fig = _figure(key, display_json, name, height)
    st.plotly_chart(
        fig,
        key=f"mlp_chart_{name}",
        theme=None,
        config={
            "displaylogo": False,
            "modeBarButtonsToRemove": ["select2d", "lasso2d", "autoScale2d"],
            "toImageButtonOptions": {"format": "png", "scale": 2, "filename": f"optviz_mlp_{name}"},
        },
    )


# ----------------------------------------------------------------------------- callbacks


def _on_preset() -> None:
    name = ss.get("mlp_preset")
    ss["mlp_preset"] = None
    if name in M.PRESETS:
        ss["_mlp"] = M.preset(name)


def _on_tab() -> None:
    """Opening a tab makes its first figure the one exported (unless one of its figures already is);
    the View section that shows it is redrawn by a full run (`_train` asks for one)."""
    tab = tab_name(list(M.TABS), ss.get("mlp_tab"))
    if tab in M.TABS and M.TAB_OF_FIGURE.get(ss.get("mlp_figure")) != tab:
        ss["mlp_figure"] = M.TABS[tab][0]
        ss["_mlp_full_rerun"] = True


def _on_figure() -> None:
    ss["mlp_tab"] = M.TAB_OF_FIGURE[ss["mlp_figure"]]


# ----------------------------------------------------------------------------- the sidebar


def _sidebar(good: MLPConfig, base: Display) -> Outer:
    """The sidebar's sections that a slider of an optimizer does not rerun: Data, Network, Training
    and View, with an empty place between Training and View for the Compare section (`_compare`)."""
    groups = []
    with st.sidebar:
        sidebar_top()
        default("mlp_preset", None)
        st.selectbox(
            _("MLP demonstrations"),
            list(M.PRESETS),
            key="mlp_preset",
            index=None,
            format_func=_,  # the preset's name (marked in optviz.config.mlp)
            placeholder=_("show a lecture demonstration…"),
            on_change=_on_preset,
        )

        st.header(_("Data"), divider="gray")
        c1, c2 = st.columns([3, 2])
        dataset = c1.selectbox(
            _("data set"), list(M.DATASET_TITLES), key="mlp_dataset", format_func=titled(M.DATASET_TITLES)
        )
        classes = c2.slider(_("classes"), 2, 4, key="mlp_classes", disabled=dataset != "blobs", help=_("blobs only"))
        c1, c2 = st.columns(2)
        with c1:
            n = select_slider(_("points"), "mlp_n", _N, 256)
        with c2:
            noise = select_slider(_("noise") + " σ", "mlp_noise", _NOISE, 0.2)
        c1, c2 = st.columns([3, 2])
        val_fraction = c1.slider(
            _("validation share"),
            0.0,
            0.5,
            key="mlp_val_fraction",
            step=0.05,
            help=_("held out for the validation curve and early stopping (0: none)"),
        )
        data_seed = c2.number_input(_("data seed"), 0, 2**31 - 1, key="mlp_data_seed", step=1)
        with st.expander(_("input scale and shift") + " (C24)"):
            c1, c2 = st.columns(2)
            shift = c1.number_input(
                _("shift"), -100.0, 100.0, key="mlp_shift", step=1.0, help=_("added to both inputs")
            )
            with c2:
                scale = select_slider(_("scale"), "mlp_scale", _SCALE, 1.0, help=_("inputs become x · scale + shift"))
        standardize = st.toggle(
            _("standardise the inputs"),
            key="mlp_standardize",
            help=_("mean 0 and std 1 per feature, fitted on the training part only"),
        )
        data = {
            "dataset": dataset,
            "classes": int(classes),
            "n": int(n),
            "noise": float(noise),
            "val_fraction": float(val_fraction),
            "data_seed": int(data_seed),
            "shift": float(shift),
            "scale": float(scale),
            "standardize": bool(standardize),
        }
        groups.append(Group(data, st.empty()))

        st.header(_("Network"), divider="gray")
        layers = st.slider(_("hidden layers"), 1, MAX_HIDDEN_LAYERS, key="mlp_layers")
        hidden = []
        for row in range(0, layers, 3):  # three width sliders a row
            for i, col in zip(range(row, min(layers, row + 3)), st.columns(3)):
                with col:
                    width = select_slider(_("width {layer}").format(layer=i + 1), f"mlp_width_{i}", _WIDTHS, 16)
                    hidden.append(int(width))
        c1, c2 = st.columns(2)
        activation = c1.selectbox(
            _("activation"), list(ACTIVATION_TITLES), key="mlp_activation", format_func=titled(ACTIVATION_TITLES)
        )
        init = c2.selectbox(_("init"), list(INIT_TITLES), key="mlp_init", format_func=titled(INIT_TITLES))
        loss = st.selectbox(_("loss"), list(M.LOSS_TITLES), key="mlp_loss", format_func=titled(M.LOSS_TITLES))
        with st.expander(_("dropout, batch norm, L2") + " (C26, C27, C29)"):
            dropout = select_slider(_("dropout rate") + " p", "mlp_dropout", _DROPOUT, 0.0)
            batch_norm = st.toggle(_("batch normalisation"), key="mlp_batch_norm")
            l2 = select_slider(
                _("L2 penalty") + " λ",
                "mlp_l2",
                L2_GRID,
                0.0,
                help=_("adds ½λ‖W‖² to the loss; AdamW's decoupled weight decay is its own hyperparameter"),
            )
            weight_decay = select_slider(
                _("AdamW weight decay λ (L2 vs AdamW)"),
                "mlp_weight_decay",
                _WEIGHT_DECAY,
                0.1,
                help=_("the decoupled decay of the AdamW panel: θ shrinks by lr·λ each step (its own scale, not L2's)"),
            )
        network = {
            "hidden": tuple(hidden),
            "activation": activation,
            "init": init,
            "loss": loss,
            "dropout": float(dropout),
            "batch_norm": bool(batch_norm),
            "l2": float(l2),
            "weight_decay": float(weight_decay),
        }
        groups.append(Group(network, st.empty()))

        st.header(_("Training"), divider="gray")
        mode = st.segmented_control(
            _("batch size"),
            list(_BATCH_MODES),
            key="mlp_batch",
            format_func=titled(_BATCH_MODES),
            required=True,
            width="stretch",
        )
        k = select_slider(_("k: points per mini-batch"), "mlp_batch_k", _BATCH, 32, disabled=mode != "mini")
        c1, c2 = st.columns([3, 2])
        with c1:
            steps = select_slider(_("steps"), "mlp_steps", _STEPS, 500)
        seed = c2.number_input(
            _("init seed"),
            0,
            2**31 - 1,
            key="mlp_seed",
            step=1,
            help=_("the initial weights (the same for every panel), the batch order and the dropout masks"),
        )
        schedule = schedule_control("mlp_sched", M.MAX_MLP_STEPS, good.schedule)
        with st.expander(_("gradient clipping, early stopping") + " (C23, C28)"):
            clip_on = st.checkbox(_("clip the gradient norm"), key="mlp_clip_on")
            clip = select_slider(_("max norm"), "mlp_clip_norm", log_grid(1e-3, 1e3), 1.0, disabled=not clip_on)
            es_on = st.checkbox(_("early stopping on the validation loss"), key="mlp_es_on")
            patience = select_slider(_("patience (steps)"), "mlp_patience", _PATIENCE, 100, disabled=not es_on)
        training = {
            "batch_size": None if mode == "full" else 1 if mode == "one" else int(k),
            "steps": int(steps),
            "seed": int(seed),
            "schedule": schedule,
            "clip_norm": float(clip) if clip_on else None,
            "patience": int(patience) if es_on else None,
        }
        groups.append(Group(training, st.empty()))

        compare_place = st.container()  # filled by the training's fragment (`_compare`)

        st.header(_("View"), divider="gray")
        display = display_control(base, full=False)
        figure = st.selectbox(
            _("figure for export"),
            M.FIGURES,
            key="mlp_figure",
            format_func=titled(M.FIGURE_TITLES),
            on_change=_on_figure,
            help=_("the figure the Export buttons below write (opening a tab picks its first one)"),
        )
        view_slot = st.empty()
    return Outer(groups, compare_place, display, figure, view_slot)


@dataclass(frozen=True)
class Outer:
    """What the full run's sidebar gives the training's fragment: the MLPConfig fields of Data,
    Network and Training (with where their errors go), the sidebar place of the Compare section,
    the display, the figure for export and the place of its errors."""

    groups: list[Group]
    compare: Any  # a sidebar container: the Compare section, drawn by the fragment
    display: Display
    figure: str
    view_slot: Any


def _compare(outer: Outer) -> Group:
    """The Compare section (what varies between the panels, and the optimizers), drawn by the
    training's fragment into the sidebar place kept for it."""
    with outer.compare:
        st.header(_("Compare"), divider="gray")
        compare = st.selectbox(
            _("side by side"), list(M.COMPARISONS), key="mlp_compare", format_func=lambda c: _(M.COMPARISONS[c][0])
        )
        st.caption(_(M.COMPARISONS[compare][1]) + ".")
        specs = optimizer_slots("mlp_", M.MLP_OPTIMIZERS, M.MAX_MLP_OPTIMIZERS, only_first=compare != "optimizers")
        return Group({"compare": compare, "optimizers": tuple(specs)}, st.empty())


def _view_group(outer: Outer, good: MLPConfig, full: bool) -> Group:
    """The figure for export and the settings of the tabs' own widgets (drawn by the fragment)."""
    view = {
        "figure": outer.figure,
        "directions": ss.get("mlp_directions", good.directions),
        "probe": ss.get("mlp_probe", good.probe),
        "check_step": float(ss.get("mlp_check_step", good.check_step)),
    }
    return Group(view, outer.view_slot if full else None)


# ----------------------------------------------------------------------------- the tabs


def _tab_training(scene: Scene, key: str) -> None:
    run = _core(key, scene.display.lang)
    _chart(scene, "boundary", height=500)
    st.caption(
        _(
            "Colour: the predicted class; depth of tint: the confidence.  Hollow markers are validation points.  "
            "▶ plays the training; the slider picks a step, and the grey line on the curves below follows it.  "
            "Curves: solid training, dotted validation; ★ the lowest validation loss; a dotted vertical line where "
            "early stopping ended a run; a red ✕ where a run diverged."
        )
    )
    if run.lr_varies:
        _chart(scene, "lr")
    st.dataframe(MLP.table(scene, run), hide_index=True, width="stretch")
    saved_sweep(scene, "mlp_sweep")


def _tab_landscape(scene: Scene, key: str) -> None:
    c1, c2 = st.columns([2, 3], vertical_alignment="bottom")
    c1.selectbox(
        _("plane directions"),
        list(M.DIRECTION_TITLES),
        key="mlp_directions",
        format_func=titled(M.DIRECTION_TITLES),
        help=_(
            "PCA: the plane that holds most of the paths; random and filter-normalised (Li et al. 2018) "
            "directions: a plane through the final point that the paths mostly leave"
        ),
    )
    with st.spinner(_("Evaluating the loss on the plane…")):
        run = _parts(key, M.TABS["Landscape"], scene.display.lang)
    if run.notes.get("landscape"):
        c2.caption(_(run.notes["landscape"]))
    if run.landscape is None:
        st.info(_("No landscape to draw: every run diverged."), icon=":material/info:")
        return
    _chart(scene, "landscape")
    st.caption(
        _(
            "L(θ_c + a·d₁ + b·d₂) around the first run's final point θ_c; each path is projected onto the plane "
            "(exact for PCA planes up to the variance they hold).  Circle: start, star: end."
        )
    )
    c1, c2 = st.columns(2)
    with c1:
        _chart(scene, "slices")
    with c2:
        _chart(scene, "interpolation")


def _tab_init(scene: Scene, key: str) -> None:
    st.radio(_("probe"), list(M.PROBE_TITLES), key="mlp_probe", format_func=titled(M.PROBE_TITLES), horizontal=True)
    run = _parts(key, M.TABS["Initialisation"], scene.display.lang)
    _chart(scene, "activations")
    _chart(scene, "units")
    flat = ", ".join(f"{_(INIT_TITLES[a.init])} {float(a.flat.mean()):.0%}" for a in run.activations or ())
    st.caption(
        _(
            "Each row: one init scheme, each column: one hidden layer, at initialisation (no training).  "
            "Share of units in a flat part of the activation (no gradient passes): {shares}."
        ).format(shares=flat)
    )


def _tab_gradients(scene: Scene, key: str) -> None:
    _chart(scene, "gradients")
    s = scene.mlp
    clip = ""
    if s.clip_norm:
        clip = "  " + _("Clipping rescales the whole gradient to norm ≤ {norm} after this.").format(
            norm=f"{s.clip_norm:g}"
        )
    st.caption(_("‖∂L/∂W‖ of each layer's weights on each step's batch, before clipping.") + clip)
    _chart(scene, "activation_functions")
    check = _parts(key, M.TABS["Gradients"], scene.display.lang).gradient_check
    st.subheader(_("Gradient check"), divider="gray")
    select_slider(
        _("finite-difference step h"),
        "mlp_check_step",
        _CHECK_STEP,
        1e-5,
        help=_("1e-5 passes; a far too small h drowns in rounding, a far too large one in truncation (C14)"),
    )
    c1, c2 = st.columns([2, 3])
    with c1:
        st.metric(_("relative error") + " ‖a − n‖ / max(‖a‖, ‖n‖)", f"{check.rel_error:.1e}")
        st.metric(_("worst single parameter"), f"{check.max_rel_error:.1e}")
        if check.rel_error < 1e-6:
            st.success(_("Backprop agrees with the finite differences."), icon=":material/check_circle:")
        else:
            st.warning(_("Larger than 1e-6: a wrong gradient, or a ReLU kink inside ±h."), icon=":material/warning:")
        layer, error = _("layer"), _("relative error")
        st.dataframe(
            [{layer: f"{i + 1}", error: f"{e:.1e}"} for i, e in enumerate(check.layer_rel_error)],
            hide_index=True,
        )
        st.caption(
            _(
                "At the initial weights, full training set; central differences with h = {h}.  "
                "Below 1e-7 the backprop is right (CS231n)."
            ).format(h=f"{check.step:g}")
        )
    with c2:
        _chart(scene, "gradient_check")


def _tab_data(scene: Scene, key: str) -> None:
    data = _core(key, scene.display.lang).data
    standardized = scene.mlp.standardize
    c1, c2 = st.columns(2)
    with c1:
        _chart(scene, "data")
    with c2:
        if standardized:
            _chart(scene, "data_raw")
            st.caption(
                _(
                    "Training mean {mean} and std {std}, subtracted and divided; the validation points use the "
                    "same numbers."
                ).format(
                    mean=f"({data.mean[0]:.3g}, {data.mean[1]:.3g})", std=f"({data.std[0]:.3g}, {data.std[1]:.3g})"
                )
            )
        else:
            _chart(scene, "one_hot")
    if standardized:
        _chart(scene, "one_hot")
    n_val = 0 if data.X_val is None else len(data.X_val)
    st.caption(
        _(
            "{n_train} training points (filled) and {n_val} validation points (hollow).  "
            "Each class label becomes a one-hot vector: the target the softmax output is fitted to."
        ).format(n_train=len(data.X), n_val=n_val)
    )


_TABS = {  # the names of M.TABS, which label the tabs (in the page's language)
    N_("Training"): _tab_training,
    N_("Landscape"): _tab_landscape,
    N_("Initialisation"): _tab_init,
    N_("Gradients"): _tab_gradients,
    N_("Data"): _tab_data,
}


# ----------------------------------------------------------------------------- the page


def page() -> None:
    """The MLP view: its sidebar, a summary line and five tabs (only the open one is computed).

    As on the surfaces' page, a slider of an optimizer reruns only `_train` (an `st.fragment`):
    the Compare section, the main area and the run's part of the Export section."""
    t_start = time.perf_counter()
    prologue("mlp", _(_TAGLINE))
    base: Scene = ss.get("_base_scene") or Scene()
    fresh = ss.get("_mlp_applied") != (ss.get("_mlp") or MLPConfig())
    sync_mlp()
    good: MLPConfig = ss["_mlp"]
    for k, f in _OWN_KEYS.items():
        if fresh or k not in ss:
            ss[k] = getattr(good, f)
    outer = _sidebar(good, base.display)
    exports = export_files("mlp", "", outer.display.fps)
    run_fragment(_train, outer, exports, t_start)


@st.fragment
def _train(outer: Outer, exports: Any, t_start: float) -> None:
    """The Compare section (in its sidebar place), the MLP settled and trained, the main area, and
    the run's part of the Export section: rerun alone when one of its widgets changes."""
    full = in_full_run()
    if ss.pop("_mlp_full_rerun", False) and not full:  # a tab opened: the View's figure for export follows
        st.rerun()
    t_start = t_start if full else time.perf_counter()
    base: Scene = ss.get("_base_scene") or Scene()
    good: MLPConfig = ss["_mlp"]
    groups = [*fragment_groups(outer.groups), _compare(outer), _view_group(outer, good, full)]
    cfg = settle(MLPConfig, groups, good)[0]
    display = outer.display
    scene = replace(base, view="mlp", mlp=cfg, display=display)

    t0 = time.perf_counter()
    key, lang = compute_key(scene), scene.display.lang
    try:
        run = _core(key, lang)
    except ValueError as e:  # valid settings that still cannot train: say so, show the last valid ones
        show_error(e)
        scene = replace(scene, mlp=good)
        key = compute_key(scene)
        run = _core(key, lang)
    t1 = time.perf_counter()
    ss["_mlp"] = ss["_mlp_applied"] = scene.mlp
    scene = shown(scene)  # a loaded scene's title and caption, marked once a setting changed
    sync_url(scene)

    name = M.matching_preset(scene.mlp)
    if not scene.display.presentation:  # projector: the figure first (its caption stays in its tab)
        st.markdown(f"**{_(name)}.** {_(M.PRESETS[name][1])}" if name else describe(scene.mlp))
        if scene.display.caption:  # a shipped scene's caption is a message; the user's own stays as typed
            st.caption(spoken_caption(scene.display.caption))
    diverged = [_("{label} diverged at step {step}").format(label=label, step=step) for label, step in run.diverged()]
    if diverged:
        st.warning(
            "; ".join(diverged)
            + ".  "
            + _("Its curves end at a red ✕; try a smaller learning rate or clip the gradient."),
            icon=":material/trending_up:",
        )
    try:
        for tab, label in zip(tabs(list(M.TABS), "mlp_tab", on_change=_on_tab), M.TABS):
            if tab.open is False:
                continue
            with tab:
                _TABS[label](scene, key)
    except ValueError as e:
        show_error(e)
    ss["_mlp_timing"] = {"compute_s": t1 - t0, "rerun_s": time.perf_counter() - t_start, "fragment": not full}
    # The exports get the run with the open tab's extras (computed above); an exported figure of
    # another tab adds only its own extras, on the click, without training again.
    with exports:
        run_exports(scene, _parts(key, M.TABS.get(tab_name(list(M.TABS), ss.get("mlp_tab")), ()), lang))
