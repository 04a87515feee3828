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

import re
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from optviz._jit import generate, jit
from optviz.i18n import N_

# What a rule asks the driver (kernel or MLP trainer) for, returned by `step`.
DONE, EVAL_F, EVAL_FG = 0, 1, 2
# What a rule needs at the current iterate before it is called (registry field `at_x`).
NOTHING, VALUE, GRADIENT = 0, 1, 2
N_SCAL = 64  # length of the scalar state every rule receives (scal[0] = 1 at t = 1, the rest too)
N_REC = 4  # at most this many leading entries of `scal` are named for recording (`Optimizer.scal_names`)
NEWTON_MIN_CURVATURE = 1e-6  # |eigenvalue| floor of the Newton fallback
SAM_NORM_EPS = 1e-12  # rho / (||g|| + 1e-12): a zero gradient gives no perturbation (davda54/sam)
ADAFACTOR_EPS1 = float(np.finfo(np.float64).eps)  # torch.optim.Adafactor's eps1 default (None: finfo.eps)
MUON_NS = (3.4445, -4.7750, 2.0315)  # torch.optim.Muon's Newton-Schulz coefficients (a, b, c)
LBFGS_MAX_EVALS = 25  # per step, the evaluation at x included: torch's max_eval for max_iter = 20
LBFGS_HISTORY_MAX = 20


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
    Symbols: b = `buf` (state row 0), mu = `momentum`, lr = `lr`; direction = g + mu * b, the
    vector Nesterov's lr multiplies.
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
    Symbols: m (row 0), v (row 1), P_t = mu_product = `scal[0]` (starts at 1); the step is lr / d
    along direction = (1 - mu_t) / (1 - P_t) * g + mu_{t+1} / (1 - P_t * mu_{t+1}) * m.
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
def _random_search(phase, x, f, probe, rnd, scal):
    """CS231n's random search: try the candidate `rnd` (drawn in the plot bounds), keep the best.

    Phase 0 receives f(x) and asks for f at the candidate; phase 1 moves there if it is lower.
    """
    if phase == 0:
        scal[0] = f
        for i in range(x.shape[0]):
            probe[i] = rnd[i]
        return EVAL_F
    if f < scal[0]:
        for i in range(x.shape[0]):
            x[i] = probe[i]
    return DONE


@jit(inline=True)
def _random_local_search(phase, x, f, probe, rnd, scal, lr):
    """CS231n's random local search: x + sigma z with z = `rnd` ~ N(0, I), kept if f decreases.

    sigma = `lr`, the `step` hyperparameter with the schedule applied.  Phase 0 receives f(x)
    (on the MLP: this step's batch) and asks for f at the candidate; phase 1 accepts or rejects.
    """
    if phase == 0:
        scal[0] = f
        for i in range(x.shape[0]):
            probe[i] = x[i] + lr * rnd[i]
        return EVAL_F
    if f < scal[0]:
        for i in range(x.shape[0]):
            x[i] = probe[i]
    return DONE


@jit(inline=True)
def _lerp(a, b, w):
    """torch.lerp(a, b, w) as torch computes it on the CPU (two branches, exact at w = 0 and 1)."""
    if abs(w) < 0.5:
        return a + w * (b - a)
    return b - (b - a) * (1.0 - w)


@jit
def _radam(x, g, m, v, t, lr, beta1, beta2, eps):
    """RAdam (Liu et al. 2020; torch.optim.RAdam).

    m <- beta1 * m + (1 - beta1) * g;   v <- beta2 * v + (1 - beta2) * g^2
    rho_inf = 2 / (1 - beta2) - 1;   rho_t = rho_inf - 2 t beta2^t / (1 - beta2^t)
    rho_t > 5:  x <- x - lr * m_hat * sqrt(1 - beta2^t) / (sqrt(v) + eps) * r_t,
                r_t = sqrt((rho_t - 4)(rho_t - 2) rho_inf / ((rho_inf - 4)(rho_inf - 2) rho_t))
    otherwise:  x <- x - lr * m_hat      (the variance estimate is too young: momentum SGD)
    Symbols: m (row 0), v (row 1), m_hat = m / (1 - beta1^t), r_t the variance rectification.
    eps is added outside the square root, and sqrt(1 - beta2^t) multiplies, as in torch.
    """
    bc1 = 1.0 - beta1**t
    bc2 = 1.0 - beta2**t
    rho_inf = 2.0 / (1.0 - beta2) - 1.0
    rho_t = rho_inf - 2.0 * t * (beta2**t) / bc2
    rect = 0.0
    if rho_t > 5.0:
        rect = ((rho_t - 4.0) * (rho_t - 2.0) * rho_inf / ((rho_inf - 4.0) * (rho_inf - 2.0) * rho_t)) ** 0.5
    for i in range(x.shape[0]):
        m[i] += (1.0 - beta1) * (g[i] - m[i])
        v[i] = beta2 * v[i] + (1.0 - beta2) * g[i] * g[i]
        if rho_t > 5.0:
            x[i] += -(m[i] / bc1 * lr * (bc2**0.5 / (np.sqrt(v[i]) + eps)) * rect)
        else:
            x[i] += -(m[i] / bc1 * lr)


@jit
def _adamax(x, g, m, u, t, lr, beta1, beta2, eps):
    """Adamax (Kingma & Ba 2015, section 7.1; torch.optim.Adamax).

    m <- beta1 * m + (1 - beta1) * g;   u <- max(beta2 * u, |g| + eps)
    x <- x - lr / (1 - beta1^t) * m / u
    Symbols: m (row 0), u = the exponentially weighted infinity norm (row 1).  torch adds eps to
    |g| inside the max (the paper has no eps), which keeps u > 0 from the first step on.
    """
    clr = lr / (1.0 - beta1**t)
    for i in range(x.shape[0]):
        m[i] += (1.0 - beta1) * (g[i] - m[i])
        u[i] = max(u[i] * beta2, abs(g[i]) + eps)
        x[i] += -clr * (m[i] / u[i])


@jit
def _rprop(x, g, prev, size, t, lr, eta_minus, eta_plus, step_min, step_max):
    """Rprop (Riedmiller & Braun 1993; torch.optim.Rprop, the variant without weight backtracking).

    s = sign(g * g_prev):  s > 0: delta <- min(delta * eta_plus, step_max)
                           s < 0: delta <- max(delta * eta_minus, step_min), and g <- 0 (no move)
    x <- x - sign(g) * delta;   g_prev <- g
    Symbols: g_prev = `prev` (row 0), delta = `size` (row 1), per coordinate; delta starts at lr
    (this step's lr at t = 1; afterwards lr and its schedule play no part, as in torch); the step
    is delta along direction = sign(g_prev), the sign of the gradient after the zeroing above.
    """
    if t == 1:
        for i in range(x.shape[0]):
            size[i] = lr
    for i in range(x.shape[0]):
        s = g[i] * prev[i]
        if s > 0.0:
            fac = eta_plus
        elif s < 0.0:
            fac = eta_minus
        else:
            fac = 1.0
        size[i] = min(max(size[i] * fac, step_min), step_max)
        gi = 0.0 if fac == eta_minus else g[i]
        x[i] += -(np.sign(gi) * size[i])
        prev[i] = gi


@jit
def _lion(x, g, m, lr, beta1, beta2, weight_decay):
    """Lion (Chen et al. 2023, "Symbolic discovery of optimization algorithms"; lion-pytorch).

    x <- x * (1 - lr * weight_decay)
    x <- x - lr * sign(beta1 * m + (1 - beta1) * g);   m <- beta2 * m + (1 - beta2) * g
    Symbols: m (row 0), the momentum; direction = sign(beta1 * m + (1 - beta1) * g), with m before
    its update.  Every coordinate moves by exactly lr (or 0 where the interpolation is 0): the
    update has the size of lr whatever the gradient's scale.
    """
    decay = 1.0 - lr * weight_decay
    for i in range(x.shape[0]):
        x[i] *= decay
        x[i] += -lr * np.sign(m[i] * beta1 + (1.0 - beta1) * g[i])
        m[i] = m[i] * beta2 + (1.0 - beta2) * g[i]


@jit
def _adafactor(x, g, r, c, t, lr, beta2_decay, eps2, d, weight_decay, blocks):
    """Adafactor (Shazeer & Stern 2018; torch.optim.Adafactor), per parameter block.

    beta2_hat = 1 - t^c (c = `beta2_decay`);  rho_t = min(lr, 1/sqrt(t));
    alpha_t = max(eps2, RMS(X)) * rho_t;   X <- X (1 - lr * weight_decay)
    matrix block G (n x k):  R <- lerp(R, rowmean(G^2), 1 - beta2_hat);  C <- lerp(C, colmean(G^2), ...)
                             V = R C^T / mean(R)      (the factored second moment: n + k numbers)
    vector block g:          V <- lerp(V, g^2, 1 - beta2_hat)           (unfactored)
    U = G / sqrt(max(V, eps1^2));   X <- X - alpha_t / max(1, RMS(U) / d) * U
    Symbols: R (row 0 at the block's offset), C (row 1), V (row 0), d = `d` the clipping threshold,
    eps1 = float64 machine epsilon (torch's default).  On the MLP each weight matrix is a factored
    block and each bias a vector; on a 2D surface the point is one vector of 2, so the unfactored form.
    """
    for bi in range(blocks.shape[0]):
        off, nr, nc = blocks[bi, 0], blocks[bi, 1], blocks[bi, 2]
        n = nc if nr == 0 else nr * nc
        w = t**beta2_decay
        rho = min(lr, 1.0 / t**0.5)
        ss = 0.0
        for i in range(off, off + n):
            ss += x[i] * x[i]
        alpha = max(eps2, np.sqrt(ss) / n**0.5) * rho
        if weight_decay != 0.0:
            for i in range(off, off + n):
                x[i] *= 1.0 - lr * weight_decay
        if nr == 0:
            for i in range(off, off + n):
                r[i] = _lerp(r[i], g[i] * g[i], w)
        else:
            rmean = 0.0
            for a in range(nr):
                s = 0.0
                for b in range(nc):
                    s += g[off + a * nc + b] * g[off + a * nc + b]
                s = np.sqrt(s)
                r[off + a] = _lerp(r[off + a], s * s / nc, w)
                rmean += r[off + a]
            for b in range(nc):
                s = 0.0
                for a in range(nr):
                    s += g[off + a * nc + b] * g[off + a * nc + b]
                s = np.sqrt(s)
                c[off + b] = _lerp(c[off + b], s * s / nr, w)
            rmean = max(rmean / nr, ADAFACTOR_EPS1)
        uu = 0.0
        for pass_ in range(2):  # pass 0: RMS of the update; pass 1: apply it
            if pass_ == 1:
                scale = -alpha / max(1.0, np.sqrt(uu) / (n**0.5 * d))
            for i in range(n):
                if nr == 0:
                    var = r[off + i]
                else:
                    var = r[off + i // nc] * c[off + i % nc] / rmean
                u = 1.0 / np.sqrt(max(var, ADAFACTOR_EPS1 * ADAFACTOR_EPS1)) * g[off + i]
                if pass_ == 0:
                    uu += u * u
                else:
                    x[off + i] += scale * u


@jit
def _newton_schulz(X, nr, nc, steps, eps, G, B, Y):
    """X (nr x nc, rows <= cols, flat row-major) <- NS_steps(X / max(||X||_F, eps)) in place.

    torch.optim.Muon's quintic iteration: G = X X^T;  B = b G + c G G;  X <- a X + B X.
    G, B: scratch of nr * nr; Y: scratch of nr * nc.
    """
    a, b, c = MUON_NS
    s = 0.0
    for i in range(nr * nc):
        s += X[i] * X[i]
    nrm = max(np.sqrt(s), eps)
    for i in range(nr * nc):
        X[i] /= nrm
    for _ in range(steps):
        for i in range(nr):
            for j in range(nr):
                s = 0.0
                for k in range(nc):
                    s += X[i * nc + k] * X[j * nc + k]
                G[i * nr + j] = s
        for i in range(nr):
            for j in range(nr):
                s = 0.0
                for k in range(nr):
                    s += G[i * nr + k] * G[k * nr + j]
                B[i * nr + j] = c * s + b * G[i * nr + j]
        for i in range(nr):
            for j in range(nc):
                s = 0.0
                for k in range(nr):
                    s += B[i * nr + k] * X[k * nc + j]
                Y[i * nc + j] = s + a * X[i * nc + j]
        for i in range(nr * nc):
            X[i] = Y[i]


@jit
def _muon(x, g, state, t, lr, lr0, mu, nesterov, weight_decay, ns_steps, eps, match_rms_adamw, adamw_lr, blocks):
    """Muon (Jordan et al. 2024; torch.optim.Muon) on matrix blocks, AdamW on the others.

    B <- lerp(B, G, 1 - mu);  M = lerp(G, B, mu) with nesterov, else B
    O = NS5(M): Newton-Schulz orthogonalisation, ~ U V^T of M = U S V^T (torch's coefficients, 5 steps)
    X <- X (1 - lr * weight_decay) - lr * sqrt(max(1, n/k)) * O        (n x k block; "original" lr rule)
    match_rms_adamw: the factor is 0.2 sqrt(max(n, k)) instead (Moonshot's rule).
    Symbols: B = momentum buffer (row 0), mu = `momentum`.  Vector blocks (biases) take torch's
    documented fallback, AdamW with lr = adamw_lr (scheduled like lr), betas (0.9, 0.999), eps 1e-8
    and the same weight_decay (rows 1, 2).  torch casts M to bfloat16 for the iteration; optviz
    iterates in float64.  On a 2D surface the point is a 1x2 matrix: its orthogonalised update is
    the normalised momentum M / ||M|| (its only singular value is 1), which the quintic maps to
    itself scaled by p^5(1) = 0.696 with torch's coefficients and 5 steps (1.090 with 4): the step
    has length ~0.7 lr along M, whatever the size of the gradient.
    """
    buf = state[0]
    sa = adamw_lr * (lr / lr0)
    for bi in range(blocks.shape[0]):
        off, nr, nc = blocks[bi, 0], blocks[bi, 1], blocks[bi, 2]
        if nr == 0:
            e = off + nc
            _adam(x[off:e], g[off:e], state[1, off:e], state[2, off:e], state[2, off:e], t, sa, 0.9, 0.999, 1e-8,
                  True, False, weight_decay)  # fmt: skip
            continue
        n = nr * nc
        X = state[3, off : off + n]
        for i in range(n):
            buf[off + i] = _lerp(buf[off + i], g[off + i], 1.0 - mu)
            upd = _lerp(g[off + i], buf[off + i], mu) if nesterov else buf[off + i]
            if nr > nc:  # iterate on the wide orientation, as torch (X^T)
                X[(i % nc) * nr + i // nc] = upd
            else:
                X[i] = upd
        r, k = (nc, nr) if nr > nc else (nr, nc)
        _newton_schulz(X, r, k, ns_steps, eps, state[4, off : off + r * r], state[5, off : off + r * r],
                       state[6, off : off + n])  # fmt: skip
        if match_rms_adamw:
            alr = lr * (0.2 * np.sqrt(max(nr, nc)))
        else:
            alr = lr * np.sqrt(max(1.0, nr / nc))
        decay = 1.0 - lr * weight_decay
        for i in range(n):
            o = X[(i % nc) * nr + i // nc] if nr > nc else X[i]
            x[off + i] *= decay
            x[off + i] += -alr * o


@jit
def _sam(phase, x, g, probe, state, t, lr, rho, adam, momentum, beta1, beta2, eps):
    """SAM, sharpness-aware minimisation (Foret et al. 2021, Algorithm 1), two gradients per step.

    e = rho * g / (||g|| + 1e-12);   g_sam = grad f(x + e);   x <- base step with g_sam
    base: SGD with momentum mu (torch.optim.SGD form; mu = 0 is plain SGD), or Adam (`adam`).
    Phase 0 receives g at x and asks for the gradient at the perturbed point x + e (the probe);
    phase 1 takes the base step from x (not from x + e).  Symbols: rho the neighbourhood radius,
    state rows: the momentum buffer b or Adam's m (row 0), v (row 1).
    """
    if phase == 0:
        s = 0.0
        for i in range(x.shape[0]):
            s += g[i] * g[i]
        scale = rho / (np.sqrt(s) + SAM_NORM_EPS)
        for i in range(x.shape[0]):
            probe[i] = x[i] + g[i] * scale
        return EVAL_FG
    if adam:
        _adam(x, g, state[0], state[1], state[1], t, lr, beta1, beta2, eps, True, False, 0.0)
    else:
        _momentum(x, g, state[0], lr, momentum, False)
    return DONE


@jit
def _schedule_free(phase, x, g, probe, y, z, v, scal, t, lr, beta, beta2, eps, weight_decay, r, power, adam):
    """Schedule-Free SGD / AdamW (Defazio et al. 2024; the `schedulefree` package), in their
    (y, z) form.  Three sequences: z the base (SGD or Adam) iterates, x their weighted average,
    y = (1 - beta) z + beta x the point where the gradient is taken; the model is evaluated at x.

    c_t = w_t / sum_{i<=t} w_i,  w_t = t^r * max_{i<=t} lr_i^power
    g = grad f(y) (AdamW: g / (sqrt(v / (1 - beta2^t)) + eps), v <- beta2 v + (1 - beta2) g^2) + weight_decay * y
    y <- lerp(y, z, c_t) + lr (beta (1 - c_t) - 1) g;   z <- z - lr g;   x = lerp(y, z, 1 - 1/beta)
    Symbols: beta = `beta1` (AdamW) or `momentum` (SGD); r, power = `r`, `weight_lr_power`;
    y (row 0), z (row 1), v (row 2); scal[0] = weight_sum, the sum of weights; scal[1] = lr_max,
    the largest lr so far.  The stored point x is the package's eval() point; phase 0 asks for the
    gradient at y (the probe).
    The package's warmup_steps is optviz's schedule warm-up (the same (k+1)/warmup factor on lr).
    """
    n = x.shape[0]
    if phase == 0:
        if t == 1:
            for i in range(n):
                y[i] = x[i]
                z[i] = x[i]
            scal[0] = 0.0
            scal[1] = -1.0
        for i in range(n):
            probe[i] = y[i]
        return EVAL_FG
    scal[1] = max(lr, scal[1])
    weight = (t**r) * (scal[1] ** power)
    scal[0] += weight
    ckp1 = weight / scal[0] if scal[0] != 0.0 else 0.0
    bc2 = 1.0 - beta2**t
    cy = lr * (beta * (1.0 - ckp1) - 1.0)
    for i in range(n):
        gi = g[i]
        if adam:
            v[i] = v[i] * beta2 + (1.0 - beta2) * g[i] * g[i]
            gi = gi / (np.sqrt(v[i] / bc2) + eps)
        if weight_decay != 0.0:
            gi = gi + weight_decay * y[i]
        y[i] = _lerp(y[i], z[i], ckp1)
        y[i] = y[i] + cy * gi
        z[i] = z[i] - lr * gi
        x[i] = _lerp(y[i], z[i], 1.0 - 1.0 / beta)
    return DONE


# L-BFGS scalar state: scal[_LB_*]; ro and al of the history from scal[_LB_RO], scal[_LB_AL].
_LB_ITER, _LB_T, _LB_HDIAG, _LB_NOLD, _LB_HEAD, _LB_MODE, _LB_LSITER, _LB_DONE = 0, 1, 2, 3, 4, 5, 6, 7
_LB_F0, _LB_GTD0, _LB_DNORM, _LB_TPREV, _LB_FPREV, _LB_GTDPREV, _LB_LOW, _LB_INSUF = 8, 9, 10, 11, 12, 13, 14, 15
_LB_BT, _LB_BF, _LB_BGTD = 16, 18, 20  # bracket t, f and directional derivative, two each
_LB_RO, _LB_AL = 22, 22 + LBFGS_HISTORY_MAX
_WOLFE_C1, _WOLFE_C2 = 1e-4, 0.9


@jit
def _cubic_min(x1, f1, g1, x2, f2, g2, lo, hi):
    """Minimiser of the cubic through (x1, f1, g1), (x2, f2, g2), clamped to [lo, hi] (torch's
    `_cubic_interpolate`; the bisection of [lo, hi] when the cubic has no minimum)."""
    d1 = g1 + g2 - 3.0 * (f1 - f2) / (x1 - x2)
    d2_square = d1 * d1 - g1 * g2
    if d2_square >= 0.0:
        d2 = np.sqrt(d2_square)
        if x1 <= x2:
            min_pos = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2.0 * d2))
        else:
            min_pos = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2.0 * d2))
        return min(max(min_pos, lo), hi)
    return (lo + hi) / 2.0


@jit
def _dot(a, b):
    s = 0.0
    for i in range(a.shape[0]):
        s += a[i] * b[i]
    return s


@jit
def _lbfgs(phase, x, g, f, probe, state, scal, lr, m, line_search, tolerance_grad, tolerance_change):
    """L-BFGS (Nocedal 1980; Liu & Nocedal 1989; torch.optim.LBFGS with max_iter=1: one iteration
    per optviz step), optionally with torch's strong-Wolfe line search.

    s_k = x_{k+1} - x_k, y_k = g_{k+1} - g_k, kept for the last m pairs with y_k.s_k > 1e-10;
    d = -H g by the two-loop recursion with H_0 = (s.y / y.y) I;   x <- x + tau d
    tau = lr (the first step: min(1, 1/||g||_1) lr), or, with the line search, the tau found by
    torch's strong-Wolfe search (c1 = 1e-4, c2 = 0.9, cubic interpolation, at most 24 trials)
    started at that value.  No step while max|g| <= tolerance_grad or g.d > -tolerance_change.
    Rows: d (0), previous gradient (1), x at the start of the search (2), q / r of the
    two-loop recursion (3), y_k (4 ..), s_k (4 + m ..); scalars in scal (see _LB_*), among them
    tau (scal[1], the last step length), H_diag = s.y / y.y of H_0 (scal[2]), pairs = the number
    of (s, y) pairs kept (scal[3]).  Symbols: d (row 0), g_prev (row 1, the gradient at x).
    Phase 0 receives f and g at x; each line-search trial x + tau d is a probe (EVAL_FG).
    """
    n = x.shape[0]
    d, prev, x0, q = state[0], state[1], state[2], state[3]
    if phase == 0:
        gmax = 0.0
        for i in range(n):
            gmax = max(gmax, abs(g[i]))
        if gmax <= tolerance_grad:
            return DONE
        scal[_LB_ITER] += 1.0  # scal starts as ones: the iteration count is scal[_LB_ITER] - 1
        first = scal[_LB_ITER] == 2.0
        if first:
            for i in range(n):
                d[i] = -g[i]
            scal[_LB_NOLD] = 0.0
            scal[_LB_HEAD] = 0.0
            scal[_LB_HDIAG] = 1.0
        else:
            t_old = scal[_LB_T]
            ys = 0.0
            yy = 0.0
            for i in range(n):
                yi = g[i] - prev[i]
                si = d[i] * t_old
                ys += yi * si
            nold = int(scal[_LB_NOLD])
            head = int(scal[_LB_HEAD])
            if ys > 1e-10:
                if nold == m:  # drop the oldest pair: the ring's head moves on
                    head = (head + 1) % m
                    nold -= 1
                slot = (head + nold) % m
                for i in range(n):
                    state[4 + slot, i] = g[i] - prev[i]
                    state[4 + m + slot, i] = d[i] * t_old
                for i in range(n):
                    yy += state[4 + slot, i] * state[4 + slot, i]
                nold += 1
                scal[_LB_RO + slot] = 1.0 / ys
                scal[_LB_HDIAG] = ys / yy
                scal[_LB_NOLD] = nold
                scal[_LB_HEAD] = head
            for i in range(n):
                q[i] = -g[i]
            for k in range(nold - 1, -1, -1):
                slot = (head + k) % m
                al = _dot(state[4 + m + slot], q) * scal[_LB_RO + slot]
                scal[_LB_AL + slot] = al
                for i in range(n):
                    q[i] += -al * state[4 + slot, i]
            hd = scal[_LB_HDIAG]
            for i in range(n):
                q[i] = q[i] * hd
            for k in range(nold):
                slot = (head + k) % m
                be = _dot(state[4 + slot], q) * scal[_LB_RO + slot]
                c = scal[_LB_AL + slot] - be
                for i in range(n):
                    q[i] += c * state[4 + m + slot, i]
            for i in range(n):
                d[i] = q[i]
        for i in range(n):
            prev[i] = g[i]
        if first:
            s1 = 0.0
            for i in range(n):
                s1 += abs(g[i])
            tau = min(1.0, 1.0 / s1) * lr
        else:
            tau = lr
        scal[_LB_T] = tau
        gtd = _dot(g, d)
        if gtd > -tolerance_change:
            return DONE
        if not line_search:
            for i in range(n):
                x[i] += tau * d[i]
            return DONE
        dn = 0.0
        for i in range(n):
            x0[i] = x[i]
            dn = max(dn, abs(d[i]))
            probe[i] = x[i] + tau * d[i]
        scal[_LB_F0], scal[_LB_GTD0], scal[_LB_DNORM] = f, gtd, dn
        scal[_LB_TPREV], scal[_LB_FPREV], scal[_LB_GTDPREV] = 0.0, f, gtd
        scal[_LB_MODE], scal[_LB_LSITER], scal[_LB_DONE] = 1.0, 0.0, 0.0
        return EVAL_FG
    return _wolfe_next(phase, x, g, f, probe, d, x0, scal)


@jit
def _wolfe_next(phase, x, g, f, probe, d, x0, scal):
    """Resume torch's `_strong_wolfe` after the evaluation (f, g) at x0 + tau d: either ask for the
    next trial (EVAL_FG) or move x to the accepted point (DONE)."""
    n = x.shape[0]
    max_ls = LBFGS_MAX_EVALS - 1
    f0, gtd0 = scal[_LB_F0], scal[_LB_GTD0]
    tau = scal[_LB_T]
    gtd_new = _dot(g, d)
    ls_iter = int(scal[_LB_LSITER])
    zoom = scal[_LB_MODE] == 2.0
    done = False
    bt, bf, bg = _LB_BT, _LB_BF, _LB_BGTD
    if not zoom:  # the bracketing loop
        if phase > 1:
            ls_iter += 1
        found = False
        if ls_iter < max_ls:
            t_prev, f_prev, gtd_prev = scal[_LB_TPREV], scal[_LB_FPREV], scal[_LB_GTDPREV]
            if f > f0 + _WOLFE_C1 * tau * gtd0 or (ls_iter > 1 and f >= f_prev):
                found = True
            elif abs(gtd_new) <= -_WOLFE_C2 * gtd0:
                scal[bt], scal[bt + 1], scal[bf], scal[bf + 1] = tau, tau, f, f
                done = True
            elif gtd_new >= 0.0:
                found = True
            else:
                t_next = _cubic_min(t_prev, f_prev, gtd_prev, tau, f, gtd_new, tau + 0.01 * (tau - t_prev), tau * 10.0)
                scal[_LB_TPREV], scal[_LB_FPREV], scal[_LB_GTDPREV] = tau, f, gtd_new
                scal[_LB_T] = t_next
                scal[_LB_LSITER] = ls_iter
                for i in range(n):
                    probe[i] = x0[i] + t_next * d[i]
                return EVAL_FG
            if found:
                scal[bt], scal[bt + 1], scal[bf], scal[bf + 1] = t_prev, tau, f_prev, f
                scal[bg], scal[bg + 1] = gtd_prev, gtd_new
        else:  # no bracket within max_ls trials
            scal[bt], scal[bt + 1], scal[bf], scal[bf + 1] = 0.0, tau, f0, f
        scal[_LB_INSUF] = 0.0
        scal[_LB_LOW] = 0.0 if scal[bf] <= scal[bf + 1] else 1.0
    else:  # a zoom trial came back
        ls_iter += 1
        low = int(scal[_LB_LOW])
        high = 1 - low
        if f > f0 + _WOLFE_C1 * tau * gtd0 or f >= scal[bf + low]:
            scal[bt + high], scal[bf + high], scal[bg + high] = tau, f, gtd_new
            scal[_LB_LOW] = 0.0 if scal[bf] <= scal[bf + 1] else 1.0
        else:
            if abs(gtd_new) <= -_WOLFE_C2 * gtd0:
                done = True
            elif gtd_new * (scal[bt + high] - scal[bt + low]) >= 0.0:
                scal[bt + high], scal[bf + high], scal[bg + high] = scal[bt + low], scal[bf + low], scal[bg + low]
            scal[bt + low], scal[bf + low], scal[bg + low] = tau, f, gtd_new
    # the zoom loop's head: one more trial, or accept bracket[low]
    if not done and ls_iter < max_ls:
        b0, b1 = scal[bt], scal[bt + 1]
        if not abs(b1 - b0) * scal[_LB_DNORM] < 1e-9:
            tau = _cubic_min(b0, scal[bf], scal[bg], b1, scal[bf + 1], scal[bg + 1], min(b0, b1), max(b0, b1))
            bmax, bmin = max(b0, b1), min(b0, b1)
            eps = 0.1 * (bmax - bmin)
            if min(bmax - tau, tau - bmin) < eps:
                if scal[_LB_INSUF] != 0.0 or tau >= bmax or tau <= bmin:
                    tau = bmax - eps if abs(tau - bmax) < abs(tau - bmin) else bmin + eps
                    scal[_LB_INSUF] = 0.0
                else:
                    scal[_LB_INSUF] = 1.0
            else:
                scal[_LB_INSUF] = 0.0
            scal[_LB_T] = tau
            scal[_LB_MODE] = 2.0
            scal[_LB_LSITER] = ls_iter
            for i in range(n):
                probe[i] = x0[i] + tau * d[i]
            return EVAL_FG
    low = int(scal[_LB_LOW])
    tau = scal[bt + low]
    scal[_LB_T] = tau
    for i in range(n):
        x[i] = x0[i] + tau * d[i]
    return DONE


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
    return HParam("lr", default, lo, hi, True, N_("learning rate (step size) η"), symbol=r"\eta")


_EPS = N_("small constant ε that keeps the denominator away from zero")
_B1 = HParam("beta1", 0.9, 0.0, 0.9999, False, N_("decay of the first moment (momentum) β₁"), symbol=r"\beta_1")
_B2 = HParam("beta2", 0.999, 0.0, 0.99999, False, N_("decay of the second moment β₂"), symbol=r"\beta_2")
_BC = HParam(
    "bias_correction", 1.0, 0.0, 1.0, help=N_("divide m, v by 1-βᵗ (off: see the biased first steps)"), kind="bool"
)
_SEED = HParam("seed", 0, 0, 2**31 - 1, help=N_("random seed"), kind="int")
_MU = HParam("momentum", 0.9, 0.0, 0.999, False, N_("momentum coefficient μ (α in the lecture)"), symbol=r"\mu")


@dataclass(frozen=True)
class Optimizer:
    """A registry entry: everything a UI or a test needs to know about one optimizer."""

    name: str
    title: str
    follows: str  # the reference it reproduces step by step (a torch.optim class, a package, a paper)
    hparams: tuple[HParam, ...]
    latex: str  # textbook update rule
    symbols: dict[str, str] = field(default_factory=dict)  # LaTeX symbol -> one-line reading
    note: str = ""
    # How the dispatcher calls the rule: a Python call over the driver's names (x, g, f, probe, rnd,
    # state, scal, t, lr, h, blocks, phase) with {hyperparameter} placeholders, which become
    # hp[<NAME>_<HPARAM>] with indices generated from `hparams` (checked in `_build`).
    rule: str = ""
    paper: str = ""  # the publication the rule comes from
    at_x: int = GRADIENT  # what the rule needs at the iterate before its call: NOTHING, VALUE, GRADIENT
    probes: bool = False  # the rule returns requests (EVAL_F / EVAL_FG at `probe`) instead of stepping once
    # A probing rule whose step is exactly: phase 0 proposes one point (`probe`) from f(x), phase 1
    # receives f there (one EVAL_F, no gradient) and keeps x or moves to it.  The surfaces kernel
    # runs these without its request loop (see `optviz.kernel.run_surface`).
    proposes: bool = False
    random: str = ""  # "normal" (N(0, 1) per coordinate) or "uniform" (in the plot bounds): the draws in `rnd`
    state_rows: int = 4  # rows of the per-parameter state array
    # What `optviz.run(record_state=True)` reports in `Result.state`, named as in the rule's docstring:
    # the state rows in order ("" = a scratch row, not reported; rows after the last name neither),
    # and the leading entries of `scal` (at most N_REC).  A name of the form "a if hp else b" depends
    # on whether hyperparameter hp is on (SAM's row 0 is Adam's m or the momentum buffer b).
    state_names: tuple[str, ...] = ()
    scal_names: tuple[str, ...] = ()
    # The key of `Result.state` that the effective step size multiplies: the step of a rule with a
    # direction is update = -step_size * direction - lr * weight_decay * x (the last term only for
    # rules with decoupled weight decay: AdamW, Lion, Adafactor, Muon; coupled L2 enters through g,
    # hence through m, v, b, ...).  "g" is `Result.grad`; "direction" a derived entry, for rules
    # that step along neither g nor a state row (see `optviz.api`); "" = no such notion (Newton,
    # L-BFGS, the random searches, Schedule-Free, whose x is an average).  May be "a if hp else b".
    direction: str = ""
    point: str = "vector"  # on a 2D surface the point is a "vector" of 2 or a "matrix" of 1 x 2 (`blocks`)
    needs_hessian: bool = False
    gradient_free: bool = False  # random searches: use f only
    surfaces_only: bool = False  # draws points in the plot bounds (random search) or needs the Hessian
    code: int = -1  # opcode, set from the registry order by `_build`
    index: dict[str, int] = field(default_factory=dict)  # hyperparameter -> position in `pack`, set by `_build`

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

    def state_keys(self, resolved: dict[str, float]) -> tuple[str, ...]:
        """`state_names` with each conditional name chosen for `resolved` ("" = a row not reported)."""
        return tuple(choose(n, resolved) for n in self.state_names)

    def direction_key(self, resolved: dict[str, float]) -> str:
        """`direction` chosen for `resolved`: "g", a state name, "direction", or "" (no step size)."""
        return choose(self.direction, resolved)

    def pack(self, resolved: dict[str, float]) -> np.ndarray:
        """Every hyperparameter but the seed, at `index[name]`, as the kernels read them."""
        hp = np.zeros(N_HP)
        for name, i in self.index.items():
            hp[i] = resolved[name]
        return hp


_CHOICE = re.compile(r"(\w*) if (\w+) else (\w*)")


def choose(name: str, resolved: dict[str, float]) -> str:
    """A registry name that may depend on a hyperparameter: "a if hp else b" is a where hp != 0."""
    m = _CHOICE.fullmatch(name)
    if m is None:
        return name
    return m.group(1) if resolved[m.group(2)] != 0.0 else m.group(3)


_REGISTRY = (
    Optimizer(
        "sgd",
        "SGD",
        "torch.optim.SGD",
        (_lr(0.01),),
        r"\theta_{t+1} = \theta_t - \eta\, g_t",
        {r"g_t": N_("gradient at θₜ (plus noise σ if set)"), r"\eta": N_("learning rate")},
        N_("Steps straight down the local slope; zig-zags across narrow valleys."),
        rule="_sgd(x, g, lr)",
        direction="g",
    ),
    Optimizer(
        "momentum",
        N_("Momentum"),
        "torch.optim.SGD(momentum=μ)",
        (_lr(0.01), _MU),
        r"v_{t+1} = \mu v_t - \eta\, g_t,\qquad \theta_{t+1} = \theta_t + v_{t+1}",
        {r"v_t": N_("velocity (running sum of past steps)"), r"\mu": N_("momentum: how much velocity survives a step")},
        N_(
            "A ball rolling downhill: builds speed along consistent directions, damps zig-zags. "
            "torch stores b = −v/η; same path for a constant η."
        ),
        rule="_momentum(x, g, state[0], lr, {momentum}, False)",
        state_names=("b",),
        direction="b",
    ),
    Optimizer(
        "nesterov",
        "Nesterov",
        "torch.optim.SGD(momentum=μ, nesterov=True)",
        (_lr(0.01), _MU),
        r"v_{t+1} = \mu v_t - \eta\, \nabla f(\theta_t + \mu v_t),\qquad \theta_{t+1} = \theta_t + v_{t+1}",
        {r"\theta_t + \mu v_t": N_("look-ahead point where the gradient is taken"), r"\mu": N_("momentum")},
        N_(
            "Looks ahead along the velocity before taking the gradient: brakes earlier, overshoots less. "
            "torch (and optviz) run the equivalent form in the look-ahead variable."
        ),
        rule="_momentum(x, g, state[0], lr, {momentum}, True)",
        state_names=("b",),
        direction="direction",
    ),
    Optimizer(
        "adagrad",
        "AdaGrad",
        "torch.optim.Adagrad",
        (
            _lr(0.01),
            HParam("lr_decay", 0.0, 0.0, 1.0, False, N_("η is divided by 1 + (t−1)·lr_decay")),
            HParam("eps", 1e-10, 1e-12, 1.0, True, _EPS, symbol=r"\epsilon"),
        ),
        r"s_t = s_{t-1} + g_t^2,\qquad \theta_{t+1} = \theta_t - \frac{\eta}{\sqrt{s_t} + \epsilon}\, g_t",
        {r"s_t": N_("sum of all squared gradients so far (per coordinate)")},
        N_("Per-coordinate step η/√sₜ only shrinks: fast start, then it stalls on long runs."),
        rule="_adagrad(x, g, state[0], t, lr, {lr_decay}, {eps})",
        state_names=("s",),
        direction="g",
    ),
    Optimizer(
        "rmsprop",
        "RMSProp",
        "torch.optim.RMSprop",
        (
            _lr(0.01),
            HParam("alpha", 0.99, 0.0, 0.9999, False, N_("decay ρ of the squared-gradient average"), symbol=r"\rho"),
            HParam("eps", 1e-8, 1e-12, 1.0, True, _EPS, symbol=r"\epsilon"),
            HParam("momentum", 0.0, 0.0, 0.999, False, N_("optional momentum on the scaled step")),
            HParam(
                "centered",
                0.0,
                0.0,
                1.0,
                help=N_("divide by the variance instead of the raw second moment"),
                kind="bool",
            ),
        ),
        r"s_t = \rho\, s_{t-1} + (1-\rho)\, g_t^2,\qquad"
        r" \theta_{t+1} = \theta_t - \frac{\eta}{\sqrt{s_t} + \epsilon}\, g_t",
        {r"s_t": N_("moving average of squared gradients"), r"\rho": N_("its decay (torch's alpha)")},
        N_("AdaGrad with a forgetting average: the step no longer decays to zero."),
        rule="_rmsprop(x, g, state[0], state[1], state[2], lr, {alpha}, {eps}, {momentum}, {centered} != 0.0)",
        state_names=("v", "gbar if centered else ", "b if momentum else "),  # rows the variant uses
        direction="b if momentum else g",
    ),
    Optimizer(
        "adadelta",
        "AdaDelta",
        "torch.optim.Adadelta",
        (
            _lr(1.0, 1e-4, 100.0),
            HParam("rho", 0.9, 0.0, 0.9999, False, N_("decay ρ of both running averages"), symbol=r"\rho"),
            HParam("eps", 1e-6, 1e-12, 1.0, True, _EPS, symbol=r"\epsilon"),
        ),
        r"s_t = \rho s_{t-1} + (1-\rho) g_t^2,\quad \Delta_t = \frac{\sqrt{u_{t-1}+\epsilon}}{\sqrt{s_t+\epsilon}} g_t,"
        r"\quad u_t = \rho u_{t-1} + (1-\rho)\Delta_t^2,\quad \theta_{t+1} = \theta_t - \eta\,\Delta_t",
        {
            r"u_t": N_("moving average of squared updates (gives the step its units)"),
            r"s_t": N_("moving average of squared gradients"),
        },
        N_("No learning rate in Zeiler's form (η = 1): the step size is learnt from past steps."),
        rule="_adadelta(x, g, state[0], state[1], lr, {rho}, {eps})",
        state_names=("v", "u"),
        direction="g",
    ),
    Optimizer(
        "adam",
        "Adam",
        "torch.optim.Adam",
        (_lr(0.001), _B1, _B2, HParam("eps", 1e-8, 1e-12, 1.0, True, _EPS, symbol=r"\epsilon"), _BC),
        r"m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t,\quad v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2,\quad"
        r"\hat m_t = \frac{m_t}{1-\beta_1^t},\ \hat v_t = \frac{v_t}{1-\beta_2^t},\quad"
        r"\theta_{t+1} = \theta_t - \frac{\eta\, \hat m_t}{\sqrt{\hat v_t} + \epsilon}",
        {
            r"m_t": N_("momentum (average gradient)"),
            r"v_t": N_("RMSProp's average squared gradient"),
            r"\hat m_t, \hat v_t": N_("bias-corrected: m, v start at 0 and would be too small early on"),
        },
        N_("Momentum + RMSProp with bias correction; the step is about η in every coordinate."),
        rule="_adam(x, g, state[0], state[1], state[2], t, lr, {beta1}, {beta2}, {eps}, {bias_correction} != 0.0, "
        "False, 0.0)",
        state_names=("m", "v"),
        direction="m",
    ),
    Optimizer(
        "amsgrad",
        "AMSGrad",
        "torch.optim.Adam(amsgrad=True)",
        (_lr(0.001), _B1, _B2, HParam("eps", 1e-8, 1e-12, 1.0, True, _EPS, symbol=r"\epsilon"), _BC),
        r"\hat v^{\max}_t = \max(\hat v^{\max}_{t-1}, v_t),\quad \theta_{t+1} = \theta_t - \frac{\eta\, \hat m_t}"
        r"{\sqrt{\hat v^{\max}_t/(1-\beta_2^t)} + \epsilon}",
        {r"\hat v^{\max}_t": N_("running maximum of v: the step size can never grow back")},
        N_("Adam whose denominator never shrinks, which repairs Adam's convergence proof."),
        rule="_adam(x, g, state[0], state[1], state[2], t, lr, {beta1}, {beta2}, {eps}, {bias_correction} != 0.0, "
        "True, 0.0)",
        state_names=("m", "v", "vhat"),
        direction="m",
    ),
    Optimizer(
        "adamw",
        "AdamW",
        "torch.optim.AdamW",
        (
            _lr(0.001),
            _B1,
            _B2,
            HParam("eps", 1e-8, 1e-12, 1.0, True, _EPS, symbol=r"\epsilon"),
            _BC,
            HParam("weight_decay", 0.01, 0.0, 1.0, False, N_("decoupled weight decay λ"), symbol=r"\lambda"),
        ),
        r"\theta_{t+1} = \theta_t - \eta\Big(\frac{\hat m_t}{\sqrt{\hat v_t} + \epsilon} + \lambda\,\theta_t\Big)",
        {r"\lambda": N_("decoupled weight decay: shrinks θ directly, not through the gradient")},
        N_("Adam with weight decay applied to the weights, not added to the gradient (unlike L2)."),
        rule="_adam(x, g, state[0], state[1], state[2], t, lr, {beta1}, {beta2}, {eps}, {bias_correction} != 0.0, "
        "False, {weight_decay})",
        state_names=("m", "v"),
        direction="m",
    ),
    Optimizer(
        "nadam",
        "NAdam",
        "torch.optim.NAdam",
        (
            _lr(0.002),
            _B1,
            _B2,
            HParam("eps", 1e-8, 1e-12, 1.0, True, _EPS, symbol=r"\epsilon"),
            HParam("momentum_decay", 0.004, 0.0, 0.1, False, N_("ψ in μₜ = β₁(1 − ½·0.96^{tψ})"), symbol=r"\psi"),
        ),
        r"\theta_{t+1} = \theta_t - \frac{\eta}{\sqrt{\hat v_t} + \epsilon}"
        r"\Big(\frac{(1-\mu_t)\, g_t}{1-\prod_{i\le t}\mu_i}"
        r" + \frac{\mu_{t+1}\, m_t}{1-\prod_{i\le t+1}\mu_i}\Big)",
        {r"\mu_t": N_("momentum schedule β₁(1 − ½·0.96^{tψ})"), r"m_t": N_("Adam's first moment")},
        N_("Adam with Nesterov's look-ahead on the momentum term."),
        rule="_nadam(x, g, state[0], state[1], scal, t, lr, {beta1}, {beta2}, {eps}, {momentum_decay})",
        state_names=("m", "v"),
        scal_names=("mu_product",),
        direction="direction",
    ),
    Optimizer(
        "newton",
        "Newton",
        N_("damped Newton (second order)"),
        (_lr(1.0, 1e-4, 10.0),),
        r"\theta_{t+1} = \theta_t - \eta\, \tilde H^{-1} g_t,\qquad \tilde H = Q\,|\Lambda|\,Q^\top",
        {r"\tilde H": N_("Hessian with eigenvalues replaced by max(|λ|, 10⁻⁶): equals H where H is positive definite")},
        N_("Uses curvature: one step (η = 1) to the minimum of a quadratic bowl, whatever its conditioning."),
        needs_hessian=True,
        surfaces_only=True,
        rule="_newton2(x, g, h, lr)",
    ),
    Optimizer(
        "random_search",
        N_("Random search"),
        N_("CS231n lecture: random search"),
        (_SEED,),
        r"\theta^{(k)} \sim \mathcal U(\text{plot bounds}),\qquad \theta_t = \arg\min_{k\le t} f(\theta^{(k)})",
        {r"\theta^{(k)}": N_("a point drawn uniformly in the plotted square")},
        N_("A baseline: try random points, keep the best one. The path jumps between best-so-far points."),
        gradient_free=True,
        at_x=VALUE,
        probes=True,
        proposes=True,
        random="uniform",
        surfaces_only=True,
        rule="_random_search(phase, x, f, probe, rnd, scal)",
    ),
    Optimizer(
        "random_local_search",
        N_("Random local search"),
        N_("CS231n lecture: random local search"),
        (
            HParam(
                "step", 0.1, 1e-4, 10.0, True, N_("standard deviation of the random perturbation δ"), symbol=r"\sigma"
            ),
            _SEED,
        ),
        r"\delta \sim \mathcal N(0, \sigma^2 I),\qquad"
        r" \theta_{t+1} = \begin{cases}\theta_t + \delta & f(\theta_t+\delta) < f(\theta_t)\\"
        r" \theta_t & \text{otherwise}\end{cases}",
        {r"\delta": N_("random perturbation"), r"\sigma": N_("its size (`step`, scaled by the lr schedule)")},
        N_("A baseline: try a small random move, keep it only if the loss goes down."),
        gradient_free=True,
        at_x=VALUE,
        probes=True,
        proposes=True,
        random="normal",
        rule="_random_local_search(phase, x, f, probe, rnd, scal, lr)",
    ),
    Optimizer(
        "radam",
        "RAdam",
        "torch.optim.RAdam",
        (_lr(0.001), _B1, _B2, HParam("eps", 1e-8, 1e-12, 1.0, True, _EPS, symbol=r"\epsilon")),
        r"\rho_t = \rho_\infty - \frac{2t\beta_2^t}{1-\beta_2^t},\quad"
        r" r_t = \sqrt{\frac{(\rho_t-4)(\rho_t-2)\rho_\infty}{(\rho_\infty-4)(\rho_\infty-2)\rho_t}},\quad"
        r" \theta_{t+1} = \theta_t - \eta\,\hat m_t \begin{cases} r_t\,\frac{\sqrt{1-\beta_2^t}}{\sqrt{v_t}+\epsilon}"
        r" & \rho_t > 5\\ 1 & \text{otherwise}\end{cases}",
        {
            r"\rho_\infty": N_("2/(1−β₂) − 1, the longest averaging window of v"),
            r"\rho_t": N_("length of the average v has seen by step t"),
            r"r_t": N_("variance rectification: damps the step while v is still a noisy estimate"),
            r"\hat m_t": N_("bias-corrected momentum m/(1−β₁ᵗ)"),
        },
        N_("Adam that starts as momentum SGD and turns adaptive once v has averaged enough steps (ρₜ > 5)."),
        rule="_radam(x, g, state[0], state[1], t, lr, {beta1}, {beta2}, {eps})",
        state_names=("m", "v"),
        direction="m",
        paper="Liu et al. 2020, On the Variance of the Adaptive Learning Rate and Beyond (ICLR)",
    ),
    Optimizer(
        "adamax",
        "Adamax",
        "torch.optim.Adamax",
        (_lr(0.002), _B1, _B2, HParam("eps", 1e-8, 1e-12, 1.0, True, _EPS, symbol=r"\epsilon")),
        r"m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t,\quad u_t = \max(\beta_2 u_{t-1}, |g_t| + \epsilon),\quad"
        r" \theta_{t+1} = \theta_t - \frac{\eta}{1-\beta_1^t}\,\frac{m_t}{u_t}",
        {r"u_t": N_("exponentially weighted infinity norm of the gradients (replaces Adam's √v)")},
        N_("Adam with the L∞ norm instead of the L2 norm of past gradients: no square roots, no bias correction of u."),
        rule="_adamax(x, g, state[0], state[1], t, lr, {beta1}, {beta2}, {eps})",
        state_names=("m", "u"),
        direction="m",
        paper="Kingma & Ba 2015, Adam: A Method for Stochastic Optimization (ICLR), section 7.1",
    ),
    Optimizer(
        "rprop",
        "Rprop",
        "torch.optim.Rprop",
        (
            _lr(0.01),
            HParam(
                "eta_minus", 0.5, 0.01, 0.99, False, N_("step-size factor η− after a sign change"), symbol=r"\eta^-"
            ),
            HParam("eta_plus", 1.2, 1.0, 5.0, False, N_("step-size factor η+ while the sign holds"), symbol=r"\eta^+"),
            HParam("step_min", 1e-6, 0.0, 1.0, False, N_("smallest step size Δ_min"), symbol=r"\Delta_{\min}"),
            HParam("step_max", 50.0, 1e-3, 1000.0, True, N_("largest step size Δ_max"), symbol=r"\Delta_{\max}"),
        ),
        r"\Delta_t = \begin{cases}\min(\eta^+\Delta_{t-1}, \Delta_{\max}) & g_t g_{t-1} > 0\\"
        r" \max(\eta^-\Delta_{t-1}, \Delta_{\min}),\ g_t \leftarrow 0 & g_t g_{t-1} < 0\\"
        r" \Delta_{t-1} & \text{otherwise}\end{cases},\qquad"
        r" \theta_{t+1} = \theta_t - \operatorname{sign}(g_t)\,\Delta_t",
        {
            r"\Delta_t": N_("per-coordinate step size, starting at η"),
            r"\operatorname{sign}(g_t)": N_("only the sign is used"),
        },
        N_("Only gradient signs count: each coordinate speeds up while its sign holds and backs off when it flips."),
        rule="_rprop(x, g, state[0], state[1], t, lr, {eta_minus}, {eta_plus}, {step_min}, {step_max})",
        state_names=("g_prev", "delta"),
        direction="direction",
        paper="Riedmiller & Braun 1993, A Direct Adaptive Method for Faster Backpropagation Learning: "
        "the RPROP Algorithm",
    ),
    Optimizer(
        "adafactor",
        "Adafactor",
        "torch.optim.Adafactor",
        (
            HParam("lr", 0.01, 1e-6, 1.0, True, N_("relative step size: ρₜ = min(η, 1/√t)"), symbol=r"\eta"),
            HParam(
                "beta2_decay", -0.8, -1.0, 0.0, False, N_("1 − β̂₂ₜ = t^c: how fast the average forgets"), symbol="c"
            ),
            HParam("eps2", 1e-3, 1e-8, 1.0, True, N_("floor ε₂ of the parameter scale RMS(θ)"), symbol=r"\epsilon_2"),
            HParam("d", 1.0, 1.0, 100.0, True, N_("update clipping threshold d on RMS(U)"), symbol="d"),
            HParam("weight_decay", 0.0, 0.0, 1.0, False, N_("decoupled weight decay λ"), symbol=r"\lambda"),
        ),
        r"\hat v_t = \begin{cases}R_t C_t^\top / \operatorname{mean}(R_t)"
        r" & \text{matrix: row and column means of } g_t^2\\"
        r" \operatorname{lerp}(\hat v_{t-1}, g_t^2, t^{c}) & \text{vector}\end{cases},\quad"
        r" U_t = \frac{g_t}{\sqrt{\hat v_t}},\quad"
        r" \theta_{t+1} = \theta_t - \frac{\max(\epsilon_2, \operatorname{RMS}(\theta_t))\,\min(\eta, 1/\sqrt t)}"
        r"{\max(1, \operatorname{RMS}(U_t)/d)}\, U_t",
        {
            r"R_t, C_t": N_(
                "running averages of the row and column means of g² (a matrix's second moment in n + k numbers)"
            ),
            r"\operatorname{RMS}(\theta_t)": N_("the parameter's own scale: steps are relative to it"),
            r"d": N_("clips the update's RMS"),
        },
        N_(
            "Adam-like without momentum and with a factored second moment; steps are relative to the weights' size. "
            "On a 2D surface the point is a vector (unfactored); on the MLP each weight matrix is factored."
        ),
        rule="_adafactor(x, g, state[0], state[1], t, lr, {beta2_decay}, {eps2}, {d}, {weight_decay}, blocks)",
        state_names=("V",),  # the unfactored second moment: on a surface the point is one vector
        direction="g",
        paper="Shazeer & Stern 2018, Adafactor: Adaptive Learning Rates with Sublinear Memory Cost (ICML)",
    ),
    Optimizer(
        "lion",
        "Lion",
        "lion_pytorch.Lion (Chen et al. 2023)",
        (
            _lr(1e-4),
            HParam(
                "beta1",
                0.9,
                0.0,
                0.9999,
                False,
                N_("weight of the momentum in the update's sign β₁"),
                symbol=r"\beta_1",
            ),
            HParam("beta2", 0.99, 0.0, 0.99999, False, N_("decay of the momentum β₂"), symbol=r"\beta_2"),
            HParam("weight_decay", 0.0, 0.0, 1.0, False, N_("decoupled weight decay λ"), symbol=r"\lambda"),
        ),
        r"\theta_{t+1} = \theta_t(1-\eta\lambda)"
        r" - \eta\,\operatorname{sign}\big(\beta_1 m_{t-1} + (1-\beta_1) g_t\big),"
        r"\quad m_t = \beta_2 m_{t-1} + (1-\beta_2) g_t",
        {r"m_t": N_("momentum"), r"\operatorname{sign}": N_("every coordinate moves by exactly η")},
        N_(
            "A sign update found by program search: every coordinate moves by η each step, "
            "whatever the gradient's size."
        ),
        rule="_lion(x, g, state[0], lr, {beta1}, {beta2}, {weight_decay})",
        state_names=("m",),
        direction="direction",
        paper="Chen et al. 2023, Symbolic Discovery of Optimization Algorithms (NeurIPS)",
    ),
    Optimizer(
        "sam",
        "SAM",
        "Foret et al. 2021, Algorithm 1 (reference in tests/reference.py)",
        (
            _lr(0.01),
            HParam(
                "rho",
                0.05,
                0.0,
                10.0,
                False,
                N_("radius ρ of the neighbourhood whose worst loss is minimised"),
                symbol=r"\rho",
            ),  # fmt: skip
            HParam("adam", 0.0, 0.0, 1.0, help=N_("base optimizer Adam (off: SGD with momentum μ)"), kind="bool"),
            HParam("momentum", 0.0, 0.0, 0.999, False, N_("momentum μ of the SGD base"), symbol=r"\mu"),
            _B1,
            _B2,
            HParam("eps", 1e-8, 1e-12, 1.0, True, _EPS, symbol=r"\epsilon"),
        ),
        r"\hat\epsilon_t = \rho\,\frac{g_t}{\lVert g_t\rVert},\qquad"
        r" g^{\text{SAM}}_t = \nabla f(\theta_t + \hat\epsilon_t),\qquad"
        r" \theta_{t+1} = \text{base step}(\theta_t, g^{\text{SAM}}_t)",
        {
            r"\hat\epsilon_t": N_("the worst-case perturbation to first order: ρ along the gradient"),
            r"g^{\text{SAM}}_t": N_("gradient at the perturbed point, applied at θₜ (two gradients per step)"),
        },
        N_("Takes the gradient at the uphill point ρ away, which steers towards flat minima."),
        rule="_sam(phase, x, g, probe, state, t, lr, {rho}, {adam} != 0.0, {momentum}, {beta1}, {beta2}, {eps})",
        state_names=("m if adam else b", "v if adam else "),
        direction="m if adam else b",
        paper="Foret et al. 2021, Sharpness-Aware Minimization for Efficiently Improving Generalization (ICLR)",
        probes=True,
    ),
    Optimizer(
        "schedule_free_adamw",
        "Schedule-Free AdamW",
        "schedulefree.AdamWScheduleFree",
        (
            _lr(0.0025),
            HParam(
                "beta1",
                0.9,
                0.01,
                0.9999,
                False,
                N_("interpolation β between z and x where g is taken"),
                symbol=r"\beta_1",
            ),  # fmt: skip
            _B2,
            HParam("eps", 1e-8, 1e-12, 1.0, True, _EPS, symbol=r"\epsilon"),
            HParam("weight_decay", 0.0, 0.0, 1.0, False, N_("weight decay λ, applied at y"), symbol=r"\lambda"),
            HParam("r", 0.0, 0.0, 10.0, False, N_("average weight grows like t^r"), symbol="r"),
            HParam("weight_lr_power", 2.0, 0.0, 10.0, False, N_("average weight grows like max ηᵖ"), symbol="p"),
        ),
        r"y_t = (1-\beta_1) z_t + \beta_1 x_t,\quad"
        r" z_{t+1} = z_t - \eta\,\frac{\nabla f(y_t)}{\sqrt{\hat v_t}+\epsilon},"
        r"\quad x_{t+1} = (1-c_{t+1})\,x_t + c_{t+1} z_{t+1},\quad c_{t+1} = \frac{w_{t+1}}{\sum_{i\le t+1} w_i}",
        {
            r"x_t": N_("the model (the path): a weighted average of the z's"),
            r"y_t": N_("where the gradient is taken (drawn as a second path)"),
            r"z_t": N_("Adam's own iterates"),
            r"w_t": "t^r · (max η)^p",
        },
        N_(
            "No learning-rate schedule needed: averaging the iterates plays its role. "
            "The gradient point y runs ahead of x."
        ),
        rule="_schedule_free(phase, x, g, probe, state[0], state[1], state[2], scal, t, lr, {beta1}, {beta2}, {eps}, "
        "{weight_decay}, {r}, {weight_lr_power}, True)",
        state_names=("y", "z", "v"),
        scal_names=("weight_sum", "lr_max"),
        paper="Defazio et al. 2024, The Road Less Scheduled (NeurIPS)",
        at_x=NOTHING,
        probes=True,
    ),
    Optimizer(
        "schedule_free_sgd",
        "Schedule-Free SGD",
        "schedulefree.SGDScheduleFree",
        (
            _lr(0.1),
            HParam(
                "momentum",
                0.9,
                0.01,
                0.999,
                False,
                N_("interpolation β between z and x where g is taken"),
                symbol=r"\beta",
            ),  # fmt: skip
            HParam("weight_decay", 0.0, 0.0, 1.0, False, N_("weight decay λ, applied at y"), symbol=r"\lambda"),
            HParam("r", 0.0, 0.0, 10.0, False, N_("average weight grows like t^r"), symbol="r"),
            HParam("weight_lr_power", 2.0, 0.0, 10.0, False, N_("average weight grows like max ηᵖ"), symbol="p"),
        ),
        r"y_t = (1-\beta) z_t + \beta x_t,\quad z_{t+1} = z_t - \eta\,\nabla f(y_t),"
        r"\quad x_{t+1} = (1-c_{t+1})\,x_t + c_{t+1} z_{t+1},\quad c_{t+1} = \frac{w_{t+1}}{\sum_{i\le t+1} w_i}",
        {
            r"x_t": N_("the model (the path): a weighted average of the z's"),
            r"y_t": N_("where the gradient is taken (drawn as a second path)"),
            r"z_t": N_("plain SGD iterates"),
        },
        N_("SGD whose averaged iterates replace the learning-rate schedule; β interpolates like momentum."),
        rule="_schedule_free(phase, x, g, probe, state[0], state[1], state[2], scal, t, lr, {momentum}, 0.0, 0.0, "
        "{weight_decay}, {r}, {weight_lr_power}, False)",
        state_names=("y", "z"),
        scal_names=("weight_sum", "lr_max"),
        paper="Defazio et al. 2024, The Road Less Scheduled (NeurIPS)",
        at_x=NOTHING,
        probes=True,
    ),
    Optimizer(
        "muon",
        "Muon",
        N_("torch.optim.Muon (weight matrices) + torch.optim.AdamW (vectors)"),
        (
            _lr(0.02),
            HParam("momentum", 0.95, 0.0, 0.999, False, N_("momentum μ (an average of gradients)"), symbol=r"\mu"),
            HParam(
                "nesterov", 1.0, 0.0, 1.0, help=N_("orthogonalise the Nesterov look-ahead lerp(g, B, μ)"), kind="bool"
            ),
            HParam("weight_decay", 0.1, 0.0, 1.0, False, N_("decoupled weight decay λ"), symbol=r"\lambda"),
            HParam("ns_steps", 5, 1, 20, help=N_("Newton–Schulz iterations"), kind="int"),
            HParam("eps", 1e-7, 1e-12, 1e-2, True, N_("floor of ‖M‖ before the iteration"), symbol=r"\epsilon"),
            HParam(
                "match_rms_adamw", 0.0, 0.0, 1.0, help=N_("scale η by 0.2·√max(n, k) (off: √max(1, n/k))"), kind="bool"
            ),
            HParam("adamw_lr", 1e-3, 1e-6, 1.0, True, N_("learning rate of the AdamW fallback for biases")),
        ),
        r"B_t = \mu B_{t-1} + (1-\mu) g_t,\quad O_t = \mathrm{NS}_5\big(\operatorname{lerp}(g_t, B_t, \mu)\big)"
        r" \approx U V^\top,\quad \theta_{t+1} = \theta_t(1-\eta\lambda) - \eta\sqrt{\max(1, n/k)}\,O_t",
        {
            r"\mathrm{NS}_5": N_("5 Newton–Schulz steps: the momentum with its singular values pushed towards 1"),
            r"U V^\top": N_("M = U S V^⊤ without S: the nearest orthogonal matrix"),
            r"n \times k": N_("shape of the weight matrix"),
        },
        N_(
            "Orthogonalised momentum for weight matrices: every direction of the update gets the same size. "
            "On a 2D surface the point is a 1×2 matrix, whose orthogonalised momentum is just M/‖M‖."
        ),
        rule="_muon(x, g, state, t, lr, {lr}, {momentum}, {nesterov} != 0.0, {weight_decay}, int({ns_steps}), {eps}, "
        "{match_rms_adamw} != 0.0, {adamw_lr}, blocks)",
        state_names=("B", "", "", "O"),  # rows 1, 2: AdamW for vector blocks, none on a surface
        direction="O",
        paper="Jordan et al. 2024, Muon: An optimizer for hidden layers in neural networks (blog); "
        "Liu et al. 2025, Muon is Scalable for LLM Training",
        state_rows=7,
        point="matrix",
    ),
    Optimizer(
        "lbfgs",
        "L-BFGS",
        "torch.optim.LBFGS(max_iter=1, max_eval=25)",
        (
            _lr(1.0, 1e-4, 10.0),
            HParam("history_size", 10, 1, LBFGS_HISTORY_MAX, help=N_("pairs (s, y) kept: the memory m"), kind="int"),
            HParam(
                "line_search", 0.0, 0.0, 1.0, help=N_("strong-Wolfe line search (off: a fixed step η)"), kind="bool"
            ),
            HParam("tolerance_grad", 1e-7, 0.0, 1.0, False, N_("no step once max |g| is below this")),
            HParam("tolerance_change", 1e-9, 0.0, 1.0, False, N_("no step once the slope g·d is above −this")),
        ),
        r"d_t = -H_t g_t\ \text{(two-loop recursion over the last } m \text{ pairs } s_i = \theta_{i+1}-\theta_i,"
        r"\ y_i = g_{i+1}-g_i),\quad \theta_{t+1} = \theta_t + \tau_t d_t",
        {
            r"H_t": N_("inverse-Hessian estimate built from the last m steps and gradient changes"),
            r"\tau_t": N_("η, or the step the strong-Wolfe line search accepts (several f evaluations)"),
        },
        N_(
            "A quasi-Newton method: learns the curvature from past steps. With the line search, a step may "
            "evaluate f several times; the path shows the accepted points."
        ),
        rule="_lbfgs(phase, x, g, f, probe, state, scal, lr, int({history_size}), {line_search} != 0.0, "
        "{tolerance_grad}, {tolerance_change})",
        state_names=("d", "g_prev"),  # the history of (s, y) pairs is not reported
        scal_names=("", "tau", "H_diag", "pairs"),
        paper="Liu & Nocedal 1989, On the limited memory BFGS method for large scale optimization",
        probes=True,
        state_rows=4 + 2 * LBFGS_HISTORY_MAX,
    ),
)

_STEP_ARGS = "code, phase, x, g, f, probe, rnd, state, scal, hp, t, lr, h, blocks"
_UPDATE_ARGS = "code, x, g, state, scal, hp, t, lr, h"
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def hp_constant(opt: str, hparam: str) -> str:
    """The module constant that holds hyperparameter `hparam`'s position in `opt`'s packed vector."""
    return f"{opt}_{hparam}".upper()


def _build(entries: tuple[Optimizer, ...]) -> tuple[Optimizer, ...]:
    """Number the entries (opcode = position), index their hyperparameters and check every rule binding.

    Raises ValueError when a binding names a hyperparameter the entry does not have, when an entry
    has a hyperparameter its rule never reads (a slider that would do nothing), when names repeat,
    or when the rule is not a compiled function of this module.
    """
    out = []
    seen: set[str] = set()
    for code, o in enumerate(entries):
        names = [p.name for p in o.hparams]
        if o.name in seen or len(set(names)) != len(names):
            raise ValueError(f"optimizer {o.name!r}: repeated optimizer or hyperparameter name in {names}")
        seen.add(o.name)
        index = {n: i for i, n in enumerate(n for n in names if n != "seed")}
        used = set(_PLACEHOLDER.findall(o.rule))
        unknown = used - set(index)
        if unknown:
            raise ValueError(
                f"rule of {o.name!r} reads {sorted(unknown)}, which are not among its hyperparameters {names}"
            )
        scheduled = "lr" if "lr" in index else "step"  # reaches the rule as this step's `lr`
        unused = set(index) - used - {scheduled}
        if unused:
            raise ValueError(f"hyperparameters {sorted(unused)} of {o.name!r} are never read by its rule {o.rule!r}")
        if o.proposes and not (o.probes and o.at_x == VALUE and "phase" in o.rule):
            raise ValueError(f"{o.name!r} proposes a point: it must probe, read f at x (at_x=VALUE) and its phase")
        _check_recorded(o, names)
        fn = o.rule.split("(", 1)[0]
        rule_fn = getattr(globals().get(fn), "py_func", globals().get(fn))  # py_func: the jitted rule's source
        if getattr(rule_fn, "__module__", None) != __name__ or not fn.startswith("_"):
            raise ValueError(f"rule of {o.name!r} calls {fn!r}, which is not a compiled rule of this module")
        out.append(replace(o, code=code, index=index))
    return tuple(out)


DERIVED = ("step_size", "bias1", "bias2", "direction")  # `Result.state` entries `optviz.api` computes


def _alternatives(name: str) -> set[str]:
    m = _CHOICE.fullmatch(name)
    return {m.group(1), m.group(3)} if m else {name}


def _check_recorded(o: Optimizer, hparams: list[str]) -> None:
    """ValueError unless `o`'s recorded names fit its state, read hyperparameters it has, do not
    repeat or shadow a derived entry, and its direction names something that exists."""
    if len(o.state_names) > o.state_rows or len(o.scal_names) > N_REC:
        raise ValueError(f"{o.name!r} names more than its {o.state_rows} state rows or {N_REC} scal entries")
    specs = (*o.state_names, *o.scal_names, o.direction)
    for spec in specs:
        m = _CHOICE.fullmatch(spec)
        if m is not None and m.group(2) not in hparams:
            raise ValueError(f"{o.name!r}: {spec!r} depends on {m.group(2)!r}, which is not among {hparams}")
        if not m and not re.fullmatch(r"\w*", spec):
            raise ValueError(f"{o.name!r}: {spec!r} is neither a name nor 'a if hyperparameter else b'")
    named = [n for spec in (*o.state_names, *o.scal_names) for n in _alternatives(spec) if n]
    for n in named:
        if n in DERIVED or n == "g":
            raise ValueError(f"{o.name!r}: state name {n!r} is taken by a derived entry or the gradient")
    for flags in ({h: 0.0 for h in hparams}, {h: 1.0 for h in hparams}):
        chosen = [n for n in (*o.state_keys(flags), *(choose(c, flags) for c in o.scal_names)) if n]
        if len(set(chosen)) != len(chosen):
            raise ValueError(f"{o.name!r}: repeated state names {chosen}")
    if not _alternatives(o.direction) <= {"", "g", "direction", *named}:
        raise ValueError(f"{o.name!r}: direction {o.direction!r} names no state entry, 'g' or 'direction'")


def binding(o: Optimizer, prefix: str = "") -> str:
    """The rule's call with every {hyperparameter} replaced by hp[<its generated constant>].

    prefix: put before the rule and the constants, for code generated in another module
    (`optviz.kernel` writes "O." and imports this module as O).
    """
    call = _PLACEHOLDER.sub(lambda m: f"hp[{prefix}{hp_constant(o.name, m.group(1))}]", o.rule)
    return prefix + call


_REGISTRY = _build(_REGISTRY)
OPTIMIZERS: dict[str, Optimizer] = {o.name: o for o in _REGISTRY}
N_HP = max(len(o.index) for o in _REGISTRY)  # length of the packed hyperparameter vector
N_STATE = max(o.state_rows for o in _REGISTRY)  # enough state rows for any rule
# Generated module constants: an opcode per optimizer (ADAM = 6) and a position per hyperparameter
# (ADAM_BETA1 = 1).  Numba freezes module globals into the compiled code, so hp[ADAM_BETA1] costs
# what hp[1] costs, and reordering a registry entry's hyperparameters cannot silently swap them.
for _o in _REGISTRY:
    globals()[_o.name.upper()] = _o.code
    for _n, _i in _o.index.items():
        globals()[hp_constant(_o.name, _n)] = _i
# Per-opcode facts the drivers read (frozen into the kernels as constant arrays).
AT_X = np.array([o.at_x for o in _REGISTRY], dtype=np.int64)
NEEDS_HESSIAN = np.array([o.needs_hessian for o in _REGISTRY])
PROBES = np.array([o.probes for o in _REGISTRY])
PROPOSES = np.array([o.proposes for o in _REGISTRY])
DRAWS_NORMAL = np.array([o.random == "normal" for o in _REGISTRY])

step = generate(
    "step",
    _STEP_ARGS,
    [(o.code, f"return {binding(o)}" if o.probes else f"{binding(o)}\nreturn DONE") for o in _REGISTRY]
    + [(-1, "return DONE")],
    globals(),
    """One step, or one phase of a step, of optimizer `code`, in place; returns DONE or a request.

    x, g: (P,) parameters and (prepared) gradient at x (zeros for rules with at_x < GRADIENT);
    f: the objective at x, or at the last probe from phase 1 on; probe: (P,) where a rule asks for
    the next evaluation; rnd: (P,) this step's random draws (random searches); state:
    (state_rows, P) zeros at t = 1; scal: (N_SCAL,) ones at t = 1; hp: `Optimizer.pack`; t: step
    from 1; lr: this step's learning rate (schedule applied); h: (3,) Hessian at x (Newton);
    blocks: int64 (nb, 3) rows (offset, rows, cols) of the parameter tensors, rows = 0 for a vector.
    The driver calls phase 0 with what `at_x` asks for; while the rule returns EVAL_F (value) or
    EVAL_FG (value and gradient) it evaluates the objective at `probe` on the same batch, puts the
    results in f (and g), and calls the next phase.  Generated from the registry (`step.source`).
    """,
    inline=True,
)
update = generate(
    "update",
    _UPDATE_ARGS,
    [
        (o.code, binding(o))
        for o in _REGISTRY
        if not o.probes
        and not set(re.findall(r"[a-z_]\w*", o.rule.split("(", 1)[1])) & {"f", "probe", "rnd", "blocks", "phase"}
    ]
    + [(-1, "pass")],
    globals(),
    """One step of a single-evaluation rule `code` that needs no block layout (see `step`), in place.""",
    inline=True,
)


def get_optimizer(name: str) -> Optimizer:
    """The registry entry called `name`; ValueError listing the valid names otherwise."""
    try:
        return OPTIMIZERS[name]
    except (KeyError, TypeError):
        raise ValueError(f"optimizer must be one of: {', '.join(OPTIMIZERS)}; got {name!r}") from None
