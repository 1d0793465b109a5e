// Queues: purchases whose delivery is unknown, flagged purchases, flagged recharges with the webhooks received for
// them, and outbox messages set aside. Each unknown purchase shows what the provider says (the lookup the verdict
// will be checked with) and the guarded resolve; each message set aside can be released back to the relay.
import { api, newKey } from "./api.js";
import { clear, h } from "./dom.js";
import { bought, purchased } from "./names.js";

function when(iso) {
  return iso ? iso.replace("T", " ").slice(0, 19) + " UTC" : "";
}

function pill(text, cls) {
  return h("span", { class: "pill " + (cls || text) }, text);
}

async function list(params) {
  const { data } = await api("/api/v1/admin/transactions", { params: { page_size: 100, ...params } });
  return data;
}

function resolver(tx, reload) {
  const box = h("div", { class: "detail" }, h("p", { class: "muted" }, "Asking the provider…"));
  async function lookup() {
    try {
      const { data } = await api(`/api/v1/admin/purchases/${encodeURIComponent(tx.id)}/lookup`);
      render(data);
    } catch (e) {
      clear(box).append(h("p", { class: "error" }, e.message), h("button", { type: "button", class: "ghost",
        onclick: lookup }, "Ask again"));
    }
  }
  function render(found) {
    const order = found.order;
    const outcome = h("select", { "aria-label": "verdict" },
      h("option", { value: "refused", selected: !order }, "refused: refund the hold"),
      h("option", { value: "delivered", selected: !!order }, "delivered: capture the price"));
    const ref = h("input", { type: "text", placeholder: "provider Ref#", value: order ? order.ref_id : "",
      "aria-label": "ref_id", maxlength: 128 });
    const reason = h("input", { type: "text", placeholder: "reason (journaled)", "aria-label": "reason",
      maxlength: 500, required: true });
    const message = h("p", { role: "status" });
    const button = h("button", { type: "submit", testid: "resolve-button", disabled: !found.settleable },
      "Resolve");
    const form = h("form", { class: "row", onsubmit: async (event) => {
      event.preventDefault();
      if (!reason.value.trim()) {
        message.className = "error";
        message.textContent = "Say why: the reason is journaled with the verdict.";
        return;
      }
      button.disabled = true;
      const body = { outcome: outcome.value, reason: reason.value.trim() };
      if (outcome.value === "delivered") body.ref_id = ref.value.trim();
      try {
        const { data } = await api(`/api/v1/admin/purchases/${encodeURIComponent(tx.id)}/resolve`,
          { method: "POST", body, idempotencyKey: newKey("resolve") });
        message.className = "ok-text";
        message.textContent = `Settled: the purchase is ${data.status}.`;
        setTimeout(reload, 900);
      } catch (e) {
        message.className = "error";
        message.textContent = `${e.code}: ${e.message}`;
        button.disabled = false;
      }
    } }, outcome, ref, reason, button);
    clear(box).append(
      h("p", {}, h("strong", {}, "Provider: "), order
        ? ["order ", h("code", {}, order.ref_id), order.cost ? ` (cost ${order.cost})` : "", ` — ${bought(tx)}`]
        : "no order for this purchase — nothing was bought",
      " · accepts ", h("strong", {}, found.accepted_verdict)),
      ...(found.settleable ? [] : [h("p", { class: "muted" }, "Not settleable now: " + found.why_not)]),
      form, message);
  }
  lookup();
  return box;
}

function purchaseItem(tx, reload) {
  const unknown = tx.delivery_unknown && tx.status === "processing";
  return h("div", { class: "card section", testid: "flagged-item", "data-id": tx.id },
    h("div", { class: "row" },
      h("strong", {}, purchased(tx)), pill(tx.status),
      unknown ? pill("outcome unknown", "flag") : null, tx.flag ? pill("flag: " + tx.flag, "flag") : null,
      h("span", { class: "spacer" }), h("span", { class: "muted small" }, `${tx.amount} ${tx.currency}`)),
    h("p", { class: "muted small" }, h("span", { class: "mono" }, tx.id), ` · user ${tx.user_id} · created `,
      when(tx.created_at), tx.failure_reason ? ` · ${tx.failure_reason}` : "",
      tx.receipt ? [" · receipt ", h("code", {}, tx.receipt.ref_id)] : ""),
    unknown || tx.status === "processing" ? resolver(tx, reload) : null);
}

function webhookRow(hook) {
  return h("tr", {},
    h("td", {}, when(hook.received_at)),
    h("td", {}, h("code", {}, hook.status)),
    h("td", { class: "num" }, `${hook.amount} ${hook.currency}`),
    h("td", { class: "num" }, hook.paid_amount === null ? "—" : `${hook.paid_amount} ${hook.currency}`),
    h("td", {}, pill("signature " + hook.signature, "valid")),
    h("td", {}, pill(hook.outcome, hook.applied ? "applied" : ""),
      hook.duplicate ? [" ", pill(hook.repeats ? `received ${hook.repeats + 1}×, last ${when(hook.last_received_at)}`
        : "duplicate", "repeat")] : null));
}

function webhooks(hooks) {
  if (!hooks.length) return h("p", { class: "muted small", testid: "webhook-history" }, "No webhook was received.");
  return h("table", { class: "hooks", testid: "webhook-history" },
    h("thead", {}, h("tr", {}, ["received", "status", "amount", "paid", "signature", "what it did"].map((t) =>
      h("th", {}, t)))),
    h("tbody", {}, hooks.map(webhookRow)));
}

function rechargeItem({ recharge: tx, webhooks: hooks }) {
  return h("div", { class: "card section", testid: "flagged-item", "data-id": tx.id },
    h("div", { class: "row" },
      h("strong", {}, `Top-up ${tx.amount} ${tx.currency}`), pill(tx.status), pill("flag: " + tx.flag, "flag"),
      h("span", { class: "spacer" }), h("span", { class: "muted small" }, "gateway: " + (tx.gateway_status || "—"))),
    h("p", { class: "muted small" }, h("span", { class: "mono" }, tx.id), ` · user ${tx.user_id} · order `,
      h("span", { class: "mono" }, tx.order_id || "—"), " · created ", when(tx.created_at), " · updated ",
      when(tx.updated_at)),
    webhooks(hooks));
}

function quarantinedItem(message, reload) {
  const status = h("p", { role: "status" });
  const button = h("button", { type: "button", testid: "release-button", onclick: async () => {
    button.disabled = true;
    try {
      const { data } = await api(`/api/v1/admin/outbox/${message.id}/release`, { method: "POST" });
      status.className = "ok-text";
      status.textContent = data.state === "released" ? "Released: the relay takes it on its next round."
        : "It already waits for the relay.";
      setTimeout(reload, 900);
    } catch (e) {
      status.className = "error";
      status.textContent = `${e.code}: ${e.message}`;
      button.disabled = false;
    }
  } }, "Release");
  return h("div", { class: "card section", testid: "quarantined-item", "data-id": message.id },
    h("div", { class: "row" }, h("strong", {}, message.kind), pill("set aside", "flag"),
      h("span", { class: "muted small" },
        `key ${message.key} · user ${message.user_id} · read ${message.attempts} time${message.attempts === 1 ? "" : "s"}`),
      h("span", { class: "spacer" }), button),
    h("p", { class: "muted small" }, "Set aside ", when(message.quarantined_at), ": ", message.reason),
    h("pre", { class: "payload mono" }, JSON.stringify(message.payload)),
    status);
}

export function queues(root) {
  const body = h("div", {}, h("p", { class: "muted" }, "Loading…"));
  async function load() {
    try {
      const [processing, flaggedPurchases, flaggedRecharges, quarantined] = await Promise.all([
        list({ type: "purchase", status: "processing" }),
        list({ type: "purchase", flagged: "true" }),
        api("/api/v1/admin/recharges/flagged").then((answer) => answer.data),
        api("/api/v1/admin/outbox/quarantined").then((answer) => answer.data),
      ]);
      const unknown = processing.items.filter((t) => t.delivery_unknown);
      const inFlight = processing.items.length - unknown.length;
      const flagged = flaggedPurchases.items.filter((t) => !unknown.some((u) => u.id === t.id));
      const empty = (text) => h("p", { class: "muted" }, text);
      clear(body).append(
        h("h3", {}, `Delivery unknown (${unknown.length})`),
        h("p", { class: "muted small" }, "The provider call did not answer. Look at what the provider shows, then " +
          "settle: the verdict is checked against the provider's order history before anything moves." +
          (inFlight ? ` ${inFlight} more being delivered right now.` : "")),
        h("div", {}, unknown.length ? unknown.map((t) => purchaseItem(t, load)) : empty("Nothing waits for a verdict.")),
        h("h3", {}, `Flagged purchases (${flagged.length})`),
        h("div", {}, flagged.length ? flagged.map((t) => purchaseItem(t, load)) : empty("No purchase is flagged.")),
        h("h3", {}, `Flagged top-ups (${flaggedRecharges.items.length})`),
        h("p", { class: "muted small" }, "Paid late, underpaid, a different amount, refunded or locked by the " +
          "gateway: money moved as the flag says; check with the gateway and correct with an adjustment if needed. " +
          "Each shows the signed webhooks received for its invoice (forged ones are refused and never kept)."),
        h("div", {}, flaggedRecharges.items.length ? flaggedRecharges.items.map(rechargeItem)
          : empty("No top-up is flagged.")),
        h("h3", {}, `Outbox messages set aside (${quarantined.items.length})`),
        h("p", { class: "muted small" }, "Events this release could not read (a newer release wrote them, or the " +
          "payload is damaged). Release one once a release that reads it is deployed; if it still cannot be read " +
          "it is set aside again."),
        h("div", {}, quarantined.items.length ? quarantined.items.map((m) => quarantinedItem(m, load))
          : empty("Nothing is set aside.")),
      );
    } catch (e) {
      if (e.status !== 401 && e.status !== 403) clear(body).append(h("p", { class: "error" }, e.message));
    }
  }
  clear(root).append(
    h("div", { class: "toolbar" }, h("h2", {}, "Queues"),
      h("button", { type: "button", class: "ghost", onclick: load }, "Refresh")),
    body);
  load();
}
