/**
 * The daemon API's workspace lifecycle against a real Docker engine, through the SDK: a real
 * `boulder daemon`, a Workspace applied over the API, watched to Ready, paused, stopped and started
 * with workspaces.* calls — each checked against the container's state in the engine — then
 * deleted over the API, leaving no container behind.
 */
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { ensureBuilt } from '../cli/harness.ts';
import { startApiDaemon, type ApiDaemon } from '../api/harness.ts';
import { connect, type Client, type KubeObject } from '../../sdk/typescript/src/index.ts';
import { BUSYBOX, docker, requireEngine } from './support.ts';
import { runNamespace } from './workspace-harness.ts';

const NS = runNamespace('api');
const NAME = 'api-life';
let daemon: ApiDaemon;
let client: Client;

let engineReady: Promise<void> | undefined;
beforeEach(async () => {
  engineReady ??= requireEngine([BUSYBOX]);
  await engineReady;
});

beforeAll(async () => {
  await ensureBuilt();
  daemon = await startApiDaemon();
  client = await connect({ socket: daemon.socket, token: (await daemon.token('--scope', 'resources:read', '--scope', 'resources:write', '--workspace', NAME)).token });
}, 120_000);

afterAll(async () => {
  await client?.resources.delete('Workspace', NAME, { namespace: NS }).catch(() => undefined);
  for (let i = 0; i < 60 && (await containers()).length > 0; i++) await new Promise((resolve) => setTimeout(resolve, 500));
  client?.close();
  await daemon?.dispose();
});

async function containers(): Promise<{ State: string }[]> {
  return docker.listContainers({ all: true, filters: { label: [`nexus.dev/workspace=${NAME}`, 'app.kubernetes.io/managed-by=boulder'] } });
}

/** Waits (through the API watch) until the workspace is Ready for its generation with `phase`. */
async function until(phase: string, timeoutMs = 60_000): Promise<KubeObject> {
  const signal = AbortSignal.timeout(timeoutMs);
  for await (const { object } of client.watch('Workspace', { namespace: NS, signal })) {
    const status = object.status as { phase?: string; observedGeneration?: number; conditions?: { type: string; status: string }[] } | undefined;
    const ready = status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
    if (object.metadata.name === NAME && status?.phase === phase && status.observedGeneration === object.metadata.generation && (ready || phase !== 'Running')) return object;
  }
  throw new Error(`workspace ${NAME} did not reach ${phase} within ${timeoutMs} ms`);
}

it('apply, watch to Ready, pause, stop, start and delete a Docker workspace through the SDK', async () => {
  const applied = await client.resources.apply({ apiVersion: 'nexus.dev/v1alpha1', kind: 'Workspace', metadata: { name: NAME, namespace: NS }, spec: { backend: 'docker', image: BUSYBOX } });
  expect(applied.outcome).toBe('created');
  await until('Running', 90_000);
  expect((await containers()).map((c) => c.State)).toContain('running');

  expect(await client.workspaces.pause(NAME, { namespace: NS })).toEqual({ name: NAME, state: 'Paused', changed: true });
  await until('Paused');
  expect((await containers()).map((c) => c.State)).toContain('paused');

  expect(await client.workspaces.stop(NAME, { namespace: NS })).toMatchObject({ state: 'Stopped', changed: true });
  await until('Stopped');
  expect((await containers()).every((c) => c.State !== 'running' && c.State !== 'paused')).toBe(true);

  expect(await client.workspace(NAME, { namespace: NS }).start()).toMatchObject({ state: 'Running', changed: true });
  await until('Running', 90_000);
  expect((await containers()).map((c) => c.State)).toContain('running');

  await client.resources.delete('Workspace', NAME, { namespace: NS });
  for (let i = 0; i < 60 && (await containers()).length > 0; i++) await new Promise((resolve) => setTimeout(resolve, 500));
  expect(await containers()).toEqual([]);
});
