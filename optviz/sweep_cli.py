"""`optviz sweep`: run a scene over a grid of settings and write the table (CSV or Parquet), headless.

    optviz sweep SCENE.json --grid lr=1e-4:1e-1:24:log --grid beta1=0.5:0.99:24 --out map.parquet
    optviz sweep c31_hyperparameter_search --grid lr=1e-5:1e-2:48:log --grid momentum=0.5:0.99:48 --out c31.csv
    optviz sweep mlp_scene.json --grid lr=1e-3:1:16:log --grid batch_size=8,32,full --seeds 5 --out mlp.csv
    optviz sweep SCENE.json --grid ... --dask tcp://scheduler:8786 --out map.parquet   # on a Dask cluster

The work is done by `optviz.runs.sweep.sweep` (`optviz.sweep` in Python); the file carries the scene,
so the page can load it and draw the map.  Exit status: 0 done, 1 the cluster could not be used
(no dask installed, no scheduler at the address), 2 bad arguments, scene file or grid.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from typing import Any, TextIO

import numpy as np

from optviz.runs.sweep import MLP_SETTINGS, SURFACE_SETTINGS, load_scene, sweep

EPILOG = f"""\
a grid (--grid NAME=VALUES, once per swept setting; the cells are every combination, times the seeds):
  NAME=v1,v2,v3          these values (numbers, true/false, or words such as an init's name)
  NAME=lo:hi:n           n values evenly spaced from lo to hi (whole numbers if lo and hi are)
  NAME=lo:hi:n:log       n values spaced evenly on a log scale

names: surfaces scenes sweep the first optimizer's hyperparameters (lr, beta1, momentum, ...) and
{", ".join(SURFACE_SETTINGS)}; their seeds are noise seeds.  MLP scenes sweep the first optimizer's
hyperparameters and {", ".join(MLP_SETTINGS)} (batch_size=full: the whole training set); their seeds
seed the initial weights, the batches and dropout.  --seeds N: the scene's seed and the N - 1 after it.

--dask ADDRESS runs the cells on an existing Dask cluster (pip install -e ".[dask]"); the table is
the same as without it.
"""


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="optviz sweep",
        description="Run a scene over a grid of settings; write one row per cell to CSV or Parquet.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("scene", metavar="SCENE", help="a scene file (.json) or a shipped scene's name")
    p.add_argument("-g", "--grid", action="append", default=[], metavar="NAME=VALUES", help="a swept setting")
    p.add_argument("--seeds", default="1", metavar="N", help="seeds per cell: a count, or a comma list (default 1)")
    p.add_argument("-o", "--out", required=True, metavar="FILE", help="the table: FILE.csv or FILE.parquet")
    p.add_argument("--dask", default=None, metavar="ADDRESS", help="a Dask scheduler's address (tcp://host:8786)")
    p.add_argument("--chunks", type=int, default=None, help="tasks on the cluster (default: 4 per worker thread)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    return p


_INT = re.compile(r"[+-]?\d+")


def parse_value(text: str) -> Any:
    """'3' -> 3, '0.5' / '1e-3' -> float, 'true' / 'false' -> bool, anything else stays text."""
    t = text.strip()
    if t.lower() in ("true", "false"):
        return t.lower() == "true"
    if _INT.fullmatch(t):
        return int(t)
    try:
        return float(t)
    except ValueError:
        return t


def parse_grid(items: list[str]) -> dict[str, list[Any]]:
    """{name: values} from --grid items (see the epilog); ValueError naming the item otherwise."""
    grid: dict[str, list[Any]] = {}
    for item in items:
        name, sep, spec = item.partition("=")
        name = name.strip()
        if not sep or not name or not spec.strip():
            raise ValueError(f"--grid: expected NAME=VALUES (e.g. lr=1e-4:1e-1:24:log), got {item!r}")
        if name in grid:
            raise ValueError(f"--grid: {name!r} is given twice")
        grid[name] = _values(name, spec)
    if not grid:
        raise ValueError("name at least one --grid NAME=VALUES")
    return grid


def _values(name: str, spec: str) -> list[Any]:
    if ":" not in spec:
        values = [parse_value(v) for v in spec.split(",") if v.strip()]
        if not values:
            raise ValueError(f"--grid {name}: no values in {spec!r}")
        return values
    parts = spec.split(":")
    log = len(parts) == 4 and parts[3].strip().lower() == "log"
    if len(parts) not in (3, 4) or (len(parts) == 4 and not log):
        raise ValueError(f"--grid {name}: a range is lo:hi:n or lo:hi:n:log, got {spec!r}")
    try:
        lo, hi = float(parts[0]), float(parts[1])
        n = int(parts[2])
    except ValueError:
        raise ValueError(f"--grid {name}: lo and hi must be numbers and n a whole number, got {spec!r}") from None
    if not 1 <= n <= 100_000:
        raise ValueError(f"--grid {name}: n must be from 1 to 100,000, got {n}")
    if not (np.isfinite(lo) and np.isfinite(hi)):
        raise ValueError(f"--grid {name}: lo and hi must be finite, got {spec!r}")
    if log and not (lo > 0 and hi > 0):
        raise ValueError(f"--grid {name}: a log range needs lo and hi above 0, got {spec!r}")
    values = np.geomspace(lo, hi, n) if log else np.linspace(lo, hi, n)
    if _INT.fullmatch(parts[0].strip()) and _INT.fullmatch(parts[1].strip()):
        return list(dict.fromkeys(int(round(v)) for v in values))  # whole numbers, each once
    return [float(v) for v in values]


def parse_seeds(text: str) -> int | list[int]:
    try:
        if "," in text:
            return [int(s) for s in text.split(",") if s.strip()]
        return int(text)
    except ValueError:
        raise ValueError(f"--seeds must be a count or a comma list of whole numbers, got {text!r}") from None


class Bar:
    """A one-line progress bar on a terminal, redrawn at most ten times a second; silent otherwise."""

    def __init__(self, stream: TextIO, width: int = 30) -> None:
        self.stream, self.width = stream, width
        self.tty = bool(getattr(stream, "isatty", lambda: False)())
        self.start = self._last = time.monotonic()

    def __call__(self, frac: float) -> None:
        now = time.monotonic()
        if not self.tty or (frac < 1 and now - self._last < 0.1):
            return
        self._last = now
        filled = round(frac * self.width)
        bar = "#" * filled + "-" * (self.width - filled)
        self.stream.write(f"\r[{bar}] {frac:4.0%} {now - self.start:6.1f}s")
        self.stream.flush()

    def finish(self) -> None:
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()


def main(argv: list[str] | None = None) -> int:
    """Run `optviz sweep` with `argv` (without the leading 'sweep'); return the exit status."""
    args = build_parser().parse_args(sys.argv[1:] if argv is None else argv)
    err = sys.stderr

    def fail(msg: str, code: int) -> int:
        err.write(f"optviz sweep: error: {msg}\n")
        return code

    try:
        grid = parse_grid(args.grid)
        seeds = parse_seeds(args.seeds)
        scene = load_scene(args.scene)
        if not args.out.lower().endswith((".csv", ".parquet")):
            raise ValueError(f"--out must end in .csv or .parquet, got {args.out!r}")
    except ValueError as e:
        return fail(str(e), 2)
    client = None
    if args.dask:
        try:
            from dask.distributed import Client  # the optional extra: imported only when asked for
        except ImportError:
            return fail('--dask needs Dask: pip install -e ".[dask]"', 1)
        try:
            client = Client(args.dask, timeout="10s")
        except (OSError, TimeoutError) as e:
            return fail(f"--dask {args.dask}: cannot reach the scheduler: {e}", 1)
    bar = None if args.quiet else Bar(err)
    try:
        result = sweep(scene, grid, seeds=seeds, client=client, chunks=args.chunks, progress=bar)
        path = result.save(args.out)
    except ValueError as e:
        if bar:
            bar.finish()
        return fail(str(e), 2)
    except KeyboardInterrupt:
        if bar:
            bar.finish()
        return fail("interrupted", 130)
    finally:
        if client is not None:
            client.close()
    if bar:
        bar.finish()
    where = f" on {args.dask}" if args.dask else ""
    print(f"{path}: {len(result.table):,} cells in {result.seconds:.1f} s{where}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
