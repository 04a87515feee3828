"""The tiny MLP of optviz: toy 2D data, a Numba MLP trained by the shared optimizer rules,
gradient check, loss landscapes and activation statistics.  No streamlit here.

    from optviz import mlp
    X, y = mlp.make_dataset("moons", n=256, noise=0.1, seed=0)
    r = mlp.train(X, y, hidden=(16, 16), activation="tanh", init="xavier_normal", loss="softmax",
                  optimizer="adam", steps=500, batch_size=None, seed=0, lr=1e-2)
    r.params, r.loss, r.val_loss
    mlp.unflatten(r.params[0], hidden=(16, 16), n_in=2, n_out=2)

Modules: `data` (datasets, split, standardize, one_hot), `model` (layout, init, Numba
forward/backward, activation statistics), `train` (train, compare, gradient_check,
decision frames), `landscape` (planes, 1D/2D slices).  The model imports nothing above the engine:
the MLP view's settings are `optviz.config.mlp`, its runs `optviz.runs.mlp`, its figures
`optviz.figures.mlp`.
"""

import numpy as np

from optviz.mlp.data import DATASETS, make_dataset, one_hot, split, standardize
from optviz.mlp.landscape import DIRECTIONS, SLICE_DIRECTIONS, Landscape, Plane, Slice1D, landscape, loss_slice
from optviz.mlp.model import (
    ACTIVATIONS,
    INITS,
    LOSSES,
    ActivationStats,
    Net,
    activation_stats,
    init_params,
    init_std,
    n_params,
    unflatten,
)
from optviz.mlp.train import (
    DecisionFrames,
    GradientCheck,
    MLPResult,
    compare,
    decision_frames,
    gradient_check,
    minibatch_indices,
    train,
)


def warmup(include_surfaces: bool = False) -> None:
    """Compile (or load from the cache) the MLP kernels once, so the first real call is fast.

    include_surfaces also warms the surface kernel, with the MLP kernels compiling in a second
    process meanwhile (`optviz.api.compile_mlp_in_background`): the page's start-up.
    """
    helper = None
    if include_surfaces:
        from optviz import api

        helper = api.compile_mlp_in_background()
        api.warmup()
        if helper is not None:
            helper.wait()
    X = np.array([[0.0, 1.0], [1.0, 0.0], [0.5, 0.5], [1.0, 1.0]])
    y = np.array([0, 1, 0, 1])
    r = train(X, y, hidden=(2,), steps=2, val_fraction=0.5, lr=0.01)
    r.predict_proba(X)
    landscape(r, directions="random", resolution=2)
    gradient_check(X, y, hidden=(2,))
    activation_stats(hidden=(2,), n=2)


__all__ = [
    "ACTIVATIONS",
    "DATASETS",
    "DIRECTIONS",
    "INITS",
    "LOSSES",
    "SLICE_DIRECTIONS",
    "ActivationStats",
    "DecisionFrames",
    "GradientCheck",
    "Landscape",
    "MLPResult",
    "Net",
    "Plane",
    "Slice1D",
    "activation_stats",
    "compare",
    "decision_frames",
    "gradient_check",
    "init_params",
    "init_std",
    "landscape",
    "loss_slice",
    "make_dataset",
    "minibatch_indices",
    "n_params",
    "one_hot",
    "split",
    "standardize",
    "train",
    "unflatten",
    "warmup",
]
