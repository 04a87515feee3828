"""The file writers of the exports: GIF and MP4 from frames, the standalone HTML page, the CSV table.

Each takes what it writes (images, a figure ready for a file, rows) and returns or writes bytes; none
builds a figure or runs a scene.

References: the ffmpeg H.264 encoding guide (yuv420p and even sizes for players), Pillow's GIF
writer (frame deltas), plotly `Figure.to_html` (offline: plotly.js inlined).
"""

from __future__ import annotations

import csv
import io
import math
import os
import shutil
import subprocess
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from optviz.export.browser import ExportError

GIF_HOLD_MS = 1000  # the last GIF frame stays this much longer before the loop restarts


def find_ffmpeg() -> str:
    """The ffmpeg executable ($FFMPEG_BINARY, PATH, imageio's bundled one); ExportError if none."""
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


EXACT_COLOURS = 160  # palette entries kept exact: the most frequent colours of the picture


def gif_palette(picture: Image.Image, colours: int = 255) -> np.ndarray:
    """`colours` RGB entries (uint8, shape (n, 3)) for `picture`: its EXACT_COLOURS most frequent
    colours as they are, the rest chosen by median cut.

    Median cut alone averages each box of colours, so the page's white became (250, 251, 252) and
    every flat area took a tint; the frequent colours (page, plot, heatmap cells, text) are kept
    exact and median cut spends the rest on anti-aliased edges.
    """
    rgb = picture.convert("RGB")
    counts = rgb.getcolors(maxcolors=rgb.width * rgb.height) or []
    counts.sort(key=lambda c: c[0], reverse=True)
    exact = [c for _, c in counts[: min(EXACT_COLOURS, colours)]]
    entries = list(exact)
    if len(counts) > len(exact):
        cut = rgb.quantize(colors=colours - len(exact), method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
        flat = cut.getpalette() or []
        seen = set(exact)
        for i in range(0, min(len(flat), 3 * (colours - len(exact))), 3):
            c = tuple(flat[i : i + 3])
            if c not in seen:
                seen.add(c)
                entries.append(c)
    return np.array(entries[:colours], dtype=np.uint8).reshape(-1, 3)


class _Indexer:
    """RGB frames -> palette indices, each colour to its nearest entry (exact colours exactly).

    Pillow's own remapping (`quantize(palette=...)`) looks colours up in a coarse colour cube and
    missed exact matches: white came out as (251, 251, 251).  Here a table over all 2**24
    colours is filled as colours first appear (a frame brings a few hundred new ones at most).
    """

    UNSET = 255

    def __init__(self, palette: np.ndarray) -> None:
        self.palette = palette.astype(np.int32)
        self.table = np.full(1 << 24, self.UNSET, dtype=np.uint8)
        self._flat = palette.astype(np.uint8).ravel().tolist()
        self._prev: tuple[np.ndarray, np.ndarray] | None = None

    def __call__(self, im: Image.Image) -> Image.Image:
        # RGBX bytes read as little-endian uint32: the colour code r + 256 g + 65536 b, in one pass
        raw = np.asarray(im.convert("RGBX")).view("<u4")[..., 0]
        code = raw & 0xFFFFFF
        prev = self._prev
        if prev is not None and prev[0].shape == code.shape:
            # only the pixels that changed since the previous frame are looked up (a third of the
            # plot areas of a decision-boundary frame, a few lines of a surfaces frame)
            changed = code != prev[0]
            idx = prev[1].copy()
            idx[changed] = self._lookup(code[changed])
        else:
            idx = self._lookup(code.ravel()).reshape(code.shape)
        self._prev = (code, idx)
        out = Image.fromarray(idx, "P")
        out.putpalette(self._flat, "RGB")
        return out

    def _lookup(self, codes: np.ndarray) -> np.ndarray:
        idx = self.table[codes]
        missing = np.unique(codes[idx == self.UNSET])
        if missing.size:
            cols = np.stack((missing & 255, (missing >> 8) & 255, (missing >> 16) & 255), axis=1).astype(np.int32)
            d = ((cols[:, None, :] - self.palette[None, :, :]) ** 2).sum(axis=2)
            self.table[missing] = np.argmin(d, axis=1).astype(np.uint8)
            idx = self.table[codes]
        return idx


def write_gif(frames: Iterable[Image.Image], out: Any, fps: float, palette_from: Image.Image) -> None:
    """Frames to an endlessly looping GIF in `out` (a path or a binary file), the last frame held longer.

    palette_from: a picture holding the colours of the animation (e.g. its first, middle and last
    frames side by side): one palette serves every frame.
    """
    # One palette for all frames: frames then differ only where the picture changed; no
    # dithering, so no shimmer.  255 colours, not 256: the free index lets Pillow's optimizer
    # write the pixels a frame leaves unchanged as transparent, which LZW packs into almost
    # nothing (decision-boundary frames, which change in patches all over their panels: 6.7 ->
    # 1.9 MB for 100 frames).
    index = _Indexer(gif_palette(palette_from))
    quantized = [index(im) for im in frames]
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
        optimize=True,
    )


def write_mp4(frames: Iterable[Image.Image], path: Path, fps: float, size: tuple[int, int]) -> None:
    """Frames of `size` pixels piped to ffmpeg as an H.264 MP4 at `path` (removed again if ffmpeg fails)."""
    w, h = size[0] // 2 * 2, size[1] // 2 * 2  # H.264 in yuv420p needs even sides
    cmd = [
        find_ffmpeg(),
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


def csv_text(columns: Sequence[str], rows: Iterable[Mapping[str, Any]]) -> str:
    """The CSV table: a header of `columns`, then one line per row; floats as repr (exact), NaN empty."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(columns)
    for row in rows:
        w.writerow(
            [
                "" if isinstance(v, float) and math.isnan(v) else (repr(v) if isinstance(v, float) else v)
                for v in (row[c] for c in columns)
            ]
        )
    return buf.getvalue()


HTML_PAGE = """<!DOCTYPE html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
/* The figure fills the window: plotly sizes an autosized figure from its div, so the div, not the
   figure, carries the size (a fixed layout height gave a 450-px strip, plotly's default). */
html, body {{ margin: 0; padding: 0; width: 100%; height: 100%; overflow: hidden; background: {bg}; }}
/* Korean text (a lecture in Korean, lang="ko") needs a font with Hangul: name the usual ones on Linux,
   macOS and Windows before the generic family, so no system falls back to boxes. */
body {{ font-family: {fonts}; }}
#optviz {{ width: 100vw; height: 100vh; }}
</style>
</head>
<body>
{body}
</body>
</html>
"""


# The page's font stack: plotly's default, then a CJK font of each system (the figure names its own).
HTML_FONTS = '"Open Sans", verdana, arial, "Noto Sans CJK KR", "Apple SD Gothic Neo", "Malgun Gothic", sans-serif'


def html_page(fig: Any, title: str, lang: str = "en") -> str:
    """A standalone page of `fig` filling the window: plotly.js inlined, no MathJax, no CDN: it plays offline.

    fig: a figure ready for a file, animation kept.  Its width and height are removed (not set to
    null: plotly.js reads a null height as "given" and falls back to its 450 px default), so that
    plotly autosizes it to the div, which CSS sizes to the window, and again on every resize
    (config responsive).  lang: the page's language ("en" or "ko"), for the browser and screen readers.
    """
    import html

    import plotly.io as pio

    d = fig.to_dict()
    for key in ("width", "height"):
        d["layout"].pop(key, None)
    d["layout"]["autosize"] = True
    body = pio.to_html(
        d,
        include_plotlyjs=True,
        include_mathjax=False,
        full_html=False,
        auto_play=False,
        div_id="optviz",
        default_width="100vw",
        default_height="100vh",
        config={"displaylogo": False, "responsive": True},
        validate=False,
    )
    bg = d["layout"].get("paper_bgcolor") or "white"
    return HTML_PAGE.format(
        title=html.escape(title), bg=html.escape(str(bg)), body=body, lang=html.escape(lang), fonts=HTML_FONTS
    )
