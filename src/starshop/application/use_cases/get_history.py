from __future__ import annotations

import attrs

from starshop.application.ports import Page, TransactionReader
from starshop.domain import InvalidAmount

MAX_PAGE = 100
MAX_PAGE_NUMBER = 1_000_000


@attrs.frozen(kw_only=True)
class HistoryQuery:
    user_id: int
    page: int = 1
    page_size: int = 10


class GetHistory:
    """A user's transactions, newest first, a page at a time (pages count from 1, at most 100 rows each)."""

    def __init__(self, reader: TransactionReader) -> None:
        self._reader = reader

    async def __call__(self, query: HistoryQuery) -> Page:
        if not 1 <= query.page <= MAX_PAGE_NUMBER or not 1 <= query.page_size <= MAX_PAGE:
            msg = f"page must be 1..{MAX_PAGE_NUMBER} and page size 1..{MAX_PAGE}"
            raise InvalidAmount(msg)
        offset = (query.page - 1) * query.page_size
        return await self._reader.history(query.user_id, limit=query.page_size, offset=offset)
