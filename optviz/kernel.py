"""The Numba stepping kernel that runs every optimizer over every 2D surface.

One compiled kernel with integer opcodes for the surface and the optimizer: it caches and runs
as fast as code specialised by hand (see `benchmarks/kernel.py`), while passing jitted
functions as arguments would not cache and would recompile in every process.  The update rules
themselves live in `optviz.optimizers` and are shared with the MLP trainer.

Private: call it through `optviz.run`, which validates input and allocates the arrays.
"""

from __future__ import annotations

import numpy as np

from optviz._jit import jit
from optviz.optimizers import N_STATE, NEWTON, RANDOM_LOCAL_SEARCH, RANDOM_SEARCH, prepare_grad, update
from surfaces import functions as F

# Jitted copies of the surface functions; the order is the registry's `code` order.
_fg = tuple(
    jit(fn)
    for fn in (
        F.bowl,
        F.rosenbrock,
        F.saddle,
        F.beale,
        F.himmelblau,
        F.rastrigin,
        F.ackley,
        F.booth,
        F.six_hump_camel,
        F.styblinski_tang,
        F.goldstein_price,
        F.matyas,
        F.monkey_saddle,
    )
)
_h = tuple(
    jit(fn)
    for fn in (
        F.bowl_hess,
        F.rosenbrock_hess,
        F.saddle_hess,
        F.beale_hess,
        F.himmelblau_hess,
        F.rastrigin_hess,
        F.ackley_hess,
        F.booth_hess,
        F.six_hump_camel_hess,
        F.styblinski_tang_hess,
        F.goldstein_price_hess,
        F.matyas_hess,
        F.monkey_saddle_hess,
    )
)
(_fg0, _fg1, _fg2, _fg3, _fg4, _fg5, _fg6, _fg7, _fg8, _fg9, _fg10, _fg11, _fg12) = _fg
(_h0, _h1, _h2, _h3, _h4, _h5, _h6, _h7, _h8, _h9, _h10, _h11, _h12) = _h
N_SURFACES = len(_fg)


@jit(inline=True)
def surface_fg(code, x, y, p):
    """(f, df/dx, df/dy) of surface `code` at (x, y) with packed parameters p."""
    if code == 0:
        return _fg0(x, y, p)
    elif code == 1:
        return _fg1(x, y, p)
    elif code == 2:
        return _fg2(x, y, p)
    elif code == 3:
        return _fg3(x, y, p)
    elif code == 4:
        return _fg4(x, y, p)
    elif code == 5:
        return _fg5(x, y, p)
    elif code == 6:
        return _fg6(x, y, p)
    elif code == 7:
        return _fg7(x, y, p)
    elif code == 8:
        return _fg8(x, y, p)
    elif code == 9:
        return _fg9(x, y, p)
    elif code == 10:
        return _fg10(x, y, p)
    elif code == 11:
        return _fg11(x, y, p)
    return _fg12(x, y, p)


@jit
def surface_hess(code, x, y, p):
    """(h_xx, h_xy, h_yy) of surface `code` at (x, y)."""
    if code == 0:
        return _h0(x, y, p)
    elif code == 1:
        return _h1(x, y, p)
    elif code == 2:
        return _h2(x, y, p)
    elif code == 3:
        return _h3(x, y, p)
    elif code == 4:
        return _h4(x, y, p)
    elif code == 5:
        return _h5(x, y, p)
    elif code == 6:
        return _h6(x, y, p)
    elif code == 7:
        return _h7(x, y, p)
    elif code == 8:
        return _h8(x, y, p)
    elif code == 9:
        return _h9(x, y, p)
    elif code == 10:
        return _h10(x, y, p)
    elif code == 11:
        return _h11(x, y, p)
    return _h12(x, y, p)


@jit
def run_surface(scode, sp, ocode, hp, x0, lr, noise, rand, clip_norm, l2, lo, hi, path, loss, grads):
    """Run `lr.shape[0]` steps of optimizer `ocode` on surface `scode`, writing into the outputs.

    noise: (steps, 2) gradient noise already scaled by sigma, or (0, 2) for none.
    rand: (steps, 2) candidate points drawn in the plot bounds for random search, standard
    normals for random local search, else unused.  lo, hi: the box a run may not leave (else: diverged).
    path (steps+1, 2), loss (steps+1,), grads (steps, 2): outputs.
    Returns the number of steps completed; it is < steps when step `return + 1` left the finite
    range or the box (that step's point is not written).
    """
    n = lr.shape[0]
    x = x0.copy()
    g = np.zeros(2)
    h = np.zeros(3)
    state = np.zeros((N_STATE, 2))
    scal = np.ones(2)
    has_noise = noise.shape[0] > 0
    f, gx, gy = surface_fg(scode, x[0], x[1], sp)
    path[0, 0] = x[0]
    path[0, 1] = x[1]
    loss[0] = f
    for t in range(n):
        if ocode == RANDOM_SEARCH:
            cx = rand[t, 0]
            cy = rand[t, 1]
            cf, _, _ = surface_fg(scode, cx, cy, sp)
            if cf < f:
                x[0], x[1], f = cx, cy, cf
        elif ocode == RANDOM_LOCAL_SEARCH:
            cx = x[0] + lr[t] * rand[t, 0]
            cy = x[1] + lr[t] * rand[t, 1]
            cf, _, _ = surface_fg(scode, cx, cy, sp)
            if cf < f:
                x[0], x[1], f = cx, cy, cf
        else:
            g[0] = gx
            g[1] = gy
            if has_noise:
                g[0] += noise[t, 0]
                g[1] += noise[t, 1]
            prepare_grad(g, x, clip_norm, l2)
            grads[t, 0] = g[0]
            grads[t, 1] = g[1]
            if ocode == NEWTON:
                h[0], h[1], h[2] = surface_hess(scode, x[0], x[1], sp)
            update(ocode, x, g, state, scal, hp, t + 1, lr[t], h)
            f, gx, gy = surface_fg(scode, x[0], x[1], sp)
        # Written as a negated "all is well" so that NaN (which fails every comparison) stops too.
        if not (lo[0] <= x[0] <= hi[0] and lo[1] <= x[1] <= hi[1] and np.isfinite(f)):
            return t
        path[t + 1, 0] = x[0]
        path[t + 1, 1] = x[1]
        loss[t + 1] = f
    return n
