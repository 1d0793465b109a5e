"""A small asyncio HTTP load generator: a fixed number of workers replay a file of requests, bounded in count and time.

Run as its own process so its CPU is not the server's::

    python bench/loadgen.py --base http://127.0.0.1:PORT --requests FILE --concurrency 32 --max-seconds 60

Each worker keeps one HTTP/1.1 keep-alive connection. The default client speaks HTTP/1.1 on asyncio streams;
``--client httpx`` uses one httpx client per worker instead, which on a small machine costs the load generator
more CPU per request than a bare server spends answering it (it then measures itself, not the server).

``FILE`` holds one JSON object per line: ``{"method", "path", "headers", "body"}`` (``body`` a latin-1 string).
Prints one JSON object: requests sent, answers by status, wall-clock start and end, rate, p50/p99 latency (ms).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys
import time
from collections import Counter
from pathlib import Path

import httpx


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def load_requests(path: Path) -> list[tuple[str, str, dict[str, str], bytes]]:
    out = []
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            item = json.loads(line)
            out.append((item["method"], item["path"], item.get("headers", {}), item.get("body", "").encode("latin-1")))
    return out


class RawClient:
    """HTTP/1.1 over one keep-alive asyncio connection: a few microseconds of CPU per request."""

    def __init__(self, base: str) -> None:
        url = httpx.URL(base)
        self.host, self.port = url.host, url.port or 80
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, path: str, headers: dict[str, str], body: bytes) -> int:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        head = f"{method} {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\nContent-Length: {len(body)}\r\n"
        head += "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        self.writer.write(head.encode("latin-1") + b"\r\n" + body)
        status_line, *lines = (await self.reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        fields = {}
        for text in lines:
            name, _, value = text.partition(":")
            fields[name.strip().lower()] = value.strip()
        if fields.get("transfer-encoding", "").lower() == "chunked":
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
                await self.reader.readexactly(size + 2)
                if size == 0:
                    break
        else:
            await self.reader.readexactly(int(fields.get("content-length", "0")))
        if fields.get("connection", "").lower() == "close":
            await self.aclose()
        return int(status_line.split(" ", 2)[1])

    async def aclose(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(OSError):
                await self.writer.wait_closed()
        self.reader = self.writer = None


class HttpxClient:
    """httpx, one client (one keep-alive connection) per worker: heavier on the load generator's CPU."""

    def __init__(self, base: str) -> None:
        self.client = httpx.AsyncClient(base_url=base, timeout=30.0)

    async def request(self, method: str, path: str, headers: dict[str, str], body: bytes) -> int:
        answer = await self.client.request(method, path, headers=headers, content=body)
        return answer.status_code

    async def aclose(self) -> None:
        await self.client.aclose()


async def run(base: str, requests: list, concurrency: int, limit: float, engine: str = "raw") -> dict:
    latencies: list[float] = []
    statuses: Counter[str] = Counter()
    position = 0
    make = RawClient if engine == "raw" else HttpxClient
    bases = base.split(",")  # several servers: the connections are spread over them in turn
    clients = [make(bases[index % len(bases)]) for index in range(concurrency)]
    started_wall = time.time()
    started = time.perf_counter()
    deadline = started + limit

    async def worker(client: RawClient | HttpxClient) -> None:
        nonlocal position
        try:
            while position < len(requests) and time.perf_counter() < deadline:
                method, path, headers, body = requests[position]
                position += 1
                sent = time.perf_counter()
                try:
                    status = await client.request(method, path, headers, body)
                except (OSError, asyncio.IncompleteReadError, httpx.HTTPError) as exc:
                    statuses[type(exc).__name__] += 1
                    await client.aclose()
                    continue
                statuses[str(status)] += 1
                latencies.append(time.perf_counter() - sent)
        finally:
            await client.aclose()

    await asyncio.gather(*(worker(client) for client in clients))
    elapsed = time.perf_counter() - started
    done = sum(statuses.values())
    return {
        "sent": done,
        "statuses": dict(statuses),
        "started": started_wall,
        "ended": started_wall + elapsed,
        "elapsed": elapsed,
        "rate": done / elapsed if elapsed else 0.0,
        "p50_ms": percentile(latencies, 0.50) * 1000,
        "p99_ms": percentile(latencies, 0.99) * 1000,
        "concurrency": concurrency,
        "client": engine,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", required=True, help="the server's base URL, or several separated by commas")
    parser.add_argument("--requests", required=True, type=Path)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--max-seconds", type=float, default=60.0)
    parser.add_argument("--client", choices=["raw", "httpx"], default="raw", help="HTTP client (default raw)")
    args = parser.parse_args()
    requests = load_requests(args.requests)
    result = asyncio.run(run(args.base, requests, args.concurrency, args.max_seconds, args.client))
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
