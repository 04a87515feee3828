"""Generate the README's tables of surfaces and optimizers from the registries.

The README holds the generated text between marker comments; `python -m optviz.docs` rewrites
it in place and `tests/test_docs.py` fails when the README and the registries disagree, so the
lists are never typed twice.

The README is the developers' English document: its tables take the registries' English source
texts (the msgids) as they are and never go through the catalog (`optviz.i18n`); the app shows
the same texts translated where a person reads them.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from optviz.optimizers import OPTIMIZERS
from surfaces import SURFACES

BEGIN = "<!-- BEGIN GENERATED: {name} (python -m optviz.docs) -->"
END = "<!-- END GENERATED: {name} -->"


def _fmt(v: float, kind: str) -> str:
    if kind == "bool":
        return "true" if v else "false"
    if kind == "int":
        return str(int(v))
    return f"{v:g}"


def surfaces_markdown() -> str:
    """One row per surface: name, formula, what it shows, its known stationary points."""
    rows = ["| name | surface | f(x, y) | what it teaches | known points |", "|---|---|---|---|---|"]
    for s in SURFACES.values():
        kinds: dict[str, int] = {}
        for p in s.points:
            kinds[p.kind] = kinds.get(p.kind, 0) + 1
        pts = ", ".join(f"{n} × {k}" for k, n in kinds.items())
        formula = s.latex.split("=", 1)[-1].strip().replace("|", r"\|")
        rows.append(f"| `{s.name}` | {s.title} | ${formula}$ | {s.note} | {pts} |")
    return "\n".join(rows)


def optimizers_markdown() -> str:
    """One row per optimizer: name, the algorithm it follows, hyperparameters with defaults."""
    rows = ["| name | follows | hyperparameters [default] |", "|---|---|---|"]
    for o in OPTIMIZERS.values():
        hps = ", ".join(f"`{p.name}` [{_fmt(p.default, p.kind)}]" for p in o.hparams)
        rows.append(f"| `{o.name}` | {o.follows} | {hps} |")
    return "\n".join(rows)


SECTIONS = {"surfaces": surfaces_markdown, "optimizers": optimizers_markdown}


def render(readme: str) -> str:
    """`readme` with every generated section replaced by its current text."""
    for name, fn in SECTIONS.items():
        begin, end = BEGIN.format(name=name), END.format(name=name)
        pattern = re.compile(re.escape(begin) + r".*?" + re.escape(end), re.S)
        if not pattern.search(readme):
            raise ValueError(f"README has no generated section {name!r} (markers {begin} ... {end})")
        readme = pattern.sub(lambda _m, b=begin, e=end, f=fn: f"{b}\n{f()}\n{e}", readme)
    return readme


def main(argv: list[str] | None = None) -> int:
    """Rewrite README.md (or the path given) in place."""
    args = sys.argv[1:] if argv is None else argv
    path = Path(args[0]) if args else Path(__file__).resolve().parent.parent / "README.md"
    path.write_text(render(path.read_text(encoding="utf-8")), encoding="utf-8")
    print(f"updated {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
