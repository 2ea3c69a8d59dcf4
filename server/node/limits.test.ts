import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openClient, embeddedClientSpec } from '../../apis/client/open.ts';
import type { ResourceClient } from '../../apis/client/types.ts';
import type { KubeObject } from '../../apis/meta.ts';
import { checkNodeLimits, Serial, stampNodeObject } from './limits.ts';

const ws = (name: string, namespace: string, annotations: Record<string, string> = {}): KubeObject =>
  ({ apiVersion: 'nexus.dev/v1alpha1', kind: 'Workspace', metadata: { name, namespace, annotations }, spec: { backend: 'mock' } }) as KubeObject;

let dir: string;
let client: ResourceClient;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'node-limits-'));
  client = await openClient(embeddedClientSpec(dir));
});
afterEach(async () => {
  await client.close();
  await rm(dir, { recursive: true, force: true });
});

describe('checkNodeLimits', () => {
  it('counts a user\'s workspaces by namespace, whatever owner annotation they carry, and names the count', async () => {
    await client.apply(ws('app', 'user-alice', { 'nexus.dev/owner': 'bob' }));
    await expect(checkNodeLimits(client, ws('app2', 'user-alice'), { max_workspaces_per_user: 1 })).rejects.toThrow(
      'refusing to create workspace "app2": max_workspaces_per_user is 1 and user alice has 1 workspace (app)',
    );
    await expect(checkNodeLimits(client, ws('app', 'user-bob'), { max_workspaces_per_user: 1 })).resolves.toBeUndefined();
    // An update of an existing workspace is never refused.
    await expect(checkNodeLimits(client, ws('app', 'user-alice'), { max_workspaces_per_user: 1 })).resolves.toBeUndefined();
  });

  it('refuses past max_workspaces_total with the node\'s count', async () => {
    await client.apply(ws('a', 'user-alice'));
    await client.apply(ws('b', 'user-bob'));
    await expect(checkNodeLimits(client, ws('c', 'user-carl'), { max_workspaces_total: 2 })).rejects.toThrow('max_workspaces_total is 2 and the node has 2 workspaces');
  });
});

describe('stampNodeObject', () => {
  it('stamps the namespace\'s user as owner over what the client sent, and the node default resources when none are named', () => {
    const stamped = stampNodeObject(ws('app', 'user-alice', { 'nexus.dev/owner': 'bob' }), 'alice', { memory: '1Gi' }) as KubeObject & { spec: { resources?: unknown } };
    expect(stamped.metadata.annotations?.['nexus.dev/owner']).toBe('alice');
    expect(stamped.spec.resources).toEqual({ memory: '1Gi' });
    const own = { ...ws('app', 'user-alice'), spec: { backend: 'mock', resources: { cpu: 1 } } } as KubeObject;
    expect((stampNodeObject(own, 'alice', { memory: '1Gi' }) as KubeObject & { spec: { resources?: unknown } }).spec.resources).toEqual({ cpu: 1 });
  });
});

describe('Serial', () => {
  it('runs one piece of work at a time, a failure not stopping the next', async () => {
    const serial = new Serial();
    const order: string[] = [];
    const slow = serial.run(async () => {
      await new Promise((r) => setTimeout(r, 20));
      order.push('slow');
      throw new Error('x');
    });
    const fast = serial.run(async () => order.push('fast'));
    await expect(slow).rejects.toThrow('x');
    await fast;
    expect(order).toEqual(['slow', 'fast']);
  });
});
