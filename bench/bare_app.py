"""The baseline web app: a bare Litestar endpoint that parses the webhook body and does nothing else.

Served by the same uvicorn, with the same options and logging set-up as ``starshop run``::

    python bench/bare_app.py --port PORT
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

import uvicorn
from litestar import Litestar, Request, Response, get, post

from starshop.entrypoints.observability import configure_logging


@get("/health/live", sync_to_thread=False)
def live() -> dict[str, str]:
    return {"status": "ok"}


@post("/webhooks/heleket", status_code=200)
async def webhook(request: Request[Any, Any, Any]) -> Response[Any]:
    data = json.loads(await request.body())
    return Response({"ok": True, "outcome": "parsed", "fields": len(data)}, status_code=200)


app = Litestar(route_handlers=[live, webhook], logging_config=None)  # logging as `starshop run` sets it up


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    configure_logging("INFO", json_lines=False)
    uvicorn.run(
        app, host="127.0.0.1", port=args.port, proxy_headers=False, log_config=None, timeout_graceful_shutdown=30
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
