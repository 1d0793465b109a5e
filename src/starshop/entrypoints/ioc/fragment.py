from __future__ import annotations

from collections.abc import AsyncIterator

from dishka import Provider, Scope, from_context, provide

from starshop.adapters.fragment import HttpxFragmentDelivery
from starshop.application.ports import StarDelivery
from starshop.entrypoints.settings import FragmentSettings


class FragmentProvider(Provider):
    scope = Scope.APP
    settings = from_context(provides=FragmentSettings, scope=Scope.APP)

    @provide
    async def delivery(self, settings: FragmentSettings) -> AsyncIterator[StarDelivery]:
        delivery = HttpxFragmentDelivery(
            seed=settings.seed.reveal(),
            cookies=settings.cookies.reveal() if settings.cookies else None,
            base_url=settings.url,
            read_timeout=settings.timeout,
        )
        yield delivery
        await delivery.aclose()
