"""Operator commands, for admin ids only: to anyone else they do not exist (no answer at all)."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from aiogram import Router
from aiogram.filters import Command, CommandObject, Filter
from aiogram.types import Message
from dishka import FromDishka

from starshop.adapters.telegram.i18n import text
from starshop.application.config import ShopConfig
from starshop.application.ports import TransactionReader, UnitOfWork
from starshop.application.use_cases.adjust_balance import AdjustBalance
from starshop.application.use_cases.audit_ledger import AuditLedger
from starshop.application.use_cases.get_shop_stats import GetShopStats
from starshop.application.use_cases.get_transaction import GetTransaction
from starshop.application.use_cases.grant_bonus import GrantBonus, OperatorCredit
from starshop.application.use_cases.reconcile_purchases import ReconcilePurchases
from starshop.domain import Money, Transaction
from starshop.entrypoints.bot import render
from starshop.entrypoints.bot.replies import say


class IsOperator(Filter):
    def __init__(self, admin_ids: Iterable[int]) -> None:
        self.admin_ids = frozenset(admin_ids)

    async def __call__(self, message: Message) -> bool:
        return message.from_user is not None and message.from_user.id in self.admin_ids


def build_operator_router(admin_ids: Iterable[int]) -> Router:
    router = Router(name="starshop.operators")
    router.message.filter(IsOperator(admin_ids))
    router.message.register(stats, Command("stats"))
    router.message.register(bonus, Command("bonus"))
    router.message.register(adjust, Command("adjust"))
    router.message.register(transaction, Command("tx"))
    router.message.register(reconcile, Command("reconcile"))
    return router


def _credit(message: Message, args: list[str], config: ShopConfig, reason: str) -> OperatorCredit | None:
    if len(args) < 2 or not args[0].lstrip("-").isdigit():
        return None
    operator = message.from_user.id  # type: ignore[union-attr]
    amount = Money.of(args[1].replace(",", "."), config.currency)
    return OperatorCredit(operator_id=operator, user_id=int(args[0]), amount=amount, reason=reason)


async def stats(
    message: Message, lang: str, config: FromDishka[ShopConfig], reader: FromDishka[TransactionReader]
) -> None:
    s = await GetShopStats(reader)()

    def money(value: Decimal) -> str:
        return f"{value.quantize(config.currency.quantum)} {config.currency}"

    statuses = ", ".join(f"{k} {v}" for k, v in sorted(s.transactions_by_status.items())) or "-"
    await say(
        message,
        text(
            lang,
            "op_stats",
            users=s.users,
            recharged=money(s.completed_recharges),
            sold=money(s.completed_purchases),
            stars=s.stars_delivered,
            balance=money(s.total_balance),
            held=money(s.total_held),
            flagged=s.flagged,
            statuses=statuses,
        ),
    )


async def bonus(
    message: Message, command: CommandObject, lang: str, config: FromDishka[ShopConfig], grant: FromDishka[GrantBonus]
) -> None:
    credit = _credit(message, (command.args or "").split(), config, reason="Bonus")
    if credit is None:
        await say(message, text(lang, "op_usage_bonus"))
        return
    tx = await grant(credit)
    await say(message, text(lang, "op_bonus_done", amount=tx.amount, user_id=tx.user_id, tx_id=tx.id))


async def adjust(
    message: Message,
    command: CommandObject,
    lang: str,
    config: FromDishka[ShopConfig],
    adjust_balance: FromDishka[AdjustBalance],
) -> None:
    args = (command.args or "").split(maxsplit=2)
    credit = _credit(message, args, config, reason=args[2] if len(args) == 3 else "")
    if credit is None or not credit.reason:
        await say(message, text(lang, "op_usage_adjust"))
        return
    tx = await adjust_balance(credit)
    await say(message, text(lang, "op_adjust_done", amount=tx.amount, user_id=tx.user_id, tx_id=tx.id))


async def transaction(message: Message, command: CommandObject, lang: str, uow: FromDishka[UnitOfWork]) -> None:
    tx_id = (command.args or "").strip()
    if not tx_id:
        await say(message, text(lang, "op_usage_tx"))
        return
    tx = await GetTransaction(uow)(tx_id)
    await say(message, _describe(lang, tx))


def _describe(lang: str, tx: Transaction) -> str:
    details = [render.tx_label(lang, tx)]
    if tx.order_id:
        details.append(f"order {tx.order_id}")
    if tx.invoice:
        details.append(f"invoice {tx.invoice.uuid}")
    if tx.receipt:
        details.append(f"receipt {tx.receipt.ref_id}")
    if tx.failure_reason:
        details.append(f"failure: {tx.failure_reason}")
    if tx.flag:
        details.append(f"flag: {tx.flag}")
    if tx.actor:
        details.append(f"by {tx.actor}")
    return text(
        lang,
        "op_tx",
        tx_id=tx.id,
        user_id=tx.user_id,
        type=tx.type.value,
        status=tx.status.value,
        amount=tx.amount,
        created=render.when(tx.created_at),
        details="; ".join(details),
    )


async def reconcile(
    message: Message, lang: str, reconcile_purchases: FromDishka[ReconcilePurchases], audit: FromDishka[AuditLedger]
) -> None:
    r = await reconcile_purchases()
    report = await audit()
    if report.ok:
        audit_line = text(lang, "op_audit_ok", users=report.users_checked)
    else:
        ids = ", ".join(str(v.user_id) for v in report.violations)
        audit_line = text(lang, "op_audit_bad", count=len(report.violations), users=report.users_checked, ids=ids)
    await say(
        message,
        text(
            lang,
            "op_reconcile",
            requeued=r.requeued,
            delivered=r.delivered,
            unresolved=r.unresolved,
            flagged=r.flagged,
            lookup_failed=r.lookup_failed,
            audit=audit_line,
        ),
    )
