"""The operator console at ``/admin``: one page and its assets, served from the package (no CDN, no build step).

The page holds no data and no secret: it signs in with an operator key (kept in the tab's sessionStorage, sent as
``X-API-Key``) or, opened as a Telegram Mini App, with the initData of a ``STARSHOP_ADMIN_IDS`` user, and then
reads and acts through the operator API. A strict Content-Security-Policy lets it load nothing but its own files
and talk to nothing but its own origin.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from litestar import MediaType, Response, get
from litestar.static_files import create_static_files_router
from litestar.types import ControllerRouterHandler

STATIC = Path(__file__).parent / "static" / "admin"

CSP = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'none'",  # the sign-in form is never submitted: the key must not reach a URL
        "frame-ancestors 'self' https://web.telegram.org",  # Telegram Web shows Mini Apps in a frame
    ]
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


PAGE = (STATIC / "index.html").read_bytes()


@get("/admin", include_in_schema=False, sync_to_thread=False)
def console_page() -> Response[bytes]:
    """The console's one page."""
    return Response(PAGE, media_type=MediaType.HTML, headers=HEADERS)


def _with_headers(response: Response[Any]) -> Response[Any]:
    response.headers.update({"X-Content-Type-Options": "nosniff", "Content-Security-Policy": CSP})
    return response


CONSOLE_ROUTES: list[ControllerRouterHandler] = [
    console_page,
    create_static_files_router(
        path="/admin/assets", directories=[STATIC], name="admin-console", after_request=_with_headers
    ),
]
