import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { KubeObject } from '../../apis/meta.ts';
import { formatObjects, objectName } from './objects.ts';

const a: KubeObject = { apiVersion: 'nexus.dev/v1alpha1', kind: 'Workspace', metadata: { name: 'a' }, spec: { image: 'x' } };
const b: KubeObject = { apiVersion: 'nexus.dev/v1alpha1', kind: 'SyncSession', metadata: { name: 'b' } };

describe('formatObjects', () => {
  it('prints kind.group/name lines', async () => {
    expect(objectName(a)).toBe('workspace.nexus.dev/a');
    expect(await formatObjects([a, b], 'name', false)).toBe('workspace.nexus.dev/a\nsyncsession.nexus.dev/b\n');
  });

  it('prints one object as itself and several as a List', async () => {
    expect(JSON.parse(await formatObjects([a], 'json', true))).toEqual(a);
    const list = JSON.parse(await formatObjects([a, b], 'json', false)) as Record<string, unknown>;
    expect(list).toEqual({ apiVersion: 'v1', kind: 'List', items: [a, b], metadata: { resourceVersion: '' } });
    expect(parse(await formatObjects([a], 'yaml', true))).toEqual(a);
    expect(parse(await formatObjects([a], 'yaml', false))).toMatchObject({ kind: 'List', items: [a] });
  });

  it('indents JSON with four spaces like kubectl', async () => {
    expect(await formatObjects([b], 'json', true)).toContain('\n    "kind": "SyncSession"');
  });
});
