/**
 * Idle timeout and wake on demand on the real Docker engine, with the daemon's wiring in-process
 * (controllers, Docker events, the daemon's own port forwarders): a workspace with
 * `idleTimeout: 5s` serving HTTP with busybox httpd goes Idle (Docker reports the container
 * paused, spec.state stays Running) after about 5 s without traffic; an HTTP request to its
 * forwarded host port then succeeds with the right body (the forwarder holds the connection while
 * the workspace resumes and onWake runs); after it is idle again, the real `boulder exec` wakes it
 * the same way. afterAll removes what the run created.
 */
import http from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { PortBinding, Workspace } from '../../apis/types/index.ts';
import { ensureBuilt, runBoulder } from '../cli/harness.ts';
import {
  BUSYBOX,
  conditionOf,
  eventually,
  getWorkspace,
  mainContainer,
  managedObjects,
  removeObjects,
  requireEngine,
  runNamespace,
  startControllers,
  waitReady,
  workspaceManifest,
  type ControllerHarness,
} from './workspace-harness.ts';

const NS = runNamespace('idle');
const WS = 'idle-web';
let harness: ControllerHarness;

let engineReady: Promise<void> | undefined;
beforeEach(async () => {
  engineReady ??= requireEngine([BUSYBOX]);
  await engineReady;
});

beforeAll(async () => {
  harness = await startControllers();
  await ensureBuilt();
}, 240_000);

afterAll(async () => {
  try {
    await harness.client.delete('Workspace', NS, WS).catch(() => undefined);
    await eventually(async () => (await getWorkspace(harness.client, NS, WS)) === undefined, 30_000, 'workspace deleted').catch(() => undefined);
  } finally {
    await harness.stop();
    await removeObjects(await managedObjects(NS));
  }
}, 90_000);

const SERVER = 'mkdir -p /www && echo "hello-from-idle" > /www/index.html && httpd -p 8080 -h /www';

function get(port: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/', agent: false, timeout: 30_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timed out')));
  });
}

async function hostPort(): Promise<number> {
  let port: number | undefined;
  await eventually(async () => {
    const pbs = (await harness.client.list<PortBinding>('PortBinding', { namespace: NS })).items;
    const pb = pbs.find((b) => b.spec.workspace === WS && b.status?.phase === 'Bound');
    port = pb?.status?.hostPort;
    return port !== undefined;
  }, 30_000, 'port binding bound');
  return port!;
}

async function waitIdle(ws: Workspace): Promise<number> {
  const started = Date.now();
  await eventually(async () => (await mainContainer(ws.metadata.uid!))?.State.Paused === true && conditionOf(await getWorkspace(harness.client, NS, WS), 'Idle')?.status === 'True', 30_000, 'idle pause');
  return Date.now() - started;
}

describe('idle timeout and wake on demand (Docker)', () => {
  it('pauses after 5 s without traffic; an HTTP request wakes it and is answered; so does boulder exec', async () => {
    await harness.client.create(
      workspaceManifest(NS, WS, {
        image: BUSYBOX,
        idleTimeout: '5s',
        ports: { web: { containerPort: 8080 } },
        scripts: { postStart: SERVER },
        hooks: { onSleep: 'echo sleep >> /tmp/hooks.log', onWake: 'echo wake >> /tmp/hooks.log' },
      }),
    );
    const ready = await waitReady(harness.client, NS, WS, 60_000);
    const port = await hostPort();
    expect((await get(port)).body.trim()).toBe('hello-from-idle');

    // No traffic: Idle after about 5 s (the requeue at the deadline, not a poll).
    const quietFrom = Date.now();
    await waitIdle(ready);
    const idleAfter = Date.now() - quietFrom;
    expect(idleAfter).toBeGreaterThan(3_000);
    expect(idleAfter).toBeLessThan(15_000);
    let ws = (await getWorkspace(harness.client, NS, WS))!;
    expect(ws.spec.state ?? 'Running').toBe('Running');
    expect(conditionOf(ws, 'Idle')).toMatchObject({ status: 'True', reason: 'IdleTimeout' });
    expect((await mainContainer(ready.metadata.uid!))?.State.Paused).toBe(true);

    // A request to the forwarded port: one slow connect, then the right answer.
    const woke = Date.now();
    const answer = await get(port);
    const wakeMs = Date.now() - woke;
    expect(answer).toEqual({ status: 200, body: 'hello-from-idle\n' });
    expect((await mainContainer(ready.metadata.uid!))?.State.Paused).toBe(false);
    ws = (await getWorkspace(harness.client, NS, WS))!;
    expect(conditionOf(ws, 'Idle')).toMatchObject({ status: 'False', reason: 'Woken' });
    expect(ws.status?.lastActivity).toMatch(/^connection on port /);
    expect(ws.status?.timings?.lastWakeMs).toBeGreaterThanOrEqual(0);
    console.log(`idle after ${idleAfter} ms without traffic; wake on connect ${wakeMs} ms`);

    // Idle again, then the real CLI's exec wakes it and runs.
    await waitIdle(ready);
    const r = await runBoulder(['--state-dir', harness.stateDir, '-n', NS, 'exec', WS, '--', 'cat', '/www/index.html', '/tmp/hooks.log'], { timeoutMs: 90_000 });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('hello-from-idle\nsleep\nwake\nsleep\nwake\n');
    ws = (await getWorkspace(harness.client, NS, WS))!;
    expect(conditionOf(ws, 'Idle')).toMatchObject({ status: 'False', reason: 'Woken' });
    expect(ws.status?.lastActivity).toBe('exec');
  }, 180_000);
});
