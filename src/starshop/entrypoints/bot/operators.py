"""Operator commands, for admin ids only: to anyone else they do not exist (no answer at all).

``/bonus`` and ``/adjust`` move money exactly once per command message: the idempotency key (the chat and message
id) is stored with the transaction in its commit, so a re-sent update replays it; a reply that fails after the
commit is logged, never raised (the update counts as handled and Telegram does not send it again). Arguments are
bounded as on the operator API: user ids within Telegram's range, plain decimal amounts with at most the
currency's decimals and at most ``STARSHOP_OPERATOR_MAX_AMOUNT``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from decimal import Decimal

from aiogram import Router
from aiogram.exceptions import AiogramError
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
from starshop.domain import MAX_USER_ID, PLAIN_DECIMAL, InvalidMoney, Money, Transaction
from starshop.entrypoints.bot import render
from starshop.entrypoints.bot.replies import say

log = logging.getLogger(__name__)
_USER_ID = re.compile(r"[0-9]{1,16}")


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


def _credit(message: Message, args: list[str], config: ShopConfig, lang: str, reason: str) -> OperatorCredit | str:
    """The operator's credit, keyed on the command's chat and message (a re-sent update carries the same ones), or
    the text saying what is wrong with the arguments."""
    user_id = _user_id(args[0])
    if user_id is None:
        return text(lang, "op_bad_user", value=args[0])
    amount = _amount(args[1], config, lang)
    if isinstance(amount, str):
        return amount
    return OperatorCredit(
        operator_id=message.from_user.id,  # type: ignore[union-attr]
        user_id=user_id,
        amount=amount,
        reason=reason,
        idempotency_key=f"bot/{message.chat.id}/{message.message_id}",
    )


def _user_id(raw: str) -> int | None:
    """ASCII digits within Telegram's range, as the operator API takes them."""
    if not _USER_ID.fullmatch(raw):
        return None
    value = int(raw)
    return value if 0 < value <= MAX_USER_ID else None


def _amount(raw: str, config: ShopConfig, lang: str) -> Money | str:
    """A plain decimal (a comma for the point is fine), at most the currency's decimals and the operator ceiling."""
    plain = raw.replace(",", ".")
    if not PLAIN_DECIMAL.fullmatch(plain):
        return text(lang, "err_amount_not_number", value=raw)
    ceiling = config.operator_ceiling
    if abs(Decimal(plain)) > ceiling.amount:
        return text(lang, "op_amount_ceiling", max=ceiling)
    try:
        return Money.parse(plain, config.currency)
    except InvalidMoney:
        return text(lang, "err_amount_precision", scale=config.currency.scale)


async def _confirm(message: Message, reply: str, tx: Transaction) -> None:
    """The money moved and is committed. A reply Telegram refuses now (429, 5xx, network) must not fail the update:
    it would be delivered again. The retried command would only replay, but the operator would be told twice."""
    try:
        await say(message, reply)
    except AiogramError as error:
        log.warning(
            "the reply about operator transaction %s was not delivered (%s); the transaction stands", tx.id, error
        )


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
    args = (command.args or "").split()
    if len(args) != 2:
        await say(message, text(lang, "op_usage_bonus"))
        return
    credit = _credit(message, args, config, lang, reason="Bonus")
    if isinstance(credit, str):
        await say(message, credit)
        return
    result = await grant(credit)
    tx = result.transaction
    key = "op_bonus_replayed" if result.replayed else "op_bonus_done"
    await _confirm(message, text(lang, key, amount=tx.amount, user_id=tx.user_id, tx_id=tx.id), tx)


async def adjust(
    message: Message,
    command: CommandObject,
    lang: str,
    config: FromDishka[ShopConfig],
    adjust_balance: FromDishka[AdjustBalance],
) -> None:
    args = (command.args or "").split(maxsplit=2)
    if len(args) != 3 or not args[2].strip():
        await say(message, text(lang, "op_usage_adjust"))
        return
    credit = _credit(message, args, config, lang, reason=args[2].strip())
    if isinstance(credit, str):
        await say(message, credit)
        return
    result = await adjust_balance(credit)
    tx = result.transaction
    key = "op_adjust_replayed" if result.replayed else "op_adjust_done"
    await _confirm(message, text(lang, key, amount=tx.amount, user_id=tx.user_id, tx_id=tx.id), tx)


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
