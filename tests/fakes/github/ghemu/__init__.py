"""ghemu: a stateful GitHub REST emulator for relkit's tests (Python standard library only).

model.py     state: seed loading, bulk generation, indexes, persistence, git helpers
render.py    GitHub-shaped JSON for every object
api.py       the api listener's pipeline: auth, rate limit, routing, github.com downloads, /_emulator/
routes.py    the GitHub REST routes (api.github.com)
transfer.py  asset uploads (uploads listener) and asset downloads (downloads listener)
server.py    HTTP/1.1 listeners, auth, rate limits, ETags, pagination, faults, request log, control
"""
