import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ResourceClient } from '../../apis/client/types.ts';
import type { KubeObject } from '../../apis/meta.ts';
import { parseCommandArgs } from '../args.ts';
import { createTestDeps, type TestDeps } from '../test-support.ts';
import get from './get.ts';

const NOW = Date.parse('2030-01-01T00:00:00Z');

function workspace(name: string, namespace = 'default', labels: Record<string, string> = {}): KubeObject {
  return { apiVersion: 'nexus.dev/v1alpha1', kind: 'Workspace', metadata: { name, namespace, labels }, spec: { backend: 'mock', image: 'node:24' } };
}

describe('get', () => {
  let deps: TestDeps;
  let client: ResourceClient;
  const run = (...args: string[]): Promise<number> => get.run(deps, parseCommandArgs('get', get.options, args));

  beforeEach(async () => {
    deps = await createTestDeps({ nowMs: NOW });
    client = await deps.openClient();
  });
  afterEach(async () => {
    await client.close();
    await deps.cleanup();
  });

  it('says no resources found on stderr for an empty namespace', async () => {
    expect(await run('ws')).toBe(0);
    expect(deps.out.text).toBe('');
    expect(deps.err.text).toBe('No resources found in default namespace.\n');
  });

  it('prints a table of the namespace, with NAMESPACE for -A', async () => {
    await client.create(workspace('b'));
    await client.create(workspace('a'));
    await client.create(workspace('c', 'dev'));
    expect(await run('workspaces')).toBe(0);
    const lines = deps.out.text.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^NAME +PHASE +BACKEND +BRANCH +STATE +PORTS +READY +AGE$/);
    expect(lines.slice(1).map((l) => l.split(/\s+/)[0])).toEqual(['a', 'b']);
    deps.out.text = '';
    expect(await run('ws', '-A')).toBe(0);
    const all = deps.out.text.trimEnd().split('\n');
    expect(all[0]).toMatch(/^NAMESPACE +NAME +PHASE/);
    expect(all.slice(1).map((l) => l.split(/\s+/).slice(0, 2).join('/'))).toEqual(['default/a', 'default/b', 'dev/c']);
  });

  it('filters by label selector', async () => {
    await client.create(workspace('a', 'default', { team: 'web' }));
    await client.create(workspace('b', 'default', { team: 'db' }));
    expect(await run('ws', '-l', 'team=web', '-o', 'name')).toBe(0);
    expect(deps.out.text).toBe('workspace.nexus.dev/a\n');
  });

  it('prints one named object as itself and several as a List', async () => {
    await client.create(workspace('a'));
    await client.create(workspace('b'));
    expect(await run('ws', 'a', '-o', 'json')).toBe(0);
    expect((JSON.parse(deps.out.text) as KubeObject).metadata.name).toBe('a');
    deps.out.text = '';
    expect(await run('ws', 'a', 'b', '-o', 'json')).toBe(0);
    expect((JSON.parse(deps.out.text) as { kind: string; items: unknown[] }).items).toHaveLength(2);
  });

  it('fails with NotFound (exit 4) for a missing name, still printing the others', async () => {
    await client.create(workspace('a'));
    expect(await run('ws', 'a', 'nope', '-o', 'name')).toBe(4);
    expect(deps.out.text).toBe('workspace.nexus.dev/a\n');
    expect(deps.err.text).toBe('Error from server (NotFound): workspaces.nexus.dev "nope" not found\n');
    deps.err.text = '';
    expect(await run('ws', 'nope', '--ignore-not-found')).toBe(0);
    expect(deps.err.text).toBe('');
  });

  it('refuses names with -A', async () => {
    await expect(run('ws', 'a', '-A')).rejects.toThrow('across all namespaces');
  });

  it('--watch prints the list, then one row per change until interrupted', async () => {
    await client.create(workspace('a'));
    const done = run('ws', '-w');
    await new Promise((resolve) => setTimeout(resolve, 200));
    await client.create(workspace('later'));
    for (let i = 0; i < 100 && !deps.out.text.includes('later'); i++) await new Promise((resolve) => setTimeout(resolve, 50));
    deps.interrupt();
    expect(await done).toBe(0);
    const lines = deps.out.text.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^NAME/);
    expect(lines[1]).toMatch(/^a /);
    expect(lines[2]).toMatch(/^later /);
  });

  it('--watch -o yaml prints each object as its own document, separated by ---', async () => {
    await client.create(workspace('a'));
    const done = run('ws', '-w', '-o', 'yaml');
    await new Promise((resolve) => setTimeout(resolve, 200));
    await client.create(workspace('b'));
    for (let i = 0; i < 100 && !deps.out.text.includes('name: b'); i++) await new Promise((resolve) => setTimeout(resolve, 50));
    deps.interrupt();
    expect(await done).toBe(0);
    const docs = deps.out.text.split('---\n');
    expect(docs).toHaveLength(2);
    expect(docs[0]).toMatch(/^apiVersion: nexus.dev\/v1alpha1\nkind: Workspace\nmetadata:\n {2}name: a\n/);
    expect(docs[1]).toMatch(/^apiVersion: nexus.dev\/v1alpha1\nkind: Workspace\nmetadata:\n {2}name: b\n/);
  });
});
