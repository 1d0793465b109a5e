"""The API docs page at ``/api/v1/schema`` (Swagger UI), whose assets the app serves itself (``static/swagger-ui``,
vendored with their license): it works offline and sends nothing to another origin."""

from __future__ import annotations

from pathlib import Path

from litestar.datastructures import CacheControlHeader
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.router import Router
from litestar.static_files import create_static_files_router

SCHEMA_PATH = "/api/v1/schema"
ASSETS = f"{SCHEMA_PATH}/assets"
SWAGGER_UI = Path(__file__).parent / "static" / "swagger-ui"


def docs_page() -> SwaggerRenderPlugin:
    """Swagger UI at ``/api/v1/schema`` (and ``/api/v1/schema/swagger``), its scripts, styles and icon local."""
    return SwaggerRenderPlugin(
        path=["/", "/swagger"],
        js_url=f"{ASSETS}/swagger-ui-bundle.js",
        css_url=f"{ASSETS}/swagger-ui.css",
        standalone_preset_js_url=f"{ASSETS}/swagger-ui-standalone-preset.js",
        favicon=f"<link rel='icon' type='image/png' href='{ASSETS}/favicon-32x32.png'>",
    )


def docs_assets() -> Router:
    return create_static_files_router(
        path=ASSETS,
        directories=[SWAGGER_UI],
        name="api-docs-assets",
        cache_control=CacheControlHeader(max_age=86_400),
        include_in_schema=False,
    )
