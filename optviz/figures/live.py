"""The page's animated figures as compact payloads for the live chart (`optviz.ui.live_chart`).

    fig = scene_figure(scene, results, animate=False, height=680)   # the same builder as the page
    payload = live_payload(fig, frames=scene.display.frames, fps=scene.display.fps)

    fig = decision_boundary_figure(run.results, frames=40, resolution=60)   # the MLP view's
    payload = live_payload_mlp(fig, fps=scene.display.fps)

Why: `st.plotly_chart` re-sends the whole figure on every rerun, 100 animation frames that repeat
the trails included (~1.9 MB of JSON, ~0.9 s per slider move for an engine that takes 2 ms).  The
browser can animate and scrub by itself if it has each run's path once, so the payload splits the
figure in two:

    static   what depends only on the surface, its parameters and the theme: the filled-band PNG
             (layout images), the iso-line path shape and plotly's template.  Its key is a hash of
             its content; the browser caches it by key, and the server sends it only when the
             browser does not have it yet.
    dynamic  the rest of the figure, with the bulky arrays taken out of the traces and sent once
             per run as little-endian float32 in base64 (x, y, plotted loss, and f for the hover
             unless it is the plotted loss plus a constant, sent as `f_offset`),
             downsampled for display to at most `max_points` points per run, plus the animation
             spec (which trace is which run's trail, head, loss line; the steps of the frames; fps).

The figure's invisible click grid (40 x 40 markers: plotly fires no click events on an image) is
dropped: the browser hit-tests a click on the contour axes itself, where the grid was a 1 600-node
SVG layer that every redraw of the plot paid for.

Downsampling keeps every `stride`-th step (an odd stride, as the page's frames: an even one would
hide the alternation of a period-2 zig-zag), the first and last step, the last step inside the plot
of a run that diverged, and the step of every animation frame, so a "now" marker always sits on a
real point.  The first and last point of each run also travel as exact float64.  Exports keep
working from the full results; this is for the screen only.

The MLP view's decision boundary (`live_payload_mlp`) splits the same way: static = its layout, the
heatmaps' grid and the data points; dynamic = per panel the frames' class/confidence codes (uint8,
one byte a cell) deflated and in base64, the frame labels (steps) and the annotations whose text
changes over the frames (the accuracy in each panel's corner).  `dynamic["kind"]` ("surfaces" or
"mlp") tells the one JS player which mode to run.

Pure: numpy and plotly only (no streamlit).  It reads the figure through the `meta.role` of its
traces and the figure's frames (the contract the browser tests use too), so it follows the
builders' styling, legends, themes and landmarks without drawing anything itself.
"""

from __future__ import annotations

import base64
import hashlib
import json
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import plotly.graph_objects as go

from optviz.figures.style import as_array
from optviz.figures.surfaces import frame_indices

DROPPED_ROLES = ("click_grid",)  # traces the browser does without (it hit-tests clicks itself)
FLOAT32_MAX = 3.0e38


@dataclass(frozen=True)
class LivePayload:
    """What the live chart needs: a cacheable static part under its key and the per-rerun rest."""

    static_key: str
    static: dict[str, Any]
    dynamic: dict[str, Any]

    def static_json(self) -> str:
        return _dumps(self.static)

    def dynamic_json(self) -> str:
        return _dumps(self.dynamic)


def _jsonable(v: Any) -> Any:
    if isinstance(v, np.ndarray):
        return v.tolist()
    if isinstance(v, np.generic):
        return v.item()
    raise TypeError(f"not JSON serializable: {type(v).__name__}")


def _dumps(obj: Any) -> str:
    # Compact separators: the payload budget is counted in bytes on the wire.
    return json.dumps(obj, separators=(",", ":"), default=_jsonable, allow_nan=False)


def encode_f32(a: np.ndarray) -> str:
    """A float array as base64 of its little-endian float32 bytes (what the browser decodes into a
    Float32Array).  Values beyond float32's range are clipped rather than turned into infinities."""
    arr = np.clip(np.asarray(a, dtype=np.float64), -FLOAT32_MAX, FLOAT32_MAX).astype("<f4")
    return base64.b64encode(arr.tobytes()).decode("ascii")


def decode_f32(s: str) -> np.ndarray:
    """The inverse of `encode_f32`, as float64 (the browser also widens to a Float64Array)."""
    return np.frombuffer(base64.b64decode(s), dtype="<f4").astype(np.float64)


def kept_steps(n: int, stride: int, extra: list[int] | tuple[int, ...]) -> np.ndarray:
    """The path indices a run keeps: every `stride`-th of 0..n-1, plus `extra` and n-1, sorted.

    The browser expands the same (n, stride, extra) triple the same way (`keptSteps` in
    live_chart.js), so the steps themselves never travel.
    """
    base = np.arange(0, n, stride, dtype=np.int64)
    more = np.asarray([*extra, n - 1], dtype=np.int64)
    return np.union1d(base, more[(more >= 0) & (more < n)])


def _pick_stride(n: int, extra: np.ndarray, max_points: int) -> int:
    """An odd stride whose kept points, with the extras, fit in max_points: the first odd stride
    from an estimate up (one or two tries, where counting up from 1 would take ~50 for 100 000 steps)."""
    if len(kept_steps(n, 1, extra.tolist())) <= max_points:
        return 1
    s = max(3, int(np.ceil(n / max(max_points - len(extra) - 1, 1))) | 1)
    while len(kept_steps(n, s, extra.tolist())) > max_points:
        s += 2
    return s


def _last_inside(x: np.ndarray, y: np.ndarray, xr: list[float], yr: list[float]) -> int | None:
    inside = (x >= min(xr)) & (x <= max(xr)) & (y >= min(yr)) & (y <= max(yr))
    idx = np.flatnonzero(inside)
    return int(idx[-1]) if idx.size and idx[-1] != len(x) - 1 else None


def _f_or_offset(f: np.ndarray, loss: np.ndarray) -> dict[str, Any]:
    """The hover's f per kept point: {"f_offset": c} when f is the plotted loss plus a constant (f - f*
    on the log axis, or f itself) to float32's precision, so the browser adds c to the loss it has
    (a quarter of the run's bytes saved); else {"f": encoded f} (a clipped or shifted loss axis)."""
    with np.errstate(invalid="ignore", over="ignore"):
        d = f - loss
        scale = np.maximum(np.abs(f), np.abs(loss))
        for c in (0.0, float(np.median(d)) if d.size else 0.0):  # f* = 0 exactly, else the typical shift
            if np.isfinite(c) and bool(np.all(np.abs(d - c) <= 1e-6 * scale + 1e-30)):
                return {"f_offset": c}
    return {"f": encode_f32(f)}


def _exact(*values: float) -> list[float]:
    return [float(np.clip(v, -1e308, 1e308)) for v in values]


def live_payload(fig: go.Figure, *, frames: int = 100, fps: int = 20, max_points: int = 2000) -> LivePayload:
    """Split a main figure (built with animate=False) into a `LivePayload`.

    fig: the page's contour + loss figure (`scene_figure(..., animate=False)`): traces with
        meta.role "path" / "loss" (meta.index = the run), "head" / "loss_head" (one point per
        run), optional "lookahead_path" / "lookahead" (Nesterov's textbook iterate), and the
        "click_grid" (dropped); layout images and shapes hold the surface.
    frames, fps: the animation (the scene's display.frames and display.fps).
    max_points: display points per run, at least frames + 10.
    """
    if frames < 1:
        raise ValueError(f"frames must be >= 1, got {frames!r}")
    if fps < 1:
        raise ValueError(f"fps must be >= 1, got {fps!r}")
    if max_points < frames + 10:
        raise ValueError(f"max_points must be at least frames + 10 = {frames + 10}, got {max_points!r}")
    d = fig.to_plotly_json()
    layout: dict[str, Any] = d["layout"]
    data: list[dict[str, Any]] = [t for t in d["data"] if (t.get("meta") or {}).get("role") not in DROPPED_ROLES]

    static: dict[str, Any] = {
        "images": layout.pop("images", []),
        "shapes": layout.pop("shapes", []),
        "template": layout.pop("template", None),
    }
    roles = [(t.get("meta") or {}).get("role") for t in data]
    # runs by meta.index; the path trace holds x, y and (step, f) per point
    paths = {t["meta"]["index"]: i for i, t in enumerate(data) if roles[i] == "path"}
    losses = {t["meta"]["index"]: i for i, t in enumerate(data) if roles[i] == "loss"}
    # a second point sequence of a run, drawn dotted beside its path: Nesterov's textbook iterate
    # (with the look-ahead arrows) or Schedule-Free's y (the gradient's point, no arrows)
    thetas = {t["meta"]["index"]: i for i, t in enumerate(data) if roles[i] in ("lookahead_path", "gradient_path")}
    arrows = [t["meta"]["index"] for i, t in enumerate(data) if roles[i] == "lookahead_path"]
    xr = list(layout.get("xaxis", {}).get("range") or [-np.inf, np.inf])
    yr = list(layout.get("yaxis", {}).get("range") or [-np.inf, np.inf])

    lengths = {k: len(as_array(data[i]["x"])) for k, i in paths.items()}
    n_max = max(lengths.values(), default=1)
    frame_steps = frame_indices(n_max, frames)

    runs = []
    for k in sorted(paths):
        tp = data[paths[k]]
        x, y = as_array(tp.pop("x")), as_array(tp.pop("y"))
        cd = as_array(tp.pop("customdata")).reshape(len(x), -1)
        f = cd[:, 1]
        loss = as_array(data[losses[k]]["y"]) if k in losses else f
        n = len(x)
        extra = np.unique(np.minimum(frame_steps, n - 1))
        out = _last_inside(x, y, xr, yr)
        if out is not None:
            extra = np.union1d(extra, [out])
        stride = _pick_stride(n, extra, max_points)
        keep = kept_steps(n, stride, extra.tolist())
        run: dict[str, Any] = {
            "index": k,
            "n": n,
            "stride": stride,
            "extra": extra.tolist(),
            "x": encode_f32(x[keep]),
            "y": encode_f32(y[keep]),
            "loss": encode_f32(loss[keep]),
            **_f_or_offset(f[keep], loss[keep]),
            "first": _exact(x[0], y[0], loss[0]),
            "last": _exact(x[-1], y[-1], loss[-1]),
        }
        if k in thetas:
            tt = data[thetas[k]]
            tx, ty = as_array(tt.pop("x")), as_array(tt.pop("y"))
            run["theta"] = {"x": encode_f32(tx[keep]), "y": encode_f32(ty[keep]), "first": _exact(tx[0], ty[0])}
            run["theta"]["last"] = _exact(tx[-1], ty[-1])
        runs.append(run)
    for i in losses.values():
        for a in ("x", "y", "x0", "dx"):
            data[i].pop(a, None)
    static_key = hashlib.sha256(_dumps(static).encode()).hexdigest()[:20]

    # A click sets the start point: the browser reports it itself, so plotly's selection (which
    # dims the other points and sticks across reruns) is not wanted.
    layout["clickmode"] = "event"

    def first(role: str) -> int | None:
        return next((i for i, r in enumerate(roles) if r == role), None)

    anim = {
        "fps": int(fps),
        "frame_steps": frame_steps.tolist(),
        "trails": [[paths[k], k] for k in sorted(paths)],
        "loss_lines": [[losses[k], k] for k in sorted(losses)],
        "theta_trails": [[thetas[k], k] for k in sorted(thetas)],
        "arrow_runs": sorted(arrows),  # the runs whose look-ahead arrow the "lookahead" trace draws
        "head": first("head"),
        "loss_head": first("loss_head"),
        "lookahead": first("lookahead"),
    }
    # What is left of the figure is small (~8 kB): a JSON round trip turns its numpy scalars and
    # arrays into plain values, so the payload is JSON as it stands (Streamlit json.dumps it as is).
    dynamic = {
        "kind": "surfaces",
        "data": json.loads(_dumps(data)),
        "layout": json.loads(_dumps(layout)),
        "runs": runs,
        "anim": anim,
    }
    return LivePayload(static_key=static_key, static=static, dynamic=dynamic)


def encode_u8(a: np.ndarray) -> str:
    """Integer codes 0..255 as base64 of their bytes deflated (zlib format, what the browser's
    DecompressionStream("deflate") reads).  Why deflate: a decision map is large areas of one code,
    and the same rows come back frame after frame; 3 panels x 40 frames of 60 x 60 cells are 576 kB
    in plain base64 and ~104 kB deflated (measured; a frame-to-frame delta first would save another
    20 %, not worth a second decoding step)."""
    arr = np.asarray(a)
    if arr.size and (not np.issubdtype(arr.dtype, np.integer) or arr.min() < 0 or arr.max() > 255):
        raise ValueError(f"encode_u8 takes integer codes from 0 to 255, got {arr.dtype} in [{arr.min()}, {arr.max()}]")
    return base64.b64encode(zlib.compress(arr.astype(np.uint8).tobytes(), 9)).decode("ascii")


def decode_u8(s: str) -> np.ndarray:
    """The inverse of `encode_u8`, flat."""
    return np.frombuffer(zlib.decompress(base64.b64decode(s)), dtype=np.uint8)


STEP_MARKER = "optviz_step"  # the name of the companion's vertical lines that follow the frame


def companion_json(fig: go.Figure) -> dict[str, Any]:
    """A figure drawn under the animation whose step it follows (the MLP's loss and accuracy curves):
    its JSON (plotly's typed arrays kept) with one vertical line per x axis, named `STEP_MARKER`, that
    the player moves to the frame's step."""
    d = json.loads(fig.to_json())
    d.pop("frames", None)
    layout = d.setdefault("layout", {})
    axes = sorted(k for k in layout if k.startswith("xaxis")) or ["xaxis"]
    marks = []
    for ax in axes:
        xref = "x" + ax[5:]
        yref = str((layout.get(ax) or {}).get("anchor") or "y" + ax[5:])
        marks.append(
            {
                "type": "line",
                "name": STEP_MARKER,
                "xref": xref,
                "yref": f"{yref} domain",
                "x0": None,
                "x1": None,
                "y0": 0,
                "y1": 1,
                "line": {"color": "rgba(91, 98, 114, 0.7)", "width": 2},
                "visible": False,
            }
        )
    layout["shapes"] = [*(layout.get("shapes") or []), *marks]
    return d


def live_payload_mlp(
    fig: go.Figure,
    *,
    fps: int = 20,
    companion: go.Figure | None = None,
    frames: Sequence[dict[str, Any]] | None = None,
) -> LivePayload:
    """Split the MLP view's decision-boundary figure into a `LivePayload` (`dynamic["kind"] == "mlp"`).

    fig: `optviz.figures.mlp.decision_boundary_figure(...)` (or `mlp_figure(..., "boundary")`):
        one heatmap per panel whose z every frame replaces (the frames' `traces`), scatter traces
        of the data, annotations (panel titles, the accuracy in each corner) that the frames
        rewrite, and plotly's own play button and slider, which the live chart's player replaces.
    fps: frames per second at 1x speed.
    companion: a figure drawn under the player whose step lines follow the frame (`companion_json`):
        the training curves, so that the loss and accuracy move with the boundary.
    frames: the frames as plain dicts when `fig` has none (`optviz.figures.mlp.boundary_live`: the
        page's, which plotly need not validate); the same payload as from the figure with them.

    static: {"data": the traces without the heatmaps' z, "layout": without annotations, sliders
    and play buttons}.  dynamic: {"kind", "annotations": the final ones, "texts": {annotation
    index: its text per frame} for those that change, "panels": [{"trace", "ny", "nx", "z":
    encode_u8 of the (frames, ny, nx) codes}], "anim": {"fps", "labels": frame names, "prefix"}}.
    """
    if fps < 1:
        raise ValueError(f"fps must be >= 1, got {fps!r}")
    d = fig.to_plotly_json()
    frames = list(d.get("frames") or []) if frames is None else list(frames)
    if not frames:
        raise ValueError("the figure has no frames: build it with decision_boundary_figure(..., frames >= 2)")
    heat = [int(t) for t in frames[0].get("traces") or []]
    if not heat or any([int(t) for t in f.get("traces") or []] != heat for f in frames):
        raise ValueError("every frame must update the same heatmap traces (frame['traces'])")
    layout: dict[str, Any] = d["layout"]
    data: list[dict[str, Any]] = d["data"]
    sliders = layout.pop("sliders", None) or [{}]
    prefix = str((sliders[0].get("currentvalue") or {}).get("prefix", ""))
    layout.pop("updatemenus", None)  # plotly's play / pause: the player's bar does that
    annotations = list(layout.pop("annotations", None) or [])

    # An annotation whose text differs between frames travels as a text per frame; the rest once.
    texts: dict[str, list[str]] = {}
    per_frame = [(f.get("layout") or {}).get("annotations") for f in frames]
    if all(a is not None and len(a) == len(annotations) for a in per_frame):
        for i in range(len(annotations)):
            col = [str(a[i].get("text", "")) for a in per_frame]
            if len(set(col)) > 1:
                texts[str(i)] = col

    panels = []
    for pos, t in enumerate(heat):
        # a frame's z is a numpy array or plotly's typed-array spec, depending on how it was built
        z = np.stack([as_array(f["data"][pos]["z"]) for f in frames])
        if z.ndim != 3:
            raise ValueError(f"heatmap {t}: expected a 2-D z per frame, got shape {z.shape[1:]}")
        if not np.array_equal(z, np.round(z)):
            raise ValueError(f"heatmap {t}: z must hold integer codes (decision_boundary_figure's uint8)")
        data[t].pop("z", None)
        panels.append({"trace": t, "ny": int(z.shape[1]), "nx": int(z.shape[2]), "z": encode_u8(z.astype(np.int64))})

    static = json.loads(_dumps({"data": data, "layout": layout}))
    static_key = hashlib.sha256(_dumps(static).encode()).hexdigest()[:20]
    anim = {"fps": int(fps), "labels": [str(f.get("name", i)) for i, f in enumerate(frames)], "prefix": prefix}
    dynamic = {
        "kind": "mlp",
        "annotations": json.loads(_dumps(annotations)),
        "texts": texts,
        "panels": panels,
        "anim": anim,
    }
    if companion is not None:
        dynamic["companion"] = companion_json(companion)
    return LivePayload(static_key=static_key, static=static, dynamic=dynamic)


def decode_panels(dynamic: dict[str, Any]) -> list[np.ndarray]:
    """The MLP payload's heatmap codes decoded as the browser does: per panel a (frames, ny, nx)
    uint8 array (frame j of panel k is what the browser sets as that heatmap's z)."""
    n = len(dynamic["anim"]["labels"])
    return [decode_u8(p["z"]).reshape(n, p["ny"], p["nx"]) for p in dynamic["panels"]]


def decode_run(run: dict[str, Any]) -> dict[str, np.ndarray]:
    """One run of `dynamic["runs"]` decoded as the browser does: its kept steps and float64 arrays
    widened from float32, with the first and last point replaced by their exact values."""
    steps = kept_steps(run["n"], run["stride"], run["extra"])
    out = {"steps": steps}
    for name, col in (("x", 0), ("y", 1), ("loss", 2)):
        a = decode_f32(run[name])
        a[0], a[-1] = run["first"][col], run["last"][col]
        out[name] = a
    out["f"] = decode_f32(run["f"]) if "f" in run else out["loss"] + run["f_offset"]
    if "theta" in run:
        for name, col in (("x", 0), ("y", 1)):
            a = decode_f32(run["theta"][name])
            a[0], a[-1] = run["theta"]["first"][col], run["theta"]["last"][col]
            out[f"theta_{name}"] = a
    return out


__all__ = [
    "LivePayload",
    "decode_f32",
    "decode_panels",
    "decode_run",
    "decode_u8",
    "encode_f32",
    "encode_u8",
    "kept_steps",
    "live_payload",
    "live_payload_mlp",
    "companion_json",
    "STEP_MARKER",
]
