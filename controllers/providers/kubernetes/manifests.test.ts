import { describe, expect, it } from 'vitest';
import type { DesiredRuntime } from '../types.ts';
import { runtimeLabels } from '../types.ts';
import { exitCodeOf } from './exec-logs.ts';
import { podEventHint } from './events.ts';
import { memoryQuantity, podManifest, secretManifest, serviceManifest, serviceVolumeMount } from './manifests.ts';
import { kubeNames, shorten } from './names.ts';
import { observedFrom } from './observe.ts';
import { CONFIG_HASH_KEY, STATE_KEY } from '../../../apis/names/index.ts';

const target = { namespace: 'team', name: 'web', uid: 'u-1' };
function desired(overrides: Partial<DesiredRuntime> = {}): DesiredRuntime {
  return {
    target,
    labels: runtimeLabels(target),
    image: 'busybox',
    imageSource: { kind: 'image', ref: 'busybox' },
    env: { A: '1' },
    secretEnv: {},
    state: 'Running',
    containerPorts: [],
    services: [],
    mounts: [],
    workdir: '/workspace',
    ...overrides,
  };
}

describe('kubeNames', () => {
  it('names objects after the workspace, with the namespace when they live elsewhere, within 63 characters', () => {
    expect(kubeNames(target)).toEqual({ namespace: 'team', pod: 'nexus-web', secret: 'nexus-web-secrets', pvc: 'nexus-web-files' });
    expect(kubeNames(target, 'shared').pod).toBe('nexus-team-web');
    const long = kubeNames({ ...target, name: 'x'.repeat(80) });
    expect(long.secret.length).toBeLessThanOrEqual(63);
    expect(shorten('a'.repeat(80), 20)).toMatch(/^a{11}-[0-9a-f]{8}$/);
  });
});

describe('manifests', () => {
  it('changes the config hash with the configuration and never puts secret values in the Pod', () => {
    const names = kubeNames(target);
    const a = podManifest(desired({ secretEnv: { T: 'secret-1' } }), names);
    const b = podManifest(desired({ secretEnv: { T: 'secret-2' } }), names);
    expect(a.metadata?.annotations?.[CONFIG_HASH_KEY]).not.toBe(b.metadata?.annotations?.[CONFIG_HASH_KEY]);
    expect(JSON.stringify(a)).not.toContain('secret-1');
    expect(secretManifest(desired({ secretEnv: { T: 'secret-1' } }), names)?.stringData).toEqual({ T: 'secret-1' });
    expect(secretManifest(desired(), names)).toBeUndefined();
    expect(podManifest(desired(), names).spec?.containers[0]?.envFrom).toBeUndefined();
  });

  it('delivers secretRef secrets by reference (secretKeyRef, no Secret of boulder) and mounts no service-account token', () => {
    const names = kubeNames(target);
    const withRef = desired({ secretRefs: [{ env: 'TOKEN', secret: 'api-token', key: 'value' }] });
    const pod = podManifest(withRef, names);
    expect(pod.spec?.containers[0]?.env).toEqual([
      { name: 'A', value: '1' },
      { name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'api-token', key: 'value' } } },
    ]);
    expect(pod.spec?.containers[0]?.envFrom).toBeUndefined();
    expect(secretManifest(withRef, names)).toBeUndefined();
    expect(pod.spec?.automountServiceAccountToken).toBe(false);
    expect(podManifest(desired(), names).spec?.automountServiceAccountToken).toBe(false);
    // A changed reference is a changed Pod.
    const other = podManifest(desired({ secretRefs: [{ env: 'TOKEN', secret: 'api-token', key: 'other' }] }), names);
    expect(other.metadata?.annotations?.[CONFIG_HASH_KEY]).not.toBe(pod.metadata?.annotations?.[CONFIG_HASH_KEY]);
  });

  it('exposes main and service ports on one Service, and none without ports', () => {
    const names = kubeNames(target);
    const withPorts = desired({ containerPorts: [8080], services: [{ name: 'db', image: 'pg', env: {}, command: [], containerPorts: [5432, 8080], volumes: [] }] });
    expect(serviceManifest(withPorts, names)?.spec?.ports?.map((p) => p.name)).toEqual(['p5432', 'p8080']);
    expect(serviceManifest(desired(), names)).toBeUndefined();
  });

  it('maps named service volumes to PVC sub-paths and rejects host paths', () => {
    expect(serviceVolumeMount('db', 'data:/var/lib/data')).toEqual({ name: 'files', mountPath: '/var/lib/data', subPath: '.services/db/data' });
    expect(() => serviceVolumeMount('db', '/host:/data')).toThrow(/only named volumes/);
  });

  it('writes memory as binary quantities', () => {
    expect([memoryQuantity(4 * 1024 ** 3), memoryQuantity(256 * 1024 ** 2), memoryQuantity(1000)]).toEqual(['4Gi', '256Mi', '1000']);
  });
});

describe('observedFrom', () => {
  const readyPod = { metadata: { uid: 'pod-1' }, spec: { containers: [{ name: 'workspace', image: 'busybox' }] }, status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } };
  it('is Running with a ready Pod, Stopped or Paused (as recorded on the PVC) without one, undefined with nothing', () => {
    expect(observedFrom({ pod: readyPod })).toMatchObject({ id: 'pod-1', state: 'Running', image: 'busybox' });
    expect(observedFrom({ pvc: { metadata: { uid: 'pvc-1' } } })).toMatchObject({ id: 'pvc-1', state: 'Stopped' });
    expect(observedFrom({ pvc: { metadata: { uid: 'pvc-1', annotations: { [STATE_KEY]: 'Paused' } } } })?.state).toBe('Paused');
    expect(observedFrom({})).toBeUndefined();
  });
});

describe('exec status and pod hints', () => {
  it('reads exit codes and tells exec failures apart', () => {
    expect(exitCodeOf({ status: 'Success' })).toBe(0);
    expect(exitCodeOf({ status: 'Failure', reason: 'NonZeroExitCode', details: { causes: [{ reason: 'ExitCode', message: '3' }] } })).toBe(3);
    expect(exitCodeOf({ status: 'Failure', message: 'error dialing backend' })).toBeUndefined();
  });
  it('names the workspace of a labelled Pod', () => {
    expect(podEventHint('DELETED', { metadata: { labels: { 'nexus.dev/workspace': 'web', 'nexus.dev/namespace': 'team' } }, status: { phase: 'Running' } })).toEqual({ namespace: 'team', name: 'web', reason: 'pod deleted Running' });
    expect(podEventHint('ADDED', { metadata: {} })).toBeUndefined();
  });
});
