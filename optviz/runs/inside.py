"""Inside one step: an update taken apart into the arrows and numbers of its rule (issue 11).

    p = step_parts(result, t)      # step t (1 .. k) of a run recorded with record_state=True
    p.origin                       # path[t-1], the point the step starts from
    p.arrow("update").vector       # path[t] - path[t-1], exactly
    p.arrows                       # every named arrow of the rule (see `Arrow`), p.points, p.scale
    readout(result, t)             # [(symbol, value), ...]: the state after step t, 4 significant digits
    substituted_rule(result, t)    # LaTeX: the update rule with the numbers of step t written in

Step t moves path[t-1] to path[t] (the point the animation shows at index t-1 to the one at t);
`Result.state` row t-1 holds the state after step t.  Symbols follow the registry's formulas
(`OPTIMIZERS[name].latex`): step t turns theta_t into theta_{t+1} with g_t, m_t, and bias
corrections 1 - beta^t.  Every formula here is the one the rule runs (`optviz.optimizers`): torch's
buffer b (not the textbook velocity v = -eta b), eps outside the square root, AdaGrad's lr decay,
NAdam's momentum schedule mu_t, AdamW's decoupled decay.  The arrows are computed from the
recorded state, not from the path, so that their sum agreeing with the path's step (to rounding)
checks the decomposition.

No pictures here (`optviz.figures.inside` draws them) and nothing is rerun: the numbers are
those of `optviz.run(..., record_state=True)`.
References: the rules' papers, cited in `optviz.optimizers`; torch.optim's algorithm boxes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from optviz.api import Result
from optviz.optimizers import OPTIMIZERS

ADAM_FAMILY = frozenset({"adam", "amsgrad", "adamw"})  # one rule (`_adam`), three bindings

# The symbol a state entry is read under: the registry's formula's where it names the quantity
# differently from the rule's docstring (RMSProp's and AdaDelta's s_t is the rule's v).
_SYMBOLS = {
    "b": "b",
    "m": "m",
    "v": "v",
    "s": "s",
    "u": "u",
    "gbar": "ḡ",
    "vhat": "v̂ᵐᵃˣ",
    "mu_product": "∏μᵢ",
    "g_prev": "gₜ₋₁",
    "delta": "Δ",
    "step_size": "η_eff",
    "direction": "d",  # update = -step_size * d (`Optimizer.direction`)
    "bias1": "1/(1−β₁ᵗ)",
    "bias2": "1/(1−β₂ᵗ)",
}
_RENAMED = {"rmsprop": {"v": "s"}, "adadelta": {"v": "s"}}


def state_symbol(optimizer: str, key: str) -> str:
    """The symbol `readout` shows the state entry `key` of `optimizer` under (the key itself if unnamed)."""
    key = _RENAMED.get(optimizer, {}).get(key, key)
    return _SYMBOLS.get(key, key)


@dataclass(frozen=True)
class Arrow:
    """One named vector of a step, drawn from `origin` to `origin + vector`.

    key:
      "gradient"        -eta_t g_t: the plain gradient step SGD would take from here (eta_t: this
                        step's lr, schedule applied; g_t: the gradient the rule received)
      "update"          path[t] - path[t-1]: the step the optimizer actually took (exact)
      "velocity"        momentum: -eta_t b_t, the textbook velocity v_{t+1} (= the update)
      "momentum_share"  the part the memory contributes: -eta mu b_{t-1} (momentum, RMSProp with
                        momentum), -eta mu b_t (Nesterov: the next look-ahead mu v_{t+1}), NAdam's
                        -eta mu_{t+1} m_t / ((1 - prod mu) (sqrt(v_hat) + eps))
      "gradient_share"  the part this step's gradient contributes (momentum: -eta g_t after the
                        momentum share; Nesterov: -eta g_t; NAdam: its (1 - mu_t) g_t term)
      "lookahead"       Nesterov: from the textbook iterate theta_t to the stored point
                        theta_t + mu v_t, where the gradient of this step is taken
      "direction"       Adam family: -eta m_hat, the step before the per-coordinate scaling
                        (NAdam: its mix of g and m before the scaling)
      "scaled"          the step after the per-coordinate scaling `StepParts.scale` (AdaGrad,
                        RMSProp, AdaDelta, the Adam family): the update, but for AdamW's decay
                        and RMSProp's momentum share
      "decay"           AdamW: -eta lambda theta_t, the decoupled weight decay
    same_as: the key of another arrow this one equals by the rule's algebra (same origin, same
        vector up to rounding); a picture draws one of the two.  "" when it is its own.
    """

    key: str
    vector: np.ndarray
    origin: np.ndarray
    same_as: str = ""

    @property
    def tip(self) -> np.ndarray:
        return self.origin + self.vector


@dataclass(frozen=True)
class StepParts:
    """Step t of one run taken apart.

    origin: path[t-1].  arrows: the `Arrow`s of the rule, "gradient" (absent for the gradient-free
    searches) and "update" first.  points: named points that are not arrows: Nesterov's "theta"
    (the textbook iterate theta_t) and "lookahead" (theta_t + mu v_t = origin, where g_t is taken).
    scale: the per-coordinate factor that turns "direction" (or -eta g) into "scaled":
    1/(sqrt(v_hat) + eps) for Adam, 1/(sqrt(s) + eps) for AdaGrad and RMSProp, sqrt(u + eps) /
    sqrt(s + eps) for AdaDelta, ...; None for rules without one.
    """

    optimizer: str
    t: int
    origin: np.ndarray
    arrows: tuple[Arrow, ...]
    points: dict[str, np.ndarray] = field(default_factory=dict)
    scale: np.ndarray | None = None

    def arrow(self, key: str) -> Arrow:
        """The arrow called `key`; ValueError listing the keys of this step otherwise."""
        for a in self.arrows:
            if a.key == key:
                return a
        raise ValueError(f"key must be one of {[a.key for a in self.arrows]} for {self.optimizer}, got {key!r}")

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(a.key for a in self.arrows)


# ----------------------------------------------------------------------------- checks and access


def _state(result: Result) -> dict[str, np.ndarray]:
    state = getattr(result, "state", None)
    if state is None:
        raise ValueError(
            f"result: the {result.optimizer} run has no recorded state; run it with optviz.run(..., record_state=True)"
        )
    return state


def _check_t(result: Result, t: Any) -> int:
    k = result.steps_done
    if isinstance(t, bool) or not isinstance(t, (int, np.integer)) or not 1 <= t <= k:
        allowed = f"a whole number from 1 to {k}" if k else "none: this run completed no step"
        raise ValueError(f"t must be a step of the {result.optimizer} run, {allowed}; got {t!r}")
    return int(t)


class _Step:
    """The numbers of step t: g, eta, the state after the step (`now`) and before it (`before`)."""

    def __init__(self, result: Result, t: Any) -> None:
        self.state = _state(result)
        self.t = _check_t(result, t)
        self.r = result
        self.hp = result.hyperparams
        self.origin = result.path[self.t - 1].copy()
        self.update = result.path[self.t] - result.path[self.t - 1]
        self.g = result.grad[self.t - 1].copy()
        self.lr = float(result.lr[self.t - 1])

    def now(self, key: str) -> np.ndarray:
        return self._get(key)[self.t - 1]

    def before(self, key: str) -> np.ndarray:
        """The entry after step t-1: zeros before step 1 (every rule starts from zero state)."""
        a = self._get(key)
        return a[self.t - 2] if self.t >= 2 else np.zeros_like(a[0])

    def _get(self, key: str) -> np.ndarray:
        if key not in self.state:
            raise ValueError(
                f"result: the {self.r.optimizer} run's state has no {key!r} (it has {sorted(self.state)}); "
                "record it with optviz.run(..., record_state=True)"
            )
        return np.asarray(self.state[key], dtype=np.float64)


def _adam_numbers(s: _Step) -> dict[str, Any]:
    """The quantities of the Adam family's step t, computed as `optimizers._adam` / `_nadam` /
    `_radam` / `_adamax` compute them."""
    name, hp, t = s.r.optimizer, s.hp, s.t
    b1, b2 = hp["beta1"], hp["beta2"]
    out: dict[str, Any] = {"m": s.now("m"), "m_prev": s.before("m"), "b1": b1, "b2": b2}
    if name in ADAM_FAMILY:
        corrected = bool(hp["bias_correction"])
        bc1 = 1.0 - b1**t if corrected else 1.0
        bc2 = 1.0 - b2**t if corrected else 1.0
        second = "vhat" if name == "amsgrad" else "v"
        vv = s.now(second)
        d = np.sqrt(vv) / np.sqrt(bc2) + hp["eps"]  # torch's sqrt(v)/sqrt(1-b2^t) + eps = sqrt(v_hat) + eps
        out.update(corrected=corrected, bc1=bc1, bc2=bc2, v=s.now("v"), v_prev=s.before("v"), second=second)
        out.update(mhat=out["m"] / bc1, vhat=vv / bc2, scale=1.0 / d, wd=hp.get("weight_decay", 0.0))
        if name == "amsgrad":
            out["vmax_prev"] = s.before("vhat")
    elif name == "nadam":
        psi = hp["momentum_decay"]
        mu = b1 * (1.0 - 0.5 * 0.96 ** (t * psi))
        mu_next = b1 * (1.0 - 0.5 * 0.96 ** ((t + 1) * psi))
        prod = float(s.now("mu_product"))
        bc2 = 1.0 - b2**t
        v = s.now("v")
        d = np.sqrt(v / bc2) + hp["eps"]
        c_g = -s.lr * (1.0 - mu) / (1.0 - prod)
        c_m = -s.lr * mu_next / (1.0 - prod * mu_next)
        out.update(mu=mu, mu_next=mu_next, prod=prod, bc2=bc2, v=v, v_prev=s.before("v"), vhat=v / bc2)
        out.update(scale=1.0 / d, c_g=c_g, c_m=c_m)
    elif name == "radam":
        bc1, bc2 = 1.0 - b1**t, 1.0 - b2**t
        rho_inf = 2.0 / (1.0 - b2) - 1.0
        rho_t = rho_inf - 2.0 * t * (b2**t) / bc2
        v = s.now("v")
        if rho_t > 5.0:
            rect = ((rho_t - 4.0) * (rho_t - 2.0) * rho_inf / ((rho_inf - 4.0) * (rho_inf - 2.0) * rho_t)) ** 0.5
            scale = bc2**0.5 / (np.sqrt(v) + hp["eps"]) * rect
        else:
            rect, scale = None, np.ones(2)
        out.update(bc1=bc1, mhat=out["m"] / bc1, v=v, v_prev=s.before("v"), scale=scale, rho_t=rho_t, rect=rect)
    elif name == "adamax":
        bc1 = 1.0 - b1**t
        out.update(bc1=bc1, mhat=out["m"] / bc1, u=s.now("u"), scale=1.0 / s.now("u"))
    return out


# ----------------------------------------------------------------------------- arrows


def step_parts(result: Result, t: int) -> StepParts:
    """Step t (1 .. k) of `result` (recorded with record_state=True) as named arrows (`Arrow`).

    Every rule gets "gradient" (-eta_t g_t; not for the gradient-free searches) and "update"
    (path[t] - path[t-1]); momentum, Nesterov, AdaGrad, RMSProp, AdaDelta and the Adam family
    (Adam, AMSGrad, AdamW, NAdam, RAdam, Adamax) also their rule's parts.  ValueError when t is not
    a step of the run or the run has no recorded state.
    """
    s = _Step(result, t)
    name, hp, lr, g, o = result.optimizer, s.hp, s.lr, s.g, s.origin
    opt = OPTIMIZERS[name]
    arrows: list[Arrow] = []
    points: dict[str, np.ndarray] = {}
    scale = None

    def add(key: str, vector: np.ndarray, origin: np.ndarray = o, same_as: str = "") -> np.ndarray:
        arrows.append(Arrow(key, np.asarray(vector, dtype=np.float64), np.asarray(origin, dtype=np.float64), same_as))
        return origin + vector

    if not opt.gradient_free:
        add("gradient", -lr * g, same_as="update" if name == "sgd" else "")
    add("update", s.update)

    if name == "momentum":
        mu, b = hp["momentum"], s.now("b")
        add("velocity", -lr * b, same_as="update")
        mid = add("momentum_share", -lr * mu * s.before("b"))
        add("gradient_share", -lr * g, mid)
    elif name == "nesterov":
        mu, b, b_prev = hp["momentum"], s.now("b"), s.before("b")
        lr_prev = float(result.lr[s.t - 2]) if s.t >= 2 else 0.0
        # The stored point is Sutskever's look-ahead theta_t + mu v_t (v = -eta b): the textbook
        # iterate sits mu eta b_{t-1} behind it (as `figures.surfaces._textbook_nesterov` draws it).
        theta = o + mu * lr_prev * b_prev
        points.update(theta=theta, lookahead=o.copy())
        add("lookahead", o - theta, theta)
        mid = add("gradient_share", -lr * g, same_as="gradient")
        add("momentum_share", -lr * mu * b, mid)
    elif name == "adagrad":
        clr = lr / (1.0 + (s.t - 1) * hp["lr_decay"])
        scale = 1.0 / (np.sqrt(s.now("s")) + hp["eps"])
        add("scaled", -clr * g * scale, same_as="update")
    elif name == "rmsprop":
        v = s.now("v")
        d = np.sqrt(v - s.now("gbar") ** 2) + hp["eps"] if hp["centered"] else np.sqrt(v) + hp["eps"]
        scale = 1.0 / d
        if hp["momentum"] > 0.0:
            mid = add("momentum_share", -lr * hp["momentum"] * s.before("b"))
            add("scaled", -lr * g * scale, mid)
        else:
            add("scaled", -lr * g * scale, same_as="update")
    elif name == "adadelta":
        eps = hp["eps"]
        scale = np.sqrt(s.before("u") + eps) / np.sqrt(s.now("v") + eps)
        add("scaled", -lr * scale * g, same_as="update")
    elif name in ADAM_FAMILY or name in ("radam", "adamax"):
        a = _adam_numbers(s)
        scale = a["scale"]
        start = o
        if a.get("wd"):
            start = add("decay", -lr * a["wd"] * o)
        add("direction", -lr * a["mhat"], start)
        add("scaled", -lr * a["mhat"] * scale, start, same_as="" if a.get("wd") else "update")
    elif name == "nadam":
        a = _adam_numbers(s)
        scale = a["scale"]
        add("direction", a["c_g"] * g + a["c_m"] * a["m"])
        add("scaled", (a["c_g"] * g + a["c_m"] * a["m"]) * scale, same_as="update")
        mid = add("gradient_share", a["c_g"] * (g * scale))
        add("momentum_share", a["c_m"] * (a["m"] * scale), mid)
    return StepParts(name, s.t, o, tuple(arrows), points, scale)


# ----------------------------------------------------------------------------- readout


def _num(x: float) -> str:
    """4 significant digits, as Python reads them back (1e-08, 0.001234, 1235)."""
    x = float(x)
    return "NaN" if np.isnan(x) else ("∞" if x > 0 else "−∞") if np.isinf(x) else f"{x:.4g}"


def _pair(v: np.ndarray) -> str:
    return f"({_num(v[0])}, {_num(v[1])})"


def readout(result: Result, t: int) -> list[tuple[str, str]]:
    """The numbers of step t as (symbol, value) rows, values to 4 significant digits, pairs (x, y).

    Rows: t, eta (this step's lr), g (the gradient the rule received), every entry of
    `result.state` after step t under `state_symbol`, the rule's derived quantities (m_hat, v_hat,
    1/(sqrt(v_hat)+eps), AdaGrad's decayed lr, NAdam's mu_t, ...), the update Δθ and theta_t,
    theta_{t+1}.  ValueError when t is not a step of the run or it has no recorded state.
    """
    s = _Step(result, t)
    name = result.optimizer
    rows: list[tuple[str, str]] = [("t", str(s.t))]
    if np.isfinite(s.lr):
        rows.append(("η", _num(s.lr)))
    if not OPTIMIZERS[name].gradient_free:
        rows.append(("g", _pair(s.g)))
    for key in s.state:
        v = s.now(key)
        rows.append((state_symbol(name, key), _pair(v) if np.ndim(v) else _num(v)))
    if name == "adagrad" and s.hp["lr_decay"]:
        rows.append(("ηₜ", _num(s.lr / (1.0 + (s.t - 1) * s.hp["lr_decay"]))))
    if name in ADAM_FAMILY or name in ("nadam", "radam", "adamax"):
        a = _adam_numbers(s)
        if name == "nadam":
            rows += [("μₜ", _num(a["mu"])), ("μₜ₊₁", _num(a["mu_next"]))]
        if "mhat" in a:
            rows.append(("m̂", _pair(a["mhat"])))
        if "vhat" in a:
            rows.append(("v̂" if name != "amsgrad" else "v̂ᵐᵃˣ/(1−β₂ᵗ)", _pair(a["vhat"])))
        if name == "radam":
            rows.append(("ρₜ", _num(a["rho_t"])))
            if a["rect"] is not None:
                rows.append(("rₜ", _num(a["rect"])))
    parts = step_parts(result, s.t)
    if parts.scale is not None:
        symbol = _SCALE_SYMBOL.get(name, "scale")
        if name == "rmsprop" and s.hp["centered"]:
            symbol = "1/(√(s−ḡ²)+ε)"
        elif name == "radam" and _adam_numbers(s)["rect"] is None:
            symbol = "1 (ρₜ ≤ 5)"
        rows.append((symbol, _pair(parts.scale)))
    rows += [("Δθ", _pair(s.update)), ("θₜ", _pair(result.path[s.t - 1])), ("θₜ₊₁", _pair(result.path[s.t]))]
    return rows


_SCALE_SYMBOL = {
    "adagrad": "1/(√s+ε)",
    "rmsprop": "1/(√s+ε)",
    "adadelta": "√(u+ε)/√(s+ε)",
    "adam": "1/(√v̂+ε)",
    "amsgrad": "1/(√v̂ᵐᵃˣ+ε)",
    "adamw": "1/(√v̂+ε)",
    "nadam": "1/(√v̂+ε)",
    "radam": "rₜ√(1−β₂ᵗ)/(√v+ε)",
    "adamax": "1/u",
}


# ----------------------------------------------------------------------------- the rule, substituted


def tex_number(x: float) -> str:
    """x to 4 significant digits in LaTeX: 0.001234, -1.5, 1.234\\times10^{-5}, 10^{-8}."""
    x = float(x)
    if np.isnan(x):
        return r"\mathrm{NaN}"
    if np.isinf(x):
        return r"\infty" if x > 0 else r"-\infty"
    s = f"{x:.4g}"
    if "e" not in s:
        return s
    mant, exp = s.split("e")
    e = int(exp)
    if mant in ("1", "-1"):
        return f"{'-' if mant == '-1' else ''}10^{{{e}}}"
    return rf"{mant}\times10^{{{e}}}"


def tex_pair(v: np.ndarray) -> str:
    return rf"({tex_number(v[0])},\ {tex_number(v[1])})"


def substituted_rule(result: Result, t: int) -> str:
    r"""The update rule of step t with its numbers written in, as a LaTeX `aligned` block.

    One line per equation the rule runs, each `symbol &= formula = numbers = value`, the last two
    `\Delta\theta_t` (the update) and `\theta_{t+1} = \theta_t + \Delta\theta_t`.  Numbers to 4
    significant digits, vectors as (x, y) pairs, operations on pairs per coordinate.  SGD,
    momentum, Nesterov, AdaGrad, RMSProp, AdaDelta, Adam, AMSGrad, AdamW and NAdam get their own
    rule; the others the generic `\theta_{t+1} = \theta_t + \Delta\theta_t`.  ValueError when t is
    not a step of the run or it has no recorded state.
    """
    s = _Step(result, t)
    lines = _RULES.get(result.optimizer, _generic)(s)
    lines.append(
        (
            r"\theta_{t+1}",
            r"\theta_t + \Delta\theta_t",
            f"{tex_pair(s.origin)} + {tex_pair(s.update)}",
            tex_pair(result.path[s.t]),
        )
    )
    body = r" \\ ".join(
        " = ".join(p for p in (f"{lhs} &", formula, numbers, value) if p) for lhs, formula, numbers, value in lines
    )
    return r"\begin{aligned} " + body + r" \end{aligned}"


_Line = tuple[str, str, str, str]  # (left-hand side, formula, formula with numbers, value)
_n, _p = tex_number, tex_pair  # short: the rules below write dozens of them


def _delta(s: _Step, formula: str, numbers: str) -> _Line:
    return (r"\Delta\theta_t", formula, numbers, _p(s.update))


def _generic(s: _Step) -> list[_Line]:
    return [(r"\Delta\theta_t", "", "", _p(s.update))]


def _sgd(s: _Step) -> list[_Line]:
    return [_delta(s, r"-\eta\,g_t", rf"-{_n(s.lr)}\cdot{_p(s.g)}")]


def _momentum(s: _Step) -> list[_Line]:
    mu, b = s.hp["momentum"], s.now("b")
    lines = [("b_t", r"\mu\,b_{t-1} + g_t", rf"{_n(mu)}\cdot{_p(s.before('b'))} + {_p(s.g)}", _p(b))]
    if s.r.optimizer == "momentum":  # the textbook velocity is v_{t+1} = -eta b_t
        lines.append((r"v_{t+1} = \Delta\theta_t", r"-\eta\,b_t", rf"-{_n(s.lr)}\cdot{_p(b)}", _p(s.update)))
    else:  # g_t was taken at the stored point, Sutskever's look-ahead theta_t + mu v_t
        lines.append(
            _delta(s, r"-\eta\,(g_t + \mu\,b_t)", rf"-{_n(s.lr)}\cdot\big({_p(s.g)} + {_n(mu)}\cdot{_p(b)}\big)")
        )
    return lines


def _adagrad(s: _Step) -> list[_Line]:
    eps, decay, sq = s.hp["eps"], s.hp["lr_decay"], s.now("s")
    lines = [("s_t", r"s_{t-1} + g_t^2", rf"{_p(s.before('s'))} + {_p(s.g)}^2", _p(sq))]
    eta = r"\eta"
    if decay:
        clr = s.lr / (1.0 + (s.t - 1) * decay)
        lines.append(
            (
                r"\eta_t",
                r"\eta / (1 + (t-1)\,\mathrm{lr\_decay})",
                rf"{_n(s.lr)} / (1 + {s.t - 1}\cdot{_n(decay)})",
                _n(clr),
            )
        )
        eta, lr = r"\eta_t", clr
    else:
        lr = s.lr
    lines.append(
        _delta(
            s,
            rf"-\frac{{{eta}}}{{\sqrt{{s_t}} + \epsilon}}\,g_t",
            rf"-\frac{{{_n(lr)}}}{{\sqrt{{{_p(sq)}}} + {_n(eps)}}}\cdot{_p(s.g)}",
        )
    )
    return lines


def _rmsprop(s: _Step) -> list[_Line]:
    rho, eps, mu = s.hp["alpha"], s.hp["eps"], s.hp["momentum"]
    sq = s.now("v")
    lines = [
        (
            "s_t",
            r"\rho\,s_{t-1} + (1-\rho)\,g_t^2",
            rf"{_n(rho)}\cdot{_p(s.before('v'))} + {_n(1 - rho)}\cdot{_p(s.g)}^2",
            _p(sq),
        )
    ]
    den, den_n = r"\sqrt{s_t} + \epsilon", rf"\sqrt{{{_p(sq)}}} + {_n(eps)}"
    if s.hp["centered"]:
        gb = s.now("gbar")
        lines.append(
            (
                r"\bar g_t",
                r"\rho\,\bar g_{t-1} + (1-\rho)\,g_t",
                rf"{_n(rho)}\cdot{_p(s.before('gbar'))} + {_n(1 - rho)}\cdot{_p(s.g)}",
                _p(gb),
            )
        )
        den, den_n = r"\sqrt{s_t - \bar g_t^2} + \epsilon", rf"\sqrt{{{_p(sq)} - {_p(gb)}^2}} + {_n(eps)}"
    if mu > 0.0:
        b = s.now("b")
        lines.append(
            (
                "b_t",
                rf"\mu\,b_{{t-1}} + \frac{{g_t}}{{{den}}}",
                rf"{_n(mu)}\cdot{_p(s.before('b'))} + \frac{{{_p(s.g)}}}{{{den_n}}}",
                _p(b),
            )
        )
        lines.append(_delta(s, r"-\eta\,b_t", rf"-{_n(s.lr)}\cdot{_p(b)}"))
    else:
        lines.append(_delta(s, rf"-\frac{{\eta}}{{{den}}}\,g_t", rf"-\frac{{{_n(s.lr)}}}{{{den_n}}}\cdot{_p(s.g)}"))
    return lines


def _adadelta(s: _Step) -> list[_Line]:
    rho, eps = s.hp["rho"], s.hp["eps"]
    sq, u_prev, u = s.now("v"), s.before("u"), s.now("u")
    dx = np.sqrt(u_prev + eps) / np.sqrt(sq + eps) * s.g
    return [
        (
            "s_t",
            r"\rho\,s_{t-1} + (1-\rho)\,g_t^2",
            rf"{_n(rho)}\cdot{_p(s.before('v'))} + {_n(1 - rho)}\cdot{_p(s.g)}^2",
            _p(sq),
        ),
        (
            r"\Delta_t",
            r"\frac{\sqrt{u_{t-1}+\epsilon}}{\sqrt{s_t+\epsilon}}\,g_t",
            rf"\frac{{\sqrt{{{_p(u_prev)} + {_n(eps)}}}}}{{\sqrt{{{_p(sq)} + {_n(eps)}}}}}\cdot{_p(s.g)}",
            _p(dx),
        ),
        (
            "u_t",
            r"\rho\,u_{t-1} + (1-\rho)\,\Delta_t^2",
            rf"{_n(rho)}\cdot{_p(u_prev)} + {_n(1 - rho)}\cdot{_p(dx)}^2",
            _p(u),
        ),
        _delta(s, r"-\eta\,\Delta_t", rf"-{_n(s.lr)}\cdot{_p(dx)}"),
    ]


def _moments(s: _Step, a: dict[str, Any]) -> list[_Line]:
    b1, b2 = a["b1"], a["b2"]
    return [
        (
            "m_t",
            r"\beta_1 m_{t-1} + (1-\beta_1)\,g_t",
            rf"{_n(b1)}\cdot{_p(a['m_prev'])} + {_n(1 - b1)}\cdot{_p(s.g)}",
            _p(a["m"]),
        ),
        (
            "v_t",
            r"\beta_2 v_{t-1} + (1-\beta_2)\,g_t^2",
            rf"{_n(b2)}\cdot{_p(a['v_prev'])} + {_n(1 - b2)}\cdot{_p(s.g)}^2",
            _p(a["v"]),
        ),
    ]


def _adam(s: _Step) -> list[_Line]:
    a = _adam_numbers(s)
    b1, b2, t, eps = a["b1"], a["b2"], s.t, s.hp["eps"]
    lines = _moments(s, a)
    amsgrad = s.r.optimizer == "amsgrad"
    if amsgrad:
        vmax = s.now("vhat")
        lines.append(
            (
                r"v^{\max}_t",
                r"\max(v^{\max}_{t-1},\ v_t)",
                rf"\max\big({_p(a['vmax_prev'])},\ {_p(a['v'])}\big)",
                _p(vmax),
            )
        )
    second, second_val = (r"v^{\max}_t", s.now("vhat")) if amsgrad else ("v_t", a["v"])
    if a["corrected"]:
        lines.append((r"\hat m_t", r"m_t / (1-\beta_1^t)", rf"{_p(a['m'])} / (1 - {_n(b1)}^{{{t}}})", _p(a["mhat"])))
        lines.append(
            (r"\hat v_t", rf"{second} / (1-\beta_2^t)", rf"{_p(second_val)} / (1 - {_n(b2)}^{{{t}}})", _p(a["vhat"]))
        )
        m_sym, v_sym = r"\hat m_t", r"\hat v_t"
    else:  # bias_correction off: the rule divides by nothing
        m_sym, v_sym = "m_t", second
    frac = rf"\frac{{{m_sym}}}{{\sqrt{{{v_sym}}} + \epsilon}}"
    frac_n = rf"\frac{{{_p(a['mhat'])}}}{{\sqrt{{{_p(a['vhat'])}}} + {_n(eps)}}}"
    if a["wd"]:
        lines.append(
            _delta(
                s,
                rf"-\eta\Big({frac} + \lambda\,\theta_t\Big)",
                rf"-{_n(s.lr)}\cdot\Big({frac_n} + {_n(a['wd'])}\cdot{_p(s.origin)}\Big)",
            )
        )
    else:
        lines.append(_delta(s, rf"-\eta\,{frac}", rf"-{_n(s.lr)}\cdot{frac_n}"))
    return lines


def _nadam(s: _Step) -> list[_Line]:
    a = _adam_numbers(s)
    b1, b2, t, eps, psi = a["b1"], a["b2"], s.t, s.hp["eps"], s.hp["momentum_decay"]
    lines = [
        (
            r"\mu_t",
            r"\beta_1\big(1 - \tfrac12\,0.96^{t\psi}\big)",
            rf"{_n(b1)}\big(1 - \tfrac12\,0.96^{{{t}\cdot{_n(psi)}}}\big)",
            _n(a["mu"]),
        ),
        (
            r"\mu_{t+1}",
            r"\beta_1\big(1 - \tfrac12\,0.96^{(t+1)\psi}\big)",
            rf"{_n(b1)}\big(1 - \tfrac12\,0.96^{{{t + 1}\cdot{_n(psi)}}}\big)",
            _n(a["mu_next"]),
        ),
        (r"\textstyle\prod_{i\le t}\mu_i", "", "", _n(a["prod"])),
        *_moments(s, a),
        (r"\hat v_t", r"v_t / (1-\beta_2^t)", rf"{_p(a['v'])} / (1 - {_n(b2)}^{{{t}}})", _p(a["vhat"])),
    ]
    formula = (
        r"-\frac{\eta}{\sqrt{\hat v_t} + \epsilon}\Big(\frac{(1-\mu_t)\,g_t}{1-\prod_{i\le t}\mu_i}"
        r" + \frac{\mu_{t+1}\,m_t}{1-\prod_{i\le t+1}\mu_i}\Big)"
    )
    numbers = (
        rf"-\frac{{{_n(s.lr)}}}{{\sqrt{{{_p(a['vhat'])}}} + {_n(eps)}}}"
        rf"\Big(\frac{{(1-{_n(a['mu'])})\cdot{_p(s.g)}}}{{1-{_n(a['prod'])}}}"
        rf" + \frac{{{_n(a['mu_next'])}\cdot{_p(a['m'])}}}{{1-{_n(a['prod'] * a['mu_next'])}}}\Big)"
    )
    lines.append(_delta(s, formula, numbers))
    return lines


def _radam(s: _Step) -> list[_Line]:
    a = _adam_numbers(s)
    b1, t, eps = a["b1"], s.t, s.hp["eps"]
    lines = [
        *_moments(s, a),
        (r"\hat m_t", r"m_t / (1-\beta_1^t)", rf"{_p(a['m'])} / (1 - {_n(b1)}^{{{t}}})", _p(a["mhat"])),
        (r"\rho_t", r"\rho_\infty - \frac{2t\beta_2^t}{1-\beta_2^t}", "", _n(a["rho_t"])),
    ]
    if a["rect"] is None:  # the variance estimate is too young: a momentum step
        lines.append(_delta(s, r"-\eta\,\hat m_t \quad (\rho_t \le 5)", rf"-{_n(s.lr)}\cdot{_p(a['mhat'])}"))
        return lines
    lines.append(
        (
            r"r_t",
            r"\sqrt{\frac{(\rho_t-4)(\rho_t-2)\rho_\infty}{(\rho_\infty-4)(\rho_\infty-2)\rho_t}}",
            "",
            _n(a["rect"]),
        )
    )
    lines.append(
        _delta(
            s,
            r"-\eta\,\hat m_t\,r_t\,\frac{\sqrt{1-\beta_2^t}}{\sqrt{v_t}+\epsilon}",
            rf"-{_n(s.lr)}\cdot{_p(a['mhat'])}\cdot{_n(a['rect'])}\cdot\frac{{\sqrt{{1 - {_n(a['b2'])}^{{{t}}}}}}}"
            rf"{{\sqrt{{{_p(a['v'])}}} + {_n(eps)}}}",
        )
    )
    return lines


def _adamax(s: _Step) -> list[_Line]:
    a = _adam_numbers(s)
    b1, b2, t, eps = a["b1"], a["b2"], s.t, s.hp["eps"]
    u_prev = s.before("u")
    return [
        (
            "m_t",
            r"\beta_1 m_{t-1} + (1-\beta_1)\,g_t",
            rf"{_n(b1)}\cdot{_p(a['m_prev'])} + {_n(1 - b1)}\cdot{_p(s.g)}",
            _p(a["m"]),
        ),
        (
            "u_t",
            r"\max(\beta_2 u_{t-1},\ |g_t| + \epsilon)",
            rf"\max\big({_n(b2)}\cdot{_p(u_prev)},\ |{_p(s.g)}| + {_n(eps)}\big)",
            _p(a["u"]),
        ),
        _delta(
            s,
            r"-\frac{\eta}{1-\beta_1^t}\,\frac{m_t}{u_t}",
            rf"-\frac{{{_n(s.lr)}}}{{1 - {_n(b1)}^{{{t}}}}}\cdot\frac{{{_p(a['m'])}}}{{{_p(a['u'])}}}",
        ),
    ]


def _lion(s: _Step) -> list[_Line]:
    b1, b2, wd = s.hp["beta1"], s.hp["beta2"], s.hp["weight_decay"]
    m_prev = s.before("m")
    c = b1 * m_prev + (1.0 - b1) * s.g
    lines = [
        (
            "c_t",
            r"\beta_1 m_{t-1} + (1-\beta_1)\,g_t",
            rf"{_n(b1)}\cdot{_p(m_prev)} + {_n(1 - b1)}\cdot{_p(s.g)}",
            _p(c),
        ),
        (
            "m_t",
            r"\beta_2 m_{t-1} + (1-\beta_2)\,g_t",
            rf"{_n(b2)}\cdot{_p(m_prev)} + {_n(1 - b2)}\cdot{_p(s.g)}",
            _p(s.now("m")),
        ),
    ]
    sign = rf"\operatorname{{sign}}{_p(c)}"
    if wd:
        lines.append(
            _delta(
                s,
                r"-\eta\,\operatorname{sign}(c_t) - \eta\lambda\,\theta_t",
                rf"-{_n(s.lr)}\cdot{sign} - {_n(s.lr)}\cdot{_n(wd)}\cdot{_p(s.origin)}",
            )
        )
    else:
        lines.append(_delta(s, r"-\eta\,\operatorname{sign}(c_t)", rf"-{_n(s.lr)}\cdot{sign}"))
    return lines


_RULES = {
    "sgd": _sgd,
    "momentum": _momentum,
    "nesterov": _momentum,
    "adagrad": _adagrad,
    "rmsprop": _rmsprop,
    "adadelta": _adadelta,
    "adam": _adam,
    "amsgrad": _adam,
    "adamw": _adam,
    "nadam": _nadam,
    "radam": _radam,
    "adamax": _adamax,
    "lion": _lion,
}

__all__ = ["Arrow", "StepParts", "readout", "state_symbol", "step_parts", "substituted_rule", "tex_number", "tex_pair"]
