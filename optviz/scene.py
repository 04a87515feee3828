"""A scene: everything that determines a picture, as one frozen, versioned, hashable config.

The app reads its widgets into a `Scene`, the exporters read scene files into one, and both
call the same pure functions on it (`run_scene`, the figure builders), so what a lecturer sees
is what the export writes.  A scene travels three ways:

    Scene.to_json() / Scene.from_json(text)      scene files (strict: a bad file is an error)
    Scene.to_query() / Scene.from_query(params)  the page URL (lenient: a bad parameter falls
                                                 back to its default, with a notice)

Hyperparameters are stored resolved (every value, not only the changed ones), so a scene file
reproduces its picture even if a default changes in a later version.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

from optviz.api import MAX_STEPS, Result, check_steps, compare
from optviz.optimizers import OPTIMIZERS, get_optimizer
from optviz.schedules import SCHEDULE_NAMES, Schedule
from surfaces import SURFACES, get_surface

SCENE_VERSION = 1
VIEWS = ("surfaces", "mlp")
THEMES = ("light", "dark", "print")
ASPECTS = ("16:9", "4:3")


@dataclass(frozen=True)
class OptimizerSpec:
    """One optimizer of a comparison with its resolved hyperparameters (name, value) pairs."""

    name: str
    hyperparams: tuple[tuple[str, float], ...] = ()

    def __post_init__(self) -> None:
        resolved = get_optimizer(self.name).resolve(**dict(self.hyperparams))
        object.__setattr__(self, "hyperparams", tuple(resolved.items()))

    @property
    def kwargs(self) -> dict[str, float]:
        return dict(self.hyperparams)

    def label(self, index: int | None = None, duplicates: bool = False) -> str:
        """Legend label: the optimizer's title, plus its lr (and a number) when names repeat."""
        title = OPTIMIZERS[self.name].title
        if not duplicates:
            return title
        lr = self.kwargs.get("lr")
        extra = f" lr={lr:g}" if lr is not None else ""
        return f"{title}{extra} #{index + 1}" if index is not None else f"{title}{extra}"


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
    show_title: bool = True
    show_legend: bool = True
    show_3d: bool = False
    log_loss: bool = True
    lookahead: bool = False  # Nesterov: draw the textbook iterate and its look-ahead step (C5)
    frames: int = 100  # animation frames (the paths are subsampled, never the final picture)
    fps: int = 20

    def __post_init__(self) -> None:
        _choice("theme", self.theme, THEMES)
        _choice("aspect", self.aspect, ASPECTS)
        _int_range("font_size", self.font_size, 8, 40)
        _int_range("frames", self.frames, 2, 500)
        _int_range("fps", self.fps, 1, 60)
        if not isinstance(self.title, str) or len(self.title) > 200:
            raise ValueError("title must be a string of at most 200 characters")
        for name in ("show_title", "show_legend", "show_3d", "log_loss", "lookahead"):
            if not isinstance(getattr(self, name), bool):
                raise ValueError(f"{name} must be true or false, got {getattr(self, name)!r}")

    @property
    def size(self) -> tuple[int, int]:
        """Export size in CSS pixels (multiplied by the PNG scale)."""
        return (1280, 720) if self.aspect == "16:9" else (1024, 768)


@dataclass(frozen=True)
class Scene:
    """Everything that determines a picture.  Construct with keywords; every field is validated."""

    view: str = "surfaces"
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
    display: Display = field(default_factory=Display)
    mlp: tuple[tuple[str, Any], ...] = ()  # MLP view settings: optviz.mlp.scene.MLPSettings.to_pairs()
    version: int = SCENE_VERSION

    def __post_init__(self) -> None:
        _choice("view", self.view, VIEWS)
        surf = get_surface(self.surface)
        sp = surf.pack(**dict(self.surface_params))
        object.__setattr__(self, "surface_params", tuple((p.name, float(v)) for p, v in zip(surf.params, sp)))
        if self.start is not None:
            try:
                start = (float(self.start[0]), float(self.start[1]))
            except (TypeError, ValueError, IndexError):
                raise ValueError(f"start must be a pair of numbers (x, y), got {self.start!r}") from None
            if len(self.start) != 2 or not all(map(_finite, start)):
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
        if len(self.optimizers) > 12:
            raise ValueError("optimizers: at most 12 at once")
        opts = tuple(o if isinstance(o, OptimizerSpec) else OptimizerSpec(*o) for o in self.optimizers)
        object.__setattr__(self, "optimizers", opts)
        if not isinstance(self.display, Display):
            raise ValueError("display must be a Display")
        object.__setattr__(self, "mlp", _mlp_pairs(self.view, self.mlp))
        if self.version != SCENE_VERSION:
            raise ValueError(f"version: this optviz reads scene version {SCENE_VERSION}, got {self.version!r}")

    # ----------------------------------------------------------------- derived values
    @property
    def start_point(self) -> tuple[float, float]:
        return self.start if self.start is not None else get_surface(self.surface).start

    def labels(self) -> list[str]:
        """One legend label per optimizer (numbered when an optimizer appears twice)."""
        names = [o.name for o in self.optimizers]
        return [o.label(i, names.count(o.name) > 1) for i, o in enumerate(self.optimizers)]

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

    # ----------------------------------------------------------------- JSON
    def to_dict(self) -> dict[str, Any]:
        return {
            "optviz_scene": self.version,
            "view": self.view,
            "surface": self.surface,
            "surface_params": dict(self.surface_params),
            "start": list(self.start) if self.start is not None else None,
            "steps": self.steps,
            "schedule": self.schedule.to_dict(),
            "noise": self.noise,
            "noise_seed": self.noise_seed,
            "clip_norm": self.clip_norm,
            "l2": self.l2,
            "optimizers": [{"name": o.name, **o.kwargs} for o in self.optimizers],
            "display": {f.name: getattr(self.display, f.name) for f in fields(Display)},
            "mlp": dict(self.mlp),
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Scene:
        """Strict: unknown keys and bad values raise ValueError naming them."""
        if not isinstance(d, Mapping):
            raise ValueError("a scene must be a JSON object")
        d = dict(d)
        version = d.pop("optviz_scene", None)
        if version is None:
            raise ValueError("not an optviz scene: the key 'optviz_scene' (the format version) is missing")
        allowed = {f.name for f in fields(cls)} - {"version"}
        unknown = sorted(set(d) - allowed)
        if unknown:
            raise ValueError(f"unknown scene key {unknown[0]!r}; allowed: {', '.join(sorted(allowed))}")
        kw: dict[str, Any] = dict(d)
        kw["version"] = version
        if "surface_params" in kw:
            kw["surface_params"] = tuple(_mapping("surface_params", kw["surface_params"]).items())
        if kw.get("start") is not None:
            if not isinstance(kw["start"], (list, tuple)):
                raise ValueError(f"start must be a pair of numbers [x, y] or null, got {kw['start']!r}")
            kw["start"] = tuple(kw["start"])
        if "schedule" in kw:
            kw["schedule"] = Schedule.coerce(kw["schedule"])
        if "optimizers" in kw:
            if not isinstance(kw["optimizers"], list):
                raise ValueError("optimizers must be a list of {'name': ..., hyperparameters}")
            specs = []
            for o in kw["optimizers"]:
                o = dict(_mapping("optimizers[]", o))
                if "name" not in o:
                    raise ValueError("each entry of optimizers needs a 'name'")
                name = o.pop("name")
                specs.append(OptimizerSpec(name, tuple(o.items())))
            kw["optimizers"] = tuple(specs)
        if "display" in kw:
            disp = dict(_mapping("display", kw["display"]))
            allowed_d = {f.name for f in fields(Display)}
            bad = sorted(set(disp) - allowed_d)
            if bad:
                raise ValueError(f"unknown display key {bad[0]!r}; allowed: {', '.join(sorted(allowed_d))}")
            kw["display"] = Display(**disp)
        if "mlp" in kw:
            kw["mlp"] = tuple(_mapping("mlp", kw["mlp"]).items())
        try:
            return cls(**kw)
        except TypeError as e:  # a value of the wrong JSON type reaching a comparison
            raise ValueError(f"invalid scene: {e}") from None

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
        q = {
            "v": str(self.version),
            "view": self.view,
            "surface": self.surface,
            "steps": str(self.steps),
            "opt": ";".join(f"{o.name}:" + ",".join(f"{k}={v!r}" for k, v in o.hyperparams) for o in self.optimizers),
            "sched": self.schedule.name
            + "".join(f",{k}={_enc(v)}" for k, v in self.schedule.to_dict().items() if k != "name"),
        }
        if self.surface_params:
            q["sp"] = ",".join(f"{k}={v!r}" for k, v in self.surface_params)
        if self.start is not None:
            q["start"] = f"{self.start[0]!r},{self.start[1]!r}"
        if self.noise:
            q["noise"] = repr(self.noise)
        if self.noise_seed:
            q["seed"] = str(self.noise_seed)
        if self.clip_norm is not None:
            q["clip"] = repr(self.clip_norm)
        if self.l2:
            q["l2"] = repr(self.l2)
        default = Display()
        for f in fields(Display):
            val = getattr(self.display, f.name)
            if val != getattr(default, f.name):
                q[f"d_{f.name}"] = _enc(val)
        if self.mlp:  # only the MLP settings that differ from their defaults travel
            from optviz.mlp.scene import query_pairs

            for k, v in query_pairs(self.mlp):
                q[f"m_{k}"] = _enc(v)
        return q

    @classmethod
    def from_query(cls, params: Mapping[str, Any]) -> tuple[Scene, list[str]]:
        """Lenient: (scene, notices).  Each unreadable, unknown or out-of-range parameter is
        replaced by its default and named in a notice; this never raises."""
        notices: list[str] = []
        p = {k: (v[-1] if isinstance(v, (list, tuple)) and v else v) for k, v in params.items()}
        base = cls()
        kw: dict[str, Any] = {}

        def attempt(key: str, build: Any) -> None:
            if key not in p:
                return
            try:
                build(str(p[key]))
            except (ValueError, TypeError, KeyError, IndexError) as e:
                notices.append(f"ignored {key}={p[key]!r}: {e}")

        def set_view(s: str) -> None:
            kw["view"] = _choice("view", s, VIEWS)

        def set_surface(s: str) -> None:
            kw["surface"] = get_surface(s).name

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
            specs = []
            for entry in s.split(";"):
                name, _, rest = entry.partition(":")
                specs.append(OptimizerSpec(name, tuple((k, float(v)) for k, v in _pairs(rest))))
            replace(base, optimizers=tuple(specs))
            kw["optimizers"] = tuple(specs)

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

        attempt(
            "v",
            lambda s: (
                None
                if _as_int("v", s) == SCENE_VERSION
                else notices.append(f"scene version {s} read as {SCENE_VERSION}")
            ),
        )
        attempt("view", set_view)
        attempt("surface", set_surface)
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
            key = f"d_{f.name}"

            def set_d(s: str, name: str = f.name) -> None:
                val = s if name == "title" else _dec(s)
                Display(**{**disp, name: val})
                disp[name] = val

            attempt(key, set_d)
        kw["display"] = Display(**disp)
        mlp: list[tuple[str, Any]] = []
        for key in [k for k in p if k.startswith("m_")]:

            def set_m(s: str, name: str = key[2:]) -> None:
                pair = (name, _dec(s))
                _mlp_pairs("mlp", (*mlp, pair))  # validate before keeping, one parameter at a time
                mlp.append(pair)

            attempt(key, set_m)
        kw["mlp"] = tuple(mlp)
        known = {"v", "view", "surface", "steps", "sp", "start", "opt", "sched", "noise", "seed", "clip", "l2"}
        for k in p:
            if k not in known and not k.startswith(("d_", "m_")):
                notices.append(f"ignored unknown parameter {k!r}")
        try:
            scene = cls(**kw)
        except ValueError as e:  # a combination that is invalid although each part was valid
            notices.append(f"settings reset to defaults: {e}")
            scene = cls()
        return scene, notices


def run_scene(scene: Scene) -> list[Result]:
    """The surfaces-view results of a scene, one per optimizer, in order."""
    return compare(scene.surface, [(o.name, o.kwargs) for o in scene.optimizers], **scene.run_options())


# ----------------------------------------------------------------------------- helpers


def _mlp_pairs(view: str, pairs: Any) -> tuple[tuple[str, Any], ...]:
    """Scene.mlp validated by `optviz.mlp.scene.MLPSettings`, in its canonical form: every
    setting for the MLP view, () for a surfaces scene with the default MLP settings."""
    if view != "mlp" and not pairs:
        return ()
    from optviz.mlp.scene import canonical_pairs  # lazy: optviz.mlp imports this module

    return canonical_pairs(view, pairs)


def _finite(v: float) -> bool:
    return v == v and abs(v) != float("inf")


def _choice(name: str, value: Any, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise ValueError(f"{name} must be one of: {', '.join(allowed)}; got {value!r}")
    return value


def _as_int(name: str, s: Any) -> int:
    try:
        v = float(s)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a whole number, got {s!r}") from None
    if not _finite(v) or v != int(v):
        raise ValueError(f"{name} must be a whole number, got {s!r}")
    return int(v)


def _int_range(name: str, value: Any, lo: int, hi: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise ValueError(f"{name} must be a whole number from {lo} to {hi}, got {value!r}")


def _float_range(name: str, value: Any, lo: float, hi: float) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not (_finite(value) and lo <= value <= hi):
        raise ValueError(f"{name} must be a number in [{lo:g}, {hi:g}], got {value!r}")


def _mapping(name: str, value: Any) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ValueError(f"{name} must be a JSON object, got {type(value).__name__}")
    return value


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
    "SCHEDULE_NAMES",
    "SURFACES",
    "THEMES",
    "VIEWS",
    "Display",
    "OptimizerSpec",
    "Scene",
    "run_scene",
]
