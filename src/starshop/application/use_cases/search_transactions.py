from __future__ import annotations

import attrs

from starshop.application.ports import Page, TransactionFilter, TransactionReader
from starshop.application.use_cases.get_history import MAX_PAGE, MAX_PAGE_NUMBER
from starshop.domain import InvalidAmount


@attrs.frozen(kw_only=True)
class TransactionSearch:
    filter: TransactionFilter
    page: int = 1
    page_size: int = 50


class SearchTransactions:
    """Transactions for operators, newest first, filtered by user, status, type and operator flag."""

    def __init__(self, reader: TransactionReader) -> None:
        self._reader = reader

    async def __call__(self, query: TransactionSearch) -> Page:
        if not 1 <= query.page <= MAX_PAGE_NUMBER or not 1 <= query.page_size <= MAX_PAGE:
            msg = f"page must be 1..{MAX_PAGE_NUMBER} and page size 1..{MAX_PAGE}"
            raise InvalidAmount(msg)
        offset = (query.page - 1) * query.page_size
        return await self._reader.search(query.filter, limit=query.page_size, offset=offset)
