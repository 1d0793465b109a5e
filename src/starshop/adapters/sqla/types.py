"""Column types that behave alike on Postgres and SQLite: exact money and timezone-aware UTC timestamps."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Context, Decimal
from typing import Any

from sqlalchemy import Boolean, DateTime, Numeric, Text
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import TypeDecorator, TypeEngine

SCALE = 18
"""Decimal places stored: the largest scale of any currency the shop accepts (``Currency.KNOWN``: ETH has 18)."""
PRECISION = 38
"""Digits stored: 20 before the point, 18 after."""
_CONTEXT = Context(prec=2 * PRECISION)
_QUANTUM = Decimal(1).scaleb(-SCALE)
_LIMIT = Decimal(10) ** (PRECISION - SCALE)


def money_text(value: Decimal) -> str:
    """The canonical text of an amount on SQLite: exactly ``SCALE`` decimals, so equal amounts are equal texts."""
    exact = value.quantize(_QUANTUM, context=_CONTEXT)
    if exact != value:
        msg = f"{value} has more than {SCALE} decimal places"
        raise ValueError(msg)
    if abs(exact) >= _LIMIT:
        msg = f"{value} is beyond the {PRECISION - SCALE} digits a money column keeps"
        raise ValueError(msg)
    return format(exact, "f")


class Amount(TypeDecorator[Decimal]):
    """``NUMERIC(38, 18)`` on Postgres; on SQLite, whose numbers are floats, the canonical decimal text.

    Every currency's scale fits (none has more than 18 decimals). SQLite cannot add or compare such texts, so the
    statements that do arithmetic on money use ``money_add``/``money_sub``/``money_neg``/``money_at_least``/
    ``money_sum`` below: plain SQL on Postgres, exact functions the engine registers on every SQLite connection.
    """

    impl = Numeric(PRECISION, SCALE)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(Text())
        return dialect.type_descriptor(Numeric(PRECISION, SCALE, asdecimal=True))

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        value = Decimal(value)
        if dialect.name == "sqlite":
            return money_text(value)
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        if dialect.name == "sqlite":
            return Decimal(str(value))  # text as stored; a number only if someone wrote one by hand
        return Decimal(value)


class _MoneyFunction(FunctionElement[Decimal]):
    type = Amount()
    inherit_cache = True


class money_add(_MoneyFunction):
    """``a + b``, exact on both databases."""

    name = "money_add"
    inherit_cache = True


class money_sub(_MoneyFunction):
    """``a - b``, exact on both databases."""

    name = "money_sub"
    inherit_cache = True


class money_neg(_MoneyFunction):
    """``-a``."""

    name = "money_neg"
    inherit_cache = True


class money_sum(_MoneyFunction):
    """``SUM(a)``: NULL over no rows, as ``SUM``."""

    name = "money_sum"
    inherit_cache = True


class money_at_least(FunctionElement[bool]):
    """``a >= b``, exact on both databases."""

    name = "money_at_least"
    type = Boolean()
    inherit_cache = True


def _args(element: FunctionElement[Any], compiler: SQLCompiler, **kw: Any) -> list[str]:
    return [compiler.process(arg, **kw) for arg in element.clauses]


@compiles(money_add)
def _add(element: money_add, compiler: SQLCompiler, **kw: Any) -> str:
    a, b = _args(element, compiler, **kw)
    return f"({a} + {b})"


@compiles(money_sub)
def _sub(element: money_sub, compiler: SQLCompiler, **kw: Any) -> str:
    a, b = _args(element, compiler, **kw)
    return f"({a} - {b})"


@compiles(money_neg)
def _neg(element: money_neg, compiler: SQLCompiler, **kw: Any) -> str:
    [a] = _args(element, compiler, **kw)
    return f"(-{a})"


@compiles(money_sum)
def _sum(element: money_sum, compiler: SQLCompiler, **kw: Any) -> str:
    [a] = _args(element, compiler, **kw)
    return f"sum({a})"


@compiles(money_at_least)
def _at_least(element: money_at_least, compiler: SQLCompiler, **kw: Any) -> str:
    a, b = _args(element, compiler, **kw)
    return f"({a} >= {b})"


@compiles(money_add, "sqlite")
@compiles(money_sub, "sqlite")
@compiles(money_neg, "sqlite")
def _sqlite_function(element: FunctionElement[Any], compiler: SQLCompiler, **kw: Any) -> str:
    return f"{element.name}({', '.join(_args(element, compiler, **kw))})"


@compiles(money_sum, "sqlite")
def _sqlite_sum(element: money_sum, compiler: SQLCompiler, **kw: Any) -> str:
    [a] = _args(element, compiler, **kw)
    return f"money_total(group_concat({a}, ' '))"


@compiles(money_at_least, "sqlite")
def _sqlite_at_least(element: money_at_least, compiler: SQLCompiler, **kw: Any) -> str:
    a, b = _args(element, compiler, **kw)
    return f"(money_cmp({a}, {b}) >= 0)"


def _decimal(value: object) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _sqlite_money_functions() -> dict[str, tuple[int, Callable[..., object]]]:
    """The functions the SQLite statements and CHECK constraints call: exact decimal arithmetic on the texts."""

    def add(a: object, b: object) -> str | None:
        return None if a is None or b is None else money_text(_CONTEXT.add(_decimal(a), _decimal(b)))

    def sub(a: object, b: object) -> str | None:
        return None if a is None or b is None else money_text(_CONTEXT.subtract(_decimal(a), _decimal(b)))

    def neg(a: object) -> str | None:
        return None if a is None else money_text(_CONTEXT.minus(_decimal(a)))

    def cmp(a: object, b: object) -> int | None:
        return None if a is None or b is None else int(_decimal(a).compare(_decimal(b)))

    def total(joined: str | None) -> str | None:
        if joined is None:
            return None
        return money_text(sum((_decimal(part) for part in joined.split(" ")), Decimal(0)))

    return {"money_add": (2, add), "money_sub": (2, sub), "money_neg": (1, neg), "money_cmp": (2, cmp),
            "money_total": (1, total)}  # fmt: skip


SQLITE_MONEY_FUNCTIONS = _sqlite_money_functions()


class UtcDateTime(TypeDecorator[datetime]):
    """``timestamptz`` on Postgres; on SQLite a naive UTC text. Always aware UTC on the way out."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        if not isinstance(value, datetime) or value.tzinfo is None:
            msg = f"timestamps must be timezone-aware, got {value!r}"
            raise ValueError(msg)
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
