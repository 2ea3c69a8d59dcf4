// Pure parts of the SyncSession controller: request parsing, status mapping (endpoint addresses are
// their backend's: controllers/providers/docker/sync-capability.test.ts, controllers/sync/address.test.ts).
import { describe, expect, it } from 'vitest';
import type { SyncEngineStatus } from '../sync/engine-api.ts';
import { parseSyncRequest } from './requests.ts';
import { sessionStatus } from './status.ts';
import { settleStalled } from '../runtime/stalled.ts';
import { terminalFailureOf } from '../../apis/terminal.ts';
import type { SyncSession } from '../../apis/types/syncsession.ts';
import { INITIAL_SYNC_COMPLETE } from '../../apis/names/index.ts';

const engine = (over: Partial<SyncEngineStatus> = {}): SyncEngineStatus => ({ activity: 'idle', paused: false, conflicts: [], bytesTransferred: 10, errorCount: 0, ...over });
const now = new Date('2026-01-01T00:00:00Z');

describe('SyncSession pure parts', () => {
  it('accepts only well-formed requests', () => {
    expect(parseSyncRequest('{"id":"1","op":"flush"}')).toEqual({ id: '1', op: 'flush' });
    expect(parseSyncRequest('{"id":"1","op":"resolve","path":"a","keep":"host"}')?.keep).toBe('host');
    expect(parseSyncRequest('{"id":"1","op":"resolve","path":"a"}')).toBeUndefined();
    expect(parseSyncRequest('{"id":"1","op":"resolve","path":"../a","keep":"host"}')).toBeUndefined();
    expect(parseSyncRequest('{"id":"1","op":"resolve","path":"/etc/passwd","keep":"host"}')).toBeUndefined();
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

  it('a halt is Stalled for the current generation, and the mark goes with the halt', () => {
    const halted = sessionStatus(undefined, { engine: engine({ halted: { reason: 'unsafe-path', message: 'beta reported "../x"', path: '../x', code: 'PathEscapes' } }), initialSyncDone: false }, 3, now);
    expect(halted.conditions?.find((c) => c.type === 'Stalled')).toMatchObject({ status: 'True', reason: 'UnsafePath', message: 'beta reported "../x"', observedGeneration: 3 });
    const asObject = (status: SyncSession['status']): SyncSession => ({ apiVersion: 'nexus.dev/v1alpha1', kind: 'SyncSession', metadata: { name: 's', generation: 3 }, spec: { alpha: '/a', beta: '/b' }, status });
    expect(terminalFailureOf(asObject(halted))).toEqual({ reason: 'UnsafePath', message: 'beta reported "../x"' });
    const otherHalt = sessionStatus(undefined, { engine: engine({ halted: { reason: 'root-emptied', message: 'm' } }), initialSyncDone: true }, 3, now);
    expect(otherHalt.conditions?.find((c) => c.type === 'Stalled')).toMatchObject({ status: 'True', reason: 'Halted' });
    // Reset or resolved: the next status (from the halted one) reports syncing; the writer drops Stalled.
    const cleared = settleStalled(sessionStatus(halted, { engine: engine({ activity: 'scanning' }), initialSyncDone: false }, 3, now));
    expect(cleared.conditions?.some((c) => c.type === 'Stalled')).toBe(false);
    expect(terminalFailureOf(asObject(cleared))).toBeUndefined();
    // Paused while halted: not a terminal failure either.
    expect(settleStalled(sessionStatus(halted, { engine: engine({ paused: true, halted: { reason: 'root-emptied', message: 'm' } }), initialSyncDone: false }, 3, now)).conditions?.some((c) => c.type === 'Stalled')).toBe(false);
  });
});
