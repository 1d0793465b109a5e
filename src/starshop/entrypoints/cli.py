"""The ``starshop`` command."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

import starshop


def _run(args: argparse.Namespace) -> int:
    import secrets

    import uvicorn

    from starshop.entrypoints.providers import HeleketWebhookProvider, make_in_memory_container
    from starshop.entrypoints.web import create_app
    from starshop.testing import default_config, default_policy

    webhooks = HeleketWebhookProvider(secrets.token_hex(16))  # sandbox: no real Heleket key is configured
    app = create_app(make_in_memory_container(default_policy(), default_config(), webhooks))
    print(f"starshop {starshop.__version__} (embedded, in-memory) on http://{args.host}:{args.port}", flush=True)
    # proxy_headers=False: the client address is taken from our own trusted-proxy setting, never by uvicorn.
    uvicorn.run(app, host=args.host, port=args.port, log_level="info", proxy_headers=False)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="starshop", description="A Telegram shop that sells Telegram Stars.")
    parser.add_argument("--version", action="version", version=f"starshop {starshop.__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="serve starshop on its embedded default")
    run.add_argument("--host", default="127.0.0.1")
    run.add_argument("--port", type=int, default=8000)
    run.set_defaults(handler=_run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.handler(args))


if __name__ == "__main__":
    sys.exit(main())
