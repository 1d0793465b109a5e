"""Settings from ``STARSHOP_*`` environment variables (and an optional ``.env``), validated at start.

Every problem is reported on its own line; secrets are wrapped in ``Secret`` so they never print.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, TypeVar

import attrs

from starshop.application.config import ShopConfig
from starshop.domain import Currency, DomainError, Money, PurchasePolicy, UnderpaymentPolicy

# The public token the sandbox signs Mini App initData with; trusted only where ``Settings.sandbox`` holds.
SANDBOX_BOT_TOKEN = "0:sandbox"
SQLITE_DEFAULT = "sqlite+aiosqlite:///./starshop.db"
TASK_CONCURRENCY = 8  # delivery tasks one worker handles at once on the Redis queue

PREFIX = "STARSHOP_"
T = TypeVar("T")


@attrs.frozen(repr=False)
class Secret:
    """Prints as ``***`` in logs, errors and reprs; ``reveal()`` gives it to the one place that needs it."""

    _value: str

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__


# The sections: each technology's provider reads its own, typed, from the container's context (``Settings.sections``).


@attrs.frozen(kw_only=True)
class DatabaseSettings:
    url: str = SQLITE_DEFAULT
    replica_url: str | None = None
    pool_size: int = 10
    statement_timeout_ms: int = 30_000


@attrs.frozen(kw_only=True)
class RedisSettings:
    url: str
    prefix: str = "starshop:"


@attrs.frozen(kw_only=True)
class RateLimitSettings:
    limits: Mapping[str, tuple[int, float]] = attrs.field(factory=dict)
    refuse_when_down: frozenset[str] = frozenset()


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
    mode: str = "polling"
    webhook_secret: Secret | None = None
    telegram_url: str | None = None
    admin_ids: frozenset[int] = frozenset()
    base_url: str = "http://127.0.0.1:8000"
    storage_redis: RedisSettings | None = None


@attrs.frozen(kw_only=True)
class AuthSettings:
    """``mini_app_token`` signs Mini App initData (``None``: every Mini App request is refused)."""

    mini_app_token: Secret | None = None
    init_data_max_age: int = 86_400
    api_keys: frozenset[Secret] = frozenset()


@attrs.frozen(kw_only=True)
class WebhookSettings:
    """``max_body_bytes`` is the one size limit of a webhook body (413 above it); ``allowed_sources`` empty means the
    address check is off; ``trusted_proxies`` are the only peers whose ``X-Forwarded-For`` is believed."""

    max_body_bytes: int = 64 * 1024
    allowed_sources: frozenset[str] = frozenset()
    trusted_proxies: frozenset[str] = frozenset()


@attrs.frozen(kw_only=True)
class WorkerSettings:
    relay_every: float = 1.0
    sweep_every: float = 30.0


@attrs.frozen(kw_only=True)
class ServerSettings:
    host: str = "127.0.0.1"
    port: int = 8000
    base_url: str = "http://127.0.0.1:8000"
    sandbox: bool = False


@attrs.frozen(kw_only=True)
class Sections:
    """What the container is built from. ``database=None`` is the in-memory store (the test kit, an embedder's
    tests); ``redis=None`` the in-process twins; ``delivery=None`` the sandbox delivery; ``bot=None`` no bot."""

    policy: PurchasePolicy
    config: ShopConfig
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


class SettingsError(Exception):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@attrs.frozen(kw_only=True)
class Settings:
    env: str = "development"
    host: str = "127.0.0.1"
    port: int = 8000
    worker_port: int = 8001  # health and metrics of `starshop worker` and `starshop bot`; 0: any free port
    public_url: str | None = None
    log_level: str = "INFO"
    log_format: str = "text"
    database_url: str | None = None
    database_replica_url: str | None = None
    database_pool_size: int = 10
    database_statement_timeout: int = 30_000
    redis_url: str | None = None
    redis_prefix: str = "starshop:"
    redis_down_refuses: frozenset[str] = frozenset({"recharge", "purchase"})
    heleket_merchant: str | None = None
    heleket_payment_key: Secret | None = None
    heleket_url: str = "https://api.heleket.com"
    heleket_allowed_ips: frozenset[str] = frozenset()
    trusted_proxies: frozenset[str] = frozenset()
    fragment_url: str = "https://api.fragment-api.net"
    fragment_seed: Secret | None = None
    fragment_cookies: Secret | None = None
    fragment_timeout: float = 120.0
    delivery_requeue_after: float = 60.0
    delivery_lookup_after: float = 180.0
    delivery_unknown_deadline: float = 1800.0
    bot_token: Secret | None = None
    bot_mode: str = "polling"
    bot_webhook_secret: Secret | None = None
    telegram_url: str | None = None
    admin_ids: frozenset[int] = frozenset()
    api_keys: frozenset[Secret] = frozenset()
    init_data_max_age: int = 86_400
    currency: Currency = attrs.field(factory=lambda: Currency.of("USD"))
    price_per_star: Decimal = Decimal("0.015")
    markup: Decimal = Decimal("0.10")
    max_stars: int = 10_000
    daily_purchases: int | None = None
    daily_stars: int | None = None
    min_recharge: Decimal = Decimal(1)
    max_recharge: Decimal = Decimal(10_000)
    operator_max_amount: Decimal = Decimal(1000)
    invoice_lifetime: int = 3600
    underpayment: UnderpaymentPolicy = UnderpaymentPolicy.NONE
    wallet_floor: Decimal | None = None
    rate_limits: Mapping[str, tuple[int, float]] = attrs.field(
        factory=lambda: {"message": (30, 60.0), "recharge": (10, 60.0), "purchase": (10, 60.0)}
    )
    relay_interval: float = 1.0
    sweep_interval: float = 30.0

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
            config=self.shop_config(),
            database=DatabaseSettings(
                url=self.database_url or SQLITE_DEFAULT,
                replica_url=self.database_replica_url,
                pool_size=self.database_pool_size,
                statement_timeout_ms=self.database_statement_timeout,
            ),
            redis=redis,
            rate_limits=RateLimitSettings(limits=dict(self.rate_limits), refuse_when_down=self.redis_down_refuses),
            payments=payments,
            delivery=delivery,
            bot=bot,
            auth=AuthSettings(
                mini_app_token=Secret(mini_app) if mini_app is not None else None,
                init_data_max_age=self.init_data_max_age,
                api_keys=self.api_keys,
            ),
            webhook=WebhookSettings(allowed_sources=self.heleket_allowed_ips, trusted_proxies=self.trusted_proxies),
            worker=WorkerSettings(relay_every=self.relay_interval, sweep_every=self.sweep_interval),
            server=ServerSettings(host=self.host, port=self.port, base_url=self.base_url, sandbox=self.sandbox),
        )

    def describe(self) -> list[str]:
        """What is in use, one line each, for the start-up log (no secrets)."""
        return [
            f"environment: {self.env}",
            f"database: {_redact_url(self.database_url) if self.database_url else 'SQLite ./starshop.db (embedded)'}",
            f"redis: {_redact_url(self.redis_url) if self.redis_url else 'in-process twins (embedded)'}",
            "payments: " + ("SANDBOX (no real money)" if self.sandbox_payments else f"Heleket at {self.heleket_url}"),
            "delivery: " + ("SANDBOX (no stars)" if self.sandbox_delivery else f"Fragment API at {self.fragment_url}"),
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


def _redact_url(url: str) -> str:
    scheme, sep, rest = url.partition("://")
    if "@" in rest:
        creds, _, host = rest.rpartition("@")
        user = creds.split(":", 1)[0]
        return f"{scheme}{sep}{user}:***@{host}"
    return url


class _Reader:
    def __init__(self, environ: Mapping[str, str]) -> None:
        self.environ = environ
        self.problems: list[str] = []
        self.values: dict[str, Any] = {}

    def take(self, name: str, parse: Callable[[str], T], field: str | None = None) -> None:
        raw = self.environ.get(PREFIX + name)
        path = self.environ.get(f"{PREFIX}{name}_FILE", "").strip()
        if path:  # STARSHOP_<NAME>_FILE: the value is the file's content (compose and Kubernetes secrets)
            if raw is not None and raw.strip():
                self.problems.append(f"{PREFIX}{name} and {PREFIX}{name}_FILE are both set: keep one")
                return
            try:
                raw = Path(path).read_text(encoding="utf-8")
            except OSError as exc:
                self.problems.append(f"{PREFIX}{name}_FILE: cannot read {path}: {exc.strerror or exc}")
                return
        if raw is None or raw.strip() == "":
            return
        try:
            self.values[field or name.lower()] = parse(raw.strip())
        except (ValueError, ArithmeticError, InvalidOperation, DomainError) as exc:
            self.problems.append(f"{PREFIX}{name}: {exc}")


def _int(lo: int, hi: int) -> Callable[[str], int]:
    def parse(raw: str) -> int:
        try:
            value = int(raw)
        except ValueError:
            msg = f"must be a whole number, got {raw!r}"
            raise ValueError(msg) from None
        if not lo <= value <= hi:
            msg = f"must be between {lo} and {hi}, got {value}"
            raise ValueError(msg)
        return value

    return parse


def _decimal(*, positive: bool = False) -> Callable[[str], Decimal]:
    def parse(raw: str) -> Decimal:
        try:
            value = Decimal(raw)
        except InvalidOperation:
            msg = f"not a decimal number: {raw!r}"
            raise ValueError(msg) from None
        if not value.is_finite() or value < 0 or (positive and value == 0):
            msg = f"must be a {'positive' if positive else 'non-negative'} number, got {raw!r}"
            raise ValueError(msg)
        return value

    return parse


def _choice(*options: str) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        if raw not in options:
            msg = f"must be one of {', '.join(options)}, got {raw!r}"
            raise ValueError(msg)
        return raw

    return parse


def _url(*schemes: str) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        scheme = raw.partition("://")[0]
        if "://" not in raw or scheme not in schemes:
            msg = f"must be a URL starting with {' or '.join(s + '://' for s in schemes)}"
            raise ValueError(msg)
        return raw.rstrip("/") if scheme.startswith("http") else raw

    return parse


def _seconds(raw: str) -> float:
    return float(_decimal(positive=True)(raw))


def _prefix(raw: str) -> str:
    if not all(ch.isalnum() or ch in ":_-." for ch in raw):
        msg = "use letters, digits and : _ - . only"
        raise ValueError(msg)
    return raw


def _ids(raw: str) -> frozenset[int]:
    try:
        return frozenset(int(part) for part in raw.replace(" ", "").split(",") if part)
    except ValueError:
        msg = "must be a comma-separated list of Telegram user ids"
        raise ValueError(msg) from None


def _words(raw: str) -> frozenset[str]:
    return frozenset(part.strip() for part in raw.split(",") if part.strip())


def _secret(raw: str) -> Secret:
    return Secret(raw)


def _secrets(raw: str) -> frozenset[Secret]:
    return frozenset(Secret(word) for word in _words(raw))


def _limits(raw: str) -> dict[str, tuple[int, float]]:
    """``message=30/60,purchase=10/60``: action = hits per window in seconds."""
    limits: dict[str, tuple[int, float]] = {}
    for part in _words(raw):
        action, _, rule = part.partition("=")
        hits, _, window = rule.partition("/")
        try:
            limits[action.strip()] = (int(hits), float(window))
        except ValueError:
            msg = f"rate limits look like message=30/60,purchase=10/60; {part!r} does not"
            raise ValueError(msg) from None
        if int(hits) < 0 or not float(window) > 0:
            msg = f"{part!r}: hits must be >= 0 and the window > 0"
            raise ValueError(msg)
    return limits


def read_dotenv(path: Path) -> dict[str, str]:
    """``KEY=VALUE`` lines; ``#`` comments, optional ``export`` and quotes. The process environment wins."""
    values: dict[str, str] = {}
    if not path.is_file():
        return values
    for line in path.read_text(encoding="utf-8").splitlines():
        text = line.strip()
        if not text or text.startswith("#") or "=" not in text:
            continue
        key, _, value = text.removeprefix("export ").partition("=")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[key.strip()] = value
    return values


def load_settings(environ: Mapping[str, str] | None = None, *, dotenv: Path | None = Path(".env")) -> Settings:
    env = dict(read_dotenv(dotenv)) if dotenv is not None else {}
    env.update(os.environ if environ is None else environ)
    r = _Reader(env)
    r.take("ENV", _choice("development", "production"))
    r.take("HOST", str)
    r.take("PORT", _int(1, 65535))
    r.take("WORKER_PORT", _int(0, 65535))
    r.take("PUBLIC_URL", _url("http", "https"))
    r.take("LOG_LEVEL", _choice("DEBUG", "INFO", "WARNING", "ERROR"))
    r.take("LOG_FORMAT", _choice("text", "json"))
    r.take("DATABASE_URL", _url("postgresql+asyncpg", "sqlite+aiosqlite"))
    r.take("DATABASE_REPLICA_URL", _url("postgresql+asyncpg", "sqlite+aiosqlite"))
    r.take("DATABASE_POOL_SIZE", _int(1, 500))
    r.take("DATABASE_STATEMENT_TIMEOUT", _int(100, 3_600_000))
    r.take("REDIS_URL", _url("redis", "rediss", "redis+cluster", "rediss+cluster"))
    r.take("REDIS_PREFIX", _prefix)
    r.take("REDIS_DOWN_REFUSES", _words)
    r.take("HELEKET_MERCHANT", str)
    r.take("HELEKET_PAYMENT_KEY", _secret)
    r.take("HELEKET_URL", _url("http", "https"))
    r.take("HELEKET_ALLOWED_IPS", _words)
    r.take("TRUSTED_PROXIES", _words)
    r.take("FRAGMENT_URL", _url("http", "https"))
    r.take("FRAGMENT_SEED", _secret)
    r.take("FRAGMENT_COOKIES", _secret)
    r.take("FRAGMENT_TIMEOUT", _seconds)
    r.take("DELIVERY_REQUEUE_AFTER", _seconds)
    r.take("DELIVERY_LOOKUP_AFTER", _seconds)
    r.take("DELIVERY_UNKNOWN_DEADLINE", _seconds)
    r.take("BOT_TOKEN", _secret)
    r.take("BOT_MODE", _choice("polling", "webhook"))
    r.take("BOT_WEBHOOK_SECRET", _secret)
    r.take("TELEGRAM_URL", _url("http", "https"))
    r.take("ADMIN_IDS", _ids)
    r.take("API_KEYS", _secrets)
    r.take("INIT_DATA_MAX_AGE", _int(1, 30 * 86_400))
    r.take("CURRENCY", Currency.of)
    r.take("PRICE_PER_STAR", _decimal(positive=True))
    r.take("MARKUP", _decimal())
    r.take("MAX_STARS", _int(50, 1_000_000))
    r.take("DAILY_PURCHASES", _int(1, 1_000_000))
    r.take("DAILY_STARS", _int(50, 100_000_000))
    r.take("MIN_RECHARGE", _decimal(positive=True))
    r.take("MAX_RECHARGE", _decimal(positive=True))
    r.take("OPERATOR_MAX_AMOUNT", _decimal(positive=True))
    r.take("INVOICE_LIFETIME", _int(300, 43_200))
    r.take("UNDERPAYMENT_POLICY", UnderpaymentPolicy, "underpayment")
    r.take("WALLET_FLOOR", _decimal())
    r.take("RATE_LIMITS", _limits)
    r.take("RELAY_INTERVAL", _seconds)
    r.take("SWEEP_INTERVAL", _seconds)
    _cross_checks(r)
    if r.problems:
        raise SettingsError(r.problems)
    settings = Settings(**r.values)
    try:
        settings.policy()
        settings.shop_config().operator_ceiling  # noqa: B018 - built to be checked against the currency
    except DomainError as exc:
        names = "PRICE_PER_STAR / MIN_RECHARGE / MAX_RECHARGE / OPERATOR_MAX_AMOUNT"
        raise SettingsError([f"{PREFIX}{names}: {exc}"]) from None
    return settings


def _cross_checks(r: _Reader) -> None:
    v = r.values
    if ("heleket_merchant" in v) != ("heleket_payment_key" in v):
        r.problems.append(f"{PREFIX}HELEKET_MERCHANT and {PREFIX}HELEKET_PAYMENT_KEY must be set together")
    if "fragment_seed" in v and "heleket_merchant" not in v and "heleket_payment_key" not in v:
        r.problems.append(
            f"{PREFIX}FRAGMENT_SEED is set without {PREFIX}HELEKET_MERCHANT and {PREFIX}HELEKET_PAYMENT_KEY: sandbox"
            " payments must never fund real deliveries; set the Heleket keys or remove the seed"
        )
    if "fragment_cookies" in v and "fragment_seed" not in v:
        r.problems.append(f"{PREFIX}FRAGMENT_COOKIES needs {PREFIX}FRAGMENT_SEED")
    if v.get("bot_mode") == "webhook":
        for name in ("bot_token", "bot_webhook_secret", "public_url"):
            if name not in v:
                r.problems.append(f"{PREFIX}{name.upper()} is required when {PREFIX}BOT_MODE=webhook")
    if v.get("env") == "production":
        needed = {
            "database_url": "a Postgres database",
            "redis_url": "Redis",
            "heleket_merchant": "real Heleket keys (sandbox payments are refused in production)",
            "fragment_seed": "a real delivery provider (sandbox delivery is refused in production)",
            "public_url": "the public URL Heleket calls back",
        }
        for name, why in needed.items():
            if name not in v:
                r.problems.append(f"{PREFIX}{name.upper()} is required in production: {why}")
        for name in ("database_url", "database_replica_url"):
            if str(v.get(name, "")).startswith("sqlite"):
                r.problems.append(f"{PREFIX}{name.upper()} must be Postgres in production, not SQLite")
    lookup, timeout = v.get("delivery_lookup_after", 180.0), v.get("fragment_timeout", 120.0)
    if lookup <= timeout + 5:
        r.problems.append(
            f"{PREFIX}DELIVERY_LOOKUP_AFTER ({lookup:g} s) must exceed {PREFIX}FRAGMENT_TIMEOUT ({timeout:g} s) by more"
            " than 5 s, or a purchase still in flight could be looked up as missing"
        )
    if "min_recharge" in v and "max_recharge" in v and v["min_recharge"] > v["max_recharge"]:
        r.problems.append(f"{PREFIX}MIN_RECHARGE must not exceed {PREFIX}MAX_RECHARGE")
