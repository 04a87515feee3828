"""The config layer: one frozen, typed, versioned `Scene` and the settings of both views.

    spec     OptimizerSpec, the one optimizer-string codec, the one run-label function
    mlp      MLPConfig (the MLP view's settings), its choices and lecture presets
    scene    Display, Analysis, SurfacesConfig, Scene, the JSON/URL codec and the version-1 migration

Below it: the engine and the model (it validates against their registries).  Above it: runs,
figures, views, exports and the page, which all read a Scene and never a widget.
"""

from optviz.config.mlp import MLPConfig
from optviz.config.scene import (
    ANALYSIS_FIGURES,
    ASPECTS,
    DEFAULT_OPTIMIZERS,
    MAX_OPTIMIZERS,
    SCENE_VERSION,
    THEMES,
    VIEWS,
    Analysis,
    Display,
    Scene,
    SurfacesConfig,
    migrate_v1,
)
from optviz.config.spec import OptimizerSpec, decode_optimizer, encode_optimizer, run_labels

__all__ = [
    "ANALYSIS_FIGURES",
    "Analysis",
    "ASPECTS",
    "DEFAULT_OPTIMIZERS",
    "MAX_OPTIMIZERS",
    "SCENE_VERSION",
    "THEMES",
    "VIEWS",
    "Display",
    "MLPConfig",
    "OptimizerSpec",
    "Scene",
    "SurfacesConfig",
    "decode_optimizer",
    "encode_optimizer",
    "migrate_v1",
    "run_labels",
]
