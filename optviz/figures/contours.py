"""The surface's contours, drawn once per surface: levels, iso-lines and the filled-band raster.

    c = surface_contours("rosenbrock", ())    # cached: a surface changes far less often than a slider
    c.levels, c.spacing               # log-spaced levels of f - f* where the surface asks for it
    c.svg_path                        # the iso-lines as ONE SVG path (a layout shape, not a trace)
    contour_png(surface, params, theme)   # the filled bands as a palette-PNG data URI

Marching squares on a CONTOUR_GRID x CONTOUR_GRID grid; the bands are an IMAGE_PX raster.  Why
layout and not a plotly contour trace: see `optviz.figures.surfaces`.
"""

from __future__ import annotations

import base64
import collections
import functools
import io
import math
from dataclasses import dataclass

import numpy as np
from PIL import Image

from optviz.figures.palette import THEMES, scale_rgb
from optviz.i18n import _
from surfaces import Surface, get_surface

CONTOUR_GRID = 200  # iso-line grid (200 x 200, as the budget assumes)
IMAGE_PX = 600  # long side of the filled-band raster under the iso-lines


def lowest_minimum(surf: Surface) -> float | None:
    """The lowest known minimum value, or None for surfaces without a minimum."""
    return min(p.f for p in surf.minima) if surf.minima else None


@dataclass(frozen=True)
class Contours:
    """A surface's contour levels, iso-lines and filled-band raster, computed once per surface.

    spacing: "log" (levels evenly spaced in log10(f - f_base), for values over many decades),
        "sqrt" (evenly spaced in sqrt(f - f_base), for convex surfaces: the ellipses of a quadratic
        come out evenly spaced) or "linear" (evenly spaced in f).
    levels: contour levels in those transformed units.
    seg_x, seg_y: float32 iso-line segments of every level, NaN-separated.
    svg_path: the same iso-lines joined into polylines, as an SVG path for a plotly path shape.
    bands: uint8 (H, W) band index per pixel (row 0 at the top), 0 below levels[0].
    """

    levels: np.ndarray
    spacing: str
    f_base: float
    seg_x: np.ndarray
    seg_y: np.ndarray
    bands: np.ndarray
    svg_path: str = ""

    @property
    def log(self) -> bool:
        return self.spacing == "log"

    def transform(self, f: np.ndarray) -> np.ndarray:
        """f in the units the levels are evenly spaced in (the log is floored at the lowest level)."""
        f = np.asarray(f, dtype=np.float64)
        if self.spacing == "log":
            return np.log10(np.maximum(f - self.f_base, 10.0 ** self.levels[0]))
        if self.spacing == "sqrt":
            return np.sqrt(np.maximum(f - self.f_base, 0.0))
        return f

    @property
    def label(self) -> str:
        """The legend's name of the iso-lines, in the current language (`optviz.i18n`)."""
        if self.spacing == "log":
            return _("contours of f − f* (log-spaced)") if self.f_base else _("contours of f (log-spaced)")
        return _("contours of f (square-root spaced)") if self.spacing == "sqrt" else _("contours of f")


def _nice_step(span: float, n: int) -> float:
    raw = span / n
    mag = 10.0 ** math.floor(math.log10(raw))
    return min((m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw), default=10 * mag)


def _levels(surf: Surface, z: np.ndarray) -> tuple[np.ndarray, str, float]:
    """Contour levels for the grid values z, their spacing and the base value subtracted."""
    f_star = lowest_minimum(surf)
    if surf.log_levels:
        base = f_star if f_star is not None else float(np.min(z))
        d = z - base
        top = float(np.log10(max(float(np.max(d)), 1e-300)))
        positive = d[d > 0]
        low = float(np.log10(np.min(positive))) if positive.size else top - 6
        start = math.floor(max(low, top - 7))
        end = math.ceil(top)
        size = 0.25 if end - start <= 4 else 0.5 if end - start <= 9 else 1.0
        return np.arange(start, end + size / 2, size), "log", base
    if surf.convex and f_star is not None:
        r = np.sqrt(np.maximum(z - f_star, 0.0))
        step = _nice_step(max(float(np.max(r)), 1e-12), 18)
        return np.arange(step, float(np.max(r)), step), "sqrt", f_star
    lo, hi = float(np.min(z)), float(np.max(z))
    step = _nice_step(max(hi - lo, 1e-12), 20)
    first = math.floor(lo / step) * step
    return np.arange(first + step, hi, step), "linear", 0.0


def _iso_segments(xs: np.ndarray, ys: np.ndarray, z: np.ndarray, level: float) -> np.ndarray:
    """Marching squares: the (m, 4) segments (x0, y0, x1, y1) of the iso-line z = level.

    z[i, j] = f(xs[j], ys[i]).  A cell with four crossings (a saddle cell) is split by the value at
    its centre, so neighbouring cells join up.
    """
    above = z > level
    with np.errstate(divide="ignore", invalid="ignore"):
        th = (level - z[:, :-1]) / (z[:, 1:] - z[:, :-1])
        tv = (level - z[:-1, :]) / (z[1:, :] - z[:-1, :])
    hx = xs[None, :-1] + th * np.diff(xs)[None, :]
    hy = np.broadcast_to(ys[:, None], hx.shape)
    vy = ys[:-1, None] + tv * np.diff(ys)[:, None]
    vx = np.broadcast_to(xs[None, :], vy.shape)
    ch = above[:, :-1] != above[:, 1:]
    cv = above[:-1, :] != above[1:, :]
    # the four edges of every cell: bottom, right, top, left
    edges = (
        (ch[:-1], hx[:-1], hy[:-1]),
        (cv[:, 1:], vx[:, 1:], vy[:, 1:]),
        (ch[1:], hx[1:], hy[1:]),
        (cv[:, :-1], vx[:, :-1], vy[:, :-1]),
    )
    count = sum(e[0].astype(np.int8) for e in edges)
    out = []
    two = count == 2
    if two.any():
        cross = np.stack([e[0][two] for e in edges], axis=1)
        ex = np.stack([e[1][two] for e in edges], axis=1)
        ey = np.stack([e[2][two] for e in edges], axis=1)
        rows = np.arange(cross.shape[0])
        first = np.argmax(cross, axis=1)
        cross[rows, first] = False
        second = np.argmax(cross, axis=1)
        out.append(np.column_stack([ex[rows, first], ey[rows, first], ex[rows, second], ey[rows, second]]))
    four = count == 4
    if four.any():
        ex = [e[1][four] for e in edges]
        ey = [e[2][four] for e in edges]
        centre = (z[:-1, :-1] + z[:-1, 1:] + z[1:, :-1] + z[1:, 1:])[four] / 4.0 > level
        same = centre == above[:-1, :-1][four]
        # centre joins corner (i, j) with the opposite corner: cut off the other two corners
        pairs = ((0, 1), (2, 3)), ((0, 3), (1, 2))
        for (a1, b1), (a2, b2) in zip(*pairs):
            pa = np.where(same, a1, a2)
            pb = np.where(same, b1, b2)
            k = np.arange(len(pa))
            exs, eys = np.stack(ex, 1), np.stack(ey, 1)
            out.append(np.column_stack([exs[k, pa], eys[k, pa], exs[k, pb], eys[k, pb]]))
    return np.concatenate(out) if out else np.zeros((0, 4))


def _svg_polylines(seg: np.ndarray) -> str:
    """Join one level's segments into polylines (neighbouring cells compute the very same crossing
    point on their shared edge, so ends match exactly) and write them as SVG path commands."""
    ends: dict[tuple[float, float], list[int]] = {}
    rows = seg.tolist()
    for i, (a, b, c, d) in enumerate(rows):
        ends.setdefault((a, b), []).append(i)
        ends.setdefault((c, d), []).append(i)
    used = bytearray(len(rows))
    out = []
    for i, (a, b, c, d) in enumerate(rows):
        if used[i]:
            continue
        used[i] = 1
        line = collections.deque([(a, b), (c, d)])
        for forward in (True, False):
            while True:
                p = line[-1] if forward else line[0]
                nxt = next((j for j in ends[p] if not used[j]), None)
                if nxt is None:
                    break
                used[nxt] = 1
                r = rows[nxt]
                q = (r[2], r[3]) if (r[0], r[1]) == p else (r[0], r[1])
                line.append(q) if forward else line.appendleft(q)
        out.append("M" + "L".join(f"{x:.5g},{y:.5g}" for x, y in line))
    return "".join(out)


@functools.lru_cache(maxsize=32)
def surface_contours(surface: str, surface_params: tuple[tuple[str, float], ...] = ()) -> Contours:
    """Contour levels, iso-lines (on a CONTOUR_GRID x CONTOUR_GRID grid) and the band raster of a
    surface; cached, since a surface changes far less often than an optimizer slider."""
    surf = get_surface(surface)
    sp = dict(surface_params)
    xs, ys, z = surf.grid(CONTOUR_GRID, **sp)
    levels, spacing, base = _levels(surf, z)
    land = Contours(levels, spacing, base, np.zeros(0, np.float32), np.zeros(0, np.float32), np.zeros((1, 1), np.uint8))
    zt = land.transform(z)
    segs = [_iso_segments(xs, ys, zt, float(v)) for v in levels]
    seg = np.concatenate(segs) if segs else np.zeros((0, 4))
    pts = np.full((len(seg), 3, 2), np.nan, dtype=np.float32)
    pts[:, 0] = seg[:, :2]
    pts[:, 1] = seg[:, 2:]
    (x0, x1), (y0, y1) = surf.bounds
    w, h = (IMAGE_PX, round(IMAGE_PX * (y1 - y0) / (x1 - x0)))
    if h > IMAGE_PX:
        w, h = round(IMAGE_PX * (x1 - x0) / (y1 - y0)), IMAGE_PX
    px = x0 + (np.arange(w) + 0.5) * (x1 - x0) / w
    py = y1 - (np.arange(h) + 0.5) * (y1 - y0) / h
    bands = np.searchsorted(levels, land.transform(surf.f(px[None, :], py[:, None], **sp)), side="right")
    svg = "".join(_svg_polylines(sg) for sg in segs)
    return Contours(levels, spacing, base, pts[:, :, 0].ravel(), pts[:, :, 1].ravel(), bands.astype(np.uint8), svg)


@functools.lru_cache(maxsize=64)
def contour_png(surface: str, surface_params: tuple[tuple[str, float], ...], theme: str) -> str:
    """The filled bands of `landscape` as a PNG data URI in the theme's colours (palette PNG: a few
    kB, since bands are long runs of one colour)."""
    land = surface_contours(surface, surface_params)
    n = len(land.levels) + 1
    colors = scale_rgb(THEMES[theme]["contour"], np.arange(n) / max(n - 1, 1))
    img = Image.fromarray(land.bands, mode="P")
    img.putpalette(colors.ravel().tolist())
    buf = io.BytesIO()
    img.save(buf, format="PNG", compress_level=6)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()
