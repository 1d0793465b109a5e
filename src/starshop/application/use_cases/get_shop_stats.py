from __future__ import annotations

from starshop.application.ports import ShopStats, TransactionReader


class GetShopStats:
    """Shop-wide figures for operators: users, money in and out, stars delivered, flagged transactions."""

    def __init__(self, reader: TransactionReader) -> None:
        self._reader = reader

    async def __call__(self) -> ShopStats:
        return await self._reader.stats()
