// The storefront: balance, buying stars, topping up, the order's live status and the history.
import { ApiError, createApi, newKey } from "./api.js";
import { LANGUAGES, language, pickLanguage, setLanguage, t } from "./i18n.js";
import { applyTheme, connect, haptic, nativeButtons, openLink } from "./telegram.js";

const $ = (id) => document.getElementById(id);
const USERNAME = /^@?([A-Za-z0-9_]{5,32})$/;
const WHOLE = /^[1-9][0-9]{0,8}$/;
const AMOUNT = /^(0|[1-9][0-9]{0,17})(\.[0-9]+)?$/;
const PAGE_SIZE = 10;
const TERMINAL = new Set(["completed", "failed", "cancelled", "expired"]);
const LANG_KEY = "starshop.lang";

const state = {
  tg: null,
  api: null,
  buttons: null,
  me: null,
  shop: null,
  balance: null,
  tab: "buy",
  quotes: new Map(),
  stars: null,
  product: "stars", // or "premium": the Premium tab shows the buy panel with months instead of stars
  months: null,
  intent: null, // {order, key, price}: one Idempotency-Key per purchase the user confirms
  busy: false,
  order: null,
  topupKey: null, // {amount, key}: one key per top-up intent
  page: 1,
  total: 0,
  live: false,
  error: null,
};

// ---------- money as exact decimal strings ----------
function decimals(text) {
  return (String(text).split(".")[1] || "").length;
}

function units(text, scale) {
  const [whole, fraction = ""] = String(text).split(".");
  return BigInt(whole + fraction.padEnd(scale, "0"));
}

function compare(a, b) {
  const scale = Math.max(decimals(a), decimals(b));
  const [x, y] = [units(a, scale), units(b, scale)];
  return x < y ? -1 : x > y ? 1 : 0;
}

function at(username) {
  return username && !username.startsWith("@") ? `@${username}` : username || "";
}

function money(amount) {
  return `${amount} ${state.shop?.currency || ""}`.trim();
}

// ---------- errors ----------
function showError(error, action = null) {
  state.error = { error, action };
  renderError();
  haptic(state.tg, "error");
}

function clearError() {
  state.error = null;
  $("error").hidden = true;
}

function errorText(error) {
  const currency = state.shop?.currency || "";
  if (!(error instanceof ApiError)) return t("err_other", { message: String(error?.message || error) });
  switch (error.code) {
    case "network":
      return t("err_network");
    case "insufficient_funds":
      return t("err_insufficient_funds", { missing: error.extra.missing, currency });
    case "recipient_not_found":
      return t("err_recipient_not_found", { recipient: error.recipient || "" });
    case "maintenance":
      return t("err_maintenance", { message: error.message });
    case "rate_limited":
    case "invalid_recipient":
    case "daily_limit_exceeded":
    case "sales_paused":
    case "payment_gateway_unavailable":
    case "unauthorized":
      return t(`err_${error.code}`);
    default:
      return t("err_other", { message: error.message });
  }
}

function renderError() {
  if (!state.error) return;
  const { error, action } = state.error;
  $("error-text").textContent = errorText(error);
  $("error").dataset.code = error.code || "";
  const button = $("error-action");
  button.hidden = !action;
  if (action) {
    button.textContent = action.label();
    button.onclick = action.run;
  }
  $("error").hidden = false;
}

// ---------- balance ----------
async function refreshBalance() {
  try {
    state.balance = await state.api.balance();
    renderBalance();
  } catch (error) {
    showError(error);
  }
}

function renderBalance() {
  const b = state.balance;
  if (!b) return;
  $("balance").textContent = `${b.amount} ${b.currency}`;
  $("available").textContent = `${b.available} ${b.currency}`;
  $("held").textContent = `${b.held} ${b.currency}`;
  document.querySelector(".balance").setAttribute("aria-busy", "false");
}

// ---------- tabs ----------
function showTab(tab) {
  state.tab = tab === "premium" ? "buy" : tab;
  if (tab === "buy" || tab === "premium") state.product = tab === "premium" ? "premium" : "stars";
  for (const name of ["buy", "topup", "history"]) $(`panel-${name}`).hidden = name !== state.tab;
  for (const name of ["buy", "premium", "topup", "history"]) {
    $(`tab-${name}`).setAttribute("aria-selected", String(name === tab));
  }
  if (tab === "history") loadHistory(state.page);
  renderProduct();
  updateNative();
}

// ---------- Telegram Premium: the buy panel with months instead of stars ----------
function renderProduct() {
  const premium = state.product === "premium";
  $("stars-part").hidden = premium;
  $("premium-part").hidden = !premium;
  renderMonths();
  renderPrice();
}

function renderMonths() {
  const grid = $("premium-months");
  grid.replaceChildren();
  for (const option of state.shop?.premium || []) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "quick";
    button.dataset.testid = "premium-months";
    button.dataset.months = String(option.months);
    button.setAttribute("aria-pressed", String(state.months === option.months));
    const count = document.createElement("span");
    count.className = "count";
    count.textContent = t("months", { months: option.months });
    const price = document.createElement("span");
    price.className = "sub";
    price.textContent = money(option.price);
    button.append(count, price);
    button.onclick = () => {
      state.months = option.months;
      renderMonths();
      renderPrice();
    };
    grid.append(button);
  }
}

function currentQuote() {
  if (state.product === "premium") return (state.shop?.premium || []).find((o) => o.months === state.months) || null;
  return state.stars ? state.quotes.get(state.stars) : null;
}

// ---------- buying ----------
function renderQuick() {
  const grid = $("quick");
  grid.replaceChildren();
  for (const stars of state.shop.star_amounts) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "quick";
    button.dataset.testid = "quick-amount";
    button.dataset.stars = String(stars);
    button.setAttribute("aria-pressed", String(state.stars === stars));
    const count = document.createElement("span");
    count.className = "count";
    count.textContent = `${stars} ⭐`;
    const price = document.createElement("span");
    price.className = "sub";
    const quote = state.quotes.get(stars);
    price.textContent = quote ? money(quote.price) : "…";
    button.append(count, price);
    button.setAttribute("aria-label", `${stars} ⭐, ${price.textContent}`);
    button.onclick = () => {
      $("stars").value = String(stars);
      onStarsTyped();
    };
    grid.append(button);
  }
}

async function loadQuickQuotes() {
  const quotes = await Promise.allSettled(state.shop.star_amounts.map((n) => state.api.quote(n)));
  for (const result of quotes) if (result.status === "fulfilled") state.quotes.set(result.value.stars, result.value);
  renderQuick();
  renderPrice();
}

function starsProblem(raw) {
  const { min_stars: min, max_stars: max } = state.shop;
  if (raw === "") return { hint: t("stars_hint", { min, max }), ok: false, neutral: true };
  if (!WHOLE.test(raw)) return { hint: t("stars_bad"), ok: false };
  const n = Number(raw);
  if (n < min) return { hint: t("stars_low", { min }), ok: false };
  if (n > max) return { hint: t("stars_high", { max }), ok: false };
  return { hint: t("stars_hint", { min, max }), ok: true, neutral: true };
}

let quoteTimer = null;
function onStarsTyped() {
  const raw = $("stars").value.trim();
  const check = starsProblem(raw);
  state.stars = check.ok ? Number(raw) : null;
  setHint("stars", check);
  renderQuick();
  renderPrice();
  clearTimeout(quoteTimer);
  if (state.stars && !state.quotes.has(state.stars)) {
    const wanted = state.stars;
    quoteTimer = setTimeout(async () => {
      try {
        state.quotes.set(wanted, await state.api.quote(wanted));
        renderPrice();
      } catch (error) {
        showError(error);
      }
    }, 250);
  }
}

function setHint(field, check) {
  const input = $(field);
  input.setAttribute("aria-invalid", String(!check.ok && !check.neutral));
  const hint = $(`${field}-hint`);
  hint.textContent = check.hint;
  hint.classList.toggle("bad", !check.ok && !check.neutral);
}

function recipient() {
  if (who() === "me") return state.me.username ? `@${state.me.username}` : null;
  const found = USERNAME.exec($("recipient").value.trim());
  return found ? `@${found[1]}` : null;
}

function who() {
  return document.querySelector("input[name=who]:checked").value;
}

function onRecipientTyped() {
  const raw = $("recipient").value.trim();
  if (raw === "") setHint("recipient", { hint: t("recipient_hint"), ok: false, neutral: true });
  else if (USERNAME.test(raw)) setHint("recipient", { hint: t("recipient_hint"), ok: true });
  else setHint("recipient", { hint: t("recipient_bad"), ok: false });
  renderPrice();
}

function renderWho() {
  const gift = who() === "gift";
  $("recipient-field").hidden = !gift;
  $("recipient-hint").hidden = !gift;
  if (!state.me.username) {
    const me = document.querySelector("input[name=who][value=me]");
    me.disabled = true;
    if (!gift) document.querySelector("input[name=who][value=gift]").checked = true;
    $("recipient-field").hidden = false;
    $("recipient-hint").hidden = false;
  }
  if (!$("recipient-hint").textContent) onRecipientTyped();
  renderPrice();
}

// Maintenance: the operator paused sales. Prices still show; buying is off until sales open again.
function paused(message) {
  state.shop.sales_paused = true;
  state.shop.maintenance_message = message;
  renderMaintenance();
  renderPrice();
}

function renderMaintenance() {
  const on = Boolean(state.shop?.sales_paused);
  $("maintenance").hidden = !on;
  $("maintenance-text").textContent = on ? state.shop.maintenance_message || "" : "";
}

function renderPrice() {
  const quote = currentQuote();
  $("price").textContent = quote ? t("price", { price: money(quote.price) }) : "";
  if (quote?.sales_paused && !state.shop.sales_paused) paused(quote.maintenance_message);
  const ready = Boolean(quote && recipient() && !state.shop.sales_paused);
  $("pay-balance").disabled = !ready;
  $("pay-invoice").disabled = !ready;
}

function askToConfirm(payWith) {
  const quote = currentQuote();
  const to = recipient();
  if (!quote || !to) return;
  clearError();
  const premium = state.product === "premium";
  const item = premium ? { product: "premium", months: state.months } : { stars: state.stars };
  const order = { ...item, recipient: to, pay_with: payWith };
  state.intent = { order, key: newKey(), price: quote.price };
  const text = premium ? "confirm_text_premium" : "confirm_text";
  $("confirm-text").textContent = t(text, { stars: order.stars, months: order.months, recipient: to });
  $("confirm-price").textContent = money(quote.price);
  $("buy-confirm").textContent = confirmLabel();
  $("buy-confirm").disabled = false;
  $("buy-form").hidden = true;
  $("confirm").hidden = false;
  updateNative();
  $("buy-confirm").focus();
}

function confirmLabel() {
  const intent = state.intent;
  const key = intent.order.pay_with === "balance" ? "confirm_balance" : "confirm_invoice";
  return t(key, { price: money(intent.price) });
}

function cancelConfirm() {
  state.intent = null;
  $("confirm").hidden = true;
  $("buy-form").hidden = false;
  updateNative();
}

async function confirmPurchase() {
  if (state.busy || !state.intent) return; // a double tap is one order
  state.busy = true;
  $("buy-confirm").disabled = true;
  $("buy-confirm").setAttribute("aria-busy", "true");
  state.buttons.mainProgress(true);
  const intent = state.intent;
  try {
    const tx = await state.api.purchase(intent.order, intent.key);
    state.intent = null;
    state.order = tx;
    $("confirm").hidden = true;
    $("order").hidden = false;
    renderOrder();
    haptic(state.tg, "success");
    if (tx.invoice_url && tx.pay_with === "invoice") openLink(state.tg, tx.invoice_url);
    refreshBalance();
    watchOrder();
  } catch (error) {
    if (error.code === "network") {
      $("buy-confirm").disabled = false; // the retry sends the same key: still one order
      showError(error);
    } else {
      error.recipient = intent.order.recipient;
      cancelConfirm();
      if (error.code === "maintenance") paused(error.message);
      const action = error.code === "insufficient_funds" ? topUpMissing(error.extra.missing) : null;
      showError(error, action);
    }
  } finally {
    state.busy = false;
    $("buy-confirm").removeAttribute("aria-busy");
    state.buttons.mainProgress(false);
    updateNative();
  }
}

function topUpMissing(missing) {
  const min = state.shop.min_recharge;
  const amount = compare(missing, min) < 0 ? min : missing;
  return {
    label: () => t("err_topup_missing", { amount, currency: state.shop.currency }),
    run: () => {
      clearError();
      $("topup-amount").value = amount;
      onTopupTyped();
      showTab("topup");
    },
  };
}

// ---------- the order, live ----------
function renderOrder() {
  const tx = state.order;
  if (!tx) return;
  const values = { stars: tx.stars, months: tx.months, recipient: at(tx.recipient), reference: tx.reference || "", reason: tx.reason || "" };
  const of = tx.product === "premium" ? "_premium" : ""; // a Premium gift's texts name its months
  let text;
  if (tx.status === "completed") text = t(`order_delivered${of}`, values);
  else if (tx.status === "failed") text = t("order_refused", values);
  else if (tx.status === "cancelled" || tx.status === "expired") text = t("order_cancelled");
  else if (tx.pay_with === "invoice" && tx.status === "pending") text = t(`order_waiting_invoice${of}`, values);
  else text = t(`order_pending${of}`, values);
  const status = $("order-status");
  status.textContent = text;
  if (tx.status === "completed" && tx.reference) {
    const reference = document.createElement("span");
    reference.className = "ref";
    reference.textContent = t("reference", values);
    status.append(" ", reference);
  }
  status.dataset.status = tx.status;
  $("order-pay").hidden = !(tx.invoice_url && tx.pay_with === "invoice" && tx.status === "pending");
}

async function refreshOrder() {
  if (!state.order) return;
  try {
    state.order = await state.api.transaction(state.order.id);
    renderOrder();
    if (state.order.status === "completed") haptic(state.tg, "success");
  } catch (error) {
    if (error.code !== "network") showError(error);
  }
}

let orderTimer = null;
function watchOrder() {
  // The websocket says when the order moves; without it, ask every few seconds.
  clearInterval(orderTimer);
  orderTimer = setInterval(() => {
    if (!state.order || TERMINAL.has(state.order.status)) clearInterval(orderTimer);
    else if (!state.live) refreshOrder();
  }, 3000);
}

function onEvent(event) {
  if (["payment_received", "balance_changed", "bonus_granted"].includes(event.kind)) refreshBalance();
  if (event.kind.startsWith("purchase_")) {
    refreshBalance();
    if (state.order && event.tx_id === state.order.id) refreshOrder();
  }
  if (state.tab === "history") loadHistory(state.page);
}

function onLive(live) {
  state.live = live;
  document.documentElement.dataset.live = String(live);
  if (live) {
    refreshBalance(); // anything that happened while the socket was down
    refreshOrder();
  }
}

// ---------- top-up ----------
function renderTopupQuick() {
  const grid = $("topup-quick");
  grid.replaceChildren();
  for (const amount of state.shop.recharge_amounts) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "quick";
    button.textContent = money(amount);
    button.onclick = () => {
      $("topup-amount").value = amount;
      onTopupTyped();
    };
    grid.append(button);
  }
  $("topup-label").textContent = t("topup_label", { currency: state.shop.currency });
}

function topupCheck(raw) {
  const { min_recharge: min, max_recharge: max, currency } = state.shop;
  if (raw === "") return { hint: t("topup_hint", { min, max, currency }), ok: false, neutral: true };
  if (!AMOUNT.test(raw) || decimals(raw) > decimals(min)) return { hint: t("topup_bad"), ok: false };
  if (compare(raw, min) < 0) return { hint: t("topup_low", { min, currency }), ok: false };
  if (compare(raw, max) > 0) return { hint: t("topup_high", { max, currency }), ok: false };
  return { hint: t("topup_hint", { min, max, currency }), ok: true, neutral: true };
}

function onTopupTyped() {
  const raw = $("topup-amount").value.trim().replace(",", ".");
  const check = topupCheck(raw);
  setHint("topup-amount", check);
  $("topup-button").disabled = !check.ok;
  for (const button of $("topup-quick").children) {
    button.setAttribute("aria-pressed", String(button.textContent === money(raw)));
  }
  updateNative();
}

async function topUp() {
  const amount = $("topup-amount").value.trim().replace(",", ".");
  if (state.busy || !topupCheck(amount).ok) return;
  clearError();
  if (state.topupKey?.amount !== amount) state.topupKey = { amount, key: newKey() };
  state.busy = true;
  $("topup-button").disabled = true;
  $("topup-button").setAttribute("aria-busy", "true");
  try {
    const tx = await state.api.recharge(amount, state.topupKey.key);
    state.topupKey = null;
    const status = $("topup-status");
    status.textContent = t("topup_opened", { amount: tx.amount, currency: tx.currency }) + " ";
    const link = document.createElement("a");
    link.href = tx.invoice_url;
    link.target = "_blank";
    link.rel = "noopener";
    link.textContent = t("open_invoice");
    link.onclick = (click) => {
      click.preventDefault();
      openLink(state.tg, tx.invoice_url);
    };
    status.append(link);
    openLink(state.tg, tx.invoice_url);
  } catch (error) {
    showError(error);
  } finally {
    state.busy = false;
    $("topup-button").removeAttribute("aria-busy");
    $("topup-button").disabled = !topupCheck($("topup-amount").value.trim()).ok;
  }
}

// ---------- history ----------
async function loadHistory(page) {
  const list = $("history");
  list.setAttribute("aria-busy", "true");
  try {
    const result = await state.api.history(page, PAGE_SIZE);
    state.page = page;
    state.total = result.total;
    list.replaceChildren(...result.items.map(historyItem));
    $("history-empty").hidden = result.items.length > 0;
    const pages = Math.max(1, Math.ceil(result.total / PAGE_SIZE));
    $("page-info").textContent = t("page_info", { page, pages });
    $("prev").disabled = page <= 1;
    $("next").disabled = page >= pages;
  } catch (error) {
    showError(error);
  } finally {
    list.setAttribute("aria-busy", "false");
  }
}

function historyItem(tx) {
  const item = document.createElement("li");
  item.className = `item ${tx.status}`;
  item.dataset.testid = "history-item";
  item.dataset.id = tx.id;
  item.dataset.status = tx.status;
  const title = document.createElement("span");
  title.className = "title";
  const kind = tx.type === "purchase" && tx.product === "premium" ? "type_purchase_premium" : `type_${tx.type}`;
  title.textContent = t(kind, { stars: tx.stars, months: tx.months, recipient: at(tx.recipient) });
  const amount = document.createElement("span");
  amount.className = "amount";
  const debit = tx.type === "purchase" || (tx.type === "adjustment" && tx.amount.startsWith("-"));
  amount.textContent = `${debit ? "−" : "+"}${tx.amount.replace(/^-/, "")} ${tx.currency}`;
  const meta = document.createElement("span");
  meta.className = "sub";
  const when = new Date(tx.created_at).toLocaleString(language(), { dateStyle: "short", timeStyle: "short" });
  meta.textContent = `${when} · ${t(`status_${tx.status}`)}`;
  item.append(title, amount, meta);
  return item;
}

// ---------- Telegram's native buttons ----------
function updateNative() {
  const b = state.buttons;
  if (!b) return;
  const confirming = state.tab === "buy" && !$("confirm").hidden && state.intent;
  if (confirming) b.showMain(confirmLabel(), confirmPurchase);
  else b.hideMain();
  if (confirming) b.showBack(cancelConfirm);
  else if (state.tab !== "buy") b.showBack(() => showTab("buy"));
  else b.hideBack();
  document.documentElement.dataset.mainButton = String(b.main);
}

// ---------- language ----------
function renderLanguage() {
  setLanguage(language());
  const other = LANGUAGES.find((lang) => lang !== language());
  $("lang").textContent = other.toUpperCase();
  $("lang").setAttribute("aria-label", t("lang_label"));
  if (!state.shop) return;
  renderMaintenance();
  renderQuick();
  renderMonths();
  renderTopupQuick();
  setHint("stars", starsProblem($("stars").value.trim()));
  onRecipientTyped();
  onTopupTyped();
  renderPrice();
  if (state.intent) {
    $("confirm-text").textContent = t("confirm_text", state.intent.order);
    $("buy-confirm").textContent = confirmLabel();
  }
  renderOrder();
  renderError();
  if (state.tab === "history") loadHistory(state.page);
  updateNative();
}

function switchLanguage() {
  const next = LANGUAGES.find((lang) => lang !== language());
  try { localStorage.setItem(LANG_KEY, next); } catch { /* storage may be off */ }
  setLanguage(next);
  renderLanguage();
  // kept on the user's row too, so the bot speaks it; a failure leaves the choice on this device only
  state.api?.setLanguage(next).catch(() => {});
}

function storedLanguage() {
  try { return localStorage.getItem(LANG_KEY); } catch { return null; }
}

// ---------- start ----------
function show(screen) {
  for (const id of ["loading", "outside", "shop"]) $(id).hidden = id !== screen;
}

function outside(message) {
  if (message) document.querySelector("#outside .hint").textContent = message;
  $("sandbox-login").hidden = document.documentElement.dataset.sandbox !== "true";
  show("outside");
}

async function start() {
  const tg = await connect();
  state.tg = tg;
  applyTheme(tg);
  setLanguage(pickLanguage(storedLanguage(), tg.user?.language_code));
  $("sandbox-banner").hidden = document.documentElement.dataset.sandbox !== "true";
  if (!tg.initData) {
    outside();
    return;
  }
  state.api = createApi(tg.initData);
  try {
    [state.me, state.shop] = await Promise.all([state.api.me(), state.api.shop()]);
  } catch (error) {
    outside(errorText(error));
    return;
  }
  // the language chosen in the bot or on another device wins; then this device's; then Telegram's
  if (state.me.language) setLanguage(state.me.language);
  else if (!storedLanguage()) setLanguage(pickLanguage(null, state.me.language_code || tg.user?.language_code));
  state.buttons = nativeButtons(tg);
  state.balance = state.me.balance;
  document.documentElement.dataset.mainButton = String(state.buttons.main);
  wire();
  renderBalance();
  renderLanguage();
  renderWho();
  showTab("buy");
  show("shop");
  tg.native?.ready?.();
  tg.native?.expand?.();
  tg.native?.onEvent?.("themeChanged", () => applyTheme({ ...tg, themeParams: tg.native.themeParams }));
  loadQuickQuotes();
  state.api.events(onEvent, onLive);
}

function wire() {
  $("lang").onclick = switchLanguage;
  for (const name of ["buy", "premium", "topup", "history"]) $(`tab-${name}`).onclick = () => showTab(name);
  $("tab-premium").hidden = !(state.shop.premium || []).length; // shown only when Premium is sold
  $("stars").oninput = onStarsTyped;
  $("recipient").oninput = onRecipientTyped;
  for (const radio of document.querySelectorAll("input[name=who]")) radio.onchange = renderWho;
  $("pay-balance").onclick = () => askToConfirm("balance");
  $("pay-invoice").onclick = () => askToConfirm("invoice");
  $("buy-confirm").onclick = confirmPurchase;
  $("confirm-cancel").onclick = cancelConfirm;
  $("order-pay").onclick = () => state.order?.invoice_url && openLink(state.tg, state.order.invoice_url);
  $("order-done").onclick = () => {
    state.order = null;
    $("order").hidden = true;
    $("buy-form").hidden = false;
    clearError();
  };
  $("topup-amount").oninput = onTopupTyped;
  $("topup-button").onclick = topUp;
  $("prev").onclick = () => loadHistory(Math.max(1, state.page - 1));
  $("next").onclick = () => loadHistory(state.page + 1);
}

start().catch((error) => {
  console.error(error);
  outside(t("err_other", { message: String(error?.message || error) }));
});
