"""A scene: everything that determines a picture, as one frozen, versioned, typed config.

    Scene(view, surfaces: SurfacesConfig, mlp: MLPConfig, display: Display)

The page reads its widgets into a `Scene`, the exporters read scene files into one, and both
call the same view (`optviz.views`) on it, so what a lecturer sees is what the export writes.
A scene travels three ways, through one codec:

    Scene.to_json() / Scene.from_json(text)      scene files (strict: a bad file is an error)
    Scene.to_query() / Scene.from_query(params)  the page URL (lenient: a bad parameter falls
                                                 back to its default, with a notice)

Version 2 (this one) nests each view's settings: {"optviz_scene": 2, "view", "display",
"surfaces": {...}, "mlp": {...}}, and a file writes only the block of its view (plus the other
one if it differs from the defaults).  Version-1 files (every surfaces field at the top, the MLP
settings as flat pairs) and version-1 links are migrated on reading (`migrate_v1`).  The URL keys
are the same in both versions: surface, sp, start, steps, opt, sched, noise, seed, clip, l2, the
display's d_<field>, the analysis' a_<field> (written where it differs from the default) and the
MLP's m_<setting>; a custom surface (surface=custom) adds formula and bounds (x_min,x_max,y_min,y_max),
and its file block "formula" and "bounds".  The file's "analysis" block (`Analysis`: the step shown
inside one step, the map's, basins' and seed bands' settings) is written where it is not the default.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

from optviz.api import MAX_STEPS, check_steps
from optviz.config.mlp import MLPConfig
from optviz.config.spec import OptimizerSpec, decode_optimizer, encode_optimizer, run_labels
from optviz.i18n import LANGS, N_, _
from optviz.schedules import Schedule
from optviz.validate import check_choice, check_mapping, check_number, check_whole, is_finite
from surfaces import define_custom, get_surface
from surfaces.custom import check_bounds, is_custom

SCENE_VERSION = 2
VIEWS = ("surfaces", "mlp")
THEMES = ("light", "dark", "print")
ASPECTS = ("16:9", "4:3")
MAX_OPTIMIZERS = 12

DEFAULT_OPTIMIZERS = (
    OptimizerSpec("sgd", (("lr", 1e-3),)),
    OptimizerSpec("momentum", (("lr", 2e-4), ("momentum", 0.9))),
    OptimizerSpec("nesterov", (("lr", 2e-4), ("momentum", 0.9))),
    OptimizerSpec("rmsprop", (("lr", 3e-3),)),
    OptimizerSpec("adam", (("lr", 3e-2),)),
)


@dataclass(frozen=True)
class Display:
    """How a scene is drawn: on screen and in exported slides."""

    theme: str = "light"  # light, dark or print (white, black ink, thicker lines)
    font_size: int = 14
    aspect: str = "16:9"
    title: str = ""  # "" = automatic (surface and settings)
    caption: str = ""  # what the students should see (a lecture scene's two or three sentences)
    show_title: bool = True
    show_legend: bool = True
    show_3d: bool = False
    log_loss: bool = True
    lookahead: bool = False  # Nesterov: draw the textbook iterate and its look-ahead step (C5)
    frames: int = 100  # animation frames (the paths are subsampled, never the final picture)
    fps: int = 20
    lang: str = "en"  # the language of every text a person reads (optviz.i18n): "en" or "ko"
    presentation: bool = False  # projector mode: no sidebar, the figure fills the window, larger type

    def __post_init__(self) -> None:
        check_choice("theme", self.theme, THEMES)
        check_choice("lang", self.lang, LANGS)
        check_choice("aspect", self.aspect, ASPECTS)
        _int_range("font_size", self.font_size, 8, 40)
        _int_range("frames", self.frames, 2, 500)
        _int_range("fps", self.fps, 1, 60)
        if not isinstance(self.title, str) or len(self.title) > 200:
            raise ValueError("title must be a string of at most 200 characters")
        if not isinstance(self.caption, str) or len(self.caption) > 1000:
            raise ValueError("caption must be a string of at most 1000 characters")
        for name in ("show_title", "show_legend", "show_3d", "log_loss", "lookahead", "presentation"):
            if not isinstance(getattr(self, name), bool):
                raise ValueError(f"{name} must be true or false, got {getattr(self, name)!r}")

    @property
    def size(self) -> tuple[int, int]:
        """Export size in CSS pixels (multiplied by the PNG scale)."""
        return (1280, 720) if self.aspect == "16:9" else (1024, 768)

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Display:
        return cls(**_known_keys("display", d, {f.name for f in fields(cls)}))


ANALYSIS_FIGURES = ("auto", "inside", "coords", "hpmap", "basins", "seeds")
MAP_METRICS = ("loss", "steps", "diverged")
BASIN_COLORS = ("minimum", "steps")


@dataclass(frozen=True)
class Analysis:
    """The pictures of one step and of many runs (a surfaces scene's companions to the race).

    figure: the picture the scene is about, which the page opens and the exports write ("auto": the race,
        or a shipped map scene's map; "inside": the arrows of one step; "coords": the per-coordinate
        state over time; "hpmap": the hyperparameter map; "basins": basins of attraction; "seeds":
        seed bands).  step: the step "inside" shows (clipped to the steps a run completed).
    map_h2, map_metric, map_cells: the map's second axis ("" = the optimizer's usual partner, see
        `optviz.runs.hpmap.SECOND_AXIS`), what its colour shows and its cells per axis.
    basin_cells, basin_color, basin_runs: the basins' grid of starts per axis, their colour (the
        minimum reached, or steps to converge) and how many of the first optimizers are drawn side by side.
    seeds: runs per optimizer in a seed band.
    """

    figure: str = "auto"
    step: int = 10
    focus: int = 0
    map_h2: str = ""
    map_metric: str = "loss"
    map_cells: int = 24
    basin_cells: int = 48
    basin_color: str = "minimum"
    basin_runs: int = 2
    seeds: int = 20

    def __post_init__(self) -> None:
        check_choice("figure", self.figure, ANALYSIS_FIGURES)
        check_choice("map_metric", self.map_metric, MAP_METRICS)
        check_choice("basin_color", self.basin_color, BASIN_COLORS)
        if not isinstance(self.map_h2, str) or len(self.map_h2) > 40:
            raise ValueError(f"map_h2 must be a hyperparameter name, got {self.map_h2!r}")
        _int_range("step", self.step, 1, MAX_STEPS)
        _int_range("focus", self.focus, -1, MAX_OPTIMIZERS)
        _int_range("map_cells", self.map_cells, 2, 128)
        _int_range("basin_cells", self.basin_cells, 4, 128)
        _int_range("basin_runs", self.basin_runs, 1, 2)
        _int_range("seeds", self.seeds, 2, 200)

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Analysis:
        return cls(**_known_keys("analysis", d, {f.name for f in fields(cls)}))


@dataclass(frozen=True)
class SurfacesConfig:
    """The surfaces view: a surface, a start, shared run options and the optimizers that race."""

    surface: str = "rosenbrock"
    surface_params: tuple[tuple[str, float], ...] = ()
    start: tuple[float, float] | None = None  # None: the surface's default start
    steps: int = 1000
    schedule: Schedule = field(default_factory=Schedule)
    noise: float = 0.0
    noise_seed: int = 0
    clip_norm: float | None = None
    l2: float = 0.0
    optimizers: tuple[OptimizerSpec, ...] = DEFAULT_OPTIMIZERS
    # surface "custom": f(x, y) as typed and its plot bounds ((x_min, x_max), (y_min, y_max)); the
    # surface field then holds the name the registry knows it by ("custom:<hash>", `surfaces.custom`)
    formula: str = ""
    bounds: tuple[tuple[float, float], tuple[float, float]] | None = None

    def __post_init__(self) -> None:
        if is_custom(self.surface) or self.formula or self.bounds is not None:
            if not is_custom(self.surface):
                raise ValueError(f"formula and bounds are for surface 'custom' only, got surface {self.surface!r}")
            if not isinstance(self.formula, str) or not self.formula.strip():
                raise ValueError("formula: surface 'custom' needs a formula f(x, y), e.g. 'x**2 + 3*y**2'")
            custom = define_custom(self.formula, self.bounds)
            object.__setattr__(self, "surface", custom.name)
            object.__setattr__(self, "formula", self.formula.strip())
            object.__setattr__(self, "bounds", custom.bounds)
        surf = get_surface(self.surface)
        sp = surf.pack(**dict(self.surface_params))
        object.__setattr__(self, "surface_params", tuple((p.name, float(v)) for p, v in zip(surf.params, sp)))
        if self.start is not None:
            try:
                start = (float(self.start[0]), float(self.start[1]))
            except (TypeError, ValueError, IndexError):
                raise ValueError(f"start must be a pair of numbers (x, y), got {self.start!r}") from None
            if len(self.start) != 2 or not all(map(is_finite, start)):
                raise ValueError(f"start must be a pair of finite numbers (x, y), got {self.start!r}")
            object.__setattr__(self, "start", start)
        check_steps(self.steps)
        object.__setattr__(self, "schedule", Schedule.coerce(self.schedule))
        _float_range("noise", self.noise, 0.0, 1e6)
        _int_range("noise_seed", self.noise_seed, 0, 2**31 - 1)
        if self.clip_norm is not None:
            _float_range("clip_norm", self.clip_norm, 1e-12, 1e12)
        _float_range("l2", self.l2, 0.0, 1e3)
        if not self.optimizers:
            raise ValueError("optimizers must name at least one optimizer")
        if len(self.optimizers) > MAX_OPTIMIZERS:
            raise ValueError(f"optimizers: at most {MAX_OPTIMIZERS} at once")
        opts = tuple(o if isinstance(o, OptimizerSpec) else OptimizerSpec(*o) for o in self.optimizers)
        object.__setattr__(self, "optimizers", opts)

    @property
    def start_point(self) -> tuple[float, float]:
        return self.start if self.start is not None else get_surface(self.surface).start

    def labels(self) -> list[str]:
        """One legend label per optimizer (`run_labels`: what differs between runs of one optimizer)."""
        return run_labels(self.optimizers)

    def run_options(self) -> dict[str, Any]:
        """The shared keyword arguments of `optviz.run` for this scene."""
        return {
            "start": self.start_point,
            "steps": self.steps,
            "surface_params": dict(self.surface_params),
            "schedule": self.schedule,
            "noise": self.noise,
            "noise_seed": self.noise_seed,
            "clip_norm": self.clip_norm,
            "l2": self.l2,
        }

    @property
    def is_custom(self) -> bool:
        """Whether the surface is the lecturer's own formula."""
        return bool(self.formula)

    def to_dict(self) -> dict[str, Any]:
        custom = {"formula": self.formula, "bounds": [list(b) for b in self.bounds]} if self.formula else {}
        return {
            "surface": "custom" if self.formula else self.surface,
            **custom,
            "surface_params": dict(self.surface_params),
            "start": list(self.start) if self.start is not None else None,
            "steps": self.steps,
            "schedule": self.schedule.to_dict(),
            "noise": self.noise,
            "noise_seed": self.noise_seed,
            "clip_norm": self.clip_norm,
            "l2": self.l2,
            "optimizers": [o.to_dict() for o in self.optimizers],
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> SurfacesConfig:
        """Strict: unknown keys and bad values raise ValueError naming them."""
        kw = _known_keys("surfaces", d, {f.name for f in fields(cls)})
        if "surface_params" in kw:
            kw["surface_params"] = tuple(check_mapping("surface_params", kw["surface_params"]).items())
        if kw.get("start") is not None:
            if not isinstance(kw["start"], (list, tuple)):
                raise ValueError(f"start must be a pair of numbers [x, y] or null, got {kw['start']!r}")
            kw["start"] = tuple(kw["start"])
        if "schedule" in kw:
            kw["schedule"] = Schedule.coerce(kw["schedule"])
        if kw.get("bounds") is not None:
            kw["bounds"] = check_bounds(kw["bounds"])
        if "optimizers" in kw:
            if not isinstance(kw["optimizers"], list):
                raise ValueError("optimizers must be a list of {'name': ..., hyperparameters}")
            kw["optimizers"] = tuple(decode_optimizer(check_mapping("optimizers[]", o)) for o in kw["optimizers"])
        try:
            return cls(**kw)
        except TypeError as e:  # a value of the wrong JSON type reaching a comparison
            raise ValueError(f"invalid scene: {e}") from None


@dataclass(frozen=True)
class Scene:
    """Everything that determines a picture: the view shown, both views' settings and the display."""

    view: str = "surfaces"
    surfaces: SurfacesConfig = field(default_factory=SurfacesConfig)
    mlp: MLPConfig = field(default_factory=MLPConfig)
    display: Display = field(default_factory=Display)
    analysis: Analysis = field(default_factory=Analysis)

    def __post_init__(self) -> None:
        check_choice("view", self.view, VIEWS)
        kinds = (("surfaces", SurfacesConfig), ("mlp", MLPConfig), ("display", Display), ("analysis", Analysis))
        for name, kind in kinds:
            if not isinstance(getattr(self, name), kind):
                raise ValueError(f"{name} must be a {kind.__name__}")

    # ----------------------------------------------------------------- JSON
    def to_dict(self) -> dict[str, Any]:
        """The scene file: the shown view's block, and the other view's only where it differs from the defaults."""
        d: dict[str, Any] = {"optviz_scene": SCENE_VERSION, "view": self.view, "display": self.display.to_dict()}
        if self.view == "surfaces" or self.surfaces != SurfacesConfig():
            d["surfaces"] = self.surfaces.to_dict()
        if self.view == "mlp" or self.mlp != MLPConfig():
            d["mlp"] = self.mlp.to_dict()
        if self.analysis != Analysis():
            d["analysis"] = self.analysis.to_dict()
        return d

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Scene:
        """Strict: unknown keys and bad values raise ValueError naming them.  Version 1 is migrated."""
        d = dict(check_mapping("scene", d))
        version = d.pop("optviz_scene", None)
        if version is None:
            raise ValueError("not an optviz scene: the key 'optviz_scene' (the format version) is missing")
        if version == 1:
            d = migrate_v1(d)
        elif version != SCENE_VERSION:
            raise ValueError(f"optviz_scene: this optviz reads scene versions 1 and {SCENE_VERSION}, got {version!r}")
        d = _known_keys("scene", d, {"view", "surfaces", "mlp", "display", "analysis"})
        kw: dict[str, Any] = {}
        if "view" in d:
            kw["view"] = d["view"]
        if "surfaces" in d:
            kw["surfaces"] = SurfacesConfig.from_dict(d["surfaces"])
        if "mlp" in d:
            kw["mlp"] = MLPConfig.from_dict(d["mlp"])
        if "display" in d:
            kw["display"] = Display.from_dict(d["display"])
        if "analysis" in d:
            kw["analysis"] = Analysis.from_dict(d["analysis"])
        return cls(**kw)

    @classmethod
    def from_json(cls, text: str | bytes) -> Scene:
        try:
            d = json.loads(text)
        except json.JSONDecodeError as e:
            raise ValueError(f"scene file is not valid JSON: {e.msg} (line {e.lineno}, column {e.colno})") from None
        return cls.from_dict(d)

    # ----------------------------------------------------------------- URL query
    def to_query(self) -> dict[str, str]:
        """Query parameters (str -> str); `from_query` reads them back to an equal Scene."""
        s = self.surfaces
        q = {
            "v": str(SCENE_VERSION),
            "view": self.view,
            "surface": "custom" if s.formula else s.surface,
            "steps": str(s.steps),
            "opt": ";".join(encode_optimizer(o) for o in s.optimizers),
            "sched": s.schedule.name
            + "".join(f",{k}={_enc(v)}" for k, v in s.schedule.to_dict().items() if k != "name"),
        }
        if s.formula:
            q["formula"] = s.formula
            q["bounds"] = ",".join(repr(v) for b in s.bounds for v in b)
        if s.surface_params:
            q["sp"] = ",".join(f"{k}={v!r}" for k, v in s.surface_params)
        if s.start is not None:
            q["start"] = f"{s.start[0]!r},{s.start[1]!r}"
        if s.noise:
            q["noise"] = repr(s.noise)
        if s.noise_seed:
            q["seed"] = str(s.noise_seed)
        if s.clip_norm is not None:
            q["clip"] = repr(s.clip_norm)
        if s.l2:
            q["l2"] = repr(s.l2)
        default = Display()
        for f in fields(Display):
            val = getattr(self.display, f.name)
            if val != getattr(default, f.name) or f.name == "lang":  # a link opens in its own language
                q[f"d_{f.name}"] = _enc(val)
        for k, v in self.mlp.query_pairs():  # only the MLP settings that differ from their defaults travel
            q[f"m_{k}"] = _enc(v)
        base_analysis = Analysis()
        for f in fields(Analysis):
            val = getattr(self.analysis, f.name)
            if val != getattr(base_analysis, f.name):
                q[f"a_{f.name}"] = _enc(val)
        return q

    @classmethod
    def from_query(cls, params: Mapping[str, Any]) -> tuple[Scene, list[str]]:
        """Lenient: (scene, notices).  Each unreadable, unknown or out-of-range parameter is
        replaced by its default and named in a notice; this never raises.  The notices are shown on
        the page: their words are in the current language (`optviz.i18n`), the reason (a ValueError's
        text) stays English."""
        notices: list[str] = []
        p = {k: (v[-1] if isinstance(v, (list, tuple)) and v else v) for k, v in params.items()}
        base = SurfacesConfig()
        kw: dict[str, Any] = {}
        view: list[str] = []

        def attempt(key: str, build: Any) -> None:
            if key not in p:
                return
            try:
                build(str(p[key]))
            except (ValueError, TypeError, KeyError, IndexError) as e:
                notices.append(_("ignored {key}={value}: {reason}").format(key=key, value=repr(p[key]), reason=e))

        def set_version(s: str) -> None:
            if _as_int("v", s) not in (1, SCENE_VERSION):
                notices.append(_("scene version {version} read as {current}").format(version=s, current=SCENE_VERSION))

        def set_view(s: str) -> None:
            view.append(check_choice("view", s, VIEWS))

        def set_surface(s: str) -> None:
            kw["surface"] = "custom" if is_custom(s) else get_surface(s).name

        def set_formula(s: str) -> None:
            define_custom(s, kw.get("bounds"))  # validate before keeping (a bad formula: a notice, not a crash)
            kw["formula"] = s

        def set_bounds(s: str) -> None:
            parts = s.split(",")
            if len(parts) != 4:
                raise ValueError("bounds must be four numbers x_min,x_max,y_min,y_max")
            kw["bounds"] = check_bounds(((parts[0], parts[1]), (parts[2], parts[3])))

        def set_steps(s: str) -> None:
            kw["steps"] = check_steps(_as_int("steps", s))

        def set_sp(s: str) -> None:
            pairs = tuple((k, float(v)) for k, v in _pairs(s))
            get_surface(kw.get("surface", base.surface)).pack(**dict(pairs))
            kw["surface_params"] = pairs

        def set_start(s: str) -> None:
            parts = s.split(",")
            if len(parts) != 2:
                raise ValueError("start must be two numbers x,y")
            start = (float(parts[0]), float(parts[1]))
            replace(base, start=start)  # validate before keeping: one bad value must not reset the others
            kw["start"] = start

        def set_opt(s: str) -> None:
            specs = tuple(decode_optimizer(entry) for entry in s.split(";"))
            replace(base, optimizers=specs)
            kw["optimizers"] = specs

        def set_sched(s: str) -> None:
            name, _, rest = s.partition(",")
            d: dict[str, Any] = {"name": name}
            for k, v in _pairs(rest):
                d[k] = _dec(v)
            kw["schedule"] = Schedule.coerce(d)

        def setter(key: str, conv: Any) -> Any:
            def set_(s: str) -> None:
                val = conv(s)
                replace(base, **{key: val})
                kw[key] = val

            return set_

        attempt("v", set_version)
        attempt("view", set_view)
        attempt("surface", set_surface)
        attempt("bounds", set_bounds)
        attempt("formula", set_formula)
        attempt("steps", set_steps)
        attempt("sp", set_sp)
        attempt("start", set_start)
        attempt("opt", set_opt)
        attempt("sched", set_sched)
        attempt("noise", setter("noise", float))
        attempt("seed", setter("noise_seed", lambda s: _as_int("seed", s)))
        attempt("clip", setter("clip_norm", float))
        attempt("l2", setter("l2", float))
        disp: dict[str, Any] = {}
        for f in fields(Display):

            def set_d(s: str, name: str = f.name) -> None:
                val = s if name in ("title", "caption") else _dec(s)
                Display(**{**disp, name: val})
                disp[name] = val

            attempt(f"d_{f.name}", set_d)
        mlp: list[tuple[str, Any]] = []
        for key in [k for k in p if k.startswith("m_")]:

            def set_m(s: str, name: str = key[2:]) -> None:
                pair = (name, _dec(s))
                MLPConfig.from_pairs((*mlp, pair))  # validate before keeping, one parameter at a time
                mlp.append(pair)

            attempt(key, set_m)
        ana: dict[str, Any] = {}
        for f in fields(Analysis):

            def set_a(s: str, name: str = f.name) -> None:
                val = s if name in ("figure", "map_h2", "map_metric", "basin_color") else _dec(s)
                Analysis(**{**ana, name: val})
                ana[name] = val

            attempt(f"a_{f.name}", set_a)
        known = {"v", "view", "surface", "formula", "bounds", "steps", "sp", "start", "opt", "sched"}
        known |= {"noise", "seed", "clip", "l2"}
        for k in p:
            if k not in known and not k.startswith(("d_", "m_", "a_")):
                notices.append(_("ignored unknown parameter {name}").format(name=repr(k)))
        try:
            surfaces = SurfacesConfig(**kw)
        except ValueError as e:  # a combination that is invalid although each part was valid
            notices.append(_("surfaces settings reset to defaults: {reason}").format(reason=e))
            surfaces = SurfacesConfig()
        try:
            mlp_config = MLPConfig.from_pairs(mlp)
        except ValueError as e:
            notices.append(_("MLP settings reset to defaults: {reason}").format(reason=e))
            mlp_config = MLPConfig()
        scene = cls(
            view=view[0] if view else "surfaces",
            surfaces=surfaces,
            mlp=mlp_config,
            display=Display(**disp),
            analysis=Analysis(**ana),
        )
        return scene, notices


# ----------------------------------------------------------------------------- a lecture title's validity

STALE_SUFFIX = N_(" (settings changed)")  # a shipped title, marked once the settings it describes changed
STALE_CAPTION = N_("With the shipped settings: ")  # the shipped caption, marked the same way
STALE_MODES = ("mark", "drop")


def changed_settings(shipped: Scene, now: Scene) -> tuple[str, ...]:
    """What `now` changed of the settings a scene was shipped (or loaded) with: "view", then
    "surfaces.<field>" or "mlp.<field>" of the view now shown, in field order; () while none.

    Display fields never count (theme, font, title, caption, frames, log axis, ...): they change how
    the picture is drawn, not what it shows.  Nor does the MLP's `figure`, which figure the exports
    write.  The other view's settings do not count either: they do not enter the picture.
    """
    out = ["view"] if shipped.view != now.view else []
    block = now.view
    a, b = getattr(shipped, block), getattr(now, block)
    for f in fields(a):
        if (block, f.name) != ("mlp", "figure") and getattr(a, f.name) != getattr(b, f.name):
            out.append(f"{block}.{f.name}")
    return tuple(out)


def display_applies(shipped: Scene, now: Scene) -> bool:
    """Whether the shipped scene's title and caption still describe `now` (no setting changed)."""
    return not changed_settings(shipped, now)


def shown_scene(shipped: Scene, now: Scene, *, stale: str = "mark") -> Scene:
    """`now` as the page and the exports should draw it: a shipped title belongs to the shipped settings.

    While `display_applies`, `now` keeps the shipped title and caption (a marked one is restored
    when the settings come back).  Once a setting changed, the shipped title and caption are marked
    (stale="mark": the title ends in STALE_SUFFIX, the caption starts with STALE_CAPTION) or dropped
    (stale="drop": the figures' automatic title, no caption; this one does not come back by itself).
    A title or caption the user wrote is theirs and stays as it is.  Idempotent:
    shown_scene(shipped, shown_scene(shipped, now)) == shown_scene(shipped, now).
    """
    check_choice("stale", stale, STALE_MODES)
    d, old = now.display, shipped.display
    fresh = display_applies(shipped, now)
    title, caption = d.title, d.caption
    if old.title and title in (old.title, _marked_title(old.title)):
        title = old.title if fresh else _marked_title(old.title) if stale == "mark" else ""
    if old.caption and caption in (old.caption, _marked_caption(old.caption)):
        caption = old.caption if fresh else _marked_caption(old.caption) if stale == "mark" else ""
    if (title, caption) == (d.title, d.caption):
        return now
    return replace(now, display=replace(d, title=title, caption=caption))


def spoken_title(title: str) -> str:
    """A display title in the current language (`optviz.i18n`): a shipped scene's title is a catalog
    message, and so is its stale mark; a title the user typed comes back as typed."""
    if title.endswith(STALE_SUFFIX):
        return _(title[: -len(STALE_SUFFIX)]) + _(STALE_SUFFIX)
    return _(title)


def spoken_caption(caption: str) -> str:
    """A display caption in the current language, as `spoken_title`."""
    if caption.startswith(STALE_CAPTION):
        return _(STALE_CAPTION) + _(caption[len(STALE_CAPTION) :])
    return _(caption)


def _marked_title(title: str) -> str:
    return title[: 200 - len(STALE_SUFFIX)] + STALE_SUFFIX  # Display allows 200 characters


def _marked_caption(caption: str) -> str:
    return (STALE_CAPTION + caption)[:1000]


def migrate_v1(d: Mapping[str, Any]) -> dict[str, Any]:
    """A version-1 scene file's keys (without 'optviz_scene') as version 2's.

    Version 1 kept every surfaces field at the top level (an MLP file too, unused) and the MLP
    settings as the flat pairs of `MLPConfig.to_pairs`; an MLP file's surfaces fields are dropped
    when they are the defaults.
    """
    d = dict(d)
    surface_keys = {f.name for f in fields(SurfacesConfig)}
    unknown = sorted(set(d) - surface_keys - {"view", "display", "mlp"})
    if unknown:
        allowed = sorted(surface_keys | {"view", "display", "mlp"})
        raise ValueError(f"unknown scene key {unknown[0]!r}; allowed: {', '.join(allowed)}")
    out: dict[str, Any] = {k: d[k] for k in ("view", "display") if k in d}
    surfaces = {k: d[k] for k in surface_keys if k in d}
    if surfaces:
        out["surfaces"] = surfaces
    if d.get("mlp"):
        out["mlp"] = d["mlp"]
    return out


# ----------------------------------------------------------------------------- helpers


def _known_keys(what: str, d: Any, allowed: set[str]) -> dict[str, Any]:
    """`d` as a dict if it is a JSON object with only `allowed` keys, else a ValueError naming the first other."""
    d = dict(check_mapping(what, d))
    unknown = sorted(set(d) - allowed)
    if unknown:
        raise ValueError(f"unknown {what} key {unknown[0]!r}; allowed: {', '.join(sorted(allowed))}")
    return d


def _int_range(name: str, value: Any, lo: int, hi: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{name} must be a whole number from {lo} to {hi}, got {value!r}")
    check_whole(name, value, lo, hi)


def _float_range(name: str, value: Any, lo: float, hi: float) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{name} must be a number in [{lo:g}, {hi:g}], got {value!r}")
    check_number(name, value, lo, hi)


def _as_int(name: str, s: Any) -> int:
    try:
        v = float(s)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a whole number, got {s!r}") from None
    if not is_finite(v) or v != int(v):
        raise ValueError(f"{name} must be a whole number, got {s!r}")
    return int(v)


def _pairs(s: str) -> list[tuple[str, str]]:
    out = []
    for item in filter(None, s.split(",")):
        k, sep, v = item.partition("=")
        if not sep:
            raise ValueError(f"expected key=value, got {item!r}")
        out.append((k.strip(), v.strip()))
    return out


def _enc(v: Any) -> str:
    """Encode a JSON-ish scalar or tuple for a query string (tuples as a|b|c)."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if v is None:
        return "none"
    if isinstance(v, (tuple, list)):
        return "|".join(_enc(x) for x in v)
    if isinstance(v, float):
        return repr(v)
    return str(v)


def _dec(s: str) -> Any:
    """Inverse of `_enc` (numbers become int where they were written as ints)."""
    if "|" in s:
        return tuple(_dec(x) for x in s.split("|"))
    low = s.lower()
    if low in ("true", "false"):
        return low == "true"
    if low == "none":
        return None
    try:
        return int(s)
    except ValueError:
        pass
    try:
        return float(s)
    except ValueError:
        return s


__all__ = [
    "ASPECTS",
    "DEFAULT_OPTIMIZERS",
    "MAX_STEPS",
    "SCENE_VERSION",
    "THEMES",
    "VIEWS",
    "Display",
    "MLPConfig",
    "OptimizerSpec",
    "Scene",
    "SurfacesConfig",
    "STALE_CAPTION",
    "STALE_MODES",
    "STALE_SUFFIX",
    "changed_settings",
    "display_applies",
    "migrate_v1",
    "shown_scene",
]
