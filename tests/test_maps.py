"""Maps of many runs (issue 11): hyperparameter maps with the bowl's theory, basins of attraction,
seed bands.  Every number is checked against separate `optviz.run` calls, a formula written here
from the bowl's Hessian, or a reference computed here; never against a value copied from output.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import optviz
from optviz.config import OptimizerSpec, Scene, SurfacesConfig
from optviz.figures.basins import basins_figure
from optviz.figures.hpmap import hpmap_figure
from optviz.figures.seeds import seed_band_figure
from optviz.figures.surfaces import LOG_FLOOR
from optviz.runs.basins import DIVERGED, NOT_CONVERGED, OTHER, basin_radius, basins, differing_cells
from optviz.runs.hpmap import MAX_CELLS, MapSpec, cell_settings, hyperparameter_map, map_theory
from optviz.runs.seeds import loss_quantiles, seed_band, seed_bands
from surfaces import get_surface


@pytest.fixture(autouse=True)
def _warm(warm_jit) -> None:
    pass


def _scene(surface: str, steps: int, *opts: tuple[str, dict[str, float]], **kw: object) -> Scene:
    specs = tuple(OptimizerSpec(n, tuple(h.items())) for n, h in opts)
    return Scene(surfaces=SurfacesConfig(surface=surface, steps=steps, optimizers=specs, **kw))


def _roles(fig, role: str) -> list:
    return [t for t in fig.data if (t.meta or {}).get("role") == role]


def _bowl_eigenvalues(kappa: float, theta: float = 0.0) -> tuple[float, float]:
    """The bowl's Hessian eigenvalues from its analytic Hessian (not from optviz.theory)."""
    hxx, hxy, hyy = (float(h) for h in get_surface("bowl").hess(0.3, -0.2, kappa=kappa, theta=theta))
    lo, hi = np.linalg.eigvalsh([[hxx, hxy], [hxy, hyy]])
    return float(lo), float(hi)


# ----------------------------------------------------------------------------- hyperparameter maps

BOWL = _scene("bowl", 300, ("momentum", {"lr": 0.05, "momentum": 0.9}), surface_params=(("kappa", 10.0),))


def _direct(scene: Scene, m, i: int, j: int) -> optviz.Result:
    """`optviz.run` at cell (i, j), built from `cell_settings` (the click's values) and the scene."""
    cfg = scene.surfaces
    got = cell_settings(m, i, j)
    opts = cfg.run_options()
    hps = {**cfg.optimizers[m.optimizer_index].kwargs, "lr": got["lr"]}
    if m.h2_kind == "hyperparam":
        hps[m.h2] = got[m.h2]
    elif m.h2_kind == "surface":
        opts["surface_params"] = {**opts["surface_params"], m.h2: got[m.h2]}
    else:
        opts["noise"] = got[m.h2]
    return optviz.run(cfg.surface, m.optimizer, **opts, **hps)


@pytest.mark.parametrize(
    "h2, h2_range",
    [("momentum", (0.0, 0.99)), ("kappa", (1.0, 300.0)), ("noise", (0.01, 10.0))],
)
def test_map_cells_are_optviz_run_exactly(h2, h2_range):
    """Grid cells (a diverged one among them) and random samples are what `optviz.run` gives with the
    cell's values, bit for bit: final loss, steps to f* + tol, divergence; and cell_settings round-trips."""
    scene = _scene("bowl", 300, ("momentum", {"lr": 0.05, "momentum": 0.9}), noise=0.0 if h2 != "noise" else 0.5)
    m = hyperparameter_map(scene, MapSpec(h2=h2, cells=7, lr_range=(1e-3, 3.0), h2_range=h2_range, samples=5))
    assert m.diverged.any() and (~m.diverged).any()
    cells = [(0, 0), (3, 4), (6, 6), (5, 1), tuple(np.argwhere(m.diverged)[0]), tuple(np.argwhere(~m.diverged)[-1])]
    for i, j in cells:
        r = _direct(scene, m, int(i), int(j))
        assert (r.diverged_at is not None) == bool(m.diverged[i, j])
        if r.diverged_at is None:
            assert m.loss[i, j] == r.loss[-1]
            hit = np.flatnonzero(r.loss - 0.0 <= m.tol)
            assert (m.steps[i, j] == hit[0]) if hit.size else np.isnan(m.steps[i, j])
        else:
            assert np.isnan(m.loss[i, j]) and np.isnan(m.steps[i, j])
        assert cell_settings(m, int(i), int(j)) == {"lr": m.lr[j], h2: m.h2_values[i]}
    cfg = scene.surfaces
    for k in range(m.sample_lr.size):
        opts = cfg.run_options()
        hps = {**cfg.optimizers[0].kwargs, "lr": m.sample_lr[k]}
        if h2 == "momentum":
            hps["momentum"] = m.sample_h2[k]
        elif h2 == "kappa":
            opts["surface_params"] = {"kappa": m.sample_h2[k], "theta": 0.0}
        else:
            opts["noise"] = m.sample_h2[k]
        r = optviz.run("bowl", "momentum", **opts, **hps)
        assert (r.diverged_at is not None) == m.sample_diverged[k]
        assert r.diverged_at is not None or m.sample_loss[k] == r.loss[-1]


def test_log_axes_follow_the_registry():
    """lr, eps and kappa sliders are log, and so is the noise sigma: geometric steps; momentum, beta1
    and theta are linear: even steps."""
    adam = _scene("bowl", 50, ("adam", {"lr": 0.01}))
    for scene, h2, log in [
        (BOWL, "momentum", False),
        (BOWL, "kappa", True),
        (BOWL, "theta", False),
        (BOWL, "noise", True),
        (adam, "eps", True),
        (adam, "beta1", False),
    ]:
        m = hyperparameter_map(scene, MapSpec(h2=h2, cells=5, samples=3))
        assert m.lr_log and m.h2_log == log, h2
        np.testing.assert_allclose(np.diff(np.log(m.lr)), math.log(m.lr[1] / m.lr[0]))
        v = np.log(m.h2_values) if log else m.h2_values
        np.testing.assert_allclose(np.diff(v), v[1] - v[0], rtol=1e-9, atol=1e-12)
        fig = hpmap_figure(scene, m)
        assert fig.layout.xaxis.type == "log" and fig.layout.yaxis.type == ("log" if log else "linear")
        s = m.sample_h2
        assert s.min() >= m.h2_values[0] and s.max() <= m.h2_values[-1]


def test_metric_heatmaps_show_their_values():
    """loss: log10(final f − f*) (floored); steps: the steps to f* + tol; diverged: 1 / 0 per cell.
    On Styblinski-Tang (f* = −78.3) the loss map subtracts f*, so its colours are not all the floor."""
    scene = _scene("styblinski_tang", 200, ("momentum", {"lr": 0.01, "momentum": 0.9}))
    f_star = min(q.f for q in get_surface("styblinski_tang").minima)
    for metric in ("loss", "steps", "diverged"):
        m = hyperparameter_map(scene, MapSpec(h2="momentum", cells=6, lr_range=(1e-3, 0.3), metric=metric))
        (heat,) = [t for t in hpmap_figure(scene, m).data if t.type == "heatmap"]
        z = np.asarray(heat.z, dtype=np.float64)
        if metric == "loss":
            want = np.log10(np.maximum(m.loss - f_star, LOG_FLOOR))
            np.testing.assert_array_equal(z, want)
            # runs in a local minimum (f − f* = 14.1) and runs at the global one, told apart
            assert np.nanmax(z) > 1.0 and np.nanmin(z) < -6
        elif metric == "steps":
            np.testing.assert_array_equal(z, m.steps)
        else:
            np.testing.assert_array_equal(z, m.diverged.astype(float))
            assert m.diverged.any() and not m.diverged.all()
    with pytest.raises(ValueError, match="metric must be one of"):
        MapSpec(metric="speed")


def test_cells_trace_and_current_settings_marker():
    """The "cells" trace has one invisible point per cell, customdata (lr, h2) in row-major order
    (what cell_settings gives), and the current settings are marked at the scene's values, for a
    hyperparameter, a surface parameter and the noise."""
    noisy = _scene(
        "bowl", 100, ("momentum", {"lr": 0.05, "momentum": 0.9}), noise=0.3, surface_params=(("kappa", 30.0),)
    )
    for h2, want in (("momentum", 0.9), ("kappa", 30.0), ("noise", 0.3)):
        m = hyperparameter_map(noisy, MapSpec(h2=h2, cells=4, samples=0))
        fig = hpmap_figure(noisy, m)
        (cells,) = [t for t in fig.data if t.name == "cells"]
        assert cells.meta["role"] == "hpmap_cells" and cells.marker.opacity == 0 and cells.hovertemplate
        cd = np.asarray(cells.customdata)
        assert cd.shape == (16, 2)
        for i in range(4):
            for j in range(4):
                assert tuple(cd[i * 4 + j]) == tuple(cell_settings(m, i, j).values())
        (now,) = _roles(fig, "hpmap_current")
        assert list(now.x) == [0.05] and list(now.y) == [want] and "current settings" in now.name
    with pytest.raises(ValueError, match="row"):
        cell_settings(m, 4, 0)
    with pytest.raises(ValueError, match="column"):
        cell_settings(m, 0, -1)


def test_bad_map_settings_raise():
    with pytest.raises(ValueError, match="cells must be"):
        MapSpec(cells=MAX_CELLS + 1)
    with pytest.raises(ValueError, match="second axis"):
        hyperparameter_map(BOWL, MapSpec(h2="beta1"))
    with pytest.raises(ValueError, match="second axis"):  # kappa is the bowl's, not Rosenbrock's
        hyperparameter_map(_scene("rosenbrock", 10, ("momentum", {})), MapSpec(h2="kappa"))
    with pytest.raises(ValueError, match="noise range"):  # a log axis starts above 0
        hyperparameter_map(BOWL, MapSpec(h2="noise", h2_range=(0.0, 1.0)))
    with pytest.raises(ValueError, match="has none"):
        hyperparameter_map(_scene("bowl", 10, ("random_search", {})))


# ----------------------------------------------------------------------------- the bowl's theory


def test_bowl_theory_lines_are_at_their_formulas():
    """On the bowl (κ = 10, and with l2 = 0.5) the curves drawn are, point by point, the heavy ball's
    limit 2(1 + μ)/λmax, GD's 2/λmax and its fastest lr 2/(λmin + λmax), with λ the Hessian's
    eigenvalues (+ l2); the optimum is Goh's α* = (2/(√λmax + √λmin))², β* = ((√κ − 1)/(√κ + 1))²."""
    lam_lo, lam_hi = _bowl_eigenvalues(10.0)
    m = hyperparameter_map(BOWL, MapSpec(h2="momentum", cells=5, lr_range=(1e-3, 1.0), h2_range=(0.0, 0.99)))
    marks = {k.role: k for k in map_theory(m)}
    assert set(marks) == {"limit", "gd_limit", "optimum"}
    np.testing.assert_allclose(marks["limit"].lr, 2 * (1 + marks["limit"].h2) / lam_hi, rtol=1e-12)
    assert marks["limit"].h2[0] == 0.0 and marks["limit"].h2[-1] == 0.99
    assert marks["gd_limit"].value == pytest.approx(2 / lam_hi, rel=1e-12)
    alpha = (2 / (math.sqrt(lam_hi) + math.sqrt(lam_lo))) ** 2
    beta = ((math.sqrt(10) - 1) / (math.sqrt(10) + 1)) ** 2
    assert marks["optimum"].lr[0] == pytest.approx(alpha, rel=1e-12)
    assert marks["optimum"].h2[0] == pytest.approx(beta, rel=1e-12)
    assert marks["optimum"].rate == pytest.approx(math.sqrt(beta), rel=1e-12)
    fig = hpmap_figure(BOWL, m)
    drawn = {t.meta["kind"]: t for t in _roles(fig, "hpmap_theory")}
    np.testing.assert_allclose(drawn["limit"].x, 2 * (1 + np.asarray(drawn["limit"].y)) / lam_hi, rtol=1e-12)
    assert list(drawn["optimum"].x) == [marks["optimum"].lr[0]]

    # lr x kappa: the curves over kappa, with coupled L2 adding l2 to both eigenvalues
    l2 = _scene("bowl", 100, ("sgd", {"lr": 0.05}), l2=0.5)
    mk = hyperparameter_map(l2, MapSpec(h2="kappa", cells=4, samples=0))
    marks = {k.role: k for k in map_theory(mk)}
    assert set(marks) == {"gd_limit", "lr_opt"}  # SGD's own limit is GD's
    lam = np.array([_bowl_eigenvalues(k)[1] for k in marks["gd_limit"].h2]) + 0.5
    np.testing.assert_allclose(marks["gd_limit"].lr, 2 / lam, rtol=1e-12)
    np.testing.assert_allclose(marks["lr_opt"].lr, 2 / (lam + 1.5), rtol=1e-12)

    # lr x anything else: vertical lines; off the bowl, with a schedule or clipping: no theory
    mn = hyperparameter_map(BOWL, MapSpec(h2="noise", cells=3, samples=0))
    marks = {k.role: k for k in map_theory(mn)}
    assert marks["limit"].value == pytest.approx(2 * 1.9 / lam_hi) and marks["lr_opt"].value == pytest.approx(2 / 11)
    assert list(marks["gd_limit"].h2) == [mn.h2_values[0], mn.h2_values[-1]]
    ros = _scene("rosenbrock", 50, ("momentum", {"lr": 1e-3}))
    clipped = _scene("bowl", 50, ("momentum", {"lr": 0.05}), clip_norm=1.0)
    for scene in (ros, clipped):
        assert map_theory(hyperparameter_map(scene, MapSpec(cells=3, samples=0))) == []


@pytest.mark.parametrize("optimizer", ["momentum", "nesterov"])
def test_runs_inside_the_boundary_converge_outside_diverge(optimizer):
    """Measured in the map's own cells (500 steps, 40 x 40 on κ = 10): every cell at least 3 % inside
    the theory's boundary runs to the end, with a final loss below the start's; every cell at least
    3 % outside diverges.  Nesterov's boundary 2(1 + μ)/((1 + 2μ)λmax) is not the heavy ball's: at
    μ = 0.9 it is 2.6x lower, and the map agrees.  Checked to fail with the heavy ball's formula
    drawn for Nesterov (cells inside it diverge)."""
    scene = _scene("bowl", 500, (optimizer, {"lr": 0.05, "momentum": 0.9}), surface_params=(("kappa", 10.0),))
    m = hyperparameter_map(scene, MapSpec(h2="momentum", cells=40, lr_range=(0.01, 2.0), h2_range=(0.0, 0.95)))
    (limit,) = [k for k in map_theory(m) if k.role == "limit"]
    f0 = get_surface("bowl").f(*scene.surfaces.start_point, kappa=10.0)
    n_in = n_out = 0
    for i, mu in enumerate(m.h2_values):
        edge = float(np.interp(mu, limit.h2, limit.lr))
        inside, outside = m.lr <= edge / 1.03, m.lr >= edge * 1.03
        assert not m.diverged[i, inside].any() and np.all(m.loss[i, inside] < f0)
        assert m.diverged[i, outside].all()
        n_in, n_out = n_in + inside.sum(), n_out + outside.sum()
    assert n_in > 300 and n_out > 300


def test_the_grid_best_is_at_the_heavy_balls_optimum():
    """The measured optimum: on a 33 x 33 map around it, the grid's best cell is the cell nearest
    Goh's (α*, β*), or its neighbour (500 steps, κ = 10)."""
    lam_lo, lam_hi = _bowl_eigenvalues(10.0)
    alpha = (2 / (math.sqrt(lam_hi) + math.sqrt(lam_lo))) ** 2
    beta = ((math.sqrt(10) - 1) / (math.sqrt(10) + 1)) ** 2
    m = hyperparameter_map(BOWL, MapSpec(h2="momentum", cells=33, lr_range=(0.05, 1.0), h2_range=(0.0, 0.8)))
    i, j = m.best_cell
    assert abs(j - np.argmin(abs(np.log(m.lr / alpha)))) <= 1 and abs(i - np.argmin(abs(m.h2_values - beta))) <= 1


# ----------------------------------------------------------------------------- basins of attraction

HIMMELBLAU = _scene(
    "himmelblau", 300, ("sgd", {"lr": 0.01}), ("momentum", {"lr": 0.002, "momentum": 0.9}), ("sgd", {"lr": 0.05})
)


@pytest.fixture(scope="module")
def himmelblau_basins():
    return [basins(HIMMELBLAU, k, cells=40) for k in range(3)]


def test_basins_cells_are_optviz_run(himmelblau_basins):
    """A cell's final point is `optviz.run`'s from that start; its code is the listed minimum within
    the radius; its steps the settling time computed here from the run's loss (momentum's runs
    touch the tol band and leave it again: settling is later than the first touch, checked to fail
    with the first touch)."""
    surf = get_surface("himmelblau")
    r_min = basin_radius("himmelblau")
    assert r_min == pytest.approx(0.5)  # 5 % of the plot: the minima are 3.9 apart
    touched_early = 0
    for b in himmelblau_basins[:2]:
        hps = HIMMELBLAU.surfaces.optimizers[b.optimizer_index].kwargs
        for i, j in [
            (0, 0),
            (5, 33),
            (20, 20),
            (39, 7),
            (12, 28),
            *[(k % 40, (7 * k) % 40) for k in range(0, 1600, 97)],
        ]:
            r = optviz.run("himmelblau", b.optimizer, start=(b.xs[j], b.ys[i]), steps=300, **hps)
            np.testing.assert_array_equal(b.final[i, j], r.final)
            d = [math.hypot(r.final[0] - q.x, r.final[1] - q.y) for q in surf.minima]
            k = int(np.argmin(d))
            assert b.minimum[i, j] == (k if d[k] <= r_min else NOT_CONVERGED)
            within = r.loss - surf.minima[k].f <= b.tol
            settle = 0 if within.all() else np.flatnonzero(~within)[-1] + 1
            np.testing.assert_equal(b.steps[i, j], settle if settle <= 300 else np.nan)  # 301: never settled
            touched_early += bool(within.any() and np.argmax(within) < settle <= 300)
    assert touched_early >= 3


def test_himmelblau_four_basins_and_momentum_moves_them(himmelblau_basins):
    """From a start next to each minimum the run reaches that minimum; all four basins appear with
    at least 15 % of the starts each; momentum (μ = 0.9, the same lr/(1 − μ)) ends elsewhere from
    >= 15 % of the starts (measured 17.6 % on 64 x 64, 16-18 % on 40 x 40).  Checked to fail with
    momentum 0 in the second run (0.3 % differ)."""
    sgd, mom, _ = himmelblau_basins
    surf = get_surface("himmelblau")
    for k, q in enumerate(surf.minima):
        near = np.hypot(*np.meshgrid(sgd.xs - q.x, sgd.ys - q.y)) <= 0.6
        assert near.any() and np.all(sgd.minimum[near] == k) and np.all(mom.minimum[near] == k)
    n = sgd.minimum.size
    assert all(sgd.counts[k] >= 0.15 * n and mom.counts[k] >= 0.15 * n for k in range(4))
    assert sgd.counts[DIVERGED] == sgd.counts[OTHER] == 0
    assert differing_cells(sgd, mom) >= 0.15


def test_diverged_and_not_converged_cells(himmelblau_basins):
    """SGD at lr 0.05 on Himmelblau: the diverged cells are those whose `optviz.run` diverges (or ends
    outside the plot); lr 0.02 > 2/λmax = 0.015 at (−3.78, −3.28) keeps bouncing there: not converged."""
    big = himmelblau_basins[2]
    div = np.argwhere(big.minimum == DIVERGED)
    assert len(div) > 50
    for i, j in div[:: len(div) // 6]:
        r = optviz.run("himmelblau", "sgd", start=(big.xs[j], big.ys[i]), steps=300, lr=0.05)
        (x0, x1), (y0, y1) = get_surface("himmelblau").bounds
        assert r.diverged_at is not None or not (x0 <= r.final[0] <= x1 and y0 <= r.final[1] <= y1)
    bounce = basins(_scene("himmelblau", 300, ("sgd", {"lr": 0.02})), cells=16)
    assert bounce.counts[NOT_CONVERGED] > 0 and bounce.counts[2] < bounce.counts[0]


def test_rastrigin_unlisted_minima_are_other():
    """Rastrigin lists 5 of its minima: a run ending at another one (small gradient, positive
    curvature) is OTHER, not 'not converged'; its final point is next to an integer lattice point."""
    b = basins(_scene("rastrigin", 300, ("sgd", {"lr": 0.002})), cells=20)
    other = b.minimum == OTHER
    assert other.sum() > 0.8 * other.size and b.counts[NOT_CONVERGED] == 0
    f = b.final[other]
    assert np.all(np.abs(f - np.round(f)) < 0.05)
    assert all(b.counts[k] > 0 for k in range(5))


def test_basins_figure(himmelblau_basins):
    """Two panels on the same ranges with 1:1 axes; a legend entry per minimum naming its
    coordinates; the categorical layer is the codes; the steps mode draws the steps."""
    sgd, mom, _ = himmelblau_basins
    fig = basins_figure(HIMMELBLAU, [sgd, mom])
    assert fig.layout.yaxis.scaleanchor == "x" and fig.layout.yaxis2.scaleanchor == "x2"
    assert list(fig.layout.xaxis.range) == list(fig.layout.xaxis2.range) == [-5.0, 5.0]
    names = [t.name for t in _roles(fig, "basins_key")]
    assert names[0].startswith("A  (3, 2)") and len(names) == 4
    (cat,) = [t for t in _roles(fig, "basins") if t.meta["panel"] == 1]
    np.testing.assert_array_equal(np.asarray(cat.z, dtype=float), mom.minimum.astype(float))
    assert "Momentum (η = 0.002, μ = 0.9)" in fig.layout.xaxis2.title.text
    steps = basins_figure(HIMMELBLAU, [sgd], color_by="steps")
    (s,) = _roles(steps, "basins_steps")
    np.testing.assert_array_equal(np.asarray(s.z, dtype=float), sgd.steps)


def test_basins_bad_input(himmelblau_basins):
    with pytest.raises(ValueError, match="cells must be"):
        basins(HIMMELBLAU, 0, cells=1)
    with pytest.raises(ValueError, match="optimizer_index must be"):
        basins(HIMMELBLAU, 3)
    with pytest.raises(ValueError, match="steps must be"):
        basins(HIMMELBLAU, 0, steps=0)
    with pytest.raises(ValueError, match="tol must be"):
        basins(HIMMELBLAU, 0, tol=-1.0)
    with pytest.raises(ValueError, match="color_by must be"):
        basins_figure(HIMMELBLAU, himmelblau_basins[:1], color_by="speed")
    with pytest.raises(ValueError, match="one or two"):
        basins_figure(HIMMELBLAU, himmelblau_basins)


# ----------------------------------------------------------------------------- seed bands


def test_seed_band_quantiles_are_np_quantile_of_separate_runs():
    """Gradient noise: the band's quartiles at every step are np.quantile over N separate
    `optviz.run`s with noise seeds 0..N-1; random search: over its seeds 0..N-1; the median run is
    the one with the median final loss; the figure draws every path and the median run bold."""
    noisy = _scene("himmelblau", 200, ("sgd", {"lr": 0.005}), ("momentum", {"lr": 0.001}), noise=5.0)
    band = seed_band(noisy, 1, seeds=7)
    runs = [
        optviz.run("himmelblau", "momentum", start=(-0.3, -0.9), steps=200, lr=0.001, noise=5.0, noise_seed=s)
        for s in range(7)
    ]
    losses = np.array([r.loss for r in runs])
    assert band.source == "noise" and not band.diverged_at.any()
    for q, got in zip((0.25, 0.5, 0.75), (band.q25, band.q50, band.q75)):
        np.testing.assert_array_equal(got, np.quantile(losses, q, axis=0))
    np.testing.assert_array_equal(band.paths, np.array([r.path for r in runs]))
    final = losses[:, -1]
    assert final[band.median_run] == np.sort(final)[3]

    rs = _scene("rosenbrock", 300, ("adam", {}), ("random_search", {}))
    (b,) = seed_bands(rs, seeds=6)
    assert b.optimizer_index == 1 and b.source == "seed"
    runs = np.array([optviz.run("rosenbrock", "random_search", steps=300, seed=s).loss for s in range(6)])
    np.testing.assert_array_equal(b.q50, np.quantile(runs, 0.5, axis=0))

    fig = seed_band_figure(noisy, seed_bands(noisy, seeds=7))
    (cloud,) = [t for t in _roles(fig, "seed_cloud") if t.meta["run"] == 1]
    assert np.isnan(np.asarray(cloud.x, dtype=float)).sum() == 7  # 7 paths, NaN-separated
    (med,) = [t for t in _roles(fig, "seed_median_path") if t.meta["run"] == 1]
    np.testing.assert_array_equal(np.asarray(med.x, dtype=float), band.paths[band.median_run, :, 0])
    assert fig.layout.yaxis2.type == "log" and len(_roles(fig, "seed_band")) == 2


def test_diverged_runs_count_as_infinite_loss():
    """A diverged run's loss is +inf after it diverges: a quartile is +inf once more than that share
    of the runs has diverged (np.quantile gives NaN there), and np.quantile's value elsewhere."""
    a = np.array([[1.0, 1.0, 1.0], [2.0, 2.0, np.inf], [3.0, np.inf, np.inf], [4.0, np.inf, np.inf]])
    np.testing.assert_array_equal(loss_quantiles(a, 0.25), [1.75, 1.75, np.inf])
    np.testing.assert_array_equal(loss_quantiles(a, 0.0), [1.0, 1.0, 1.0])
    np.testing.assert_array_equal(loss_quantiles(a, 0.5), [2.5, np.inf, np.inf])
    rng = np.random.default_rng(3)
    x = rng.lognormal(size=(9, 50))
    for q in (0.1, 0.25, 0.5, 0.75, 0.9):
        np.testing.assert_array_equal(loss_quantiles(x, q), np.quantile(x, q, axis=0))
    # a scene where some noise seeds blow up (lr just at the bowl's limit, large noise)
    scene = _scene("bowl", 300, ("sgd", {"lr": 0.199}), noise=200.0, surface_params=(("kappa", 10.0),))
    band = seed_band(scene, 0, seeds=8)
    div = band.diverged_at > 0
    assert div.any() and (~div).any()
    for k in np.flatnonzero(div):
        assert np.all(np.isinf(band.loss[k, band.diverged_at[k] :]))
    share = (band.loss == np.inf).mean(axis=0)
    assert np.all(np.isinf(band.q75[share > 0.25 + 1e-9])) and np.all(np.isfinite(band.q75[share == 0]))


def test_seed_band_needs_randomness():
    plain = _scene("rosenbrock", 50, ("sgd", {}), ("adam", {}))
    with pytest.raises(ValueError, match="gradient noise σ above 0"):
        seed_band(plain, 0)
    with pytest.raises(ValueError, match="no run of this scene is random"):
        seed_bands(plain)
    with pytest.raises(ValueError, match="no run of this scene is random"):
        seed_band_figure(plain, [])
    with pytest.raises(ValueError, match="seeds must be"):
        seed_band(_scene("rosenbrock", 50, ("random_search", {})), 0, seeds=1)


def test_progress_reaches_one():
    """Each map reports its progress (fractions rising to 1), for a progress bar."""
    noisy = _scene("bowl", 100, ("momentum", {"lr": 0.05}), noise=0.5)
    calls = [
        lambda p: hyperparameter_map(noisy, MapSpec(h2="momentum", cells=30), progress=p),
        lambda p: hyperparameter_map(noisy, MapSpec(h2="kappa", cells=5, samples=3), progress=p),
        lambda p: basins(noisy, 0, cells=20, progress=p),
        lambda p: seed_bands(noisy, 5, progress=p),
    ]
    for call in calls:
        seen: list[float] = []
        call(seen.append)
        assert seen and seen[-1] == 1.0 and all(a <= b for a, b in zip(seen, seen[1:]))
