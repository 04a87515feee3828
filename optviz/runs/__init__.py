"""The runs layer: a Scene in, the numbers of its view out (no pictures, no streamlit).

surfaces   run_scene(scene) -> list[Result], one per optimizer
mlp        run_mlp_scene(scene, parts) -> MLPRun, one MLPResult per panel and the extras
"""
