"""The face: the only package besides app.py that imports streamlit.  One mechanism for both views.

state          session state: widgets seeded from a Scene, URL sync, the last valid config (`settle`)
controls       widgets generated from the registries: numbers, optimizer slots, schedule, display
prologue       header, kernel warm-up (once per server), the URL's notices
export_panel   the sidebar's Export section, fed the page's results
surfaces_page  the surfaces view's page (`page`)
mlp_page       the MLP view's page (`page`)
live_chart     the client-side animated chart component (its own package)
"""
