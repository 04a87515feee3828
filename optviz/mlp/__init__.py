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
decision frames), `landscape` (planes, 1D/2D slices); `optviz.mlp.scene` (imported on its own)
holds the MLP view of the page: its settings, runs, figures and export hook.
"""

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
    warmup,
)

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
