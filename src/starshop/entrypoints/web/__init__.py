"""The Litestar web app. ``create_app`` is imported on first use, so ``web.auth`` costs no Litestar import."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from starshop.entrypoints.web.app import create_app

__all__ = ["create_app"]


def __getattr__(name: str) -> object:
    if name == "create_app":
        from starshop.entrypoints.web.app import create_app

        return create_app
    msg = f"module {__name__!r} has no attribute {name!r}"
    raise AttributeError(msg)
