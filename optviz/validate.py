"""One set of validators for every layer: a bad value becomes a `ValueError` that names the argument
and what is allowed.  The engine, the model, the scene config and the page all call these, so a
message reads the same wherever the value came from (a keyword, a scene file, a URL, a widget).

Each returns the value in its canonical type (float, int, bool, str, tuple) or raises.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

__all__ = ["check_choice", "check_flag", "check_mapping", "check_number", "check_whole", "is_finite", "is_off"]


def is_finite(v: Any) -> bool:
    """True for a finite real number (bools excluded by the callers that care)."""
    try:
        return math.isfinite(float(v))
    except (TypeError, ValueError):
        return False


def check_number(name: str, value: Any, lo: float, hi: float) -> float:
    """`value` as a finite float in [lo, hi] (a real number: not a bool, not text)."""
    if isinstance(value, (bool, np.bool_, str, bytes)):
        raise ValueError(f"{name} must be a number in [{lo:g}, {hi:g}], got {value!r}")
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number in [{lo:g}, {hi:g}], got {value!r}") from None
    if not (math.isfinite(v) and lo <= v <= hi):
        raise ValueError(f"{name} must be a number in [{lo:g}, {hi:g}], got {value!r}")
    return v


def check_whole(name: str, value: Any, lo: int, hi: int, *, strict: bool = True) -> int:
    """`value` as an int in [lo, hi].  strict: only ints (and integral floats); else numeric text too."""
    if not strict and isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            raise ValueError(f"{name} must be a whole number from {lo:,} to {hi:,}, got {value!r}") from None
    ok = isinstance(value, (int, np.integer)) or (isinstance(value, (float, np.floating)) and math.isfinite(value))
    if isinstance(value, (bool, np.bool_)) or not ok or value != int(value) or not lo <= int(value) <= hi:
        raise ValueError(f"{name} must be a whole number from {lo:,} to {hi:,}, got {value!r}")
    return int(value)


def check_choice(name: str, value: Any, allowed: Iterable[str]) -> str:
    """`value` if it is one of `allowed` (named in the message otherwise)."""
    allowed = tuple(allowed)
    if not isinstance(value, str) or value not in allowed:
        raise ValueError(f"{name} must be one of: {', '.join(allowed)}; got {value!r}")
    return value


def check_flag(name: str, value: Any) -> bool:
    """`value` if it is a bool (true/false in JSON), never a truthy number or string."""
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name} must be true or false, got {value!r}")
    return bool(value)


def check_mapping(name: str, value: Any) -> Mapping[str, Any]:
    """`value` if it is a JSON object (a Mapping)."""
    if not isinstance(value, Mapping):
        raise ValueError(f"{name} must be a JSON object, got {type(value).__name__}")
    return value


def is_off(value: Any) -> bool:
    """None, or the words a URL or a form uses for it ("none", "off", "")."""
    return value is None or (isinstance(value, str) and value.lower() in ("none", "off", ""))
