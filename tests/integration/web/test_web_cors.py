"""CORS: off by default; the origins of STARSHOP_CORS_ORIGINS, and only they, may call the API from a browser
page elsewhere, sending the headers the API reads (credentials are never involved: auth is a header)."""

import httpx
import pytest

from starshop.entrypoints.web import create_app
from starshop.testing import build_in_memory_shop
from tests.support import serving

SHOP = "https://shop.example"
PREFLIGHT = {
    "Access-Control-Request-Method": "POST",
    "Access-Control-Request-Headers": "authorization, idempotency-key, x-api-key, content-type",
}


@pytest.fixture
async def api(request):
    app = create_app(build_in_memory_shop().container, cors_origins=request.param)
    async with serving(app) as url, httpx.AsyncClient(base_url=url) as client:
        yield client


def cors_headers(response: httpx.Response) -> dict[str, str]:
    return {k: v for k, v in response.headers.items() if k.startswith("access-control-")}


@pytest.mark.parametrize("api", [()], indirect=True)
async def test_without_origins_no_answer_carries_a_cors_header(api):
    simple = await api.get("/api/v1/shop", headers={"Origin": SHOP})
    preflight = await api.options("/api/v1/purchases", headers={"Origin": SHOP, **PREFLIGHT})
    assert simple.status_code == 401  # the request itself is answered as usual
    assert cors_headers(simple) == {}
    assert cors_headers(preflight) == {}


@pytest.mark.parametrize("api", [(SHOP, "http://localhost:5173")], indirect=True)
async def test_an_allowed_origin_may_send_the_api_headers_and_read_the_answer(api):
    preflight = await api.options("/api/v1/purchases", headers={"Origin": SHOP, **PREFLIGHT})
    assert preflight.status_code in (200, 204)
    assert preflight.headers["access-control-allow-origin"] == SHOP
    allowed = {h.strip().lower() for h in preflight.headers["access-control-allow-headers"].split(",")}
    assert {"authorization", "idempotency-key", "x-api-key", "content-type"} <= allowed
    assert "POST" in preflight.headers["access-control-allow-methods"]
    assert "access-control-allow-credentials" not in preflight.headers

    simple = await api.get("/api/v1/shop", headers={"Origin": "http://localhost:5173"})
    assert simple.headers["access-control-allow-origin"] == "http://localhost:5173"
    assert "idempotent-replayed" in simple.headers["access-control-expose-headers"].lower()
    assert "access-control-allow-credentials" not in simple.headers


@pytest.mark.parametrize("api", [(SHOP,)], indirect=True)
@pytest.mark.parametrize(
    "origin", ["https://evil.example", "http://shop.example", "https://shop.example.evil.example", "null"]
)
async def test_any_other_origin_is_allowed_nothing(api, origin):
    """A browser lets a page read an answer only when ``Access-Control-Allow-Origin`` names its origin; Litestar
    also adds its fixed allow-lists to every answer, which grant nothing without it."""
    simple = await api.get("/api/v1/shop", headers={"Origin": origin})
    preflight = await api.options("/api/v1/purchases", headers={"Origin": origin, **PREFLIGHT})
    assert simple.status_code == 401
    assert preflight.status_code >= 400
    for answer in (simple, preflight):
        assert "access-control-allow-origin" not in answer.headers
        assert "access-control-allow-credentials" not in answer.headers
