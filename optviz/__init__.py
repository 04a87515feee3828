"""optviz: watch deep-learning optimizers move over 2D test surfaces and train a tiny MLP.

    import optviz
    r = optviz.run("rosenbrock", "adam", start=(-1.5, 2.0), steps=500, lr=1e-3)
    r.path, r.loss, r.lr, r.diverged_at

`SURFACES` and `OPTIMIZERS` are the registries the app and the docs are generated from.
"""

from optviz.api import MAX_STEPS, Result, compare, run, suggest_lr, warmup
from optviz.optimizers import OPTIMIZERS, HParam, Optimizer
from optviz.schedules import SCHEDULE_NAMES, Schedule
from surfaces import SURFACES, Surface

__version__ = "0.1.0"


def __getattr__(name: str):
    """Import the heavy parts lazily: `optviz.export(scene, "fig.svg")`, `optviz.mlp` and `optviz.sweep(...)`."""
    if name in ("export", "mlp", "figures", "config", "views"):
        import importlib

        return importlib.import_module(f"optviz.{name}")
    if name == "sweep":  # the function `optviz.runs.sweep.sweep` (pandas and the MLP come with it)
        from optviz.runs.sweep import sweep

        globals()["sweep"] = sweep
        return sweep
    raise AttributeError(f"module 'optviz' has no attribute {name!r}")


__all__ = [
    "MAX_STEPS",
    "OPTIMIZERS",
    "SCHEDULE_NAMES",
    "SURFACES",
    "HParam",
    "Optimizer",
    "Result",
    "Schedule",
    "Surface",
    "__version__",
    "compare",
    "export",
    "run",
    "suggest_lr",
    "sweep",
    "warmup",
]
