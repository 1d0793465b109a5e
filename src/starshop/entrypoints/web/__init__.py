"""The Litestar web app."""

from starshop.entrypoints.web.app import create_app

__all__ = ["create_app"]
