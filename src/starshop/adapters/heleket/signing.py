"""Heleket signatures: ``md5(base64(body) + key)`` over bytes, and PHP's re-encoding for webhooks.

Heleket verifies webhooks with the PHP recipe ``json_decode($body, true)``, ``unset($data['sign'])``,
``md5(base64_encode(json_encode($data, JSON_UNESCAPED_UNICODE)) . $key)``. ``php_json_encode`` reproduces
that decode-then-encode round trip for values parsed by ``parse_php_json``: PHP decodes integers beyond
64 bits as floats and prints floats in their shortest form (``serialize_precision = -1``); an associative
array whose keys are ``"0".."n-1"`` (the empty object included) comes back out as a list.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from starshop.application.errors import InvalidSignature, MalformedNotification

MAX_DEPTH = 32
_INT64_MIN = -(2**63)
_INT64_MAX = 2**63 - 1
_SHORT_ESCAPES = {'"': '\\"', "\\": "\\\\", "/": "\\/", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}
_NEEDS_ESCAPE = re.compile('["\\\\/\x00-\x1f\u2028\u2029]')
_SURROGATE = re.compile("[\ud800-\udfff]")


def sign_body(body: bytes, key: str) -> str:
    """The ``sign`` header of a request, or the ``sign`` field of a webhook: lower-case md5 hex."""
    return hashlib.md5(base64.b64encode(body) + key.encode(), usedforsecurity=False).hexdigest()


def php_json_encode(value: object) -> str:
    """``json_encode($value, JSON_UNESCAPED_UNICODE)`` of what PHP's ``json_decode($json, true)`` made."""
    parts: list[str] = []
    _encode(value, parts, 0)
    return "".join(parts)


def parse_php_json(body: bytes) -> Any:
    """Parse JSON as PHP's ``json_decode`` would: key order kept, big integers as floats, strict UTF-8.

    Raises ``MalformedNotification`` for anything PHP would refuse (or could not re-encode).
    """
    try:
        text = body.decode("utf-8")
        value = json.loads(text, object_pairs_hook=dict, parse_int=_php_int, parse_constant=_refuse_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        msg = f"the body is not valid JSON: {type(exc).__name__}"
        raise MalformedNotification(msg) from None
    _check(value, 0)
    return value


def verify_webhook(body: bytes, key: str) -> dict[str, Any]:
    """The webhook's fields (without ``sign``) if its ``sign`` is right; raises otherwise."""
    data = parse_php_json(body)
    if not isinstance(data, dict):
        msg = "the webhook body is not a JSON object"
        raise MalformedNotification(msg)
    if "sign" not in data:
        msg = "the webhook has no sign"
        raise MalformedNotification(msg)
    sign = data.pop("sign")
    if not isinstance(sign, str):
        msg = "the webhook sign is not a string"
        raise MalformedNotification(msg)
    if _signed_as_sent(body, sign, key):
        return data
    expected = sign_body(php_json_encode(data).encode(), key)
    if not hmac.compare_digest(expected.encode(), sign.encode()):
        msg = "the webhook signature does not match"
        raise InvalidSignature(msg)
    return data


_SIGN_LAST = re.compile(rb',"sign":"([0-9a-f]{32})"\}\s*\Z')


def _signed_as_sent(body: bytes, sign: str, key: str) -> bool:
    """Heleket sends the very text it signed with ``"sign"`` added last: when the body ends that way and its text
    without the sign carries the signature, that text is what the key signed, and the PHP re-encoding (which would
    give the same bytes) is skipped. Any other form is checked the PHP way."""
    found = _SIGN_LAST.search(body)
    if found is None or found.group(1) != sign.encode():
        return False
    signed = body[: found.start()] + b"}"
    return hmac.compare_digest(sign_body(signed, key).encode(), sign.encode())


def signed_webhook_body(fields: Mapping[str, object], key: str) -> bytes:
    """What Heleket sends: the fields plus ``sign``, all encoded the PHP way (``/`` as ``\\/``)."""
    data = dict(fields)
    data.pop("sign", None)
    data["sign"] = sign_body(php_json_encode(data).encode(), key)
    return php_json_encode(data).encode()


def _php_int(text: str) -> int | float:
    number = int(text)
    return number if _INT64_MIN <= number <= _INT64_MAX else float(text)


def _refuse_constant(name: str) -> None:
    msg = f"{name} is not JSON"
    raise ValueError(msg)


def _check(value: object, depth: int) -> None:
    """Refuse what PHP cannot round-trip: lone surrogates, infinities, absurd nesting."""
    if isinstance(value, str):
        if _SURROGATE.search(value):
            msg = "the body contains an unpaired UTF-16 surrogate"
            raise MalformedNotification(msg)
    elif isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            msg = "the body contains a number out of range"
            raise MalformedNotification(msg)
    elif isinstance(value, dict | list):
        if depth >= MAX_DEPTH:
            msg = f"the body is nested deeper than {MAX_DEPTH} levels"
            raise MalformedNotification(msg)
        items = list(value.items()) if isinstance(value, dict) else [("", item) for item in value]
        for key, item in items:
            _check(key, depth + 1)
            _check(item, depth + 1)


def _encode(value: object, parts: list[str], depth: int) -> None:
    if depth > MAX_DEPTH:
        msg = f"nested deeper than {MAX_DEPTH} levels"
        raise ValueError(msg)
    if value is None:
        parts.append("null")
    elif value is True:
        parts.append("true")
    elif value is False:
        parts.append("false")
    elif isinstance(value, int):
        parts.append(str(value))
    elif isinstance(value, float):
        parts.append(_php_float(value))
    elif isinstance(value, str):
        parts.append(_php_string(value))
    elif isinstance(value, Mapping):
        _encode_mapping(value, parts, depth)
    elif isinstance(value, list | tuple):
        _encode_list(list(value), parts, depth)
    else:
        msg = f"cannot encode {type(value).__name__}"
        raise TypeError(msg)


def _encode_mapping(value: Mapping[Any, object], parts: list[str], depth: int) -> None:
    keys = [str(key) for key in value]
    if keys == [str(index) for index in range(len(keys))]:
        # A PHP array keyed 0..n-1 (or empty) is a list, whatever the JSON it came from.
        _encode_list(list(value.values()), parts, depth)
        return
    parts.append("{")
    for index, (key, item) in enumerate(zip(keys, value.values(), strict=True)):
        if index:
            parts.append(",")
        parts.append(_php_string(key))
        parts.append(":")
        _encode(item, parts, depth + 1)
    parts.append("}")


def _encode_list(items: list[object], parts: list[str], depth: int) -> None:
    parts.append("[")
    for index, item in enumerate(items):
        if index:
            parts.append(",")
        _encode(item, parts, depth + 1)
    parts.append("]")


def _php_string(text: str) -> str:
    return '"' + _NEEDS_ESCAPE.sub(_escape_char, text) + '"'


def _escape_char(match: re.Match[str]) -> str:
    char = match.group()
    return _SHORT_ESCAPES.get(char) or f"\\u{ord(char):04x}"


def _php_float(number: float) -> str:
    """``zend_gcvt(number, 17, '.', 'e')`` in shortest mode: what ``serialize_precision = -1`` prints."""
    if number != number or number in (float("inf"), float("-inf")):
        msg = "PHP cannot encode INF or NAN"
        raise ValueError(msg)
    sign = "-" if str(number).startswith("-") else ""
    if number == 0:
        return sign + "0"
    decimal = Decimal(repr(abs(number))).normalize()
    _, digit_tuple, exponent = decimal.as_tuple()
    assert isinstance(exponent, int)  # finite
    digits = "".join(map(str, digit_tuple))
    point = len(digits) + exponent  # the value is 0.<digits> * 10**point
    if point > 17 or point < -3:
        mantissa = digits[0] + "." + (digits[1:] or "0")
        power = point - 1
        return f"{sign}{mantissa}e{'-' if power < 0 else '+'}{abs(power)}"
    if point <= 0:
        return f"{sign}0.{'0' * -point}{digits}"
    if len(digits) <= point:
        return sign + digits + "0" * (point - len(digits))
    return f"{sign}{digits[:point]}.{digits[point:]}"
