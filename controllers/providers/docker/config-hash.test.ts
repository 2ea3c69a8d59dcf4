import { describe, expect, it } from 'vitest';
import { runtimeLabels, type DesiredRuntime, type DesiredService } from '../types.ts';
import { serviceConfigHash, workspaceConfigHash } from './config-hash.ts';

const target = { namespace: 'default', name: 'a', uid: 'u-1' };
const base: DesiredRuntime = {
  target,
  labels: runtimeLabels(target),
  image: 'img:1',
  imageSource: { kind: 'image', ref: 'img:1' },
  env: { A: '1', B: '2' },
  secretEnv: { TOKEN: 's3cret' },
  state: 'Running',
  cpus: 1,
  memoryBytes: 1024,
  containerPorts: [8080, 3000],
  services: [],
  mounts: [{ source: '/src', target: '/workspace' }],
  workdir: '/workspace',
};
const svc: DesiredService = { name: 'db', image: 'pg:16', env: { X: '1' }, command: [], containerPorts: [5432], volumes: ['data:/var/lib/pg'] };

describe('workspaceConfigHash', () => {
  const hash = workspaceConfigHash(base, 'img:1');

  it('is a stable sha256 independent of map and port order', () => {
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(workspaceConfigHash({ ...base, env: { B: '2', A: '1' }, containerPorts: [3000, 8080] }, 'img:1')).toBe(hash);
  });

  it('ignores fields that do not shape the container (state, services, display image)', () => {
    expect(workspaceConfigHash({ ...base, state: 'Paused', services: [svc], image: 'display' }, 'img:1')).toBe(hash);
  });

  it.each<[string, Partial<DesiredRuntime>, string?]>([
    ['image ref', {}, 'img:2'],
    ['env', { env: { A: '1', B: '3' } }],
    ['secret value', { secretEnv: { TOKEN: 'other' } }],
    ['mount', { mounts: [{ source: '/src', target: '/workspace', readOnly: true }] }],
    ['workdir', { workdir: '/w' }],
    ['cpus', { cpus: 2 }],
    ['memory', { memoryBytes: undefined }],
    ['ports', { containerPorts: [8080] }],
  ])('changes with %s', (_what, change, ref = 'img:1') => {
    expect(workspaceConfigHash({ ...base, ...change }, ref)).not.toBe(hash);
  });
});

describe('serviceConfigHash', () => {
  const hash = serviceConfigHash(base, svc);

  it('changes with the service definition only', () => {
    expect(serviceConfigHash({ ...base, env: { OTHER: '1' }, state: 'Stopped' }, svc)).toBe(hash);
    expect(serviceConfigHash(base, { ...svc, image: 'pg:17' })).not.toBe(hash);
    expect(serviceConfigHash(base, { ...svc, command: ['postgres', '-c', 'fsync=off'] })).not.toBe(hash);
    expect(serviceConfigHash(base, { ...svc, volumes: [] })).not.toBe(hash);
    expect(serviceConfigHash(base, { ...svc, env: { X: '2' } })).not.toBe(hash);
  });
});
