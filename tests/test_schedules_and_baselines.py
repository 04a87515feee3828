"""Schedules against their formulas; Newton and the random searches against slow references."""

from __future__ import annotations

import math

import numpy as np
import pytest

import optviz
from optviz.schedules import Schedule
from surfaces import SURFACES
from tests import reference


def _formula(s: Schedule, t: int, steps: int) -> float:
    """Each schedule written out for one step, straight from the module docstring."""
    w = s.warmup_steps
    if t < w:
        return (t + 1) / w * _formula(Schedule(**{**s.__dict__, "warmup_steps": 0}), 0, steps - w)
    t -= w
    horizon = s.decay_steps if s.decay_steps is not None else steps - w
    if s.name == "constant":
        return 1.0
    if s.name == "step":
        i = sum(1 for b in s.boundaries if t >= b)
        return s.values[i]
    if s.name == "exponential":
        k = s.decay_steps or 100
        return s.decay_rate ** (math.floor(t / k) if s.staircase else t / k)
    tt = min(t, horizon)
    if s.name == "polynomial":
        return (1 - s.end_factor) * (1 - tt / horizon) ** s.power + s.end_factor
    return s.end_factor + (1 - s.end_factor) * 0.5 * (1 + math.cos(math.pi * tt / horizon))


SCHEDULES = [
    Schedule("constant"),
    Schedule("constant", warmup_steps=25),
    Schedule("step", boundaries=(50, 120, 300), values=(1.0, 0.5, 0.1, 0.02)),
    Schedule("step", boundaries=(100,), values=(2.0, 0.3), warmup_steps=10),
    Schedule("exponential", decay_rate=0.9, decay_steps=20),
    Schedule("exponential", decay_rate=0.5, decay_steps=60, staircase=True, warmup_steps=5),
    Schedule("polynomial", end_factor=0.05, power=2.0),
    Schedule("polynomial", end_factor=0.0, power=0.5, decay_steps=150, warmup_steps=30),
    Schedule("cosine", end_factor=0.0),
    Schedule("cosine", end_factor=0.2, decay_steps=100, warmup_steps=40),
]


@pytest.mark.parametrize("sched", SCHEDULES, ids=lambda s: f"{s.name}-w{s.warmup_steps}")
def test_schedule_lr_sequence_matches_its_formula(sched):
    steps = 400
    r = optviz.run("bowl", "sgd", steps=steps, lr=0.05, schedule=sched)
    expected = np.array([0.05 * _formula(sched, t, steps) for t in range(steps)])
    np.testing.assert_allclose(r.lr, expected, rtol=1e-13, atol=0)
    # the lr really drove the steps: SGD's step is lr * g exactly
    np.testing.assert_allclose(np.diff(r.path, axis=0), -r.lr[:, None] * r.grad, rtol=1e-12, atol=1e-15)


def test_warmup_starts_small_and_reaches_the_base_lr():
    r = optviz.run("bowl", "adam", steps=100, lr=0.1, schedule={"name": "constant", "warmup_steps": 10})
    np.testing.assert_allclose(r.lr[:11], [0.01, 0.02, 0.03, 0.04, 0.05, 0.06, 0.07, 0.08, 0.09, 0.1, 0.1])


@pytest.mark.parametrize(
    "surface,start,lr",
    [
        ("rosenbrock", (-1.5, 2.0), 0.5),
        ("himmelblau", (-0.3, -0.9), 1.0),
        ("saddle", (1.0, 0.3), 0.7),
        ("beale", (1.0, 1.5), 0.3),
    ],
)
def test_newton_matches_reference_step_by_step(surface, start, lr):
    s = SURFACES[surface]
    r = optviz.run(surface, "newton", start=start, steps=200, lr=lr)
    x, out = list(start), [list(start)]
    for _ in range(r.steps_done):
        g = [float(v) for v in s.grad(x[0], x[1])]
        x = reference.newton_step(x, g, [float(v) for v in s.hess(x[0], x[1])], lr)
        out.append(x)
    np.testing.assert_allclose(r.path, np.array(out), rtol=1e-9, atol=1e-11)
    assert r.steps_done >= 10  # the saddle has no minimum: Newton escapes it (and the plot) in 13 steps


def test_random_search_matches_reference():
    s = SURFACES["himmelblau"]
    r = optviz.run("himmelblau", "random_search", steps=500, seed=11)
    (x0, x1), (y0, y1) = s.bounds
    cands = np.random.default_rng(11).uniform((x0, y0), (x1, y1), size=(500, 2))
    expected = reference.random_search(lambda a, b: float(s.f(a, b)), cands.tolist(), s.start)
    np.testing.assert_array_equal(r.path, np.array(expected))


def test_random_local_search_matches_reference():
    s = SURFACES["rosenbrock"]
    r = optviz.run("rosenbrock", "random_local_search", steps=500, step=0.2, seed=4)
    normals = np.random.default_rng(4).standard_normal((500, 2))
    expected = reference.random_local_search(lambda a, b: float(s.f(a, b)), normals.tolist(), s.start, 0.2)
    np.testing.assert_allclose(r.path, np.array(expected), rtol=1e-15, atol=0)


@pytest.mark.parametrize("name", ["random_search", "random_local_search"])
def test_random_searches_compare_plain_f_whatever_l2(name):
    """l2 is weight decay on the gradient; the searches have none and compare plain f, as before issue 12."""
    plain = optviz.run("rosenbrock", name, steps=300, seed=3)
    decayed = optviz.run("rosenbrock", name, steps=300, seed=3, l2=5.0)
    np.testing.assert_array_equal(decayed.path, plain.path)
    np.testing.assert_array_equal(decayed.probe, plain.probe)
    assert np.all(plain.evals == 2)


def test_loss_is_f_without_the_l2_penalty():
    s = SURFACES["rosenbrock"]
    r = optviz.run("rosenbrock", "momentum", start=(-1.5, 2.0), steps=50, l2=0.5, lr=1e-4)
    np.testing.assert_allclose(r.loss, [float(s.f(x, y)) for x, y in r.path], rtol=1e-12)
