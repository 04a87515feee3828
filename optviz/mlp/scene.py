"""The MLP view as data: its settings, the runs they ask for, its figures and its export hook.

    s = MLPSettings(dataset="circles", hidden=(16, 16), compare="batch_size")
    scene = Scene(view="mlp", mlp=s.to_pairs())       # a scene file, a URL, like any scene
    run = run_mlp_scene(scene)                        # data, one MLPResult per panel, extras
    fig = mlp_figure(scene, run, "curves")            # a figure of the page, display applied

How the settings travel.  `Scene.mlp` holds `MLPSettings.to_pairs()`: flat (name, value)
pairs of JSON scalars and tuples, every setting resolved (a scene file still reproduces its
picture if a default changes).  Two settings are flattened to fit that shape:
    schedule     -> "schedule" (its name) and "schedule_<param>" for the params it reads
    optimizers   -> a tuple of "name:hp=value,..." strings (the surfaces URL's `opt` format),
                    hyperparameters resolved.  The MLP keeps its own optimizer list (its
                    learning rates are not the surfaces'), so `Scene.optimizers` is untouched
                    and switching views in the page loses neither.
In the URL every pair that differs from its default is one `m_<name>=<value>` parameter
(tuples as a|b|c), so the default MLP page has the short address `?view=mlp`.

What is compared side by side (`compare`, see COMPARISONS): the optimizers of the list, all
from the same init; or, for the first optimizer, batch size full / k / 1 (C1), init schemes
(C18-C20), activations (C22), losses (C16), batch norm off / on (C26), dropout off / on (C27),
no penalty / L2 / AdamW's decoupled weight decay (C29), clipping off / on (C23), constant lr /
a schedule (C17).

`run_mlp_scene` trains (cheap: a few hundred ms) and adds only the extras a figure needs
(`parts`: the landscape plane, 1D slices, activation statistics, the gradient check), so the
page computes the landscape only while its tab is open.  No streamlit here.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

import numpy as np

from optviz.mlp.data import DATASETS, make_dataset, split, standardize
from optviz.mlp.landscape import DIRECTIONS, Landscape, Slice1D, landscape, loss_slice
from optviz.mlp.model import (
    ACTIVATION_TITLES,
    ACTIVATIONS,
    INIT_TITLES,
    INITS,
    LOSSES,
    MAX_HIDDEN_LAYERS,
    MAX_WIDTH,
    MIN_WIDTH,
    ActivationStats,
    activation_stats,
)
from optviz.mlp.train import GradientCheck, MLPResult, gradient_check, train
from optviz.optimizers import OPTIMIZERS, RANDOM_LOCAL_SEARCH
from optviz.scene import OptimizerSpec, Scene
from optviz.schedules import Schedule

# ----------------------------------------------------------------------------- choices (the UI is generated from these)

DATASET_TITLES = {
    "moons": "two moons",
    "circles": "circles",
    "spirals": "spirals",
    "xor": "XOR",
    "blobs": "Gaussian blobs",
}
LOSS_TITLES = {"softmax": "softmax cross-entropy", "hinge": "multiclass SVM (hinge)"}
DIRECTION_TITLES = {"pca": "PCA of the paths", "filter": "random, filter-normalised", "random": "random"}
PROBE_TITLES = {"lecture": "lecture net: 5 layers of 100 units", "network": "this network on its data"}

# name -> (title, what the side-by-side panels vary)
COMPARISONS: dict[str, tuple[str, str]] = {
    "optimizers": ("optimizers", "every optimizer of the list, all from the same initial weights"),
    "batch_size": ("batch size", "the first optimizer with full batch, mini-batches of k, and batch size 1"),
    "init": ("init schemes", "zeros, N(0, 0.01²), N(0, 1), the scheme recommended for the activation, and yours"),
    "activation": ("activations", "sigmoid, tanh, ReLU, Leaky ReLU and GELU"),
    "loss": ("losses", "softmax cross-entropy and the multiclass SVM (hinge) loss"),
    "batch_norm": ("batch norm off / on", "the same training without and with batch normalisation"),
    "dropout": ("dropout off / on", "without dropout and with your rate (0.5 if it is 0)"),
    "l2": ("L2 vs AdamW", "no penalty, the L2 penalty λ (0.01 if it is 0), and for Adam AdamW's weight decay λ"),
    "clip": ("clipping off / on", "without and with gradient clipping (max norm 1 if clipping is off)"),
    "schedule": ("lr schedule", "constant lr against your schedule (a step decay if it is constant)"),
}

# The figures of the page; `figure` picks the one a scene file exports.  Tab -> its figures.
FIGURE_TITLES = {
    "boundary": "decision boundary (animated)",
    "curves": "loss and accuracy curves",
    "lr": "learning rate per step",
    "landscape": "loss landscape with the paths",
    "slices": "1D slice of the loss around the final point",
    "interpolation": "the loss from init to the final point",
    "activations": "activation histograms at init",
    "gradients": "gradient norm per layer",
    "gradient_check": "gradient check",
    "data": "the data",
    "one_hot": "one-hot targets",
}
FIGURES = tuple(FIGURE_TITLES)
TABS: dict[str, tuple[str, ...]] = {
    "Training": ("boundary", "curves", "lr"),
    "Landscape": ("landscape", "slices", "interpolation"),
    "Initialisation": ("activations",),
    "Gradients": ("gradients", "gradient_check"),
    "Data": ("data", "one_hot"),
}
TAB_OF_FIGURE = {f: tab for tab, figs in TABS.items() for f in figs}
PARTS = ("landscape", "slices", "activations", "gradient_check")
FIGURE_PARTS: dict[str, tuple[str, ...]] = {
    "landscape": ("landscape",),
    "slices": ("slices",),
    "interpolation": ("slices",),
    "activations": ("activations",),
    "gradient_check": ("gradient_check",),
}

MAX_MLP_OPTIMIZERS = 6
MAX_MLP_STEPS = 20_000
RECORDED_ROWS = 1000  # rows kept per run (record_every grows beyond it): bounded memory and cache
LANDSCAPE_RESOLUTION = 41
DECISION_RESOLUTION = 60
# Optimizers that can train the MLP: every gradient rule, and random local search (f only).
MLP_OPTIMIZERS = tuple(
    n for n, o in OPTIMIZERS.items() if not o.needs_hessian and (not o.gradient_free or o.code == RANDOM_LOCAL_SEARCH)
)
# From the same init on the default moons: Adam fastest, momentum next, plain SGD slowest,
# all three converge within the default 500 steps (see tests/test_mlp_scene.py).
DEFAULT_MLP_OPTIMIZERS = (
    OptimizerSpec("adam", (("lr", 0.01),)),
    OptimizerSpec("sgd", (("lr", 0.1),)),
    OptimizerSpec("momentum", (("lr", 0.1), ("momentum", 0.9))),
)


def recommended_init(activation: str) -> str:
    """Xavier/Glorot for the saturating sigmoid and tanh, He for the ReLU family (CS231n)."""
    return "xavier_normal" if activation in ("sigmoid", "tanh") else "he_normal"


# ----------------------------------------------------------------------------- validation helpers


def _choice(name: str, value: Any, allowed: Iterable[str]) -> str:
    allowed = tuple(allowed)
    if not isinstance(value, str) or value not in allowed:
        raise ValueError(f"{name} must be one of: {', '.join(allowed)}; got {value!r}")
    return value


def _whole(name: str, value: Any, lo: int, hi: int) -> int:
    ok = isinstance(value, (int, np.integer)) or (isinstance(value, float) and math.isfinite(value))
    if isinstance(value, bool) or not ok or value != int(value) or not lo <= int(value) <= hi:
        raise ValueError(f"{name} must be a whole number from {lo:,} to {hi:,}, got {value!r}")
    return int(value)


def _number(name: str, value: Any, lo: float, hi: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ValueError(f"{name} must be a number in [{lo:g}, {hi:g}], got {value!r}")
    v = float(value)
    if not (math.isfinite(v) and lo <= v <= hi):
        raise ValueError(f"{name} must be a number in [{lo:g}, {hi:g}], got {value!r}")
    return v


def _flag(name: str, value: Any) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name} must be true or false, got {value!r}")
    return bool(value)


def _optional(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.lower() in ("none", "off", ""))


def _hidden(value: Any) -> tuple[int, ...]:
    items = (value,) if isinstance(value, (int, float, np.integer)) and not isinstance(value, bool) else value
    if isinstance(items, str) or not isinstance(items, Iterable):
        raise ValueError(f"hidden must be 1 to {MAX_HIDDEN_LAYERS} layer widths, got {value!r}")
    items = tuple(items)
    if not 1 <= len(items) <= MAX_HIDDEN_LAYERS:
        raise ValueError(f"hidden must be 1 to {MAX_HIDDEN_LAYERS} layer widths, got {value!r}")
    return tuple(_whole("hidden", w, MIN_WIDTH, MAX_WIDTH) for w in items)


def encode_optimizer(spec: OptimizerSpec) -> str:
    """'adam:lr=0.01,beta1=0.9,...' (every hyperparameter, resolved)."""
    return f"{spec.name}:" + ",".join(f"{k}={v!r}" for k, v in spec.hyperparams)


def decode_optimizer(value: Any) -> OptimizerSpec:
    """An OptimizerSpec from its string ('name:hp=v,...'), a mapping {'name': ..., hp: v} or a spec."""
    if isinstance(value, OptimizerSpec):
        spec = value
    elif isinstance(value, Mapping):
        d = dict(value)
        if "name" not in d:
            raise ValueError("each MLP optimizer needs a 'name'")
        name = d.pop("name")
        spec = OptimizerSpec(name, tuple(d.items()))
    elif isinstance(value, str):
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
        spec = OptimizerSpec(name.strip(), tuple(hps))
    else:
        raise ValueError(f"optimizers must be strings 'name:hp=value,...', got {value!r}")
    if spec.name not in MLP_OPTIMIZERS:
        raise ValueError(f"optimizer {spec.name!r} cannot train the MLP; choose from: {', '.join(MLP_OPTIMIZERS)}")
    return spec


def _optimizers(value: Any) -> tuple[OptimizerSpec, ...]:
    items = [value] if isinstance(value, (str, Mapping, OptimizerSpec)) else value
    if not isinstance(items, Iterable):
        raise ValueError(f"optimizers must be a list of 'name:hp=value,...' strings, got {value!r}")
    specs = tuple(decode_optimizer(v) for v in items)
    if not 1 <= len(specs) <= MAX_MLP_OPTIMIZERS:
        raise ValueError(f"optimizers: the MLP compares 1 to {MAX_MLP_OPTIMIZERS} optimizers, got {len(specs)}")
    return specs


def n_split(n: int, val_fraction: float) -> tuple[int, int]:
    """(training, validation) sizes of `optviz.mlp.split` for n points (no split at fraction 0)."""
    if val_fraction <= 0:
        return n, 0
    n_val = min(max(int(round(n * val_fraction)), 1), n - 1)
    return n - n_val, n_val


# ----------------------------------------------------------------------------- the settings


@dataclass(frozen=True)
class MLPSettings:
    """Everything the MLP view computes from.  Keywords only in practice; every field validated.

    Data: dataset, n points, noise, classes (blobs only), data_seed (points and split), shift and
    scale (inputs become x * scale + shift), standardize (fitted on the training part),
    val_fraction (0: no validation set).
    Network: hidden widths, activation, init, loss, dropout, batch_norm, l2 (penalty in the loss).
    Training: batch_size (None = full batch, k, or 1), steps, schedule, clip_norm (None = off),
    patience (early stopping on the validation loss; None = off), seed (the initial weights,
    batch order and dropout masks: the same for every compared run), optimizers.
    View: compare (what the panels vary), directions of the landscape plane, probe (the network
    of the activation histograms), figure (the one a scene file exports).
    """

    dataset: str = "moons"
    n: int = 256
    noise: float = 0.2
    classes: int = 3
    data_seed: int = 0
    shift: float = 0.0
    scale: float = 1.0
    standardize: bool = True
    val_fraction: float = 0.25
    hidden: tuple[int, ...] = (16, 16)
    activation: str = "tanh"
    init: str = "xavier_normal"
    loss: str = "softmax"
    dropout: float = 0.0
    batch_norm: bool = False
    l2: float = 0.0
    batch_size: int | None = None
    steps: int = 500
    schedule: Schedule = field(default_factory=Schedule)
    clip_norm: float | None = None
    patience: int | None = None
    seed: int = 0
    optimizers: tuple[OptimizerSpec, ...] = DEFAULT_MLP_OPTIMIZERS
    compare: str = "optimizers"
    directions: str = "pca"
    probe: str = "lecture"
    figure: str = "boundary"

    def __post_init__(self) -> None:
        put = object.__setattr__
        _choice("dataset", self.dataset, DATASETS)
        put(self, "n", _whole("n", self.n, 8, 5000))
        put(self, "noise", _number("noise", self.noise, 0.0, 5.0))
        put(self, "classes", _whole("classes", self.classes, 2, 4))
        put(self, "data_seed", _whole("data_seed", self.data_seed, 0, 2**31 - 1))
        put(self, "shift", _number("shift", self.shift, -100.0, 100.0))
        put(self, "scale", _number("scale", self.scale, 0.01, 100.0))
        put(self, "standardize", _flag("standardize", self.standardize))
        put(self, "val_fraction", _number("val_fraction", self.val_fraction, 0.0, 0.5))
        put(self, "hidden", _hidden(self.hidden))
        _choice("activation", self.activation, ACTIVATIONS)
        _choice("init", self.init, INITS)
        _choice("loss", self.loss, LOSSES)
        put(self, "dropout", _number("dropout", self.dropout, 0.0, 0.9))
        put(self, "batch_norm", _flag("batch_norm", self.batch_norm))
        put(self, "l2", _number("l2", self.l2, 0.0, 10.0))
        put(self, "batch_size", None if _optional(self.batch_size) else _whole("batch_size", self.batch_size, 1, 5000))
        put(self, "steps", _whole("steps", self.steps, 1, MAX_MLP_STEPS))
        try:
            put(self, "schedule", Schedule.coerce(self.schedule))
        except TypeError as e:
            raise ValueError(f"schedule: {e}") from None
        put(self, "clip_norm", None if _optional(self.clip_norm) else _number("clip_norm", self.clip_norm, 1e-6, 1e6))
        put(self, "patience", None if _optional(self.patience) else _whole("patience", self.patience, 1, MAX_MLP_STEPS))
        put(self, "seed", _whole("seed", self.seed, 0, 2**31 - 1))
        put(self, "optimizers", _optimizers(self.optimizers))
        _choice("compare", self.compare, COMPARISONS)
        _choice("directions", self.directions, DIRECTIONS)
        _choice("probe", self.probe, PROBE_TITLES)
        _choice("figure", self.figure, FIGURES)
        self._check_combination()

    def _check_combination(self) -> None:
        """Combinations that cannot train, said before anything runs (each message names the fix)."""
        n_train, n_val = n_split(self.n, self.val_fraction)
        if self.batch_size is not None and self.batch_size > n_train:
            raise ValueError(f"batch_size {self.batch_size} is larger than the {n_train} training points")
        if self.patience is not None and n_val == 0:
            raise ValueError("early stopping watches the validation loss: set a validation fraction above 0")
        bn_runs = self.batch_norm or self.compare == "batch_norm"
        if bn_runs and self.batch_size == 1:
            raise ValueError("batch norm needs batches of at least 2 points (a batch of 1 has no variance)")
        if self.compare == "batch_size" and self.batch_norm:
            raise ValueError(
                "the batch-size comparison trains with batch size 1, which batch norm cannot: switch it off"
            )
        first = self.optimizers[0].name
        rls = [o.name for o in self.runs_optimizers() if o.name == "random_local_search"]
        if rls and (bn_runs or self.dropout > 0 or self.compare == "dropout"):
            raise ValueError("random local search compares losses of two points: use it without batch norm and dropout")
        if self.compare == "l2" and first == "random_local_search":
            raise ValueError("the L2 comparison needs a gradient optimizer first in the list")

    def runs_optimizers(self) -> tuple[OptimizerSpec, ...]:
        """The optimizers that train: the whole list, or only the first when something else is compared."""
        return self.optimizers if self.compare == "optimizers" else self.optimizers[:1]

    # ----------------------------------------------------------------- pairs (Scene.mlp)
    def to_pairs(self) -> tuple[tuple[str, Any], ...]:
        """Flat (name, value) pairs, every setting resolved, in field order (see the module doc)."""
        out: list[tuple[str, Any]] = []
        for f in fields(self):
            v = getattr(self, f.name)
            if f.name == "schedule":
                d = v.to_dict()
                out.append(("schedule", d.pop("name")))
                out += [(f"schedule_{k}", tuple(x) if isinstance(x, (list, tuple)) else x) for k, x in d.items()]
            elif f.name == "optimizers":
                out.append(("optimizers", tuple(encode_optimizer(o) for o in v)))
            else:
                out.append((f.name, v))
        return tuple(out)

    @classmethod
    def from_pairs(cls, pairs: Iterable[tuple[str, Any]] | Mapping[str, Any]) -> MLPSettings:
        """Strict inverse of `to_pairs`; missing names take their defaults, unknown names raise."""
        items = list(pairs.items()) if isinstance(pairs, Mapping) else list(pairs)
        names = {f.name for f in fields(cls)}
        kw: dict[str, Any] = {}
        sched: dict[str, Any] = {}
        for item in items:
            try:
                k, v = item
            except (TypeError, ValueError):
                raise ValueError(f"mlp settings must be (name, value) pairs, got {item!r}") from None
            if not isinstance(k, str):
                raise ValueError(f"mlp setting names must be strings, got {k!r}")
            if isinstance(v, list):
                v = tuple(v)
            if k == "schedule" and isinstance(v, (Mapping, Schedule)):
                kw["schedule"] = v  # a whole schedule (presets, Python callers)
            elif k == "schedule":
                sched["name"] = v
            elif k.startswith("schedule_"):
                sched[k.removeprefix("schedule_")] = v
            elif k in names:
                kw[k] = v
            else:
                allowed = sorted((names - {"schedule"}) | {"schedule", "schedule_<param>"})
                raise ValueError(f"unknown mlp setting {k!r}; allowed: {', '.join(allowed)}")
        if sched:
            try:
                kw["schedule"] = Schedule.coerce(sched)
            except TypeError as e:
                raise ValueError(f"schedule: {e}") from None
        try:
            return cls(**kw)
        except TypeError as e:  # a value of the wrong type reaching a comparison
            raise ValueError(f"invalid mlp settings: {e}") from None

    @classmethod
    def of(cls, scene: Scene) -> MLPSettings:
        """The MLP settings of a scene (the defaults when it holds none)."""
        return cls.from_pairs(scene.mlp)

    def scene(self, base: Scene | None = None) -> Scene:
        """A Scene of the MLP view with these settings (the other fields from `base`)."""
        return replace(base or Scene(), view="mlp", mlp=self.to_pairs())


DEFAULT_PAIRS = dict(MLPSettings().to_pairs())


def canonical_pairs(view: str, pairs: Any) -> tuple[tuple[str, Any], ...]:
    """`Scene.mlp` in its one canonical form: every setting for the MLP view; for the surfaces
    view () when the settings are the defaults (so existing surfaces scenes stay as they were)."""
    if view != "mlp" and not pairs:
        return ()
    s = MLPSettings.from_pairs(pairs)
    return s.to_pairs() if view == "mlp" or s != MLPSettings() else ()


def query_pairs(pairs: Iterable[tuple[str, Any]]) -> Iterator[tuple[str, Any]]:
    """The pairs that differ from the defaults: the ones the URL carries."""
    for k, v in pairs:
        if k not in DEFAULT_PAIRS or DEFAULT_PAIRS[k] != v or type(DEFAULT_PAIRS[k]) is not type(v):
            yield k, v


# ----------------------------------------------------------------------------- presets (lecture demonstrations)

_OVERFIT = {
    "dataset": "moons",
    "n": 80,
    "noise": 0.3,
    "val_fraction": 0.5,
    "hidden": (32, 32, 32),
    "activation": "relu",
    "init": "he_normal",
    "steps": 1500,
    "optimizers": ("sgd:lr=0.03",),
    "figure": "curves",
}

# name -> (settings over the defaults, one line for the page).  Numbers checked by
# tests/test_mlp_scene.py::test_presets_show_what_they_say.
PRESETS: dict[str, tuple[dict[str, Any], str]] = {
    "optimizers from one init": (
        {},
        "Adam, SGD and momentum start from the same weights: the same network, three ways down.",
    ),
    "batch size: full / 16 / 1": (
        {"compare": "batch_size", "batch_size": 16, "optimizers": ("sgd:lr=0.1",), "figure": "curves"},
        "The same SGD with the whole training set, 16 points and 1 point per step: the smaller the batch, "
        "the noisier the way down (C1).",
    ),
    "zeros init: symmetry never breaks": (
        {"compare": "init", "activation": "tanh", "optimizers": ("adam:lr=0.01",)},
        "All-zero weights give every hidden unit the same (here: zero) gradient: that panel never learns (C18).",
    ),
    "init schemes with sigmoid": (
        {
            "activation": "sigmoid",
            "init": "normal_1",
            "compare": "init",
            "optimizers": ("adam:lr=0.01",),
            "figure": "activations",
        },
        "N(0, 1) saturates sigmoid units at 0 and 1, N(0, 0.01²) collapses them to 0.5, Xavier keeps them "
        "spread (C19, C20).",
    ),
    "ReLU: He vs Xavier": (
        {
            "activation": "relu",
            "init": "xavier_normal",
            "hidden": (32, 32, 32),
            "compare": "init",
            "optimizers": ("adam:lr=0.01",),
            "figure": "activations",
        },
        "He's variance 2/fan_in keeps ReLU activations at one scale layer after layer; N(0, 1) explodes, "
        "N(0, 0.01²) vanishes (C20).",
    ),
    "deep sigmoid: vanishing gradients": (
        {
            "activation": "sigmoid",
            "hidden": (32, 32, 32),
            "compare": "activation",
            "optimizers": ("sgd:lr=0.5",),
            "steps": 1000,
            "figure": "gradients",
        },
        "With sigmoid the first layer's gradient sits far below the last one's and training crawls; "
        "ReLU and tanh keep the layers level (C21, C22).",
    ),
    "exploding gradients: clipping": (
        {
            "activation": "relu",
            "init": "normal_1",
            "hidden": (32, 32, 32),
            "compare": "clip",
            "clip_norm": 1.0,
            "optimizers": ("sgd:lr=0.5",),
            "figure": "curves",
        },
        "N(0, 1) weights and a large step: the unclipped run explodes within ten steps, the clipped one trains (C23).",
    ),
    "unscaled inputs: standardise!": (
        {
            "shift": 10.0,
            "standardize": False,
            "optimizers": ("sgd:lr=0.1", "momentum:lr=0.1,momentum=0.9"),
            "figure": "curves",
        },
        "Inputs around (10, 10), all positive: SGD crawls and momentum stalls.  Switch 'standardise' on (C24).",
    ),
    "batch norm on / off": (
        {
            "activation": "sigmoid",
            "hidden": (32, 32, 32),
            "compare": "batch_norm",
            "batch_size": 32,
            "optimizers": ("sgd:lr=0.1",),
            "figure": "curves",
        },
        "A deep sigmoid net learns slowly with SGD; batch norm re-centres every layer and it trains (C26).",
    ),
    "overfitting: small noisy data, big net": (
        dict(_OVERFIT),
        "40 noisy training points, three layers of 32: the training loss falls, the validation loss turns "
        "up after its minimum (the star) (C30).",
    ),
    "dropout against overfitting": (
        {**_OVERFIT, "compare": "dropout", "dropout": 0.3},
        "Dropout 0.3 keeps the validation loss down while the training loss stays higher (C27).",
    ),
    "early stopping": (
        {**_OVERFIT, "patience": 200},
        "Training stops 200 steps after the lowest validation loss (the star) (C28).",
    ),
    "L2 penalty vs AdamW": (
        {**_OVERFIT, "compare": "l2", "l2": 0.01, "optimizers": ("adam:lr=0.003",)},
        "Adam with the L2 penalty in the loss against AdamW's decoupled weight decay at the same λ: "
        "not the same thing (Loshchilov & Hutter 2019) (C29).",
    ),
    "learning-rate schedule": (
        {
            "compare": "schedule",
            "schedule": {"name": "step", "boundaries": (300, 600), "values": (1.0, 0.1, 0.01)},
            "steps": 900,
            "batch_size": 16,
            "optimizers": ("sgd:lr=0.3",),
            "figure": "curves",
        },
        "Constant lr against a step decay: the noisy mini-batch loss settles when the lr drops (C17).",
    ),
    "softmax vs SVM loss": (
        {"compare": "loss", "optimizers": ("adam:lr=0.01",), "figure": "curves"},
        "Cross-entropy keeps pushing the correct class up; the hinge loss is satisfied at a margin of 1 (C16).",
    ),
    "loss landscape": (
        {"figure": "landscape"},
        "The paths of the three optimizers on the plane of their two main directions, over the loss contours (C15).",
    ),
    "gradient check": (
        {"figure": "gradient_check"},
        "Backprop against central differences: a relative error near 1e-9 says the gradient is right (C14).",
    ),
    "one-hot targets, 3 classes": (
        {"dataset": "blobs", "classes": 3, "noise": 0.6, "figure": "one_hot"},
        "Each label becomes a one-hot vector, the target the softmax is fitted to (C25).",
    ),
}


def matching_preset(s: MLPSettings) -> str | None:
    """The name of the preset whose settings are exactly s, if any."""
    return next((name for name in PRESETS if preset(name) == s), None)


def preset(name: str) -> MLPSettings:
    """The settings of a lecture preset (`PRESETS`)."""
    if name not in PRESETS:
        raise ValueError(f"preset must be one of: {', '.join(PRESETS)}; got {name!r}")
    return MLPSettings.from_pairs(PRESETS[name][0])


# ----------------------------------------------------------------------------- data and runs


@dataclass(frozen=True, eq=False)
class MLPData:
    """The data of a scene: as generated (raw, shift/scale applied) and as the network sees it.

    X, y / X_val, y_val: training / validation inputs after standardisation (if asked);
    X_raw, X_val_raw: the same points before it; mean, std: the standardisation (None if off).
    """

    X: np.ndarray
    y: np.ndarray
    X_val: np.ndarray | None
    y_val: np.ndarray | None
    X_raw: np.ndarray
    X_val_raw: np.ndarray | None
    mean: np.ndarray | None
    std: np.ndarray | None
    n_classes: int


def make_data(s: MLPSettings) -> MLPData:
    """Generate, split (seeded by data_seed) and standardise (fitted on the training part)."""
    X, y = make_dataset(s.dataset, s.n, s.noise, s.data_seed, classes=s.classes, shift=s.shift, scale=s.scale)
    n_classes = int(y.max()) + 1
    if s.val_fraction > 0:
        Xt, Xv, yt, yv = split(X, y, s.val_fraction, s.data_seed)
    else:
        Xt, Xv, yt, yv = X, None, y, None
    mean = std = None
    Xs, Xvs = Xt, Xv
    if s.standardize:
        Xs, Xvs, mean, std = standardize(Xt, Xv)
    return MLPData(Xs, yt, Xvs, yv, Xt, Xv, mean, std, n_classes)


def record_every(steps: int) -> int:
    """Keep about RECORDED_ROWS rows of a run (every step up to 1000 steps)."""
    return max(1, math.ceil(steps / RECORDED_ROWS))


def train_kwargs(s: MLPSettings, data: MLPData) -> dict[str, Any]:
    """The keyword arguments of `optviz.mlp.train` shared by every run of the scene."""
    return {
        "hidden": s.hidden,
        "activation": s.activation,
        "init": s.init,
        "loss": s.loss,
        "steps": s.steps,
        "batch_size": s.batch_size,
        "seed": s.seed,
        "X_val": data.X_val,
        "y_val": data.y_val,
        "schedule": s.schedule,
        "clip_norm": s.clip_norm,
        "l2": s.l2,
        "dropout": s.dropout,
        "batch_norm": s.batch_norm,
        "early_stopping_patience": s.patience,
        "record_every": record_every(s.steps),
        "n_classes": data.n_classes,
    }


@dataclass(frozen=True)
class RunSpec:
    """One panel: its label, optimizer, hyperparameters and the train() settings it overrides."""

    label: str
    optimizer: str
    hyperparams: tuple[tuple[str, float], ...]
    overrides: tuple[tuple[str, Any], ...] = ()


def optimizer_label(spec: OptimizerSpec, numbered: int | None = None) -> str:
    """'Momentum (lr 0.1, μ 0.9)': the legend label of an optimizer of the list."""
    o = OPTIMIZERS[spec.name]
    kw = spec.kwargs
    bits = [f"lr {kw['lr']:g}"] if "lr" in kw else [f"step {kw['step']:g}"] if "step" in kw else []
    if spec.name in ("momentum", "nesterov"):
        bits.append(f"μ {kw['momentum']:g}")
    if spec.name == "adamw":
        bits.append(f"wd {kw['weight_decay']:g}")
    label = f"{o.title} ({', '.join(bits)})" if bits else o.title
    return f"{label} #{numbered}" if numbered is not None else label


def run_specs(s: MLPSettings, n_train: int) -> list[RunSpec]:
    """The runs the scene compares, in panel order (see COMPARISONS)."""
    if s.compare == "optimizers":
        labels = [optimizer_label(o) for o in s.optimizers]
        return [
            RunSpec(optimizer_label(o, i + 1) if labels.count(labels[i]) > 1 else labels[i], o.name, o.hyperparams)
            for i, o in enumerate(s.optimizers)
        ]
    o = s.optimizers[0]

    def one(label: str, **over: Any) -> RunSpec:  # the panel names the variant; the page names the optimizer
        return RunSpec(label, o.name, o.hyperparams, tuple(over.items()))

    if s.compare == "batch_size":
        k = s.batch_size if s.batch_size is not None and 1 < s.batch_size < n_train else min(16, n_train // 2)
        return [
            one(f"full batch ({n_train})", batch_size=None),
            one(f"mini-batch {k}", batch_size=k),
            one("batch size 1", batch_size=1),
        ]
    if s.compare == "init":
        inits = ["zeros", "normal_0.01", "normal_1", recommended_init(s.activation)]
        inits += [s.init] if s.init not in inits else []
        return [one(INIT_TITLES[i], init=i) for i in inits]
    if s.compare == "activation":
        return [one(ACTIVATION_TITLES[a], activation=a) for a in ACTIVATIONS]
    if s.compare == "loss":
        return [one(LOSS_TITLES[x], loss=x) for x in LOSSES]
    if s.compare == "batch_norm":
        return [one("without batch norm", batch_norm=False), one("with batch norm", batch_norm=True)]
    if s.compare == "dropout":
        p = s.dropout or 0.5
        return [one("no dropout", dropout=0.0), one(f"dropout {p:g}", dropout=p)]
    if s.compare == "clip":
        c = s.clip_norm or 1.0
        return [one("no clipping", clip_norm=None), one(f"clip norm {c:g}", clip_norm=c)]
    if s.compare == "schedule":
        sched = s.schedule
        if sched.name == "constant":
            sched = Schedule(name="step", boundaries=(max(s.steps // 3, 1), max(2 * s.steps // 3, 2)))
        return [one("constant lr", schedule=Schedule()), one(f"{sched.name} schedule", schedule=sched)]
    # l2: no penalty / L2 penalty in the loss / (Adam family) AdamW's decoupled weight decay
    lam = s.l2 or 0.01
    hps = dict(o.hyperparams)
    if o.name == "adamw":
        hps["weight_decay"] = 0.0
    plain = tuple(hps.items())
    runs = [
        RunSpec("no penalty", o.name, plain, (("l2", 0.0),)),
        RunSpec(f"L2 penalty λ = {lam:g}", o.name, plain, (("l2", lam),)),
    ]
    if o.name in ("adam", "adamw"):
        wd = OptimizerSpec(
            "adamw", (*((k, v) for k, v in hps.items() if k != "weight_decay"), ("weight_decay", min(lam, 1.0)))
        )
        runs.append(RunSpec(f"AdamW, weight decay {min(lam, 1.0):g}", "adamw", wd.hyperparams, (("l2", 0.0),)))
    return runs


@dataclass(frozen=True, eq=False)
class NamedResult(MLPResult):
    """An MLPResult with the panel's label ("batch size 1 · SGD (lr 0.1)") as its legend label."""

    name: str = ""

    @property
    def label(self) -> str:  # type: ignore[override]
        return self.name or MLPResult.label.fget(self)  # type: ignore[attr-defined]


@dataclass(frozen=True, eq=False)
class MLPRun:
    """What a scene of the MLP view computed: data, one result per panel, and the extras asked for.

    landscape: the shared plane (runs with the first usable run's network and penalty, not
    diverged); slices: a 1D slice around that run's final point and the init -> final
    interpolation of every such run; activations: one ActivationStats per init row;
    gradient_check: at the initial weights.  notes: part -> why something is left out.
    """

    settings: MLPSettings
    data: MLPData
    results: list[MLPResult]
    landscape: Landscape | None = None
    slices: list[Slice1D] | None = None
    interpolations: list[Slice1D] | None = None
    activations: list[ActivationStats] | None = None
    gradient_check: GradientCheck | None = None
    notes: dict[str, str] = field(default_factory=dict)

    @property
    def labels(self) -> list[str]:
        return [r.label for r in self.results]

    @property
    def lr_varies(self) -> bool:
        """Whether any run's learning rate changes over its steps (a schedule or warm-up)."""
        return any(r.lr.size and float(np.ptp(r.lr)) > 0 for r in self.results)

    def diverged(self) -> list[tuple[str, int]]:
        """(label, step) of every run that diverged."""
        return [(r.label, int(r.diverged_at)) for r in self.results if r.diverged_at is not None]

    def summary(self) -> list[dict[str, Any]]:
        """One row per run: final losses and accuracies, best validation step, stop, divergence."""
        rows = []
        for r in self.results:
            rows.append(
                {
                    "run": r.label,
                    "train loss": float(r.data_loss[-1]),
                    "train accuracy": float(r.accuracy[-1]),
                    "validation loss": None if r.val_loss is None else float(r.val_loss[-1]),
                    "validation accuracy": None if r.val_accuracy is None else float(r.val_accuracy[-1]),
                    "lowest validation loss at step": r.best_step,
                    "early stop at step": r.stopped_at,
                    "diverged at step": r.diverged_at,
                    "steps run": r.steps_done,
                }
            )
        return rows


def train_runs(s: MLPSettings) -> MLPRun:
    """Generate the data and train every compared run (no extras)."""
    data = make_data(s)
    common = train_kwargs(s, data)
    results: list[MLPResult] = []
    for spec in run_specs(s, data.X.shape[0]):
        kw = {**common, **dict(spec.overrides)}
        r = train(data.X, data.y, optimizer=spec.optimizer, **kw, **dict(spec.hyperparams))
        results.append(NamedResult(**{f.name: getattr(r, f.name) for f in fields(MLPResult)}, name=spec.label))
    return MLPRun(s, data, results)


def _plane_runs(run: MLPRun) -> tuple[list[MLPResult], str]:
    """The runs that share one landscape: same network and penalty as the first usable one."""
    usable = [r for r in run.results if r.diverged_at is None and r.params.shape[0] > 1]
    if not usable:
        return [], "every run diverged: there is no landscape to draw"
    ref = usable[0]
    same = [r for r in usable if r.net == ref.net and r.options.get("l2") == ref.options.get("l2")]
    left = [r.label for r in run.results if r not in same]
    note = ""
    if left:
        note = (
            f"Left out of the plane: {', '.join(left)} "
            "(a plane needs one network and one loss; diverged runs have no final point)."
        )
    return same, note


def add_parts(run: MLPRun, parts: Iterable[str]) -> MLPRun:
    """`run` with the extras `parts` (of PARTS) computed; ones already there are kept."""
    s, data = run.settings, run.data
    new: dict[str, Any] = {}
    notes = dict(run.notes)
    for part in dict.fromkeys(parts):
        if part not in PARTS:
            raise ValueError(f"parts must be among: {', '.join(PARTS)}; got {part!r}")
        if part == "landscape" and run.landscape is None:
            same, note = _plane_runs(run)
            if same:
                new["landscape"] = landscape(
                    same, directions=s.directions, resolution=LANDSCAPE_RESOLUTION, seed=s.seed
                )
            if note:
                notes["landscape"] = note
        elif part == "slices" and run.slices is None:
            same, note = _plane_runs(run)
            kind = "random" if s.directions == "random" else "filter"
            new["slices"] = [loss_slice(same[0], direction=kind, seed=s.seed)] if same else []
            new["interpolations"] = [loss_slice(r, direction="interpolation") for r in same]
            if note:
                notes["slices"] = note
        elif part == "activations" and run.activations is None:
            new["activations"] = [
                activation_stats(i, s.activation, seed=s.seed)
                if s.probe == "lecture"
                else activation_stats(i, s.activation, hidden=s.hidden, X=data.X, seed=s.seed)
                for i in init_rows(s)
            ]
        elif part == "gradient_check" and run.gradient_check is None:
            new["gradient_check"] = gradient_check(
                data.X,
                data.y,
                s.hidden,
                s.activation,
                s.init,
                s.loss,
                s.seed,
                batch_norm=s.batch_norm,
                l2=s.l2,
                n_classes=data.n_classes,
            )
    return replace(run, **new, notes=notes)


def init_rows(s: MLPSettings) -> list[str]:
    """The init schemes of the activation histograms: yours, the two classic failures, the recommended one."""
    rows = [s.init, "normal_0.01", "normal_1", recommended_init(s.activation)]
    if s.compare == "init":
        rows = ["zeros", "normal_0.01", "normal_1", recommended_init(s.activation), s.init]
    return list(dict.fromkeys(rows))


def parts_for(figures: Iterable[str]) -> tuple[str, ...]:
    """The extras the figures need, in PARTS order."""
    want = {p for f in figures for p in FIGURE_PARTS.get(f, ())}
    return tuple(p for p in PARTS if p in want)


def run_mlp_scene(scene: Scene, parts: Iterable[str] | None = None) -> MLPRun:
    """Train the scene's runs and compute the extras `parts` (default: what `figure` needs).

    A pure function of the scene's MLP settings: the display and the surfaces fields do not
    enter it.  Raises ValueError (readable) for settings that cannot train.
    """
    s = MLPSettings.of(scene)
    run = train_runs(s)
    return add_parts(run, parts_for([s.figure]) if parts is None else parts)


def compute_key(scene: Scene) -> str:
    """A JSON key of what `run_mlp_scene` depends on (cache key): the MLP settings, figure aside."""
    s = replace(MLPSettings.of(scene), figure="boundary")
    return Scene(view="mlp", mlp=s.to_pairs()).to_json()


# ----------------------------------------------------------------------------- figures


def scene_title(s: MLPSettings) -> str:
    """'two moons · 16-16 tanh · Xavier normal': the context line of a figure's title."""
    net = "-".join(map(str, s.hidden)) + f" {ACTIVATION_TITLES[s.activation]}"
    parts = [DATASET_TITLES[s.dataset], net]
    if s.compare != "init":
        parts.append(INIT_TITLES[s.init])
    return " · ".join(parts)


def describe(s: MLPSettings) -> str:
    """One sentence for the page: the data, the network and what the panels compare."""
    data = f"{DATASET_TITLES[s.dataset]}, {s.n} points, noise {s.noise:g}"
    net = "-".join(map(str, s.hidden)) + f" {ACTIVATION_TITLES[s.activation]}, {INIT_TITLES[s.init]} init"
    what = COMPARISONS[s.compare][1]
    if s.compare != "optimizers":
        what += f"; every panel trains {optimizer_label(s.optimizers[0])}"
    return f"{data} · {net}.  Side by side: {what}."


def mlp_figure(
    scene: Scene,
    run: MLPRun,
    name: str | None = None,
    *,
    animate: bool = True,
    frames: int | None = None,
    height: int | None = None,
) -> Any:
    """The page's figure `name` (default: the scene's `figure`) with the scene's display applied.

    animate: keep the decision boundary's frames (`frames`, default display.frames, at most
    200); without, only its final picture (the last frame is the same either way).  Raises
    ValueError when the run lacks the part the figure needs (see `parts_for`).
    """
    from optviz import figures
    from optviz.figures import mlp as F

    s = run.settings
    name = s.figure if name is None else _choice("figure", name, (*FIGURES, "data_raw"))
    d = scene.display
    results = run.results
    if name == "boundary":
        fig = F.decision_boundary_figure(
            results,
            frames=min(max(d.frames if frames is None else frames, 2), 200) if animate else 2,
            resolution=DECISION_RESOLUTION,
        )
    elif name == "curves":
        fig = F.loss_curves_figure(results, log_y=d.log_loss)
    elif name == "lr":
        fig = F.lr_figure(results)
    elif name == "gradients":
        fig = F.grad_norm_figure(results)
    elif name == "data":
        fig = F.data_figure(run.data.X, run.data.y, run.data.X_val, run.data.y_val, title=_data_title(run))
    elif name == "data_raw":
        data = run.data
        fig = F.data_figure(data.X_raw, data.y, data.X_val_raw, data.y_val, title=_data_title(run, raw=True))
    elif name == "one_hot":
        fig = F.one_hot_figure(run.data.X, run.data.y, run.data.n_classes)
    else:
        attr = {"slices": "slices", "interpolation": "interpolations", "landscape": "landscape"}.get(name, name)
        value = getattr(run, attr)
        if not value:
            raise ValueError(f"the {FIGURE_TITLES[name]} figure needs run_mlp_scene(..., parts={parts_for([name])})")
        if name == "landscape":
            fig = F.landscape_figure(value, log=d.log_loss)
        elif name == "slices":
            fig = F.slice_figure(value)
        elif name == "interpolation":
            fig = F.slice_figure(value)
            _retitle(fig, "from init to the end: L((1 − a)·θ₀ + a·θ_final)")
        elif name == "activations":
            fig = F.activation_histograms_figure(value)
        else:
            fig = F.gradient_check_figure(value)
    meta = dict(fig.layout.meta or {})
    if name in ("boundary", "curves", "lr", "landscape", "activations", "gradients"):  # the wide ones
        meta["auto_title"] = f"{meta.get('auto_title', '')} · {scene_title(s)}"
    meta["bottom"] = fig.layout.margin.b or 50  # apply_display keeps the room of the slider / legend below
    fig.update_layout(meta=meta)
    if height is not None:
        fig.update_layout(height=height)
    return figures.apply_display(fig, d)


def _retitle(fig: Any, title: str) -> None:
    fig.update_layout(title={"text": title}, meta={**(fig.layout.meta or {}), "auto_title": title})


def _data_title(run: MLPRun, raw: bool = False) -> str:
    s = run.settings
    if raw:
        return f"as generated: x · {s.scale:g} + {s.shift:g}"
    return "what the network sees: " + ("standardised" if s.standardize else "the raw inputs")


# ----------------------------------------------------------------------------- export hook

CSV_COLUMNS = ("step", "run", "optimizer", "loss", "val_loss", "accuracy", "val_accuracy", "lr")


def csv_rows(scene: Scene, run: MLPRun) -> Iterator[dict[str, Any]]:
    """One row per run and recorded step: data loss and accuracy (train, validation), the step's lr."""
    nan = math.nan
    for r in run.results:
        for i, step in enumerate(r.step):
            yield {
                "step": int(step),
                "run": r.label,
                "optimizer": r.optimizer,
                "loss": float(r.data_loss[i]),
                "val_loss": nan if r.val_loss is None else float(r.val_loss[i]),
                "accuracy": float(r.accuracy[i]),
                "val_accuracy": nan if r.val_accuracy is None else float(r.val_accuracy[i]),
                "lr": float(r.lr[step - 1]) if step >= 1 else nan,
            }


def _still_frame(fig: Any) -> None:
    """A still figure (curves, histograms, ...) as a one-frame animation, so that gif and mp4 work
    for every scene (`optviz export --all` asks each one for them): one frame, no counter, and an
    invisible one-step slider (the exporter reads the counter text from the slider)."""
    import plotly.graph_objects as go

    fig.frames = [go.Frame(data=list(fig.data), name="still")]
    fig.update_layout(
        sliders=[
            {
                "visible": False,
                "currentvalue": {"prefix": ""},
                "steps": [{"label": "", "method": "skip", "args": [["still"]]}],
            }
        ]
    )


def _register() -> None:
    from optviz import export

    def figure(scene: Scene, run: MLPRun, animate: bool) -> Any:
        fig = mlp_figure(scene, run, animate=animate)
        if animate and not fig.frames:
            _still_frame(fig)
        return fig

    export.register_view(
        "mlp", export.ViewExporter(run=run_mlp_scene, figure=figure, rows=csv_rows, columns=CSV_COLUMNS)
    )


_register()

__all__ = [
    "COMPARISONS",
    "DEFAULT_MLP_OPTIMIZERS",
    "FIGURES",
    "MLP_OPTIMIZERS",
    "PRESETS",
    "TABS",
    "MLPData",
    "MLPRun",
    "MLPSettings",
    "RunSpec",
    "add_parts",
    "compute_key",
    "make_data",
    "mlp_figure",
    "preset",
    "run_mlp_scene",
    "run_specs",
    "train_kwargs",
    "train_runs",
]
