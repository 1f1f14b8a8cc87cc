"""A small request or reply body sent again byte for byte is recorded by a sealed record (masked and
serialised once): the same record as made anew, secrets masked, and a body sent once — each save's
own msgid, each token issued — never sealed (issue 12: a load test's repeated token requests, and
the same refusal they get)."""
from __future__ import annotations

import json
from typing import Any

import pytest

from reference.exchanges.record import Sealed
from reference.transports.http import recorder as http_recorder
from tests.province_cloud.helpers import H1, secret


@pytest.fixture
def sealed_requests(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """The request records sealed while the test runs (each as the record it was made from)."""
    made: list[dict[str, Any]] = []

    class Counted(Sealed):
        def __init__(self, record: dict[str, Any], fields: frozenset[str] | None) -> None:
            if "headers" in record and "user-agent" in record["headers"]:  # a request's record
                made.append(record)
            super().__init__(record, fields)

    monkeypatch.setattr(http_recorder, "Sealed", Counted)
    return made


@pytest.fixture
def sealed_replies(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """The reply records without a digest the handler knew sealed while the test runs."""
    made: list[dict[str, Any]] = []

    class Counted(Sealed):
        def __init__(self, record: dict[str, Any], fields: frozenset[str] | None) -> None:
            if "headers" in record and "user-agent" not in record["headers"]:  # a reply's record
                made.append(record)
            super().__init__(record, fields)

    monkeypatch.setattr(http_recorder, "Sealed", Counted)
    return made


def _logged(running: Any, reply: Any) -> dict[str, Any]:
    return running.sandbox.exchanges.query(uid=reply.headers["x-imgcloud-exchange"])[0]


def _token_request(running: Any) -> bytes:
    return json.dumps({"uid": H1, "appSecret": secret(running, H1)}).encode()


def test_a_repeated_request_is_sealed_once_and_logged_as_the_first(running, sealed_requests):
    body = _token_request(running)
    replies = [running.client.post("/interface/getToken", content=body, headers={"content-type": "application/json"})
               for _ in range(4)]
    records = [_logged(running, reply)["request"] for reply in replies]
    assert len(sealed_requests) == 1  # sealed at the second sending, reused at the third and fourth
    assert records[0] == records[1] == records[2] == records[3]
    assert records[0]["json"]["appSecret"] == "****" + secret(running, H1)[-4:]
    assert secret(running, H1) not in json.dumps(records)


def test_other_headers_are_another_record(running, sealed_requests):
    body = _token_request(running)
    for agent in ("vendor-a", "vendor-a", "vendor-b", "vendor-b"):
        reply = running.client.post("/interface/getToken", content=body,
                                    headers={"content-type": "application/json", "user-agent": agent})
        assert _logged(running, reply)["request"]["headers"]["user-agent"] == agent
    assert len(sealed_requests) == 2


def test_a_body_sent_once_is_never_sealed(running, sealed_requests):
    for n in range(3):
        body = json.dumps({"uid": H1, "appSecret": secret(running, H1), "n": n}).encode()
        running.client.post("/interface/getToken", content=body, headers={"content-type": "application/json"})
    assert sealed_requests == []


def test_a_larger_body_is_made_anew_each_time(running, sealed_requests):
    body = json.dumps({"uid": H1, "appSecret": secret(running, H1),
                       "pad": "x" * http_recorder.SEALED_BODY_BYTES}).encode()
    replies = [running.client.post("/interface/getToken", content=body, headers={"content-type": "application/json"})
               for _ in range(3)]
    assert sealed_requests == []
    assert _logged(running, replies[2])["request"]["json"]["appSecret"].startswith("****")


def test_unmasked_when_masking_is_off(make_config, make_running, sealed_requests):
    running = make_running(make_config(exchange_log={"mask_secrets": False}))
    body = _token_request(running)
    replies = [running.client.post("/interface/getToken", content=body, headers={"content-type": "application/json"})
               for _ in range(3)]
    assert len(sealed_requests) == 1
    assert all(_logged(running, reply)["request"]["json"]["appSecret"] == secret(running, H1) for reply in replies)


def test_a_seal_made_with_other_fields_is_masked_again_when_written():
    """``Recording.finish`` logs a sealed request as it is only when sealed with the fields in force."""
    from reference.exchanges.recorder import Recording
    from reference.exchanges.record import ExchangeDraft

    written: list[dict[str, Any]] = []

    class Log:
        def write(self, row: dict[str, Any]) -> None:
            written.append(row)

    class Box:
        config = type("C", (), {"exchange_log": type("E", (), {"mask_secrets": True, "secret_fields": ["appSecret"]})()})()
        exchanges = Log()

    record = {"headers": {"content-type": "application/json", "user-agent": None}, "size": 40,
              "media_type": "application/json", "json": {"appSecret": "ABCDEFGH1234"}}
    stale = Sealed(record, None)  # sealed while masking was off
    Recording(Box(), ExchangeDraft()).finish(method="POST", url="/x", status=200, request=stale, response={})  # type: ignore[arg-type]
    shown = written[0]["request"]
    text = shown.text if hasattr(shown, "text") else json.dumps(shown)
    assert "ABCDEFGH1234" not in text and '"****1234"' in text


def test_a_repeated_reply_is_sealed_once_and_logged_as_the_first(running, sealed_replies):
    body = json.dumps({"uid": H1}).encode()  # no appSecret: the same refusal each time
    replies = [running.client.post("/interface/getToken", content=body, headers={"content-type": "application/json"})
               for _ in range(4)]
    assert len({reply.content for reply in replies}) == 1
    records = [_logged(running, reply)["response"] for reply in replies]
    assert len(sealed_replies) == 1
    assert records[0] == records[1] == records[2] == records[3]
    assert records[0]["json"] == replies[0].json()


def test_replies_that_differ_are_never_sealed(running, sealed_replies):
    body = _token_request(running)
    replies = [running.client.post("/interface/getToken", content=body, headers={"content-type": "application/json"})
               for _ in range(3)]
    tokens = {reply.json()["datas"]["token"] for reply in replies}
    assert len(tokens) == 3 and sealed_replies == []
    assert [_logged(running, reply)["response"]["json"]["code"] for reply in replies] == [200] * 3
