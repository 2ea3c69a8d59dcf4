// The SyncSession controller opens endpoints through the providers' sync capabilities: it reads
// only an address's scheme, asks the registry for the provider serving it, and opens local paths
// itself; a scheme no provider here serves is a clear BadRequest, never a local path.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Dockerode from 'dockerode';
import { describe, expect, it } from 'vitest';
import { isErrorCode } from '../../apis/errors.ts';
import { DockerProvider } from '../providers/docker/docker-provider.ts';
import { LazyKubernetesProvider } from '../providers/kubernetes/lazy.ts';
import { MockProvider } from '../providers/mock/mock-provider.ts';
import { createProviderRegistry } from '../providers/registry.ts';
import type { SyncCapability, SyncEndpointContext } from '../providers/sync-capability.ts';
import type { Endpoint } from '../sync/endpoint.ts';
import { openEndpoint, releaseEndpoint } from './endpoints.ts';

describe('SyncSession endpoints', () => {
  it('asks the provider serving the scheme: docker:// and volume:// the Docker provider, pod:// the Kubernetes one', () => {
    const docker = new DockerProvider({ docker: {} as Dockerode });
    const kubernetes = new LazyKubernetesProvider({ kubeconfig: '/nonexistent' });
    const registry = createProviderRegistry([docker, kubernetes, new MockProvider()]);
    expect(registry.syncFor('docker')).toBe(docker.sync);
    expect(registry.syncFor('volume')).toBe(docker.sync);
    expect(registry.syncFor('pod')).toBe(kubernetes.sync);
    expect(registry.syncFor('sprite')).toBeUndefined();
    expect(registry.syncSchemes()).toEqual(['docker', 'volume', 'pod']);
    expect(kubernetes.loaded).toBe(false); // offering the capability loads nothing
  });

  it('hands an address with a scheme to that capability, with the session and its hints', async () => {
    const opened: Array<[string, SyncEndpointContext]> = [];
    const released: string[] = [];
    const fake: SyncCapability = {
      schemes: ['pod'],
      open: async (address, context) => {
        opened.push([address, context]);
        return {} as Endpoint;
      },
      release: async (address, session) => void released.push(`${address} ${session}`),
    };
    const providers = { syncFor: (scheme: string) => (scheme === 'pod' ? fake : undefined), syncSchemes: () => ['pod'] };
    await openEndpoint('pod://team/nexus-web/workspace/workspace', providers, { session: 'u1', workspaceImages: ['img'] });
    expect(opened).toEqual([['pod://team/nexus-web/workspace/workspace', { session: 'u1', workspaceImages: ['img'] }]]);
    await releaseEndpoint('pod://team/nexus-web/workspace/workspace', providers, 'u1', { removeVolume: true, logger: undefined as never });
    await releaseEndpoint('/home/me/repo', providers, 'u1', { removeVolume: true, logger: undefined as never });
    await releaseEndpoint('sprite://x/y', providers, 'u1', { removeVolume: true, logger: undefined as never });
    expect(released).toEqual(['pod://team/nexus-web/workspace/workspace u1']);
  });

  it('cannot open a scheme no provider here serves (a clear BadRequest, not a local path)', async () => {
    const registry = createProviderRegistry([new MockProvider()]);
    const error = await openEndpoint('pod://team/nexus-web/workspace/workspace', registry, { session: 'uid' }).catch((err: unknown) => err);
    expect(isErrorCode(error, 'BadRequest')).toBe(true);
    expect((error as Error).message).toContain('no backend of this boulder process serves pod:// endpoints');
  });

  it('opens a local path itself', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'boulder-endpoints-'));
    try {
      const endpoint = await openEndpoint(dir, createProviderRegistry([]), { session: 'uid' });
      expect(typeof endpoint.scan).toBe('function');
      await endpoint.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
