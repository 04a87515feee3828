"""`optviz export`: write scene files as pictures, animations, pages and tables, headless.

    optviz export SCENE.json [SCENE2.json ...] --format png,svg,pdf,gif,mp4,html,csv,json --out DIR
                  [--scale 2] [--fps 20] [--seconds 5]
    optviz export momentum_vs_nesterov --format png        # a shipped scene, by its short name
    optviz export --list                                     # the shipped scenes
    optviz export --all --format png,gif --out slides        # every shipped scene

All scenes of one call share one headless Chromium.  Exit status: 0 done, 1 an export could not be
made here (no Chromium or ffmpeg; the other formats are written), 2 bad arguments or scene file.
The work is done by `optviz.export.export_many`.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import TextIO

from optviz.export import (
    FORMATS,
    ExportError,
    export_many,
    parse_formats,
    shipped_scenes,
)

EPILOG = f"""\
formats: {", ".join(FORMATS)}
  png, svg, pdf   the page's figure as a still (png at --scale x the slide size of the scene's display)
  gif, mp4        its animation: --fps frames a second for --seconds (default: the scene's frames and fps)
  html            a standalone page with the interactive animation, plotly.js inlined: works offline
  csv             one row per optimizer and step: step, optimizer, x, y, loss, lr
  json            the scene itself (a scene file)

a SCENE is a scene file (downloaded from the page, or written by hand) or the short name of a
shipped scene (see --list).  Files are written as DIR/<scene name>.<format>.

png, svg, pdf, gif and mp4 need Chromium (`apt-get install -y chromium`, or set BROWSER_PATH);
mp4 also needs ffmpeg.

examples:
  optviz export --list
  optviz export --all --format png,svg,pdf,gif,mp4,html,csv --out slides
  optviz export momentum_vs_nesterov --format png,gif --out slides
  optviz export lecture1.json lecture2.json --format png,svg,pdf --scale 4 --out slides
  optviz export saddle_with_noise --format mp4 --fps 30 --seconds 8
"""


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="optviz export",
        description="Export optviz scenes as pictures, animations, a standalone page, CSV or JSON.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("scenes", nargs="*", metavar="SCENE", help="scene files (.json) or shipped scene names")
    p.add_argument(
        "-f",
        "--format",
        default="png",
        metavar="FORMATS",
        help=f"comma-separated, from: {','.join(FORMATS)} (default: png)",
    )
    p.add_argument("-o", "--out", default=".", metavar="DIR", help="output directory (default: .)")
    p.add_argument("--scale", type=float, default=None, help="pixel density of png (default 2) and gif/mp4 (default 1)")
    p.add_argument("--fps", type=float, default=None, help="animation frames per second, 1-60 (default: the scene's)")
    p.add_argument("--seconds", type=float, default=None, help="animation length (default: the scene's frames / fps)")
    p.add_argument("--list", action="store_true", help="list the shipped scenes and exit")
    p.add_argument("--all", action="store_true", help="export every shipped scene (with any SCENE given)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    return p


class ProgressBar:
    """A one-line text bar on a terminal (redrawn in place); a line per finished file otherwise."""

    def __init__(self, stream: TextIO, width: int = 28) -> None:
        self.stream = stream
        self.width = width
        self.tty = bool(getattr(stream, "isatty", lambda: False)())
        self.start = time.monotonic()
        self._label = ""
        self._last = 0.0

    def __call__(self, done: int, total: int, label: str) -> None:
        if not self.tty:
            if label != self._label and self._label:
                self._line(f"wrote {self._label}")
            self._label = label
            return
        now = time.monotonic()
        if done < total and now - self._last < 0.1 and label == self._label:
            return  # redraw at most ten times a second
        self._label, self._last = label, now
        frac = done / total if total else 1.0
        filled = round(frac * self.width)
        bar = "#" * filled + "-" * (self.width - filled)
        self.stream.write(f"\r[{bar}] {frac:4.0%} {now - self.start:5.1f}s  {label[:40]:<40}")
        self.stream.flush()

    def _line(self, text: str) -> None:
        self.stream.write(text + "\n")
        self.stream.flush()

    def finish(self) -> None:
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()
        elif self._label:
            self._line(f"wrote {self._label}")
            self._label = ""


def list_scenes(out: TextIO) -> None:
    for name, path in shipped_scenes().items():
        try:
            title = json.loads(path.read_text(encoding="utf-8")).get("display", {}).get("title", "")
        except (OSError, ValueError):
            title = ""
        out.write(f"{name:<30} {title}\n")


def main(argv: list[str] | None = None) -> int:
    """Run `optviz export` with `argv` (without the leading 'export'); return the exit status."""
    parser = build_parser()
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    err = sys.stderr

    def fail(msg: str, code: int) -> int:
        err.write(f"optviz export: error: {msg}\n")
        return code

    if args.list:
        list_scenes(sys.stdout)
        return 0
    if args.all:
        args.scenes = [*args.scenes, *(n for n in shipped_scenes() if n not in args.scenes)]
    if not args.scenes:
        parser.print_usage(err)
        return fail("name at least one scene file or shipped scene (see --list)", 2)
    try:
        formats = parse_formats(args.format)
    except ValueError as e:
        return fail(str(e), 2)
    bar = None if args.quiet else ProgressBar(err)
    out = Path(args.out)
    try:
        written = export_many(
            args.scenes, formats, out, scale=args.scale, fps=args.fps, seconds=args.seconds, progress=bar
        )
    except ValueError as e:  # a bad scene file (SceneFileError) or option value
        if bar:
            bar.finish()
        return fail(str(e), 2)
    except ExportError as e:
        if bar:
            bar.finish()
        extra = f" (written: {', '.join(str(p) for p in e.written)})" if e.written else ""
        return fail(f"{e}{extra}", 1)
    except KeyboardInterrupt:
        if bar:
            bar.finish()
        return fail("interrupted", 130)
    if bar:
        bar.finish()
    for p in written:
        print(p)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
