// The dashboard: headline figures and charts of GET /api/v1/admin/stats for a chosen range and bucket.
import { api } from "./api.js";
import { barChart } from "./charts.js";
import { clear, h, s } from "./dom.js";

const STATUS_KEYS = [
  { key: "completed", label: "completed", cls: "ok" },
  { key: "failed", label: "failed", cls: "bad" },
  { key: "processing", label: "processing", cls: "warn" },
  { key: "pending", label: "pending", cls: "idle" },
  { key: "cancelled", label: "cancelled", cls: "muted" },
  { key: "expired", label: "expired", cls: "muted2" },
];

function isoDay(date) {
  return date.toISOString().slice(0, 10);
}

function daysAgo(n) {
  const d = new Date();
  d.setUTCDate(d.getUTCDate() - n);
  return isoDay(d);
}

function legend(keys) {
  return h("div", { class: "legend" }, keys.map((k) =>
    h("span", {}, s("svg", { class: "swatch", viewBox: "0 0 10 10", "aria-hidden": "true" },
      s("rect", { width: 10, height: 10, rx: 2, class: "bar " + k.cls })), k.label)));
}

// Groups the digits of an exact decimal string for reading ("12345.60" -> "12,345.60"); no float is involved.
export function grouped(decimal) {
  const [whole, fraction] = String(decimal).split(".");
  const sign = whole.startsWith("-") ? "-" : "";
  const digits = whole.replace("-", "").replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return sign + digits + (fraction === undefined ? "" : "." + fraction);
}

function kpi(label, value, testid, unit, note) {
  return h("div", { class: "kpi card" },
    h("div", { class: "kpi-label" }, label),
    h("div", { class: "kpi-value" }, h("span", { testid, "data-value": value }, grouped(value)),
      unit ? h("small", {}, " " + unit) : null),
    note ? h("div", { class: "kpi-note" }, note) : null);
}

function chartCard(title, keys, chart) {
  return h("div", { class: "card chart-card" }, h("div", { class: "chart-head" }, h("h3", {}, title), legend(keys)), chart);
}

export function dashboard(root, state) {
  const range = state.range || { from: daysAgo(29), to: daysAgo(0), bucket: "day" };
  state.range = range;
  const from = h("input", { type: "date", value: range.from, required: true, "aria-label": "from" });
  const to = h("input", { type: "date", value: range.to, required: true, "aria-label": "to" });
  const bucket = h("select", { "aria-label": "bucket" },
    h("option", { value: "day", selected: range.bucket === "day" }, "per day"),
    h("option", { value: "week", selected: range.bucket === "week" }, "per week"));
  const body = h("div", { class: "dash-body" }, h("p", { class: "muted" }, "Loading…"));
  const error = h("p", { class: "error", role: "alert", hidden: true });

  async function load() {
    range.from = from.value;
    range.to = to.value;
    range.bucket = bucket.value;
    error.hidden = true;
    try {
      const { data } = await api("/api/v1/admin/stats", { params: { from: range.from, to: range.to, bucket: range.bucket } });
      render(data);
    } catch (e) {
      if (e.status === 401 || e.status === 403) return;
      error.textContent = e.message;
      error.hidden = false;
    }
  }

  function quick(days) {
    return h("button", { type: "button", class: "ghost", onclick: () => {
      from.value = daysAgo(days - 1);
      to.value = daysAgo(0);
      bucket.value = days > 60 ? "week" : "day";
      load();
    } }, `${days} days`);
  }

  function render(stats) {
    const t = stats.totals;
    const open = t.purchases.pending + t.purchases.processing;
    const periods = stats.series.map((p) => ({ ...p, ...p.purchases }));
    clear(body).append(
      h("div", { class: "kpis" },
        kpi("Money recharged", t.recharged, "kpi-recharged", stats.currency),
        kpi("Sales (purchases charged)", t.sales, "kpi-sales", stats.currency),
        kpi("Stars delivered", String(t.stars), "kpi-stars", "★"),
        kpi("New users", String(t.new_users), "kpi-new-users"),
        kpi("Active users", String(t.active_users), "kpi-active-users"),
        kpi("Purchases delivered", String(t.purchases.completed), "kpi-purchases", null,
          `${t.purchases.failed} failed · ${open} open`),
      ),
      h("div", { class: "charts" },
        chartCard(`Money, ${stats.currency}`, MONEY, barChart({ periods, keys: MONEY, bucket: stats.bucket,
          testid: "chart-sales", title: "Sales and recharges", unit: " " + stats.currency })),
        chartCard("Stars delivered", STARS, barChart({ periods, keys: STARS, bucket: stats.bucket,
          testid: "chart-stars", title: "Stars delivered" })),
        chartCard("Users", USERS, barChart({ periods, keys: USERS, bucket: stats.bucket,
          testid: "chart-users", title: "New and active users" })),
        chartCard("Purchases by status", STATUS_KEYS, barChart({ periods, keys: STATUS_KEYS, bucket: stats.bucket,
          stacked: true, testid: "chart-purchases", title: "Purchases by status" })),
      ),
      h("p", { class: "muted small" },
        `${stats.from} to ${stats.to} (UTC), per ${stats.bucket}. Money is what completed recharges and purchases `
        + "created in each period moved, read from the ledger."),
    );
  }

  clear(root).append(
    h("div", { class: "toolbar" },
      h("h2", {}, "Dashboard"),
      h("form", { class: "range", onsubmit: (e) => { e.preventDefault(); load(); } },
        h("label", {}, "From ", from), h("label", {}, "to ", to), bucket,
        h("button", { type: "submit", testid: "range-apply" }, "Show")),
      h("div", { class: "quick" }, quick(7), quick(30), quick(90)),
    ),
    error,
    body,
  );
  load();
}

const MONEY = [
  { key: "sales", label: "sales", cls: "sales" },
  { key: "recharged", label: "recharged", cls: "recharged" },
];
const STARS = [{ key: "stars", label: "stars", cls: "stars" }];
const USERS = [
  { key: "new_users", label: "new", cls: "recharged" },
  { key: "active_users", label: "active", cls: "sales" },
];
