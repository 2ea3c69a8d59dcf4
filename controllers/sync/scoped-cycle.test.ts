/**
 * Cycles triggered by hints reconcile only the hinted, changed and unsettled paths (scope.ts,
 * cycle-memory.ts), with real local endpoints and real files; the hints are filtered so that some
 * changes are never announced.
 */
import { mkdir, mkdtemp, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMemoryAncestorStore } from './ancestor-store.ts';
import type { ChangeHint, Endpoint } from './endpoint.ts';
import type { CycleResult, SyncEngine, SyncEngineOptions } from './engine-api.ts';
import { createSyncEngine } from './engine.ts';
import { createLocalEndpoint } from './local/local-endpoint.ts';

let base: string;
const alphaDir = (): string => join(base, 'alpha');
const betaDir = (): string => join(base, 'beta');
const stops: AbortController[] = [];
const engines: SyncEngine[] = [];
/** "Rescan everything" hints of the endpoints' watchers (one each when watching starts), dropped. */
let watchStarts = 0;

beforeEach(async () => {
  base = await mkdtemp(join(tmpdir(), 'boulder-scoped-'));
  watchStarts = 0;
  await mkdir(alphaDir());
  await mkdir(betaDir());
});

afterEach(async () => {
  for (const stop of stops.splice(0)) stop.abort();
  for (const engine of engines.splice(0)) await engine.close().catch(() => undefined);
  await rm(base, { recursive: true, force: true });
});

/**
 * The endpoint with hints for paths containing `silent` dropped, and other methods replaced. The
 * watcher's start hint ("rescan everything") is dropped too, and counted: a watcher starting late on
 * a loaded machine would otherwise turn the first hinted cycle of a test into a full one.
 */
function quiet(inner: Endpoint, overrides: Partial<Endpoint> = {}): Endpoint {
  return {
    name: inner.name,
    scan: (r) => inner.scan(r),
    readFiles: (f) => inner.readFiles(f),
    apply: (o, c) => inner.apply(o, c),
    async *watch(signal): AsyncIterable<ChangeHint> {
      for await (const hint of inner.watch(signal)) {
        if (hint.path === undefined) watchStarts++;
        else if (!hint.path.includes('silent')) yield hint;
      }
    },
    close: () => inner.close(),
    ...overrides,
  };
}

/** Starts `watch` on a new engine; returns the cycles seen and the debug log lines. */
async function watching(overrides: Partial<SyncEngineOptions>, seed: Record<string, string> = {}) {
  for (const [name, content] of Object.entries(seed)) await writeFile(join(alphaDir(), name), content);
  const logs: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      logs.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  const engine = createSyncEngine({
    alpha: quiet(createLocalEndpoint(alphaDir())),
    beta: quiet(createLocalEndpoint(betaDir())),
    ancestorStore: createMemoryAncestorStore(),
    timings: { debounceMs: 10, fullRescanIntervalMs: 60_000 },
    logger: pino({ level: 'debug' }, sink),
    ...overrides,
  });
  engines.push(engine);
  const cycles: CycleResult[] = [];
  const stop = new AbortController();
  stops.push(stop);
  void engine.watch(stop.signal, { onCycle: (r) => cycles.push(r) });
  await eventually(async () => cycles.length > 0 && (await Promise.all(Object.keys(seed).map((n) => has(join(betaDir(), n))))).every(Boolean));
  // Both watchers watch: from now on every change is hinted.
  await eventually(async () => watchStarts >= 2);
  return { engine, cycles, logs };
}

async function eventually(check: () => Promise<boolean>, timeoutMs = 8000): Promise<void> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > timeoutMs) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

const has = (path: string, content?: string): Promise<boolean> => readFile(path, 'utf8').then((c) => content === undefined || c === content, () => false);

describe('hinted cycles reconcile only what may have changed', () => {
  it('a hinted cycle reconciles the hinted path alone; a change no hint names is caught by the periodic full cycle', async () => {
    const { cycles, logs } = await watching({ timings: { debounceMs: 10, fullRescanIntervalMs: 1500 } });
    await writeFile(join(alphaDir(), 'silent.txt'), 'never announced');
    await writeFile(join(alphaDir(), 'loud.txt'), 'announced');
    await eventually(() => has(join(betaDir(), 'loud.txt'), 'announced'));
    const applied = logs.find((l) => l.msg === 'sync cycle applied changes');
    expect(applied).toMatchObject({ changes: 1, roots: 1 });
    expect(await has(join(betaDir(), 'silent.txt'))).toBe(false);
    // The safety net: the periodic full cycle reconciles everything.
    await eventually(() => has(join(betaDir(), 'silent.txt'), 'never announced'));
    expect(logs.some((l) => l.msg === 'sync cycle applied changes' && l.roots === 'all')).toBe(true);
    expect(cycles.at(-1)?.filesTotal).toBe(2);
  });

  it('a change the endpoint rescanned on its own, outside the hints, is reconciled in the same cycle', async () => {
    const local = createLocalEndpoint(alphaDir());
    // This side ignores the accelerated-scan hint and lists everything every time.
    const alpha = quiet(local, { scan: (r) => local.scan({ ignore: r.ignore }) });
    await watching({ alpha });
    await writeFile(join(alphaDir(), 'silent.txt'), 'found by the listing diff');
    await writeFile(join(alphaDir(), 'loud.txt'), 'announced');
    await eventually(() => has(join(betaDir(), 'loud.txt'), 'announced'));
    expect(await has(join(betaDir(), 'silent.txt'), 'found by the listing diff')).toBe(true);
  });

  it('a write that failed is tried again by the next hinted cycle, though no hint names it again', async () => {
    const local = createLocalEndpoint(betaDir());
    let failures = 0;
    const beta = quiet(local, {
      async apply(ops, contents) {
        if (failures > 0 || !ops.some((op) => op.path === 'flaky.txt')) return local.apply(ops, contents);
        failures++;
        for await (const item of contents) if (item.data !== null) for await (const chunk of item.data) void chunk;
        return ops.map(() => ({ status: 'failed' as const, message: 'injected I/O error' }));
      },
    });
    const { cycles } = await watching({ beta });
    await writeFile(join(alphaDir(), 'flaky.txt'), 'first try fails');
    await eventually(async () => cycles.some((c) => c.problems.some((p) => p.reason === 'apply-failed' && p.path === 'flaky.txt')));
    expect(await has(join(betaDir(), 'flaky.txt'))).toBe(false);
    await writeFile(join(alphaDir(), 'other.txt'), 'a hint elsewhere');
    await eventually(() => has(join(betaDir(), 'other.txt')));
    expect(await has(join(betaDir(), 'flaky.txt'), 'first try fails')).toBe(true);
  });

  it('a conflict stays listed through hinted cycles elsewhere, and deleting the losing copy resolves it', async () => {
    const { engine, cycles } = await watching({}, { 'silent-c.txt': 'v1' });
    // Both sides edit the file without a hint reaching the engine; a full cycle lists the conflict.
    await writeFile(join(alphaDir(), 'silent-c.txt'), 'alpha edit');
    await writeFile(join(betaDir(), 'silent-c.txt'), 'beta edit');
    await engine.flush();
    expect(engine.status().conflicts.map((c) => c.path)).toEqual(['silent-c.txt']);
    const before = cycles.length;
    await writeFile(join(alphaDir(), 'elsewhere.txt'), 'x');
    await eventually(() => has(join(betaDir(), 'elsewhere.txt')));
    await eventually(async () => cycles.length > before);
    expect(cycles.slice(before).every((c) => c.conflicts.some((x) => x.path === 'silent-c.txt'))).toBe(true);
    // The losing copy deleted, again without a hint: the next hinted cycle looks at the conflict again.
    await unlink(join(betaDir(), 'silent-c.txt'));
    await writeFile(join(alphaDir(), 'trigger.txt'), 'y');
    await eventually(() => has(join(betaDir(), 'silent-c.txt'), 'alpha edit'));
    await eventually(async () => engine.status().conflicts.length === 0);
  });
});
