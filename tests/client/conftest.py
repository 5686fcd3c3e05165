"""Client test fixtures: the demo installation behind a real server (``tests.server.live``)."""

from tests.server.live import demo, live

__all__ = ["demo", "live"]
