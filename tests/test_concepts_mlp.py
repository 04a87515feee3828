"""One test per MLP lecture concept (CONCEPTS.md C1, C14-C16, C18-C30): load the shipped scene, run it
through the view protocol (`MLP.run`, `MLP.with_parts`) and assert in numbers the effect its caption claims.

Each test was checked once to fail when its scene is edited to hide the effect (see the module's
commit message and the README table "concept -> scene -> what the test asserts").
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from optviz.config import Scene
from optviz.figures.mlp import _act
from optviz.mlp.data import one_hot
from optviz.runs.mlp import MLPRun, distinct_units, margins, unit_weights, weight_norms
from optviz.views import MLP

SCENES = Path(__file__).resolve().parent.parent / "optviz" / "scenes"


def scene(name: str) -> Scene:
    return Scene.from_json((SCENES / f"{name}.json").read_text(encoding="utf-8"))


def run(name: str, *figures: str) -> MLPRun:
    sc = scene(name)
    return MLP.with_parts(MLP.run(sc), figures or (sc.mlp.figure,))


@pytest.fixture(scope="module", autouse=True)
def _warm(warm_jit) -> None:  # noqa: ANN001 (pytest fixture)
    """The kernels compiled once (conftest)."""


def test_every_mlp_concept_has_a_captioned_scene() -> None:
    for nn in ("01", "14", "15", "16", "18", "19", "20", "21", "22", "23", "24", "25", "26", "27", "28", "29", "30"):
        mlp = [(p, Scene.from_json(p.read_text(encoding="utf-8"))) for p in SCENES.glob(f"c{nn}_*.json")]
        ((path, sc),) = [(p, s) for p, s in mlp if s.view == "mlp"]  # C1 has a surfaces scene too
        sentences = [s for s in sc.display.caption.replace("?", ".").split(". ") if s.strip()]
        assert sc.view == "mlp" and sc.display.title and 2 <= len(sentences) <= 3, path.name


def test_c01_smaller_batches_are_noisier_per_step_and_faster_per_epoch() -> None:
    full, mini, one = run("c01_batch_size").results
    assert (full.batch_size, mini.batch_size, one.batch_size) == (full.X.shape[0], 16, 1)

    def jitter(r) -> float:  # ups of the training loss between consecutive steps
        return float(np.mean(np.diff(r.data_loss[:200]) > 0))

    assert jitter(full) == 0.0 < jitter(mini) < jitter(one)
    n = full.X.shape[0]
    # after one epoch (n examples seen): batch size 1 took n steps, full batch one
    assert one.data_loss[one.row_of(n)] < 0.6 * full.data_loss[full.row_of(1)]


def test_c14_the_check_passes_at_h_1e5_and_fails_far_from_it() -> None:
    sc = scene("c14_gradient_check")
    good = MLP.with_parts(MLP.run(sc), ["gradient_check"]).gradient_check
    assert good.step == 1e-5 and good.rel_error < 1e-7
    for h in (1e-1, 1e-10):
        bad = MLP.with_parts(MLP.run(replace(sc, mlp=replace(sc.mlp, check_step=h))), ["gradient_check"])
        assert bad.gradient_check.rel_error > 1e-5, h


def test_c15_every_path_starts_together_and_ends_lower_on_the_plane() -> None:
    r = run("c15_loss_landscape")
    ls = r.landscape
    assert len(ls.paths) == 3 and all(np.allclose(p[0], ls.paths[0][0]) for p in ls.paths)
    assert all(pl[-1] < 0.3 * pl[0] for pl in ls.path_loss)
    assert ls.loss.max() > 5 * ls.loss.min()  # the plane holds a valley with walls, not a flat sheet


def test_c16_hinge_reaches_zero_cross_entropy_never_does() -> None:
    softmax, hinge = run("c16_softmax_vs_hinge").results
    m_soft = margins(softmax, softmax.X, softmax.y)
    m_hinge = margins(hinge, hinge.X, hinge.y)
    hinge_loss = np.maximum(0.0, 1.0 - m_hinge)
    assert np.mean(hinge_loss == 0.0) > 0.85  # most points satisfied at margin 1: they add exactly 0
    assert hinge.data_loss[-1] < 0.05 and softmax.data_loss[-1] > 1e-3
    # cross-entropy keeps pushing: its correctly classified points end far beyond margin 1
    assert np.median(m_soft[m_soft > 0]) > 2 * np.median(m_hinge[m_hinge > 0])


def test_c18_zero_init_units_stay_identical_and_the_net_cannot_fit_circles() -> None:
    runs = {r.init: r for r in run("c18_zeros_init").results}
    zeros = runs["zeros"]
    u = unit_weights(zeros, 0)  # (rows, units, inputs + bias)
    assert np.max(np.abs(u - u[:, :1, :])) <= 1e-12  # identical at every recorded step
    assert np.abs(u[-1]).max() > 1.0  # and they did move: not "all gradients zero"
    assert distinct_units(zeros) == 1 and distinct_units(runs["xavier_normal"]) == 16
    assert zeros.accuracy[-1] < 0.75 and runs["xavier_normal"].accuracy[-1] > 0.9


def test_c19_large_init_saturates_small_init_collapses() -> None:
    stats = {a.init: a for a in run("c19_init_scale").activations}
    assert stats["normal_1"].flat.mean() > 0.5  # at 0 and 1, slope < 0.05
    assert stats["normal_0.01"].std[-1] < 0.02 and abs(stats["normal_0.01"].mean[-1] - 0.5) < 0.01
    assert stats["xavier_normal"].std.min() > 0.1 and stats["xavier_normal"].flat.max() < 0.05


def test_c20_he_keeps_relu_at_one_scale_lecun_and_xavier_shrink() -> None:
    stats = {a.init: a for a in run("c20_init_schemes").activations}
    assert set(stats) == {f"{k}_{d}" for k in ("lecun", "xavier", "he") for d in ("normal", "uniform")}
    for name, a in stats.items():
        shrink = a.std[-1] / a.std[0]
        if name.startswith("he_"):
            assert 0.6 < shrink < 1.6, (name, shrink)
        else:
            assert shrink < 0.35, (name, shrink)  # about (1/√2)^4 over 4 more layers


def _bias_grads(r, step: int = 1) -> np.ndarray:
    """‖∂L/∂b_l‖ of each layer at `step`, read back from plain SGD's update b ← b − η·g: the backward
    signal δ_l of each layer alone (∂L/∂W_l = a_{l-1}ᵀ δ_l also carries the forward activations)."""
    assert r.optimizer == "sgd" and r.options["clip_norm"] is None and r.options["l2"] == 0.0
    before, after = r.unflatten(step - 1), r.unflatten(step)
    return np.array([np.linalg.norm(b0[1] - b1[1]) for b0, b1 in zip(before, after)]) / r.hyperparams["lr"]


def test_c21_sigmoid_vanishes_relu_he_is_level_relu_n01_explodes() -> None:
    sig, he, big = run("c21_vanishing_exploding").results
    assert len(sig.net.hidden) == 5  # deep enough for the lecture's picture (three layers gave 100x on 69 %)
    ratio = sig.grad_norm[:, 0] / sig.grad_norm[:, -1]
    assert np.mean(ratio <= 1 / 100) >= 0.8  # the issue: 100x below on at least 80 % of the steps
    assert np.median(ratio) <= 1 / 1000  # the caption's "about 3000x"
    assert sig.accuracy[-1] < 0.65  # and the net stays near chance
    ratio_he = he.grad_norm[:, 0] / he.grad_norm[:, -1]
    assert 1 / 3 < np.median(ratio_he) < 3 and np.mean(ratio_he <= 1 / 30) < 0.05
    assert he.diverged_at is None and he.accuracy[-1] > 0.85
    # exploding: every layer's gradient starts >= 100x He's, overflows and the run diverges
    assert np.all(big.grad_norm[0] >= 100 * he.grad_norm[0])
    assert big.diverged_at is not None and big.diverged_at <= 10
    assert np.nanmax(big.grad_norm) > 1e6 * np.nanmax(he.grad_norm[:20])
    # the backward signal grows towards the input with N(0, 1), stays level with He, shrinks with sigmoid
    # (∂L/∂W_1 / ∂L/∂W_out stays near 1 there: the forward activations grow by the same factor)
    db_big, db_he, db_sig = _bias_grads(big), _bias_grads(he), _bias_grads(sig)
    assert db_big[0] >= 100 * db_big[-1] and 1 / 3 < db_he[0] / db_he[-1] < 3 and db_sig[0] <= db_sig[-1] / 100


def test_c22_each_panel_trains_its_own_activation_and_the_slopes_differ() -> None:
    sc = scene("c22_activations")
    r = MLP.run(sc)
    assert [x.net.activation for x in r.results] == ["sigmoid", "tanh", "relu", "leaky_relu", "gelu"]
    z = np.linspace(-5, 5, 401)
    assert np.max(_act("sigmoid", z)[1]) == pytest.approx(0.25) and np.max(_act("tanh", z)[1]) == pytest.approx(1.0)
    assert set(np.unique(_act("relu", z)[1])) == {0.0, 1.0}
    fig = MLP.figure(sc, r)
    assert {t.name for t in fig.data} >= {"sigmoid", "tanh", "ReLU", "Leaky ReLU", "GELU"}
    assert "tanh" not in fig.layout.title.text.split("·")[-1]  # the title no longer names one activation


def test_c23_clipping_turns_an_exploding_run_into_a_training_one() -> None:
    free, clipped = run("c23_gradient_clipping").results
    assert free.diverged_at is not None and free.diverged_at <= 10
    assert clipped.diverged_at is None and clipped.data_loss[-1] < 0.1


def test_c24_standardised_inputs_train_several_times_lower() -> None:
    raw, std = run("c24_standardize").results
    assert np.abs(raw.X.mean(axis=0)).min() > 5 and np.abs(std.X.mean(axis=0)).max() < 1e-9
    assert std.data_loss[-1] < raw.data_loss[-1] / 3


def test_c25_labels_become_one_hot_targets() -> None:
    r = run("c25_one_hot")
    y = r.data.y
    oh = one_hot(y, r.data.n_classes)
    assert r.data.n_classes == 3 and oh.shape == (len(y), 3)
    assert np.all(oh.sum(axis=1) == 1) and np.array_equal(oh.argmax(axis=1), y)


def test_c26_batch_norm_trains_what_plain_sgd_cannot() -> None:
    without, with_bn = run("c26_batch_norm").results
    assert without.data_loss[without.row_of(300)] > 0.6 and without.data_loss[-1] > 0.4
    assert with_bn.data_loss[with_bn.row_of(100)] < 0.3
    assert with_bn.data_loss[-1] < without.data_loss[-1] / 2


def test_c27_dropout_keeps_the_validation_loss_down() -> None:
    no_drop, drop = run("c27_dropout").results
    assert drop.val_loss[-1] < 0.7 * no_drop.val_loss[-1]
    assert drop.data_loss[-1] > no_drop.data_loss[-1]  # at the price of a higher training loss


def test_c28_training_stops_patience_steps_after_the_best_validation_loss() -> None:
    sc = scene("c28_early_stopping")
    res = run("c28_early_stopping")
    (r,) = res.results
    best, stop = r.row_of(r.best_step), r.row_of(r.stopped_at)
    # the stop is where the patience ran out: the first recorded step 200 steps past the lowest
    # validation loss so far (every step before it was less than 200 past its running best)
    assert r.stopped_at == r.best_step + sc.mlp.patience
    since_best = r.step[: stop + 1] - r.step[[int(np.argmin(r.val_loss[: i + 1])) for i in range(stop + 1)]]
    assert np.all(since_best[:-1] < sc.mlp.patience) and since_best[-1] == sc.mlp.patience
    # the run goes on past the stop for the picture: to the last step, the same run as without stopping
    assert r.stopped_at < r.steps and r.steps_done == r.steps and r.step[-1] == r.steps and r.diverged_at is None
    (f,) = MLP.run(replace(sc, mlp=replace(sc.mlp, patience=None))).results
    np.testing.assert_array_equal(r.params, f.params)
    assert r.val_loss[-1] > 1.3 * r.val_loss[best]  # what the stop saved
    # the model returned is the restored best weights: its validation loss is the minimum
    assert r.restored and r.final_row == best and np.array_equal(r.final, r.params[best])
    p = r.predict_proba(r.X_val, r.final_row)
    val = -np.mean(np.log(p[np.arange(len(r.y_val)), r.y_val]))
    assert val == pytest.approx(np.min(r.val_loss), rel=1e-12) and np.min(r.val_loss) == r.val_loss[best]
    (row,) = res.summary()
    assert row["validation loss"] == r.val_loss[best] and row["final weights of step"] == r.best_step
    # the figures: curves past the stop dimmed, the boundary's final picture the restored model
    fig = MLP.figure(sc, res, "curves")
    past = [t for t in fig.data if t.name and t.name.endswith("(after the stop)")]
    assert past and all(t.opacity < 1 and t.x[0] == r.stopped_at and t.x[-1] == r.steps for t in past)
    assert all(t.x[-1] == r.stopped_at for t in fig.data if t.name in (f"{r.label} train", f"{r.label} validation"))
    boundary = MLP.figure(sc, res, "boundary")
    assert "restored" in boundary.layout.annotations[-1].text
    assert f"step {r.best_step}" in boundary.layout.annotations[-1].text


def test_c29_adamw_regularises_and_the_two_lambdas_are_independent() -> None:
    sc = scene("c29_l2_vs_adamw")
    none, l2, adamw = MLP.run(sc).results
    assert adamw.optimizer == "adamw" and adamw.hyperparams["weight_decay"] == 1.0 and l2.options["l2"] == 0.01
    assert adamw.val_loss[-1] < none.val_loss[-1] / 3  # the stated margin: a third of no decay's
    assert l2.val_loss[-1] < none.val_loss[-1] / 2
    assert weight_norms(adamw)[-1] < 0.5 * weight_norms(none)[-1]
    assert weight_norms(l2)[-1] < 0.5 * weight_norms(none)[-1]
    # independent: each λ moves its own panel and nothing else
    other = MLP.run(replace(sc, mlp=replace(sc.mlp, weight_decay=0.3))).results
    assert np.array_equal(other[0].params, none.params) and np.array_equal(other[1].params, l2.params)
    assert not np.array_equal(other[2].params, adamw.params)
    other = MLP.run(replace(sc, mlp=replace(sc.mlp, l2=0.03))).results
    assert np.array_equal(other[2].params, adamw.params) and not np.array_equal(other[1].params, l2.params)


def test_c30_training_loss_falls_while_validation_loss_turns_up() -> None:
    (r,) = run("c30_overfitting").results
    assert r.best_step < 300 and r.val_loss[-1] > 1.5 * r.val_loss.min()
    assert r.data_loss[-1] < r.data_loss[r.row_of(r.best_step)] / 3
