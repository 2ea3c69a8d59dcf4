// The Docker provider's sync capability, pure parts: its address schemes (moved here from the
// SyncSession controller's tests with the parser) and the choice of the helper's image — the
// workspace's own images first when present locally; other Docker errors are not mistaken for
// "absent". Opening endpoints against a real engine: test/docker/sync-*.test.ts.
import type Dockerode from 'dockerode';
import { describe, expect, it } from 'vitest';
import { isErrorCode } from '../../../apis/errors.ts';
import { dockerSyncCapability, firstLocalImage, parseDockerSyncAddress } from './sync-capability.ts';

function fakeDocker(present: readonly string[], failing: readonly string[] = []): Dockerode {
  return {
    getImage: (name: string) => ({
      inspect: async () => {
        if (failing.includes(name)) throw Object.assign(new Error('daemon error'), { statusCode: 500 });
        if (!present.includes(name)) throw Object.assign(new Error('no such image'), { statusCode: 404 });
        return { Id: name };
      },
    }),
  } as unknown as Dockerode;
}

describe('Docker sync capability', () => {
  it('serves docker:// and volume:// addresses', () => {
    expect(dockerSyncCapability({ docker: fakeDocker([]) }).schemes).toEqual(['docker', 'volume']);
    expect(parseDockerSyncAddress('docker://web/workspace/')).toEqual({ type: 'docker', container: 'web', path: '/workspace' });
    expect(parseDockerSyncAddress('volume://nexus-sync-1/')).toEqual({ type: 'volume', volume: 'nexus-sync-1', path: '/workspace' });
    expect(parseDockerSyncAddress('volume://v/sub/dir')).toEqual({ type: 'volume', volume: 'v', path: '/workspace/sub/dir' });
    expect(parseDockerSyncAddress('/home/me/repo')).toBeUndefined();
    expect(parseDockerSyncAddress('pod://team/nexus-web/workspace/workspace')).toBeUndefined();
  });

  it('refuses a malformed Docker address with BadRequest', async () => {
    const error = await dockerSyncCapability({ docker: fakeDocker([]) }).open('docker://', { session: 'uid' }).catch((err: unknown) => err);
    expect(isErrorCode(error, 'BadRequest')).toBe(true);
  });

  it('runs the helper from the first workspace image present locally, none when none is', async () => {
    expect(await firstLocalImage(fakeDocker(['sha256:abc']), ['node:24-bookworm', 'sha256:abc'])).toBe('sha256:abc');
    expect(await firstLocalImage(fakeDocker([]), ['node:24-bookworm'])).toBeUndefined();
    await expect(firstLocalImage(fakeDocker([], ['node:24-bookworm']), ['node:24-bookworm'])).rejects.toThrow('daemon error');
  });
});
