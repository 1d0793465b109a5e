"""``/sandbox/invoices/{uuid}``: the sandbox's payment page. Paying sends a properly signed Heleket webhook to
``/webhooks/heleket`` of the app serving the page, as an HTTP request through the whole app (middleware, endpoint,
verifier, ``ConfirmPayment``). It goes to the app in-process, not over the network: a post to the shop's own
address failed (and the page answered 500) once the server had stopped listening during a graceful shutdown, and
where the public URL does not lead back to this very process.

Mounted only when the whole shop is a sandbox (simulated payments and deliveries, never in production).
Every page says SANDBOX.
"""

from __future__ import annotations

import html
import logging
from typing import Any

import httpx
from dishka.integrations.litestar import FromDishka, inject
from litestar import Controller, MediaType, Request, Response, get, post
from litestar.params import Parameter
from msgspec import Struct

from starshop.adapters.sandbox import SANDBOX_ACTIONS, SandboxPaymentGateway
from starshop.entrypoints.web.auth import MAX_USER_ID, SANDBOX_BOT_TOKEN, MiniAppAuth, init_data_for
from starshop.entrypoints.web.errors import error_response

log = logging.getLogger("starshop.sandbox")
BANNER = "SANDBOX: no real money moves here"


class Settled(Struct, kw_only=True):
    sandbox: bool = True
    action: str
    webhook_status: int
    outcome: object


class SandboxLogin(Struct, kw_only=True):
    sandbox: bool = True
    authorization: str


def _page(title: str, body: str) -> Response[str]:
    return Response(
        f"""<!doctype html><html><head><meta charset="utf-8"><title>{html.escape(title)} (sandbox)</title>
<style>body{{font-family:sans-serif;max-width:40em;margin:2em auto}} .banner{{background:#ffd24d;padding:.6em;
font-weight:bold;text-align:center}} button{{margin:.3em;padding:.5em 1em}}</style></head><body>
<div class="banner">{BANNER}</div><h1>{html.escape(title)}</h1>{body}</body></html>""",
        media_type=MediaType.HTML,
    )


class SandboxController(Controller):
    """The sandbox's pages; none is in the API schema."""

    path = "/sandbox"
    include_in_schema = False

    @get("/invoices/{invoice_uuid:str}")
    @inject
    async def invoice_page(self, invoice_uuid: str, sandbox: FromDishka[SandboxPaymentGateway]) -> Response[Any]:
        invoice = sandbox.by_uuid(invoice_uuid)
        if invoice is None:
            msg = "no such sandbox invoice (the sandbox forgets them on restart)"
            return error_response(404, "unknown_invoice", msg)
        buttons = "".join(
            f'<form method="post" action="/sandbox/invoices/{invoice.uuid}/{action}" style="display:inline">'
            f'<button type="submit">{action}</button></form>'
            for action in SANDBOX_ACTIONS
        )
        body = (
            f"<p>Invoice <code>{html.escape(invoice.uuid)}</code> for order <code>{html.escape(invoice.order_id)}"
            f"</code></p><p>Amount: <b>{html.escape(invoice.amount)} {html.escape(invoice.currency)}</b> "
            f"&middot; status: <b>{html.escape(invoice.status)}</b></p>{buttons}"
        )
        return _page("Pay invoice", body)

    @post("/invoices/{invoice_uuid:str}/{action:str}", status_code=200)
    @inject
    async def settle_invoice(
        self,
        invoice_uuid: str,
        action: str,
        request: Request[Any, Any, Any],
        sandbox: FromDishka[SandboxPaymentGateway],
    ) -> Response[Any]:
        invoice = sandbox.by_uuid(invoice_uuid)
        if invoice is None:
            return error_response(404, "unknown_invoice", "no such sandbox invoice")
        if action not in SANDBOX_ACTIONS:
            return error_response(404, "unknown_action", f"actions are {', '.join(SANDBOX_ACTIONS)}")
        body = sandbox.settle(invoice, action)
        transport = httpx.ASGITransport(app=request.app)  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url="http://sandbox", timeout=10) as client:
            answer = await client.post("/webhooks/heleket", content=body, headers={"Content-Type": "application/json"})
        outcome = answer.json().get("outcome") if answer.status_code == 200 else answer.text
        log.info("SANDBOX invoice %s %s: webhook answered %s (%s)", invoice_uuid, action, answer.status_code, outcome)
        if "text/html" in request.headers.get("accept", ""):
            return _page(
                "Done",
                f"<p>Sent a signed <code>{SANDBOX_ACTIONS[action]}</code> webhook: {html.escape(str(outcome))}."
                f'</p><p><a href="/sandbox/invoices/{invoice_uuid}">back to the invoice</a></p>',
            )
        settled = Settled(action=action, webhook_status=answer.status_code, outcome=outcome)
        return Response(settled, status_code=200)

    @get("/login")
    @inject
    async def sandbox_login(
        self,
        auth: FromDishka[MiniAppAuth],
        user_id: int = Parameter(default=1000, ge=1, le=MAX_USER_ID),
        username: str = Parameter(default="sandbox_user", pattern=r"^[A-Za-z0-9_]{1,32}$"),
        language: str = Parameter(default="en", pattern=r"^[a-z]{2,3}(-[A-Za-z]{2,4})?$"),
    ) -> Response[Any]:
        """initData for a made-up Telegram user, signed with the sandbox bot token (only without a real bot)."""
        if auth.bot_token != SANDBOX_BOT_TOKEN:
            return error_response(403, "not_sandbox", "a real bot token is configured: sign in through the Mini App")
        user = {"id": user_id, "username": username, "first_name": username, "language_code": language}
        init_data = init_data_for(user, auth.bot_token)
        return Response(SandboxLogin(authorization=f"tma {init_data}"), status_code=200)


SANDBOX_ROUTES = [SandboxController]
