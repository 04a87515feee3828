"""The sidebar's controls, generated from the registries and shared by both views.

    number_widget(label, key, p)     a slider / checkbox / number box for a registry entry (HParam, Param)
    optimizer_slots(prefix, ...)     the list of optimizers with Add and Remove (keys o<uid>_..., mlp_o<uid>_...)
    schedule_control(prefix, ...)    the learning-rate schedule (keys sched_..., mlp_sched_...)
    display_control(base, full=...)  theme, font, legend, log axis (and the surfaces' title, 3D, animation)
    sidebar_top()                    the Surfaces | MLP switch and the lecture scenes, atop both sidebars

A widget's kind comes from its registry entry through one function, `slider_kind`; no control is
written per optimizer.  Each widget's value lives under its key in the session (see `optviz.ui.state`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any

import streamlit as st

from optviz import figures
from optviz.config import THEMES, Display, OptimizerSpec
from optviz.i18n import LANG_NAMES, LANGS, N_, _, use_lang
from optviz.optimizers import OPTIMIZERS, HParam
from optviz.runs.hpmap import LrMark
from optviz.schedules import SCHEDULE_LATEX, SCHEDULE_NAMES, SCHEDULE_PARAMS, SCHEDULE_TITLES, Schedule
from optviz.ui.state import SCENES_DIR, default, fmt, hp_key, on_demo, on_view, options, seed_slot, show_error, ss
from surfaces import Param

# Value grids: log-spaced (1, 2, 3, 5 per decade) and decay coefficients near 1.
_MANTISSAS = (1.0, 2.0, 3.0, 5.0)
DECAYS = (0.0, 0.1, 0.2, 0.3, 0.5, 0.7, 0.8, 0.85, 0.9, 0.95, 0.98, 0.99, 0.995, 0.999, 0.9995, 0.9999, 0.99999)
VIEW_TITLES = {"surfaces": N_("Surfaces"), "mlp": "MLP"}
THEME_TITLES = {"light": N_("light"), "dark": N_("dark"), "print": N_("print")}
# The hyperparameters' labels (their torch.optim argument names, words spaced), shown with their symbol
HP_LABELS = {
    "adam": N_("adam"),
    "adamw_lr": N_("adamw lr"),
    "alpha": N_("alpha"),
    "beta1": N_("beta1"),
    "beta2": N_("beta2"),
    "beta2_decay": N_("beta2 decay"),
    "bias_correction": N_("bias correction"),
    "centered": N_("centered"),
    "d": "d",
    "eps": N_("eps"),
    "eps2": N_("eps2"),
    "eta_minus": N_("eta minus"),
    "eta_plus": N_("eta plus"),
    "history_size": N_("history size"),
    "line_search": N_("line search"),
    "lr": N_("lr"),
    "lr_decay": N_("lr decay"),
    "match_rms_adamw": N_("match rms adamw"),
    "momentum": N_("momentum"),
    "momentum_decay": N_("momentum decay"),
    "nesterov": N_("nesterov"),
    "ns_steps": N_("ns steps"),
    "r": "r",
    "rho": N_("rho"),
    "seed": N_("seed"),
    "step": N_("step size"),
    "step_max": N_("step max"),
    "step_min": N_("step min"),
    "tolerance_change": N_("tolerance change"),
    "tolerance_grad": N_("tolerance grad"),
    "weight_decay": N_("weight decay"),
    "weight_lr_power": N_("weight lr power"),
}


def hp_label(p: HParam) -> str:
    """A hyperparameter's label in the current language, with its symbol."""
    name = _(HP_LABELS.get(p.name, p.name.replace("_", " ")))
    return name + (f"  ${p.symbol}$" if p.symbol else "")


def log_grid(lo: float, hi: float) -> list[float]:
    """1, 2, 3, 5 times the powers of ten within [lo, hi]: round numbers a lecturer can quote."""
    out = []
    for e in range(math.floor(math.log10(lo)) - 1, math.ceil(math.log10(hi)) + 1):
        for m in _MANTISSAS:
            v = float(f"{m * 10.0**e:.6g}")
            if lo * (1 - 1e-12) <= v <= hi * (1 + 1e-12):
                out.append(v)
    return out


def snap_lr(lr: float, lo: float, hi: float) -> float:
    """A suggested learning rate rounded DOWN to two significant digits, within [lo, hi].

    Not onto the 1-2-3-5 grid: its neighbours are up to 1.67x apart, and SGD's suggestion on the
    bowl (1.7/L, `optviz.suggest_lr`) would land on 1/L at kappa = 10, 20, 100 (no zig-zag) or on
    1.5/L elsewhere.  Two digits keep it within 10 % below the suggestion; the slider adds the
    value to its options (`optviz.ui.state.options`).
    """
    e = math.floor(math.log10(lr)) - 1
    v = float(f"{math.floor(lr / 10.0**e * (1 + 1e-9)) * 10.0**e:.2g}")
    return min(max(v, lo), hi)


def slider_kind(p: HParam | Param) -> str:
    """'bool', 'int', 'log', 'decay' or 'linear': the one place a registry entry becomes a widget kind.

    The registries say bool / int / float and log or not.  A float in [0, <1) reaching at least 0.99
    (beta2, rho, a momentum) is a decay coefficient: its telling values are 0.9, 0.99, 0.999, which a
    linear slider cannot hit, so it gets the DECAYS grid.
    """
    kind = getattr(p, "kind", "float")
    if kind in ("bool", "int"):
        return kind
    if p.log:
        return "log"
    if p.min >= 0 and 0.99 <= p.max < 1:
        return "decay"
    return "linear"


def select_slider(label: str, key: str, grid: Sequence[Any], value: Any, **kw: Any) -> Any:
    """A select_slider over `grid` (plus the key's value, if it lies between grid points)."""
    default(key, value)
    return st.select_slider(label, options(key, grid, ss[key]), key=key, format_func=fmt, **kw)


def number_widget(label: str, key: str, p: HParam | Param, *, resolution: int = 1000, **kw: Any) -> float:
    """The widget of a registry number `p` under `key`, as a float (a bool as 0.0 / 1.0).
    kw: passed to the widget (on_change, args)."""
    kind = slider_kind(p)
    default(key, bool(p.default) if kind == "bool" else int(p.default) if kind == "int" else float(p.default))
    kw["help"] = _(p.help) or None  # the registry's help, marked there
    if kind == "bool":
        return float(st.checkbox(label, key=key, **kw))
    if kind == "int":
        return float(st.number_input(label, int(p.min), int(p.max), key=key, step=1, **kw))
    if kind == "log":
        return float(select_slider(label, key, log_grid(p.min, p.max), float(p.default), **kw))
    if kind == "decay":
        grid = [d for d in DECAYS if p.min <= d <= p.max]
        return float(select_slider(label, key, grid, p.default, **kw))
    step = (p.max - p.min) / resolution
    return float(st.slider(label, float(p.min), float(p.max), key=key, step=step, **kw))


# ----------------------------------------------------------------------------- the optimizer slots


def _on_add(prefix: str, max_slots: int, suggest: Callable[[str], float | None] | None = None) -> None:
    if len(ss[f"{prefix}slots"]) >= max_slots:
        return
    uid = ss.get(f"_{prefix}next_uid", 0)
    ss[f"_{prefix}next_uid"] = uid + 1
    ss[f"{prefix}slots"] = [*ss[f"{prefix}slots"], uid]
    name = ss.get(f"{prefix}add_choice") or "adam"
    lr = suggest(name) if suggest is not None else None
    seed_slot(prefix, uid, OptimizerSpec(name, (("lr", lr),) if lr is not None else ()))


def _on_remove(prefix: str, uid: int) -> None:
    if len(ss[f"{prefix}slots"]) > 1:
        ss[f"{prefix}slots"] = [u for u in ss[f"{prefix}slots"] if u != uid]


def _color_bar(i: int) -> None:
    st.markdown(
        f"<div style='height:5px;border-radius:3px;background:{figures.color_for(i)};margin:-4px 0 8px 0'></div>",
        unsafe_allow_html=True,
    )


STABLE_COLOR = "rgba(0, 158, 115, 0.55)"  # Okabe-Ito bluish green: the lrs that converge
UNSTABLE_COLOR = "rgba(213, 94, 0, 0.8)"  # Okabe-Ito vermillion: the lrs that diverge
BEST_COLOR = "#0072B2"  # Okabe-Ito blue: the fastest lr


def grid_position(grid: Sequence[float], v: float) -> float:
    """Where `v` sits along a select_slider over the ascending `grid`, from 0 (first option) to 1
    (last): the options are evenly spaced on the track, and between two of them the position is
    interpolated on a log scale (a log grid's neighbours differ by a factor); clamped to [0, 1]."""
    n = len(grid)
    if n < 2 or v <= grid[0]:
        return 0.0
    if v >= grid[-1]:
        return 1.0
    i = max(k for k in range(n - 1) if grid[k] <= v)
    a, b = grid[i], grid[i + 1]
    frac = math.log(v / a) / math.log(b / a) if a > 0 else (v - a) / (b - a)
    return (i + frac) / (n - 1)


def _lr_strip(key: str, marks: Sequence[LrMark], heavy_ball: bool) -> None:
    """The theory on the lr slider `key`, right under its track: green where the run converges,
    orange where it diverges, a blue tick at the fastest lr (the heavy ball's α*, with β*); and the
    numbers in words below."""
    grid = ss.get(f"_opts_{key}") or []
    limit = next((m for m in marks if m.kind == "limit"), None)
    best = next((m for m in marks if m.kind == "best"), None)
    if limit is None or len(grid) < 2:
        return
    p = 100 * grid_position(grid, limit.lr)
    tick = ""
    if best is not None:
        b = 100 * grid_position(grid, best.lr)
        tick = (
            f"<span style='position:absolute;left:calc({b:.2f}% - 1px);top:-4px;width:3px;height:14px;"
            f"border-radius:1px;background:{BEST_COLOR}'></span>"
        )
    st.markdown(
        f"<div class='optviz-lr-theory' data-limit='{limit.lr:.6g}' style='position:relative;height:6px;"
        f"margin:-22px 9px 4px 9px;border-radius:3px;background:linear-gradient(to right, {STABLE_COLOR} 0 {p:.2f}%, "
        f"{UNSTABLE_COLOR} {p:.2f}% 100%)'>{tick}</div>",
        unsafe_allow_html=True,
    )
    if limit.local:
        text = _("Green: converges near the start, lr < {limit} (its Hessian there); orange: diverges.")
    else:
        text = _("Green: converges, lr < {limit}; orange: diverges.")
    text = text.format(limit=f"{limit.lr:.3g}")
    if best is not None:
        fastest = _("Fastest: α* = {best} with β* (blue tick)") if heavy_ball else _("Fastest: lr = {best} (blue tick)")
        text += "  " + fastest.format(best=f"{best.lr:.3g}") + "."
    st.caption(text)


def optimizer_slots(
    prefix: str,
    names: Sequence[str],
    max_slots: int,
    *,
    only_first: bool = False,
    suggest: Callable[[str], float | None] | None = None,
    lr_theory: Callable[[str, dict[str, float]], list[LrMark]] | None = None,
) -> list[OptimizerSpec]:
    """One expander per optimizer slot (ss[prefix + "slots"]), then Add; the optimizers they hold.

    prefix: "" (surfaces) or "mlp_"; names: the optimizers offered; only_first: only the first slot
    trains (the MLP compares something else), the others are marked idle.  The expander's label
    stays fixed while its sliders move (a label holding the lr made Streamlit redraw it collapsed
    after every lr change, dropping the keyboard focus), and its key keeps it open across reruns.
    suggest: the lr an added optimizer starts with (None from it: the registry's default).
    lr_theory: what the theory says of an optimizer's lr, given its name and its hyperparameters'
    current values (`optviz.runs.hpmap.lr_marks`): drawn on its lr slider (`_lr_strip`).
    """
    slots = ss[f"{prefix}slots"]
    specs = []
    for i, uid in enumerate(slots):
        idle = only_first and i > 0
        title = _(OPTIMIZERS[ss[f"{prefix}o{uid}_name"]].title)
        with st.expander(f"{i + 1} · {title}" + ("  · " + _("idle") if idle else ""), key=f"{prefix}o{uid}_open"):
            if not only_first:
                _color_bar(i)
            elif idle:
                st.caption(_("Only the first optimizer trains while something else is compared."))
            c1, c2 = st.columns([5, 1], vertical_alignment="bottom")
            name = c1.selectbox(
                _("optimizer"), names, key=f"{prefix}o{uid}_name", format_func=lambda n: _(OPTIMIZERS[n].title)
            )
            c2.button(
                ":material/delete:",
                key=f"{prefix}o{uid}_remove",
                on_click=_on_remove,
                args=(prefix, uid),
                help=_("remove this optimizer"),
                disabled=len(slots) <= 1,
            )
            opt = OPTIMIZERS[name]
            st.caption(_(opt.note) + "  \n" + _("*as* `{reference}`").format(reference=_(opt.follows)))
            hps = {}
            for p in opt.hparams:
                key = hp_key(prefix, uid, name, p.name)
                hps[p.name] = number_widget(hp_label(p), key, p)
                if p.name == "lr" and lr_theory is not None:
                    now = {q.name: float(ss.get(hp_key(prefix, uid, name, q.name), q.default)) for q in opt.hparams}
                    try:
                        marks = lr_theory(name, now)
                    except ValueError:  # a start or surface parameter the page reports elsewhere
                        marks = []
                    _lr_strip(key, marks, heavy_ball=name == "momentum")
        specs.append(OptimizerSpec(name, tuple(hps.items())))
    c1, c2 = st.columns([3, 1], vertical_alignment="bottom")
    default(f"{prefix}add_choice", "adam")
    c1.selectbox(_("add an optimizer"), names, key=f"{prefix}add_choice", format_func=lambda n: _(OPTIMIZERS[n].title))
    c2.button(
        _("Add"),
        key=f"{prefix}add_btn",
        on_click=_on_add,
        args=(prefix, max_slots, suggest),
        disabled=len(slots) >= max_slots,
    )
    return specs


# ----------------------------------------------------------------------------- the schedule


def _parse_list(text: str, what: str, conv: Any) -> tuple:
    try:
        return tuple(conv(t) for t in text.replace(";", ",").split(",") if t.strip())
    except ValueError:
        # shown beside the schedule's inputs: in the page's language
        message = _("{what} must be numbers separated by commas, got {text}")
        raise ValueError(message.format(what=what, text=repr(text))) from None


def schedule_control(prefix: str, max_steps: int, fallback: Schedule) -> Schedule:
    """The schedule's widgets under the key prefix ("sched" or "mlp_sched"), read into a Schedule.

    A schedule that cannot be read (say, decreasing boundaries) shows its error right under the
    widgets, and the run keeps `fallback` (the last valid schedule) so the rest of the page draws.
    """
    name = st.selectbox(_("learning-rate schedule"), SCHEDULE_NAMES, key=prefix, format_func=titled(SCHEDULE_TITLES))
    # inline math, not st.latex: KaTeX wraps inline math after a + or =, display math is cut off
    # at the sidebar's edge
    st.markdown(f"${SCHEDULE_LATEX[name]}$")
    params = SCHEDULE_PARAMS[name]
    kw: dict[str, Any] = {"name": name}
    texts: dict[str, str] = {}
    if "boundaries" in params:
        texts["boundaries"] = st.text_input(
            _("boundaries {symbol} (steps)").format(symbol=" $b_i$"),
            key=f"{prefix}_boundaries",
            help=_("e.g. 300, 600"),
        )
        texts["values"] = st.text_input(
            _("factors") + "  $c_i$", key=f"{prefix}_values", help=_("one more than boundaries, e.g. 1, 0.1, 0.01")
        )
        error_slot = st.empty()  # beside the text that caused it, not under the rest of the schedule
    if "decay_rate" in params:
        kw["decay_rate"] = st.slider(_("decay rate") + "  $r$", 0.01, 1.0, key=f"{prefix}_decay_rate", step=0.01)
    if "end_factor" in params:
        kw["end_factor"] = st.slider(_("end factor") + "  $e$", 0.0, 1.0, key=f"{prefix}_end_factor", step=0.01)
    if "power" in params:
        kw["power"] = st.slider(_("power") + "  $p$", 0.1, 10.0, key=f"{prefix}_power", step=0.1)
    if "decay_steps" in params:
        ds = st.number_input(
            _("decay steps") + "  $T$",
            0,
            max_steps,
            key=f"{prefix}_decay_steps",
            step=10,
            help=_("0: automatic (100 for exponential; the whole run after warm-up otherwise)"),
        )
        kw["decay_steps"] = int(ds) or None
    if "staircase" in params:
        kw["staircase"] = st.checkbox(_("staircase"), key=f"{prefix}_staircase")
    kw["warmup_steps"] = int(
        st.number_input(
            _("warm-up steps"), 0, max_steps, key=f"{prefix}_warmup_steps", step=10, help=_("linear warm-up")
        )
    )
    if "boundaries" not in params:
        error_slot = st.empty()
    try:
        if texts:
            kw["boundaries"] = _parse_list(texts["boundaries"], _("boundaries"), lambda s: int(float(s)))
            kw["values"] = _parse_list(texts["values"], _("factors"), float)
        return Schedule.coerce(kw)
    except (ValueError, TypeError) as e:
        show_error(e, error_slot)
        return fallback


# ----------------------------------------------------------------------------- display, view switch, scenes


def display_control(base: Display, *, full: bool) -> Display:
    """The View section: `base` with the widgets' values.  full: the surfaces' title, 3D and animation too."""
    c1, c2 = st.columns(2)
    kw: dict[str, Any] = {
        "theme": c1.selectbox(_("theme"), THEMES, key="theme", format_func=titled(THEME_TITLES)),
        "font_size": int(c2.slider(_("font size"), 10, 28, key="font_size")),
    }
    if full:
        kw["show_title"] = bool(st.checkbox(_("title"), key="show_title"))
        kw["title"] = st.text_input(
            _("title text"),
            key="title",
            placeholder=_("automatic"),
            disabled=not kw["show_title"],
            label_visibility="collapsed",
        )
    c1, c2 = st.columns(2)
    kw["show_legend"] = bool(c1.checkbox(_("legend"), key="show_legend"))
    kw["log_loss"] = bool(c2.checkbox(_("log loss axis"), key="log_loss"))
    if full:
        kw["show_3d"] = bool(st.toggle(_("3D view of the surface"), key="show_3d"))
        default("lookahead", False)
        kw["lookahead"] = bool(
            st.toggle(
                _("Nesterov's look-ahead {formula}").format(formula="θ + μv"),
                key="lookahead",
                help=_("draw Nesterov's textbook iterate θₜ (dotted) and, while playing, its look-ahead step μvₜ"),
            )
        )
        c1, c2 = st.columns(2)
        kw["frames"] = int(
            c1.slider(_("frames"), 10, 300, key="frames", help=_("animation frames (the final picture is exact)"))
        )
        kw["fps"] = int(c2.slider(_("frames / s"), 2, 60, key="fps"))
    kw["lang"], kw["presentation"] = ss.get("lang", base.lang), bool(ss.get("presentation", base.presentation))
    return replace(base, **kw, aspect=ss.get("_aspect", base.aspect))


def titled(titles: Mapping[str, str], *, translate: bool = True) -> Any:
    """A format_func showing titles[v] in the current language (a value without a title shows as
    itself).  translate=False: the titles as they are (the languages' own names)."""
    if not translate:
        return lambda v: titles.get(v, v)
    return lambda v: _(titles[v]) if v in titles else v


def tab_name(names: Sequence[str], label: Any) -> str | None:
    """The name (English, a msgid) of the tab whose label in either language is `label`, or None."""
    if label in names:
        return label
    for lang in LANGS:
        with use_lang(lang):
            for name in names:
                if _(name) == label:
                    return name
    return None


def tabs(names: Sequence[str], key: str, **kw: Any) -> Sequence[Any]:
    """st.tabs labelled in the current language.  Streamlit keeps the open tab's label under `key`:
    a label of the other language (the language just switched, or a name a callback set) becomes
    this language's, so the same tab stays open."""
    open_name = tab_name(names, ss.get(key))
    if open_name is not None and ss.get(key) != _(open_name):
        ss[key] = _(open_name)
    return st.tabs([_(n) for n in names], key=key, **kw)


def language_control() -> None:
    """한국어 | English atop the sidebar (the Scene's display.lang, URL d_lang), each name in its own
    language."""
    default("lang", "en")
    st.segmented_control(
        _("Language"),
        list(LANGS),
        key="lang",
        format_func=titled(LANG_NAMES, translate=False),
        required=True,
        label_visibility="collapsed",
        width="stretch",
    )


def presentation_toggle() -> None:
    """The projector mode (display.presentation, URL d_presentation) in the page's header, where it
    stays reachable while the sidebar is folded away (`app.py` folds it)."""
    default("presentation", False)
    st.toggle(
        _("Presentation"),
        key="presentation",
        help=_("For a projector: the sidebar folds away, the figure fills the window, the type grows."),
    )


def sidebar_top() -> None:
    """Surfaces | MLP (the Scene's `view`, URL view=mlp), then the shipped lecture scenes (both views:
    loading one may switch the view)."""
    default("_view", "surfaces")
    st.segmented_control(
        _("view"),
        list(VIEW_TITLES),
        key="_view",
        format_func=titled(VIEW_TITLES),
        required=True,
        on_change=on_view,
        label_visibility="collapsed",
        width="stretch",
    )
    demos = sorted(p.stem for p in SCENES_DIR.glob("*.json")) if SCENES_DIR.is_dir() else []
    if demos:
        default("demo", None)
        st.selectbox(
            _("All shipped scenes (A–Z)"),
            demos,
            key="demo",
            index=None,
            placeholder=_("load a prepared scene…"),
            format_func=lambda s: s.replace("_", " "),
            on_change=on_demo,
        )
