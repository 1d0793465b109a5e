// People and money: find a user by id or username, see their balance and history, grant a bonus or make an
// adjustment (with a reason, one Idempotency-Key per intent), and find transactions by id, order id, invoice uuid,
// status, type and day.
import { api, newKey } from "./api.js";
import { grouped } from "./dashboard.js";
import { clear, h } from "./dom.js";
import { purchased } from "./names.js";

const PAGE = 10;
const STATUSES = ["pending", "processing", "completed", "failed", "cancelled", "expired"];
const TYPES = ["recharge", "purchase", "refund", "bonus", "adjustment", "promo", "referral"];

function when(iso) {
  return iso ? iso.replace("T", " ").slice(0, 16) : "";
}

function pill(text, cls) {
  return h("span", { class: "pill " + (cls || text) }, text);
}

function what(tx) {
  if (tx.type === "purchase" && tx.recipient) return purchased(tx);
  return tx.description || tx.type;
}

function txRow(tx, pick) {
  return h("tr", { testid: "tx-row", "data-id": tx.id },
    h("td", { class: "mono" }, tx.id),
    h("td", {}, when(tx.created_at)),
    h("td", {}, tx.type),
    h("td", {}, pill(tx.status), tx.flag ? [" ", pill("flag: " + tx.flag, "flag")] : null),
    h("td", { class: "num" }, grouped(tx.amount), " ", h("small", { class: "muted" }, tx.currency)),
    h("td", {}, what(tx)),
    h("td", { class: "mono small" }, tx.order_id || "", tx.invoice_uuid ? [h("br"), tx.invoice_uuid] : null),
    pick ? h("td", {}, h("button", { type: "button", class: "ghost small-button", onclick: () => pick(tx.user_id) },
      String(tx.user_id))) : null);
}

// A table of transactions a page at a time: fetch(page) answers {items, total, page}.
function pagedTable(fetch, { testid, pick, empty }) {
  const box = h("div", { testid });
  let page = 1;
  async function load(wanted) {
    let data;
    try {
      ({ data } = await fetch(wanted));
    } catch (e) {
      if (e.status !== 401 && e.status !== 403) clear(box).append(h("p", { class: "error" }, failure(e)));
      return;
    }
    page = wanted;
    const pages = Math.max(1, Math.ceil(data.total / PAGE));
    const head = ["id", "created (UTC)", "type", "status", "amount", "what", "order / invoice"];
    if (pick) head.push("user");
    clear(box).append(
      data.items.length
        ? h("table", {}, h("thead", {}, h("tr", {}, head.map((t) => h("th", { class: t === "amount" ? "num" : null },
          t)))), h("tbody", {}, data.items.map((tx) => txRow(tx, pick))))
        : h("p", { class: "muted" }, empty),
      h("div", { class: "row pager" },
        h("button", { type: "button", class: "ghost", testid: "page-prev", disabled: page <= 1,
          onclick: () => load(page - 1) }, "‹ Newer"),
        h("span", { class: "muted small", testid: "page-info" }, `page ${page} of ${pages} · ${data.total} in all`),
        h("button", { type: "button", class: "ghost", testid: "page-next", disabled: page >= pages,
          onclick: () => load(page + 1) }, "Older ›")));
  }
  load(1);
  box.reload = () => load(page);
  return box;
}

function failure(e) {
  const detail = e.details || {};
  switch (e.code) {
    case "insufficient_funds":
      return "Refused: the user's available funds are short" + (detail.missing ? ` by ${detail.missing}` : "") +
        " (held money is never taken). Nothing was changed.";
    case "operator_limit_exceeded":
      return "Refused: above the operator ceiling (STARSHOP_OPERATOR_MAX_AMOUNT). Nothing was changed. " + e.message;
    case "idempotency_conflict":
      return "Refused: this request was already sent with different details. Nothing was changed.";
    case "validation_error":
    case "invalid_money":
    case "invalid_query":
      return "Refused: " + (e.fields.length ? e.fields.map((f) => `${f.field}: ${f.message}`).join("; ")
        : e.message);
    default:
      return e.status ? `Refused (${e.code}): ${e.message}` : e.message;
  }
}

// A bonus or an adjustment. The Idempotency-Key belongs to the intent: it is made on the first submit and kept
// until the form changes or the credit is made, so a double click or a retry after a lost answer is one credit.
function moneyForm(user, { kind, title, route, hint, pattern, onDone }) {
  let key = null;
  const forget = () => { key = null; };
  const amount = h("input", { type: "text", inputmode: "decimal", placeholder: kind === "bonus" ? "5.00" : "-2.50",
    "aria-label": `${kind} amount`, testid: `${kind}-amount`, required: true, maxlength: 40, pattern,
    oninput: forget });
  const reason = h("input", { type: "text", placeholder: "reason (required, journaled)", "aria-label": `${kind} reason`,
    testid: `${kind}-reason`, required: true, maxlength: 500, oninput: forget });
  const button = h("button", { type: "submit", testid: `${kind}-submit` }, title);
  const message = h("p", { role: "status", testid: `${kind}-message`, class: "small" });
  const say = (text, cls) => { message.className = "small " + cls; message.textContent = text; };
  const form = h("form", { class: "stack money-form", novalidate: true, onsubmit: async (event) => {
    event.preventDefault();
    if (button.disabled) return;
    const body = { amount: amount.value.trim(), reason: reason.value.trim() };
    if (!body.amount || !new RegExp("^" + pattern + "$").test(body.amount)) {
      say(`Enter an amount like ${amount.placeholder}.`, "error");
      return;
    }
    if (!body.reason) {
      say("Say why: the reason is journaled with the " + kind + ".", "error");
      return;
    }
    key = key || newKey(kind);
    button.disabled = true;
    say("Sending…", "muted");
    try {
      const { data, headers } = await api(route, { method: "POST", body, idempotencyKey: key });
      const replay = headers.get("Idempotent-Replayed") === "true" ? " (already made: the same request)" : "";
      say(`Done: ${kind} ${data.amount} ${data.currency} (${data.id})${replay}.`, "ok-text");
      amount.value = "";
      reason.value = "";
      key = null;
      onDone();
    } catch (e) {
      say(failure(e), "error");
    } finally {
      button.disabled = false;
    }
  } }, h("h4", {}, title), h("p", { class: "muted small" }, hint), h("div", { class: "row" }, amount, reason, button),
  message);
  return form;
}

function userCard(found) {
  const b = found.balance;
  const id = found.user_id;
  const name = [found.first_name, found.last_name].filter(Boolean).join(" ") || "—";
  const figures = {};
  const figure = (label, value, testid) => h("div", { class: "kpi card" }, h("div", { class: "kpi-label" }, label),
    figures[testid] = h("div", { class: "kpi-value", testid }, grouped(value), " ", h("small", {}, b.currency)));
  const history = pagedTable((page) => api("/api/v1/admin/transactions",
    { params: { user_id: id, page, page_size: PAGE } }), { testid: "user-history", empty: "No transactions yet." });
  async function reload() {
    // After a bonus or an adjustment: the balance as the API has it now, and the history page shown.
    history.reload();
    try {
      const { data } = await api(`/api/v1/admin/users/${id}`);
      const now = { "user-balance": data.balance.amount, "user-available": data.balance.available,
        "user-held": data.balance.held };
      for (const [testid, value] of Object.entries(now)) {
        clear(figures[testid]).append(grouped(value), " ", h("small", {}, data.balance.currency));
      }
    } catch {
      /* the figures stay as they were; the history says what happened */
    }
  }
  return h("div", { class: "card section", testid: "user-card", "data-user-id": id },
    h("div", { class: "row" }, h("h3", { class: "flat" }, name),
      h("span", { class: "muted" }, found.username ? "@" + found.username : "no username"),
      h("span", { class: "mono muted" }, `id ${id}`),
      h("span", { class: "spacer" }),
      h("span", { class: "muted small" }, `language ${found.language_code || "—"} · joined ${when(found.created_at)}`)),
    h("div", { class: "kpis" },
      figure("Balance", b.amount, "user-balance"),
      figure("Available", b.available, "user-available"),
      figure("Held for purchases", b.held, "user-held")),
    h("div", { class: "forms" },
      moneyForm(found, { kind: "bonus", title: "Grant a bonus", route: `/api/v1/admin/users/${id}/bonus`,
        pattern: "(0|[1-9][0-9]{0,17})(\\.[0-9]{1,18})?",
        hint: "A positive credit, at most the operator ceiling.", onDone: reload }),
      moneyForm(found, { kind: "adjust", title: "Adjust the balance", route: `/api/v1/admin/users/${id}/adjustments`,
        pattern: "-?(0|[1-9][0-9]{0,17})(\\.[0-9]{1,18})?",
        hint: "A signed correction: a negative one takes only available money, never what is held.",
        onDone: reload })),
    h("h4", {}, "History"),
    history);
}

function userFinder() {
  const input = h("input", { type: "search", testid: "user-search", placeholder: "Telegram id or @username",
    "aria-label": "Telegram id or username", maxlength: 64, autocomplete: "off", spellcheck: "false" });
  const result = h("div", {});
  async function show(query) {
    try {
      const { data } = await api("/api/v1/admin/users", { params: { query } });
      clear(result);
      if (!data.items.length) {
        result.append(h("p", { class: "muted", testid: "user-none" }, `Nobody is registered as ${query}.`));
      } else if (data.items.length === 1) {
        result.append(userCard(data.items[0]));
      } else {
        result.append(h("p", { class: "muted" }, "Several profiles carry this name (Telegram lets a name pass on):"),
          h("div", { class: "row" }, data.items.map((u) => h("button", { type: "button", class: "ghost",
            testid: "user-choice", onclick: () => show(String(u.user_id)) }, `@${u.username} · id ${u.user_id}`))));
      }
    } catch (e) {
      if (e.status !== 401 && e.status !== 403) clear(result).append(h("p", { class: "error" }, failure(e)));
    }
  }
  const form = h("form", { class: "row", onsubmit: (event) => {
    event.preventDefault();
    const query = input.value.trim();
    if (query) show(query);
  } }, input, h("button", { type: "submit", testid: "user-search-submit" }, "Find"));
  return { element: h("div", { class: "section" }, h("h3", {}, "Find a user"), form, result), show, input };
}

function field(label, control) {
  return h("label", { class: "field" }, h("span", { class: "muted small" }, label), control);
}

function transactionFinder(pick) {
  const text = (testid, placeholder) => h("input", { type: "text", testid, placeholder, maxlength: 64,
    autocomplete: "off", spellcheck: "false" });
  const choice = (testid, options) => h("select", { testid }, h("option", { value: "" }, "any"),
    options.map((o) => h("option", { value: o }, o)));
  const f = {
    id: text("tx-search-id", "transaction id"),
    order_id: text("tx-search-order", "order id"),
    invoice_uuid: text("tx-search-invoice", "invoice uuid"),
    status: choice("tx-search-status", STATUSES),
    type: choice("tx-search-type", TYPES),
    from: h("input", { type: "date", testid: "tx-search-from" }),
    to: h("input", { type: "date", testid: "tx-search-to" }),
  };
  const result = h("div", {});
  function search() {
    const params = Object.fromEntries(Object.entries(f).map(([k, el]) => [k, el.value.trim()]));
    clear(result).append(pagedTable((page) => api("/api/v1/admin/transactions",
      { params: { ...params, page, page_size: PAGE } }), { testid: "tx-results", pick, empty: "No transaction matches." }));
  }
  const form = h("form", { class: "finder", onsubmit: (event) => { event.preventDefault(); search(); } },
    field("Id", f.id), field("Order id", f.order_id), field("Invoice uuid", f.invoice_uuid),
    field("Status", f.status), field("Type", f.type), field("From (UTC day)", f.from), field("To (UTC day)", f.to),
    h("div", { class: "row" },
      h("button", { type: "submit", testid: "tx-search-submit" }, "Search"),
      h("button", { type: "reset", class: "ghost" }, "Clear")));
  return h("div", { class: "section" }, h("h3", {}, "Find a transaction"), form, result);
}

export function people(root) {
  const users = userFinder();
  const pick = (userId) => {
    users.input.value = String(userId);
    users.show(String(userId));
    users.element.scrollIntoView({ behavior: "smooth", block: "start" });
  };
  clear(root).append(
    h("div", { class: "toolbar" }, h("h2", {}, "People and money")),
    h("div", { class: "card" }, users.element),
    h("div", { class: "card gap" }, transactionFinder(pick)));
  users.input.focus();
}
