"""The sandbox's payment page sends its signed webhook to the app that serves it, even while the server is shutting
down: it used to post to the shop's own URL over the network, and once uvicorn had closed its listening socket (a
request in flight during a graceful shutdown) that post failed and the page answered 500."""

import httpx

from starshop.entrypoints.ioc import build_container
from starshop.entrypoints.settings import Settings
from starshop.entrypoints.web import create_app
from starshop.entrypoints.web.auth import SANDBOX_BOT_TOKEN, init_data_for
from tests.support import free_port

USER = {"id": 5151, "username": "sandy", "first_name": "Sandy", "language_code": "en"}


async def test_paying_a_sandbox_invoice_works_when_the_shop_no_longer_accepts_connections(sqlite_url):
    port = free_port()  # the shop's own address, where nothing listens any more (uvicorn closed it to stop)
    app = create_app(build_container(Settings(port=port, database_url=sqlite_url)), sandbox=True)
    auth = {"Authorization": f"tma {init_data_for(USER, SANDBOX_BOT_TOKEN)}"}
    async with (
        app.lifespan(),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://shop", headers=auth) as client,
    ):
        recharge = await client.post("/api/v1/recharges", json={"amount": "3.00"}, headers={"Idempotency-Key": "s"})
        invoice_path = httpx.URL(recharge.json()["invoice_url"]).path
        paid = await client.post(f"{invoice_path}/pay")
        assert paid.status_code == 200, paid.text
        assert (paid.json()["webhook_status"], paid.json()["outcome"]) == (200, "credited")
        balance = (await client.get("/api/v1/balance")).json()
    assert balance["amount"] == "3.00"
