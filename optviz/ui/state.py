"""The page's session state: widgets seeded from a Scene, the URL kept in sync, the last valid config.

    init_session()            once per session: the Scene of the URL into the widgets (with notices)
    speak()                   every rerun: the session's language for `optviz.i18n._`
    apply_scene(scene)        a Scene into every widget (URL, lecture scenes, uploaded scene files)
    sync_mlp()                the MLP widgets from ss["_mlp"] (new settings, or keys Streamlit dropped)
    sync_url(scene)           the address holds the scene shown (`Scene.to_query`)
    settle(build, groups, good)   the config the widgets ask for, or the nearest valid one and whose fault
    run_fragment(f, *args)    a page's fragment, called by its full run (`in_full_run`, `fragment_groups`)

Widgets own their values through their keys (seeded here, never passed `value=`), so a Scene can
be written into them before they are drawn.  Both views keep what the other needs in the session:
ss["_base_scene"] (the last valid Scene, both views' settings) and ss["_mlp"] (an MLPConfig).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypeVar

import streamlit as st

import optviz
from optviz.config import Analysis, MLPConfig, OptimizerSpec, Scene
from optviz.config.mlp import TAB_OF_FIGURE
from optviz.config.scene import shown_scene
from optviz.i18n import LANGS, N_, _, lang_of, set_lang
from optviz.mlp.model import MAX_HIDDEN_LAYERS
from optviz.optimizers import OPTIMIZERS, HParam

SCENES_DIR = Path(optviz.__file__).resolve().parent / "scenes"

ss = st.session_state
T = TypeVar("T")


# ----------------------------------------------------------------------------- small helpers


def default(key: str, value: Any) -> None:
    """Seed a widget's value once; the widget then owns it (no value= argument, no warning)."""
    if key not in ss:
        ss[key] = value


def options(key: str, base: Iterable[float], value: Any) -> list[Any]:
    """A select_slider's options, fixed for the session and always holding the key's value
    (a value from the URL may lie between grid points)."""
    opts_key = f"_opts_{key}"
    if opts_key not in ss or value not in ss[opts_key]:
        ss[opts_key] = sorted(set(base) | {value})
    return ss[opts_key]


def fmt(v: float) -> str:
    return f"{v:g}"


def hp_key(prefix: str, uid: int, name: str, hp: str) -> str:
    """The widget key of one hyperparameter of optimizer slot `uid` (prefix "" or "mlp_")."""
    return f"{prefix}o{uid}_{name}_{hp}"


def hp_state_value(p: HParam, v: float) -> Any:
    if p.kind == "bool":
        return bool(v)
    if p.kind == "int":
        return int(v)
    return float(v)


def seed_slot(prefix: str, uid: int, spec: OptimizerSpec, overwrite: bool = True) -> None:
    """Write one optimizer (its name and every hyperparameter) into slot `uid`'s widgets."""
    values = {f"{prefix}o{uid}_name": spec.name}
    for p in OPTIMIZERS[spec.name].hparams:
        values[hp_key(prefix, uid, spec.name, p.name)] = hp_state_value(p, spec.kwargs.get(p.name, p.default))
    for k, v in values.items():
        if overwrite or k not in ss:
            ss[k] = v


def seed_slots(prefix: str, specs: Iterable[OptimizerSpec]) -> None:
    """Fresh slots (new uids, so no stale widget state is reused) holding `specs`."""
    specs = list(specs)
    start = ss.get(f"_{prefix}next_uid", 0)
    ss[f"{prefix}slots"] = list(range(start, start + len(specs)))
    ss[f"_{prefix}next_uid"] = start + len(specs)
    for uid, spec in zip(ss[f"{prefix}slots"], specs):
        seed_slot(prefix, uid, spec)


def schedule_state(prefix: str, sched: Any) -> dict[str, Any]:
    """The schedule widgets' values (key prefix "sched" or "mlp_sched") that show `sched`."""
    return {
        prefix: sched.name,
        f"{prefix}_decay_rate": float(sched.decay_rate),
        f"{prefix}_decay_steps": int(sched.decay_steps or 0),
        f"{prefix}_staircase": bool(sched.staircase),
        f"{prefix}_end_factor": float(sched.end_factor),
        f"{prefix}_power": float(sched.power),
        f"{prefix}_warmup_steps": int(sched.warmup_steps),
        f"{prefix}_boundaries": ", ".join(str(b) for b in sched.boundaries),
        f"{prefix}_values": ", ".join(f"{v:g}" for v in sched.values),
    }


# ----------------------------------------------------------------------------- scene -> widgets

# The surfaces page's tabs that draw one of a scene's analysis figures (`Analysis.figure`): the open
# tab is the figure, so a link or a scene file opens the tab it was made in.
ANALYSIS_TABS = {
    N_("Inside one step"): "inside",
    N_("Hyperparameter map"): "hpmap",
    N_("Basins of attraction"): "basins",
    N_("Seed bands"): "seeds",
}
ANALYSIS_KEYS = (
    "step",
    "focus",
    "map_h2",
    "map_metric",
    "map_cells",
    "basin_cells",
    "basin_color",
    "basin_runs",
    "seeds",
)


def seed_analysis(a: Analysis) -> None:
    """Write a scene's analysis settings into the tabs' widgets (`a_<field>`) and open its tab."""
    for name in ANALYSIS_KEYS:
        ss[f"a_{name}"] = getattr(a, name)
    for tab, figure in ANALYSIS_TABS.items():
        if figure == a.figure:
            ss["surfaces_tab"] = _(tab)


def apply_scene(scene: Scene, *, shipped: bool = True) -> None:
    """Write a scene into the widgets' session state (URL at session start, lecture scenes, uploads).

    shipped: the scene as loaded, whose title and caption describe these settings (`shown` marks
    them once a setting changes); False to re-seed the widgets of a view from the current scene."""
    s = scene.surfaces
    ss["surface"] = "custom" if s.formula else s.surface
    if s.formula:  # the custom surface's inputs (optviz.ui.custom_surface, key "custom")
        ss["custom_formula"] = s.formula
        (ss["custom_x_min"], ss["custom_x_max"]), (ss["custom_y_min"], ss["custom_y_max"]) = s.bounds
    for k, v in s.surface_params:
        ss[f"sp_{s.surface}_{k}"] = float(v)
    ss["start_x"], ss["start_y"] = (float(v) for v in s.start_point)
    ss["steps"] = int(s.steps)
    ss["noise"] = float(s.noise)
    ss["noise_seed"] = int(s.noise_seed)
    ss["clip_on"] = s.clip_norm is not None
    ss["clip_norm"] = float(s.clip_norm) if s.clip_norm is not None else 1.0
    ss["l2"] = float(s.l2)
    ss.update(schedule_state("sched", s.schedule))
    seed_slots("", s.optimizers)
    d = scene.display
    ss["theme"], ss["font_size"] = d.theme, d.font_size
    ss["show_title"], ss["title"], ss["show_legend"] = d.show_title, d.title, d.show_legend
    ss["show_3d"], ss["log_loss"], ss["lookahead"] = d.show_3d, d.log_loss, d.lookahead
    ss["frames"], ss["fps"] = d.frames, d.fps
    ss["lang"], ss["presentation"] = d.lang, d.presentation
    ss["_aspect"], ss["_view"], ss["_mlp"] = d.aspect, scene.view, scene.mlp
    ss["_base_scene"] = scene
    seed_analysis(scene.analysis)
    if shipped:
        ss["_shipped"], ss["_shipped_settle"] = scene, True


def shown(scene: Scene) -> Scene:
    """The scene as the page draws it: a loaded scene's title and caption, marked "(settings changed)"
    once a setting differs from the loaded one (`optviz.config.shown_scene`).

    The settings compared against are the loaded scene's as the widgets first hold them: a value
    between a slider's grid points (an lr of 0.00122168 from a search) is shown at the nearest one,
    which is not a change the lecturer made."""
    shipped = ss.get("_shipped")
    if shipped is None:
        return scene
    if ss.pop("_shipped_settle", False):
        shipped = ss["_shipped"] = replace(scene, display=shipped.display)
    return shown_scene(shipped, scene)


def mlp_state(s: MLPConfig) -> dict[str, Any]:
    """The MLP widgets' session-state values that show the settings s (inverse of the MLP sidebar)."""
    k = s.batch_size
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
        "mlp_tab": TAB_OF_FIGURE[s.figure],
        **schedule_state("mlp_sched", s.schedule),
    }
    for i in range(MAX_HIDDEN_LAYERS):
        state[f"mlp_width_{i}"] = s.hidden[i] if i < len(s.hidden) else 16
    return state


def sync_mlp() -> None:
    """Show ss["_mlp"] in the MLP widgets: all of them when a link, scene or preset brought new
    settings, else only the keys Streamlit dropped (while the surfaces were shown)."""
    cfg = ss["_mlp"] = ss.get("_mlp") or MLPConfig()
    fresh = ss.get("_mlp_applied") != cfg
    for k, v in mlp_state(cfg).items():
        if fresh or k not in ss:
            ss[k] = v
    if fresh or "mlp_slots" not in ss:  # (after Add or Remove the slots differ from the settings on purpose)
        seed_slots("mlp_", cfg.optimizers)
    else:
        for uid, spec in zip(ss["mlp_slots"], cfg.optimizers):
            seed_slot("mlp_", uid, spec, overwrite=False)
    ss["_mlp_applied"] = cfg


def init_session() -> None:
    """Once per session: read the URL into the widgets; its notices wait for the prologue."""
    default("anim_seconds", 5.0)
    default("export_scale", 2)
    if "_initialised" in ss:
        return
    query = st.query_params.to_dict()
    # the address's notices in the language the page will speak (the link's, else the browser's)
    set_lang(query["d_lang"] if query.get("d_lang") in LANGS else lang_of(st.context.locale))
    scene, notices = Scene.from_query(query)
    if "d_lang" not in query:  # a link that does not say: the browser's language
        scene = replace(scene, display=replace(scene.display, lang=lang_of(st.context.locale)))
    apply_scene(scene)
    ss["_notices"] = notices
    ss["_initialised"] = True


def speak() -> None:
    """Every rerun, before anything is drawn: the session's language for `_` (`optviz.i18n`).
    Callbacks that write text call it first: they run before the script, in a fresh context."""
    default("lang", "en")
    default("presentation", False)
    set_lang(ss["lang"])


def sync_url(scene: Scene) -> None:
    """Keep the address equal to the scene shown, so copying it reproduces the picture."""
    ss["_base_scene"] = scene
    q = scene.to_query()
    if st.query_params.to_dict() != q:
        st.query_params.from_dict(q)


# ----------------------------------------------------------------------------- callbacks shared by both views


def on_view() -> None:
    """Back to the surfaces: their widgets were dropped while hidden, so re-seed them from the scene."""
    base = ss.get("_base_scene")
    if ss.get("_view") == "surfaces" and base is not None:
        apply_scene(replace(base, view="surfaces", mlp=ss.get("_mlp", base.mlp)), shipped=False)


def on_demo() -> None:
    speak()
    name = ss.get("demo")
    ss["demo"] = None
    if not name:
        return
    try:
        scene = Scene.from_json((SCENES_DIR / f"{name}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        ss["_demo_error"] = _("Could not load the scene {name}: {error}").format(name=repr(name), error=e)
        return
    # a shipped scene is drawn in the language the lecturer speaks, and in the mode they are in
    lang, present = ss.get("lang", scene.display.lang), ss.get("presentation", scene.display.presentation)
    apply_scene(replace(scene, display=replace(scene.display, lang=lang, presentation=present)))


def on_scene_upload() -> None:
    speak()
    up = ss.get("scene_upload")
    if up is None:
        return
    try:
        text = up.getvalue()
        scene = Scene.from_json(text)
    except ValueError as e:
        ss["_demo_error"] = _("Could not load {name}: {error}").format(name=up.name, error=e)
        return
    if '"lang"' not in (text.decode("utf-8", "replace") if isinstance(text, bytes) else text):
        # a file written before scenes carried a language: keep the one spoken now
        scene = replace(scene, display=replace(scene.display, lang=ss.get("lang", scene.display.lang)))
    apply_scene(scene)


# ----------------------------------------------------------------------------- the last valid config


@dataclass
class Group:
    """One section of a sidebar: the config fields its widgets set, and where its error is shown."""

    fields: dict[str, Any]
    slot: Any  # an st.empty() at the end of the section


def run_fragment(fragment: Callable[..., None], *args: Any) -> None:
    """Call a page's `st.fragment` from its full run, marked so (`in_full_run`).  Streamlit reruns
    the fragment alone, with the same arguments, when one of its widgets changes."""
    ss["_full_run"] = True
    try:
        fragment(*args)
    finally:
        ss["_full_run"] = False


def in_full_run() -> bool:
    """Whether the running fragment runs as part of its page's full run (not alone)."""
    return bool(ss.get("_full_run"))


def fragment_groups(groups: Iterable[Group]) -> list[Group]:
    """The full run's sidebar sections, for a fragment to settle with its own: as they are in the full
    run; in the fragment's own rerun without their error places, which only the full run can write
    (an error of theirs then goes to the main area; their values have not changed since)."""
    full = in_full_run()
    return [g if full else Group(g.fields, None) for g in groups]


def settle(build: Callable[..., T], groups: Iterable[Group], good: T) -> tuple[T, bool]:
    """The config `build(**fields)` the widgets ask for or, if it does not build, the nearest valid one.

    Each section is tried back at its value in `good` (the last valid config), in sidebar order;
    the first one whose own values make the combination fail gets the error beside its widgets,
    and the run uses its last valid values, so the rest of the page still draws.  A failure no one
    section explains falls back to `good` entirely.  Returns (config, whether it is what was asked).
    """
    groups = list(groups)
    asked: dict[str, Any] = {k: v for g in groups for k, v in g.fields.items()}
    try:
        return build(**asked), True
    except ValueError as e:
        error = e
    for g in groups:
        back = {k: getattr(good, k) for k in g.fields}
        if back == g.fields:
            continue  # unchanged since the last valid config: not the cause
        try:
            cfg = build(**{**asked, **back})
        except ValueError:
            continue
        show_error(error, g.slot)
        return cfg, False
    show_error(error)
    return good, False


def show_error(error: Exception | str, where: Any = None) -> None:
    """The one wording of an unusable setting, in the main area or beside its control (`where`)."""
    text = str(error).rstrip(".")
    message = _("These settings do not combine: {error}.  The page shows the last valid settings.")
    (where or st).error(message.format(error=text), icon=":material/block:")
