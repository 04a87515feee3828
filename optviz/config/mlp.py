"""The MLP view's settings as one frozen, validated config (`MLPConfig`), its choices and presets.

    c = MLPConfig(dataset="circles", hidden=(16, 16), compare="batch_size")
    scene = Scene(view="mlp", mlp=c)                 # a scene file, a URL, like any scene

Scene files hold `MLPConfig.to_dict()` (every setting resolved, a schedule as an object, the
optimizers as objects like the surfaces').  URLs hold `to_pairs()`: flat (name, value) pairs of
JSON scalars and tuples, in which two settings are flattened:
    schedule     -> "schedule" (its name) and "schedule_<param>" for the params it reads
    optimizers   -> a tuple of "name:hp=value,..." strings (`optviz.config.spec.encode_optimizer`)
and only the pairs that differ from the defaults travel (`m_<name>=<value>`, tuples as a|b|c),
so the default MLP page has the short address `?view=mlp`.  Version-1 scene files held the pairs.

What is compared side by side (`compare`, see COMPARISONS): the optimizers of the list, all
from the same init; or, for the first optimizer, batch size full / k / 1 (C1), init schemes
(C18-C20), the six LeCun / Xavier / He x normal / uniform schemes (C20), activations (C22),
losses (C16), batch norm off / on (C26), dropout off / on (C27), no penalty / L2 (`l2`) / AdamW's
decoupled weight decay (`weight_decay`, its own value) (C29), clipping off / on (C23), constant
lr / a schedule (C17), standardise off / on (C24), and vanishing / healthy / exploding gradients
(sigmoid, ReLU with He, ReLU with N(0, 1); C21).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np

from optviz.config.spec import OptimizerSpec, decode_optimizer, encode_optimizer
from optviz.i18n import N_
from optviz.mlp.data import DATASETS
from optviz.mlp.landscape import DIRECTIONS
from optviz.mlp.model import ACTIVATIONS, INITS, LOSSES, MAX_HIDDEN_LAYERS, MAX_WIDTH, MIN_WIDTH
from optviz.optimizers import OPTIMIZERS, RANDOM_LOCAL_SEARCH
from optviz.schedules import Schedule
from optviz.validate import check_choice, check_flag, check_mapping, check_number, check_whole, is_off

# ----------------------------------------------------------------------------- choices (the UI is generated from these)

DATASET_TITLES = {
    "moons": N_("two moons"),
    "circles": N_("circles"),
    "spirals": N_("spirals"),
    "xor": "XOR",
    "blobs": N_("Gaussian blobs"),
}
LOSS_TITLES = {"softmax": N_("softmax cross-entropy"), "hinge": N_("multiclass SVM (hinge)")}
DIRECTION_TITLES = {"pca": N_("PCA of the paths"), "filter": N_("random, filter-normalised"), "random": N_("random")}
PROBE_TITLES = {"lecture": N_("lecture net: 5 layers of 100 units"), "network": N_("this network on its data")}

# name -> (title, what the side-by-side panels vary)
COMPARISONS: dict[str, tuple[str, str]] = {
    "optimizers": (N_("optimizers"), N_("every optimizer of the list, all from the same initial weights")),
    "batch_size": (N_("batch size"), N_("the first optimizer with full batch, mini-batches of k, and batch size 1")),
    "init": (
        N_("init schemes"),
        N_("zeros, N(0, 0.01²), N(0, 1), the scheme recommended for the activation, and yours"),
    ),
    "schemes": (N_("LeCun / Xavier / He"), N_("the six schemes LeCun, Xavier and He, each normal and uniform")),
    "activation": (N_("activations"), N_("sigmoid, tanh, ReLU, Leaky ReLU and GELU")),
    "loss": (N_("losses"), N_("softmax cross-entropy and the multiclass SVM (hinge) loss")),
    "batch_norm": (N_("batch norm off / on"), N_("the same training without and with batch normalisation")),
    "dropout": (N_("dropout off / on"), N_("without dropout and with your rate (0.5 if it is 0)")),
    "l2": (
        N_("L2 vs AdamW"),
        N_("no penalty, the L2 penalty λ (0.01 if it is 0), and for Adam AdamW's decoupled weight decay (its own λ)"),
    ),
    "clip": (N_("clipping off / on"), N_("without and with gradient clipping (max norm 1 if clipping is off)")),
    "schedule": (N_("lr schedule"), N_("constant lr against your schedule (a step decay if it is constant)")),
    "standardize": (
        N_("standardise off / on"),
        N_("the raw inputs against standardised ones (mean 0, std 1 per feature)"),
    ),
    "gradients": (
        N_("vanishing / exploding"),
        N_("sigmoid with your init (vanishing), ReLU with He (healthy), ReLU with N(0, 1) (exploding)"),
    ),
}

# The figures of the page; `figure` picks the one a scene file exports.  Tab -> its figures.
FIGURE_TITLES = {
    "boundary": N_("decision boundary (animated)"),
    "curves": N_("loss and accuracy curves"),
    "lr": N_("learning rate per step"),
    "landscape": N_("loss landscape with the paths"),
    "slices": N_("1D slice of the loss around the final point"),
    "interpolation": N_("the loss from init to the final point"),
    "activations": N_("activation histograms at init"),
    "gradients": N_("gradient norm per layer"),
    "units": N_("hidden units' weights over training"),
    "activation_functions": N_("the activation functions and their derivatives"),
    "gradient_check": N_("gradient check"),
    "data": N_("the data"),
    "one_hot": N_("one-hot targets"),
}
FIGURES = tuple(FIGURE_TITLES)
TABS: dict[str, tuple[str, ...]] = {
    N_("Training"): ("boundary", "curves", "lr"),
    N_("Landscape"): ("landscape", "slices", "interpolation"),
    N_("Initialisation"): ("activations", "units"),
    N_("Gradients"): ("gradients", "gradient_check", "activation_functions"),
    N_("Data"): ("data", "one_hot"),
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


def _hidden(value: Any) -> tuple[int, ...]:
    items = (value,) if isinstance(value, (int, float, np.integer)) and not isinstance(value, bool) else value
    if isinstance(items, str) or not isinstance(items, Iterable):
        raise ValueError(f"hidden must be 1 to {MAX_HIDDEN_LAYERS} layer widths, got {value!r}")
    items = tuple(items)
    if not 1 <= len(items) <= MAX_HIDDEN_LAYERS:
        raise ValueError(f"hidden must be 1 to {MAX_HIDDEN_LAYERS} layer widths, got {value!r}")
    return tuple(check_whole("hidden", w, MIN_WIDTH, MAX_WIDTH) for w in items)


def _optimizers(value: Any) -> tuple[OptimizerSpec, ...]:
    items = [value] if isinstance(value, (str, Mapping, OptimizerSpec)) else value
    if not isinstance(items, Iterable):
        raise ValueError(f"optimizers must be a list of 'name:hp=value,...' strings, got {value!r}")
    specs = tuple(decode_optimizer(v) for v in items)
    for spec in specs:
        if spec.name not in MLP_OPTIMIZERS:
            raise ValueError(f"optimizer {spec.name!r} cannot train the MLP; choose from: {', '.join(MLP_OPTIMIZERS)}")
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
class MLPConfig:
    """Everything the MLP view computes from.  Keywords only in practice; every field validated.

    Data: dataset, n points, noise, classes (blobs only), data_seed (points and split), shift and
    scale (inputs become x * scale + shift), standardize (fitted on the training part),
    val_fraction (0: no validation set).
    Network: hidden widths, activation, init, loss, dropout, batch_norm, l2 (penalty in the loss),
    weight_decay (AdamW's decoupled decay in the L2 vs AdamW comparison: its own λ, because the
    two act on different scales: L2's λ enters the gradient that Adam divides by √v, AdamW's
    shrinks θ by lr·λ each step (Loshchilov & Hutter 2019)).
    Training: batch_size (None = full batch, k, or 1), steps, schedule, clip_norm (None = off),
    patience (early stopping on the validation loss; None = off), seed (the initial weights,
    batch order and dropout masks: the same for every compared run), optimizers.
    View: compare (what the panels vary), directions of the landscape plane, probe (the network
    of the activation histograms), check_step (h of the gradient check: 1e-5 passes, a far too
    small or large h fails it, C14), figure (the one a scene file exports).
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
    weight_decay: float = 0.1
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
    check_step: float = 1e-5
    figure: str = "boundary"

    def __post_init__(self) -> None:
        put = object.__setattr__
        check_choice("dataset", self.dataset, DATASETS)
        put(self, "n", check_whole("n", self.n, 8, 5000))
        put(self, "noise", check_number("noise", self.noise, 0.0, 5.0))
        put(self, "classes", check_whole("classes", self.classes, 2, 4))
        put(self, "data_seed", check_whole("data_seed", self.data_seed, 0, 2**31 - 1))
        put(self, "shift", check_number("shift", self.shift, -100.0, 100.0))
        put(self, "scale", check_number("scale", self.scale, 0.01, 100.0))
        put(self, "standardize", check_flag("standardize", self.standardize))
        put(self, "val_fraction", check_number("val_fraction", self.val_fraction, 0.0, 0.5))
        put(self, "hidden", _hidden(self.hidden))
        check_choice("activation", self.activation, ACTIVATIONS)
        check_choice("init", self.init, INITS)
        check_choice("loss", self.loss, LOSSES)
        put(self, "dropout", check_number("dropout", self.dropout, 0.0, 0.9))
        put(self, "batch_norm", check_flag("batch_norm", self.batch_norm))
        put(self, "l2", check_number("l2", self.l2, 0.0, 10.0))
        put(self, "weight_decay", check_number("weight_decay", self.weight_decay, 0.0, 1.0))
        batch = None if is_off(self.batch_size) else check_whole("batch_size", self.batch_size, 1, 5000)
        put(self, "batch_size", batch)
        put(self, "steps", check_whole("steps", self.steps, 1, MAX_MLP_STEPS))
        try:
            put(self, "schedule", Schedule.coerce(self.schedule))
        except TypeError as e:
            raise ValueError(f"schedule: {e}") from None
        clip = None if is_off(self.clip_norm) else check_number("clip_norm", self.clip_norm, 1e-6, 1e6)
        put(self, "clip_norm", clip)
        patience = None if is_off(self.patience) else check_whole("patience", self.patience, 1, MAX_MLP_STEPS)
        put(self, "patience", patience)
        put(self, "seed", check_whole("seed", self.seed, 0, 2**31 - 1))
        put(self, "optimizers", _optimizers(self.optimizers))
        check_choice("compare", self.compare, COMPARISONS)
        check_choice("directions", self.directions, DIRECTIONS)
        check_choice("probe", self.probe, PROBE_TITLES)
        put(self, "check_step", check_number("check_step", self.check_step, 1e-10, 1e-1))
        check_choice("figure", self.figure, FIGURES)
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
        if self.compare == "gradients" and first == "random_local_search":
            raise ValueError("the gradient comparison needs a gradient optimizer first in the list")

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
    def from_pairs(cls, pairs: Iterable[tuple[str, Any]] | Mapping[str, Any]) -> MLPConfig:
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

    # ----------------------------------------------------------------- scene files
    def to_dict(self) -> dict[str, Any]:
        """The scene-file form: every setting, the schedule and the optimizers as objects."""
        out: dict[str, Any] = {}
        for f in fields(self):
            v = getattr(self, f.name)
            if f.name == "schedule":
                out[f.name] = v.to_dict()
            elif f.name == "optimizers":
                out[f.name] = [o.to_dict() for o in v]
            else:
                out[f.name] = list(v) if isinstance(v, tuple) else v
        return out

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> MLPConfig:
        """Strict inverse of `to_dict` (missing keys take their defaults, unknown keys raise).
        Version-1 files held `to_pairs()` as an object: those read too."""
        return cls.from_pairs(check_mapping("mlp", d))

    def query_pairs(self) -> Iterator[tuple[str, Any]]:
        """The pairs that differ from the defaults: the ones the URL carries."""
        for k, v in self.to_pairs():
            if k not in DEFAULT_PAIRS or DEFAULT_PAIRS[k] != v or type(DEFAULT_PAIRS[k]) is not type(v):
                yield k, v


DEFAULT_PAIRS = dict(MLPConfig().to_pairs())


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
    N_("optimizers from one init"): (
        {},
        N_("Adam, SGD and momentum start from the same weights: the same network, three ways down."),
    ),
    N_("batch size: full / 16 / 1"): (
        {"compare": "batch_size", "batch_size": 16, "optimizers": ("sgd:lr=0.1",), "figure": "curves"},
        N_(
            "The same SGD with the whole training set, 16 points and 1 point per step: the smaller the batch, "
            "the noisier the way down (C1)."
        ),
    ),
    N_("zeros init: symmetry never breaks"): (
        {"compare": "init", "activation": "tanh", "optimizers": ("adam:lr=0.01",)},
        N_("All-zero weights give every hidden unit the same (here: zero) gradient: that panel never learns (C18)."),
    ),
    N_("init schemes with sigmoid"): (
        {
            "activation": "sigmoid",
            "init": "normal_1",
            "compare": "init",
            "optimizers": ("adam:lr=0.01",),
            "figure": "activations",
        },
        N_(
            "N(0, 1) saturates sigmoid units at 0 and 1, N(0, 0.01²) collapses them to 0.5, Xavier keeps them "
            "spread (C19, C20)."
        ),
    ),
    N_("ReLU: He vs Xavier"): (
        {
            "activation": "relu",
            "init": "xavier_normal",
            "hidden": (32, 32, 32),
            "compare": "init",
            "optimizers": ("adam:lr=0.01",),
            "figure": "activations",
        },
        N_(
            "He's variance 2/fan_in keeps ReLU activations at one scale layer after layer; N(0, 1) explodes, "
            "N(0, 0.01²) vanishes (C20)."
        ),
    ),
    N_("deep sigmoid: vanishing gradients"): (
        {
            "activation": "sigmoid",
            "hidden": (32, 32, 32),
            "compare": "activation",
            "optimizers": ("sgd:lr=0.5",),
            "steps": 1000,
            "figure": "gradients",
        },
        N_(
            "With sigmoid the first layer's gradient sits far below the last one's and training crawls; "
            "ReLU and tanh keep the layers level (C21, C22)."
        ),
    ),
    N_("exploding gradients: clipping"): (
        {
            "activation": "relu",
            "init": "normal_1",
            "hidden": (32, 32, 32),
            "compare": "clip",
            "clip_norm": 1.0,
            "optimizers": ("sgd:lr=0.5",),
            "figure": "curves",
        },
        N_(
            "N(0, 1) weights and a large step: the unclipped run explodes within ten steps, "
            "the clipped one trains (C23)."
        ),
    ),
    N_("unscaled inputs: standardise!"): (
        {
            "shift": 10.0,
            "standardize": False,
            "optimizers": ("sgd:lr=0.1", "momentum:lr=0.1,momentum=0.9"),
            "figure": "curves",
        },
        N_("Inputs around (10, 10), all positive: SGD crawls and momentum stalls.  Switch 'standardise' on (C24)."),
    ),
    N_("batch norm on / off"): (
        {
            "activation": "sigmoid",
            "hidden": (32, 32, 32),
            "compare": "batch_norm",
            "batch_size": 32,
            "optimizers": ("sgd:lr=0.1",),
            "figure": "curves",
        },
        N_("A deep sigmoid net learns slowly with SGD; batch norm re-centres every layer and it trains (C26)."),
    ),
    N_("overfitting: small noisy data, big net"): (
        dict(_OVERFIT),
        N_(
            "40 noisy training points, three layers of 32: the training loss falls, the validation loss turns "
            "up after its minimum (the star) (C30)."
        ),
    ),
    N_("dropout against overfitting"): (
        {**_OVERFIT, "compare": "dropout", "dropout": 0.3},
        N_("Dropout 0.3 keeps the validation loss down while the training loss stays higher (C27)."),
    ),
    N_("early stopping"): (
        {**_OVERFIT, "patience": 200},
        N_("Training stops 200 steps after the lowest validation loss (the star) (C28)."),
    ),
    N_("L2 penalty vs AdamW"): (
        {**_OVERFIT, "compare": "l2", "l2": 0.01, "weight_decay": 1.0, "optimizers": ("adam:lr=0.03",)},
        N_(
            "Adam with no penalty overfits (validation loss up, ‖θ‖ grows); the L2 penalty λ = 0.01 in the loss "
            "and AdamW's decoupled decay λ = 1 both hold ‖θ‖ and the validation loss down: two settings, two "
            "scales (Loshchilov & Hutter 2019) (C29)."
        ),
    ),
    N_("learning-rate schedule"): (
        {
            "compare": "schedule",
            "schedule": {"name": "step", "boundaries": (300, 600), "values": (1.0, 0.1, 0.01)},
            "steps": 900,
            "batch_size": 16,
            "optimizers": ("sgd:lr=0.3",),
            "figure": "curves",
        },
        N_("Constant lr against a step decay: the noisy mini-batch loss settles when the lr drops (C17)."),
    ),
    N_("softmax vs SVM loss"): (
        {"compare": "loss", "optimizers": ("adam:lr=0.01",), "figure": "curves"},
        N_("Cross-entropy keeps pushing the correct class up; the hinge loss is satisfied at a margin of 1 (C16)."),
    ),
    N_("loss landscape"): (
        {"figure": "landscape"},
        N_(
            "The paths of the three optimizers on the plane of their two main directions, over the loss contours (C15)."
        ),
    ),
    N_("gradient check"): (
        {"figure": "gradient_check"},
        N_("Backprop against central differences: a relative error near 1e-9 says the gradient is right (C14)."),
    ),
    N_("one-hot targets, 3 classes"): (
        {"dataset": "blobs", "classes": 3, "noise": 0.6, "figure": "one_hot"},
        N_("Each label becomes a one-hot vector, the target the softmax is fitted to (C25)."),
    ),
}


def matching_preset(s: MLPConfig) -> str | None:
    """The name of the preset whose settings are exactly s, if any."""
    return next((name for name in PRESETS if preset(name) == s), None)


def preset(name: str) -> MLPConfig:
    """The settings of a lecture preset (`PRESETS`)."""
    if name not in PRESETS:
        raise ValueError(f"preset must be one of: {', '.join(PRESETS)}; got {name!r}")
    return MLPConfig.from_pairs(PRESETS[name][0])
