"""JSON log lines carry the request id or the update id of what is being handled."""

import json
import logging

from starshop.entrypoints.observability import JsonFormatter, request_id, update_id


def render(message: str) -> dict[str, object]:
    record = logging.LogRecord("starshop.test", logging.INFO, __file__, 1, message, None, None)
    return json.loads(JsonFormatter().format(record))


def test_a_line_outside_any_request_has_no_ids():
    line = render("hello")
    assert (line["level"], line["logger"], line["message"]) == ("INFO", "starshop.test", "hello")
    assert "request_id" not in line
    assert "update_id" not in line


def test_lines_inside_a_request_or_an_update_carry_its_id():
    token = request_id.set("abc123")
    try:
        assert render("in a request")["request_id"] == "abc123"
    finally:
        request_id.reset(token)
    token = update_id.set(987)
    try:
        assert render("in an update")["update_id"] == 987
    finally:
        update_id.reset(token)


def test_fields_given_with_extra_are_fields_of_the_line():
    record = logging.LogRecord("starshop.worker", logging.INFO, __file__, 1, "sweep", None, None)
    record.__dict__.update({"purchases_delivered": 2, "note": "fine"})
    line = json.loads(JsonFormatter().format(record))
    assert (line["purchases_delivered"], line["note"]) == (2, "fine")
    assert "args" not in line
    assert "pathname" not in line
