from __future__ import annotations

from collections.abc import Mapping, Sequence

import attrs

from starshop.application.ports import Clock, SettingsAuditEntry, UnitOfWork
from starshop.domain import Defaults, Overrides, SettingChange, SettingKey, ShopSettings


@attrs.frozen(kw_only=True)
class SettingsEdit:
    """``values``: setting name to its new value as text, ``None`` to go back to the default; ``actor``: who."""

    actor: str
    values: Mapping[str, str | None]


@attrs.frozen(kw_only=True)
class SettingsEdited:
    settings: ShopSettings
    changes: Sequence[SettingChange]


class ChangeShopSettings:
    """An operator changes some of the shop's settings at run time.

    - Only known settings; each value is checked, then the whole result with the defaults (``ShopSettings.of``): a
      refused edit changes nothing.
    - Edits are made one at a time (the stored settings are locked); each setting that changes gets an audit row
      (who, when, old, new) in the same commit. An edit that changes nothing writes nothing.
    - Stored keys this release does not know are kept.
    """

    def __init__(self, uow: UnitOfWork, defaults: Defaults, clock: Clock) -> None:
        self._uow = uow
        self._defaults = defaults
        self._clock = clock

    async def __call__(self, edit: SettingsEdit) -> SettingsEdited:
        async with self._uow as uow:
            stored = await uow.settings.stored(lock=True)
            old = Overrides.from_stored(stored)
            new = Overrides.parse(edit.values, old)
            settings = ShopSettings.of(self._defaults, new)
            changes = old.changes_to(new)
            if not changes:
                return SettingsEdited(settings=settings, changes=())
            now = self._clock.now()
            foreign = {k: v for k, v in stored.items() if k not in set(SettingKey)}
            await uow.settings.save({**foreign, **new.stored()}, at=now, actor=edit.actor)
            await uow.settings.record(
                [SettingsAuditEntry(at=now, actor=edit.actor, key=c.key.value, old=c.old, new=c.new) for c in changes]
            )
            await uow.commit()
        return SettingsEdited(settings=settings, changes=changes)
