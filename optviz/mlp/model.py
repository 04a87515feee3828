"""The tiny MLP: its flat parameter layout, initialisation schemes and Numba forward/backward.

Network: input (n_in) -> hidden layers act(h @ W + b) -> output logits h @ W + b.
Flat parameter vector, layer by layer:

    W_l  (fan_in x fan_out, row-major)   b_l (fan_out)   [gamma_l, beta_l (fan_out each)]

gamma/beta appear for hidden layers when batch normalisation is on; they are the last entries
of their layer.  A batch-norm layer keeps its b for a uniform layout, but the mean subtraction
cancels it: its gradient is set to exactly 0 (analytically it is 0; numerically it would be
rounding noise, which Adam's normalisation would turn into a random walk of b).

Hidden layer with batch norm (Ioffe & Szegedy 2015; torch.nn.BatchNorm1d defaults):
    z = h @ W + b;  zhat = (z - mu) / sqrt(var + 1e-5);  u = gamma * zhat + beta;  a = act(u)
training uses the batch mean and biased variance, evaluation uses running statistics
(momentum 0.1, the unbiased batch variance, start mean 0 / var 1), exactly as torch.
Dropout (Srivastava et al. 2014) is inverted dropout on hidden activations: a * mask / (1 - p),
training only.

Losses, mean over the batch (CS231n "Linear classification"):
    softmax   -log(exp(s_y) / sum_j exp(s_j))       (cross-entropy on one-hot targets)
    hinge     sum_{j != y} max(0, s_j - s_y + 1)    (multiclass SVM, Weston & Watkins 1999)
plus the L2 penalty 0.5 * l2 * sum ||W_l||^2 over weight matrices only (not b, gamma, beta).

Init (biases 0, gamma 1, beta 0):  zeros; normal_0.01 = N(0, 0.01^2) (AlexNet, Krizhevsky 2012);
normal_1 = N(0, 1); lecun_* var = 1/fan_in (LeCun et al. 1998); xavier_* var = 2/(fan_in+fan_out)
(Glorot & Bengio 2010); he_* var = 2/fan_in (He et al. 2015).  *_normal draws N(0, var),
*_uniform draws U(-sqrt(3 var), sqrt(3 var)); plain (not truncated) normals, as torch.nn.init.

The kernels use explicit loops (a 16-wide layer leaves BLAS little to gain, and `@` inside Numba
needs scipy at compile time).  Activations are stored (width, batch) so that the inner loops run
along the batch.
"""

from __future__ import annotations

import math
from collections import namedtuple
from dataclasses import dataclass

import numpy as np

from optviz._jit import jit
from optviz.i18n import N_

ACTIVATIONS = ("sigmoid", "tanh", "relu", "leaky_relu", "gelu")
SIGMOID, TANH, RELU, LEAKY_RELU, GELU = range(5)
LOSSES = ("softmax", "hinge")
SOFTMAX, HINGE = range(2)
INITS = (
    "zeros",
    "normal_0.01",
    "normal_1",
    "lecun_normal",
    "lecun_uniform",
    "xavier_normal",
    "xavier_uniform",
    "he_normal",
    "he_uniform",
)
# How the page, the figures and the docs name them (the words marked for the catalog: `_(INIT_TITLES[i])`).
ACTIVATION_TITLES = {"sigmoid": "sigmoid", "tanh": "tanh", "relu": "ReLU", "leaky_relu": "Leaky ReLU", "gelu": "GELU"}
INIT_TITLES = {
    "zeros": N_("zeros"),
    "normal_0.01": "N(0, 0.01²)",
    "normal_1": "N(0, 1)",
    "lecun_normal": N_("LeCun normal"),
    "lecun_uniform": N_("LeCun uniform"),
    "xavier_normal": N_("Xavier normal"),
    "xavier_uniform": N_("Xavier uniform"),
    "he_normal": N_("He normal"),
    "he_uniform": N_("He uniform"),
}
LEAKY_SLOPE = 0.01  # torch.nn.LeakyReLU default
BN_EPS = 1e-5  # torch.nn.BatchNorm1d defaults
BN_MOMENTUM = 0.1
MAX_HIDDEN_LAYERS = 8
MIN_WIDTH, MAX_WIDTH = 2, 32
MAX_INPUTS, MAX_CLASSES = 64, 16

_INV_SQRT2 = 1.0 / math.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


# --------------------------------------------------------------------------- the network spec


@dataclass(frozen=True)
class Net:
    """Architecture and objective of an MLP: what the parameter vector means.

    hidden: widths of the 1..MAX_HIDDEN_LAYERS (8) hidden layers (2..32 units each); activation: one of
    ACTIVATIONS; loss: "softmax" or "hinge"; batch_norm: a BN layer after each hidden affine
    map; n_in: input features; n_out: classes (logits).
    """

    hidden: tuple[int, ...] = (16, 16)
    activation: str = "tanh"
    loss: str = "softmax"
    batch_norm: bool = False
    n_in: int = 2
    n_out: int = 2

    def __post_init__(self) -> None:
        try:
            h = tuple(self.hidden)
        except TypeError:
            h = None
        if (
            h is None
            or not 1 <= len(h) <= MAX_HIDDEN_LAYERS
            or not all(isinstance(w, (int, np.integer)) and not isinstance(w, bool) for w in h)
            or not all(MIN_WIDTH <= w <= MAX_WIDTH for w in h)
        ):
            raise ValueError(
                f"hidden must be 1 to {MAX_HIDDEN_LAYERS} layer widths, each a whole number from "
                f"{MIN_WIDTH} to {MAX_WIDTH}, got {self.hidden!r}"
            )
        object.__setattr__(self, "hidden", tuple(int(w) for w in h))
        if self.activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of: {', '.join(ACTIVATIONS)}; got {self.activation!r}")
        if self.loss not in LOSSES:
            raise ValueError(f"loss must be one of: {', '.join(LOSSES)}; got {self.loss!r}")
        if not isinstance(self.batch_norm, (bool, np.bool_)):
            raise ValueError(f"batch_norm must be True or False, got {self.batch_norm!r}")
        object.__setattr__(self, "batch_norm", bool(self.batch_norm))
        for name, v, lo, hi in (("n_in", self.n_in, 1, MAX_INPUTS), ("n_out", self.n_out, 2, MAX_CLASSES)):
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or not lo <= v <= hi:
                raise ValueError(f"{name} must be a whole number from {lo} to {hi}, got {v!r}")
        object.__setattr__(self, "n_in", int(self.n_in))
        object.__setattr__(self, "n_out", int(self.n_out))

    @property
    def sizes(self) -> tuple[int, ...]:
        """Layer widths from input to output, e.g. (2, 16, 16, 2)."""
        return (self.n_in, *self.hidden, self.n_out)

    @property
    def n_layers(self) -> int:
        """Number of affine layers (hidden + output)."""
        return len(self.hidden) + 1

    def layout(self) -> np.ndarray:
        """int64 (n_layers, 4): offsets of W, b, gamma, beta of each layer (-1: absent)."""
        sizes = self.sizes
        out = np.full((self.n_layers, 4), -1, dtype=np.int64)
        o = 0
        for l in range(self.n_layers):
            fi, fo = sizes[l], sizes[l + 1]
            out[l, 0] = o
            out[l, 1] = o + fi * fo
            o += fi * fo + fo
            if self.batch_norm and l < self.n_layers - 1:
                out[l, 2] = o
                out[l, 3] = o + fo
                o += 2 * fo
        return out

    @property
    def n_params(self) -> int:
        """Length P of the flat parameter vector."""
        sizes = self.sizes
        p = sum(sizes[l] * sizes[l + 1] + sizes[l + 1] for l in range(self.n_layers))
        return p + (2 * sum(self.hidden) if self.batch_norm else 0)

    def blocks(self) -> np.ndarray:
        """int64 (tensors, 3): (offset, rows, cols) of each parameter tensor, rows = 0 for a vector.

        What the rules that treat matrices differently read (Muon, Adafactor): W_l is a
        fan_in x fan_out matrix, b, gamma, beta are vectors, as the tensors of a torch model.
        """
        out = []
        sizes = self.sizes
        for l, (ow, ob, og, obt) in enumerate(self.layout()):
            fi, fo = sizes[l], sizes[l + 1]
            out += [(ow, fi, fo), (ob, 0, fo)]
            if og >= 0:
                out += [(og, 0, fo), (obt, 0, fo)]
        return np.array(out, dtype=np.int64)

    def unit_offsets(self) -> np.ndarray:
        """int64 (n_layers,): where each hidden layer's units start in a running-statistics vector."""
        return np.concatenate([[0], np.cumsum(self.hidden)]).astype(np.int64)

    def weight_mask(self) -> np.ndarray:
        """bool (P,): True at the entries of weight matrices (what the L2 penalty reads)."""
        mask = np.zeros(self.n_params, dtype=bool)
        for ow, ob, _, _ in self.layout():
            mask[ow:ob] = True
        return mask

    def unflatten(self, theta: np.ndarray) -> list[tuple[np.ndarray, ...]]:
        """[(W1, b1), ...] (views into theta), with (W, b, gamma, beta) for batch-norm layers."""
        theta = np.asarray(theta)
        if theta.shape != (self.n_params,):
            raise ValueError(f"theta must have shape ({self.n_params},) for this network, got {theta.shape}")
        sizes = self.sizes
        out = []
        for l, (ow, ob, og, obt) in enumerate(self.layout()):
            fi, fo = sizes[l], sizes[l + 1]
            parts = [theta[ow:ob].reshape(fi, fo), theta[ob : ob + fo]]
            if og >= 0:
                parts += [theta[og : og + fo], theta[obt : obt + fo]]
            out.append(tuple(parts))
        return out

    def codes(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, int, int, bool]:
        """What the kernels read: sizes, layout, unit offsets, activation code, loss code, bn."""
        return (
            np.array(self.sizes, dtype=np.int64),
            self.layout(),
            self.unit_offsets(),
            ACTIVATIONS.index(self.activation),
            LOSSES.index(self.loss),
            bool(self.batch_norm),
        )


def n_params(hidden: tuple[int, ...] = (16, 16), n_in: int = 2, n_out: int = 2, batch_norm: bool = False) -> int:
    """Length of the flat parameter vector of that network."""
    return Net(tuple(hidden), n_in=n_in, n_out=n_out, batch_norm=batch_norm).n_params


def unflatten(
    theta: np.ndarray, hidden: tuple[int, ...] = (16, 16), n_in: int = 2, n_out: int = 2, batch_norm: bool = False
) -> list[tuple[np.ndarray, ...]]:
    """[(W1, b1), (W2, b2), ...] with W of shape (fan_in, fan_out): views into `theta`.

    With batch_norm, hidden layers give (W, b, gamma, beta).
    """
    return Net(tuple(hidden), n_in=n_in, n_out=n_out, batch_norm=batch_norm).unflatten(theta)


# --------------------------------------------------------------------------- initialisation


def init_std(scheme: str, fan_in: int, fan_out: int) -> float:
    """Standard deviation of the weights that `scheme` draws for a (fan_in x fan_out) matrix."""
    if scheme not in INITS:
        raise ValueError(f"init must be one of: {', '.join(INITS)}; got {scheme!r}")
    if scheme == "zeros":
        return 0.0
    if scheme == "normal_0.01":
        return 0.01
    if scheme == "normal_1":
        return 1.0
    family = scheme.rsplit("_", 1)[0]
    var = {"lecun": 1.0 / fan_in, "xavier": 2.0 / (fan_in + fan_out), "he": 2.0 / fan_in}[family]
    return math.sqrt(var)


def init_weight(scheme: str, fan_in: int, fan_out: int, rng: np.random.Generator) -> np.ndarray:
    """A (fan_in x fan_out) weight matrix drawn by `scheme` (see the module docstring)."""
    std = init_std(scheme, fan_in, fan_out)
    if scheme == "zeros":
        return np.zeros((fan_in, fan_out))
    if scheme.endswith("_uniform"):
        a = math.sqrt(3.0) * std
        return rng.uniform(-a, a, size=(fan_in, fan_out))
    return std * rng.standard_normal((fan_in, fan_out))


def init_params(net: Net, init: str = "xavier_normal", seed: int = 0) -> np.ndarray:
    """float64 (P,): weights drawn by `init` layer by layer from default_rng(seed); b 0, gamma 1, beta 0."""
    rng = np.random.default_rng(seed)
    theta = np.zeros(net.n_params)
    sizes = net.sizes
    for l, (ow, ob, og, _) in enumerate(net.layout()):
        fi, fo = sizes[l], sizes[l + 1]
        theta[ow:ob] = init_weight(init, fi, fo, rng).ravel()
        if og >= 0:
            theta[og : og + fo] = 1.0
    return theta


# --------------------------------------------------------------------------- Numba kernels

# Work buffers of one training run or evaluation, allocated once by `_workspace`.  Activations
# are stored feature-major, (width, batch): every inner loop then runs along the batch, 256
# contiguous numbers that LLVM vectorises, where a (batch, width) layout gave loops of 16 and
# ran 2-4x slower (measured on 2-16-16-2).
# A (L+1, w, m) layer inputs/outputs (A[0] = the batch); U (L, w, m) affine outputs, then
# normalised and shifted (the activation's input; U[L-1] = logits); Zh (L, w, m) batch-norm
# zhat; Dact act'(u); Mk dropout masks; bstat (5, L, w) batch mean, biased variance, 1/std and
# two scratch rows; D, Dn (w, m) backward deltas; running (2, n_units) the batch-norm running
# mean and variance.  m = the largest batch, w = the widest layer.
Workspace = namedtuple("Workspace", "A U Zh Dact Mk bstat D Dn running")


@jit
def _workspace(m, sizes, bn, dropout, n_units):
    L = sizes.shape[0] - 1
    w = 1
    for s in sizes:
        w = max(w, s)
    mb = m if bn else 1
    md = m if dropout else 1
    running = np.zeros((2, max(n_units, 1) if bn else 1))
    running[1, :] = 1.0
    return Workspace(
        np.zeros((L + 1, w, m)),
        np.zeros((L, w, m)),
        np.zeros((L, w, mb)),
        np.zeros((L, w, m)),
        np.zeros((L, w, md)),
        np.zeros((5, L, w)),
        np.zeros((w, m)),
        np.zeros((w, m)),
        running,
    )


@jit
def _dot(a, b, m):
    """sum(a[:m] * b[:m]) with 8 partial sums: independent chains that LLVM can vectorise
    (a single running sum is a serial dependency it may not reorder without fastmath)."""
    s0 = s1 = s2 = s3 = s4 = s5 = s6 = s7 = 0.0
    i = 0
    while i + 8 <= m:
        s0 += a[i] * b[i]
        s1 += a[i + 1] * b[i + 1]
        s2 += a[i + 2] * b[i + 2]
        s3 += a[i + 3] * b[i + 3]
        s4 += a[i + 4] * b[i + 4]
        s5 += a[i + 5] * b[i + 5]
        s6 += a[i + 6] * b[i + 6]
        s7 += a[i + 7] * b[i + 7]
        i += 8
    while i < m:
        s0 += a[i] * b[i]
        i += 1
    return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7))


@jit
def _sum(a, m):
    """sum(a[:m]) with 8 partial sums (see _dot)."""
    s0 = s1 = s2 = s3 = s4 = s5 = s6 = s7 = 0.0
    i = 0
    while i + 8 <= m:
        s0 += a[i]
        s1 += a[i + 1]
        s2 += a[i + 2]
        s3 += a[i + 3]
        s4 += a[i + 4]
        s5 += a[i + 5]
        s6 += a[i + 6]
        s7 += a[i + 7]
        i += 8
    while i < m:
        s0 += a[i]
        i += 1
    return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7))


@jit
def _activate(code, Z, A, Dact, rows, cols, want_grad):
    """A = act(Z), Dact = act'(Z) (when want_grad) on [:rows, :cols]; one loop per activation."""
    if code == SIGMOID:
        for r in range(rows):
            for c in range(cols):
                a = 1.0 / (1.0 + np.exp(-Z[r, c]))
                A[r, c] = a
                if want_grad:
                    Dact[r, c] = a * (1.0 - a)
    elif code == TANH:
        for r in range(rows):
            for c in range(cols):
                a = np.tanh(Z[r, c])
                A[r, c] = a
                if want_grad:
                    Dact[r, c] = 1.0 - a * a
    elif code == RELU:
        for r in range(rows):
            for c in range(cols):
                z = Z[r, c]
                A[r, c] = z if z > 0.0 else 0.0
                Dact[r, c] = 1.0 if z > 0.0 else 0.0
    elif code == LEAKY_RELU:
        for r in range(rows):
            for c in range(cols):
                z = Z[r, c]
                A[r, c] = z if z > 0.0 else LEAKY_SLOPE * z
                Dact[r, c] = 1.0 if z > 0.0 else LEAKY_SLOPE
    else:  # GELU, exact erf form (torch.nn.GELU default)
        for r in range(rows):
            for c in range(cols):
                z = Z[r, c]
                cdf = 0.5 * (1.0 + math.erf(z * _INV_SQRT2))
                A[r, c] = z * cdf
                if want_grad:
                    Dact[r, c] = cdf + z * np.exp(-0.5 * z * z) * _INV_SQRT_2PI


@jit
def _draw_masks(Mk, m, sizes, drop_p, rng):
    """Inverted-dropout masks for every hidden layer: 0 with probability p, else 1 / (1 - p)."""
    scale = 1.0 / (1.0 - drop_p)
    for l in range(sizes.shape[0] - 2):
        for j in range(sizes[l + 1]):
            for i in range(m):
                Mk[l, j, i] = 0.0 if rng.random() < drop_p else scale


@jit
def _forward(theta, X, idx, m, sizes, lay, uoff, act, bn, batch_stats, running, drop_p, want_grad, ws):
    """Forward pass over rows idx[:m] of X; the logits end in ws.U[L-1, :n_out, :m].

    batch_stats: batch norm normalises with this batch's statistics (training, and the
    full-set loss), else with `running` (2, n_units) (evaluation).  drop_p > 0 applies the
    masks already drawn into ws.Mk.  want_grad keeps act'(u) for the backward pass.
    """
    A, U, Zh, Dact, Mk, bstat = ws.A, ws.U, ws.Zh, ws.Dact, ws.Mk, ws.bstat
    L = sizes.shape[0] - 1
    A0 = A[0]
    for i in range(m):
        r = idx[i]
        for k in range(sizes[0]):
            A0[k, i] = X[r, k]
    for l in range(L):
        fi = sizes[l]
        fo = sizes[l + 1]
        ow = lay[l, 0]
        ob = lay[l, 1]
        H = A[l]
        for j in range(fo):
            Zj = U[l, j]
            bj = theta[ob + j]
            for i in range(m):
                Zj[i] = bj
            for k in range(fi):
                w = theta[ow + k * fo + j]
                Hk = H[k]
                for i in range(m):
                    Zj[i] += w * Hk[i]
        if l == L - 1:
            break
        if bn:
            og = lay[l, 2]
            obt = lay[l, 3]
            for j in range(fo):
                Zj = U[l, j]
                if batch_stats:
                    mean = _sum(Zj, m) / m
                    var = 0.0
                    for i in range(m):
                        d = Zj[i] - mean
                        var += d * d
                    var /= m
                    istd = 1.0 / np.sqrt(var + BN_EPS)
                    bstat[0, l, j] = mean
                    bstat[1, l, j] = var
                    bstat[2, l, j] = istd
                else:
                    mean = running[0, uoff[l] + j]
                    istd = 1.0 / np.sqrt(running[1, uoff[l] + j] + BN_EPS)
                gamma = theta[og + j]
                beta = theta[obt + j]
                Zhj = Zh[l, j]
                for i in range(m):
                    zh = (Zj[i] - mean) * istd
                    Zhj[i] = zh
                    Zj[i] = gamma * zh + beta
        Hn = A[l + 1]
        _activate(act, U[l], Hn, Dact[l], fo, m, want_grad)
        if drop_p > 0.0:
            for j in range(fo):
                for i in range(m):
                    Hn[j, i] *= Mk[l, j, i]


@jit
def _head(Z, y, idx, m, C, lossc, D, want_grad):
    """(mean loss, number correct) from logits Z[:C, :m]; D = dLoss/dZ when want_grad."""
    total = 0.0
    correct = 0
    inv_m = 1.0 / m
    for i in range(m):
        yi = y[idx[i]]
        best = 0
        mx = Z[0, i]
        for j in range(1, C):
            if Z[j, i] > mx:
                mx = Z[j, i]
                best = j
        if best == yi:
            correct += 1
        if lossc == SOFTMAX:
            s = 0.0
            for j in range(C):
                e = np.exp(Z[j, i] - mx)
                D[j, i] = e
                s += e
            total += np.log(s) + mx - Z[yi, i]
            if want_grad:
                inv_s = inv_m / s
                for j in range(C):
                    D[j, i] *= inv_s
                D[yi, i] -= inv_m
        else:
            sy = Z[yi, i]
            cnt = 0
            for j in range(C):
                D[j, i] = 0.0
                if j != yi:
                    margin = Z[j, i] - sy + 1.0
                    if margin > 0.0:
                        total += margin
                        D[j, i] = inv_m
                        cnt += 1
            D[yi, i] = -cnt * inv_m
    return total * inv_m, correct


@jit
def _penalty(theta, sizes, lay, l2):
    """0.5 * l2 * sum of squared weight-matrix entries."""
    if l2 == 0.0:
        return 0.0
    s = 0.0
    for l in range(sizes.shape[0] - 1):
        for q in range(lay[l, 0], lay[l, 1]):
            s += theta[q] * theta[q]
    return 0.5 * l2 * s


@jit
def _backward(theta, g, m, sizes, lay, bn, drop_p, l2, ws, gn):
    """Gradient of the batch loss (dLoss/dlogits in ws.D) into g; gn[l] = ||dLoss/dW_l||.

    gn is the data-loss gradient of each weight matrix, before the L2 term is added.
    """
    A, Zh, Dact, Mk, bstat = ws.A, ws.Zh, ws.Dact, ws.Mk, ws.bstat
    L = sizes.shape[0] - 1
    for q in range(g.shape[0]):
        g[q] = 0.0
    Dc = ws.D
    Dn = ws.Dn
    for l in range(L - 1, -1, -1):
        fi = sizes[l]
        fo = sizes[l + 1]
        ow = lay[l, 0]
        ob = lay[l, 1]
        hidden = l < L - 1
        if hidden:
            # Dc holds dLoss/d(output of layer l); turn it into dLoss/dz.
            for j in range(fo):
                Dj = Dc[j]
                Aj = Dact[l, j]
                if drop_p > 0.0:
                    Mj = Mk[l, j]
                    for i in range(m):
                        Dj[i] *= Mj[i] * Aj[i]
                else:
                    for i in range(m):
                        Dj[i] *= Aj[i]
            if bn:
                og = lay[l, 2]
                obt = lay[l, 3]
                for j in range(fo):
                    Dj = Dc[j]
                    Zhj = Zh[l, j]
                    s1 = _sum(Dj, m)  # dLoss/dbeta
                    s2 = _dot(Dj, Zhj, m)  # dLoss/dgamma
                    g[obt + j] = s1
                    g[og + j] = s2
                    s1 /= m
                    s2 /= m
                    c = theta[og + j] * bstat[2, l, j]
                    for i in range(m):
                        Dj[i] = c * (Dj[i] - s1 - Zhj[i] * s2)
        H = A[l]
        for k in range(fi):
            Hk = H[k]
            base = ow + k * fo
            for j in range(fo):
                g[base + j] = _dot(Hk, Dc[j], m)
        if not (bn and hidden):
            for j in range(fo):
                g[ob + j] = _sum(Dc[j], m)
        s = 0.0
        for q in range(ow, ob):
            s += g[q] * g[q]
        gn[l] = np.sqrt(s)
        if l2 != 0.0:
            for q in range(ow, ob):
                g[q] += l2 * theta[q]
        if l > 0:
            for k in range(fi):
                Dk = Dn[k]
                for i in range(m):
                    Dk[i] = 0.0
                for j in range(fo):
                    w = theta[ow + k * fo + j]
                    Dj = Dc[j]
                    for i in range(m):
                        Dk[i] += w * Dj[i]
            Dc, Dn = Dn, Dc


@jit
def _fwd_bwd(theta, g, X, y, idx, m, sizes, lay, uoff, act, lossc, bn, l2, drop_p, ws, gn):
    """Loss (data + penalty) and number correct on rows idx[:m], gradient into g (batch statistics)."""
    yes = m > 0  # a runtime True: a literal would compile a second copy of every callee
    _forward(theta, X, idx, m, sizes, lay, uoff, act, bn, yes, ws.running, drop_p, yes, ws)
    L = sizes.shape[0] - 1
    f, correct = _head(ws.U[L - 1], y, idx, m, sizes[L], lossc, ws.D, yes)
    _backward(theta, g, m, sizes, lay, bn, drop_p, l2, ws, gn)
    return f + _penalty(theta, sizes, lay, l2), correct


@jit
def _evaluate(theta, X, y, idx, m, sizes, lay, uoff, act, lossc, bn, batch_stats, running, ws):
    """(mean data loss, number correct) on rows idx[:m], no dropout, no gradient."""
    no = m < 0  # a runtime False (see _fwd_bwd)
    _forward(theta, X, idx, m, sizes, lay, uoff, act, bn, batch_stats, running, 0.0, no, ws)
    L = sizes.shape[0] - 1
    return _head(ws.U[L - 1], y, idx, m, sizes[L], lossc, ws.D, no)


# --------------------------------------------------------------------------- activations at init

PROBE_HIDDEN = (100, 100, 100, 100, 100)


@dataclass(frozen=True, eq=False)
class ActivationStats:
    """Each hidden layer's activations at initialisation, for histograms (C19, C20).

    values: one (n, width) array per layer; mean, std: per layer; flat: fraction of units in a
    flat part of the activation (act'(u) < 0.05: saturated sigmoid/tanh, dead ReLU), where
    almost no gradient passes.
    """

    init: str
    activation: str
    hidden: tuple[int, ...]
    values: list[np.ndarray]
    mean: np.ndarray
    std: np.ndarray
    flat: np.ndarray


def activation_stats(
    init: str = "xavier_normal",
    activation: str = "tanh",
    *,
    hidden: tuple[int, ...] = PROBE_HIDDEN,
    n: int = 1000,
    X: np.ndarray | None = None,
    seed: int = 0,
) -> ActivationStats:
    """Forward n points through a fresh network and keep every hidden layer's activations.

    The default probe is CS231n's demonstration net ("Neural Networks 2", Weight
    Initialization), scaled down: 5 layers of 100 units on n = 1000 standard-normal inputs of
    dimension 100, biases 0.  It shows what a 2-16-16-2 net hides: N(0, 1) saturates sigmoid and
    tanh at their ends, N(0, 0.01^2) shrinks the signal layer by layer (sigmoid: everything
    0.5, tanh: everything 0), Xavier keeps tanh spread and He keeps ReLU alive.  Pass X (and
    `hidden`) to probe the network you train on your data instead.
    """
    if init not in INITS:
        raise ValueError(f"init must be one of: {', '.join(INITS)}; got {init!r}")
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of: {', '.join(ACTIVATIONS)}; got {activation!r}")
    try:
        widths = tuple(int(w) for w in hidden)
    except (TypeError, ValueError):
        widths = ()
    if not 1 <= len(widths) <= 10 or not all(1 <= w <= 1000 for w in widths):
        raise ValueError(f"hidden must be 1 to 10 widths from 1 to 1000, got {hidden!r}")
    rng = np.random.default_rng(seed)
    if X is None:
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or not 1 <= n <= 100_000:
            raise ValueError(f"n must be a whole number from 1 to 100,000, got {n!r}")
        H = rng.standard_normal((int(n), widths[0]))
    else:
        H = np.ascontiguousarray(X, dtype=np.float64)
        if H.ndim != 2 or not np.all(np.isfinite(H)):
            raise ValueError("X must be a finite float array of shape (n, d)")
    code = ACTIVATIONS.index(activation)
    values, means, stds, flats = [], [], [], []
    for w in widths:
        Z = np.ascontiguousarray(H @ init_weight(init, H.shape[1], w, rng))
        A = np.empty_like(Z)
        D = np.empty_like(Z)
        _activate(code, Z, A, D, Z.shape[0], w, True)
        values.append(A)
        means.append(A.mean())
        stds.append(A.std())
        flats.append(np.mean(D < 0.05))
        H = A
    return ActivationStats(init, activation, widths, values, np.array(means), np.array(stds), np.array(flats))
