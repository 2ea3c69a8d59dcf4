import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { activeWorkspace } from '../../apis/active-workspace.ts';
import type { ResourceClient } from '../../apis/client/types.ts';
import type { Workspace } from '../../apis/types/index.ts';
import { parseCommandArgs } from '../args.ts';
import { conditionMet } from '../wait-for.ts';
import { createTestDeps, type TestDeps } from '../test-support.ts';
import switchCommand from './switch.ts';
import { switchedMessage } from '../workspace/switch.ts';
import { ACTIVE_WORKSPACE_SINCE_ANNOTATION } from '../../apis/names/index.ts';

/** Stands in for the controller: marks every workspace Ready for its current generation. */
async function fakeController(client: ResourceClient, signal: AbortSignal): Promise<void> {
  for await (const event of client.watch<Workspace>('Workspace', { signal })) {
    const ws = event.object;
    if (event.type === 'DELETED' || conditionMet(ws, 'Ready', 'True')) continue;
    await client
      .updateStatus({
        ...ws,
        status: {
          phase: ws.spec.state ?? 'Running',
          conditions: [{ type: 'Ready', status: 'True', reason: 'Ready', message: '', observedGeneration: ws.metadata.generation, lastTransitionTime: new Date().toISOString() }],
        },
      })
      .catch(() => undefined);
  }
}

describe('switch', () => {
  let deps: TestDeps;
  let client: ResourceClient;
  let repo: string;
  let controller: AbortController;
  const run = (...args: string[]): Promise<number> => switchCommand.run(deps, parseCommandArgs('switch', switchCommand.options, [...args, '--no-daemon']));
  const create = (name: string, spec: Partial<Workspace['spec']> = {}): Promise<Workspace> =>
    client.create<Workspace>({ apiVersion: 'nexus.dev/v1alpha1', kind: 'Workspace', metadata: { name }, spec: { backend: 'mock', image: 'x', ...spec } });
  const state = async (name: string): Promise<string | undefined> => (await client.get<Workspace>('Workspace', 'default', name)).spec.state;

  beforeEach(async () => {
    deps = await createTestDeps();
    client = await deps.openClient();
    repo = join(deps.stateDir, 'repo');
    await mkdir(repo);
    controller = new AbortController();
  });
  afterEach(async () => {
    controller.abort();
    await client.close();
    await deps.cleanup();
  });

  it('pauses the other Running workspaces of the repository, starts the target, records .nexus/current', async () => {
    await create('a', { repository: { path: repo } });
    await create('b', { repository: { path: repo }, state: 'Paused' });
    await create('c', { repository: { path: repo } });
    await create('elsewhere');
    void fakeController(client, controller.signal);
    expect(await run('b')).toBe(0);
    expect(deps.out.text).toMatch(/^switched to b in \d+ ms \(paused: a, c\)\n$/);
    expect(await readFile(join(repo, '.nexus', 'current'), 'utf8')).toBe('b\n');
    expect([await state('a'), await state('b'), await state('c'), await state('elsewhere')]).toEqual(['Paused', 'Running', 'Paused', 'Running']);
    const b = await client.get<Workspace>('Workspace', 'default', 'b');
    expect(b.metadata.annotations?.['nexus.dev/switch-requested-at']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

    deps.out.text = '';
    expect(await run('a')).toBe(0);
    expect(deps.out.text).toMatch(/^switched to a in \d+ ms \(paused: b\)\n$/);
    expect(await readFile(join(repo, '.nexus', 'current'), 'utf8')).toBe('a\n');
  });

  it('pauses the workspace named in .nexus/current even when it has no repository', async () => {
    await create('old');
    await create('new', { repository: { path: repo } });
    await mkdir(join(repo, '.nexus'));
    await writeFile(join(repo, '.nexus', 'current'), 'old\n');
    void fakeController(client, controller.signal);
    expect(await run('new')).toBe(0);
    expect(deps.out.text).toMatch(/\(paused: old\)\n$/);
    expect(await state('old')).toBe('Paused');
  });

  it('records the active workspace on the Workspace, where a re-apply keeps it', async () => {
    await create('a', { repository: { path: repo } });
    await create('b', { repository: { path: repo } });
    void fakeController(client, controller.signal);
    expect(await run('b')).toBe(0);
    const listed = async (): Promise<Workspace[]> => (await client.list<Workspace>('Workspace')).items;
    expect(activeWorkspace(await listed())).toEqual({ namespace: 'default', name: 'b' });
    const b = await client.get<Workspace>('Workspace', 'default', 'b');
    expect(b.metadata.annotations?.[ACTIVE_WORKSPACE_SINCE_ANNOTATION]).toBe(b.metadata.annotations?.['nexus.dev/switch-requested-at']);
    // `boulder apply`/`up` of the same manifest (without the annotation) keeps the record.
    await client.apply<Workspace>({ apiVersion: 'nexus.dev/v1alpha1', kind: 'Workspace', metadata: { name: 'b', annotations: { note: 'x' } }, spec: { backend: 'mock', image: 'x', repository: { path: repo }, state: 'Running' } });
    expect(activeWorkspace(await listed())).toEqual({ namespace: 'default', name: 'b' });
    expect(await run('a')).toBe(0);
    expect(activeWorkspace(await listed())).toEqual({ namespace: 'default', name: 'a' });
  });

  it('records the active workspace in the store even when the repository is not on this machine', async () => {
    await rm(repo, { recursive: true });
    await create('a', { repository: { path: repo } });
    void fakeController(client, controller.signal);
    expect(await run('a')).toBe(0);
    expect(activeWorkspace((await client.list<Workspace>('Workspace')).items)).toEqual({ namespace: 'default', name: 'a' });
  });

  it('only makes a workspace without repository Running', async () => {
    await create('solo', { state: 'Paused' });
    await create('other');
    void fakeController(client, controller.signal);
    expect(await run('solo')).toBe(0);
    expect(deps.out.text).toMatch(/^switched to solo in \d+ ms\n$/);
    expect(await state('other')).toBe('Running');
    // No repository, no active workspace of one.
    expect((await client.get<Workspace>('Workspace', 'default', 'solo')).metadata.annotations?.[ACTIVE_WORKSPACE_SINCE_ANNOTATION]).toBeUndefined();
  });

  it('does not create .nexus in a repository path that does not exist', async () => {
    await rm(repo, { recursive: true });
    await create('a', { repository: { path: repo } });
    void fakeController(client, controller.signal);
    expect(await run('a')).toBe(0);
    await expect(readFile(join(repo, '.nexus', 'current'), 'utf8')).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('exits 6 with the reason when the target does not become Ready in time', async () => {
    await create('a', { state: 'Paused' });
    await expect(run('a', '--timeout', '100ms')).rejects.toMatchObject({ exitCode: 6, message: expect.stringMatching(/workspace "a" to become Ready: no status reported yet/) as unknown });
    expect(await state('a')).toBe('Running');
  });

  it('exits 4 for a missing workspace and 2 without a name', async () => {
    await expect(run('nope')).rejects.toMatchObject({ code: 'NotFound', message: 'workspaces.nexus.dev "nope" not found' });
    await expect(run()).rejects.toMatchObject({ exitCode: 2 });
    await expect(run('a', 'b')).rejects.toMatchObject({ exitCode: 2 });
  });

  it('formats the result line', () => {
    expect(switchedMessage('b', 83.6, ['a', 'c'])).toBe('switched to b in 84 ms (paused: a, c)');
    expect(switchedMessage('b', 12, [])).toBe('switched to b in 12 ms');
  });
});
