# ruff: noqa: RUF001  (Russian texts, dashes and emoji are the point of these tests)
"""The throttling middleware and the one error handler."""

import logging
from decimal import Decimal

import pytest
from dishka import Provider, Scope, provide

from starshop.application.use_cases.get_balance import GetBalance
from starshop.testing import default_config
from starshop.testing.fakes import FakeBotApi

from .conftest import BotHarness, bot_harness


async def test_a_user_over_the_message_limit_is_told_once_and_not_served(harness: BotHarness) -> None:
    await harness.send("/start")
    limiter = await harness.limiter()
    limiter.limits = {"message": (0, 60.0)}
    assert (await harness.said("/balance")).text == "⏳ Not so fast — please wait a moment."
    assert await harness.send("/balance") == []  # told once, then silently dropped
    calls = await harness.press("m:balance")
    assert [(c.method, c.params.get("text")) for c in calls] == [("answerCallbackQuery", None)]  # the spinner stops
    limiter.limits = {}
    assert (await harness.said("/balance")).text is not None


async def test_throttling_notice_in_russian_for_buttons(harness: BotHarness) -> None:
    (await harness.limiter()).limits = {"message": (0, 60.0)}
    calls = await harness.press("m:balance", lang="ru")
    assert [(c.method, c.params.get("text")) for c in calls] == [
        ("answerCallbackQuery", "⏳ Не так быстро — подождите немного.")
    ]


class BrokenBalance:
    async def __call__(self, user_id: int) -> None:
        msg = "database on fire"
        raise RuntimeError(msg)


class BrokenProvider(Provider):
    scope = Scope.REQUEST

    @provide(override=True)
    def balance(self) -> GetBalance:
        return BrokenBalance()  # type: ignore[return-value]


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en", "Something went wrong on our side. We are looking into it; please try again."),
        ("ru", "У нас что-то пошло не так. Мы уже разбираемся; попробуйте ещё раз."),
    ],
)
async def test_an_unexpected_error_is_logged_with_context_and_the_user_is_told(
    fake: FakeBotApi, caplog: pytest.LogCaptureFixture, lang: str, expected: str
) -> None:
    async with bot_harness(fake, BrokenProvider()) as harness:
        with caplog.at_level(logging.ERROR):
            reply = await harness.said("/balance", lang=lang)
    assert reply.text == expected
    (record,) = [r for r in caplog.records if r.name == "starshop.entrypoints.bot.middlewares"]
    assert record.getMessage() == "unexpected error handling update 1 from user 101"
    assert record.exc_info is not None
    assert "database on fire" in str(record.exc_info[1])


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en", "Star sales are paused for a moment. Please try again later."),
        ("ru", "Продажа звёзд ненадолго приостановлена. Попробуйте позже."),
    ],
)
async def test_sales_paused_is_mapped_by_its_code(fake: FakeBotApi, lang: str, expected: str) -> None:
    async with bot_harness(fake, config=default_config(wallet_floor=Decimal(5000))) as harness:
        await harness.send("/start", lang=lang)
        await harness.bonus(101, "10.00")
        await harness.send("/buy 100 @bob_gift", lang=lang)
        assert (await harness.confirmed(lang=lang)).text == expected
        assert (await harness.said("/balance", lang=lang)).text is not None
