"""The MLP engine: data, layout, init, training against PyTorch step by step, gradient check,
early stopping, divergence, landscapes, activation statistics, validation and recompiles."""

from __future__ import annotations

import contextlib

import numpy as np
import pytest

from optviz import mlp
from optviz.mlp.landscape import _loss_plane, plane_loss, random_direction
from optviz.mlp.model import INITS, Net, _draw_masks, init_std, init_weight
from optviz.mlp.train import _grad_check, _predict_many, _train
from tests import reference

# --------------------------------------------------------------------------- data


@pytest.mark.parametrize("name", mlp.DATASETS)
def test_datasets_shapes_balance_and_determinism(name):
    X, y = mlp.make_dataset(name, n=101, noise=0.1, seed=3, classes=4)
    k = 4 if name == "blobs" else 2
    assert X.shape == (101, 2) and X.dtype == np.float64 and X.flags.c_contiguous
    assert y.shape == (101,) and y.dtype == np.int64
    counts = np.bincount(y, minlength=k)
    assert len(counts) == k and counts.max() - counts.min() <= 1
    X2, y2 = mlp.make_dataset(name, n=101, noise=0.1, seed=3, classes=4)
    assert np.array_equal(X, X2) and np.array_equal(y, y2)
    X3, _ = mlp.make_dataset(name, n=101, noise=0.1, seed=4, classes=4)
    assert not np.allclose(X, X3)
    Xs, ys = mlp.make_dataset(name, n=101, noise=0.1, seed=3, classes=4, shift=(5.0, -3.0), scale=10.0)
    np.testing.assert_allclose(Xs, X * 10.0 + [5.0, -3.0], rtol=1e-15)
    assert np.array_equal(ys, y)


def test_split_and_standardize_fit_on_the_training_part_only():
    X, y = mlp.make_dataset("moons", n=200, seed=1, shift=4.0, scale=3.0)
    Xt, Xv, yt, yv = mlp.split(X, y, 0.25, seed=0)
    assert len(Xv) == 50 and len(Xt) == 150 and len(yt) == 150
    rows = {tuple(r) for r in X}
    assert rows == {tuple(r) for r in Xt} | {tuple(r) for r in Xv}
    Xts, Xvs, mean, std = mlp.standardize(Xt, Xv)
    np.testing.assert_allclose(Xts.mean(axis=0), 0.0, atol=1e-14)
    np.testing.assert_allclose(Xts.std(axis=0), 1.0, rtol=1e-14)
    np.testing.assert_allclose(Xvs, (Xv - Xt.mean(axis=0)) / Xt.std(axis=0), rtol=1e-14)
    np.testing.assert_array_equal(mlp.one_hot(np.array([2, 0, 1]))[[0, 1, 2]], np.eye(3)[[2, 0, 1]])


def test_standardisation_rescues_a_shifted_dataset():
    """C24: far-off, all-positive inputs saturate tanh and train badly; standardised, the same net learns."""
    X, y = mlp.make_dataset("moons", n=200, noise=0.1, seed=0, shift=(10.0, 10.0), scale=5.0)
    kw = dict(hidden=(16, 16), steps=300, optimizer="momentum", lr=0.05)
    raw = mlp.train(X, y, **kw)
    std = mlp.train(mlp.standardize(X)[0], y, **kw)
    assert std.loss[-1] < 0.1 * raw.loss[-1]
    assert std.accuracy[-1] > raw.accuracy[-1] + 0.1


# --------------------------------------------------------------------------- layout and init


def test_flat_layout_is_layer_by_layer_W_row_major_then_b():
    assert mlp.n_params((16, 16)) == 2 * 16 + 16 + 16 * 16 + 16 + 16 * 2 + 2 == 354
    theta = np.arange(354, dtype=np.float64)
    layers = mlp.unflatten(theta, hidden=(16, 16), n_in=2, n_out=2)
    assert [(W.shape, b.shape) for W, b in layers] == [((2, 16), (16,)), ((16, 16), (16,)), ((16, 2), (2,))]
    assert layers[0][0][1, 0] == 16.0 and layers[0][1][0] == 32.0  # row-major W, then b
    assert layers[1][0][0, 0] == 48.0 and layers[2][1][-1] == 353.0
    flat = np.concatenate([np.concatenate([W.ravel(), b]) for W, b in layers])
    np.testing.assert_array_equal(flat, theta)
    layers[0][0][0, 0] = -1.0  # views, not copies
    assert theta[0] == -1.0
    bn = Net((4, 3), batch_norm=True, n_out=3)
    assert bn.n_params == (2 * 4 + 4 + 8) + (4 * 3 + 3 + 6) + (3 * 3 + 3)
    parts = bn.unflatten(np.arange(bn.n_params, dtype=float))
    assert [len(p) for p in parts] == [4, 4, 2]  # (W, b, gamma, beta) on hidden layers only
    assert parts[0][2][0] == 12.0 and parts[0][3][0] == 16.0 and parts[1][0][0, 0] == 20.0


@pytest.mark.parametrize("scheme", INITS)
def test_init_std_matches_its_formula(scheme):
    fan_in, fan_out = 300, 200
    W = init_weight(scheme, fan_in, fan_out, np.random.default_rng(0))
    std = init_std(scheme, fan_in, fan_out)
    expected = {
        "zeros": 0.0,
        "normal_0.01": 0.01,
        "normal_1": 1.0,
        "lecun_normal": np.sqrt(1 / 300),
        "lecun_uniform": np.sqrt(1 / 300),
        "xavier_normal": np.sqrt(2 / 500),
        "xavier_uniform": np.sqrt(2 / 500),
        "he_normal": np.sqrt(2 / 300),
        "he_uniform": np.sqrt(2 / 300),
    }[scheme]
    assert std == pytest.approx(expected, rel=1e-15)
    assert W.std() == pytest.approx(expected, rel=0.02, abs=1e-15)
    assert abs(W.mean()) < 0.02 * expected + 1e-15
    if scheme.endswith("uniform"):
        assert np.abs(W).max() <= np.sqrt(3) * expected
        assert np.abs(W).max() > 0.99 * np.sqrt(3) * expected


def test_init_params_biases_zero_gamma_one_and_seeded():
    net = Net((8, 8), batch_norm=True, n_out=3)
    a = mlp.init_params(net, "he_uniform", seed=5)
    assert np.array_equal(a, mlp.init_params(net, "he_uniform", seed=5))
    assert not np.array_equal(a, mlp.init_params(net, "he_uniform", seed=6))
    for layer in net.unflatten(a):
        assert np.all(layer[1] == 0.0)
        if len(layer) == 4:
            assert np.all(layer[2] == 1.0) and np.all(layer[3] == 0.0)
    r = mlp.train(*mlp.make_dataset("blobs", n=60, classes=3), hidden=(8, 8), init="he_uniform", seed=5, steps=1)
    np.testing.assert_array_equal(r.params[0], mlp.init_params(r.net, "he_uniform", 5))


# --------------------------------------------------------------------------- against PyTorch


@contextlib.contextmanager
def _float64(torch):
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)  # NAdam keeps its mu_product in the default dtype
    try:
        yield
    finally:
        torch.set_default_dtype(old)


def torch_train(torch, r, *, batches=None, l2=0.0, clip=None, scheduler=None, X_val=None, y_val=None):
    """Retrain r's network in PyTorch from r.params[0]; the same rows as r (loss, params, val, running)."""
    F = torch.nn.functional
    net = r.net
    layers = [[torch.tensor(p.copy(), requires_grad=True) for p in layer] for layer in net.unflatten(r.params[0])]
    params = [p for layer in layers for p in layer]
    opt = reference.torch_optimizer(torch, r.optimizer, params, r.hyperparams)
    sched = scheduler(opt) if scheduler else None
    act = {"tanh": torch.tanh, "relu": F.relu, "sigmoid": torch.sigmoid, "gelu": F.gelu, "leaky_relu": F.leaky_relu}
    act = act[net.activation]
    running = [(torch.zeros(w), torch.ones(w)) for w in net.hidden]
    X, y = torch.tensor(r.X), torch.tensor(r.y)

    def forward(Xb, mode):  # mode: "train" (batch stats, update running), "eval" (running), "stats" (batch, no update)
        h = Xb
        for l, p in enumerate(layers):
            z = h @ p[0] + p[1]
            if l == len(layers) - 1:
                return z
            if net.batch_norm:
                rm, rv = running[l] if mode != "stats" else (None, None)
                z = F.batch_norm(z, rm, rv, p[2], p[3], training=mode != "eval", momentum=0.1, eps=1e-5)
            h = act(z)

    def objective(z, yb):
        if net.loss == "softmax":
            data = F.cross_entropy(z, yb)
        else:
            margins = torch.clamp(z - z.gather(1, yb[:, None]) + 1.0, min=0.0)
            data = (margins * (1.0 - F.one_hot(yb, z.shape[1]))).sum(1).mean()
        return data + 0.5 * l2 * sum((p[0] ** 2).sum() for p in layers)

    def snapshot():
        return torch.cat([p.detach().reshape(-1) for p in params]).numpy().copy()

    def val_loss():
        if X_val is None:
            return np.nan
        with torch.no_grad():
            return F.cross_entropy(forward(torch.tensor(X_val), "eval"), torch.tensor(y_val)).item()

    out = {"loss": [], "params": [], "val": [], "running": []}
    for t in range(r.steps_done + 1):
        out["params"].append(snapshot())
        out["val"].append(val_loss())
        out["running"].append(np.concatenate([np.stack([m.numpy(), v.numpy()]) for m, v in running], axis=1))
        last = t == r.steps_done
        if batches is None:
            opt.zero_grad()
            loss = objective(forward(X, "stats" if last else "train"), y)
            out["loss"].append(loss.item())
        else:
            with torch.no_grad():
                out["loss"].append(objective(forward(X, "stats"), y).item())
            if not last:
                b = torch.tensor(batches[t])
                opt.zero_grad()
                loss = objective(forward(X[b], "train"), y[b])
        if last:
            break
        loss.backward()
        if clip:
            torch.nn.utils.clip_grad_norm_(params, clip)
        opt.step()
        if sched:
            sched.step()
    return {k: np.array(v) for k, v in out.items()}


BLOBS3 = dict(name="blobs", n=120, noise=0.9, seed=2, classes=3)
MOONS = dict(name="moons", n=128, noise=0.2, seed=0)
# (data, activation, loss, optimizer, hyperparameters): every rule, every activation, both losses.
# All 100-step runs below stay out of chaotic regimes, so last-bit differences stay at last-bit size.
# (Adaptive rules divide by sqrt(v): a gradient that is rounding noise, ~1e-17, still makes a full
# step, so some settings amplify torch-vs-optviz summation-order differences to 1e-10 and beyond,
# e.g. RMSProp with momentum on 3-class hinge; NAdam at lr 0.01 on moons turns chaotic after 60 steps.)
TORCH_CASES = [
    (MOONS, "tanh", "softmax", "adam", {"lr": 0.01}),
    (MOONS, "relu", "softmax", "momentum", {"lr": 0.1, "momentum": 0.9}),
    (MOONS, "tanh", "hinge", "sgd", {"lr": 0.2}),
    (MOONS, "relu", "hinge", "rmsprop", {"lr": 0.005, "alpha": 0.9, "momentum": 0.5}),
    (BLOBS3, "gelu", "softmax", "nadam", {"lr": 0.005}),
    (BLOBS3, "sigmoid", "softmax", "adagrad", {"lr": 0.1, "lr_decay": 0.01}),
    (MOONS, "leaky_relu", "hinge", "adamw", {"lr": 0.01, "weight_decay": 0.1}),
    (BLOBS3, "tanh", "softmax", "nesterov", {"lr": 0.05, "momentum": 0.8}),
    (MOONS, "relu", "softmax", "amsgrad", {"lr": 0.01, "beta2": 0.99}),
    (BLOBS3, "gelu", "hinge", "adadelta", {"lr": 1.0, "rho": 0.95}),
]


def _data(spec):
    spec = dict(spec)
    return mlp.make_dataset(spec.pop("name"), **spec)


def _assert_same(r, ref):
    np.testing.assert_allclose(r.loss, ref["loss"], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(r.params, ref["params"], rtol=0, atol=1e-10)


@pytest.mark.parametrize("data,act,loss,opt,hp", TORCH_CASES, ids=[f"{c[1]}-{c[2]}-{c[3]}" for c in TORCH_CASES])
def test_full_batch_training_equals_pytorch(data, act, loss, opt, hp):
    torch = pytest.importorskip("torch")
    X, y = _data(data)
    r = mlp.train(X, y, hidden=(8, 6), activation=act, loss=loss, optimizer=opt, steps=100, seed=1, **hp)
    assert r.diverged_at is None and r.params.shape == (101, r.net.n_params)
    with _float64(torch):
        ref = torch_train(torch, r)
    _assert_same(r, ref)
    assert r.loss[-1] < 0.9 * r.loss[0]  # it learnt: the comparison is not of two frozen runs


def test_l2_penalty_clipping_and_schedule_equal_pytorch():
    torch = pytest.importorskip("torch")
    X, y = _data(BLOBS3)
    r = mlp.train(
        X,
        y,
        hidden=(8, 8),
        optimizer="momentum",
        steps=100,
        l2=0.01,
        clip_norm=0.3,
        schedule={"name": "exponential", "decay_rate": 0.98, "decay_steps": 1},
        lr=0.2,
        momentum=0.9,
    )
    with _float64(torch):
        ref = torch_train(
            torch, r, l2=0.01, clip=0.3, scheduler=lambda o: torch.optim.lr_scheduler.ExponentialLR(o, 0.98)
        )
    _assert_same(r, ref)
    np.testing.assert_allclose(r.lr, 0.2 * 0.98 ** np.arange(100), rtol=1e-12)
    np.testing.assert_allclose(r.penalty, 0.005 * np.sum(r.params[:, r.net.weight_mask()] ** 2, axis=1))
    assert np.linalg.norm(r.grad_norm[0]) > 0.3  # clipping was active at the start


def test_batch_norm_training_and_evaluation_equal_pytorch():
    """Train mode with batch statistics, eval mode (validation) with torch's running statistics."""
    torch = pytest.importorskip("torch")
    X, y = _data(BLOBS3)
    Xv, yv = mlp.make_dataset("blobs", n=60, noise=0.9, seed=9, classes=3)
    r = mlp.train(
        X,
        y,
        hidden=(8, 6),
        activation="relu",
        optimizer="momentum",
        steps=80,
        batch_norm=True,
        X_val=Xv,
        y_val=yv,
        lr=0.05,
        momentum=0.9,
    )
    with _float64(torch):
        ref = torch_train(torch, r, X_val=Xv, y_val=yv)
    _assert_same(r, ref)
    np.testing.assert_allclose(r.val_loss, ref["val"], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(r.bn_running, ref["running"], rtol=1e-10, atol=1e-12)
    assert not np.allclose(r.bn_running[-1, 1], 1.0)  # the running variance did move


def test_mini_batch_training_equals_pytorch_with_the_same_batches():
    torch = pytest.importorskip("torch")
    X, y = _data(MOONS)
    r = mlp.train(X, y, hidden=(8, 8), optimizer="adam", steps=60, batch_size=20, seed=4, lr=0.01)
    batches = mlp.minibatch_indices(len(y), 20, 60, seed=4)
    with _float64(torch):
        ref = torch_train(torch, r, batches=batches)
    _assert_same(r, ref)


def test_minibatch_order_is_a_fresh_permutation_per_epoch_dropping_the_remainder():
    b = mlp.minibatch_indices(50, 16, 9, seed=0)  # 3 batches per epoch, 2 points dropped each epoch
    for e in range(3):
        epoch = b[3 * e : 3 * e + 3].ravel()
        assert len(set(epoch)) == 48 and epoch.max() < 50
    assert not np.array_equal(b[:3], b[3:6])
    assert np.array_equal(b, mlp.minibatch_indices(50, 16, 9, seed=0))


def test_batch_size_full_k_and_one_from_the_same_init():
    """C1: batch GD, mini-batch and SGD (k = 1) start from the same point; smaller batches are noisier."""
    X, y = _data(MOONS)
    runs = [mlp.train(X, y, optimizer="sgd", steps=300, batch_size=b, lr=0.05) for b in (None, 16, 1)]
    assert all(np.array_equal(runs[0].params[0], r.params[0]) for r in runs)
    assert [r.batch_size for r in runs] == [128, 16, 1]
    wiggle = [np.sum(np.diff(r.loss) > 0) for r in runs]  # steps where the full-set loss went up
    assert wiggle[0] <= wiggle[1] <= wiggle[2] and wiggle[2] > 10


def test_momentum_zero_is_sgd_bitwise_on_the_mlp():
    X, y = _data(MOONS)
    a = mlp.train(X, y, optimizer="momentum", steps=50, lr=0.1, momentum=0.0)
    b = mlp.train(X, y, optimizer="sgd", steps=50, lr=0.1)
    assert np.array_equal(a.params, b.params)


# --------------------------------------------------------------------------- gradient check


@pytest.mark.parametrize(
    "act,loss,bn,l2",
    [
        ("tanh", "softmax", False, 0.0),
        ("sigmoid", "hinge", False, 0.1),
        ("gelu", "softmax", True, 0.0),
        ("relu", "softmax", False, 0.0),
        ("leaky_relu", "hinge", True, 0.05),
    ],
)
def test_gradient_check_backprop_matches_finite_differences(act, loss, bn, l2):
    X, y = _data(BLOBS3)
    gc = mlp.gradient_check(X, y, hidden=(8, 6), activation=act, loss=loss, batch_norm=bn, l2=l2, seed=3)
    assert gc.rel_error < 1e-6, gc.layer_rel_error
    assert np.all(gc.layer_rel_error < 1e-5) and gc.max_rel_error < 1e-4
    assert np.linalg.norm(gc.analytic) > 1e-3  # a real gradient, not zeros against zeros
    if bn:  # the bias before batch norm has no effect: exactly zero gradient, ~zero numerically
        net = Net((8, 6), act, loss, True, n_out=3)
        ow, ob, og, _ = net.layout()[0]
        assert np.all(gc.analytic[ob:og] == 0.0) and np.all(np.abs(gc.numeric[ob:og]) < 1e-8)


def test_gradient_check_catches_a_wrong_gradient():
    X, y = _data(MOONS)
    good = mlp.gradient_check(X, y, hidden=(4,))
    theta = mlp.init_params(Net((4,)), "xavier_normal", 0)
    assert mlp.gradient_check(X, y, hidden=(4,), theta=theta).rel_error == good.rel_error
    # a gradient checked at one point against differences at another is far off
    bad = np.abs(good.analytic - mlp.gradient_check(X, y, hidden=(4,), seed=1).numeric)
    assert bad.max() > 1e-3


# --------------------------------------------------------------------------- init demonstrations


def test_zeros_init_keeps_hidden_units_identical():
    """C18: with all-zero weights every hidden unit computes the same thing, forever."""
    X, y = _data(MOONS)
    X, y = X[:100], y[:100]  # 52 / 48: with balanced classes all-zeros is an exact stationary point
    r = mlp.train(X, y, hidden=(6, 5), activation="sigmoid", init="zeros", optimizer="sgd", steps=200, lr=0.5)
    (W1, b1), (W2, b2), (W3, b3) = r.unflatten()
    assert np.all(W1 == W1[:, :1]) and np.all(b1 == b1[0])
    assert np.all(W2 == W2[0, 0]) and np.all(b2 == b2[0])
    assert np.all(W3 == W3[:1, :])
    assert np.any(W1 != 0.0) and np.any(W2 != 0.0)  # they do move, in lockstep
    assert np.all(r.accuracy <= 0.52 + 1e-12)  # never better than "always the majority class"
    # balanced classes: the gradient at all-zeros is exactly zero, nothing moves at all
    Xb, yb = _data(MOONS)
    z = mlp.train(Xb, yb, hidden=(6, 5), activation="tanh", init="zeros", optimizer="adam", steps=50, lr=0.1)
    assert np.all(z.params == 0.0) and np.all(z.loss == z.loss[0])


def test_activation_statistics_show_saturation_and_collapse():
    """C19/C20: N(0,1) saturates sigmoid/tanh, N(0,0.01) collapses the signal, Xavier/He keep it spread."""
    sig1 = mlp.activation_stats("normal_1", "sigmoid")
    sig_small = mlp.activation_stats("normal_0.01", "sigmoid")
    tanh_x = mlp.activation_stats("xavier_normal", "tanh")
    tanh_small = mlp.activation_stats("normal_0.01", "tanh")
    relu_he = mlp.activation_stats("he_normal", "relu")
    relu_x = mlp.activation_stats("xavier_normal", "relu")
    assert len(sig1.values) == 5 and sig1.values[0].shape == (1000, 100)
    assert np.all(sig1.flat > 0.5)  # most units at 0 or 1
    assert np.all(np.abs(sig_small.mean - 0.5) < 0.01) and np.all(sig_small.std[1:] < 0.02)
    assert tanh_small.std[-1] < 1e-3 and np.all(tanh_x.std > 0.25) and np.all(tanh_x.flat < 0.05)
    assert relu_he.std[-1] > 0.5 and relu_x.std[-1] < 0.5 * relu_he.std[-1]
    probe = mlp.activation_stats("he_normal", "relu", hidden=(16, 16), X=np.ones((7, 2)))
    assert [v.shape for v in probe.values] == [(7, 16), (7, 16)]


def test_grad_norm_per_layer_shows_vanishing_gradients_in_a_deep_sigmoid_net():
    """C21: at init, the first layer of a 3-hidden-layer sigmoid net gets a far smaller gradient than
    the output layer (sigmoid' <= 1/4 per layer); tanh with the same Xavier init does not shrink."""
    X, y = _data(MOONS)
    kw = dict(hidden=(32, 32, 32), init="xavier_normal", steps=5, optimizer="sgd", lr=0.1)
    sig = mlp.train(X, y, activation="sigmoid", **kw).grad_norm[0]
    tanh = mlp.train(X, y, activation="tanh", **kw).grad_norm[0]
    assert sig.shape == (4,) and np.all(np.diff(sig) > 0)  # grows from the input side to the output
    assert sig[0] < 0.05 * sig[3] and tanh[0] > 0.5 * tanh[3]


# --------------------------------------------------------------------------- training behaviour


def test_early_stopping_marks_the_step_and_the_curves_diverge_when_overfitting():
    """C28/C30: a big net on few noisy points: validation loss turns up while training loss falls."""
    X, y = mlp.make_dataset("moons", n=40, noise=0.3, seed=0)
    kw = dict(hidden=(32, 32), steps=1000, val_fraction=0.5, seed=0, lr=0.01)
    full = mlp.train(X, y, **kw)
    best = int(np.argmin(full.val_loss))
    assert full.stopped_at is None and full.best_step == best
    assert full.val_loss[-1] > 3 * full.val_loss[best] and full.loss[-1] < 0.01 * full.loss[best]
    r = mlp.train(X, y, early_stopping_patience=100, **kw)
    # the first plateau of 100 steps ends the run, before the later global minimum
    assert r.stopped_at == r.best_step + 100 and r.diverged_at is None and r.best_step < best
    assert r.best_step == int(np.argmin(full.val_loss[: r.stopped_at + 1]))
    assert r.params.shape[0] == r.stopped_at + 1 and r.step[-1] == r.stopped_at
    np.testing.assert_array_equal(r.params, full.params[: r.stopped_at + 1])
    late = mlp.train(X, y, early_stopping_patience=200, **kw)
    assert late.best_step == best and late.stopped_at == best + 200
    assert r.val_loss[r.best_step] == np.min(r.val_loss)
    # the model returned is the best step's (restored), not the last one
    assert r.restored and r.final_row == r.best_step and np.array_equal(r.final, r.params[r.best_step])
    assert not full.restored and np.array_equal(full.final, full.params[-1])
    # run_past_stop: the same stop and best step, recorded while training goes on to the end
    on = mlp.train(X, y, early_stopping_patience=100, run_past_stop=True, **kw)
    assert (on.stopped_at, on.best_step, on.diverged_at) == (r.stopped_at, r.best_step, None)
    np.testing.assert_array_equal(on.params, full.params)
    assert on.final_row == r.best_step and np.array_equal(on.final, r.final)


def test_divergence_is_reported_not_raised():
    X, y = _data(MOONS)
    for every in (1, 7):
        r = mlp.train(
            10 * X,
            y,
            hidden=(32, 32),
            activation="leaky_relu",
            init="normal_1",
            optimizer="sgd",
            steps=300,
            lr=50.0,
            record_every=every,
        )
        assert r.diverged_at is not None and r.stopped_at is None
        assert r.steps_done == r.diverged_at - 1 and r.step[-1] == r.diverged_at - 1
        assert np.all(np.isfinite(r.params)) and np.all(np.isfinite(r.loss))
        assert r.lr.shape == (r.diverged_at - 1,) and r.grad_norm.shape[0] == r.diverged_at - 1


def test_gradient_clipping_turns_an_exploding_run_stable():
    """C23: the same run explodes without clipping and learns with the gradient clipped to norm 5."""
    X, y = _data(MOONS)
    kw = dict(hidden=(32, 32), activation="leaky_relu", init="normal_1", optimizer="sgd", steps=300, lr=1.0)
    wild = mlp.train(10 * X, y, **kw)
    tame = mlp.train(10 * X, y, clip_norm=5.0, **kw)
    assert wild.diverged_at is not None and tame.diverged_at is None
    assert tame.loss[-1] < 0.5 and tame.accuracy[-1] > 0.9
    assert np.max(tame.grad_norm) > 5.0  # recorded before clipping: the clip did act


def test_record_every_keeps_the_same_rows_as_a_full_record():
    X, y = _data(MOONS)
    full = mlp.train(X, y, steps=23, lr=0.01, val_fraction=0.3)
    thin = mlp.train(X, y, steps=23, lr=0.01, val_fraction=0.3, record_every=5)
    np.testing.assert_array_equal(thin.step, [0, 5, 10, 15, 20, 23])
    np.testing.assert_array_equal(thin.params, full.params[thin.step])
    np.testing.assert_array_equal(thin.val_loss, full.val_loss[thin.step])
    np.testing.assert_array_equal(thin.grad_norm, full.grad_norm)


def test_recorded_loss_is_the_landscape_function_of_the_parameters():
    """With dropout, batch norm and mini-batches the recorded loss is still L(params): what the landscape plots."""
    X, y = _data(BLOBS3)
    r = mlp.train(X, y, hidden=(8, 8), steps=40, batch_size=30, dropout=0.3, batch_norm=True, l2=0.01, lr=0.01)
    for row in (0, 17, 40):
        p = r.params[row]
        plane = mlp.Plane(p, np.zeros_like(p), np.zeros_like(p), "random")
        f = plane_loss(r.net, X, y, plane, np.zeros(1), np.zeros(1), l2=0.01)[0, 0]
        assert f == pytest.approx(r.loss[row], rel=1e-13)


def test_dropout_masks_are_inverted_and_seeded():
    Mk = np.zeros((2, 10, 20000))
    _draw_masks(Mk, 20000, np.array([2, 10, 10, 3]), 0.3, np.random.default_rng(0))
    vals = np.unique(Mk)
    np.testing.assert_allclose(vals, [0.0, 1 / 0.7])
    assert Mk.mean() == pytest.approx(1.0, abs=0.01) and np.mean(Mk == 0) == pytest.approx(0.3, abs=0.01)
    X, y = _data(MOONS)
    a = mlp.train(X, y, steps=30, dropout=0.5, lr=0.01)
    b = mlp.train(X, y, steps=30, dropout=0.5, lr=0.01)
    c = mlp.train(X, y, steps=30, dropout=0.5, lr=0.01, seed=1)
    d = mlp.train(X, y, steps=30, lr=0.01)
    assert np.array_equal(a.params, b.params) and not np.allclose(a.params[-1], d.params[-1])
    assert not np.allclose(a.params[-1], c.params[-1])


def test_random_local_search_trains_the_mlp_by_accepting_only_improvements():
    X, y = _data(MOONS)
    r = mlp.train(X, y, hidden=(8,), optimizer="random_local_search", steps=400, step=0.05, seed=0)
    assert np.all(np.diff(r.loss) <= 0) and r.loss[-1] < 0.8 * r.loss[0]
    moved = np.any(np.diff(r.params, axis=0) != 0, axis=1)
    assert 0 < moved.sum() < 400
    assert np.all(np.isnan(r.grad_norm)) and np.all(r.lr == 0.05)


def test_compare_starts_every_optimizer_from_the_same_init():
    X, y = _data(MOONS)
    rs = mlp.compare(X, y, [("adam", {"lr": 0.01}), "sgd", ("momentum", {"lr": 0.05})], steps=20, seed=2)
    assert [r.optimizer for r in rs] == ["adam", "sgd", "momentum"]
    assert all(np.array_equal(rs[0].params[0], r.params[0]) for r in rs)
    single = mlp.train(X, y, optimizer="adam", steps=20, seed=2, lr=0.01)
    np.testing.assert_array_equal(rs[0].params, single.params)
    with pytest.raises(ValueError, match="'lr' given both"):
        mlp.compare(X, y, [("adam", {"lr": 0.01})], lr=0.1)


def test_predictions_and_decision_frames():
    X, y = _data(BLOBS3)
    r = mlp.train(X, y, hidden=(8,), steps=50, lr=0.05, batch_norm=True, val_fraction=0.25)
    p = r.predict_proba(X)
    assert p.shape == (len(y), 3)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-12)
    np.testing.assert_array_equal(r.predict(X), np.argmax(p, axis=1))
    df = mlp.decision_frames(r, frames=5, resolution=12)
    assert df.proba.shape == (5, 12, 12, 3) and df.step[0] == 0 and df.step[-1] == 50
    assert df.xs[0] < X[:, 0].min() and df.ys[-1] > X[:, 1].max()
    # evaluation mode: accuracy of the val set recorded in training = accuracy of predict with running stats
    assert r.val_accuracy[-1] == pytest.approx(np.mean(r.predict(r.X_val) == r.y_val))


# --------------------------------------------------------------------------- landscape


def test_landscape_center_value_and_shared_plane():
    X, y = _data(MOONS)
    rs = mlp.compare(X, y, [("adam", {"lr": 0.02}), ("momentum", {"lr": 0.1})], steps=120)
    ls = mlp.landscape(rs, directions="random", resolution=21, seed=1)
    assert ls.loss.shape == (21, 21) and len(ls.paths) == 2 and ls.labels[0].startswith("adam")
    assert ls.loss[10, 10] == pytest.approx(rs[0].loss[-1], rel=1e-12)  # the center is the first run's final point
    np.testing.assert_allclose(ls.paths[0][-1], [0.0, 0.0], atol=1e-9)
    np.testing.assert_allclose(ls.paths[0][0], ls.paths[1][0], atol=1e-12)  # same init, same projected start
    pca = mlp.landscape(rs, resolution=15)
    d1, d2 = pca.plane.d1, pca.plane.d2
    np.testing.assert_allclose([d1 @ d1, d2 @ d2, d1 @ d2], [1.0, 1.0, 0.0], atol=1e-12)
    e1, e2 = pca.plane.explained
    assert e1 >= e2 and e1 + e2 <= 1.0 + 1e-12 and e1 + e2 > 0.8  # two runs' paths nearly lie in the plane
    # the grid covers the paths
    for p in pca.paths:
        assert pca.alphas[0] <= p[:, 0].min() and p[:, 0].max() <= pca.alphas[-1]
        assert pca.betas[0] <= p[:, 1].min() and p[:, 1].max() <= pca.betas[-1]


def test_filter_normalised_direction_matches_each_neurons_norm():
    net = Net((8, 6), batch_norm=True, n_out=3)
    c = mlp.init_params(net, "he_normal", 0)
    d = random_direction(net, c, "filter", np.random.default_rng(0))
    for (W, *_), (D, db, *dbn) in zip(net.unflatten(c), net.unflatten(d)):
        np.testing.assert_allclose(np.linalg.norm(D, axis=0), np.linalg.norm(W, axis=0), rtol=1e-12)
        assert np.all(db == 0) and all(np.all(v == 0) for v in dbn)
    r = random_direction(net, c, "random", np.random.default_rng(0))
    assert np.linalg.norm(r) == pytest.approx(np.linalg.norm(c), rel=1e-12)


def test_loss_slices():
    X, y = _data(MOONS)
    r = mlp.train(X, y, steps=100, lr=0.02)
    s = mlp.loss_slice(r, direction="interpolation", resolution=101)
    assert s.loss[25] == pytest.approx(r.loss[0], rel=1e-12) and s.loss[75] == pytest.approx(r.loss[-1], rel=1e-12)
    f = mlp.loss_slice(r, direction="filter", span=0.5, resolution=11)
    assert f.loss[5] == pytest.approx(r.loss[-1], rel=1e-12) and f.loss.min() >= 0
    p = mlp.loss_slice(r, direction="pca", resolution=11)
    assert p.loss.shape == (11,) and p.kind == "pca"


# --------------------------------------------------------------------------- validation and compile


@pytest.mark.parametrize(
    "kwargs,needle",
    [
        (dict(hidden=()), "hidden must be 1 to 8 layer widths"),
        (dict(hidden=(16, 1)), "hidden must be"),
        (dict(hidden=(64,)), "hidden must be"),
        (dict(hidden=(4,) * 9), "hidden must be"),
        (dict(activation="swish"), "activation must be one of: sigmoid, tanh, relu, leaky_relu, gelu"),
        (dict(init="glorot"), "init must be one of: zeros, normal_0.01"),
        (dict(loss="mse"), "loss must be one of: softmax, hinge"),
        (dict(optimizer="newton"), "needs the Hessian"),
        (dict(optimizer="random_search"), "2D surfaces only"),
        (dict(optimizer="adamm"), "optimizer must be one of"),
        (dict(lr=-1.0), "lr of adam must be in"),
        (dict(momentum=0.9), "takes no hyperparameter 'momentum'"),
        (dict(steps=0), "steps must be a whole number"),
        (dict(batch_size=0), "batch_size must be a whole number from 1 to 64"),
        (dict(batch_size=65), "batch_size must be"),
        (dict(seed=-1), "seed must be"),
        (dict(dropout=1.0), r"dropout must be a number in \[0, 0.9\]"),
        (dict(l2=-0.1), "l2 must be"),
        (dict(clip_norm=0.0), "clip_norm must be"),
        (dict(early_stopping_patience=10), "needs a validation set"),
        (dict(early_stopping_patience=0, val_fraction=0.2), "early_stopping_patience must be"),
        (dict(early_stopping_patience=5, val_fraction=0.2, run_past_stop=1), "run_past_stop must be True or False"),
        (dict(val_fraction=1.5), "val_fraction must be"),
        (dict(X_val=np.zeros((3, 2))), "X_val and y_val must be given together"),
        (dict(X_val=np.zeros((3, 2)), y_val=np.zeros(3, int), val_fraction=0.2), "either X_val/y_val or val_fraction"),
        (dict(X_val=np.zeros((3, 3)), y_val=np.zeros(3, int)), "X_val must have 2 columns"),
        (dict(batch_norm=True, batch_size=1), "at least 2 with batch_norm"),
        (dict(batch_norm="yes"), "batch_norm must be True or False"),
        (dict(optimizer="random_local_search", batch_norm=True), "without batch_norm and dropout"),
        (dict(record_every=0), "record_every must be"),
        (dict(schedule="warp"), "schedule must be one of"),
        (dict(n_classes=1), "n_classes must be"),
        (dict(theta0=np.zeros(3)), "theta0 must be 354 finite numbers"),
    ],
)
def test_bad_train_arguments_raise_value_error_naming_them(kwargs, needle):
    X, y = mlp.make_dataset("moons", n=64)
    with pytest.raises(ValueError, match=needle):
        mlp.train(X, y, **{"steps": 5, **kwargs})


@pytest.mark.parametrize(
    "call,needle",
    [
        (lambda: mlp.make_dataset("swirl"), "dataset must be one of: moons, circles, spirals, xor, blobs"),
        (lambda: mlp.make_dataset("moons", n=2), "n must be a whole number from 4"),
        (lambda: mlp.make_dataset("moons", noise=-1), "noise must be"),
        (lambda: mlp.make_dataset("blobs", classes=5), "classes must be a whole number from 2 to 4"),
        (lambda: mlp.make_dataset("moons", scale=0), "scale must be"),
        (lambda: mlp.make_dataset("moons", shift=(1, 2, 3)), "shift must be"),
        (lambda: mlp.train(np.full((4, 2), np.nan), np.zeros(4, int)), "X must be a finite float array"),
        (lambda: mlp.train(np.zeros((4, 2)), np.zeros(3, int)), r"y must be an integer array of shape \(4,\)"),
        (lambda: mlp.train(np.zeros((4, 2)), np.full(4, 0.5)), "y must be an integer array"),
        (lambda: mlp.split(np.zeros((4, 2)), np.zeros(4, int), 1.0), "val_fraction must be in"),
        (lambda: mlp.gradient_check(np.zeros((4, 2)), np.zeros(4, int), step=1.0), "step must be"),
        (lambda: mlp.activation_stats("xavier", "tanh"), "init must be one of"),
        (lambda: mlp.activation_stats("zeros", "tanh", hidden=()), "hidden must be 1 to 10 widths"),
    ],
)
def test_bad_data_arguments_raise_value_error_naming_them(call, needle):
    with pytest.raises(ValueError, match=needle):
        call()


def test_bad_landscape_arguments_raise_value_error():
    X, y = _data(MOONS)
    r = mlp.train(X, y, steps=3)
    other = mlp.train(X, y, steps=3, hidden=(4,))
    for kw, needle in [
        (dict(directions="diagonal"), "directions must be one of: filter, random, pca"),
        (dict(resolution=1), "resolution must be a whole number from 2 to 401"),
        (dict(center="middle"), "center must be 'final', 'init' or"),
        (dict(span=-1.0), "span must be"),
    ]:
        with pytest.raises(ValueError, match=needle):
            mlp.landscape(r, **kw)
    with pytest.raises(ValueError, match="must share the network"):
        mlp.landscape([r, other])
    with pytest.raises(ValueError, match="direction must be one of"):
        mlp.loss_slice(r, direction="up")


def test_no_recompiles_when_settings_change():
    X, y = mlp.make_dataset("blobs", n=90, classes=3)
    rng = np.random.default_rng(0)
    for i in range(12):
        opt = ["adam", "sgd", "rmsprop", "nadam", "adagrad", "random_local_search"][i % 6]
        hp = {"step": 0.1} if opt == "random_local_search" else {"lr": float(10 ** rng.uniform(-3, -1))}
        extra = {} if opt == "random_local_search" else dict(batch_norm=bool(i % 2), dropout=0.2 * (i % 3))
        r = mlp.train(
            X,
            y,
            hidden=tuple(int(w) for w in rng.integers(2, 33, size=1 + i % 3)),
            activation=mlp.ACTIVATIONS[i % 5],
            init=INITS[i % 9],
            loss=mlp.LOSSES[i % 2],
            optimizer=opt,
            steps=int(rng.integers(1, 30)),
            batch_size=[None, 16, 2][i % 3],
            seed=i,
            val_fraction=0.2 * (i % 2),
            schedule=["constant", "cosine"][i % 2],
            clip_norm=[None, 1.0][i % 2],
            l2=0.01 * (i % 2),
            early_stopping_patience=[None, 5][i % 2],
            record_every=1 + i % 3,
            **extra,
            **hp,
        )
        r.predict_proba(X[:5])
        mlp.landscape(r, directions="filter", resolution=3)
        mlp.gradient_check(X, y, hidden=r.net.hidden, activation=r.net.activation, batch_norm=r.net.batch_norm)
    for kernel in (_train, _loss_plane, _predict_many, _grad_check):
        assert len(kernel.signatures) == 1, kernel
