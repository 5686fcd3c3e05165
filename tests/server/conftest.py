"""Server test fixtures (defined in ``tests.server.live``, shared with the client tests)."""

from tests.server.live import api, app, demo, live

__all__ = ["api", "app", "demo", "live"]
