import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Dockerode from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProviderError } from '../errors.ts';
import { createDockerProvider } from './docker-provider.ts';
import { daemonMessage, describeEngine, toProviderError } from './engine-errors.ts';

describe('engine errors', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'boulder-engine-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('turns a missing socket into a transient EngineUnavailable naming the host', async () => {
    const socketPath = path.join(dir, 'docker.sock');
    const provider = createDockerProvider({ docker: new Dockerode({ socketPath }) });
    const target = { namespace: 'default', name: 'a', uid: 'u' };
    const err: unknown = await provider.observe(target).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect(err).toMatchObject({ reason: 'EngineUnavailable', transient: true, code: 'Unavailable' });
    expect((err as Error).message).toContain(`cannot reach the Docker engine at unix://${socketPath}`);
    expect((err as Error).message).toContain('ENOENT');
    await expect(provider.ping()).rejects.toMatchObject({ reason: 'EngineUnavailable' });
    await expect(provider.delete(target)).rejects.toMatchObject({ reason: 'EngineUnavailable' });
  });

  it('describes tcp hosts', () => {
    expect(describeEngine(new Dockerode({ host: '10.0.0.2', port: 2375, protocol: 'http' }))).toBe('http://10.0.0.2:2375');
  });

  it('keeps the daemon message of API errors; 4xx are permanent, 5xx transient', () => {
    const docker = new Dockerode({ socketPath: '/nonexistent' });
    const api = (statusCode: number, message: string): Error => Object.assign(new Error(`(HTTP code ${statusCode}) x`), { statusCode, json: { message } });
    expect(daemonMessage(api(404, 'No such image: nope:1'))).toBe('No such image: nope:1');
    expect(toProviderError(docker, api(400, 'invalid mount'), 'ContainerCreateFailed', 'creating c')).toMatchObject({
      reason: 'ContainerCreateFailed',
      transient: false,
      message: 'creating c: invalid mount',
    });
    expect(toProviderError(docker, api(500, 'boom'), 'NetworkFailed', 'creating n')).toMatchObject({ transient: true });
  });
});
