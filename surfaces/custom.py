"""The lecturer's own surface: f(x, y) typed as text, parsed safely, differentiated symbolically.

    surf = define("sin(3*x) * cos(2*y) + 0.1*(x**2 + y**2)", bounds=((-3, 3), (-3, 3)))
    surf.fg(x, y, p), surf.hess_fn(x, y, p), surf.minima, surf.saddles, surf.latex ...

`define` returns a `Surface` like the built-ins: plain value/gradient and Hessian functions that
broadcast over numpy arrays and compile under Numba on floats, bounds, a default start, the
stationary points it finds, and the LaTeX of the formula.  Its name, "custom:<hash>", is a
content address of the formula and the bounds: the same text always gives the same name, so
`get_surface(name)` and every cache keyed by a surface name (contours, runs) stay correct when
many sessions type many formulas.

Safety.  The text is never evaluated.  It is parsed by Python's `ast` (mode "eval") and walked
against a whitelist: numbers, x, y, pi, e, + - * / ** (and ^ as a power), unary minus and plus,
and the one-argument functions in `FUNCTIONS`.  Anything else (names, attributes, subscripts,
calls of other things, lambdas, comprehensions, keywords, strings, comparisons) is refused with a
ValueError naming the argument `formula` and the column.  Limits: `MAX_CHARS` characters,
`MAX_DEPTH` levels of nesting, `MAX_NODES` nodes, constant exponents within +-`MAX_EXPONENT`, at
most `MAX_DERIVED_OPS` operations in the derived gradient and Hessian, and `MAX_EVAL_SECONDS` to
evaluate everything on a 100 x 100 grid.  The whitelisted tree becomes a sympy expression (sympy
derives the gradient and the Hessian); the Python source of the plain functions is printed from
those sympy expressions by our printer, checked again against the same whitelist, and only that
printed source is compiled.

Stationary points: Newton's iteration on the gradient from a 7 x 7 grid of starts inside the
bounds (vectorised in numpy), deduplicated, classified by the Hessian's eigenvalues (both > 0:
minimum, both < 0: maximum, mixed: saddle; the lowest minimum is the "global minimum" of the plot).

References: Python `ast` module documentation; sympy `diff`, `cse` and the NumPy code printer.
"""

from __future__ import annotations

import ast
import hashlib
import math
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

import numpy as np

MAX_CHARS = 500
MAX_DEPTH = 30
MAX_NODES = 300
MAX_EXPONENT = 100.0
MAX_DERIVED_OPS = 20_000
MAX_EVAL_SECONDS = 1.0
MAX_CUSTOM = 512  # distinct custom surfaces kept per process (the oldest is forgotten first)
GRID_STARTS = 7  # stationary-point search: GRID_STARTS x GRID_STARTS starts
DEFAULT_BOUNDS = ((-3.0, 3.0), (-3.0, 3.0))
PREFIX = "custom:"

# name typed -> sympy function name; numpy's names are accepted too
FUNCTIONS = {
    "sin": "sin",
    "cos": "cos",
    "tan": "tan",
    "asin": "asin",
    "acos": "acos",
    "atan": "atan",
    "arcsin": "asin",
    "arccos": "acos",
    "arctan": "atan",
    "sinh": "sinh",
    "cosh": "cosh",
    "tanh": "tanh",
    "exp": "exp",
    "log": "log",
    "ln": "log",
    "sqrt": "sqrt",
    "abs": "Abs",
}
CONSTANTS = ("pi", "e")
VARIABLES = ("x", "y")

_NODE_WORDS = {
    "Attribute": "attribute access (a.b)",
    "Subscript": "indexing (a[...])",
    "Lambda": "lambda",
    "ListComp": "a comprehension",
    "SetComp": "a comprehension",
    "DictComp": "a comprehension",
    "GeneratorExp": "a comprehension",
    "Compare": "a comparison",
    "BoolOp": "and/or",
    "IfExp": "if/else",
    "NamedExpr": "an assignment (:=)",
    "Starred": "*args",
    "JoinedStr": "a string",
    "List": "a list",
    "Tuple": "a tuple (a comma)",
    "Dict": "a dict",
    "Set": "a set",
    "Await": "await",
    "Yield": "yield",
    "YieldFrom": "yield",
    "Slice": "a slice",
}
_BINOPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**", ast.BitXor: "**"}

_lock = threading.Lock()
_DEFINED: dict[str, Any] = {}  # name -> Surface, in definition order (see MAX_CUSTOM)
_PARSED: dict[str, Any] = {}  # canonical formula -> _Derived (one sympy derivation per formula)


def _err(msg: str, node: ast.AST | None = None) -> ValueError:
    where = f" (at column {node.col_offset + 1})" if node is not None and hasattr(node, "col_offset") else ""
    return ValueError(f"formula: {msg}{where}")


def _check_text(formula: Any) -> str:
    if not isinstance(formula, str):
        raise ValueError(f"formula must be a text such as 'x**2 + 3*y**2', got {type(formula).__name__}")
    text = formula.strip()
    if not text:
        raise ValueError("formula is empty: type f(x, y), e.g. 'x**2 + 3*y**2'")
    if len(text) > MAX_CHARS:
        raise ValueError(f"formula: at most {MAX_CHARS} characters, got {len(text):,}")
    return text


def _parse_tree(text: str) -> ast.Expression:
    # ^ is the power, as in the lecture notes: written ** before parsing, since Python's ^ (XOR)
    # binds more loosely than +, so x^2 + y^2 would read as x^(2 + y)^2.  Columns in messages are
    # mapped back to the text as typed.
    cols: list[int] = []
    for i, ch in enumerate(text):
        cols += [i, i] if ch == "^" else [i]
    text = text.replace("^", "**")
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as e:
        col = f" (at column {cols[min(e.offset, len(cols)) - 1] + 1})" if e.offset else ""
        raise ValueError(f"formula: not a valid expression: {e.msg}{col}") from None
    except (RecursionError, MemoryError, ValueError):
        raise ValueError(f"formula: nested too deeply (at most {MAX_DEPTH} levels)") from None
    for node in ast.walk(tree):
        if hasattr(node, "col_offset"):
            node.col_offset = cols[min(node.col_offset, len(cols) - 1)]
    return tree


class _ToSympy:
    """Walks a whitelisted `ast` tree into a sympy expression; raises ValueError on anything else."""

    def __init__(self, sp: Any) -> None:
        self.sp = sp
        self.nodes = 0
        self.x, self.y = sp.symbols("x y", real=True)

    def __call__(self, node: ast.AST, depth: int = 0) -> Any:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise _err(f"too long: at most {MAX_NODES} numbers, names and operations", node)
        if depth > MAX_DEPTH:
            raise _err(f"nested too deeply (at most {MAX_DEPTH} levels)", node)
        sp = self.sp
        if isinstance(node, ast.Constant):
            v = node.value
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                raise _err(f"only numbers, x and y are allowed, not {type(v).__name__} {v!r}"[:120], node)
            if isinstance(v, int) and abs(v) <= 2**53:
                return sp.Integer(v)
            fv = float(v)
            if not math.isfinite(fv):
                raise _err(f"the number {str(v)[:20]} is too large", node)
            return sp.Float(fv)
        if isinstance(node, ast.Name):
            if node.id == "x":
                return self.x
            if node.id == "y":
                return self.y
            if node.id == "pi":
                return sp.pi
            if node.id == "e":
                return sp.E
            if node.id in FUNCTIONS:
                raise _err(f"{node.id} is a function: write {node.id}(...)", node)
            raise _err(f"unknown name {node.id!r}; allowed: x, y, pi, e and {', '.join(sorted(FUNCTIONS))}", node)
        if isinstance(node, ast.UnaryOp):
            if isinstance(node.op, ast.USub):
                return -self(node.operand, depth + 1)
            if isinstance(node.op, ast.UAdd):
                return self(node.operand, depth + 1)
            raise _err("only - and + may stand before a term", node)
        if isinstance(node, ast.BinOp):
            if type(node.op) not in _BINOPS:
                raise _err(f"operator {type(node.op).__name__} is not allowed; use + - * / ** (or ^)", node)
            a = self(node.left, depth + 1)
            b = self(node.right, depth + 1)
            if isinstance(node.op, ast.Add):
                return a + b
            if isinstance(node.op, ast.Sub):
                return a - b
            if isinstance(node.op, ast.Mult):
                return a * b
            if isinstance(node.op, ast.Div):
                if b.is_zero:
                    raise _err("division by zero", node)
                return a / b
            return self._power(a, b, node)
        if isinstance(node, ast.Call):
            f = node.func
            if not isinstance(f, ast.Name):
                word = _NODE_WORDS.get(type(f).__name__, type(f).__name__)
                raise _err(f"{word} is not allowed; call a function by its name, e.g. sin(x)", f)
            if f.id not in FUNCTIONS:
                raise _err(f"unknown function {f.id!r}; allowed: {', '.join(sorted(FUNCTIONS))}", node)
            if node.keywords or len(node.args) != 1:
                raise _err(f"{f.id}(...) takes exactly one argument", node)
            arg = self(node.args[0], depth + 1)
            return getattr(sp, FUNCTIONS[f.id])(arg)
        word = _NODE_WORDS.get(type(node).__name__, type(node).__name__)
        raise _err(f"{word} is not allowed; a formula uses numbers, x, y, + - * / ** and functions", node)

    def _power(self, a: Any, b: Any, node: ast.AST) -> Any:
        sp = self.sp
        if b.is_number:
            e = complex(sp.N(b))
            if e.imag or not math.isfinite(e.real) or abs(e.real) > MAX_EXPONENT:
                raise _err(f"exponents must be numbers within ±{MAX_EXPONENT:g}", node)
            if a.is_number:  # a constant: computed here, in floating point (never a huge exact integer)
                try:
                    v = float(sp.N(a)) ** e.real
                except (OverflowError, ZeroDivisionError, TypeError):
                    raise _err("a constant power is too large or undefined", node) from None
                if isinstance(v, complex) or not math.isfinite(v):
                    raise _err("a constant power is too large or undefined", node)
                return sp.Float(v)
        return a**b


class _Derived:
    """A parsed formula: its sympy value, gradient and Hessian, and the printed Python source."""

    def __init__(self, canonical: str, expr: Any, sp: Any, x: Any, y: Any) -> None:
        self.canonical = canonical
        self.expr = expr
        gx, gy = sp.diff(expr, x), sp.diff(expr, y)
        hxx, hxy, hyy = sp.diff(gx, x), sp.diff(gx, y), sp.diff(gy, y)
        ops = sum(sp.count_ops(e) for e in (expr, gx, gy, hxx, hxy, hyy))
        if ops > MAX_DERIVED_OPS:
            raise ValueError(
                f"formula: its derivatives are too large to compile ({ops:,} operations; at most {MAX_DERIVED_OPS:,})"
            )
        self.latex = sp.latex(expr)
        self.source = _print_functions(sp, (expr, gx, gy), (hxx, hxy, hyy))
        _check_printed(self.source)
        namespace: dict[str, Any] = {"numpy": np, "float": float, "__builtins__": {}}
        exec(compile(self.source, "<optviz custom surface>", "exec"), namespace)  # noqa: S102 - printed by us, re-checked
        self.fg: Callable = namespace["fg"]
        self.hess: Callable = namespace["hess"]


def _print_functions(sp: Any, fg: Sequence[Any], hess: Sequence[Any]) -> str:
    from sympy.printing.numpy import NumPyPrinter

    class Printer(NumPyPrinter):
        def _print_Float(self, e: Any) -> str:  # every bit of the double (the default prints 15 digits)
            return repr(float(e))

        def _print_DiracDelta(self, e: Any) -> str:  # d/dx sign(x): zero almost everywhere
            return "0.0"

        def _print_Integer(self, e: Any) -> str:
            return str(int(e))

    printer = Printer({"fully_qualified_modules": True, "inline": True, "allow_unknown_functions": False})

    def body(name: str, exprs: Sequence[Any]) -> list[str]:
        subs, reduced = sp.cse(list(exprs), symbols=sp.numbered_symbols("_t"), optimizations=None)
        lines = [f"def {name}(x, y, p):"]
        for sym, e in subs:
            lines.append(f"    {sym} = {printer.doprint(e)}")
        outs = []
        for e in reduced:
            text = printer.doprint(e)
            outs.append(f"float({text})" if not e.free_symbols else text)  # Numba needs floats, not ints
        lines.append(f"    return ({', '.join(outs)})")
        return lines

    return "\n".join(body("fg", fg) + body("hess", hess)) + "\n"


_PRINTED_CALLS = {
    "numpy." + n
    for n in (
        "sin cos tan arcsin arccos arctan sinh cosh tanh exp log sqrt abs sign pi e float64 power "
        "divide multiply add subtract"
    ).split()
}


def _check_printed(source: str) -> None:
    """The printed source may only define fg and hess from numbers, x, y, temporaries and numpy maths."""
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            if not (isinstance(node.value, ast.Name) and node.value.id == "numpy"):
                raise RuntimeError(f"printed formula uses {ast.dump(node)}")  # a bug of ours, never user text
            if "numpy." + node.attr not in _PRINTED_CALLS:
                raise RuntimeError(f"printed formula calls numpy.{node.attr}")
        elif isinstance(node, ast.Name):
            if node.id not in ("x", "y", "p", "numpy", "float") and not node.id.startswith("_t"):
                raise RuntimeError(f"printed formula uses the name {node.id!r}")
        elif not isinstance(
            node,
            (
                ast.Module,
                ast.FunctionDef,
                ast.arguments,
                ast.arg,
                ast.Return,
                ast.Assign,
                ast.Tuple,
                ast.Call,
                ast.BinOp,
                ast.UnaryOp,
                ast.Constant,
                ast.Load,
                ast.Store,
                ast.operator,
                ast.unaryop,
            ),
        ):
            raise RuntimeError(f"printed formula contains {type(node).__name__}")


def parse(formula: Any) -> _Derived:
    """Parse, check and differentiate `formula` (cached per canonical text); ValueError if refused."""
    text = _check_text(formula)
    tree = _parse_tree(text)
    canonical = ast.unparse(tree)  # spacing and redundant parentheses do not make a new formula
    hit = _PARSED.get(canonical)
    if hit is not None:
        return hit
    import sympy as sp  # here, not at the top: 0.4 s of import that only a typed formula needs

    walker = _ToSympy(sp)
    expr = walker(tree.body)  # a constant is allowed: a flat plot, if of little use
    derived = _Derived(canonical, expr, sp, walker.x, walker.y)
    with _lock:
        _PARSED[canonical] = derived
        while len(_PARSED) > MAX_CUSTOM:
            _PARSED.pop(next(iter(_PARSED)))
    return derived


def check_bounds(bounds: Any) -> tuple[tuple[float, float], tuple[float, float]]:
    """((x_lo, x_hi), (y_lo, y_hi)) as floats with lo < hi, or a ValueError naming `bounds`."""
    if bounds is None:
        return DEFAULT_BOUNDS
    try:
        (a, b), (c, d) = bounds
        out = ((float(a), float(b)), (float(c), float(d)))
    except (TypeError, ValueError):
        raise ValueError(f"bounds must be ((x_min, x_max), (y_min, y_max)), got {bounds!r}"[:200]) from None
    for lo, hi in out:
        if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi and max(abs(lo), abs(hi)) <= 1e6):
            raise ValueError(f"bounds must be finite with min < max (within ±1e6), got {bounds!r}"[:200])
    return out


def name_of(formula: str, bounds: Any = None) -> str:
    """The registry name of a custom surface: "custom:" and a hash of the formula and the bounds."""
    canonical = ast.unparse(_parse_tree(_check_text(formula)))
    key = f"{canonical}|{check_bounds(bounds)!r}"
    return PREFIX + hashlib.sha1(key.encode()).hexdigest()[:12]


def is_custom(name: Any) -> bool:
    """Whether `name` is "custom" or a defined custom surface's name."""
    return isinstance(name, str) and (name == "custom" or name.startswith(PREFIX))


def lookup(name: str) -> Any:
    """The custom surface defined under `name` in this process, or None."""
    return _DEFINED.get(name)


def define(formula: Any, bounds: Any = None, start: Sequence[float] | None = None) -> Any:
    """The `Surface` of `formula` on `bounds` (default ((-3, 3), (-3, 3))); ValueError if refused.

    start: the returned surface's default start (else a quarter of the way in from the upper-left
    corner; the registry keeps that one).  The same formula and bounds give the same surface
    (name, functions, points) without a second derivation.
    """
    from surfaces import Point, Surface  # the registry module imports this one: Surface is defined by then

    b = check_bounds(bounds)
    derived = parse(formula)
    name = PREFIX + hashlib.sha1(f"{derived.canonical}|{b!r}".encode()).hexdigest()[:12]
    surf = _DEFINED.get(name)
    if surf is not None:
        return surf if start is None else replace(surf, start=(float(start[0]), float(start[1])))
    (x0, x1), (y0, y1) = b
    t0 = time.perf_counter()
    with np.errstate(all="ignore"):
        xs, ys = np.meshgrid(np.linspace(x0, x1, 100), np.linspace(y0, y1, 100))
        f, gx, gy = (np.broadcast_to(np.asarray(v, dtype=np.float64), xs.shape) for v in derived.fg(xs, ys, None))
        hxx, hxy, hyy = (np.broadcast_to(np.asarray(v, dtype=np.float64), xs.shape) for v in derived.hess(xs, ys, None))
    if time.perf_counter() - t0 > MAX_EVAL_SECONDS:
        raise ValueError(f"formula: too slow to evaluate (over {MAX_EVAL_SECONDS:g} s on a 100 x 100 grid)")
    if not np.isfinite(f).any():
        raise ValueError("formula: it has no finite value anywhere in the bounds")
    fin = np.isfinite(hxx) & np.isfinite(hxy) & np.isfinite(hyy)
    convex = bool(fin.all() and np.all(hxx >= 0) and np.all(hyy >= 0) and np.all(hxx * hyy - hxy * hxy >= -1e-12))
    span = max(f[np.isfinite(f)].max() - f[np.isfinite(f)].min(), 0.0)
    fmin = f[np.isfinite(f)].min()
    points = tuple(Point(px, py, pf, kind) for px, py, pf, kind in stationary_points(derived, b))
    text = derived.canonical
    surf = Surface(
        name=name,
        code=-1,
        title="Custom: " + (text if len(text) <= 40 else text[:39] + "…"),
        latex=r"f(x, y) = " + derived.latex,
        fg=derived.fg,
        hess_fn=derived.hess,
        bounds=b,
        start=(x0 + 0.25 * (x1 - x0), y1 - 0.25 * (y1 - y0)),
        points=points,
        note="Your own surface: gradient and Hessian derived symbolically; stationary points found numerically.",
        # values spanning many orders of magnitude above the minimum: log-spaced contour levels
        log_levels=bool(fmin >= 0 and span > 1e4),
        convex=convex,
        formula=text,
    )
    with _lock:
        _DEFINED[name] = surf
        while len(_DEFINED) > MAX_CUSTOM:
            _DEFINED.pop(next(iter(_DEFINED)))
    return surf if start is None else replace(surf, start=(float(start[0]), float(start[1])))


def stationary_points(
    derived: _Derived, bounds: tuple[tuple[float, float], tuple[float, float]], n: int = GRID_STARTS
) -> list[tuple[float, float, float, str]]:
    """(x, y, f, kind) of the stationary points Newton's iteration finds from an n x n grid of starts."""
    (x0, x1), (y0, y1) = bounds
    span = max(x1 - x0, y1 - y0)
    gx_, gy_ = np.meshgrid(np.linspace(x0, x1, n + 2)[1:-1], np.linspace(y0, y1, n + 2)[1:-1])
    x, y = gx_.ravel().copy(), gy_.ravel().copy()
    with np.errstate(all="ignore"):
        for _ in range(60):
            _, gx, gy = (np.broadcast_to(np.asarray(v, float), x.shape) for v in derived.fg(x, y, None))
            hxx, hxy, hyy = (np.broadcast_to(np.asarray(v, float), x.shape) for v in derived.hess(x, y, None))
            det = hxx * hyy - hxy * hxy
            ok = np.abs(det) > 1e-300
            dx = np.where(ok, (hyy * gx - hxy * gy) / np.where(ok, det, 1.0), 0.0)
            dy = np.where(ok, (hxx * gy - hxy * gx) / np.where(ok, det, 1.0), 0.0)
            # damp steps longer than a tenth of the plot, so a start does not jump across it
            scale = np.minimum(1.0, 0.1 * span / np.maximum(np.hypot(dx, dy), 1e-300))
            x, y = x - scale * dx, y - scale * dy
        f, gx, gy = (np.broadcast_to(np.asarray(v, float), x.shape) for v in derived.fg(x, y, None))
        hxx, hxy, hyy = (np.broadcast_to(np.asarray(v, float), x.shape) for v in derived.hess(x, y, None))
    found: list[tuple[float, float, float, str]] = []
    hscale = np.nanmax(np.abs(np.concatenate([hxx, hxy, hyy]))) if x.size else 1.0
    for i in range(x.size):
        vals = (x[i], y[i], f[i], gx[i], gy[i], hxx[i], hxy[i], hyy[i])
        if not all(map(math.isfinite, vals)):
            continue
        if not (x0 <= x[i] <= x1 and y0 <= y[i] <= y1):
            continue
        gnorm = math.hypot(gx[i], gy[i])
        if gnorm > 1e-8 * max(1.0, abs(f[i]), hscale * span):
            continue
        if any(math.hypot(x[i] - p[0], y[i] - p[1]) < 1e-6 * span for p in found):
            continue
        ev = np.linalg.eigvalsh([[hxx[i], hxy[i]], [hxy[i], hyy[i]]])
        tol = 1e-9 * max(1.0, abs(ev).max())
        if ev[0] > tol:
            kind = "local minimum"
        elif ev[1] < -tol:
            kind = "local maximum"
        elif ev[0] < -tol and ev[1] > tol:
            kind = "saddle"
        else:
            continue  # degenerate: the Hessian cannot tell
        found.append((float(x[i]), float(y[i]), float(f[i]), kind))
    minima = [p for p in found if p[3] == "local minimum"]
    if minima:
        best = min(p[2] for p in minima)
        found = [
            (p[0], p[1], p[2], "global minimum")
            if p[3] == "local minimum" and p[2] <= best + 1e-12 * max(1.0, abs(best))
            else p
            for p in found
        ]
    order = {"global minimum": 0, "local minimum": 1, "saddle": 2, "local maximum": 3}
    return sorted(found, key=lambda p: (order[p[3]], p[2], p[0], p[1]))
