"""What every benchmark shares: databases, processes, the load generator, pgbench, RSS and the printed report.

Everything runs on 127.0.0.1: the machine's Postgres (``STARSHOP_TEST_POSTGRES_URL`` overrides the server, as for
the tests) and Redis (``STARSHOP_BENCH_REDIS_URL``). Each benchmark cleans up its databases, processes and keys.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import attrs  # noqa: E402
import httpx  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from tests.db import ADMIN_URL, create_database, database_url, drop_database  # noqa: E402

from starshop.adapters.sqla.migrate import upgrade  # noqa: E402

REDIS_URL = os.environ.get("STARSHOP_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
HOST = "127.0.0.1"
CONCURRENCY = 32
BENCH_DIR = Path(__file__).resolve().parent
LOADGEN = BENCH_DIR / "loadgen.py"
# The production stack's rate limits would (rightly) refuse a benchmark's traffic from a few users.
NO_LIMITS = "message=1000000000/60,recharge=1000000000/60,purchase=1000000000/60"


def redis_prefix() -> str:
    return f"bench-{uuid.uuid4().hex[:10]}:"


# --- databases ---------------------------------------------------------------------------------------------------


@contextlib.asynccontextmanager
async def migrated_database() -> AsyncIterator[tuple[str, str]]:
    """A fresh database migrated to head: ``(name, url)``; dropped afterwards."""
    name = await create_database()
    try:
        url = database_url(name)
        await upgrade(url)
        yield name, url
    finally:
        await drop_database(name)


def pooled_url(url: str, pgbouncer: str | None) -> str:
    """``url``, or the same database through ``pgbouncer`` (``HOST:PORT``) with no prepared statements kept."""
    if not pgbouncer:
        return url
    host, _, port = pgbouncer.rpartition(":")
    pooled = make_url(url).set(host=host, port=int(port), query={"prepared_statement_cache_size": "0"})
    return pooled.render_as_string(hide_password=False)


def pg_connection() -> dict[str, str]:
    """Host, port and user of the benchmark's Postgres, for psql and pgbench."""
    url = make_url(ADMIN_URL)
    return {"host": url.host or HOST, "port": str(url.port or 5432), "user": url.username or "postgres"}


def psql(database: str, sql: str) -> str:
    conn = pg_connection()
    env = os.environ | ({"PGPASSWORD": make_url(ADMIN_URL).password} if make_url(ADMIN_URL).password else {})
    command = ["psql", "-h", conn["host"], "-p", conn["port"], "-U", conn["user"], "-d", database]
    command += ["-v", "ON_ERROR_STOP=1", "-q", "-A", "-t", "-c", sql]
    result = subprocess.run(
        command,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"psql failed: {result.stderr.strip()}")
    return result.stdout.strip()


def pgbench(
    database: str, script: str, *, clients: int, transactions: int, defines: Mapping[str, object], workdir: Path
) -> dict[str, Any]:
    """Run a custom pgbench script (prepared statements, no vacuum); throughput and per-transaction latencies."""
    conn = pg_connection()
    script_path = workdir / "script.sql"
    script_path.write_text(script, encoding="utf-8")
    log_prefix = workdir / "pgbench_log"
    threads = max(1, min(clients, os.cpu_count() or 1))
    command = ["pgbench", "-h", conn["host"], "-p", conn["port"], "-U", conn["user"], "-n", "-M", "prepared"]
    command += ["-c", str(clients), "-j", str(threads), "-t", str(transactions), "-f", str(script_path)]
    command += ["-l", f"--log-prefix={log_prefix}"]
    for name, value in defines.items():
        command += ["-D", f"{name}={value}"]
    command.append(database)
    env = os.environ | ({"PGPASSWORD": make_url(ADMIN_URL).password} if make_url(ADMIN_URL).password else {})
    result = subprocess.run(command, capture_output=True, text=True, cwd=workdir, env=env, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"pgbench failed:\n{result.stdout}\n{result.stderr}")
    tps = failed = None
    for line in result.stdout.splitlines():
        if line.startswith("tps =") and "without initial connection time" in line:
            tps = float(line.split()[2])
        if line.startswith("number of failed transactions:"):
            failed = int(line.split(":")[1].split()[0])
    if tps is None:
        raise RuntimeError(f"no tps in pgbench output:\n{result.stdout}")
    latencies: list[float] = []
    for log in workdir.glob("pgbench_log*"):
        for line in log.read_text().splitlines():
            latencies.append(int(line.split()[2]) / 1000)
        log.unlink()
    return {
        "rate": tps,
        "p50_ms": percentile(latencies, 0.5),
        "p99_ms": percentile(latencies, 0.99),
        "transactions": clients * transactions,
        "failed": failed or 0,
    }


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))]


async def clean_redis(prefix: str) -> int:
    from redis.asyncio import Redis

    client = Redis.from_url(REDIS_URL)
    removed = 0
    try:
        keys = [key async for key in client.scan_iter(match=f"{prefix}*", count=1000)]
        for start in range(0, len(keys), 500):
            removed += await client.delete(*keys[start : start + 500])
    finally:
        await client.aclose()
    return removed


# --- processes ---------------------------------------------------------------------------------------------------


def clean_environment(**values: object) -> dict[str, str]:
    """This process's environment without any ``STARSHOP_*`` setting, plus ``values``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("STARSHOP_")}
    env.update({k: str(v) for k, v in values.items()})
    return env


class Server:
    """A server subprocess on 127.0.0.1 whose output goes to a log file; stopped by SIGTERM (then SIGKILL)."""

    def __init__(self, command: list[str], *, env: Mapping[str, str], cwd: Path, port: int, log: Path) -> None:
        self.command, self.env, self.cwd, self.port, self.log_path = command, dict(env), cwd, port, log
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def base(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    async def __aenter__(self) -> Server:
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(  # noqa: ASYNC220 - returns at once
                self.command, cwd=self.cwd, env=self.env, stdout=log, stderr=subprocess.STDOUT
            )
        await self.wait_live()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def wait_live(self, path: str = "/health/live", within: float = 60.0) -> None:
        deadline = time.monotonic() + within
        async with httpx.AsyncClient(timeout=2) as client:
            while True:
                assert self.process is not None
                if self.process.poll() is not None:
                    raise RuntimeError(f"server exited with {self.process.returncode}:\n{self.tail()}")
                with contextlib.suppress(httpx.HTTPError):
                    if (await client.get(f"{self.base}{path}")).status_code < 500:
                        return
                if time.monotonic() > deadline:
                    raise RuntimeError(f"server did not answer within {within:g} s:\n{self.tail()}")
                await asyncio.sleep(0.1)

    async def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 40
        while self.process.poll() is None and time.monotonic() < deadline:  # noqa: ASYNC110 - a child process
            await asyncio.sleep(0.05)
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def starshop_command(subcommand: str = "run") -> list[str]:
    return [sys.executable, "-m", "starshop.entrypoints.cli", subcommand]


def bare_command(port: int) -> list[str]:
    return [sys.executable, str(BENCH_DIR / "bare_app.py"), "--port", str(port)]


def write_requests(path: Path, requests: Iterable[tuple[str, str, Mapping[str, str], bytes]]) -> int:
    count = 0
    with path.open("w", encoding="utf-8") as out:
        for method, target, headers, body in requests:
            item = {"method": method, "path": target, "headers": dict(headers), "body": body.decode("latin-1")}
            out.write(json.dumps(item) + "\n")
            count += 1
    return count


async def load(
    base: str, requests: Path, *, concurrency: int = CONCURRENCY, max_seconds: float = 60.0, client: str = "raw"
) -> dict:
    """Run the load generator in its own process (this event loop stays free, e.g. to serve a fake)."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        str(LOADGEN),
        "--base",
        base,
        "--requests",
        str(requests),
        "--concurrency",
        str(concurrency),
        "--max-seconds",
        str(max_seconds),
        "--client",
        client,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    if process.returncode != 0:
        raise RuntimeError(f"load generator failed: {err.decode(errors='replace')}")
    return json.loads(out)


@contextlib.asynccontextmanager
async def profiled(pid: int, output: Path | None) -> AsyncIterator[None]:
    """With ``output``, sample ``pid`` with py-spy (if installed) for the duration of the block (raw folded stacks)."""
    spy = Path(sys.executable).with_name("py-spy")
    if output is None or not spy.exists():
        yield
        return
    process = await asyncio.create_subprocess_exec(
        str(spy), "record", "--pid", str(pid), "--nonblocking", "--rate", "250", "--format", "raw", "--output",
        str(output), stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    await asyncio.sleep(0.5)
    try:
        yield
    finally:
        process.send_signal(signal.SIGINT)
        await process.wait()


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) a process has used so far, in seconds (from ``/proc/<pid>/stat``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextlib.contextmanager
def cpu_used(pids: Iterable[int]) -> Iterator[dict[str, float]]:
    """The CPU time ``pids`` spend inside the block, in seconds, in the yielded dict's ``"seconds"`` once it ends."""
    chosen = list(pids)
    before = sum(cpu_seconds(pid) for pid in chosen)
    found = {"seconds": 0.0}
    yield found
    found["seconds"] = sum(cpu_seconds(pid) for pid in chosen) - before


def rss_mb(pid: int) -> dict[str, float]:
    """Resident and peak resident size of a process, in MB (from /proc)."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0]) / 1024
    return {"rss": values["VmRSS"], "peak": values["VmHWM"]}


# --- the report --------------------------------------------------------------------------------------------------


def machine() -> dict[str, str]:
    model = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    memory = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    return {"nproc": str(os.cpu_count()), "memory": memory, "cpu": model}


def heading(title: str) -> None:
    m = machine()
    print(f"\n=== {title} ===", flush=True)
    print(f"machine: {m['nproc']} CPUs ({m['cpu']}), {m['memory']}; {time.strftime('%Y-%m-%d %H:%M')}", flush=True)


def line(label: str, value: str) -> None:
    print(f"  {label:<46} {value}", flush=True)


def ratio_line(label: str, figure: float, baseline: float, goal: float | None, *, at_most: bool = False) -> float:
    """Print ``figure / baseline`` as a percentage, with the goal it is judged against (a ratio, never a time)."""
    ratio = figure / baseline if baseline else float("nan")
    verdict = ""
    if goal is not None:
        met = ratio <= goal if at_most else ratio >= goal
        verdict = f"   (goal {'<=' if at_most else '>='} {goal * 100:.0f} %: {'met' if met else 'NOT met'})"
    line(label, f"{ratio * 100:6.1f} %{verdict}")
    return ratio


def result(figure: str, **values: object) -> None:
    """The machine-readable last line that ``run_all.py`` collects."""
    print("RESULT " + json.dumps({"figure": figure, **values}), flush=True)


def load_args(
    doc: str, *, count: int, what: str, users: int, users_help: str, max_seconds: float
) -> argparse.Namespace:
    """The options every HTTP-load figure takes: how much, for how many users, how long, and an optional profile."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--count", type=int, default=count, help=f"timed {what} (default {count})")
    parser.add_argument("--users", type=int, default=users, help=f"{users_help} (default {users})")
    parser.add_argument("--max-seconds", type=float, default=max_seconds, help="time bound of each timed load")
    parser.add_argument("--profile", type=Path, default=None, help="write py-spy's samples of the app here")
    parser.add_argument(
        "--shape",
        choices=SHAPES,
        default="web+worker",
        help="processes of the app: `starshop web` and `starshop worker`, as deploy/compose.yaml runs them "
        "(default), or the single `starshop run`",
    )
    parser.add_argument("--webs", type=int, default=1, help="web processes, each on its own port (default 1)")
    parser.add_argument(
        "--pgbouncer",
        metavar="HOST:PORT",
        default=None,
        help="the app reaches its database through this pgbouncer (transaction mode, a `*` database entry); "
        "the pgbench baselines still go straight to Postgres",
    )
    return parser.parse_args()


SHAPES = ("web+worker", "run")


@attrs.frozen
class App:
    """The app's web processes (load them: ``base`` lists every one; profile the first: ``pid``)."""

    webs: list[Server]

    @property
    def base(self) -> str:
        return ",".join(web.base for web in self.webs)

    @property
    def pid(self) -> int:
        return self.webs[0].pid

    @property
    def pids(self) -> list[int]:
        return [web.pid for web in self.webs]


@contextlib.asynccontextmanager
async def app_processes(
    shape: str, *, env: Mapping[str, str], cwd: Path, port: int, webs: int = 1
) -> AsyncIterator[App]:
    """The app as deployed: ``webs`` web processes, each on its own port from ``port`` on (the load generator
    spreads its connections over them), and, unless ``run``, one worker."""
    from tests.support import free_port

    command = starshop_command("run" if shape == "run" else "web")
    async with contextlib.AsyncExitStack() as stack:
        servers = []
        for index in range(webs):
            own = port if index == 0 else free_port()
            log = cwd / f"web{index}.log"
            servers.append(Server(command, env={**env, "STARSHOP_PORT": str(own)}, cwd=cwd, port=own, log=log))
        for server in servers:
            await stack.enter_async_context(server)
        if shape != "run":
            log = stack.enter_context((cwd / "worker.log").open("ab"))
            worker = subprocess.Popen(starshop_command("worker"), cwd=cwd, env=dict(env), stdout=log, stderr=log)  # noqa: ASYNC220
            stack.push_async_callback(_stop_process, worker)
        yield App(servers)


async def _stop_process(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 40
        while process.poll() is None and time.monotonic() < deadline:  # noqa: ASYNC110 - a child process
            await asyncio.sleep(0.05)
    if process.poll() is None:
        process.kill()
        process.wait()
    if process.returncode not in (0, -signal.SIGTERM):
        raise RuntimeError(f"the worker exited with {process.returncode}")
