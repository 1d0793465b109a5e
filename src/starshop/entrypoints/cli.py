"""The ``starshop`` command: ``run``, ``web``, ``worker``, ``bot``, ``migrate``, ``audit``. ``--help`` on each."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Callable, Coroutine, Sequence
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING

import attrs

import starshop
from starshop.entrypoints.settings import BotSettings, RedisSettings, Sections, Settings, SettingsError, load_settings

if TYPE_CHECKING:  # the runners import these only when they run: the command starts fast
    from dishka import AsyncContainer
    from litestar.types import ControllerRouterHandler

    from starshop.entrypoints.ioc.telegram import BotParts
    from starshop.entrypoints.observability import Metrics
    from starshop.entrypoints.runtime import Piece

log = logging.getLogger("starshop")


class StartupError(Exception):
    """A one-line reason the command cannot start (shown without a traceback)."""


def _database_url(settings: Settings) -> str:
    from starshop.entrypoints.settings import SQLITE_DEFAULT

    return settings.database_url or SQLITE_DEFAULT


async def _prepare_database(settings: Settings) -> None:
    """The embedded SQLite file is migrated on start; a configured database must already be at head."""
    from starshop.adapters.sqla.engine import create_engine
    from starshop.adapters.sqla.migrate import DatabaseNotReady, check_database, upgrade

    url = _database_url(settings)
    if settings.database_url is None:
        await upgrade(url)
    engine = create_engine(url, pool_size=1, max_overflow=0)
    try:
        await check_database(engine)
    except DatabaseNotReady as exc:
        raise StartupError(str(exc)) from None
    finally:
        await engine.dispose()


def _serve(settings: Settings, *, with_worker: bool) -> None:
    import uvicorn

    from starshop.entrypoints.ioc import build_container
    from starshop.entrypoints.observability import Metrics
    from starshop.entrypoints.runtime import closing
    from starshop.entrypoints.web import create_app
    from starshop.entrypoints.worker import worker_pieces

    asyncio.run(_prepare_database(settings))
    sections = settings.sections()
    metrics = Metrics()
    bot = _bot_parts(sections)
    container = build_container(sections, metrics=metrics, bot=bot)
    pieces: list[Piece] = []
    routes: list[ControllerRouterHandler] = []
    if bot is not None:
        pieces.append(partial(closing, bot.close))  # after the worker and the poller have ended: they send through it
    if with_worker:
        pieces += worker_pieces(container, sections.worker)
    if bot is not None and sections.bot is not None:
        mounted = _mount_bot(sections.bot, sections.redis, container, bot)
        pieces += mounted.pieces
        routes += mounted.routes
    app = create_app(
        container,
        metrics=metrics,
        sandbox=settings.sandbox,
        routes=routes,
        pieces=pieces,
        cors_origins=sections.server.cors_origins,
    )
    for line in settings.describe():
        log.info(line)
    print(f"starshop {starshop.__version__} serving on http://{settings.host}:{settings.port}", flush=True)
    simulated = settings.simulated()
    if simulated:
        print(simulated, flush=True)
    # proxy_headers=False: the client address comes from our own trusted-proxy setting, never from uvicorn.
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        proxy_headers=False,
        log_config=None,
        timeout_graceful_shutdown=30,
    )


def _bot_parts(sections: Sections) -> BotParts | None:
    if sections.bot is None:
        return None
    from starshop.entrypoints.ioc.telegram import make_bot_parts

    return make_bot_parts(sections.bot)


@attrs.frozen
class MountedBot:
    pieces: list[Piece]
    routes: list[ControllerRouterHandler]


def _mount_bot(
    settings: BotSettings, redis: RedisSettings | None, container: AsyncContainer, bot: BotParts
) -> MountedBot:
    """Polling: a background piece. Webhook: ``POST /webhooks/telegram`` on this app, the Dispatcher started with
    it, and the webhook registered with Telegram."""
    from starshop.entrypoints.bot import (
        UpdateDeduplicator,
        build_dispatcher,
        run_polling,
        set_bot_commands,
        storefront_url,
        telegram_lifespan,
        telegram_webhook_handler,
    )
    from starshop.entrypoints.runtime import in_background

    shop_url = storefront_url(settings.base_url)
    dp = build_dispatcher(container, storage=bot.storage, admin_ids=settings.admin_ids, shop_url=shop_url)
    if settings.mode == "polling":

        async def poll() -> None:
            await run_polling(bot.bot, dp, admin_ids=settings.admin_ids, handle_signals=False)

        return MountedBot(pieces=[partial(in_background, "telegram polling", poll, dp.stop_polling)], routes=[])
    secret = settings.webhook_secret.reveal() if settings.webhook_secret else ""
    shared = None
    if redis is not None:  # several web instances agree on which of them handles an update
        from starshop.adapters.redis import RedisCache, redis_from_url

        shared = RedisCache(redis_from_url(redis.url), prefix=redis.prefix)
    route = telegram_webhook_handler(dp, bot.bot, secret, deduplicator=UpdateDeduplicator(shared=shared))

    async def register() -> None:
        await set_bot_commands(bot.bot, admin_ids=settings.admin_ids, shop_url=shop_url)
        await bot.bot.set_webhook(
            f"{settings.base_url}/webhooks/telegram",
            secret_token=secret,
            allowed_updates=dp.resolve_used_update_types(),
        )
        log.info("telegram webhook set to %s/webhooks/telegram", settings.base_url)

    registration = partial(in_background, "telegram webhook registration", register, _nothing)
    return MountedBot(pieces=[telegram_lifespan(dp, bot.bot), registration], routes=[route])


def _nothing() -> None:
    return None


def _run(settings: Settings, _: argparse.Namespace) -> int:
    _serve(settings, with_worker=True)
    return 0


def _web(settings: Settings, _: argparse.Namespace) -> int:
    _serve(settings, with_worker=False)
    return 0


def _health_piece(settings: Settings, container: AsyncContainer, metrics: Metrics) -> Piece:
    """``/health/live``, ``/health/ready`` and ``/metrics`` on ``STARSHOP_WORKER_PORT`` (worker, lone bot)."""
    from starshop.entrypoints.runtime import served
    from starshop.entrypoints.web.app import create_health_app

    app = create_health_app(container, metrics=metrics)
    return partial(served, "health and metrics", app, settings.host, settings.worker_port)


def _worker(settings: Settings, _: argparse.Namespace) -> int:
    from starshop.entrypoints.ioc import build_container
    from starshop.entrypoints.observability import Metrics
    from starshop.entrypoints.runtime import closing, container_piece, running, stop_on_signals
    from starshop.entrypoints.worker import worker_pieces

    async def main() -> None:
        await _prepare_database(settings)
        sections = settings.sections()
        bot = _bot_parts(sections)
        metrics = Metrics()
        container = build_container(sections, metrics=metrics, bot=bot)
        pieces: list[Piece] = [container_piece(container), _health_piece(settings, container, metrics)]
        if bot is not None:
            pieces.append(partial(closing, bot.close))
        stopping = asyncio.Event()
        with stop_on_signals(stopping.set):
            async with running([*pieces, *worker_pieces(container, sections.worker)]):
                log.info("worker started")
                await stopping.wait()
                log.info("worker stopping: the tasks in hand are finished first")

    for line in settings.describe():
        log.info(line)
    _run_loop(main)
    return 0


def _bot(settings: Settings, _: argparse.Namespace) -> int:
    """The bot alone in polling mode (the worker sends its notifications)."""
    sections = settings.sections()
    if sections.bot is None:
        raise StartupError("STARSHOP_BOT_TOKEN is not set: there is no bot to run")
    from starshop.entrypoints.bot import build_dispatcher, run_polling
    from starshop.entrypoints.ioc import build_container
    from starshop.entrypoints.ioc.telegram import make_bot_parts
    from starshop.entrypoints.observability import Metrics
    from starshop.entrypoints.runtime import closing, container_piece, running

    section = sections.bot

    async def main() -> None:
        await _prepare_database(settings)
        bot = make_bot_parts(section)
        metrics = Metrics()
        container = build_container(sections, metrics=metrics, bot=bot)
        pieces: list[Piece] = [container_piece(container), partial(closing, bot.close)]
        pieces.append(_health_piece(settings, container, metrics))
        async with running(pieces):
            dp = build_dispatcher(container, storage=bot.storage, admin_ids=section.admin_ids)
            await run_polling(bot.bot, dp, admin_ids=section.admin_ids)

    for line in settings.describe():
        log.info(line)
    _run_loop(main)
    return 0


def _run_loop(main: Callable[[], Coroutine[object, object, None]]) -> None:
    """A long-running process on uvloop when it is installed, as uvicorn picks it for the web app."""
    from starshop.entrypoints.runtime import CannotListen

    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop is a dependency except on Windows
        run: Callable[[Coroutine[object, object, None]], None] = asyncio.run
    else:
        run = uvloop.run
    try:
        run(main())
    except CannotListen as exc:
        raise StartupError(str(exc)) from None


def _migrate(settings: Settings, args: argparse.Namespace) -> int:
    from starshop.adapters.sqla.migrate import current_revision, downgrade, upgrade

    url = _database_url(settings)
    action = downgrade if args.down else upgrade
    asyncio.run(action(url, args.revision))
    print(f"database at migration {asyncio.run(current_revision(url)) or 'base'}")
    return 0


def _audit(settings: Settings, args: argparse.Namespace) -> int:
    from starshop.application.ports import DeliveryLookupFailed
    from starshop.application.use_cases.audit_ledger import AuditLedger
    from starshop.application.use_cases.audit_provider import AuditProvider
    from starshop.entrypoints.ioc import build_container

    if args.since is not None and not args.provider:
        raise StartupError("--since sets the window of --provider: add --provider")
    if args.provider and settings.sandbox_delivery:
        raise StartupError(
            "--provider needs the Fragment provider (STARSHOP_FRAGMENT_SEED): the sandbox delivery keeps its orders"
            " inside the process that made them"
        )

    async def main() -> int:
        await _prepare_database(settings)
        container = build_container(settings)
        try:
            async with container() as scope:
                report = await (await scope.get(AuditLedger))()
                provider = None
                if args.provider:
                    since = args.since or datetime.now(UTC) - timedelta(days=1)
                    try:
                        provider = await (await scope.get(AuditProvider))(since)
                    except DeliveryLookupFailed as exc:
                        raise StartupError(f"the provider's order history cannot be read: {exc}") from None
        finally:
            await container.close()
        for violation in report.violations:
            print(f"user {violation.user_id}: {'; '.join(violation.problems)}")
        print(f"audited {report.users_checked} users: {len(report.violations)} violating the invariants")
        if provider is not None:
            for mismatch in provider.mismatches:
                print(mismatch.problem)
            print(
                f"audited the provider from {provider.since.isoformat()} to {provider.until.isoformat()}:"
                f" {provider.orders_checked} orders, {provider.purchases_checked} completed purchases,"
                f" {len(provider.mismatches)} mismatches"
            )
        return 0 if report.ok and (provider is None or provider.ok) else 1

    return asyncio.run(main())


def _moment(value: str) -> datetime:
    """``--since``: an ISO 8601 time (UTC unless it says otherwise), or an age such as ``90m``, ``24h``, ``7d``."""
    units = {"m": "minutes", "h": "hours", "d": "days"}
    if value[-1:] in units and value[:-1].isdigit():
        return datetime.now(UTC) - timedelta(**{units[value[-1]]: int(value[:-1])})
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        msg = f"not a time nor an age (like 2026-01-31T00:00, 24h, 7d): {value!r}"
        raise argparse.ArgumentTypeError(msg) from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="starshop", description="A Telegram shop that sells Telegram Stars.")
    parser.add_argument("--version", action="version", version=f"starshop {starshop.__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def serving(name: str, help_: str, handler: object) -> None:
        cmd = commands.add_parser(name, help=help_, description=help_)
        cmd.add_argument("--host", help="listen address (default STARSHOP_HOST or 127.0.0.1)")
        cmd.add_argument("--port", type=int, help="listen port (default STARSHOP_PORT or 8000)")
        cmd.set_defaults(handler=handler)

    serving("run", "everything in one process: web app, worker, and the bot when a token is set", _run)
    serving("web", "the web app only (webhooks, API, health)", _web)
    bot = commands.add_parser(
        "bot", help="the Telegram bot alone, polling", description="needs STARSHOP_BOT_TOKEN; webhook mode runs in web"
    )
    bot.set_defaults(handler=_bot)
    worker = commands.add_parser("worker", help="the background worker only", description="relay, tasks, sweeps")
    worker.set_defaults(handler=_worker)
    migrate = commands.add_parser("migrate", help="migrate the database", description="run Alembic migrations")
    migrate.add_argument(
        "revision", nargs="?", default=None, help="target revision (default: head, or base with --down)"
    )
    migrate.add_argument("--down", action="store_true", help="downgrade instead of upgrade")
    migrate.set_defaults(handler=_migrate)
    audit = commands.add_parser(
        "audit",
        help="check the money invariants",
        description="exit 1 and list every user whose balance is wrong; with --provider, every order and purchase"
        " on which the ledger and the provider's order history disagree",
    )
    audit.add_argument(
        "--provider",
        action="store_true",
        help="also compare the ledger with the delivery provider's order history (invariant 7)",
    )
    audit.add_argument(
        "--since",
        type=_moment,
        help="start of the --provider window: an ISO 8601 time or an age such as 24h or 7d (default 24h)",
    )
    audit.set_defaults(handler=_audit)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if getattr(args, "revision", "unset") is None:
        args.revision = "base" if args.down else "head"
    try:
        settings = load_settings()
    except SettingsError as exc:
        for problem in exc.problems:
            print(f"starshop: {problem}", file=sys.stderr)
        return 2
    if getattr(args, "host", None):
        settings = _with(settings, host=args.host)
    if getattr(args, "port", None):
        settings = _with(settings, port=args.port)
    from starshop.entrypoints.observability import configure_logging

    configure_logging(settings.log_level, json_lines=settings.log_format == "json")
    try:
        return int(args.handler(settings, args))
    except StartupError as exc:
        print(f"starshop: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def _with(settings: Settings, **changes: object) -> Settings:
    return attrs.evolve(settings, **changes)  # type: ignore[arg-type]


if __name__ == "__main__":
    sys.exit(main())
