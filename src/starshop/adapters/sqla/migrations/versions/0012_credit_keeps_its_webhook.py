"""The one-step credit keeps its webhook: ``starshop_apply_credit`` also writes the recharge's webhook history row.

0011's function applied the credit alone, so a webhook credited in one step had its history row written by
another statement of the same transaction (``BEGIN``, the function, the history's update, count and insert,
``COMMIT``: six round trips where the credit needs one). This one takes the webhook's fields too and keeps it as
``WebhookLog.record`` does (a repeat of the same fingerprint is counted; at most ``p_w_keep`` kept per recharge)
under the journal row's lock it already holds, so the whole credit, history included, is one statement that commits
by itself. ``p_w_fingerprint`` null: no webhook to keep (a lookup's answer). Postgres only, like 0011.

0011's function (16 arguments) stays beside this one (25 arguments; Postgres tells them apart by their arguments):
the migration runs before the new release rolls out (docs/deploy.md), and the processes of the old release go on
calling theirs until they are replaced. A later migration may drop it once no release calls it.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03
"""

from __future__ import annotations

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

CREATE = """
CREATE OR REPLACE FUNCTION starshop_apply_credit(
    p_tx_id text, p_tx_version text, p_status text, p_gateway_status text, p_amount numeric,
    p_updated_at timestamptz, p_user_id bigint, p_currency text, p_amount_before numeric, p_held_before numeric,
    p_amount_after numeric, p_now timestamptz, p_keys text[], p_kinds text[], p_user_ids bigint[], p_payloads text[],
    p_w_fingerprint text, p_w_invoice_uuid text, p_w_status text, p_w_amount numeric, p_w_currency text,
    p_w_paid_amount numeric, p_w_outcome text, p_w_received_at timestamptz, p_w_keep integer
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
    IF p_w_fingerprint IS NOT NULL THEN
        UPDATE payment_webhooks SET repeats = repeats + 1, last_received_at = p_w_received_at
         WHERE tx_id = p_tx_id AND fingerprint = p_w_fingerprint;
        IF NOT FOUND AND (SELECT count(*) FROM payment_webhooks WHERE tx_id = p_tx_id) < p_w_keep THEN
            INSERT INTO payment_webhooks (tx_id, fingerprint, invoice_uuid, status, amount, currency, paid_amount,
                                          outcome, repeats, received_at, last_received_at)
            VALUES (p_tx_id, p_w_fingerprint, p_w_invoice_uuid, p_w_status, p_w_amount, p_w_currency,
                    p_w_paid_amount, p_w_outcome, 0, p_w_received_at, p_w_received_at);
        END IF;
    END IF;
    RETURN true;
END
$$
"""

DROP = (
    "DROP FUNCTION IF EXISTS starshop_apply_credit(text, text, text, text, numeric, timestamptz, bigint, text,"
    " numeric, numeric, numeric, timestamptz, text[], text[], bigint[], text[], text, text, text, numeric, text,"
    " numeric, text, timestamptz, integer)"
)


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(CREATE)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(DROP)
