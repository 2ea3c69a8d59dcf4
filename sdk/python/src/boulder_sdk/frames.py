"""Frames on the wire: JSON-RPC 2.0, one compact JSON text per WebSocket message, keys of a
request in the order jsonrpc, id, method, params, UTF-8 unescaped (schemas/api/vectors/ pins the bytes)."""

from __future__ import annotations

import json
from typing import Any


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def encode_request(id: int, method: str, params: dict[str, Any]) -> str:
    """The frame of call ``id``."""
    return _dumps({"jsonrpc": "2.0", "id": id, "method": method, "params": params})


def encode_notification(method: str, params: dict[str, Any]) -> str:
    """The frame of a notification the client sends (``$/cancelRequest``)."""
    return _dumps({"jsonrpc": "2.0", "method": method, "params": params})


def decode_frame(data: str | bytes) -> list[dict[str, Any]]:
    """The messages of one WebSocket message (a batch gives several); non-objects are dropped."""
    parsed = json.loads(data)
    items = parsed if isinstance(parsed, list) else [parsed]
    return [item for item in items if isinstance(item, dict)]
