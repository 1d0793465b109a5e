from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from starshop.adapters.heleket import php_json_encode, signed_webhook_body, verify_webhook
from starshop.adapters.heleket.signing import parse_php_json
from starshop.application.errors import InvalidSignature, MalformedNotification

KEY = "property-key"
TRICKY = st.sampled_from(['"', "\\", "/", "\x00", "\x1f", "\x7f", "\n", "\u2028", "\u2029", "é", "漢", "😀", "\ufeff"])
text = st.lists(st.text(max_size=6) | TRICKY, max_size=4).map("".join)
scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    # -0.0 is left out: PHP writes it "-0", which it decodes as the integer 0, so PHP cannot verify it either.
    | st.floats(allow_nan=False, allow_infinity=False).filter(lambda f: f != 0 or str(f) == "0.0")
    | text
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(text, inner, max_size=4),
    max_leaves=20,
)
objects = st.dictionaries(text.filter(lambda k: k != "sign"), values, max_size=6)


def encoded(data: Any) -> str:
    return php_json_encode(data)


@given(objects)
def test_any_php_encoded_object_signed_with_the_key_is_accepted(data: dict[str, Any]) -> None:
    body = signed_webhook_body(data, KEY)

    assert encoded(verify_webhook(body, KEY)) == encoded(data)


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(objects, st.data())
def test_a_body_with_any_one_byte_changed_is_refused_unless_php_reads_it_the_same(
    data: dict[str, Any], draw: st.DataObject
) -> None:
    body = signed_webhook_body(data, KEY)
    index = draw.draw(st.integers(0, len(body) - 1))
    new_byte = draw.draw(st.integers(0, 255).filter(lambda b: b != body[index]))
    changed = body[:index] + bytes([new_byte]) + body[index + 1 :]

    try:
        accepted = verify_webhook(changed, KEY)
    except (InvalidSignature, MalformedNotification):
        return
    # Only a change PHP cannot see passes: "\u001f" -> "\u001F", "e+17" -> "E+17" and the like.
    assert encoded(accepted) == encoded(data)


@given(objects.filter(bool), st.data())
def test_a_body_with_a_key_dropped_is_refused(data: dict[str, Any], draw: st.DataObject) -> None:
    parsed = parse_php_json(signed_webhook_body(data, KEY))
    dropped = draw.draw(st.sampled_from([k for k in parsed if k != "sign"]))
    del parsed[dropped]

    with pytest.raises(InvalidSignature):
        verify_webhook(php_json_encode(parsed).encode(), KEY)


@given(objects, st.data())
def test_a_body_with_the_sign_altered_is_refused(data: dict[str, Any], draw: st.DataObject) -> None:
    parsed = json.loads(signed_webhook_body(data, KEY), object_pairs_hook=dict)
    sign = parsed["sign"]
    index = draw.draw(st.integers(0, len(sign) - 1))
    char = draw.draw(st.sampled_from("0123456789abcdefABCDEF").filter(lambda c: c != sign[index]))
    parsed["sign"] = sign[:index] + char + sign[index + 1 :]
    assume(parsed["sign"] != sign)

    with pytest.raises(InvalidSignature):
        verify_webhook(php_json_encode(parsed).encode(), KEY)
