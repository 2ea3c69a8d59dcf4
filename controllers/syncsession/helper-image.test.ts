// The images of a session's workspace, best first (the Docker backend's helper runs the first
// present locally: controllers/providers/docker/sync-capability.test.ts).
import { describe, expect, it } from 'vitest';
import type { Workspace } from '../../apis/types/index.ts';
import { workspaceImages } from './helper-image.ts';

describe('sync helper image', () => {
  it('lists the workspace image, then the digest it last ran', () => {
    const ws = { spec: { image: 'node:24-bookworm' }, status: { imageDigest: 'sha256:abc' } } as unknown as Workspace;
    expect(workspaceImages(ws)).toEqual(['node:24-bookworm', 'sha256:abc']);
    expect(workspaceImages({ spec: {}, status: { imageDigest: 'sha256:abc' } } as unknown as Workspace)).toEqual(['sha256:abc']);
    expect(workspaceImages(undefined)).toEqual([]);
  });
});
