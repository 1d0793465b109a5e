// Shop settings at run time: price per star, markup, least and most stars, wallet floor, Telegram Premium prices
// (months:price, e.g. 3:12.99,6:16.99; empty: Premium not sold) and maintenance (sales
// paused, with a message shown in the bot and the storefront). A setting not set here takes its configured default
// (STARSHOP_*). Saving sends only what changed; each change is audited (who, when, old, new).
import { api } from "./api.js";
import { clear, h } from "./dom.js";

const AUDIT_PAGE = 10;
const DECIMAL = "(0|[1-9][0-9]{0,11})(\\.[0-9]{1,18})?";
const PRICE = "(3|6|12):" + DECIMAL;
const PRICES = "(" + PRICE + "( ?, ?" + PRICE + ")*)?";  // empty: Premium is not sold
const FIELDS = [
  { key: "price_per_star", label: "Price per star", testid: "setting-price", kind: "decimal",
    hint: "in the shop's currency, before the markup" },
  { key: "markup", label: "Markup", testid: "setting-markup", kind: "decimal", hint: "a fraction: 0.1 is 10 %" },
  { key: "min_stars", label: "Least stars per purchase", testid: "setting-min-stars", kind: "stars",
    hint: "at least 50, Fragment's minimum" },
  { key: "max_stars", label: "Most stars per purchase", testid: "setting-max-stars", kind: "stars",
    hint: "at most 1,000,000" },
  { key: "wallet_floor", label: "Wallet floor", testid: "setting-wallet-floor", kind: "decimal",
    hint: "sales pause while the Fragment wallet holds less (empty: no floor)" },
  { key: "premium_prices", label: "Telegram Premium prices", testid: "setting-premium-prices", kind: "prices",
    hint: "months:price, … (empty: Premium not sold)" },
];
const PATTERNS = { stars: "[0-9]{1,7}", decimal: DECIMAL, prices: PRICES };
const INPUT_MODES = { stars: "numeric", decimal: "decimal", prices: "text" };

function when(iso) {
  return iso ? iso.replace("T", " ").slice(0, 19) : "";
}

function shown(value) {
  return value === null || value === undefined ? "—" : String(value);
}

function failure(e) {
  if (e.code === "validation_error" && e.fields.length) {
    return "Refused: " + e.fields.map((f) => `${f.field}: ${f.message}`).join("; ") + ". Nothing was changed.";
  }
  return e.status ? `Refused (${e.code}): ${e.message}. Nothing was changed.` : e.message;
}

function auditTable() {
  const box = h("div", { testid: "settings-audit" });
  let offset = 0;
  async function load(wanted) {
    let data;
    try {
      ({ data } = await api("/api/v1/admin/settings/audit", { params: { limit: AUDIT_PAGE, offset: wanted } }));
    } catch (e) {
      if (e.status !== 401 && e.status !== 403) clear(box).append(h("p", { class: "error" }, failure(e)));
      return;
    }
    offset = wanted;
    const pages = Math.max(1, Math.ceil(data.total / AUDIT_PAGE));
    const page = Math.floor(offset / AUDIT_PAGE) + 1;
    clear(box).append(
      data.items.length
        ? h("table", {}, h("thead", {}, h("tr", {}, ["when (UTC)", "who", "setting", "old", "new"].map((t) =>
          h("th", {}, t)))), h("tbody", {}, data.items.map((row) => h("tr", { testid: "audit-row" },
          h("td", {}, when(row.at)), h("td", { class: "mono" }, row.actor), h("td", {}, row.key),
          h("td", { class: "mono" }, row.old === null ? h("i", { class: "muted" }, "default") : row.old),
          h("td", { class: "mono" }, row.new === null ? h("i", { class: "muted" }, "default") : row.new)))))
        : h("p", { class: "muted" }, "No setting was changed yet."),
      h("div", { class: "row pager" },
        h("button", { type: "button", class: "ghost", disabled: page <= 1, onclick: () => load(offset - AUDIT_PAGE) },
          "‹ Newer"),
        h("span", { class: "muted small" }, `page ${page} of ${pages} · ${data.total} in all`),
        h("button", { type: "button", class: "ghost", disabled: page >= pages,
          onclick: () => load(offset + AUDIT_PAGE) }, "Older ›")));
  }
  load(0);
  box.reload = () => load(0);
  return box;
}

function form(current, onSaved) {
  const { values, defaults } = current;
  const overridden = new Set(current.overridden);
  const inputs = {};
  const resets = new Set();
  const message = h("p", { role: "status", testid: "setting-message", class: "small" });
  const say = (text, cls) => { message.className = "small " + cls; message.textContent = text; };

  const rows = FIELDS.map((f) => {
    const input = h("input", { type: "text", inputmode: INPUT_MODES[f.kind],
      value: values[f.key] === null ? "" : String(values[f.key]), testid: f.testid, "aria-label": f.label,
      maxlength: f.kind === "prices" ? 64 : 32, pattern: PATTERNS[f.kind] });
    inputs[f.key] = input;
    const reset = overridden.has(f.key)
      ? h("button", { type: "button", class: "ghost small-button", testid: `setting-reset-${f.key}`,
        onclick: () => { resets.add(f.key); input.value = shown(defaults[f.key]).replace("—", ""); } }, "use default")
      : null;
    return h("div", { class: "setting" },
      h("label", { class: "field" }, h("span", {}, f.label, overridden.has(f.key)
        ? [" ", h("span", { class: "pill processing" }, "set here")] : null), input),
      h("div", { class: "muted small" }, f.hint, " · default ", h("span", { class: "mono" }, shown(defaults[f.key])),
        " ", reset));
  });

  const toggle = h("input", { type: "checkbox", testid: "maintenance-toggle", checked: values.maintenance,
    "aria-label": "Maintenance: sales paused" });
  const text = h("textarea", { testid: "setting-maintenance-message", rows: 2, maxlength: 500,
    "aria-label": "Maintenance message" }, values.maintenance_message);
  const save = h("button", { type: "submit", testid: "setting-save" }, "Save");

  function changes() {
    const body = {};
    for (const f of FIELDS) {
      const typed = inputs[f.key].value.trim();
      if (resets.has(f.key) && typed === shown(defaults[f.key]).replace("—", "")) continue;
      if (typed === (values[f.key] === null ? "" : String(values[f.key]))) continue;
      if (typed === "" && f.kind !== "prices") throw new Error(`${f.label}: enter a value (or "use default")`);
      if (!new RegExp("^" + inputs[f.key].pattern + "$").test(typed)) {
        const expected = f.kind === "prices" ? "not months:price, … (e.g. 3:12.99,6:16.99)" : "not a number";
        throw new Error(`${f.label}: ${expected}`);
      }
      body[f.key] = f.kind === "stars" ? Number(typed) : typed;
    }
    if (toggle.checked !== values.maintenance) body.maintenance = toggle.checked;
    const typedMessage = text.value.trim();
    if (typedMessage && typedMessage !== values.maintenance_message) body.maintenance_message = typedMessage;
    const reset = [...resets].filter((k) => overridden.has(k) && !(k in body));
    if (reset.length) body.reset = reset;
    return body;
  }

  return h("form", { class: "card section stack", novalidate: true, onsubmit: async (event) => {
    event.preventDefault();
    if (save.disabled) return;
    let body;
    try {
      body = changes();
    } catch (e) {
      say(e.message, "error");
      return;
    }
    if (!Object.keys(body).length) {
      say("Nothing to save: these are the settings in force.", "muted");
      return;
    }
    save.disabled = true;
    say("Saving…", "muted");
    try {
      const { data } = await api("/api/v1/admin/settings", { method: "PATCH", body });
      onSaved(data, "Saved: " + Object.keys(body).join(", ") + ". The next quote and purchase use them.");
    } catch (e) {
      say(failure(e), "error");
      save.disabled = false;
    }
  } },
  h("h3", { class: "flat" }, "Prices and limits"),
  h("div", { class: "settings-grid" }, rows),
  h("h3", {}, "Maintenance"),
  h("label", { class: "row toggle" }, toggle, h("span", {}, "Sales paused: new purchases are refused with this message;" +
    " top-ups and deliveries already under way go on.")),
  text,
  h("div", { class: "row" }, save, message));
}

export function settings(root) {
  const audit = auditTable();
  const holder = h("div", {});
  const status = h("div", { testid: "settings-state" });
  root.append(
    h("div", { class: "toolbar" }, h("h2", {}, "Shop settings"), status),
    holder,
    h("div", { class: "card section" }, h("h3", { class: "flat" }, "Audit trail"),
      h("p", { class: "muted small" }, "Every change: who (operator key fingerprint or Telegram id), when, old and new" +
        " (default: not set here)."), audit));

  function draw(current, note) {
    clear(status).append(current.values.maintenance
      ? h("span", { class: "pill failed", testid: "maintenance-state" }, "maintenance: sales paused")
      : h("span", { class: "pill completed", testid: "maintenance-state" }, "sales open"));
    clear(holder).append(form(current, (saved, text) => { draw(saved, text); audit.reload(); }));
    if (note) {
      const message = holder.querySelector("[data-testid=setting-message]");
      message.className = "small ok-text";
      message.textContent = note;
    }
  }

  api("/api/v1/admin/settings").then(({ data }) => draw(data)).catch((e) => {
    if (e.status !== 401 && e.status !== 403) clear(holder).append(h("p", { class: "error" }, failure(e)));
  });
}
