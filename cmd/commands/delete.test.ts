import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ResourceClient } from '../../apis/client/types.ts';
import type { KubeObject } from '../../apis/meta.ts';
import { parseCommandArgs } from '../args.ts';
import { createTestDeps, type TestDeps } from '../test-support.ts';
import deleteCommand from './delete.ts';

describe('delete --force', () => {
  let deps: TestDeps;
  let client: ResourceClient;
  const run = (...args: string[]): Promise<number> => deleteCommand.run(deps, parseCommandArgs('delete', deleteCommand.options, args));
  beforeEach(async () => {
    deps = await createTestDeps();
    client = await deps.openClient();
  });
  afterEach(async () => {
    await client.close();
    await deps.cleanup();
  });

  it('marks workspaces with nexus.dev/force-delete before deleting them; other kinds are deleted as usual', async () => {
    await client.create<KubeObject>({ apiVersion: 'nexus.dev/v1alpha1', kind: 'Workspace', metadata: { name: 'a', finalizers: ['nexus.dev/cleanup'] }, spec: { backend: 'mock', image: 'x' } });
    await client.create<KubeObject>({ apiVersion: 'nexus.dev/v1alpha1', kind: 'PortBinding', metadata: { name: 'p' }, spec: { workspace: 'a', containerPort: 3000 } });
    expect(await run('ws/a', 'pb/p', '--force', '--no-daemon')).toBe(0);
    expect(deps.out.text).toBe('workspace.nexus.dev "a" deleted\nportbinding.nexus.dev "p" deleted\n');
    const a = await client.get('Workspace', 'default', 'a');
    expect(a.metadata.annotations).toEqual({ 'nexus.dev/force-delete': 'true' });
    expect(a.metadata.deletionTimestamp).toBeDefined();
  });

  it('does not annotate without --force, and reports a missing workspace (exit 4)', async () => {
    await client.create<KubeObject>({ apiVersion: 'nexus.dev/v1alpha1', kind: 'Workspace', metadata: { name: 'a', finalizers: ['nexus.dev/cleanup'] }, spec: { backend: 'mock', image: 'x' } });
    expect(await run('ws', 'a', '--no-daemon')).toBe(0);
    expect((await client.get('Workspace', 'default', 'a')).metadata.annotations).toBeUndefined();
    expect(await run('ws', 'missing', '--force')).toBe(4);
    expect(deps.err.text).toBe('Error from server (NotFound): workspaces.nexus.dev "missing" not found\n');
  });
});
