// Behaviour of the local Sprites API beyond the documented shapes: authentication, sessions that
// outlive a disconnect, sleep/wake with real processes, fault injection, confinement, bounds and a
// clean shutdown. Fast (no Docker): real local processes and loopback sockets only.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeSprites, type FakeSprites } from './index.ts';
import { ECHO_SERVER, api, exitCode, freePort, openWs, qs, run, streamText, type Frame } from './test-client.ts';

let fake: FakeSprites;

async function create(name: string): Promise<void> {
  const res = await api(fake, 'POST', '/v1/sprites', { name });
  expect(res.status).toBe(201);
}

function procState(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  } catch {
    return undefined;
  }
}

async function eventually(pred: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await pred())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

beforeAll(async () => {
  fake = await startFakeSprites({ wake: { coldMs: 0 } });
});
afterAll(async () => {
  await fake.close();
});

describe('local Sprites API: REST', () => {
  it('refuses a missing or wrong token (HTTP and WebSocket)', async () => {
    expect((await fetch(`${fake.url}/v1/sprites`)).status).toBe(401);
    expect((await fetch(`${fake.url}/v1/sprites`, { headers: { authorization: 'Bearer nope' } })).status).toBe(401);
    await create('auth-a');
    const bad = { ...fake, token: 'nope' };
    await expect(openWs(bad, `/v1/sprites/auth-a/exec${qs({ cmd: ['true'] })}`)).rejects.toMatchObject({ status: 401 });
  });

  it('validates names, refuses duplicates, paginates with prefix and continuation_token', async () => {
    expect((await api(fake, 'POST', '/v1/sprites', { name: 'Bad_Name' })).status).toBe(400);
    expect((await api(fake, 'POST', '/v1/sprites', { name: '../x' })).status).toBe(400);
    expect((await api(fake, 'POST', '/v1/sprites', '{not json', { 'content-type': 'application/json' })).status).toBe(400);
    for (const n of ['page-1', 'page-2', 'page-3']) await create(n);
    expect((await api(fake, 'POST', '/v1/sprites', { name: 'page-1' })).status).toBe(400);
    const p1 = (await (await api(fake, 'GET', '/v1/sprites?prefix=page-&max_results=2')).json()) as { sprites: { name: string }[]; has_more: boolean; next_continuation_token: string };
    expect(p1.sprites.map((s) => s.name)).toEqual(['page-1', 'page-2']);
    expect(p1.has_more).toBe(true);
    const p2 = (await (await api(fake, 'GET', `/v1/sprites?prefix=page-&max_results=2&continuation_token=${p1.next_continuation_token}`)).json()) as { sprites: { name: string }[]; has_more: boolean };
    expect(p2.sprites.map((s) => s.name)).toEqual(['page-3']);
    expect(p2.has_more).toBe(false);
    expect((await api(fake, 'GET', '/v1/sprites?max_results=51')).status).toBe(400);
  });

  it('stores labels as given (PUT replaces the list) and reports them in GET', async () => {
    await create('labels');
    await api(fake, 'PUT', '/v1/sprites/labels', { labels: ['nexus.dev/workspace=web', 'nexus.dev/state=Paused'] });
    expect(((await (await api(fake, 'GET', '/v1/sprites/labels')).json()) as { labels: string[] }).labels).toEqual(['nexus.dev/workspace=web', 'nexus.dev/state=Paused']);
    await api(fake, 'PUT', '/v1/sprites/labels', { labels: ['a=b'] });
    expect(fake.sprite('labels')?.labels).toEqual(['a=b']);
    await api(fake, 'PUT', '/v1/sprites/labels', { labels: { 'nexus.dev/state': 'Stopped' } });
    expect(((await (await api(fake, 'GET', '/v1/sprites/labels')).json()) as { labels: unknown }).labels).toEqual({ 'nexus.dev/state': 'Stopped' });
    expect((await api(fake, 'PUT', '/v1/sprites/labels', { labels: [1, 2] })).status).toBe(400);
    await api(fake, 'PUT', '/v1/sprites/labels', { clear_labels: true });
    expect(fake.sprite('labels')?.labels).toEqual([]);
  });
});

describe('local Sprites API: exec', () => {
  it('runs real processes in the Sprite directory with HOME, dir translation and exit codes', async () => {
    await create('exec');
    const info = fake.sprite('exec');
    const r = await run(fake, 'exec', ['sh', '-c', 'pwd -P; echo "$HOME"; echo "$FAKE_SPRITE_ID"']);
    expect(r.code).toBe(0);
    const [cwd, home, marker] = r.stdout.trim().split('\n');
    expect(cwd).toBe(fs.realpathSync(info?.home ?? ''));
    expect(home).toBe(info?.home);
    expect(marker).toBe(info?.id);
    expect((await run(fake, 'exec', ['pwd', '-P'], { dir: '/' })).stdout.trim()).toBe(fs.realpathSync(info?.dir ?? ''));
    expect((await run(fake, 'exec', ['mkdir', '-p', 'home/sprite/workspace'], { dir: '/' })).code).toBe(0);
    expect(fs.statSync(path.join(info?.home ?? '', 'workspace')).isDirectory()).toBe(true);
    expect((await run(fake, 'exec', ['sh', '-c', 'exit 7'])).code).toBe(7);
    expect((await run(fake, 'exec', ['sh', '-c', 'kill -9 $$'])).code).toBe(137);
    const missing = await run(fake, 'exec', ['no-such-command-xyz']);
    expect(missing.code).toBe(127);
    expect(missing.stderr).toContain('no-such-command-xyz');
    const env = await run(fake, 'exec', ['/usr/bin/env'], { env: ['ONLY=1'] });
    expect(env.stdout.split('\n').filter(Boolean).sort()).toEqual([`FAKE_SPRITE_ID=${info?.id}`, 'ONLY=1']);
    await expect(openWs(fake, `/v1/sprites/exec/exec${qs({ cmd: ['true'], dir: '/nope' })}`)).rejects.toMatchObject({ status: 400 });
    await expect(openWs(fake, `/v1/sprites/ghost/exec${qs({ cmd: ['true'] })}`)).rejects.toMatchObject({ status: 404 });
  });

  it('keeps a session running across a disconnect; attach replays its output and the exit code', async () => {
    await create('attach');
    // The script goes on only when the test has checked the session is still running (file `go`).
    const script = 'echo one; until [ -e go ]; do sleep 0.05; done; echo two; exit 5';
    const c = await openWs(fake, `/v1/sprites/attach/exec${qs({ cmd: ['sh', '-c', script] })}`);
    await c.until((f) => streamText(f, 1).includes('one'));
    const id = (c.frames[0] as { text: { session_id: number } }).text.session_id;
    c.ws.terminate();
    const list = (await (await api(fake, 'GET', '/v1/sprites/attach/exec')).json()) as { sessions: { id: number; is_active: boolean }[] };
    expect(list.sessions.find((s) => s.id === id)?.is_active).toBe(true);
    fs.writeFileSync(path.join(fake.sprite('attach')?.home ?? '', 'go'), '');
    const again = await openWs(fake, `/v1/sprites/attach/exec/${id}`);
    await again.until((f) => exitCode(f) !== undefined);
    expect(again.frames[0]).toMatchObject({ text: { type: 'session_info', session_id: id } });
    expect(streamText(again.frames, 1)).toBe('one\ntwo\n');
    expect(exitCode(again.frames)).toBe(5);
    // The legacy ?id= attach to the exited session still gets the output and the exit code.
    const legacy = await openWs(fake, `/v1/sprites/attach/exec${qs({ id: String(id) })}`);
    await legacy.until((f) => exitCode(f) !== undefined);
    expect(exitCode(legacy.frames)).toBe(5);
  });

  it('streams megabytes through stdin and stdout intact (flow control)', async () => {
    await create('bulk');
    const c = await openWs(fake, `/v1/sprites/bulk/exec${qs({ cmd: ['cat'], stdin: 'true' })}`);
    const data = Buffer.alloc(3 * 1024 * 1024);
    for (let i = 0; i < data.length; i++) data[i] = (i * 7 + (i >> 10)) & 255;
    for (let off = 0; off < data.length; off += 64 * 1024) c.ws.send(Buffer.concat([Buffer.from([0]), data.subarray(off, off + 64 * 1024)]));
    c.ws.send(Buffer.from([4]));
    await c.until((f) => exitCode(f) !== undefined, 20_000);
    const out = Buffer.concat(c.frames.flatMap((f) => ('binary' in f && f.binary[0] === 1 ? [f.binary.subarray(1)] : [])));
    expect(out.length).toBe(data.length);
    expect(out.equals(data)).toBe(true);
  });

  it('TTY sessions: kill reaches the command, a background job does not hold the session open', async () => {
    await create('tty');
    const c = await openWs(fake, `/v1/sprites/tty/exec${qs({ cmd: ['sleep', '30'], tty: 'true' })}`);
    await c.until((f) => f.length > 0);
    const id = (c.frames[0] as { text: { session_id: number } }).text.session_id;
    expect((await api(fake, 'POST', `/v1/sprites/tty/exec/${id}/kill?signal=TERM`)).status).toBe(200);
    await c.until((f) => f.some((x) => 'text' in x && x.text.type === 'exit'));
    expect(c.frames.find((x) => 'text' in x && x.text.type === 'exit')).toMatchObject({ text: { exit_code: 143 } });
    const t0 = Date.now();
    const bg = await openWs(fake, `/v1/sprites/tty/exec${qs({ cmd: ['sh', '-c', 'sleep 30 & echo started'], tty: 'true' })}`);
    await bg.until((f) => f.some((x) => 'text' in x && x.text.type === 'exit'), 10_000);
    expect(bg.frames.find((x) => 'text' in x && x.text.type === 'exit')).toMatchObject({ text: { exit_code: 0 } });
    expect(Date.now() - t0).toBeLessThan(10_000);
    const sig = await openWs(fake, `/v1/sprites/tty/exec${qs({ cmd: ['sleep', '30'], tty: 'true' })}`);
    await sig.until((f) => f.length > 0);
    sig.ws.send(JSON.stringify({ type: 'signal', signal: 'INT' }));
    await sig.until((f) => f.some((x) => 'text' in x && x.text.type === 'exit'));
    expect(sig.frames.find((x) => 'text' in x && x.text.type === 'exit')).toMatchObject({ text: { exit_code: 130 } });
  });

  it('notifies port_opened / port_closed to the session that owns the listener', async () => {
    await create('ports');
    const port = await freePort();
    // The script waits for the test to have seen each notification (files the test creates).
    const script = `"$2" -e "$1" ${port} & P=$!; until [ -e seen-open ]; do sleep 0.05; done; kill $P; wait $P; until [ -e seen-closed ]; do sleep 0.05; done`;
    const c = await openWs(fake, `/v1/sprites/ports/exec${qs({ cmd: ['sh', '-c', script, 'sh', ECHO_SERVER, process.execPath] })}`);
    const home = fake.sprite('ports')?.home ?? '';
    const note = (type: string) => (f: Frame[]): boolean => f.some((x) => 'text' in x && x.text.type === type && x.text.port === port);
    await c.until(note('port_opened'), 15_000);
    fs.writeFileSync(path.join(home, 'seen-open'), '');
    await c.until(note('port_closed'), 15_000);
    fs.writeFileSync(path.join(home, 'seen-closed'), '');
    await c.until((f) => exitCode(f) !== undefined, 15_000);
    const notes = c.frames.flatMap((f) => ('text' in f && String(f.text.type).startsWith('port_') ? [f.text] : []));
    expect(notes.map((n) => [n.type, n.port])).toEqual([['port_opened', port], ['port_closed', port]]);
    expect(notes[0]).toMatchObject({ address: '127.0.0.1', pid: expect.any(Number) });
  });

  it('ends a detached session after max_run_after_disconnect', async () => {
    await create('mrad');
    const c = await openWs(fake, `/v1/sprites/mrad/exec${qs({ cmd: ['sleep', '30'], max_run_after_disconnect: '200ms' })}`);
    await c.until((f) => f.length > 0);
    const pid = (c.frames[0] as { text: { session_id: number } }).text.session_id;
    expect(procState(pid)).toBeDefined();
    c.ws.close();
    await eventually(() => procState(pid) === undefined || procState(pid) === 'Z');
  });
});

describe('local Sprites API: lifecycle', () => {
  it('warm freezes processes and thaws them on wake; cold ends them; both count wakes', async () => {
    await create('life');
    expect(fake.sprite('life')?.status).toBe('cold');
    const c = await openWs(fake, `/v1/sprites/life/exec${qs({ cmd: ['sleep', '30'], max_run_after_disconnect: '0' })}`);
    await c.until((f) => f.length > 0);
    const pid = (c.frames[0] as { text: { session_id: number } }).text.session_id;
    expect(fake.sprite('life')?.status).toBe('running');
    await fake.sleep('life', 'warm');
    expect(await c.closed).toBe(1006); // open connections drop on a pause
    expect(fake.sprite('life')?.status).toBe('warm');
    await eventually(() => procState(pid) === 'T');
    expect((await api(fake, 'GET', '/v1/sprites/life')).status).toBe(200);
    expect(fake.sprite('life')?.status).toBe('warm'); // a GET of the object does not wake it
    await api(fake, 'GET', '/v1/sprites/life/exec');
    expect(fake.sprite('life')?.status).toBe('running');
    expect(fake.sprite('life')?.wakes.warm).toBe(1);
    await eventually(() => procState(pid) !== 'T');
    await fake.sleep('life', 'cold');
    expect(fake.sprite('life')?.status).toBe('cold');
    expect(fake.sprite('life')?.pids).toEqual([]);
    await run(fake, 'life', ['true']);
    expect(fake.sprite('life')?.wakes.cold).toBe(2);
  });

  it('goes warm then cold on its own with idle timers', async () => {
    const idle = await startFakeSprites({ idle: { toWarmMs: 100, toColdMs: 100 }, wake: { coldMs: 0 } });
    try {
      expect((await api(idle, 'POST', '/v1/sprites', { name: 'idle' })).status).toBe(201);
      await run(idle, 'idle', ['true']);
      expect(idle.sprite('idle')?.status).toBe('running');
      await eventually(() => idle.sprite('idle')?.status === 'warm');
      await eventually(() => idle.sprite('idle')?.status === 'cold');
    } finally {
      await idle.close();
    }
  });

  it('delete and remove() end every process (even a daemon that left the group) and the directory', async () => {
    await create('gone');
    await run(fake, 'gone', ['sh', '-c', 'setsid sleep 300 >/dev/null 2>&1 < /dev/null &']);
    await eventually(() => (fake.sprite('gone')?.pids.length ?? 0) > 0);
    const { pids, dir } = fake.sprite('gone') ?? { pids: [], dir: '' };
    expect((await api(fake, 'DELETE', '/v1/sprites/gone')).status).toBe(204);
    for (const pid of pids) expect([undefined, 'Z']).toContain(procState(pid));
    expect(fs.existsSync(dir)).toBe(false);
    expect((await api(fake, 'DELETE', '/v1/sprites/gone')).status).toBe(404);
    await create('drift');
    await fake.remove('drift');
    expect((await api(fake, 'GET', '/v1/sprites/drift')).status).toBe(404);
  });

  it('restore brings the files back and ends running processes', async () => {
    await create('cp');
    const home = fake.sprite('cp')?.home ?? '';
    fs.writeFileSync(path.join(home, 'f.txt'), 'v1');
    const text = await (await api(fake, 'POST', '/v1/sprites/cp/checkpoint', { comment: 'one' })).text();
    const id = /ID: ([A-Za-z0-9_-]+)/.exec(text)?.[1] ?? '';
    fs.writeFileSync(path.join(home, 'f.txt'), 'v2');
    fs.writeFileSync(path.join(home, 'new.txt'), 'x');
    const c = await openWs(fake, `/v1/sprites/cp/exec${qs({ cmd: ['sleep', '30'] })}`);
    await c.until((f) => f.length > 0);
    const res = await api(fake, 'POST', `/v1/sprites/cp/checkpoints/${id}/restore`);
    expect(await res.text()).toContain('"complete"');
    expect(fs.readFileSync(path.join(home, 'f.txt'), 'utf8')).toBe('v1');
    expect(fs.existsSync(path.join(home, 'new.txt'))).toBe(false);
    expect(fake.sprite('cp')?.pids).toEqual([]);
    expect((await api(fake, 'POST', '/v1/sprites/cp/checkpoints/v99/restore')).status).toBe(404);
    // A checkpoint taken while a process churns files (creates and deletes them) still completes.
    const churn = await openWs(fake, `/v1/sprites/cp/exec${qs({ cmd: ['sh', '-c', 'mkdir -p churn; while :; do for i in $(seq 1 300); do : > churn/f$i; done; rm -f churn/f*; done'] })}`);
    await eventually(() => fs.existsSync(path.join(home, 'churn')));
    for (let i = 0; i < 8; i++) {
      const t = await (await api(fake, 'POST', '/v1/sprites/cp/checkpoint', {})).text();
      expect(t).toContain('"complete"');
    }
    await churn.until((f) => f.length > 0);
    const churnId = (churn.frames[0] as { text: { session_id: number } }).text.session_id;
    expect((await api(fake, 'POST', `/v1/sprites/cp/exec/${churnId}/kill?signal=KILL`)).status).toBe(200);
    await churn.until((f) => exitCode(f) !== undefined);
  });
});

describe('local Sprites API: faults', () => {
  it('429 with Retry-After and retry_after_seconds, `times` requests, then normal answers', async () => {
    const id = fake.faults.rateLimit({ path: '/v1/sprites/faulty', times: 2, retryAfterSeconds: 3 });
    await create('faulty-x');
    const a = await api(fake, 'GET', '/v1/sprites/faulty-x');
    expect(a.status).toBe(429);
    expect(a.headers.get('retry-after')).toBe('3');
    expect(((await a.json()) as { retry_after_seconds: number }).retry_after_seconds).toBe(3);
    expect((await api(fake, 'GET', '/v1/sprites/faulty-x')).status).toBe(429);
    expect((await api(fake, 'GET', '/v1/sprites/faulty-x')).status).toBe(200);
    expect(fake.faults.fired().filter((f) => f.id === id)).toHaveLength(2);
    expect(fake.requests().filter((r) => r.fault === id)).toHaveLength(2);
    fake.faults.rateLimit({ sprite: 'faulty-x', header: false });
    const b = await api(fake, 'GET', '/v1/sprites/faulty-x');
    expect(b.status).toBe(429);
    expect(b.headers.get('retry-after')).toBeNull();
  });

  it('500/503 for matching requests, WebSocket upgrades included', async () => {
    await create('err');
    fake.faults.serverError({ sprite: 'err', method: 'GET', path: /\/exec$/, status: 503, message: 'boom' });
    await expect(openWs(fake, `/v1/sprites/err/exec${qs({ cmd: ['true'] })}`)).rejects.toMatchObject({ status: 503 });
    const id = fake.faults.serverError({ sprite: 'err', times: Infinity });
    const r = await api(fake, 'GET', '/v1/sprites/err');
    expect(r.status).toBe(500);
    expect(await r.json()).toEqual({ error: 'internal server error (injected)' });
    fake.faults.remove(id);
    expect((await api(fake, 'GET', '/v1/sprites/err')).status).toBe(200);
  });

  it('drops a WebSocket without a close frame; the exec session survives for an attach', async () => {
    await create('drop');
    fake.faults.dropWebSocket({ sprite: 'drop', path: '/exec', afterBytes: 1 });
    const c = await openWs(fake, `/v1/sprites/drop/exec${qs({ cmd: ['sh', '-c', 'sleep 0.3; echo done'] })}`);
    expect(await c.closed).toBe(1006);
    const id = (c.frames[0] as { text: { session_id: number } }).text.session_id;
    const again = await openWs(fake, `/v1/sprites/drop/exec/${id}`);
    await again.until((f) => exitCode(f) !== undefined);
    expect(streamText(again.frames, 1)).toBe('done\n');
    fake.faults.dropWebSocket({ sprite: 'drop', path: '/proxy', afterMs: 50 });
    const p = await openWs(fake, '/v1/sprites/drop/proxy');
    expect(await p.closed).toBe(1006);
  });

  it('slow wake from cold delays the first request', async () => {
    await create('slow');
    fake.faults.slowWake(300);
    try {
      const t0 = Date.now();
      await run(fake, 'slow', ['true']);
      expect(Date.now() - t0).toBeGreaterThanOrEqual(290);
      const wakes = fake.sprite('slow')?.wakes.cold;
      await run(fake, 'slow', ['true']);
      expect(fake.sprite('slow')?.wakes.cold).toBe(wakes); // running: no second wake
    } finally {
      fake.faults.slowWake(null);
    }
  });
});

describe('local Sprites API: confinement and bounds', () => {
  it('proxies only to a port a process of that Sprite listens on, on loopback', async () => {
    await create('px-a');
    await create('px-b');
    const port = await freePort();
    const server = await openWs(fake, `/v1/sprites/px-a/exec${qs({ cmd: [process.execPath, '-e', ECHO_SERVER, String(port)] })}`);
    await server.until((f) => streamText(f, 1).includes('listening'));
    const other = await openWs(fake, '/v1/sprites/px-b/proxy');
    other.ws.send(JSON.stringify({ host: 'localhost', port }));
    await other.until((f) => f.length > 0);
    expect(other.frames[0]).toMatchObject({ text: { status: 'error' } });
    const remote = await openWs(fake, '/v1/sprites/px-a/proxy');
    remote.ws.send(JSON.stringify({ host: '10.0.0.1', port }));
    await remote.until((f) => f.length > 0);
    expect(remote.frames[0]).toMatchObject({ text: { status: 'error' } });
    const ok = await openWs(fake, '/v1/sprites/px-a/proxy');
    ok.ws.send(JSON.stringify({ host: 'localhost', port }));
    await ok.until((f) => f.length > 0);
    expect(ok.frames[0]).toMatchObject({ text: { status: 'connected' } });
    server.ws.close();
    ok.ws.close();
  });

  it('keeps filesystem paths inside the Sprite: `..` stops at its root, symlinks out are refused', async () => {
    await create('conf');
    const { dir, home } = fake.sprite('conf') ?? { dir: '', home: '' };
    expect((await api(fake, 'PUT', `/v1/sprites/conf/fs/write${qs({ path: '../../../../../top.txt', workingDir: '/home/sprite' })}`, 'x')).status).toBe(200);
    expect(fs.readFileSync(path.join(dir, 'top.txt'), 'utf8')).toBe('x');
    // A directory outside the Sprite (not /etc: a broken fake must not be able to harm the machine).
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'fake-sprites-outside-'));
    fs.writeFileSync(path.join(outside, 'hostname'), 'secret');
    fs.symlinkSync(outside, path.join(home, 'etc-link'));
    const r = await api(fake, 'GET', `/v1/sprites/conf/fs/read${qs({ path: 'etc-link/hostname' })}`);
    expect(r.status).toBe(403);
    expect(await r.json()).toMatchObject({ code: 'EACCES' });
    expect((await api(fake, 'PUT', `/v1/sprites/conf/fs/write${qs({ path: 'etc-link/evil', mkdirParents: 'true' })}`, 'x')).status).toBe(403);
    await expect(openWs(fake, `/v1/sprites/conf/exec${qs({ cmd: ['true'], dir: '/home/sprite/etc-link' })}`)).rejects.toMatchObject({ status: 400 });
    expect((await api(fake, 'POST', '/v1/sprites/conf/fs/rename', { source: '/top.txt', dest: '/home/sprite/etc-link/x' })).status).toBe(403);
    expect(fs.readdirSync(outside)).toEqual(['hostname']);
    fs.rmSync(outside, { recursive: true, force: true });
  });

  it('survives garbage on its sockets: bad frames, bad JSON, unknown routes, bad parameters', async () => {
    await create('junk');
    const c = await openWs(fake, `/v1/sprites/junk/exec${qs({ cmd: ['cat'], stdin: 'true' })}`);
    c.ws.send('{not json');
    c.ws.send(JSON.stringify({ type: 'resize', cols: 'x', rows: -1 }));
    c.ws.send(JSON.stringify({ type: 'signal', signal: 'NOPE' }));
    c.ws.send(Buffer.alloc(0));
    c.ws.send(Buffer.from([9, 1, 2, 3]));
    c.ws.send(Buffer.from([0, 104, 105]));
    c.ws.send(Buffer.from([4]));
    await c.until((f) => exitCode(f) !== undefined);
    expect(streamText(c.frames, 1)).toBe('hi');
    const p = await openWs(fake, '/v1/sprites/junk/proxy');
    p.ws.send(Buffer.from('binary first'));
    await p.until((f) => f.length > 0);
    expect(p.frames[0]).toMatchObject({ text: { status: 'error' } });
    const bad: Record<string, string | string[]>[] = [{ cmd: ['true'], tty: 'maybe' }, { cmd: ['true'], cols: '0' }, { cmd: ['true'], env: ['NOEQUALS'] }, { cmd: ['true'], max_run_after_disconnect: '10 years' }];
    for (const q of bad) {
      await expect(openWs(fake, `/v1/sprites/junk/exec${qs(q)}`)).rejects.toMatchObject({ status: 400 });
    }
    await expect(openWs(fake, '/v1/sprites/junk/nope')).rejects.toMatchObject({ status: 404 });
    await expect(openWs(fake, `/v1/sprites/junk/exec${qs({ cmd: ['a\0b'] })}`)).rejects.toMatchObject({ status: 400 });
    await expect(openWs(fake, `/v1/sprites/junk/exec${qs({ cmd: ['true'], env: ['A=\0'] })}`)).rejects.toMatchObject({ status: 400 });
    await expect(openWs(fake, '/v1/sprites/junk/exec/999999999')).rejects.toMatchObject({ status: 404 });
    expect((await api(fake, 'GET', '/v1/sprites/junk/fs/list')).status).toBe(400);
    expect((await api(fake, 'GET', `/v1/sprites/junk/fs/read${qs({ path: 'a\0b' })}`)).status).toBe(400);
    expect((await api(fake, 'POST', '/v1/sprites/junk/fs/chmod', { path: 'x', mode: 'rwx' })).status).toBe(400);
    expect((await api(fake, 'GET', '/v2/whatever')).status).toBe(404);
    expect((await api(fake, 'GET', '/v1/sprites/%E0%A4%A')).status).toBe(400);
    await expect(openWs(fake, '/v1/sprites/%E0%A4%A/exec')).rejects.toMatchObject({ status: 404 });
    expect((await run(fake, 'junk', ['mkfifo', 'pipe'])).code).toBe(0);
    expect((await api(fake, 'GET', `/v1/sprites/junk/fs/read${qs({ path: 'pipe' })}`)).status).toBe(400);
    expect((await api(fake, 'PATCH', '/v1/sprites')).status).toBe(405);
    const two = await run(fake, 'junk', ['no-such-a']);
    const three = await run(fake, 'junk', ['no-such-b']);
    expect(two.session).not.toBe(three.session);
    expect((await api(fake, 'GET', '/v1/sprites/junk')).status).toBe(200);
  });

  it('refuses bodies over the limit with 413', async () => {
    const small = await startFakeSprites({ limits: { maxBodyBytes: 1024 } });
    try {
      expect((await api(small, 'POST', '/v1/sprites', { name: 'small' })).status).toBe(201);
      const r = await api(small, 'PUT', `/v1/sprites/small/fs/write${qs({ path: 'big' })}`, Buffer.alloc(4096));
      expect(r.status).toBe(413);
    } finally {
      await small.close();
    }
  });

  it('close() ends every process of every Sprite and removes its directory', async () => {
    const f2 = await startFakeSprites({ wake: { coldMs: 0 } });
    expect((await api(f2, 'POST', '/v1/sprites', { name: 'bye' })).status).toBe(201);
    await run(f2, 'bye', ['sh', '-c', 'setsid sleep 300 >/dev/null 2>&1 < /dev/null &']);
    await eventually(() => (f2.sprite('bye')?.pids.length ?? 0) > 0);
    const { pids, dir } = f2.sprite('bye') ?? { pids: [], dir: '' };
    await f2.close();
    for (const pid of pids) expect([undefined, 'Z']).toContain(procState(pid));
    expect(fs.existsSync(dir)).toBe(false);
    await f2.close(); // idempotent
  });
});
