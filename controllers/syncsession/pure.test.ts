// Pure parts of the SyncSession controller: endpoint addresses, request parsing, status mapping.
import { describe, expect, it } from 'vitest';
import type { SyncEngineStatus } from '../sync/engine-api.ts';
import { parseEndpointAddress } from './endpoints.ts';
import { parseSyncRequest } from './requests.ts';
import { INITIAL_SYNC_COMPLETE, sessionStatus } from './status.ts';

const engine = (over: Partial<SyncEngineStatus> = {}): SyncEngineStatus => ({ activity: 'idle', paused: false, conflicts: [], bytesTransferred: 10, errorCount: 0, ...over });
const now = new Date('2026-01-01T00:00:00Z');

describe('SyncSession pure parts', () => {
  it('parses endpoint addresses', () => {
    expect(parseEndpointAddress('/home/me/repo')).toEqual({ type: 'local', path: '/home/me/repo' });
    expect(parseEndpointAddress('docker://web/workspace/')).toEqual({ type: 'docker', container: 'web', path: '/workspace' });
    expect(parseEndpointAddress('volume://nexus-sync-1/')).toEqual({ type: 'volume', volume: 'nexus-sync-1', path: '/workspace' });
    expect(parseEndpointAddress('volume://v/sub/dir')).toEqual({ type: 'volume', volume: 'v', path: '/workspace/sub/dir' });
  });

  it('accepts only well-formed requests', () => {
    expect(parseSyncRequest('{"id":"1","op":"flush"}')).toEqual({ id: '1', op: 'flush' });
    expect(parseSyncRequest('{"id":"1","op":"resolve","path":"a","keep":"host"}')?.keep).toBe('host');
    expect(parseSyncRequest('{"id":"1","op":"resolve","path":"a"}')).toBeUndefined();
    expect(parseSyncRequest('{"id":"1","op":"rm"}')).toBeUndefined();
    expect(parseSyncRequest('not json')).toBeUndefined();
  });

  it('maps engine state to phase and conditions', () => {
    expect(sessionStatus(undefined, { engine: engine(), initialSyncDone: false }, 1, now).phase).toBe('Watching');
    expect(sessionStatus(undefined, { engine: engine({ paused: true }), initialSyncDone: true }, 1, now).phase).toBe('Paused');
    expect(sessionStatus(undefined, { engine: engine({ halted: { reason: 'root-emptied', message: 'm' } }), initialSyncDone: true }, 1, now).phase).toBe('Halted');
    expect(sessionStatus(undefined, { engine: engine(), initialSyncDone: true, lastError: 'boom' }, 1, now).phase).toBe('Error');
    expect(sessionStatus(undefined, { engine: engine({ activity: 'scanning' }), initialSyncDone: true }, 1, now).phase).toBe('Scanning');
    const ready = sessionStatus(undefined, { engine: engine(), initialSyncDone: true }, 1, now);
    expect(ready.conditions?.find((c) => c.type === INITIAL_SYNC_COMPLETE)?.status).toBe('True');
    expect(ready.conditions?.find((c) => c.type === 'Ready')).toMatchObject({ status: 'True', reason: 'InSync' });
    expect(ready.bytesTransferred).toBe(10);
    const unsafe = sessionStatus(undefined, { engine: engine({ halted: { reason: 'unsafe-path', message: 'beta reported "../x"', path: '../x', code: 'PathEscapes' } }), initialSyncDone: true }, 1, now);
    expect(unsafe.phase).toBe('Halted');
    expect(unsafe.conditions?.find((c) => c.type === 'Ready')).toMatchObject({ status: 'False', reason: 'UnsafePath', message: 'beta reported "../x"' });
  });
});
