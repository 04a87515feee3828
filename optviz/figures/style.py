"""Figure style shared by both views: typed arrays and `apply_display` (palette: `figures.palette`).

typed_array(a)            a numpy array as plotly's base64 typed-array spec (compact JSON)
apply_display(fig, d)     theme, font size, title and legend from a `Display`, in one place
title_markup(title, d)    a title as drawn: a lecture title marked stale has its mark set off in muted italics
font_family(lang)         the CSS font stack of a language (Korean: a CJK font first, so Hangul never turns to boxes)
speaks_scene(fn)          a builder taking a Scene first draws in the scene's `display.lang`

Language: every text a figure shows goes through `optviz.i18n._` at build time; the public
builders that receive a Scene (or a Display) build inside `use_lang(display.lang)`, so a figure
speaks its scene's language whatever the caller's current language is.
"""

from __future__ import annotations

import base64
import functools
import unicodedata
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import numpy as np
import plotly.graph_objects as go

from optviz.config import Display, Scene
from optviz.config.scene import STALE_SUFFIX, spoken_title
from optviz.figures.contours import contour_png
from optviz.figures.palette import font_px, theme_style
from optviz.i18n import _, use_lang

TYPED_DTYPES = {"f4": "<f4", "f8": "<f8", "i1": "i1", "u1": "u1", "i2": "<i2", "u2": "<u2", "i4": "<i4", "u4": "<u4"}


def typed_array(a: np.ndarray, dtype: str = "f4") -> dict[str, str]:
    """An array as plotly's typed-array spec {dtype, bdata}: a quarter of the JSON of the decimal
    text, and plotly's validators accept it without a per-element pass, which is what keeps
    building ~1 000 frame traces under 30 ms (numpy arrays cost ~0.1 ms each to validate)."""
    arr = np.ascontiguousarray(a, dtype=TYPED_DTYPES[dtype])
    return {"dtype": dtype, "bdata": base64.b64encode(arr.tobytes()).decode()}


def typed_array2(rows: Sequence[Sequence[float]]) -> dict[str, str]:
    """A small 2D float64 array (n rows) as a typed-array spec with its shape."""
    a = np.asarray(rows, dtype=np.float64)
    return {**typed_array(a.ravel(), "f8"), "shape": f"{a.shape[0]},{a.shape[1]}"}


def as_array(v: Any) -> np.ndarray:
    """A figure array (list, numpy array or plotly typed-array spec) as a float64 numpy array."""
    if isinstance(v, dict) and "bdata" in v:
        a = np.frombuffer(base64.b64decode(v["bdata"]), dtype=np.dtype(TYPED_DTYPES[v["dtype"]]))
        if "shape" in v:
            a = a.reshape([int(n) for n in str(v["shape"]).split(",")])
        return a.astype(np.float64)
    return np.asarray(v, dtype=np.float64)


# ----------------------------------------------------------------------------- language and fonts

# Latin first for English; for Korean the CJK font first, so that every glyph (Latin too) comes
# from one face and the exporters' first-installed-font lookup (PIL frames) finds one with Hangul.
# fonts-noto-cjk names it "Noto Sans CJK KR"; "Noto Sans KR" (Google Fonts), Apple SD Gothic Neo
# and Malgun Gothic are the same role on a lecturer's Mac or Windows browser.
_LATIN_FONTS = ("Inter", "'Source Sans Pro'", "'Noto Sans'")
_CJK_FONTS = ("'Noto Sans CJK KR'", "'Noto Sans KR'", "'Apple SD Gothic Neo'", "'Malgun Gothic'")
_GENERIC_FONTS = ("Arial", "sans-serif")


def font_family(lang: str) -> str:
    """The figures' CSS font stack in `lang`: Korean puts a CJK font first; English keeps it as the
    fallback before the generic family, so a Korean title typed on an English page still renders."""
    first, then = (_CJK_FONTS, _LATIN_FONTS) if lang == "ko" else (_LATIN_FONTS, _CJK_FONTS)
    return ", ".join((*first, *then, *_GENERIC_FONTS))


F = TypeVar("F", bound=Callable[..., Any])


def speaks_scene(fn: F) -> F:
    """Decorate a builder whose first argument is a Scene: it builds in `scene.display.lang`."""

    @functools.wraps(fn)
    def wrapper(scene: Scene, *args: Any, **kwargs: Any) -> Any:
        with use_lang(scene.display.lang):
            return fn(scene, *args, **kwargs)

    return wrapper  # type: ignore[return-value]


def text_width(text: str, fs: float) -> float:
    """Estimated width in pixels of `text` at font size `fs`: a Hangul (wide) glyph takes about one
    em, a Latin one a little over half."""
    return sum(fs if unicodedata.east_asian_width(c) in "WF" else fs * 0.56 for c in text)


# ----------------------------------------------------------------------------- display


def title_markup(title: str, display: Display) -> str:
    """The title text as plotly draws it, in the current language (`spoken_title`: a shipped
    lecture title is a catalog message; one the user typed stays as typed).  A shipped lecture
    title whose settings have changed (`optviz.config.scene.shown_scene` appended STALE_SUFFIX)
    keeps its words, and the mark reads apart from them in the theme's muted colour and italics,
    so a slide cannot pass it off as the lecture's claim."""
    if not title.endswith(STALE_SUFFIX):
        return spoken_title(title)
    muted = theme_style(display)["muted"]
    head, mark = spoken_title(title[: -len(STALE_SUFFIX)]), _(STALE_SUFFIX).strip()
    return f"{head} <span style='color:{muted}'><i>{mark}</i></span>"


def _legend_rows(fig: go.Figure, fs: int, width: float) -> int:
    """How many rows the horizontal legend takes (greedy packing of estimated entry widths)."""
    rows, used = 1, 0.0
    for t in fig.data:
        if t.showlegend is False or t.type == "surface" or not t.name:
            continue
        w = text_width(t.name, fs) + 48
        if used and used + w > width:
            rows, used = rows + 1, 0.0
        used += w
    return rows


def _set_margins(fig: go.Figure, display: Display) -> None:
    """Title, legend row(s) and plots stacked top-down in pixels, whatever the font size."""
    meta = fig.layout.meta or {}
    fs = font_px(display)
    has_title = bool(display.show_title and fig.layout.title.text)
    has_legend = display.show_legend and any(
        t.showlegend is not False and t.type != "surface" and t.name for t in fig.data
    )
    title_h = round(fs * 1.35 * 1.25) + 14 if has_title else 0
    horizontal = fig.layout.legend.orientation == "h"
    legend_h = _legend_rows(fig, fs, 1100) * round(fs * 1.55) + 8 if has_legend and horizontal else 0
    top = 10 + title_h + legend_h + (4 if has_legend else 8)
    bottom = int(meta.get("bottom", 50))
    fig.update_layout(margin={"l": 64, "r": 24, "t": top, "b": bottom})
    if has_title:
        fig.update_layout(title={"y": 1.0, "yref": "container", "yanchor": "top", "pad": {"t": 10}})
    plot_h = max((fig.layout.height or 600) - top - bottom, 100)
    if has_legend and fig.layout.legend.orientation == "h":
        fig.update_layout(legend={"y": 1.0 + 4 / plot_h, "yanchor": "bottom", "x": 0.0, "xanchor": "left"})
    # Animation controls sit below the x-axis title, a fixed number of pixels down.
    below = -(round(fs * 2.2) + 34) / plot_h
    for m in fig.layout.updatemenus or ():
        m.y = below
    for sl in fig.layout.sliders or ():
        sl.y = below + 12 / plot_h


def apply_display(fig: go.Figure, display: Display, *, traces_styled: bool = False) -> go.Figure:
    """Apply a `Display` to a figure built here: theme, font size, title text/visibility, legend.

    Idempotent; the exporter may call it again with another display.  Returns the figure.
    traces_styled: the builders style their trace dicts before plotly validates them (much
    cheaper than restyling validated traces) and pass True to skip that part here.
    The title is drawn in `display.lang` and the font stack is that language's (`font_family`).
    """
    with use_lang(display.lang):
        return _apply_display(fig, display, traces_styled=traces_styled)


def _apply_display(fig: go.Figure, display: Display, *, traces_styled: bool) -> go.Figure:
    th = theme_style(display)
    fs = font_px(display)
    meta = dict(fig.layout.meta or {})
    auto = meta.get("auto_title", fig.layout.title.text or "")
    title = title_markup(display.title or auto, display) if display.show_title else ""
    fig.update_layout(
        paper_bgcolor=th["paper"],
        plot_bgcolor=th["plot"],
        font={
            "family": font_family(display.lang),
            "size": fs,
            "color": th["ink"],
        },
        title={"text": title, "font": {"size": round(fs * 1.35), "color": th["ink"]}},
        showlegend=display.show_legend,
        legend={"font": {"size": fs}, "bgcolor": "rgba(0,0,0,0)"},
        hoverlabel={"font": {"size": fs}},
    )
    axis_style = {
        "gridcolor": th["grid"],
        "linecolor": th["muted"],
        "tickcolor": th["muted"],
        "zerolinecolor": th["grid"],
    }
    fig.update_xaxes(showline=True, mirror=False, automargin=True, **axis_style)
    fig.update_yaxes(showline=True, mirror=False, automargin=True, **axis_style)
    if any(t.type in ("surface", "scatter3d") for t in fig.data):
        for ax in ("xaxis", "yaxis", "zaxis"):
            fig.layout.scene[ax].update(backgroundcolor=th["plot"], gridcolor=th["grid"], color=th["ink"])
    for a in fig.layout.annotations or ():
        if a.name == "note":
            a.font = {"size": round(fs * 0.85), "color": th["muted"]}
    for m in fig.layout.updatemenus or ():
        m.update(bgcolor=th["button_bg"], bordercolor=th["grid"], font={"size": fs, "color": th["ink"]})
    for s in fig.layout.sliders or ():
        s.update(
            bgcolor=th["button_bg"],
            bordercolor=th["grid"],
            activebgcolor=th["muted"],
            currentvalue={"font": {"size": fs, "color": th["ink"]}},
        )
    for sh in fig.layout.shapes or ():
        if sh.legendgroup == "contours":
            sh.line = {"color": th["contour_line"], "width": 0.9 if display.theme == "print" else 0.7}
    if meta.get("surface") is not None:
        for im in fig.layout.images or ():
            if im.name == "landscape":
                im.source = contour_png(meta["surface"], tuple(map(tuple, meta["surface_params"])), display.theme)
    if not traces_styled:
        for t in fig.data:
            style_trace(t, display)
    _set_margins(fig, display)
    return fig


def _put(obj: Any, path: str, value: Any) -> None:
    """obj[a][b] = value for a plotly object ("a.b" paths) or a plain dict (created as needed)."""
    if isinstance(obj, dict):
        *head, last = path.split(".")
        for k in head:
            obj = obj.setdefault(k, {})
        obj[last] = value
    else:
        obj[path] = value


def style_trace(t: Any, display: Display) -> None:
    """A trace's theme-dependent style, by its role; works on plotly traces and on trace dicts
    (the builders style their dicts before plotly's validating constructor sees them)."""
    th = theme_style(display)
    meta = t["meta"] if isinstance(t, dict) else t.meta
    role = meta.get("role") if isinstance(meta, dict) else None
    width_scale = th["path_width"] / 2.0
    if role == "surface3d":
        _put(t, "colorscale", th["surface3d"])
    elif role == "landmark":
        filled = meta.get("filled", True)
        _put(t, "marker.color", th["mark_fill"] if filled else th["mark_line"])
        _put(t, "marker.line.color", th["mark_line"] if filled else th["mark_fill"])
    elif role == "start":
        _put(t, "marker.color", th["mark_line"])
        _put(t, "marker.line.color", th["mark_fill"])
        _put(t, "marker.line.width", 2.5)
    elif role in ("path", "loss", "line"):
        _put(t, "line.width", 2.0 * width_scale)
    elif role in ("head", "loss_head", "diverged"):
        _put(t, "marker.line.color", th["paper"])
    elif role == "lookahead":
        _put(t, "line.color", th["ink"])
    elif role in ("contour_legend", "loss_theory_key"):
        _put(t, "line.color", th["muted"])
    elif role == "path3d":
        _put(t, "line.width", 6 * width_scale)
