"""Private servers for drills that stop and start "the real thing": a Postgres cluster and a ``redis-server`` of the
drill's own, on free ports of 127.0.0.1, in temporary directories. The machine's shared servers are never touched.

Postgres refuses to run as root, so under root ``initdb`` and ``pg_ctl`` run as the ``postgres`` OS user
(``runuser -u postgres --``) in a directory that user owns.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import attrs
import pytest

from tests.support import free_port


def _answers(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _postgres_tool(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    config = shutil.which("pg_config")
    if config:
        bindir = subprocess.run([config, "--bindir"], capture_output=True, text=True, check=False).stdout.strip()
        candidate = Path(bindir) / name
        if candidate.exists():
            return str(candidate)
    pytest.fail(f"{name} is not installed: the drills need it")
    raise AssertionError  # unreachable: skip raises


@attrs.define
class PrivatePostgres:
    """``start()`` initialises the cluster on first use; ``stop(mode)`` is ``fast`` or ``immediate`` (a crash)."""

    port: int = attrs.field(factory=free_port)
    directory: Path = attrs.field(factory=lambda: Path(tempfile.mkdtemp(prefix="starshop-drill-pg-")))
    _initialised: bool = attrs.field(default=False, init=False)

    @property
    def data(self) -> Path:
        return self.directory / "data"

    def url(self, database: str = "postgres", port: int | None = None) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{port or self.port}/{database}"

    def _as_owner(self, *args: str) -> list[str]:
        if os.geteuid() != 0:
            return list(args)
        runuser = shutil.which("runuser")
        if runuser is None:
            pytest.fail("running as root without runuser: cannot start a private Postgres")
        return [runuser, "-u", "postgres", "--", *args]

    def _run(self, *args: str, timeout: float = 60) -> None:
        done = subprocess.run(self._as_owner(*args), capture_output=True, text=True, check=False, timeout=timeout)
        if done.returncode != 0:
            msg = f"{Path(args[0]).name} failed ({done.returncode}): {done.stdout}{done.stderr}"
            raise RuntimeError(msg)

    def _init(self) -> None:
        if os.geteuid() == 0:
            try:
                owner = pwd.getpwnam("postgres")
            except KeyError:
                pytest.fail("running as root and there is no postgres OS user")
            os.chown(self.directory, owner.pw_uid, owner.pw_gid)
        self.directory.chmod(0o700)
        initdb = _postgres_tool("initdb")
        self._run(initdb, "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
        self._initialised = True

    def start(self) -> None:
        if not self._initialised:
            self._init()
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.directory} -c fsync=off"
            " -c synchronous_commit=on -c full_page_writes=off -c max_connections=200"
        )
        log = str(self.directory / "postgres.log")
        self._run(_postgres_tool("pg_ctl"), "-D", str(self.data), "-o", options, "-l", log, "-w", "-t", "30", "start")

    def stop(self, mode: str = "fast") -> None:
        if not self.data.exists():
            return
        pg_ctl = _postgres_tool("pg_ctl")
        subprocess.run(
            self._as_owner(pg_ctl, "-D", str(self.data), "-m", mode, "-w", "-t", "30", "stop"),
            capture_output=True,
            check=False,
            timeout=60,
        )

    def destroy(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.directory, ignore_errors=True)


@attrs.define
class PrivateRedis:
    """A ``redis-server`` that keeps nothing on disk: a restart comes back empty, as a lost server would."""

    port: int = attrs.field(factory=free_port)
    directory: Path = attrs.field(factory=lambda: Path(tempfile.mkdtemp(prefix="starshop-drill-redis-")))
    _process: subprocess.Popen[bytes] | None = attrs.field(default=None, init=False)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    @property
    def running(self) -> bool:
        return self._process is not None

    def start(self) -> None:
        server = shutil.which("redis-server")
        if server is None:
            pytest.fail("redis-server is not installed: the drills need it")
        args = [server, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        args += ["--dir", str(self.directory), "--logfile", str(self.directory / "redis.log")]
        self._process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while not _answers(self.port):
            if time.monotonic() > deadline:
                msg = f"redis-server on port {self.port} did not start"
                raise RuntimeError(msg)
            time.sleep(0.02)

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            self._process.wait(timeout=10)
            self._process = None

    def destroy(self) -> None:
        self.stop()
        shutil.rmtree(self.directory, ignore_errors=True)
