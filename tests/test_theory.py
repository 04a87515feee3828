"""`optviz.theory` against its formulas and against measured runs (Goh, "Why Momentum Really Works",
Distill 2017), and its overlay on the page."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

import optviz
from optviz.config import OptimizerSpec, Scene, SurfacesConfig
from optviz.figures import surfaces as FS
from optviz.runs.surfaces import run_scene
from optviz.theory import (
    bowl_theory,
    gd_rate,
    heavy_ball_rate,
    hessian_eigenvalues,
    local_lr_limit,
    predicted_loss,
)
from tests.conftest import assert_page_ok, run_app

KAPPAS = (1.0, 2.0, 10.0, 100.0, 1000.0)


@pytest.mark.parametrize("kappa", KAPPAS)
def test_bowl_numbers_match_the_textbook_forms(kappa: float) -> None:
    th = bowl_theory(kappa)
    assert (th.lambda_min, th.lambda_max) == (1.0, kappa)
    assert th.lr_max == pytest.approx(2 / kappa)
    assert th.lr_opt == pytest.approx(2 / (1 + kappa))
    assert th.rate_opt == pytest.approx((kappa - 1) / (kappa + 1))
    sk = math.sqrt(kappa)
    assert th.hb_lr == pytest.approx((2 / (1 + sk)) ** 2)
    assert th.hb_momentum == pytest.approx(((sk - 1) / (sk + 1)) ** 2)
    assert th.hb_rate == pytest.approx((sk - 1) / (sk + 1))
    # GD's contraction at lr_opt is the worst of its two eigen-directions, equal in both
    assert max(abs(1 - th.lr_opt * lam) for lam in (th.lambda_min, th.lambda_max)) == pytest.approx(th.rate_opt)


@pytest.mark.parametrize("kappa", [10.0, 100.0])
@pytest.mark.parametrize("theta", [0.0, 0.7])
def test_bowl_hessian_eigenvalues_are_the_theorys_everywhere(kappa: float, theta: float) -> None:
    th = bowl_theory(kappa)
    sp = {"kappa": kappa, "theta": theta}
    for point in [(0.0, 0.0), (-2.5, 1.5), (1.3, -0.4)]:
        lo, hi = hessian_eigenvalues("bowl", point, sp)
        assert (lo, hi) == pytest.approx((th.lambda_min, th.lambda_max), rel=1e-12)
        assert local_lr_limit("bowl", point, sp) == pytest.approx(th.lr_max)


def test_rosenbrock_hessian_at_the_minimum() -> None:
    expected = np.linalg.eigvalsh(np.array([[802.0, -400.0], [-400.0, 200.0]]))
    assert hessian_eigenvalues("rosenbrock", (1.0, 1.0)) == pytest.approx(tuple(expected), rel=1e-12)
    assert local_lr_limit("rosenbrock", (1.0, 1.0)) == pytest.approx(2 / expected[1])


def test_no_limit_without_upward_curvature() -> None:
    assert local_lr_limit("monkey_saddle", (0.0, 0.0)) is None  # zero Hessian
    assert local_lr_limit("saddle", (0.0, 0.0)) == pytest.approx(1.0)  # eigenvalues -2, 2


@pytest.mark.parametrize("kappa", [0.5, 0.0, -1.0, float("nan"), float("inf"), "10", True])
def test_bad_kappa_is_refused_by_name(kappa: object) -> None:
    with pytest.raises(ValueError, match="kappa"):
        bowl_theory(kappa)  # type: ignore[arg-type]


@pytest.mark.parametrize("point", [(float("nan"), 0.0), (0.0, float("inf")), (1.0,), "xy", None, ("a", 1.0)])
def test_bad_point_is_refused_by_name(point: object) -> None:
    with pytest.raises(ValueError, match="point"):
        hessian_eigenvalues("bowl", point)  # type: ignore[arg-type]


def _rate(result: optviz.Result, first: int, last: int) -> float:
    """The geometric mean of the per-step contraction of the distance to the minimum (0, 0)."""
    d = np.linalg.norm(result.path, axis=1)
    return float((d[last] / d[first]) ** (1.0 / (last - first)))


@pytest.mark.parametrize("kappa", [10.0, 100.0])
def test_measured_gd_rate_at_lr_opt(kappa: float, warm_jit: None) -> None:
    th = bowl_theory(kappa)
    r = optviz.run("bowl", "sgd", steps=200, surface_params={"kappa": kappa}, lr=th.lr_opt)
    assert r.diverged_at is None
    assert _rate(r, 20, 200) == pytest.approx(th.rate_opt, rel=0.02)


@pytest.mark.parametrize("kappa", [10.0, 100.0])
def test_measured_heavy_ball_rate_at_the_optimum(kappa: float, warm_jit: None) -> None:
    # The rate is asymptotic: at the optimum the error decays like t·rateᵗ, so measure over a long
    # window (the factor (400/50)^(1/350) is 0.6 %); 400 steps at kappa 10 leave 1e-114, still normal.
    th = bowl_theory(kappa)
    r = optviz.run("bowl", "momentum", steps=400, surface_params={"kappa": kappa}, lr=th.hb_lr, momentum=th.hb_momentum)
    assert r.diverged_at is None
    assert _rate(r, 50, 400) == pytest.approx(th.hb_rate, rel=0.05)
    # and it is much faster than GD at its best
    assert th.hb_rate < th.rate_opt


@pytest.mark.parametrize("kappa", [10.0, 100.0])
def test_gd_stability_limit(kappa: float, warm_jit: None) -> None:
    th = bowl_theory(kappa)
    sp = {"kappa": kappa}
    above = optviz.run("bowl", "sgd", steps=3000, surface_params=sp, lr=1.02 * th.lr_max)
    below = optviz.run("bowl", "sgd", steps=3000, surface_params=sp, lr=0.98 * th.lr_max)
    assert above.diverged_at is not None
    assert below.diverged_at is None
    assert np.linalg.norm(below.final) < 1e-6 * np.linalg.norm(below.path[0])


def test_page_shows_the_bowl_theory_and_sets_the_optimal_lr(warm_jit: None) -> None:
    th = bowl_theory(10.0)
    at = run_app({"surface": "bowl", "sp": "kappa=10.0,theta=0.0", "opt": "sgd:lr=0.01;momentum:lr=0.01,momentum=0.9"})
    assert_page_ok(at)
    captions = [c.value for c in at.sidebar.caption]
    assert any(f"{th.lr_opt:.4g}" in c and f"{th.hb_lr:.4g}" in c for c in captions), captions
    assert any("2/λmax" in c and f"{th.lr_max:.4g}" in c for c in captions), captions
    sgd, mom = at.session_state["slots"]
    assert (at.session_state[f"o{sgd}_name"], at.session_state[f"o{mom}_name"]) == ("sgd", "momentum")
    at.button(key="theory_optimal").click().run()
    assert_page_ok(at)
    assert at.session_state[f"o{sgd}_sgd_lr"] == pytest.approx(th.lr_opt)
    assert at.select_slider(key=f"o{sgd}_sgd_lr").value == pytest.approx(th.lr_opt)
    assert at.select_slider(key=f"o{mom}_momentum_lr").value == pytest.approx(th.hb_lr)
    assert at.select_slider(key=f"o{mom}_momentum_momentum").value == pytest.approx(th.hb_momentum)


# ----------------------------------------------------------------------------- rates for any lr, μ


@pytest.mark.parametrize("kappa", KAPPAS)
def test_rates_at_the_optima_are_the_bowls(kappa: float) -> None:
    th = bowl_theory(kappa)
    lams = (th.lambda_min, th.lambda_max)
    assert gd_rate(th.lr_opt, lams) == pytest.approx(th.rate_opt, rel=1e-12, abs=1e-15)
    # at (α*, β*) both eigenvalues of R are double roots: sqrt of a rounding-level discriminant
    assert heavy_ball_rate(th.hb_lr, th.hb_momentum, lams) == pytest.approx(th.hb_rate, rel=1e-6, abs=1e-7)
    # no momentum is gradient descent
    assert heavy_ball_rate(0.05, 0.0, lams) == pytest.approx(gd_rate(0.05, lams))


def test_heavy_ball_rate_is_the_spectral_radius_of_its_iteration_matrix() -> None:
    rng = np.random.default_rng(0)
    for _ in range(50):
        alpha, beta, lam = rng.uniform(0.01, 0.5), rng.uniform(0.0, 0.99), rng.uniform(0.5, 20.0)
        r = np.array([[beta, lam], [-alpha * beta, 1 - alpha * lam]])
        rho = float(np.max(np.abs(np.linalg.eigvals(r))))
        assert heavy_ball_rate(alpha, beta, [lam]) == pytest.approx(rho, rel=1e-6)


def test_predicted_loss() -> None:
    steps = np.arange(5)
    np.testing.assert_allclose(predicted_loss(3.0, 0.5, steps), 3.0 * 0.25**steps)
    assert predicted_loss(2.0, 0.9, np.array([0]))[0] == 2.0


def _measured_rate(result: optviz.Result) -> float:
    """The asymptotic contraction of the distance to the minimum: the slope of log distance over the
    last three quarters of the run, through the largest distance of every 10 steps (heavy ball's
    error turns like cos(ωt) under its envelope; the maxima follow the envelope, the zeros would not)."""
    d = np.linalg.norm(result.path, axis=1)
    n, w = len(d) - 1, 10
    ts, logs = [], []
    for a in range(n // 4, n - w + 1, w):
        i = a + int(np.argmax(d[a : a + w]))
        ts.append(i)
        logs.append(math.log(d[i]))
    return math.exp(np.polyfit(ts, logs, 1)[0])


def test_measured_rates_match_the_predicted_for_random_settings(warm_jit: None) -> None:
    kappa = 10.0
    lams = (1.0, kappa)
    rng = np.random.default_rng(1)
    checked = {"sgd": 0, "momentum": 0}
    for trial in range(24):
        opt = "sgd" if trial % 2 == 0 else "momentum"
        lr, mu = float(rng.uniform(0.01, 0.3)), float(rng.uniform(0.0, 0.95))
        rate = gd_rate(lr, lams) if opt == "sgd" else heavy_ball_rate(lr, mu, lams)
        if rate >= 0.999:
            continue
        # long enough for ~1e-87 of the start (measurable), short enough to stay a normal float
        steps = int(min(4000, max(400, 200 / -math.log(rate))))
        hp = {"lr": lr} if opt == "sgd" else {"lr": lr, "momentum": mu}
        r = optviz.run("bowl", opt, steps=steps, surface_params={"kappa": kappa}, **hp)
        if r.diverged_at is not None:
            continue
        assert _measured_rate(r) == pytest.approx(rate, rel=0.005), (opt, lr, mu)
        checked[opt] += 1
    assert min(checked.values()) >= 5, checked


# ----------------------------------------------------------------------------- on the loss plot


def _bowl_scene(kappa: float, steps: int, *optimizers: OptimizerSpec, surface: str = "bowl") -> Scene:
    sp = (("kappa", kappa), ("theta", 0.0)) if surface == "bowl" else ()
    return Scene(surfaces=SurfacesConfig(surface=surface, surface_params=sp, steps=steps, optimizers=optimizers))


def _theory_traces(fig) -> list:
    ts = [t for t in fig.data if isinstance(t.meta, dict) and t.meta.get("role") == "loss_theory"]
    return sorted(ts, key=lambda t: t.meta["index"])


def test_loss_plot_draws_the_predicted_loss_on_the_bowl(warm_jit: None) -> None:
    # kappa 1000: over 200 steps both predicted lines stay above the measured losses' floor
    th = bowl_theory(1000.0)
    scene = _bowl_scene(
        1000.0,
        200,
        OptimizerSpec("sgd", (("lr", th.lr_opt),)),
        OptimizerSpec("momentum", (("lr", th.hb_lr), ("momentum", th.hb_momentum))),
    )
    results = run_scene(scene)
    for fig in (FS.scene_figure(scene, results), FS.loss_figure(scene, results)):
        lines = _theory_traces(fig)
        assert [t.meta["index"] for t in lines] == [0, 1]
        (loss_y,) = {t.yaxis for t in fig.data if t.meta.get("role") == "loss"}
        for t, r, rate in zip(lines, results, (th.rate_opt, th.hb_rate)):
            assert t.meta["rate"] == pytest.approx(rate, rel=1e-6)
            assert t.line.dash == "dash" and t.showlegend is False and t.yaxis == loss_y
            assert t.legendgroup == next(
                p.legendgroup for p in fig.data if p.meta.get("role") == "loss" and p.meta["index"] == t.meta["index"]
            )
            x, y = np.asarray(t.x), np.asarray(t.y)
            (at,) = np.flatnonzero(x == 150)
            a = 50  # drawn through the measured loss a quarter of the way in (200 steps)
            # from the anchor (or, where the anchor lies above the axis, from where the line enters it)
            assert x[0] >= a and y[0] == pytest.approx(r.loss[a] * t.meta["rate"] ** (2 * (x[0] - a)), rel=1e-9)
            assert y[at] == pytest.approx(r.loss[a] * t.meta["rate"] ** 200, rel=1e-9)
            assert y[at] == pytest.approx(r.loss[a] * rate**200, rel=1e-5)  # the rate's 1e-8 at the double root
            assert f"{rate:.4g}" in t.hovertemplate
            # clipped to the measured losses' span (the axis), never below the log floor
            assert y.min() >= max(FS.LOG_FLOOR, min(q.loss.min() for q in results)) * (1 - 1e-9)
            # the lecture's point: the measured curve runs along its dashed line (GD at lr_opt
            # contracts both eigen-directions by rate_opt: exactly; heavy ball at (α*, β*) only
            # asymptotically, its error decaying like t·rateᵗ: within the factor (150/50)² = 9)
            assert 1 / 9 <= r.loss[150] / y[at] <= 9
        assert results[0].loss[150] / lines[0].y[100] == pytest.approx(1.0, rel=1e-6)
        slope = (results[1].loss[200] / results[1].loss[100]) ** (1 / 200)
        assert slope == pytest.approx(th.hb_rate, rel=0.03)
        keys = [t for t in fig.data if t.meta.get("role") == "loss_theory_key"]
        assert len(keys) == 1 and keys[0].showlegend is True and "rate²ᵗ" in keys[0].name


def test_no_predicted_loss_off_the_bowl_or_off_the_theory(warm_jit: None) -> None:
    gd = OptimizerSpec("sgd", (("lr", 0.001),))
    scene = _bowl_scene(
        0.0, 100, gd, OptimizerSpec("momentum", (("lr", 0.001), ("momentum", 0.9))), surface="rosenbrock"
    )
    fig = FS.scene_figure(scene, run_scene(scene))
    assert not [t for t in fig.data if str((t.meta or {}).get("role", "")).startswith("loss_theory")]
    # on the bowl: none for Nesterov or Adam, nor for SGD with noise
    bowl = _bowl_scene(10.0, 100, OptimizerSpec("nesterov", (("lr", 0.05),)), OptimizerSpec("adam", (("lr", 0.05),)))
    assert not _theory_traces(FS.scene_figure(bowl, run_scene(bowl)))
    noisy = replace(bowl, surfaces=replace(_bowl_scene(10.0, 100, gd).surfaces, noise=0.1))
    assert not _theory_traces(FS.scene_figure(noisy, run_scene(noisy)))


# ----------------------------------------------------------------------------- the theory on the lr control


def test_lr_marks_are_the_limits_and_optima_of_each_rule() -> None:
    from optviz.runs.hpmap import lr_marks

    th = bowl_theory(10.0)
    sp = {"kappa": 10.0, "theta": 0.0}
    sgd = lr_marks("bowl", sp, (2.0, 1.0), "sgd", {"lr": 0.1})
    assert [(m.kind, m.lr, m.local) for m in sgd] == [("limit", 0.2, False), ("best", th.lr_opt, False)]
    mom = lr_marks("bowl", sp, (2.0, 1.0), "momentum", {"lr": 0.1, "momentum": 0.9})
    assert mom[0].lr == pytest.approx(2 * 1.9 / 10) and mom[1].lr == pytest.approx((2 / (1 + math.sqrt(10))) ** 2)
    nes = lr_marks("bowl", sp, (2.0, 1.0), "nesterov", {"lr": 0.1, "momentum": 0.5})
    assert [m.kind for m in nes] == ["limit"] and nes[0].lr == pytest.approx(2 * 1.5 / (2.0 * 10))
    # Off the bowl: the local quadratic at the start (Rosenbrock's λmax there), and no marks for Adam.
    start = (-1.5, 2.0)
    (local,) = lr_marks("rosenbrock", {}, start, "sgd", {"lr": 1e-3})
    assert local.local and local.lr == pytest.approx(2 / hessian_eigenvalues("rosenbrock", start)[1])
    assert lr_marks("rosenbrock", {}, start, "adam", {"lr": 1e-3}) == []
    assert lr_marks("monkey_saddle", {}, (0.0, 0.0), "sgd", {"lr": 1e-3}) == []  # flat there: no limit


def test_a_run_just_past_the_marked_limit_diverges_and_just_below_converges() -> None:
    from optviz.runs.hpmap import lr_marks

    for name, hp in (("sgd", {}), ("momentum", {"momentum": 0.9}), ("nesterov", {"momentum": 0.9})):
        limit = lr_marks("bowl", {"kappa": 10.0}, (2.0, 1.0), name, hp)[0].lr
        below = optviz.run("bowl", name, steps=3000, lr=limit * 0.98, surface_params={"kappa": 10.0}, **hp)
        above = optviz.run("bowl", name, steps=3000, lr=limit * 1.02, surface_params={"kappa": 10.0}, **hp)
        assert below.diverged_at is None and below.loss[-1] < 1e-6 * below.loss[0], name
        assert above.diverged_at is not None, name


def test_grid_position_places_a_value_between_the_slider_options() -> None:
    from optviz.ui.controls import grid_position

    grid = [0.01, 0.1, 1.0, 10.0]
    assert grid_position(grid, 0.1) == pytest.approx(1 / 3)
    assert grid_position(grid, math.sqrt(0.1)) == pytest.approx(0.5)  # halfway in log between 0.1 and 1
    assert grid_position(grid, 1e-5) == 0.0 and grid_position(grid, 1e5) == 1.0


def test_the_lr_sliders_carry_the_theory_on_the_bowl(warm_jit: None) -> None:
    th = bowl_theory(10.0)
    q = {"surface": "bowl", "sp": "kappa=10.0,theta=0.0", "opt": "sgd:lr=0.01;momentum:lr=0.01,momentum=0.9;adam"}
    at = run_app(q)
    assert_page_ok(at)
    strips = [m.value for m in at.sidebar.markdown if "optviz-lr-theory" in m.value]
    assert len(strips) == 2  # SGD and momentum; Adam has no such theory
    assert "data-limit='0.2'" in strips[0] and "data-limit='0.38'" in strips[1]
    captions = [c.value for c in at.sidebar.caption]
    assert any("lr < 0.2;" in c and f"lr = {th.lr_opt:.3g}" in c for c in captions), captions
    assert any("lr < 0.38;" in c and f"α* = {th.hb_lr:.3g}" in c for c in captions), captions
    # The limit follows the momentum: heavy ball's 2(1 + μ)/λmax.
    mom = at.session_state["slots"][1]
    at.select_slider(key=f"o{mom}_momentum_momentum").set_value(0.5).run()
    strips = [m.value for m in at.sidebar.markdown if "optviz-lr-theory" in m.value]
    assert "data-limit='0.3'" in strips[1]
