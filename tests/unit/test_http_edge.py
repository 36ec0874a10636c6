"""The gateway's edge without a broker: bounds on what a request carries, the one error envelope,
the idempotency context, and the supervisord configuration ``make run`` uses."""
from __future__ import annotations

import json
import re

import pytest
from werkzeug.exceptions import MethodNotAllowed, NotFound, RequestEntityTooLarge
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from services.gateway import edge, http
from services.gateway.http import Limits, Refused
from services.kernel.errors import IllegalTransition, NotFound as Missing, ValidationFailed

CJK = re.compile(r"[\u4e00-\u9fff]")
SMALL = Limits(max_body=100, max_depth=3, max_string=10, max_items=3, max_number=1000)


def refused(call, *args):
    with pytest.raises(Refused) as caught:
        call(*args)
    return caught.value


def test_bodies_within_bounds_parse():
    assert http.parse_body(b"") == {}
    assert http.parse_body(b'{"a": [1, 2.5, "x", null, true]}') == {"a": [1, 2.5, "x", None, True]}
    assert http.parse_body('{"title": "修路"}'.encode()) == {"title": "修路"}


@pytest.mark.parametrize("raw, field", [
    (b'{"a": [[[[1]]]]}', "_body"),                       # deeper than 3
    (b'{"a": "' + b"x" * 11 + b'"}', "a"),                # string longer than 10
    (b'{"a": [1, 2, 3, 4]}', "a"),                        # more than 3 items
    (b'{"a": {"b": 1001}}', "a.b"),                       # number over 1000
    (b'{"a": [0, -1e25]}', "a[1]"),
    (b'{"a": NaN}', "_body"),                             # JSON has no NaN
    (b'{"a": Infinity}', "_body"),
    (b'{nope', "_body"),
    (b'\xff\xfe', "_body"),                               # not UTF-8
])
def test_bodies_out_of_bounds_are_refused_naming_the_field(raw, field):
    error = refused(http.parse_body, raw, SMALL)
    assert error.status == 400 and field in error.fields and CJK.search(error.message)


def test_nesting_is_refused_before_the_parser_recurses():
    error = refused(http.parse_body, b"[" * 200_000)
    assert error.status == 400 and "_body" in error.fields
    # brackets inside strings are not nesting
    assert http.parse_body(b'{"a": "[[[[[[[[[[[[[[[[[[[[[[[["}', Limits(max_string=100)) == {"a": "[" * 24}


@pytest.mark.parametrize("args, field", [
    ({"limit": "0"}, "limit"), ({"limit": "501"}, "limit"), ({"limit": "ten"}, "limit"),
    ({"limit": "１０"}, "limit"), ({"offset": "-1"}, "offset"),
    ({"offset": "99999999999999999999"}, "offset"), ({"q": "x" * 513}, "q"),
])
def test_query_strings_are_bounded(args, field):
    assert field in refused(http.check_query, args).fields


def test_query_strings_within_bounds_pass_through():
    assert http.check_query({"limit": "500", "offset": "0", "village_id": "伍桂墩"}) == \
        {"limit": "500", "offset": "0", "village_id": "伍桂墩"}


def test_a_body_over_the_limit_is_413_with_or_without_a_length():
    big = Request(EnvironBuilder(method="POST", data=b"x" * 200).get_environ())
    assert refused(http.read_body, big, 100).status == 413
    chunked = EnvironBuilder(method="POST", data=b"x" * 200).get_environ()
    del chunked["CONTENT_LENGTH"]
    chunked["wsgi.input_terminated"] = True  # as a server says for a chunked body
    assert refused(http.read_body, Request(chunked), 100).status == 413


def body(response):
    return response.status_code, json.loads(response.get_data(as_text=True))


@pytest.mark.parametrize("exc, status", [
    (NotFound(), 404), (MethodNotAllowed(["GET", "POST"]), 405), (RequestEntityTooLarge(), 413),
])
def test_werkzeugs_refusals_use_the_envelope(exc, status):
    got, answer = body(http.from_http_exception(exc))
    assert got == status and answer["error"] == http.CODES[status] and CJK.search(answer["message"])
    if status == 405:
        assert answer["allowed"] == ["GET", "POST"]


@pytest.mark.parametrize("error", [
    ValidationFailed.from_messages({"title": ["必填字段"]}), Missing.of("motion", "m-1"),
    IllegalTransition.of("motion", "raised", "start", {"withdraw"}),
])
def test_our_errors_read_chinese_first(error):
    _, answer = body(http.from_error(error))
    assert CJK.search(answer["message"][:4]), answer["message"]


def test_an_unknown_failure_is_a_500_with_an_id_and_no_internals(caplog):
    status, answer = body(http.from_error(KeyError("secret_column")))
    assert status == 500 and answer["error"] == "internal_error"
    assert "secret_column" not in answer["message"] and answer["id"] in answer["message"]
    assert answer["id"] in caplog.text  # logged once, with the same id


def test_english_messages_get_the_status_text_in_front():
    assert http.chinese_first(404, "household x not found") == "未找到：household x not found"
    assert http.chinese_first(400, "村名有误") == "村名有误"


def test_the_idempotency_context_carries_the_key_and_a_digest_of_the_request():
    def keyed(key, payload):
        request = Request(EnvironBuilder(method="POST", path="/api/suggestions",
                                         headers={"Idempotency-Key": key}).get_environ())
        return edge.idempotency_context(request, {"payload": payload})
    first, same, other = keyed("k1", {"a": 1}), keyed("k1", {"a": 1}), keyed("k1", {"a": 2})
    assert first["idempotency_key"] == "k1" and first == same
    assert other["idempotency_digest"] != first["idempotency_digest"]
    assert refused(keyed, "x" * 201, {}).status == 400
    assert refused(keyed, "密钥", {}).status == 400
    plain = Request(EnvironBuilder(method="POST", path="/api/suggestions").get_environ())
    assert edge.idempotency_context(plain, {}) == {}


def test_the_supervisord_config_has_every_procfile_process_restarted(tmp_path):
    from services import runner
    path = runner.write_config(str(tmp_path), str(tmp_path / "logs"))
    text = path.read_text()
    for name in runner.read_procfile():
        section = text.split(f"[program:{name}]", 1)[1].split("[program:", 1)[0]
        assert "autorestart=true" in section and f'COCREATE_SERVICE="{name}"' in section
        assert "nameko run --config config.yaml" in section
    assert (tmp_path / "supervisor").is_dir()


def test_a_broken_procfile_line_names_its_line(tmp_path):
    from services import runner
    procfile = tmp_path / "Procfile"
    procfile.write_text("web: nameko run x\nbroken line\n")
    with pytest.raises(ValueError, match=r"Procfile:2"):
        runner.read_procfile(procfile)
