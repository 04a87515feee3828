"""The Numba stepping kernel that runs every optimizer over every 2D surface.

One compiled kernel with integer opcodes for the surface and the optimizer: it caches and runs
as fast as code specialised by hand (see `benchmarks/kernel.py`), while passing jitted
functions as arguments would not cache and would recompile in every process.  The surface
dispatchers below are generated from the `surfaces` registry (adding a surface touches the
registry only); the update rules and their dispatcher live in `optviz.optimizers` and are shared
with the MLP trainer.

Private: call it through `optviz.run`, which validates input and allocates the arrays.
"""

from __future__ import annotations

import numpy as np

from optviz import optimizers as O  # noqa: F401 - the generated proposal loops call O.<rule>
from optviz._jit import generate, jit
from optviz.optimizers import (
    AT_X,
    DONE,
    EVAL_F,
    GRADIENT,
    N_SCAL,
    NEEDS_HESSIAN,
    OPTIMIZERS,
    PROBES,
    PROPOSES,
    VALUE,
    binding,
    prepare_grad,
    step,
)
from surfaces import SURFACES

_BY_CODE = sorted(SURFACES.values(), key=lambda s: s.code)
assert [s.code for s in _BY_CODE] == list(range(len(_BY_CODE))), "surface codes must be 0, 1, 2, ..."
N_SURFACES = len(_BY_CODE)
for _s in _BY_CODE:  # jitted copies of the plain surface functions, named for the generated dispatchers
    globals()[f"_fg_{_s.name}"] = jit(_s.fg)
    globals()[f"_h_{_s.name}"] = jit(_s.hess_fn)

surface_fg = generate(
    "surface_fg",
    "code, x, y, p",
    [(s.code, f"return _fg_{s.name}(x, y, p)") for s in _BY_CODE],
    globals(),
    "(f, df/dx, df/dy) of surface `code` at (x, y) with packed parameters p.",
    inline=True,
)
surface_hess = generate(
    "surface_hess",
    "code, x, y, p",
    [(s.code, f"return _h_{s.name}(x, y, p)") for s in _BY_CODE],
    globals(),
    "(h_xx, h_xy, h_yy) of surface `code` at (x, y).",
    inline=False,
)


# The loop of the rules that propose one point a step (`Optimizer.proposes`), written once and
# generated with one copy per rule, so that the rule's call sits in the loop with no dispatch
# around it.  Inside the general loop below they ran 8x slower per step (15 M against the old
# 130 M steps/s on Rosenbrock; 2.5-3.5x through `optviz.run`): Numba keeps the reference counts
# of every array a runtime `if code == k` ladder passes on, two atomic operations per array and call.
_PROPOSAL_LOOP = """\
n = lrs.shape[0]
x = x0.copy()
probe = x0.copy()
rnd = np.zeros(2)
scal = np.ones(N_SCAL)
has_rand = rand.shape[0] > 0
fx, _, _ = surface_fg(scode, x[0], x[1], sp)
path[0, 0] = x[0]
path[0, 1] = x[1]
loss[0] = fx
for k in range(n):
    t = k + 1
    lr = lrs[k]
    if has_rand:
        rnd[0] = rand[k, 0]
        rnd[1] = rand[k, 1]
    f = fx
    if l2 != 0.0:
        f += 0.5 * l2 * (x[0] * x[0] + x[1] * x[1])
    phase = 0
    {call}
    pf, _, _ = surface_fg(scode, probe[0], probe[1], sp)
    f = pf
    if l2 != 0.0:
        f += 0.5 * l2 * (probe[0] * probe[0] + probe[1] * probe[1])
    phase = 1
    {call}
    probes[k, 0] = probe[0]
    probes[k, 1] = probe[1]
    evals[k] = 2
    if x[0] == probe[0] and x[1] == probe[1]:
        fx = pf
    elif x[0] != path[k, 0] or x[1] != path[k, 1]:
        fx, _, _ = surface_fg(scode, x[0], x[1], sp)
    if not (lo[0] <= x[0] <= hi[0] and lo[1] <= x[1] <= hi[1] and np.isfinite(fx)):
        return k
    path[k + 1, 0] = x[0]
    path[k + 1, 1] = x[1]
    loss[k + 1] = fx
return n"""
_run_proposals = generate(
    "_run_proposals",
    "code, scode, sp, hp, x0, lrs, rand, l2, lo, hi, path, loss, probes, evals",
    [(o.code, _PROPOSAL_LOOP.format(call=binding(o, "O."))) for o in OPTIMIZERS.values() if o.proposes]
    + [(-1, "return -1")],
    globals(),
    "`run_surface` for the rules that propose one point a step (same arguments, lrs = lr).",
    inline=False,
)


@jit
def run_surface(
    scode, sp, ocode, hp, blocks, n_state, x0, lr, noise, rand, clip_norm, l2, lo, hi, path, loss, grads, probes, evals
):
    """Run `lr.shape[0]` steps of optimizer `ocode` on surface `scode`, writing into the outputs.

    blocks: the point's shape for the rules that read it (see `optviz.optimizers.step`);
    n_state: rows of the rule's state.  noise: (steps, 2) gradient noise already scaled by sigma,
    or (0, 2) for none; every gradient of a step gets that step's noise (one "batch" per step).
    rand: (steps, 2) this step's random draws for the random searches, else unused.  lo, hi: the
    box a run may not leave (else: diverged).  The objective the rules see is
    f + l2/2 ||x||^2 with gradient grad f + noise + l2 x, clipped to clip_norm.
    Outputs: path (steps+1, 2), loss (steps+1,) f along the path, grads (steps, 2) the last
    gradient each step received, probes (steps, 2) the last point each step evaluated (the
    iterate itself unless the rule probes elsewhere), evals (steps,) objective evaluations per step.
    Returns the number of steps completed; it is < steps when step `return + 1` left the finite
    range or the box (that step's point is not written).
    """
    if PROPOSES[ocode]:
        return _run_proposals(ocode, scode, sp, hp, x0, lr, rand, l2, lo, hi, path, loss, probes, evals)
    n = lr.shape[0]
    x = x0.copy()
    g = np.zeros(2)
    h = np.zeros(3)
    probe = x0.copy()
    rnd = np.zeros(2)
    state = np.zeros((n_state, 2))
    scal = np.ones(N_SCAL)
    has_noise = noise.shape[0] > 0
    has_rand = rand.shape[0] > 0
    at_x = AT_X[ocode]
    f, gx, gy = surface_fg(scode, x[0], x[1], sp)
    path[0, 0] = x[0]
    path[0, 1] = x[1]
    loss[0] = f
    for t in range(n):
        if has_rand:
            rnd[0] = rand[t, 0]
            rnd[1] = rand[t, 1]
        obj = f
        if l2 != 0.0:
            obj += 0.5 * l2 * (x[0] * x[0] + x[1] * x[1])
        used = 0
        if at_x == GRADIENT:
            g[0] = gx
            g[1] = gy
            if has_noise:
                g[0] += noise[t, 0]
                g[1] += noise[t, 1]
            prepare_grad(g, x, clip_norm, l2)
            used = 1
        elif at_x == VALUE:
            used = 1
        if NEEDS_HESSIAN[ocode]:
            h[0], h[1], h[2] = surface_hess(scode, x[0], x[1], sp)
        probe[0] = x[0]
        probe[1] = x[1]
        px = py = pf = 0.0
        phase = 0
        if not PROBES[ocode]:  # one evaluation per step: no request loop (the loop cost 10-40% on these rules)
            step(ocode, phase, x, g, obj, probe, rnd, state, scal, hp, t + 1, lr[t], h, blocks)
        while PROBES[ocode]:
            req = step(ocode, phase, x, g, obj, probe, rnd, state, scal, hp, t + 1, lr[t], h, blocks)
            if req == DONE:
                break
            pf, px, py = surface_fg(scode, probe[0], probe[1], sp)
            obj = pf
            if l2 != 0.0:
                obj += 0.5 * l2 * (probe[0] * probe[0] + probe[1] * probe[1])
            if req != EVAL_F:
                g[0] = px
                g[1] = py
                if has_noise:
                    g[0] += noise[t, 0]
                    g[1] += noise[t, 1]
                prepare_grad(g, probe, clip_norm, l2)
            used += 1
            phase += 1
        grads[t, 0] = g[0]
        grads[t, 1] = g[1]
        probes[t, 0] = probe[0]
        probes[t, 1] = probe[1]
        evals[t] = used
        if phase > 0 and x[0] == probe[0] and x[1] == probe[1]:
            f, gx, gy = pf, px, py  # the rule moved to its last probe
        elif phase == 0 or x[0] != path[t, 0] or x[1] != path[t, 1]:
            f, gx, gy = surface_fg(scode, x[0], x[1], sp)
        # Written as a negated "all is well" so that NaN (which fails every comparison) stops too.
        if not (lo[0] <= x[0] <= hi[0] and lo[1] <= x[1] <= hi[1] and np.isfinite(f)):
            return t
        path[t + 1, 0] = x[0]
        path[t + 1, 1] = x[1]
        loss[t + 1] = f
    return n
