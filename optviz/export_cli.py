"""`optviz export`: write scene files as pictures, animations, pages and tables, headless.

    optviz export SCENE.json [SCENE2.json ...] --format png,svg,pdf,gif,mp4,html,csv,json --out DIR
                  [--scale 2] [--fps 20] [--seconds 5]
    optviz export momentum_vs_nesterov --format png        # a shipped scene, by its short name
    optviz export --list                                     # the shipped scenes
    optviz export --all --out slides                         # the lecture deck: png, gif, index.html
    optviz export --only c03,c18 --out slides                # part of it
    optviz export --all --lang ko --out slides               # the deck in Korean (every text of every file)

All scenes of one call share one headless Chromium.  Exit status: 0 done, 1 an export could not be
made here (no Chromium or ffmpeg; the other formats are written), 2 bad arguments or scene file.
The work is done by `optviz.export.export_many`.
"""

from __future__ import annotations

import argparse
import html
import json
import sys
import time
from pathlib import Path
from typing import TextIO

from optviz.config.scene import spoken_caption, spoken_title
from optviz.export import (
    FORMATS,
    ExportError,
    concept_number,
    export_many,
    in_language,
    lecture_scenes,
    load_scene,
    parse_formats,
    share_link,
    shipped_scenes,
)
from optviz.i18n import LANG_NAMES, LANGS, _, current_lang, ngettext, use_lang

EPILOG = f"""\
formats: {", ".join(FORMATS)}
  png, svg, pdf   the page's figure as a still (png at --scale x the slide size of the scene's display)
  gif, mp4        its animation: --fps frames a second for --seconds (default: the scene's frames and fps)
  html            a standalone page with the interactive animation, plotly.js inlined: works offline
  csv             one row per optimizer and step: step, optimizer, x, y, loss, lr
  json            the scene itself (a scene file)

a SCENE is a scene file (downloaded from the page, or written by hand) or the short name of a
shipped scene (see --list).  Files are written as DIR/<scene name>.<format>.

--lang ko or --lang en writes every text a person reads (titles, axes, legends, the animation's step
counter, the deck's index.html) in Korean or English; without it each scene speaks its own language
(its display.lang, "en" unless the scene file says "ko").  Korean needs a font with Hangul
(fonts-noto-cjk: `apt-get install -y fonts-noto-cjk`).

png, svg, pdf, gif and mp4 need Chromium (`apt-get install -y chromium`, or set BROWSER_PATH);
mp4 also needs ffmpeg.

examples:
  optviz export --list
  optviz export --all --format png,svg,pdf,gif,mp4,html,csv --out slides
  optviz export momentum_vs_nesterov --format png,gif --out slides
  optviz export lecture1.json lecture2.json --format png,svg,pdf --scale 4 --out slides
  optviz export saddle_with_noise --format mp4 --fps 30 --seconds 8
  optviz export c03_zigzag_bowl --format png,gif --lang ko --out slides_ko
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
        default=None,
        metavar="FORMATS",
        help=f"comma-separated, from: {','.join(FORMATS)} (default: png; with --all or --only: png,gif)",
    )
    p.add_argument("-o", "--out", default=".", metavar="DIR", help="output directory (default: .)")
    p.add_argument("--scale", type=float, default=None, help="pixel density of png (default 2) and gif/mp4 (default 1)")
    p.add_argument("--fps", type=float, default=None, help="animation frames per second, 1-60 (default: the scene's)")
    p.add_argument("--seconds", type=float, default=None, help="animation length (default: the scene's frames / fps)")
    p.add_argument(
        "--lang",
        default=None,
        choices=LANGS,
        help="language of every text in the files: "
        + ", ".join(f"{k} ({LANG_NAMES[k]})" for k in LANGS)
        + " (default: each scene's own display.lang)",
    )
    p.add_argument("--list", action="store_true", help="list the shipped scenes (titles in --lang) and exit")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    add_deck_arguments(p)
    return p


# ---------------------------------------------------------------------------- the lecture deck (--all, --only)

DECK_FORMATS = "png,gif"
DECK_FPS, DECK_SECONDS = 10.0, 3.0  # 30 frames a GIF: the deck's 40 scenes in minutes, not a quarter hour
APP_URL = "http://localhost:8501/"  # where `optviz` serves the app by default (Streamlit's port)


def add_deck_arguments(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group(
        "the lecture deck",
        "--all and --only write each scene's png and gif (default 10 fps x 3 s) and its scene file, and an\n"
        "index.html: per scene its concept number, title, caption, picture, animation, file and share link.",
    )
    g.add_argument(
        "--all",
        action="store_true",
        help="every shipped scene: the concept scenes c01..c31 in lecture order, then the others",
    )
    g.add_argument(
        "--only",
        default=None,
        metavar="NAMES",
        help="only these shipped scenes, by name or prefix, comma-separated (e.g. c03,c18)",
    )
    g.add_argument("--base-url", default=APP_URL, metavar="URL", help=f"the app's address in share links ({APP_URL})")


def deck_scenes(all_: bool, only: str | None) -> list[str]:
    """The shipped scenes of the deck, in lecture order: every one (all_), or those `only` names or prefixes."""
    ordered = [*lecture_scenes(), *(n for n in shipped_scenes() if n not in lecture_scenes())]
    if only is None:
        return ordered if all_ else []
    picked: list[str] = []
    for want in filter(None, (w.strip().removesuffix(".json") for w in only.split(","))):
        hits = [n for n in ordered if n == want or n.startswith(want + "_")] or [
            n for n in ordered if n.startswith(want)
        ]
        if not hits:
            raise ValueError(f"--only: no shipped scene named or starting with {want!r} (see --list)")
        picked += [n for n in hits if n not in picked]
    return [n for n in ordered if n in picked]


def _count(names: list[str]) -> str:
    """'31 concept scenes in the order of the lecture notes, then 10 more scenes.' (current language)"""
    k = sum(concept_number(n) is not None for n in names)
    more = len(names) - k
    text = ngettext(
        "{k} concept scene in the order of the lecture notes", "{k} concept scenes in the order of the lecture notes", k
    ).format(k=k)
    if more:
        text += ngettext(", then {n} more scene", ", then {n} more scenes", more).format(n=more)
    return text + "."


def write_index(out: Path, names: list[str], written: list[Path], base_url: str) -> Path:
    """out/index.html: one section per scene, in deck order, linking every file written for it.

    In the current language (`optviz.i18n`; `main` sets --lang): the page's words, the scenes'
    titles and captions, and the share links, which open the page in that language."""
    lang = current_lang()
    files = {(p.stem, p.suffix.lstrip(".")) for p in written}
    sections = []
    for name in names:
        scene = in_language(load_scene(name), lang)
        k = concept_number(name)
        title = spoken_title(scene.display.title) if scene.display.title else name.replace("_", " ")
        if k is not None:
            title = title.removeprefix(f"C{k} · ")
        label = f"C{k}" if k is not None else "·"
        scene_file, open_it = html.escape(_("scene file")), html.escape(_("open in optviz"))
        links = [
            f'<a href="{html.escape(f"{name}.{fmt}")}">{fmt.upper() if fmt != "json" else scene_file}</a>'
            for fmt in ("gif", "mp4", "svg", "pdf", "html", "csv", "json")
            if (name, fmt) in files
        ]
        links.append(f'<a href="{html.escape(share_link(scene, base_url))}">{open_it}</a>')
        img = f'<img src="{html.escape(name)}.png" alt="{html.escape(title)}">' if (name, "png") in files else ""
        caption = f"<p>{html.escape(spoken_caption(scene.display.caption))}</p>" if scene.display.caption else ""
        sections.append(
            f'<section id="{html.escape(name)}"><h2><span class="k">{label}</span> {html.escape(title)}</h2>'
            f'{caption}{img}<p class="links">{" · ".join(links)}</p></section>'
        )
    deck = html.escape(_("optviz · lecture deck"))
    page = (
        f'<!doctype html>\n<html lang="{lang}"><head><meta charset="utf-8"><title>{deck}</title><style>'
        "body{font-family:Inter,'Noto Sans','Noto Sans CJK KR','Apple SD Gothic Neo','Malgun Gothic',Arial,"
        "sans-serif;max-width:1320px;margin:2rem auto;"
        "padding:0 1rem;color:#1F2430}img{width:100%;border:1px solid #E6E8EC}section{margin:0 0 3rem}"
        ".k{display:inline-block;min-width:3.2rem;color:#0072B2}.links a{margin:0 .2rem}</style></head><body>"
        f"<h1>{deck}</h1><p>{html.escape(_count(names))}</p>\n" + "\n".join(sections) + "\n</body></html>\n"
    )
    path = out / "index.html"
    path.write_text(page, encoding="utf-8")
    return path


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
    """Each shipped scene's name and title (in the current language)."""
    for name, path in shipped_scenes().items():
        try:
            title = json.loads(path.read_text(encoding="utf-8")).get("display", {}).get("title", "")
        except (OSError, ValueError):
            title = ""
        out.write(f"{name:<30} {spoken_title(title) if isinstance(title, str) else ''}\n")


def main(argv: list[str] | None = None) -> int:
    """Run `optviz export` with `argv` (without the leading 'export'); return the exit status."""
    parser = build_parser()
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    err = sys.stderr

    def fail(msg: str, code: int) -> int:
        err.write(f"optviz export: error: {msg}\n")
        return code

    if args.list:
        with use_lang(args.lang or "en"):
            list_scenes(sys.stdout)
        return 0
    try:
        deck = deck_scenes(args.all, args.only)
    except ValueError as e:
        return fail(str(e), 2)
    if deck:
        args.scenes = [*args.scenes, *(n for n in deck if n not in args.scenes)]
    if not args.scenes:
        parser.print_usage(err)
        return fail("name at least one scene file or shipped scene (see --list)", 2)
    try:
        formats = parse_formats(args.format or (DECK_FORMATS if deck else "png"))
    except ValueError as e:
        return fail(str(e), 2)
    if deck and {"gif", "mp4"} & set(formats) and args.fps is None and args.seconds is None:
        args.fps, args.seconds = DECK_FPS, DECK_SECONDS
    index = bool(deck) and bool({"png", "gif"} & set(formats))  # the index shows pictures
    if index and "json" not in formats:
        formats.append("json")  # the index links each scene's file
    bar = None if args.quiet else ProgressBar(err)
    out = Path(args.out)
    try:
        written = export_many(
            args.scenes,
            formats,
            out,
            scale=args.scale,
            fps=args.fps,
            seconds=args.seconds,
            progress=bar,
            lang=args.lang,
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
    if index:
        with use_lang(args.lang or "en"):  # the index speaks --lang (English by default)
            written.append(write_index(out, [n for n in args.scenes if n in deck], written, args.base_url))
    for p in written:
        print(p)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
