"""The surfaces view: optimizers racing over a 2D test surface (`optviz.views.base.View`).

Besides the race, a surfaces scene draws what its `analysis` block (`optviz.config.Analysis`) sets:
    "inside"   the arrows of one step and its parts (`optviz.figures.inside`; the runs are recorded
               with their state, `optviz.run(record_state=True)`)
    "coords"   the per-coordinate state over time: effective step size, moments, bias corrections
    "hpmap"    a grid and a random search over lr x a second setting of the first optimizer (C31)
    "basins"   basins of attraction of the first one or two optimizers
    "seeds"    seed bands: N seeds of every run with noise or a random search
The last three are many runs of their own (`optviz.runs`: batched, seconds for the largest), kept
per setting by `analysis_numbers`, which the page calls first under a progress bar.

The shipped scenes listed in `optviz.runs.hpmap.SCENE_MAPS` were written before scenes had an
analysis block: they are drawn as a map while their settings, except the swept hyperparameters and
the other runs, are those of the file (`map_spec`); once one of those is edited, the scene is
drawn as the race again (the page keeps the map in a tab).
"""

from __future__ import annotations

import functools
import math
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import plotly.graph_objects as go

from optviz import figures
from optviz.api import Result
from optviz.config import Analysis, Display, Scene, SurfacesConfig
from optviz.figures.basins import basins_figure
from optviz.figures.hpmap import hpmap_figure
from optviz.figures.inside import coords_figure, inside_figure
from optviz.figures.seeds import seed_band_figure
from optviz.i18n import _, use_lang
from optviz.optimizers import OPTIMIZERS
from optviz.runs.basins import basins
from optviz.runs.hpmap import SCENE_MAPS, HPMap, MapSpec, hyperparameter_map
from optviz.runs.seeds import seed_bands
from optviz.runs.surfaces import run_scene
from optviz.validate import check_choice
from surfaces import SURFACES as SURFACE_REGISTRY

SCENES_DIR = Path(__file__).resolve().parent.parent / "scenes"


def _map_key(s: SurfacesConfig) -> tuple[Any, ...]:
    """What a map depends on: everything but the hyperparameters it sweeps (so a map scene stays one
    when the page's lr slider shows the scene's lr at its nearest grid value) and the other runs."""
    first = s.optimizers[0].name if s.optimizers else None
    start = tuple(float(v) for v in s.start_point)  # None and the surface default alike
    return (s.surface, s.surface_params, start, s.steps, s.noise, s.noise_seed, s.clip_norm, s.l2, s.schedule, first)


@functools.cache
def _map_scenes() -> dict[tuple[Any, ...], MapSpec]:
    """The settings of each shipped map scene (`_map_key`) -> its map's spec (files read once)."""
    out = {}
    for name, spec in SCENE_MAPS.items():
        scene = Scene.from_json((SCENES_DIR / f"{name}.json").read_text(encoding="utf-8"))
        out[_map_key(scene.surfaces)] = spec
    return out


def map_spec(scene: Scene) -> MapSpec | None:
    """The map's spec when `scene` has the settings of a shipped map scene (`_map_key`), else None."""
    return _map_scenes().get(_map_key(scene.surfaces))


STATEFUL = ("inside", "coords")  # figures drawn from each run's recorded state
MANY_RUNS = ("hpmap", "basins", "seeds")  # figures of runs of their own (`analysis_numbers`)


def map_spec_of(scene: Scene) -> MapSpec:
    """The map a scene draws: a shipped map scene's spec, with what its analysis block changed
    (the colour always; the second axis and the cells where they differ from the defaults)."""
    a, default = scene.analysis, Analysis()
    base = map_spec(scene) or MapSpec()
    spec = replace(base, metric=a.map_metric)
    if a.map_cells != default.map_cells or map_spec(scene) is None:
        spec = replace(spec, cells=a.map_cells)
    if a.map_h2 and a.map_h2 != (base.h2 or ""):
        spec = replace(spec, h2=a.map_h2, h2_range=None)
    lr = dict(scene.surfaces.optimizers[0].kwargs).get("lr") if scene.surfaces.optimizers else None
    if spec.lr_range is None and isinstance(lr, float) and lr > 0:
        # Whole decades around the lr (3 below, 2 above), not lr / 1000 .. lr * 10: a click on a cell
        # loads its lr, and a range that followed the lr would move the map under the pointer.
        e = math.floor(math.log10(lr))
        spec = replace(spec, lr_range=(10.0 ** (e - 3), 10.0 ** (e + 2)))
    return spec


def _numbers_key(scene: Scene, name: str) -> tuple[Any, ...]:
    """What the numbers of `name` depend on: the runs' settings and the figure's own (not the
    display, not the other figures' settings, not the map's colour)."""
    core = replace(scene, display=Display(), analysis=Analysis()).to_json()
    a = scene.analysis
    if name == "hpmap":
        return (name, core, replace(map_spec_of(scene), metric="loss"))
    if name == "basins":
        return (name, core, a.basin_cells, min(a.basin_runs, len(scene.surfaces.optimizers)))
    return (name, core, a.seeds)


_KEPT: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
_KEPT_SIZE = 16
_kept_lock = threading.Lock()


def has_numbers(scene: Scene, name: str) -> bool:
    """Whether `analysis_numbers(scene, name)` is kept already (no runs to wait for)."""
    with _kept_lock:
        return _numbers_key(scene, name) in _KEPT


def analysis_numbers(scene: Scene, name: str, progress: Callable[[float], None] | None = None) -> Any:
    """The runs of figure `name` of `MANY_RUNS` under the scene's analysis settings: an `HPMap`, a
    list of `Basins` (one per optimizer drawn) or a list of seed `Band`s.  Kept per setting (the 16
    latest, shared by every caller of this process); `progress` gets the fraction done."""
    name = check_choice("figure", name, MANY_RUNS)
    key = _numbers_key(scene, name)
    with _kept_lock:
        if key in _KEPT:
            _KEPT.move_to_end(key)
            return _KEPT[key]
    a = scene.analysis
    if name == "hpmap":
        value: Any = hyperparameter_map(scene, replace(map_spec_of(scene), metric="loss"), progress=progress)
    elif name == "basins":
        runs = min(a.basin_runs, len(scene.surfaces.optimizers))

        def part(i: int) -> Callable[[float], None] | None:
            return None if progress is None else (lambda f: progress((i + f) / runs))

        value = [basins(scene, i, cells=a.basin_cells, progress=part(i)) for i in range(runs)]
    else:
        value = seed_bands(scene, seeds=a.seeds, progress=progress)
    with _kept_lock:
        _KEPT[key] = value
        while len(_KEPT) > _KEPT_SIZE:
            _KEPT.popitem(last=False)
    return value


def hpmap_of(scene: Scene) -> HPMap:
    """The scene's hyperparameter map, coloured by its analysis' metric (computed once per setting)."""
    return replace(analysis_numbers(scene, "hpmap"), metric=scene.analysis.map_metric)


def default_figure(scene: Scene) -> str:
    """The figure a scene shows and exports: its analysis' figure; "auto": "hpmap" for a shipped map
    scene, else "scene" (the race)."""
    if scene.analysis.figure != "auto":
        return scene.analysis.figure
    return "hpmap" if map_spec(scene) is not None else "scene"


def focus_run(scene: Scene, results: list[Result], step: int) -> int | None:
    """The run (0-based) the "inside" window zooms on at `step` (`Analysis.focus`), None for all runs.
    Auto (0): the first run whose rule keeps a state (momentum, moments: the arrows have parts),
    else the first; a run that stopped before `step` falls back to all runs."""
    f = scene.analysis.focus
    if f == -1:
        return None
    if f == 0:
        alive = [k for k, r in enumerate(results) if r.steps_done >= step]
        stateful = [k for k in alive if OPTIMIZERS[results[k].optimizer].state_names]
        return (stateful or alive or [None])[0]
    k = f - 1
    return k if k < len(results) and results[k].steps_done >= step else None


INSIDE_FRAMES = 40  # an animation of one step after another: each frame is rendered whole (its window moves)


def inside_animation(scene: Scene, results: list[Result], step: int) -> go.Figure:
    """The arrows of `step` and the steps after it as an animation (GIF, MP4, HTML): one frame per
    step, at most `INSIDE_FRAMES` and the scene's frames, while every run has the step; each frame
    carries its own window (the zoom follows the runs), so the exporter renders frames whole."""
    common = min((r.steps_done for r in results), default=0)
    count = min(INSIDE_FRAMES, scene.display.frames, max(common - step + 1, 1))
    steps = [step + i for i in range(count)] if step <= common else [step]
    focus = focus_run(scene, results, step)
    figs = [inside_figure(scene, results, t, focus=focus) for t in steps]
    fig = go.Figure(figs[0])
    frames = []
    for t, f in zip(steps, figs):
        if len(f.data) != len(fig.data):  # a run's arrows ended: the animation stops before
            break
        lay = f.layout
        frames.append(
            go.Frame(
                data=list(f.data),
                name=str(t),
                layout={
                    "xaxis": {"range": list(lay.xaxis.range)},
                    "yaxis": {"range": list(lay.yaxis.range)},
                    "title": {"text": lay.title.text},
                    "shapes": [sh.to_plotly_json() for sh in lay.shapes],
                    "annotations": [a.to_plotly_json() for a in lay.annotations],
                },
            )
        )
    fig.frames = frames
    ms = round(1000 / max(scene.display.fps, 1))
    play = {"frame": {"duration": ms, "redraw": True}, "fromcurrent": True, "transition": {"duration": 0}}
    fig.update_layout(
        updatemenus=[
            {
                "type": "buttons",
                "showactive": False,
                "x": 0.0,
                "y": -0.08,
                "xanchor": "left",
                "yanchor": "top",
                "buttons": [
                    {"label": "▶", "method": "animate", "args": [None, play]},
                    {"label": "❚❚", "method": "animate", "args": [[None], {"mode": "immediate"}]},
                ],
            }
        ],
        sliders=[
            {
                "visible": False,
                "currentvalue": {"prefix": ""},
                "steps": [
                    {"label": _("step {step}").format(step=fr.name), "method": "animate", "args": [[fr.name]]}
                    for fr in frames
                ],
            }
        ],
    )
    return fig


def with_state(scene: Scene, results: Any) -> list[Result]:
    """`results` if every run carries its recorded state, else the scene run again recording it
    (a few ms: the page's race is run without it)."""
    if results is not None and all(getattr(r, "state", None) is not None for r in results):
        return results
    return run_scene(scene, record_state=True)


@dataclass(frozen=True)
class SurfacesView:
    """Runs `scene.surfaces`; draws the page's trajectory + loss figure and its companions."""

    name: str = "surfaces"
    figures: tuple[str, ...] = (
        "scene",
        "trajectory",
        "loss",
        "surface3d",
        "lr",
        "effective_lr",
        "hpmap",
        "inside",
        "coords",
        "basins",
        "seeds",
    )
    csv_columns: tuple[str, ...] = ("step", "optimizer", "x", "y", "loss", "lr")

    def run(self, scene: Scene) -> list[Result]:
        """The race; recorded with each run's state when the scene's figure is drawn from it."""
        return run_scene(scene, record_state=scene.analysis.figure in STATEFUL)

    def figure(self, scene: Scene, results: Any, name: str | None = None, *, animate: bool = True) -> go.Figure:
        """The figure `name` in the scene's language (`display.lang`)."""
        name = default_figure(scene) if name is None else check_choice("figure", name, self.figures)
        with use_lang(scene.display.lang):
            return self._figure(scene, results, name, animate)

    def _figure(self, scene: Scene, results: Any, name: str, animate: bool) -> go.Figure:
        # the maps, basins and bands: their own runs, not the race's results
        if name == "hpmap":
            return hpmap_figure(scene, hpmap_of(scene))
        if name == "basins":
            # one known minimum: every converging start has the same colour, so the steps are the picture
            several = len(SURFACE_REGISTRY[scene.surfaces.surface].minima) > 1
            color_by = scene.analysis.basin_color if several else "steps"
            return basins_figure(scene, analysis_numbers(scene, "basins"), color_by=color_by)
        if name == "seeds":
            return seed_band_figure(scene, analysis_numbers(scene, "seeds"))
        if name in STATEFUL:
            results = with_state(scene, results)
            if name == "coords":
                return coords_figure(scene, results)
            last = max((r.steps_done for r in results), default=1)
            step = max(1, min(scene.analysis.step, last))
            if animate:
                return inside_animation(scene, results, step)
            return inside_figure(scene, results, step, focus=focus_run(scene, results, step))
        if name == "scene":
            return figures.scene_figure(scene, results, animate=animate)
        if name == "trajectory":
            return figures.trajectory_figure(scene, results, animate=animate)
        if name == "loss":
            return figures.loss_figure(scene, results, animate=animate)
        if name == "surface3d":
            return figures.surface3d_figure(scene, results)
        if name == "lr":
            return figures.lr_figure(scene, results)
        return figures.effective_lr_figure(scene, results)

    def table(self, scene: Scene, results: Any) -> list[dict[str, str]]:
        """`figures.results_table` as text: no 'None', numbers to 4 significant digits.  A table
        people read: its headers and words are in the scene's language (`display.lang`)."""
        with use_lang(scene.display.lang):
            return self._table(scene, results)

    def _table(self, scene: Scene, results: Any) -> list[dict[str, str]]:
        tol = f"first step with f − f* ≤ {figures.CONVERGENCE_TOL:g}"
        has_min = bool(SURFACE_REGISTRY[scene.surfaces.surface].minima)
        reaches = _("reaches f* + {tol}").format(tol=f"{figures.CONVERGENCE_TOL:g}")
        out = []
        for row in figures.results_table(scene, results):
            dist = row["distance to nearest minimum"]
            first = row[tol]
            reach = _("never") if first is None else _("step {step}").format(step=f"{first:,}")
            reach = reach if has_min else "—"
            out.append(
                {
                    _("optimizer"): row["optimizer"],
                    _("final loss"): "—" if row["final loss"] is None else f"{row['final loss']:.4g}",
                    _("distance to nearest minimum"): _("{distance} to {minimum}").format(
                        distance=f"{dist:.3g}", minimum=row["nearest minimum"]
                    )
                    if has_min
                    else _("no minimum"),
                    reaches: reach,
                    _("diverged"): row["diverged"] or _("no"),
                    _("steps run"): f"{row['steps run']:,}",
                }
            )
        return out

    def csv_rows(self, scene: Scene, results: Any) -> Iterator[dict[str, Any]]:
        """One row per optimizer and point: step 0 is the start; lr is the one used by that step.

        A CSV file is data for programs: its column names (`csv_columns`) stay English in every
        language; the optimizer column holds the legend labels in the scene's language."""
        with use_lang(scene.display.lang):
            labels = scene.surfaces.labels()
        for label, r in zip(labels, results):
            for i in range(r.path.shape[0]):
                yield {
                    "step": i,
                    "optimizer": label,
                    "x": float(r.path[i, 0]),
                    "y": float(r.path[i, 1]),
                    "loss": float(r.loss[i]),
                    "lr": float(r.lr[i - 1]) if i else math.nan,
                }


SURFACES = SurfacesView()

__all__ = [
    "MANY_RUNS",
    "STATEFUL",
    "SURFACES",
    "SurfacesView",
    "analysis_numbers",
    "default_figure",
    "focus_run",
    "has_numbers",
    "hpmap_of",
    "inside_animation",
    "map_spec_of",
    "with_state",
]
