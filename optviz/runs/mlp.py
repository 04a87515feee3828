"""Run a scene of the MLP view: generate its data, train every compared panel, add the extras.

    run = run_mlp_scene(scene)                        # data, one MLPResult per panel, extras
    run = add_parts(run, ["landscape"])               # what a figure needs, computed on demand

Training is cheap (a few hundred ms); the extras (`parts`: the landscape plane, 1D slices,
activation statistics, the gradient check) are computed only for the figures that show them, so
the page computes the landscape only while its tab is open.  A pure function of `Scene.mlp`.
"""

from __future__ import annotations

import contextvars
import json
import math
import os
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, fields, replace
from typing import Any

import numpy as np

from optviz.config import OptimizerSpec, Scene, run_labels
from optviz.config.mlp import (
    FIGURE_PARTS,
    LANDSCAPE_RESOLUTION,
    LOSS_TITLES,
    PARTS,
    RECORDED_ROWS,
    MLPConfig,
    recommended_init,
)
from optviz.i18n import N_, _
from optviz.mlp.data import make_dataset, split, standardize
from optviz.mlp.landscape import Landscape, Slice1D, landscape, loss_slice
from optviz.mlp.model import ACTIVATION_TITLES, ACTIVATIONS, INIT_TITLES, LOSSES, ActivationStats, activation_stats
from optviz.mlp.train import GradientCheck, MLPResult, gradient_check, train
from optviz.schedules import Schedule

SCHEMES = ("lecun_normal", "lecun_uniform", "xavier_normal", "xavier_uniform", "he_normal", "he_uniform")
# The schedule panel's label per schedule (the constant one is compared against a step decay).
_SCHEDULE_LABELS = {
    "constant": N_("constant lr"),
    "step": N_("step schedule"),
    "exponential": N_("exponential schedule"),
    "polynomial": N_("polynomial schedule"),
    "cosine": N_("cosine schedule"),
}


def weight_norms(r: MLPResult) -> np.ndarray:
    """float64 (rows,): ‖W‖ over every weight matrix (biases and batch-norm scales left out) at each row (C29)."""
    lay = r.net.layout()
    sizes = r.net.sizes
    total = np.zeros(r.params.shape[0])
    for l, (ow, *_rest) in enumerate(lay):
        total += np.sum(r.params[:, ow : ow + sizes[l] * sizes[l + 1]] ** 2, axis=1)
    return np.sqrt(total)


def unit_weights(r: MLPResult, layer: int = 0) -> np.ndarray:
    """float64 (rows, units, fan_in + 1): each hidden unit's incoming weights and bias at each row (C18).

    Units of a layer that start equal (zeros init) get equal gradients and stay equal: every
    unit's row is then the same at every step (symmetry is never broken).
    """
    out = []
    for row in range(r.params.shape[0]):
        W, b = r.net.unflatten(r.params[row])[layer][:2]
        out.append(np.column_stack([W.T, b]))
    return np.array(out)


def distinct_units(r: MLPResult, layer: int = 0, tol: float = 1e-9) -> int:
    """How many different units layer `layer` holds at the last row (1 after a zeros init)."""
    u = unit_weights(r, layer)[-1]
    reps: list[np.ndarray] = []
    for row in u:
        if not any(np.max(np.abs(row - q)) <= tol for q in reps):
            reps.append(row)
    return len(reps)


def margins(r: MLPResult, X: np.ndarray, y: np.ndarray, row: int = -1) -> np.ndarray:
    """float64 (n,): s_y - max_{j != y} s_j, the correct class's score over the best other one (C16).

    From the softmax of the scores (`predict_proba`): log-probabilities differ by the scores'
    differences.  The hinge loss of a point is 0 once its margin is at least 1; cross-entropy is
    never 0 and keeps pushing the margin up.
    """
    logp = np.log(np.maximum(r.predict_proba(X, row), 1e-300))
    n = len(y)
    own = logp[np.arange(n), y]
    logp[np.arange(n), y] = -np.inf
    return own - logp.max(axis=1)


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


def make_data(s: MLPConfig) -> MLPData:
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


def train_kwargs(s: MLPConfig, data: MLPData) -> dict[str, Any]:
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
        "run_past_stop": True,  # the lecture's picture: the curves past the stop, the best weights restored
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


def run_specs(s: MLPConfig, n_train: int) -> list[RunSpec]:
    """The runs the scene compares, in panel order (see COMPARISONS)."""
    if s.compare == "optimizers":
        labels = run_labels(s.optimizers, detailed=True)
        return [RunSpec(label, o.name, o.hyperparams) for label, o in zip(labels, s.optimizers)]
    o = s.optimizers[0]

    def one(label: str, **over: Any) -> RunSpec:  # the panel names the variant; the page names the optimizer
        return RunSpec(label, o.name, o.hyperparams, tuple(over.items()))

    if s.compare == "batch_size":
        k = s.batch_size if s.batch_size is not None and 1 < s.batch_size < n_train else min(16, n_train // 2)
        return [
            one(_("full batch ({n})").format(n=n_train), batch_size=None),
            one(_("mini-batch {k}").format(k=k), batch_size=k),
            one(_("batch size 1"), batch_size=1),
        ]
    if s.compare == "init":
        inits = ["zeros", "normal_0.01", "normal_1", recommended_init(s.activation)]
        inits += [s.init] if s.init not in inits else []
        return [one(_(INIT_TITLES[i]), init=i) for i in inits]
    if s.compare == "schemes":
        return [one(_(INIT_TITLES[i]), init=i) for i in SCHEMES]
    if s.compare == "standardize":
        return [one(_("raw inputs"), standardize=False), one(_("standardised inputs"), standardize=True)]
    if s.compare == "gradients":
        return [
            one(_("sigmoid, {init}: vanishing").format(init=_(INIT_TITLES[s.init])), activation="sigmoid"),
            one(_("ReLU, {init}: level").format(init=_(INIT_TITLES["he_normal"])), activation="relu", init="he_normal"),
            one(_("ReLU, {init}: exploding").format(init=INIT_TITLES["normal_1"]), activation="relu", init="normal_1"),
        ]
    if s.compare == "activation":
        return [one(ACTIVATION_TITLES[a], activation=a) for a in ACTIVATIONS]
    if s.compare == "loss":
        return [one(_(LOSS_TITLES[x]), loss=x) for x in LOSSES]
    if s.compare == "batch_norm":
        return [one(_("without batch norm"), batch_norm=False), one(_("with batch norm"), batch_norm=True)]
    if s.compare == "dropout":
        p = s.dropout or 0.5
        return [one(_("no dropout"), dropout=0.0), one(_("dropout {p}").format(p=f"{p:g}"), dropout=p)]
    if s.compare == "clip":
        c = s.clip_norm or 1.0
        return [one(_("no clipping"), clip_norm=None), one(_("clip norm {c}").format(c=f"{c:g}"), clip_norm=c)]
    if s.compare == "schedule":
        sched = s.schedule
        if sched.name == "constant":
            sched = Schedule(name="step", boundaries=(max(s.steps // 3, 1), max(2 * s.steps // 3, 2)))
        return [
            one(_("constant lr"), schedule=Schedule()),
            one(_(_SCHEDULE_LABELS[sched.name]), schedule=sched),
        ]
    # l2: no penalty / L2 penalty in the loss / (Adam family) AdamW's decoupled weight decay, each
    # with its own λ: at one shared λ = 0.01 AdamW shrinks θ by lr·λ = 1e-4 per step and cannot be
    # told from no decay, while the same λ as an L2 penalty already regularises.
    lam = s.l2 or 0.01
    wd = s.weight_decay
    hps = dict(o.hyperparams)
    if o.name == "adamw":
        hps["weight_decay"] = 0.0
    plain = tuple(hps.items())
    runs = [
        RunSpec(_("no penalty"), o.name, plain, (("l2", 0.0),)),
        RunSpec(_("L2 penalty λ = {lam}").format(lam=f"{lam:g}"), o.name, plain, (("l2", lam),)),
    ]
    if o.name in ("adam", "adamw"):
        decoupled = OptimizerSpec(
            "adamw", (*((k, v) for k, v in hps.items() if k != "weight_decay"), ("weight_decay", wd))
        )
        label = _("AdamW, weight decay λ = {wd}").format(wd=f"{wd:g}")
        runs.append(RunSpec(label, "adamw", decoupled.hyperparams, (("l2", 0.0),)))
    return runs


@dataclass(frozen=True, eq=False)
class NamedResult(MLPResult):
    """An MLPResult with the panel's label ("batch size 1") as its legend label."""

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

    settings: MLPConfig
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
        """One row per run: the final model's losses and accuracies (after early stopping: the restored
        best weights, `MLPResult.final_row`), best validation step, stop, divergence."""
        rows = []
        for r in self.results:
            f = r.final_row
            rows.append(
                {
                    "run": r.label,
                    "train loss": float(r.data_loss[f]),
                    "train accuracy": float(r.accuracy[f]),
                    "validation loss": None if r.val_loss is None else float(r.val_loss[f]),
                    "validation accuracy": None if r.val_accuracy is None else float(r.val_accuracy[f]),
                    "lowest validation loss at step": r.best_step,
                    "early stop at step": r.stopped_at,
                    "final weights of step": int(r.step[f]),
                    "diverged at step": r.diverged_at,
                    "steps run": r.steps_done,
                }
            )
        return rows


def train_runs(s: MLPConfig) -> MLPRun:
    """Generate the data and train every compared run (no extras)."""
    data = make_data(s)
    common = train_kwargs(s, data)

    def one(spec: Any) -> MLPResult:
        over = dict(spec.overrides)
        X, kw = data.X, common
        if "standardize" in over:  # the standardise comparison: each panel its own view of the data
            d = make_data(replace(s, standardize=over.pop("standardize")))
            X, kw = d.X, train_kwargs(s, d)
        kw = {**kw, **over}
        r = train(X, data.y, optimizer=spec.optimizer, **kw, **dict(spec.hyperparams))
        return NamedResult(**{f.name: getattr(r, f.name) for f in fields(MLPResult)}, name=spec.label)

    specs = list(run_specs(s, data.X.shape[0]))
    # The panels train on one thread per core: each run is its own seeded computation in a kernel
    # that releases the GIL, so the results are those of training them one after the other.  Each
    # task runs in a copy of this context (the page's language).
    workers = min(len(specs), os.cpu_count() or 1)
    if workers > 1:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            results = [f.result() for f in [pool.submit(contextvars.copy_context().run, one, sp) for sp in specs]]
    else:
        results = [one(spec) for spec in specs]
    return MLPRun(s, data, results)


def _plane_runs(run: MLPRun) -> tuple[list[MLPResult], str]:
    """The runs that share one landscape: same network and penalty as the first usable one."""
    usable = [r for r in run.results if r.diverged_at is None and r.params.shape[0] > 1]
    if not usable:
        return [], _("every run diverged: there is no landscape to draw")
    ref = usable[0]
    same = [r for r in usable if r.net == ref.net and r.options.get("l2") == ref.options.get("l2")]
    left = [r.label for r in run.results if r not in same]
    note = ""
    if left:
        note = _(
            "Left out of the plane: {runs} (a plane needs one network and one loss; diverged runs have no final point)."
        ).format(runs=", ".join(left))
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
                step=s.check_step,
            )
    return replace(run, **new, notes=notes)


def init_rows(s: MLPConfig) -> list[str]:
    """The init schemes of the activation histograms: yours, the two classic failures, the recommended one
    (the six LeCun / Xavier / He schemes when those are compared)."""
    rows = [s.init, "normal_0.01", "normal_1", recommended_init(s.activation)]
    if s.compare == "schemes":
        return list(SCHEMES)
    if s.compare == "init":
        rows = ["zeros", "normal_0.01", "normal_1", recommended_init(s.activation), s.init]
    return list(dict.fromkeys(rows))


def parts_for(figures: Iterable[str]) -> tuple[str, ...]:
    """The extras the figures need, in PARTS order."""
    want = {p for f in figures for p in FIGURE_PARTS.get(f, ())}
    return tuple(p for p in PARTS if p in want)


def run_mlp_scene(scene: Scene, parts: Iterable[str] | None = None) -> MLPRun:
    """Train the scene's runs and compute the extras `parts` (default: what `figure` needs).

    A pure function of the scene's MLP settings and the current language (`optviz.i18n`: the panels'
    labels and the notes are text): the display and the surfaces fields do not enter it.  Raises
    ValueError (readable) for settings that cannot train.
    """
    s = scene.mlp
    run = train_runs(s)
    return add_parts(run, parts_for([s.figure]) if parts is None else parts)


def compute_key(scene: Scene) -> str:
    """A JSON key of the settings `run_mlp_scene` depends on (cache key): the MLP settings, figure aside.

    The run's labels and notes are also in the current language: a cache keyed by this must take the
    language too (`optviz.i18n.current_lang()` or the scene's display.lang) as a second key.
    """
    return json.dumps(replace(scene.mlp, figure="boundary").to_dict(), sort_keys=True)
