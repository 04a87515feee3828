"""The Numba stepping kernel that runs every optimizer over every 2D surface.

One compiled kernel with integer opcodes for the surface and the optimizer: it caches and runs
as fast as code specialised by hand (see `benchmarks/kernel.py`), while passing jitted
functions as arguments would not cache and would recompile in every process.  The surface
dispatchers below are generated from the `surfaces` registry (adding a surface touches the
registry only); the update rules live in `optviz.optimizers` and are shared with the MLP trainer.
The stepping loop is written once per kind of rule (one gradient a step, a proposed point, a
request loop) and generated with one copy per rule, so that each rule's call sits in its loop
with no per-step dispatch (see `run_surface`).

Private: call it through `optviz.run`, which validates input and allocates the arrays.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import numpy as np  # noqa: F401 - the generated loops use np
from numba import types

from optviz import optimizers as O  # noqa: F401 - the generated loops call O.<rule>
from optviz._jit import cfunc, generate, jit, made_once
from optviz.optimizers import (  # noqa: F401 - DONE, EVAL_F, N_SCAL, prepare_grad: read by the generated loops
    DONE,
    EVAL_F,
    GRADIENT,
    N_SCAL,
    NOTHING,
    OPTIMIZERS,
    VALUE,
    Optimizer,
    binding,
    prepare_grad,
)
from surfaces import SURFACES, Surface

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
    # A plain call (about 1 ns once the branch is predicted) rather than Numba-level inlining: the
    # ladder would otherwise be copied into every call site of every rule's loop, which doubled the
    # kernel's cold compile time for no measurable speed.
    inline=False,
)
# The value alone, inlined where it is called: the proposal loop below (the random searches) evaluates
# f only, and only where it sees the surface's code can LLVM drop the unused gradient and keep the
# loop's state in registers across the evaluation.  Through the plain call above, their loop took
# 1.35 ms per 100 000 steps against 0.87 ms (kernel alone, Rosenbrock, warm outputs).  The ladder is
# copied to the proposal loop's two call sites only.
surface_f = generate(
    "surface_f",
    "code, x, y, p",
    [(s.code, f"return _fg_{s.name}(x, y, p)[0]") for s in _BY_CODE],
    globals(),
    "f of surface `code` at (x, y) with packed parameters p (inlined into its callers).",
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


# Why one loop per rule.  With the rule called through a runtime `if code == k` ladder
# (`optviz.optimizers.step`) inside one shared loop, Numba increments and decrements the reference
# count of every array the ladder receives (nine) at each call: its LLVM pass that removes such
# pairs gives up on a 23-way branch.  Those 18 atomic operations cost about 45 ns a step, eight
# times SGD's whole step (measured: 68 ns/step against 23 ns/step with the loops below, SGD on
# Rosenbrock, kernel alone).  So each rule gets its own copy of the loop, generated from the
# templates below, with its call written in it; the copies live in one function (one cached
# kernel, one signature), and the opcode is tested once per run.  Separate functions per rule
# compiled 15% slower (each re-optimises the surfaces it links).
_HEAD = """\
n = lrs.shape[0]
x = x0.copy()
g = np.zeros(2)
h = np.zeros(3)
probe = x0.copy()
rnd = np.zeros(2)
state = np.zeros((n_state, 2))
scal = np.ones(N_SCAL)
has_noise = noise.shape[0] > 0
has_rand = rand.shape[0] > 0
rec = states.shape[0] > 0
fx, gx, gy = surface_fg(scode, x[0], x[1], sp)
path[0, 0] = x[0]
path[0, 1] = x[1]
loss[0] = fx
"""
# Rules that take one gradient at the iterate and step once (not `probes`).  They evaluate only at
# the iterate, so `probes` and `evals` stay unwritten: `optviz.run` fills them from the path.
_GRADIENT_LOOP = """\
for k in range(n):
    t = k + 1
    lr = lrs[k]
    f = fx
    if l2 != 0.0:
        f += 0.5 * l2 * (x[0] * x[0] + x[1] * x[1])
    g[0] = gx
    g[1] = gy
    if has_noise:
        g[0] += noise[k, 0]
        g[1] += noise[k, 1]
    prepare_grad(g, x, clip_norm, l2)
    {hess}
    {call}
    grads[k, 0] = g[0]
    grads[k, 1] = g[1]
    fx, gx, gy = surface_fg(scode, x[0], x[1], sp)
    # Written as a negated "all is well" so that NaN (which fails every comparison) stops too.
    if not (lo[0] <= x[0] <= hi[0] and lo[1] <= x[1] <= hi[1] and np.isfinite(fx)):
        return k
    path[k + 1, 0] = x[0]
    path[k + 1, 1] = x[1]
    loss[k + 1] = fx
    {record}
return n"""
# Rules that propose one point a step (`Optimizer.proposes`): phase 0 from f(x), phase 1 with f there.
_PROPOSAL_LOOP = """\
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
    pf = surface_f(scode, probe[0], probe[1], sp)
    f = pf
    if l2 != 0.0:
        f += 0.5 * l2 * (probe[0] * probe[0] + probe[1] * probe[1])
    phase = 1
    {call}
    # probes may be `rand` itself (`optviz.run` passes it so: no fresh memory to fault in), which
    # is safe because this step's draws were read above and later steps read later rows.
    probes[k, 0] = probe[0]
    probes[k, 1] = probe[1]
    if x[0] == probe[0] and x[1] == probe[1]:
        fx = pf
    elif x[0] != path[k, 0] or x[1] != path[k, 1]:
        fx = surface_f(scode, x[0], x[1], sp)
    if not (lo[0] <= x[0] <= hi[0] and lo[1] <= x[1] <= hi[1] and np.isfinite(fx)):
        return k
    path[k + 1, 0] = x[0]
    path[k + 1, 1] = x[1]
    loss[k + 1] = fx
    {record}
return n"""
# Everything else: the request loop of `optviz.optimizers.step` (EVAL_F / EVAL_FG at `probe`).
_REQUEST_LOOP = """\
for k in range(n):
    t = k + 1
    lr = lrs[k]
    if has_rand:
        rnd[0] = rand[k, 0]
        rnd[1] = rand[k, 1]
    f = fx
    if l2 != 0.0:
        f += 0.5 * l2 * (x[0] * x[0] + x[1] * x[1])
    used = 0
    {at_x}
    {hess}
    probe[0] = x[0]
    probe[1] = x[1]
    px = py = pf = 0.0
    phase = 0
    while True:
        {call}
        if req == DONE:
            break
        pf, px, py = surface_fg(scode, probe[0], probe[1], sp)
        f = pf
        if l2 != 0.0:
            f += 0.5 * l2 * (probe[0] * probe[0] + probe[1] * probe[1])
        if req != EVAL_F:
            g[0] = px
            g[1] = py
            if has_noise:
                g[0] += noise[k, 0]
                g[1] += noise[k, 1]
            prepare_grad(g, probe, clip_norm, l2)
        used += 1
        phase += 1
    grads[k, 0] = g[0]
    grads[k, 1] = g[1]
    probes[k, 0] = probe[0]
    probes[k, 1] = probe[1]
    evals[k] = used
    if phase > 0 and x[0] == probe[0] and x[1] == probe[1]:
        fx, gx, gy = pf, px, py  # the rule moved to its last probe
    elif phase == 0 or x[0] != path[k, 0] or x[1] != path[k, 1]:
        fx, gx, gy = surface_fg(scode, x[0], x[1], sp)
    if not (lo[0] <= x[0] <= hi[0] and lo[1] <= x[1] <= hi[1] and np.isfinite(fx)):
        return k
    path[k + 1, 0] = x[0]
    path[k + 1, 1] = x[1]
    loss[k + 1] = fx
    {record}
return n"""
_AT_X = {  # what the request loop prepares before phase 0 (`Optimizer.at_x`)
    GRADIENT: "g[0] = gx\ng[1] = gy\nif has_noise:\n    g[0] += noise[k, 0]\n    g[1] += noise[k, 1]\n"
    "prepare_grad(g, x, clip_norm, l2)\nused = 1",
    VALUE: "used = 1",
    NOTHING: "",
}


def _indented(text: str, spaces: int) -> str:
    """`text` indented by `spaces` from its second line on (the first sits at the placeholder)."""
    return ("\n" + " " * spaces).join(text.splitlines())


def writes_probes(o: Optimizer) -> bool:
    """Whether `run_surface` writes `probes` for `o` (else it may have 0 rows: they are the path)."""
    return o.probes or o.at_x != GRADIENT


def fixed_evals(o: Optimizer) -> int:
    """Objective evaluations of each of `o`'s steps when that number is fixed (then `run_surface`
    does not write `evals`, which may have 0 rows), else 0."""
    return 2 if o.proposes else 0 if writes_probes(o) else 1


def _record(o: Optimizer) -> str:
    """The copy of rule `o`'s named state rows and scalars after step k ("" if it names none).

    Written after the divergence test, so a run's recorded rows are exactly its completed steps;
    nothing else reads them, so a run that records is bitwise the run that does not.  Unrolled,
    one line per element: in a kernel of one rule, loops over the rows in the untaken branch cost
    RMSProp's loop 15% and AdaDelta's 4%, the unrolled lines nothing measurable.  Rules with
    nothing to record (SGD, Newton, the random searches) get no code at all.
    """
    rows, scalars = len(o.state_names), len(o.scal_names)
    lines = [f"states[k, {i}, {j}] = state[{i}, {j}]" for i in range(rows) for j in (0, 1)]
    lines += [f"scals[k, {i}] = scal[{i}]" for i in range(scalars)]
    return "\n".join(lines)


# Rules whose loop an untaken `if rec:` slows, measured: the kernel alone on Rosenbrock, 100 000
# steps, best of 100 runs, the whole kernel compiled twice with and twice without the recording
# code in one process.  RMSProp's loop ran 16% slower with it (3.76 against 3.25 ms), and as much
# with a single constant store in the branch: presumably LLVM no longer specialises the loop on
# its invariant branches (`centered`, `momentum`).  Every other rule stayed within 3% (Lion and
# SAM 3%).  These rules get their loop twice, recording and not, so that a run that does not
# record runs the loop it ran before; every rule so cost 80% more compile time (89 against 49 s
# on a loaded machine), for the rest's 0-3%.
_RECORD_APART = ("rmsprop",)


def _loop(o: Optimizer) -> str:
    """The stepping loop of rule `o`, with its call written in (the body of its `run_surface` branch)."""
    record = _record(o)
    if not record:
        return _HEAD + _steps(o, "")
    if o.name in _RECORD_APART:
        return _HEAD + "if rec:\n    " + _indented(_steps(o, record), 4) + "\n" + _steps(o, "")
    return _HEAD + _steps(o, "if rec:\n    " + _indented(record, 4))


def _steps(o: Optimizer, record: str) -> str:
    """Rule `o`'s loop over the steps with `record` (from `_record`) after each step."""
    call = binding(o, "O.")
    hess = "h[0], h[1], h[2] = surface_hess(scode, x[0], x[1], sp)" if o.needs_hessian else ""
    record = _indented(record, 4)
    if o.proposes:
        loop = _PROPOSAL_LOOP.format(call=call, record=record)
    elif not writes_probes(o):
        loop = _GRADIENT_LOOP.format(call=call, hess=hess, record=record)
    else:
        req = f"req = {call}" if o.probes else f"{call}\nreq = DONE"
        at_x = _indented(_AT_X[o.at_x], 4)
        loop = _REQUEST_LOOP.format(call=_indented(req, 8), hess=hess, at_x=at_x, record=record)
    return loop


_ARGS = (
    "scode, sp, code, hp, blocks, n_state, x0, lrs, noise, rand, clip_norm, l2, lo, hi, path, loss, grads, probes, "
    "evals, states, scals"
)
run_surface = generate(
    "run_surface",
    _ARGS,
    [(o.code, _loop(o)) for o in OPTIMIZERS.values()] + [(-1, "return -1")],
    globals(),
    """Run `lrs.shape[0]` steps of optimizer `code` on surface `scode`, writing into the outputs.

    sp: the surface's packed parameters; hp: `Optimizer.pack`; blocks: the point's shape for the
    rules that read it (see `optviz.optimizers.step`); n_state: rows of the rule's state.
    lrs: this step's learning rate (schedule applied).  noise: (steps, 2) gradient noise already
    scaled by sigma, or (0, 2) for none; every gradient of a step gets that step's noise (one
    "batch" per step).  rand: (steps, 2) this step's random draws for the random searches, else
    unused.  lo, hi: the box a run may not leave (else: diverged).  The objective the rules see is
    f + l2/2 ||x||^2 with gradient grad f + noise + l2 x, clipped to clip_norm.
    Outputs: path (steps+1, 2), loss (steps+1,) f along the path, grads (steps, 2) the last
    gradient each step received, probes (steps, 2) the last point each step evaluated, evals
    (steps,) objective evaluations per step.  Where `writes_probes` is False (the rule evaluates
    only at the iterate) probes is not written, nor evals where `fixed_evals` is not 0: they may
    have 0 rows.  For the proposal rules probes may be `rand` itself (each step reads its draws
    before it writes its candidate over them).
    states: (steps, r, 2) to record, after each completed step k (from 0), the rule's first
    r = len(`Optimizer.state_names`) state rows into states[k] (it may have more rows, e.g.
    n_state: they are not written); scals: (steps, c) its scal[0 .. c-1] into scals[k],
    c = len(`Optimizer.scal_names`) <= N_REC.  states with 0 rows records nothing (scals is then
    not written either and may have 0 rows): the test is made once per run.
    Returns the number of steps completed; it is < steps when step `return + 1` left the finite
    range or the box (that step's point is not written); -1 for an unknown opcode.
    Generated from the registry, one loop per rule (`run_surface.py_func.source`).
    """,
    inline=False,
)


# --------------------------------------------------------------------------- custom surfaces
# A custom surface (`surfaces.custom`) is compiled at run time: its value/gradient and Hessian
# become C callbacks (`cfunc`, in memory, once per formula and process), and each rule's loop above
# is generated a second time with the callbacks as first-class function arguments instead of the
# built-ins' opcode.  Those loops do not depend on the formula, so they compile once (lazily, per
# rule, ~1-2 s cold) and are cached on disk; the built-in kernel stays as it is.
_FG_SIG = types.UniTuple(types.float64, 3)(types.float64, types.float64, types.CPointer(types.float64))
_CUSTOM_ARGS = (
    "fg, hs, sp, hp, blocks, n_state, x0, lrs, noise, rand, clip_norm, l2, lo, hi, path, loss, grads, probes, evals, "
    "states, scals"
)
_formulas: dict[tuple[str, str], Any] = {}
_custom_runners: dict[int, Callable] = {}
_formula_compiles = 0


def formula_compiles() -> int:
    """How many custom-surface callbacks this process compiled (a second run of a formula adds none)."""
    return _formula_compiles


def _callback(surf: Surface, which: str) -> Any:
    def make() -> Any:
        global _formula_compiles
        compiled = cfunc(_FG_SIG, surf.fg if which == "fg" else surf.hess_fn)
        _formula_compiles += 1
        return compiled

    return made_once(_formulas, (surf.formula, which), make)


def formula_functions(surf: Surface, hessian: bool = True) -> tuple[Any, Any]:
    """The compiled (value and gradient, Hessian) callbacks of custom surface `surf`, cached by formula.

    hessian=False compiles no Hessian (only Newton reads it) and returns the value callback twice.
    """
    fg = _callback(surf, "fg")
    return fg, _callback(surf, "hess") if hessian else fg


def _with_surface(src: str, fg: str, hs: str) -> str:
    """Rule loop `src` (from `_loop`) calling `fg` and `hs` where it called the opcode dispatchers."""
    src = src.replace("surface_fg(scode, ", f"{fg}(").replace("surface_hess(scode, ", f"{hs}(")
    return re.sub(r"surface_f\(scode, ([^()]*)\)", rf"{fg}(\1)[0]", src)


def custom_runner(o: Optimizer) -> Callable:
    """`run_surface` of rule `o` for a custom surface: (fg, hs, sp, hp, ...) as in `_CUSTOM_ARGS`."""

    def make() -> Callable:
        src = _with_surface(_loop(o), "fg", "hs")
        src = "spp = sp.ctypes\n" + src.replace(", sp)", ", spp)")
        return generate(f"_run_custom_{o.name}", _CUSTOM_ARGS, [(-1, src)], globals(), inline=False)

    return made_once(_custom_runners, o.code, make)


# --------------------------------------------------------------------------- one surface, one rule
# The batched maps (`optviz.batch`) run one rule on one built-in surface thousands of times.  For
# them each rule's loop is generated once more per surface, with the surface's own functions called
# by name instead of through the opcode dispatchers, and the rule inlined by Numba (the very same
# Python function, compiled with inline="always") instead of called: a called rule costs a view and
# a reference-count increment and decrement per array it receives, every step.  LLVM then keeps the
# point and the state in registers.  Measured, Adam on Rosenbrock, 500-step runs, the kernel alone,
# best CPU time of 12 interleaved rounds: 62 ns a step through `run_surface`, 41 ns specialised
# (a hand-written scalar loop: 30 ns).  The same loop text and the same functions, so the same
# arithmetic: a run is bitwise `run_surface`'s (tested for every rule).  Each pair compiles on first
# use (seconds cold, then cached on disk), so `optviz.batch` asks for it only for large batches.
_pair_runners: dict[tuple[int, int], Callable] = {}


def _inlined(rule: str) -> str:
    """The name of a copy of update rule `O.<rule>` that Numba inlines into its caller (made once)."""
    name = f"_inline{rule}"
    if name not in globals():
        globals()[name] = jit(getattr(O, rule).py_func, inline=True)
    return name


def surface_runner(surf: Surface, o: Optimizer) -> Callable:
    """`run_surface` specialised to built-in surface `surf` and rule `o`: the same arguments (scode and
    code are not read), the same outputs, bit for bit; compiled on first use and cached on disk."""
    if surf.formula:
        raise ValueError(f"surface_runner takes a built-in surface, not the custom formula {surf.formula!r}")

    def make() -> Callable:
        src = _with_surface(_loop(o), f"_fg_{surf.name}", f"_h_{surf.name}")
        src = re.sub(r"\bO\.(_\w+)\(", lambda m: _inlined(m.group(1)) + "(", src)
        return generate(f"_run_{surf.name}__{o.name}", _ARGS, [(-1, src)], globals(), inline=False)

    return made_once(_pair_runners, (surf.code, o.code), make)
