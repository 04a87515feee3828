"""Slow, obvious reference optimizers written from the published algorithms (torch.optim's
algorithm boxes), in plain Python over lists of floats, for step-by-step comparison with the
Numba rules.  Each `step(x, g, t, lr)` returns the new x and keeps its state in `self.state`,
named as in the docs.
"""

from __future__ import annotations

import math


class Ref:
    def __init__(self, n: int, **hp):
        self.hp = hp
        self.n = n
        self.state: dict[str, list[float]] = {}

    def zeros(self, *names):
        for name in names:
            self.state.setdefault(name, [0.0] * self.n)
        return [self.state[name] for name in names]


class SGD(Ref):
    def step(self, x, g, t, lr):
        return [xi - lr * gi for xi, gi in zip(x, g)]


class Momentum(Ref):
    """Textbook form (CS231n): v <- mu v - lr g; x <- x + v.  Torch's b equals -v / lr."""

    nesterov = False

    def step(self, x, g, t, lr):
        (v,) = self.zeros("v")
        mu = self.hp["momentum"]
        out = []
        for i in range(self.n):
            v_prev = v[i]
            v[i] = mu * v[i] - lr * g[i]
            if self.nesterov:
                # Sutskever's look-ahead in the shifted variable (CS231n "Nesterov momentum"):
                # x <- x - mu v_prev + (1 + mu) v
                out.append(x[i] - mu * v_prev + (1 + mu) * v[i])
            else:
                out.append(x[i] + v[i])
        return out


class Nesterov(Momentum):
    nesterov = True


class Adagrad(Ref):
    def step(self, x, g, t, lr):
        (s,) = self.zeros("sum")
        clr = lr / (1 + (t - 1) * self.hp["lr_decay"])
        out = []
        for i in range(self.n):
            s[i] += g[i] ** 2
            out.append(x[i] - clr * g[i] / (math.sqrt(s[i]) + self.hp["eps"]))
        return out


class RMSprop(Ref):
    def step(self, x, g, t, lr):
        v, gbar, b = self.zeros("square_avg", "grad_avg", "momentum_buffer")
        a, eps, mu, centered = self.hp["alpha"], self.hp["eps"], self.hp["momentum"], self.hp["centered"]
        out = []
        for i in range(self.n):
            v[i] = a * v[i] + (1 - a) * g[i] ** 2
            if centered:
                gbar[i] = a * gbar[i] + (1 - a) * g[i]
                d = math.sqrt(v[i] - gbar[i] ** 2) + eps
            else:
                d = math.sqrt(v[i]) + eps
            if mu > 0:
                b[i] = mu * b[i] + g[i] / d
                out.append(x[i] - lr * b[i])
            else:
                out.append(x[i] - lr * g[i] / d)
        return out


class Adadelta(Ref):
    def step(self, x, g, t, lr):
        v, u = self.zeros("square_avg", "acc_delta")
        rho, eps = self.hp["rho"], self.hp["eps"]
        out = []
        for i in range(self.n):
            v[i] = rho * v[i] + (1 - rho) * g[i] ** 2
            dx = math.sqrt(u[i] + eps) / math.sqrt(v[i] + eps) * g[i]
            u[i] = rho * u[i] + (1 - rho) * dx**2
            out.append(x[i] - lr * dx)
        return out


class Adam(Ref):
    """Kingma & Ba, Algorithm 1, with eps outside the root; amsgrad and AdamW's decay as options."""

    amsgrad = False

    def step(self, x, g, t, lr):
        m, v, vmax = self.zeros("exp_avg", "exp_avg_sq", "max_exp_avg_sq")
        b1, b2, eps = self.hp["beta1"], self.hp["beta2"], self.hp["eps"]
        bc = self.hp.get("bias_correction", True)
        wd = self.hp.get("weight_decay", 0.0)
        out = []
        for i in range(self.n):
            xi = x[i] * (1 - lr * wd)
            m[i] = b1 * m[i] + (1 - b1) * g[i]
            v[i] = b2 * v[i] + (1 - b2) * g[i] ** 2
            vmax[i] = max(vmax[i], v[i])
            vv = vmax[i] if self.amsgrad else v[i]
            m_hat = m[i] / (1 - b1**t) if bc else m[i]
            v_hat = vv / (1 - b2**t) if bc else vv
            out.append(xi - lr * m_hat / (math.sqrt(v_hat) + eps))
        return out


class AMSGrad(Adam):
    amsgrad = True


class AdamW(Adam):
    pass


class NAdam(Ref):
    def step(self, x, g, t, lr):
        m, v = self.zeros("exp_avg", "exp_avg_sq")
        b1, b2, eps, psi = self.hp["beta1"], self.hp["beta2"], self.hp["eps"], self.hp["momentum_decay"]
        prod = self.state.get("mu_product", 1.0)
        mu = b1 * (1 - 0.5 * 0.96 ** (t * psi))
        mu_next = b1 * (1 - 0.5 * 0.96 ** ((t + 1) * psi))
        prod *= mu
        self.state["mu_product"] = prod
        out = []
        for i in range(self.n):
            m[i] = b1 * m[i] + (1 - b1) * g[i]
            v[i] = b2 * v[i] + (1 - b2) * g[i] ** 2
            d = math.sqrt(v[i] / (1 - b2**t)) + eps
            out.append(x[i] - lr * (1 - mu) / (1 - prod) * g[i] / d - lr * mu_next / (1 - prod * mu_next) * m[i] / d)
        return out


REFERENCES = {
    "sgd": SGD,
    "momentum": Momentum,
    "nesterov": Nesterov,
    "adagrad": Adagrad,
    "rmsprop": RMSprop,
    "adadelta": Adadelta,
    "adam": Adam,
    "amsgrad": AMSGrad,
    "adamw": AdamW,
    "nadam": NAdam,
}


def newton_step(x, grad, hess, lr, floor=1e-6):
    """Damped saddle-free Newton from its definition: H~ = Q diag(max(|lambda|, floor)) Q^T."""
    import numpy as np

    h = np.array([[hess[0], hess[1]], [hess[1], hess[2]]])
    lam, q = np.linalg.eigh(h)
    lam = np.maximum(np.abs(lam), floor)
    step = q @ ((q.T @ np.asarray(grad)) / lam)
    return [x[0] - lr * step[0], x[1] - lr * step[1]]


def random_search(f, candidates, start):
    """Keep the best of the candidate points seen so far (CS231n's random search)."""
    best, fbest, out = list(start), f(*start), [list(start)]
    for c in candidates:
        fc = f(*c)
        if fc < fbest:
            best, fbest = list(c), fc
        out.append(list(best))
    return out


def random_local_search(f, normals, start, step):
    """x + step * z, accepted only if f decreases (CS231n's random local search)."""
    x, fx, out = list(start), f(*start), [list(start)]
    for z in normals:
        c = [x[0] + step * z[0], x[1] + step * z[1]]
        fc = f(*c)
        if fc < fx:
            x, fx = c, fc
        out.append(list(x))
    return out


def torch_optimizer(torch, name, params, hp):
    """The torch.optim object that an optviz registry entry follows, with the same hyperparameters."""
    o = torch.optim
    if name == "sgd":
        return o.SGD(params, lr=hp["lr"])
    if name in ("momentum", "nesterov"):
        return o.SGD(params, lr=hp["lr"], momentum=hp["momentum"], nesterov=name == "nesterov")
    if name == "adagrad":
        return o.Adagrad(params, lr=hp["lr"], lr_decay=hp["lr_decay"], eps=hp["eps"])
    if name == "rmsprop":
        return o.RMSprop(
            params,
            lr=hp["lr"],
            alpha=hp["alpha"],
            eps=hp["eps"],
            momentum=hp["momentum"],
            centered=bool(hp["centered"]),
        )
    if name == "adadelta":
        return o.Adadelta(params, lr=hp["lr"], rho=hp["rho"], eps=hp["eps"])
    betas = (hp["beta1"], hp["beta2"])
    if name in ("adam", "amsgrad"):
        return o.Adam(params, lr=hp["lr"], betas=betas, eps=hp["eps"], amsgrad=name == "amsgrad")
    if name == "adamw":
        return o.AdamW(params, lr=hp["lr"], betas=betas, eps=hp["eps"], weight_decay=hp["weight_decay"])
    if name == "nadam":
        return o.NAdam(params, lr=hp["lr"], betas=betas, eps=hp["eps"], momentum_decay=hp["momentum_decay"])
    raise AssertionError(name)


class SAM:
    """Foret et al. 2021, Algorithm 1, in plain Python: e = rho g / ||g||, g_sam = grad f(x + e),
    then the base step at x (SGD with torch's momentum buffer, or Adam as above).  `grad(x)`
    returns the gradient; the 1e-12 in the norm only matters at a stationary point."""

    def __init__(self, n: int, grad, **hp):
        self.hp, self.n, self.grad = hp, n, grad
        self.base = Adam(n, **hp) if hp["adam"] else None
        self.state: dict[str, list[float]] = {"momentum_buffer": [0.0] * n}
        self.probe: list[float] = []

    def step(self, x, g, t, lr):
        norm = math.sqrt(sum(gi * gi for gi in g))
        scale = self.hp["rho"] / (norm + 1e-12)
        self.probe = [xi + gi * scale for xi, gi in zip(x, g)]
        gs = self.grad(self.probe)
        if self.base is not None:
            out = self.base.step(x, gs, t, lr)
            self.state.update(self.base.state)
            return out
        b = self.state["momentum_buffer"]
        for i in range(self.n):
            b[i] = self.hp["momentum"] * b[i] + gs[i]
        return [xi - lr * bi for xi, bi in zip(x, b)]


def muon_newton_schulz_float64(grad, ns_coefficients, ns_steps, eps):
    """torch.optim._muon._zeropower_via_newtonschulz line for line, without its bfloat16 cast."""
    a, b, c = ns_coefficients
    ortho = grad.clone()
    if grad.size(0) > grad.size(1):
        ortho = ortho.T
    ortho.div_(ortho.norm().clamp(min=eps))
    for _ in range(ns_steps):
        gram = ortho @ ortho.T
        gram_update = __import__("torch").addmm(gram, gram, gram, beta=b, alpha=c)
        ortho = __import__("torch").addmm(ortho, gram_update, ortho, beta=a)
    if grad.size(0) > grad.size(1):
        ortho = ortho.T
    return ortho


def torch_optimizer_new(torch, name, params, hp):
    """The reference optimizer object of a new registry entry (muon: the matrices only)."""
    o = torch.optim
    if name == "radam":
        return o.RAdam(params, lr=hp["lr"], betas=(hp["beta1"], hp["beta2"]), eps=hp["eps"])
    if name == "adamax":
        return o.Adamax(params, lr=hp["lr"], betas=(hp["beta1"], hp["beta2"]), eps=hp["eps"])
    if name == "rprop":
        return o.Rprop(
            params, lr=hp["lr"], etas=(hp["eta_minus"], hp["eta_plus"]), step_sizes=(hp["step_min"], hp["step_max"])
        )
    if name == "adafactor":
        return o.Adafactor(
            params, lr=hp["lr"], beta2_decay=hp["beta2_decay"], eps=(None, hp["eps2"]), d=hp["d"],
            weight_decay=hp["weight_decay"], foreach=False,
        )  # fmt: skip
    if name == "lion":
        from lion_pytorch import Lion

        return Lion(params, lr=hp["lr"], betas=(hp["beta1"], hp["beta2"]), weight_decay=hp["weight_decay"])
    if name == "schedule_free_adamw":
        import schedulefree

        return schedulefree.AdamWScheduleFree(
            params, lr=hp["lr"], betas=(hp["beta1"], hp["beta2"]), eps=hp["eps"], weight_decay=hp["weight_decay"],
            r=hp["r"], weight_lr_power=hp["weight_lr_power"], foreach=False,
        )  # fmt: skip
    if name == "schedule_free_sgd":
        import schedulefree

        return schedulefree.SGDScheduleFree(
            params, lr=hp["lr"], momentum=hp["momentum"], weight_decay=hp["weight_decay"], r=hp["r"],
            weight_lr_power=hp["weight_lr_power"], foreach=False,
        )  # fmt: skip
    if name == "muon":
        adjust = "match_rms_adamw" if hp["match_rms_adamw"] else "original"
        return o.Muon(
            params, lr=hp["lr"], weight_decay=hp["weight_decay"], momentum=hp["momentum"],
            nesterov=bool(hp["nesterov"]), eps=hp["eps"], ns_steps=int(hp["ns_steps"]), adjust_lr_fn=adjust,
        )  # fmt: skip
    if name == "lbfgs":
        return o.LBFGS(
            params, lr=hp["lr"], max_iter=1, max_eval=25, history_size=int(hp["history_size"]),
            tolerance_grad=hp["tolerance_grad"], tolerance_change=hp["tolerance_change"],
            line_search_fn="strong_wolfe" if hp["line_search"] else None,
        )  # fmt: skip
    raise AssertionError(name)
