"""The shared protocol vectors (schemas/api/vectors/), read by the Go and TypeScript SDKs too."""

from __future__ import annotations

import asyncio

import pytest

from boulder_sdk import ApiError, decode_frame, encode_notification, encode_request, from_json_rpc_error
from boulder_sdk.client import _Stream

from conftest import load


def test_requests_encode_to_the_vector_bytes() -> None:
    vectors = load("schemas", "api", "vectors", "requests.json")
    assert vectors["requests"]
    for v in vectors["requests"]:
        assert encode_request(v["id"], v["method"], v["params"]) == v["frame"], v["name"]
    for v in vectors["notifications"]:
        assert encode_notification(v["method"], v["params"]) == v["frame"], v["name"]


def test_responses_decode() -> None:
    for v in load("schemas", "api", "vectors", "responses.json")["responses"]:
        messages = decode_frame(v["frame"])
        if "batch" in v:
            assert [(m["id"], m["result"]) for m in messages] == [(b["id"], b["result"]) for b in v["batch"]], v["name"]
        else:
            assert [(m["id"], m["result"]) for m in messages] == [(v["id"], v["result"])], v["name"]


def test_errors_decode_to_stable_codes() -> None:
    for v in load("schemas", "api", "vectors", "errors.json")["errors"]:
        [message] = decode_frame(v["frame"])
        assert message["id"] == v["id"], v["name"]
        err = from_json_rpc_error(message["error"])
        assert (err.code, err.json_rpc_code, err.message, err.reason) == (v["code"], v["jsonRpcCode"], v["message"], v.get("reason")), v["name"]


async def test_notifications_decode_and_end_streams() -> None:
    for v in load("schemas", "api", "vectors", "notifications.json")["notifications"]:
        [message] = decode_frame(v["frame"])
        assert "id" not in message
        assert (message["method"], message["params"], message["params"]["stream"]) == (v["method"], v["params"], v["stream"]), v["name"]
        if v["method"] != "stream.end":
            continue
        stream = _Stream.__new__(_Stream)
        stream.queue = asyncio.Queue()
        stream.ended = False
        stream.id = v["stream"]

        class _Owner:
            _streams: dict[str, object] = {}
            _close_error = None

        stream.client = _Owner()  # type: ignore[assignment]
        stream.queue.put_nowait({"method": message["method"], "params": message["params"]})
        if "errorCode" in v:
            with pytest.raises(ApiError) as caught:
                async for _ in stream:
                    pass
            assert caught.value.code == v["errorCode"]
        else:
            assert [n async for n in stream] == []
