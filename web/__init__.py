"""The top floor: the app factory, the access guard on the Flask server, sign-in,
security headers, operations routes, downloads, camera frames, and the runtime
that hands each request its settings, profile, store and KPI service (to pages
through ``pages._services``). Nothing below imports it: tests/test_layout.py."""
