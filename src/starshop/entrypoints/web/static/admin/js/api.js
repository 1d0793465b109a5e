// The operator API, and who is signed in. The key lives in this tab's sessionStorage (and memory), goes out only
// as the X-API-Key header to this origin, and never into a URL or a log. Inside Telegram the Mini App's initData
// signs every request instead (Authorization: tma ...).
const STORE = "starshop.console.key";

let credential = null; // {headers: {...}, who: "..."}

export class ApiError extends Error {
  constructor(status, code, message, fields, details) {
    super(message);
    this.status = status;
    this.code = code;
    this.fields = fields || [];
    this.details = details || {}; // the whole error object (insufficient_funds adds "missing")
  }
}

export function telegramInitData() {
  // Telegram hands a Mini App its initData in the URL fragment: #tgWebAppData=<urlencoded initData>&...
  const fragment = new URLSearchParams(location.hash.slice(1));
  const data = fragment.get("tgWebAppData");
  if (data) {
    history.replaceState(null, "", location.pathname + location.search); // keep it out of the address bar
    return data;
  }
  return null;
}

function telegramName(initData) {
  try {
    const user = JSON.parse(new URLSearchParams(initData).get("user") || "{}");
    return user.username ? "@" + user.username : String(user.id || "Telegram");
  } catch {
    return "Telegram";
  }
}

export function useTelegram(initData) {
  credential = { headers: { Authorization: "tma " + initData }, who: telegramName(initData), telegram: true };
}

export function useKey(key) {
  credential = { headers: { "X-API-Key": key }, who: "operator key" };
}

export function storedKey() {
  try {
    return sessionStorage.getItem(STORE);
  } catch {
    return null;
  }
}

export function keepKey(key) {
  try {
    sessionStorage.setItem(STORE, key);
  } catch {
    /* storage off: the key stays in memory only */
  }
}

export function signOut() {
  credential = null;
  try {
    sessionStorage.removeItem(STORE);
  } catch {
    /* nothing stored */
  }
}

export function who() {
  return credential ? credential.who : "";
}

export function viaTelegram() {
  return !!(credential && credential.telegram);
}

export function signedIn() {
  return credential !== null;
}

let onUnauthorized = () => {};
export function whenUnauthorized(handler) {
  onUnauthorized = handler;
}

export async function api(path, { method = "GET", body, idempotencyKey, params } = {}) {
  if (!credential) throw new ApiError(401, "unauthorized", "not signed in");
  const headers = { ...credential.headers, Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (idempotencyKey) headers["Idempotency-Key"] = idempotencyKey;
  let url = path;
  if (params) {
    const query = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== "") query.set(k, v);
    if ([...query].length) url += "?" + query;
  }
  let response;
  try {
    response = await fetch(url, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "omit",
      cache: "no-store",
      referrerPolicy: "no-referrer",
    });
  } catch {
    throw new ApiError(0, "network", "the shop did not answer; check the connection and try again");
  }
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!response.ok) {
    const error = (data && data.error) || {};
    const failure = new ApiError(response.status, error.code || "http_" + response.status,
      error.message || response.statusText, error.fields, error);
    if (response.status === 401 || response.status === 403) onUnauthorized(failure);
    throw failure;
  }
  return { data, headers: response.headers, status: response.status };
}

export function newKey(prefix) {
  const bytes = new Uint8Array(12);
  crypto.getRandomValues(bytes);
  return prefix + "-" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
