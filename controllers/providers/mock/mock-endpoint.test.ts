import { describe, expect, it } from 'vitest';
import type { DesiredRuntime } from '../types.ts';
import { MockProvider } from './mock-provider.ts';

const target = { namespace: 'default', name: 'app', uid: 'uid-app' };
const desired: DesiredRuntime = {
  target,
  labels: {},
  image: 'busybox',
  imageSource: { kind: 'image', ref: 'busybox' },
  env: {},
  secretEnv: {},
  state: 'Running',
  containerPorts: [8080],
  services: [{ name: 'db', image: 'postgres', env: {}, command: [], containerPorts: [5432], volumes: [] }],
  mounts: [],
  workdir: '/workspace',
};

describe('MockProvider.endpoint', () => {
  it('is 127.0.0.1 for a running or paused workspace and its services; nothing when absent or stopped', async () => {
    const provider = new MockProvider();
    expect(await provider.endpoint(target)).toBeUndefined();
    await provider.ensure(desired);
    expect(await provider.endpoint(target)).toEqual({ host: '127.0.0.1' });
    expect(await provider.endpoint(target, { service: 'db' })).toEqual({ host: '127.0.0.1' });
    expect(await provider.endpoint(target, { service: 'nope' })).toBeUndefined();
    await provider.pause(target);
    expect(await provider.endpoint(target)).toEqual({ host: '127.0.0.1' });
    await provider.stop(target);
    expect(await provider.endpoint(target)).toBeUndefined();
  });
});
