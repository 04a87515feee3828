"""The update rules, step by step, against slow references, torch.optim, and each other."""

from __future__ import annotations

import numpy as np
import pytest

import optviz
from optviz import kernel
from optviz.optimizers import N_STATE, OPTIMIZERS, update
from surfaces import SURFACES
from tests import reference
from tests.reference import REFERENCES

# Non-default hyperparameters for every gradient rule, and a surface/start where 240 steps stay
# finite and keep moving.
CASES = {
    "sgd": ("rosenbrock", (-1.5, 2.0), {"lr": 2e-4}),
    "momentum": ("rosenbrock", (-1.5, 2.0), {"lr": 1e-4, "momentum": 0.8}),
    "nesterov": ("rosenbrock", (-1.5, 2.0), {"lr": 1e-4, "momentum": 0.7}),
    "adagrad": ("rosenbrock", (-1.5, 2.0), {"lr": 0.05, "lr_decay": 0.01, "eps": 1e-8}),
    # centered RMSProp on Rosenbrock amplifies last-bit differences ~5x per step (sqrt(v - gbar^2)
    # cancels in the valley): the bowl keeps the torch comparison about the algorithm, not chaos.
    "rmsprop": ("bowl", (-2.5, 1.5), {"lr": 0.02, "alpha": 0.9, "eps": 1e-6, "momentum": 0.5, "centered": True}),
    "adadelta": ("bowl", (-2.5, 1.5), {"lr": 0.5, "rho": 0.8, "eps": 1e-5}),
    "adam": ("rosenbrock", (-1.5, 2.0), {"lr": 0.01, "beta1": 0.8, "beta2": 0.99, "eps": 1e-6}),
    "amsgrad": ("rosenbrock", (-1.5, 2.0), {"lr": 0.01, "beta1": 0.85, "beta2": 0.95, "eps": 1e-7}),
    "adamw": ("rosenbrock", (-1.5, 2.0), {"lr": 0.01, "beta1": 0.8, "beta2": 0.99, "weight_decay": 0.1}),
    "nadam": ("rosenbrock", (-1.5, 2.0), {"lr": 0.005, "beta1": 0.85, "beta2": 0.99, "momentum_decay": 0.01}),
}
EXTRA_CASES = [
    ("adam", ("bowl", (-2.5, 1.5), {"lr": 0.05, "bias_correction": False})),
    ("rmsprop", ("rosenbrock", (-1.5, 2.0), {"lr": 1e-3, "alpha": 0.95})),
]
STEPS = 240


def _all_cases():
    return [(n, *c) for n, c in CASES.items()] + [(n, *c) for n, c in EXTRA_CASES]


def _grad(surface, x):
    gx, gy = SURFACES[surface].grad(x[0], x[1])
    return [float(gx), float(gy)]


@pytest.mark.parametrize("name,surface,start,hp", _all_cases())
def test_run_matches_reference_path(name, surface, start, hp):
    r = optviz.run(surface, name, start=start, steps=STEPS, **hp)
    assert r.diverged_at is None and r.path.shape == (STEPS + 1, 2)
    full = OPTIMIZERS[name].resolve(**hp)
    ref = REFERENCES[name](2, **{k: v for k, v in full.items() if k != "lr"})
    x = list(start)
    expected = [x]
    for t in range(1, STEPS + 1):
        x = ref.step(x, _grad(surface, x), t, full["lr"])
        expected.append(x)
    np.testing.assert_allclose(r.path, np.array(expected), rtol=1e-9, atol=1e-12)
    f = SURFACES[surface].f(r.path[:, 0], r.path[:, 1])
    np.testing.assert_allclose(r.loss, f, rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(r.lr, np.full(STEPS, full["lr"]))
    # the path really moved: a frozen run would pass the comparison trivially
    assert np.linalg.norm(r.path[-1] - r.path[0]) > 1e-2


# Which state row of the Numba rule holds which reference state (and the scale between them).
STATE_MAP = {
    "momentum": [(0, "v", "-1/lr")],
    "nesterov": [(0, "v", "-1/lr")],
    "adagrad": [(0, "sum", 1)],
    "rmsprop": [(0, "square_avg", 1), (1, "grad_avg", 1), (2, "momentum_buffer", 1)],
    "adadelta": [(0, "square_avg", 1), (1, "acc_delta", 1)],
    "adam": [(0, "exp_avg", 1), (1, "exp_avg_sq", 1)],
    "amsgrad": [(0, "exp_avg", 1), (1, "exp_avg_sq", 1), (2, "max_exp_avg_sq", 1)],
    "adamw": [(0, "exp_avg", 1), (1, "exp_avg_sq", 1)],
    "nadam": [(0, "exp_avg", 1), (1, "exp_avg_sq", 1)],
}


@pytest.mark.parametrize("name", list(STATE_MAP))
def test_update_state_matches_reference_every_step(name):
    surface, start, hp = CASES[name]
    opt = OPTIMIZERS[name]
    full = opt.resolve(**hp)
    lr = full["lr"]
    ref = REFERENCES[name](2, **{k: v for k, v in full.items() if k != "lr"})
    x = np.array(start, dtype=np.float64)
    state, scal, h, packed = np.zeros((N_STATE, 2)), np.ones(2), np.zeros(3), opt.pack(full)
    xr = list(start)
    for t in range(1, STEPS + 1):
        g = np.array(_grad(surface, x))
        update(opt.code, x, g, state, scal, packed, t, lr, h)
        xr = ref.step(xr, list(g), t, lr)
        np.testing.assert_allclose(x, xr, rtol=1e-10, atol=1e-13)
        for row, key, scale in STATE_MAP[name]:
            s = -1.0 / lr if scale == "-1/lr" else scale
            np.testing.assert_allclose(state[row], np.array(ref.state[key]) * s, rtol=1e-9, atol=1e-12)
        if name == "nadam":
            assert scal[0] == pytest.approx(ref.state["mu_product"], rel=1e-14)


# ----------------------------------------------------------------------------- torch.optim


def _torch_path(torch, name, surface, start, hp, steps, *, sched=None, l2=0.0, clip=None):
    p = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    opt = reference.torch_optimizer(torch, name, [p], hp)
    if l2:
        opt.param_groups[0]["weight_decay"] = l2
    scheduler = sched(opt) if sched else None
    out = [list(start)]
    for _ in range(steps):
        x = p.detach().numpy()
        p.grad = torch.tensor(_grad(surface, x), dtype=torch.float64)
        if clip:
            torch.nn.utils.clip_grad_norm_([p], clip)
        opt.step()
        if scheduler:
            scheduler.step()
        out.append(p.detach().numpy().copy().tolist())
    return np.array(out)


@pytest.mark.parametrize("name,surface,start,hp", _all_cases())
def test_matches_torch_optim(name, surface, start, hp):
    torch = pytest.importorskip("torch")
    if name == "adam" and not hp.get("bias_correction", True):
        pytest.skip("torch.optim.Adam always corrects the bias")
    full = OPTIMIZERS[name].resolve(**hp)
    expected = _torch_path(torch, name, surface, start, full, STEPS)
    r = optviz.run(surface, name, start=start, steps=STEPS, **hp)
    np.testing.assert_allclose(r.path, expected, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize(
    "schedule,torch_sched",
    [
        (
            {"name": "exponential", "decay_rate": 0.98, "decay_steps": 1},
            lambda t, o: t.optim.lr_scheduler.ExponentialLR(o, 0.98),
        ),
        (
            {"name": "exponential", "decay_rate": 0.5, "decay_steps": 40, "staircase": True},
            lambda t, o: t.optim.lr_scheduler.StepLR(o, step_size=40, gamma=0.5),
        ),
        (
            # torch's cosine restarts after T_max; ours holds the end value (as optax): T = the run
            {"name": "cosine", "end_factor": 0.1},
            lambda t, o: t.optim.lr_scheduler.CosineAnnealingLR(o, T_max=STEPS, eta_min=0.1 * 0.01),
        ),
        (
            {"name": "polynomial", "end_factor": 0.0, "power": 2.0, "decay_steps": 200},
            lambda t, o: t.optim.lr_scheduler.PolynomialLR(o, total_iters=200, power=2.0),
        ),
    ],
)
def test_schedules_match_torch_schedulers(schedule, torch_sched):
    torch = pytest.importorskip("torch")
    hp = {"lr": 0.01, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8}
    r = optviz.run("rosenbrock", "adam", start=(-1.5, 2.0), steps=STEPS, schedule=schedule, **hp)
    expected = _torch_path(torch, "adam", "rosenbrock", (-1.5, 2.0), hp, STEPS, sched=lambda o: torch_sched(torch, o))
    np.testing.assert_allclose(r.path, expected, rtol=1e-9, atol=1e-12)


def test_l2_and_clipping_match_torch():
    torch = pytest.importorskip("torch")
    hp = {"lr": 1e-3, "momentum": 0.9}
    r = optviz.run("rosenbrock", "momentum", start=(-1.5, 2.0), steps=STEPS, l2=0.05, clip_norm=5.0, **hp)
    expected = _torch_path(torch, "momentum", "rosenbrock", (-1.5, 2.0), hp, STEPS, l2=0.05, clip=5.0)
    np.testing.assert_allclose(r.path, expected, rtol=1e-9, atol=1e-12)
    # clipping was active: the first raw gradient is far above 5, the recorded one is not
    assert np.linalg.norm(_grad("rosenbrock", (-1.5, 2.0))) > 100
    assert np.linalg.norm(r.grad[0] - 0.05 * r.path[0]) == pytest.approx(5.0, rel=1e-6)


# ----------------------------------------------------------------------------- equivalences


def test_momentum_zero_is_sgd_bitwise():
    a = optviz.run("rosenbrock", "momentum", steps=500, lr=2e-4, momentum=0.0)
    b = optviz.run("rosenbrock", "sgd", steps=500, lr=2e-4)
    assert np.array_equal(a.path, b.path)


def test_adam_without_bias_correction_and_beta1_zero_is_rmsprop():
    """Adam(beta1=0, no bias correction) == RMSprop(alpha=beta2): m_t = g_t, same v, same step."""
    a = optviz.run("bowl", "adam", steps=400, lr=0.02, beta1=0.0, beta2=0.97, eps=1e-7, bias_correction=False)
    b = optviz.run("bowl", "rmsprop", steps=400, lr=0.02, alpha=0.97, eps=1e-7)
    np.testing.assert_allclose(a.path, b.path, rtol=1e-12, atol=1e-15)


def test_adam_beta1_zero_with_bias_correction_is_rmsprop_with_rescaled_lr_and_eps():
    """With bias correction, Adam(beta1=0) at step t is RMSprop(alpha=beta2) with
    lr_t = lr * sqrt(1 - beta2^t) and eps_t = eps * sqrt(1 - beta2^t) (multiply the Adam step's
    numerator and denominator by sqrt(1 - beta2^t))."""
    adam, rms = OPTIMIZERS["adam"], OPTIMIZERS["rmsprop"]
    b2, lr, eps = 0.97, 0.02, 1e-4
    hp_a = adam.pack(adam.resolve(beta1=0.0, beta2=b2, eps=eps))
    xa, xr = np.array([-2.5, 1.5]), np.array([-2.5, 1.5])
    sa, sr, h = np.zeros((N_STATE, 2)), np.zeros((N_STATE, 2)), np.zeros(3)
    for t in range(1, 301):
        c = np.sqrt(1 - b2**t)
        hp_r = rms.pack(rms.resolve(alpha=b2, eps=eps * c))
        update(adam.code, xa, np.array(_grad("bowl", xa)), sa, np.ones(2), hp_a, t, lr, h)
        update(rms.code, xr, np.array(_grad("bowl", xr)), sr, np.ones(2), hp_r, t, lr * c, h)
        np.testing.assert_allclose(xa, xr, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(sa[1], sr[0], rtol=1e-12)


def test_nesterov_overshoots_less_than_momentum_on_the_bowl():
    kw = dict(start=(-2.5, 1.5), steps=300, surface_params={"kappa": 10}, lr=0.02, momentum=0.9)
    m = optviz.run("bowl", "momentum", **kw)
    n = optviz.run("bowl", "nesterov", **kw)
    assert n.loss[50:].max() < m.loss[50:].max()


def test_newton_reaches_the_bowl_minimum_in_one_step():
    for kappa, theta in [(10, 0.0), (500, 0.7)]:
        r = optviz.run("bowl", "newton", start=(-2.5, 1.5), steps=1, surface_params={"kappa": kappa, "theta": theta})
        np.testing.assert_allclose(r.path[1], [0.0, 0.0], atol=1e-12)


def test_newton_fallback_moves_away_from_the_saddle():
    """x^2 - y^2: H = diag(2, -2); the |eigenvalue| fallback pulls x to 0 and pushes y away."""
    r = optviz.run("saddle", "newton", start=(1.0, 0.1), steps=1, lr=1.0)
    np.testing.assert_allclose(r.path[1], [0.0, 0.2], atol=1e-12)


def _effective_lr(r):
    """Per-coordinate effective step |dx| / |g| (AdaGrad: lr / (sqrt(sum g^2) + eps))."""
    return np.abs(np.diff(r.path, axis=0)) / np.maximum(np.abs(r.grad), 1e-300)


def test_adagrad_effective_step_decays_while_rmsprop_does_not():
    # noisy gradients never vanish, so AdaGrad's sum keeps growing: its step shrinks like 1/sqrt(t)
    kw = dict(steps=2000, lr=0.1, noise=1.0)
    ada = _effective_lr(optviz.run("bowl", "adagrad", **kw))
    rms = _effective_lr(optviz.run("bowl", "rmsprop", **kw))
    assert np.all(np.diff(ada, axis=0) <= 1e-15)  # never grows
    assert np.all(ada[-1] < 0.55 * ada[10]) and ada[-1, 0] < 0.2 * ada[10, 0]
    assert np.all(rms[-1] > 0.3 * rms[10])


def test_random_search_keeps_the_best_point():
    r = optviz.run("himmelblau", "random_search", steps=300, seed=3)
    assert np.all(np.diff(r.loss) <= 0)
    (x0, x1), (y0, y1) = SURFACES["himmelblau"].bounds
    assert np.all((r.path[1:, 0] >= x0) & (r.path[1:, 0] <= x1) & (r.path[1:, 1] >= y0) & (r.path[1:, 1] <= y1))
    assert r.loss[-1] < 5.0 and np.all(np.isnan(r.lr))


def test_random_local_search_only_accepts_improvements():
    r = optviz.run("rosenbrock", "random_local_search", steps=2000, step=0.05, seed=1)
    assert np.all(np.diff(r.loss) <= 0) and r.loss[-1] < 0.5 * r.loss[0]
    moved = np.any(np.diff(r.path, axis=0) != 0, axis=1)
    assert 0 < moved.sum() < 2000  # some rejected, some accepted
    np.testing.assert_array_equal(r.lr, np.full(2000, 0.05))


# ----------------------------------------------------------------------------- robustness


def test_divergence_is_reported_not_raised():
    r = optviz.run("rosenbrock", "sgd", start=(-1.5, 2.0), steps=1000, lr=0.5)
    assert r.diverged_at is not None and 1 <= r.diverged_at <= 1000
    assert r.path.shape[0] == r.diverged_at and r.loss.shape[0] == r.diverged_at
    assert r.lr.shape[0] == r.diverged_at - 1
    assert np.all(np.isfinite(r.path)) and np.all(np.isfinite(r.loss))


def test_escape_from_the_plot_counts_as_diverged():
    r = optviz.run("saddle", "sgd", start=(-1.5, 0.5), steps=5000, lr=0.1)
    assert r.diverged_at is not None
    assert np.all(np.abs(r.path) < 1e4)


def test_same_seed_is_bitwise_identical_other_seed_differs():
    kw = dict(start=(-1.5, 2.0), steps=800, noise=5.0, lr=1e-3, momentum=0.9)
    a = optviz.run("rosenbrock", "momentum", noise_seed=7, **kw)
    b = optviz.run("rosenbrock", "momentum", noise_seed=7, **kw)
    c = optviz.run("rosenbrock", "momentum", noise_seed=8, **kw)
    assert np.array_equal(a.path, b.path) and np.array_equal(a.loss, b.loss)
    assert not np.allclose(a.path, c.path)
    quiet = optviz.run("rosenbrock", "momentum", **{**kw, "noise": 0.0})
    assert not np.allclose(a.path, quiet.path)


def test_noise_lets_gradient_descent_escape_the_saddle():
    kw = dict(start=(-1.5, 0.0), steps=300, lr=0.05)
    still = optviz.run("saddle", "sgd", **kw)
    noisy = optviz.run("saddle", "sgd", noise=0.5, noise_seed=0, **kw)
    assert abs(still.path[-1, 1]) == 0.0 and abs(still.path[-1, 0]) < 1e-3  # stuck on the saddle
    assert noisy.diverged_at is not None or abs(noisy.path[-1, 1]) > 1.0  # rolled off it


def test_compare_runs_each_with_shared_options():
    rs = optviz.compare(
        "rosenbrock", [("adam", {"lr": 0.01}), ("momentum", {"lr": 1e-3}), "sgd"], start=(-1.5, 2.0), steps=50
    )
    assert [r.optimizer for r in rs] == ["adam", "momentum", "sgd"]
    single = optviz.run("rosenbrock", "adam", start=(-1.5, 2.0), steps=50, lr=0.01)
    np.testing.assert_array_equal(rs[0].path, single.path)
    assert rs[2].hyperparams["lr"] == 0.01


@pytest.mark.parametrize(
    "kwargs,needle",
    [
        (dict(surface="nope", optimizer="adam"), "surface must be one of"),
        (dict(surface="bowl", optimizer="adamm"), "optimizer must be one of"),
        (dict(surface="bowl", optimizer="sgd", momentum=0.9), "takes no hyperparameter 'momentum'"),
        (dict(surface="bowl", optimizer="adam", beta1=1.5), "beta1 of adam must be in"),
        (dict(surface="bowl", optimizer="adam", lr=-1), "lr of adam must be in"),
        (dict(surface="bowl", optimizer="adam", start=(np.nan, 0)), "start must be a pair of finite numbers"),
        (dict(surface="bowl", optimizer="adam", start=(1, 2, 3)), "start must be a pair"),
        (dict(surface="bowl", optimizer="adam", steps=100_001), "steps must be a whole number from 1 to 100,000"),
        (dict(surface="bowl", optimizer="adam", steps=0), "steps must be"),
        (dict(surface="bowl", optimizer="adam", noise=-1), "noise must be"),
        (dict(surface="bowl", optimizer="adam", schedule="warp"), "schedule must be one of"),
        (dict(surface="bowl", optimizer="adam", schedule={"name": "step", "values": (1.0,)}), "values must hold"),
        (dict(surface="bowl", optimizer="adam", surface_params={"kappa": 0.1}), "kappa"),
        (dict(surface="bowl", optimizer="adam", surface_params={"zeta": 1}), "zeta"),
        (dict(surface="bowl", optimizer="rmsprop", centered=2), "centered of rmsprop must be True or False"),
    ],
)
def test_bad_input_raises_value_error_naming_the_argument(kwargs, needle):
    surface, opt = kwargs.pop("surface"), kwargs.pop("optimizer")
    with pytest.raises(ValueError, match=needle.replace("(", r"\(")):
        optviz.run(surface, opt, **kwargs)


def test_every_optimizer_runs_on_every_surface_without_raising():
    for s in SURFACES:
        for o in OPTIMIZERS:
            r = optviz.run(s, o, steps=60)
            assert np.all(np.isfinite(r.path)) and r.path.shape[0] >= 1
            assert r.loss.shape[0] == r.path.shape[0]


def test_no_recompiles_after_many_hyperparameter_values():
    rng = np.random.default_rng(0)
    for _ in range(20):
        optviz.run("rosenbrock", "adam", steps=int(rng.integers(1, 50)), lr=float(10 ** rng.uniform(-4, -1)), beta2=0.9)
        optviz.run("bowl", "rmsprop", surface_params={"kappa": float(rng.uniform(1, 100))}, centered=True, noise=0.3)
        optviz.run("saddle", "newton", lr=float(rng.uniform(0.1, 1)), schedule="cosine", clip_norm=1.0)
        optviz.run("beale", "random_local_search", step=0.2, seed=int(rng.integers(0, 100)))
    assert len(kernel.run_surface.signatures) == 1
    assert len(update.signatures) <= 1


def test_suggested_lr_makes_sgd_zigzag_on_the_ill_conditioned_bowl():
    lr = optviz.suggest_lr("bowl", "sgd", surface_params={"kappa": 50})
    assert lr == pytest.approx(1.7 / 50)  # between 1/L and 2/L: zig-zags and converges (optviz.api.suggest_lr)
    r = optviz.run("bowl", "sgd", steps=400, surface_params={"kappa": 50}, lr=lr)
    y = r.path[:20, 1]
    assert np.all(np.sign(y[1:]) == -np.sign(y[:-1]))  # the narrow direction flips sign every step
    assert r.diverged_at is None and r.loss[-1] < 1e-3 * r.loss[0]


def test_suggested_lrs_are_in_range_and_stable_on_convex_surfaces():
    for s in ("bowl", "booth", "matyas", "rosenbrock", "beale"):
        for o in ("sgd", "momentum", "nesterov", "rmsprop", "adam", "adagrad", "nadam"):
            lr = optviz.suggest_lr(s, o)
            spec = next(p for p in OPTIMIZERS[o].hparams if p.name == "lr")
            assert spec.min <= lr <= spec.max
            r = optviz.run(s, o, steps=500, lr=lr)
            assert r.diverged_at is None, (s, o, lr)
            assert r.loss[-1] < r.loss[0], (s, o, lr)
    assert optviz.suggest_lr("bowl", "newton") is None and optviz.suggest_lr("bowl", "random_search") is None
