"""The dishka wiring resolves every use case on the in-memory adapters and runs a flow through them."""

from starshop.application.ports import DELIVER_PURCHASE, PaymentGateway, TaskQueue
from starshop.application.use_cases.audit_ledger import AuditLedger
from starshop.application.use_cases.buy_stars import BuyStars, BuyStarsInput
from starshop.application.use_cases.confirm_payment import ConfirmPayment, PaymentOutcome
from starshop.application.use_cases.create_recharge import CreateRecharge, CreateRechargeInput
from starshop.application.use_cases.deliver_purchase import DeliverPurchase
from starshop.application.use_cases.get_balance import GetBalance
from starshop.application.use_cases.register_user import RegisterUser, TelegramProfile
from starshop.application.use_cases.relay_outbox import RelayOutbox
from starshop.domain import PaymentStatus, TxStatus
from starshop.entrypoints.providers import UseCasesProvider, make_in_memory_container
from starshop.testing import default_config, default_policy


async def test_the_container_wires_a_recharge_and_a_purchase_end_to_end():
    config = default_config()
    container = make_in_memory_container(default_policy(), config)
    money = lambda v: __import__("starshop.domain", fromlist=["Money"]).Money.of(v, config.currency)  # noqa: E731
    try:
        async with container() as request:
            await (await request.get(RegisterUser))(TelegramProfile(user_id=5, username="five"))
            result = await (await request.get(CreateRecharge))(CreateRechargeInput(user_id=5, amount=money("3")))
            gateway = await request.get(PaymentGateway)
            note = gateway.set_status(result.recharge.order_id, PaymentStatus.PAID)
            assert await (await request.get(ConfirmPayment))(note) is PaymentOutcome.CREDITED
            bought = await (await request.get(BuyStars))(BuyStarsInput(user_id=5, stars=100, recipient="@someone"))
            await (await request.get(RelayOutbox))()
        queue = await container.get(TaskQueue)
        assert queue.tasks == [(DELIVER_PURCHASE, bought.purchase.id)]
        async with container() as request:
            await (await request.get(DeliverPurchase))(bought.purchase.id)
            balance = await (await request.get(GetBalance))(5)
            assert (await (await request.get(AuditLedger))()).ok
        assert balance.amount == money("1.35")
        assert balance.held == money("0")
        assert bought.purchase.status is TxStatus.PENDING
    finally:
        await container.close()


def test_every_use_case_is_provided():
    from pathlib import Path

    import starshop.application.use_cases as pkg

    modules = {p.stem for p in Path(pkg.__file__).parent.glob("*.py") if not p.stem.startswith("_")}
    provided = {factory.provides.type_hint.__module__.rsplit(".", 1)[1] for factory in UseCasesProvider().factories}
    assert modules == provided
