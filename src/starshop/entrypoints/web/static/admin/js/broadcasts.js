// Broadcasts: write a message in Telegram's HTML subset with an optional link button, preview it (built here from
// an allow-list: the operator's markup never reaches innerHTML), send it to everyone or a segment, follow its
// progress live (polled), cancel it, and see past broadcasts.
import { api, newKey } from "./api.js";
import { clear, h } from "./dom.js";

const POLL_MS = 1000;
// Telegram's tags and what the preview draws them with; anything else becomes its text.
const TAGS = { b: "b", i: "i", u: "u", s: "s", code: "code", pre: "pre", blockquote: "blockquote", a: "a",
  "tg-spoiler": "span" };
const LINK = /^(https?|tg):/i;

function when(iso) {
  return iso ? iso.replace("T", " ").slice(0, 16) : "";
}

function pill(text) {
  return h("span", { class: "pill " + text }, text);
}

// The checked HTML the API answered, parsed in an inert document and rebuilt node by node from the allow-list.
function drawn(node) {
  if (node.nodeType === Node.TEXT_NODE) return document.createTextNode(node.data);
  if (node.nodeType !== Node.ELEMENT_NODE) return null;
  const tag = node.tagName.toLowerCase();
  const children = Array.from(node.childNodes, drawn);
  if (!Object.hasOwn(TAGS, tag)) return document.createTextNode(node.textContent || "");
  const attrs = {};
  if (tag === "tg-spoiler") attrs.class = "spoiler";
  if (tag === "a") {
    const href = node.getAttribute("href") || "";
    if (LINK.test(href)) Object.assign(attrs, { href, target: "_blank", rel: "noopener noreferrer nofollow" });
  }
  return h(TAGS[tag], attrs, children);
}

export function previewOf(html) {
  const doc = new DOMParser().parseFromString(html, "text/html");
  return Array.from(doc.body.childNodes, drawn);
}

function failure(e) {
  if (e.code === "validation_error" && e.fields.length) {
    return "Refused: " + e.fields.map((f) => `${f.field}: ${f.message}`).join("; ");
  }
  if (e.code === "idempotency_conflict") return "Refused: this broadcast was already sent with other details.";
  return e.status ? `Refused (${e.code}): ${e.message}` : e.message;
}

function progressText(p) {
  return `${p.sent} / ${p.total} sent`;
}

function composer(onSent) {
  let key = null;
  const forget = () => { key = null; };
  const text = h("textarea", { testid: "broadcast-text", rows: 7, maxlength: 16384, required: true,
    placeholder: "Hello <b>friends</b>! New prices are in.", "aria-label": "message", spellcheck: "true",
    oninput: forget });
  const buttonText = h("input", { type: "text", testid: "broadcast-button-text", maxlength: 64,
    placeholder: "button text (optional)", "aria-label": "button text", oninput: forget });
  const buttonUrl = h("input", { type: "url", testid: "broadcast-button-url", maxlength: 2048,
    placeholder: "https://… (optional)", "aria-label": "button URL", oninput: forget });
  const language = h("input", { type: "text", testid: "broadcast-language", maxlength: 16, placeholder: "any",
    "aria-label": "language", oninput: forget });
  const days = h("input", { type: "number", testid: "broadcast-active-days", min: 1, max: 3650, placeholder: "any",
    "aria-label": "active within days", oninput: forget });
  const withBalance = h("input", { type: "checkbox", testid: "broadcast-with-balance", onchange: forget });
  const message = h("p", { role: "status", testid: "broadcast-message", class: "small" });
  const preview = h("div", { class: "preview", testid: "broadcast-preview", hidden: true });
  const say = (words, cls) => { message.className = "small " + cls; message.textContent = words; };

  function body() {
    const b = { text: text.value, with_balance: withBalance.checked };
    if (buttonText.value.trim()) b.button_text = buttonText.value.trim();
    if (buttonUrl.value.trim()) b.button_url = buttonUrl.value.trim();
    if (language.value.trim()) b.language = language.value.trim();
    if (days.value.trim()) b.active_days = Number(days.value);
    return b;
  }

  function showPreview(data) {
    clear(preview).append(
      h("div", { class: "bubble" }, previewOf(data.html),
        data.button ? h("div", { class: "tg-button" }, data.button.text, " ↗") : null),
      h("p", { class: "muted small", testid: "broadcast-recipients" },
        `${data.recipients} recipient${data.recipients === 1 ? "" : "s"} now`));
    preview.hidden = false;
  }

  async function doPreview() {
    if (!text.value.trim()) return say("Write the message first.", "error");
    try {
      const { data } = await api("/api/v1/admin/broadcasts/preview", { method: "POST", body: body() });
      say("", "muted");
      showPreview(data);
    } catch (e) {
      preview.hidden = true;
      say(failure(e), "error");
    }
  }

  const send = h("button", { type: "submit", testid: "broadcast-send" }, "Send");
  const form = h("form", { class: "stack", novalidate: true, onsubmit: async (event) => {
    event.preventDefault();
    if (send.disabled) return;
    if (!text.value.trim()) return say("Write the message first.", "error");
    key = key || newKey("broadcast");
    send.disabled = true;
    say("Sending…", "muted");
    try {
      const { data, headers } = await api("/api/v1/admin/broadcasts", { method: "POST", body: body(),
        idempotencyKey: key });
      const replay = headers.get("Idempotent-Replayed") === "true" ? " (already sent: the same request)" : "";
      say(`Broadcast ${data.id} to ${data.progress.total} users is on its way${replay}.`, "ok-text");
      key = null;
      onSent(data);
    } catch (e) {
      say(failure(e), "error");
    } finally {
      send.disabled = false;
    }
  } },
  h("label", { class: "field" }, h("span", { class: "muted small" },
    "Message: Telegram's HTML (b, i, u, s, a href, code, pre, tg-spoiler, blockquote)"), text),
  h("div", { class: "row" }, buttonText, buttonUrl),
  h("div", { class: "row segment" },
    h("span", { class: "muted small" }, "To:"),
    h("label", { class: "row" }, h("span", { class: "small" }, "language"), language),
    h("label", { class: "row" }, h("span", { class: "small" }, "active within"), days, h("span", { class: "small" },
      "days")),
    h("label", { class: "row" }, withBalance, h("span", { class: "small" }, "with a balance"))),
  h("div", { class: "row" },
    h("button", { type: "button", class: "ghost", testid: "broadcast-preview-button", onclick: doPreview },
      "Preview"),
    send),
  message,
  preview);
  return form;
}

function tracker(root) {
  const box = h("div", { class: "card section", testid: "broadcast-current", hidden: true });
  let timer = null;
  async function follow(b) {
    clearTimeout(timer);
    render(b);
    if (b.status !== "sending") return;
    timer = setTimeout(async () => {
      if (!root.isConnected) return;
      try {
        const { data } = await api(`/api/v1/admin/broadcasts/${encodeURIComponent(b.id)}`);
        follow(data);
        root.dispatchEvent(new CustomEvent("broadcast-changed"));
      } catch {
        follow(b);
      }
    }, POLL_MS);
  }
  function render(b) {
    const p = b.progress;
    const done = p.total ? Math.round(((p.sent + p.failed + p.blocked + p.unknown) / p.total) * 100) : 100;
    const cancel = h("button", { type: "button", class: "danger", testid: "broadcast-cancel",
      hidden: b.status !== "sending", onclick: async () => {
        cancel.disabled = true;
        try {
          const { data } = await api(`/api/v1/admin/broadcasts/${encodeURIComponent(b.id)}/cancel`,
            { method: "POST" });
          follow(data);
          root.dispatchEvent(new CustomEvent("broadcast-changed"));
        } catch (e) {
          cancel.disabled = false;
          box.append(h("p", { class: "error" }, failure(e)));
        }
      } }, "Cancel");
    const fill = h("div", { class: "meter-fill" });
    fill.style.width = `${done}%`; // through the CSSOM: the page's CSP allows no style attributes
    clear(box).append(
      h("div", { class: "row" }, h("h3", { class: "flat" }, "Broadcast ", h("span", { class: "mono" }, b.id)),
        pill(b.status), h("span", { class: "spacer" }), cancel),
      h("div", { class: "meter" }, fill),
      h("div", { class: "row progress-figures" },
        h("strong", { testid: "broadcast-progress", "data-sent": p.sent, "data-total": p.total }, progressText(p)),
        h("span", { testid: "broadcast-failed" }, `${p.failed} failed`),
        h("span", { testid: "broadcast-blocked" }, `${p.blocked} blocked`),
        p.unknown ? h("span", {}, `${p.unknown} unknown`) : null,
        p.pending ? h("span", { class: "muted" }, `${p.pending} waiting`) : null));
    box.hidden = false;
  }
  return { element: box, follow };
}

function history(root, pick) {
  const box = h("div", { testid: "broadcast-list" });
  async function load() {
    let data;
    try {
      ({ data } = await api("/api/v1/admin/broadcasts", { params: { limit: 20 } }));
    } catch (e) {
      if (e.status !== 401 && e.status !== 403) clear(box).append(h("p", { class: "error" }, failure(e)));
      return;
    }
    clear(box).append(data.items.length
      ? h("table", {}, h("thead", {}, h("tr", {}, ["created (UTC)", "status", "message", "sent", "failed", "blocked",
        ""].map((t, i) => h("th", { class: i >= 3 && i <= 5 ? "num" : null }, t)))),
      h("tbody", {}, data.items.map((b) => h("tr", { testid: "broadcast-row", "data-id": b.id },
        h("td", {}, when(b.created_at)),
        h("td", {}, pill(b.status)),
        h("td", { class: "clip" }, b.text),
        h("td", { class: "num" }, progressText(b.progress)),
        h("td", { class: "num" }, String(b.progress.failed)),
        h("td", { class: "num" }, String(b.progress.blocked)),
        h("td", {}, h("button", { type: "button", class: "ghost small-button", onclick: () => pick(b) },
          "Follow"))))))
      : h("p", { class: "muted" }, "No broadcast yet."));
  }
  root.addEventListener("broadcast-changed", load);
  load();
  return box;
}

export function broadcasts(root) {
  const current = tracker(root);
  const sent = (b) => {
    current.follow(b);
    root.dispatchEvent(new CustomEvent("broadcast-changed"));
  };
  clear(root).append(
    h("div", { class: "toolbar" }, h("h2", {}, "Broadcasts")),
    h("div", { class: "card section" }, h("h3", { class: "flat" }, "New broadcast"), composer(sent)),
    current.element,
    h("div", { class: "card section" }, h("h3", { class: "flat" }, "Past broadcasts"), history(root, sent)));
}
