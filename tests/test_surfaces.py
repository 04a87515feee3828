"""Tests of the surface registry: derivatives, stationary points, broadcasting, numba, packing."""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pytest

from surfaces import KINDS, SURFACES, Point, Surface, get_surface

NAMES = [
    "bowl",
    "rosenbrock",
    "saddle",
    "beale",
    "himmelblau",
    "rastrigin",
    "ackley",
    "booth",
    "six_hump_camel",
    "styblinski_tang",
    "goldstein_price",
    "matyas",
    "monkey_saddle",
]

# Bowl parameter settings beyond the default: round, extreme, rotated both ways.
BOWL_PARAMS = [
    {},
    {"kappa": 1.0, "theta": 0.3},
    {"kappa": 1000.0, "theta": -1.2},
    {"kappa": 37.5, "theta": math.pi / 4},
    {"kappa": 3.0, "theta": math.pi / 2},
]

# (surface, params) cases for the derivative checks.
CASES = [(name, {}) for name in NAMES if name != "bowl"] + [("bowl", p) for p in BOWL_PARAMS]

H = 1e-6


def _case_id(case: tuple[str, dict]) -> str:
    name, params = case
    return name + "".join(f"-{k}={v:g}" for k, v in params.items())


def _random_points(surface: Surface, n: int = 20, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    (x0, x1), (y0, y1) = surface.bounds
    return rng.uniform(x0, x1, n), rng.uniform(y0, y1, n)


def _assert_close(actual: np.ndarray, expected: np.ndarray, atol: np.ndarray, rtol: float, what: str):
    err = np.abs(actual - expected)
    tol = rtol * np.abs(expected) + atol
    bad = ~(err <= tol)
    assert not bad.any(), (
        f"{what}: {bad.sum()} mismatches; worst err/tol = {np.max(err / tol):.3g}, "
        f"actual {actual[bad][:3]}, expected {expected[bad][:3]}"
    )


# --------------------------------------------------------------------------- registry


def test_names_and_codes_in_order():
    assert list(SURFACES) == NAMES
    assert [s.code for s in SURFACES.values()] == list(range(13))
    assert all(s.name == name for name, s in SURFACES.items())


def test_get_surface():
    assert get_surface("rosenbrock") is SURFACES["rosenbrock"]
    with pytest.raises(ValueError, match="surface must be one of: bowl, rosenbrock"):
        get_surface("rosenbrok")


@pytest.mark.parametrize("name", NAMES)
def test_registry_entry_is_well_formed(name):
    s = SURFACES[name]
    (x0, x1), (y0, y1) = s.bounds
    assert x0 < x1 and y0 < y1
    assert x0 < s.start[0] < x1 and y0 < s.start[1] < y1, "default start outside the bounds"
    assert s.title and s.note and "\n" not in s.note
    assert s.latex and "$" not in s.latex
    assert s.latex.count("{") == s.latex.count("}")
    assert s.latex.count(r"\left") == s.latex.count(r"\right")
    assert s.points, "every surface lists at least one stationary point"
    for q in s.points:
        assert q.kind in KINDS
        assert x0 <= q.x <= x1 and y0 <= q.y <= y1, f"{q} outside the bounds"
    for param in s.params:
        assert param.min <= param.default <= param.max
        assert param.label and param.help
        if param.log:
            assert param.min > 0


def test_convex_flags():
    assert {n for n, s in SURFACES.items() if s.convex} == {"bowl", "booth", "matyas"}


@pytest.mark.parametrize("name", ["bowl", "booth", "matyas"])
def test_convex_surfaces_have_psd_hessian(name):
    s = SURFACES[name]
    x, y = _random_points(s)
    hxx, hxy, hyy = s.hess(x, y)
    assert np.all(hxx > 0) and np.all(hxx * hyy - hxy * hxy > 0)


def test_point_kind_is_validated():
    with pytest.raises(ValueError, match="kind must be one of"):
        Point(0.0, 0.0, 0.0, "minimum")


def test_package_does_not_import_streamlit_or_optviz():
    code = (
        "import sys, surfaces; "
        "bad = [m for m in sys.modules if m.split('.')[0] in ('streamlit', 'optviz')]; "
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# --------------------------------------------------------------------------- values


# The textbook formulas, written naively, to check the hand-optimised value code.
REFERENCE = {
    "rosenbrock": lambda x, y: (1 - x) ** 2 + 100 * (y - x**2) ** 2,
    "saddle": lambda x, y: x**2 - y**2,
    "beale": lambda x, y: (1.5 - x + x * y) ** 2 + (2.25 - x + x * y**2) ** 2 + (2.625 - x + x * y**3) ** 2,
    "himmelblau": lambda x, y: (x**2 + y - 11) ** 2 + (x + y**2 - 7) ** 2,
    "rastrigin": lambda x, y: 20 + x**2 - 10 * np.cos(2 * np.pi * x) + y**2 - 10 * np.cos(2 * np.pi * y),
    "ackley": lambda x, y: (
        -20 * np.exp(-0.2 * np.sqrt(0.5 * (x**2 + y**2)))
        - np.exp(0.5 * (np.cos(2 * np.pi * x) + np.cos(2 * np.pi * y)))
        + np.e
        + 20
    ),
    "booth": lambda x, y: (x + 2 * y - 7) ** 2 + (2 * x + y - 5) ** 2,
    "six_hump_camel": lambda x, y: (4 - 2.1 * x**2 + x**4 / 3) * x**2 + x * y + (-4 + 4 * y**2) * y**2,
    "styblinski_tang": lambda x, y: 0.5 * (x**4 - 16 * x**2 + 5 * x + y**4 - 16 * y**2 + 5 * y),
    "goldstein_price": lambda x, y: (
        (1 + (x + y + 1) ** 2 * (19 - 14 * x + 3 * x**2 - 14 * y + 6 * x * y + 3 * y**2))
        * (30 + (2 * x - 3 * y) ** 2 * (18 - 32 * x + 12 * x**2 + 48 * y - 36 * x * y + 27 * y**2))
    ),
    "matyas": lambda x, y: 0.26 * (x**2 + y**2) - 0.48 * x * y,
    "monkey_saddle": lambda x, y: x**3 - 3 * x * y**2,
}


def _bowl_reference(x, y, kappa, theta):
    u = np.cos(theta) * x + np.sin(theta) * y
    v = -np.sin(theta) * x + np.cos(theta) * y
    return 0.5 * (u**2 + kappa * v**2)


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_value_matches_textbook_formula(case):
    name, params = case
    s = SURFACES[name]
    x, y = _random_points(s, seed=1)
    if name == "bowl":
        kappa, theta = s.pack(**params)
        expected = _bowl_reference(x, y, kappa, theta)
    else:
        expected = REFERENCE[name](x, y)
    np.testing.assert_allclose(s.f(x, y, **params), expected, rtol=1e-10, atol=1e-10)


# --------------------------------------------------------------------------- derivatives


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_gradient_matches_central_differences(case):
    name, params = case
    s = SURFACES[name]
    x, y = _random_points(s)
    f = s.f(x, y, **params)
    gx, gy = s.grad(x, y, **params)
    nx = (s.f(x + H, y, **params) - s.f(x - H, y, **params)) / (2 * H)
    ny = (s.f(x, y + H, **params) - s.f(x, y - H, **params)) / (2 * H)
    # Rounding in the difference quotient is about eps |f| / h = 2e-10 |f|.
    atol = 1e-8 * (1.0 + np.abs(f))
    _assert_close(gx, nx, atol, 1e-6, f"{name} df/dx")
    _assert_close(gy, ny, atol, 1e-6, f"{name} df/dy")


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_hessian_matches_differences_of_gradient(case):
    name, params = case
    s = SURFACES[name]
    x, y = _random_points(s)
    hxx, hxy, hyy = s.hess(x, y, **params)
    gxp, gyp = s.grad(x + H, y, **params)
    gxm, gym = s.grad(x - H, y, **params)
    gxq, gyq = s.grad(x, y + H, **params)
    gxr, gyr = s.grad(x, y - H, **params)
    g = np.hypot(*s.grad(x, y, **params))
    atol = 1e-8 * (1.0 + g)
    _assert_close(hxx, (gxp - gxm) / (2 * H), atol, 1e-6, f"{name} d2f/dx2")
    _assert_close(hxy, (gxq - gxr) / (2 * H), atol, 1e-6, f"{name} d2f/dxdy from gx")
    _assert_close(hxy, (gyp - gym) / (2 * H), atol, 1e-6, f"{name} d2f/dxdy from gy")
    _assert_close(hyy, (gyq - gyr) / (2 * H), atol, 1e-6, f"{name} d2f/dy2")


@pytest.mark.parametrize("params", BOWL_PARAMS, ids=lambda p: _case_id(("bowl", p)))
def test_bowl_hessian_eigenvalues_are_one_and_kappa(params):
    s = SURFACES["bowl"]
    kappa = s.pack(**params)[0]
    x, y = _random_points(s, n=3)
    hxx, hxy, hyy = s.hess(x, y, **params)
    for i in range(3):
        eig = np.linalg.eigvalsh([[hxx[i], hxy[i]], [hxy[i], hyy[i]]])
        np.testing.assert_allclose(eig, [1.0, kappa], rtol=1e-13, atol=1e-13)


def test_ackley_origin_has_zero_gradient_and_finite_hessian():
    s = SURFACES["ackley"]
    assert s.f(0.0, 0.0) == 0.0
    gx, gy = s.grad(0.0, 0.0)
    assert gx == 0.0 and gy == 0.0
    hxx, hxy, hyy = s.hess(0.0, 0.0)
    assert np.isfinite([hxx, hxy, hyy]).all() and hxx > 1e299 and hyy > 1e299 and hxy == 0.0
    # Subnormal inputs neither overflow nor produce NaN.
    tiny = 5e-324
    assert np.isfinite(s.grad(tiny, -tiny)).all() and np.isfinite(s.hess(tiny, tiny)).all()


# --------------------------------------------------------------------------- stationary points

POINTS = [(name, i) for name in NAMES for i in range(len(SURFACES[name].points))]

# Points whose Hessian says nothing about their kind, with the reason.
DEGENERATE = {
    ("monkey_saddle", 0): "zero Hessian: the monkey saddle is a third-order saddle",
}


def _point_id(case: tuple[str, int]) -> str:
    name, i = case
    q = SURFACES[name].points[i]
    return f"{name}-{q.kind.replace(' ', '_')}-({q.x:.4g},{q.y:.4g})"


@pytest.mark.parametrize("case", POINTS, ids=_point_id)
def test_listed_point_is_stationary_with_listed_value(case):
    name, i = case
    s = SURFACES[name]
    q = s.points[i]
    gx, gy = s.grad(q.x, q.y)
    assert math.hypot(gx, gy) < 1e-7
    assert float(s.f(q.x, q.y)) == pytest.approx(q.f, rel=1e-9, abs=1e-9)


@pytest.mark.parametrize("case", POINTS, ids=_point_id)
def test_listed_point_kind_matches_hessian(case):
    name, i = case
    if case in DEGENERATE:
        pytest.skip(DEGENERATE[case])
    s = SURFACES[name]
    q = s.points[i]
    hxx, hxy, hyy = s.hess(q.x, q.y)
    lo, hi = np.linalg.eigvalsh([[hxx, hxy], [hxy, hyy]])
    if q.kind in ("global minimum", "local minimum"):
        assert lo > 0
    elif q.kind == "saddle":
        assert lo < 0 < hi
    else:
        assert hi < 0


def test_monkey_saddle_is_degenerate_but_a_saddle():
    s = SURFACES["monkey_saddle"]
    assert np.array(s.hess(0.0, 0.0)).tolist() == [0.0, 0.0, 0.0]
    # f changes sign along every line through the origin: neither a minimum nor a maximum.
    t = 1e-3
    for angle in np.linspace(0.1, np.pi - 0.1, 7):
        if abs(np.cos(3 * angle)) < 1e-3:
            continue
        a = float(s.f(t * np.cos(angle), t * np.sin(angle)))
        b = float(s.f(-t * np.cos(angle), -t * np.sin(angle)))
        assert a * b < 0


@pytest.mark.parametrize("name", NAMES)
def test_global_minimum_is_lowest_on_the_plot(name):
    s = SURFACES[name]
    kinds = [q.kind for q in s.points]
    assert kinds == sorted(kinds, key=KINDS.index), "points ordered min, local min, saddle, max"
    best = [q.f for q in s.points if q.kind == "global minimum"]
    if not best:
        assert name in ("saddle", "monkey_saddle")
        return
    assert max(best) - min(best) < 1e-9
    assert all(q.f >= min(best) for q in s.points)
    _, _, z = s.grid(301)
    assert z.min() >= min(best) - 1e-9


# --------------------------------------------------------------------------- broadcasting


@pytest.mark.parametrize("name", NAMES)
def test_f_broadcasts_over_a_meshgrid(name):
    s = SURFACES[name]
    (x0, x1), (y0, y1) = s.bounds
    xs = np.linspace(x0, x1, 7)
    ys = np.linspace(y0, y1, 5)
    X, Y = np.meshgrid(xs, ys)
    Z = s.f(X, Y)
    assert Z.shape == (5, 7) and Z.dtype == np.float64
    assert np.array_equal(s.f(xs[None, :], ys[:, None]), Z)
    for i in range(5):
        for j in range(7):
            assert Z[i, j] == float(s.f(float(X[i, j]), float(Y[i, j])))
    for part in (*s.grad(X, Y), *s.hess(X, Y)):
        assert part.shape == (5, 7) and part.dtype == np.float64


@pytest.mark.parametrize("name", ["rosenbrock", "six_hump_camel", "bowl"])
def test_grid_convention(name):
    s = SURFACES[name]
    xs, ys, Z = s.grid(31)
    assert xs.shape == (31,) and ys.shape == (31,) and Z.shape == (31, 31)
    assert (xs[0], xs[-1]) == s.bounds[0] and (ys[0], ys[-1]) == s.bounds[1]
    for i, j in [(0, 0), (0, 30), (30, 0), (3, 17), (22, 9)]:
        assert Z[i, j] == float(s.f(xs[j], ys[i]))
    with pytest.raises(ValueError, match="n must be"):
        s.grid(1)


def test_grid_passes_params():
    s = SURFACES["bowl"]
    _, _, z10 = s.grid(11)
    _, _, z100 = s.grid(11, kappa=100.0)
    assert not np.array_equal(z10, z100)


# --------------------------------------------------------------------------- pack


def test_pack_fills_defaults_and_keeps_order():
    s = SURFACES["bowl"]
    assert s.pack().tolist() == [10.0, 0.0]
    assert s.pack(theta=0.3).tolist() == [10.0, 0.3]
    p = s.pack(theta=-0.5, kappa=2.0)
    assert p.tolist() == [2.0, -0.5] and p.dtype == np.float64


def test_pack_without_params_is_one_zero():
    p = SURFACES["rosenbrock"].pack()
    assert p.shape == (1,) and p.dtype == np.float64 and p.flags.c_contiguous and p[0] == 0.0


def test_pack_rejects_unknown_params():
    with pytest.raises(ValueError, match="unknown parameter 'kapa'.*allowed: kappa, theta"):
        SURFACES["bowl"].pack(kapa=3.0)
    with pytest.raises(ValueError, match="unknown parameter 'kappa'.*allowed: none"):
        SURFACES["rosenbrock"].pack(kappa=3.0)
    with pytest.raises(ValueError, match="unknown parameter"):
        SURFACES["rosenbrock"].f(0.0, 0.0, kappa=3.0)


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"kappa": 0.5}, r"kappa must be in \[1, 1000\]"),
        ({"kappa": 1001.0}, r"kappa must be in \[1, 1000\]"),
        ({"kappa": float("nan")}, r"kappa must be in"),
        ({"theta": 2.0}, r"theta must be in \[-1.5708, 1.5708\]"),
        ({"kappa": "ten"}, r"kappa must be a number"),
    ],
)
def test_pack_rejects_bad_values(params, match):
    with pytest.raises(ValueError, match=match):
        SURFACES["bowl"].pack(**params)


# --------------------------------------------------------------------------- numba


@pytest.mark.parametrize("name", NAMES)
def test_functions_compile_under_numba_and_match_numpy(name):
    numba = pytest.importorskip("numba")
    s = SURFACES[name]
    fg = numba.njit(s.fg)
    hess = numba.njit(s.hess_fn)
    params = {"kappa": 25.0, "theta": 0.4} if name == "bowl" else {}
    p = s.pack(**params)
    x, y = _random_points(s, n=5, seed=2)
    for xi, yi in zip([*x, s.start[0]], [*y, s.start[1]], strict=True):
        jit_values = [*fg(xi, yi, p), *hess(xi, yi, p)]
        ref_values = [*s.fg(np.float64(xi), np.float64(yi), p), *s.hess_fn(xi, yi, p)]
        assert all(isinstance(v, float) for v in jit_values)
        # numba's libm and numpy's ufunc loops may round cos/exp differently in the last bit.
        np.testing.assert_allclose(jit_values, ref_values, rtol=1e-12, atol=1e-12)
