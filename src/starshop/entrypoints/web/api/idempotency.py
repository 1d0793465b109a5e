"""The one ``Idempotency-Key`` rule of the API's money-moving POSTs (user and operator routes alike)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, TypeVar

from litestar import Request, Response
from litestar.openapi.spec import OpenAPIType, Operation, Parameter, Schema

from starshop.entrypoints.web.errors import RequestRefused

_KEY = re.compile(r"[A-Za-z0-9_\-:.]{1,64}")
KEY_PARAMETER = Parameter(
    name="Idempotency-Key",
    param_in="header",
    required=True,
    description="One per intent: a retry with the same key and body answers with the same transaction",
    schema=Schema(type=OpenAPIType.STRING, pattern=r"^[A-Za-z0-9_\-:.]{1,64}$", min_length=1, max_length=64),
)
Body = TypeVar("Body")


def idempotency_key(request: Request[Any, Any, Any]) -> str:
    """Required on every money-moving POST: a retry with the same key gets the first answer back."""
    key = request.headers.get("idempotency-key")
    if key is None:
        raise RequestRefused(400, "idempotency_key_required", "send an Idempotency-Key header with every POST")
    if not _KEY.fullmatch(key):
        raise RequestRefused(400, "idempotency_key_invalid", "Idempotency-Key: 1-64 of A-Z a-z 0-9 _ - : .")
    return key


def created(body: Body, *, replayed: bool) -> Response[Body]:
    """201 for a new transaction and for a replay of it (told apart by ``Idempotent-Replayed``)."""
    return Response(body, status_code=201, headers={"Idempotent-Replayed": str(replayed).lower()})


@dataclass
class IdempotentOperation(Operation):
    """The schema of a money-moving POST: it declares the ``Idempotency-Key`` header it requires."""

    def __post_init__(self) -> None:
        self.parameters = [*(self.parameters or []), KEY_PARAMETER]
