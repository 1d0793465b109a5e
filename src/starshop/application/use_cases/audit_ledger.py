from __future__ import annotations

import attrs

from starshop.application.ports import LedgerReader


@attrs.frozen(kw_only=True)
class Violation:
    user_id: int
    problems: tuple[str, ...]


@attrs.frozen(kw_only=True)
class AuditReport:
    users_checked: int
    violations: tuple[Violation, ...]

    @property
    def ok(self) -> bool:
        return not self.violations


class AuditLedger:
    """Check invariants 1 and 2 for every user and list those who break them.

    1. amount >= 0, held >= 0, held <= amount.
    2. amount = completed credits - completed debits; held = prices of funded open purchases.
    3. Every purchase names what it bought: stars (a positive count), or Telegram Premium (3, 6 or 12 months).
    """

    def __init__(self, ledger: LedgerReader) -> None:
        self._ledger = ledger

    async def __call__(self) -> AuditReport:
        totals = await self._ledger.totals()
        violations = []
        for t in totals:
            problems = []
            if t.amount < 0:
                problems.append(f"amount {t.amount} is negative")
            if t.held < 0:
                problems.append(f"held {t.held} is negative")
            if t.held > t.amount:
                problems.append(f"held {t.held} exceeds amount {t.amount}")
            if t.amount != t.journal_amount:
                problems.append(f"amount {t.amount} but the journal says {t.journal_amount}")
            if t.held != t.journal_held:
                problems.append(f"held {t.held} but open purchases hold {t.journal_held}")
            if t.malformed_purchases:
                problems.append(
                    f"{t.malformed_purchases} purchases name no product they can buy (stars, or 3, 6 or 12 months"
                    " of Premium)"
                )
            if problems:
                violations.append(Violation(user_id=t.user_id, problems=tuple(problems)))
        return AuditReport(users_checked=len(totals), violations=tuple(violations))
