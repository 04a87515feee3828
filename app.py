"""optviz, the page: watch deep-learning optimizers race over 2D test surfaces, live.

Thin on purpose: the sidebar's widgets are read into one frozen `Scene`, the scene is run by
`optviz.scene.run_scene` (cached per scene), and `optviz.figures` turns the results into the
figures shown here.  No maths and no figure building in this file.

The page state lives in the URL: `Scene.from_query` reads it once per session (a bad parameter
falls back to its default with a notice) and `Scene.to_query` writes it back on every rerun, so
copying the address reproduces the picture.

Widget keys (stable, used by the tests): surface, sp_<surface>_<param>, start_x, start_y,
start_preset, steps, noise, noise_seed, clip_on, clip_norm, l2, sched, sched_<param>,
o<slot>_name, o<slot>_<optimizer>_<hyperparameter>, o<slot>_remove, add_choice, add_btn,
demo, theme, font_size, show_title, title, show_legend, show_3d, log_loss, lookahead, frames, fps,
and the main chart main_chart (a click on it sets the start point).

The MLP view (`_view`: the Surfaces | MLP switch atop both sidebars, URL view=mlp) reads its own
widgets into `optviz.mlp.scene.MLPSettings`, kept in `Scene.mlp` (URL m_<setting>), and shows the
figures of `optviz.mlp.scene.mlp_figure`.  Its keys: mlp_preset, mlp_dataset, mlp_classes, mlp_n,
mlp_noise, mlp_val_fraction, mlp_data_seed, mlp_shift, mlp_scale, mlp_standardize, mlp_layers,
mlp_width_<i>, mlp_activation, mlp_init, mlp_loss, mlp_dropout, mlp_batch_norm, mlp_l2, mlp_batch,
mlp_batch_k, mlp_steps, mlp_seed, mlp_sched, mlp_sched_<param>, mlp_clip_on, mlp_clip_norm,
mlp_es_on, mlp_patience, mlp_compare, mlp_o<slot>_name, mlp_o<slot>_<optimizer>_<hyperparameter>,
mlp_o<slot>_remove, mlp_add_choice, mlp_add_btn, mlp_figure, the tabs mlp_tab, and inside them
mlp_directions and mlp_probe.
"""

from __future__ import annotations

import gc
import math
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import streamlit as st

import optviz
from optviz import export, figures
from optviz.api import Result
from optviz.mlp import scene as mlp_scene
from optviz.mlp import warmup as mlp_warmup
from optviz.mlp.scene import MLPSettings
from optviz.optimizers import OPTIMIZERS, HParam
from optviz.scene import ASPECTS, THEMES, Display, OptimizerSpec, Scene, run_scene
from optviz.schedules import SCHEDULE_LATEX, SCHEDULE_NAMES, SCHEDULE_PARAMS, Schedule
from surfaces import SURFACES, Param

MAX_UI_STEPS = 10_000  # the engine takes 100 000; the page's figure is ~5.6 MB at 10 000 steps
MAX_OPTIMIZERS = 12
SCENES_DIR = Path(optviz.__file__).resolve().parent / "scenes"

# Value grids for sliders: log-spaced (1, 2, 3, 5 per decade) and decay coefficients near 1.
_MANTISSAS = (1.0, 2.0, 3.0, 5.0)
_DECAYS = (0.0, 0.1, 0.2, 0.3, 0.5, 0.7, 0.8, 0.85, 0.9, 0.95, 0.98, 0.99, 0.995, 0.999, 0.9995, 0.9999, 0.99999)
_NOISE = (0.0, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0, 2.0, 5.0, 10.0)
_L2 = (0.0, 1e-4, 3e-4, 1e-3, 3e-3, 0.01, 0.03, 0.1, 0.3, 1.0)

st.set_page_config(page_title="optviz: optimizers, live", page_icon="📉", layout="wide")

ss = st.session_state


# ----------------------------------------------------------------------------- value grids


def _log_grid(lo: float, hi: float) -> list[float]:
    out = []
    for e in range(math.floor(math.log10(lo)) - 1, math.ceil(math.log10(hi)) + 1):
        for m in _MANTISSAS:
            v = float(f"{m * 10.0**e:.6g}")
            if lo * (1 - 1e-12) <= v <= hi * (1 + 1e-12):
                out.append(v)
    return out


def _options(key: str, base: list[float] | tuple[float, ...], value: float) -> list[float]:
    """A select_slider's options, fixed for the session and always holding the key's value
    (a value from the URL may lie between grid points)."""
    opts_key = f"_opts_{key}"
    if opts_key not in ss or value not in ss[opts_key]:
        ss[opts_key] = sorted(set(base) | {value})
    return ss[opts_key]


def _fmt(v: float) -> str:
    return f"{v:g}"


def _default(key: str, value: Any) -> None:
    """Seed a widget's value once; the widget then owns it (no value= argument, no warning)."""
    if key not in ss:
        ss[key] = value


# ----------------------------------------------------------------------------- scene -> widget state


def _hp_key(uid: int, name: str, hp: str) -> str:
    return f"o{uid}_{name}_{hp}"


def _hp_state_value(p: HParam, v: float) -> Any:
    if p.kind == "bool":
        return bool(v)
    if p.kind == "int":
        return int(v)
    return float(v)


def _seed_slot(uid: int, spec: OptimizerSpec) -> None:
    ss[f"o{uid}_name"] = spec.name
    opt = OPTIMIZERS[spec.name]
    values = spec.kwargs
    for p in opt.hparams:
        ss[_hp_key(uid, spec.name, p.name)] = _hp_state_value(p, values.get(p.name, p.default))


def _apply_scene(scene: Scene) -> None:
    """Write a scene into the widgets' session state (URL at session start, lecture scenes)."""
    ss["surface"] = scene.surface
    for k, v in scene.surface_params:
        ss[f"sp_{scene.surface}_{k}"] = float(v)
    x, y = scene.start_point
    ss["start_x"], ss["start_y"] = float(x), float(y)
    ss["steps"] = min(int(scene.steps), MAX_UI_STEPS)
    ss["noise"] = float(scene.noise)
    ss["noise_seed"] = int(scene.noise_seed)
    ss["clip_on"] = scene.clip_norm is not None
    ss["clip_norm"] = float(scene.clip_norm) if scene.clip_norm is not None else 1.0
    ss["l2"] = float(scene.l2)
    sched = scene.schedule
    ss["sched"] = sched.name
    ss["sched_decay_rate"] = float(sched.decay_rate)
    ss["sched_decay_steps"] = int(sched.decay_steps or 0)
    ss["sched_staircase"] = bool(sched.staircase)
    ss["sched_end_factor"] = float(sched.end_factor)
    ss["sched_power"] = float(sched.power)
    ss["sched_warmup_steps"] = int(sched.warmup_steps)
    ss["sched_boundaries"] = ", ".join(str(b) for b in sched.boundaries)
    ss["sched_values"] = ", ".join(f"{v:g}" for v in sched.values)
    uids = list(range(ss.get("_next_uid", 0), ss.get("_next_uid", 0) + len(scene.optimizers)))
    ss["_next_uid"] = uids[-1] + 1
    ss["slots"] = uids
    for uid, spec in zip(uids, scene.optimizers):
        _seed_slot(uid, spec)
    d = scene.display
    ss["theme"], ss["font_size"] = d.theme, d.font_size
    ss["show_title"], ss["title"], ss["show_legend"] = d.show_title, d.title, d.show_legend
    ss["show_3d"], ss["log_loss"], ss["lookahead"] = d.show_3d, d.log_loss, d.lookahead
    ss["frames"], ss["fps"] = d.frames, d.fps
    ss["_aspect"], ss["_view"], ss["_mlp"] = d.aspect, scene.view, scene.mlp
    ss["_base_scene"] = scene  # the MLP view keeps the surfaces fields of the scene from here


def _init_session() -> None:
    _default("anim_seconds", 5.0)
    _default("export_scale", 2)
    if "_initialised" in ss:
        return
    scene, notices = Scene.from_query(st.query_params.to_dict())
    if scene.steps > MAX_UI_STEPS:
        notices.append(f"steps={scene.steps} is more than this page draws; using {MAX_UI_STEPS:,}")
        scene = replace(scene, steps=MAX_UI_STEPS)
    _apply_scene(scene)
    ss["_notices"] = notices
    ss["_initialised"] = True


# ----------------------------------------------------------------------------- callbacks


def _on_surface_change() -> None:
    surf = SURFACES[ss["surface"]]
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
        grid = [v for v in _log_grid(spec.min, spec.max) if v <= lr * (1 + 1e-9)]
        key = _hp_key(uid, name, "lr")
        ss[key] = grid[-1] if grid else spec.min
        changed.append(f"{OPTIMIZERS[name].title} {ss[key]:g}")
    if changed:
        st.toast(f"Learning rates suggested for {surf.title}: " + ", ".join(changed), icon=":material/tune:")


def _start_presets(surface: str) -> dict[str, tuple[float, float]]:
    """Named start points, generated from the registry entry."""
    surf = SURFACES[surface]
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
    choice = ss.get("start_preset")
    presets = _start_presets(ss["surface"])
    if choice in presets:
        ss["start_x"], ss["start_y"] = presets[choice]
    ss["start_preset"] = None


def _on_add() -> None:
    if len(ss["slots"]) >= MAX_OPTIMIZERS:
        return
    uid = ss["_next_uid"]
    ss["_next_uid"] = uid + 1
    ss["slots"] = [*ss["slots"], uid]
    _seed_slot(uid, OptimizerSpec(ss.get("add_choice") or "adam"))


def _on_remove(uid: int) -> None:
    if len(ss["slots"]) > 1:
        ss["slots"] = [u for u in ss["slots"] if u != uid]


def _on_demo() -> None:
    name = ss.get("demo")
    ss["demo"] = None
    if not name:
        return
    try:
        scene = Scene.from_json((SCENES_DIR / f"{name}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        ss["_demo_error"] = f"Could not load the scene {name!r}: {e}"
        return
    _apply_scene(scene)


def _consume_click() -> None:
    """A click on the invisible grid of the main chart sets the start point (once per click)."""
    state = ss.get("main_chart")
    points = []
    try:
        points = list(state["selection"]["points"]) if state else []
    except (KeyError, TypeError):
        points = []
    grid = ss.get("_grid_trace")
    hits = [p for p in points if p.get("curve_number", p.get("curveNumber")) == grid]
    if not hits:
        ss["_last_click"] = None
        return
    xy = (float(hits[-1]["x"]), float(hits[-1]["y"]))
    if xy != ss.get("_last_click"):
        ss["_last_click"] = xy
        ss["start_x"], ss["start_y"] = round(xy[0], 4), round(xy[1], 4)


# ----------------------------------------------------------------------------- widgets -> scene


def _param_widget(surface: str, p: Param) -> float:
    key = f"sp_{surface}_{p.name}"
    _default(key, float(p.default))
    if p.log:
        opts = _options(key, _log_grid(p.min, p.max), float(ss[key]))
        return float(st.select_slider(p.label, opts, key=key, format_func=_fmt, help=p.help))
    return float(st.slider(p.label, float(p.min), float(p.max), key=key, step=(p.max - p.min) / 200, help=p.help))


def _hp_widget(uid: int, name: str, p: HParam, key: str | None = None) -> float:
    key = key or _hp_key(uid, name, p.name)
    label = p.name.replace("_", " ") + (f"  ${p.symbol}$" if p.symbol else "")
    _default(key, _hp_state_value(p, p.default))
    if p.kind == "bool":
        return float(st.checkbox(label, key=key, help=p.help))
    if p.kind == "int":
        return float(st.number_input(label, int(p.min), int(p.max), key=key, step=1, help=p.help))
    if p.log:
        opts = _options(key, _log_grid(p.min, p.max), float(ss[key]))
        return float(st.select_slider(label, opts, key=key, format_func=_fmt, help=p.help))
    if p.min >= 0 and 0.99 <= p.max < 1:
        opts = _options(key, [d for d in _DECAYS if p.min <= d <= p.max], float(ss[key]))
        return float(st.select_slider(label, opts, key=key, format_func=_fmt, help=p.help))
    return float(st.slider(label, float(p.min), float(p.max), key=key, step=(p.max - p.min) / 1000, help=p.help))


def _slot_label(uid: int, index: int) -> str:
    name = ss[f"o{uid}_name"]
    opt = OPTIMIZERS[name]
    bits = []
    for p in opt.hparams[:2]:
        v = ss.get(_hp_key(uid, name, p.name), p.default)
        if p.kind == "float":
            bits.append(f"{p.name} {v:g}")
    return f"{index + 1} · {opt.title}" + (f"  ({', '.join(bits)})" if bits else "")


def _optimizer_controls() -> list[OptimizerSpec]:
    specs = []
    names = list(OPTIMIZERS)
    for i, uid in enumerate(ss["slots"]):
        with st.expander(_slot_label(uid, i), expanded=False):
            color = figures.color_for(i)
            st.markdown(
                f"<div style='height:5px;border-radius:3px;background:{color};margin:-4px 0 8px 0'></div>",
                unsafe_allow_html=True,
            )
            c1, c2 = st.columns([5, 1], vertical_alignment="bottom")
            name = c1.selectbox("optimizer", names, key=f"o{uid}_name", format_func=lambda n: OPTIMIZERS[n].title)
            c2.button(
                ":material/delete:",
                key=f"o{uid}_remove",
                on_click=_on_remove,
                args=(uid,),
                help="remove this optimizer",
                disabled=len(ss["slots"]) <= 1,
            )
            opt = OPTIMIZERS[name]
            st.caption(f"{opt.note}  \n*as* `{opt.follows}`")
            hps = {p.name: _hp_widget(uid, name, p) for p in opt.hparams}
        specs.append(OptimizerSpec(name, tuple(hps.items())))
    c1, c2 = st.columns([3, 1], vertical_alignment="bottom")
    _default("add_choice", "adam")
    c1.selectbox("add an optimizer", names, key="add_choice", format_func=lambda n: OPTIMIZERS[n].title)
    c2.button("Add", key="add_btn", on_click=_on_add, disabled=len(ss["slots"]) >= MAX_OPTIMIZERS)
    return specs


def _parse_list(text: str, what: str, conv: Any) -> tuple:
    try:
        return tuple(conv(t) for t in text.replace(";", ",").split(",") if t.strip())
    except ValueError:
        raise ValueError(f"{what} must be numbers separated by commas, got {text!r}") from None


def _schedule_controls(k: str = "sched") -> Schedule:
    """The schedule's widgets under the key prefix k ("sched"; the MLP view: "mlp_sched")."""
    name = st.selectbox("learning-rate schedule", SCHEDULE_NAMES, key=k)
    st.latex(SCHEDULE_LATEX[name])
    kw: dict[str, Any] = {"name": name}
    params = SCHEDULE_PARAMS[name]
    if "boundaries" in params:
        kw["boundaries"] = _parse_list(
            st.text_input("boundaries  $b_i$ (steps)", key=f"{k}_boundaries", help="e.g. 300, 600"),
            "boundaries",
            lambda s: int(float(s)),
        )
        kw["values"] = _parse_list(
            st.text_input("factors  $c_i$", key=f"{k}_values", help="one more than boundaries, e.g. 1, 0.1, 0.01"),
            "factors",
            float,
        )
    if "decay_rate" in params:
        kw["decay_rate"] = st.slider("decay rate  $r$", 0.01, 1.0, key=f"{k}_decay_rate", step=0.01)
    if "end_factor" in params:
        kw["end_factor"] = st.slider("end factor  $e$", 0.0, 1.0, key=f"{k}_end_factor", step=0.01)
    if "power" in params:
        kw["power"] = st.slider("power  $p$", 0.1, 10.0, key=f"{k}_power", step=0.1)
    if "decay_steps" in params:
        ds = st.number_input(
            "decay steps  $T$",
            0,
            MAX_UI_STEPS,
            key=f"{k}_decay_steps",
            step=10,
            help="0: automatic (100 for exponential; the whole run after warm-up otherwise)",
        )
        kw["decay_steps"] = int(ds) or None
    if "staircase" in params:
        kw["staircase"] = st.checkbox("staircase", key=f"{k}_staircase")
    kw["warmup_steps"] = int(
        st.number_input("warm-up steps", 0, MAX_UI_STEPS, key=f"{k}_warmup_steps", step=10, help="linear warm-up")
    )
    return Schedule.coerce(kw)


def _sidebar() -> Scene:
    """Every control, read into one Scene (ValueError with a readable message if invalid)."""
    sb = st.sidebar
    with sb:
        _view_switch()
        _scene_picker()
        st.header("Surface", divider="gray")
        names = list(SURFACES)
        surface = st.selectbox(
            "surface", names, key="surface", format_func=lambda n: SURFACES[n].title, on_change=_on_surface_change
        )
        surf = SURFACES[surface]
        # inline math: KaTeX may break a long formula after a + or =, display math would be cut off
        st.markdown(f"${surf.latex}$")
        sp = {p.name: _param_widget(surface, p) for p in surf.params}

        st.header("Start", divider="gray")
        c1, c2 = st.columns(2)
        x = c1.number_input("x₀", key="start_x", step=0.1, format="%.4g")
        y = c2.number_input("y₀", key="start_y", step=0.1, format="%.4g")
        _default("start_preset", None)
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

        st.header("Run", divider="gray")
        steps = int(st.number_input("steps", 1, MAX_UI_STEPS, key="steps", step=100))
        c1, c2 = st.columns([3, 2])
        noise = c1.select_slider(
            "gradient noise σ",
            _options("noise", _NOISE, float(ss["noise"])),
            key="noise",
            format_func=_fmt,
            help="Gaussian noise added to every gradient: makes the smooth gradient path jitter like SGD's",
        )
        seed = c2.number_input("noise seed", 0, 2**31 - 1, key="noise_seed", step=1)
        with st.expander("gradient clipping and L2"):
            clip_on = st.checkbox("clip the gradient norm", key="clip_on")
            clip = st.select_slider(
                "max norm",
                _options("clip_norm", _log_grid(1e-3, 1e3), float(ss["clip_norm"])),
                key="clip_norm",
                format_func=_fmt,
                disabled=not clip_on,
            )
            l2 = st.select_slider(
                "L2 weight decay",
                _options("l2", _L2, float(ss["l2"])),
                key="l2",
                format_func=_fmt,
                help="adds l2·θ to every gradient (coupled weight decay)",
            )
        schedule = _schedule_controls()

        st.header("Optimizers", divider="gray")
        specs = _optimizer_controls()

        st.header("View", divider="gray")
        c1, c2 = st.columns(2)
        theme = c1.selectbox("theme", THEMES, key="theme")
        font_size = c2.slider("font size", 10, 28, key="font_size")
        show_title = st.checkbox("title", key="show_title")
        title = st.text_input(
            "title text", key="title", placeholder="automatic", disabled=not show_title, label_visibility="collapsed"
        )
        c1, c2 = st.columns(2)
        show_legend = c1.checkbox("legend", key="show_legend")
        log_loss = c2.checkbox("log loss axis", key="log_loss")
        show_3d = st.toggle("3D view of the surface", key="show_3d")
        _default("lookahead", False)
        st.toggle(
            "Nesterov's look-ahead θ + μv",
            key="lookahead",
            help="draw Nesterov's textbook iterate θₜ (dotted) and, while playing, its look-ahead step μvₜ",
        )
        c1, c2 = st.columns(2)
        frames = c1.slider("frames", 10, 300, key="frames", help="animation frames (the final picture is exact)")
        fps = c2.slider("frames / s", 2, 60, key="fps")

        # ---- Export: download buttons are added here by optviz.export (another module).

    display = Display(
        theme=theme,
        font_size=int(font_size),
        aspect=ss.get("_aspect", "16:9"),
        title=title,
        show_title=bool(show_title),
        show_legend=bool(show_legend),
        show_3d=bool(show_3d),
        log_loss=bool(log_loss),
        lookahead=bool(ss.get("lookahead")),
        frames=int(frames),
        fps=int(fps),
    )
    start = (float(x), float(y))
    return Scene(
        view=ss.get("_view", "surfaces"),
        surface=surface,
        surface_params=tuple(sp.items()),
        start=None if start == tuple(surf.start) else start,
        steps=steps,
        schedule=schedule,
        noise=float(noise),
        noise_seed=int(seed),
        clip_norm=float(clip) if clip_on else None,
        l2=float(l2),
        optimizers=tuple(specs),
        display=display,
        mlp=ss.get("_mlp", ()),
    )


# ----------------------------------------------------------------------------- compute (cached)


@st.cache_resource(show_spinner=False)
def _background_compiles() -> dict[str, Any]:
    """Per server process: the helper process compiling the MLP kernels, if one was started."""
    return {"mlp": None}


@st.cache_resource(show_spinner=False)
def _warm() -> float:
    """Compile (or load from Numba's cache) the kernels once per server process."""
    t = time.perf_counter()
    optviz.warmup()
    # The MLP view's kernels take ~12 s to compile cold: start them now in a second process, so a
    # later switch to the MLP view loads them from Numba's cache instead of waiting.
    _background_compiles()["mlp"] = optviz.api.compile_mlp_in_background()
    # Everything alive now (Streamlit, plotly's validators, numba) lives as long as the server:
    # freezing it keeps full garbage collections from rescanning it during a rerun.  Measured on
    # the default scene's figure build: 90th percentile 214 -> 140 ms.
    gc.freeze()
    return time.perf_counter() - t


@st.cache_data(max_entries=64, show_spinner=False)
def _results(scene_json: str) -> list[Result]:
    """The scene's runs, cached per parameter set (the display does not enter the key)."""
    return run_scene(Scene.from_json(scene_json))


def _run(scene: Scene) -> list[Result]:
    return _results(replace(scene, display=Display()).to_json())


# ----------------------------------------------------------------------------- export


@st.cache_resource(show_spinner=False)
def _browser() -> export.Browser | None:
    """One headless Chromium for every export of this server process (None: none installed)."""
    return export.Browser() if export.find_browser() else None


def _on_scene_upload() -> None:
    up = ss.get("scene_upload")
    if up is None:
        return
    try:
        _apply_scene(Scene.from_json(up.getvalue()))
    except ValueError as e:
        ss["_demo_error"] = f"Could not load {up.name}: {e}"


def _render_animation(scene: Scene, fmt: str, seconds: float, browser: export.Browser, results: Any) -> None:
    """Render a GIF or MP4 with a frame counter; keep the bytes for the download button."""
    bar = st.progress(0.0, text=f"rendering {fmt.upper()}…")

    def progress(done: int, total: int, label: str) -> None:
        bar.progress(min(done / max(total, 1), 1.0), text=f"rendering {fmt.upper()}: frame {done} of {total}")

    try:
        data = export.export_bytes(scene, fmt, seconds=seconds, progress=progress, browser=browser, results=results)
    except (export.ExportError, ValueError, OSError) as e:
        bar.empty()
        st.error(f"The {fmt.upper()} could not be written: {e}")
        return
    bar.empty()
    ss["_animation"] = (scene.to_json(), seconds, fmt, data)


def _export_section(scene: Scene, results: Any = None) -> None:
    """Sidebar: pictures, animations, offline HTML, data and the scene itself, for slides.

    results: the page's results of the scene, reused by every export (None: the export runs the
    scene itself, as the MLP view does: its cache holds only the parts of the open tab).
    """
    stem = f"optviz_{scene.surface if scene.view == 'surfaces' else 'mlp'}"
    browser = _browser()
    with st.sidebar:
        st.header("Export", divider="gray")
        st.radio("slide aspect", ASPECTS, key="_aspect", horizontal=True, help="size of exported pictures")
        if browser is None:
            st.info(export.browser_missing_message(), icon=":material/info:")
        else:
            browser.start()  # boots while the page renders; returns at once

        def download(label: str, fmt: str, name: str, **kw: Any) -> None:
            needs_browser = fmt in export.BROWSER_FORMATS
            st.download_button(
                label,
                # a callable: the file is made only when the button is clicked, not on every rerun
                data=lambda: export.export_bytes(scene, fmt, browser=browser, results=results, **kw),
                file_name=f"{name}.{fmt}",
                mime=export.MIME_TYPES[fmt],
                on_click="ignore",
                disabled=needs_browser and browser is None,
                key=f"dl_{fmt}",
                width="stretch",
            )

        scale = st.segmented_control("PNG scale", [1, 2, 4], key="export_scale", format_func=lambda v: f"{v}x")
        c1, c2, c3 = st.columns(3)
        with c1:
            download("PNG", "png", stem, scale=scale or 2)
        with c2:
            download("SVG", "svg", stem)
        with c3:
            download("PDF", "pdf", stem)
        c1, c2, c3 = st.columns(3)
        with c1:
            download("HTML", "html", stem)
        with c2:
            download("CSV", "csv", stem)
        with c3:
            download("Scene", "json", stem)
        st.caption("HTML plays offline (plotly.js inside); CSV has one row per optimizer and step.")

        seconds = st.slider("animation length (s)", 1.0, 20.0, key="anim_seconds", step=0.5)
        n_frames = round(seconds * scene.display.fps)
        st.caption(f"{scene.display.fps} frames per second (set under View): {n_frames} frames")
        c1, c2 = st.columns(2)
        for col, fmt in ((c1, "gif"), (c2, "mp4")):
            if col.button(f"Render {fmt.upper()}", key=f"render_{fmt}", disabled=browser is None, width="stretch"):
                _render_animation(scene, fmt, seconds, browser, results)
        anim = ss.get("_animation")
        if anim and anim[0] == scene.to_json() and anim[1] == seconds:
            fmt, data = anim[2], anim[3]
            st.download_button(
                f"Download {fmt.upper()} ({len(data) / 1e6:.1f} MB)",
                data,
                file_name=f"{stem}.{fmt}",
                mime=export.MIME_TYPES[fmt],
                on_click="ignore",
                key="dl_animation",
                type="primary",
                width="stretch",
            )

        st.markdown("**Share this scene**")
        base = getattr(st.context, "url", "") or ""
        st.code(base.split("?")[0] + "?" + "&".join(f"{k}={v}" for k, v in st.query_params.items()), language=None)
        st.caption("The address holds the whole scene: copy it (button at the right) to share it.")
        st.file_uploader("Load a scene file", type=["json"], key="scene_upload", on_change=_on_scene_upload)


# ----------------------------------------------------------------------------- page


def _header() -> None:
    st.markdown(
        "<div style='display:flex;align-items:baseline;gap:.8rem;margin:-2.2rem 0 .2rem 0'>"
        "<span style='font-size:1.9rem;font-weight:700;letter-spacing:-.02em'>optviz</span>"
        "<span style='opacity:.7'>watch deep-learning optimizers race over a loss surface: "
        "change any control and the paths update.</span></div>",
        unsafe_allow_html=True,
    )


def _table(scene: Scene, results: list[Result]) -> list[dict[str, str]]:
    """`figures.results_table`, as text for the page: no 'None', numbers to 4 significant digits."""
    tol = f"first step with f − f* ≤ {figures.CONVERGENCE_TOL:g}"
    has_min = bool(SURFACES[scene.surface].minima)
    out = []
    for row in figures.results_table(scene, results):
        dist = row["distance to nearest minimum"]
        first = row[tol]
        out.append(
            {
                "optimizer": row["optimizer"],
                "final loss": f"{row['final loss']:.4g}",
                "distance to nearest minimum": f"{dist:.3g} to {row['nearest minimum']}" if has_min else "no minimum",
                f"reaches f* + {figures.CONVERGENCE_TOL:g}": "—"
                if not has_min
                else ("never" if first is None else f"step {first:,}"),
                "diverged": row["diverged"] or "no",
                "steps run": f"{row['steps run']:,}",
            }
        )
    return out


def _update_rules(scene: Scene) -> None:
    labels = scene.labels()
    seen: dict[str, str] = {}
    for spec, label in zip(scene.optimizers, labels):
        seen.setdefault(spec.name, label)
    tabs = st.tabs([OPTIMIZERS[n].title for n in seen])
    for tab, name in zip(tabs, seen):
        opt = OPTIMIZERS[name]
        with tab:
            st.latex(opt.latex)
            lines = [f"- ${sym}$: {text}" for sym, text in opt.symbols.items()]
            for p in opt.hparams:
                if p.symbol and not any(p.symbol == s for s in opt.symbols):
                    lines.append(f"- ${p.symbol}$ (`{p.name}`): {p.help}")
            st.markdown("\n".join(lines))
            st.caption(f"{opt.note}  Follows `{opt.follows}`.")


# ----------------------------------------------------------------------------- the MLP view
#
# The same pattern as the surfaces: widgets -> MLPSettings -> a Scene of view "mlp" (the settings
# in Scene.mlp, see optviz.mlp.scene) -> run_mlp_scene (cached) -> figures from its builders.
# Widgets that Streamlit drops while the other view is shown are re-seeded from the scene:
# ss["_mlp"] (the MLP settings' pairs) and ss["_base_scene"] (the surfaces' fields).

VIEW_TITLES = {"surfaces": "Surfaces", "mlp": "MLP"}
_MLP_N = (16, 32, 48, 64, 80, 100, 128, 160, 200, 256, 320, 400, 512, 768, 1000)
_MLP_NOISE = (0.0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5, 0.6, 0.8, 1.0)
_MLP_SCALE = (0.01, 0.03, 0.1, 0.3, 1.0, 2.0, 3.0, 5.0, 10.0, 30.0, 100.0)
_MLP_WIDTHS = (2, 3, 4, 6, 8, 12, 16, 24, 32)
_MLP_STEPS = (20, 50, 100, 200, 300, 500, 800, 1000, 1500, 2000, 3000, 5000, 10_000)
_MLP_BATCH = (2, 4, 8, 16, 32, 64, 128)
_MLP_PATIENCE = (10, 20, 50, 100, 200, 300, 500, 1000)
_MLP_DROPOUT = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
_BATCH_MODES = {"full": "full", "mini": "mini-batch", "one": "1"}
_MLP_PAGE_FRAMES = 40  # decision-boundary frames on the page (~0.3 s, 0.6 MB); exports use display.frames


def _titled(titles: dict[str, str]) -> Any:
    """A format_func showing titles[v] (a value without a title shows as itself)."""
    return lambda v: titles.get(v, v)


def _view_switch() -> None:
    """Surfaces | MLP, at the top of both sidebars: the Scene's `view` (URL view=mlp)."""
    _default("_view", "surfaces")
    st.segmented_control(
        "view",
        list(VIEW_TITLES),
        key="_view",
        format_func=_titled(VIEW_TITLES),
        required=True,
        on_change=_on_view,
        label_visibility="collapsed",
        width="stretch",
    )


def _scene_picker() -> None:
    """The shipped lecture scenes (both views): loading one may switch the view."""
    demos = sorted(p.stem for p in SCENES_DIR.glob("*.json")) if SCENES_DIR.is_dir() else []
    if demos:
        _default("demo", None)
        st.selectbox(
            "Lecture scenes",
            demos,
            key="demo",
            index=None,
            placeholder="load a prepared scene…",
            format_func=lambda s: s.replace("_", " "),
            on_change=_on_demo,
        )


def _on_view() -> None:
    """Back to the surfaces: their widgets were dropped while hidden, so re-seed them from the scene."""
    base = ss.get("_base_scene")
    if ss.get("_view") == "surfaces" and base is not None:
        _apply_scene(replace(base, view="surfaces", mlp=ss.get("_mlp", ())))


def _mlp_state(s: MLPSettings) -> dict[str, Any]:
    """The MLP widgets' session-state values that show the settings s (inverse of _mlp_sidebar)."""
    k = s.batch_size
    sched = s.schedule
    state: dict[str, Any] = {
        "mlp_dataset": s.dataset,
        "mlp_n": s.n,
        "mlp_noise": s.noise,
        "mlp_classes": s.classes,
        "mlp_val_fraction": s.val_fraction,
        "mlp_data_seed": s.data_seed,
        "mlp_shift": s.shift,
        "mlp_scale": s.scale,
        "mlp_standardize": s.standardize,
        "mlp_layers": len(s.hidden),
        "mlp_activation": s.activation,
        "mlp_init": s.init,
        "mlp_loss": s.loss,
        "mlp_dropout": s.dropout,
        "mlp_batch_norm": s.batch_norm,
        "mlp_l2": s.l2,
        "mlp_batch": "full" if k is None else "one" if k == 1 else "mini",
        "mlp_batch_k": k if k is not None and k > 1 else 32,
        "mlp_steps": s.steps,
        "mlp_seed": s.seed,
        "mlp_clip_on": s.clip_norm is not None,
        "mlp_clip_norm": s.clip_norm or 1.0,
        "mlp_es_on": s.patience is not None,
        "mlp_patience": s.patience or 100,
        "mlp_compare": s.compare,
        "mlp_directions": s.directions,
        "mlp_probe": s.probe,
        "mlp_figure": s.figure,
        "mlp_tab": mlp_scene.TAB_OF_FIGURE[s.figure],
        "mlp_sched": sched.name,
        "mlp_sched_decay_rate": float(sched.decay_rate),
        "mlp_sched_decay_steps": int(sched.decay_steps or 0),
        "mlp_sched_staircase": bool(sched.staircase),
        "mlp_sched_end_factor": float(sched.end_factor),
        "mlp_sched_power": float(sched.power),
        "mlp_sched_warmup_steps": int(sched.warmup_steps),
        "mlp_sched_boundaries": ", ".join(str(b) for b in sched.boundaries),
        "mlp_sched_values": ", ".join(f"{v:g}" for v in sched.values),
    }
    for i in range(3):
        state[f"mlp_width_{i}"] = s.hidden[i] if i < len(s.hidden) else 16
    return state


def _mlp_seed_slot(uid: int, spec: OptimizerSpec, overwrite: bool) -> None:
    values = {f"mlp_o{uid}_name": spec.name}
    for p in OPTIMIZERS[spec.name].hparams:
        values[f"mlp_o{uid}_{spec.name}_{p.name}"] = _hp_state_value(p, spec.kwargs.get(p.name, p.default))
    for k, v in values.items():
        if overwrite or k not in ss:
            ss[k] = v


def _mlp_sync() -> None:
    """Show ss["_mlp"] in the widgets: all of them when a link, scene or preset brought new
    settings, else only the keys Streamlit dropped (while the surfaces were shown)."""
    pairs = ss.get("_mlp", ())
    s = MLPSettings.from_pairs(pairs)
    fresh = ss.get("_mlp_applied") != pairs
    for k, v in _mlp_state(s).items():
        if fresh or k not in ss:
            ss[k] = v
    slots = ss.get("mlp_slots")
    if fresh or slots is None:  # (after Add or Remove the slots differ from the settings on purpose)
        start = ss.get("mlp_next_uid", 0)
        ss["mlp_slots"] = slots = list(range(start, start + len(s.optimizers)))
        ss["mlp_next_uid"] = start + len(s.optimizers)
        fresh = True
    for uid, spec in zip(slots, s.optimizers):
        _mlp_seed_slot(uid, spec, fresh)
    ss["_mlp_applied"] = pairs


def _on_mlp_preset() -> None:
    name = ss.get("mlp_preset")
    ss["mlp_preset"] = None
    if name in mlp_scene.PRESETS:
        ss["_mlp"] = mlp_scene.preset(name).to_pairs()


def _on_mlp_add() -> None:
    if len(ss["mlp_slots"]) >= mlp_scene.MAX_MLP_OPTIMIZERS:
        return
    uid = ss["mlp_next_uid"]
    ss["mlp_next_uid"] = uid + 1
    ss["mlp_slots"] = [*ss["mlp_slots"], uid]
    _mlp_seed_slot(uid, OptimizerSpec(ss.get("mlp_add_choice") or "adam"), True)


def _on_mlp_remove(uid: int) -> None:
    if len(ss["mlp_slots"]) > 1:
        ss["mlp_slots"] = [u for u in ss["mlp_slots"] if u != uid]


def _on_mlp_tab() -> None:
    """Opening a tab makes its first figure the one exported (unless one of its figures already is)."""
    tab = ss.get("mlp_tab")
    if tab in mlp_scene.TABS and mlp_scene.TAB_OF_FIGURE.get(ss.get("mlp_figure")) != tab:
        ss["mlp_figure"] = mlp_scene.TABS[tab][0]


def _on_mlp_figure() -> None:
    ss["mlp_tab"] = mlp_scene.TAB_OF_FIGURE[ss["mlp_figure"]]


def _mlp_select_slider(label: str, key: str, grid: Any, default: Any, **kw: Any) -> Any:
    _default(key, default)
    return st.select_slider(label, _options(key, grid, ss[key]), key=key, format_func=_fmt, **kw)


def _mlp_optimizer_controls(compare: str) -> list[OptimizerSpec]:
    specs = []
    names = list(mlp_scene.MLP_OPTIMIZERS)
    slots = ss["mlp_slots"]
    for i, uid in enumerate(slots):
        trained = compare == "optimizers" or i == 0
        title = OPTIMIZERS[ss[f"mlp_o{uid}_name"]].title
        lr = ss.get(f"mlp_o{uid}_{ss[f'mlp_o{uid}_name']}_lr")
        label = f"{i + 1} · {title}" + (f"  (lr {lr:g})" if lr is not None else "") + ("" if trained else "  · idle")
        with st.expander(label, expanded=False):
            if compare == "optimizers":
                st.markdown(
                    f"<div style='height:5px;border-radius:3px;background:{figures.color_for(i)};margin:-4px 0 8px 0'>"
                    "</div>",
                    unsafe_allow_html=True,
                )
            elif not trained:
                st.caption("Only the first optimizer trains while something else is compared.")
            c1, c2 = st.columns([5, 1], vertical_alignment="bottom")
            name = c1.selectbox("optimizer", names, key=f"mlp_o{uid}_name", format_func=lambda n: OPTIMIZERS[n].title)
            c2.button(
                ":material/delete:",
                key=f"mlp_o{uid}_remove",
                on_click=_on_mlp_remove,
                args=(uid,),
                help="remove this optimizer",
                disabled=len(slots) <= 1,
            )
            opt = OPTIMIZERS[name]
            st.caption(f"{opt.note}  \n*as* `{opt.follows}`")
            hps = {p.name: _hp_widget(uid, name, p, key=f"mlp_o{uid}_{name}_{p.name}") for p in opt.hparams}
        specs.append(OptimizerSpec(name, tuple(hps.items())))
    c1, c2 = st.columns([3, 1], vertical_alignment="bottom")
    _default("mlp_add_choice", "adam")
    c1.selectbox("add an optimizer", names, key="mlp_add_choice", format_func=lambda n: OPTIMIZERS[n].title)
    c2.button("Add", key="mlp_add_btn", on_click=_on_mlp_add, disabled=len(slots) >= mlp_scene.MAX_MLP_OPTIMIZERS)
    return specs


def _mlp_sidebar(base: Scene) -> tuple[MLPSettings, Display]:
    """Every MLP control, read into MLPSettings (ValueError with a readable message if invalid)."""
    M = mlp_scene
    with st.sidebar:
        _view_switch()
        _scene_picker()
        _default("mlp_preset", None)
        st.selectbox(
            "MLP demonstrations",
            list(M.PRESETS),
            key="mlp_preset",
            index=None,
            placeholder="show a lecture demonstration…",
            on_change=_on_mlp_preset,
        )

        st.header("Data", divider="gray")
        c1, c2 = st.columns([3, 2])
        dataset = c1.selectbox(
            "data set", list(M.DATASET_TITLES), key="mlp_dataset", format_func=_titled(M.DATASET_TITLES)
        )
        classes = c2.slider("classes", 2, 4, key="mlp_classes", disabled=dataset != "blobs", help="blobs only")
        c1, c2 = st.columns(2)
        with c1:
            n = _mlp_select_slider("points", "mlp_n", _MLP_N, 256)
        with c2:
            noise = _mlp_select_slider("noise σ", "mlp_noise", _MLP_NOISE, 0.2)
        c1, c2 = st.columns([3, 2])
        val_fraction = c1.slider(
            "validation share",
            0.0,
            0.5,
            key="mlp_val_fraction",
            step=0.05,
            help="held out for the validation curve and early stopping (0: none)",
        )
        data_seed = c2.number_input("data seed", 0, 2**31 - 1, key="mlp_data_seed", step=1)
        with st.expander("input scale and shift (C24)"):
            c1, c2 = st.columns(2)
            shift = c1.number_input("shift", -100.0, 100.0, key="mlp_shift", step=1.0, help="added to both inputs")
            with c2:
                scale = _mlp_select_slider(
                    "scale", "mlp_scale", _MLP_SCALE, 1.0, help="inputs become x · scale + shift"
                )
        standardize = st.toggle(
            "standardise the inputs",
            key="mlp_standardize",
            help="mean 0 and std 1 per feature, fitted on the training part only",
        )

        st.header("Network", divider="gray")
        layers = st.slider("hidden layers", 1, 3, key="mlp_layers")
        cols = st.columns(3)
        hidden = []
        for i in range(layers):
            with cols[i]:
                hidden.append(int(_mlp_select_slider(f"width {i + 1}", f"mlp_width_{i}", _MLP_WIDTHS, 16)))
        c1, c2 = st.columns(2)
        activation = c1.selectbox(
            "activation", list(M.ACTIVATION_TITLES), key="mlp_activation", format_func=_titled(M.ACTIVATION_TITLES)
        )
        init = c2.selectbox("init", list(M.INIT_TITLES), key="mlp_init", format_func=_titled(M.INIT_TITLES))
        loss = st.selectbox("loss", list(M.LOSS_TITLES), key="mlp_loss", format_func=_titled(M.LOSS_TITLES))
        with st.expander("dropout, batch norm, L2 (C26, C27, C29)"):
            dropout = _mlp_select_slider("dropout rate p", "mlp_dropout", _MLP_DROPOUT, 0.0)
            batch_norm = st.toggle("batch normalisation", key="mlp_batch_norm")
            l2 = _mlp_select_slider(
                "L2 penalty λ",
                "mlp_l2",
                _L2,
                0.0,
                help="adds ½λ‖W‖² to the loss; AdamW's decoupled weight decay is its own hyperparameter",
            )

        st.header("Training", divider="gray")
        mode = st.segmented_control(
            "batch size",
            list(_BATCH_MODES),
            key="mlp_batch",
            format_func=_titled(_BATCH_MODES),
            required=True,
            width="stretch",
        )
        k = _mlp_select_slider("k: points per mini-batch", "mlp_batch_k", _MLP_BATCH, 32, disabled=mode != "mini")
        c1, c2 = st.columns([3, 2])
        with c1:
            steps = _mlp_select_slider("steps", "mlp_steps", _MLP_STEPS, 500)
        seed = c2.number_input(
            "init seed",
            0,
            2**31 - 1,
            key="mlp_seed",
            step=1,
            help="the initial weights (the same for every panel), the batch order and the dropout masks",
        )
        schedule = _schedule_controls("mlp_sched")
        with st.expander("gradient clipping, early stopping (C23, C28)"):
            clip_on = st.checkbox("clip the gradient norm", key="mlp_clip_on")
            clip = _mlp_select_slider("max norm", "mlp_clip_norm", _log_grid(1e-3, 1e3), 1.0, disabled=not clip_on)
            es_on = st.checkbox("early stopping on the validation loss", key="mlp_es_on")
            patience = _mlp_select_slider("patience (steps)", "mlp_patience", _MLP_PATIENCE, 100, disabled=not es_on)

        st.header("Compare", divider="gray")
        compare = st.selectbox(
            "side by side", list(M.COMPARISONS), key="mlp_compare", format_func=lambda c: M.COMPARISONS[c][0]
        )
        st.caption(M.COMPARISONS[compare][1] + ".")
        specs = _mlp_optimizer_controls(compare)

        st.header("View", divider="gray")
        c1, c2 = st.columns(2)
        theme = c1.selectbox("theme", THEMES, key="theme")
        font_size = c2.slider("font size", 10, 28, key="font_size")
        c1, c2 = st.columns(2)
        show_legend = c1.checkbox("legend", key="show_legend")
        log_loss = c2.checkbox("log loss axis", key="log_loss")
        figure = st.selectbox(
            "figure for export",
            M.FIGURES,
            key="mlp_figure",
            format_func=_titled(M.FIGURE_TITLES),
            on_change=_on_mlp_figure,
            help="the figure the Export buttons below write (opening a tab picks its first one)",
        )

    settings = MLPSettings(
        dataset=dataset,
        n=int(n),
        noise=float(noise),
        classes=int(classes),
        data_seed=int(data_seed),
        shift=float(shift),
        scale=float(scale),
        standardize=bool(standardize),
        val_fraction=float(val_fraction),
        hidden=tuple(hidden),
        activation=activation,
        init=init,
        loss=loss,
        dropout=float(dropout),
        batch_norm=bool(batch_norm),
        l2=float(l2),
        batch_size=None if mode == "full" else 1 if mode == "one" else int(k),
        steps=int(steps),
        schedule=schedule,
        clip_norm=float(clip) if clip_on else None,
        patience=int(patience) if es_on else None,
        seed=int(seed),
        optimizers=tuple(specs),
        compare=compare,
        directions=ss.get("mlp_directions", "pca"),  # widgets of the tabs, drawn further down
        probe=ss.get("mlp_probe", "lecture"),
        figure=figure,
    )
    display = replace(
        base.display,
        theme=theme,
        font_size=int(font_size),
        show_legend=bool(show_legend),
        log_loss=bool(log_loss),
        aspect=ss.get("_aspect", base.display.aspect),
    )
    return settings, display


@st.cache_resource(show_spinner=False)
def _warm_mlp() -> float:
    """Compile (or load from Numba's cache) the MLP kernels once per server process."""
    t = time.perf_counter()
    helper = _background_compiles()["mlp"]
    if helper is not None:
        helper.wait()  # compiled meanwhile by the process _warm started: this loads it from the cache
    mlp_warmup()
    return time.perf_counter() - t


@st.cache_data(max_entries=32, show_spinner=False)
def _mlp_core(key: str) -> mlp_scene.MLPRun:
    """Data and trained runs of a scene, cached per MLP settings (`mlp_scene.compute_key`)."""
    return mlp_scene.run_mlp_scene(Scene.from_json(key), parts=())


@st.cache_data(max_entries=32, show_spinner=False)
def _mlp_parts(key: str, parts: tuple[str, ...]) -> mlp_scene.MLPRun:
    """The run with the extras of one tab (landscape, slices, activations, gradient check)."""
    return mlp_scene.add_parts(_mlp_core(key), parts)


def _mlp_chart(scene: Scene, run: mlp_scene.MLPRun, name: str, **kw: Any) -> None:
    st.plotly_chart(
        mlp_scene.mlp_figure(scene, run, name, **kw),
        key=f"mlp_chart_{name}",
        theme=None,
        config={
            "displaylogo": False,
            "modeBarButtonsToRemove": ["select2d", "lasso2d", "autoScale2d"],
            "toImageButtonOptions": {"format": "png", "scale": 2, "filename": f"optviz_mlp_{name}"},
        },
    )


def _mlp_table(run: mlp_scene.MLPRun) -> list[dict[str, str]]:
    def num(v: float | None, fmt: str) -> str:
        return "—" if v is None else format(v, fmt)

    def step(v: int | None, none: str = "—") -> str:
        return none if v is None else f"step {v:,}"

    return [
        {
            "run": row["run"],
            "train loss": num(row["train loss"], ".4g"),
            "validation loss": num(row["validation loss"], ".4g"),
            "train accuracy": num(row["train accuracy"], ".1%"),
            "validation accuracy": num(row["validation accuracy"], ".1%"),
            "lowest validation loss": step(row["lowest validation loss at step"]),
            "early stop": step(row["early stop at step"], "no"),
            "diverged": step(row["diverged at step"], "no"),
        }
        for row in run.summary()
    ]


def _mlp_tab_training(scene: Scene, run: mlp_scene.MLPRun, key: str) -> None:
    _mlp_chart(scene, run, "boundary", height=500, frames=_MLP_PAGE_FRAMES)
    st.caption(
        "Colour: the predicted class; depth of tint: the confidence.  Hollow markers are validation points.  "
        "▶ plays the training; the slider picks a step."
    )
    _mlp_chart(scene, run, "curves")
    st.caption(
        "Solid: training loss, dotted: validation loss.  ★ the lowest validation loss; a dotted vertical line "
        "where early stopping ended a run; a red ✕ where a run diverged."
    )
    if run.lr_varies:
        _mlp_chart(scene, run, "lr")
    st.dataframe(_mlp_table(run), hide_index=True, width="stretch")


def _mlp_tab_landscape(scene: Scene, run: mlp_scene.MLPRun, key: str) -> None:
    M = mlp_scene
    c1, c2 = st.columns([2, 3], vertical_alignment="bottom")
    c1.selectbox(
        "plane directions",
        list(M.DIRECTION_TITLES),
        key="mlp_directions",
        format_func=_titled(M.DIRECTION_TITLES),
        help="PCA: the plane that holds most of the paths; random and filter-normalised (Li et al. 2018) "
        "directions: a plane through the final point that the paths mostly leave",
    )
    with st.spinner("Evaluating the loss on the plane…"):
        run = _mlp_parts(key, ("landscape", "slices"))
    if run.notes.get("landscape"):
        c2.caption(run.notes["landscape"])
    if run.landscape is None:
        st.info("No landscape to draw: every run diverged.", icon=":material/info:")
        return
    _mlp_chart(scene, run, "landscape")
    st.caption(
        "L(θ_c + a·d₁ + b·d₂) around the first run's final point θ_c; each path is projected onto the plane "
        "(exact for PCA planes up to the variance they hold).  Circle: start, star: end."
    )
    c1, c2 = st.columns(2)
    with c1:
        _mlp_chart(scene, run, "slices")
    with c2:
        _mlp_chart(scene, run, "interpolation")


def _mlp_tab_init(scene: Scene, run: mlp_scene.MLPRun, key: str) -> None:
    M = mlp_scene
    st.radio("probe", list(M.PROBE_TITLES), key="mlp_probe", format_func=_titled(M.PROBE_TITLES), horizontal=True)
    run = _mlp_parts(key, ("activations",))
    _mlp_chart(scene, run, "activations")
    flat = ", ".join(f"{M.INIT_TITLES[a.init]} {float(a.flat.mean()):.0%}" for a in run.activations or ())
    st.caption(
        "Each row: one init scheme, each column: one hidden layer, at initialisation (no training).  "
        f"Share of units in a flat part of the activation (no gradient passes): {flat}."
    )


def _mlp_tab_gradients(scene: Scene, run: mlp_scene.MLPRun, key: str) -> None:
    _mlp_chart(scene, run, "gradients")
    s = run.settings
    clip = f"  Clipping rescales the whole gradient to norm ≤ {s.clip_norm:g} after this." if s.clip_norm else ""
    st.caption(f"‖∂L/∂W‖ of each layer's weights on each step's batch, before clipping.{clip}")
    run = _mlp_parts(key, ("gradient_check",))
    gc = run.gradient_check
    st.subheader("Gradient check", divider="gray")
    c1, c2 = st.columns([2, 3])
    with c1:
        st.metric("relative error ‖a − n‖ / max(‖a‖, ‖n‖)", f"{gc.rel_error:.1e}")
        st.metric("worst single parameter", f"{gc.max_rel_error:.1e}")
        if gc.rel_error < 1e-6:
            st.success("Backprop agrees with the finite differences.", icon=":material/check_circle:")
        else:
            st.warning("Larger than 1e-6: a wrong gradient, or a ReLU kink inside ±h.", icon=":material/warning:")
        st.dataframe(
            [{"layer": f"{i + 1}", "relative error": f"{e:.1e}"} for i, e in enumerate(gc.layer_rel_error)],
            hide_index=True,
        )
        st.caption(
            f"At the initial weights, full training set; central differences with h = {gc.step:g}.  "
            "Below 1e-7 the backprop is right (CS231n)."
        )
    with c2:
        _mlp_chart(scene, run, "gradient_check")


def _mlp_tab_data(scene: Scene, run: mlp_scene.MLPRun, key: str) -> None:
    s = run.settings
    c1, c2 = st.columns(2)
    with c1:
        _mlp_chart(scene, run, "data")
    with c2:
        if s.standardize:
            _mlp_chart(scene, run, "data_raw")
            d = run.data
            st.caption(
                f"Training mean ({d.mean[0]:.3g}, {d.mean[1]:.3g}) and std ({d.std[0]:.3g}, {d.std[1]:.3g}), "
                "subtracted and divided; the validation points use the same numbers."
            )
        else:
            _mlp_chart(scene, run, "one_hot")
    if s.standardize:
        _mlp_chart(scene, run, "one_hot")
    n_val = 0 if run.data.X_val is None else len(run.data.X_val)
    st.caption(
        f"{len(run.data.X)} training points (filled) and {n_val} validation points (hollow).  "
        "Each class label becomes a one-hot vector: the target the softmax output is fitted to."
    )


_MLP_TABS = {
    "Training": _mlp_tab_training,
    "Landscape": _mlp_tab_landscape,
    "Initialisation": _mlp_tab_init,
    "Gradients": _mlp_tab_gradients,
    "Data": _mlp_tab_data,
}


def _mlp_header() -> None:
    st.markdown(
        "<div style='display:flex;align-items:baseline;gap:.8rem;margin:-2.2rem 0 .2rem 0'>"
        "<span style='font-size:1.9rem;font-weight:700;letter-spacing:-.02em'>optviz</span>"
        "<span style='opacity:.7'>a tiny MLP on 2D data, trained by the same optimizers: "
        "change any control and it trains again.</span></div>",
        unsafe_allow_html=True,
    )


def _mlp_page(t_start: float) -> None:
    """The MLP view: its sidebar, a summary line and five tabs (only the open one is computed)."""
    _mlp_header()
    with st.spinner("Compiling the MLP kernels (first MLP page of the server only, about 20 s)…"):
        _warm_mlp()
    for n in ss.pop("_notices", []) or []:
        st.warning(f"From the address: {n}", icon=":material/warning:")
    if ss.get("_demo_error"):
        st.error(ss.pop("_demo_error"))
    base = ss.get("_base_scene") or Scene()
    _mlp_sync()
    try:
        settings, display = _mlp_sidebar(base)
        scene = replace(base, view="mlp", mlp=settings.to_pairs(), display=display)
    except ValueError as e:
        st.error(f"These settings do not combine: {e}", icon=":material/block:")
        st.stop()
    ss["_mlp"] = ss["_mlp_applied"] = scene.mlp
    ss["_base_scene"] = scene
    q = scene.to_query()
    if st.query_params.to_dict() != q:
        st.query_params.from_dict(q)

    key = mlp_scene.compute_key(scene)
    try:
        t0 = time.perf_counter()
        run = _mlp_core(key)
        t1 = time.perf_counter()
    except ValueError as e:
        st.error(f"These settings do not combine: {e}", icon=":material/block:")
        st.stop()
    name = mlp_scene.matching_preset(settings)
    st.markdown(f"**{name}.** {mlp_scene.PRESETS[name][1]}" if name else mlp_scene.describe(settings))
    diverged = [f"{label} diverged at step {step}" for label, step in run.diverged()]
    if diverged:
        st.warning(
            "; ".join(diverged) + ".  Its curves end at a red ✕; try a smaller learning rate or clip the gradient.",
            icon=":material/trending_up:",
        )
    tabs = st.tabs(list(mlp_scene.TABS), key="mlp_tab", on_change=_on_mlp_tab)
    try:
        for tab, label in zip(tabs, mlp_scene.TABS):
            if tab.open is False:
                continue
            with tab:
                _MLP_TABS[label](scene, run, key)
    except ValueError as e:
        st.error(f"These settings do not combine: {e}", icon=":material/block:")
    ss["_mlp_timing"] = {"compute_s": t1 - t0, "rerun_s": time.perf_counter() - t_start}
    _export_section(scene)


def main() -> None:
    t_start = time.perf_counter()
    _init_session()
    if ss.get("_view") == "mlp":
        _mlp_page(t_start)
        return
    _consume_click()
    _header()
    with st.spinner("Compiling the optimizer kernels (first start of the server only, about 10 s)…"):
        _warm()
    for n in ss.pop("_notices", []) or []:
        st.warning(f"From the address: {n}", icon=":material/warning:")
    if ss.get("_demo_error"):
        st.error(ss.pop("_demo_error"))

    try:
        scene = _sidebar()
    except ValueError as e:
        st.error(f"These settings do not combine: {e}", icon=":material/block:")
        st.stop()
    ss["_base_scene"] = scene
    q = scene.to_query()
    if st.query_params.to_dict() != q:
        st.query_params.from_dict(q)

    try:
        t0 = time.perf_counter()
        results = _run(scene)
        t1 = time.perf_counter()
        fig = figures.scene_figure(scene, results, height=680)
        t2 = time.perf_counter()
    except ValueError as e:
        st.error(f"These settings do not combine: {e}", icon=":material/block:")
        st.stop()
    ss["_timing"] = {"compute_s": t1 - t0, "figure_s": t2 - t1}
    ss["_grid_trace"] = next(i for i, t in enumerate(fig.data) if (t.meta or {}).get("role") == "click_grid")

    surf = SURFACES[scene.surface]
    st.markdown(f"**{surf.title}.** {surf.note}")
    diverged = [f"{lab} diverged at step {r.diverged_at}" for lab, r in zip(scene.labels(), results) if r.diverged_at]
    if diverged:
        st.warning(
            "; ".join(diverged) + ".  Its path ends at a red ✕; try a smaller learning rate.",
            icon=":material/trending_up:",
        )

    st.plotly_chart(
        fig,
        key="main_chart",
        on_select="rerun",
        selection_mode="points",
        theme=None,
        config={
            "displaylogo": False,
            "modeBarButtonsToRemove": ["select2d", "lasso2d", "autoScale2d"],
            "toImageButtonOptions": {"format": "png", "scale": 2, "filename": f"optviz_{scene.surface}"},
        },
    )

    if scene.display.show_3d:
        st.plotly_chart(figures.surface3d_figure(scene, results), key="chart_3d", theme=None)

    tab_res, tab_rules, tab_lr, tab_eff = st.tabs(["Results", "Update rules", "Learning rate", "Effective step size"])
    with tab_res:
        st.dataframe(_table(scene, results), hide_index=True, width="stretch")
        st.caption(
            "f* is the lowest known minimum value of the surface; steps count from 0 (the start); "
            f"'reaches f* + {figures.CONVERGENCE_TOL:g}' is the first step with f − f* ≤ {figures.CONVERGENCE_TOL:g}."
        )
    with tab_rules:
        _update_rules(scene)
    with tab_lr:
        st.plotly_chart(figures.lr_figure(scene, results), key="chart_lr", theme=None)
    with tab_eff:
        st.plotly_chart(figures.effective_lr_figure(scene, results), key="chart_eff", theme=None)
        st.caption(
            "AdaGrad's effective step only shrinks (it divides by the sum of all squared gradients); "
            "RMSProp's and Adam's adapt and recover."
        )

    _export_section(scene, results)
    ss["_timing"]["rerun_s"] = time.perf_counter() - t_start  # the whole script, widgets included


main()
