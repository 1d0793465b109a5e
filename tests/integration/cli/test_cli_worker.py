"""``starshop worker`` as an operator runs it: a real process serving its health and metrics on
``STARSHOP_WORKER_PORT``, stopping cleanly and saying what it leaves."""

import json
import os
import signal
import socket
import subprocess
import time
import uuid
from pathlib import Path

import httpx
import pytest

from .test_cli import STARSHOP, free_port


def start_worker(tmp_path: Path, port: int) -> subprocess.Popen[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("STARSHOP_")}
    env = clean | {"STARSHOP_WORKER_PORT": str(port), "STARSHOP_LOG_FORMAT": "json", "STARSHOP_SWEEP_INTERVAL": "0.2"}
    return subprocess.Popen(
        [*STARSHOP, "worker"], cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def wait_live(proc: subprocess.Popen[str], url: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            if httpx.get(f"{url}/health/live", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.2)
    proc.kill()
    pytest.fail(f"the worker did not serve /health/live: {proc.communicate()}")


def test_the_worker_serves_health_and_metrics_on_its_port_and_says_what_it_leaves_when_stopped(tmp_path):
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    proc = start_worker(tmp_path, port)
    try:
        wait_live(proc, url)
        ready = httpx.get(f"{url}/health/ready", timeout=10)
        assert ready.status_code == 200, ready.text
        assert ready.json()["checks"]["database"]["ok"] is True
        for _ in range(25):  # made-up paths are counted, under one label
            assert httpx.get(f"{url}/{uuid.uuid4().hex}/{uuid.uuid4().hex}", timeout=5).status_code == 404
        time.sleep(0.5)  # a few idle sweeps
        metrics = httpx.get(f"{url}/metrics", timeout=10)
    finally:
        proc.send_signal(signal.SIGTERM)
        _, errors = proc.communicate(timeout=60)
    assert proc.returncode == 0, errors
    assert metrics.status_code == 200
    text = metrics.text
    for name in ("process_resident_memory_bytes", "python_info", "python_gc_objects_collected_total"):
        assert f"\n{name}" in text, name
    for name in ("starshop_outbox_pending", "starshop_outbox_lag_seconds", "starshop_task_queue_depth"):
        assert f"\n{name} " in text, name
    assert 'starshop_http_requests_total{method="GET",route="unmatched",status="404"} 25.0' in text
    assert text.count("starshop_http_requests_total{") == 3  # live, ready, unmatched: no label per path

    lines = [json.loads(line) for line in errors.splitlines() if line.strip()]
    assert any(line["message"] == f"health and metrics on http://127.0.0.1:{port}" for line in lines)
    assert not [line for line in lines if line["message"].startswith("sweep:")]  # idle sweeps are quiet at INFO
    (left,) = [line for line in lines if line["message"].startswith("worker stopped")]
    assert (left["outbox_pending"], left["tasks_queued"]) == (0, 0)


def test_a_taken_worker_port_is_one_clear_line(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        proc = start_worker(tmp_path, port)
        _, errors = proc.communicate(timeout=60)
    assert proc.returncode == 1
    assert f"health and metrics cannot listen on 127.0.0.1:{port}" in errors
    assert "Traceback" not in errors
