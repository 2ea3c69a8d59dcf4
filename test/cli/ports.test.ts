/**
 * Black-box tests of `boulder ports`: the real bin/boulder.js against a temporary state dir whose
 * background daemon (started by `apply`) allocates and forwards the ports of a `backend: mock`
 * workspace. The mock's containers are reached at 127.0.0.1, so servers in this test process play
 * the workspace's processes and real traffic goes through the daemon's forwarders. The ports stay
 * the same after the daemon is stopped and started again.
 */
import { once } from 'node:events';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rm } from 'node:fs/promises';
import { exchange } from '../ports/servers.ts';
import { ensureBuilt, processAlive, runBoulder, startBoulder, tempStateDir, type RunResult } from './harness.ts';

let stateDir: string;
const servers: Server[] = [];
const pids = new Set<number>();
const boulder = (args: string[], stdin?: string): Promise<RunResult> => runBoulder(['--state-dir', stateDir, ...args], { timeoutMs: 30_000, ...(stdin !== undefined ? { stdin } : {}) });

interface Entry {
  workspace: string;
  name: string;
  hostPort?: number;
  url?: string;
  phase: string;
  containerPort: number;
}

/** A TCP server greeting every connection with `text`. */
async function greeter(text: string): Promise<number> {
  const server = createServer((socket) => socket.end(text));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  servers.push(server);
  return (server.address() as AddressInfo).port;
}

async function entries(): Promise<Entry[]> {
  const r = await boulder(['ports', 'web-app', '-o', 'json']);
  expect(r.stderr).toBe('');
  return JSON.parse(r.stdout) as Entry[];
}

/** Polls `ports -o json` until every entry is Bound. */
async function untilBound(count: number): Promise<Entry[]> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const list = await entries();
    if (list.length === count && list.every((e) => e.phase === 'Bound')) return list;
    if (Date.now() > deadline) throw new Error(`ports not bound: ${JSON.stringify(list)}`);
    await sleep(100);
  }
}

async function rememberDaemon(): Promise<void> {
  const status = JSON.parse((await boulder(['daemon', 'status', '-o', 'json'])).stdout) as { pid?: number };
  if (status.pid !== undefined) pids.add(status.pid);
}

let webPort: number;
let apiPort: number;

beforeAll(async () => {
  await ensureBuilt();
  stateDir = await tempStateDir();
  webPort = await greeter('hello-web');
  apiPort = await greeter('hello-api');
});

afterAll(async () => {
  await runBoulder(['--state-dir', stateDir, 'daemon', 'stop', '--timeout', '10s']);
  for (const pid of pids) if (processAlive(pid)) process.kill(pid, 'SIGKILL');
  for (const server of servers) server.close();
  await rm(stateDir, { recursive: true, force: true });
});

describe('boulder ports', () => {
  let first: Entry[];

  it('prints the ports the daemon allocated and forwards traffic through them', async () => {
    const manifest = `apiVersion: nexus.dev/v1alpha1
kind: Workspace
metadata:
  name: web-app
spec:
  backend: mock
  image: busybox
  ports:
    web:
      containerPort: ${webPort}
    api:
      containerPort: ${apiPort}
`;
    const applied = await boulder(['apply', '-f', '-'], manifest);
    await rememberDaemon();
    expect(applied.code).toBe(0);
    first = await untilBound(2);
    expect(first.map((e) => e.name)).toEqual(['web', 'api']);
    const [web, api] = first as [Entry, Entry];
    expect(api.hostPort).toBe(web.hostPort! + 1);
    expect(web.url).toBe(`http://127.0.0.1:${web.hostPort}`);
    expect((await exchange(web.hostPort!, '')).toString()).toBe('hello-web');
    expect((await exchange(api.hostPort!, '')).toString()).toBe('hello-api');

    const table = await boulder(['ports']);
    expect(table.code).toBe(0);
    expect(table.stdout.split('\n')).toEqual([
      expect.stringMatching(/^WORKSPACE\s+NAME\s+PROTOCOL\s+CONTAINER\s+HOST\s+URL\s+PHASE$/),
      expect.stringMatching(new RegExp(`^web-app\\s+web\\s+tcp\\s+${webPort}\\s+${web.hostPort}\\s+http://127\\.0\\.0\\.1:${web.hostPort}\\s+Bound$`)),
      expect.stringMatching(new RegExp(`^web-app\\s+api\\s+tcp\\s+${apiPort}\\s+${api.hostPort}\\s+http://127\\.0\\.0\\.1:${api.hostPort}\\s+Bound$`)),
      '',
    ]);
    expect(await boulder(['ports', 'web-app', '-o', 'env'])).toMatchObject({ code: 0, stdout: `WEB_PORT=${web.hostPort}\nAPI_PORT=${api.hostPort}\n`, stderr: '' });
  });

  it('keeps every port when the daemon stops and starts again', async () => {
    expect((await boulder(['daemon', 'stop', '--timeout', '10s'])).code).toBe(0);
    // Nothing forwards while no daemon runs; the allocation stays in the store.
    await expect(exchange(first[0]!.hostPort!, '')).rejects.toThrow(/ECONNREFUSED/);
    expect((await entries()).map((e) => e.hostPort)).toEqual(first.map((e) => e.hostPort));

    const daemon = startBoulder(['--state-dir', stateDir, 'daemon']);
    if (daemon.child.pid !== undefined) pids.add(daemon.child.pid);
    await daemon.until((_out, err) => err.includes('boulder daemon running'));
    const deadline = Date.now() + 10_000;
    let body = '';
    while (body !== 'hello-web' && Date.now() < deadline) {
      body = await exchange(first[0]!.hostPort!, '').then((b) => b.toString(), () => '');
      if (body !== 'hello-web') await sleep(50);
    }
    expect(body).toBe('hello-web');
    expect((await untilBound(2)).map((e) => e.hostPort)).toEqual(first.map((e) => e.hostPort));
  });

  it('rejects -o env without a workspace and names an unknown one', async () => {
    expect(await boulder(['ports', '-o', 'env'])).toMatchObject({ code: 2 });
    const unknown = await boulder(['ports', 'nope']);
    expect(unknown.code).toBe(4);
    expect(unknown.stderr).toBe('Error from server (NotFound): workspaces.nexus.dev "nope" not found\n');
  });
});
