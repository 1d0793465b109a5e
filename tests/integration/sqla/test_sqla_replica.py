"""With STARSHOP_DATABASE_REPLICA_URL, history and statistics read from the replica; every read that decides
about money (balances, holds, idempotency, delivery claims) goes to the primary."""

import pytest
from tests.db import create_database, database_url, drop_database, run_in_thread

from starshop.application.use_cases.get_balance import GetBalance
from starshop.application.use_cases.get_history import GetHistory, HistoryQuery
from starshop.application.use_cases.get_shop_stats import GetShopStats
from starshop.application.use_cases.grant_bonus import GrantBonus, OperatorCredit
from starshop.application.use_cases.register_user import RegisterUser, TelegramProfile
from starshop.domain import Currency, Money
from starshop.entrypoints.ioc import build_container
from starshop.entrypoints.settings import Settings

pytestmark = pytest.mark.postgres


@pytest.fixture
def replica(pg_template: str):
    """A second database standing in for a replica that has not caught up yet."""
    name = run_in_thread(create_database(pg_template))
    yield database_url(name)
    run_in_thread(drop_database(name))


async def test_history_and_stats_come_from_the_replica_and_money_from_the_primary(pg_url, replica):
    container = build_container(Settings(database_url=pg_url, database_replica_url=replica))
    try:
        async with container() as scope:
            await (await scope.get(RegisterUser))(TelegramProfile(user_id=9, username="nine"))
            gift = OperatorCredit(operator_id=1, user_id=9, amount=Money.of("4", Currency.of("USD")), reason="r")
            await (await scope.get(GrantBonus))(gift)
        async with container() as scope:
            balance = await (await scope.get(GetBalance))(9)
            history = await (await scope.get(GetHistory))(HistoryQuery(user_id=9))
            stats = await (await scope.get(GetShopStats))()
        assert balance.amount == Money.of("4", Currency.of("USD"))  # the primary has it
        assert history.total == 0  # the replica has not seen it (yet)
        assert stats.users == 0
    finally:
        await container.close()
