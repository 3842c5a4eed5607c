"""Who may see what: roles, how a request proves who it is, and the guard that
refuses every page, callback, download and data route above the caller's role.

- ``roles``: public < viewer < staff < admin.
- ``accounts``: the built-in login's accounts, wall-screen credentials, throttling.
- ``embed_tokens``: signed, expiring tokens scoped to one embedded page or tile.
- ``identity``: a request's identity (proxy header, session, wall screen, embed).
- ``policy``: the role each route and each callback needs.
- ``guard``: installs it all on the Flask server, with the sign-in routes.
"""
