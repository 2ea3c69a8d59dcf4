import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Workspace } from '../../apis/types/index.ts';
import { FakeClock } from '../runtime/clock.ts';
import { getCondition } from '../runtime/conditions.ts';
import { Manager } from '../runtime/manager.ts';
import { captureLogs, getOrUndefined, openTempStore, type TempStore } from '../runtime/testing.ts';
import { MockProvider } from '../providers/mock/mock-provider.ts';
import { createProviderRegistry } from '../providers/registry.ts';
import { git, initRepo, makeTempDir, removeTempDirs } from '../worktree/test-repos.ts';
import { workspaceReconciler } from './reconcile.ts';
import { FORCE_DELETE_ANNOTATION, SWITCH_REQUESTED_AT_ANNOTATION } from '../../apis/names/index.ts';

const START = new Date('2026-03-01T10:00:00Z');

let store: TempStore;
let provider: MockProvider;
let env: NodeJS.ProcessEnv;
let clock: FakeClock;

beforeEach(async () => {
  store = await openTempStore();
  provider = new MockProvider();
  env = {};
  clock = new FakeClock(START);
});
afterEach(async () => {
  await store.dispose();
});
afterAll(() => removeTempDirs());

function workspace(name: string, spec: Partial<Workspace['spec']> = {}, annotations?: Record<string, string>): Workspace {
  return {
    apiVersion: 'nexus.dev/v1alpha1',
    kind: 'Workspace',
    metadata: { name, ...(annotations ? { annotations } : {}) },
    spec: { backend: 'mock', image: 'debian:bookworm', ...spec },
  };
}

async function reconcileOnce(): Promise<Record<string, unknown>[]> {
  const logs = captureLogs();
  const manager = new Manager({ client: store.client, clock, logger: logs.logger });
  manager.add({
    kind: 'Workspace',
    reconcile: workspaceReconciler({
      providers: createProviderRegistry([provider]),
      secretSources: { env, readFile: () => Promise.reject(Object.assign(new Error('no'), { code: 'ENOENT' })) },
    }),
  });
  await manager.runUntilIdle({ timeoutMs: 60_000 });
  return logs.lines();
}

const get = (name: string) => getOrUndefined<Workspace>(store.client, 'Workspace', name);
const ready = (ws: Workspace | undefined) => getCondition(ws?.status?.conditions, 'Ready');

describe('worktree step', () => {
  it('creates the worktree on nexus/<name>, reports it, and removes it on delete', async () => {
    const repo = initRepo(makeTempDir());
    await store.client.create(workspace('feat', { repository: { path: repo } }));
    await reconcileOnce();
    const ws = (await get('feat'))!;
    expect(ws.status?.worktreePath).toBe(join(repo, '.nexus/worktrees/feat'));
    expect(ws.status?.branch).toBe('nexus/feat');
    expect(getCondition(ws.status?.conditions, 'WorktreeReady')).toMatchObject({ status: 'True', reason: 'WorktreeReady' });
    expect(ready(ws)?.status).toBe('True');
    expect(git(join(repo, '.nexus/worktrees/feat'), 'rev-parse', '--abbrev-ref', 'HEAD')).toBe('nexus/feat');
    await store.client.delete('Workspace', 'default', 'feat');
    await reconcileOnce();
    expect(await get('feat')).toBeUndefined();
    expect(existsSync(join(repo, '.nexus/worktrees/feat'))).toBe(false);
    expect(git(repo, 'branch', '--list', 'nexus/feat')).toContain('nexus/feat');
  });

  it('keeps a worktree with uncommitted work, logging why, unless forced', async () => {
    const repo = initRepo(makeTempDir());
    await store.client.create(workspace('dirty', { repository: { path: repo } }));
    await store.client.create(workspace('forced', { repository: { path: repo } }, { [FORCE_DELETE_ANNOTATION]: 'true' }));
    await reconcileOnce();
    writeFileSync(join(repo, '.nexus/worktrees/dirty/notes.txt'), 'unsaved work');
    writeFileSync(join(repo, '.nexus/worktrees/forced/notes.txt'), 'scratch');
    await store.client.delete('Workspace', 'default', 'dirty');
    await store.client.delete('Workspace', 'default', 'forced');
    const logs = await reconcileOnce();
    expect(await get('dirty')).toBeUndefined();
    expect(existsSync(join(repo, '.nexus/worktrees/dirty/notes.txt'))).toBe(true);
    expect(existsSync(join(repo, '.nexus/worktrees/forced'))).toBe(false);
    expect(logs.map((l) => l['msg'])).toContainEqual(expect.stringMatching(/^kept the worktree of workspace\/dirty: .*notes\.txt/));
  });

  it('a path that is not a git repository is a terminal WorktreeReady=False', async () => {
    await store.client.create(workspace('nogit', { repository: { path: makeTempDir() } }));
    await reconcileOnce();
    const ws = (await get('nogit'))!;
    expect(getCondition(ws.status?.conditions, 'WorktreeReady')).toMatchObject({ status: 'False', reason: 'NotAGitRepository' });
    expect(ready(ws)).toMatchObject({ status: 'False', reason: 'NotAGitRepository' });
    expect(ws.status?.phase).toBe('Failed');
    expect(provider.calls.ensure).toBe(0);
  });
});

describe('lifecycle scripts and hooks', () => {
  it('runs preStart and postStart once per container creation', async () => {
    await store.client.create(workspace('s', { scripts: { preStart: 'echo pre', postStart: 'echo post' } }));
    await reconcileOnce();
    await reconcileOnce();
    expect(provider.execLog.map((e) => e.command.join(' '))).toEqual(['sh -c echo pre', 'sh -c echo post']);
    const ws = (await get('s'))!;
    expect(ws.status?.scripts).toMatchObject({ containerId: ws.status?.containerId, preStart: { exitCode: 0 }, postStart: { exitCode: 0 } });
    expect(getCondition(ws.status?.conditions, 'HooksSucceeded')).toMatchObject({ status: 'True', message: 'preStart, postStart succeeded' });
    await store.client.update({ ...ws, spec: { ...ws.spec, image: 'debian:trixie' } });
    await reconcileOnce();
    expect(provider.execLog).toHaveLength(4);
  });

  it('a failing preStart sets HooksSucceeded=False with its status and output, and skips postStart', async () => {
    provider.scriptExec('exit 3', { exitCode: 3, stdout: 'step 1\nstep 2\n', stderr: 'boom\n' });
    await store.client.create(workspace('f', { scripts: { preStart: 'exit 3', postStart: 'echo post' } }));
    await reconcileOnce();
    const ws = (await get('f'))!;
    expect(getCondition(ws.status?.conditions, 'HooksSucceeded')).toMatchObject({
      status: 'False',
      reason: 'PreStartFailed',
      message: 'preStart exited with status 3: step 1 | step 2 | boom',
    });
    expect(ready(ws)).toMatchObject({ status: 'False', reason: 'PreStartFailed' });
    expect(provider.execLog).toHaveLength(1);
  });

  it('runs onSleep before pausing and onWake after resuming', async () => {
    await store.client.create(workspace('h', { hooks: { onSleep: 'echo sleep', onWake: 'echo wake' } }));
    await reconcileOnce();
    let ws = (await get('h'))!;
    await store.client.update({ ...ws, spec: { ...ws.spec, state: 'Paused' } });
    await reconcileOnce();
    ws = (await get('h'))!;
    expect(ws.status?.phase).toBe('Paused');
    await store.client.update({ ...ws, spec: { ...ws.spec, state: 'Running' } });
    await reconcileOnce();
    expect(provider.execLog.map((e) => e.command[2])).toEqual(['echo sleep', 'echo wake']);
    provider.scriptExec('echo sleep', { exitCode: 1, stdout: '', stderr: 'cannot save\n' });
    await store.client.update({ ...(await get('h'))!, spec: { ...ws.spec, state: 'Stopped' } });
    await reconcileOnce();
    expect(getCondition((await get('h'))!.status?.conditions, 'HooksSucceeded')).toMatchObject({
      status: 'False',
      reason: 'OnSleepFailed',
      message: 'onSleep exited with status 1: cannot save',
    });
    expect((await get('h'))!.status?.phase).toBe('Stopped');
    await store.client.update({ ...(await get('h'))!, spec: { ...ws.spec, state: 'Running' } });
    await reconcileOnce();
    expect(getCondition((await get('h'))!.status?.conditions, 'HooksSucceeded')).toMatchObject({ status: 'True', reason: 'Succeeded' });
  });
});

describe('secrets', () => {
  it('injects resolved values without ever storing them', async () => {
    env['DB_PASSWORD'] = 'hunter2-secret';
    await store.client.create(workspace('sec', { secrets: [{ name: 'PGPASSWORD', fromEnv: 'DB_PASSWORD' }] }));
    await reconcileOnce();
    const ws = (await get('sec'))!;
    expect(ready(ws)?.status).toBe('True');
    expect(JSON.stringify(ws)).not.toContain('hunter2-secret');
  });

  it('a missing secret is a SecretNotFound condition naming the reference', async () => {
    await store.client.create(workspace('nosec', { secrets: [{ name: 'TOKEN', fromEnv: 'NOT_SET' }] }));
    await reconcileOnce();
    expect(ready(await get('nosec'))).toMatchObject({
      status: 'False',
      reason: 'SecretNotFound',
      message: "secret TOKEN: environment variable NOT_SET is not set in the boulder daemon's environment",
    });
  });
});

describe('switch timing', () => {
  it('records lastSwitchMs once per switch request', async () => {
    const requestedAt = new Date(START.getTime() - 42).toISOString();
    await store.client.create(workspace('sw', {}, { [SWITCH_REQUESTED_AT_ANNOTATION]: requestedAt }));
    await reconcileOnce();
    const ws = (await get('sw'))!;
    expect(ws.status?.timings).toMatchObject({ lastSwitchMs: 42, lastSwitchAt: requestedAt });
    await clock.advance(1000);
    await reconcileOnce();
    expect((await get('sw'))!.status?.timings?.lastSwitchMs).toBe(42);
  });
});
