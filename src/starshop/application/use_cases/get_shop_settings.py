from __future__ import annotations

from starshop.application.ports import UnitOfWork
from starshop.application.use_cases._shared import current_settings
from starshop.domain import Defaults, ShopSettings


class GetShopSettings:
    """The settings in force: the configured defaults with the operator's overrides, read from the store now."""

    def __init__(self, uow: UnitOfWork, defaults: Defaults) -> None:
        self._uow = uow
        self._defaults = defaults

    async def __call__(self) -> ShopSettings:
        async with self._uow as uow:
            return await current_settings(uow, self._defaults)
