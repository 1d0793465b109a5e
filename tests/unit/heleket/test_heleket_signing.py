from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable

import pytest

from starshop.adapters.heleket import php_json_encode, sign_body, signed_webhook_body, verify_webhook
from starshop.adapters.heleket.signing import parse_php_json
from starshop.application.errors import InvalidSignature, MalformedNotification

SPEC_BODY = (
    b'{"amount":"15.00","currency":"USD","order_id":"stars_123456789_1718000000",'
    b'"url_callback":"https://bot.example.com/heleket/webhook","lifetime":3600,'
    b'"is_payment_multiple":false,"additional_data":"tg:123456789"}'
)


def test_sign_body_matches_the_spec_worked_example(key: str) -> None:
    assert sign_body(SPEC_BODY, key) == "92ddaaa16e5852c2dc3fe88268659f5a"


def test_sign_body_of_the_empty_body_is_md5_of_the_key(key: str) -> None:
    assert sign_body(b"", key) == "d608e06b86db3f563c3f8480b72c5b64"
    assert sign_body(b"", key) == hashlib.md5(key.encode()).hexdigest()


def test_sign_body_is_md5_of_base64_plus_key(key: str) -> None:
    body = b'{"a":"\\/"}'
    assert sign_body(body, key) == hashlib.md5(base64.b64encode(body) + key.encode()).hexdigest()


@pytest.mark.parametrize(
    ("json_text", "php"),
    [
        ("1.0", "1"),
        ("1e5", "100000"),
        ("0.1", "0.1"),
        ("-1.5", "-1.5"),
        ("0.0001", "0.0001"),
        ("0.00001", "1.0e-5"),
        ("1.5e-7", "1.5e-7"),
        ("1e16", "10000000000000000"),
        ("1e17", "1.0e+17"),
        ("1e300", "1.0e+300"),
        ("0.30000000000000004", "0.30000000000000004"),
        ("-0.0", "-0"),
        ("-0", "0"),
        ("9223372036854775807", "9223372036854775807"),
        ("-9223372036854775808", "-9223372036854775808"),
        ("9223372036854775808", "9.223372036854776e+18"),
        ("12345678901234567890", "1.2345678901234567e+19"),
        ("[1,true,false,null]", "[1,true,false,null]"),
        ("{}", "[]"),
        ('{"0":"a","1":"b"}', '["a","b"]'),
        ('{"1":"a","0":"b"}', '{"1":"a","0":"b"}'),
        ('{"b":1,"a":{"c":[]}}', '{"b":1,"a":{"c":[]}}'),
        ('"https://x.example/a"', '"https:\\/\\/x.example\\/a"'),
        ('"é漢😀"', '"é漢😀"'),
        ('"\\u00e9"', '"é"'),
        ('"\\ud83d\\ude00"', '"😀"'),
        ('"\\u2028\\u2029"', '"\\u2028\\u2029"'),
        ('"q\\"b\\\\"', '"q\\"b\\\\"'),
        ('"\\b\\f\\n\\r\\t"', '"\\b\\f\\n\\r\\t"'),
        ('"\\u0000\\u001f\\u001F"', '"\\u0000\\u001f\\u001f"'),
        ('"\\u007f<>&\'"', '"\x7f<>&\'"'),
        ('{"a":1,"a":2,"b":3}', '{"a":2,"b":3}'),
    ],
)
def test_php_json_encode_reproduces_php_decode_then_encode(json_text: str, php: str) -> None:
    assert php_json_encode(parse_php_json(json_text.encode())) == php


def test_verify_webhook_accepts_a_php_signed_body_and_drops_sign(key: str, fields: Callable[..., dict]) -> None:
    data = fields(additional_data="ссылка https://t.me/x", commission=None)
    body = signed_webhook_body(data, key)
    assert b"https:\\/\\/t.me\\/x" in body
    assert "ссылка".encode() in body

    assert verify_webhook(body, key) == data


def test_verify_webhook_refuses_a_sign_made_without_escaping_slashes(key: str, fields: Callable[..., dict]) -> None:
    data = fields(additional_data="a/b")
    sign = sign_body(json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode(), key)
    body = json.dumps({**data, "sign": sign}).encode()

    with pytest.raises(InvalidSignature):
        verify_webhook(body, key)


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda d: dict(sorted(d.items())), id="sorted keys"),
        pytest.param(lambda d: {k: v for k, v in d.items() if v is not None}, id="nulls dropped"),
    ],
)
def test_verify_webhook_refuses_a_body_signed_other_than_the_php_way(
    key: str, fields: Callable[..., dict], change: Callable[[dict], dict]
) -> None:
    data = fields()
    sign = sign_body(php_json_encode(change(data)).encode(), key)

    with pytest.raises(InvalidSignature):
        verify_webhook(php_json_encode({**data, "sign": sign}).encode(), key)


def test_verify_webhook_refuses_another_key(key: str, fields: Callable[..., dict]) -> None:
    with pytest.raises(InvalidSignature):
        verify_webhook(signed_webhook_body(fields(), "another-key"), key)


def test_verify_webhook_refuses_an_upper_case_sign(key: str, fields: Callable[..., dict]) -> None:
    data = fields()
    sign = sign_body(php_json_encode(data).encode(), key).upper()

    with pytest.raises(InvalidSignature):
        verify_webhook(php_json_encode({**data, "sign": sign}).encode(), key)


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"", id="empty"),
        pytest.param(b"not json", id="not json"),
        pytest.param(b'["a"]', id="a list"),
        pytest.param(b'"text"', id="a string"),
        pytest.param(b'{"status":"paid"}', id="no sign"),
        pytest.param(b'{"status":"paid","sign":null}', id="null sign"),
        pytest.param(b'{"status":"paid","sign":123}', id="number sign"),
        pytest.param(b'{"a":NaN,"sign":"x"}', id="NaN"),
        pytest.param(b'{"a":Infinity,"sign":"x"}', id="Infinity"),
        pytest.param(b'{"a":1e400,"sign":"x"}', id="out of range"),
        pytest.param(b'{"a":"\xff","sign":"x"}', id="invalid utf-8"),
        pytest.param(b'{"a":"\\ud800","sign":"x"}', id="lone surrogate"),
        pytest.param('\ufeff{"sign":"x"}'.encode(), id="BOM"),
        pytest.param(b'{"a":"\x01","sign":"x"}', id="raw control character"),
        pytest.param(b'{"a":1} {"sign":"x"}', id="trailing data"),
        pytest.param(b'{"a":' + b"[" * 40 + b"]" * 40 + b',"sign":"x"}', id="too deep"),
        pytest.param(b'{"a":' + b"[" * 100_000 + b"]" * 100_000 + b',"sign":"x"}', id="far too deep"),
    ],
)
def test_verify_webhook_refuses_malformed_bodies(key: str, body: bytes) -> None:
    with pytest.raises(MalformedNotification):
        verify_webhook(body, key)


def test_a_webhook_as_heleket_sends_it_is_verified_without_encoding_it_again(
    key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    fields = {"type": "payment", "uuid": "u-1", "order_id": "o-1", "amount": "10.00", "url": "https://x.example/a"}
    body = signed_webhook_body(fields, key)
    monkeypatch.setattr("starshop.adapters.heleket.signing.php_json_encode", _never)
    assert verify_webhook(body, key) == fields


def test_a_webhook_in_another_form_than_the_signed_text_is_still_checked_the_php_way(key: str) -> None:
    fields = {"type": "payment", "order_id": "o-1", "amount": "10.00"}
    sign = sign_body(php_json_encode(fields).encode(), key)
    spaced = ('{"type": "payment", "order_id": "o-1", "amount": "10.00","sign":"' + sign + '"}').encode()
    assert verify_webhook(spaced, key) == fields


@pytest.mark.parametrize(
    "tamper",
    [
        lambda body: body.replace(b'"10.00"', b'"99.00"'),
        lambda body: body[:-3] + (b"0" if body[-3:-2] != b"0" else b"1") + body[-2:],
        lambda body: body.replace(b',"sign"', b',"amount":"99.00","sign"'),
    ],
)
def test_a_webhook_changed_after_signing_is_refused_whatever_its_form(
    key: str, tamper: Callable[[bytes], bytes]
) -> None:
    body = tamper(signed_webhook_body({"type": "payment", "order_id": "o-1", "amount": "10.00"}, key))
    with pytest.raises(InvalidSignature):
        verify_webhook(body, key)


def _never(value: object) -> str:
    raise AssertionError("encoded again")
