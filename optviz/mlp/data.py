"""Toy 2D classification data for the MLP: generated with numpy (nothing downloaded), seeded.

    moons     two interleaving half circles (sklearn `make_moons`)
    circles   a small circle inside a large one, radius ratio 0.5 (sklearn `make_circles`)
    spirals   two interleaved Archimedean spirals of radius 2, 1.25 turns (the TF-playground picture)
    xor       uniform points in the square [-1, 1]^2, class = sign(x1) != sign(x2)
    blobs     `classes` (2..4) Gaussian clusters, centres evenly spaced on a circle of radius 2

`noise` is the standard deviation of Gaussian noise added to every point (for blobs: of each
cluster).  `scale` and `shift` then transform the inputs, x <- x * scale + shift, to show why
inputs should be standardised (mean 0, std 1; CS231n "Neural Networks 2", LeCun et al. 1998
"Efficient BackProp": all-positive inputs force all weights of a unit to move in the same
direction).  `split` and `standardize` (fit on the training part only) prepare the two sets.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

DATASETS = ("moons", "circles", "spirals", "xor", "blobs")
MAX_POINTS = 10_000


def _check_float(name: str, value: object, lo: float, hi: float) -> float:
    try:
        v = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number in [{lo:g}, {hi:g}], got {value!r}") from None
    if not (np.isfinite(v) and lo <= v <= hi):
        raise ValueError(f"{name} must be a number in [{lo:g}, {hi:g}], got {value!r}")
    return v


def _check_int(name: str, value: object, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not lo <= value <= hi:
        raise ValueError(f"{name} must be a whole number from {lo:,} to {hi:,}, got {value!r}")
    return int(value)


def _counts(n: int, k: int) -> list[int]:
    """n points over k classes as evenly as possible (the first classes get the remainder)."""
    return [n // k + (1 if c < n % k else 0) for c in range(k)]


def make_dataset(
    name: str,
    n: int = 256,
    noise: float = 0.1,
    seed: int = 0,
    *,
    classes: int = 3,
    shift: float | Sequence[float] = 0.0,
    scale: float = 1.0,
) -> tuple[np.ndarray, np.ndarray]:
    """X float64 (n, 2) and y int64 (n,) of the toy data set `name`, shuffled, seeded.

    name: one of "moons", "circles", "spirals", "xor", "blobs".  n: 4 .. 10 000 points, split
    as evenly as possible between the classes.  noise: std of the Gaussian noise, 0 .. 5.
    classes: number of blobs, 2 .. 4 (read by "blobs" only; the others have 2 classes).
    shift (a number or a pair) and scale: the inputs become X * scale + shift.
    """
    if name not in DATASETS:
        raise ValueError(f"dataset must be one of: {', '.join(DATASETS)}; got {name!r}")
    n = _check_int("n", n, 4, MAX_POINTS)
    noise = _check_float("noise", noise, 0.0, 5.0)
    seed = _check_int("seed", seed, 0, 2**63 - 1)
    classes = _check_int("classes", classes, 2, 4)
    scale = _check_float("scale", scale, 1e-3, 1e3)
    try:
        sh = np.broadcast_to(np.asarray(shift, dtype=np.float64), (2,)).copy()
    except (TypeError, ValueError):
        raise ValueError(f"shift must be a number or a pair of numbers, got {shift!r}") from None
    if not np.all(np.isfinite(sh)) or np.any(np.abs(sh) > 1e3):
        raise ValueError(f"shift must be finite numbers in [-1000, 1000], got {shift!r}")

    rng = np.random.default_rng(seed)
    k = classes if name == "blobs" else 2
    sizes = _counts(n, k)
    parts = []
    for c, m in enumerate(sizes):
        if name == "moons":
            t = np.linspace(0.0, np.pi, m)
            pts = np.c_[np.cos(t), np.sin(t)] if c == 0 else np.c_[1.0 - np.cos(t), 0.5 - np.sin(t)]
        elif name == "circles":
            t = np.linspace(0.0, 2.0 * np.pi, m, endpoint=False)
            pts = np.c_[np.cos(t), np.sin(t)] * (1.0 if c == 0 else 0.5)
        elif name == "spirals":
            u = np.linspace(0.1, 1.0, m)
            t = 1.25 * 2.0 * np.pi * u + np.pi * c
            pts = 2.0 * np.c_[u * np.cos(t), u * np.sin(t)]  # arms 0.8 apart: noise 0.1 keeps them apart
        elif name == "xor":
            # rejection-free: draw the signs of the class, then magnitudes away from the axes
            mag = rng.uniform(0.05, 1.0, size=(m, 2))
            s1 = rng.choice([-1.0, 1.0], size=m)
            s2 = s1 if c == 0 else -s1
            pts = mag * np.c_[s1, s2]
        else:  # blobs
            a = 2.0 * np.pi * c / k
            pts = np.array([np.cos(a), np.sin(a)]) * 2.0 + np.zeros((m, 2))
        parts.append(pts)
    X = np.concatenate(parts)
    y = np.concatenate([np.full(m, c, dtype=np.int64) for c, m in enumerate(sizes)])
    X = X + noise * rng.standard_normal(X.shape)
    order = rng.permutation(n)
    X, y = X[order], y[order]
    return np.ascontiguousarray(X * scale + sh), y


def check_data(X: object, y: object, name: str = "X") -> tuple[np.ndarray, np.ndarray]:
    """(X, y) as contiguous float64 (n, d) and int64 (n,) arrays, or a ValueError naming them."""
    try:
        Xa = np.ascontiguousarray(X, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a float array of shape (n, d)") from None
    if Xa.ndim != 2 or Xa.shape[0] < 1 or Xa.shape[1] < 1 or not np.all(np.isfinite(Xa)):
        raise ValueError(f"{name} must be a finite float array of shape (n, d), got shape {Xa.shape}")
    ya = np.asarray(y)
    yname = "y" if name == "X" else f"y{name[1:]}"
    if ya.shape != (Xa.shape[0],) or not (np.issubdtype(ya.dtype, np.integer) or ya.dtype == bool):
        raise ValueError(f"{yname} must be an integer array of shape ({Xa.shape[0]},), got {ya.dtype} {ya.shape}")
    if ya.size and ya.min() < 0:
        raise ValueError(f"{yname} must hold class indices 0, 1, ..., got {int(ya.min())}")
    return Xa, np.ascontiguousarray(ya, dtype=np.int64)


def split(
    X: np.ndarray, y: np.ndarray, val_fraction: float = 0.25, seed: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Random train/validation split: (X_train, X_val, y_train, y_val), as sklearn's train_test_split.

    val_fraction in (0, 1): round(n * val_fraction) points go to validation; both parts keep at
    least one point.
    """
    X, y = check_data(X, y)
    f = _check_float("val_fraction", val_fraction, 0.0, 1.0)
    if not 0.0 < f < 1.0:
        raise ValueError(f"val_fraction must be in (0, 1), got {val_fraction!r}")
    n = X.shape[0]
    if n < 2:
        raise ValueError("split needs at least 2 points")
    n_val = min(max(int(round(n * f)), 1), n - 1)
    perm = np.random.default_rng(_check_int("seed", seed, 0, 2**63 - 1)).permutation(n)
    va, tr = np.sort(perm[:n_val]), np.sort(perm[n_val:])
    return X[tr], X[va], y[tr], y[va]


def standardize(
    X_train: np.ndarray, X_val: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray, np.ndarray]:
    """(X_train_s, X_val_s, mean, std): mean 0 and std 1 per feature, fitted on X_train only.

    The validation set is transformed with the training mean and std (fitting on it would leak
    information).  A constant feature keeps std 1 instead of dividing by zero.
    """
    Xt = np.asarray(X_train, dtype=np.float64)
    if Xt.ndim != 2 or Xt.shape[0] < 1:
        raise ValueError(f"X_train must be a float array of shape (n, d), got shape {Xt.shape}")
    mean = Xt.mean(axis=0)
    std = Xt.std(axis=0)
    std = np.where(std > 0, std, 1.0)
    Xv = None
    if X_val is not None:
        Xv = np.asarray(X_val, dtype=np.float64)
        if Xv.ndim != 2 or Xv.shape[1] != Xt.shape[1]:
            raise ValueError(f"X_val must have shape (m, {Xt.shape[1]}), got {Xv.shape}")
        Xv = (Xv - mean) / std
    return (Xt - mean) / std, Xv, mean, std


def one_hot(y: np.ndarray, n_classes: int | None = None) -> np.ndarray:
    """float64 (n, C): row i is the target vector of the softmax for class y[i] (C25)."""
    ya = np.asarray(y, dtype=np.int64)
    c = int(ya.max()) + 1 if n_classes is None else int(n_classes)
    if ya.size and (ya.min() < 0 or ya.max() >= c):
        raise ValueError(f"y must hold class indices in 0 .. {c - 1}")
    out = np.zeros((ya.shape[0], c))
    out[np.arange(ya.shape[0]), ya] = 1.0
    return out
