"""AidBridge backend: the Litestar application, its domains, jobs and CLI."""

import os

# Piccolo finds its engine through this module path; set it before any table is used so the
# CLI, the web app, the worker and the tests all resolve the same engine.
os.environ.setdefault("PICCOLO_CONF", "backend.piccolo_conf")
