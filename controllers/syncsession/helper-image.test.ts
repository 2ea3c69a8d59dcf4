// Choosing the sync helper's image: the workspace's own images first (when present locally),
// the default otherwise; other Docker errors are not mistaken for "absent".
import type Dockerode from 'dockerode';
import { describe, expect, it } from 'vitest';
import type { Workspace } from '../../apis/types/index.ts';
import { firstLocalImage, workspaceImages } from './helper-image.ts';

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

describe('sync helper image', () => {
  it('lists the workspace image, then the digest it last ran', () => {
    const ws = { spec: { image: 'node:24-bookworm' }, status: { imageDigest: 'sha256:abc' } } as unknown as Workspace;
    expect(workspaceImages(ws)).toEqual(['node:24-bookworm', 'sha256:abc']);
    expect(workspaceImages({ spec: {}, status: { imageDigest: 'sha256:abc' } } as unknown as Workspace)).toEqual(['sha256:abc']);
    expect(workspaceImages(undefined)).toEqual([]);
  });

  it('takes the first image present locally, none when none is', async () => {
    expect(await firstLocalImage(fakeDocker(['sha256:abc']), ['node:24-bookworm', 'sha256:abc'])).toBe('sha256:abc');
    expect(await firstLocalImage(fakeDocker([]), ['node:24-bookworm'])).toBeUndefined();
    await expect(firstLocalImage(fakeDocker([], ['node:24-bookworm']), ['node:24-bookworm'])).rejects.toThrow('daemon error');
  });
});
