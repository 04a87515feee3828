"""The 2D test surfaces as plain functions: value, analytic gradient and analytic Hessian.

For every surface ``NAME`` there are two functions:

* ``NAME(x, y, p) -> (f, gx, gy)``: the value and the gradient,
* ``NAME_hess(x, y, p) -> (hxx, hxy, hyy)``: the Hessian (symmetric, so three entries).

``p`` is a 1-D float64 array of the surface's parameters; only ``bowl`` reads it
(``p[0]`` = kappa, ``p[1]`` = theta in radians), the others ignore it.

Every function is written twice-usable on purpose: it compiles under ``numba.njit`` (nopython) on
float scalars, which is how the optimizer kernels call it, and it broadcasts over numpy arrays,
which is how contour grids are drawn. Hence only arithmetic and numpy ufuncs: no ``if`` on values,
no ``math`` module, no ``np.where``, no loops, no array construction. Hessian entries that are
constant (e.g. Rosenbrock's ``hyy = 200``) come back as Python floats even for array input; the
``Surface`` wrappers in ``surfaces/__init__.py`` broadcast them to the input shape.
Squares are written ``x * x`` rather than ``x ** 2``: the scalar kernels call these millions of
times, and a product never goes through ``pow``.

Gradients and Hessians were derived by hand and are checked against central finite differences
in ``tests/test_surfaces.py``.

References:
    Wikipedia, "Test functions for optimization",
    https://en.wikipedia.org/wiki/Test_functions_for_optimization
    S. Surjanovic and D. Bingham, "Virtual Library of Simulation Experiments: Test Functions and
    Datasets", Simon Fraser University, https://www.sfu.ca/~ssurjano/optimization.html
"""

from __future__ import annotations

import numpy as np

_TWO_PI = 2.0 * np.pi
_PI_SQ = np.pi * np.pi
_SQRT_HALF = np.sqrt(0.5)


# 1. Anisotropic bowl -------------------------------------------------------------------------
def bowl(x, y, p):
    """f = (u^2 + kappa v^2) / 2 with (u, v) the coordinates rotated by theta = p[1]."""
    kappa = p[0]
    c = np.cos(p[1])
    s = np.sin(p[1])
    u = c * x + s * y
    v = c * y - s * x
    kv = kappa * v
    return 0.5 * (u * u + kv * v), c * u - s * kv, s * u + c * kv


def bowl_hess(x, y, p):
    """Constant Hessian R^T diag(1, kappa) R: eigenvalues exactly 1 and kappa."""
    kappa = p[0]
    c = np.cos(p[1])
    s = np.sin(p[1])
    return c * c + kappa * s * s, (1.0 - kappa) * c * s, s * s + kappa * c * c


# 2. Rosenbrock -------------------------------------------------------------------------------
def rosenbrock(x, y, p):
    """f = (1 - x)^2 + 100 (y - x^2)^2."""
    a = 1.0 - x
    b = y - x * x
    return a * a + 100.0 * b * b, -2.0 * a - 400.0 * x * b, 200.0 * b


def rosenbrock_hess(x, y, p):
    return 1200.0 * x * x - 400.0 * y + 2.0, -400.0 * x, 200.0


# 3. Saddle -----------------------------------------------------------------------------------
def saddle(x, y, p):
    """f = x^2 - y^2."""
    return x * x - y * y, 2.0 * x, -2.0 * y


def saddle_hess(x, y, p):
    return 2.0, 0.0, -2.0


# 4. Beale ------------------------------------------------------------------------------------
def beale(x, y, p):
    """f = sum_i t_i^2 with t_i = c_i - x + x y^i, (c_1, c_2, c_3) = (1.5, 2.25, 2.625)."""
    y2 = y * y
    y3 = y2 * y
    t1 = 1.5 - x + x * y
    t2 = 2.25 - x + x * y2
    t3 = 2.625 - x + x * y3
    f = t1 * t1 + t2 * t2 + t3 * t3
    gx = 2.0 * (t1 * (y - 1.0) + t2 * (y2 - 1.0) + t3 * (y3 - 1.0))
    gy = 2.0 * x * (t1 + 2.0 * y * t2 + 3.0 * y2 * t3)
    return f, gx, gy


def beale_hess(x, y, p):
    # Each t_i is linear in x, so hxx = 2 sum (dt_i/dx)^2; the other entries add t_i * t_i''.
    y2 = y * y
    y3 = y2 * y
    t1 = 1.5 - x + x * y
    t2 = 2.25 - x + x * y2
    t3 = 2.625 - x + x * y3
    a1 = y - 1.0  # dt_i/dx
    a2 = y2 - 1.0
    a3 = y3 - 1.0
    b2 = 2.0 * x * y  # dt_i/dy (dt_1/dy = x)
    b3 = 3.0 * x * y2
    hxx = 2.0 * (a1 * a1 + a2 * a2 + a3 * a3)
    hxy = 2.0 * (a1 * x + a2 * b2 + a3 * b3 + t1 + 2.0 * y * t2 + 3.0 * y2 * t3)
    hyy = 2.0 * (x * x + b2 * b2 + b3 * b3 + 2.0 * x * t2 + 6.0 * x * y * t3)
    return hxx, hxy, hyy


# 5. Himmelblau -------------------------------------------------------------------------------
def himmelblau(x, y, p):
    """f = (x^2 + y - 11)^2 + (x + y^2 - 7)^2."""
    a = x * x + y - 11.0
    b = x + y * y - 7.0
    return a * a + b * b, 4.0 * x * a + 2.0 * b, 2.0 * a + 4.0 * y * b


def himmelblau_hess(x, y, p):
    return 12.0 * x * x + 4.0 * y - 42.0, 4.0 * (x + y), 12.0 * y * y + 4.0 * x - 26.0


# 6. Rastrigin --------------------------------------------------------------------------------
def rastrigin(x, y, p):
    """f = 20 + x^2 - 10 cos(2 pi x) + y^2 - 10 cos(2 pi y)."""
    ax = _TWO_PI * x
    ay = _TWO_PI * y
    f = 20.0 + x * x - 10.0 * np.cos(ax) + y * y - 10.0 * np.cos(ay)
    return f, 2.0 * x + 20.0 * np.pi * np.sin(ax), 2.0 * y + 20.0 * np.pi * np.sin(ay)


def rastrigin_hess(x, y, p):
    k = 40.0 * _PI_SQ
    return 2.0 + k * np.cos(_TWO_PI * x), 0.0, 2.0 + k * np.cos(_TWO_PI * y)


# 7. Ackley -----------------------------------------------------------------------------------
# With r = sqrt((x^2 + y^2) / 2) the cone term -20 exp(-r / 5) has no gradient at the origin.
# Dividing by (r + 1e-300) instead of r picks the subgradient 0 there (x = y = 0 in the
# numerator) and keeps the Hessian finite (about 2e300 on the diagonal) instead of NaN.
# np.hypot avoids the underflow of x*x + y*y for tiny x, y.  The value is written as
# 20 (1 - e1) + (e - e2), which is exactly 0 at the origin and avoids cancellation near it.
def ackley(x, y, p):
    """f = -20 exp(-0.2 sqrt((x^2 + y^2) / 2)) - exp((cos 2 pi x + cos 2 pi y) / 2) + e + 20."""
    r = _SQRT_HALF * np.hypot(x, y)
    e1 = np.exp(-0.2 * r)
    ax = _TWO_PI * x
    ay = _TWO_PI * y
    e2 = np.exp(0.5 * (np.cos(ax) + np.cos(ay)))
    a = 2.0 * e1 / (r + 1e-300)
    b = np.pi * e2
    f = 20.0 * (1.0 - e1) + (np.e - e2)
    return f, a * x + b * np.sin(ax), a * y + b * np.sin(ay)


def ackley_hess(x, y, p):
    r = _SQRT_HALF * np.hypot(x, y)
    q = 1.0 / (r + 1e-300)
    e1 = np.exp(-0.2 * r)
    ax = _TWO_PI * x
    ay = _TWO_PI * y
    cx = np.cos(ax)
    cy = np.cos(ay)
    sx = np.sin(ax)
    sy = np.sin(ay)
    e2 = np.exp(0.5 * (cx + cy))
    # Cone part: 2 e1 / r * I - e1 (0.2 r + 1) / r^3 * [x y]^T [x y]; written with (x q), which
    # stays <= sqrt(2), so nothing overflows to inf * 0 at the origin.
    xq = x * q
    yq = y * q
    c = e1 * q
    d = c * (0.2 * r + 1.0)
    k = _PI_SQ * e2
    hxx = 2.0 * c - d * xq * xq + k * (2.0 * cx - sx * sx)
    hxy = -d * xq * yq - k * sx * sy
    hyy = 2.0 * c - d * yq * yq + k * (2.0 * cy - sy * sy)
    return hxx, hxy, hyy


# 8. Booth ------------------------------------------------------------------------------------
def booth(x, y, p):
    """f = (x + 2y - 7)^2 + (2x + y - 5)^2."""
    a = x + 2.0 * y - 7.0
    b = 2.0 * x + y - 5.0
    return a * a + b * b, 2.0 * a + 4.0 * b, 4.0 * a + 2.0 * b


def booth_hess(x, y, p):
    return 10.0, 8.0, 10.0


# 9. Six-hump camel ---------------------------------------------------------------------------
def six_hump_camel(x, y, p):
    """f = (4 - 2.1 x^2 + x^4 / 3) x^2 + x y + (-4 + 4 y^2) y^2."""
    x2 = x * x
    y2 = y * y
    f = (4.0 - 2.1 * x2 + x2 * x2 / 3.0) * x2 + x * y + (-4.0 + 4.0 * y2) * y2
    gx = x * (8.0 - 8.4 * x2 + 2.0 * x2 * x2) + y
    gy = x + y * (16.0 * y2 - 8.0)
    return f, gx, gy


def six_hump_camel_hess(x, y, p):
    x2 = x * x
    return 8.0 - 25.2 * x2 + 10.0 * x2 * x2, 1.0, 48.0 * y * y - 8.0


# 10. Styblinski-Tang -------------------------------------------------------------------------
def styblinski_tang(x, y, p):
    """f = (x^4 - 16 x^2 + 5 x + y^4 - 16 y^2 + 5 y) / 2."""
    x2 = x * x
    y2 = y * y
    f = 0.5 * (x2 * x2 - 16.0 * x2 + 5.0 * x + y2 * y2 - 16.0 * y2 + 5.0 * y)
    return f, x * (2.0 * x2 - 16.0) + 2.5, y * (2.0 * y2 - 16.0) + 2.5


def styblinski_tang_hess(x, y, p):
    return 6.0 * x * x - 16.0, 0.0, 6.0 * y * y - 16.0


# 11. Goldstein-Price -------------------------------------------------------------------------
# f = A(u) B(t) with u = x + y + 1 and t = 2x - 3y, because the two brackets of the usual form
# depend on x + y and on 2x - 3y only:
#   A = 1 + u^2 (19 - 14x + 3x^2 - 14y + 6xy + 3y^2) = 1 + 36 u^2 - 20 u^3 + 3 u^4
#   B = 30 + t^2 (18 - 32x + 12x^2 + 48y - 36xy + 27y^2) = 30 + 18 t^2 - 16 t^3 + 3 t^4
# Then grad f = A'B (1, 1) + A B' (2, -3); stationary points are A'(u) = 0 and B'(t) = 0
# (A >= 1 and B >= 3 never vanish), i.e. u in {0, 2, 3} x t in {0, 1, 3}: nine points.
def goldstein_price(x, y, p):
    """f = [1 + (x+y+1)^2 (19 - 14x + 3x^2 - 14y + 6xy + 3y^2)]
    * [30 + (2x-3y)^2 (18 - 32x + 12x^2 + 48y - 36xy + 27y^2)]."""
    u = x + y + 1.0
    t = 2.0 * x - 3.0 * y
    u2 = u * u
    t2 = t * t
    a = 1.0 + u2 * (36.0 - 20.0 * u + 3.0 * u2)
    b = 30.0 + t2 * (18.0 - 16.0 * t + 3.0 * t2)
    da = 12.0 * u * (6.0 - 5.0 * u + u2)
    db = 12.0 * t * (3.0 - 4.0 * t + t2)
    ga = da * b
    gb = a * db
    return a * b, ga + 2.0 * gb, ga - 3.0 * gb


def goldstein_price_hess(x, y, p):
    u = x + y + 1.0
    t = 2.0 * x - 3.0 * y
    u2 = u * u
    t2 = t * t
    a = 1.0 + u2 * (36.0 - 20.0 * u + 3.0 * u2)
    b = 30.0 + t2 * (18.0 - 16.0 * t + 3.0 * t2)
    da = 12.0 * u * (6.0 - 5.0 * u + u2)
    db = 12.0 * t * (3.0 - 4.0 * t + t2)
    d2a = 72.0 - 120.0 * u + 36.0 * u2
    d2b = 36.0 - 96.0 * t + 36.0 * t2
    aab = d2a * b
    adb = da * db
    abb = a * d2b
    return aab + 4.0 * adb + 4.0 * abb, aab - adb - 6.0 * abb, aab - 6.0 * adb + 9.0 * abb


# 12. Matyas ----------------------------------------------------------------------------------
def matyas(x, y, p):
    """f = 0.26 (x^2 + y^2) - 0.48 x y."""
    return 0.26 * (x * x + y * y) - 0.48 * x * y, 0.52 * x - 0.48 * y, 0.52 * y - 0.48 * x


def matyas_hess(x, y, p):
    return 0.52, -0.48, 0.52


# 13. Monkey saddle ---------------------------------------------------------------------------
def monkey_saddle(x, y, p):
    """f = x^3 - 3 x y^2."""
    x2 = x * x
    y2 = y * y
    return x * (x2 - 3.0 * y2), 3.0 * (x2 - y2), -6.0 * x * y


def monkey_saddle_hess(x, y, p):
    return 6.0 * x, -6.0 * y, -6.0 * x
