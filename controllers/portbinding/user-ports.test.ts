import { describe, expect, it } from 'vitest';
import type { PortBinding } from '../../apis/types/index.ts';
import { PORT_PLAN } from './contracts.ts';
import { heldByAnotherUser, USER_BLOCK_SIZE, userPortBlock } from './user-ports.ts';

function binding(namespace: string, uid: string, fields: { hostPort?: number; phase?: string; bound?: number; allocated?: number; created?: string; deleting?: boolean; protocol?: 'tcp' | 'udp' }): PortBinding {
  return {
    apiVersion: 'nexus.dev/v1alpha1',
    kind: 'PortBinding',
    metadata: {
      namespace,
      name: uid,
      uid,
      creationTimestamp: fields.created ?? '2026-01-01T00:00:00Z',
      ...(fields.deleting === true ? { deletionTimestamp: '2026-01-02T00:00:00Z' } : {}),
    },
    spec: { workspace: 'w', containerPort: 80, ...(fields.hostPort !== undefined ? { hostPort: fields.hostPort } : {}), ...(fields.protocol ? { protocol: fields.protocol } : {}) },
    ...(fields.phase !== undefined || fields.allocated !== undefined
      ? {
          status: {
            ...(fields.phase !== undefined ? { phase: fields.phase as 'Bound' } : {}),
            ...(fields.bound !== undefined ? { hostPort: fields.bound } : {}),
            ...(fields.allocated !== undefined ? { allocation: { hostPort: fields.allocated, name: 'web', protocol: 'tcp' as const, hostIP: '127.0.0.1' } } : {}),
          },
        }
      : {}),
  } as PortBinding;
}

const asker = { uid: 'self', namespace: 'user-bob', protocol: 'tcp' as const, creationTimestamp: '2026-01-01T00:00:05Z', holdsIt: false };

describe('userPortBlock', () => {
  it('is a stable whole block of the range, different users usually apart', () => {
    const alice = userPortBlock('alice', PORT_PLAN.docker);
    expect(alice).toEqual(userPortBlock('alice', PORT_PLAN.docker));
    expect(alice.end - alice.start + 1).toBe(USER_BLOCK_SIZE);
    expect(alice.start).toBeGreaterThanOrEqual(PORT_PLAN.docker.start);
    expect(alice.end).toBeLessThanOrEqual(PORT_PLAN.docker.end);
    expect((alice.start - PORT_PLAN.docker.start) % USER_BLOCK_SIZE).toBe(0);
    const starts = new Set(['alice', 'bob', 'carol', 'dave', 'erin'].map((u) => userPortBlock(u, PORT_PLAN.docker).start));
    expect(starts.size).toBeGreaterThan(1);
  });
  it('is the whole range when it holds fewer than two blocks', () => {
    expect(userPortBlock('alice', { start: 40000, end: 40299 })).toEqual({ start: 40000, end: 40299 });
  });
});

describe('heldByAnotherUser', () => {
  it.each([
    ['another user bound there', [binding('user-alice', 'a', { hostPort: 3000, phase: 'Bound', bound: 3000 })], true],
    ['another user allocated there (workspace stopped)', [binding('user-alice', 'a', { phase: 'Pending', allocated: 3000 })], true],
    ['another user declares it, older', [binding('user-alice', 'a', { hostPort: 3000, phase: 'Pending', created: '2026-01-01T00:00:00Z' })], true],
    ['another user declares it, younger', [binding('user-alice', 'a', { hostPort: 3000, phase: 'Conflict', bound: 3000, created: '2026-01-01T00:00:09Z' })], false],
    ['another user in Conflict on it (reports it, does not hold it)', [binding('user-alice', 'a', { phase: 'Conflict', bound: 3000, created: '2026-01-01T00:00:09Z' })], false],
    ['the same user (switching decides)', [binding('user-bob', 'b2', { hostPort: 3000, phase: 'Bound', bound: 3000 })], false],
    ['another user being deleted', [binding('user-alice', 'a', { hostPort: 3000, phase: 'Bound', bound: 3000, deleting: true })], false],
    ['another protocol', [binding('user-alice', 'a', { hostPort: 3000, phase: 'Bound', bound: 3000, protocol: 'udp' })], false],
    ['another port', [binding('user-alice', 'a', { hostPort: 3001, phase: 'Bound', bound: 3001, allocated: 33000 })], false],
  ])('%s', (_what, bindings, held) => {
    expect(heldByAnotherUser(bindings, asker, 3000)).toBe(held);
  });
  it('an older declaration does not take a port the asker is bound to already', () => {
    expect(heldByAnotherUser([binding('user-alice', 'a', { hostPort: 3000, phase: 'Conflict' })], { ...asker, holdsIt: true }, 3000)).toBe(false);
  });
});
