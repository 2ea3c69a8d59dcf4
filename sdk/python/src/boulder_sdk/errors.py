"""Typed errors: every failed call raises ApiError whose ``code`` is the API's stable code
(``error.data.code``; the table of the daemon's server/rpc/errors.ts)."""

from __future__ import annotations

from typing import Any, Final

JSON_RPC_CODES: Final[dict[str, int]] = {
    "ParseError": -32700,
    "InvalidRequest": -32600,
    "MethodNotFound": -32601,
    "InvalidParams": -32602,
    "Internal": -32603,
    "Unauthenticated": -32001,
    "Forbidden": -32003,
    "NotFound": -32004,
    "Conflict": -32009,
    "Gone": -32010,
    "PreconditionFailed": -32012,
    "TooLarge": -32013,
    "PathEscapesWorkspace": -32014,
    "Unavailable": -32015,
    "Cancelled": -32800,
}


class ApiError(Exception):
    """A failed call or connection: ``code`` is stable, ``message`` for humans, ``data`` has
    details (``issues`` with field paths, ``reason``)."""

    def __init__(self, code: str, message: str, data: dict[str, Any] | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.json_rpc_code = JSON_RPC_CODES.get(code, JSON_RPC_CODES["Internal"])
        self.message = message
        self.data = data

    @property
    def reason(self) -> str | None:
        """``data.reason`` (e.g. ``expired``, ``revoked``, ``scope``), when the daemon gave one."""
        value = (self.data or {}).get("reason")
        return value if isinstance(value, str) else None


def from_json_rpc_error(error: Any) -> ApiError:
    """The ApiError of a JSON-RPC error object: data.code when known, else the numeric code's, else Internal."""
    if not isinstance(error, dict):
        return ApiError("Internal", "malformed error object")
    data = error.get("data") if isinstance(error.get("data"), dict) else None
    code = None
    if data is not None and isinstance(data.get("code"), str) and data["code"] in JSON_RPC_CODES:
        code = data["code"]
    if code is None:
        code = next((name for name, number in JSON_RPC_CODES.items() if number == error.get("code")), "Internal")
    message = error.get("message") if isinstance(error.get("message"), str) else "unknown error"
    return ApiError(code, message, data)
