"""The Telegram Mini App storefront at ``GET /app``: a page and its assets (``static/app``), served from the package.

The page reads the launch parameters Telegram puts in the URL fragment and calls the API with
``Authorization: tma <initData>``. In the sandbox, ``GET /`` is an index page and ``GET /sandbox/app`` opens the
storefront as a made-up user (initData signed with the public sandbox token, only where that token is trusted).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote

from dishka.integrations.litestar import FromDishka, inject
from litestar import MediaType, Response, get
from litestar.datastructures import CacheControlHeader
from litestar.params import Parameter
from litestar.response import Redirect
from litestar.static_files import create_static_files_router
from litestar.types import ControllerRouterHandler

from starshop.entrypoints.web.auth import MAX_USER_ID, SANDBOX_BOT_TOKEN, MiniAppAuth, init_data_for
from starshop.entrypoints.web.errors import error_response

STATIC = Path(__file__).parent / "static" / "app"
TELEGRAM_VERSION = "8.0"

# Everything comes from the app itself, except Telegram's own script; Telegram's web clients frame the page.
CSP = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self' https://telegram.org",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'self' https://web.telegram.org https://*.web.telegram.org",
    ]
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}
# Telegram's palettes, so the sandbox shows the page as a Telegram client would.
THEMES = {
    "light": {
        "bg_color": "#ffffff",
        "text_color": "#000000",
        "hint_color": "#707579",
        "link_color": "#3390ec",
        "button_color": "#3390ec",
        "button_text_color": "#ffffff",
        "secondary_bg_color": "#f4f4f5",
        "section_bg_color": "#f4f4f5",
        "destructive_text_color": "#df3f40",
    },
    "dark": {
        "bg_color": "#212121",
        "text_color": "#ffffff",
        "hint_color": "#aaaaaa",
        "link_color": "#8774e1",
        "button_color": "#8774e1",
        "button_text_color": "#ffffff",
        "secondary_bg_color": "#181818",
        "section_bg_color": "#2c2c2c",
        "destructive_text_color": "#ff595a",
    },
}


def _page(sandbox: bool) -> bytes:
    page = (STATIC / "index.html").read_bytes()
    return page.replace(b'data-sandbox="false"', b'data-sandbox="true"') if sandbox else page


def launch_fragment(init_data: str, *, theme: dict[str, str] | None = None, platform: str = "unknown") -> str:
    """The fragment Telegram opens a Mini App with."""
    fields = [
        f"tgWebAppData={quote(init_data, safe='')}",
        f"tgWebAppVersion={TELEGRAM_VERSION}",
        f"tgWebAppPlatform={platform}",
    ]
    if theme is not None:
        fields.append(f"tgWebAppThemeParams={quote(json.dumps(theme), safe='')}")
    return "&".join(fields)


def storefront_routes(*, sandbox: bool) -> list[ControllerRouterHandler]:
    page = _page(sandbox)

    @get("/app", include_in_schema=False, sync_to_thread=False)
    def storefront() -> Response[bytes]:
        headers = SECURITY_HEADERS | {"Cache-Control": "no-cache"}
        return Response(page, media_type=MediaType.HTML, headers=headers)

    assets = create_static_files_router(
        path="/app/assets",
        directories=[STATIC],
        name="storefront-assets",
        cache_control=CacheControlHeader(no_cache=True),
        include_in_schema=False,
    )
    routes: list[ControllerRouterHandler] = [storefront, assets]
    if sandbox:
        routes += [sandbox_index, sandbox_app]
    return routes


@get("/", include_in_schema=False, sync_to_thread=False)
def sandbox_index() -> Response[str]:
    """The sandbox's front door: the storefront (as a made-up user), the API docs and health."""
    links = [
        ("/sandbox/app", "Open the storefront as a made-up user"),
        ("/sandbox/app?language=ru&theme=dark", "… in Russian, dark theme"),
        ("/app", "The storefront as Telegram opens it (without Telegram: asks to open it there)"),
        ("/api/v1/schema", "API docs"),
        ("/api/v1/schema/openapi.json", "OpenAPI schema"),
        ("/health/ready", "Health"),
    ]
    items = "".join(f'<li><a href="{href}">{text}</a></li>' for href, text in links)
    body = f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>starshop (sandbox)</title>
<link rel="icon" href="data:,"></head><body style="font-family:sans-serif;max-width:40em;margin:2em auto;padding:0 1em">
<p style="background:#ffd24d;padding:.6em;font-weight:bold;text-align:center">SANDBOX: no real money moves here</p>
<h1>⭐ starshop</h1><ul style="line-height:2">{items}</ul></body></html>"""
    headers = {"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src data:"}
    return Response(body, media_type=MediaType.HTML, headers=headers)


@get("/sandbox/app", include_in_schema=False)
@inject
async def sandbox_app(
    auth: FromDishka[MiniAppAuth],
    user_id: int = Parameter(default=1000, ge=1, le=MAX_USER_ID),
    username: str = Parameter(default="sandbox_user", pattern=r"^[A-Za-z0-9_]{1,32}$"),
    language: str = Parameter(default="en", pattern=r"^[a-z]{2,3}(-[A-Za-z]{2,4})?$"),
    theme: Literal["light", "dark"] | None = None,
) -> Response[Any]:
    """The storefront opened as a made-up Telegram user, as Telegram would open it (only without a real bot)."""
    if auth.bot_token != SANDBOX_BOT_TOKEN:
        return error_response(403, "not_sandbox", "a real bot token is configured: open the shop from the bot")
    user = {"id": user_id, "username": username, "first_name": username, "language_code": language}
    init_data = init_data_for(user, auth.bot_token)
    fragment = launch_fragment(init_data, theme=THEMES[theme] if theme else None)
    return Redirect(f"/app#{fragment}", status_code=302)
