"""The rules added by issue 12 (RAdam, Adamax, Rprop, Adafactor, Lion, SAM, Schedule-Free, Muon,
L-BFGS), step by step against their references (parameters and state), and the registry that
generates the dispatcher and the hyperparameter indices."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

import optviz
from optviz import optimizers as O
from optviz.optimizers import GRADIENT, N_SCAL, OPTIMIZERS, step
from surfaces import SURFACES
from tests import reference

NEW = (
    "radam",
    "adamax",
    "rprop",
    "adafactor",
    "lion",
    "sam",
    "schedule_free_adamw",
    "schedule_free_sgd",
    "muon",
    "lbfgs",
)
ROSEN = ("rosenbrock", (-1.5, 2.0))
BOWL = ("bowl", (-2.5, 1.5))
# (name, surface, start, non-default hyperparameters, steps, the fewest steps the comparison must cover)
CASES = [
    ("radam", *ROSEN, {"lr": 0.01, "beta1": 0.85, "beta2": 0.99, "eps": 1e-7}, 400, 400),
    ("adamax", *ROSEN, {"lr": 0.01, "beta1": 0.8, "beta2": 0.99, "eps": 1e-6}, 400, 400),
    ("rprop", *ROSEN, {"lr": 0.02, "eta_minus": 0.4, "eta_plus": 1.3, "step_min": 1e-5, "step_max": 1.0}, 300, 150),
    ("rprop", *BOWL, {"lr": 0.05, "eta_minus": 0.6, "eta_plus": 1.1, "step_min": 1e-4, "step_max": 0.5}, 300, 300),
    ("adafactor", *ROSEN, {"lr": 0.05, "beta2_decay": -0.6, "eps2": 1e-2, "d": 1.5, "weight_decay": 0.01}, 400, 300),
    ("lion", *ROSEN, {"lr": 0.003, "beta1": 0.8, "beta2": 0.95, "weight_decay": 0.05}, 400, 400),
    (
        "schedule_free_adamw",
        *ROSEN,
        {"lr": 0.02, "beta1": 0.85, "beta2": 0.99, "eps": 1e-7, "weight_decay": 0.01, "r": 0.5, "weight_lr_power": 1.5},
        400,
        300,
    ),  # fmt: skip
    (
        "schedule_free_sgd",
        *BOWL,
        {"lr": 0.05, "momentum": 0.8, "weight_decay": 0.01, "r": 0.2, "weight_lr_power": 2.5},
        400,
        400,
    ),  # fmt: skip
    ("muon", *ROSEN, {"lr": 0.005, "momentum": 0.9, "weight_decay": 0.05, "ns_steps": 4, "eps": 1e-6}, 400, 300),
    ("muon", *BOWL, {"lr": 0.01, "momentum": 0.8, "nesterov": False, "match_rms_adamw": True}, 300, 300),
    ("lbfgs", *ROSEN, {"lr": 0.8, "history_size": 5, "line_search": True}, 60, 25),
    ("lbfgs", *BOWL, {"lr": 0.3, "history_size": 3, "tolerance_grad": 1e-9}, 200, 60),
    ("sam", *ROSEN, {"lr": 1e-4, "rho": 0.02, "momentum": 0.5}, 400, 400),
    ("sam", *ROSEN, {"lr": 0.01, "rho": 0.05, "adam": True, "beta1": 0.85, "beta2": 0.99}, 400, 300),
]
IDS = [f"{c[0]}-{c[1]}-{i}" for i, c in enumerate(CASES)]
# Which row of the rule's state holds which torch state (schedule-free: y is torch's parameter).
STATE_MAP = {
    "radam": [(0, "exp_avg"), (1, "exp_avg_sq")],
    "adamax": [(0, "exp_avg"), (1, "exp_inf")],
    "rprop": [(0, "prev"), (1, "step_size")],
    "adafactor": [(0, "variance")],
    "lion": [(0, "exp_avg")],
    "schedule_free_adamw": [(0, "y"), (1, "z"), (2, "exp_avg_sq")],
    "schedule_free_sgd": [(0, "y"), (1, "z")],
    "muon": [(0, "momentum_buffer")],
    "lbfgs": [(0, "d"), (1, "prev_flat_grad")],
    "sam": [(0, "momentum_buffer")],
}


def _grad(surface, x):
    gx, gy = SURFACES[surface].grad(float(x[0]), float(x[1]))
    return [float(gx), float(gy)]


def _ours(name, surface, start, hp, steps):
    """(x, state, scal, evals) after every step, driving `step` like the kernel does."""
    opt = OPTIMIZERS[name]
    full = opt.resolve(**hp)
    packed = opt.pack(full)
    s = SURFACES[surface]
    x = np.array(start, dtype=np.float64)
    state, scal, h = np.zeros((opt.state_rows, 2)), np.ones(N_SCAL), np.zeros(3)
    blocks = np.array([[0, 1, 2]] if opt.point == "matrix" else [[0, 0, 2]], dtype=np.int64)
    probe, rnd = x.copy(), np.zeros(2)
    out = []
    for t in range(1, steps + 1):
        f = float(s.f(x[0], x[1]))
        g = np.array(_grad(surface, x)) if opt.at_x == GRADIENT else np.zeros(2)
        phase, evals = 0, int(opt.at_x > 0)
        while True:
            req = step(opt.code, phase, x, g, f, probe, rnd, state, scal, packed, t, full["lr"], h, blocks)
            if req == O.DONE:
                break
            f = float(s.f(probe[0], probe[1]))
            g[:] = _grad(surface, probe)
            phase, evals = phase + 1, evals + 1
        out.append((x.copy(), state.copy(), scal.copy(), evals, probe.copy()))
    return out


def _torch_run(torch, name, surface, start, hp, steps):
    """[(x, {state name: array}, func_evals)] after every step of the reference implementation."""
    full = OPTIMIZERS[name].resolve(**hp)
    shape = (1, 2) if name == "muon" else (2,)
    p = torch.tensor(start, dtype=torch.float64).reshape(shape).requires_grad_(True)
    s = SURFACES[surface]

    def grad_at(v):
        return torch.tensor(_grad(surface, v), dtype=torch.float64).reshape(shape)

    def closure():
        v = p.detach().reshape(-1).numpy()
        p.grad = grad_at(v)
        return torch.tensor(float(s.f(v[0], v[1])), dtype=torch.float64)

    if name == "sam":
        ref = reference.SAM(2, lambda v: _grad(surface, v), **{k: v for k, v in full.items() if k != "lr"})
        x = list(start)
        out = []
        for t in range(1, steps + 1):
            x = ref.step(x, _grad(surface, x), t, full["lr"])
            out.append((np.array(x), {k: np.array(v) for k, v in ref.state.items()}, 2))
        return out
    opt = reference.torch_optimizer_new(torch, name, [p], full)
    if name.startswith("schedule_free"):
        opt.train()
    out = []
    for _ in range(steps):
        if name == "lbfgs":
            opt.step(closure)
        else:
            closure()
            opt.step()
        st = opt.state[p] if name != "lbfgs" else opt.state[opt._params[0]]
        x = p.detach().reshape(-1).numpy().copy()
        states = {k: v.detach().reshape(-1).numpy().copy() for k, v in st.items() if torch.is_tensor(v) and v.ndim}
        if name.startswith("schedule_free"):
            beta = full.get("beta1", full.get("momentum"))
            states["y"] = x
            x = p.detach().clone().lerp_(st["z"], 1 - 1 / beta).reshape(-1).numpy()  # what opt.eval() makes of p
        out.append((x, states, st.get("func_evals", 1)))
    return out


def _horizon(torch, name, surface, start, hp, steps):
    """Steps over which the reference, started one ulp away, stays within 1e-10 of itself."""
    a = np.array([r[0] for r in _torch_run(torch, name, surface, start, hp, steps)])
    nudged = (np.nextafter(start[0], np.inf), start[1])
    b = np.array([r[0] for r in _torch_run(torch, name, surface, nudged, hp, steps)])
    far = np.nonzero(np.abs(a - b).max(axis=1) > 1e-10)[0]
    return steps if far.size == 0 else int(far[0])


@pytest.fixture
def torch_f64(monkeypatch):
    torch = pytest.importorskip("torch")
    import torch.optim._muon as muon

    # torch.optim.Muon casts to bfloat16 for its Newton-Schulz iteration (3 significant digits);
    # optviz iterates in float64.  Everything else of torch's Muon runs unchanged.
    monkeypatch.setattr(muon, "_zeropower_via_newtonschulz", reference.muon_newton_schulz_float64)
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield torch
    torch.set_default_dtype(old)


@pytest.mark.parametrize("name,surface,start,hp,steps,least", CASES, ids=IDS)
def test_new_rule_matches_its_reference_every_step(torch_f64, name, surface, start, hp, steps, least):
    torch = torch_f64
    if name == "lion":
        pytest.importorskip("lion_pytorch")
    if name.startswith("schedule_free"):
        pytest.importorskip("schedulefree")
    n = _horizon(torch, name, surface, start, hp, steps)
    assert n >= least, f"the reference is chaotic after {n} steps: choose a calmer case"
    ref = _torch_run(torch, name, surface, start, hp, n)
    ours = _ours(name, surface, start, hp, n)
    for t, ((x, state, _, _, _), (xr, sr, er)) in enumerate(zip(ours, ref), start=1):
        np.testing.assert_allclose(x, xr, rtol=0, atol=1e-10, err_msg=f"x at step {t}")
        rows = [(0, "exp_avg"), (1, "exp_avg_sq")] if name == "sam" and hp.get("adam") else STATE_MAP[name]
        # L-BFGS's state is gradient-valued: a 1e-10 difference in x becomes ||H|| * 1e-10 in g and d.
        atol = 1e-7 if name == "lbfgs" else 1e-12
        for row, key in rows:
            if key in sr:
                np.testing.assert_allclose(state[row], sr[key], rtol=1e-9, atol=atol, err_msg=f"{key} at step {t}")
        if name == "lbfgs":
            assert sum(o[3] for o in ours[:t]) == er  # torch's func_evals: every evaluation counted
    # the kernel (optviz.run) runs the same steps as the Python driver above
    r = optviz.run(surface, name, start=start, steps=n, **hp)
    np.testing.assert_allclose(r.path[1:], np.array([o[0] for o in ours]), rtol=0, atol=1e-13)
    np.testing.assert_array_equal(r.evals, [o[3] for o in ours])
    assert np.linalg.norm(r.path[-1] - r.path[0]) > 1e-2  # it moved


def test_sam_matches_a_torch_composition():
    """SAM as usually written with torch: grad at x, grad at x + e, SGD step from x (davda54/sam)."""
    torch = pytest.importorskip("torch")
    hp = {"lr": 1e-4, "rho": 0.02, "momentum": 0.5}
    p = torch.tensor(ROSEN[1], dtype=torch.float64, requires_grad=True)
    opt = torch.optim.SGD([p], lr=hp["lr"], momentum=hp["momentum"])
    path = []
    for _ in range(300):
        g = torch.tensor(_grad("rosenbrock", p.detach().numpy()), dtype=torch.float64)
        e = g * (hp["rho"] / (g.norm() + 1e-12))
        p.grad = torch.tensor(_grad("rosenbrock", (p.detach() + e).numpy()), dtype=torch.float64)
        opt.step()
        path.append(p.detach().numpy().copy())
    r = optviz.run("rosenbrock", "sam", start=ROSEN[1], steps=300, **hp)
    np.testing.assert_allclose(r.path[1:], np.array(path), rtol=0, atol=1e-10)
    g0 = np.array(_grad("rosenbrock", ROSEN[1]))
    np.testing.assert_allclose(r.probe[0], np.array(ROSEN[1]) + g0 * (0.02 / (np.linalg.norm(g0) + 1e-12)), rtol=1e-14)
    assert np.all(r.evals == 2)


def test_schedule_free_result_carries_x_and_y():
    r = optviz.run("rosenbrock", "schedule_free_adamw", start=ROSEN[1], steps=50, lr=0.02)
    assert r.probe.shape == (50, 2) and np.all(r.evals == 1)
    np.testing.assert_array_equal(r.probe[0], ROSEN[1])  # y_0 = x_0 = z_0
    assert np.abs(r.probe[1:] - r.path[1:-1]).max() > 1e-4  # y runs ahead of x
    f = SURFACES["rosenbrock"].f(r.path[:, 0], r.path[:, 1])
    np.testing.assert_allclose(r.loss, f, rtol=1e-12)  # the loss is the model's, at x


def test_schedule_free_warmup_is_the_schedule_warmup():
    """The package's warmup_steps multiplies lr by (k+1)/warmup: optviz's schedule warm-up does the same."""
    torch = pytest.importorskip("torch")
    schedulefree = pytest.importorskip("schedulefree")
    p = torch.tensor(BOWL[1], dtype=torch.float64, requires_grad=True)
    opt = schedulefree.SGDScheduleFree([p], lr=0.05, momentum=0.9, warmup_steps=20, foreach=False)
    opt.train()
    xs = []
    for _ in range(120):
        p.grad = torch.tensor(_grad("bowl", p.detach().numpy()), dtype=torch.float64)
        opt.step()
        xs.append(p.detach().clone().lerp_(opt.state[p]["z"], 1 - 1 / 0.9).numpy())
    r = optviz.run("bowl", "schedule_free_sgd", start=BOWL[1], steps=120, lr=0.05, momentum=0.9,
                   schedule={"name": "constant", "warmup_steps": 20})  # fmt: skip
    np.testing.assert_allclose(r.path[1:], np.array(xs), rtol=0, atol=1e-12)


def test_lbfgs_counts_its_line_search_evaluations():
    r = optviz.run("rosenbrock", "lbfgs", start=ROSEN[1], steps=40, line_search=True)
    assert r.evals.max() > 1 and r.evaluations == r.evals.sum() > 40
    assert r.loss[-1] < 1e-8  # converged to (1, 1)
    plain = optviz.run("rosenbrock", "lbfgs", start=ROSEN[1], steps=40, lr=0.1)
    assert np.all(plain.evals == 1)


def test_muon_on_a_point_is_normalised_momentum():
    """A 1x2 matrix: Newton-Schulz maps M to c * M / ||M||, c the 5-fold iterate at 1 of the polynomial."""
    a, b, c = O.MUON_NS
    s = 1.0 / (1.0 + 1e-7)  # ||M|| / max(||M||, eps) for ||M|| = 1, then 5 iterations
    for _ in range(5):
        s = a * s + b * s**3 + c * s**5
    r = optviz.run("bowl", "muon", start=BOWL[1], steps=1, lr=0.01, weight_decay=0.0, nesterov=False)
    g = np.array(_grad("bowl", BOWL[1]))
    m = 0.05 * g  # lerp(0, g, 1 - 0.95)
    expected = np.array(BOWL[1]) - 0.01 * s * m / np.linalg.norm(m)
    np.testing.assert_allclose(r.path[1], expected, rtol=1e-6)


def test_sign_rules_move_every_coordinate_by_lr():
    r = optviz.run("rosenbrock", "lion", start=ROSEN[1], steps=50, lr=0.01)
    np.testing.assert_allclose(np.abs(np.diff(r.path, axis=0)), 0.01, rtol=1e-12)


# ----------------------------------------------------------------------------- the registry


def test_every_new_entry_has_what_the_ui_and_docs_need():
    for name in NEW:
        o = OPTIMIZERS[name]
        assert o.latex and o.symbols and o.note and o.follows and o.paper, name
        for p in o.hparams:
            assert p.help and p.min <= p.default <= p.max, (name, p.name)


def test_hyperparameter_indices_follow_the_registry_order():
    for o in OPTIMIZERS.values():
        assert sorted(o.index.values()) == list(range(len(o.index)))
        packed = o.pack(o.resolve())
        for n, i in o.index.items():
            assert getattr(O, O.hp_constant(o.name, n)) == i
            assert packed[i] == o.resolve()[n]
    adam = OPTIMIZERS["adam"]
    flipped = O._build((replace(adam, hparams=tuple(reversed(adam.hparams))),))[0]
    assert flipped.index["beta1"] != adam.index["beta1"]
    values = flipped.resolve(beta1=0.7, beta2=0.95)
    packed = flipped.pack(values)
    for n, i in flipped.index.items():
        assert packed[i] == values[n]
    assert "hp[ADAM_BETA1]" in O.binding(flipped) and "{" not in O.binding(flipped)


@pytest.mark.parametrize(
    "change,needle",
    [
        (dict(rule="_adam(x, g, state[0], state[1], state[2], t, lr, {beta3}, 0.9, 1e-8, True, False, 0.0)"), "beta3"),
        (dict(rule="_sgd(x, g, lr)"), "never read"),
        (dict(rule="_nothing(x, g, lr, {beta1}, {beta2}, {eps}, {bias_correction})"), "not a compiled rule"),
    ],
)
def test_registry_build_rejects_bad_bindings(change, needle):
    with pytest.raises(ValueError, match=needle):
        O._build((replace(OPTIMIZERS["adam"], **change),))


def test_dispatcher_is_generated_from_the_registry():
    src = step.py_func.source
    for o in OPTIMIZERS.values():
        assert f"code == {o.code}:" in src or o.code == len(OPTIMIZERS) - 1
        assert o.rule.split("(")[0] in src


@pytest.mark.parametrize("name", NEW)
def test_new_rules_run_on_every_surface(name):
    for s in SURFACES:
        r = optviz.run(s, name, steps=60)
        assert np.all(np.isfinite(r.path)) and r.loss.shape[0] == r.path.shape[0]
        assert r.probe.shape == (r.steps_done, 2) and r.evals.shape == (r.steps_done,)


# ----------------------------------------------------------------------------- on the MLP

MLP_CASES = [
    ("radam", {"lr": 0.01, "beta1": 0.85}),
    ("adamax", {"lr": 0.01, "beta2": 0.99}),
    ("rprop", {"lr": 0.01, "eta_plus": 1.1}),
    ("adafactor", {"lr": 0.05, "beta2_decay": -0.7, "weight_decay": 0.01}),
    ("lion", {"lr": 0.003, "beta1": 0.8, "weight_decay": 0.1}),
    ("sam", {"lr": 0.1, "rho": 0.05, "momentum": 0.9}),
    ("sam", {"lr": 0.01, "rho": 0.1, "adam": True}),
    ("schedule_free_adamw", {"lr": 0.01, "beta1": 0.85, "weight_decay": 0.01}),
    ("schedule_free_sgd", {"lr": 0.2, "momentum": 0.8, "r": 0.5}),
    ("muon", {"lr": 0.02, "momentum": 0.9, "adamw_lr": 0.005, "weight_decay": 0.05}),
    ("muon", {"lr": 0.01, "nesterov": False, "match_rms_adamw": True}),
    ("lbfgs", {"lr": 0.5, "history_size": 4}),
    ("lbfgs", {"lr": 1.0, "history_size": 6, "line_search": True}),
]


def _torch_mlp(torch, r, steps):
    """Retrain r's tanh/softmax network with the reference optimizer from r.params[0], full batch."""
    F = torch.nn.functional
    hp = r.hyperparams
    layers = [[torch.tensor(p.copy(), requires_grad=True) for p in layer] for layer in r.net.unflatten(r.params[0])]
    params = [p for layer in layers for p in layer]
    X, y = torch.tensor(r.X), torch.tensor(r.y)

    def closure():
        for p in params:
            p.grad = None
        h = X
        for i, (W, b) in enumerate(layers):
            h = h @ W + b
            if i < len(layers) - 1:
                h = torch.tanh(h)
        loss = F.cross_entropy(h, y)
        loss.backward()
        return loss

    name = r.optimizer
    if name == "muon":
        opts = [
            reference.torch_optimizer_new(torch, "muon", [lay[0] for lay in layers], hp),
            torch.optim.AdamW([lay[1] for lay in layers], lr=hp["adamw_lr"], weight_decay=hp["weight_decay"]),
        ]
    elif name == "sam":
        base = (
            torch.optim.Adam(params, lr=hp["lr"], betas=(hp["beta1"], hp["beta2"]), eps=hp["eps"])
            if hp["adam"]
            else torch.optim.SGD(params, lr=hp["lr"], momentum=hp["momentum"])
        )
        opts = [base]
    else:
        opts = [reference.torch_optimizer_new(torch, name, params, hp)]
        if name.startswith("schedule_free"):
            opts[0].train()

    def snapshot():
        if name.startswith("schedule_free"):
            beta = hp.get("beta1", hp.get("momentum"))
            st = opts[0].state
            return torch.cat(
                [
                    (p.detach().clone().lerp_(st[p]["z"], 1 - 1 / beta) if "z" in st[p] else p.detach()).reshape(-1)
                    for p in params
                ]  # fmt: skip
            ).numpy()
        return torch.cat([p.detach().reshape(-1) for p in params]).numpy().copy()

    rows = [snapshot()]
    for _ in range(steps):
        if name == "lbfgs":
            opts[0].step(closure)
        elif name == "sam":
            closure()
            norm = torch.sqrt(sum((p.grad * p.grad).sum() for p in params))
            saved = [p.detach().clone() for p in params]
            with torch.no_grad():
                for p in params:
                    p.copy_(p + p.grad * (hp["rho"] / (norm + 1e-12)))
            closure()
            with torch.no_grad():
                for p, s in zip(params, saved):
                    p.copy_(s)
            opts[0].step()
        else:
            closure()
            for o in opts:
                o.step()
        rows.append(snapshot())
    return np.array(rows)


@pytest.mark.parametrize("name,hp", MLP_CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(MLP_CASES)])
def test_new_rule_trains_the_mlp_like_its_reference(torch_f64, name, hp):
    from optviz import mlp

    torch = torch_f64
    X, y = mlp.make_dataset("moons", n=64, noise=0.2, seed=0)
    # L-BFGS's dot products over all parameters sum in another order than torch's BLAS: its paths
    # part by 2e-10 at step 39 (measured), so it is compared over 30 steps.
    steps = 30 if name == "lbfgs" else 40
    r = mlp.train(X, y, hidden=(8, 8), activation="tanh", optimizer=name, steps=steps, seed=1, **hp)
    assert r.diverged_at is None
    expected = _torch_mlp(torch, r, steps)
    np.testing.assert_allclose(r.params, expected, rtol=0, atol=1e-10)
    assert np.abs(r.params[-1] - r.params[0]).max() > 1e-3
    if name in ("sam", "schedule_free_adamw", "schedule_free_sgd"):
        assert r.probe_params is not None and r.probe_params.shape == r.params.shape
    if name == "sam":
        assert np.all(r.evals == 2)


def test_mlp_compare_and_minibatches_run_every_new_rule():
    from optviz import mlp

    X, y = mlp.make_dataset("blobs", n=60, classes=3, seed=2)
    rs = mlp.compare(X, y, list(NEW), steps=15, batch_size=16, hidden=(6,), seed=3)
    assert [r.optimizer for r in rs] == list(NEW)
    for r in rs:
        assert r.steps_done == 15 and np.all(np.isfinite(r.params)), r.optimizer
