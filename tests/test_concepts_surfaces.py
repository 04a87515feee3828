"""One test per lecture concept of the surfaces view (../shared/CONCEPTS.md): each loads its shipped
scene, runs it as the page does (`optviz.views.SURFACES.run`) and asserts, in the numbers, the effect
its caption promises.  Each was checked once to fail with the effect removed from the scene."""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

import optviz
from optviz import figures as F
from optviz.api import Result
from optviz.config import OptimizerSpec, Scene, SurfacesConfig
from optviz.figures.surfaces import UNBOUNDED_BELOW, rebounds, run_outcome
from optviz.optimizers import OPTIMIZERS
from optviz.schedules import Schedule
from optviz.ui.controls import log_grid, snap_lr
from optviz.views import SURFACES
from surfaces import SURFACES as SURFACE_REGISTRY

SCENES = Path(optviz.__file__).resolve().parent / "scenes"


def _load(name: str) -> Scene:
    return Scene.from_json((SCENES / f"{name}.json").read_text(encoding="utf-8"))


def _run(scene: Scene) -> list[Result]:
    return SURFACES.run(scene)


def _with(scene: Scene, **surfaces: object) -> Scene:
    return replace(scene, surfaces=replace(scene.surfaces, **surfaces))


def _sign_changes(a: np.ndarray, tol: float = 0.01) -> int:
    """Sign changes of a coordinate, counted while it is visibly off zero (|a| > tol)."""
    a = a[np.abs(a) > tol]
    return int(np.sum(np.sign(a[1:]) != np.sign(a[:-1])))


def _path_length(r: Result) -> float:
    return float(np.sum(np.hypot(*np.diff(r.path, axis=0).T)))


def _effective_step(r: Result) -> np.ndarray:
    """|dtheta_i| / |g_i| per step and coordinate, as the 'Effective step size' chart draws it."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(np.abs(r.grad) > 1e-12, np.abs(np.diff(r.path, axis=0)) / np.abs(r.grad), np.nan)


@pytest.fixture(scope="module", autouse=True)
def _warm(warm_jit) -> None:
    """The kernels compiled once for the module."""


def test_every_surfaces_concept_has_a_captioned_scene():
    for name in (
        "c01_gradient_noise",
        "c02_learning_rate",
        "c03_zigzag_bowl",
        "c04_momentum_coefficient",
        "c05_nesterov_lookahead",
        "c06_adagrad_decay",
        "c07_rmsprop_vs_adagrad",
        "c08_adadelta",
        "c09_adam_bias_correction",
        "c10_saddle_escape",
        "c11_convex_vs_nonconvex",
        "c12_newton",
        "c13_random_search",
        "c17_lr_schedule",
    ):
        scene = _load(name)
        assert scene.view == "surfaces" and scene.display.title, name
        sentences = [s for s in scene.display.caption.replace("? ", ". ").split(". ") if s.strip()]
        assert 2 <= len(sentences) <= 4, (name, scene.display.caption)


def test_c01_gradient_noise_makes_the_smooth_path_jitter():
    """C1: the same GD with noise sigma turns far more often than without (SGD-like jitter)."""
    scene = _load("c01_gradient_noise")
    noisy = _run(scene)
    smooth = _run(_with(scene, noise=0.0))
    for n, s in zip(noisy, smooth):
        turns = [
            int(
                np.sum(np.diff(np.sign(np.diff(r.path[:, 0]))) != 0)
                + np.sum(np.diff(np.sign(np.diff(r.path[:, 1]))) != 0)
            )
            for r in (n, s)
        ]
        assert turns[0] >= 3 * max(turns[1], 10), (n.optimizer, turns)


def test_c02_learning_rate_too_small_right_too_large():
    """C2: lr < 1/L crawls, 1/L < lr < 2/L converges, lr > 2/L diverges and is marked as diverged."""
    scene = _load("c02_learning_rate")
    small, good, large = _run(scene)
    assert good.loss[-1] < 1e-12 and good.diverged_at is None
    assert small.diverged_at is None and small.loss[-1] > 1e6 * good.loss[-1]
    assert large.diverged_at is not None and run_outcome(scene.surfaces.surface, large) == "diverged"
    rows = F.results_table(scene, [small, good, large])
    assert rows[2]["diverged"] == f"diverged at step {large.diverged_at}" and rows[2]["final loss"] is None


def test_c03_sgd_zigzags_momentum_and_adam_damp_it():
    """C3: SGD's narrow-axis coordinate flips sign at least 10 times before it converges; momentum's
    at least 3 times fewer, Adam's at most 3 times; all three converge."""
    scene = _load("c03_zigzag_bowl")
    sgd, mom, adam = _run(scene)
    n_sgd, n_mom, n_adam = (_sign_changes(r.path[:, 1]) for r in (sgd, mom, adam))
    assert n_sgd >= 10, n_sgd
    assert n_mom <= n_sgd - 3, (n_mom, n_sgd)
    assert n_adam <= 3, n_adam
    for r in (sgd, mom, adam):
        assert r.diverged_at is None and r.loss[-1] < 1e-8, (r.optimizer, r.loss[-1])


@pytest.mark.parametrize("kappa", [v for v in log_grid(1.0, 1000.0)])
def test_c03_the_suggested_lrs_keep_the_picture_at_every_kappa(kappa):
    """The page's suggestion (`suggest_lr` rounded by `snap_lr`) at every kappa of the slider: SGD's
    lr lies in (1/L, 2/L), so it zig-zags and converges; momentum flips fewer times; Adam hardly."""
    sp = {"kappa": kappa, "theta": 0.0}
    lrs = {}
    for name in ("sgd", "momentum", "adam"):
        spec = next(p for p in OPTIMIZERS[name].hparams if p.name == "lr")
        lrs[name] = snap_lr(optviz.suggest_lr("bowl", name, surface_params=sp), spec.min, spec.max)
    assert 1.5 / kappa < lrs["sgd"] < 2 / kappa
    # the page's default 1 000 steps: at kappa = 1000 the long axis needs about kappa steps (the lesson)
    runs = {n: optviz.run("bowl", n, steps=1000, lr=lr, surface_params=sp) for n, lr in lrs.items()}
    signs = {n: _sign_changes(r.path[:, 1]) for n, r in runs.items()}
    assert signs["sgd"] >= 10 and signs["momentum"] <= signs["sgd"] - 3 and signs["adam"] <= 3, signs
    for r in runs.values():
        assert r.diverged_at is None and r.loss[-1] < 1e-2 * r.loss[0]


def test_c04_momentum_zero_is_gd_and_the_path_grows_with_mu():
    """C4: mu = 0 is bitwise plain GD; the path length grows with mu (0.5 < 0.9 < 0.99)."""
    scene = _load("c04_momentum_coefficient")
    results = _run(scene)
    sgd = results[0]
    by_mu = {r.hyperparams["momentum"]: r for r in results[1:]}
    assert sorted(by_mu) == [0.0, 0.5, 0.9, 0.99]
    np.testing.assert_array_equal(by_mu[0.0].path, sgd.path)
    lengths = [_path_length(by_mu[m]) for m in (0.0, 0.5, 0.9, 0.99)]
    assert lengths == sorted(lengths) and lengths[3] > 5 * lengths[1], lengths


def test_c05_nesterov_overshoots_less_than_momentum():
    """C5: past the minimum along x, Nesterov's largest overshoot is at most 0.85 of momentum's and it
    swings back fewer times; the look-ahead is drawn as arrows with a legend entry."""
    scene = _load("c05_nesterov_lookahead")
    mom, nes = _run(scene)
    assert mom.hyperparams == nes.hyperparams
    side = -np.sign(scene.surfaces.start_point[0])  # the minimum is at 0: overshoot = beyond it
    over = [float(np.max(side * r.path[:, 0])) for r in (mom, nes)]
    assert over[0] > 0.1 and over[1] <= 0.85 * over[0], over
    assert _sign_changes(nes.path[:, 1]) < _sign_changes(mom.path[:, 1])
    fig = SURFACES.figure(scene, [mom, nes])
    (arrow,) = [t for t in fig.data if (t.meta or {}).get("role") == "lookahead"]
    assert "arrow" in list(arrow.marker.symbol) and arrow.showlegend is not False and arrow.name


def test_c06_adagrad_effective_step_decays():
    """C6: AdaGrad's effective step lr / (sqrt(sum g^2) + eps) never grows and ends below a quarter of
    where it was after 20 steps, at about 1/sqrt(t) (log-log slope between -0.7 and -0.3)."""
    scene = _load("c06_adagrad_decay")
    (r,) = _run(scene)
    eff = _effective_step(r)
    ok = np.all(np.isfinite(eff), axis=1)
    assert ok.sum() > 1000, "the gradient vanished: no noise keeps AdaGrad's sum growing"
    t = np.flatnonzero(ok) + 1
    for i in range(2):
        e = eff[ok, i]
        assert np.all(np.diff(e) <= 1e-9 * e[:-1]), "AdaGrad's step grew"
        assert e[-1] < 0.3 * e[20], (e[20], e[-1])
        slope = np.polyfit(np.log(t[t > 100]), np.log(e[t > 100]), 1)[0]
        assert -0.7 < slope < -0.3, slope


def test_c07_rmsprop_keeps_its_step_and_adagrad_stalls():
    """C7: on the same noisy run, RMSProp's effective step at the end is at least 10x AdaGrad's, and
    AdaGrad stays at least 5x farther from the minimum over the last 200 steps."""
    scene = _load("c07_rmsprop_vs_adagrad")
    ada, rms = _run(scene)
    assert ada.hyperparams["lr"] == rms.hyperparams["lr"]
    end = slice(-200, None)
    assert np.nanmean(_effective_step(rms)[end]) > 10 * np.nanmean(_effective_step(ada)[end])
    dist = [float(np.mean(np.hypot(*r.path[end].T))) for r in (ada, rms)]
    assert dist[0] > 5 * dist[1], dist
    assert not rebounds(scene, [ada, rms])  # no climb-back to hide the lesson (the noise keeps v up)


def test_c08_adadelta_eps_sets_the_start_and_every_run_descends():
    """C8: AdaDelta runs with lr = 1 and its own rho and eps; eps = 1e-4 starts about 10x faster than
    eps = 1e-6 (first step: about sqrt(eps / (1 - rho))), and every run lowers f at least 5x."""
    scene = _load("c08_adadelta")
    results = _run(scene)
    assert all(r.optimizer == "adadelta" and r.hyperparams["lr"] == 1.0 for r in results)
    slow = min(results, key=lambda r: r.hyperparams["eps"])
    fast = max(
        (r for r in results if r.hyperparams["rho"] == slow.hyperparams["rho"]), key=lambda r: r.hyperparams["eps"]
    )
    first = [float(np.hypot(*(r.path[1] - r.path[0]))) for r in (slow, fast)]
    assert first[1] > 5 * first[0], first
    assert len({r.hyperparams["rho"] for r in results}) == 2
    for r in results:
        assert r.loss[-1] < r.loss[0] / 5, r.hyperparams


def test_c09_bias_correction_first_step():
    """C9: with bias correction Adam's first step is exactly lr per coordinate; without it about
    (1 - beta1) / sqrt(1 - beta2) = 3.16 times lr; the runs differ early, not in the end."""
    scene = _load("c09_adam_bias_correction")
    on, off = _run(scene)
    assert on.hyperparams["bias_correction"] and not off.hyperparams["bias_correction"]
    lr, b1, b2 = on.hyperparams["lr"], on.hyperparams["beta1"], on.hyperparams["beta2"]
    np.testing.assert_allclose(np.abs(on.path[1] - on.path[0]), lr, rtol=1e-6)
    np.testing.assert_allclose(np.abs(off.path[1] - off.path[0]), lr * (1 - b1) / math.sqrt(1 - b2), rtol=1e-4)
    early = [float(np.sum(np.hypot(*np.diff(r.path[:21], axis=0).T))) for r in (on, off)]
    assert early[1] > 1.5 * early[0], early
    assert on.loss[-1] < 1e-8 and off.loss[-1] < 1e-8


def test_c10_saddle_noise_escapes_and_exact_gradients_stall():
    """C10: with the scene's noise every run leaves the saddle downhill ("escaped", not "diverged",
    the loss axis readable); with sigma = 0 every run stays on the ridge and ends at the saddle."""
    scene = _load("c10_saddle_escape")
    assert scene.surfaces.surface in UNBOUNDED_BELOW
    noisy = _run(scene)
    assert [run_outcome("saddle", r) for r in noisy] == ["escaped"] * len(noisy)
    fig = SURFACES.figure(scene, noisy)
    roles = [(t.meta or {}).get("role") for t in fig.data]
    assert "escaped" in roles and "diverged" not in roles
    lo, hi = fig.layout.yaxis2.range
    assert lo > -100 and hi < 100  # the runs in the plot, not -1e5
    assert all(row["diverged"] == F.surfaces.ESCAPED_TEXT for row in F.results_table(scene, noisy))
    exact = _run(_with(scene, noise=0.0))
    for r in exact:
        assert run_outcome("saddle", r) == "ran"
        assert np.max(np.abs(r.path[:, 1])) < 1e-9 and np.hypot(*r.path[-1]) < 0.05, r.path[-1]


def test_c11_gradient_descent_stops_in_a_local_minimum():
    """C11: on Rastrigin each run ends at a stationary point with a positive definite Hessian (a
    minimum) whose value is far above f* = 0; on the convex bowl, from the same start, the same
    optimizers (at their suggested lr) reach the minimum."""
    scene = _load("c11_convex_vs_nonconvex")
    surf = SURFACE_REGISTRY[scene.surfaces.surface]
    for r in _run(scene):
        x, y = r.path[-1]
        g = np.hypot(*surf.grad(x, y))
        hxx, hxy, hyy = (float(v) for v in surf.hess(x, y))
        assert g < 1e-2 and np.all(np.linalg.eigvalsh([[hxx, hxy], [hxy, hyy]]) > 0), (r.optimizer, g)
        assert r.loss[-1] > F.lowest_minimum(surf) + 10
    bowl = SurfacesConfig(
        surface="bowl",
        start=(-2.9, 2.9),
        steps=scene.surfaces.steps,
        optimizers=tuple(
            OptimizerSpec(o.name, (*[(k, v) for k, v in o.hyperparams if k != "lr"], ("lr", _BOWL_LR[o.name])))
            for o in scene.surfaces.optimizers
        ),
    )
    for r in _run(replace(scene, surfaces=bowl)):
        assert r.loss[-1] < 1e-6, r.optimizer


_BOWL_LR = {"sgd": 0.17, "momentum": 0.01}  # the page's suggestions on the kappa = 10 bowl


def test_c12_newton_one_step_to_the_bowls_minimum():
    """C12: Newton with lr = 1 lands on the quadratic's minimum in one step; GD needs over 100."""
    scene = _load("c12_newton")
    sgd, newton = _run(scene)
    assert newton.loss[1] < 1e-20 and np.hypot(*newton.path[1]) < 1e-10
    hit = np.flatnonzero(sgd.loss < 1e-6)
    assert sgd.diverged_at is None and (hit.size == 0 or hit[0] > 100)


def test_c13_random_searches_go_downhill_slower_than_gd():
    """C13: random search and random local search keep the best point so far (f never rises), both
    lower f at least 100x, and both end far above gradient descent."""
    scene = _load("c13_random_search")
    sgd, rs, rls = _run(scene)
    for r in (rs, rls):
        assert np.all(np.diff(r.loss) <= 0), r.optimizer
        assert r.loss[-1] < r.loss[0] / 100
        assert r.loss[-1] > 1e6 * max(sgd.loss[-1], 1e-300)
    assert rls.loss[-1] < rs.loss[-1]  # the local walk beats blind sampling on a smooth bowl


def test_c17_exponential_decay_settles_noisy_sgd():
    """C17: the lr of every step is lr0 * r^(t / T) (the curve in the 'Learning rate' tab), and the
    decay lowers the loss over the last 100 steps at least 10x against a constant lr."""
    scene = _load("c17_lr_schedule")
    sched = scene.surfaces.schedule
    assert sched.name == "exponential"
    decayed = _run(scene)
    constant = _run(_with(scene, schedule=Schedule()))
    for d, c in zip(decayed, constant):
        t = np.arange(len(d.lr))
        np.testing.assert_allclose(d.lr, d.hyperparams["lr"] * sched.decay_rate ** (t / sched.decay_steps), rtol=1e-12)
        assert np.mean(d.loss[-100:]) * 10 < np.mean(c.loss[-100:]), d.optimizer
    fig = SURFACES.figure(scene, decayed, "lr")
    assert fig.layout.yaxis.type == "log" and all("10" in str(t) for t in fig.layout.yaxis.ticktext)


# ----------------------------------------------------------------------------- the page's diagnoses


def test_unbounded_below_is_said_in_one_place_and_true():
    for name, surf in SURFACE_REGISTRY.items():
        if name in UNBOUNDED_BELOW:
            assert not surf.minima
            t = np.array([1e2, 1e4, 1e6])
            values = np.min([surf.f(a * t, b * t) for a, b in ((1, 0), (-1, 0), (0, 1), (0, -1))], axis=0)
            assert np.all(np.diff(values) < 0) and values[-1] < -1e10, name
        else:
            assert surf.minima, name


def test_rebound_is_found_where_rmsprop_climbs_back():
    """RMSProp on the noiseless bowl converges to ~1e-16 and climbs back to ~1e-5: `rebounds` names it."""
    scene = Scene(
        surfaces=SurfacesConfig(
            surface="bowl",
            steps=3000,
            optimizers=(OptimizerSpec("adagrad", (("lr", 0.05),)), OptimizerSpec("rmsprop", (("lr", 0.05),))),
        )
    )
    results = _run(scene)
    found = rebounds(scene, results)
    assert [k for k, *_ in found] == [1]
    k, low, final, step = found[0]
    assert final > 100 * low and step < 3000


# ----------------------------------------------------------------------------- C31 hyperparameter search


def test_c31_grid_and_random_search_map():
    """C31: a 24 x 24 grid of lr x mu (momentum, Rosenbrock) and 30 random tries over the same box.

    The grid's best cell is what a direct `optviz.run` at its values gives; the grid (576 runs) finds
    a final loss >= 1e4x below the random search's best (measured 1.8e5x: the good band is thin),
    while the random best still beats >= 90 % of the grid's cells (measured 97 %); >= 100 cells
    diverge (measured 134), each marked.  Checked once to fail with the effect removed: with the
    scene's steps at 100 the grid's best no longer reaches 1e-6."""
    from optviz.figures.hpmap import hpmap_figure
    from optviz.runs.hpmap import SCENE_MAPS, hyperparameter_map
    from optviz.views.surfaces import default_figure, hpmap_of

    scene = _load("c31_hyperparameter_search")
    sentences = [s for s in scene.display.caption.split(". ") if s.strip()]
    assert 2 <= len(sentences) <= 3 and scene.display.title.startswith("C31")
    s = scene.surfaces
    spec = SCENE_MAPS["c31_hyperparameter_search"]
    m = hyperparameter_map(scene, spec)
    assert m.loss.shape == m.steps.shape == m.diverged.shape == (24, 24) and m.sample_lr.shape == (30,)
    assert m.lr_log and not m.h2_log and m.h2 == "momentum"
    np.testing.assert_allclose(np.diff(np.log(m.lr)), np.log(m.lr[1] / m.lr[0]))
    assert spec.lr_range[0] <= m.sample_lr.min() and m.sample_lr.max() <= spec.lr_range[1]

    def direct(hps: dict[str, float]) -> Result:
        return optviz.run(s.surface, "momentum", **s.run_options(), **hps)

    i, j = m.best_cell
    r = direct(m.cell_hyperparams(i, j))
    assert r.diverged_at is None and abs(r.loss[-1] - m.loss[i, j]) <= 1e-12
    assert m.loss[i, j] < 1e-6 and m.steps[i, j] == np.flatnonzero(r.loss <= 1e-3)[0]
    k = m.best_sample
    assert abs(direct(m.sample_hyperparams(k)).loss[-1] - m.sample_loss[k]) <= 1e-12
    assert m.sample_loss[k] >= 1e4 * m.loss[i, j]
    worse = np.where(np.isfinite(m.loss), m.loss, np.inf) > m.sample_loss[k]
    assert worse.mean() >= 0.9

    # diverged cells: NaN loss and steps, marked, and a direct run there diverges
    assert m.diverged.sum() >= 100 and np.all(np.isnan(m.loss[m.diverged])) and np.all(np.isfinite(m.loss[~m.diverged]))
    for a, b in np.argwhere(m.diverged)[:: max(1, int(m.diverged.sum()) // 5)]:
        assert direct(m.cell_hyperparams(a, b)).diverged_at is not None
    fig = hpmap_figure(scene, m)
    marks = [t for t in fig.data if (t.meta or {}).get("role") == "hpmap_diverged"]
    assert marks and all(len(t.x) == m.diverged.sum() for t in marks) and marks[0].showlegend

    # the shipped scene is drawn (and exported) as the map; its race shows the two bests
    assert default_figure(scene) == "hpmap" and default_figure(_with(scene, steps=400)) == "scene"
    assert hpmap_of(scene).loss[i, j] == m.loss[i, j]
    assert [o.kwargs for o in s.optimizers] == [m.cell_hyperparams(i, j), m.sample_hyperparams(k)]
