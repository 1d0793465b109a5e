"""Moved to ``starshop.entrypoints.ioc``; kept while the runners and tests move over."""

from starshop.entrypoints.ioc import build_container
from starshop.entrypoints.settings import SANDBOX_BOT_TOKEN, SQLITE_DEFAULT

__all__ = ["SANDBOX_BOT_TOKEN", "SQLITE_DEFAULT", "build_container"]
