"""SettingsRepository behaves alike on memory, SQLite and Postgres; concurrent edits on a real database are made
one at a time, so every audit row's ``old`` is the value the edit replaced."""

from __future__ import annotations

import asyncio
import itertools

from sqla_support import Persistence, at
from sqlalchemy.ext.asyncio import AsyncEngine

from starshop.adapters.sqla.uow import SqlaUnitOfWork
from starshop.adapters.system import SystemClock
from starshop.application.ports import SettingsAuditEntry
from starshop.application.use_cases.change_shop_settings import ChangeShopSettings, SettingsEdit
from starshop.domain import Defaults
from starshop.testing import default_policy


def entry(n: int, key: str = "markup", old: str | None = None, new: str | None = "0.1") -> SettingsAuditEntry:
    return SettingsAuditEntry(at=at(n), actor=f"telegram:{n}", key=key, old=old, new=new)


async def test_nothing_is_stored_at_first(persistence: Persistence) -> None:
    async with persistence.uow() as uow:
        assert await uow.settings.stored() == {}
        assert await uow.settings.stored(lock=True) == {}
        page = await uow.settings.audit(limit=10, offset=0)
    assert (list(page.items), page.total) == ([], 0)


async def test_saved_overrides_replace_the_stored_ones_on_commit_only(persistence: Persistence) -> None:
    async with persistence.uow() as uow:
        await uow.settings.save({"price_per_star": "0.02", "future_key": "x"}, at=at(1), actor="api-key:1")
        await uow.commit()
    async with persistence.uow() as uow:
        await uow.settings.save({"markup": "0"}, at=at(2), actor="api-key:1")  # rolled back: no commit
    async with persistence.uow() as uow:
        assert await uow.settings.stored(lock=True) == {"price_per_star": "0.02", "future_key": "x"}
        await uow.settings.save({"markup": "0"}, at=at(3), actor="api-key:1")
        await uow.commit()
    async with persistence.uow() as uow:
        assert await uow.settings.stored() == {"markup": "0"}


async def test_the_audit_is_paged_newest_first_with_its_total(persistence: Persistence) -> None:
    async with persistence.uow() as uow:
        await uow.settings.record([entry(1), entry(2, "maintenance", None, "true")])
        await uow.commit()
    async with persistence.uow() as uow:
        await uow.settings.record([entry(3, "markup", "0.1", None)])
        await uow.commit()
    async with persistence.uow() as uow:
        first = await uow.settings.audit(limit=2, offset=0)
        rest = await uow.settings.audit(limit=2, offset=2)
    assert first.total == rest.total == 3
    assert list(first.items) == [entry(3, "markup", "0.1", None), entry(2, "maintenance", None, "true")]
    assert list(rest.items) == [entry(1)]
    assert first.items[0].at.utcoffset() is not None


async def test_a_long_message_round_trips(persistence: Persistence) -> None:
    message = "Пауза 🌟 " + "x" * 480
    async with persistence.uow() as uow:
        await uow.settings.save({"maintenance_message": message}, at=at(1), actor="telegram:1")
        await uow.settings.record([entry(1, "maintenance_message", None, message)])
        await uow.commit()
    async with persistence.uow() as uow:
        assert (await uow.settings.stored())["maintenance_message"] == message
        assert (await uow.settings.audit(limit=1, offset=0)).items[0].new == message


async def test_concurrent_edits_are_audited_one_after_another(sql_engine: AsyncEngine) -> None:
    defaults = Defaults(policy=default_policy())
    prices = [f"0.0{n}" for n in range(1, 9)]

    async def change(price: str) -> None:
        edit = ChangeShopSettings(SqlaUnitOfWork(sql_engine, SystemClock()), defaults, SystemClock())
        for attempt in range(20):
            try:
                await edit(SettingsEdit(actor="api-key:race", values={"price_per_star": price}))
                return
            except Exception as exc:  # SQLite may answer "database is locked" to a writer that waited too long
                if "locked" not in str(exc) or attempt == 19:
                    raise
                await asyncio.sleep(0.05)

    await asyncio.gather(*(change(p) for p in prices))
    async with SqlaUnitOfWork(sql_engine, SystemClock()) as uow:
        page = await uow.settings.audit(limit=100, offset=0)
        stored = await uow.settings.stored()
    chain = list(reversed(page.items))
    assert len(chain) == len(prices)
    assert chain[0].old is None
    assert all(later.old == earlier.new for earlier, later in itertools.pairwise(chain))
    assert stored == {"price_per_star": chain[-1].new}


async def test_the_edit_lock_does_not_make_a_quote_wait(sql_engine: AsyncEngine) -> None:
    async with SqlaUnitOfWork(sql_engine, SystemClock()) as editing:
        await editing.settings.stored(lock=True)
        if sql_engine.dialect.name == "postgresql":  # SQLite has one writer and lets readers read
            async with SqlaUnitOfWork(sql_engine, SystemClock()) as reading:
                assert await asyncio.wait_for(reading.settings.stored(), timeout=5) == {}
