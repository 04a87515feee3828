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

from optviz.i18n import N_, _
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


# LaTeX symbols of the registry (`HParam.symbol`) as legend text.
_UNICODE = {
    r"\eta": "η",
    r"\mu": "μ",
    r"\beta": "β",
    r"\beta_1": "β₁",
    r"\beta_2": "β₂",
    r"\rho": "ρ",
    r"\epsilon": "ε",
    r"\epsilon_2": "ε₂",
    r"\lambda": "λ",
    r"\psi": "ψ",
    r"\sigma": "σ",
    r"\eta^-": "η⁻",
    r"\eta^+": "η⁺",
    r"\Delta_{\min}": "Δmin",
    r"\Delta_{\max}": "Δmax",
}
# A switch reads as what its non-default value does: (text when on, text when off), marked for the
# catalog and translated when a label is made (`run_labels` speaks the current language).
_SWITCHES = {
    "bias_correction": (N_("bias correction"), N_("bias correction off")),
    "centered": (N_("centered"), N_("not centered")),
    "nesterov": (N_("Nesterov"), N_("Nesterov off")),
    "line_search": (N_("line search"), N_("line search off")),
    "adam": (N_("Adam base"), N_("SGD base")),
    "match_rms_adamw": (N_("AdamW RMS match"), N_("AdamW RMS match off")),
}
# The words of the hyperparameters that have no symbol, as a legend names them ("history size = 5"):
# the English is the name with spaces, as before the catalog.
_WORDS = {
    "lr_decay": N_("lr decay"),
    "momentum": N_("momentum"),
    "seed": N_("seed"),
    "ns_steps": N_("ns steps"),
    "adamw_lr": N_("adamw lr"),
    "history_size": N_("history size"),
    "tolerance_grad": N_("tolerance grad"),
    "tolerance_change": N_("tolerance change"),
}
# The hyperparameters the MLP's detailed labels always name (beside the step size).
_ALWAYS = {"momentum": ("momentum",), "nesterov": ("momentum",), "adamw": ("weight_decay",)}


def _number(v: float) -> str:
    """0.01, 0.9, 1e-8 (not 1e-08), 1e+04 -> 1e4."""
    text = f"{v:g}"
    mant, e, exp = text.partition("e")
    return f"{mant}e{int(exp)}" if e else text


def _bit(name: str, key: str, value: float) -> str:
    """'μ = 0.9', 'bias correction off', 'history size = 5': one hyperparameter as a legend reads it,
    its words in the current language, its symbol and number as they are."""
    hp = next(h for h in OPTIMIZERS[name].hparams if h.name == key)
    if hp.kind == "bool":
        if key in _SWITCHES:
            return _(_SWITCHES[key][0 if value else 1])
        word = _(_WORDS.get(key, key.replace("_", " ")))
        return word if value else _("{name} off").format(name=word)
    symbol = _UNICODE.get(hp.symbol, hp.symbol) or _(_WORDS.get(key, key.replace("_", " ")))
    return f"{symbol} = {int(value) if hp.kind == 'int' else _number(value)}"


def _shown(name: str, key: str, value: float) -> bool:
    """Whether a differing hyperparameter appears: a switch only at its non-default value
    ("Adam" beside "Adam (bias correction off)"), a number always."""
    hp = next(h for h in OPTIMIZERS[name].hparams if h.name == key)
    return hp.kind != "bool" or bool(value) != bool(hp.default)


def run_labels(specs: tuple[OptimizerSpec, ...] | list[OptimizerSpec], *, detailed: bool = False) -> list[str]:
    """One legend label per optimizer: the one label function of both views, the page, the tables and
    every export.

    Runs of the same optimizer are told apart by the hyperparameters in which they differ from the
    others of that optimizer, in the update rule's symbols: "Momentum (μ = 0.5)" / "Momentum (μ = 0.9)",
    "Adam" / "Adam (bias correction off)", "SGD (η = 0.01)" / "SGD (η = 0.1)".  An optimizer that
    appears once is its title.  detailed=True (the MLP view, whose panels show one run each) also
    names the step size (η, or σ of random local search) and momentum's μ and AdamW's λ: "Adam (η = 0.01)".
    Specs that are identical read the same and are numbered among themselves: "Adam #1", "Adam #2".
    The words are in the current language (`optviz.i18n`: "모멘텀 (μ = 0.5)", "Adam (편향 보정 끔)"); the
    symbols and numbers are the same in every language.
    """
    specs = list(specs)
    bits: list[list[str]] = []
    for o in specs:
        group = [p for p in specs if p.name == o.name]
        kw = o.kwargs
        keys = [h.name for h in OPTIMIZERS[o.name].hparams if h.name in kw]
        differ = {k for k in keys if len({p.kwargs.get(k) for p in group}) > 1}
        always = set(_ALWAYS.get(o.name, ())) | ({"lr", "step"} & set(keys)) if detailed else set()
        bits.append([_bit(o.name, k, kw[k]) for k in keys if k in always or (k in differ and _shown(o.name, k, kw[k]))])
    titles = [_(OPTIMIZERS[o.name].title) for o in specs]  # "Momentum" is a word, "Adam" a name
    labels = [f"{t} ({', '.join(b)})" if b else t for t, b in zip(titles, bits)]
    out = []
    for i, label in enumerate(labels):
        same = [j for j, other in enumerate(labels) if other == label]
        out.append(f"{label} #{same.index(i) + 1}" if len(same) > 1 else label)
    return out
