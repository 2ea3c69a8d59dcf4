// Conformance of the local Sprites API to the documented shapes: every fixture under
// test/sprite/fixtures/ is replayed against the fake and the reply checked against the documented
// example (status, content type, every documented key with the same JSON type, NDJSON events,
// WebSocket frames).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeSprites, type FakeSprites } from './index.ts';
import { ECHO_SERVER, api, exitCode, freePort, openWs, qs, streamText, type Frame } from './test-client.ts';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');

interface Fixture {
  source: string;
  request?: { method: string; path: string; query?: Record<string, string | string[]>; body?: unknown; bodyText?: string };
  response?: { status: number; contentType?: string; headers?: Record<string, string>; body?: unknown; bodyText?: string; ndjson?: Record<string, unknown>[] };
  websocket?: { path: string; query?: Record<string, string | string[]>; send: Record<string, unknown>[]; receive: Record<string, unknown>[] };
}

function load(name: string): Fixture {
  return JSON.parse(fs.readFileSync(path.join(FIXTURES, `${name}.json`), 'utf8')) as Fixture;
}

/** Every key of the documented example is present in `actual` with the same JSON type (recursively). */
function expectShape(example: unknown, actual: unknown, where = '$'): void {
  if (example === null) return; // documented as nullable / any
  if (Array.isArray(example)) {
    expect(Array.isArray(actual), `${where} is an array`).toBe(true);
    if (example.length > 0) {
      expect((actual as unknown[]).length, `${where} is not empty`).toBeGreaterThan(0);
      (actual as unknown[]).forEach((a, i) => expectShape(example[0], a, `${where}[${i}]`));
    }
    return;
  }
  if (typeof example === 'object') {
    expect(typeof actual === 'object' && actual !== null && !Array.isArray(actual), `${where} is an object`).toBe(true);
    for (const [k, v] of Object.entries(example as Record<string, unknown>)) {
      expect(Object.hasOwn(actual as object, k), `${where}.${k} present`).toBe(true);
      expectShape(v, (actual as Record<string, unknown>)[k], `${where}.${k}`);
    }
    return;
  }
  expect(typeof actual, `${where} type`).toBe(typeof example);
}

let fake: FakeSprites;
const NAME = 'conformance';
const subst = (s: string, vars: Record<string, string>): string => s.replace(/\{(\w+)\}/g, (m, k: string) => vars[k] ?? m);

async function replay(f: Fixture, vars: Record<string, string> = {}): Promise<Response> {
  const r = f.request;
  if (!r) throw new Error('fixture has no request');
  const body = r.bodyText ?? (r.body === undefined ? undefined : JSON.parse(subst(JSON.stringify(r.body), { name: NAME, ...vars })));
  return api(fake, r.method, subst(r.path, { name: NAME, ...vars }) + qs(r.query ?? {}), body, r.bodyText !== undefined ? { 'content-type': 'application/octet-stream' } : {});
}

async function expectReply(f: Fixture, res: Response): Promise<void> {
  const want = f.response;
  if (!want) throw new Error('fixture has no response');
  expect(res.status).toBe(want.status);
  if (want.contentType) expect(res.headers.get('content-type') ?? '').toContain(want.contentType);
  for (const h of Object.keys(want.headers ?? {})) expect(res.headers.get(h), `header ${h}`).toMatch(/^\d+$/);
  if (want.bodyText !== undefined) expect(await res.text()).toBe(want.bodyText);
  else if (want.ndjson) {
    const lines = (await res.text()).split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
    // The documented event types in order (repeated info lines fold), every line shaped like its documented type.
    const fold = (ts: unknown[]): unknown[] => ts.filter((t, i) => i === 0 || t !== ts[i - 1]);
    expect(fold(lines.map((l) => l.type))).toEqual(fold(want.ndjson.map((l) => l.type)));
    for (const l of lines) expectShape(want.ndjson.find((w) => w.type === l.type), l, `line ${JSON.stringify(l)}`);
  } else if (want.body !== undefined) expectShape(want.body, await res.json());
  else await res.arrayBuffer();
}

function expectFrame(want: Record<string, unknown>, got: Frame | undefined): void {
  expect(got, `frame ${JSON.stringify(want)}`).toBeDefined();
  if ('stream' in want || 'raw' in want) expect(got && 'binary' in got).toBe(true);
  else if (got && 'text' in got) expectShape(want, got.text);
  else expect.fail(`expected a text frame ${JSON.stringify(want)}`);
}

beforeAll(async () => {
  fake = await startFakeSprites();
});
afterAll(async () => {
  await fake.close();
});

describe('documented shapes (fixtures) against the local Sprites API', () => {
  it('every fixture file is covered by this test', () => {
    const files = fs.readdirSync(FIXTURES).filter((f) => f.endsWith('.json')).map((f) => f.replace(/\.json$/, '')).sort();
    expect(files).toEqual([...COVERED].sort());
  });

  it('sprites-create, sprites-get, sprites-list, sprites-update', async () => {
    await expectReply(load('sprites-create'), await replay(load('sprites-create')));
    const got = (await (await replay(load('sprites-get'))).json()) as Record<string, unknown>;
    expectShape(load('sprites-get').response?.body, got);
    expect(got.name).toBe(NAME);
    expect(String(got.id)).toMatch(/^sprite-[0-9a-f-]{36}$/);
    expect(['cold', 'warm', 'running']).toContain(got.status);
    expect(String(got.url)).toMatch(new RegExp(`^https://${NAME}-[a-z0-9]+\\.sprites\\.app$`));
    await expectReply(load('sprites-list'), await replay(load('sprites-list')));
    const upd = load('sprites-update');
    const res = await replay(upd);
    await expectReply(upd, res.clone());
    expect(((await res.json()) as { url_settings: unknown }).url_settings).toEqual({ auth: 'public' });
  });

  it('organization', async () => {
    await expectReply(load('organization'), await replay(load('organization')));
  });

  it('error-not-found, error-rate-limited', async () => {
    await expectReply(load('error-not-found'), await replay(load('error-not-found')));
    fake.faults.rateLimit({ path: '/v1/sprites', method: 'POST', retryAfterSeconds: 2 });
    const res = await replay(load('error-rate-limited'), { name: 'never-created' });
    await expectReply(load('error-rate-limited'), res.clone());
    expect(res.headers.get('retry-after')).toBe('2');
    expect(((await res.json()) as { retry_after_seconds: number }).retry_after_seconds).toBe(2);
    expect(fake.sprite('never-created')).toBeUndefined();
  });

  it('fs-write, fs-read, fs-list, fs-error, fs-rename, fs-copy, fs-chmod, fs-delete', async () => {
    await expectReply(load('fs-write'), await replay(load('fs-write')));
    await expectReply(load('fs-read'), await replay(load('fs-read')));
    const list = load('fs-list');
    const lres = await replay(list);
    await expectReply(list, lres.clone());
    expect(await lres.json()).toMatchObject({ path: '/home/sprite/notes', count: 1, entries: [{ name: 'a.txt', type: 'file', size: 13, mode: '0644', isDir: false }] });
    await expectReply(load('fs-error'), await replay(load('fs-error')));
    await expectReply(load('fs-rename'), await replay(load('fs-rename')));
    await expectReply(load('fs-copy'), await replay(load('fs-copy')));
    await expectReply(load('fs-chmod'), await replay(load('fs-chmod')));
    const home = fake.sprite(NAME)?.home ?? '';
    expect(fs.readFileSync(path.join(home, 'notes-copy', 'b.txt'), 'utf8')).toBe('hello sprite\n');
    expect(fs.statSync(path.join(home, 'notes-copy')).mode & 0o777).toBe(0o755);
    await expectReply(load('fs-delete'), await replay(load('fs-delete')));
    expect(fs.existsSync(path.join(home, 'notes-copy'))).toBe(false);
  });

  it('checkpoint-create, checkpoints-list, checkpoint-restore', async () => {
    const create = load('checkpoint-create');
    const res = await replay(create);
    const text = await res.clone().text();
    await expectReply(create, res);
    const id = /ID: ([A-Za-z0-9_-]+)/.exec(text)?.[1];
    expect(id).toMatch(/^v\d+$/);
    const lres = await replay(load('checkpoints-list'));
    const list = (await lres.clone().json()) as { id: string; comment: string }[];
    await expectReply(load('checkpoints-list'), lres);
    expect(list[0]?.id).toBe('Current');
    expect(list.find((c) => c.id === id)?.comment).toBe('before upgrade');
    await expectReply(load('checkpoint-get'), await replay(load('checkpoint-get'), { checkpoint: id ?? '' }));
    await expectReply(load('checkpoint-restore'), await replay(load('checkpoint-restore'), { checkpoint: id ?? '' }));
  });

  it('exec-websocket (stream framing), exec-sessions-list, exec-session-kill', async () => {
    const f = load('exec-websocket');
    const ws = f.websocket;
    if (!ws) throw new Error('no websocket');
    const c = await openWs(fake, subst(ws.path, { name: NAME }) + qs(ws.query ?? {}));
    for (const s of ws.send) c.ws.send(Buffer.concat([Buffer.from([Number(s.stream)]), Buffer.from(String(s.text))]));
    await c.until((fr) => exitCode(fr) !== undefined);
    expectFrame(ws.receive[0] ?? {}, c.frames[0]);
    expect(streamText(c.frames, 1)).toBe(ws.receive[1]?.text);
    expect(streamText(c.frames, 2)).toBe(ws.receive[2]?.text);
    expect(exitCode(c.frames)).toBe(ws.receive[3]?.code);
    expect(await c.closed).toBe(1000);

    const sleeper = await openWs(fake, `/v1/sprites/${NAME}/exec${qs({ cmd: ['sleep', '30'] })}`);
    await sleeper.until((fr) => fr.length > 0);
    const sid = String((sleeper.frames[0] as { text: { session_id: number } }).text.session_id);
    await expectReply(load('exec-sessions-list'), await replay(load('exec-sessions-list')));
    await expectReply(load('exec-session-kill'), await replay(load('exec-session-kill'), { session: sid }));
    await sleeper.until((fr) => exitCode(fr) !== undefined);
    expect(exitCode(sleeper.frames)).toBe(128 + 15);
    const again = await replay(load('exec-session-kill'), { session: sid });
    expect(again.status).toBe(410);
  });

  it('exec-websocket-tty (raw frames, resize, exit message)', async () => {
    const ws = load('exec-websocket-tty').websocket;
    if (!ws) throw new Error('no websocket');
    const c = await openWs(fake, subst(ws.path, { name: NAME }) + qs(ws.query ?? {}));
    await c.until((fr) => fr.length > 0);
    expectFrame(ws.receive[0] ?? {}, c.frames[0]);
    expect((c.frames[0] as { text: Record<string, unknown> }).text).toMatchObject({ tty: true, cols: 100, rows: 30 });
    c.ws.send(JSON.stringify(ws.send[0]));
    await new Promise((r) => setTimeout(r, 50));
    c.ws.send(Buffer.from(String(ws.send[1]?.raw)));
    await c.until((fr) => fr.some((x) => 'text' in x && x.text.type === 'exit'));
    const out = Buffer.concat(c.frames.flatMap((x) => ('binary' in x ? [x.binary] : []))).toString();
    expect(out).toContain(String(ws.receive[1]?.raw));
    const exit = c.frames.find((x) => 'text' in x && x.text.type === 'exit');
    expectFrame(ws.receive[2] ?? {}, exit);
    expect((exit as { text: { exit_code: number } }).text.exit_code).toBe(4);
  });

  it('proxy-websocket (init, connected, raw relay)', async () => {
    const ws = load('proxy-websocket').websocket;
    if (!ws) throw new Error('no websocket');
    // An echo server inside the Sprite (a real process of the Sprite) on a free port.
    const port = await freePort();
    const server = await openWs(fake, `/v1/sprites/${NAME}/exec${qs({ cmd: [process.execPath, '-e', ECHO_SERVER, String(port)] })}`);
    await server.until((fr) => streamText(fr, 1).includes('listening'));
    const c = await openWs(fake, subst(ws.path, { name: NAME }));
    c.ws.send(subst(JSON.stringify(ws.send[0]), {}).replace('"{port}"', String(port)));
    await c.until((fr) => fr.length > 0);
    expectFrame(ws.receive[0] ?? {}, c.frames[0]);
    expect((c.frames[0] as { text: unknown }).text).toEqual({ status: 'connected', target: `localhost:${port}` });
    c.ws.send(Buffer.from('ping through the proxy'));
    await c.until((fr) => fr.some((x) => 'binary' in x && x.binary.toString() === 'echo:ping through the proxy'));
    c.ws.close();
    server.ws.close();
  });

  it('exec-port-notification (port_opened, port_closed)', async () => {
    const ws = load('exec-port-notification').websocket;
    if (!ws) throw new Error('no websocket');
    const port = await freePort();
    const script = `"$2" -e "$1" ${port} & P=$!; until [ -e seen-open ]; do sleep 0.05; done; kill $P; wait $P; until [ -e seen-closed ]; do sleep 0.05; done`;
    const c = await openWs(fake, `/v1/sprites/${NAME}/exec${qs({ cmd: ['sh', '-c', script, 'sh', ECHO_SERVER, process.execPath] })}`);
    const home = fake.sprite(NAME)?.home ?? '';
    const find = (type: string) => (f: Frame[]) => f.find((x) => 'text' in x && x.text.type === type && x.text.port === port);
    await c.until((f) => find('port_opened')(f) !== undefined, 15_000);
    expectFrame(ws.receive[0] ?? {}, find('port_opened')(c.frames));
    fs.writeFileSync(path.join(home, 'seen-open'), '');
    await c.until((f) => find('port_closed')(f) !== undefined, 15_000);
    expectFrame(ws.receive[1] ?? {}, find('port_closed')(c.frames));
    fs.writeFileSync(path.join(home, 'seen-closed'), '');
    await c.until((f) => exitCode(f) !== undefined);
  });

  it('sprites-delete', async () => {
    const dir = fake.sprite(NAME)?.dir ?? '';
    expect(fs.existsSync(dir)).toBe(true);
    await expectReply(load('sprites-delete'), await replay(load('sprites-delete')));
    expect(fs.existsSync(dir)).toBe(false);
    expect((await replay(load('sprites-delete'))).status).toBe(404);
  });
});

const COVERED = [
  'sprites-create', 'sprites-get', 'sprites-list', 'sprites-update', 'sprites-delete', 'error-not-found', 'error-rate-limited',
  'fs-write', 'fs-read', 'fs-list', 'fs-error', 'fs-rename', 'fs-copy', 'fs-chmod', 'fs-delete',
  'checkpoint-create', 'checkpoints-list', 'checkpoint-restore',
  'exec-websocket', 'exec-websocket-tty', 'exec-sessions-list', 'exec-session-kill', 'proxy-websocket',
  'organization', 'checkpoint-get', 'exec-port-notification',
];

