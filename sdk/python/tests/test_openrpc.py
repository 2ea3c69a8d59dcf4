"""Every call the SDK makes, against schemas/api/openrpc.json: made against a fake daemon on a unix
socket that records the frames; each method must exist, each param sent must be declared, each
required param must be sent. Also checks stream routing (exec output and exit code)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from websockets.asyncio.server import ServerConnection, unix_serve

from boulder_sdk import CHUNK_BYTES, connect

from conftest import load

RESULTS: dict[str, Any] = {
    "server.info": {"version": "test", "maxPayload": 64 * 1024 * 1024},
    "resources.list": {"items": []},
    "resources.watch": {"stream": "s1"},
    "exec.start": {"stream": "s2"},
    "fs.read": {"size": 3, "offset": 0, "length": 3, "data": "aGkK", "sha256": "x"},
    "fs.list": {"entries": [], "truncated": False},
    "fs.writeBegin": {"upload": "u1"},
    "workspaces.ports": {"ports": []},
}


async def test_calls_match_openrpc(tmp_path: Path) -> None:
    frames: list[dict[str, Any]] = []
    headers: list[str | None] = []

    async def handler(ws: ServerConnection) -> None:
        headers.append(ws.request.headers.get("Authorization") if ws.request else None)
        async for data in ws:
            request = json.loads(data)
            frames.append(request)
            if "id" not in request:
                continue
            method = request["method"]
            await ws.send(json.dumps({"jsonrpc": "2.0", "id": request["id"], "result": RESULTS.get(method, {})}))
            note = lambda m, p: ws.send(json.dumps({"jsonrpc": "2.0", "method": m, "params": p}))  # noqa: E731
            if method == "resources.watch":
                await note("resources.event", {"stream": "s1", "type": "ADDED", "object": {"metadata": {"name": "a", "resourceVersion": "1"}}})
            elif method == "exec.start":
                await note("exec.output", {"stream": "s2", "fd": "stdout", "data": "aGkK"})
                await note("exec.output", {"stream": "s2", "fd": "stderr", "data": "b29wcwo="})
                await note("exec.exit", {"stream": "s2", "exitCode": 3})
                await note("stream.end", {"stream": "s2"})

    socket = str(tmp_path / "api.sock")
    async with unix_serve(handler, socket, max_size=None):
        client = await connect(socket=socket, token="tok")
        async with client:
            await client.get("Workspace", "a", namespace="default")
            await client.list("Workspace", namespace="default", label_selector="a=b")
            await client.apply({"kind": "Workspace"})
            await client.delete("Workspace", "a", namespace="default")
            for call in (client.start, client.stop, client.pause, client.switch):
                await call("a", namespace="default")
            await client.ports("a", namespace="default")
            async for event in client.watch("Workspace", namespace="default", resource_version="0"):
                assert event.object["metadata"]["name"] == "a"
                break
            ws = client.workspace("a", namespace="default")
            await ws.stat("x", hash=True)
            await ws.list("", depth=2)
            await ws.mkdir("d", parents=True)
            await ws.remove("d", recursive=True)
            assert await ws.read_file("x") == b"hi\n"
            await ws.write_file("x", "hi", create_parents=True, if_match="")
            await ws.write_file("big", b"b" * (CHUNK_BYTES + 1))
            result = await ws.exec(["sh"], env={"A": "1"}, workdir="/", stdin="in")
            assert (result.exit_code, result.stdout, result.stderr) == (3, b"hi\n", b"oops\n")
    assert headers == ["Bearer tok"]

    declared = {m["name"]: {p["name"]: p.get("required", False) for p in m["params"]} for m in load("schemas", "api", "openrpc.json")["methods"]}
    problems: list[str] = []
    for frame in frames:
        method = frame["method"]
        if method == "$/cancelRequest":
            continue
        if method not in declared:
            problems.append(f"{method} is not in the OpenRPC document")
            continue
        sent = frame.get("params", {})
        problems += [f"{method}: sends undeclared {name}" for name in sent if name not in declared[method]]
        problems += [f"{method}: omits required {name}" for name, required in declared[method].items() if required and name not in sent]
    assert problems == []
    assert len(frames) >= 20
