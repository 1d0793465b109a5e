// The console: sign-in (an operator key, or Telegram initData inside the Mini App), then one view per area.
import { stopAlerts, watchAlerts } from "./alerts.js";
import * as session from "./api.js";
import { broadcasts } from "./broadcasts.js";
import { dashboard } from "./dashboard.js";
import { clear, h } from "./dom.js";
import { people } from "./people.js";
import { queues } from "./queues.js";
import { settings } from "./settings.js";

const VIEWS = { dashboard, queues, people, broadcasts, settings };
const state = {};
const $ = (id) => document.getElementById(id);

function show(id) {
  for (const section of ["login", "loading", "view"]) $(section).hidden = section !== id;
}

export function banner(message, kind = "error") {
  const el = $("banner");
  el.textContent = message;
  el.className = "banner " + kind;
  el.hidden = !message;
}

function route() {
  if (!session.signedIn()) return;
  const name = location.hash.slice(1) || "dashboard";
  const view = VIEWS[name] || VIEWS.dashboard;
  for (const link of document.querySelectorAll("#nav a")) {
    link.classList.toggle("active", link.dataset.view === (VIEWS[name] ? name : "dashboard"));
  }
  show("view");
  view(clear($("view")), state);
}

function signedInAs() {
  $("nav").hidden = false;
  $("who").textContent = session.who();
  $("sign-out").hidden = session.viaTelegram();
  watchAlerts();
  route();
}

function showLogin(message) {
  stopAlerts();
  $("nav").hidden = true;
  $("who").textContent = "";
  $("sign-out").hidden = true;
  show("login");
  const error = $("login-error");
  error.textContent = message || "";
  error.hidden = !message;
  $("login-key").focus();
}

async function check() {
  // The cheapest operator read: one day of figures.
  const today = new Date().toISOString().slice(0, 10);
  await session.api("/api/v1/admin/stats", { params: { from: today, to: today } });
}

function reason(error) {
  if (error.status === 403) return "This key is not an operator key. Nothing was changed.";
  if (error.status === 401) return "The shop refused the sign-in: " + error.message;
  return error.message;
}

async function signInWithKey(key) {
  session.useKey(key);
  try {
    await check();
  } catch (error) {
    session.signOut();
    showLogin(reason(error));
    return;
  }
  session.keepKey(key);
  signedInAs();
}

async function start() {
  session.whenUnauthorized((error) => {
    const wasTelegram = session.viaTelegram();
    session.signOut();
    if (wasTelegram) {
      show("view");
      clear($("view")).append(h("div", { class: "card" }, h("h2", {}, "Not an operator"), h("p", {}, error.message)));
      return;
    }
    showLogin("Signed out: " + error.message);
  });
  $("login-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const input = $("login-key");
    const key = input.value.trim();
    input.value = "";
    if (key) signInWithKey(key);
  });
  $("sign-out").addEventListener("click", () => {
    session.signOut();
    showLogin("");
  });
  window.addEventListener("hashchange", route);

  const initData = session.telegramInitData();
  if (initData) {
    session.useTelegram(initData);
    try {
      await check();
      signedInAs();
    } catch (error) {
      /* whenUnauthorized has said why */
      if (error.status !== 401 && error.status !== 403) banner(error.message);
    }
    return;
  }
  const key = session.storedKey();
  if (key) await signInWithKey(key);
  else showLogin("");
}

start();
