"""`optviz.batch.run_batch`: every cell bitwise equal to `optviz.run` (through the shared kernel and through
the loops specialised to a surface and a rule), keep modes, bad input, progress, threads."""

from __future__ import annotations

import threading

import numpy as np
import pytest

import optviz
from optviz.batch import Batch, run_batch
from surfaces import define_custom, get_surface


def _assert_cell(b: Batch, i: int, r: optviz.Result) -> None:
    """Cell i of `b` is the Result `r`, bit for bit (array_equal treats NaN as unequal: none here)."""
    k = r.steps_done
    assert b.steps_done[i] == k
    assert b.diverged_at[i] == (r.diverged_at or 0)
    assert np.array_equal(b.final[i], r.final), (i, b.final[i], r.final)
    assert b.final_loss[i] == r.loss[-1] or (np.isnan(b.final_loss[i]) and np.isnan(r.loss[-1]))
    if b.loss is not None:
        assert np.array_equal(b.loss[i, : k + 1], r.loss)
        assert np.isnan(b.loss[i, k + 1 :]).all()
    if b.path is not None:
        assert np.array_equal(b.path[i, : k + 1], r.path)
        assert np.isnan(b.path[i, k + 1 :]).all()


# (surface, optimizer, steps, per-run hyperparameter columns over 6 runs, shared options)
CASES = [
    ("rosenbrock", "adam", 120, {"lr": np.geomspace(1e-3, 0.3, 6), "beta1": np.linspace(0.5, 0.95, 6)}, {}),
    # noise with a seed per run, and a schedule: the per-step lr array and the seeded draws
    (
        "rosenbrock",
        "momentum",
        150,
        {"lr": np.geomspace(1e-5, 2e-3, 6)},
        {"noise": 0.5, "noise_seeds": np.arange(10, 16), "schedule": {"name": "cosine", "warmup_steps": 10}},
    ),
    ("saddle", "sgd", 80, {"lr": np.geomspace(0.01, 3.0, 6)}, {"noise": np.linspace(0.0, 1.0, 6)}),
    ("himmelblau", "nadam", 100, {"lr": np.geomspace(1e-3, 0.5, 6)}, {"clip_norm": 5.0, "l2": 0.01}),
    ("beale", "lbfgs", 30, {"lr": np.linspace(0.2, 1.0, 6), "line_search": np.array([0, 1] * 3)}, {}),
    ("rosenbrock", "sam", 90, {"rho": np.linspace(0.001, 0.1, 6)}, {"noise": 0.2, "noise_seeds": 3}),
    ("six_hump_camel", "schedule_free_adamw", 90, {"lr": np.geomspace(1e-3, 0.3, 6)}, {}),
    ("bowl", "muon", 60, {"lr": np.geomspace(1e-3, 0.3, 6)}, {"surface_params": {"kappa": 20.0}}),
    ("ackley", "newton", 40, {"lr": np.linspace(0.1, 1.0, 6)}, {}),
    ("rastrigin", "random_search", 200, {"seed": np.arange(6)}, {"noise": 0.3}),
    ("himmelblau", "random_local_search", 200, {"step": np.geomspace(0.01, 1.0, 6), "seed": np.arange(6) * 7}, {}),
]


@pytest.mark.parametrize("specialise", [False, True], ids=["shared", "specialised"])
@pytest.mark.parametrize("surface, optimizer, steps, columns, shared", CASES, ids=[c[1] for c in CASES])
def test_every_cell_is_optviz_run_bit_for_bit(surface, optimizer, steps, columns, shared, specialise):
    rng = np.random.default_rng(abs(hash(optimizer)) % 2**32)
    (x0, x1), (y0, y1) = get_surface(surface).bounds
    starts = np.column_stack([rng.uniform(x0, x1, 6), rng.uniform(y0, y1, 6)])
    b = run_batch(
        surface,
        optimizer,
        starts=starts,
        steps=steps,
        hyperparams=columns,
        keep="path",
        specialise=specialise,
        **shared,
    )
    assert b.n == 6 and b.steps == steps
    for i in range(6):
        kw = {k: (v[i] if isinstance(v, np.ndarray) else v) for k, v in shared.items()}
        if "noise_seeds" in kw:
            kw["noise_seed"] = int(kw.pop("noise_seeds"))
        hp = {k: v[i].item() for k, v in columns.items()}
        _assert_cell(b, i, optviz.run(surface, optimizer, start=starts[i], steps=steps, **kw, **hp))


@pytest.mark.parametrize("specialise", [False, True], ids=["shared", "specialised"])
@pytest.mark.parametrize("optimizer", list(optviz.OPTIMIZERS))
def test_every_optimizer_with_its_defaults(optimizer, specialise):
    # Three starts, three noise seeds, the registry's defaults: the whole registry through one kernel,
    # and through each rule's loop for Rosenbrock with the rule inlined.
    starts = np.array([[-1.2, 1.0], [0.5, -0.5], [1.5, 2.5]])
    b = run_batch(
        "rosenbrock",
        optimizer,
        starts=starts,
        steps=40,
        noise=0.1,
        noise_seeds=[1, 2, 3],
        keep="loss",
        specialise=specialise,
    )
    for i in range(3):
        _assert_cell(b, i, optviz.run("rosenbrock", optimizer, start=starts[i], steps=40, noise=0.1, noise_seed=i + 1))


@pytest.mark.parametrize("surface", sorted(optviz.SURFACES))
def test_every_surface_specialised_is_optviz_run(surface):
    # Newton reads the value, the gradient and the Hessian: each surface's own functions, called by
    # name in its loop, give the bits of the opcode dispatchers.  Starts over the whole box, some diverge.
    rng = np.random.default_rng(7)
    (x0, x1), (y0, y1) = get_surface(surface).bounds
    starts = np.column_stack([rng.uniform(x0, x1, 5), rng.uniform(y0, y1, 5)])
    b = run_batch(surface, "newton", starts=starts, steps=30, keep="path", specialise=True, noise=0.05)
    for i in range(5):
        _assert_cell(b, i, optviz.run(surface, "newton", start=starts[i], steps=30, noise=0.05))


def test_a_large_batch_specialises_by_itself_with_the_same_bits():
    from optviz import batch

    lrs = np.geomspace(1e-2, 30.0, batch.SPECIALISE_STEPS // 1000)  # exactly SPECIALISE_STEPS steps asked
    big = run_batch("matyas", "momentum", steps=1000, hyperparams={"lr": lrs})
    assert (get_surface("matyas").code, optviz.OPTIMIZERS["momentum"].code) in batch._pair_ranges
    small = run_batch("matyas", "momentum", steps=1000, hyperparams={"lr": lrs}, specialise=False)
    for name in ("final", "final_loss", "diverged_at", "steps_to_tol", "steps_done"):
        assert np.array_equal(getattr(big, name), getattr(small, name)), name
    assert big.diverged_at.max() > 0 and (big.steps_to_tol >= 0).any()  # both kinds of run are in it


def test_surface_runner_refuses_a_custom_surface():
    from optviz import kernel

    with pytest.raises(ValueError, match="built-in surface"):
        kernel.surface_runner(define_custom("x**2 + y**2"), optviz.OPTIMIZERS["sgd"])


def test_a_map_with_divergence_and_the_steps_to_tol():
    # 40 random cells of an 8 x 8 lr x beta1 map; the largest lrs diverge, some runs reach the minimum.
    lr, b1 = np.meshgrid(np.geomspace(1e-3, 50.0, 8), np.linspace(0.0, 0.99, 8))
    lr, b1 = lr.ravel(), b1.ravel()
    b = run_batch("rosenbrock", "adam", steps=400, hyperparams={"lr": lr, "beta1": b1}, keep="loss", tol=1e-2)
    assert (b.diverged_at > 0).any() and (b.steps_to_tol >= 0).any()
    f_star = min(p.f for p in get_surface("rosenbrock").minima)
    assert b.f_star == f_star
    for i in np.random.default_rng(0).choice(64, 40, replace=False):
        r = optviz.run("rosenbrock", "adam", steps=400, lr=lr[i], beta1=b1[i])
        _assert_cell(b, i, r)
        hit = np.flatnonzero(r.loss - f_star <= 1e-2)
        assert b.steps_to_tol[i] == (hit[0] if hit.size else -1)


def test_keep_final_keeps_no_rows_and_the_same_numbers():
    hp = {"lr": np.geomspace(1e-4, 1e-2, 5)}
    fin = run_batch("rosenbrock", "sgd", steps=50, hyperparams=hp)
    full = run_batch("rosenbrock", "sgd", steps=50, hyperparams=hp, keep="path")
    assert fin.loss is None and fin.path is None
    assert full.loss.shape == (5, 51) and full.path.shape == (5, 51, 2)
    for name in ("final", "final_loss", "diverged_at", "steps_to_tol", "steps_done"):
        assert np.array_equal(getattr(fin, name), getattr(full, name))
    assert run_batch("rosenbrock", "sgd", steps=50, hyperparams=hp, keep="loss").path is None


def test_scalars_make_one_run_and_a_surface_without_minima_gives_minus_one():
    b = run_batch("monkey_saddle", "adam", steps=30, hyperparams={"lr": 0.01})
    r = optviz.run("monkey_saddle", "adam", steps=30, lr=0.01)
    assert b.n == 1
    _assert_cell(b, 0, r)
    if not get_surface("monkey_saddle").minima:
        assert b.steps_to_tol[0] == -1 and b.f_star is None


def test_a_custom_surface_runs_through_optviz_run():
    surf = define_custom("x**2 + 3*y**2 + 0.5*x*y", ((-2, 2), (-2, 2)))
    lrs = np.geomspace(0.01, 0.4, 4)
    b = run_batch(surf.name, "momentum", steps=40, starts=(1.0, 1.5), hyperparams={"lr": lrs}, keep="path")
    for i, lr in enumerate(lrs):
        _assert_cell(b, i, optviz.run(surf.name, "momentum", start=(1.0, 1.5), steps=40, lr=lr))


@pytest.mark.parametrize(
    "kwargs, words",
    [
        ({"hyperparams": {"lr": [0.1, 0.2], "beta1": [0.9, 0.9, 0.9]}}, "same length"),
        ({"starts": np.zeros((3, 2)), "hyperparams": {"lr": [0.1, 0.2]}}, "starts has 3"),
        ({"noise_seeds": [1, 2], "hyperparams": {"lr": [0.1, 0.2, 0.3]}}, "noise_seeds has 2"),
        ({"hyperparams": {"lr": [0.1, -1.0]}}, "lr of adam must be in"),
        ({"hyperparams": {"lr": [0.1, np.nan]}}, "lr of adam must be in"),
        ({"hyperparams": {"momentum": 0.9}}, "takes no hyperparameter 'momentum'"),
        ({"hyperparams": {"lr": np.ones((2, 2))}}, "hyperparams['lr'] must be a number or a 1-D"),
        ({"hyperparams": {"lr": []}}, "at least one run"),
        ({"starts": [[0.0, np.inf]]}, "starts must be"),
        ({"starts": [1.0, 2.0, 3.0]}, "starts must be"),
        ({"steps": 0}, "steps must be a whole number"),
        ({"keep": "everything"}, "keep must be one of: final, loss, path"),
        ({"noise": [0.1, -0.1]}, "noise must be a number in"),
        ({"noise_seeds": -1}, "noise_seeds must be a number in"),
        ({"schedule": "sawtooth"}, "schedule"),
        ({"surface_params": {"kappa": 5}}, "unknown parameter 'kappa'"),
        ({"tol": -1}, "tol must be"),
        ({"clip_norm": 0}, "clip_norm must be"),
        ({"specialise": "yes"}, "specialise must be True, False or None"),
    ],
)
def test_bad_input_names_the_argument(kwargs, words):
    with pytest.raises(ValueError, match=None) as e:
        run_batch("rosenbrock", "adam", steps=kwargs.pop("steps", 10), **kwargs)
    assert words in str(e.value), str(e.value)


def test_bad_names():
    with pytest.raises(ValueError, match="surface"):
        run_batch("nowhere", "adam")
    with pytest.raises(ValueError, match="optimizer"):
        run_batch("rosenbrock", "nothing")


def test_progress_is_reported_between_chunks_in_the_calling_thread():
    seen: list[tuple[float, threading.Thread]] = []
    n = 600
    run_batch(
        "rosenbrock",
        "adam",
        steps=1000,  # 128 runs a chunk at most: at least 5 chunks
        hyperparams={"lr": np.geomspace(1e-4, 1e-1, n)},
        progress=lambda f: seen.append((f, threading.current_thread())),
    )
    fracs = [f for f, _ in seen]
    assert len(fracs) >= 5
    assert fracs == sorted(fracs) and 0 < fracs[0] < 1 and fracs[-1] == 1.0
    assert all(t is threading.current_thread() for _, t in seen)


def test_one_thread_and_many_threads_agree():
    hp = {"lr": np.geomspace(1e-4, 1.0, 300), "beta1": np.linspace(0.0, 0.99, 300)}
    one = run_batch("rosenbrock", "adam", steps=200, hyperparams=hp, threads=1)
    many = run_batch("rosenbrock", "adam", steps=200, hyperparams=hp, threads=3)
    for name in ("final", "final_loss", "diverged_at", "steps_to_tol", "steps_done"):
        assert np.array_equal(getattr(one, name), getattr(many, name), equal_nan=True)


def test_two_threads_calling_at_once_both_get_their_own_results():
    # Two sessions of the page asking for a map at the same moment (Streamlit runs each in a thread).
    jobs = {
        "adam": ("rosenbrock", {"lr": np.geomspace(1e-4, 1e-1, 400)}),
        "momentum": ("himmelblau", {"lr": np.geomspace(1e-4, 1e-2, 400), "momentum": np.linspace(0, 0.99, 400)}),
    }
    out: dict[str, Batch] = {}
    errors: list[BaseException] = []
    go = threading.Barrier(2)

    def work(name: str) -> None:
        try:
            go.wait()
            surface, hp = jobs[name]
            out[name] = run_batch(surface, name, steps=300, hyperparams=hp, keep="loss")
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(name,)) for name in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    for name, (surface, hp) in jobs.items():
        b = out[name]
        for i in range(0, 400, 37):
            r = optviz.run(surface, name, steps=300, **{k: v[i] for k, v in hp.items()})
            _assert_cell(b, i, r)


def test_one_compiled_signature_whatever_the_settings():
    # After every test above (noise or none, draws or none, keep modes, schedules): still one kernel.
    from optviz.batch import _run_range

    run_batch("bowl", "adam", steps=5, hyperparams={"lr": [0.1, 0.2]}, keep="path", noise=[0.0, 1.0])
    run_batch("rastrigin", "random_search", steps=5, schedule="cosine")
    assert len(_run_range.signatures) == 1, _run_range.signatures


def test_bench_sweep_prints_the_ratio(capsys):
    from optviz import cli

    assert cli.main(["bench", "sweep", "--cells", "8", "--steps", "50", "--repeats", "1"]) == 0
    out = capsys.readouterr().out
    assert "per-core ratio" in out and "page map 24 x 24 x 400" in out
