import { describe, expect, it } from 'vitest';
import type { ResourceClient } from '../../apis/client/types.ts';
import { switchForClient } from './run.ts';

const REQUEST = { op: 'switch', namespace: 'default', name: 'b', timeoutMs: 1000, requestedAt: '2026-12-07T20:00:00.000Z' } as const;

describe('the daemon switch op', () => {
  it('switches nothing for a client that went away while the daemon was still starting', async () => {
    let serve: (client: ResourceClient) => void = () => undefined;
    const started = new Promise<ResourceClient>((resolve) => (serve = resolve));
    const gone = new AbortController();
    const answer = switchForClient(started, REQUEST, gone.signal);
    gone.abort();
    // A store that fails on any use: the daemon starts serving after the client left.
    serve(new Proxy({}, { get: (_, key) => (key === 'then' ? undefined : () => Promise.reject(new Error('the store was used'))) }) as ResourceClient);
    await expect(answer).resolves.toEqual({ switch: { result: 'timedOut', paused: [], reason: 'the client went away before the daemon was serving' } });
  });
});
