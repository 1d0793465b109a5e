// Alerts for operators: a banner above every page with what nobody acknowledged yet (flags, contradicting
// outcomes, the provider wallet near its floor, outbox messages set aside, circuit breakers open). Asked again every
// 20 seconds while signed in; "Seen" acknowledges one (the first acknowledgement stands).
import { api } from "./api.js";
import { clear, h } from "./dom.js";

const EVERY = 20_000;
const TITLES = {
  flagged: "Flagged for an operator",
  contradicting_outcome: "Contradicting outcome",
  wallet_low: "Provider wallet near its floor",
  outbox_quarantined: "Outbox message set aside",
  circuit_open: "Circuit breaker open",
};
let timer = null;

function when(iso) {
  return iso ? iso.replace("T", " ").slice(0, 19) + " UTC" : "";
}

function item(alert, reload) {
  const seen = h("button", { type: "button", class: "ghost small-button", testid: "alert-ack", onclick: async () => {
    seen.disabled = true;
    try {
      await api(`/api/v1/admin/alerts/${alert.id}/ack`, { method: "POST" });
      reload();
    } catch (e) {
      seen.disabled = false;
      seen.title = e.message;
    }
  } }, "Seen");
  const state = alert.cleared_at ? h("span", { class: "pill completed" }, "ended " + when(alert.cleared_at)) : null;
  return h("li", { class: "alert-item " + alert.kind, testid: "alert", "data-id": alert.id, "data-kind": alert.kind },
    h("strong", {}, TITLES[alert.kind] || alert.kind), " ", state,
    h("span", { class: "alert-text" }, alert.text),
    h("span", { class: "muted small" }, when(alert.raised_at)), seen);
}

export async function showAlerts() {
  const box = document.getElementById("alerts");
  try {
    const { data } = await api("/api/v1/admin/alerts", { params: { unacknowledged: "true", limit: 20 } });
    clear(box);
    box.hidden = data.items.length === 0;
    if (data.items.length) {
      box.append(h("div", { class: "alerts-head" }, `⚠ ${data.items.length} alert${data.items.length > 1 ? "s" : ""}`),
        h("ul", {}, data.items.map((alert) => item(alert, showAlerts))));
    }
  } catch {
    /* the next look tries again; a sign-out is handled by the API's unauthorised hook */
  }
}

export function watchAlerts() {
  stopAlerts();
  showAlerts();
  timer = setInterval(showAlerts, EVERY);
}

export function stopAlerts() {
  if (timer) clearInterval(timer);
  timer = null;
  const box = document.getElementById("alerts");
  if (box) box.hidden = true;
}
