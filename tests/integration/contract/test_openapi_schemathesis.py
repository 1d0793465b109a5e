"""schemathesis against the OpenAPI schema the app serves: generated requests to every documented route, as a
Mini App user and as an operator. No answer may be a 5xx, and documented responses must match their schema."""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error, response_schema_conformance

from starshop.entrypoints.web.auth import SANDBOX_BOT_TOKEN, init_data_for
from tests.support import free_port

OPERATOR_KEY = "schemathesis-operator-key"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``starshop run`` on its embedded default, with an operator key."""
    port = free_port()
    clean = {k: v for k, v in os.environ.items() if not k.startswith("STARSHOP_")}
    env = clean | {"STARSHOP_PORT": str(port), "STARSHOP_API_KEYS": OPERATOR_KEY, "STARSHOP_RATE_LIMITS": ""}
    workdir = tmp_path_factory.mktemp("shop")
    # Its output goes to a file: a pipe nobody reads until the end fills up (64 KiB: a few hundred access lines) and
    # then blocks the server's logging, and so every request, mid-run.
    log_path = workdir / "starshop.log"
    log = log_path.open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "starshop.entrypoints.cli", "run"],
        cwd=workdir,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(f"{url}/health/ready", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        else:
            pytest.fail("starshop run did not serve /health/ready within 30 s")
        yield url
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)
        log.close()
        output = log_path.read_text()
        assert "Traceback" not in output, output[-3000:]


@pytest.fixture(scope="module")
def api_schema(server: str) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_url(f"{server}/api/v1/schema/openapi.json")


USER = {"Authorization": f"tma {init_data_for({'id': 31337, 'username': 'schema_user'}, SANDBOX_BOT_TOKEN)}"}


def test_every_documented_route_answers_without_5xx_and_as_documented(api_schema: schemathesis.BaseSchema) -> None:
    """Each operation gets hypothesis-generated requests (schemathesis' pytest plugin does not run on this pytest,
    so the operations are driven directly with ``as_strategy``)."""
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 10
    calls: list[int] = []
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def exercise(case: schemathesis.Case) -> None:
            headers = {"X-API-Key": OPERATOR_KEY} if case.path.startswith("/api/v1/admin") else dict(USER)
            if case.method.upper() == "POST":
                headers["Idempotency-Key"] = f"st-{time.monotonic_ns()}"
            response = case.call_and_validate(headers=headers, checks=[not_a_server_error, response_schema_conformance])
            calls.append(response.status_code)

        exercise()
    assert len(calls) >= 5 * len(operations)  # hypothesis stops early on operations with few distinct inputs
    assert any(200 <= status < 300 for status in calls)  # the generated requests were not all refused


def test_the_schema_documents_every_api_route(api_schema: schemathesis.BaseSchema) -> None:
    paths = set(api_schema.raw_schema["paths"])
    assert {"/api/v1/me", "/api/v1/purchases", "/api/v1/recharges", "/api/v1/admin/audit"} <= paths
    assert not any(path.startswith("/sandbox") for path in paths)
