"""Export benchmark: seconds per format for the default scene, beside the issue's targets.

For each format it times `optviz.export(Scene(), "bench.<fmt>")` as a lecturer meets it:
  alone     a call on its own, Chromium start included (what `optviz export` costs per call)
  shared    the same call in a browser session that is already open (`export_many`, the app)
The default scene is Rosenbrock with 5 optimizers and 1000 steps; gif and mp4 have its 100 frames
(20 fps, 5 s), png is 2x.  The kernel is warmed up first (Numba cache), so the times are the
export's own.  Also printed: Chromium's start alone, the GIF's frames drawn per second, and the
MLP rows: the default MLP scene's decision boundary (figure="boundary", 3 runs, 100 frames) as
gif and mp4, alone (training and the figure included), with the file sizes.

    python benchmarks/export.py [--repeats 1] [--formats png,svg,...]   (or: optviz bench export)
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from optviz import export as E
from optviz import mlp
from optviz.config import MLPConfig, Scene
from optviz.runs.surfaces import run_scene

FORMATS = ("png", "svg", "pdf", "gif", "mp4", "html", "csv")
TARGETS = {"png": 3.0, "svg": 3.0, "pdf": 3.0, "gif": 15.0, "mp4": 15.0}  # seconds, the issue's
MLP_FORMATS = ("gif", "mp4")
MLP_TARGET_S, MLP_TARGET_MB = 15.0, 3.0  # the decision boundary's, for 100 frames
WHAT = {
    "png": "PNG 2x (2560x1440)",
    "svg": "SVG",
    "pdf": "PDF",
    "gif": "GIF, 100 frames, 5 optimizers",
    "mp4": "MP4 H.264, 100 frames",
    "html": "HTML, plotly.js inlined",
    "csv": "CSV",
}


def best(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=1, help="best of N (default 1: each alone run starts Chromium)")
    ap.add_argument("--formats", default=",".join(FORMATS))
    ap.add_argument("--no-mlp", action="store_true", help="skip the MLP decision-boundary rows")
    a = ap.parse_args(argv)
    fmts = E.parse_formats(a.formats)
    scene = Scene()
    run_scene(scene)  # Numba: compile or load the kernel once, outside the timings
    out = Path(tempfile.mkdtemp(prefix="optviz-bench-"))
    browser_needed = any(f in E.BROWSER_FORMATS for f in fmts)
    if browser_needed and E.find_browser() is None:
        print(E.browser_missing_message())
        return 1

    start = best(lambda: E.Browser().open().close(), a.repeats) if browser_needed else float("nan")
    alone, shared = {}, {}
    for fmt in fmts:
        alone[fmt] = best(lambda f=fmt: E.export(scene, out / f"alone.{f}"), a.repeats)
    if browser_needed:
        with E.Browser() as b:
            b.open()
            for fmt in fmts:
                E.export(scene, out / f"warm.{fmt}", browser=b)  # first render of a tab is slower
                shared[fmt] = best(lambda f=fmt: E.export(scene, out / f"shared.{f}", browser=b), a.repeats)
    gif_fps = float("nan")
    if "gif" in fmts and browser_needed:
        with E.Browser() as b:
            anim = E.Animator(E.animated_figure(scene, run_scene(scene), 100, 20), b, scale=1)
            t = time.perf_counter()
            for _ in anim.frames_iter():
                pass
            gif_fps = 100 / (time.perf_counter() - t)

    mlp_rows = {}
    if browser_needed and not a.no_mlp:
        boundary = Scene(view="mlp", mlp=MLPConfig(figure="boundary"))
        mlp.warmup()  # Numba, as for the surfaces
        for fmt in MLP_FORMATS:
            path = out / f"mlp_boundary.{fmt}"
            mlp_rows[fmt] = (best(lambda f=fmt, p=path: E.export(boundary, p, fps=20, seconds=5), a.repeats), path)

    cpus = os.cpu_count()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"Default scene (Rosenbrock, 5 optimizers, 1,000 steps, 16:9); {cpus} CPUs, load average {load:.1f}\n")
    print("| format | alone, incl. Chromium start (s) | in an open session (s) | target (s) | met |")
    print("|---|---:|---:|---:|:---:|")
    for fmt in fmts:
        target = TARGETS.get(fmt)
        sh = f"{shared[fmt]:.2f}" if fmt in shared else "-"
        met = "" if target is None else ("yes" if alone[fmt] <= target else "**no**")
        tgt = f"{target:g}" if target is not None else "-"
        print(f"| {WHAT[fmt]} | {alone[fmt]:.2f} | {sh} | {tgt} | {met} |")
    if mlp_rows:
        print("\nMLP decision boundary (default MLP scene, 3 runs, 100 frames), alone, incl. Chromium and training")
        print("| format | time (s) | size (MB) | target | met |")
        print("|---|---:|---:|---|:---:|")
        for fmt, (secs, path) in mlp_rows.items():
            mb = path.stat().st_size / 1e6
            met = "yes" if secs <= MLP_TARGET_S and mb <= MLP_TARGET_MB else "**no**"
            print(f"| {fmt} | {secs:.2f} | {mb:.2f} | <= {MLP_TARGET_S:g} s, <= {MLP_TARGET_MB:g} MB | {met} |")
    if browser_needed:
        print(f"\nChromium start (kaleido, one tab): {start:.2f} s")
    if gif_fps == gif_fps:
        print(f"Animation frames drawn (Pillow, 4x supersampled): {gif_fps:.0f} frames/s")
    print(f"files in {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
