"""optviz, the page: watch deep-learning optimizers race over 2D test surfaces, and train a tiny MLP.

Thin on purpose: page config, the view chosen (the Surfaces | MLP switch atop both sidebars, URL
view=mlp), that view's page drawn.  Everything else lives in `optviz.ui` (widgets -> one frozen
`Scene` -> `optviz.views` -> figures), the only package besides this file that imports streamlit.

The page state lives in the URL: `Scene.from_query` reads it once per session (a bad parameter
falls back to its default with a notice) and `Scene.to_query` writes it back on every rerun, so
copying the address reproduces the picture.

Widget keys (stable, used by the tests and by `optviz.ui.state`): surface, sp_<surface>_<param>,
start_x, start_y, start_preset, steps, noise, noise_seed, clip_on, clip_norm, l2, sched,
sched_<param>, o<slot>_name, o<slot>_<optimizer>_<hyperparameter>, o<slot>_remove, o<slot>_open
(its expander), add_choice, add_btn, demo, theme, font_size, show_title, title, show_legend,
show_3d, log_loss, lookahead, frames, fps, and the main chart main_chart (a click on it sets the
start point).

The MLP view's keys: mlp_preset, mlp_dataset, mlp_classes, mlp_n, mlp_noise, mlp_val_fraction,
mlp_data_seed, mlp_shift, mlp_scale, mlp_standardize, mlp_layers, mlp_width_<i>, mlp_activation,
mlp_init, mlp_loss, mlp_dropout, mlp_batch_norm, mlp_l2, mlp_batch, mlp_batch_k, mlp_steps, mlp_seed,
mlp_sched, mlp_sched_<param>, mlp_clip_on, mlp_clip_norm, mlp_es_on, mlp_patience, mlp_compare,
mlp_o<slot>_name, mlp_o<slot>_<optimizer>_<hyperparameter>, mlp_o<slot>_remove, mlp_o<slot>_open,
mlp_add_choice, mlp_add_btn, mlp_figure, the tabs mlp_tab, and inside them mlp_directions and
mlp_probe.  Both views: _view (the switch), _aspect, export_scale, anim_seconds, scene_upload.
"""

from __future__ import annotations

import streamlit as st

# Presentation mode (its toggle's state, or a link's d_presentation) folds the sidebar away;
# leaving it brings the sidebar back (Streamlit applies a changed initial_sidebar_state).
_presenting = st.session_state.get("presentation", st.query_params.get("d_presentation") == "true")
# set before the language is known (`state.speak`): the tab's title speaks both
st.set_page_config(
    page_title="optviz · optimizers / 옵티마이저",
    page_icon="📉",
    layout="wide",
    initial_sidebar_state="collapsed" if _presenting else "expanded",
)

from optviz.ui import mlp_page, state, surfaces_page  # noqa: E402  (set_page_config must come first)

PAGES = {"surfaces": surfaces_page.page, "mlp": mlp_page.page}

state.init_session()
state.speak()
PAGES[st.session_state.get("_view", "surfaces")]()
