"""The registry of 2D test surfaces: formula, bounds, default start and known stationary points.

Each `Surface` is data: a name, an integer `code` (its position in `SURFACES`, which the jitted
optimizer kernel dispatches on), a LaTeX formula, the plain value/gradient and Hessian functions
of `surfaces.functions`, plot bounds, a default start, the known minima, saddle points and maxima
with their values, and the sliders (`Param`) of its parameters. The methods `f`, `grad`, `hess`
and `grid` are numpy conveniences for plotting and tests; the optimizer kernels call the plain
functions directly.

The stationary points were computed offline (scipy.optimize.root on the analytic gradient,
polished with mpmath at 40 digits, classified by the Hessian's eigenvalues) and are pasted here as
literals: nothing is computed at import. Goldstein-Price's nine points are exact rationals (see
the comment above `functions.goldstein_price`).

This package never imports streamlit or optviz.

References:
    Wikipedia, "Test functions for optimization",
    https://en.wikipedia.org/wiki/Test_functions_for_optimization
    S. Surjanovic and D. Bingham, "Virtual Library of Simulation Experiments",
    https://www.sfu.ca/~ssurjano/optimization.html
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from surfaces import custom, functions

__all__ = ["KINDS", "SURFACES", "Param", "Point", "Surface", "define_custom", "get_surface"]


def N_(msg: str) -> str:
    """Mark `msg` as a text a person reads, for the message catalog (`pybabel extract`); returns it as is.

    The identity of `optviz.i18n.N_`, defined here because this package imports nothing of optviz:
    the titles, notes, slider labels and helps below are English msgids, and optviz translates them
    where it shows them (`_(surface.title)`).
    """
    return msg


# The kinds of stationary points (also the legend names of their markers): marked for translation.
KINDS = (N_("global minimum"), N_("local minimum"), N_("saddle"), N_("local maximum"))


@dataclass(frozen=True)
class Param:
    """A surface parameter, shown as a slider (log-scaled if `log`)."""

    name: str
    default: float
    min: float
    max: float
    log: bool
    help: str
    label: str


@dataclass(frozen=True)
class Point:
    """A stationary point: location, value, and `kind` (one of `KINDS`)."""

    x: float
    y: float
    f: float
    kind: str

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of: {', '.join(KINDS)}; got {self.kind!r}")


def _as_float_array(a: object, name: str) -> np.ndarray:
    try:
        return np.asarray(a, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number or an array of numbers, got {a!r}") from None


@dataclass(frozen=True)
class Surface:
    """A 2D test surface (see the module docstring)."""

    name: str
    code: int
    title: str
    latex: str  # for st.latex / plotly, without $ delimiters
    fg: Callable  # fg(x, y, p) -> (f, gx, gy)
    hess_fn: Callable  # hess_fn(x, y, p) -> (hxx, hxy, hyy)
    bounds: tuple[tuple[float, float], tuple[float, float]]
    start: tuple[float, float]
    points: tuple[Point, ...]
    note: str  # one line, shown to students
    params: tuple[Param, ...] = ()
    log_levels: bool = False  # contour levels log-spaced above the minimum (huge value range)
    convex: bool = False
    formula: str = ""  # a custom surface's f(x, y) as typed (canonical form); "" for the built-ins

    def pack(self, **params: float) -> np.ndarray:
        """The parameter vector `p` for the plain functions, defaults filled in, validated.

        Always at least one element (`np.zeros(1)` for a surface without parameters), so the
        jitted kernels always see a non-empty contiguous float64 array.
        """
        known = {q.name: q for q in self.params}
        for key in params:
            if key not in known:
                allowed = ", ".join(known) if known else "none"
                raise ValueError(f"unknown parameter {key!r} for surface {self.name!r}; allowed: {allowed}")
        if not self.params:
            return np.zeros(1)
        p = np.empty(len(self.params))
        for i, q in enumerate(self.params):
            value = params.get(q.name, q.default)
            try:
                v = float(value)
            except (TypeError, ValueError):
                raise ValueError(f"{q.name} must be a number, got {value!r}") from None
            if not q.min <= v <= q.max:  # also rejects NaN
                raise ValueError(f"{q.name} must be in [{q.min:g}, {q.max:g}], got {v!r}")
            p[i] = v
        return p

    def _eval(self, fn: Callable, x: object, y: object, params: dict) -> tuple[np.ndarray, ...]:
        xa = _as_float_array(x, "x")
        ya = _as_float_array(y, "y")
        p = self.pack(**params)
        shape = np.broadcast_shapes(xa.shape, ya.shape)
        # Constant Hessian entries come back as Python floats: broadcast them to the input shape.
        return tuple(np.array(np.broadcast_to(v, shape), dtype=np.float64) for v in fn(xa, ya, p))

    def f(self, x: object, y: object, **params: float) -> np.ndarray:
        """The value at (x, y); x and y broadcast against each other."""
        return self._eval(self.fg, x, y, params)[0]

    def grad(self, x: object, y: object, **params: float) -> tuple[np.ndarray, np.ndarray]:
        """The analytic gradient (gx, gy) at (x, y)."""
        _, gx, gy = self._eval(self.fg, x, y, params)
        return gx, gy

    def hess(self, x: object, y: object, **params: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The analytic Hessian entries (hxx, hxy, hyy) at (x, y)."""
        hxx, hxy, hyy = self._eval(self.hess_fn, x, y, params)
        return hxx, hxy, hyy

    @property
    def minima(self) -> tuple[Point, ...]:
        return tuple(q for q in self.points if q.kind in ("global minimum", "local minimum"))

    @property
    def saddles(self) -> tuple[Point, ...]:
        return tuple(q for q in self.points if q.kind == "saddle")

    @property
    def maxima(self) -> tuple[Point, ...]:
        return tuple(q for q in self.points if q.kind == "local maximum")

    def grid(self, n: int = 200, **params: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """xs (n,), ys (n,) spanning `bounds` and Z (n, n) with Z[i, j] = f(xs[j], ys[i]).

        This is plotly's contour convention (rows follow y, columns follow x).
        """
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 2:
            raise ValueError(f"n must be an integer >= 2, got {n!r}")
        (x0, x1), (y0, y1) = self.bounds
        xs = np.linspace(x0, x1, int(n))
        ys = np.linspace(y0, y1, int(n))
        return xs, ys, self.f(xs[None, :], ys[:, None], **params)


_SURFACE_LIST = (
    Surface(
        name="bowl",
        code=0,
        title=N_("Anisotropic bowl"),
        latex=(
            r"f(x, y) = \tfrac{1}{2}\left(u^2 + \kappa\, v^2\right),\quad "
            r"u = x\cos\theta + y\sin\theta,\; v = -x\sin\theta + y\cos\theta"
        ),
        fg=functions.bowl,
        hess_fn=functions.bowl_hess,
        bounds=((-3.0, 3.0), (-3.0, 3.0)),
        start=(-2.5, 1.5),
        points=(Point(0.0, 0.0, 0.0, "global minimum"),),
        note=N_(
            "Convex quadratic with condition number κ: gradient descent zig-zags across the "
            "narrow direction; momentum and Adam damp the zig-zag."
        ),
        params=(
            Param(
                name="kappa",
                default=10.0,
                min=1.0,
                max=1000.0,
                log=True,
                help=N_(
                    "Ratio of the largest to the smallest curvature (Hessian eigenvalues kappa "
                    "and 1). 1 is a round bowl; large values make a long, narrow valley."
                ),
                label=N_("condition number κ"),
            ),
            Param(
                name="theta",
                default=0.0,
                min=-math.pi / 2,
                max=math.pi / 2,
                log=False,
                help=N_(
                    "Rotation of the bowl's axes. At θ ≠ 0 the curvature is no longer aligned "
                    "with the coordinate axes, which matters for per-coordinate methods "
                    "(AdaGrad, RMSProp, Adam)."
                ),
                label=N_("rotation angle θ (radians)"),
            ),
        ),
        convex=True,
    ),
    Surface(
        name="rosenbrock",
        code=1,
        title="Rosenbrock",
        latex=r"f(x, y) = (1 - x)^2 + 100\left(y - x^2\right)^2",
        fg=functions.rosenbrock,
        hess_fn=functions.rosenbrock_hess,
        bounds=((-2.0, 2.0), (-1.0, 3.0)),
        start=(-1.5, 2.0),
        points=(Point(1.0, 1.0, 0.0, "global minimum"),),
        note=N_(
            "Non-convex, curved narrow valley: reaching the valley is easy, following it to "
            "the minimum at (1, 1) is slow."
        ),
        log_levels=True,
    ),
    Surface(
        name="saddle",
        code=2,
        title=N_("Saddle"),
        latex=r"f(x, y) = x^2 - y^2",
        fg=functions.saddle,
        hess_fn=functions.saddle_hess,
        bounds=((-2.0, 2.0), (-2.0, 2.0)),
        start=(-1.5, 0.001),
        points=(Point(0.0, 0.0, 0.0, "saddle"),),
        note=N_(
            "A saddle point at the origin and no minimum: gradient descent started near the "
            "x-axis stalls by the saddle; gradient noise makes it escape."
        ),
    ),
    Surface(
        name="beale",
        code=3,
        title="Beale",
        latex=(
            r"f(x, y) = (1.5 - x + xy)^2 + \left(2.25 - x + xy^2\right)^2 "
            r"+ \left(2.625 - x + xy^3\right)^2"
        ),
        fg=functions.beale,
        hess_fn=functions.beale_hess,
        bounds=((-4.5, 4.5), (-4.5, 4.5)),
        start=(1.0, 1.5),
        points=(
            Point(3.0, 0.5, 0.0, "global minimum"),
            Point(0.0, 1.0, 14.203125, "saddle"),
            Point(0.10053793732415836, -2.644513585023125, 9.86451228475556, "saddle"),
        ),
        note=N_(
            "Flat plateaus next to steep walls: gradient sizes differ by orders of magnitude, "
            "which favours adaptive step sizes."
        ),
        log_levels=True,
    ),
    Surface(
        name="himmelblau",
        code=4,
        title="Himmelblau",
        latex=r"f(x, y) = \left(x^2 + y - 11\right)^2 + \left(x + y^2 - 7\right)^2",
        fg=functions.himmelblau,
        hess_fn=functions.himmelblau_hess,
        bounds=((-5.0, 5.0), (-5.0, 5.0)),
        # Next to the local maximum: gradient descent ends at (-3.78, -3.28), Adam at (-2.81, 3.13).
        start=(-0.3, -0.9),
        points=(
            Point(3.0, 2.0, 0.0, "global minimum"),
            Point(-2.805118086952745, 3.131312518250573, 0.0, "global minimum"),
            Point(-3.779310253377747, -3.2831859912861696, 0.0, "global minimum"),
            Point(3.5844283403304917, -1.8481265269644036, 0.0, "global minimum"),
            Point(3.3851541836070207, 0.07385187983774928, 13.31192627040559, "saddle"),
            Point(0.08667750455539636, 2.884254701174776, 67.71915008752615, "saddle"),
            Point(-3.0730257507643897, -0.08135304428796751, 104.01516291755811, "saddle"),
            Point(-0.12796134673068008, -1.9537149802445763, 178.33723920192747, "saddle"),
            Point(-0.2708445906673476, -0.9230385564799815, 181.6165215225827, "local maximum"),
        ),
        note=N_(
            "Four global minima, one local maximum and four saddle points: optimizers started "
            "at the same point can end in different minima."
        ),
    ),
    Surface(
        name="rastrigin",
        code=5,
        title="Rastrigin",
        latex=r"f(x, y) = 20 + x^2 - 10\cos(2\pi x) + y^2 - 10\cos(2\pi y)",
        fg=functions.rastrigin,
        hess_fn=functions.rastrigin_hess,
        bounds=((-5.12, 5.12), (-5.12, 5.12)),
        start=(-4.2, 3.6),
        # Only the four local minima next to the global one are listed; there is one near
        # every integer point (120 more in the bounds).
        points=(
            Point(0.0, 0.0, 0.0, "global minimum"),
            Point(0.9949586376523348, 0.0, 0.9949590570932914, "local minimum"),
            Point(-0.9949586376523348, 0.0, 0.9949590570932914, "local minimum"),
            Point(0.0, 0.9949586376523348, 0.9949590570932914, "local minimum"),
            Point(0.0, -0.9949586376523348, 0.9949590570932914, "local minimum"),
        ),
        note=N_("A bowl covered with regular bumps: a local minimum near every integer point traps gradient descent."),
    ),
    Surface(
        name="ackley",
        code=6,
        title="Ackley",
        latex=(
            r"f(x, y) = -20\exp\left(-0.2\sqrt{0.5\left(x^2 + y^2\right)}\right) "
            r"- \exp\left(0.5\left(\cos 2\pi x + \cos 2\pi y\right)\right) + e + 20"
        ),
        fg=functions.ackley,
        hess_fn=functions.ackley_hess,
        bounds=((-5.0, 5.0), (-5.0, 5.0)),
        start=(-4.0, 3.3),
        # The global minimum is a cone tip: no gradient there; the functions return the
        # subgradient 0 and a huge but finite Hessian (about 2e300 on the diagonal).
        points=(
            Point(0.0, 0.0, 0.0, "global minimum"),
            Point(0.9521665459501717, 0.0, 2.579927557029872, "local minimum"),
            Point(-0.9521665459501717, 0.0, 2.579927557029872, "local minimum"),
            Point(0.0, 0.9521665459501717, 2.579927557029872, "local minimum"),
            Point(0.0, -0.9521665459501717, 2.579927557029872, "local minimum"),
        ),
        note=N_(
            "A nearly flat outer plateau with many small local minima around a sharp global minimum at the origin."
        ),
    ),
    Surface(
        name="booth",
        code=7,
        title="Booth",
        latex=r"f(x, y) = (x + 2y - 7)^2 + (2x + y - 5)^2",
        fg=functions.booth,
        hess_fn=functions.booth_hess,
        bounds=((-10.0, 10.0), (-10.0, 10.0)),
        start=(-8.0, -6.0),
        points=(Point(1.0, 3.0, 0.0, "global minimum"),),
        note=N_("Convex quadratic with a single minimum at (1, 3): an easy baseline."),
        convex=True,
    ),
    Surface(
        name="six_hump_camel",
        code=8,
        title=N_("Six-hump camel"),
        latex=(
            r"f(x, y) = \left(4 - 2.1x^2 + \frac{x^4}{3}\right)x^2 + xy "
            r"+ \left(-4 + 4y^2\right)y^2"
        ),
        fg=functions.six_hump_camel,
        hess_fn=functions.six_hump_camel_hess,
        bounds=((-2.2, 2.2), (-1.2, 1.2)),
        # Gradient descent ends in the local minimum (-1.61, -0.57); momentum, or Adam with a
        # larger step, can reach a global one.
        start=(-2.0, -1.0),
        points=(
            Point(-0.08984201310031806, 0.7126564030207396, -1.0316284534898774, "global minimum"),
            Point(0.08984201310031806, -0.7126564030207396, -1.0316284534898774, "global minimum"),
            Point(-1.703606714969981, 0.7960835686726251, -0.2154638243837184, "local minimum"),
            Point(1.703606714969981, -0.7960835686726251, -0.2154638243837184, "local minimum"),
            Point(-1.6071047529201974, -0.5686514548841314, 2.1042503103112575, "local minimum"),
            Point(1.6071047529201974, 0.5686514548841314, 2.1042503103112575, "local minimum"),
            Point(0.0, 0.0, 0.0, "saddle"),
            Point(-1.1092053368047865, 0.7682680925095399, 0.543718600978185, "saddle"),
            Point(1.1092053368047865, -0.7682680925095399, 0.543718600978185, "saddle"),
            Point(-1.6380679841897787, -0.22867406904439408, 2.2293571975307143, "saddle"),
            Point(1.6380679841897787, 0.22867406904439408, 2.2293571975307143, "saddle"),
            Point(-1.2960702671671092, -0.6050843880386585, 2.22947081802986, "saddle"),
            Point(1.2960702671671092, 0.6050843880386585, 2.22947081802986, "saddle"),
            Point(-1.2302298765166526, -0.16233458445899496, 2.496295351023577, "local maximum"),
            Point(1.2302298765166526, 0.16233458445899496, 2.496295351023577, "local maximum"),
        ),
        note=N_(
            "Six minima (two of them global), seven saddles and two local maxima: where a run "
            "ends depends on the start and on the optimizer."
        ),
    ),
    Surface(
        name="styblinski_tang",
        code=9,
        title="Styblinski-Tang",
        latex=r"f(x, y) = \frac{1}{2}\left(x^4 - 16x^2 + 5x + y^4 - 16y^2 + 5y\right)",
        fg=functions.styblinski_tang,
        hess_fn=functions.styblinski_tang_hess,
        bounds=((-5.0, 5.0), (-5.0, 5.0)),
        # Gradient descent ends in the local minimum (2.75, -2.90); momentum (0.9) can carry a
        # run on to the global one.
        start=(4.8, -1.0),
        points=(
            Point(-2.903534027771177, -2.903534027771177, -78.33233140754282, "global minimum"),
            Point(-2.903534027771177, 2.746802770990837, -64.19561235905536, "local minimum"),
            Point(2.746802770990837, -2.903534027771177, -64.19561235905536, "local minimum"),
            Point(2.746802770990837, 2.746802770990837, -50.05889331056788, "local minimum"),
            Point(-2.903534027771177, 0.1567312567803401, -38.97055334471606, "saddle"),
            Point(0.1567312567803401, -2.903534027771177, -38.97055334471606, "saddle"),
            Point(2.746802770990837, 0.1567312567803401, -24.833834296228584, "saddle"),
            Point(0.1567312567803401, 2.746802770990837, -24.833834296228584, "saddle"),
            Point(0.1567312567803401, 0.1567312567803401, 0.39122471811071613, "local maximum"),
        ),
        note=N_("One global minimum, three worse local minima, four saddles and a local maximum in the middle."),
    ),
    Surface(
        name="goldstein_price",
        code=10,
        title="Goldstein-Price",
        latex=(
            r"f(x, y) = \left[1 + (x + y + 1)^2\left(19 - 14x + 3x^2 - 14y + 6xy + 3y^2\right)"
            r"\right]\left[30 + (2x - 3y)^2\left(18 - 32x + 12x^2 + 48y - 36xy + 27y^2\right)"
            r"\right]"
        ),
        fg=functions.goldstein_price,
        hess_fn=functions.goldstein_price_hess,
        bounds=((-2.0, 2.0), (-2.0, 2.0)),
        # Gradient descent ends in the local minimum (-0.6, -0.4); momentum can reach (0, -1).
        start=(-1.5, 0.5),
        # Exact: x + y + 1 in {0, 2, 3} and 2x - 3y in {0, 1, 3} (see functions.py).
        points=(
            Point(0.0, -1.0, 3.0, "global minimum"),
            Point(-0.6, -0.4, 30.0, "local minimum"),
            Point(1.8, 0.2, 84.0, "local minimum"),
            Point(1.2, 0.8, 840.0, "local minimum"),
            Point(-0.4, -0.6, 35.0, "saddle"),
            Point(1.2, -0.2, 99.0, "saddle"),
            Point(1.4, 0.6, 980.0, "saddle"),
            Point(0.6, 0.4, 990.0, "saddle"),
            Point(0.8, 0.2, 1155.0, "local maximum"),
        ),
        note=N_(
            "Values span six orders of magnitude (log contour levels); one global minimum, "
            "three local minima, four saddles and a local maximum."
        ),
        log_levels=True,
    ),
    Surface(
        name="matyas",
        code=11,
        title="Matyas",
        latex=r"f(x, y) = 0.26\left(x^2 + y^2\right) - 0.48xy",
        fg=functions.matyas,
        hess_fn=functions.matyas_hess,
        bounds=((-10.0, 10.0), (-10.0, 10.0)),
        start=(-8.0, -5.0),
        points=(Point(0.0, 0.0, 0.0, "global minimum"),),
        note=N_(
            "Convex and very flat, with axes rotated by 45° and condition number 25: progress "
            "along the flat diagonal is slow."
        ),
        convex=True,
    ),
    Surface(
        name="monkey_saddle",
        code=12,
        title=N_("Monkey saddle"),
        latex=r"f(x, y) = x^3 - 3xy^2",
        fg=functions.monkey_saddle,
        hess_fn=functions.monkey_saddle_hess,
        bounds=((-1.5, 1.5), (-1.5, 1.5)),
        # On the ridge y = 0 towards the saddle: runs crawl past the origin, then leave along
        # the valley at 60 degrees.
        start=(1.2, 0.01),
        points=(Point(0.0, 0.0, 0.0, "saddle"),),
        note=N_(
            "Degenerate saddle (zero Hessian) at the origin, three valleys, unbounded below: "
            "the gradient vanishes quadratically, so runs crawl past the saddle."
        ),
    ),
)


class _Registry(dict):
    """The built-in surfaces (iteration, `in`, `len`), and by lookup also the custom ones defined in
    this process ("custom:<hash>", see `surfaces.custom`), so that code going by a surface's name
    (figures, caches, results) serves a custom surface unchanged."""

    def __missing__(self, key: str) -> Surface:
        surf = custom.lookup(key) if isinstance(key, str) else None
        if surf is None:
            raise KeyError(key)
        return surf


SURFACES: dict[str, Surface] = _Registry((s.name, s) for s in _SURFACE_LIST)


def get_surface(name: str) -> Surface:
    """The surface called `name` (a built-in, or a custom one defined in this process); ValueError
    listing the valid names otherwise."""
    try:
        return SURFACES[name]
    except (KeyError, TypeError):
        if custom.is_custom(name):
            raise ValueError(
                "surface 'custom' needs its formula: optviz.run(surface='custom', formula='x**2 + y**2', ...)"
                if name == "custom"
                else f"custom surface {name!r} is not defined in this process: define it from its formula"
            ) from None
        raise ValueError(f"surface must be one of: {', '.join(SURFACES)}, custom; got {name!r}") from None


def define_custom(formula: str, bounds: object = None, start: object = None) -> Surface:
    """A custom surface from the text of f(x, y) (see `surfaces.custom.define`); ValueError if refused."""
    return custom.define(formula, bounds, start)
