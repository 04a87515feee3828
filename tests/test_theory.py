"""`optviz.theory` against its formulas and against measured runs (Goh, "Why Momentum Really Works",
Distill 2017), and its overlay on the page."""

from __future__ import annotations

import math

import numpy as np
import pytest

import optviz
from optviz.theory import bowl_theory, hessian_eigenvalues, local_lr_limit
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
