/**
 * Converging a workspace's objects: Secret, PVC and Service always exist (the Service only with
 * ports, the Secret only with secrets); the Pod exists only while the workspace is Running and is
 * recreated when its configuration hash annotation differs or it ended (Failed/Succeeded).
 * Stopped and Paused both remove the Pod and keep everything else (Kubernetes cannot freeze a Pod);
 * the PVC records which of the two it is in an annotation. Only objects carrying the workspace's
 * identity are observed, changed or deleted (ownership.ts): a foreign object holding a name the
 * workspace needs fails the ensure with `ObjectNotOwned` and is left untouched, one holding a name
 * it does not need now is ignored. A Running workspace's ensure waits a
 * short while for the Pod to become Ready and otherwise fails transiently with the reason, so the
 * Workspace is Ready exactly when its Pod is.
 */
import type { CoreV1Api, V1Pod } from '@kubernetes/client-node';
import type { Clock } from '../../runtime/clock.ts';
import { isProviderError, ProviderError } from '../errors.ts';
import { isTerminalError, TerminalError } from '../../runtime/errors.ts';
import type { DesiredRuntime, EnsureResult, RuntimeState, RuntimeTarget } from '../types.ts';
import { isConflict, isNotFound, toProviderError } from './api-errors.ts';
import { podManifest, pvcManifest, secretManifest, serviceManifest, type ManifestOptions } from './manifests.ts';
import type { KubeNames } from './names.ts';
import { deletePod, orUndefined, podNotReadyReason, podReady, readObjects, type ObservedObjects } from './objects.ts';
import { observedFrom } from './observe.ts';
import { notOwnedError, ownedBy } from './ownership.ts';
import { CONFIG_HASH_KEY, CONTAINER_CREATE_FAILED, CONTAINER_START_FAILED, SECRET_SOURCE_NOT_ALLOWED, STATE_KEY } from '../../../apis/names/index.ts';

/** What ensure works with. */
export interface EnsureContext {
  core: CoreV1Api;
  clock: Clock;
  names: KubeNames;
  manifest: ManifestOptions;
  /** How long a Running ensure waits for the Pod to become Ready before failing transiently. */
  readyTimeoutMs: number;
  /** False: this provider holds no secret values and never reads or writes a Secret (see KubernetesProviderOptions). */
  secretValues?: boolean;
  signal?: AbortSignal;
}

/** Poll interval while waiting for a Pod to appear Ready or to disappear. */
const POLL_MS = 100;

/** Converges the objects to `desired`; see the module comment. */
export async function ensureObjects(ctx: EnsureContext, desired: DesiredRuntime): Promise<EnsureResult> {
  const pod = podManifest(desired, ctx.names, ctx.manifest); // validates the spec before any write
  const secretValues = ctx.secretValues !== false;
  if (!secretValues && Object.keys(desired.secretEnv).length > 0) {
    throw new TerminalError(SECRET_SOURCE_NOT_ALLOWED, 'this controller does not hold secret values: only secretRef secrets (a Secret in the workspace\'s namespace) are delivered');
  }
  const changes: string[] = [];
  const found = await step('reading the workspace objects', () => readObjects(ctx.core, ctx.names.namespace, ctx.names, secretValues));
  const existing = ownObjects(found, desired, {
    pod: desired.state === 'Running',
    service: serviceManifest(desired, ctx.names, ctx.manifest) !== undefined,
    secret: secretValues && Object.keys(desired.secretEnv).length > 0,
    pvc: true,
  });
  if (secretValues) await step('writing the secrets', () => ensureSecret(ctx, desired, existing, changes));
  await step('creating the files volume claim', () => ensurePvc(ctx, desired, existing, changes));
  await step('writing the service', () => ensureService(ctx, desired, existing, changes));
  let created = false;
  let current: V1Pod | undefined = existing.pod;
  if (desired.state === 'Running') {
    const result = await ensurePod(ctx, pod, existing.pod, changes);
    created = result.created;
    current = await waitReady(ctx, result.pod);
  } else if (existing.pod !== undefined) {
    await step('removing the pod', () => deletePod(ctx.core, ctx.names.namespace, ctx.names.pod, undefined, existing.pod?.metadata?.uid));
    await waitGone(ctx, ctx.names.pod);
    changes.push(`pod removed (${desired.state.toLowerCase()})`);
    current = undefined;
  }
  const pvc = await step('recording the state', () => recordState(ctx, desired.target, desired.state === 'Running' ? undefined : desired.state));
  const observed = observedFrom({ ...(current ? { pod: current } : {}), ...(pvc ? { pvc } : {}) }, desired.services.map((s) => s.name));
  if (observed === undefined) throw new ProviderError(CONTAINER_CREATE_FAILED, 'the workspace objects disappeared while being created', { transient: true });
  return { outcome: changes.length === 0 ? 'unchanged' : created && existing.pod === undefined ? 'created' : 'updated', changes, observed, containerCreated: created };
}

/** Runs one API step, turning its failure into a ProviderError naming the step (an ownership refusal passes as is). */
async function step<T>(doing: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (isTerminalError(err) || isProviderError(err)) throw err;
    throw toProviderError(err, CONTAINER_CREATE_FAILED, doing);
  }
}

/** Kind names of the objects, as `kubectl` shows them. */
const KINDS = { pod: 'pod', service: 'service', secret: 'secret', pvc: 'persistentvolumeclaim' } as const;

/**
 * The objects of `found` that carry the workspace's identity (ownership.ts); a foreign one is left
 * out, and throws when the workspace `needs` its name now.
 */
function ownObjects(found: ObservedObjects, desired: DesiredRuntime, needs: Record<keyof ObservedObjects, boolean>): ObservedObjects {
  const own: ObservedObjects = {};
  for (const key of Object.keys(KINDS) as (keyof ObservedObjects)[]) {
    const object = found[key];
    if (object === undefined) continue;
    if (ownedBy(object, desired.target)) Object.assign(own, { [key]: object });
    else if (needs[key]) throw notOwnedError(KINDS[key], object, desired.target);
  }
  return own;
}

async function ensureSecret(ctx: EnsureContext, desired: DesiredRuntime, existing: ObservedObjects, changes: string[]): Promise<void> {
  const { core, names } = ctx;
  const wanted = secretManifest(desired, names, ctx.manifest);
  if (wanted === undefined) {
    if (existing.secret !== undefined) {
      await orUndefined(core.deleteNamespacedSecret({ namespace: names.namespace, name: names.secret, body: { preconditions: { uid: existing.secret.metadata?.uid } } }));
      changes.push('secret removed');
    }
    return;
  }
  if (existing.secret === undefined) {
    await core.createNamespacedSecret({ namespace: names.namespace, body: wanted });
    changes.push('secret created');
    return;
  }
  if (sameSecretData(existing.secret.data ?? {}, desired.secretEnv)) return;
  await core.replaceNamespacedSecret({
    namespace: names.namespace,
    name: names.secret,
    body: { ...wanted, metadata: { ...wanted.metadata, resourceVersion: existing.secret.metadata?.resourceVersion } },
  });
  changes.push('secret updated');
}

/** Compares the Secret's base64 data with the wanted plain values. */
function sameSecretData(data: Record<string, string>, values: Record<string, string>): boolean {
  const keys = Object.keys(values);
  if (Object.keys(data).length !== keys.length) return false;
  return keys.every((k) => data[k] === Buffer.from(values[k]!, 'utf8').toString('base64'));
}

async function ensurePvc(ctx: EnsureContext, desired: DesiredRuntime, existing: ObservedObjects, changes: string[]): Promise<void> {
  if (existing.pvc !== undefined) return;
  try {
    await ctx.core.createNamespacedPersistentVolumeClaim({ namespace: ctx.names.namespace, body: pvcManifest(desired, ctx.names, ctx.manifest) });
    changes.push('files volume claim created');
  } catch (err) {
    if (!isConflict(err)) throw err;
  }
}

async function ensureService(ctx: EnsureContext, desired: DesiredRuntime, existing: ObservedObjects, changes: string[]): Promise<void> {
  const { core, names } = ctx;
  const wanted = serviceManifest(desired, names, ctx.manifest);
  if (wanted === undefined) {
    if (existing.service !== undefined) {
      await orUndefined(core.deleteNamespacedService({ namespace: names.namespace, name: names.pod, body: { preconditions: { uid: existing.service.metadata?.uid } } }));
      changes.push('service removed');
    }
    return;
  }
  if (existing.service === undefined) {
    await core.createNamespacedService({ namespace: names.namespace, body: wanted });
    changes.push('service created');
    return;
  }
  const have = (existing.service.spec?.ports ?? []).map((p) => p.port).join(',');
  const want = (wanted.spec?.ports ?? []).map((p) => p.port).join(',');
  if (have === want) return;
  await core.replaceNamespacedService({
    namespace: names.namespace,
    name: names.pod,
    body: {
      ...wanted,
      metadata: { ...wanted.metadata, resourceVersion: existing.service.metadata?.resourceVersion },
      spec: { ...wanted.spec, clusterIP: existing.service.spec?.clusterIP },
    },
  });
  changes.push('service updated');
}

/** Creates the Pod, or recreates it when its hash differs or it ended. */
async function ensurePod(ctx: EnsureContext, wanted: V1Pod, existing: V1Pod | undefined, changes: string[]): Promise<{ pod: V1Pod; created: boolean }> {
  const { core, names } = ctx;
  const hash = wanted.metadata?.annotations?.[CONFIG_HASH_KEY];
  if (existing !== undefined && existing.metadata?.deletionTimestamp === undefined) {
    const ended = existing.status?.phase === 'Failed' || existing.status?.phase === 'Succeeded';
    if (!ended && existing.metadata?.annotations?.[CONFIG_HASH_KEY] === hash) return { pod: existing, created: false };
    await step('removing the outdated pod', () => deletePod(core, names.namespace, names.pod, 0, existing.metadata?.uid));
    changes.push(ended ? `container recreated (pod ${existing.status?.phase?.toLowerCase()})` : 'container recreated (configuration changed)');
  } else {
    changes.push(existing === undefined ? 'container created' : 'container recreated');
  }
  if (existing !== undefined) await waitGone(ctx, names.pod);
  const pod = await step('creating the pod', () => core.createNamespacedPod({ namespace: names.namespace, body: wanted }));
  return { pod, created: true };
}

/** Waits until the Pod is Ready; fails transiently with its reason after `readyTimeoutMs`. */
async function waitReady(ctx: EnsureContext, pod: V1Pod): Promise<V1Pod> {
  const deadline = ctx.clock.now().getTime() + ctx.readyTimeoutMs;
  let current = pod;
  while (!podReady(current)) {
    if (ctx.clock.now().getTime() >= deadline) {
      throw new ProviderError(CONTAINER_START_FAILED, `pod ${ctx.names.namespace}/${ctx.names.pod} is not ready: ${podNotReadyReason(current)}`, { transient: true });
    }
    await ctx.clock.sleep(POLL_MS, ctx.signal);
    const read = await step('reading the pod', () => orUndefined(ctx.core.readNamespacedPod({ namespace: ctx.names.namespace, name: ctx.names.pod })));
    if (read === undefined) throw new ProviderError(CONTAINER_START_FAILED, `pod ${ctx.names.namespace}/${ctx.names.pod} disappeared while starting`, { transient: true });
    current = read;
  }
  return current;
}

/** Waits until the named Pod no longer exists (a terminating Pod blocks a new one of the same name). */
async function waitGone(ctx: EnsureContext, name: string): Promise<void> {
  const deadline = ctx.clock.now().getTime() + ctx.readyTimeoutMs;
  for (;;) {
    const pod = await step('reading the pod', () => orUndefined(ctx.core.readNamespacedPod({ namespace: ctx.names.namespace, name })));
    if (pod === undefined) return;
    if (ctx.clock.now().getTime() >= deadline) {
      throw new ProviderError(CONTAINER_START_FAILED, `pod ${ctx.names.namespace}/${name} is still terminating`, { transient: true });
    }
    await ctx.clock.sleep(POLL_MS, ctx.signal);
  }
}

/** Records Stopped/Paused on the PVC (undefined: Running, removes the record); returns the PVC. */
async function recordState(ctx: EnsureContext, target: RuntimeTarget, state: RuntimeState | undefined) {
  const { core, names } = ctx;
  const pvc = await core.readNamespacedPersistentVolumeClaim({ namespace: names.namespace, name: names.pvc });
  if (!ownedBy(pvc, target)) throw notOwnedError(KINDS.pvc, pvc, target);
  if (pvc.metadata?.annotations?.[STATE_KEY] === state) return pvc;
  const annotations = { ...pvc.metadata?.annotations };
  if (state === undefined) delete annotations[STATE_KEY];
  else annotations[STATE_KEY] = state;
  try {
    return await core.replaceNamespacedPersistentVolumeClaim({ namespace: names.namespace, name: names.pvc, body: { ...pvc, metadata: { ...pvc.metadata, annotations } } });
  } catch (err) {
    if (isConflict(err) || isNotFound(err)) return pvc;
    throw err;
  }
}
