"""The optimizer state the kernel records per step (`optviz.run(record_state=True)`, `Result.state`):
equal to torch.optim's `opt.state` and to the slow references of tests/reference.py step by step,
the effective step size that reproduces each step, the bias-correction factors, and a run that
records is bitwise the run that does not."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

import optviz
from optviz import kernel
from optviz import optimizers as O
from optviz.optimizers import DERIVED, OPTIMIZERS
from surfaces import SURFACES
from tests import reference
from tests.reference import REFERENCES

ROSEN = ("rosenbrock", (-1.5, 2.0))
BOWL = ("bowl", (-2.5, 1.5))
STEPS = 50  # a short horizon: the valleys amplify last-bit differences (see test_optimizers_new._horizon)
# (name, surface, start, non-default hyperparameters): every rule that has a state, in a case where
# STEPS steps stay finite and keep moving (the cases of test_optimizers.py / test_optimizers_new.py).
CASES = [
    ("momentum", *ROSEN, {"lr": 1e-4, "momentum": 0.8}),
    ("nesterov", *ROSEN, {"lr": 1e-4, "momentum": 0.7}),
    ("adagrad", *ROSEN, {"lr": 0.05, "lr_decay": 0.01, "eps": 1e-8}),
    ("rmsprop", *BOWL, {"lr": 0.02, "alpha": 0.9, "eps": 1e-6, "momentum": 0.5, "centered": True}),
    ("rmsprop", *ROSEN, {"lr": 1e-3, "alpha": 0.95}),
    ("adadelta", *BOWL, {"lr": 0.5, "rho": 0.8, "eps": 1e-5}),
    ("adam", *ROSEN, {"lr": 0.01, "beta1": 0.8, "beta2": 0.99, "eps": 1e-6}),
    ("amsgrad", *ROSEN, {"lr": 0.01, "beta1": 0.85, "beta2": 0.95, "eps": 1e-7}),
    ("adamw", *ROSEN, {"lr": 0.01, "beta1": 0.8, "beta2": 0.99, "weight_decay": 0.1}),
    ("nadam", *ROSEN, {"lr": 0.005, "beta1": 0.85, "beta2": 0.99, "momentum_decay": 0.01}),
    ("radam", *ROSEN, {"lr": 0.01, "beta1": 0.85, "beta2": 0.99, "eps": 1e-7}),
    ("adamax", *ROSEN, {"lr": 0.01, "beta1": 0.8, "beta2": 0.99, "eps": 1e-6}),
    ("rprop", *BOWL, {"lr": 0.05, "eta_minus": 0.6, "eta_plus": 1.1, "step_min": 1e-4, "step_max": 0.5}),
    ("adafactor", *ROSEN, {"lr": 0.05, "beta2_decay": -0.6, "eps2": 1e-2, "d": 1.5, "weight_decay": 0.01}),
    ("lion", *ROSEN, {"lr": 0.003, "beta1": 0.8, "beta2": 0.95, "weight_decay": 0.05}),
    ("sam", *ROSEN, {"lr": 1e-4, "rho": 0.02, "momentum": 0.5}),
    ("sam", *ROSEN, {"lr": 0.01, "rho": 0.05, "adam": True, "beta1": 0.85, "beta2": 0.99}),
    ("schedule_free_adamw", *ROSEN, {"lr": 0.02, "beta1": 0.85, "beta2": 0.99, "weight_decay": 0.01, "r": 0.5}),
    ("schedule_free_sgd", *BOWL, {"lr": 0.05, "momentum": 0.8, "weight_decay": 0.01, "r": 0.2}),
    ("muon", *ROSEN, {"lr": 0.005, "momentum": 0.9, "weight_decay": 0.05, "ns_steps": 4, "eps": 1e-6}),
    ("muon", *BOWL, {"lr": 0.01, "momentum": 0.8, "nesterov": False, "match_rms_adamw": True}),
    ("lbfgs", *BOWL, {"lr": 0.3, "history_size": 3, "tolerance_grad": 1e-9}),
    ("lbfgs", *ROSEN, {"lr": 0.8, "history_size": 5, "line_search": True}),
]
IDS = [f"{c[0]}-{i}" for i, c in enumerate(CASES)]
# Result.state key -> the reference's name for it (torch's opt.state / param_group, the package's).
TORCH_KEYS = {
    "b": "momentum_buffer",
    "s": "sum",
    "v": "square_avg",
    "gbar": "grad_avg",
    "u": "acc_delta",
    "m": "exp_avg",
    "vhat": "max_exp_avg_sq",
    "mu_product": "mu_product",
    "g_prev": "prev",
    "delta": "step_size",
    "V": "variance",
    "y": "y",
    "z": "z",
    "weight_sum": "weight_sum",
    "lr_max": "lr_max",
    "B": "momentum_buffer",
    "d": "d",
    "tau": "t",
    "H_diag": "H_diag",
    "pairs": "pairs",
}
RENAMED = {  # where one of our names is another torch name in that optimizer
    "adam": {"v": "exp_avg_sq"},
    "amsgrad": {"v": "exp_avg_sq"},
    "adamw": {"v": "exp_avg_sq"},
    "nadam": {"v": "exp_avg_sq"},
    "radam": {"v": "exp_avg_sq"},
    "sam": {"v": "exp_avg_sq"},
    "schedule_free_adamw": {"v": "exp_avg_sq"},
    "adamax": {"u": "exp_inf"},
    "lbfgs": {"g_prev": "prev_flat_grad"},
}


def _grad(surface, x):
    gx, gy = SURFACES[surface].grad(float(x[0]), float(x[1]))
    return [float(gx), float(gy)]


def _torch_states(torch, name, surface, start, full, steps):
    """{reference name: (steps, ...) array} after every step of the reference implementation."""
    shape = (1, 2) if name == "muon" else (2,)
    p = torch.tensor(start, dtype=torch.float64).reshape(shape).requires_grad_(True)
    s = SURFACES[surface]

    def closure():
        v = p.detach().reshape(-1).numpy()
        p.grad = torch.tensor(_grad(surface, v), dtype=torch.float64).reshape(shape)
        return torch.tensor(float(s.f(v[0], v[1])), dtype=torch.float64)

    rows: list[dict[str, np.ndarray]] = []
    if name == "sam":
        ref = reference.SAM(2, lambda v: _grad(surface, v), **{k: v for k, v in full.items() if k != "lr"})
        x = list(start)
        for t in range(1, steps + 1):
            x = ref.step(x, _grad(surface, x), t, full["lr"])
            rows.append({k: np.array(v) for k, v in ref.state.items()})
        return {k: np.array([r[k] for r in rows]) for k in rows[0]}
    make = reference.torch_optimizer if name in REFERENCES else reference.torch_optimizer_new
    opt = make(torch, name, [p], full)
    if name.startswith("schedule_free"):
        opt.train()
    for _ in range(steps):
        if name == "lbfgs":
            opt.step(closure)
        else:
            closure()
            opt.step()
        st = dict(opt.state[p])
        group = opt.param_groups[0]
        if name.startswith("schedule_free"):  # torch's parameter is y; the weights live in the group
            st.update(y=p.detach(), weight_sum=group["weight_sum"], lr_max=group["lr_max"])
        if name == "lbfgs":
            st["pairs"] = len(st["old_dirs"])
        # tensors (of any shape) and numbers (L-BFGS's t and H_diag start as Python floats), flat
        rows.append({k: _flat(v) for k, v in st.items() if torch.is_tensor(v) or isinstance(v, (int, float))})
    return {k: np.array([r[k] for r in rows]) for k in rows[-1]}


def _flat(v):
    a = np.array(v.detach().numpy() if hasattr(v, "detach") else v, dtype=np.float64).reshape(-1)
    return a[0] if a.size == 1 else a


@pytest.fixture
def torch_f64(monkeypatch):
    torch = pytest.importorskip("torch")
    import torch.optim._muon as muon

    # torch.optim.Muon's Newton-Schulz runs in bfloat16: optviz's runs in float64 (test_optimizers_new).
    monkeypatch.setattr(muon, "_zeropower_via_newtonschulz", reference.muon_newton_schulz_float64)
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield torch
    torch.set_default_dtype(old)


def _close(ours, ref, what, rtol=1e-12):
    """rtol 1e-12, and an atol of rtol times the entry's scale for the values that cross zero."""
    scale = float(np.abs(ref).max()) if ref.size else 0.0
    np.testing.assert_allclose(ours, ref, rtol=rtol, atol=rtol * scale, err_msg=what)


@pytest.mark.parametrize("name,surface,start,hp", CASES, ids=IDS)
def test_recorded_state_matches_the_reference_every_step(torch_f64, name, surface, start, hp):
    torch = torch_f64
    if name == "lion":
        pytest.importorskip("lion_pytorch")
    if name.startswith("schedule_free"):
        pytest.importorskip("schedulefree")
    # L-BFGS with its line search reaches Rosenbrock's minimum in ~40 steps, where its state is all
    # cancellation: 25 steps, the horizon test_optimizers_new guarantees for this case.
    steps = 25 if hp.get("line_search") else STEPS
    r = optviz.run(surface, name, start=start, steps=steps, record_state=True, **hp)
    assert r.diverged_at is None and np.linalg.norm(r.path[-1] - r.path[0]) > 1e-3  # it moved
    ref = _torch_states(torch, name, surface, start, r.hyperparams, steps)
    # L-BFGS builds its state from gradient differences y = g_{k+1} - g_k, which cancel as the
    # steps shrink: H_diag = s.y / y.y parts from torch's by 2e-12 at step 18 on the bowl (measured).
    rtol = 1e-9 if name == "lbfgs" else 1e-12
    names = {k for k in r.state if k not in DERIVED}
    assert names, "a case without state"
    keys = {k: RENAMED.get(name, {}).get(k, TORCH_KEYS.get(k, k)) for k in names}
    for ours, theirs in keys.items():
        if ours == "O":  # Muon's orthogonalised momentum: torch keeps no copy, its function is checked below
            continue
        assert theirs in ref, f"{name}: no reference for {ours!r} ({theirs!r}); it has {sorted(ref)}"
        assert r.state[ours].shape == ref[theirs].shape, (ours, r.state[ours].shape, ref[theirs].shape)
        for t in range(steps):
            _close(r.state[ours][t], ref[theirs][t], f"{name}: {ours} at step {t + 1}", rtol)
    if name == "muon":  # O = NS(M), M = lerp(g, B, mu) (Nesterov) or B, through torch's iteration in float64
        mu = r.hyperparams["momentum"]
        M = r.grad + mu * (r.state["B"] - r.grad) if r.hyperparams["nesterov"] else r.state["B"]
        for t in range(STEPS):
            o = reference.muon_newton_schulz_float64(
                torch.tensor(M[t]).reshape(1, 2), O.MUON_NS, int(r.hyperparams["ns_steps"]), r.hyperparams["eps"]
            )
            _close(r.state["O"][t], o.reshape(-1).numpy(), f"muon O at step {t + 1}")


# Which reference.py state (by its name, times a scale) each recorded row is: the textbook Momentum
# keeps the velocity v = -lr * b.
REF_KEYS = {
    "momentum": {"b": ("v", "-1/lr")},
    "nesterov": {"b": ("v", "-1/lr")},
    "adagrad": {"s": ("sum", 1.0)},
    "rmsprop": {"v": ("square_avg", 1.0), "gbar": ("grad_avg", 1.0), "b": ("momentum_buffer", 1.0)},
    "adadelta": {"v": ("square_avg", 1.0), "u": ("acc_delta", 1.0)},
    "adam": {"m": ("exp_avg", 1.0), "v": ("exp_avg_sq", 1.0)},
    "amsgrad": {"m": ("exp_avg", 1.0), "v": ("exp_avg_sq", 1.0), "vhat": ("max_exp_avg_sq", 1.0)},
    "adamw": {"m": ("exp_avg", 1.0), "v": ("exp_avg_sq", 1.0)},
    "nadam": {"m": ("exp_avg", 1.0), "v": ("exp_avg_sq", 1.0), "mu_product": ("mu_product", 1.0)},
}


REF_CASES = [c for c in CASES if c[0] in REF_KEYS]


@pytest.mark.parametrize("name,surface,start,hp", REF_CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(REF_CASES)])
def test_recorded_state_matches_the_slow_references(name, surface, start, hp):
    r = optviz.run(surface, name, start=start, steps=STEPS, record_state=True, **hp)
    full = r.hyperparams
    ref = REFERENCES[name](2, **{k: v for k, v in full.items() if k != "lr"})
    x = list(start)
    named = set(r.state) - set(DERIVED)
    assert named and named <= set(REF_KEYS[name])
    for t in range(1, STEPS + 1):
        x = ref.step(x, _grad(surface, x), t, full["lr"])
        for ours in named:
            theirs, scale = REF_KEYS[name][ours]
            s = -1.0 / full["lr"] if scale == "-1/lr" else scale
            expected = np.array(ref.state[theirs]) * s
            _close(r.state[ours][t - 1], expected, f"{name}: {ours} at step {t}")


# ----------------------------------------------------------------------------- the step size

# Cases for the step-size identity: one per rule with a direction (checked against the registry),
# and the variants that change which formula applies.
STEP_CASES = [c for c in CASES if OPTIMIZERS[c[0]].direction] + [
    ("sgd", *ROSEN, {"lr": 2e-4}),
    ("rmsprop", *BOWL, {"lr": 0.02, "alpha": 0.9, "centered": True}),  # centered, no momentum: along g
    ("adam", *BOWL, {"lr": 0.05, "bias_correction": False}),
    ("adagrad", *ROSEN, {"lr": 0.05}),
    ("rprop", *ROSEN, {"lr": 0.02, "eta_minus": 0.4, "eta_plus": 1.3, "step_min": 1e-5, "step_max": 1.0}),
]
STEP_IDS = [f"{c[0]}-{i}" for i, c in enumerate(STEP_CASES)]
DECOUPLED = ("adamw", "lion", "adafactor", "muon")  # x <- x (1 - lr weight_decay) before the step


def _assert_step_identity(r):
    """path[t] - path[t-1] == -step_size * direction (- lr * weight_decay * path[t-1]), to rounding:
    1e-12 of the step, plus a few units in the last place of the point (the step is rounded into it)."""
    st = r.state
    direction = r.grad if r.direction == "g" else st[r.direction]
    x = r.path[:-1]
    predicted = -st["step_size"] * direction
    if r.optimizer in DECOUPLED:
        predicted = predicted - r.lr[:, None] * r.hyperparams["weight_decay"] * x
    step = np.diff(r.path, axis=0)
    tol = 1e-12 * np.abs(step) + 4 * np.spacing(np.abs(x))
    bad = np.abs(step - predicted) > tol
    assert not bad.any(), (r.optimizer, np.argwhere(bad)[:3], step[bad][:3], predicted[bad][:3])
    assert st["step_size"].shape == r.grad.shape and direction.shape == r.grad.shape


def test_every_rule_with_a_direction_has_a_step_size_case():
    assert {c[0] for c in STEP_CASES} == {o.name for o in OPTIMIZERS.values() if o.direction}
    for o in OPTIMIZERS.values():
        r = optviz.run("bowl", o.name, steps=5, record_state=True)
        assert ("step_size" in r.state) == bool(o.direction), o.name
        assert r.direction == (o.direction_key(r.hyperparams) or None)


@pytest.mark.parametrize("name,surface,start,hp", STEP_CASES, ids=STEP_IDS)
def test_step_size_times_direction_is_the_step(name, surface, start, hp):
    r = optviz.run(surface, name, start=start, steps=STEPS, record_state=True, **hp)
    assert r.diverged_at is None
    _assert_step_identity(r)
    assert np.abs(np.diff(r.path, axis=0)).max() > 1e-4  # the identity is not 0 == 0


def test_step_size_holds_under_a_schedule_l2_clipping_and_noise():
    """The schedule's lr_t enters the step size; coupled L2, clipping and noise enter through g."""
    kw = dict(start=ROSEN[1], steps=200, schedule="cosine", l2=0.05, clip_norm=5.0, noise=0.5, record_state=True)
    for name, hp in [("adam", {"lr": 0.01}), ("momentum", {"lr": 1e-3}), ("adagrad", {"lr": 0.05, "lr_decay": 0.1})]:
        r = optviz.run("rosenbrock", name, **kw, **hp)
        assert len(set(r.lr)) > 100  # the schedule really varies lr
        _assert_step_identity(r)


def test_effective_step_of_the_adaptive_rules_is_their_textbook_formula():
    """Spelled out once, independent of `optviz.api`: AdaGrad lr/(sqrt(s)+eps), RMSProp lr/(sqrt(v)+eps),
    AdaDelta lr sqrt(u_{t-1}+eps)/sqrt(v_t+eps)."""
    a = optviz.run("bowl", "adagrad", steps=30, record_state=True, lr=0.1)
    np.testing.assert_allclose(a.state["step_size"], 0.1 / (np.sqrt(np.cumsum(a.grad**2, axis=0)) + 1e-10), rtol=1e-13)
    r = optviz.run("bowl", "rmsprop", steps=30, record_state=True, lr=0.01, alpha=0.9, eps=1e-6)
    v = np.zeros(2)
    for t in range(30):
        v = 0.9 * v + 0.1 * r.grad[t] ** 2
        np.testing.assert_allclose(r.state["step_size"][t], 0.01 / (np.sqrt(v) + 1e-6), rtol=1e-13)
    d = optviz.run("bowl", "adadelta", steps=30, record_state=True, rho=0.8, eps=1e-5)
    u_prev = np.vstack([np.zeros(2), d.state["u"][:-1]])
    np.testing.assert_allclose(d.state["step_size"], np.sqrt(u_prev + 1e-5) / np.sqrt(d.state["v"] + 1e-5), rtol=1e-14)


@pytest.mark.parametrize(
    "name,hp,bias1,bias2",
    [
        ("adam", {"beta1": 0.8, "beta2": 0.99}, True, True),
        ("amsgrad", {"beta1": 0.7, "beta2": 0.95}, True, True),
        ("adamw", {"beta1": 0.85, "beta2": 0.9}, True, True),
        ("radam", {"beta1": 0.85, "beta2": 0.99}, True, True),
        ("nadam", {"beta1": 0.85, "beta2": 0.99}, False, True),
        ("adamax", {"beta1": 0.8, "beta2": 0.99}, True, False),
        ("sam", {"adam": True, "beta1": 0.8, "beta2": 0.9}, True, True),
    ],
)
def test_bias_corrections_are_the_formula(name, hp, bias1, bias2):
    r = optviz.run("bowl", name, steps=40, record_state=True, **hp)
    b1, b2 = hp["beta1"], hp["beta2"]
    expected1 = np.array([1.0 / (1.0 - math.pow(b1, t)) for t in range(1, 41)])
    expected2 = np.array([1.0 / (1.0 - math.pow(b2, t)) for t in range(1, 41)])
    assert ("bias1" in r.state) == bias1 and ("bias2" in r.state) == bias2
    if bias1:
        np.testing.assert_allclose(r.state["bias1"], expected1, rtol=1e-14)
        assert r.state["bias1"][0] == pytest.approx(1 / (1 - b1))
    if bias2:
        np.testing.assert_allclose(r.state["bias2"], expected2, rtol=1e-13)
    off = optviz.run("bowl", "adam", steps=40, record_state=True, bias_correction=False)
    np.testing.assert_array_equal(off.state["bias1"], np.ones(40))
    np.testing.assert_array_equal(off.state["bias2"], np.ones(40))


# ----------------------------------------------------------------------------- recording changes nothing


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_recording_changes_nothing_bitwise(name):
    # noise for the gradient rules and seeded draws for the searches: every input path is exercised
    kw = dict(start=BOWL[1], steps=300, noise=0.3, noise_seed=4)
    plain = optviz.run("bowl", name, **kw)
    rec = optviz.run("bowl", name, record_state=True, **kw)
    for field in ("path", "loss", "grad", "lr", "probe", "evals"):
        np.testing.assert_array_equal(getattr(rec, field), getattr(plain, field), err_msg=f"{name}: {field}")
    assert plain.state is None and plain.direction is None and isinstance(rec.state, dict)
    for key, a in rec.state.items():
        assert a.shape[0] == rec.steps_done and np.all(np.isfinite(a)), (name, key)
    assert len(kernel.run_surface.signatures) == 1


def test_a_run_that_does_not_record_allocates_no_state():
    import optviz.api as api

    assert api._NO_STATES.size == 0 and api._NO_SCALS.size == 0  # what every such run passes


@pytest.mark.parametrize(
    "surface,name,hp",
    [
        ("saddle", "sgd", {"lr": 0.1}),  # rolls off the saddle out of the box at step 37
        ("saddle", "momentum", {"lr": 0.05}),  # step 26
        ("saddle", "adam", {"lr": 0.5}),  # step 504
        ("rosenbrock", "rmsprop", {"lr": 100.0}),  # the first step leaves the box: no rows
    ],
)
def test_a_diverging_run_records_its_completed_steps(surface, name, hp):
    start = (-1.5, 0.5) if surface == "saddle" else ROSEN[1]
    r = optviz.run(surface, name, start=start, steps=5000, record_state=True, **hp)
    assert r.diverged_at is not None
    k = r.diverged_at - 1
    for key, a in r.state.items():
        assert a.shape[0] == k == r.grad.shape[0], key
    if k:  # the rows are those of a run that stops before the divergence
        short = optviz.run(surface, name, start=start, steps=k, record_state=True, **hp)
        for key, a in short.state.items():
            np.testing.assert_array_equal(r.state[key], a, err_msg=key)


def test_custom_surface_records_the_state_of_its_formula():
    """Adam on f = x^2 + 3y^2 typed as a formula, against the slow reference with grad = (2x, 6y)."""
    hp = {"lr": 0.05, "beta1": 0.8, "beta2": 0.99, "eps": 1e-8}
    r = optviz.run("custom", "adam", formula="x**2 + 3*y**2", bounds=((-3, 3), (-3, 3)), start=(2.0, -1.5),
                   steps=STEPS, record_state=True, **hp)  # fmt: skip
    ref = reference.Adam(2, **{k: v for k, v in r.hyperparams.items() if k != "lr"})
    x = [2.0, -1.5]
    for t in range(1, STEPS + 1):
        x = ref.step(x, [2 * x[0], 6 * x[1]], t, hp["lr"])
        _close(r.state["m"][t - 1], np.array(ref.state["exp_avg"]), f"m at step {t}")
        _close(r.state["v"][t - 1], np.array(ref.state["exp_avg_sq"]), f"v at step {t}")
    _assert_step_identity(r)
    plain = optviz.run("custom", "adam", formula="x**2 + 3*y**2", bounds=((-3, 3), (-3, 3)), start=(2.0, -1.5),
                       steps=STEPS, **hp)  # fmt: skip
    np.testing.assert_array_equal(plain.path, r.path)
    assert len(kernel.custom_runner(OPTIMIZERS["adam"]).signatures) == 1


def test_conditional_names_follow_the_hyperparameter():
    sgd_base = optviz.run("bowl", "sam", steps=5, record_state=True)
    adam_base = optviz.run("bowl", "sam", steps=5, record_state=True, adam=True)
    assert {"b"} <= set(sgd_base.state) and "m" not in sgd_base.state and sgd_base.direction == "b"
    assert {"m", "v", "bias1"} <= set(adam_base.state) and adam_base.direction == "m"
    plain = optviz.run("bowl", "rmsprop", steps=5, record_state=True)
    heavy = optviz.run("bowl", "rmsprop", steps=5, record_state=True, momentum=0.5)
    assert plain.direction == "g" and heavy.direction == "b"


def test_compare_passes_record_state_through():
    rs = optviz.compare("bowl", ["adam", "sgd"], steps=10, record_state=True)
    assert all(r.state is not None for r in rs) and rs[0].state["m"].shape == (10, 2)


@pytest.mark.parametrize(
    "change,needle",
    [
        (dict(state_names=("m", "m")), "repeated"),
        (dict(state_names=("m", "v", "x", "y", "z")), "more than"),
        (dict(state_names=("step_size",)), "taken by a derived"),
        (dict(direction="w"), "names no state entry"),
        (dict(state_names=("m if nope else b",)), "depends on 'nope'"),
    ],
)
def test_registry_rejects_bad_state_names(change, needle):
    with pytest.raises(ValueError, match=needle):
        O._build((replace(OPTIMIZERS["adam"], **change),))


def test_record_state_must_be_a_bool():
    with pytest.raises(ValueError, match="record_state must be True or False"):
        optviz.run("bowl", "adam", steps=5, record_state="yes")
