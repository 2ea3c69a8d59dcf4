import { describe, expect, it } from 'vitest';
import { isErrorCode } from '../../apis/errors.ts';
import { openEndpoint, parseEndpointAddress, type EndpointDeps } from './endpoints.ts';

describe('pod:// endpoint addresses', () => {
  it('parses into namespace, pod, container and path', () => {
    expect(parseEndpointAddress('pod://team/nexus-web/workspace/workspace')).toEqual({ type: 'pod', namespace: 'team', pod: 'nexus-web', container: 'workspace', path: '/workspace' });
    expect(parseEndpointAddress('/home/me/repo')).toEqual({ type: 'local', path: '/home/me/repo' });
  });

  it('cannot be opened without a cluster (a clear BadRequest, not a local path)', async () => {
    const deps = { helperImage: 'busybox', labels: {} } as unknown as EndpointDeps;
    const error = await openEndpoint('pod://team/nexus-web/workspace/workspace', 'uid', deps).catch((err: unknown) => err);
    expect(isErrorCode(error, 'BadRequest')).toBe(true);
  });
});
