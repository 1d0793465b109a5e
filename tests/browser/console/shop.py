"""Making a shop's history over the real HTTP API: sandbox users top up, buy, and the worker settles."""

from __future__ import annotations

import time
from decimal import Decimal
from typing import Any

import httpx


def user(server: str, user_id: int, username: str) -> dict[str, str]:
    signed = httpx.get(f"{server}/sandbox/login", params={"user_id": user_id, "username": username}).json()
    return {"Authorization": signed["authorization"]}


def top_up(server: str, who: dict[str, str], amount: str, key: str) -> None:
    made = httpx.post(
        f"{server}/api/v1/recharges", json={"amount": amount}, headers=who | {"Idempotency-Key": key}, timeout=10
    )
    assert made.status_code == 201, made.text
    paid = httpx.post(f"{made.json()['invoice_url']}/pay", timeout=10)
    assert paid.json()["outcome"] == "credited", paid.text


def buy(server: str, who: dict[str, str], stars: int, recipient: str, key: str) -> str:
    made = httpx.post(
        f"{server}/api/v1/purchases",
        json={"stars": stars, "recipient": recipient},
        headers=who | {"Idempotency-Key": key},
        timeout=10,
    )
    assert made.status_code == 201, made.text
    return str(made.json()["id"])


def wait(operator: httpx.Client, tx_id: str, done: Any, what: str) -> dict[str, Any]:
    for _ in range(300):
        tx = operator.get(f"/api/v1/admin/transactions/{tx_id}").json()
        if done(tx):
            return dict(tx)
        time.sleep(0.05)
    raise AssertionError(what)


def ledger(operator: httpx.Client) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    page = 1
    while True:
        found = operator.get("/api/v1/admin/transactions", params={"page": page, "page_size": 100}).json()
        rows += found["items"]
        if len(rows) >= found["total"]:
            return rows
        page += 1


def completed_sum(rows: list[dict[str, Any]], kind: str) -> Decimal:
    return sum((Decimal(t["amount"]) for t in rows if t["type"] == kind and t["status"] == "completed"), Decimal(0))
