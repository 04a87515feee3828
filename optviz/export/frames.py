"""The frame rasteriser of GIF and MP4 exports: `Animator` draws an animated figure's frames with Pillow.

Chromium starts in ~2 s and kaleido then costs ~0.25 s a frame or more even batched, so a 100-frame
GIF would take half a minute.  Instead the builder's animated figure is rendered by kaleido once with
its animated traces emptied (the background: contours, axes, legend, title), and each frame's traces
are drawn onto that picture with Pillow, 4x supersampled, stroked as SVG strokes them (miter joins,
butt ends), in the colours, widths, dashes and markers plotly resolved for them (kaleido's full-figure
JSON), in plotly's z-order.  The data -> pixel map is read, not assumed: the plot boxes from kaleido's
SVG of the background (after plotly's automargin) and the axis ranges of the full figure, which are
then fixed so that emptying the traces cannot move them.  tests/test_export.py compares a drawn frame
with kaleido's render of the same frame.

Heatmaps that change per frame (the MLP's decision boundary) take a second fast path, chosen for
this design: the heatmap is the only thing a frame changes in its panel, so kaleido renders two
pictures once, the background (everything but the heatmaps and the annotations the frames
rewrite) and an overlay of what lies above the heatmaps (markers, axis lines and labels, on a
transparent page without gridlines).  Each frame is the background, each panel's cells coloured
with numpy from the frame's z (plotly's colourscale, linear in RGB over zmin..zmax; cell edges
halfway between the centres) and sampled at every pixel of the plot box, the overlay
alpha-blended on top, and the rewritten annotations (the accuracy box of each panel) drawn
with Pillow.  Kaleido rendered every frame of it before: 0.5 s a frame, 50 s for 100.

Animated traces neither path can draw (other trace types, fills, text, spline lines, date or
category axes, other per-frame layout changes) fall back to kaleido for every frame: slower, never
different.

References: plotly.js `Drawing.dashStyle` and `symbol_defs` (dash patterns and marker shapes),
plotly.js `traces/heatmap/plot.js` (cell edges halfway between centres, colours by
`Colorscale.makeColorScaleFunc`, linear in RGB), Pillow `ImageDraw`.
"""

from __future__ import annotations

import functools
import io
import json
import math
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from PIL import Image, ImageColor, ImageDraw, ImageFont

from optviz.export.browser import Browser, ExportError, _plain
from optviz.i18n import _

# Frames are drawn at 4x and downsampled (anti-aliasing).  Pillow rounds every vertex to a whole
# pixel, so at 2x lines sat up to a quarter pixel off and a frame differed from kaleido's render of
# it on 2.6% of the plot's pixels (lr_too_large); at 4x on 0.1%, and no slower, since only the
# region the traces reach is upscaled.  Pillow also fills pixels whose centres lie on or inside a
# shape, which widens every shape by one pixel on average: shapes are drawn inset by half a pixel.
SUPERSAMPLE = 4
_INSET = 0.5


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
    if symbol == "arrow":  # the tip on the point, the base 2r cos(pi/2.5) behind it (pointing up at angle 0)
        half, back = 2 * r * math.sin(math.pi / 2.5), 2 * r * math.cos(math.pi / 2.5)
        return [(0.0, 0.0), (-half, back), (half, back)]
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
    "arrow",
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


_GENERIC = ("sans-serif", "serif", "monospace", "system-ui")
_NOTDEF = "\uffff"  # a noncharacter: no font maps it, so it draws the font's .notdef glyph (the box)
CJK_FONT = "Noto Sans CJK KR"  # fonts-noto-cjk: the font the exports name for Hangul (Chromium falls back per glyph)


def _fc_match(pattern: str) -> tuple[str, str, int] | None:
    """(families, file, index) of fontconfig's best font for `pattern`, or None without fontconfig."""
    fc = shutil.which("fc-match")
    if fc is None:
        return None
    try:
        out = subprocess.run(
            [fc, "-f", "%{family}|%{file}|%{index}", pattern], capture_output=True, text=True, timeout=5
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    fams, _sep, rest = out.partition("|")
    file, _sep, index = rest.partition("|")
    return (fams, file, int(index or 0)) if file else None


@functools.lru_cache(maxsize=64)
def _font_files(family: str | None) -> tuple[tuple[str, int], ...]:
    """The installed fonts of a CSS family list, in its order: each name that fontconfig has (a
    generic family resolves to fontconfig's choice), then the system's sans-serif."""
    names = [n.strip().strip("\"'") for n in (family or "sans-serif").split(",") if n.strip()]
    out: list[tuple[str, int]] = []
    for name in [*names, "sans-serif"]:
        hit = _fc_match(name)
        if hit is None:
            continue
        fams, file, index = hit
        generic = name.lower() in _GENERIC
        if (generic or name.lower() in (f.strip().lower() for f in fams.split(","))) and (file, index) not in out:
            out.append((file, index))
    return tuple(out)


@functools.lru_cache(maxsize=16)
def _probe_font(file: str, index: int) -> Any:
    """The font at a fixed size, to look at its glyphs (None if Pillow cannot open it)."""
    try:
        return ImageFont.truetype(file, 32, index=index)
    except OSError:
        return None


def _glyph(font: Any, ch: str) -> tuple[Any, bytes]:
    mask = font.getmask(ch)
    return mask.size, bytes(mask)


@functools.lru_cache(maxsize=8192)
def _has_glyph(file: str, index: int, ch: str) -> bool:
    """Whether the font draws `ch` with a glyph of its own, not its .notdef box (a "tofu")."""
    font = _probe_font(file, index)
    return font is not None and _glyph(font, ch) != _glyph(font, _NOTDEF)


def _covers(font: tuple[str, int], chars: str) -> bool:
    return all(_has_glyph(font[0], font[1], c) for c in chars)


def _has_hangul(chars: str) -> bool:
    return any("\uac00" <= c <= "\ud7a3" or "\u1100" <= c <= "\u11ff" or "\u3130" <= c <= "\u318f" for c in chars)


@functools.lru_cache(maxsize=256)
def _font_file(family: str | None, chars: str) -> tuple[str, int] | None:
    """The font that draws `chars`: the first of the CSS family list that has a glyph for every one
    of them (Chromium falls back glyph by glyph; Pillow draws a text in one font, so the whole text
    must be covered).  If none does: for Hangul the Korean CJK font, then fontconfig's font for the
    Korean language, then its font covering those characters; else the first font of the list."""
    listed = _font_files(family)
    for font in listed:
        if _covers(font, chars):
            return font
    fallbacks: list[tuple[str, int]] = []
    patterns = [CJK_FONT, "sans-serif:lang=ko"] if _has_hangul(chars) else []
    codes = " ".join(f"{ord(c):x}" for c in chars)
    patterns.append(f"sans-serif:charset={codes}")
    for pattern in patterns:
        hit = _fc_match(pattern)
        if hit is not None and (hit[1], hit[2]) not in fallbacks:
            fallbacks.append((hit[1], hit[2]))
    for font in fallbacks:
        if _covers(font, chars):
            return font
    return listed[0] if listed else None


def _needed(text: str) -> str:
    """The distinct characters of `text` that need a glyph (spaces and controls need none), sorted."""
    return "".join(sorted({c for c in text if c.isprintable() and not c.isspace()}))


@functools.lru_cache(maxsize=64)
def _truetype(file: str, index: int, size: int) -> Any:
    return ImageFont.truetype(file, size, index=index)


def _pil_font(family: str | None, size: int, text: str = "") -> Any:
    """The font Chromium would draw `text` in for a CSS family list (fontconfig), at `size` pixels:
    the first installed family that has every character of `text` (a Korean counter or annotation
    gets a font with Hangul, never boxes), else Pillow's default font."""
    font = _font_file(family, _needed(text))
    if font is not None:
        try:
            return _truetype(font[0], font[1], size)
        except OSError:
            pass
    return ImageFont.load_default(size)


def _cells(centres: np.ndarray, v: np.ndarray) -> np.ndarray:
    """The cell of each value along a heatmap axis of increasing cell centres, -1 outside every cell."""
    mid = (centres[1:] + centres[:-1]) / 2
    edges = np.concatenate(([centres[0] - (mid[0] - centres[0])], mid, [centres[-1] + (centres[-1] - mid[-1])]))
    idx = np.searchsorted(edges, v, side="right") - 1
    return np.where((idx >= 0) & (idx < centres.size), idx, -1)


def _colour_table(t: Mapping[str, Any]) -> Callable[[np.ndarray], np.ndarray]:
    """z -> RGB (uint8) as plotly.js colours a heatmap: its colourscale stretched over zmin..zmax,
    linear in RGB between the stops, clamped at the ends."""
    scale = t.get("colorscale") or [[0, "#000"], [1, "#fff"]]
    stops = np.array([float(p) for p, _ in scale])
    rgb = np.array([_rgba(c)[:3] for _, c in scale], dtype=float)
    if t.get("reversescale"):
        stops, rgb = 1 - stops[::-1], rgb[::-1]
    lo, hi = float(t.get("zmin", 0)), float(t.get("zmax", 1))

    def colour(z: np.ndarray) -> np.ndarray:
        u = (z - lo) / (hi - lo) if hi != lo else np.zeros_like(z)
        out = np.stack([np.interp(u, stops, rgb[:, c]) for c in range(3)], axis=-1)
        return np.round(out).astype(np.uint8)

    return colour


class Animator:
    """Draws the frames of a builder's animated figure: kaleido for the background, Pillow for the traces.

    fig: the animated figure from `animated_figure` (its play buttons and slider are left out of
    the pictures; the slider's "step N" is drawn as a counter where the controls were).
    mode: "traces" (growing scatter traces drawn with Pillow), "heatmaps" (heatmaps coloured with
    numpy), or "kaleido" (every frame rendered by kaleido); `fast` is True for the first two.
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
        self.mode = "traces" if self.fast else "kaleido"
        self.background: Image.Image | None = None
        self.overlay: Image.Image | None = None
        self._bg_array: np.ndarray | None = None
        self._over: dict[int, tuple[np.ndarray, ...]] = {}
        self.boxes: dict[str, _Box] = {}
        self._annotations = full["layout"].get("annotations", [])
        self._dynamic: list[int] = []
        if self.fast:
            bg = {**base, "data": list(base["data"])}
            for i in self.drawn:  # [None] keeps the legend entry (an empty trace would lose it), draws nothing
                bg["data"][i] = {**bg["data"][i], "x": [None], "y": [None]}
            svg, png = browser.render_all(
                [(bg, "svg", self.width, self.height, 1), (bg, "png", self.width, self.height, self.scale)]
            )
            self.background = Image.open(io.BytesIO(png)).convert("RGB")
            self._read_boxes(svg, axes)
            self.fast = all(self._box_of(self._full[i]) is not None for i in self.drawn)
        elif (dynamic := self._heatmap_plan()) is not None:
            self._dynamic = dynamic
            self.fast, self.mode = True, "heatmaps"
            self._start_heatmaps(axes)
        if not self.fast:
            self.mode = "kaleido"

    def _read_boxes(self, svg: bytes, axes: Mapping[str, tuple[str, float, float]]) -> None:
        for key, (x, y, w, h) in _plot_boxes(svg).items():
            xr, yr = re.fullmatch(r"(x\d*)(y\d*)", key).groups()
            if _axis_key(xr) in axes and _axis_key(yr) in axes:
                self.boxes[key] = _Box(x, y, w, h, axes[_axis_key(xr)], axes[_axis_key(yr)])

    # ------------------------------------------------------------------ the heatmap path
    def _heatmap_plan(self) -> list[int] | None:
        """The annotations the frames change (their text only), when every animated trace is a
        heatmap the heatmap path can draw and nothing else changes per frame; else None."""
        if not self.animated:
            return None
        for i in self.animated:
            t, src = self._full[i], self._base["data"][i]
            if (
                t.get("type") != "heatmap"
                or t.get("visible", True) is not True
                or t.get("zsmooth") not in (None, False)
                or t.get("xgap")
                or t.get("ygap")
                or t.get("transpose")
                or float(t.get("opacity", 1)) != 1
                or src.get("x") is None
                or src.get("y") is None
            ):
                return None
            for axis in (_as_floats(src["x"]), _as_floats(src["y"])):
                if axis.size < 2 or not np.all(np.diff(axis) > 0):
                    return None
        base_ann = self._base["layout"].get("annotations", [])
        changed: set[int] = set()
        for fr in self.frames:
            if any(set(d.to_plotly_json()) - {"type", "z"} for d in fr.data):
                return None
            lay = fr.layout.to_plotly_json()
            if set(lay) - {"annotations"}:
                return None
            if "annotations" not in lay:
                continue
            anns = lay["annotations"]
            if len(anns) != len(base_ann):
                return None
            for j, (a, b) in enumerate(zip(anns, base_ann)):
                if {k: v for k, v in a.items() if k != "text"} != {k: v for k, v in b.items() if k != "text"}:
                    return None
                if a.get("text") != b.get("text"):
                    changed.add(j)
        for j in changed:
            a = self._annotations[j]
            if a.get("showarrow") or a.get("textangle", 0) not in (0, None) or self._ann_box_key(a) is None:
                return None
        return sorted(changed)

    @staticmethod
    def _ann_box_key(a: Mapping[str, Any]) -> str | None:
        """'x2y2' for an annotation placed in the domain of subplot x2y2, else None."""
        mx = re.fullmatch(r"(x\d*) domain", str(a.get("xref", "")))
        my = re.fullmatch(r"(y\d*) domain", str(a.get("yref", "")))
        return f"{mx.group(1)}{my.group(1)}" if mx and my else None

    def _start_heatmaps(self, axes: Mapping[str, tuple[str, float, float]]) -> None:
        """Render the background (no heatmaps, no changing annotations) and the overlay (what lies
        above the heatmaps: markers, axis lines, on a transparent page without grid), and map every
        output pixel of each heatmap's plot box to its cell."""
        lay = self._base["layout"]
        anns = [a for j, a in enumerate(lay.get("annotations", [])) if j not in self._dynamic]
        data = list(self._base["data"])
        for i in self.animated:
            data[i] = {**data[i], "visible": False}
        bg = {"data": data, "layout": {**lay, "annotations": anns}}
        clear = "rgba(0,0,0,0)"
        over_layout = {**bg["layout"], "paper_bgcolor": clear, "plot_bgcolor": clear}
        for key in axes:  # gridlines lie under the heatmaps: the overlay must not bring them back on top
            over_layout[key] = {**lay.get(key, {}), "showgrid": False, "zeroline": False}
        over = {"data": data, "layout": over_layout}
        w, h, s = self.width, self.height, self.scale
        svg, png, over_png = self._browser.render_all(
            [(bg, "svg", w, h, 1), (bg, "png", w, h, s), (over, "png", w, h, s)]
        )
        self.background = Image.open(io.BytesIO(png)).convert("RGB")
        self.overlay = Image.open(io.BytesIO(over_png)).convert("RGBA")
        self._read_boxes(svg, axes)
        self._heat: list[tuple[Any, ...]] = []
        for i in self.animated:
            t = self._full[i]
            box = self._box_of(t)
            if box is None or box.xaxis[0] not in ("linear", "-") or box.yaxis[0] not in ("linear", "-"):
                self.fast = False
                return
            src = self._base["data"][i]
            region = (
                max(0, math.floor(box.x * s)),
                max(0, math.floor(box.y * s)),
                min(self.size[0], math.ceil((box.x + box.w) * s)),
                min(self.size[1], math.ceil((box.y + box.h) * s)),
            )
            # the data coordinate of each output pixel's centre, then its cell (plotly.js: cell
            # edges halfway between the given centres, the outer ones half a step beyond)
            px = (np.arange(region[0], region[2]) + 0.5) / s
            py = (np.arange(region[1], region[3]) + 0.5) / s
            _, x0, x1 = box.xaxis
            _, y0, y1 = box.yaxis
            nx = _as_floats(src["x"]).size
            cols = _cells(_as_floats(src["x"]), x0 + (px - box.x) / box.w * (x1 - x0))
            rows = _cells(_as_floats(src["y"]), y0 + (1 - (py - box.y) / box.h) * (y1 - y0))
            cell = np.maximum(rows, 0)[:, None] * nx + np.maximum(cols, 0)[None, :]  # flat cell of each pixel
            inside = (rows[:, None] >= 0) & (cols[None, :] >= 0)
            self._heat.append(
                (i, region, (rows.max(initial=-1), cols.max(initial=-1), nx), cell, inside, _colour_table(t))
            )

    def _draw_heatmaps(self, k: int) -> Image.Image:
        assert self.background is not None and self.overlay is not None
        if self._bg_array is None:
            self._bg_array = np.asarray(self.background).copy()
            over = np.asarray(self.overlay)
            # the overlay is transparent but for markers, axis lines and labels: blend only those pixels
            self._over = {}
            for i, (x0, y0, x1, y1), *_ in self._heat:  # noqa: B007
                part = over[y0:y1, x0:x1]
                ys, xs = np.nonzero(part[..., 3])
                alpha = part[ys, xs, 3:4].astype(np.float32) / 255
                self._over[i] = (ys, xs, part[ys, xs, :3].astype(np.float32) * alpha, 1 - alpha)
        im = self._bg_array.copy()
        fr = self.frames[k]
        z_of = {int(i): d.z for i, d in zip(self._frame_traces(fr), fr.data) if d.z is not None}
        for i, (x0, y0, x1, y1), (top_row, top_col, nx), cell, inside, table in self._heat:
            z = z_of.get(i, self._base["data"][i].get("z"))
            zz = _as_floats(z) if isinstance(z, Mapping) else np.asarray(z, dtype=float)
            zz = zz.reshape(-1, nx)
            if zz.shape[0] <= top_row or zz.shape[1] <= top_col:
                raise ExportError("a heatmap frame has fewer cells than its axes")
            pix = np.take(table(zz).reshape(-1, 3), cell, axis=0)
            region = im[y0:y1, x0:x1]
            if inside.all():
                region[...] = pix
            else:
                region[inside] = pix[inside]
            ys, xs, premul, keep = self._over[i]
            region[ys, xs] = np.round(region[ys, xs] * keep + premul).astype(np.uint8)
        out = Image.fromarray(im, "RGB")
        if self._dynamic:
            states = fr.layout.annotations or ()
            draw = ImageDraw.Draw(out, "RGBA")
            for j in self._dynamic:
                text = states[j].text if j < len(states) else self._annotations[j].get("text", "")
                self._draw_annotation(draw, self._annotations[j], str(text or ""))
        return out

    def _draw_annotation(self, draw: ImageDraw.ImageDraw, a: Mapping[str, Any], text: str) -> None:
        """An annotation without arrow, as plotly draws it: text in a box of its bgcolor, `borderpad`
        + `borderwidth` around, anchored at its point in its subplot's domain."""
        box = self.boxes[self._ann_box_key(a) or ""]
        s = self.scale
        font_spec = a.get("font", {})
        lines = re.split(r"<br\s*/?>", re.sub(r"<(?!br)[^>]*>", "", text))
        size = round(float(font_spec.get("size", 12)) * s)
        font = _pil_font(font_spec.get("family", self._font_family), size, "".join(lines))
        ascent, descent = font.getmetrics()
        line_h = float(font_spec.get("size", 12)) * 1.3 * s  # plotly's line spacing
        tw = max(font.getlength(line) for line in lines)
        th = line_h * (len(lines) - 1) + ascent + descent
        pad = (float(a.get("borderpad", 1)) + float(a.get("borderwidth", 1))) * s
        bw, bh = tw + 2 * pad, th + 2 * pad
        x = (box.x + float(a.get("x", 0.5)) * box.w) * s
        y = (box.y + (1 - float(a.get("y", 0.5))) * box.h) * s
        xa, ya = a.get("xanchor", "auto"), a.get("yanchor", "auto")
        left = x if xa == "left" else x - bw if xa == "right" else x - bw / 2
        top = y - bh if ya == "bottom" else y if ya == "top" else y - bh / 2
        bg = a.get("bgcolor")
        if bg and _rgba(bg)[3] > 0:
            draw.rectangle((left, top, left + bw - 1, top + bh - 1), fill=_rgba(bg))
        colour = _rgba(font_spec.get("color", self._font_color))
        for n, line in enumerate(lines):
            lx = left + pad + (tw - font.getlength(line)) * {"left": 0, "right": 1}.get(a.get("align", "center"), 0.5)
            draw.text((lx, top + pad + n * line_h), line, font=font, fill=colour)

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
            return [_("step {n}").format(n=n) for n in names]
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
            and (isinstance(marker.get("angle", 0), (int, float)) or marker.get("angle") is None)
            and marker.get("angleref", "up") in ("up", "previous", None)
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
        if self.mode == "heatmaps":
            return self._draw_counter(self._draw_heatmaps(k), k)
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
        """ "step N" (in the export's language) at the bottom right, where the page shows the slider's value."""
        text = self._counter[k]
        if not text:
            return im
        font = _pil_font(self._font_family, round(self._font_size * self.scale), text)
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
        angle = marker.get("angle")
        previous = marker.get("angleref") == "previous"
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
            # plotly rotates a marker clockwise by its angle; with angleref "previous" the angle points
            # it along the segment from the previous point (an arrow has no angle there and is not drawn)
            theta = math.radians(float(angle)) if isinstance(angle, (int, float)) else None
            if previous:
                dx, dy = (cx - float(px[j - 1]), cy - float(py[j - 1])) if j > 0 else (math.nan, math.nan)
                theta = math.atan2(dx, -dy) if math.isfinite(dx) and math.isfinite(dy) and (dx or dy) else None
            if theta is None and shape == "arrow":
                continue
            c, s_ = (math.cos(theta), math.sin(theta)) if theta else (1.0, 0.0)
            poly = [(a * c - b * s_, a * s_ + b * c) for a, b in _marker_polygon(shape, r)]
            if fill is not None:
                shrink = max(r - _INSET, 0.5) / r
                draw.polygon([(cx + a * shrink, cy + b * shrink) for a, b in poly], fill=fill)
            if outline is not None and ow > 0:
                ring = np.array([(cx + a, cy + b) for a, b in poly])
                _stroke(draw, np.vstack((ring, ring[:2])), outline, ow)
