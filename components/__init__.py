"""Components: pure factories from KPI-layer data to Dash layout and figures."""
