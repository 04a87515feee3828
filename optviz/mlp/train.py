"""Training the MLP with the shared optimizer rules: `train`, `compare`, `gradient_check`, predictions.

`train` validates every argument (ValueError naming it and the allowed values), draws the
initial weights, expands the schedule and calls ONE Numba kernel, `_train`, which runs the whole
loop: mini-batch sampling, forward/backward (`optviz.mlp.model`), `optviz.optimizers.prepare_grad`
(clipping) and `optviz.optimizers.update`: the same compiled update rules as the 2D surfaces.
Hyperparameters, sizes and flags are values, so a new slider value never recompiles.

What is recorded at each row (the start, then every `record_every` steps and the last step):
  loss      full training set, no dropout, batch norm with the full set's statistics, plus the
            L2 penalty: the objective as a function of the parameters alone (so it is the value
            the landscape plots at that point, and with full batch the loss of torch's step)
  val_loss  validation set in evaluation mode (running batch-norm statistics, no dropout),
            data loss only; accuracy / val_accuracy from the same passes
Per step: lr (after the schedule) and grad_norm, the norm of each weight matrix's data-loss
gradient on the batch before clipping (vanishing / exploding gradients, C21).

Mini-batches: each epoch is a fresh seeded permutation (Fisher-Yates) of the training set, cut
into consecutive batches of `batch_size`; an incomplete last batch is dropped (torch's
drop_last=True), so every step sees exactly `batch_size` points.  `steps` counts updates.

Early stopping (Prechelt 1998; Goodfellow, Bengio & Courville 2016, Algorithm 7.1): with a patience
p, the run stops at the first recorded step s with s - best_step >= p, best_step being the step of
the lowest validation loss so far, and the model it returns is the one of best_step (`final`, the
restored best weights).  With run_past_stop the kernel records the stop and trains on to `steps`
(for the lecture's picture of what the stop saved); best_step stays the one before the stop.
Divergence: a step whose gradient, parameters or recorded loss is not finite ends the run;
`diverged_at` names it and the rows stop at the step before.  Nothing raises.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from optviz._jit import jit
from optviz.api import check_number, check_steps, split_runs
from optviz.mlp.data import check_data
from optviz.mlp.data import split as split_data
from optviz.mlp.model import (
    BN_MOMENTUM,
    INITS,
    Net,
    _draw_masks,
    _evaluate,
    _forward,
    _fwd_bwd,
    _penalty,
    _workspace,
    init_params,
)
from optviz.optimizers import (
    AT_X,
    DONE,
    DRAWS_NORMAL,
    EVAL_F,
    GRADIENT,
    N_SCAL,
    VALUE,
    get_optimizer,
    prepare_grad,
    step,
)
from optviz.schedules import Schedule

MAX_RECORDED = 20_000_000  # floats of the params array (160 MB); beyond it, ask for record_every


# --------------------------------------------------------------------------- kernels


@jit
def _copy1(dst, src):
    """dst[:] = src as a loop: numba's slice assignment compiles shape-error formatting (seconds)."""
    for i in range(src.shape[0]):
        dst[i] = src[i]


@jit
def _copy2(dst, src):
    for i in range(src.shape[0]):
        for j in range(src.shape[1]):
            dst[i, j] = src[i, j]


@jit
def _shuffle(perm, rng):
    """Fisher-Yates shuffle in place with rng.random() draws (reproducible from numpy)."""
    for i in range(perm.shape[0] - 1, 0, -1):
        j = int(rng.random() * (i + 1))
        tmp = perm[i]
        perm[i] = perm[j]
        perm[j] = tmp


@jit
def _next_batch(perm, pos, bidx, rng):
    """Fill bidx with the next batch of the epoch; a new epoch (reshuffle) when too few are left."""
    b = bidx.shape[0]
    if pos + b > perm.shape[0]:
        _shuffle(perm, rng)
        pos = 0
    for i in range(b):
        bidx[i] = perm[pos + i]
    return pos + b


@jit
def _batch_order(n, batch, steps, rng, out):
    """out (steps, batch): the training rows of each step, as `_train` draws them."""
    perm = np.arange(n)
    pos = n
    bidx = np.empty(batch, np.int64)
    for t in range(steps):
        pos = _next_batch(perm, pos, bidx, rng)
        _copy1(out[t], bidx)


@jit
def _record(r, s, theta, f, corr, n, Xv, yv, idx, sizes, lay, uoff, act, lossc, bn, ws, outs):
    """Write row r (step s) of the outputs; returns the validation loss (NaN without validation)."""
    P_out, f_out, acc_out, vf_out, vacc_out, run_out, step_out = outs
    _copy1(P_out[r], theta)
    f_out[r] = f
    acc_out[r] = corr / n
    step_out[r] = s
    _copy2(run_out[r], ws.running)
    nv = Xv.shape[0]
    vf = np.nan
    off = nv < 0  # runtime False (see _train)
    if nv > 0:
        vf, vc = _evaluate(theta, Xv, yv, idx, nv, sizes, lay, uoff, act, lossc, bn, off, ws.running, ws)
        vf_out[r] = vf
        vacc_out[r] = vc / nv
    return vf


@jit
def _bn_follow(bn, m, sizes, uoff, running, bstat):
    """torch.nn.BatchNorm1d: running stats move towards this training batch's statistics."""
    if bn:
        c = m / (m - 1.0)
        for l in range(sizes.shape[0] - 2):
            for j in range(sizes[l + 1]):
                u = uoff[l] + j
                running[0, u] = (1.0 - BN_MOMENTUM) * running[0, u] + BN_MOMENTUM * bstat[0, l, j]
                running[1, u] = (1.0 - BN_MOMENTUM) * running[1, u] + BN_MOMENTUM * bstat[1, l, j] * c


@jit
def _train(
    theta,
    X,
    y,
    Xv,
    yv,
    sizes,
    lay,
    uoff,
    act,
    lossc,
    bn,
    l2,
    drop_p,
    code,
    hp,
    blocks,
    n_state,
    lr,
    clip,
    batch,
    every,
    patience,
    past,
    rng_b,
    rng_d,
    outs,
    gn_out,
    evals_out,
    probe_out,
):
    """Run `lr.shape[0]` optimizer steps from theta (updated in place); write the recorded rows.

    code, hp, blocks, n_state: the rule (`optviz.optimizers.step`) and the parameter tensors.
    outs = (params, loss, accuracy, val_loss, val_accuracy, running, step) preallocated for
    every possible row; gn_out (steps, L); evals_out (steps,) evaluations per step; probe_out
    (rows, P) the last probe of each recorded step, or (0, P) when the rule never probes.
    Every evaluation of a step uses the step's batch and dropout masks; batch-norm running
    statistics follow the step's first gradient evaluation.
    patience > 0: early stopping; past: record the stop (stopped_at) and keep training to the end,
    the best step frozen at the stop's.
    Returns (k, rows, stopped_at, best_step): k steps done (k < steps, unless the stop ended the
    run, means step k + 1 diverged), rows written.
    """
    n = X.shape[0]
    nv = Xv.shape[0]
    P = theta.shape[0]
    L = sizes.shape[0] - 1
    steps = lr.shape[0]
    at_x = AT_X[code]
    draws = DRAWS_NORMAL[code]
    keep_probe = probe_out.shape[0] > 0
    full = batch >= n
    reuse = full and drop_p == 0.0 and at_x == GRADIENT  # one forward/backward per step gives loss and gradient
    ws = _workspace(max(max(n, nv), batch), sizes, bn, drop_p > 0.0, uoff[L - 1])
    running = ws.running
    bstat = ws.bstat
    idx = np.arange(max(n, nv))
    perm = np.arange(n)
    pos = n
    bidx = np.empty(min(batch, n), np.int64)
    g = np.zeros(P)
    state = np.zeros((n_state, P))
    scal = np.ones(N_SCAL)
    h = np.zeros(3)
    gn = np.zeros(L)
    prev = theta.copy()
    run_prev = running.copy()
    probe = theta.copy()
    rnd = np.zeros(P if draws else 0)
    # runtime constants: literal True/False/0 arguments would compile extra copies of the callees
    on = n > 0
    zero = n - n

    if reuse:
        f, corr = _fwd_bwd(theta, g, X, y, idx, n, sizes, lay, uoff, act, lossc, bn, l2, 0.0, ws, gn)
    else:
        f, corr = _evaluate(theta, X, y, idx, n, sizes, lay, uoff, act, lossc, bn, on, running, ws)
        f += _penalty(theta, sizes, lay, l2)
    best = _record(zero, zero, theta, f, corr, n, Xv, yv, idx, sizes, lay, uoff, act, lossc, bn, ws, outs)
    if keep_probe:
        _copy1(probe_out[0], theta)
    best_step = zero
    rows = zero + 1
    last = zero
    k = steps
    stopped = 0
    failed = False
    s = 0
    for t in range(steps):
        s = t + 1
        if every > 1:
            _copy1(prev, theta)
            _copy2(run_prev, running)
        if full:
            bi = idx
            m = n
        else:
            pos = _next_batch(perm, pos, bidx, rng_b)
            bi = bidx
            m = batch
        if drop_p > 0.0:
            _draw_masks(ws.Mk, m, sizes, drop_p, rng_d)
        got_grad = False
        fx = 0.0
        if at_x == GRADIENT:
            if reuse:
                fx = f
            else:
                fx, _ = _fwd_bwd(theta, g, X, y, bi, m, sizes, lay, uoff, act, lossc, bn, l2, drop_p, ws, gn)
                if not np.isfinite(fx):
                    failed = True
                    break
            _bn_follow(bn, m, sizes, uoff, running, bstat)
            prepare_grad(g, theta, clip, 0.0)
            got_grad = True
        elif at_x == VALUE:
            fx, _ = _evaluate(theta, X, y, bi, m, sizes, lay, uoff, act, lossc, bn, on, running, ws)
            fx += _penalty(theta, sizes, lay, l2)
        if draws:
            for q in range(P):
                rnd[q] = rng_d.standard_normal()
        used = 1 if at_x != 0 else 0
        phase = 0
        while True:
            req = step(code, phase, theta, g, fx, probe, rnd, state, scal, hp, s, lr[t], h, blocks)
            if req == DONE:
                break
            if req == EVAL_F:
                fx, _ = _evaluate(probe, X, y, bi, m, sizes, lay, uoff, act, lossc, bn, on, running, ws)
                fx += _penalty(probe, sizes, lay, l2)
            else:
                fx, _ = _fwd_bwd(probe, g, X, y, bi, m, sizes, lay, uoff, act, lossc, bn, l2, drop_p, ws, gn)
                if not got_grad:
                    _bn_follow(bn, m, sizes, uoff, running, bstat)
                prepare_grad(g, probe, clip, 0.0)
                got_grad = True
            used += 1
            phase += 1
        if failed:
            break
        evals_out[t] = used
        if got_grad:
            _copy1(gn_out[t], gn)
        else:
            for l in range(L):
                gn_out[t, l] = np.nan
        ok = True
        for q in range(P):
            if not np.isfinite(theta[q]):
                ok = False
                break
        if not ok:
            failed = True
            break
        rec = s % every == 0 or s == steps
        if reuse:
            f, corr = _fwd_bwd(theta, g, X, y, idx, n, sizes, lay, uoff, act, lossc, bn, l2, 0.0, ws, gn)
        elif rec:
            f, corr = _evaluate(theta, X, y, idx, n, sizes, lay, uoff, act, lossc, bn, on, running, ws)
            f += _penalty(theta, sizes, lay, l2)
        if (reuse or rec) and not np.isfinite(f):
            failed = True
            break
        if rec:
            vf = _record(rows, s, theta, f, corr, n, Xv, yv, idx, sizes, lay, uoff, act, lossc, bn, ws, outs)
            if keep_probe:
                _copy1(probe_out[rows], probe)
            rows += 1
            last = s
            if nv > 0 and stopped == 0:
                if vf < best:
                    best = vf
                    best_step = s
                elif patience > 0 and s - best_step >= patience:
                    stopped = s
                    if not past:
                        k = s
                        break
    if failed:
        k = s - 1
        if last != k:  # record_every > 1: the last good point was not recorded yet
            _copy1(theta, prev)
            _copy2(running, run_prev)
            f, corr = _evaluate(theta, X, y, idx, n, sizes, lay, uoff, act, lossc, bn, on, running, ws)
            f += _penalty(theta, sizes, lay, l2)
            _record(rows, k, theta, f, corr, n, Xv, yv, idx, sizes, lay, uoff, act, lossc, bn, ws, outs)
            rows += 1
    return k, rows, stopped, best_step


@jit
def _grad_check(theta, X, y, sizes, lay, uoff, act, lossc, bn, l2, step, g_an, g_fd):
    """Backprop gradient into g_an and central differences (f(x+h) - f(x-h)) / 2h into g_fd."""
    n = X.shape[0]
    L = sizes.shape[0] - 1
    ws = _workspace(n, sizes, bn, False, uoff[L - 1])
    idx = np.arange(n)
    gn = np.zeros(L)
    on = n > 0  # runtime True (see _train)
    f0, _ = _fwd_bwd(theta, g_an, X, y, idx, n, sizes, lay, uoff, act, lossc, bn, l2, 0.0, ws, gn)
    for q in range(theta.shape[0]):
        orig = theta[q]
        theta[q] = orig + step
        fp, _ = _evaluate(theta, X, y, idx, n, sizes, lay, uoff, act, lossc, bn, on, ws.running, ws)
        fp += _penalty(theta, sizes, lay, l2)
        theta[q] = orig - step
        fm, _ = _evaluate(theta, X, y, idx, n, sizes, lay, uoff, act, lossc, bn, on, ws.running, ws)
        fm += _penalty(theta, sizes, lay, l2)
        theta[q] = orig
        g_fd[q] = (fp - fm) / (2.0 * step)
    return f0


@jit
def _predict_many(thetas, runs, X, sizes, lay, uoff, act, bn, out):
    """out[f] = softmax of the logits of thetas[f] on X (evaluation mode, running stats runs[f])."""
    n = X.shape[0]
    L = sizes.shape[0] - 1
    C = sizes[L]
    ws = _workspace(n, sizes, bn, False, uoff[L - 1])
    idx = np.arange(n)
    off = n < 0  # runtime False (see _train)
    for r in range(thetas.shape[0]):
        _forward(thetas[r], X, idx, n, sizes, lay, uoff, act, bn, off, runs[r], 0.0, off, ws)
        Z = ws.U[L - 1]
        for i in range(n):
            mx = Z[0, i]
            for j in range(1, C):
                mx = max(mx, Z[j, i])
            s = 0.0
            for j in range(C):
                e = np.exp(Z[j, i] - mx)
                out[r, i, j] = e
                s += e
            for j in range(C):
                out[r, i, j] /= s


# --------------------------------------------------------------------------- public API


@dataclass(frozen=True, eq=False)
class MLPResult:
    """One optimizer's training run of the MLP.  Rows = the start, then every `record_every` steps.

    params: float64 (rows, P) flat parameter vectors (layout: `optviz.mlp.model`).
    step: int64 (rows,) the step of each row (0, 1, 2, ... with record_every = 1).
    loss: float64 (rows,) full training-set loss (data + L2 penalty) at each row; `data_loss`
        leaves the penalty out.  accuracy: training accuracy at each row.
    val_loss, val_accuracy: (rows,) on the validation set (evaluation mode), or None.
    lr: (k,) the learning rate of each step (random local search: its perturbation size).
    grad_norm: (k, n_layers) ||dLoss/dW_l|| on each step's batch, before clipping (NaN for random
        local search, which takes no gradient).
    bn_running: (rows, 2, n_hidden_units) batch-norm running mean / variance, or None.
    diverged_at: None or the step (from 1) whose gradient, parameters or loss was not finite.
    stopped_at: None or the step where early stopping's patience ran out (the run ends there, or
        with run_past_stop goes on to `steps` for display); best_step: the step of the lowest
        validation loss (up to the stop; None without validation).  `final_row` / `final`: the
        model training returns: the restored best weights when early stopping fired.
    X, y, X_val, y_val: the data it was trained and validated on.
    evals: int64 (k,) objective evaluations of each step (1 for the one-gradient rules; see
        `optviz.Result.evals`).  probe_params: (rows, P) for the rules that take their gradient
        elsewhere (schedule-free: y, where params holds x; SAM: the perturbed point; L-BFGS: the
        last line-search trial), the last such point of each recorded step; else None.
    """

    optimizer: str
    hyperparams: dict[str, float]
    net: Net
    init: str
    seed: int
    batch_size: int
    steps: int
    params: np.ndarray
    step: np.ndarray
    loss: np.ndarray
    penalty: np.ndarray
    accuracy: np.ndarray
    val_loss: np.ndarray | None
    val_accuracy: np.ndarray | None
    lr: np.ndarray
    grad_norm: np.ndarray
    bn_running: np.ndarray | None
    diverged_at: int | None
    stopped_at: int | None
    best_step: int | None
    X: np.ndarray
    y: np.ndarray
    X_val: np.ndarray | None
    y_val: np.ndarray | None
    options: dict[str, Any] = field(default_factory=dict)
    evals: np.ndarray | None = None
    probe_params: np.ndarray | None = None

    @property
    def steps_done(self) -> int:
        """Number of optimizer steps taken (k)."""
        return int(self.lr.shape[0])

    @property
    def final_row(self) -> int:
        """The row of the model training returns: the best step's (restored best weights) when early
        stopping fired, else the last row."""
        if self.stopped_at is not None and self.best_step is not None:
            return self.row_of(self.best_step)
        return self.params.shape[0] - 1

    @property
    def restored(self) -> bool:
        """Whether the final model is the restored best weights of an earlier row (early stopping)."""
        return self.final_row != self.params.shape[0] - 1

    @property
    def final(self) -> np.ndarray:
        """The parameter vector of the model training returns (row `final_row`)."""
        return self.params[self.final_row]

    @property
    def data_loss(self) -> np.ndarray:
        """Training loss without the L2 penalty, comparable with val_loss."""
        return self.loss - self.penalty

    @property
    def label(self) -> str:
        """Short legend label: optimizer and learning rate (or step size)."""
        hp = self.hyperparams
        if "lr" in hp:
            return f"{self.optimizer} (lr={hp['lr']:g})"
        if "step" in hp:
            return f"{self.optimizer} (step={hp['step']:g})"
        return self.optimizer

    def row_of(self, step: int) -> int:
        """Index of the last row recorded at or before `step`."""
        return int(np.searchsorted(self.step, step, side="right") - 1)

    def unflatten(self, row: int = -1) -> list[tuple[np.ndarray, ...]]:
        """[(W1, b1), ...] of recorded row `row` (default the last)."""
        return self.net.unflatten(self.params[row])

    def predict_proba(self, X: np.ndarray, rows: int | Sequence[int] = -1) -> np.ndarray:
        """Softmax of the class scores on X at recorded row(s): (n, C), or (len(rows), n, C).

        Evaluation mode (running batch-norm statistics, no dropout).  With the hinge loss the
        softmax of the scores is only a confidence display; argmax is the prediction either way.
        """
        single = isinstance(rows, (int, np.integer))
        r = np.atleast_1d(np.asarray(rows, dtype=np.int64))
        Xa = np.ascontiguousarray(X, dtype=np.float64)
        if Xa.ndim != 2 or Xa.shape[1] != self.net.n_in:
            raise ValueError(f"X must have shape (n, {self.net.n_in}), got {Xa.shape}")
        sizes, lay, uoff, act, _, bn = self.net.codes()
        thetas = np.ascontiguousarray(self.params[r])
        runs = np.ascontiguousarray(self.bn_running[r]) if self.bn_running is not None else np.zeros((len(r), 2, 1))
        out = np.empty((len(r), Xa.shape[0], self.net.n_out))
        _predict_many(thetas, runs, Xa, sizes, lay, uoff, act, bn, out)
        return out[0] if single else out

    def predict(self, X: np.ndarray, row: int = -1) -> np.ndarray:
        """int64 (n,): the predicted class at recorded row `row`."""
        return np.argmax(self.predict_proba(X, row), axis=1)


def _whole(name: str, value: Any, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not lo <= value <= hi:
        raise ValueError(f"{name} must be a whole number from {lo:,} to {hi:,}, got {value!r}")
    return int(value)


def _rngs(seed: int, extra: int = 0) -> tuple[np.random.Generator, np.random.Generator]:
    """Independent streams for the batch order and for dropout / random-search draws."""
    return np.random.default_rng([seed, 1]), np.random.default_rng([seed, 2, extra])


def minibatch_indices(n: int, batch_size: int, steps: int, seed: int = 0) -> np.ndarray:
    """int64 (steps, batch_size): the training rows each step of `train(..., seed=seed)` uses."""
    n = _whole("n", n, 1, 10**7)
    b = _whole("batch_size", batch_size, 1, n)
    steps = check_steps(steps)
    out = np.empty((steps, b), dtype=np.int64)
    _batch_order(n, b, steps, _rngs(_whole("seed", seed, 0, 2**63 - 1))[0], out)
    return out


def _resolve_data(X, y, X_val, y_val, val_fraction, seed):
    X, y = check_data(X, y)
    if X_val is not None or y_val is not None:
        if X_val is None or y_val is None:
            raise ValueError("X_val and y_val must be given together")
        if val_fraction:
            raise ValueError("give either X_val/y_val or val_fraction, not both")
        Xv, yv = check_data(X_val, y_val, "X_val")
        if Xv.shape[1] != X.shape[1]:
            raise ValueError(f"X_val must have {X.shape[1]} columns like X, got {Xv.shape[1]}")
    elif val_fraction:
        v = check_number("val_fraction", val_fraction, 0.0, 0.9)
        X, Xv, y, yv = split_data(X, y, v, seed)
    else:
        Xv, yv = None, None
    if X.shape[0] < 2:
        raise ValueError(f"X must hold at least 2 training points, got {X.shape[0]}")
    return X, y, Xv, yv


def train(
    X: np.ndarray,
    y: np.ndarray,
    hidden: Sequence[int] = (16, 16),
    activation: str = "tanh",
    init: str = "xavier_normal",
    loss: str = "softmax",
    optimizer: str = "adam",
    steps: int = 500,
    batch_size: int | None = None,
    seed: int = 0,
    *,
    X_val: np.ndarray | None = None,
    y_val: np.ndarray | None = None,
    val_fraction: float = 0.0,
    schedule: str | Mapping[str, Any] | Schedule | None = "constant",
    clip_norm: float | None = None,
    l2: float = 0.0,
    dropout: float = 0.0,
    batch_norm: bool = False,
    early_stopping_patience: int | None = None,
    run_past_stop: bool = False,
    record_every: int = 1,
    n_classes: int | None = None,
    theta0: np.ndarray | None = None,
    **hyperparams: Any,
) -> MLPResult:
    """Train an MLP on (X, y) with `optimizer` for `steps` updates and return its `MLPResult`.

    hidden: 1..8 widths in 2..32.  activation: sigmoid, tanh, relu, leaky_relu, gelu.
    init: zeros, normal_0.01, normal_1, lecun_normal, lecun_uniform, xavier_normal,
        xavier_uniform, he_normal, he_uniform (weights from default_rng(seed); biases 0).
    loss: "softmax" (cross-entropy) or "hinge" (multiclass SVM).
    optimizer: a gradient rule of `optviz.OPTIMIZERS` or "random_local_search" (no batch norm
        or dropout); newton and random_search work on the 2D surfaces only.
    batch_size: None (or n) = full batch, k = mini-batches of k, 1 = plain SGD.
    seed: init, batch order and dropout masks; the same seed gives the same init to every
        optimizer.  X_val/y_val, or val_fraction (a seeded split of X): the validation set.
    schedule: as in `optviz.run` (multiplies lr per step).  clip_norm: clip the gradient's
        global norm (None = off).  l2: penalty 0.5 * l2 * sum ||W||^2 on weights only, in the
        loss (AdamW's decoupled `weight_decay` is its own hyperparameter).
    dropout: probability p in [0, 0.9] of dropping a hidden unit in training.
    batch_norm: batch normalisation after each hidden affine map (batch_size >= 2).
    early_stopping_patience: stop after this many steps without a lower validation loss; the
        result's `final` is then the best step's weights (restored).  run_past_stop: record the
        stop (stopped_at) but train on to `steps`, to show what the stop saved.
    record_every: keep every r-th row (and the last) to bound memory on long runs.
    n_classes: number of outputs (default: the largest label + 1, at least 2).
    theta0: start from this flat parameter vector instead of `init`.
    **hyperparams: the optimizer's own (lr, momentum, beta1, ...).
    """
    opt = get_optimizer(optimizer)
    if opt.needs_hessian:
        raise ValueError(
            f"optimizer {opt.name!r} needs the Hessian, which optviz has for the 2D surfaces only; "
            "for the MLP use a gradient rule or random_local_search"
        )
    if opt.surfaces_only:
        raise ValueError(
            f"optimizer {opt.name!r} draws points in a surface's plot bounds and works on the 2D surfaces only; "
            "for the MLP use random_local_search"
        )
    hps = opt.resolve(**hyperparams)
    steps = check_steps(steps)
    seed = _whole("seed", seed, 0, 2**63 - 1)
    if init not in INITS:
        raise ValueError(f"init must be one of: {', '.join(INITS)}; got {init!r}")
    X, y, Xv, yv = _resolve_data(X, y, X_val, y_val, val_fraction, seed)
    top = int(max(y.max(), yv.max() if yv is not None and yv.size else 0)) + 1
    C = max(top, 2) if n_classes is None else _whole("n_classes", n_classes, max(top, 2), 16)
    net = Net(
        tuple(hidden) if isinstance(hidden, Iterable) else hidden,
        activation,
        loss,
        batch_norm,
        n_in=X.shape[1],
        n_out=C,
    )
    n = X.shape[0]
    batch = n if batch_size is None else _whole("batch_size", batch_size, 1, n)
    if net.batch_norm and batch < 2:
        raise ValueError("batch_size must be at least 2 with batch_norm (a batch of 1 has no variance)")
    sched = Schedule.coerce(schedule)
    clip = 0.0 if clip_norm is None else check_number("clip_norm", clip_norm, 1e-12, 1e12)
    l2v = check_number("l2", l2, 0.0, 10.0)
    drop = check_number("dropout", dropout, 0.0, 0.9)
    if opt.gradient_free and (net.batch_norm or drop > 0):
        raise ValueError("random_local_search compares losses of two points: use it without batch_norm and dropout")
    patience = 0
    if early_stopping_patience is not None:
        patience = _whole("early_stopping_patience", early_stopping_patience, 1, 10**6)
        if Xv is None:
            raise ValueError("early_stopping_patience needs a validation set: pass X_val/y_val or val_fraction")
    if not isinstance(run_past_stop, (bool, np.bool_)):
        raise ValueError(f"run_past_stop must be True or False, got {run_past_stop!r}")
    past = bool(run_past_stop) and patience > 0
    every = _whole("record_every", record_every, 1, 10**9)
    n_rows = steps // every + 1 + (1 if steps % every else 0)
    P = net.n_params
    if n_rows * P > MAX_RECORDED:
        raise ValueError(
            f"record_every={every} keeps {n_rows:,} rows of {P:,} parameters, more than {MAX_RECORDED:,} numbers: "
            f"use record_every >= {int(np.ceil(steps * P / MAX_RECORDED))}"
        )
    if theta0 is None:
        theta = init_params(net, init, seed)
    else:
        theta = np.array(theta0, dtype=np.float64).reshape(-1)
        if theta.shape != (P,) or not np.all(np.isfinite(theta)):
            raise ValueError(f"theta0 must be {P} finite numbers (the flat vector of this network), got {theta.shape}")

    lr = hps.get("lr", hps.get("step", np.nan)) * sched.factors(steps)
    sizes, lay, uoff, act, lossc, bn = net.codes()
    nu = max(int(uoff[-1]), 1) if bn else 1
    outs = (
        np.empty((n_rows, P)),
        np.empty(n_rows),
        np.empty(n_rows),
        np.full(n_rows, np.nan),
        np.full(n_rows, np.nan),
        np.empty((n_rows, 2, nu)),
        np.empty(n_rows, dtype=np.int64),
    )
    gn = np.empty((steps, net.n_layers))
    Xv_k = Xv if Xv is not None else np.zeros((0, X.shape[1]))
    yv_k = yv if yv is not None else np.zeros(0, dtype=np.int64)
    rng_b, rng_d = _rngs(seed, int(hps.get("seed", 0)))
    evals = np.zeros(steps, dtype=np.int64)
    probe_out = np.empty((n_rows if opt.probes and not opt.gradient_free else 0, P))
    k, rows, stopped, best_step = _train(
        theta,
        X,
        y,
        Xv_k,
        yv_k,
        sizes,
        lay,
        uoff,
        act,
        lossc,
        bn,
        l2v,
        drop,
        opt.code,
        opt.pack(hps),
        net.blocks(),
        opt.state_rows,
        lr,
        clip,
        batch,
        every,
        patience,
        past,
        rng_b,
        rng_d,
        outs,
        gn,
        evals,
        probe_out,
    )
    k, rows = int(k), int(rows)
    params = outs[0][:rows]
    penalty = 0.5 * l2v * np.sum(params[:, net.weight_mask()] ** 2, axis=1) if l2v else np.zeros(rows)
    has_val = Xv is not None
    options = {
        "schedule": sched.to_dict(),
        "clip_norm": clip_norm,
        "l2": l2v,
        "dropout": drop,
        "early_stopping_patience": early_stopping_patience,
        "run_past_stop": past,
        "record_every": every,
        "n_train": n,
        "n_val": 0 if Xv is None else Xv.shape[0],
    }
    return MLPResult(
        optimizer=opt.name,
        hyperparams=hps,
        net=net,
        init=init if theta0 is None else "theta0",
        seed=seed,
        batch_size=batch,
        steps=steps,
        params=params,
        step=outs[6][:rows],
        loss=outs[1][:rows],
        penalty=penalty,
        accuracy=outs[2][:rows],
        val_loss=outs[3][:rows] if has_val else None,
        val_accuracy=outs[4][:rows] if has_val else None,
        lr=lr[:k],
        grad_norm=gn[:k],
        bn_running=outs[5][:rows] if bn else None,
        diverged_at=k + 1 if k < steps and (past or not stopped) else None,
        stopped_at=int(stopped) if stopped else None,
        best_step=int(best_step) if has_val else None,
        X=X,
        y=y,
        X_val=Xv,
        y_val=yv,
        options=options,
        evals=evals[:k],
        probe_params=probe_out[:rows] if probe_out.shape[0] else None,
    )


def compare(
    X: np.ndarray, y: np.ndarray, runs: Iterable[tuple[str, Mapping[str, Any]] | str], **common: Any
) -> list[MLPResult]:
    """Train several optimizers with shared settings; the same `seed` gives them the same init.

    runs: (optimizer name, hyperparameters) pairs, or bare names for the defaults.
    **common: keyword arguments of `train` other than the optimizer and its hyperparameters.
    """
    return [train(X, y, optimizer=name, **common, **hps) for name, hps in split_runs(runs, common)]


@dataclass(frozen=True, eq=False)
class GradientCheck:
    """Backprop against central finite differences on the full batch (C14).

    rel_error = ||g_analytic - g_numeric|| / max(||g_analytic||, ||g_numeric||) over all
    parameters; layer_rel_error the same per layer (all of its W, b, gamma, beta).
    max_rel_error: CS231n's per-coordinate |a - n| / max(|a|, |n|), the largest over the
    coordinates whose gradient is at least 1/1000 of the largest one (at rounding-level
    gradients, 1e-17 against 1e-11, the ratio says nothing).  max_abs_error: max |a - n|.
    Below 1e-7 the backprop is right; ReLU kinks straddled by +-h can raise it (CS231n
    "Gradient checks").
    """

    analytic: np.ndarray
    numeric: np.ndarray
    rel_error: float
    layer_rel_error: np.ndarray
    max_rel_error: float
    max_abs_error: float
    loss: float
    step: float


def _rel(a: np.ndarray, b: np.ndarray) -> float:
    den = max(np.linalg.norm(a), np.linalg.norm(b))
    return float(np.linalg.norm(a - b) / den) if den > 0 else 0.0


def gradient_check(
    X: np.ndarray,
    y: np.ndarray,
    hidden: Sequence[int] = (16, 16),
    activation: str = "tanh",
    init: str = "xavier_normal",
    loss: str = "softmax",
    seed: int = 0,
    *,
    theta: np.ndarray | None = None,
    batch_norm: bool = False,
    l2: float = 0.0,
    n_classes: int | None = None,
    step: float = 1e-5,
) -> GradientCheck:
    """Compare the backprop gradient of the full-batch loss with central differences (no dropout).

    theta: the point to check (default: the `init` draw with `seed`); step: h of
    (L(theta + h e_i) - L(theta - h e_i)) / 2h.
    """
    X, y = check_data(X, y)
    top = max(int(y.max()) + 1, 2)
    C = top if n_classes is None else _whole("n_classes", n_classes, top, 16)
    net = Net(tuple(hidden), activation, loss, batch_norm, n_in=X.shape[1], n_out=C)
    l2v = check_number("l2", l2, 0.0, 10.0)
    h = check_number("step", step, 1e-10, 1e-1)
    if theta is None:
        if init not in INITS:
            raise ValueError(f"init must be one of: {', '.join(INITS)}; got {init!r}")
        th = init_params(net, init, _whole("seed", seed, 0, 2**63 - 1))
    else:
        th = np.array(theta, dtype=np.float64).reshape(-1)
        if th.shape != (net.n_params,):
            raise ValueError(f"theta must hold {net.n_params} numbers for this network, got {th.shape}")
    sizes, lay, uoff, act, lossc, bn = net.codes()
    ga, gf = np.zeros(net.n_params), np.zeros(net.n_params)
    f0 = _grad_check(th, X, y, sizes, lay, uoff, act, lossc, bn, l2v, h, ga, gf)
    bounds = [*lay[:, 0], net.n_params]
    layer = np.array([_rel(ga[a:b], gf[a:b]) for a, b in zip(bounds[:-1], bounds[1:])])
    mag = np.maximum(np.abs(ga), np.abs(gf))
    keep = mag >= 1e-3 * mag.max() if mag.max() > 0 else np.zeros(mag.shape, dtype=bool)
    max_rel = float(np.max(np.abs(ga - gf)[keep] / mag[keep])) if keep.any() else 0.0
    return GradientCheck(ga, gf, _rel(ga, gf), layer, max_rel, float(np.max(np.abs(ga - gf))), float(f0), h)


@dataclass(frozen=True, eq=False)
class DecisionFrames:
    """Class probabilities on a grid over the data, at some recorded rows of a run.

    xs (nx,), ys (ny,): grid coordinates; proba (frames, ny, nx, C); step (frames,) the step of
    each frame; rows (frames,) their row indices in the result.
    """

    xs: np.ndarray
    ys: np.ndarray
    proba: np.ndarray
    step: np.ndarray
    rows: np.ndarray


def frame_rows(result: MLPResult, frames: int) -> np.ndarray:
    """Up to `frames` row indices spread over the run (first and last included)."""
    n = result.params.shape[0]
    return np.unique(np.round(np.linspace(0, n - 1, min(frames, n))).astype(np.int64))


def decision_frames(
    result: MLPResult,
    frames: int | Sequence[int] = 30,
    resolution: int = 50,
    bounds: tuple[tuple[float, float], tuple[float, float]] | None = None,
    margin: float = 0.15,
) -> DecisionFrames:
    """Predicted class probabilities on a resolution x resolution grid at `frames` moments of training.

    frames: a count (rows spread evenly) or explicit row indices.  bounds: ((x0, x1), (y0, y1)),
    default the data's range (training and validation) widened by `margin` of its span.
    """
    rows = (
        frame_rows(result, _whole("frames", frames, 1, 500))
        if isinstance(frames, (int, np.integer))
        else np.asarray(frames, dtype=np.int64)
    )
    res = _whole("resolution", resolution, 2, 400)
    if result.net.n_in != 2:
        raise ValueError("decision_frames needs 2 input features")
    if bounds is None:
        pts = result.X if result.X_val is None else np.vstack([result.X, result.X_val])
        lo, hi = pts.min(axis=0), pts.max(axis=0)
        pad = margin * np.maximum(hi - lo, 1e-9)
        bounds = ((lo[0] - pad[0], hi[0] + pad[0]), (lo[1] - pad[1], hi[1] + pad[1]))
    xs = np.linspace(bounds[0][0], bounds[0][1], res)
    ys = np.linspace(bounds[1][0], bounds[1][1], res)
    gx, gy = np.meshgrid(xs, ys)
    grid = np.c_[gx.ravel(), gy.ravel()]
    proba = result.predict_proba(grid, rows).reshape(len(rows), res, res, result.net.n_out)
    return DecisionFrames(xs, ys, proba, result.step[rows], rows)
