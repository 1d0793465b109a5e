# ruff: noqa: RUF001  (Russian texts and emoji are the point of these tests)
"""Referrals in the bot: ``/referrals`` and the menu button show the link; a friend who starts the bot through it
(``/start ref_<code>``) is counted once, and nobody through their own link."""

from starshop.domain import referral_code
from starshop.testing.fakes.bot_api import BOT_USERNAME

from .conftest import ALICE, BotHarness

BOB = 202


def expected(invited: int, *, lang: str = "en") -> str:
    link = f"https://t.me/{BOT_USERNAME}?start=ref_{referral_code(ALICE)}"
    if lang == "ru":
        return (
            f"👥 Ваша ссылка: {link}\nДрузья, пришедшие по ней, приносят вам 0% от каждой своей покупки.\n"
            f"Приглашено: {invited}\nЗаработано: 0.00 USD"
        )
    return (
        f"👥 Your link: {link}\nFriends who join through it and buy earn you 0% of each purchase.\n"
        f"Invited: {invited}\nEarned: 0.00 USD"
    )


async def test_a_friend_starting_through_the_link_is_counted_once(harness: BotHarness) -> None:
    await harness.send("/start")
    assert (await harness.said("/referrals")).text == expected(0)
    await harness.send(f"/start ref_{referral_code(ALICE)}")  # one's own link counts nobody
    await harness.send(f"/start ref_{referral_code(ALICE)}", user_id=BOB, username="bob_tg")
    await harness.send(f"/start ref_{referral_code(ALICE)}", user_id=BOB, username="bob_tg")
    assert (await harness.said("/referrals")).text == expected(1)


async def test_the_menu_button_shows_the_link_in_russian(harness: BotHarness) -> None:
    await harness.send("/start", lang="ru")
    assert (await harness.pressed("m:referrals", lang="ru")).text == expected(0, lang="ru")
