"""Settings from ``STARSHOP_*`` environment variables (and an optional ``.env``), validated at start.

``Settings`` is the one table of settings: each field is declared once with its variable, parser, default and doc
(``setting(...)``); ``load_settings`` reads the environment through those declarations and docs/configuration.md
is generated from them (``python -m starshop.entrypoints.settings_doc``). Every problem is reported on its own line
naming the setting; secrets are wrapped in ``Secret`` and URLs show their password masked, so neither prints.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs

from starshop.application.config import ShopConfig
from starshop.domain import Currency, DomainError, Money, PremiumPrices, PurchasePolicy, UnderpaymentPolicy
from starshop.entrypoints.envfile import read_dotenv
from starshop.entrypoints.settings_fields import (
    PREFIX,
    Secret,
    Setting,
    SettingsError,
    choice,
    currency_code,
    decimal,
    declared,
    key_prefix,
    origins,
    percent_below_100,
    premium_prices,
    rate_limit_rules,
    redact_url,
    seconds,
    secret,
    secrets,
    setting,
    text,
    underpayment_policy,
    url,
    user_ids,
    whole,
    words,
)

__all__ = [
    "PREFIX",
    "SANDBOX_BOT_TOKEN",
    "SETTINGS",
    "SQLITE_DEFAULT",
    "TASK_CONCURRENCY",
    "AuthSettings",
    "BotSettings",
    "DatabaseSettings",
    "FragmentSettings",
    "HeleketSettings",
    "RateLimitSettings",
    "RedisSettings",
    "SandboxPaymentSettings",
    "Secret",
    "Sections",
    "ServerSettings",
    "Settings",
    "SettingsError",
    "WebhookSettings",
    "WorkerSettings",
    "load_settings",
    "read_dotenv",
]

# The public token the sandbox signs Mini App initData with; trusted only where ``Settings.sandbox`` holds.
SANDBOX_BOT_TOKEN = "0:sandbox"
SQLITE_DEFAULT = "sqlite+aiosqlite:///./starshop.db"
TASK_CONCURRENCY = 8  # delivery tasks one worker handles at once on the Redis queue

# The groups of the docs' tables, in the order the fields below first use them.
RUNTIME = "Runtime"
STORES = "Database and Redis"
PAYMENTS = "Payments (Heleket)"
DELIVERY = "Delivery (Fragment)"
PRICES = "Prices and limits"
ACCESS = "Access"

HTTP = url("http", "https")
DATABASE = url("postgresql+asyncpg", "sqlite+aiosqlite")
REDIS = url("redis", "rediss", "redis+cluster", "rediss+cluster")


@attrs.frozen(kw_only=True)
class Settings:
    """Every ``STARSHOP_*`` setting, declared once: ``STARSHOP_`` + the attribute in capitals (unless ``env=``)."""

    env: str = setting(
        "development",
        choice("development", "production"),
        group=RUNTIME,
        doc="Production refuses every stand-in: it requires `DATABASE_URL`, `REDIS_URL`, Heleket keys, a Fragment"
        " seed and `PUBLIC_URL`, and never mounts the sandbox.",
    )
    host: str = setting("127.0.0.1", text(), group=RUNTIME, doc="listen address (`--host` overrides)")
    port: int = setting("8000", whole(1, 65_535), group=RUNTIME, doc="listen port (`--port` overrides)")
    worker_port: int = setting(
        "8001",
        whole(0, 65_535),
        group=RUNTIME,
        doc="health and metrics of `starshop worker` and `starshop bot` (`0`: any free port, logged)",
    )
    public_url: str | None = setting(
        None,
        HTTP,
        shown="`http://HOST:PORT`",
        group=RUNTIME,
        doc="the address the world reaches us at; Heleket's `url_callback` is `PUBLIC_URL/webhooks/heleket`",
    )
    log_level: str = setting(
        "INFO",
        choice("DEBUG", "INFO", "WARNING", "ERROR", any_case=True),
        group=RUNTIME,
        doc="least severe log record written",
    )
    log_format: str = setting(
        "text",
        choice("text", "json"),
        group=RUNTIME,
        doc="`json`: one object per line with `request_id` / `update_id`",
    )
    relay_interval: float = setting(
        "1",
        seconds(),
        group=RUNTIME,
        doc="between outbox relays when idle (the worker); while events keep coming it relays again after 20 ms, at"
        " once after a full batch of 100",
    )
    sweep_interval: float = setting(
        "30", seconds(), group=RUNTIME, doc="between sweeps (purchase and invoice reconciliation)"
    )

    database_url: str | None = setting(
        None,
        DATABASE,
        shown="SQLite `./starshop.db`",
        group=STORES,
        doc="`postgresql+asyncpg://user:password@host:5432/db` or `sqlite+aiosqlite:///path`. The embedded SQLite"
        " file is migrated on start; a configured database must be migrated with `starshop migrate`, or start-up"
        " stops with one line saying so.",
    )
    database_replica_url: str | None = setting(
        None,
        DATABASE,
        shown="none",
        group=STORES,
        doc="a read-only replica for history and statistics; every read that decides about money uses the primary",
    )
    database_pool_size: int = setting(
        "10",
        whole(1, 500),
        group=STORES,
        doc="connections per process, kept open; a unit of work waits up to 30 s for a free one (a replica has a"
        " pool of its own)",
    )
    database_statement_timeout: int = setting(
        "30000", whole(100, 3_600_000), group=STORES, doc="Postgres `statement_timeout` in milliseconds"
    )
    redis_url: str | None = setting(
        None,
        REDIS,
        shown="in-process twins",
        group=STORES,
        doc="`redis://host:6379/0`, `rediss://…`, or a cluster: `redis+cluster://host:7000`",
    )
    redis_prefix: str = setting(
        "starshop:", key_prefix(), group=STORES, doc="prefix of every Redis key (several shops can share a server)"
    )
    redis_down_refuses: frozenset[str] = setting(
        "recharge,purchase",
        words(),
        group=STORES,
        doc='actions the rate limiter refuses ("try again shortly") while Redis is unreachable; every other action'
        " is allowed",
    )
    rate_limits: Mapping[str, tuple[int, float]] = setting(
        "message=30/60,recharge=10/60,purchase=10/60",
        rate_limit_rules(),
        group=STORES,
        doc="hits per window (seconds) per user and action; actions not listed are not limited",
    )
    broadcast_rate: int = setting(
        "30",
        whole(1, 30),
        group=STORES,
        doc="broadcast messages per second, all worker processes together (shared through Redis when it is set);"
        " Telegram allows about 30. Turns are spaced 10% wider so network jitter never puts more in one second",
    )

    heleket_merchant: str | None = setting(
        None, text(), shown="none (sandbox)", group=PAYMENTS, doc="merchant UUID; set together with the payment key"
    )
    heleket_payment_key: Secret | None = setting(
        None,
        secret(),
        shown="none (sandbox)",
        group=PAYMENTS,
        doc="the **payment** key (signs requests, verifies webhooks)",
    )
    heleket_url: str = setting("https://api.heleket.com", HTTP, group=PAYMENTS, doc="API base URL")
    heleket_allowed_ips: frozenset[str] = setting(
        "",
        words(),
        shown="off",
        group=PAYMENTS,
        doc="source addresses allowed to send webhooks (Heleket's is `31.133.220.8`)",
    )
    trusted_proxies: frozenset[str] = setting(
        "",
        words(),
        shown="none",
        group=PAYMENTS,
        doc="addresses of our own proxies whose `X-Forwarded-For` is believed",
    )
    invoice_lifetime: int = setting(
        "3600", whole(300, 43_200), group=PAYMENTS, doc="how long an invoice can be paid, seconds"
    )
    underpayment: UnderpaymentPolicy = setting(
        "none",
        underpayment_policy(),
        env="UNDERPAYMENT_POLICY",
        group=PAYMENTS,
        doc="a final underpayment credits nothing (`none`) or what was received (`pro_rata`); flagged either way."
        " An underpaid invoice of a purchase never funds it: the purchase is cancelled, what was received (with"
        " `pro_rata`) stays on the balance, and the rest is never taken from the user's other money; they may buy"
        " again paying from the balance",
    )

    fragment_seed: Secret | None = setting(
        None,
        secret(),
        shown="none (sandbox)",
        group=DELIVERY,
        doc="the TON wallet's 24 words, sent to the hosted service (read docs/fragment.md first)",
    )
    fragment_cookies: Secret | None = setting(
        None,
        secret(),
        shown="none",
        group=DELIVERY,
        doc="Fragment cookies: the KYC route is used and recipients are checked before money moves",
    )
    fragment_url: str = setting("https://api.fragment-api.net", HTTP, group=DELIVERY, doc="the hosted service")
    fragment_timeout: float = setting("120", seconds(), group=DELIVERY, doc="read timeout of a purchase call")
    delivery_requeue_after: float = setting(
        "60", seconds(), group=DELIVERY, doc="a funded purchase nobody claimed for this long is queued again"
    )
    delivery_lookup_after: float = setting(
        "180",
        seconds(),
        group=DELIVERY,
        doc="an attempt this old is looked up at the provider; must exceed `FRAGMENT_TIMEOUT` by more than 5 s",
    )
    delivery_unknown_deadline: float = setting(
        "1800", seconds(), group=DELIVERY, doc="an outcome still unknown after this long is flagged for an operator"
    )
    wallet_floor: Decimal | None = setting(
        None,
        decimal(),
        shown="off",
        group=DELIVERY,
        doc="TON; below it, sales pause with a clear message and no money is taken",
    )

    currency: Currency = setting("USD", currency_code(), group=PRICES, doc="balance and invoice currency")
    price_per_star: Decimal = setting(
        "0.015", decimal(positive=True), group=PRICES, doc="price of one star in that currency"
    )
    markup: Decimal = setting(
        "0.10",
        decimal(),
        group=PRICES,
        doc="fraction added (0.10 = 10 %); the charge is rounded **up** to the currency's unit",
    )
    max_stars: int = setting(
        "10000", whole(50, 1_000_000), group=PRICES, doc="most stars per purchase (the least is 50)"
    )
    daily_purchases: int | None = setting(
        None, whole(1, 1_000_000), shown="off", group=PRICES, doc="purchases per user per UTC day"
    )
    daily_stars: int | None = setting(
        None, whole(50, 100_000_000), shown="off", group=PRICES, doc="stars per user per UTC day"
    )
    min_recharge: Decimal = setting(
        "1", decimal(positive=True), group=PRICES, doc="smallest top-up, at most the currency's decimals"
    )
    max_recharge: Decimal = setting(
        "10000", decimal(positive=True), group=PRICES, doc="largest top-up, at most the currency's decimals"
    )
    operator_max_amount: Decimal = setting(
        "1000",
        decimal(positive=True),
        group=PRICES,
        doc="largest bonus or adjustment (either sign) one operator action may move, API and bot alike; at most the"
        " currency's decimals",
    )
    referral_percent: Decimal = setting(
        "0",
        percent_below_100(),
        group=PRICES,
        doc="what a referrer earns when a purchase of a user they invited completes, in percent of its price (rounded"
        " down); 0 turns rewards off",
    )

    premium_prices: Mapping[int, Decimal] = setting(
        "",
        premium_prices(),
        shown="off (Premium not sold)",
        group=PRICES,
        doc="Telegram Premium gifts and their prices in the shop's currency, e.g. `3:12.99,6:16.99,12:29.99` (only 3,"
        " 6 and 12 months, each once; at most the currency's decimals). Unset: Premium is not sold (its routes answer"
        " 404 `premium_not_sold`, the bot shows no Premium button). The default of the run-time shop setting"
        " `premium_prices`, which operators change in the console (docs/api.md)",
    )

    bot_token: Secret | None = setting(
        None,
        secret(),
        shown="none",
        group=ACCESS,
        doc="the Telegram bot token; also the key of Mini App `initData`. Without it, a shop that is a sandbox"
        " throughout signs initData with a public sandbox token (see `/sandbox/login`); any other shop (real Heleket"
        " keys, real delivery, production) refuses every Mini App request",
    )
    bot_mode: str = setting(
        "polling",
        choice("polling", "webhook"),
        group=ACCESS,
        doc="`webhook` needs `BOT_TOKEN`, `BOT_WEBHOOK_SECRET` and `PUBLIC_URL`",
    )
    bot_webhook_secret: Secret | None = setting(
        None, secret(), shown="none", group=ACCESS, doc="Telegram's `X-Telegram-Bot-Api-Secret-Token`"
    )
    telegram_url: str | None = setting(None, HTTP, shown="Telegram", group=ACCESS, doc="a local Bot API server")
    admin_ids: frozenset[int] = setting(
        "",
        user_ids(),
        shown="none",
        group=ACCESS,
        doc="Telegram user ids of operators (bot commands; the operator API and the console at `/admin` opened as a"
        " Mini App)",
    )
    api_keys: frozenset[Secret] = setting(
        "",
        secrets(),
        shown="none",
        group=ACCESS,
        doc="operator keys for `X-API-Key` and the console's sign-in (without any, only `STARSHOP_ADMIN_IDS` inside"
        " Telegram reach the operator API)",
    )
    init_data_max_age: int = setting(
        "86400", whole(1, 30 * 86_400), group=ACCESS, doc="oldest Mini App `auth_date` accepted, seconds ago"
    )
    cors_origins: tuple[str, ...] = setting(
        "",
        origins(),
        shown="off (no cross-origin calls)",
        group=ACCESS,
        doc="browser origins (`https://shop.example`, exactly as a browser sends `Origin`) whose pages may call the"
        " API from another origin: a storefront hosted elsewhere. `*` is refused, and production accepts only"
        " `https://` origins. No cookies are involved (the API authenticates by header), so credentials are never"
        " allowed; the storefront at `/app` is same-origin and needs none of this",
    )

    @property
    def production(self) -> bool:
        return self.env == "production"

    @property
    def sandbox_payments(self) -> bool:
        return self.heleket_merchant is None

    @property
    def sandbox_delivery(self) -> bool:
        return self.fragment_seed is None

    @property
    def sandbox(self) -> bool:
        """The whole shop is a sandbox: simulated payments and deliveries, outside production. Only then are the
        ``/sandbox`` routes mounted and the public sandbox token trusted."""
        return self.sandbox_payments and self.sandbox_delivery and not self.production

    def mini_app_token(self) -> str | None:
        """The token Mini App initData is checked with: the bot's; the public sandbox token only in a whole
        sandbox; else none, and every Mini App request is refused."""
        if self.bot_token is not None:
            return self.bot_token.reveal()
        return SANDBOX_BOT_TOKEN if self.sandbox else None

    def simulated(self) -> str | None:
        """The start-up banner's line on what is simulated, or ``None`` when nothing is."""
        if self.sandbox:
            return "SANDBOX: payments and deliveries are simulated; nothing real is charged or bought"
        if self.sandbox_delivery:
            return "SANDBOX DELIVERY: payments are REAL (Heleket) but deliveries are simulated; no stars are bought"
        return None

    @property
    def base_url(self) -> str:
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")

    def policy(self) -> PurchasePolicy:
        return PurchasePolicy(
            currency=self.currency,
            price_per_star=self.price_per_star,
            markup=self.markup,
            max_stars=self.max_stars,
            daily_purchases=self.daily_purchases,
            daily_stars=self.daily_stars,
        )

    def premium(self) -> PremiumPrices:
        return PremiumPrices(currency=self.currency, prices=self.premium_prices)

    def shop_config(self) -> ShopConfig:
        return ShopConfig(
            currency=self.currency,
            min_recharge=Money.of(self.min_recharge, self.currency),
            max_recharge=Money.of(self.max_recharge, self.currency),
            invoice_lifetime=timedelta(seconds=self.invoice_lifetime),
            underpayment=self.underpayment,
            wallet_floor=self.wallet_floor,
            requeue_after=timedelta(seconds=self.delivery_requeue_after),
            lookup_after=timedelta(seconds=self.delivery_lookup_after),
            unknown_deadline=timedelta(seconds=self.delivery_unknown_deadline),
            operator_max_amount=self.operator_max_amount,
            referral_percent=self.referral_percent,
        )

    def sections(self) -> Sections:
        """The typed sections each part of the shop reads; which adapters serve is decided here."""
        redis = RedisSettings(url=self.redis_url, prefix=self.redis_prefix) if self.redis_url else None
        payments: HeleketSettings | SandboxPaymentSettings = SandboxPaymentSettings(base_url=self.base_url)
        if self.heleket_merchant is not None and self.heleket_payment_key is not None:
            payments = HeleketSettings(
                merchant=self.heleket_merchant,
                payment_key=self.heleket_payment_key,
                url=self.heleket_url,
                callback_url=f"{self.base_url}/webhooks/heleket",
                lifetime=self.invoice_lifetime,
            )
        delivery = None
        if self.fragment_seed is not None:
            delivery = FragmentSettings(
                seed=self.fragment_seed,
                cookies=self.fragment_cookies,
                url=self.fragment_url,
                timeout=self.fragment_timeout,
            )
        bot = None
        if self.bot_token is not None:
            bot = BotSettings(
                token=self.bot_token,
                mode=self.bot_mode,
                webhook_secret=self.bot_webhook_secret,
                telegram_url=self.telegram_url,
                admin_ids=self.admin_ids,
                base_url=self.base_url,
                storage_redis=redis,
            )
        mini_app = self.mini_app_token()
        return Sections(
            policy=self.policy(),
            premium=self.premium(),
            config=self.shop_config(),
            database=DatabaseSettings(
                url=self.database_url or SQLITE_DEFAULT,
                replica_url=self.database_replica_url,
                pool_size=self.database_pool_size,
                statement_timeout_ms=self.database_statement_timeout,
            ),
            redis=redis,
            rate_limits=RateLimitSettings(
                limits=dict(self.rate_limits),
                refuse_when_down=self.redis_down_refuses,
                broadcast_per_second=self.broadcast_rate,
            ),
            payments=payments,
            delivery=delivery,
            bot=bot,
            auth=AuthSettings(
                mini_app_token=Secret(mini_app) if mini_app is not None else None,
                init_data_max_age=self.init_data_max_age,
                api_keys=self.api_keys,
                admin_ids=self.admin_ids,
            ),
            webhook=WebhookSettings(allowed_sources=self.heleket_allowed_ips, trusted_proxies=self.trusted_proxies),
            worker=WorkerSettings(relay_every=self.relay_interval, sweep_every=self.sweep_interval),
            server=ServerSettings(
                host=self.host,
                port=self.port,
                base_url=self.base_url,
                sandbox=self.sandbox,
                cors_origins=self.cors_origins,
            ),
        )

    def describe(self) -> list[str]:
        """What is in use, one line each, for the start-up log (no secrets)."""
        return [
            f"environment: {self.env}",
            f"database: {redact_url(self.database_url) if self.database_url else 'SQLite ./starshop.db (embedded)'}",
            f"redis: {redact_url(self.redis_url) if self.redis_url else 'in-process twins (embedded)'}",
            "payments: "
            + ("SANDBOX (no real money)" if self.sandbox_payments else f"Heleket at {redact_url(self.heleket_url)}"),
            "delivery: "
            + ("SANDBOX (no stars)" if self.sandbox_delivery else f"Fragment API at {redact_url(self.fragment_url)}"),
            f"bot: {self.bot_mode if self.bot_token else 'off (no STARSHOP_BOT_TOKEN)'}",
            "mini app sign-in: "
            + (
                "the bot's token"
                if self.bot_token
                else "SANDBOX token (anyone can sign)"
                if self.sandbox
                else "off (no STARSHOP_BOT_TOKEN)"
            ),
        ]


def _url_repr(value: str | None) -> str:
    return repr(None if value is None else redact_url(value))


# The sections: each technology's provider reads its own, typed, from the container's context (``Settings.sections``).
# Where a section field is a setting, its default is the setting's (``DEFAULT``), never written again.

DEFAULT = Settings()


@attrs.frozen(kw_only=True)
class DatabaseSettings:
    url: str = attrs.field(default=SQLITE_DEFAULT, repr=_url_repr)
    replica_url: str | None = attrs.field(default=None, repr=_url_repr)
    pool_size: int = DEFAULT.database_pool_size
    statement_timeout_ms: int = DEFAULT.database_statement_timeout


@attrs.frozen(kw_only=True)
class RedisSettings:
    url: str = attrs.field(repr=_url_repr)
    prefix: str = DEFAULT.redis_prefix


@attrs.frozen(kw_only=True)
class RateLimitSettings:
    limits: Mapping[str, tuple[int, float]] = attrs.field(factory=dict)
    refuse_when_down: frozenset[str] = frozenset()
    broadcast_per_second: float = DEFAULT.broadcast_rate


@attrs.frozen(kw_only=True)
class HeleketSettings:
    merchant: str
    payment_key: Secret
    url: str
    callback_url: str
    lifetime: int


@attrs.frozen(kw_only=True)
class SandboxPaymentSettings:
    """Invoices paid on our own ``/sandbox`` page at ``base_url``."""

    base_url: str


@attrs.frozen(kw_only=True)
class FragmentSettings:
    seed: Secret
    cookies: Secret | None
    url: str
    timeout: float


@attrs.frozen(kw_only=True)
class BotSettings:
    """``storage_redis``: where dialogs and ``/lang`` choices are kept (memory when ``None``)."""

    token: Secret
    mode: str = DEFAULT.bot_mode
    webhook_secret: Secret | None = None
    telegram_url: str | None = None
    admin_ids: frozenset[int] = frozenset()
    base_url: str = DEFAULT.base_url
    storage_redis: RedisSettings | None = None


@attrs.frozen(kw_only=True)
class AuthSettings:
    """``mini_app_token`` signs Mini App initData (``None``: every Mini App request is refused)."""

    mini_app_token: Secret | None = None
    init_data_max_age: int = DEFAULT.init_data_max_age
    api_keys: frozenset[Secret] = frozenset()
    admin_ids: frozenset[int] = frozenset()


@attrs.frozen(kw_only=True)
class WebhookSettings:
    """``max_body_bytes`` is the one size limit of a webhook body (413 above it); ``allowed_sources`` empty means the
    address check is off; ``trusted_proxies`` are the only peers whose ``X-Forwarded-For`` is believed."""

    max_body_bytes: int = 64 * 1024
    allowed_sources: frozenset[str] = frozenset()
    trusted_proxies: frozenset[str] = frozenset()


@attrs.frozen(kw_only=True)
class WorkerSettings:
    relay_every: float = DEFAULT.relay_interval
    sweep_every: float = DEFAULT.sweep_interval


@attrs.frozen(kw_only=True)
class ServerSettings:
    """``cors_origins``: the only origins whose pages may call the API cross-origin (none: CORS is off)."""

    host: str = DEFAULT.host
    port: int = DEFAULT.port
    base_url: str = DEFAULT.base_url
    sandbox: bool = False
    cors_origins: tuple[str, ...] = DEFAULT.cors_origins


@attrs.frozen(kw_only=True)
class Sections:
    """What the container is built from. ``database=None`` is the in-memory store (the test kit, an embedder's
    tests); ``redis=None`` the in-process twins; ``delivery=None`` the sandbox delivery; ``bot=None`` no bot."""

    policy: PurchasePolicy
    config: ShopConfig
    premium: PremiumPrices | None = None  # None: Premium is not sold
    database: DatabaseSettings | None = attrs.field(factory=DatabaseSettings)
    redis: RedisSettings | None = None
    rate_limits: RateLimitSettings = attrs.field(factory=RateLimitSettings)
    payments: HeleketSettings | SandboxPaymentSettings = attrs.field(
        factory=lambda: SandboxPaymentSettings(base_url=ServerSettings().base_url)
    )
    delivery: FragmentSettings | None = None
    bot: BotSettings | None = None
    auth: AuthSettings = attrs.field(factory=AuthSettings)
    webhook: WebhookSettings = attrs.field(factory=WebhookSettings)
    worker: WorkerSettings = attrs.field(factory=WorkerSettings)
    server: ServerSettings = attrs.field(factory=ServerSettings)


SETTINGS: tuple[Setting, ...] = declared(Settings)
_BY_ATTRIBUTE = {s.attribute: s for s in SETTINGS}


def _name(attribute: str) -> str:
    return _BY_ATTRIBUTE[attribute].name


def load_settings(environ: Mapping[str, str] | None = None, *, dotenv: Path | None = Path(".env")) -> Settings:
    """``Settings`` from the environment (``environ`` or ``os.environ``) over the ``.env`` file's values;
    ``SettingsError`` lists every problem, one line each, naming the setting."""
    env = read_dotenv(dotenv) if dotenv is not None else {}
    env.update(os.environ if environ is None else environ)
    values, problems = _parse(env)
    settings = Settings(**values)
    problems += _cross_checks(settings) + _money_checks(settings)
    if problems:
        raise SettingsError(problems)
    return settings


def _parse(env: Mapping[str, str]) -> tuple[dict[str, Any], list[str]]:
    values: dict[str, Any] = {}
    problems = []
    for s in SETTINGS:
        raw = env.get(s.name, "").strip()
        path = env.get(f"{s.name}_FILE", "").strip()
        if path:  # STARSHOP_<NAME>_FILE: the value is the file's content (compose and Kubernetes secrets)
            if raw:
                problems.append(f"{s.name} and {s.name}_FILE are both set: keep one")
                continue
            try:
                raw = Path(path).read_text(encoding="utf-8").strip()
            except (OSError, UnicodeDecodeError) as exc:
                reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else "not readable as UTF-8 text"
                problems.append(f"{s.name}_FILE: cannot read {path}: {reason}")
                continue
        if not raw:
            continue
        try:
            values[s.attribute] = s.parser(raw)
        except (ValueError, ArithmeticError, DomainError) as exc:
            reason = " ".join(str(exc).split())
            if s.parser.sensitive and raw in reason:  # a parser's message must never carry a secret
                reason = "malformed (the value is not shown)"
            problems.append(f"{s.name}: {reason}")
    return values, problems


def _cross_checks(s: Settings) -> list[str]:
    """What no single setting can tell: settings that go together, and production's refusals."""
    problems = []
    if (s.heleket_merchant is None) != (s.heleket_payment_key is None):
        problems.append(f"{_name('heleket_merchant')} and {_name('heleket_payment_key')} must be set together")
    if s.fragment_seed is not None and s.heleket_merchant is None and s.heleket_payment_key is None:
        problems.append(
            f"{_name('fragment_seed')} is set without {_name('heleket_merchant')} and {_name('heleket_payment_key')}:"
            " sandbox payments must never fund real deliveries; set the Heleket keys or remove the seed"
        )
    if s.fragment_cookies is not None and s.fragment_seed is None:
        problems.append(f"{_name('fragment_cookies')} needs {_name('fragment_seed')}")
    if s.bot_mode == "webhook":
        for attribute in ("bot_token", "bot_webhook_secret", "public_url"):
            if getattr(s, attribute) is None:
                problems.append(f"{_name(attribute)} is required when {_name('bot_mode')}=webhook")
    if s.production:
        needed = {
            "database_url": "a Postgres database",
            "redis_url": "Redis",
            "heleket_merchant": "real Heleket keys (sandbox payments are refused in production)",
            "fragment_seed": "a real delivery provider (sandbox delivery is refused in production)",
            "public_url": "the public URL Heleket calls back",
        }
        for attribute, why in needed.items():
            if getattr(s, attribute) is None:
                problems.append(f"{_name(attribute)} is required in production: {why}")
        for attribute in ("database_url", "database_replica_url"):
            if str(getattr(s, attribute) or "").startswith("sqlite"):
                problems.append(f"{_name(attribute)} must be Postgres in production, not SQLite")
        plain = [o for o in s.cors_origins if not o.startswith("https://")]
        if plain:
            problems.append(f"{_name('cors_origins')} must list only https:// origins in production, not {plain[0]}")
    lookup, timeout = s.delivery_lookup_after, s.fragment_timeout
    if lookup <= timeout + 5:
        problems.append(
            f"{_name('delivery_lookup_after')} ({lookup:g} s) must exceed {_name('fragment_timeout')} ({timeout:g} s)"
            " by more than 5 s, or a purchase still in flight could be looked up as missing"
        )
    if s.min_recharge > s.max_recharge:
        problems.append(f"{_name('min_recharge')} must not exceed {_name('max_recharge')}")
    return problems


def _money_checks(s: Settings) -> list[str]:
    """Amounts of money must fit the currency's decimals; each is named on its own."""
    problems = []
    for attribute in ("min_recharge", "max_recharge", "operator_max_amount"):
        try:
            Money.of(getattr(s, attribute), s.currency)
        except DomainError as exc:
            problems.append(f"{_name(attribute)}: {exc}")
    if not problems:
        try:
            s.policy()
            s.shop_config()
        except (DomainError, ArithmeticError) as exc:
            problems.append(f"{_name('price_per_star')} / {_name('markup')} / {_name('max_stars')}: {exc}")
        try:
            s.premium()
        except DomainError as exc:
            problems.append(f"{_name('premium_prices')}: {exc}")
    return problems
