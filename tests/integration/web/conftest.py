"""The web suites use the shared fixtures of ``tests/conftest.py`` (``stack``, ``serving``)."""

from tests.conftest import free_port, serving

__all__ = ["free_port", "serving"]
