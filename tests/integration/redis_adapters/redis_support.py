"""Helpers for the Redis adapter suites: throwaway ``redis-server`` processes (one that can be stopped and
started, or a cluster) and the shapes the contract fixtures return."""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any, Protocol

import attrs
import pytest
from tests.support import free_port

from starshop.adapters.inprocess import InProcessTaskQueue, RateLimits
from starshop.adapters.redis import RedisClient, RedisTaskQueue, redis_from_url
from starshop.application.ports.infra import RateLimiter
from starshop.domain.events import Event

LimiterFactory = Callable[[RateLimits], RateLimiter]
QueueFactory = Callable[..., InProcessTaskQueue | RedisTaskQueue]


class Events(Protocol):
    async def publish(self, event: Event) -> None: ...

    async def publish_many(self, events: Sequence[Event]) -> None: ...

    def subscribe(self, user_id: int) -> AbstractAsyncContextManager[Any]: ...


def redis_binaries() -> tuple[str, str]:
    server, cli = shutil.which("redis-server"), shutil.which("redis-cli")
    if server is None or cli is None:
        pytest.fail("redis-server / redis-cli are not installed: the cluster and restart tests need them")
    return server, cli


@attrs.define
class RedisServer:
    directory: Path
    port: int = attrs.field(factory=free_port)
    cluster: bool = False
    _process: subprocess.Popen[bytes] | None = attrs.field(default=None, init=False)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        server, cli = redis_binaries()
        self.directory.mkdir(parents=True, exist_ok=True)
        args = [server, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        args += ["--dir", str(self.directory), "--logfile", str(self.directory / "redis.log")]
        if self.cluster:
            args += ["--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf"]
        self._process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while self.cli(cli, "ping").strip() != "PONG":
            if time.monotonic() > deadline:
                msg = f"redis-server on port {self.port} did not start"
                raise RuntimeError(msg)
            time.sleep(0.05)

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            self._process.wait(timeout=10)
            self._process = None

    def cli(self, cli: str, *args: str) -> str:
        done = subprocess.run(
            [cli, "-h", "127.0.0.1", "-p", str(self.port), *args], capture_output=True, text=True, check=False
        )
        return done.stdout


@attrs.define
class RedisClusterProcesses:
    """Three masters, no replicas, on free ports; ``create`` waits until every node reports the cluster ok."""

    directory: Path
    nodes: list[RedisServer] = attrs.field(factory=list, init=False)

    @property
    def url(self) -> str:
        return f"redis+cluster://127.0.0.1:{self.nodes[0].port}"

    def create(self) -> None:
        _, cli = redis_binaries()
        for index in range(3):
            node = RedisServer(self.directory / f"node{index}", port=free_port(with_bus=True), cluster=True)
            self.nodes.append(node)
            node.start()
        addresses = [f"127.0.0.1:{node.port}" for node in self.nodes]
        created = subprocess.run(
            [cli, "--cluster", "create", *addresses, "--cluster-replicas", "0", "--cluster-yes"],
            capture_output=True,
            text=True,
            check=False,
        )
        if created.returncode != 0:
            msg = f"redis-cli --cluster create failed: {created.stdout}{created.stderr}"
            raise RuntimeError(msg)
        deadline = time.monotonic() + 20
        while not all("cluster_state:ok" in node.cli(cli, "cluster", "info") for node in self.nodes):
            if time.monotonic() > deadline:
                msg = "the test cluster did not reach cluster_state:ok"
                raise RuntimeError(msg)
            time.sleep(0.1)

    def destroy(self) -> None:
        for node in self.nodes:
            node.stop()


@attrs.define
class Clients:
    """Opens Redis clients for one test and closes them all at its end."""

    opened: list[RedisClient] = attrs.field(factory=list)

    def open(self, url: str, **options: Any) -> RedisClient:
        client = redis_from_url(url, **options)
        self.opened.append(client)
        return client

    async def close(self) -> None:
        for client in self.opened:
            await client.aclose()
