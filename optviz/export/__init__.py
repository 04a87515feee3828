"""Lecture exports: a scene to PNG/SVG/PDF, GIF/MP4, a standalone HTML page, CSV and JSON.

    import optviz
    optviz.export("momentum_vs_nesterov", "fig.svg")        # a shipped scene, by its short name
    optviz.export(scene, "anim.gif", fps=20, seconds=5)     # a `Scene`, or a scene file's path
    export_many(["a.json", "b.json"], ["png", "gif"], "out/")  # one browser session for all
    optviz.export("c03_zigzag_bowl", "c03.png", lang="ko")  # in Korean, whatever the scene's language

Every picture comes from the figure builders of `optviz.figures`, the ones the page shows; this
module only sizes them (`Display.size`), adds a CJK fallback to the font family (Korean titles)
and removes the play button and slider from pictures that cannot play.  The HTML page fills the
browser window (`fill_window`, `encoders.html_page`): the figure autosizes to a 100vw x 100vh div.

Every text of an export is in the scene's language (`Display.lang`, "en" or "ko"), or in the `lang`
the call asks for: the figure is built, and the frames' counter drawn, under `optviz.i18n.use_lang`.

The package, by concern (no submodule imports the package itself):

    browser.py    finding Chromium; `Browser`, one kaleido 1.x session; `ExportError`
    frames.py     `Animator`: the frame rasteriser of gif and mp4 (Pillow paths, numpy heatmaps,
                  over a background rendered once)
    encoders.py   the writers: GIF, MP4 (ffmpeg), the standalone HTML page, CSV
    __init__.py   the public API: export, export_bytes, export_many, scenes, the figures for files

`optviz.export` is also callable: `optviz.export(scene, "fig.svg")` is `export(...)`.
"""

from __future__ import annotations

import io
import math
import sys
import tempfile
import types
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import plotly.graph_objects as go
from PIL import Image

from optviz.config import Scene
from optviz.config.scene import spoken_title
from optviz.export.browser import NO_BROWSER, Browser, ExportError, browser_missing_message, find_browser
from optviz.export.encoders import GIF_HOLD_MS, csv_text, find_ffmpeg, html_page, write_gif, write_mp4
from optviz.export.frames import CJK_FONT, SUPERSAMPLE, Animator, _rgba  # CJK_FONT: fonts-noto-cjk
from optviz.i18n import _, check_lang, use_lang
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
SCENES_DIR = Path(__file__).resolve().parent.parent / "scenes"

Progress = Callable[[int, int, str], None]
"""progress(done, total, label): called as frames and files are written (e.g. st.progress)."""


class SceneFileError(ValueError):
    """A scene file that cannot be read; the message names the file and the bad entry."""


# ============================================================================ scenes


def shipped_scenes() -> dict[str, Path]:
    """The ready scenes shipped in optviz/scenes, by short name (the file stem)."""
    return {p.stem: p for p in sorted(SCENES_DIR.glob("*.json"))}


def concept_number(name: str) -> int | None:
    """3 for a concept scene 'c03_zigzag_bowl' (the lecture notes' C3, ../shared/CONCEPTS.md), else None."""
    head = name.split("_", 1)[0]
    return int(head[1:]) if len(head) == 3 and head[0] == "c" and head[1:].isdigit() and "_" in name else None


def share_link(scene: Scene, base_url: str = "") -> str:
    """The page address that opens `scene`: base_url + '?' + its URL query (`Scene.to_query`),
    percent-encoded (spaces as %20, κ as %CE%BA); base_url "" gives a link relative to the page."""
    return f"{base_url.rstrip('?')}?{urlencode(scene.to_query(), quote_via=quote)}"


def lecture_scenes() -> dict[str, Path]:
    """The shipped concept scenes (c01_... to c31_...) in the order of the lecture notes, by short name."""
    named = [(concept_number(n), n, p) for n, p in shipped_scenes().items()]
    return {n: p for k, n, p in sorted((k, n, p) for k, n, p in named if k is not None)}


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


def in_language(scene: Scene, lang: str | None) -> Scene:
    """`scene` drawn in `lang` ("en" or "ko"; None: its own `display.lang`); ValueError naming lang otherwise."""
    if lang is None:
        return scene
    check_lang(lang)
    return scene if scene.display.lang == lang else replace(scene, display=replace(scene.display, lang=lang))


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


WINDOW_SQUARE_SHARE = 0.6  # the surfaces builder's own upper bound for the 1:1 panel's column


def fill_window(fig: Any) -> Any:
    """The figure laid out for a whole browser window (the HTML export), in place; returns it.

    The surfaces builder splits its row between the 1:1 contour panel and the loss panel for a
    1 200 px wide page of the figure's height (700 px: 45% each).  A landscape window is
    proportionally shorter, so there the contour panel is limited by its height and the loss
    panel, taking the full 45%, came out larger (845 x 820 against 820 x 820 at 1920 x 1080).
    The contour panel's column gets the builder's maximum share instead; the gap between the
    panels is kept.  Figures without a 1:1 panel beside another one are left as they are.
    """
    layout = fig.layout
    axes = {k for k in layout.to_plotly_json() if k.startswith("xaxis")}
    if layout.yaxis.scaleanchor != "x" or axes != {"xaxis", "xaxis2"}:
        return fig
    (a0, a1), (b0, b1) = layout.xaxis.domain or (0, 1), layout.xaxis2.domain or (0, 1)
    if a0 != 0 or b0 < a1 or b1 != 1 or a1 >= WINDOW_SQUARE_SHARE:
        return fig
    layout.xaxis.domain = [0.0, WINDOW_SQUARE_SHARE]
    layout.xaxis2.domain = [WINDOW_SQUARE_SHARE + (b0 - a1), 1.0]
    return fig


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


# ============================================================================ writers


def _png_scale(scale: float | None, default: float) -> float:
    s = default if scale is None else float(scale)
    if not (math.isfinite(s) and 0 < s <= 8):
        raise ValueError(f"scale must be a number in (0, 8], got {scale!r}")
    return s


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


def _render(session: _Session, scene: Scene, fmt: str, **kw: Any) -> bytes | None:
    """The bytes of one format (or, for mp4 with `out`, the file written there), every text in the
    scene's language (the run too: the MLP's panel labels are text).  kw: `_render_spoken`'s."""
    with use_lang(scene.display.lang):
        return _render_spoken(session, scene, fmt, **kw)


def _render_spoken(
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
    if fmt == "json":  # the scene file itself: any view
        return (scene.to_json() + "\n").encode()
    view = view_exporter(scene)
    if fmt in BROWSER_FORMATS:
        if fmt == "mp4":
            find_ffmpeg()  # fail before any work
        session.browser.start()  # Chromium boots (~2 s) while the scene runs and the figure is built
    results = session.results(scene)
    if fmt == "csv":
        return csv_text(view.csv_columns, view.csv_rows(scene, results)).encode()
    if fmt == "html":
        fig = prepare_figure(_export_figure(view, scene, results, True), scene, keep_animation=True, sized=False)
        title = spoken_title(scene.display.title) if scene.display.title else _("optviz scene")
        return html_page(fill_window(fig), title, lang=scene.display.lang).encode()
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
            buf = io.BytesIO()
            write_gif(anim.frames_iter(progress), buf, f, _palette_picture(anim))
            return buf.getvalue()
        target = out
        tmp = None
        if target is None:
            tmp = tempfile.TemporaryDirectory()
            target = Path(tmp.name) / "anim.mp4"
        try:
            write_mp4(anim.frames_iter(progress), target, f, anim.size)  # background is None on the slow path
            return target.read_bytes() if tmp is not None else None
        finally:
            if tmp is not None:
                tmp.cleanup()
    raise ValueError(f"format must be one of: {', '.join(FORMATS)}; got {fmt!r}")


def _palette_picture(anim: Animator) -> Image.Image:
    """The colours of an animation for its GIF palette: its last frame, the fullest picture of
    growing paths; on the fast paths (a few ms a frame) also the first and middle frames, since a
    decision boundary starts in pale tints the last frame no longer has."""
    n = len(anim.frames)
    ks = sorted({0, n // 2, n - 1}) if anim.fast else [n - 1]
    pictures = [anim.frame(k) for k in ks]
    out = Image.new("RGB", (pictures[0].width, pictures[0].height * len(pictures)))
    for j, im in enumerate(pictures):
        out.paste(im, (0, j * im.height))
    return out


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
    lang: str | None = None,
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
    lang: the language of every text in the file, "en" or "ko" (None: the scene's display.lang);
        a json export records it as the scene's language.
    """
    path = Path(path)
    fmt = _format_of(path)
    sc = in_language(load_scene(scene), lang)
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
    lang: str | None = None,
) -> bytes:
    """The file `export` would write for format `fmt`, as bytes (for download buttons); MIME_TYPES[fmt].

    results: the scene's results when the caller already has them (the page does): the optimizers
    then are not run a second time.  They must be what the view's `run(scene)` returns (in the
    export's language: an MLP run's panel labels are text).
    lang: as for `export`.
    """
    fmt = str(fmt).lower().lstrip(".")
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of: {', '.join(FORMATS)}; got {fmt!r}")
    sc = in_language(load_scene(scene), lang)
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


def figure_bytes(
    fig: Any, scene: Scene, fmt: str, *, scale: float | None = None, browser: Browser | None = None
) -> bytes:
    """A picture of a figure built outside the scene's views (a saved sweep's map), as png, svg or pdf.

    Sized, fonted and cleaned as a scene's own picture (`prepare_figure` with `scene`'s display);
    fig is copied, not changed.  scale: png pixel density (default 2).  browser: as for `export`.
    """
    fmt = str(fmt).lower().lstrip(".")
    if fmt not in STATIC_FORMATS:
        raise ValueError(f"format must be one of: {', '.join(STATIC_FORMATS)}; got {fmt!r}")
    s = _png_scale(scale, 2.0) if fmt == "png" else 1.0
    pic = prepare_figure(go.Figure(fig), scene, keep_animation=False)
    width, height = scene.display.size
    own = browser is None
    b = browser or Browser()
    try:
        return b.render(pic, fmt, width=width, height=height, scale=s)
    finally:
        if own:
            b.close()


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
    lang: str | None = None,
) -> list[Path]:
    """Write every scene in every format to out_dir/<name>.<format>; one browser for all of them.

    scenes: scene files, shipped names or Scenes (named scene1, scene2, ...), or a mapping
    name -> scene.  Every scene is read first, so a bad file fails before anything is written.
    Browser-free formats (json, csv, html) are written first for all scenes: without Chromium
    they exist when the ExportError for the others is raised.  progress(done, total, label)
    counts one unit per file and one per animation frame; label is the file being written.
    lang: the language of every scene's texts, "en" or "ko" (None: each scene's own display.lang).
    """
    fmts = parse_formats(formats)
    if lang is not None:
        check_lang(lang)
    items = list(scenes.items()) if isinstance(scenes, Mapping) else [(None, s) for s in scenes]
    loaded: list[tuple[str, Scene]] = []
    used: set[str] = set()
    for i, (name, src) in enumerate(items):
        sc = in_language(load_scene(src), lang)
        stem = name or scene_name(src, i)
        base, n = stem, 2
        while stem in used:
            stem, n = f"{base}-{n}", n + 1
        used.add(stem)
        if fmts != ["json"]:
            view_exporter(sc)  # an unsupported view fails before anything is written
        loaded.append((stem, sc))
    if any(f in ANIMATED_FORMATS for f in fmts):
        for _stem, sc in loaded:  # bad fps or seconds fail before anything is written
            animation_timing(sc.display, fps, seconds)
    if any(f in BROWSER_FORMATS for f in fmts):
        _png_scale(scale, 1)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    jobs = [(stem, sc, f) for f in fmts if f not in BROWSER_FORMATS for stem, sc in loaded]
    jobs += [(stem, sc, f) for stem, sc in loaded for f in fmts if f in BROWSER_FORMATS]
    # progress counts units: one per file, one per frame of an animation
    units = [animation_timing(sc.display, fps, seconds)[0] if f in ANIMATED_FORMATS else 1 for _s, sc, f in jobs]
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
    "GIF_HOLD_MS",
    "NO_BROWSER",
    "SUPERSAMPLE",
    "ExportError",
    "figure_bytes",
    "SceneFileError",
    "animated_figure",
    "animation_timing",
    "browser_missing_message",
    "concept_number",
    "export",
    "export_bytes",
    "export_many",
    "fill_window",
    "find_browser",
    "in_language",
    "lecture_scenes",
    "load_scene",
    "parse_formats",
    "prepare_figure",
    "scene_name",
    "share_link",
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
