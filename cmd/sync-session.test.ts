// `boulder sync … NAME` finds a workspace's own session by the name the Workspace controller gives
// it (apis/sync-session-name.ts), also when a long workspace name makes it a cut and hashed name,
// not `<workspace>-sync`.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ResourceClient } from '../apis/client/types.ts';
import { API_VERSION } from '../apis/meta.ts';
import { ownedSyncSessionName } from '../apis/sync-session-name.ts';
import type { SyncSession } from '../apis/types/syncsession.ts';
import { createTestDeps, type TestDeps } from './test-support.ts';
import { findSession } from './sync-session.ts';

let deps: TestDeps;
let client: ResourceClient;

beforeEach(async () => {
  deps = await createTestDeps();
  client = await deps.openClient();
});
afterEach(async () => {
  await client.close();
  await deps.cleanup();
});

const session = (name: string): SyncSession => ({ apiVersion: API_VERSION, kind: 'SyncSession', metadata: { name, namespace: 'default' }, spec: { alpha: '/a', beta: '/b' } });

describe('boulder sync NAME', () => {
  it("finds the workspace's session by its owned name, for a short and a long workspace name", async () => {
    const long = `w${'x'.repeat(58)}`;
    expect(ownedSyncSessionName(long)).not.toBe(`${long}-sync`);
    await client.create(session(ownedSyncSessionName('api')));
    await client.create(session(ownedSyncSessionName(long)));
    expect((await findSession(client, 'default', 'api')).metadata.name).toBe('api-sync');
    expect((await findSession(client, 'default', long)).metadata.name).toBe(ownedSyncSessionName(long));
    await expect(findSession(client, 'default', 'nope')).rejects.toThrow('syncsession "nope" not found');
  });
});
