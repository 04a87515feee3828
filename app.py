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
    ss["show_3d"], ss["log_loss"] = d.show_3d, d.log_loss
    ss["frames"], ss["fps"] = d.frames, d.fps
    ss["_aspect"], ss["_view"], ss["_mlp"] = d.aspect, scene.view, scene.mlp


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


def _hp_widget(uid: int, name: str, p: HParam) -> float:
    key = _hp_key(uid, name, p.name)
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


def _schedule_controls() -> Schedule:
    name = st.selectbox("learning-rate schedule", SCHEDULE_NAMES, key="sched")
    st.latex(SCHEDULE_LATEX[name])
    kw: dict[str, Any] = {"name": name}
    params = SCHEDULE_PARAMS[name]
    if "boundaries" in params:
        kw["boundaries"] = _parse_list(
            st.text_input("boundaries  $b_i$ (steps)", key="sched_boundaries", help="e.g. 300, 600"),
            "boundaries",
            lambda s: int(float(s)),
        )
        kw["values"] = _parse_list(
            st.text_input("factors  $c_i$", key="sched_values", help="one more than boundaries, e.g. 1, 0.1, 0.01"),
            "factors",
            float,
        )
    if "decay_rate" in params:
        kw["decay_rate"] = st.slider("decay rate  $r$", 0.01, 1.0, key="sched_decay_rate", step=0.01)
    if "end_factor" in params:
        kw["end_factor"] = st.slider("end factor  $e$", 0.0, 1.0, key="sched_end_factor", step=0.01)
    if "power" in params:
        kw["power"] = st.slider("power  $p$", 0.1, 10.0, key="sched_power", step=0.1)
    if "decay_steps" in params:
        ds = st.number_input(
            "decay steps  $T$",
            0,
            MAX_UI_STEPS,
            key="sched_decay_steps",
            step=10,
            help="0: automatic (100 for exponential; the whole run after warm-up otherwise)",
        )
        kw["decay_steps"] = int(ds) or None
    if "staircase" in params:
        kw["staircase"] = st.checkbox("staircase", key="sched_staircase")
    kw["warmup_steps"] = int(
        st.number_input("warm-up steps", 0, MAX_UI_STEPS, key="sched_warmup_steps", step=10, help="linear warm-up")
    )
    return Schedule.coerce(kw)


def _sidebar() -> Scene:
    """Every control, read into one Scene (ValueError with a readable message if invalid)."""
    sb = st.sidebar
    with sb:
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
def _warm() -> float:
    """Compile (or load from Numba's cache) the kernels once per server process."""
    t = time.perf_counter()
    optviz.warmup()
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


def _render_animation(scene: Scene, fmt: str, seconds: float, browser: export.Browser) -> None:
    """Render a GIF or MP4 with a frame counter; keep the bytes for the download button."""
    bar = st.progress(0.0, text=f"rendering {fmt.upper()}…")

    def progress(done: int, total: int, label: str) -> None:
        bar.progress(min(done / max(total, 1), 1.0), text=f"rendering {fmt.upper()}: frame {done} of {total}")

    try:
        data = export.export_bytes(scene, fmt, seconds=seconds, progress=progress, browser=browser)
    except (export.ExportError, ValueError, OSError) as e:
        bar.empty()
        st.error(f"The {fmt.upper()} could not be written: {e}")
        return
    bar.empty()
    ss["_animation"] = (scene.to_json(), seconds, fmt, data)


def _export_section(scene: Scene) -> None:
    """Sidebar: pictures, animations, offline HTML, data and the scene itself, for slides."""
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
                data=lambda: export.export_bytes(scene, fmt, browser=browser, **kw),
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
                _render_animation(scene, fmt, seconds, browser)
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


def main() -> None:
    t_start = time.perf_counter()
    _init_session()
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
    q = scene.to_query()
    if st.query_params.to_dict() != q:
        st.query_params.from_dict(q)

    try:
        t0 = time.perf_counter()
        results = _run(scene)
        t1 = time.perf_counter()
        fig = figures.scene_figure(scene, results, lookahead=bool(ss.get("lookahead")), height=680)
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

    _export_section(scene)
    ss["_timing"]["rerun_s"] = time.perf_counter() - t_start  # the whole script, widgets included


main()
