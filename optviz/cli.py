"""The `optviz` command: start the app, print the version, run the benchmarks, export scenes, sweep grids.

optviz [STREAMLIT ARGS...]   start the app (streamlit run app.py), on localhost by default
optviz --version
optviz bench [kernel|mlp|export|page|sweep] [--steps N]
optviz export SCENE.json ... --format png,svg --out DIR [--lang ko|en]
optviz export --all --out DIR   the lecture deck: every scene's png and gif, and an index.html
                                (--lang ko: every text of it in Korean)
optviz sweep SCENE.json --grid lr=1e-4:1e-1:24:log --grid beta1=0.5:0.99:24 [--seeds N]
             [--dask ADDRESS] --out FILE.csv|FILE.parquet
                                a map: the scene run at every cell of the grid, one row per cell,
                                on this machine's cores or on a Dask cluster (optviz sweep --help)
"""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from pathlib import Path

import optviz

ROOT = Path(__file__).resolve().parent.parent
BENCHES = ("kernel", "mlp", "export", "page", "sweep")


def app_path() -> Path:
    """The app.py shipped beside the package (editable install or source checkout)."""
    p = ROOT / "app.py"
    if not p.is_file():
        raise SystemExit(f"optviz: app.py not found at {p}; install optviz from its repository with `pip install -e .`")
    return p


def launch_app(extra: list[str]) -> int:
    """`streamlit run app.py`, bound to localhost unless the caller passes --server.address."""
    cmd = [sys.executable, "-m", "streamlit", "run", str(app_path())]
    if not any(a.startswith("--server.address") for a in extra):
        cmd += ["--server.address", "localhost"]
    if not any(a.startswith("--browser.gatherUsageStats") for a in extra):
        cmd += ["--browser.gatherUsageStats", "false"]
    if not any(a.startswith("--client.toolbarMode") for a in extra):
        cmd += ["--client.toolbarMode", "viewer"]  # no "Deploy" button in front of a class
    cmd += extra
    print("optviz: starting the app; Streamlit prints the local URL below (Ctrl+C stops it)", flush=True)
    return subprocess.call(cmd, cwd=str(ROOT))


def run_bench(argv: list[str]) -> int:
    """Run benchmarks/<name>.py's main(argv) (default: kernel)."""
    name = argv[0] if argv and not argv[0].startswith("-") else "kernel"
    rest = argv[1:] if argv and not argv[0].startswith("-") else argv
    if name not in BENCHES:
        print(f"optviz bench: benchmark must be one of: {', '.join(BENCHES)}; got {name!r}", file=sys.stderr)
        return 2
    sys.path.insert(0, str(ROOT))
    try:
        mod = importlib.import_module(f"benchmarks.{name}")
    except ModuleNotFoundError:
        print(f"optviz bench: benchmarks/{name}.py not found under {ROOT}", file=sys.stderr)
        return 2
    return int(mod.main(rest) or 0)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `optviz` console script."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] in (["--version"], ["-V"]):
        print(f"optviz {optviz.__version__}")
        return 0
    if argv[:1] in (["-h"], ["--help"], ["help"]):
        print(__doc__)
        return 0
    if argv[:1] == ["bench"]:
        return run_bench(argv[1:])
    if argv[:1] == ["export"]:
        from optviz import export_cli  # heavy (kaleido, imageio): imported only when asked for

        return export_cli.main(argv[1:])
    if argv[:1] == ["sweep"]:
        from optviz import sweep_cli  # pandas and the runs: imported only when asked for

        return sweep_cli.main(argv[1:])
    os.environ.setdefault("STREAMLIT_BROWSER_GATHER_USAGE_STATS", "false")
    return launch_app(argv)


if __name__ == "__main__":
    raise SystemExit(main())
