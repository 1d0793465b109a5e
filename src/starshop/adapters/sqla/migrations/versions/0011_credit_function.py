"""A credit in one statement on Postgres: ``starshop_apply_credit`` (issue 19).

``ConfirmPayment`` decides a payment on an unlocked read of the recharge and its balance; this function applies
what it decided, in one round trip: it locks the owner's balance row and then the journal row (the one lock order,
docs/persistence.md), and only if neither changed since the read (the balance still holds the amounts read, the
journal row's ``xmin`` is the one read) writes the journal columns a credit changes, the balance and the outbox rows,
and answers ``true``. Otherwise it changes nothing and answers ``false``, and the use case decides again under the
lock. SQLite has no such function: the use case always takes its locked way there.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03
"""

from __future__ import annotations

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

CREATE = """
CREATE OR REPLACE FUNCTION starshop_apply_credit(
    p_tx_id text, p_tx_version text, p_status text, p_gateway_status text, p_amount numeric,
    p_updated_at timestamptz, p_user_id bigint, p_currency text, p_amount_before numeric, p_held_before numeric,
    p_amount_after numeric, p_now timestamptz, p_keys text[], p_kinds text[], p_user_ids bigint[], p_payloads text[]
) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM balances
     WHERE user_id = p_user_id AND currency = p_currency AND amount = p_amount_before AND held = p_held_before
       FOR UPDATE;
    IF NOT FOUND THEN
        RETURN false;
    END IF;
    PERFORM 1 FROM transactions WHERE id = p_tx_id AND xmin::text = p_tx_version FOR UPDATE;
    IF NOT FOUND THEN
        RETURN false;
    END IF;
    UPDATE transactions
       SET status = p_status, gateway_status = p_gateway_status, amount = p_amount, updated_at = p_updated_at
     WHERE id = p_tx_id;
    UPDATE balances SET amount = p_amount_after, updated_at = p_now WHERE user_id = p_user_id;
    INSERT INTO outbox (key, kind, user_id, payload, attempts, created_at)
    SELECT e.key, e.kind, e.user_id, e.payload::json, 0, p_now
      FROM unnest(p_keys, p_kinds, p_user_ids, p_payloads) AS e(key, kind, user_id, payload)
    ON CONFLICT (key) DO NOTHING;
    RETURN true;
END
$$
"""

DROP = (
    "DROP FUNCTION IF EXISTS starshop_apply_credit(text, text, text, text, numeric, timestamptz, bigint, text,"
    " numeric, numeric, numeric, timestamptz, text[], text[], bigint[], text[])"
)


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(CREATE)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(DROP)
