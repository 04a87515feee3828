"""Optimizer update rules (Numba, written once) and the registry the UI is generated from.

Every rule works in place on a flat float64 parameter vector `x` of any length, its gradient
`g` and its state arrays, with every hyperparameter passed as a value: the same compiled code
serves the 2D surfaces and the MLP, and moving a slider never recompiles.  Each rule follows
the algorithm box of the `torch.optim` class named in its registry entry, step for step, so a
trajectory here is the one a PyTorch user gets with the same hyperparameters.

References: Polyak 1964 (momentum); Sutskever et al. 2013 (Nesterov in deep learning);
Duchi et al. 2011 (AdaGrad); Hinton, Coursera lecture 6e (RMSProp); Zeiler 2012 (AdaDelta);
Kingma & Ba 2015 (Adam); Reddi et al. 2018 (AMSGrad); Loshchilov & Hutter 2019 (AdamW);
Dozat 2016 (NAdam); Dauphin et al. 2014 (saddle-free Newton, our non-convex fallback);
CS231n "Optimization" notes (random search, random local search).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from optviz._jit import jit

# Opcodes: the kernels dispatch on these integers (one compiled kernel for all rules).
SGD, MOMENTUM, NESTEROV, ADAGRAD, RMSPROP, ADADELTA, ADAM, AMSGRAD, ADAMW, NADAM = range(10)
NEWTON, RANDOM_SEARCH, RANDOM_LOCAL_SEARCH = 10, 11, 12

N_STATE = 4  # rows of the per-parameter state array every rule receives
N_HP = 8  # length of the packed hyperparameter vector
NEWTON_MIN_CURVATURE = 1e-6  # |eigenvalue| floor of the Newton fallback


# --------------------------------------------------------------------------- update rules


@jit
def _sgd(x, g, lr):
    """Plain gradient descent: x <- x - lr * g  (torch.optim.SGD, momentum=0)."""
    for i in range(x.shape[0]):
        x[i] -= lr * g[i]


@jit
def _momentum(x, g, buf, lr, mu, nesterov):
    """Heavy-ball / Nesterov momentum in torch's form (dampening 0).

    b <- mu * b + g;  x <- x - lr * b              (nesterov False)
    b <- mu * b + g;  x <- x - lr * (g + mu * b)   (nesterov True)
    Symbols: b = `buf` (state row 0), mu = `momentum`, lr = `lr`.
    The textbook form v <- mu * v - lr * g, x <- x + v is the same trajectory with v = -lr * b
    while lr is constant.  Torch's Nesterov is Sutskever et al.'s look-ahead after the change of
    variable x' = x + mu * v: the gradient is taken at the stored point, which already is the
    look-ahead point of the textbook form.
    """
    for i in range(x.shape[0]):
        buf[i] = mu * buf[i] + g[i]
        if nesterov:
            x[i] -= lr * (g[i] + mu * buf[i])
        else:
            x[i] -= lr * buf[i]


@jit
def _adagrad(x, g, s, t, lr, lr_decay, eps):
    """AdaGrad (torch.optim.Adagrad, initial_accumulator_value 0).

    s <- s + g^2;  x <- x - lr_t * g / (sqrt(s) + eps),  lr_t = lr / (1 + (t - 1) * lr_decay)
    Symbols: s = sum of squared gradients (state row 0), eps = `eps`, t = step (from 1).
    """
    clr = lr / (1.0 + (t - 1) * lr_decay)
    for i in range(x.shape[0]):
        s[i] += g[i] * g[i]
        x[i] -= clr * g[i] / (np.sqrt(s[i]) + eps)


@jit
def _rmsprop(x, g, sq, gavg, buf, lr, alpha, eps, mu, centered):
    """RMSProp (torch.optim.RMSprop).

    v <- alpha * v + (1 - alpha) * g^2
    centered: gbar <- alpha * gbar + (1 - alpha) * g;  d = sqrt(v - gbar^2) + eps, else d = sqrt(v) + eps
    mu > 0:   b <- mu * b + g / d;  x <- x - lr * b,   else  x <- x - lr * g / d
    Symbols: v = `sq` (row 0), gbar = `gavg` (row 1), b = `buf` (row 2), alpha = `alpha` (the
    lecture's rho), mu = `momentum`.  eps is added outside the square root, as in torch.
    """
    for i in range(x.shape[0]):
        sq[i] = alpha * sq[i] + (1.0 - alpha) * g[i] * g[i]
        if centered:
            gavg[i] += (1.0 - alpha) * (g[i] - gavg[i])  # torch's lerp form
            d = np.sqrt(sq[i] - gavg[i] * gavg[i]) + eps
        else:
            d = np.sqrt(sq[i]) + eps
        if mu > 0.0:
            buf[i] = mu * buf[i] + g[i] / d
            x[i] -= lr * buf[i]
        else:
            x[i] -= lr * g[i] / d


@jit
def _adadelta(x, g, sq, acc, lr, rho, eps):
    """AdaDelta (Zeiler 2012; torch.optim.Adadelta).

    v <- rho * v + (1 - rho) * g^2
    dx = sqrt(u + eps) / sqrt(v + eps) * g
    u <- rho * u + (1 - rho) * dx^2;   x <- x - lr * dx
    Symbols: v = `sq` (row 0), u = `acc` (row 1, accumulated squared updates), rho, eps.
    Zeiler's rule has no learning rate; torch multiplies by lr (default 1.0, Zeiler's form).
    """
    for i in range(x.shape[0]):
        sq[i] = rho * sq[i] + (1.0 - rho) * g[i] * g[i]
        dx = np.sqrt(acc[i] + eps) / np.sqrt(sq[i] + eps) * g[i]
        acc[i] = rho * acc[i] + (1.0 - rho) * dx * dx
        x[i] -= lr * dx


@jit
def _adam(x, g, m, v, vmax, t, lr, beta1, beta2, eps, bias_correction, amsgrad, weight_decay):
    """Adam, AMSGrad and AdamW (torch.optim.Adam / AdamW).

    x <- x * (1 - lr * weight_decay)                       (AdamW's decoupled decay; 0 for Adam)
    m <- beta1 * m + (1 - beta1) * g;   v <- beta2 * v + (1 - beta2) * g^2
    vhat = max(vhat, v) with amsgrad, else v
    x <- x - lr / (1 - beta1^t) * m / (sqrt(vhat) / sqrt(1 - beta2^t) + eps)
    This is torch's arrangement of m_hat / (sqrt(v_hat) + eps) with m_hat = m / (1 - beta1^t),
    v_hat = v / (1 - beta2^t): identical algebra.  bias_correction False drops both (1 - beta^t)
    factors, which shows the small, biased first steps Adam's correction removes.
    Symbols: m (row 0), v (row 1), vhat (row 2), t = step from 1.
    """
    if bias_correction:
        step_size = lr / (1.0 - beta1**t)
        bc2_sqrt = np.sqrt(1.0 - beta2**t)
    else:
        step_size = lr
        bc2_sqrt = 1.0
    decay = 1.0 - lr * weight_decay
    for i in range(x.shape[0]):
        if weight_decay != 0.0:
            x[i] *= decay
        m[i] += (1.0 - beta1) * (g[i] - m[i])  # torch's lerp form of beta1*m + (1-beta1)*g
        v[i] = beta2 * v[i] + (1.0 - beta2) * g[i] * g[i]
        if amsgrad:
            if v[i] > vmax[i]:
                vmax[i] = v[i]
            d = np.sqrt(vmax[i]) / bc2_sqrt + eps
        else:
            d = np.sqrt(v[i]) / bc2_sqrt + eps
        x[i] += -step_size * (m[i] / d)


@jit
def _nadam(x, g, m, v, scal, t, lr, beta1, beta2, eps, momentum_decay):
    """NAdam (Dozat 2016; torch.optim.NAdam with its momentum schedule).

    mu_t = beta1 * (1 - 0.5 * 0.96^(t * psi)),  psi = `momentum_decay`;  P_t = prod_{i<=t} mu_i
    m <- beta1 * m + (1 - beta1) * g;   v <- beta2 * v + (1 - beta2) * g^2
    d = sqrt(v / (1 - beta2^t)) + eps
    x <- x - lr * (1 - mu_t) / (1 - P_t) * g / d - lr * mu_{t+1} / (1 - P_t * mu_{t+1}) * m / d
    Symbols: m (row 0), v (row 1), P_t = `scal[0]` (starts at 1).
    """
    mu = beta1 * (1.0 - 0.5 * 0.96 ** (t * momentum_decay))
    mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((t + 1) * momentum_decay))
    scal[0] *= mu
    prod = scal[0]
    prod_next = prod * mu_next
    bc2 = 1.0 - beta2**t
    c_g = -lr * (1.0 - mu) / (1.0 - prod)
    c_m = -lr * mu_next / (1.0 - prod_next)
    for i in range(x.shape[0]):
        m[i] += (1.0 - beta1) * (g[i] - m[i])
        v[i] = beta2 * v[i] + (1.0 - beta2) * g[i] * g[i]
        d = np.sqrt(v[i] / bc2) + eps
        x[i] += c_g * (g[i] / d)
        x[i] += c_m * (m[i] / d)


@jit
def _newton2(x, g, h, lr):
    """Damped Newton step in 2D with a saddle-free fallback.

    x <- x - lr * H~^{-1} g,   H~ = Q diag(max(|lambda_i|, delta)) Q^T,   H = Q diag(lambda) Q^T
    Where H is positive definite (all lambda >= delta = 1e-6) H~ = H and this is the classical
    damped Newton step.  Elsewhere the absolute eigenvalues (Dauphin et al. 2014) turn the step
    away from saddles and maxima instead of towards them.  h = (h_xx, h_xy, h_yy).
    """
    a, b, c = h[0], h[1], h[2]
    phi = 0.5 * np.arctan2(2.0 * b, a - c)
    cs, sn = np.cos(phi), np.sin(phi)
    l1 = a * cs * cs + 2.0 * b * cs * sn + c * sn * sn
    l2 = a * sn * sn - 2.0 * b * cs * sn + c * cs * cs
    l1 = max(abs(l1), NEWTON_MIN_CURVATURE)
    l2 = max(abs(l2), NEWTON_MIN_CURVATURE)
    p1 = (cs * g[0] + sn * g[1]) / l1
    p2 = (-sn * g[0] + cs * g[1]) / l2
    x[0] -= lr * (cs * p1 - sn * p2)
    x[1] -= lr * (sn * p1 + cs * p2)


@jit(inline=True)
def prepare_grad(g, x, clip_norm, l2):
    """Gradient clipping by global norm, then coupled L2 weight decay, in place.

    clip: g <- g * min(1, c / (||g|| + 1e-6))   (torch.nn.utils.clip_grad_norm_, c = clip_norm)
    L2:   g <- g + l2 * x                       (the `weight_decay` argument of torch optimizers)
    clip_norm <= 0 means no clipping.  Returns the norm before clipping (-1 when not clipping).
    """
    norm = -1.0
    if clip_norm > 0.0:
        s = 0.0
        for i in range(g.shape[0]):
            s += g[i] * g[i]
        norm = np.sqrt(s)
        coef = clip_norm / (norm + 1e-6)
        if coef < 1.0:
            for i in range(g.shape[0]):
                g[i] *= coef
    if l2 != 0.0:
        for i in range(g.shape[0]):
            g[i] += l2 * x[i]
    return norm


@jit(inline=True)
def update(code, x, g, state, scal, hp, t, lr, h):
    """Apply one step of optimizer `code` in place.

    x, g: (P,) parameters and (prepared) gradient; state: (N_STATE, P) zeros at t = 1;
    scal: (2,) scalar state, scal[0] = 1 at t = 1; hp: packed hyperparameters (see
    `Optimizer.pack`); t: step number from 1; lr: this step's learning rate (schedule applied);
    h: (3,) Hessian (h_xx, h_xy, h_yy), read by Newton only.
    """
    if code == SGD:
        _sgd(x, g, lr)
    elif code == MOMENTUM:
        _momentum(x, g, state[0], lr, hp[0], False)
    elif code == NESTEROV:
        _momentum(x, g, state[0], lr, hp[0], True)
    elif code == ADAGRAD:
        _adagrad(x, g, state[0], t, lr, hp[0], hp[1])
    elif code == RMSPROP:
        _rmsprop(x, g, state[0], state[1], state[2], lr, hp[0], hp[1], hp[2], hp[3] != 0.0)
    elif code == ADADELTA:
        _adadelta(x, g, state[0], state[1], lr, hp[0], hp[1])
    elif code == ADAM:
        _adam(x, g, state[0], state[1], state[2], t, lr, hp[0], hp[1], hp[2], hp[3] != 0.0, False, 0.0)
    elif code == AMSGRAD:
        _adam(x, g, state[0], state[1], state[2], t, lr, hp[0], hp[1], hp[2], hp[3] != 0.0, True, 0.0)
    elif code == ADAMW:
        _adam(x, g, state[0], state[1], state[2], t, lr, hp[0], hp[1], hp[2], hp[3] != 0.0, False, hp[4])
    elif code == NADAM:
        _nadam(x, g, state[0], state[1], scal, t, lr, hp[0], hp[1], hp[2], hp[3])
    elif code == NEWTON:
        _newton2(x, g, h, lr)


# --------------------------------------------------------------------------- registry


@dataclass(frozen=True)
class HParam:
    """One hyperparameter: what a slider (or checkbox) needs, and what `run` validates."""

    name: str
    default: float
    min: float
    max: float
    log: bool = False
    help: str = ""
    kind: str = "float"  # "float", "int" or "bool"
    symbol: str = ""  # LaTeX symbol in the formula

    def validate(self, value: Any, owner: str) -> float:
        """Return `value` as a float, or raise ValueError naming the argument and its range."""
        if self.kind == "bool":
            if isinstance(value, (bool, np.bool_)) or value in (0, 1):
                return float(bool(value))
            raise ValueError(f"{self.name} of {owner} must be True or False, got {value!r}")
        try:
            v = float(value)
        except (TypeError, ValueError):
            raise ValueError(f"{self.name} of {owner} must be a number, got {value!r}") from None
        if self.kind == "int" and v != int(v):
            raise ValueError(f"{self.name} of {owner} must be an integer, got {value!r}")
        if not (np.isfinite(v) and self.min <= v <= self.max):
            raise ValueError(f"{self.name} of {owner} must be in [{self.min:g}, {self.max:g}], got {value!r}")
        return v


def _lr(default: float, lo: float = 1e-6, hi: float = 100.0) -> HParam:
    return HParam("lr", default, lo, hi, True, "learning rate (step size) η", symbol=r"\eta")


_EPS = "small constant ε that keeps the denominator away from zero"
_B1 = HParam("beta1", 0.9, 0.0, 0.9999, False, "decay of the first moment (momentum) β₁", symbol=r"\beta_1")
_B2 = HParam("beta2", 0.999, 0.0, 0.99999, False, "decay of the second moment β₂", symbol=r"\beta_2")
_BC = HParam(
    "bias_correction", 1.0, 0.0, 1.0, help="divide m, v by 1-βᵗ (off: see the biased first steps)", kind="bool"
)
_SEED = HParam("seed", 0, 0, 2**31 - 1, help="random seed", kind="int")
_MU = HParam("momentum", 0.9, 0.0, 0.999, False, "momentum coefficient μ (α in the lecture)", symbol=r"\mu")


@dataclass(frozen=True)
class Optimizer:
    """A registry entry: everything a UI or a test needs to know about one optimizer."""

    name: str
    code: int
    title: str
    follows: str  # the torch.optim algorithm it reproduces
    hparams: tuple[HParam, ...]
    latex: str  # textbook update rule
    symbols: dict[str, str] = field(default_factory=dict)  # LaTeX symbol -> one-line reading
    note: str = ""
    needs_hessian: bool = False
    gradient_free: bool = False  # random searches: use f only, surfaces only

    @property
    def hparam_names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.hparams)

    def defaults(self) -> dict[str, float]:
        return {p.name: p.default for p in self.hparams}

    def resolve(self, **hyperparams: Any) -> dict[str, float]:
        """Defaults overlaid with `hyperparams`, validated; ValueError on unknown names or ranges."""
        known = {p.name: p for p in self.hparams}
        for k in hyperparams:
            if k not in known:
                allowed = ", ".join(known) or "none"
                raise ValueError(f"optimizer {self.name!r} takes no hyperparameter {k!r}; it takes: {allowed}")
        return {n: p.validate(hyperparams.get(n, p.default), self.name) for n, p in known.items()}

    def pack(self, resolved: dict[str, float]) -> np.ndarray:
        """Hyperparameters other than lr and seed, in registry order, as the kernels read them."""
        hp = np.zeros(N_HP)
        vals = [resolved[p.name] for p in self.hparams if p.name not in ("lr", "seed")]
        hp[: len(vals)] = vals
        return hp


_REGISTRY = (
    Optimizer(
        "sgd",
        SGD,
        "SGD",
        "torch.optim.SGD",
        (_lr(0.01),),
        r"\theta_{t+1} = \theta_t - \eta\, g_t",
        {r"g_t": "gradient at θₜ (plus noise σ if set)", r"\eta": "learning rate"},
        "Steps straight down the local slope; zig-zags across narrow valleys.",
    ),
    Optimizer(
        "momentum",
        MOMENTUM,
        "Momentum",
        "torch.optim.SGD(momentum=μ)",
        (_lr(0.01), _MU),
        r"v_{t+1} = \mu v_t - \eta\, g_t,\qquad \theta_{t+1} = \theta_t + v_{t+1}",
        {r"v_t": "velocity (running sum of past steps)", r"\mu": "momentum: how much velocity survives a step"},
        "A ball rolling downhill: builds speed along consistent directions, damps zig-zags. "
        "torch stores b = −v/η; same path for a constant η.",
    ),
    Optimizer(
        "nesterov",
        NESTEROV,
        "Nesterov",
        "torch.optim.SGD(momentum=μ, nesterov=True)",
        (_lr(0.01), _MU),
        r"v_{t+1} = \mu v_t - \eta\, \nabla f(\theta_t + \mu v_t),\qquad \theta_{t+1} = \theta_t + v_{t+1}",
        {r"\theta_t + \mu v_t": "look-ahead point where the gradient is taken", r"\mu": "momentum"},
        "Looks ahead along the velocity before taking the gradient: brakes earlier, overshoots less. "
        "torch (and optviz) run the equivalent form in the look-ahead variable.",
    ),
    Optimizer(
        "adagrad",
        ADAGRAD,
        "AdaGrad",
        "torch.optim.Adagrad",
        (
            _lr(0.01),
            HParam("lr_decay", 0.0, 0.0, 1.0, False, "η is divided by 1 + (t−1)·lr_decay"),
            HParam("eps", 1e-10, 1e-12, 1.0, True, _EPS, symbol=r"\epsilon"),
        ),
        r"s_t = s_{t-1} + g_t^2,\qquad \theta_{t+1} = \theta_t - \frac{\eta}{\sqrt{s_t} + \epsilon}\, g_t",
        {r"s_t": "sum of all squared gradients so far (per coordinate)"},
        "Per-coordinate step η/√sₜ only shrinks: fast start, then it stalls on long runs.",
    ),
    Optimizer(
        "rmsprop",
        RMSPROP,
        "RMSProp",
        "torch.optim.RMSprop",
        (
            _lr(0.01),
            HParam("alpha", 0.99, 0.0, 0.9999, False, "decay ρ of the squared-gradient average", symbol=r"\rho"),
            HParam("eps", 1e-8, 1e-12, 1.0, True, _EPS, symbol=r"\epsilon"),
            HParam("momentum", 0.0, 0.0, 0.999, False, "optional momentum on the scaled step"),
            HParam(
                "centered", 0.0, 0.0, 1.0, help="divide by the variance instead of the raw second moment", kind="bool"
            ),
        ),
        r"s_t = \rho\, s_{t-1} + (1-\rho)\, g_t^2,\qquad"
        r" \theta_{t+1} = \theta_t - \frac{\eta}{\sqrt{s_t} + \epsilon}\, g_t",
        {r"s_t": "moving average of squared gradients", r"\rho": "its decay (torch's alpha)"},
        "AdaGrad with a forgetting average: the step no longer decays to zero.",
    ),
    Optimizer(
        "adadelta",
        ADADELTA,
        "AdaDelta",
        "torch.optim.Adadelta",
        (
            _lr(1.0, 1e-4, 100.0),
            HParam("rho", 0.9, 0.0, 0.9999, False, "decay ρ of both running averages", symbol=r"\rho"),
            HParam("eps", 1e-6, 1e-12, 1.0, True, _EPS, symbol=r"\epsilon"),
        ),
        r"s_t = \rho s_{t-1} + (1-\rho) g_t^2,\quad \Delta_t = \frac{\sqrt{u_{t-1}+\epsilon}}{\sqrt{s_t+\epsilon}} g_t,"
        r"\quad u_t = \rho u_{t-1} + (1-\rho)\Delta_t^2,\quad \theta_{t+1} = \theta_t - \eta\,\Delta_t",
        {
            r"u_t": "moving average of squared updates (gives the step its units)",
            r"s_t": "moving average of squared gradients",
        },
        "No learning rate in Zeiler's form (η = 1): the step size is learnt from past steps.",
    ),
    Optimizer(
        "adam",
        ADAM,
        "Adam",
        "torch.optim.Adam",
        (_lr(0.001), _B1, _B2, HParam("eps", 1e-8, 1e-12, 1.0, True, _EPS, symbol=r"\epsilon"), _BC),
        r"m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t,\quad v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2,\quad"
        r"\hat m_t = \frac{m_t}{1-\beta_1^t},\ \hat v_t = \frac{v_t}{1-\beta_2^t},\quad"
        r"\theta_{t+1} = \theta_t - \frac{\eta\, \hat m_t}{\sqrt{\hat v_t} + \epsilon}",
        {
            r"m_t": "momentum (average gradient)",
            r"v_t": "RMSProp's average squared gradient",
            r"\hat m_t, \hat v_t": "bias-corrected: m, v start at 0 and would be too small early on",
        },
        "Momentum + RMSProp with bias correction; the step is about η in every coordinate.",
    ),
    Optimizer(
        "amsgrad",
        AMSGRAD,
        "AMSGrad",
        "torch.optim.Adam(amsgrad=True)",
        (_lr(0.001), _B1, _B2, HParam("eps", 1e-8, 1e-12, 1.0, True, _EPS, symbol=r"\epsilon"), _BC),
        r"\hat v^{\max}_t = \max(\hat v^{\max}_{t-1}, v_t),\quad \theta_{t+1} = \theta_t - \frac{\eta\, \hat m_t}"
        r"{\sqrt{\hat v^{\max}_t/(1-\beta_2^t)} + \epsilon}",
        {r"\hat v^{\max}_t": "running maximum of v: the step size can never grow back"},
        "Adam whose denominator never shrinks, which repairs Adam's convergence proof.",
    ),
    Optimizer(
        "adamw",
        ADAMW,
        "AdamW",
        "torch.optim.AdamW",
        (
            _lr(0.001),
            _B1,
            _B2,
            HParam("eps", 1e-8, 1e-12, 1.0, True, _EPS, symbol=r"\epsilon"),
            _BC,
            HParam("weight_decay", 0.01, 0.0, 1.0, False, "decoupled weight decay λ", symbol=r"\lambda"),
        ),
        r"\theta_{t+1} = \theta_t - \eta\Big(\frac{\hat m_t}{\sqrt{\hat v_t} + \epsilon} + \lambda\,\theta_t\Big)",
        {r"\lambda": "decoupled weight decay: shrinks θ directly, not through the gradient"},
        "Adam with weight decay applied to the weights, not added to the gradient (unlike L2).",
    ),
    Optimizer(
        "nadam",
        NADAM,
        "NAdam",
        "torch.optim.NAdam",
        (
            _lr(0.002),
            _B1,
            _B2,
            HParam("eps", 1e-8, 1e-12, 1.0, True, _EPS, symbol=r"\epsilon"),
            HParam("momentum_decay", 0.004, 0.0, 0.1, False, "ψ in μₜ = β₁(1 − ½·0.96^{tψ})", symbol=r"\psi"),
        ),
        r"\theta_{t+1} = \theta_t - \frac{\eta}{\sqrt{\hat v_t} + \epsilon}"
        r"\Big(\frac{(1-\mu_t)\, g_t}{1-\prod_{i\le t}\mu_i}"
        r" + \frac{\mu_{t+1}\, m_t}{1-\prod_{i\le t+1}\mu_i}\Big)",
        {r"\mu_t": "momentum schedule β₁(1 − ½·0.96^{tψ})", r"m_t": "Adam's first moment"},
        "Adam with Nesterov's look-ahead on the momentum term.",
    ),
    Optimizer(
        "newton",
        NEWTON,
        "Newton",
        "damped Newton (second order)",
        (_lr(1.0, 1e-4, 10.0),),
        r"\theta_{t+1} = \theta_t - \eta\, \tilde H^{-1} g_t,\qquad \tilde H = Q\,|\Lambda|\,Q^\top",
        {r"\tilde H": "Hessian with eigenvalues replaced by max(|λ|, 10⁻⁶): equals H where H is positive definite"},
        "Uses curvature: one step (η = 1) to the minimum of a quadratic bowl, whatever its conditioning.",
        needs_hessian=True,
    ),
    Optimizer(
        "random_search",
        RANDOM_SEARCH,
        "Random search",
        "CS231n lecture: random search",
        (_SEED,),
        r"\theta^{(k)} \sim \mathcal U(\text{plot bounds}),\qquad \theta_t = \arg\min_{k\le t} f(\theta^{(k)})",
        {r"\theta^{(k)}": "a point drawn uniformly in the plotted square"},
        "A baseline: try random points, keep the best one. The path jumps between best-so-far points.",
        gradient_free=True,
    ),
    Optimizer(
        "random_local_search",
        RANDOM_LOCAL_SEARCH,
        "Random local search",
        "CS231n lecture: random local search",
        (
            HParam("step", 0.1, 1e-4, 10.0, True, "standard deviation of the random perturbation δ", symbol=r"\sigma"),
            _SEED,
        ),
        r"\delta \sim \mathcal N(0, \sigma^2 I),\qquad"
        r" \theta_{t+1} = \begin{cases}\theta_t + \delta & f(\theta_t+\delta) < f(\theta_t)\\"
        r" \theta_t & \text{otherwise}\end{cases}",
        {r"\delta": "random perturbation", r"\sigma": "its size (`step`, scaled by the lr schedule)"},
        "A baseline: try a small random move, keep it only if the loss goes down.",
        gradient_free=True,
    ),
)

OPTIMIZERS: dict[str, Optimizer] = {o.name: o for o in _REGISTRY}


def get_optimizer(name: str) -> Optimizer:
    """The registry entry called `name`; ValueError listing the valid names otherwise."""
    try:
        return OPTIMIZERS[name]
    except (KeyError, TypeError):
        raise ValueError(f"optimizer must be one of: {', '.join(OPTIMIZERS)}; got {name!r}") from None
