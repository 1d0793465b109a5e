"""The ``starshop`` command: ``run``, ``web``, ``worker``, ``migrate``, ``audit``. ``--help`` on each."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence

import starshop
from starshop.entrypoints.settings import Settings, SettingsError, load_settings

log = logging.getLogger("starshop")


class StartupError(Exception):
    """A one-line reason the command cannot start (shown without a traceback)."""


def _database_url(settings: Settings) -> str:
    from starshop.entrypoints.composition import SQLITE_DEFAULT

    return settings.database_url or SQLITE_DEFAULT


async def _prepare_database(settings: Settings) -> None:
    """The embedded SQLite file is migrated on start; a configured database must already be at head."""
    from starshop.adapters.sqla.engine import DatabaseNotReady, check_database, create_engine
    from starshop.adapters.sqla.migrate import upgrade

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

    from starshop.entrypoints.composition import build_container
    from starshop.entrypoints.observability import Metrics
    from starshop.entrypoints.web import create_app
    from starshop.entrypoints.worker import Worker

    asyncio.run(_prepare_database(settings))
    metrics = Metrics()
    container = build_container(settings, metrics=metrics)
    background, stop = [], []
    if with_worker:
        worker = Worker(container, relay_every=settings.relay_interval, sweep_every=settings.sweep_interval)
        background.append(worker.run)
        stop.append(worker.stop)
    app = create_app(container, metrics=metrics, sandbox=settings.sandbox_payments, background=background, stop=stop)
    for line in settings.describe():
        log.info(line)
    print(f"starshop {starshop.__version__} serving on http://{settings.host}:{settings.port}", flush=True)
    if settings.sandbox_payments:
        print("SANDBOX: payments and deliveries are simulated; nothing real is charged or bought", flush=True)
    # proxy_headers=False: the client address comes from our own trusted-proxy setting, never from uvicorn.
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        proxy_headers=False,
        log_config=None,
        timeout_graceful_shutdown=30,
    )


def _run(settings: Settings, _: argparse.Namespace) -> int:
    _serve(settings, with_worker=True)
    return 0


def _web(settings: Settings, _: argparse.Namespace) -> int:
    _serve(settings, with_worker=False)
    return 0


def _worker(settings: Settings, _: argparse.Namespace) -> int:
    from starshop.entrypoints.composition import build_container
    from starshop.entrypoints.worker import Worker

    async def main() -> None:
        await _prepare_database(settings)
        container = build_container(settings)
        worker = Worker(container, relay_every=settings.relay_interval, sweep_every=settings.sweep_interval)
        loop = asyncio.get_running_loop()
        import signal

        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, worker.stop)
        try:
            await worker.run()
        finally:
            await container.close()

    for line in settings.describe():
        log.info(line)
    asyncio.run(main())
    return 0


def _migrate(settings: Settings, args: argparse.Namespace) -> int:
    from starshop.adapters.sqla.migrate import current_revision, downgrade, upgrade

    url = _database_url(settings)
    action = downgrade if args.down else upgrade
    asyncio.run(action(url, args.revision))
    print(f"database at migration {asyncio.run(current_revision(url)) or 'base'}")
    return 0


def _audit(settings: Settings, _: argparse.Namespace) -> int:
    from starshop.application.use_cases.audit_ledger import AuditLedger
    from starshop.entrypoints.composition import build_container

    async def main() -> int:
        await _prepare_database(settings)
        container = build_container(settings)
        try:
            async with container() as scope:
                report = await (await scope.get(AuditLedger))()
        finally:
            await container.close()
        for violation in report.violations:
            print(f"user {violation.user_id}: {'; '.join(violation.problems)}")
        print(f"audited {report.users_checked} users: {len(report.violations)} violating the invariants")
        return 0 if report.ok else 1

    return asyncio.run(main())


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="starshop", description="A Telegram shop that sells Telegram Stars.")
    parser.add_argument("--version", action="version", version=f"starshop {starshop.__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def serving(name: str, help_: str, handler: object) -> None:
        cmd = commands.add_parser(name, help=help_, description=help_)
        cmd.add_argument("--host", help="listen address (default STARSHOP_HOST or 127.0.0.1)")
        cmd.add_argument("--port", type=int, help="listen port (default STARSHOP_PORT or 8000)")
        cmd.set_defaults(handler=handler)

    serving("run", "everything in one process: web app and worker (the embedded default needs no settings)", _run)
    serving("web", "the web app only (webhooks, API, health)", _web)
    worker = commands.add_parser("worker", help="the background worker only", description="relay, tasks, sweeps")
    worker.set_defaults(handler=_worker)
    migrate = commands.add_parser("migrate", help="migrate the database", description="run Alembic migrations")
    migrate.add_argument(
        "revision", nargs="?", default=None, help="target revision (default: head, or base with --down)"
    )
    migrate.add_argument("--down", action="store_true", help="downgrade instead of upgrade")
    migrate.set_defaults(handler=_migrate)
    audit = commands.add_parser(
        "audit", help="check the money invariants", description="exit 1 and list every user whose balance is wrong"
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
    import attrs

    return attrs.evolve(settings, **changes)  # type: ignore[arg-type]


if __name__ == "__main__":
    sys.exit(main())
