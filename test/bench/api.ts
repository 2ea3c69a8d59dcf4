/**
 * The daemon API under load (`npm run bench -- api`): 50 concurrent SDK clients on the unix socket
 * calling `resources.get` back to back for a fixed window — sustained calls/s and the per-call
 * latency (median, p99). Floor, measured in the same run: the same 50 clients against a bare `ws`
 * echo server on a unix socket (transport and JSON only, no auth, dispatch, validation, store or
 * log line). The files and exec rows (readFile vs docker exec cat, exec vs docker exec) are added
 * by the api-files side.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { WebSocket, WebSocketServer } from 'ws';
import { createServer } from 'node:http';
import { connect, type Client } from '../../sdk/typescript/src/index.ts';
import { median, quantile, type BenchRow } from './stats.ts';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'boulder.js');
const CLIENTS = 50;
const WINDOW_MS = 5_000;

/** Runs `call` from `clients` loops for `windowMs`; latencies in ms and calls/s. */
async function sustained(clients: number, windowMs: number, call: (i: number) => Promise<unknown>): Promise<{ perSecond: number; latencies: number[] }> {
  const latencies: number[] = [];
  const end = performance.now() + windowMs;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async (_, i) => {
      while (performance.now() < end) {
        const t = performance.now();
        await call(i);
        latencies.push(performance.now() - t);
      }
    }),
  );
  return { perSecond: latencies.length / ((performance.now() - started) / 1000), latencies };
}

/** The floor: a bare ws echo server answering JSON-RPC-shaped frames. */
async function echoFloor(dir: string): Promise<{ perSecond: number; latencies: number[] }> {
  const path = join(dir, 'echo.sock');
  const http = createServer();
  const wss = new WebSocketServer({ server: http, perMessageDeflate: false });
  wss.on('connection', (ws) => ws.on('message', (data) => {
    const { id } = JSON.parse(String(data)) as { id: number };
    ws.send(JSON.stringify({ jsonrpc: '2.0', id, result: { apiVersion: 'nexus.dev/v1alpha1', kind: 'Workspace', metadata: { name: 'w' } } }));
  }));
  await new Promise<void>((resolve) => http.listen(path, resolve));
  const sockets = await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      const ws = new WebSocket(`ws+unix://${path}:/`, { perMessageDeflate: false });
      await new Promise((resolve) => ws.once('open', resolve));
      const pending = new Map<number, () => void>();
      ws.on('message', (data) => pending.get((JSON.parse(String(data)) as { id: number }).id)?.());
      let next = 0;
      return (): Promise<void> =>
        new Promise((resolve) => {
          const id = ++next;
          pending.set(id, () => {
            pending.delete(id);
            resolve();
          });
          ws.send(JSON.stringify({ jsonrpc: '2.0', id, method: 'resources.get', params: { kind: 'Workspace', name: 'w' } }));
        });
    }),
  );
  await sustained(CLIENTS, 500, (i) => sockets[i]!());
  const result = await sustained(CLIENTS, WINDOW_MS, (i) => sockets[i]!());
  wss.close();
  for (const ws of wss.clients) ws.terminate();
  await new Promise((resolve) => http.close(resolve));
  return result;
}

/** Runs the API load benchmark. */
export async function benchApi(): Promise<BenchRow[]> {
  const dir = mkdtempSync(join(tmpdir(), 'boulder-bench-api-'));
  const stateDir = join(dir, 'state');
  const boulder = (...args: string[]): string => execFileSync(process.execPath, [BIN, '--state-dir', stateDir, ...args], { encoding: 'utf8' });
  const daemon = spawn(process.execPath, [BIN, '--state-dir', stateDir, 'daemon'], { stdio: 'ignore' });
  const clients: Client[] = [];
  try {
    for (let i = 0; i < 100; i++) {
      try {
        if (JSON.parse(boulder('daemon', 'status', '-o', 'json')).api !== undefined) break;
      } catch {
        // not up yet
      }
      await sleep(200);
    }
    const token = boulder('token', 'create', '--scope', 'admin', '--name', 'bench').trim();
    const socket = join(stateDir, 'api.sock');
    clients.push(...(await Promise.all(Array.from({ length: CLIENTS }, () => connect({ socket, token, reconnect: false })))));
    const first = clients[0]!;
    for (let i = 0; i < 10; i++) await first.resources.apply({ apiVersion: 'nexus.dev/v1alpha1', kind: 'Workspace', metadata: { name: `bench-${i}` }, spec: { backend: 'mock', image: 'busybox' } });
    await sustained(CLIENTS, 500, (i) => clients[i]!.resources.get('Workspace', `bench-${i % 10}`));
    const api = await sustained(CLIENTS, WINDOW_MS, (i) => clients[i]!.resources.get('Workspace', `bench-${i % 10}`));
    const floor = await echoFloor(dir);
    return [
      {
        name: `API resources.get, ${CLIENTS} concurrent SDK clients (unix socket)`,
        value: api.perSecond,
        unit: 'ops/s',
        floor: { name: 'bare ws echo, same clients', value: floor.perSecond },
        note: `${api.latencies.length} calls in ${WINDOW_MS / 1000} s`,
      },
      {
        name: `API resources.get latency under ${CLIENTS}-client load`,
        value: median(api.latencies),
        p99: quantile(api.latencies, 0.99),
        unit: 'ms',
        floor: { name: 'bare ws echo, same clients', value: median(floor.latencies) },
        note: `echo p99 ${quantile(floor.latencies, 0.99).toFixed(2)} ms`,
      },
    ];
  } finally {
    for (const c of clients) c.close();
    try {
      boulder('daemon', 'stop', '--timeout', '20s');
    } catch {
      daemon.kill('SIGKILL');
    }
    rmSync(dir, { recursive: true, force: true });
  }
}
