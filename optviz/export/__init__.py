"""Lecture exports: a scene to PNG/SVG/PDF, GIF/MP4, a standalone HTML page, CSV and JSON.

    import optviz
    optviz.export("momentum_vs_nesterov", "fig.svg")        # a shipped scene, by its short name
    optviz.export(scene, "anim.gif", fps=20, seconds=5)     # a `Scene`, or a scene file's path
    export_many(["a.json", "b.json"], ["png", "gif"], "out/")  # one browser session for all

Every picture comes from the figure builders of `optviz.figures`, the ones the page shows; this
module only sizes them (`Display.size`), adds a CJK fallback to the font family (Korean titles)
and removes the play button and slider from pictures that cannot play.

Static images (png, svg, pdf) are rendered by kaleido 1.x in the system Chromium, found the way
kaleido finds it ($BROWSER_PATH, then chromium/chrome on PATH); nothing is ever downloaded, and
without a browser `ExportError` says how to install one while html, csv and json still work.
MathJax is switched off in kaleido's page: its default is a CDN script, and the figures hold no
LaTeX.

Animations (gif, mp4) take a fast path.  Chromium starts in ~2 s and kaleido then costs ~0.25 s a
frame or more even batched, so a 100-frame GIF would take half a minute.  Instead the builder's
animated figure is rendered by kaleido once with its animated traces emptied (the background:
contours, axes, legend, title), and each frame's traces are drawn onto that picture with Pillow,
4x supersampled, stroked as SVG strokes them (miter joins, butt ends), in the colours, widths,
dashes and markers plotly resolved for them (kaleido's full-figure JSON), in plotly's z-order.
The data -> pixel map is read, not assumed: the plot boxes from kaleido's SVG of the background
(after plotly's automargin) and the axis ranges of the full figure, which are then fixed so that
emptying the traces cannot move them.  tests/test_export.py compares a drawn frame with kaleido's
render of the same frame.  Animated traces the fast path cannot draw (other trace types, fills,
text, spline lines, date or category axes, per-frame layout changes) fall back to kaleido for
every frame: slower, never different.

References: kaleido 1.x (`Kaleido`, `calc_fig`), plotly.js `Plotly.toImage`, `Drawing.dashStyle`
and `symbol_defs` (dash patterns and marker shapes), the ffmpeg H.264 encoding guide (yuv420p and
even sizes for players), Pillow's GIF writer (frame deltas).
"""

from __future__ import annotations

import asyncio
import atexit
import csv
import functools
import io
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import types
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import plotly.graph_objects as go
from PIL import Image, ImageColor, ImageDraw, ImageFont

from optviz.config import Scene
from optviz.views import View, view_of

FORMATS = ("png", "svg", "pdf", "gif", "mp4", "html", "csv", "json")
STATIC_FORMATS = ("png", "svg", "pdf")
ANIMATED_FORMATS = ("gif", "mp4")
BROWSER_FORMATS = STATIC_FORMATS + ANIMATED_FORMATS
MIME_TYPES = {
    "png": "image/png",
    "svg": "image/svg+xml",
    "pdf": "application/pdf",
    "gif": "image/gif",
    "mp4": "video/mp4",
    "html": "text/html",
    "csv": "text/csv",
    "json": "application/json",
}
PNG_SCALES = (1, 2, 4)  # the page's choices; any scale in (0, 8] works here
CJK_FONT = "Noto Sans CJK KR"  # fonts-noto-cjk; Chromium falls back per glyph, this makes it explicit
# Frames are drawn at 4x and downsampled (anti-aliasing).  Pillow rounds every vertex to a whole
# pixel, so at 2x lines sat up to a quarter pixel off and a frame differed from kaleido's render of
# it on 2.6% of the plot's pixels (lr_too_large); at 4x on 0.1%, and no slower, since only the
# region the traces reach is upscaled.  Pillow also fills pixels whose centres lie on or inside a
# shape, which widens every shape by one pixel on average: shapes are drawn inset by half a pixel.
SUPERSAMPLE = 4
_INSET = 0.5
GIF_HOLD_MS = 1000  # the last GIF frame stays this much longer before the loop restarts
SCENES_DIR = Path(__file__).resolve().parent.parent / "scenes"

NO_BROWSER = (
    "PNG, SVG, PDF, GIF and MP4 exports need Chromium (kaleido renders the plotly figures in it) and none "
    "was found{where}. Install one with `apt-get install -y chromium` (Debian/Ubuntu; "
    "`brew install --cask chromium` on macOS), or set BROWSER_PATH to a Chrome or Chromium executable. "
    "HTML, CSV and JSON exports work without it."
)

Progress = Callable[[int, int, str], None]
"""progress(done, total, label): called as frames and files are written (e.g. st.progress)."""


class ExportError(RuntimeError):
    """An export that cannot be made here (no Chromium, no ffmpeg, a view without an exporter).

    From `export_many`, its `written` attribute lists the files written before it was raised.
    """

    written: list[Path] = []


class SceneFileError(ValueError):
    """A scene file that cannot be read; the message names the file and the bad entry."""


# ============================================================================ scenes


def shipped_scenes() -> dict[str, Path]:
    """The ready scenes shipped in optviz/scenes, by short name (the file stem)."""
    return {p.stem: p for p in sorted(SCENES_DIR.glob("*.json"))}


def load_scene(source: Scene | str | Path) -> Scene:
    """A `Scene`, from a scene file's path or a shipped scene's short name (a Scene is returned as is).

    Raises SceneFileError (a ValueError) with a one-line message naming the file and the problem.
    """
    if isinstance(source, Scene):
        return source
    if not isinstance(source, (str, Path)):
        raise SceneFileError(f"a scene must be a Scene, a scene file or a shipped scene's name, got {source!r}")
    path = Path(source)
    if not path.is_file():
        shipped = shipped_scenes()
        name = str(source).removesuffix(".json")
        if name not in shipped:
            raise SceneFileError(
                f"{source}: no such scene file, and no shipped scene of that name (shipped: {', '.join(shipped)})"
            )
        path = shipped[name]
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise SceneFileError(f"{path}: cannot read it: {e}") from None
    try:
        return Scene.from_json(text)
    except ValueError as e:
        raise SceneFileError(f"{path}: {e}") from None


def scene_name(source: Scene | str | Path, index: int = 0) -> str:
    """The stem of the files written for `source`: its file or shipped name, else scene{index + 1}."""
    if isinstance(source, Scene):
        return f"scene{index + 1}"
    return Path(str(source)).name.removesuffix(".json") or f"scene{index + 1}"


# ============================================================================ views


def view_exporter(scene: Scene) -> View:
    """The view that draws the scene (`optviz.views`): its run, figure and CSV rows."""
    return view_of(scene)


def _export_figure(view: View, scene: Scene, results: Any, animate: bool) -> Any:
    """The scene's figure; a still one (MLP curves, histograms, ...) as a one-frame animation when
    animating, so that gif and mp4 work for every scene (`optviz export --all` asks each one)."""
    fig = view.figure(scene, results, animate=animate)
    if animate and not fig.frames:
        _still_frame(fig)
    return fig


def _still_frame(fig: Any) -> None:
    """One frame, no counter, and an invisible one-step slider (the exporter reads the counter
    text from the slider)."""
    fig.frames = [go.Frame(data=list(fig.data), name="still")]
    fig.update_layout(
        sliders=[
            {
                "visible": False,
                "currentvalue": {"prefix": ""},
                "steps": [{"label": "", "method": "skip", "args": [["still"]]}],
            }
        ]
    )


# ============================================================================ browser


def find_browser() -> str | None:
    """The Chrome/Chromium kaleido would use ($BROWSER_PATH first), or None; never downloads one."""
    env = os.environ.get("BROWSER_PATH")
    if env:
        return env if Path(env).is_file() and os.access(env, os.X_OK) else None
    try:
        from choreographer.browsers.chromium import Chromium

        found = Chromium.find_browser(skip_local=False)
    except Exception:  # an import or platform quirk of the finder: fall back to PATH
        found = None
    if not found:
        for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
            found = shutil.which(name)
            if found:
                break
    return found if found and Path(found).is_file() else None


def browser_missing_message() -> str:
    env = os.environ.get("BROWSER_PATH")
    return NO_BROWSER.format(where=f" at BROWSER_PATH={env!r}" if env else "")


class Browser:
    """One headless Chromium driven by kaleido 1.x, shared by every render of an export session.

    Nothing starts until `start()` (returns at once: Chromium boots while the caller computes the
    scene) or the first render.  Its asyncio loop runs in a private thread, so it can be called
    from plain code, notebooks (which already run a loop) and Streamlit's script threads alike.
    Use as a context manager or call close().
    """

    def __init__(self, path: str | None = None, *, tabs: int = 1, timeout: float = 90.0) -> None:
        self.path = path
        # One tab: a second one doubles Chromium's start (2.4 -> 4.7 s measured) for little gain.
        self.tabs = tabs
        self.timeout = timeout
        self._future: Any = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._path_used: str | None = None
        self._lock = threading.Lock()

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def is_open(self) -> bool:
        return self._future is not None

    def start(self) -> Browser:
        """Begin starting Chromium (about 2 s) and return at once; ExportError if there is none."""
        with self._lock:
            if self._future is not None:
                return self
            path = self.path or find_browser()
            if not path or not Path(path).is_file():
                where = f" at {path}" if self.path else ""
                raise ExportError(NO_BROWSER.format(where=where) if where else browser_missing_message())
            import kaleido

            loop = asyncio.new_event_loop()
            thread = threading.Thread(target=loop.run_forever, name="optviz-kaleido", daemon=True)
            thread.start()

            async def boot() -> Any:
                k = _background_reloads(kaleido.Kaleido)(n=self.tabs, timeout=self.timeout, mathjax=False, path=path)
                await k.open()
                return k

            self._future = asyncio.run_coroutine_threadsafe(boot(), loop)
            self._loop, self._thread, self._path_used = loop, thread, path
            atexit.register(self.close)
            return self

    def _kaleido(self) -> Any:
        self.start()
        try:
            return self._future.result(self.timeout)
        except Exception as e:
            self.close()
            raise ExportError(f"could not start the browser at {self._path_used}: {e}") from e

    def open(self) -> Browser:
        """Start Chromium and wait until it is ready."""
        self._kaleido()
        return self

    def close(self) -> None:
        """Stop Chromium and the loop thread (safe to call twice)."""
        with self._lock:
            fut, loop, thread = self._future, self._loop, self._thread
            self._future = self._loop = self._thread = None
        if fut is None or loop is None:
            return
        try:
            k = fut.result(self.timeout)
            asyncio.run_coroutine_threadsafe(k.close(), loop).result(30)
        except Exception:  # it may have failed to start or already be gone; the loop must stop regardless
            pass
        loop.call_soon_threadsafe(loop.stop)
        if thread is not None:
            thread.join(10)
        atexit.unregister(self.close)

    def render(self, fig: Any, fmt: str, *, width: int, height: int, scale: float = 1) -> bytes:
        """Bytes of `fig` as png, svg, pdf or json (kaleido's full figure: defaults resolved)."""
        return self.render_all([(fig, fmt, width, height, scale)])[0]

    def render_all(self, jobs: Sequence[tuple[Any, str, int, int, float]]) -> list[bytes]:
        """Several renders queued at once (spread over the tabs): [(fig, fmt, width, height, scale)]."""
        k = self._kaleido()
        loop = self._loop
        assert loop is not None

        async def many() -> list[bytes]:
            return await asyncio.gather(
                *(
                    k.calc_fig(_plain(fig), opts={"format": fmt, "width": w, "height": h, "scale": s})
                    for fig, fmt, w, h, s in jobs
                )
            )

        try:
            out = asyncio.run_coroutine_threadsafe(many(), loop).result(self.timeout * max(1, len(jobs)))
        except Exception as e:
            raise ExportError(f"kaleido could not render the figure: {e}") from e
        return [bytes(b) for b in out]


def _background_reloads(cls: type) -> type:
    """kaleido's browser class, handing back each image before its tab is reloaded.

    kaleido 1.x reloads a tab (re-parsing 4.7 MB of plotly.js) after every render and returns the
    image only then; moved to a background task, the reload overlaps our own work instead: 0.15 to
    0.2 s less per render (measured).  The tab still goes back to kaleido's queue only once
    reloaded, so no render ever meets a used page.  Without that private hook, plain kaleido.
    """
    if not hasattr(cls, "_return_kaleido_tab"):
        return cls

    class Kaleido(cls):  # type: ignore[misc, valid-type]
        async def _return_kaleido_tab(self, tab: Any) -> None:
            task = asyncio.get_running_loop().create_task(super()._return_kaleido_tab(tab))
            pending = self.__dict__.setdefault("_optviz_reloads", set())
            pending.add(task)  # keep a reference until it is done
            task.add_done_callback(pending.discard)

    return Kaleido


def _plain(fig: Any) -> dict[str, Any]:
    """The figure as a dict without frames (kaleido renders data and layout only)."""
    d = fig.to_dict() if hasattr(fig, "to_dict") else dict(fig)
    d.pop("frames", None)
    return d


# ============================================================================ figures for export


def _font_family_with_cjk(family: str | None) -> str:
    """`family` with CJK_FONT added before the generic family, so Hangul has a named font."""
    names = [f.strip() for f in (family or '"Open Sans", verdana, arial, sans-serif').split(",") if f.strip()]
    if any(CJK_FONT.lower() in n.lower() for n in names):
        return ", ".join(names)
    generic = {"serif", "sans-serif", "monospace", "cursive", "fantasy", "system-ui"}
    at = next((i for i, n in enumerate(names) if n.strip("\"'").lower() in generic), len(names))
    names.insert(at, f'"{CJK_FONT}"')
    return ", ".join(names)


def _invisible(trace: Any) -> bool:
    """Markers-only scatter in a fully transparent colour: click targets of the page, nothing to see."""
    if getattr(trace, "type", None) != "scatter" or trace.mode != "markers":
        return False
    color = trace.marker.color
    return isinstance(color, str) and (color == "transparent" or _rgba(color)[3] == 0)


def prepare_figure(fig: Any, scene: Scene, *, keep_animation: bool, sized: bool = True) -> Any:
    """The builder's (fresh) figure made ready for a file, in place; returns it.

    Slide size from `scene.display.size`, a CJK font in the family (Korean titles), invisible
    click targets dropped (each costs kaleido time and draws nothing), and, for pictures that
    cannot play, no frames, play buttons or slider.
    """
    layout = fig.layout
    family = layout.font.family
    if family is None and layout.template is not None and layout.template.layout.font is not None:
        family = layout.template.layout.font.family
    layout.font.family = _font_family_with_cjk(family)
    for part in (layout.title, layout.legend):
        if part is not None and part.font is not None and part.font.family:
            part.font.family = _font_family_with_cjk(part.font.family)
    for t in fig.data:
        if _invisible(t):
            t.visible = False  # not removed: frames refer to traces by index
    if sized:
        width, height = scene.display.size
        fig.update_layout(width=width, height=height, autosize=False)
    if not keep_animation:
        fig.frames = ()
        layout.updatemenus = []
        layout.sliders = []
    return fig


def static_figure(scene: Scene, results: Any = None) -> Any:
    """The scene's current figure as a still picture, exactly what png, svg and pdf render."""
    view = view_exporter(scene)
    results = view.run(scene) if results is None else results
    return prepare_figure(_export_figure(view, scene, results, False), scene, keep_animation=False)


def animation_timing(display: Any, fps: float | None = None, seconds: float | None = None) -> tuple[int, float]:
    """(frames, fps) of an animation: fps x seconds frames, else the scene's own frames and fps."""
    f = float(display.fps if fps is None else fps)
    if not (math.isfinite(f) and 1 <= f <= 60):
        raise ValueError(f"fps must be a number from 1 to 60, got {fps!r}")
    if seconds is None:
        return int(display.frames), f
    s = float(seconds)
    n = round(f * s)
    if not (math.isfinite(s) and s > 0 and 2 <= n <= 500):
        raise ValueError(f"fps x seconds must give 2 to 500 frames, got {fps!r} fps x {seconds!r} s")
    return n, f


def animated_figure(scene: Scene, results: Any, frames: int, fps: float) -> Any:
    """The builder's animated figure with `frames` frames, prepared for export (controls still in)."""
    view = view_exporter(scene)
    display = replace(scene.display, frames=int(frames), fps=max(1, min(60, round(fps))))
    fig = _export_figure(view, replace(scene, display=display), results, True)
    return prepare_figure(fig, scene, keep_animation=True)


# ============================================================================ the animation fast path


@dataclass(frozen=True)
class _Box:
    """A subplot's plot area in CSS pixels and its axes (type, range)."""

    x: float
    y: float
    w: float
    h: float
    xaxis: tuple[str, float, float]
    yaxis: tuple[str, float, float]


def _plot_boxes(svg: bytes | str) -> dict[str, tuple[float, float, float, float]]:
    """{"xy": (x, y, w, h), "x2y2": ...} from plotly's SVG: its clip rectangles of each axis pair."""
    text = svg.decode() if isinstance(svg, bytes) else svg
    root = ET.fromstring(text)
    boxes = {}
    for clip in root.iter("{http://www.w3.org/2000/svg}clipPath"):
        if "axesclip" not in clip.get("class", ""):
            continue
        m = re.search(r"(x\d*y\d*)$", clip.get("id", ""))
        rect = clip.find("{http://www.w3.org/2000/svg}rect")
        if m and rect is not None:
            boxes[m.group(1)] = tuple(float(rect.get(k, 0)) for k in ("x", "y", "width", "height"))
    return boxes


def _axis_key(ref: str) -> str:
    """'x2' -> 'xaxis2'."""
    return f"{ref[0]}axis{ref[1:]}"


def _merge(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for k, v in over.items():
        if isinstance(v, Mapping) and isinstance(out.get(k), Mapping):
            out[k] = _merge(out[k], v)
        else:
            out[k] = v
    return out


def _rgba(color: Any, opacity: float = 1.0) -> tuple[int, int, int, int]:
    """A plotly colour string as an RGBA tuple (CSS alpha 0..1, which PIL's rgba() reads as 0..255)."""
    s = str(color).strip()
    m = re.fullmatch(r"rgba?\(\s*([\d.]+)\s*,\s*([\d.]+)\s*,\s*([\d.]+)\s*(?:,\s*([\d.]+)\s*)?\)", s)
    if m:
        r, g, b = (round(float(v)) for v in m.groups()[:3])
        a = float(m.group(4)) if m.group(4) is not None else 1.0
    else:
        r, g, b, *rest = ImageColor.getrgb(s)
        a = rest[0] / 255 if rest else 1.0
    return r, g, b, max(0, min(255, round(255 * a * opacity)))


def _dash_pattern(dash: Any, width: float) -> list[float] | None:
    """plotly.js Drawing.dashStyle in CSS px (None for solid)."""
    dlw = max(width, 3.0)
    named = {
        "dot": [dlw, dlw],
        "dash": [3 * dlw, 3 * dlw],
        "longdash": [5 * dlw, 5 * dlw],
        "dashdot": [3 * dlw, dlw, dlw, dlw],
        "longdashdot": [5 * dlw, 2 * dlw, dlw, 2 * dlw],
    }
    if dash in (None, "", "solid"):
        return None
    if dash in named:
        return named[dash]
    try:  # "5px,10px" or "5,10" or "5%,..." (percent of the line width, as plotly)
        out = []
        for part in str(dash).replace(" ", "").split(","):
            if part.endswith("%"):
                out.append(float(part[:-1]) / 100 * width)
            else:
                out.append(float(part.removesuffix("px")))
        return out if sum(out) > 0 else None
    except ValueError:
        return None


def _clip_polyline(px: np.ndarray, py: np.ndarray, lo: tuple[float, float], hi: tuple[float, float]) -> list:
    """Runs of points of the polyline, cut to the rectangle lo..hi (Liang-Barsky), gaps at NaN.

    Keeps Pillow's integer rasteriser away from the huge coordinates of diverging runs.
    """
    ok = np.isfinite(px) & np.isfinite(py)
    if px.shape[0] < 2:
        return []
    x0, y0, x1, y1 = px[:-1], py[:-1], px[1:], py[1:]
    valid = ok[:-1] & ok[1:]
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        dx, dy = np.where(valid, x1 - x0, 0.0), np.where(valid, y1 - y0, 0.0)
        t0, t1 = np.zeros_like(dx), np.ones_like(dx)
        keep = valid.copy()
        for p, q in ((-dx, x0 - lo[0]), (dx, hi[0] - x0), (-dy, y0 - lo[1]), (dy, hi[1] - y0)):
            q = np.where(valid, q, 0.0)
            keep &= ~((p == 0) & (q < 0))
            r = np.where(p != 0, q / np.where(p == 0, 1.0, p), 0.0)
            t0 = np.where(p < 0, np.maximum(t0, r), t0)
            t1 = np.where(p > 0, np.minimum(t1, r), t1)
        keep &= t0 <= t1
    idx = np.flatnonzero(keep)
    if idx.size == 0:
        return []
    ax, ay = x0[idx] + t0[idx] * dx[idx], y0[idx] + t0[idx] * dy[idx]
    bx, by = x0[idx] + t1[idx] * dx[idx], y0[idx] + t1[idx] * dy[idx]
    # consecutive kept segments join where the shared point was not cut away
    joined = (np.diff(idx) == 1) & (t1[idx[:-1]] >= 1.0) & (t0[idx[1:]] <= 0.0)
    starts = np.concatenate(([0], np.flatnonzero(~joined) + 1))
    ends = np.concatenate((starts[1:], [idx.size]))
    runs = []
    for s, e in zip(starts, ends):
        pts = np.empty((e - s + 1, 2))
        pts[0] = ax[s], ay[s]
        pts[1:, 0], pts[1:, 1] = bx[s:e], by[s:e]
        runs.append(pts)
    return runs


def _dash_runs(run: np.ndarray, pattern: list[float]) -> list[np.ndarray]:
    """Split a polyline into the 'on' pieces of a dash pattern (lengths in the run's pixels)."""
    seg = np.hypot(*np.diff(run, axis=0).T)
    cum = np.concatenate(([0.0], np.cumsum(seg)))
    total, period = cum[-1], float(sum(pattern))
    pieces, pos, i = [], 0.0, 0
    while pos < total:
        on = pattern[i % len(pattern)]
        if i % 2 == 0:
            a, b = pos, min(pos + on, total)
            inner = (cum > a) & (cum < b)
            xs = np.concatenate(([np.interp(a, cum, run[:, 0])], run[inner, 0], [np.interp(b, cum, run[:, 0])]))
            ys = np.concatenate(([np.interp(a, cum, run[:, 1])], run[inner, 1], [np.interp(b, cum, run[:, 1])]))
            pieces.append(np.column_stack((xs, ys)))
        pos += on
        i += 1
        if period <= 0:
            break
    return pieces


def _stroke(draw: ImageDraw.ImageDraw, run: np.ndarray, color: tuple[int, ...], width: float) -> None:
    """A polyline as an SVG stroke draws it: butt ends, miter joins with miter limit 4 (else bevel).

    Each segment is filled as its own quadrilateral and the outer wedge of every join is added:
    Pillow's own wide lines round the width to whole pixels, shift even widths by half a pixel and
    join with round caps, while plotly leaves stroke-linejoin at SVG's default, miter.
    """
    keep = np.concatenate(([True], np.any(np.diff(run, axis=0) != 0, axis=1)))
    pts = run[keep]
    if pts.shape[0] < 2:
        return
    d = np.diff(pts, axis=0)
    d /= np.hypot(d[:, 0], d[:, 1])[:, None]
    hw = max(width / 2 - _INSET, 0.35)
    n = np.column_stack((-d[:, 1], d[:, 0])) * hw
    q0, q1 = pts[:-1], pts[1:]
    quads = np.stack((q0 + n, q1 + n, q1 - n, q0 - n), axis=1)
    for quad in quads:
        draw.polygon([tuple(c) for c in quad], fill=color)
    if pts.shape[0] < 3:
        return
    cross = d[:-1, 0] * d[1:, 1] - d[:-1, 1] * d[1:, 0]
    side = -np.sign(cross)[:, None]
    n1, n2 = n[:-1], n[1:]
    p = pts[1:-1]
    a, b = p + side * n1, p + side * n2
    sn = (n1 + n2) / hw
    s2 = np.sum(sn * sn, axis=1)
    tip = p + side * sn * (2 * hw / np.where(s2 > 0, s2, 1.0))[:, None]
    miter = s2 >= 0.25  # miter length / width = 2 / |n1 + n2| <= 4, SVG's default limit
    for j in np.flatnonzero(np.abs(cross) > 0.01):  # below ~0.6 degrees the notch is invisible
        corner = [p[j], a[j], tip[j], b[j]] if miter[j] else [p[j], a[j], b[j]]
        draw.polygon([tuple(c) for c in corner], fill=color)


def _to_css(v: np.ndarray, axis: tuple[str, float, float], origin: float, length: float, flip: bool) -> np.ndarray:
    """Data values to CSS pixels along a plot box side (log axes in log10 units, as plotly's range)."""
    kind, r0, r1 = axis
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        u = np.log10(np.where(v > 0, v, np.nan)) if kind == "log" else v
        frac = (u - r0) / (r1 - r0)
    return origin + (1 - frac if flip else frac) * length


def _within(v: np.ndarray, axis: tuple[str, float, float]) -> np.ndarray:
    """plotly.js isPtWithinRange: inside the axis range (inclusive), in the axis' linear coordinate."""
    kind, r0, r1 = axis
    with np.errstate(invalid="ignore", divide="ignore"):
        u = np.log10(v) if kind == "log" else v
    return (min(r0, r1) <= u) & (u <= max(r0, r1))


def _marker_polygon(symbol: str, r: float) -> list[tuple[float, float]]:
    """Vertices (y down) of plotly.js' marker shape (symbol_defs) of radius r = size / 2."""
    if symbol == "square":
        return [(r, r), (-r, r), (-r, -r), (r, -r)]
    if symbol == "diamond":
        d = 1.3 * r
        return [(d, 0), (0, d), (-d, 0), (0, -d)]
    if symbol == "triangle-up":
        t, h = r * 2 / math.sqrt(3), r / 2
        return [(-t, h), (t, h), (0, -r)]
    if symbol == "triangle-down":
        t, h = r * 2 / math.sqrt(3), r / 2
        return [(-t, -h), (t, -h), (0, r)]
    if symbol == "triangle-left":
        t, h = r * 2 / math.sqrt(3), r / 2
        return [(h, -t), (h, t), (-r, 0)]
    if symbol == "triangle-right":
        t, h = r * 2 / math.sqrt(3), r / 2
        return [(-h, -t), (-h, t), (r, 0)]
    if symbol == "hourglass":
        return [(r, r), (-r, r), (r, -r), (-r, -r)]
    if symbol == "bowtie":
        return [(r, r), (r, -r), (-r, r), (-r, -r)]
    if symbol == "cross":
        a, b = 0.4 * r, 1.2 * r
        return [
            (b, a),
            (a, a),
            (a, b),
            (-a, b),
            (-a, a),
            (-b, a),
            (-b, -a),
            (-a, -a),
            (-a, -b),
            (a, -b),
            (a, -a),
            (b, -a),
        ]
    if symbol == "x":
        a = 0.8 * r / math.sqrt(2)
        steps = [(a, a), (a, -a), (-a, -a), (a, -a), (-a, -a), (-a, a), (-a, -a), (-a, a), (a, a), (-a, a), (a, a)]
        pts, x, y = [(0.0, a)], 0.0, a
        for sx, sy in steps:
            x, y = x + sx, y + sy
            pts.append((x, y))
        return pts
    if symbol == "star":
        s = 1.4 * r
        x1, x2, x3, x4 = 0.225 * s, 0.951 * s, 0.363 * s, 0.588 * s
        y1, y2, y3, y4, y5 = -s, -0.309 * s, 0.118 * s, 0.382 * s, 0.809 * s
        return [(x1, y2), (x2, y2), (x3, y3), (x4, y5), (0, y4), (-x4, y5), (-x3, y3), (-x2, y2), (-x1, y2), (0, y1)]
    raise ValueError(f"no polygon for marker symbol {symbol!r}")


_DRAWABLE_SYMBOLS = {
    "circle",
    "square",
    "diamond",
    "triangle-up",
    "triangle-down",
    "triangle-left",
    "triangle-right",
    "cross",
    "x",
    "star",
    "hourglass",
    "bowtie",
}


def _as_floats(v: Any) -> np.ndarray:
    """A plotly data array (list with None gaps, numpy, or base64 typed array) as float64, NaN for gaps."""
    if v is None:
        return np.zeros(0)
    if isinstance(v, Mapping) and "bdata" in v:
        import base64

        return np.frombuffer(base64.b64decode(v["bdata"]), dtype=np.dtype(v["dtype"])).astype(float)
    try:
        return np.asarray(v, dtype=float).ravel()
    except (TypeError, ValueError):
        return np.array([np.nan if e is None else e for e in np.ravel(np.asarray(v, dtype=object))], dtype=float)


def _per_point(v: Any, n: int, default: Any) -> list[Any]:
    """A scalar or per-point marker attribute as n values (plotly's default past the array's end)."""
    if v is None:
        return [default] * n
    if isinstance(v, (str, int, float)):
        return [v] * n
    items = list(_as_floats(v)) if isinstance(v, Mapping) else list(v)
    return [items[i] if i < len(items) and items[i] is not None else default for i in range(n)]


@functools.lru_cache(maxsize=32)
def _pil_font(family: str | None, size: int) -> Any:
    """The font Chromium would pick for a CSS family list: the first installed name (fontconfig)."""
    names = [n.strip().strip("\"'") for n in (family or "sans-serif").split(",") if n.strip()]
    fc = shutil.which("fc-match")
    for name in names + ["sans-serif"]:
        if fc is None:
            break
        try:
            out = subprocess.run(
                [fc, "-f", "%{family}|%{file}|%{index}", name], capture_output=True, text=True, timeout=5
            ).stdout
        except (OSError, subprocess.SubprocessError):
            break
        fams, _, rest = out.partition("|")
        file, _, index = rest.partition("|")
        generic = name.lower() in ("sans-serif", "serif", "monospace", "system-ui")
        if file and (generic or name.lower() in (f.strip().lower() for f in fams.split(","))):
            try:
                return ImageFont.truetype(file, size, index=int(index or 0))
            except OSError:
                continue
    return ImageFont.load_default(size)


class Animator:
    """Draws the frames of a builder's animated figure: kaleido for the background, Pillow for the traces.

    fig: the animated figure from `animated_figure` (its play buttons and slider are left out of
    the pictures; the slider's "step N" is drawn as a counter where the controls were).
    frame(k) -> PIL RGB image of frame k; reference_figure(k) -> the plotly figure of that frame,
    which kaleido renders to the same picture (tests/test_export.py compares the two).
    """

    def __init__(self, fig: Any, browser: Browser, *, scale: float = 1) -> None:
        self.scale = float(scale)
        self.width, self.height = int(fig.layout.width), int(fig.layout.height)
        self.frames = list(fig.frames)
        if not self.frames:
            raise ExportError("the figure has no animation frames")
        self._browser = browser
        self._counter = self._counter_labels(fig)
        font = fig.layout.font
        self._font_family, self._font_size = font.family, float(font.size or 12)
        self._font_color = font.color or "#444"
        base = _plain(fig)
        base["layout"].pop("updatemenus", None)
        base["layout"].pop("sliders", None)
        full = json.loads(browser.render(base, "json", width=self.width, height=self.height))
        self._full = full["data"]
        # Fix every cartesian range at what plotly computed for the figure as given: the page's
        # animation never re-autoranges, and emptying traces for the background must not either.
        axes = {}
        for key, ax in full["layout"].items():
            if re.fullmatch(r"[xy]axis\d*", key) and isinstance(ax, Mapping) and "range" in ax:
                axes[key] = (ax.get("type", "linear"), float(ax["range"][0]), float(ax["range"][1]))
                base["layout"].setdefault(key, {}).update(range=list(ax["range"]), autorange=False)
        self._base = base
        # Traces the frames update, plus every later visible trace of the same subplot: drawn per
        # frame in data order, so that z-order is plotly's (a static marker listed after a path
        # stays on top of it, a path listed before one stays under it).  Any of them the fast
        # path cannot draw sends the whole animation to the slow path.
        animated: set[int] = set()
        for fr in self.frames:
            animated.update(int(i) for i in self._frame_traces(fr))
        self.animated = sorted(animated)
        first: dict[str, int] = {}
        for i in self.animated:
            first.setdefault(self._subplot(self._full[i]), i)
        self.drawn = [
            i
            for i, t in enumerate(self._full)
            if i in animated or (self._subplot(t) in first and i > first[self._subplot(t)] and t.get("visible") is True)
        ]
        self.fast = all(self._drawable(self._full[i]) for i in self.drawn) and not any(
            fr.layout.to_plotly_json() for fr in self.frames
        )
        self.background: Image.Image | None = None
        self.boxes: dict[str, _Box] = {}
        if self.fast:
            bg = {**base, "data": list(base["data"])}
            for i in self.drawn:  # [None] keeps the legend entry (an empty trace would lose it), draws nothing
                bg["data"][i] = {**bg["data"][i], "x": [None], "y": [None]}
            svg, png = browser.render_all(
                [(bg, "svg", self.width, self.height, 1), (bg, "png", self.width, self.height, self.scale)]
            )
            self.background = Image.open(io.BytesIO(png)).convert("RGB")
            for key, (x, y, w, h) in _plot_boxes(svg).items():
                xr, yr = re.fullmatch(r"(x\d*)(y\d*)", key).groups()
                if _axis_key(xr) in axes and _axis_key(yr) in axes:
                    self.boxes[key] = _Box(x, y, w, h, axes[_axis_key(xr)], axes[_axis_key(yr)])
            self.fast = all(self._box_of(self._full[i]) is not None for i in self.drawn)

    @property
    def size(self) -> tuple[int, int]:
        """Pixel size of the frames."""
        return round(self.width * self.scale), round(self.height * self.scale)

    @staticmethod
    def _frame_traces(fr: Any) -> Sequence[int]:
        return fr.traces if fr.traces is not None else range(len(fr.data))

    @staticmethod
    def _counter_labels(fig: Any) -> list[str]:
        """The step counter of every frame: the slider's current-value text ("step 120")."""
        names = [str(fr.name) for fr in fig.frames]
        sliders = fig.layout.sliders
        if not sliders:
            return [f"step {n}" for n in names]
        slider = sliders[0]
        prefix = slider.currentvalue.prefix if slider.currentvalue.prefix is not None else ""
        suffix = slider.currentvalue.suffix or ""
        label = {}
        for st in slider.steps or ():
            args = st.args or ()
            if args and isinstance(args[0], (list, tuple)) and args[0]:
                label[str(args[0][0])] = st.label
        return [f"{prefix}{label.get(n, n)}{suffix}" for n in names]

    # ------------------------------------------------------------------ what can be drawn
    @staticmethod
    def _subplot(t: Mapping[str, Any]) -> str:
        return f"{t.get('xaxis', 'x')}{t.get('yaxis', 'y')}"

    @staticmethod
    def _drawable(t: Mapping[str, Any]) -> bool:
        if t.get("type", "scatter") not in ("scatter", "scattergl"):
            return False
        mode = t.get("mode", "lines")
        marker = t.get("marker", {})
        symbols = np.ravel(np.asarray(marker.get("symbol", "circle"), dtype=object))
        return (
            "text" not in mode
            and t.get("fill", "none") in ("none", None)
            and t.get("line", {}).get("shape", "linear") in ("linear", None)
            and all(str(s).removesuffix("-open") in _DRAWABLE_SYMBOLS for s in symbols)
            and marker.get("angle", 0) in (0, None)
            and not t.get("error_x", {}).get("visible")
            and not t.get("error_y", {}).get("visible")
        )

    def _box_of(self, t: Mapping[str, Any]) -> _Box | None:
        box = self.boxes.get(self._subplot(t))
        if box is None:
            return None
        if box.xaxis[0] not in ("linear", "log", "-") or box.yaxis[0] not in ("linear", "log", "-"):
            return None
        return box

    # ------------------------------------------------------------------ one frame
    def trace_states(self, k: int) -> dict[int, dict[str, Any]]:
        """Trace index -> resolved trace (style from plotly's full figure, data from frame k)."""
        fr = self.frames[k]
        states = {}
        for i in self.drawn:
            src = self._base["data"][i]
            states[i] = {**self._full[i], "x": src.get("x"), "y": src.get("y")}
        for i, d in zip(self._frame_traces(fr), fr.data):
            states[int(i)] = _merge(states.get(int(i), self._full[int(i)]), d.to_plotly_json())
        return states

    def reference_figure(self, k: int) -> Any:
        """Frame k as a plotly figure (ranges fixed, no controls): what kaleido renders for it."""
        import plotly.graph_objects as go

        fr = self.frames[k]
        data = list(self._base["data"])
        for i, d in zip(self._frame_traces(fr), fr.data):
            data[int(i)] = _merge(data[int(i)], d.to_plotly_json())
        layout = _merge(self._base["layout"], fr.layout.to_plotly_json())
        return go.Figure({"data": data, "layout": layout}, _validate=False)

    def frame(self, k: int) -> Image.Image:
        """Frame k as an RGB image of `size` pixels, with its step counter."""
        if not self.fast or self.background is None:
            png = self._browser.render(
                self.reference_figure(k), "png", width=self.width, height=self.height, scale=self.scale
            )
            return self._draw_counter(Image.open(io.BytesIO(png)).convert("RGB"), k)
        return self._draw_counter(self._draw_traces(k), k)

    def _draw_traces(self, k: int) -> Image.Image:
        assert self.background is not None
        im = self.background.copy()
        states = self.trace_states(k)
        groups: list[tuple[_Box, list[dict[str, Any]]]] = []
        for i in self.drawn:
            t = states[i]
            if t.get("visible", True) is not True:
                continue
            box = self._box_of(t)
            assert box is not None
            if groups and groups[-1][0] == box:
                groups[-1][1].append(t)
            else:
                groups.append((box, [t]))
        for box, traces in groups:
            self._draw_box(im, box, traces, clipped=True)
            loose = [t for t in traces if not t.get("cliponaxis", True) and "markers" in t.get("mode", "")]
            if loose:
                self._draw_box(im, box, loose, clipped=False)
        return im

    def _draw_counter(self, im: Image.Image, k: int) -> Image.Image:
        """ "step N" at the bottom right, where the page shows the slider's value."""
        text = self._counter[k]
        if not text:
            return im
        font = _pil_font(self._font_family, round(self._font_size * self.scale))
        right = max((b.x + b.w for b in self.boxes.values()), default=self.width - 24.0)
        draw = ImageDraw.Draw(im)
        draw.text(
            (right * self.scale, (self.height - 8) * self.scale),
            text,
            font=font,
            fill=_rgba(self._font_color)[:3],
            anchor="rd",
        )
        return im

    def frames_iter(self, progress: Callable[[int, int], None] | None = None) -> Iterator[Image.Image]:
        n = len(self.frames)
        if not self.fast:
            # the slow path: kaleido renders each frame (queued in batches), ~0.25 s a frame or more
            for start in range(0, n, 8):
                ks = range(start, min(n, start + 8))
                pngs = self._browser.render_all(
                    [(self.reference_figure(k), "png", self.width, self.height, self.scale) for k in ks]
                )
                for k, png in zip(ks, pngs):
                    yield self._draw_counter(Image.open(io.BytesIO(png)).convert("RGB"), k)
                    if progress:
                        progress(k + 1, n)
            return
        for k in range(n):
            yield self.frame(k)
            if progress:
                progress(k + 1, n)

    # ------------------------------------------------------------------ drawing
    def _draw_box(self, im: Image.Image, box: _Box, traces: list[dict[str, Any]], *, clipped: bool) -> None:
        s, ss = self.scale, SUPERSAMPLE
        pad = 0.0 if clipped else 40.0  # markers drawn over the plot's edge are not clipped at the box
        x0 = max(0, math.floor((box.x - pad) * s))
        y0 = max(0, math.floor((box.y - pad) * s))
        x1 = min(im.width, math.ceil((box.x + box.w + pad) * s))
        y1 = min(im.height, math.ceil((box.y + box.h + pad) * s))
        f = s * ss  # CSS px -> layer px (the layer: x0..x1, y0..y1 of the frame at ss x)
        items = []
        lo_x, lo_y, hi_x, hi_y = math.inf, math.inf, -math.inf, -math.inf
        for t in traces:
            ys = _as_floats(t.get("y"))
            if t.get("x") is None:  # x0 + dx * i, as plotly
                xs = float(t.get("x0", 0) or 0) + float(t.get("dx", 1) or 1) * np.arange(len(ys), dtype=float)
            else:
                xs = _as_floats(t.get("x"))
            m = min(len(xs), len(ys))
            xs, ys = xs[:m], ys[:m]
            # layer pixel of a CSS point: (css * scale - x0) * ss; Pillow puts pixel i's centre at
            # coordinate i, SVG at i + 0.5: hence the - 0.5
            px = (_to_css(xs, box.xaxis, box.x, box.w, False) * s - x0) * ss - 0.5
            py = (_to_css(ys, box.yaxis, box.y, box.h, True) * s - y0) * ss - 0.5
            mode = t.get("mode", "lines")
            lines = clipped and "lines" in mode and float(t.get("line", {}).get("width", 2)) > 0
            markers = "markers" in mode and clipped == bool(t.get("cliponaxis", True))
            if markers and not clipped:  # plotly.js hides unclipped points outside the axis ranges
                inside = _within(xs, box.xaxis) & _within(ys, box.yaxis)
                px, py = np.where(inside, px, np.nan), np.where(inside, py, np.nan)
            if not (lines or markers) or not (np.isfinite(px).any() and np.isfinite(py).any()):
                continue
            # the dirty box: every point and its reach (line width, marker size and outline)
            marker = t.get("marker", {})
            reach = f * (
                float(t.get("line", {}).get("width", 2)) * 2
                + float(np.nanmax(_as_floats(marker.get("size", 6)), initial=6))
                + float(marker.get("line", {}).get("width", 0) or 0)
                + 2
            )
            fx, fy = px[np.isfinite(px)], py[np.isfinite(py)]
            lo_x, hi_x = min(lo_x, fx.min() - reach), max(hi_x, fx.max() + reach)
            lo_y, hi_y = min(lo_y, fy.min() - reach), max(hi_y, fy.max() + reach)
            items.append((t, px, py, lines, markers))
        if not items:
            return
        # Only the part of the layer the traces can reach is upscaled, drawn and downsampled: the
        # rest of the frame stays as it is.
        bx0 = max(x0, x0 + math.floor(lo_x / ss))
        by0 = max(y0, y0 + math.floor(lo_y / ss))
        bx1 = min(x1, x0 + math.ceil(hi_x / ss))
        by1 = min(y1, y0 + math.ceil(hi_y / ss))
        if bx1 <= bx0 or by1 <= by0:
            return
        crop = im.crop((bx0, by0, bx1, by1))
        big = crop.resize((crop.width * ss, crop.height * ss), Image.Resampling.NEAREST)
        ox, oy = (bx0 - x0) * ss, (by0 - y0) * ss
        for t, px, py, lines, markers in items:
            px, py = px - ox, py - oy
            opacity = float(t.get("opacity", 1.0))
            target = big if opacity >= 1 else big.copy()
            draw = ImageDraw.Draw(target, "RGBA")
            if lines:
                line = t.get("line", {})
                width = float(line.get("width", 2))
                color = _rgba(line.get("color", "#444"))
                margin = (width + 4) * f  # cut far enough outside that no butt end shows
                lo, hi = (-margin, -margin), (big.width + margin, big.height + margin)
                pattern = _dash_pattern(line.get("dash"), width)
                for run in _clip_polyline(px, py, lo, hi):
                    for piece in _dash_runs(run, [q * f for q in pattern]) if pattern else [run]:
                        _stroke(draw, piece, color, max(width * f, 1.0))
            if markers:
                self._draw_markers(draw, t, px, py, f, big.size)
            if opacity < 1:
                big = Image.blend(big, target, opacity)
        im.paste(big.reduce(ss), (bx0, by0))

    @staticmethod
    def _draw_markers(
        draw: ImageDraw.ImageDraw, t: Mapping[str, Any], px: np.ndarray, py: np.ndarray, f: float, size: tuple[int, int]
    ) -> None:
        marker = t.get("marker", {})
        n = px.shape[0]
        sizes = np.array(_per_point(marker.get("size"), n, 6), dtype=float)
        colors = _per_point(marker.get("color"), n, t.get("line", {}).get("color", "#444"))
        symbols = _per_point(marker.get("symbol"), n, "circle")
        mop = marker.get("opacity", 1.0)
        mop = float(mop) if isinstance(mop, (int, float)) else 1.0
        mline = marker.get("line", {})
        lw = mline.get("width", 0)
        lw = float(lw) if isinstance(lw, (int, float)) else 0.0
        lcolor = _rgba(mline.get("color", "#444"), mop) if lw > 0 else None
        for j in np.flatnonzero(np.isfinite(px) & np.isfinite(py) & (sizes > 0)):
            r = sizes[j] / 2 * f
            cx, cy = float(px[j]), float(py[j])
            if cx < -r - 10 or cy < -r - 10 or cx > size[0] + r + 10 or cy > size[1] + r + 10:
                continue
            sym = str(symbols[j])
            hollow = sym.endswith("-open")
            fill = None if hollow else _rgba(colors[j], mop)
            outline, ow = lcolor, lw * f
            if hollow:
                outline, ow = _rgba(colors[j], mop), max(lw, 1.0) * f
            shape = sym.removesuffix("-open")
            if shape == "circle":
                # the fill, then the stroke centred on the outline as in SVG (a ring from r - ow/2 to
                # r + ow/2); every edge inset by _INSET (Pillow's closed fill rule)
                if fill is not None:
                    rr = max(r - _INSET, 0.5)
                    draw.ellipse((cx - rr, cy - rr, cx + rr, cy + rr), fill=fill)
                if outline is not None and ow > 0:
                    ro = r + ow / 2 - _INSET
                    draw.ellipse((cx - ro, cy - ro, cx + ro, cy + ro), outline=outline, width=max(1, round(ow)))
                continue
            if fill is not None:
                shrink = max(r - _INSET, 0.5) / r
                draw.polygon([(cx + a * shrink, cy + b * shrink) for a, b in _marker_polygon(shape, r)], fill=fill)
            if outline is not None and ow > 0:
                ring = np.array([(cx + a, cy + b) for a, b in _marker_polygon(shape, r)])
                _stroke(draw, np.vstack((ring, ring[:2])), outline, ow)


# ============================================================================ writers


def _png_scale(scale: float | None, default: float) -> float:
    s = default if scale is None else float(scale)
    if not (math.isfinite(s) and 0 < s <= 8):
        raise ValueError(f"scale must be a number in (0, 8], got {scale!r}")
    return s


def _ffmpeg() -> str:
    exe = os.environ.get("FFMPEG_BINARY") or os.environ.get("IMAGEIO_FFMPEG_EXE") or shutil.which("ffmpeg")
    if not exe:
        try:  # imageio's bundled binary, where that optional package is installed
            import imageio_ffmpeg

            exe = imageio_ffmpeg.get_ffmpeg_exe()
        except Exception:
            exe = None
    if not exe:
        raise ExportError("MP4 export needs ffmpeg: install it with `apt-get install -y ffmpeg`, or set FFMPEG_BINARY")
    return exe


def _write_gif(frames: Iterable[Image.Image], out: Any, fps: float, palette_from: Image.Image) -> None:
    # One palette for all frames (from the last, fullest frame): frames then differ only where the
    # paths grew, which Pillow's writer stores as small deltas; no dithering, so no shimmer.
    pal = palette_from.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    quantized = [im.quantize(palette=pal, dither=Image.Dither.NONE) for im in frames]
    ms = max(20, round(1000 / fps))  # browsers play GIF delays under 20 ms at 100 ms
    durations = [ms] * len(quantized)
    durations[-1] += GIF_HOLD_MS
    quantized[0].save(
        out,
        format="GIF",
        save_all=True,
        append_images=quantized[1:],
        duration=durations,
        loop=0,
        disposal=1,
        optimize=False,
    )


def _write_mp4(frames: Iterable[Image.Image], path: Path, fps: float, size: tuple[int, int]) -> None:
    w, h = size[0] // 2 * 2, size[1] // 2 * 2  # H.264 in yuv420p needs even sides
    cmd = [
        _ffmpeg(),
        "-y",
        "-loglevel",
        "error",
        "-f",
        "rawvideo",
        "-pix_fmt",
        "rgb24",
        "-s",
        f"{w}x{h}",
        "-framerate",
        f"{fps:g}",
        "-i",
        "-",
        "-an",
        "-c:v",
        "libx264",
        "-preset",
        "veryfast",
        "-crf",
        "18",
        "-pix_fmt",
        "yuv420p",  # the only chroma layout every player (PowerPoint, Keynote, browsers) decodes
        "-movflags",
        "+faststart",
        str(path),
    ]
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdin is not None and proc.stderr is not None
    ok = False
    try:
        for im in frames:
            if im.size != (w, h):
                im = im.crop((0, 0, w, h))
            proc.stdin.write(im.tobytes())
        ok = True
    except BrokenPipeError:  # ffmpeg stopped early: its message follows
        pass
    finally:
        try:
            proc.stdin.close()  # also on an error while drawing: ffmpeg must see the end of its input
        except BrokenPipeError:
            pass
        err = proc.stderr.read().decode(errors="replace")
        code = proc.wait()
        if not ok or code != 0:
            path.unlink(missing_ok=True)  # no half-written video left behind
    if code != 0 or not ok:
        raise ExportError(f"ffmpeg failed (exit {code}): {err.strip().splitlines()[-1] if err.strip() else ''}")


def _csv_text(view: View, scene: Scene, results: Any) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(view.csv_columns)
    for row in view.csv_rows(scene, results):
        w.writerow(
            [
                "" if isinstance(v, float) and math.isnan(v) else (repr(v) if isinstance(v, float) else v)
                for v in (row[c] for c in view.csv_columns)
            ]
        )
    return buf.getvalue()


def _html_text(scene: Scene, fig: Any) -> str:
    """A standalone page: plotly.js inlined, no MathJax, no CDN: it plays offline."""
    import html

    fig = prepare_figure(fig, scene, keep_animation=True, sized=False)
    fig.update_layout(width=None, height=None, autosize=True)
    page = fig.to_html(
        include_plotlyjs=True,
        include_mathjax=False,
        full_html=True,
        auto_play=False,
        default_width="100%",
        default_height="96vh",
        config={"displaylogo": False, "responsive": True},
    )
    title = scene.display.title or "optviz scene"
    return page.replace("<head>", f"<head><title>{html.escape(title)}</title>", 1)


class _Session:
    """Per-call state: the browser (lazy) and each scene's results, computed once."""

    def __init__(self, browser: Browser | None) -> None:
        self.own = browser is None
        self.browser = browser or Browser()
        self._results: dict[int, Any] = {}

    def seed(self, scene: Scene, results: Any) -> None:
        self._results[id(scene)] = (scene, results)

    def results(self, scene: Scene) -> Any:
        key = id(scene)
        if key not in self._results:
            self._results[key] = (scene, view_exporter(scene).run(scene))
        return self._results[key][1]

    def close(self) -> None:
        if self.own:
            self.browser.close()


def _render(
    session: _Session,
    scene: Scene,
    fmt: str,
    *,
    out: Path | None,
    scale: float | None,
    fps: float | None,
    seconds: float | None,
    progress: Callable[[int, int], None] | None,
) -> bytes | None:
    """The bytes of one format (or, for mp4 with `out`, the file written there)."""
    if fmt == "json":  # the scene file itself: any view
        return (scene.to_json() + "\n").encode()
    view = view_exporter(scene)
    if fmt in BROWSER_FORMATS:
        if fmt == "mp4":
            _ffmpeg()  # fail before any work
        session.browser.start()  # Chromium boots (~2 s) while the scene runs and the figure is built
    results = session.results(scene)
    if fmt == "csv":
        return _csv_text(view, scene, results).encode()
    if fmt == "html":
        return _html_text(scene, _export_figure(view, scene, results, True)).encode()
    width, height = scene.display.size
    if fmt in STATIC_FORMATS:
        fig = static_figure(scene, results)
        s = _png_scale(scale, 2) if fmt == "png" else 1
        data = session.browser.render(fig, fmt, width=width, height=height, scale=s)
        if progress:
            progress(1, 1)
        return data
    if fmt in ANIMATED_FORMATS:
        frames, f = animation_timing(scene.display, fps, seconds)
        s = _png_scale(scale, 1)
        anim = Animator(animated_figure(scene, results, frames, f), session.browser, scale=s)
        if fmt == "gif":
            last = anim.frame(len(anim.frames) - 1)
            buf = io.BytesIO()
            _write_gif(anim.frames_iter(progress), buf, f, last)
            return buf.getvalue()
        target = out
        tmp = None
        if target is None:
            tmp = tempfile.TemporaryDirectory()
            target = Path(tmp.name) / "anim.mp4"
        try:
            _write_mp4(anim.frames_iter(progress), target, f, anim.size)  # background is None on the slow path
            return target.read_bytes() if tmp is not None else None
        finally:
            if tmp is not None:
                tmp.cleanup()
    raise ValueError(f"format must be one of: {', '.join(FORMATS)}; got {fmt!r}")


def _format_of(path: Path) -> str:
    fmt = path.suffix.lower().lstrip(".")
    if fmt == "htm":
        fmt = "html"
    if fmt not in FORMATS:
        raise ValueError(f"cannot tell the format of {path.name!r}: its suffix must be one of .{', .'.join(FORMATS)}")
    return fmt


def _frame_progress(progress: Progress | None, label: str) -> Callable[[int, int], None] | None:
    if progress is None:
        return None
    return lambda done, total: progress(done, total, label)


def export(
    scene: Scene | str | Path,
    path: str | Path,
    *,
    scale: float | None = None,
    fps: float | None = None,
    seconds: float | None = None,
    progress: Progress | None = None,
    browser: Browser | None = None,
) -> Path:
    """Write `scene` to `path`, in the format of its suffix; return the path.

    scene: a Scene, a scene file, or a shipped scene's short name (see `shipped_scenes`).
    scale: pixel density of png (default 2; the page offers 1, 2, 4) and of gif/mp4 (default 1,
        i.e. `scene.display.size`: 1280x720 for 16:9); svg and pdf are vector.
    fps, seconds: animation speed and length (frames = fps x seconds); default the scene's
        display.fps and display.frames.
    progress(done, total, label): called after each animation frame and each static picture.
    browser: a `Browser` to reuse across calls (else one is started and closed for png, svg,
        pdf, gif and mp4; html, csv and json never need one).
    """
    path = Path(path)
    fmt = _format_of(path)
    sc = load_scene(scene)
    session = _Session(browser)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        data = _render(
            session,
            sc,
            fmt,
            out=path,
            scale=scale,
            fps=fps,
            seconds=seconds,
            progress=_frame_progress(progress, path.name),
        )
        if data is not None:
            path.write_bytes(data)
    finally:
        session.close()
    return path


def export_bytes(
    scene: Scene | str | Path,
    fmt: str,
    *,
    scale: float | None = None,
    fps: float | None = None,
    seconds: float | None = None,
    progress: Progress | None = None,
    browser: Browser | None = None,
    results: Any = None,
) -> bytes:
    """The file `export` would write for format `fmt`, as bytes (for download buttons); MIME_TYPES[fmt].

    results: the scene's results when the caller already has them (the page does): the optimizers
    then are not run a second time.  They must be what the view's `run(scene)` returns.
    """
    fmt = str(fmt).lower().lstrip(".")
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of: {', '.join(FORMATS)}; got {fmt!r}")
    sc = load_scene(scene)
    session = _Session(browser)
    if results is not None:
        session.seed(sc, results)
    try:
        data = _render(
            session,
            sc,
            fmt,
            out=None,
            scale=scale,
            fps=fps,
            seconds=seconds,
            progress=_frame_progress(progress, fmt),
        )
    finally:
        session.close()
    assert data is not None
    return data


def parse_formats(formats: str | Iterable[str]) -> list[str]:
    """'png,svg' or ['png', 'svg'] -> ['png', 'svg'], validated, duplicates dropped, order kept."""
    items = formats.split(",") if isinstance(formats, str) else list(formats)
    out: list[str] = []
    for f in items:
        f = str(f).strip().lower().lstrip(".")
        if not f:
            continue
        if f not in FORMATS:
            raise ValueError(f"format must be one of: {', '.join(FORMATS)}; got {f!r}")
        if f not in out:
            out.append(f)
    if not out:
        raise ValueError(f"no format given; choose from: {', '.join(FORMATS)}")
    return out


def export_many(
    scenes: Iterable[Scene | str | Path] | Mapping[str, Scene | str | Path],
    formats: str | Iterable[str],
    out_dir: str | Path,
    *,
    scale: float | None = None,
    fps: float | None = None,
    seconds: float | None = None,
    progress: Progress | None = None,
    browser: Browser | None = None,
) -> list[Path]:
    """Write every scene in every format to out_dir/<name>.<format>; one browser for all of them.

    scenes: scene files, shipped names or Scenes (named scene1, scene2, ...), or a mapping
    name -> scene.  Every scene is read first, so a bad file fails before anything is written.
    Browser-free formats (json, csv, html) are written first for all scenes: without Chromium
    they exist when the ExportError for the others is raised.  progress(done, total, label)
    counts one unit per file and one per animation frame; label is the file being written.
    """
    fmts = parse_formats(formats)
    items = list(scenes.items()) if isinstance(scenes, Mapping) else [(None, s) for s in scenes]
    loaded: list[tuple[str, Scene]] = []
    used: set[str] = set()
    for i, (name, src) in enumerate(items):
        sc = load_scene(src)
        stem = name or scene_name(src, i)
        base, n = stem, 2
        while stem in used:
            stem, n = f"{base}-{n}", n + 1
        used.add(stem)
        if fmts != ["json"]:
            view_exporter(sc)  # an unsupported view fails before anything is written
        loaded.append((stem, sc))
    if any(f in ANIMATED_FORMATS for f in fmts):
        for _, sc in loaded:  # bad fps or seconds fail before anything is written
            animation_timing(sc.display, fps, seconds)
    if any(f in BROWSER_FORMATS for f in fmts):
        _png_scale(scale, 1)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    jobs = [(stem, sc, f) for f in fmts if f not in BROWSER_FORMATS for stem, sc in loaded]
    jobs += [(stem, sc, f) for stem, sc in loaded for f in fmts if f in BROWSER_FORMATS]
    # progress counts units: one per file, one per frame of an animation
    units = [animation_timing(sc.display, fps, seconds)[0] if f in ANIMATED_FORMATS else 1 for _, sc, f in jobs]
    total = sum(units)
    session = _Session(browser)
    written: list[Path] = []
    done = 0
    try:
        for (stem, sc, fmt), n in zip(jobs, units):
            path = out / f"{stem}.{fmt}"

            def step(d: int, t: int, _base: int = done, _name: str = path.name) -> None:
                if progress:
                    progress(_base + min(d, t), total, _name)

            if progress:
                progress(done, total, path.name)
            data = _render(session, sc, fmt, out=path, scale=scale, fps=fps, seconds=seconds, progress=step)
            if data is not None:
                path.write_bytes(data)
            written.append(path)
            done += n
            if progress:
                progress(done, total, path.name)
    except ExportError as e:
        e.written = list(written)  # type: ignore[attr-defined]  # what exists despite the error
        raise
    finally:
        session.close()
    return written


__all__ = [
    "ANIMATED_FORMATS",
    "BROWSER_FORMATS",
    "FORMATS",
    "MIME_TYPES",
    "PNG_SCALES",
    "STATIC_FORMATS",
    "Animator",
    "Browser",
    "ExportError",
    "SceneFileError",
    "animated_figure",
    "animation_timing",
    "export",
    "export_bytes",
    "export_many",
    "find_browser",
    "load_scene",
    "parse_formats",
    "scene_name",
    "shipped_scenes",
    "static_figure",
    "view_exporter",
]


class _CallableModule(types.ModuleType):
    """This module, callable: `optviz.export(scene, "fig.svg")` (the issue's spelling) is `export(...)`,
    while `optviz.export.export_many` and the rest stay reachable under the same name."""

    def __call__(
        self,
        scene: Scene | str | Path,
        path: str | Path,
        **options: Any,
    ) -> Path:
        return export(scene, path, **options)


sys.modules[__name__].__class__ = _CallableModule
