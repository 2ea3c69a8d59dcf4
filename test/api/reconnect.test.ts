/**
 * The SDK across a daemon restart: calls fail with Unavailable while it is down, the client
 * reconnects with backoff, and a watch resumes from the last resourceVersion it delivered — it sees
 * what changed meanwhile without replaying what it had already seen.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ensureBuilt } from '../cli/harness.ts';
import { connect, type Client } from '../../sdk/typescript/src/index.ts';
import { startApiDaemon, type ApiDaemon } from './harness.ts';

let daemon: ApiDaemon;
let client: Client | undefined;

beforeAll(async () => {
  await ensureBuilt();
  daemon = await startApiDaemon();
}, 120_000);

afterAll(async () => {
  client?.close();
  await daemon?.dispose();
});

const ws = (name: string) => ({ apiVersion: 'nexus.dev/v1alpha1', kind: 'Workspace', metadata: { name }, spec: { backend: 'mock', image: 'busybox', state: 'Stopped' } });

it('reconnects after a daemon restart and resumes the watch from its last resourceVersion', async () => {
  const { token } = await daemon.token('--scope', 'admin');
  client = await connect({ socket: daemon.socket, token, reconnect: { initialDelayMs: 50, maxDelayMs: 300 } });
  await client.resources.apply(ws('before'));
  const seen: string[] = [];
  const controller = new AbortController();
  let sawBefore: () => void = () => undefined;
  const before = new Promise<void>((resolve) => (sawBefore = resolve));
  const watching = (async () => {
    for await (const event of client!.watch('Workspace', { signal: controller.signal })) {
      seen.push(`${event.type} ${event.object.metadata.name}`);
      if (event.object.metadata.name === 'before') sawBefore();
      if (event.object.metadata.name === 'after') controller.abort();
    }
  })();
  await before;
  await daemon.stop();
  await expect(client.workspaces.list()).rejects.toMatchObject({ code: 'Unavailable' });
  const again = await startApiDaemon({ stateDir: daemon.stateDir });
  daemon = again;
  const other = await connect({ socket: again.socket, token, reconnect: false });
  await other.resources.apply(ws('after'));
  other.close();
  await Promise.race([watching, new Promise((_, reject) => setTimeout(() => reject(new Error(`watch saw ${JSON.stringify(seen)}`)), 20_000))]);
  expect(seen.filter((s) => s === 'ADDED before')).toHaveLength(1);
  expect(seen).toContain('ADDED after');
  expect((await client.workspaces.list()).map((w) => w.metadata.name)).toEqual(['after', 'before']);
});
