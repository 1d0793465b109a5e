// The shop's REST API and its events websocket. Every call carries Authorization: tma <initData>.

export class ApiError extends Error {
  constructor(status, code, message, extra = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.extra = extra;
  }
}

export function newKey() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return "sf-" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

export function createApi(initData) {
  const auth = `tma ${initData}`;

  async function call(method, path, { body, key } = {}) {
    const headers = { Authorization: auth, Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (key) headers["Idempotency-Key"] = key;
    let answer;
    try {
      answer = await fetch(`/api/v1${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials: "omit",
        cache: "no-store",
      });
    } catch {
      throw new ApiError(0, "network", "network error");
    }
    const data = await answer.json().catch(() => null);
    if (!answer.ok) {
      const error = data?.error || {};
      const { code, message, ...extra } = error;
      throw new ApiError(answer.status, code || "http_error", message || answer.statusText, extra);
    }
    return data;
  }

  return {
    me: () => call("GET", "/me"),
    setLanguage: (language) => call("PUT", "/me/language", { body: { language } }),
    balance: () => call("GET", "/balance"),
    shop: () => call("GET", "/shop"),
    quote: (stars) => call("GET", `/quote?stars=${encodeURIComponent(stars)}`),
    history: (page, pageSize) => call("GET", `/transactions?page=${page}&page_size=${pageSize}`),
    transaction: (id) => call("GET", `/transactions/${encodeURIComponent(id)}`),
    recharge: (amount, key) => call("POST", "/recharges", { body: { amount }, key }),
    purchase: (order, key) => call("POST", "/purchases", { body: order, key }),
    events: (onEvent, onState) => subscribe(auth, onEvent, onState),
  };
}

// The caller's events, reconnecting with a growing pause; onState(true|false) says whether it is live.
function subscribe(auth, onEvent, onState) {
  const scheme = window.location.protocol === "https:" ? "wss" : "ws";
  const url = `${scheme}://${window.location.host}/api/v1/events?auth=${encodeURIComponent(auth)}`;
  let pause = 1000;
  let stopped = false;
  let socket = null;

  function open() {
    socket = new WebSocket(url);
    socket.onmessage = (message) => {
      let data = null;
      try { data = JSON.parse(message.data); } catch { return; }
      if (data?.type === "subscribed") { pause = 1000; onState(true); }
      if (data?.type === "event" && data.event) onEvent(data.event);
    };
    socket.onclose = (closed) => {
      onState(false);
      if (stopped || closed.code === 4401) return; // 4401: the initData is refused; reconnecting will not help
      setTimeout(open, pause);
      pause = Math.min(pause * 2, 30000);
    };
  }
  open();
  return () => { stopped = true; socket?.close(); };
}
