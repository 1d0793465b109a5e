// How the page learns who the user is and talks to Telegram.
// Inside a Telegram client the page loads Telegram's own telegram-web-app.js; elsewhere (the sandbox, tests, no
// internet) it reads the launch parameters from the URL fragment itself, and the native controls are absent.

const TELEGRAM_SCRIPT = "https://telegram.org/js/telegram-web-app.js";

function insideTelegram() {
  // Mobile and desktop clients inject a proxy; the web clients frame the page.
  return Boolean(window.TelegramWebviewProxy) || window.parent !== window;
}

function loadScript(src, timeoutMs) {
  return new Promise((resolve) => {
    const script = document.createElement("script");
    const timer = setTimeout(() => resolve(false), timeoutMs);
    script.src = src;
    script.onload = () => { clearTimeout(timer); resolve(true); };
    script.onerror = () => { clearTimeout(timer); resolve(false); };
    document.head.append(script);
  });
}

function parseJson(raw) {
  try { return raw ? JSON.parse(raw) : null; } catch { return null; }
}

export function fromFragment(hash) {
  const params = new URLSearchParams(hash.replace(/^#/, ""));
  const initData = params.get("tgWebAppData") || "";
  const user = parseJson(new URLSearchParams(initData).get("user"));
  return {
    initData,
    user: user && typeof user === "object" ? user : null,
    version: params.get("tgWebAppVersion") || "",
    platform: params.get("tgWebAppPlatform") || "unknown",
    themeParams: parseJson(params.get("tgWebAppThemeParams")) || {},
  };
}

// The one object the shop uses: Telegram.WebApp when present, else what the fragment says.
export async function connect() {
  if (!window.Telegram?.WebApp && insideTelegram()) await loadScript(TELEGRAM_SCRIPT, 4000);
  const app = window.Telegram?.WebApp;
  const launch = fromFragment(window.location.hash);
  if (app && app.initData) {
    return {
      native: app,
      initData: app.initData,
      user: app.initDataUnsafe?.user || launch.user,
      themeParams: app.themeParams || launch.themeParams,
      colorScheme: app.colorScheme,
      platform: app.platform,
    };
  }
  return { native: null, ...launch, colorScheme: null };
}

export function openLink(tg, url) {
  if (tg.native?.openLink) tg.native.openLink(url);
  else window.open(url, "_blank", "noopener");
}

export function haptic(tg, kind) {
  const feedback = tg.native?.HapticFeedback;
  if (!feedback) return;
  if (kind === "error" || kind === "success") feedback.notificationOccurred(kind);
  else feedback.impactOccurred("light");
}

// The bottom button and the back button, where Telegram has them (version 6.1+).
export function nativeButtons(tg) {
  const app = tg.native;
  const has = (name) => Boolean(app?.[name]) && (!app.isVersionAtLeast || app.isVersionAtLeast("6.1"));
  let mainHandler = null;
  let backHandler = null;
  return {
    main: has("MainButton"),
    showMain(text, onClick) {
      if (!has("MainButton")) return;
      if (mainHandler) app.MainButton.offClick(mainHandler);
      mainHandler = onClick;
      app.MainButton.setText(text);
      app.MainButton.onClick(mainHandler);
      app.MainButton.show();
    },
    mainProgress(on) {
      if (!has("MainButton")) return;
      if (on) app.MainButton.showProgress(false); else app.MainButton.hideProgress();
    },
    hideMain() {
      if (!has("MainButton")) return;
      if (mainHandler) app.MainButton.offClick(mainHandler);
      mainHandler = null;
      app.MainButton.hide();
    },
    showBack(onClick) {
      if (!has("BackButton")) return;
      if (backHandler) app.BackButton.offClick(backHandler);
      backHandler = onClick;
      app.BackButton.onClick(backHandler);
      app.BackButton.show();
    },
    hideBack() {
      if (!has("BackButton")) return;
      if (backHandler) app.BackButton.offClick(backHandler);
      backHandler = null;
      app.BackButton.hide();
    },
  };
}

// themeParams → the --tg-theme-* CSS variables (Telegram's script sets them too; the fragment path needs us to).
export function applyTheme(tg) {
  const root = document.documentElement;
  for (const [key, value] of Object.entries(tg.themeParams || {})) {
    if (typeof value === "string" && /^#[0-9a-fA-F]{3,8}$/.test(value)) {
      root.style.setProperty(`--tg-theme-${key.replaceAll("_", "-")}`, value);
    }
  }
  const scheme = tg.native?.colorScheme || schemeOf(tg.themeParams?.bg_color);
  if (scheme) root.dataset.scheme = scheme;
}

function schemeOf(color) {
  if (typeof color !== "string" || !/^#[0-9a-fA-F]{6}$/.test(color)) return null;
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(color.slice(i, i + 2), 16));
  return 0.299 * r + 0.587 * g + 0.114 * b < 128 ? "dark" : "light";
}
