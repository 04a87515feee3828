"""The sidebar control for the lecturer's own surface: a formula f(x, y) and its plot bounds.

`custom_surface_control` draws, in the current Streamlit container, a text input for the formula
and four number inputs for the bounds, validates them with the same parser the engine uses
(`surfaces.custom`: a whitelist over Python's `ast`, nothing is evaluated), and returns the
`SurfacesConfig` fields they set, or None with the reason shown by `st.error` right under the
input (never a traceback).  The page wires it into its "Surface" section (see the report of
issue 12 for the lines to add to `optviz.ui.surfaces_page._sidebar`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import streamlit as st

from optviz.i18n import N_, _
from surfaces import define_custom
from surfaces.custom import DEFAULT_BOUNDS, FUNCTIONS, MAX_CHARS

EXAMPLE = "sin(3*x) * cos(2*y) + 0.1*(x**2 + y**2)"
_HELP = N_(
    "f(x, y) with numbers, x, y, pi, e, + - * / ** (or ^) and {functions}; "
    "at most {n} characters. Gradient and Hessian are derived symbolically."
)
_FOUND = {"minima": N_("{n} minima"), "saddles": N_("{n} saddles"), "maxima": N_("{n} maxima")}


def help_text() -> str:
    """The formula input's help, in the current language."""
    return _(_HELP).format(functions=", ".join(sorted(set(FUNCTIONS))), n=MAX_CHARS)


@dataclass(frozen=True)
class CustomSurfaceInput:
    """What the control read, validated: the SurfacesConfig fields of a custom surface."""

    formula: str
    bounds: tuple[tuple[float, float], tuple[float, float]]
    name: str  # the registry name ("custom:<hash>"), e.g. for a widget key that follows the formula

    def fields(self) -> dict[str, Any]:
        """The `SurfacesConfig` keyword arguments: surface="custom", formula and bounds."""
        return {"surface": "custom", "formula": self.formula, "bounds": self.bounds}


def custom_surface_control(
    key: str = "custom",
    formula: str = EXAMPLE,
    bounds: tuple[tuple[float, float], tuple[float, float]] = DEFAULT_BOUNDS,
) -> CustomSurfaceInput | None:
    """Draw the formula and bounds inputs in the current container; the validated values, or None.

    key: prefix of the widget keys (`<key>_formula`, `<key>_x_min`, ...), so the page can preset
    them from a scene (set st.session_state[...] before the call) and read them back.
    formula, bounds: the initial values when the widgets are new.
    On a bad formula or bounds it shows `st.error` under the input and returns None: the page then
    keeps drawing its last valid scene.
    """
    text = st.text_input("f(x, y) =", value=formula, key=f"{key}_formula", max_chars=MAX_CHARS, help=help_text())
    formula_error = st.empty()
    c1, c2 = st.columns(2)
    (x0, x1), (y0, y1) = bounds
    b = (
        (
            c1.number_input(_("x min"), value=float(x0), key=f"{key}_x_min", format="%.4g"),
            c2.number_input(_("x max"), value=float(x1), key=f"{key}_x_max", format="%.4g"),
        ),
        (
            c1.number_input(_("y min"), value=float(y0), key=f"{key}_y_min", format="%.4g"),
            c2.number_input(_("y max"), value=float(y1), key=f"{key}_y_max", format="%.4g"),
        ),
    )
    bounds_error = st.empty()
    try:
        with st.spinner(_("deriving the gradient and the Hessian…")):
            surf = define_custom(text, b)  # cached per formula and bounds in `surfaces.custom`
    except ValueError as e:  # the parser's message names the argument and points at the error
        (bounds_error if str(e).startswith("bounds") else formula_error).error(str(e))
        return None
    st.markdown(f"${surf.latex}$")
    found = ", ".join(_(text).format(n=len(getattr(surf, k))) for k, text in _FOUND.items() if getattr(surf, k))
    st.caption(
        _("stationary points found: {found}").format(found=found)
        if found
        else _("no stationary point found inside the bounds")
    )
    return CustomSurfaceInput(text.strip(), surf.bounds, surf.name)
