"""One optimizer of a comparison, and its one text codec (used by URLs, MLP settings and scene files).

    OptimizerSpec("adam", (("lr", 0.01),))     hyperparameters resolved against the registry
    encode_optimizer(spec) -> "adam:lr=0.01,beta1=0.9,..."
    decode_optimizer("adam:lr=0.01") / decode_optimizer({"name": "adam", "lr": 0.01})

Hyperparameters are stored resolved (every value, not only the changed ones), so a scene file
reproduces its picture even if a default changes in a later version.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from optviz.optimizers import OPTIMIZERS, get_optimizer

__all__ = ["OptimizerSpec", "decode_optimizer", "encode_optimizer", "run_labels"]


@dataclass(frozen=True)
class OptimizerSpec:
    """One optimizer of a comparison with its resolved hyperparameters (name, value) pairs."""

    name: str
    hyperparams: tuple[tuple[str, float], ...] = ()

    def __post_init__(self) -> None:
        resolved = get_optimizer(self.name).resolve(**dict(self.hyperparams))
        object.__setattr__(self, "hyperparams", tuple(resolved.items()))

    @property
    def kwargs(self) -> dict[str, float]:
        return dict(self.hyperparams)

    def to_dict(self) -> dict[str, Any]:
        """{"name": ..., hyperparameter: value, ...}: the form of scene files."""
        return {"name": self.name, **self.kwargs}


def encode_optimizer(spec: OptimizerSpec) -> str:
    """'adam:lr=0.01,beta1=0.9,...' (every hyperparameter, resolved)."""
    return f"{spec.name}:" + ",".join(f"{k}={v!r}" for k, v in spec.hyperparams)


def decode_optimizer(value: Any) -> OptimizerSpec:
    """An OptimizerSpec from its string ('name:hp=v,...'), a mapping {'name': ..., hp: v} or a spec."""
    if isinstance(value, OptimizerSpec):
        return value
    if isinstance(value, Mapping):
        d = dict(value)
        if "name" not in d:
            raise ValueError("each entry of optimizers needs a 'name'")
        name = d.pop("name")
        return OptimizerSpec(name, tuple(d.items()))
    if isinstance(value, str):
        name, _, rest = value.partition(":")
        hps = []
        for item in filter(None, (t.strip() for t in rest.split(","))):
            k, sep, v = item.partition("=")
            if not sep:
                raise ValueError(f"optimizers: expected hyperparameter=value, got {item!r}")
            try:
                hps.append((k.strip(), float(v)))
            except ValueError:
                raise ValueError(f"optimizers: {k.strip()} must be a number, got {v!r}") from None
        return OptimizerSpec(name.strip(), tuple(hps))
    raise ValueError(f"optimizers must be strings 'name:hp=value,...' or objects with a 'name', got {value!r}")


def _short(spec: OptimizerSpec) -> str:
    """'Momentum (lr 0.1, μ 0.9)': the title and the hyperparameters a lecturer reads first."""
    o = OPTIMIZERS[spec.name]
    kw = spec.kwargs
    bits = [f"lr {kw['lr']:g}"] if "lr" in kw else [f"step {kw['step']:g}"] if "step" in kw else []
    if spec.name in ("momentum", "nesterov"):
        bits.append(f"μ {kw['momentum']:g}")
    if spec.name == "adamw":
        bits.append(f"wd {kw['weight_decay']:g}")
    return f"{o.title} ({', '.join(bits)})" if bits else o.title


def run_labels(specs: tuple[OptimizerSpec, ...] | list[OptimizerSpec], *, detailed: bool = False) -> list[str]:
    """One legend label per optimizer: the one label function of both views.

    detailed=False (the surfaces view): the optimizer's title while names are unique; where a name
    repeats, its title, lr and a number.  detailed=True (the MLP view): the title with its lr (μ, wd),
    numbered where two labels would read the same.
    """
    names = [o.name for o in specs]
    out = []
    for i, o in enumerate(specs):
        if detailed:
            label = _short(o)
            same = [_short(p) for p in specs].count(label) > 1
            out.append(f"{label} #{i + 1}" if same else label)
        elif names.count(o.name) > 1:
            lr = o.kwargs.get("lr")
            extra = f" lr={lr:g}" if lr is not None else ""
            out.append(f"{OPTIMIZERS[o.name].title}{extra} #{i + 1}")
        else:
            out.append(OPTIMIZERS[o.name].title)
    return out
