"""The top floor: the app factory, the access guard on the Flask server, sign-in,
security headers, operations routes, downloads, camera frames, and the runtime
that hands each request its settings, profile, store and KPI service. Nothing
below imports it (a test holds that; see tests/test_layout.py for what is left)."""
