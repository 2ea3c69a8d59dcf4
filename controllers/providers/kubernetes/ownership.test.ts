// Ownership of the objects found by a workspace's deterministic names: the pure predicate, and
// ensure over a recording CoreV1 stand-in proving a foreign Pod, Service, Secret or PVC is never
// observed, replaced or deleted (the real API server: test/k8s/foreign-objects.test.ts).
import type { CoreV1Api, V1ObjectMeta } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { realClock } from '../../runtime/clock.ts';
import { isTerminalError } from '../../runtime/errors.ts';
import { isProviderError } from '../errors.ts';
import { runtimeLabels, type DesiredRuntime } from '../types.ts';
import { ensureObjects } from './ensure.ts';
import { podConfigHash, podManifest } from './manifests.ts';
import { kubeNames } from './names.ts';
import { notOwnedError, notOwnedReason, ownedBy } from './ownership.ts';

const target = { namespace: 'team', name: 'web', uid: 'uid-web' };
const names = kubeNames(target);

function desired(overrides: Partial<DesiredRuntime> = {}): DesiredRuntime {
  return {
    target,
    labels: runtimeLabels(target),
    image: 'busybox',
    imageSource: { kind: 'image', ref: 'busybox' },
    env: {},
    secretEnv: {},
    state: 'Running',
    containerPorts: [8080],
    services: [],
    mounts: [],
    workdir: '/workspace',
    ...overrides,
  };
}

describe('notOwnedReason', () => {
  it('owns exactly what carries the workspace\'s labels with its uid and no other controller', () => {
    expect(notOwnedReason({ metadata: { labels: runtimeLabels(target) } }, target)).toBeUndefined();
    const ownRef = { apiVersion: 'nexus.dev/v1alpha1', kind: 'Workspace', name: 'web', uid: 'uid-web', controller: true };
    expect(ownedBy({ metadata: { labels: runtimeLabels(target), ownerReferences: [ownRef] } }, target)).toBe(true);
    expect(notOwnedReason({ metadata: { labels: { app: 'postgres' } } }, target)).toBe("it does not carry boulder's labels for workspace team/web");
    expect(notOwnedReason({ metadata: { labels: runtimeLabels({ ...target, uid: 'uid-old' }) } }, target)).toBe(
      'it belongs to another workspace of that name (nexus.dev/uid=uid-old, this one is uid-web)',
    );
    expect(notOwnedReason({ metadata: { labels: runtimeLabels({ ...target, namespace: 'other' }) } }, target)).toContain('does not carry');
    const statefulSet = { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'db', uid: 'u-ss', controller: true };
    expect(notOwnedReason({ metadata: { labels: runtimeLabels(target), ownerReferences: [statefulSet] } }, target)).toBe('it is controlled by StatefulSet db (uid u-ss)');
    expect(ownedBy(undefined, target)).toBe(false);
  });

  it('fails terminally with ObjectNotOwned, or transiently while the foreign object is being deleted', () => {
    const err = notOwnedError('pod', { metadata: { name: 'nexus-web', labels: {} } }, target);
    expect(isTerminalError(err) && err.reason).toBe('ObjectNotOwned');
    expect(err.message).toBe("pod/nexus-web exists and is not owned by workspace web: it does not carry boulder's labels for workspace team/web; boulder leaves it untouched (remove or rename it, or rename the workspace)");
    const going = notOwnedError('pod', { metadata: { name: 'nexus-web', deletionTimestamp: new Date() } }, target);
    expect(isProviderError(going) && going.transient).toBe(true);
  });
});

type Kind = 'Pod' | 'Service' | 'Secret' | 'PersistentVolumeClaim';

/** A CoreV1Api stand-in over a map of objects, recording every write. */
function fakeCore(objects: Partial<Record<Kind, { metadata?: V1ObjectMeta }>>) {
  const writes: string[] = [];
  const read = (kind: Kind) => async () => {
    const object = objects[kind];
    if (object === undefined) throw Object.assign(new Error('not found'), { code: 404 });
    return structuredClone(object);
  };
  const write = (verb: string, kind: Kind) => async (request: { name?: string; body?: { metadata?: V1ObjectMeta } }) => {
    writes.push(`${verb} ${kind} ${request.name ?? request.body?.metadata?.name}`);
    if (verb === 'create') {
      if (objects[kind] !== undefined) throw Object.assign(new Error('conflict'), { code: 409 });
      objects[kind] = { ...request.body, metadata: { ...request.body?.metadata, uid: `new-${kind}` } };
    }
    return request.body ?? {};
  };
  const core: Record<string, unknown> = {};
  for (const kind of ['Pod', 'Service', 'Secret', 'PersistentVolumeClaim'] as const) {
    core[`readNamespaced${kind}`] = read(kind);
    for (const verb of ['create', 'replace', 'delete'] as const) core[`${verb}Namespaced${kind}`] = write(verb, kind);
  }
  return { core: core as unknown as CoreV1Api, writes };
}

/** A foreign object of `name`: no boulder labels (a user's database Pod, Service, claim). */
function foreign(name: string, annotations: Record<string, string> = {}): { metadata: V1ObjectMeta } {
  return { metadata: { name, namespace: 'team', uid: `foreign-${name}`, labels: { app: 'postgres' }, annotations } };
}

async function ensureWith(objects: Partial<Record<Kind, { metadata?: V1ObjectMeta }>>, want: DesiredRuntime) {
  const { core, writes } = fakeCore(objects);
  const result = await ensureObjects({ core, clock: realClock, names, manifest: {}, readyTimeoutMs: 10 }, want).catch((err: unknown) => err);
  return { result, writes };
}

describe('ensure leaves foreign objects untouched', () => {
  it('a foreign Pod of the workspace Pod\'s name, even with a matching configuration hash, is neither adopted nor replaced', async () => {
    const want = desired();
    const hash = podConfigHash(want, names);
    const { result, writes } = await ensureWith({ Pod: foreign(names.pod, { 'nexus.dev/config-hash': hash }) }, want);
    expect(isTerminalError(result) && result.reason).toBe('ObjectNotOwned');
    expect((result as Error).message).toContain('pod/nexus-web exists and is not owned by workspace web');
    expect(writes.filter((w) => w.includes('Pod'))).toEqual([]);
  });

  it('a Stopped workspace does not delete a foreign Pod of its name', async () => {
    const { core, writes } = fakeCore({ Pod: foreign(names.pod) });
    const result = await ensureObjects({ core, clock: realClock, names, manifest: {}, readyTimeoutMs: 10 }, desired({ state: 'Stopped', containerPorts: [] }));
    expect(writes.filter((w) => w.includes('Pod'))).toEqual([]);
    expect(result.observed.state).toBe('Stopped');
  });

  it.each<[Kind, string, Partial<DesiredRuntime>]>([
    ['Service', 'service/nexus-web', {}],
    ['PersistentVolumeClaim', 'persistentvolumeclaim/nexus-web-files', {}],
    ['Secret', 'secret/nexus-web-secrets', { secretEnv: { TOKEN: 'x' } }],
  ])('a foreign %s the workspace needs is neither replaced nor deleted; nothing is written', async (kind, shown, overrides) => {
    const name = kind === 'Service' ? names.pod : kind === 'Secret' ? names.secret : names.pvc;
    const { result, writes } = await ensureWith({ [kind]: foreign(name) }, desired(overrides));
    expect(isTerminalError(result) && result.reason).toBe('ObjectNotOwned');
    expect((result as Error).message).toContain(`${shown} exists and is not owned by workspace web`);
    expect(writes).toEqual([]);
  });

  it('a foreign Service the workspace does not need (no ports) is left alone, not deleted', async () => {
    const { core, writes } = fakeCore({ Service: foreign(names.pod) });
    await ensureObjects({ core, clock: realClock, names, manifest: {}, readyTimeoutMs: 10 }, desired({ state: 'Stopped', containerPorts: [] }));
    expect(writes.filter((w) => w.includes('Service'))).toEqual([]);
  });

  it('its own outdated Pod is still replaced (deleted by uid precondition)', async () => {
    const own = podManifest(desired({ image: 'old' }), names);
    own.metadata!.uid = 'own-pod';
    const { writes } = await ensureWith({ Pod: own }, desired());
    expect(writes).toContain('delete Pod nexus-web');
  });
});
