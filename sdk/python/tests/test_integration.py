"""Integration: a real ``boulder daemon`` (node bin/boulder.js, the built dist/) on a temporary state
dir, tokens from the real ``boulder token create``, and a real Docker workspace (busybox, its files a
bind-mounted temporary git repository). Proves, through this SDK over the unix socket: create,
watch the status change to Running/Ready, write and read a file, exec with streamed stdout/stderr
and the exit code, and refused calls (a scope the token lacks, a workspace it does not cover, a
forged token). Needs dist/ (npm run build) and the Docker engine; fails, never skips."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import tempfile
import threading
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from boulder_sdk import ApiError, Client, connect

from conftest import ROOT

BUSYBOX = "boulder-test/busybox:latest"


@dataclass
class Daemon:
    state_dir: Path
    process: subprocess.Popen[str]

    @property
    def socket(self) -> str:
        return str(self.state_dir / "api.sock")

    def boulder(self, *args: str) -> str:
        done = subprocess.run(["node", str(ROOT / "bin" / "boulder.js"), "--state-dir", str(self.state_dir), *args], capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, f"boulder {args}: {done.stderr}"
        return done.stdout.strip()

    def token(self, name: str, workspace: str, *scopes: str) -> str:
        return self.boulder("token", "create", "--name", name, "--workspace", workspace, "--ttl", "1h", *[a for s in scopes for a in ("--scope", s)])


@pytest.fixture
def daemon() -> Iterator[Daemon]:
    assert (ROOT / "dist").is_dir(), "dist/ is missing: run npm run build first"
    state_dir = Path(tempfile.mkdtemp(prefix="sdk-py-"))
    process = subprocess.Popen(["node", str(ROOT / "bin" / "boulder.js"), "--state-dir", str(state_dir), "daemon"], stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    seen: list[str] = []
    started = threading.Event()

    def drain() -> None:
        assert process.stderr is not None
        for line in process.stderr:
            seen.append(line)
            if "boulder daemon running" in line or "error:" in line:
                started.set()
        started.set()

    threading.Thread(target=drain, daemon=True).start()
    started.wait(60)
    assert any("boulder daemon running" in line for line in seen), f"the daemon did not start: {''.join(seen)}"
    d = Daemon(state_dir, process)
    try:
        yield d
    finally:
        subprocess.run(["node", str(ROOT / "bin" / "boulder.js"), "--state-dir", str(state_dir), "daemon", "stop", "--timeout", "20s"], capture_output=True, timeout=60)
        process.kill()
        process.wait()
        shutil.rmtree(state_dir, ignore_errors=True)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "README").write_text("seed\n")
    for args in (["init", "-q", "-b", "main"], ["add", "."], ["-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "init"]):
        subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True)
    return repo


def condition(status: dict[str, object], kind: str) -> str | None:
    for c in status.get("conditions", []) or []:  # type: ignore[union-attr]
        if isinstance(c, dict) and c.get("type") == kind:
            return c.get("status")
    return None


@pytest.fixture
async def workspace(daemon: Daemon, repo: Path) -> AsyncIterator[tuple[Client, str]]:
    name = f"sdkpy{os.getpid()}"
    client = await connect(socket=daemon.socket, token=daemon.token("sdk-py-full", name, "resources:read", "resources:write", "fs:read", "fs:write", "exec"))
    try:
        yield client, name
    finally:
        try:
            await client.delete("Workspace", name)
        except ApiError:
            pass
        for _ in range(180):
            try:
                await client.get("Workspace", name)
            except ApiError as err:
                if err.code == "NotFound":
                    break
            await asyncio.sleep(0.5)
        await client.close()


async def test_docker_workspace_through_the_sdk(daemon: Daemon, repo: Path, workspace: tuple[Client, str]) -> None:
    client, name = workspace
    assert client.info.get("version")

    # create
    applied = await client.apply({
        "apiVersion": "nexus.dev/v1alpha1",
        "kind": "Workspace",
        "metadata": {"name": name, "annotations": {"nexus.dev/force-delete": "true"}},
        "spec": {"backend": "docker", "image": BUSYBOX, "repository": {"path": str(repo), "onDelete": "Remove"}, "sync": {"mode": "bind"}},
    })
    assert applied["outcome"] == "created"

    # watch its status change to Running and Ready
    phases: list[str] = []

    async def until_running() -> None:
        async for event in client.watch("Workspace"):
            if event.object["metadata"]["name"] != name:
                continue
            status = event.object.get("status") or {}
            phases.append(f"{event.type}:{status.get('phase')}")
            if status.get("phase") == "Running" and condition(status, "Ready") == "True":
                return

    await asyncio.wait_for(until_running(), 150)
    assert len(phases) >= 2 and phases[-1].endswith(":Running"), phases

    # write and read a file
    ws = client.workspace(name)
    wrote = await ws.write_file("src/hello.txt", "hello from Python\n", create_parents=True)
    assert wrote["size"] == 18
    content = await ws.read("src/hello.txt")
    assert (content.data, content.sha256) == (b"hello from Python\n", wrote["sha256"])
    assert (await ws.stat("src/hello.txt"))["type"] == "file"
    entries, _ = await ws.list("src")
    assert [e["path"] for e in entries] == ["src/hello.txt"]

    # exec with streamed output and the exit code
    stdout: list[bytes] = []
    stderr: list[bytes] = []
    result = await ws.exec(["sh", "-c", "cat /workspace/src/hello.txt; echo to-stderr >&2; sleep 0.3; echo second; exit 3"], on_stdout=stdout.append, on_stderr=stderr.append)
    assert result.exit_code == 3
    assert (b"".join(stdout), b"".join(stderr)) == (b"hello from Python\nsecond\n", b"to-stderr\n")
    assert len(stdout) >= 2, "the output was not streamed"

    # refused: a scope the token lacks, a workspace it does not cover, a forged token
    async with await connect(socket=daemon.socket, token=daemon.token("sdk-py-ro", name, "fs:read")) as read_only:
        assert await read_only.workspace(name).read_file("src/hello.txt") == b"hello from Python\n"
        with pytest.raises(ApiError) as caught:
            await read_only.workspace(name).exec(["true"])
        assert caught.value.code == "Forbidden"
        with pytest.raises(ApiError) as caught:
            await read_only.workspace(name).write_file("x", "x")
        assert caught.value.code == "Forbidden"
    with pytest.raises(ApiError) as caught:
        await client.workspace(name + "-other").read_file("README")
    assert caught.value.code == "Forbidden"
    with pytest.raises(ApiError) as caught:
        await connect(socket=daemon.socket, token="eyJhbGciOiJFZERTQSJ9.e30.AAAA")
    assert caught.value.code == "Unauthenticated"


async def test_lifecycle_on_the_mock_backend(daemon: Daemon) -> None:
    """Watched through Running, Paused, Stopped and Running again; switch, ports, list; deletion
    (the watch sees DELETED); a workspace the token does not cover is Forbidden."""
    name = f"sdkpymock{os.getpid()}"
    async with await connect(socket=daemon.socket, token=daemon.token("sdk-py-life", name, "resources:read", "resources:write", "ports")) as client:
        await client.apply({"apiVersion": "nexus.dev/v1alpha1", "kind": "Workspace", "metadata": {"name": name}, "spec": {"backend": "mock", "image": "debian:bookworm", "ports": {"web": {"containerPort": 3000}}}})
        events = client.watch("Workspace")

        async def until(phase: str) -> None:
            async for event in events:
                obj = event.object
                if obj["metadata"]["name"] != name:
                    continue
                if phase == "DELETED" and event.type == "DELETED":
                    return
                status = obj.get("status") or {}
                if status.get("phase") == phase and status.get("observedGeneration") == obj["metadata"].get("generation"):
                    return
            raise AssertionError(f"the watch ended before {phase}")

        await asyncio.wait_for(until("Running"), 60)
        assert (await client.pause(name))["state"] == "Paused"
        await asyncio.wait_for(until("Paused"), 60)
        assert (await client.stop(name))["state"] == "Stopped"
        await asyncio.wait_for(until("Stopped"), 60)
        assert (await client.start(name))["state"] == "Running"
        await asyncio.wait_for(until("Running"), 60)
        assert (await client.switch(name))["name"] == name
        assert isinstance(await client.ports(name), list)
        assert len((await client.list("Workspace"))["items"]) == 1
        await client.delete("Workspace", name)
        await asyncio.wait_for(until("DELETED"), 60)
        with pytest.raises(ApiError) as caught:
            await client.get("Workspace", name)
        assert caught.value.code == "NotFound"
        with pytest.raises(ApiError) as caught:
            await client.stop(name + "-other")
        assert caught.value.code == "Forbidden"
        await events.aclose()
