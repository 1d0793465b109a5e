"""A small asyncio TCP proxy for fault drills, put between the app and Postgres or Redis on 127.0.0.1.

    proxy = FaultProxy(target_port=5432)
    await proxy.start()             # listens on proxy.port, forwards every connection to the target
    proxy.latency = 0.05            # every chunk, in both directions, is held back this long
    proxy.reset_all()               # every open connection is reset (RST), new ones still pass
    await proxy.cut()               # stop listening and reset everything: the server looks down
    await proxy.resume()            # listen again on the same port
    proxy.blackhole = True          # connections stay open but nothing is forwarded (timeouts)
    await proxy.stop()

Counters (``accepted``, ``resets``) let a drill show that its faults really happened.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct

import attrs

_RST = struct.pack("ii", 1, 0)  # SO_LINGER on, 0 s: close() sends RST instead of FIN


@attrs.define(eq=False)
class _Pipe:
    client: asyncio.StreamWriter
    upstream: asyncio.StreamWriter
    tasks: list[asyncio.Task[None]] = attrs.field(factory=list)

    def reset(self) -> None:
        for writer in (self.client, self.upstream):
            sock = writer.get_extra_info("socket")
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, _RST)
            writer.transport.abort()
        for task in self.tasks:
            task.cancel()


@attrs.define
class FaultProxy:
    target_port: int
    target_host: str = "127.0.0.1"
    port: int = 0
    latency: float = 0.0
    blackhole: bool = False
    accepted: int = 0
    resets: int = 0
    _server: asyncio.Server | None = attrs.field(default=None, init=False)
    _pipes: set[_Pipe] = attrs.field(factory=set, init=False)
    _handlers: set[asyncio.Task[None]] = attrs.field(factory=set, init=False)

    @property
    def listening(self) -> bool:
        return self._server is not None

    def url_for(self, template: str) -> str:
        """``template`` with ``{port}`` replaced: ``redis://127.0.0.1:{port}/0``."""
        return template.format(port=self.port)

    async def start(self) -> FaultProxy:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", self.port, reuse_address=True)
        self.port = int(self._server.sockets[0].getsockname()[1])
        return self

    async def stop(self) -> None:
        await self.cut()
        for task in list(self._handlers):
            task.cancel()
        await asyncio.gather(*self._handlers, return_exceptions=True)

    async def cut(self) -> None:
        """Connectivity lost: new connections are refused and open ones are reset."""
        if self._server is not None:
            self._server.close()
            self._server = None
        self.reset_all()

    async def resume(self) -> None:
        if self._server is None:
            await self.start()

    def reset_all(self) -> int:
        pipes = list(self._pipes)
        for pipe in pipes:
            pipe.reset()
        self._pipes.clear()
        self.resets += len(pipes)
        return len(pipes)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._handlers.add(task)
        try:
            await self._serve(reader, writer)
        finally:
            self._handlers.discard(task)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.accepted += 1
        try:
            up_reader, up_writer = await asyncio.open_connection(self.target_host, self.target_port)
        except OSError:
            writer.transport.abort()
            return
        pipe = _Pipe(writer, up_writer)
        self._pipes.add(pipe)
        pipe.tasks = [
            asyncio.create_task(self._pump(reader, up_writer)),
            asyncio.create_task(self._pump(up_reader, writer)),
        ]
        try:
            await asyncio.wait(pipe.tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for pump in pipe.tasks:
                pump.cancel()
            await asyncio.gather(*pipe.tasks, return_exceptions=True)
            self._pipes.discard(pipe)
            for end in (writer, up_writer):
                end.close()

    async def _pump(self, source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError, OSError):
            while data := await source.read(65536):
                if self.latency:
                    await asyncio.sleep(self.latency)
                if self.blackhole:
                    continue
                sink.write(data)
                await sink.drain()
