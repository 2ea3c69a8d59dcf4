"""The client: one WebSocket to the boulder daemon API multiplexing JSON-RPC calls; notifications
are routed to streams by their ``stream`` id; cancelling a call (asyncio) tells the daemon
(``$/cancelRequest``); every failure raises ApiError with the API's stable code."""

from __future__ import annotations

import asyncio
import base64
from contextlib import aclosing
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any, Literal, TypedDict

from websockets.asyncio.client import ClientConnection, connect as ws_connect, unix_connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake

from .errors import ApiError, from_json_rpc_error
from .frames import decode_frame, encode_notification, encode_request

#: Largest chunk one message carries (decoded bytes).
CHUNK_BYTES = 1024 * 1024

Kind = Literal["Workspace", "PortBinding", "SyncSession"]


class ServerInfo(TypedDict, total=False):
    version: str
    methods: list[str]
    maxPayload: int


class ListResult(TypedDict, total=False):
    items: list[dict[str, Any]]
    resourceVersion: str


class ApplyResult(TypedDict):
    outcome: str
    object: dict[str, Any]


class LifecycleResult(TypedDict, total=False):
    name: str
    state: str
    changed: bool
    #: the workspaces a switch paused
    paused: list[str]


class FileEntry(TypedDict, total=False):
    path: str
    type: Literal["file", "directory", "symlink", "other"]
    size: int
    mode: int
    mtime: str
    target: str
    sha256: str


class WriteResult(TypedDict):
    size: int
    sha256: str


@dataclass
class WatchEvent:
    """One change a watch reports."""

    type: Literal["ADDED", "MODIFIED", "DELETED"]
    object: dict[str, Any]


@dataclass
class FileContent:
    """A file's content; ``sha256`` (when the read covered it) is what ``if_match`` takes."""

    data: bytes
    size: int
    sha256: str | None


@dataclass
class ExecResult:
    """How a command ended: ``exit_code`` is None when it was killed before it reported one;
    ``stdout``/``stderr`` hold the output no callback took."""

    exit_code: int | None
    stdout: bytes
    stderr: bytes


_END = object()


def _opt(params: dict[str, Any], **extra: Any) -> dict[str, Any]:
    for key, value in extra.items():
        if value is not None:
            params[key] = value
    return params


class _Stream:
    """The notifications of one server stream, in order, until ``stream.end``."""

    def __init__(self, client: Client, stream: str) -> None:
        self.client = client
        self.id = stream
        self.queue: asyncio.Queue[Any] = asyncio.Queue()
        self.ended = False

    async def __aiter__(self) -> AsyncGenerator[dict[str, Any], None]:
        try:
            while True:
                item = await self.queue.get()
                if isinstance(item, ApiError):
                    self.ended = True
                    raise item
                if item["method"] == "stream.end":
                    self.ended = True
                    error = item.get("params", {}).get("error")
                    if error is not None:
                        raise from_json_rpc_error(error)
                    return
                yield item
        finally:
            self.client._streams.pop(self.id, None)
            if not self.ended and self.client._close_error is None:
                # Shielded, so leaving the loop by cancellation still tells the daemon; the
                # callback retrieves the outcome when nobody awaits it any more.
                task = asyncio.ensure_future(self.client.call("streams.cancel", {"stream": self.id}))
                task.add_done_callback(lambda t: None if t.cancelled() else t.exception())
                try:
                    await asyncio.shield(task)
                except (ApiError, asyncio.CancelledError):
                    pass


class Client:
    """A connection to the boulder daemon API; use ``await Client.connect(socket=..., token=...)``
    (or ``async with await Client.connect(...) as client``)."""

    def __init__(self, ws: ClientConnection) -> None:
        self._ws = ws
        self._next_id = 1
        self._pending: dict[int, asyncio.Future[Any]] = {}
        self._streams: dict[str, _Stream] = {}
        self._early: dict[str, list[dict[str, Any]]] = {}
        self._refusal: ApiError | None = None
        self._close_error: ApiError | None = None
        self._reader = asyncio.get_running_loop().create_task(self._read_loop())
        self.info: ServerInfo = {}

    @classmethod
    async def connect(cls, *, token: str, socket: str | None = None, url: str | None = None, max_size: int = 64 * 1024 * 1024) -> Client:
        """Connects (exactly one of ``socket``, a unix socket path, and ``url``, ws:// or wss://)
        and calls server.info; a refused token raises ApiError('Unauthenticated')."""
        if (socket is None) == (url is None):
            raise TypeError("connect() needs exactly one of socket and url")
        headers = {"Authorization": f"Bearer {token}"}
        try:
            if socket is not None:
                ws = await unix_connect(socket, "ws://localhost/", additional_headers=headers, max_size=max_size, compression=None)
            else:
                ws = await ws_connect(url, additional_headers=headers, max_size=max_size, compression=None)  # type: ignore[arg-type]
        except (OSError, InvalidHandshake) as err:
            raise ApiError("Unavailable", f"cannot connect to the boulder daemon API at {socket or url}: {err}") from err
        client = cls(ws)
        try:
            client.info = await client.call("server.info", {})
        except BaseException:
            await client.close()
            raise
        return client

    async def __aenter__(self) -> Client:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        """Closes the connection; pending calls and streams fail with Unavailable."""
        await self._ws.close(1000, "client closed")
        try:
            await self._reader
        except asyncio.CancelledError:
            pass

    # --- calls -------------------------------------------------------------------------------

    async def call(self, method: str, params: dict[str, Any] | None = None) -> Any:
        """Calls ``method`` with ``params`` (by name); raises ApiError. Cancelling the awaiting task
        tells the daemon (``$/cancelRequest``)."""
        if self._close_error is not None:
            raise self._close_error
        id = self._next_id
        self._next_id += 1
        frame = encode_request(id, method, params if params is not None else {})
        limit = self.info.get("maxPayload")
        if limit is not None and len(frame.encode()) > limit:
            raise ApiError("TooLarge", f"the {method} message is {len(frame.encode())} bytes; the daemon accepts at most {limit}")
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending[id] = future
        try:
            await self._ws.send(frame)
        except ConnectionClosed:
            self._pending.pop(id, None)
            raise self._close_error or ApiError("Unavailable", "not connected to the daemon") from None
        try:
            return await future
        except asyncio.CancelledError:
            if self._pending.pop(id, None) is not None and self._close_error is None:
                try:
                    await self._ws.send(encode_notification("$/cancelRequest", {"id": id}))
                except ConnectionClosed:
                    pass
            raise

    async def _read_loop(self) -> None:
        try:
            async for data in self._ws:
                try:
                    messages = decode_frame(data)
                except ValueError:
                    continue
                for message in messages:
                    self._dispatch(message)
        except ConnectionClosed:
            pass
        code = self._ws.close_code
        reason = self._ws.close_reason or ""
        if code == 4401:
            err = self._refusal or ApiError("Unauthenticated", reason or "the daemon refused the token")
        elif code == 1009:
            err = ApiError("TooLarge", "a message was larger than the daemon accepts; the connection was closed")
        else:
            err = ApiError("Unavailable", f"the connection to the daemon closed ({code} {reason})".rstrip())
        self._close_error = err
        for future in self._pending.values():
            if not future.done():
                future.set_exception(err)
        self._pending.clear()
        for stream in list(self._streams.values()):
            stream.queue.put_nowait(err)
        self._streams.clear()
        self._early.clear()

    def _dispatch(self, message: dict[str, Any]) -> None:
        if isinstance(message.get("method"), str):
            params = message.get("params") if isinstance(message.get("params"), dict) else {}
            stream = params.get("stream") if isinstance(params, dict) else None
            if not isinstance(stream, str):
                return
            note = {"method": message["method"], "params": params}
            target = self._streams.get(stream)
            if target is not None:
                target.queue.put_nowait(note)
            else:
                early = self._early.setdefault(stream, [])
                if len(early) < 10_000:
                    early.append(note)
        elif isinstance(message.get("id"), int):
            future = self._pending.pop(message["id"], None)
            if future is None or future.done():
                return
            if message.get("error") is not None:
                future.set_exception(from_json_rpc_error(message["error"]))
            else:
                future.set_result(message.get("result"))
        elif message.get("id") is None and message.get("error") is not None:
            self._refusal = from_json_rpc_error(message["error"])

    def _open_stream(self, stream: str) -> _Stream:
        handle = _Stream(self, stream)
        if self._close_error is not None:
            handle.queue.put_nowait(self._close_error)
            return handle
        for note in self._early.pop(stream, []):
            handle.queue.put_nowait(note)
        self._streams[stream] = handle
        return handle

    # --- resources and lifecycle -------------------------------------------------------------

    async def get(self, kind: Kind, name: str, *, namespace: str | None = None) -> dict[str, Any]:
        """resources.get."""
        return await self.call("resources.get", _opt({"kind": kind, "name": name}, namespace=namespace))

    async def list(self, kind: Kind, *, namespace: str | None = None, label_selector: str | None = None) -> ListResult:
        """resources.list."""
        return await self.call("resources.list", _opt({"kind": kind}, namespace=namespace, labelSelector=label_selector))

    async def apply(self, obj: dict[str, Any], *, dry_run: bool | None = None, field_manager: str | None = None) -> ApplyResult:
        """resources.apply: create or update (validated by the daemon)."""
        return await self.call("resources.apply", _opt({"object": obj}, dryRun=dry_run, fieldManager=field_manager))

    async def delete(self, kind: Kind, name: str, *, namespace: str | None = None, resource_version: str | None = None) -> None:
        """resources.delete."""
        await self.call("resources.delete", _opt({"kind": kind, "name": name}, namespace=namespace, resourceVersion=resource_version))

    async def start(self, name: str, *, namespace: str | None = None) -> LifecycleResult:
        """workspaces.start: spec.state=Running."""
        return await self.call("workspaces.start", _opt({"name": name}, namespace=namespace))

    async def stop(self, name: str, *, namespace: str | None = None) -> LifecycleResult:
        """workspaces.stop: spec.state=Stopped."""
        return await self.call("workspaces.stop", _opt({"name": name}, namespace=namespace))

    async def pause(self, name: str, *, namespace: str | None = None) -> LifecycleResult:
        """workspaces.pause: spec.state=Paused."""
        return await self.call("workspaces.pause", _opt({"name": name}, namespace=namespace))

    async def switch(self, name: str, *, namespace: str | None = None) -> LifecycleResult:
        """workspaces.switch: makes the workspace the active one."""
        return await self.call("workspaces.switch", _opt({"name": name}, namespace=namespace))

    async def ports(self, name: str, *, namespace: str | None = None) -> list[dict[str, Any]]:
        """workspaces.ports: the workspace's host ports."""
        result = await self.call("workspaces.ports", _opt({"name": name}, namespace=namespace))
        return list(result.get("ports", []))

    async def watch(self, kind: Kind, *, namespace: str | None = None, label_selector: str | None = None, resource_version: str | None = None) -> AsyncGenerator[WatchEvent, None]:
        """resources.watch as an async iterator (``async for ev in client.watch('Workspace')``);
        leaving the loop cancels the watch; a Gone version restarts it from scratch (ADDED events)."""
        version = resource_version
        while True:
            params = _opt({"kind": kind}, namespace=namespace, labelSelector=label_selector, resourceVersion=version)
            opened = await self.call("resources.watch", params)
            try:
                async with aclosing(self._open_stream(opened["stream"]).__aiter__()) as notes:
                    async for note in notes:
                        if note["method"] != "resources.event":
                            continue
                        p = note["params"]
                        rv = p.get("object", {}).get("metadata", {}).get("resourceVersion")
                        if isinstance(rv, str):
                            version = rv
                        yield WatchEvent(type=p["type"], object=p["object"])
                return
            except ApiError as err:
                if err.code != "Gone":
                    raise
                version = None

    def workspace(self, name: str, *, namespace: str | None = None) -> Workspace:
        """A handle on one workspace's files and commands."""
        return Workspace(self, name, namespace)


class Workspace:
    """Files (fs.*) and commands (exec.*) of one workspace."""

    def __init__(self, client: Client, name: str, namespace: str | None) -> None:
        self.client = client
        self.name = name
        self.namespace = namespace

    def _target(self, **extra: Any) -> dict[str, Any]:
        return _opt({"workspace": self.name}, namespace=self.namespace, **extra)

    async def stat(self, path: str, *, hash: bool | None = None) -> FileEntry:
        """fs.stat ('' : the workspace folder); ``hash`` adds a file's sha256."""
        return await self.client.call("fs.stat", self._target(path=path, hash=hash))

    async def list(self, path: str = "", *, depth: int | None = None, limit: int | None = None) -> tuple[list[FileEntry], bool]:
        """fs.list: (entries, truncated)."""
        result = await self.client.call("fs.list", self._target(path=path, depth=depth, limit=limit))
        return result["entries"], bool(result.get("truncated"))

    async def mkdir(self, path: str, *, parents: bool | None = None) -> None:
        await self.client.call("fs.mkdir", self._target(path=path, parents=parents))

    async def remove(self, path: str, *, recursive: bool | None = None) -> None:
        await self.client.call("fs.remove", self._target(path=path, recursive=recursive))

    async def read_chunks(self, path: str) -> AsyncIterator[tuple[bytes, str | None, int]]:
        """The content of ``path`` chunk by chunk as it arrives: (data, sha256 when known, size)."""
        head = await self.client.call("fs.read", self._target(path=path))
        if head.get("stream") is None:
            yield base64.b64decode(head.get("data", "")), head.get("sha256"), head["size"]
            return
        async with aclosing(self.client._open_stream(head["stream"]).__aiter__()) as notes:
            async for note in notes:
                if note["method"] == "fs.readChunk":
                    yield base64.b64decode(note["params"]["data"]), note["params"].get("sha256"), head["size"]

    async def read(self, path: str) -> FileContent:
        """A whole file (of any size: big ones arrive in chunks) with its size and sha256."""
        parts: list[bytes] = []
        sha256: str | None = None
        size = 0
        async for data, digest, size in self.read_chunks(path):
            parts.append(data)
            sha256 = digest or sha256
        return FileContent(data=b"".join(parts), size=size, sha256=sha256)

    async def read_file(self, path: str) -> bytes:
        return (await self.read(path)).data

    async def write_file(self, path: str, data: bytes | str, *, if_match: str | None = None, create_parents: bool | None = None) -> WriteResult:
        """Writes atomically: up to 1 MiB in one fs.write, more as an upload session."""
        raw = data.encode() if isinstance(data, str) else data
        if len(raw) <= CHUNK_BYTES:
            return await self.client.call("fs.write", self._target(path=path, data=base64.b64encode(raw).decode(), ifMatch=if_match, createParents=create_parents))
        begun = await self.client.call("fs.writeBegin", self._target(path=path, ifMatch=if_match, createParents=create_parents))
        upload = begun["upload"]
        try:
            for offset in range(0, len(raw), CHUNK_BYTES):
                chunk = raw[offset : offset + CHUNK_BYTES]
                await self.client.call("fs.writeChunk", {"upload": upload, "offset": offset, "data": base64.b64encode(chunk).decode()})
            return await self.client.call("fs.writeCommit", {"upload": upload})
        except BaseException:
            try:
                await self.client.call("fs.writeAbort", {"upload": upload})
            except ApiError:
                pass
            raise

    async def exec(
        self,
        command: list[str],
        *,
        on_stdout: Callable[[bytes], None] | None = None,
        on_stderr: Callable[[bytes], None] | None = None,
        stdin: bytes | str | None = None,
        env: dict[str, str] | None = None,
        workdir: str | None = None,
        service: str | None = None,
        tty: bool | None = None,
    ) -> ExecResult:
        """Runs ``command`` (exec.start), streaming output to the callbacks as it arrives (else it
        is collected), and returns its exit code."""
        params = self._target(command=command, env=env, workdir=workdir, service=service, tty=tty, stdin=True if stdin is not None else None)
        started = await self.client.call("exec.start", params)
        stream = started["stream"]
        notifications = aclosing(self.client._open_stream(stream).__aiter__())
        feeder = None
        if stdin is not None:
            data = stdin.encode() if isinstance(stdin, str) else stdin

            async def feed() -> None:
                for at in range(0, len(data), CHUNK_BYTES):
                    await self.client.call("exec.write", {"stream": stream, "data": base64.b64encode(data[at : at + CHUNK_BYTES]).decode()})
                await self.client.call("exec.closeStdin", {"stream": stream})

            feeder = asyncio.get_running_loop().create_task(feed())
        out: list[bytes] = []
        err: list[bytes] = []
        exit_code: int | None = None
        try:
            async with notifications as notes:
                async for note in notes:
                    p = note["params"]
                    if note["method"] == "exec.output":
                        chunk = base64.b64decode(p["data"])
                        if p.get("fd") == "stderr":
                            (on_stderr or err.append)(chunk)
                        else:
                            (on_stdout or out.append)(chunk)
                    elif note["method"] == "exec.exit":
                        exit_code = p.get("exitCode")
        finally:
            if feeder is not None and not feeder.done():
                feeder.cancel()
        return ExecResult(exit_code=exit_code, stdout=b"".join(out), stderr=b"".join(err))


async def connect(*, token: str, socket: str | None = None, url: str | None = None) -> Client:
    """Connects to the daemon API (see Client.connect)."""
    return await Client.connect(token=token, socket=socket, url=url)
