import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isErrorCode } from '../../apis/errors.ts';
import { createMemoryAncestorStore } from './ancestor-store.ts';
import type { Endpoint } from './endpoint.ts';
import type { CycleResult, SyncEngine, SyncEngineOptions } from './engine-api.ts';
import { createSyncEngine } from './engine.ts';
import { createLocalEndpoint } from './local/local-endpoint.ts';

let base: string;
const alphaDir = (): string => join(base, 'alpha');
const betaDir = (): string => join(base, 'beta');

beforeEach(async () => {
  base = await mkdtemp(join(tmpdir(), 'boulder-engine-'));
  await mkdir(alphaDir());
  await mkdir(betaDir());
});

const engines: SyncEngine[] = [];

afterEach(async () => {
  // Close every engine first (stops watch loops even when a test failed midway).
  for (const engine of engines.splice(0)) await engine.close().catch(() => undefined);
  await rm(base, { recursive: true, force: true });
});

function engineWith(overrides: Partial<SyncEngineOptions> = {}) {
  const store = createMemoryAncestorStore();
  const engine = createSyncEngine({
    alpha: createLocalEndpoint(alphaDir()),
    beta: createLocalEndpoint(betaDir()),
    ancestorStore: store,
    ...overrides,
  });
  engines.push(engine);
  return { engine, store };
}

/** Delegates to `inner`, with some methods replaced. */
function wrap(inner: Endpoint, overrides: Partial<Endpoint>): Endpoint {
  return {
    name: inner.name,
    scan: (r) => inner.scan(r),
    readFiles: (f) => inner.readFiles(f),
    apply: (o, c) => inner.apply(o, c),
    watch: (s) => inner.watch(s),
    close: () => inner.close(),
    ...overrides,
  };
}

async function eventually(check: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > timeoutMs) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

const exists = async (path: string): Promise<boolean> => readFile(path).then(() => true, () => false);

describe('createSyncEngine', () => {
  it('rejects two-way-resolved with container-wins', () => {
    expect(() => engineWith({ mode: 'two-way-resolved', conflict: 'container-wins' })).toThrow(/contradicts/);
    try {
      engineWith({ mode: 'two-way-resolved', conflict: 'container-wins' });
    } catch (err) {
      expect(isErrorCode(err, 'Invalid')).toBe(true);
    }
  });
});

describe('cycles', () => {
  it('saves the ancestor only when it changed, and reports totals', async () => {
    const { engine, store } = engineWith();
    await writeFile(join(alphaDir(), 'a.txt'), 'a');
    const first = await engine.runCycle();
    expect(first).toMatchObject({ changesApplied: 1, bytesTransferred: 1, filesTotal: 1, filesSynced: 1, retry: false, conflicts: [] });
    expect(store.saves).toBe(1);
    await engine.runCycle();
    await engine.flush();
    expect(store.saves).toBe(1);
    expect(engine.status()).toMatchObject({ activity: 'idle', paused: false, bytesTransferred: 1, errorCount: 0 });
    await engine.close();
  });

  it('pause waits for the running cycle, then cycles are refused until resume', async () => {
    const alpha = createLocalEndpoint(alphaDir());
    const slow = wrap(alpha, { scan: async (r) => (await new Promise((resolve) => setTimeout(resolve, 50)), alpha.scan(r)) });
    const { engine } = engineWith({ alpha: slow });
    await writeFile(join(alphaDir(), 'a.txt'), 'a');
    const queued = engine.runCycle();
    await engine.pause();
    await expect(queued).rejects.toSatisfy((e) => isErrorCode(e, 'Unavailable'));
    engine.resume();
    const running = engine.runCycle();
    await eventually(async () => engine.status().activity !== 'idle');
    await engine.pause();
    expect(await exists(join(betaDir(), 'a.txt'))).toBe(true);
    expect((await running).changesApplied).toBe(1);
    expect(engine.status().paused).toBe(true);
    await expect(engine.flush()).rejects.toSatisfy((e) => isErrorCode(e, 'Unavailable'));
    engine.resume();
    expect((await engine.runCycle()).changesApplied).toBe(0);
    await engine.close();
  });

  it('an endpoint failing mid-cycle rejects the cycle, keeps what the other side applied, and recovers', async () => {
    const alpha = createLocalEndpoint(alphaDir());
    const beta = createLocalEndpoint(betaDir());
    let broken = true;
    const flaky = wrap(beta, {
      apply: (ops, contents) => (broken ? Promise.reject(new Error('connection lost')) : beta.apply(ops, contents)),
    });
    const store = createMemoryAncestorStore();
    const engine = createSyncEngine({ alpha, beta: flaky, ancestorStore: store });
    engines.push(engine);
    await writeFile(join(alphaDir(), 'to-beta.txt'), 'x');
    await writeFile(join(betaDir(), 'to-alpha.txt'), 'y');
    await expect(engine.runCycle()).rejects.toThrow('connection lost');
    expect(engine.status().errorCount).toBe(1);
    expect(await readFile(join(alphaDir(), 'to-alpha.txt'), 'utf8')).toBe('y');
    expect((await store.load())?.entries.has('to-alpha.txt')).toBe(true);
    expect((await store.load())?.entries.has('to-beta.txt')).toBe(false);
    broken = false;
    const healed = await engine.runCycle();
    expect(healed.changesApplied).toBe(1);
    expect(await readFile(join(betaDir(), 'to-beta.txt'), 'utf8')).toBe('x');
    await engine.close();
  });

  it('reset forgets the ancestor and a halt without deleting anything', async () => {
    const { engine, store } = engineWith();
    await writeFile(join(alphaDir(), 'a'), 'a');
    await writeFile(join(alphaDir(), 'b'), 'b');
    await engine.runCycle();
    await rm(join(betaDir(), 'a'));
    await rm(join(betaDir(), 'b'));
    expect((await engine.runCycle()).halted?.reason).toBe('root-emptied');
    await engine.reset();
    expect(await store.load()).toBeUndefined();
    expect(engine.status().halted).toBeUndefined();
    const r = await engine.runCycle();
    expect(r.changesApplied).toBe(2);
    expect(await readFile(join(betaDir(), 'a'), 'utf8')).toBe('a');
    await engine.close();
  });

  it('warns about an unsyncable path once, not every cycle', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const { engine } = engineWith({ logger: pino({ level: 'warn' }, sink) });
    await symlink('/etc/hostname', join(alphaDir(), 'outside'));
    await engine.runCycle();
    await engine.runCycle();
    const warnings = lines.filter((l) => l.includes('outside'));
    expect(warnings).toHaveLength(1);
    expect(JSON.parse(warnings[0] as string)).toMatchObject({ side: 'alpha', path: 'outside', reason: 'symlink-outside-root' });
    await engine.close();
  });
});

describe('watch', () => {
  it('debounces a burst of hints into few cycles and propagates every change', async () => {
    const { engine } = engineWith({ timings: { debounceMs: 30, maxDebounceMs: 400 } });
    const controller = new AbortController();
    const cycles: CycleResult[] = [];
    const watching = engine.watch(controller.signal, { onCycle: (r) => cycles.push(r) });
    await eventually(async () => cycles.length >= 1);
    const before = cycles.length;
    for (let i = 0; i < 50; i++) await writeFile(join(alphaDir(), `f${i}.txt`), `${i}`);
    await eventually(async () => exists(join(betaDir(), 'f49.txt')));
    await new Promise((r) => setTimeout(r, 100));
    const burstCycles = cycles.length - before;
    expect(burstCycles).toBeGreaterThan(0);
    expect(burstCycles).toBeLessThan(12);
    controller.abort();
    await watching;
    await engine.close();
  });

  it('a periodic full rescan catches changes no hint reported', async () => {
    const alpha = createLocalEndpoint(alphaDir());
    const deaf = wrap(alpha, {
      watch: (signal) => ({
        [Symbol.asyncIterator]: () => ({
          next: () => new Promise((resolve) => signal.addEventListener('abort', () => resolve({ done: true, value: undefined }), { once: true })),
        }),
      }),
    });
    const engine = createSyncEngine({
      alpha: deaf,
      beta: createLocalEndpoint(betaDir()),
      ancestorStore: createMemoryAncestorStore(),
      timings: { fullRescanIntervalMs: 100 },
    });
    engines.push(engine);
    const controller = new AbortController();
    const watching = engine.watch(controller.signal);
    await new Promise((r) => setTimeout(r, 50));
    await writeFile(join(alphaDir(), 'silent.txt'), 'no hint');
    await eventually(async () => exists(join(betaDir(), 'silent.txt')), 3000);
    controller.abort();
    await watching;
    await engine.close();
  });

  it('a halted session does not cycle on hints until resumed', async () => {
    const { engine } = engineWith({ timings: { debounceMs: 5 } });
    await writeFile(join(alphaDir(), 'a'), 'a');
    await writeFile(join(alphaDir(), 'b'), 'b');
    await engine.runCycle();
    await rm(join(betaDir(), 'a'));
    await rm(join(betaDir(), 'b'));
    const controller = new AbortController();
    const cycles: CycleResult[] = [];
    const watching = engine.watch(controller.signal, { onCycle: (r) => cycles.push(r) });
    await eventually(async () => engine.status().halted !== undefined);
    const count = cycles.length;
    await writeFile(join(alphaDir(), 'c'), 'c');
    await new Promise((r) => setTimeout(r, 150));
    expect(cycles.length).toBe(count);
    expect(await exists(join(betaDir(), 'c'))).toBe(false);
    await writeFile(join(betaDir(), 'a'), 'a');
    engine.resume();
    await eventually(async () => exists(join(betaDir(), 'c')));
    expect(engine.status().halted).toBeUndefined();
    controller.abort();
    await watching;
    await engine.close();
  });

  it('a paused session picks up changes made meanwhile as soon as it resumes', async () => {
    const { engine } = engineWith({ timings: { debounceMs: 5 } });
    const controller = new AbortController();
    const watching = engine.watch(controller.signal);
    await engine.pause();
    await writeFile(join(alphaDir(), 'while-paused.txt'), 'p');
    await new Promise((r) => setTimeout(r, 100));
    expect(await exists(join(betaDir(), 'while-paused.txt'))).toBe(false);
    engine.resume();
    await eventually(async () => exists(join(betaDir(), 'while-paused.txt')));
    controller.abort();
    await watching;
    await engine.close();
  });

  it('churn inside ignored trees triggers no cycle', async () => {
    const { engine } = engineWith({ timings: { debounceMs: 5 } });
    await mkdir(join(alphaDir(), '.git', 'objects'), { recursive: true });
    const controller = new AbortController();
    const cycles: CycleResult[] = [];
    const watching = engine.watch(controller.signal, { onCycle: (r) => cycles.push(r) });
    await eventually(async () => cycles.length >= 1);
    await new Promise((r) => setTimeout(r, 100));
    const count = cycles.length;
    for (let i = 0; i < 20; i++) await writeFile(join(alphaDir(), '.git', 'objects', `o${i}`), `${i}`);
    await writeFile(join(alphaDir(), 'x.swp'), 'swap');
    await new Promise((r) => setTimeout(r, 150));
    expect(cycles.length).toBe(count);
    await writeFile(join(alphaDir(), 'real.txt'), 'r');
    await eventually(async () => exists(join(betaDir(), 'real.txt')));
    expect(cycles.length).toBeGreaterThan(count);
    controller.abort();
    await watching;
    await engine.close();
  });

  it('resolve refuses a path that is not in conflict', async () => {
    const { engine } = engineWith();
    await expect(engine.resolve('x', 'alpha')).rejects.toSatisfy((e) => isErrorCode(e, 'NotFound'));
    await engine.close();
  });
});
