import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../apis/meta.ts';
import { formatWorkspacePorts, tableRows } from './columns.ts';
import { formatTable } from './table.ts';

const now = Date.parse('2025-01-01T01:00:00Z');

function workspace(name: string, extra: Partial<KubeObject> = {}): KubeObject {
  return {
    apiVersion: 'nexus.dev/v1alpha1',
    kind: 'Workspace',
    metadata: { name, namespace: 'default', creationTimestamp: '2025-01-01T00:00:00Z' },
    spec: { backend: 'docker', image: 'node:24', state: 'Running', ports: { web: { containerPort: 3000 }, db: { containerPort: 5432, hostPort: 5433, protocol: 'udp' } } },
    ...extra,
  };
}

describe('tableRows', () => {
  it('prints the Workspace columns with READY before AGE and <none> for missing values', () => {
    const ready = workspace('b', {
      status: { phase: 'Running', branch: 'nexus/b', conditions: [{ type: 'Ready', status: 'True', reason: 'Ready', message: '', lastTransitionTime: '2025-01-01T00:00:00Z' }] },
    });
    const { headers, rows } = tableRows('Workspace', [workspace('a'), ready], { wide: false, withNamespace: false, nowMs: now });
    expect(formatTable(headers, rows)).toBe(
      [
        'NAME   PHASE     BACKEND   BRANCH    STATE     PORTS    READY    AGE',
        'a      <none>    docker    <none>    Running   <none>   <none>   60m',
        'b      Running   docker    nexus/b   Running   <none>   True     60m',
        '',
      ].join('\n'),
    );
  });

  it('adds the wide columns and NAMESPACE first for all namespaces', () => {
    const { headers, rows } = tableRows('Workspace', [workspace('a')], { wide: true, withNamespace: true, nowMs: now });
    expect(headers).toEqual(['NAMESPACE', 'NAME', 'PHASE', 'BACKEND', 'BRANCH', 'STATE', 'PORTS', 'READY', 'REASON', 'AGE', 'CONTAINER-PORTS', 'IMAGE']);
    expect(rows[0]).toEqual(['default', 'a', '<none>', 'docker', '<none>', 'Running', '<none>', '<none>', '<none>', '60m', 'web:3000,db:5433->5432/udp', 'node:24']);
  });

  it('shows Terminating for an object being deleted before its controller sets a phase', () => {
    const { rows } = tableRows('Workspace', [workspace('a', { metadata: { name: 'a', deletionTimestamp: '2025-01-01T00:59:00Z' } })], { wide: false, withNamespace: false, nowMs: now });
    expect(rows[0]?.[1]).toBe('Terminating');
  });

  it('shows Terminating for any kind being deleted whatever its last phase, and the reason Ready is not True with -o wide', () => {
    const pb: KubeObject = {
      apiVersion: 'nexus.dev/v1alpha1',
      kind: 'PortBinding',
      metadata: { name: 'a-web', creationTimestamp: '2025-01-01T00:59:30Z', deletionTimestamp: '2025-01-01T00:59:50Z', finalizers: ['nexus.dev/cleanup'] },
      spec: { workspace: 'a', containerPort: 3000 },
      status: { phase: 'Bound', conditions: [{ type: 'Ready', status: 'False', reason: 'CleanupFailed', message: 'busy', lastTransitionTime: '2025-01-01T00:59:55Z' }] },
    };
    const { headers, rows } = tableRows('PortBinding', [pb], { wide: true, withNamespace: false, nowMs: now });
    expect(rows[0]?.[headers.indexOf('PHASE')]).toBe('Terminating');
    expect(rows[0]?.[headers.indexOf('READY')]).toBe('False');
    expect(rows[0]?.[headers.indexOf('REASON')]).toBe('CleanupFailed');
  });

  it('prints PortBinding and SyncSession columns', () => {
    const pb: KubeObject = {
      apiVersion: 'nexus.dev/v1alpha1',
      kind: 'PortBinding',
      metadata: { name: 'a-web', creationTimestamp: '2025-01-01T00:59:30Z' },
      spec: { workspace: 'a', containerPort: 3000 },
      status: { hostPort: 41234, phase: 'Bound' },
    };
    expect(tableRows('PortBinding', [pb], { wide: false, withNamespace: false, nowMs: now })).toEqual({
      headers: ['NAME', 'WORKSPACE', 'CONTAINER', 'HOST', 'PHASE', 'READY', 'AGE'],
      rows: [['a-web', 'a', '3000', '41234', 'Bound', '<none>', '30s']],
    });
    const ss: KubeObject = {
      apiVersion: 'nexus.dev/v1alpha1',
      kind: 'SyncSession',
      metadata: { name: 'a-files', creationTimestamp: '2025-01-01T00:00:00Z' },
      spec: { workspace: 'a', alpha: '/src', beta: '/workspace', mode: 'two-way-safe' },
    };
    expect(tableRows('SyncSession', [ss], { wide: true, withNamespace: false, nowMs: now }).rows[0]).toEqual([
      'a-files', 'a', 'two-way-safe', '<none>', '<none>', '<none>', '60m', '/src', '/workspace', '<none>',
    ]);
  });
});

describe('formatWorkspacePorts', () => {
  it('handles missing and empty port maps', () => {
    expect(formatWorkspacePorts(undefined)).toBe('<none>');
    expect(formatWorkspacePorts({})).toBe('<none>');
  });
});
