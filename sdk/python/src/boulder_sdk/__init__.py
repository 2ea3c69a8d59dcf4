"""Python SDK of the boulder daemon API: ``client = await connect(socket=..., token=...)``."""

from .client import (
    CHUNK_BYTES,
    ApplyResult,
    Client,
    ExecResult,
    FileContent,
    FileEntry,
    LifecycleResult,
    ListResult,
    ServerInfo,
    WatchEvent,
    Workspace,
    WriteResult,
    connect,
)
from .errors import JSON_RPC_CODES, ApiError, from_json_rpc_error
from .frames import decode_frame, encode_notification, encode_request

__all__ = [
    "CHUNK_BYTES",
    "JSON_RPC_CODES",
    "ApiError",
    "ApplyResult",
    "Client",
    "ExecResult",
    "FileContent",
    "FileEntry",
    "LifecycleResult",
    "ListResult",
    "ServerInfo",
    "WatchEvent",
    "Workspace",
    "WriteResult",
    "connect",
    "decode_frame",
    "encode_notification",
    "encode_request",
    "from_json_rpc_error",
]
