import { describe, expect, it } from 'vitest';
import { buildTag, containerName, dockerNames, hostName, MAX_NAME_LENGTH, networkName, serviceContainerName, uid8, volumeName } from './names.ts';

const uid = '3f2a9c1e-7b7d-4c1a-9e2f-0123456789ab';
const target = { namespace: 'default', name: 'api', uid };
const dockerName = /^[a-z0-9][a-z0-9_.-]*$/;

describe('docker names', () => {
  it('uses the plain deterministic names when they are valid and short', () => {
    expect(dockerNames(target).container).toBe('nexus-default-api');
    expect(networkName(target)).toBe('nexus-default-api');
    expect(serviceContainerName(target, 'postgres')).toBe('nexus-default-api-postgres');
    expect(volumeName(target, 'pgdata')).toBe('nexus-3f2a9c1e-pgdata');
    expect(buildTag(target, 'abcdef0123456789ffff')).toBe('nexus-build/3f2a9c1e:abcdef012345');
  });

  it('adds the uid hash for the unique variant', () => {
    expect(containerName(target, { unique: true })).toBe('nexus-default-api-3f2a9c1e');
    expect(serviceContainerName(target, 'db', { unique: true })).toBe('nexus-default-api-db-3f2a9c1e');
  });

  it('bounds long names to 63 characters and keeps distinct inputs distinct', () => {
    const long = { namespace: 'team-a', name: 'x'.repeat(80), uid };
    const longer = { namespace: 'team-a', name: `${'x'.repeat(80)}y`, uid };
    for (const t of [long, longer]) {
      expect(containerName(t).length).toBeLessThanOrEqual(MAX_NAME_LENGTH);
      expect(containerName(t)).toMatch(dockerName);
      expect(containerName(t, { unique: true }).length).toBeLessThanOrEqual(MAX_NAME_LENGTH);
    }
    expect(containerName(long)).not.toBe(containerName(longer));
  });

  it('sanitises characters Docker rejects and hashes so the result stays unique', () => {
    const odd = { namespace: 'Team A', name: 'web/api', uid };
    const name = containerName(odd);
    expect(name).toMatch(dockerName);
    expect(name.startsWith('nexus-team-a-web-api-')).toBe(true);
    expect(name).not.toBe(containerName({ ...odd, name: 'web-api' }));
  });

  it('derives uid8 from a UUID prefix, else from a hash', () => {
    expect(uid8(uid)).toBe('3f2a9c1e');
    expect(uid8('not-a-uuid')).toMatch(/^[0-9a-f]{8}$/);
    expect(uid8('not-a-uuid')).not.toBe(uid8('not-a-uuid2'));
  });

  it('makes a hostname from the workspace name', () => {
    expect(hostName(target)).toBe('api');
    expect(hostName({ ...target, name: 'my.api_1' })).toBe('my-api-1');
  });
});
