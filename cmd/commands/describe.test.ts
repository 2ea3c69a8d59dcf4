import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ResourceClient } from '../../apis/client/types.ts';
import type { KubeObject } from '../../apis/meta.ts';
import { parseCommandArgs } from '../args.ts';
import { createTestDeps, type TestDeps } from '../test-support.ts';
import describeCommand from './describe.ts';

describe('describe', () => {
  let deps: TestDeps;
  let client: ResourceClient;
  const run = (...args: string[]): Promise<number> => describeCommand.run(deps, parseCommandArgs('describe', describeCommand.options, args));

  beforeEach(async () => {
    deps = await createTestDeps();
    client = await deps.openClient();
  });
  afterEach(async () => {
    await client.close();
    await deps.cleanup();
  });

  it('shows metadata, spec, status, a conditions table and the owned objects', async () => {
    const ws = await client.create<KubeObject>({
      apiVersion: 'nexus.dev/v1alpha1',
      kind: 'Workspace',
      metadata: { name: 'a', labels: { team: 'web', tier: 'front' } },
      spec: { backend: 'mock', image: 'node:24', env: { MODE: 'dev' } },
    });
    const now = new Date().toISOString();
    await client.updateStatus({
      ...ws,
      status: {
        phase: 'Running',
        conditions: [
          { type: 'Ready', status: 'True', reason: 'Ready', message: 'all good', lastTransitionTime: now },
          { type: 'ContainerReady', status: 'True', reason: 'Running', message: 'container up', lastTransitionTime: now },
        ],
      },
    });
    await client.create<KubeObject>({
      apiVersion: 'nexus.dev/v1alpha1',
      kind: 'PortBinding',
      metadata: { name: 'a-web', ownerReferences: [{ apiVersion: 'nexus.dev/v1alpha1', kind: 'Workspace', name: 'a', uid: ws.metadata.uid as string, controller: true }] },
      spec: { workspace: 'a', containerPort: 3000 },
    });
    await client.create<KubeObject>({ apiVersion: 'nexus.dev/v1alpha1', kind: 'PortBinding', metadata: { name: 'unrelated' }, spec: { workspace: 'a', containerPort: 4000 } });

    expect(await run('ws', 'a')).toBe(0);
    const text = deps.out.text;
    expect(text).toMatch(/^Name: +a\nNamespace: +default\nLabels: +team=web\n +tier=front\nAnnotations: +<none>\n/);
    expect(text).toContain(`UID:                ${ws.metadata.uid}\n`);
    expect(text).toContain('Spec:\n  backend: mock\n  image: node:24\n  env:\n    MODE: dev\n');
    expect(text).toContain('Status:\n  phase: Running\n');
    expect(text).not.toContain('conditions:');
    expect(text).toMatch(/Conditions:\n {2}TYPE +STATUS +REASON +AGE +MESSAGE\n {2}Ready +True +Ready +\d+s +all good\n {2}ContainerReady +True +Running +\d+s +container up\n/);
    expect(text).toMatch(/Owned Objects:\n {2}KIND +NAME +PHASE +AGE\n {2}PortBinding +a-web +<none> +\d+s\n$/);
  });

  it('shows the owner of an owned object, and NotFound (exit 4) for a missing one', async () => {
    await client.create<KubeObject>({
      apiVersion: 'nexus.dev/v1alpha1',
      kind: 'PortBinding',
      metadata: { name: 'b-web', ownerReferences: [{ apiVersion: 'nexus.dev/v1alpha1', kind: 'Workspace', name: 'b', uid: 'u-1', controller: true }] },
      spec: { workspace: 'b', containerPort: 3000 },
    });
    expect(await run('pb/b-web', 'pb/missing')).toBe(4);
    expect(deps.out.text).toContain('Owners:             Workspace/b (controller)\n');
    expect(deps.err.text).toBe('Error from server (NotFound): portbindings.nexus.dev "missing" not found\n');
  });
});
