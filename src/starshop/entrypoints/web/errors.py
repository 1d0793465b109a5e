"""The one error shape of the HTTP side: ``{"error": {"code": ..., "message": ...}}`` with a stable code."""

from __future__ import annotations

from typing import Any

from litestar import Response


def error_response(status: int, code: str, message: str) -> Response[Any]:
    return Response({"error": {"code": code, "message": message}}, status_code=status)
