"""The one composition root: each technology's provider reads its own settings section from the context.

``providers(sections)`` lists the providers the sections choose: Postgres or SQLite with a database section (the
in-memory store without one), Redis with a Redis section (else in-process twins), Heleket or the sandbox for
payments, Fragment with a delivery section (else the sandbox), the bot's notifier when the bot's parts are given
(else the log). Web, bot, worker, CLI and ``starshop.testing`` all build from ``build_container``; overrides (dishka
providers whose factories say ``override=True``) replace any adapter and are still timed and counted.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dishka import AsyncContainer, Provider, make_async_container

from starshop.application.config import ShopConfig
from starshop.domain import PremiumPrices, PurchasePolicy
from starshop.entrypoints.ioc.core import CoreProvider
from starshop.entrypoints.ioc.notifier import LoggingNotifierProvider
from starshop.entrypoints.ioc.observability import ObservabilityProvider
from starshop.entrypoints.ioc.use_cases import UseCasesProvider
from starshop.entrypoints.ioc.web import WebProvider
from starshop.entrypoints.observability import Metrics
from starshop.entrypoints.settings import SandboxPaymentSettings, Sections, Settings

if TYPE_CHECKING:  # aiogram is imported only when a bot is configured
    from starshop.entrypoints.ioc.telegram import BotParts

__all__ = ["build_container", "context", "providers"]


def providers(sections: Sections, *overrides: Provider, bot: BotParts | None = None) -> list[Provider]:
    """The providers for these sections; ``overrides`` come before the observability decorators."""
    return [
        CoreProvider(),
        UseCasesProvider(),
        _persistence(sections),
        _queueing(sections),
        _payments(sections),
        _delivery(sections),
        _notifier(bot),
        WebProvider(),
        *overrides,
        ObservabilityProvider(),
    ]


def context(sections: Sections, metrics: Metrics, bot: BotParts | None = None) -> dict[type[object], object]:
    """Every section present, keyed by its own class."""
    found: dict[type[object], object] = {
        PurchasePolicy: sections.policy,
        PremiumPrices: sections.premium or PremiumPrices(currency=sections.config.currency),
        ShopConfig: sections.config,
        Metrics: metrics,
        type(sections.webhook): sections.webhook,
        type(sections.rate_limits): sections.rate_limits,
        type(sections.auth): sections.auth,
        type(sections.payments): sections.payments,
    }
    for section in (sections.database, sections.redis, sections.delivery, sections.bot, bot):
        if section is not None:
            found[type(section)] = section
    return found


def build_container(
    settings: Settings | Sections, *overrides: Provider, metrics: Metrics | None = None, bot: BotParts | None = None
) -> AsyncContainer:
    """Everything the runners need. Pass the same ``metrics`` to ``create_app`` so HTTP and outbound-call metrics
    share one registry; ``bot`` (its parts) makes users hear from the bot."""
    sections = settings.sections() if isinstance(settings, Settings) else settings
    return make_async_container(
        *providers(sections, *overrides, bot=bot), context=context(sections, metrics or Metrics(), bot)
    )


def _persistence(sections: Sections) -> Provider:
    if sections.database is None:
        from starshop.entrypoints.ioc.memory import MemoryStoreProvider

        return MemoryStoreProvider()
    from starshop.entrypoints.ioc.database import DatabaseProvider

    return DatabaseProvider()


def _queueing(sections: Sections) -> Provider:
    if sections.redis is None:
        from starshop.entrypoints.ioc.inprocess import InProcessProvider

        return InProcessProvider()
    from starshop.entrypoints.ioc.redis import RedisProvider

    return RedisProvider()


def _payments(sections: Sections) -> Provider:
    if isinstance(sections.payments, SandboxPaymentSettings):
        from starshop.entrypoints.ioc.sandbox import SandboxPaymentsProvider

        return SandboxPaymentsProvider()
    from starshop.entrypoints.ioc.heleket import HeleketProvider

    return HeleketProvider()


def _delivery(sections: Sections) -> Provider:
    if sections.delivery is None:
        from starshop.entrypoints.ioc.sandbox import SandboxDeliveryProvider

        return SandboxDeliveryProvider()
    from starshop.entrypoints.ioc.fragment import FragmentProvider

    return FragmentProvider()


def _notifier(bot: BotParts | None) -> Provider:
    if bot is None:
        return LoggingNotifierProvider()
    from starshop.entrypoints.ioc.telegram import TelegramProvider

    return TelegramProvider()
