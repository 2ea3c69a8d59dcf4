import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { embeddedClientSpec, openClient } from '../client/open.ts';
import type { ResourceClient } from '../client/types.ts';
import { ValidationError } from '../errors.ts';
import type { KubeObject } from '../meta.ts';
import { LimitExceededError, checkWorkspaceLimits, enforceNodeLimits, loadNodeLimits, stampOwner } from './limits.ts';
import { OWNER_ANNOTATION } from '../names/index.ts';

const ws = (name: string, owner?: string, namespace = 'default'): KubeObject => ({
  apiVersion: 'nexus.dev/v1alpha1',
  kind: 'Workspace',
  metadata: { name, namespace, ...(owner === undefined ? {} : { annotations: { [OWNER_ANNOTATION]: owner } }) },
  spec: { backend: 'mock', image: 'x' },
});

let dir: string;
let client: ResourceClient;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'boulder-limits-'));
  client = await openClient(embeddedClientSpec(dir));
});
afterEach(async () => {
  await client.close();
  rmSync(dir, { recursive: true, force: true });
});

async function refusal(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(LimitExceededError);
    expect((err as LimitExceededError).code).toBe('Invalid');
    return (err as Error).message;
  }
  return 'allowed';
}

describe('checkWorkspaceLimits', () => {
  it('refuses the first new workspace past max_workspaces_total, counting every namespace', async () => {
    await client.create(ws('a', 'alice'));
    await client.create(ws('b', 'bob', 'other'));
    const limits = { max_workspaces_total: 3 };
    expect(await refusal(checkWorkspaceLimits(client, [ws('c')], limits, 'carol'))).toBe('allowed');
    expect(await refusal(checkWorkspaceLimits(client, [ws('c'), ws('d')], limits, 'carol'))).toBe('refusing to create workspace "d": max_workspaces_total (3) reached');
  });

  it('refuses past max_workspaces_per_user, counting by the owner annotation', async () => {
    await client.create(ws('a1', 'alice'));
    await client.create(ws('a2', 'alice'));
    await client.create(ws('b1', 'bob'));
    await client.create(ws('legacy'));
    const limits = { max_workspaces_per_user: 2 };
    expect(await refusal(checkWorkspaceLimits(client, [ws('b2')], limits, 'bob'))).toBe('allowed');
    expect(await refusal(checkWorkspaceLimits(client, [ws('a3')], limits, 'alice'))).toBe('refusing to create workspace "a3": max_workspaces_per_user (2) reached for user alice');
    expect(await refusal(checkWorkspaceLimits(client, [ws('x', 'alice')], limits, 'bob'))).toBe('refusing to create workspace "x": max_workspaces_per_user (2) reached for user alice');
  });

  it('ignores updates of existing workspaces, other kinds, repeated names and workspaces being deleted', async () => {
    await client.create(ws('a', 'alice'));
    const doomed = ws('doomed', 'alice');
    doomed.metadata.finalizers = ['nexus.dev/cleanup'];
    await client.create(doomed);
    await client.delete('Workspace', 'default', 'doomed');
    const pb: KubeObject = { apiVersion: 'nexus.dev/v1alpha1', kind: 'PortBinding', metadata: { name: 'p' }, spec: { workspace: 'a', containerPort: 1 } };
    const limits = { max_workspaces_total: 2, max_workspaces_per_user: 2 };
    expect(await refusal(checkWorkspaceLimits(client, [ws('a'), pb, ws('b'), ws('b')], limits, 'alice'))).toBe('allowed');
    expect(await refusal(checkWorkspaceLimits(client, [ws('b'), ws('c')], limits, 'alice'))).toMatch(/"c": max_workspaces_total \(2\)/);
  });

  it('allows anything without limits', async () => {
    expect(await refusal(checkWorkspaceLimits(client, [ws('a'), ws('b')], {}, 'u'))).toBe('allowed');
    expect(await refusal(checkWorkspaceLimits(client, [ws('a')], undefined, 'u'))).toBe('allowed');
  });
});

describe('stampOwner', () => {
  it('records the creating user on new workspaces without an owner, and only there', () => {
    const stamped = stampOwner([ws('new'), ws('mine', 'bob'), ws('old')], new Set(['default/old']), 'alice');
    expect(stamped.map((o) => o.metadata.annotations?.[OWNER_ANNOTATION])).toEqual(['alice', 'bob', undefined]);
  });
});

describe('enforceNodeLimits (the apply hook)', () => {
  it('reads limits from the node file only and refuses before anything is written', async () => {
    const node = join(dir, 'node.yaml');
    writeFileSync(node, 'limits:\n  max_workspaces_total: 1\n');
    const env = { NEXUS_NODE_CONFIG: node };
    expect(await loadNodeLimits({ env })).toEqual({ max_workspaces_total: 1 });
    const first = await enforceNodeLimits(client, [ws('a')], { env, user: 'alice' });
    expect(first[0]?.metadata.annotations).toEqual({ [OWNER_ANNOTATION]: 'alice' });
    await client.create(first[0]!);
    expect(await refusal(enforceNodeLimits(client, [ws('a'), ws('b')], { env, user: 'alice' }))).toBe('refusing to create workspace "b": max_workspaces_total (1) reached');
    expect((await client.list('Workspace')).items.map((o) => o.metadata.name)).toEqual(['a']);
  });

  it('is a no-op without a node file, and fails on an invalid one', async () => {
    expect(await loadNodeLimits({ env: { NEXUS_NODE_CONFIG: '' } })).toEqual({});
    expect(await loadNodeLimits({ env: {}, nodeConfigCandidates: [join(dir, 'absent.yaml')] })).toEqual({});
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'limits:\n  max_workspaces_total: many\n');
    await expect(loadNodeLimits({ env: { NEXUS_NODE_CONFIG: bad }, cwd: dir })).rejects.toThrow(ValidationError);
    await expect(loadNodeLimits({ env: { NEXUS_NODE_CONFIG: bad }, cwd: dir })).rejects.toThrow('bad.yaml:2:25: limits.max_workspaces_total: must be an integer');
  });
});
