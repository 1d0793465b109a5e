"""``python -m tests.drills.worker_process``: start ``starshop`` commands as real processes, quickly.

Importing starshop (aiogram's models above all) takes seconds of CPU, which a drill that starts several workers
would pay each time. This parent imports it once and then forks a child per command; each child is an ordinary
process running the real command line (``starshop.entrypoints.cli.main``) with the parent's ``STARSHOP_*``
environment, so it can be killed with SIGKILL like any worker. Nothing runs in the parent but this loop (no event
loop, no threads), so forking is safe.

Commands on stdin, one per line: ``<log file> <command> [args...]`` (``w1.log worker``). Replies on stdout:
``started <pid>`` at once, ``exited <pid> <status>`` when a child ends (status: exit code, or minus the signal).
The parent ends when stdin closes, after terminating its children.
"""

from __future__ import annotations

import os
import select
import signal
import sys

import starshop.adapters.sqla.migrate
import starshop.entrypoints.cli
import starshop.entrypoints.ioc
import starshop.entrypoints.worker  # imported once here, inherited by every child


def _reply(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def _child(log: str, argv: list[str]) -> None:
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)
    os.chdir(os.path.dirname(log) or ".")
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    code = 1
    try:
        code = starshop.entrypoints.cli.main(argv)
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def _reap(children: set[int]) -> None:
    for pid in list(children):
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            children.discard(pid)
            code = -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
            _reply(f"exited {pid} {code}")


def main() -> None:
    children: set[int] = set()
    stdin = sys.stdin.fileno()
    buffer = b""
    while True:
        ready, _, _ = select.select([stdin], [], [], 0.02)
        _reap(children)
        if not ready:
            continue
        chunk = os.read(stdin, 4096)
        if not chunk:
            break
        buffer += chunk
        while b"\n" in buffer:
            line, buffer = buffer.split(b"\n", 1)
            log, *argv = line.decode().split()
            pid = os.fork()
            if pid == 0:
                _child(log, argv)
            children.add(pid)
            _reply(f"started {pid}")
    for pid in children:
        os.kill(pid, signal.SIGTERM)
    for pid in list(children):
        os.waitpid(pid, 0)


if __name__ == "__main__":
    main()
