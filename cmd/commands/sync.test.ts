// `boulder sync …` in-process against a real embedded store and a real SyncSession controller
// (two local directories): conflicts listed, resolve/flush answered by the controller through the
// request annotation, pause/resume through spec.paused, and the `workspace sync-*` spellings.
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { API_VERSION } from '../../apis/meta.ts';
import { terminalFailureOf } from '../../apis/terminal.ts';
import type { ResourceClient } from '../../apis/client/types.ts';
import type { SyncSession } from '../../apis/types/syncsession.ts';
import { realClock } from '../../controllers/runtime/clock.ts';
import { Manager } from '../../controllers/runtime/manager.ts';
import { captureLogs, waitFor } from '../../controllers/runtime/testing.ts';
import { registerSyncSessions } from '../../controllers/syncsession/register.ts';
import { parseCommandArgs } from '../args.ts';
import { createTestDeps, type TestDeps } from '../test-support.ts';
import syncCommand from './sync.ts';
import workspaceCommand from './workspace.ts';

let deps: TestDeps;
let client: ResourceClient;
let daemonClient: ResourceClient;
let stop: () => Promise<void>;
let alpha: string;
let beta: string;

beforeEach(async () => {
  deps = await createTestDeps();
  client = await deps.openClient();
  daemonClient = await deps.openClient();
  const abort = new AbortController();
  const manager = new Manager({ client: daemonClient, clock: realClock, logger: captureLogs().logger, stopTimeoutMs: 5_000 });
  const runner = registerSyncSessions(manager, { stateDir: deps.stateDir, logger: captureLogs().logger, signal: abort.signal, runner: { statusIntervalMs: 20 } });
  await manager.start();
  stop = async () => {
    await manager.stop();
    abort.abort();
    await runner.close();
  };
  alpha = join(deps.stateDir, 'alpha');
  beta = join(deps.stateDir, 'beta');
  await mkdir(alpha);
  await mkdir(beta);
});

afterEach(async () => {
  await stop();
  await client.close();
  await daemonClient.close();
  await deps.cleanup();
});

const run = (...args: string[]): Promise<number> => syncCommand.run(deps, parseCommandArgs('sync', syncCommand.options, args));
const runWs = (...args: string[]): Promise<number> => workspaceCommand.run(deps, parseCommandArgs('workspace', workspaceCommand.options, args));
const get = (): Promise<SyncSession> => client.get<SyncSession>('SyncSession', 'default', 'api-sync');

describe('boulder sync', () => {
  it('lists conflicts, resolves one, flushes, pauses and resumes', async () => {
    await writeFile(join(alpha, 'c.txt'), 'host version');
    await writeFile(join(beta, 'c.txt'), 'container version');
    await writeFile(join(alpha, 'ok.txt'), 'fine');
    await client.create<SyncSession>({ apiVersion: API_VERSION, kind: 'SyncSession', metadata: { name: 'api-sync', namespace: 'default' }, spec: { alpha, beta } });
    await waitFor(async () => ((await get()).status?.conflicts ?? []).length === 1, 10_000, 'conflict listed');

    expect(await run('conflicts', 'api')).toBe(5);
    expect(deps.out.text).toContain('c.txt');
    deps.out.text = '';
    expect(await run('status', 'api-sync')).toBe(0);
    expect(deps.out.text).toMatch(/syncsession\/api-sync {2}Watching/);
    expect(deps.out.text).toContain('conflicts (1)');

    deps.out.text = '';
    expect(await run('resolve', 'api', 'c.txt', '--keep', 'host')).toBe(0);
    expect(await readFile(join(beta, 'c.txt'), 'utf8')).toBe('host version');
    await waitFor(async () => ((await get()).status?.conflicts ?? []).length === 0, 10_000, 'conflict cleared');
    expect(await run('resolve', 'api', 'nope.txt', '--keep', 'host')).toBe(1);

    await writeFile(join(alpha, 'flushed.txt'), 'now');
    expect(await run('flush', 'api')).toBe(0);
    expect(await readFile(join(beta, 'flushed.txt'), 'utf8')).toBe('now');

    expect(await runWs('sync-pause', 'api')).toBe(0);
    expect((await get()).spec.paused).toBe(true);
    await waitFor(async () => (await get()).status?.phase === 'Paused', 10_000, 'Paused');
    expect(await runWs('sync-resume', 'api')).toBe(0);
    expect((await get()).spec.paused).toBe(false);
    await waitFor(async () => (await get()).status?.phase === 'Watching', 10_000, 'Watching');
    deps.out.text = '';
    expect(await runWs('sync-status', 'api')).toBe(0);
    expect(deps.out.text).toContain('conflicts: none');
  });

  it('a halted session is Stalled: flush ends at once with the halt; reset (what a halt is for) is not cut short by it and clears it', async () => {
    for (const name of ['a.txt', 'b.txt', 'c.txt']) await writeFile(join(alpha, name), name);
    await client.create<SyncSession>({ apiVersion: API_VERSION, kind: 'SyncSession', metadata: { name: 'api-sync', namespace: 'default' }, spec: { alpha, beta, maxEntryCount: 2 } });
    await waitFor(async () => (await get()).status?.phase === 'Halted', 10_000, 'Halted');
    const halted = await get();
    expect(terminalFailureOf(halted)).toMatchObject({ reason: 'Halted', message: expect.stringContaining('maxEntryCount') });

    deps.err.text = '';
    deps.out.text = '';
    const started = performance.now();
    expect(await run('flush', 'api', '--timeout', '30s')).toBe(1);
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(deps.out.text).toContain('maxEntryCount');

    await rm(join(alpha, 'c.txt'));
    deps.err.text = '';
    expect(await run('reset', 'api', '--timeout', '30s')).toBe(0);
    expect(deps.err.text).not.toContain('error:');
    await waitFor(async () => (await get()).status?.phase === 'Watching', 10_000, 'Watching after the reset');
    expect(terminalFailureOf(await get())).toBeUndefined();
    expect((await get()).status?.conditions?.some((c) => c.type === 'Stalled')).toBe(false);
  });

  it('rejects a missing --keep and unknown subcommands; reports an unknown session', async () => {
    await expect(run('resolve', 'api', 'x')).rejects.toThrow(/--keep/);
    await expect(run('resolve', 'api', '../x', '--keep', 'host')).rejects.toThrow(/PATH "\.\.\/x" must be relative to the sync root/);
    await expect(run('bogus', 'api')).rejects.toThrow(/subcommand/);
    await expect(run('status', 'missing')).rejects.toThrow(/not found/);
  });
});
