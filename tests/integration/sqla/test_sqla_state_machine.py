"""The foundation's ledger state machine, run against Postgres: every rule through the SQL adapters, the model
checked after every step (fewer examples than in memory: each one gets a fresh database)."""

import pytest
from hypothesis import HealthCheck, settings
from tests.db import create_database, database_url, drop_database, run_in_thread
from tests.unit.test_ledger_state_machine import LedgerMachine

from starshop.entrypoints.settings import DatabaseSettings
from starshop.testing import build_shop

pytestmark = pytest.mark.postgres
TEMPLATE: dict[str, str] = {}


@pytest.fixture(autouse=True)
def _template(pg_template: str) -> None:
    TEMPLATE["name"] = pg_template


class PostgresLedgerMachine(LedgerMachine):
    def build(self, policy):
        self.database = run_in_thread(create_database(TEMPLATE["name"]))
        return build_shop(
            database=DatabaseSettings(url=database_url(self.database), pool_size=4),
            underpayment=policy,
            config=self.config(),
        )

    def teardown(self) -> None:
        if hasattr(self, "database"):
            self.run(self.shop.aclose())
            run_in_thread(drop_database(self.database))
        super().teardown()


PostgresLedgerMachine.TestCase.settings = settings(
    max_examples=25, stateful_step_count=25, deadline=None, suppress_health_check=list(HealthCheck)
)
test_ledger_state_machine_on_postgres = PostgresLedgerMachine.TestCase
