/**
 * The Kubernetes-backed ResourceClient: boulder's objects as custom resources on a real API
 * server (the CRDs in manifests/crds/). It keeps the contract of `apis/client/types.ts` and the
 * embedded store's error shapes:
 * - writes are defaulted and validated with the same admission as the embedded store before they
 *   are sent (the API server validates again with the CRD schema; its 422 becomes ValidationError);
 * - update and updateStatus are PUTs with the object's resourceVersion; without one they are made
 *   unconditional here (get → put → retry on Conflict), which the API server refuses for custom
 *   resources, and a uid naming an earlier incarnation fails with Conflict;
 * - apply is server-side apply (field manager `boulder`, force), its outcome read from the
 *   resourceVersion before and after;
 * - delete uses background propagation (kube-controller-manager's garbage collector removes
 *   dependents, asynchronously) and returns the object as the server answered it;
 * - watch is list + watch (see watch-loop.ts).
 */
import type {
  ApplyOptions,
  ApplyResult,
  DeleteOptions,
  ListOptions,
  ObjectList,
  ResourceClient,
  WatchEvent,
  WatchOptions,
} from '../types.ts';
import { BoulderError, ConflictError, isErrorCode, ValidationError } from '../../errors.ts';
import type { KindInfo, KindName } from '../../kinds.ts';
import type { KubeObject } from '../../meta.ts';
import { sameStoredContent } from '../../store/object-semantics.ts';
import { openKubeConnection, type KubeConnection, type KubeConnectionOptions, type KubeResponse } from './kube-connection.ts';
import { applyBody, applyConfiguration, createBody, fromServer, statusBody, updateBody } from './object-shape.ts';
import { collectionPath, kindInfoOf, namespaceOrDefault, objectPath, resourceLabel } from './resource-paths.ts';
import { isKubeStatus, type RequestContext } from './status-errors.ts';
import { startWatchLoop, type WatchLoopOptions } from './watch-loop.ts';

/** Validates and defaults an object; throws ValidationError. */
export type AdmitFunction = <T extends KubeObject>(obj: T) => T;

/** How to open a Kubernetes client. */
export interface KubernetesClientOptions extends KubeConnectionOptions {
  /** Namespace commands default to (default: the context's namespace, else `default`). */
  namespace?: string;
  /** Field manager of apply when the caller names none, and of create/update (default `boulder`). */
  fieldManager?: string;
  /** Admission run before every write (default: `admitObject` from apis/validation/admit.ts). */
  admit?: AdmitFunction;
  /** Server-side timeout of one watch request, seconds (default: the server's, 30–60 min). */
  watchTimeoutSeconds?: number;
  /** Reconnection waits of watches (see watch-loop.ts). */
  watchRetryDelaysMs?: readonly number[];
  /** Attempts of an update without resourceVersion before it gives up on Conflicts (default 20). */
  unconditionalAttempts?: number;
}

/** Default field manager of boulder's writes. */
export const FIELD_MANAGER = 'boulder';

/** Opens a client on the API server of a kubeconfig context; no request is made yet. */
export async function openKubernetesClient(options: KubernetesClientOptions = {}): Promise<KubernetesResourceClient> {
  const connection = await openKubeConnection(options);
  return new KubernetesResourceClient(connection, options);
}

type Target = 'main' | 'status';

/** A ResourceClient over a Kubernetes API server. */
export class KubernetesResourceClient implements ResourceClient {
  /** The connection (server URL, context) this client uses. */
  readonly connection: KubeConnection;
  /** Namespace commands default to: the option, else the context's namespace, else `default`. */
  readonly namespace: string;
  private readonly fieldManager: string;
  private admit: AdmitFunction | undefined;
  private readonly watchTimeoutSeconds: number | undefined;
  private readonly watchLoop: WatchLoopOptions;
  private readonly unconditionalAttempts: number;
  private readonly watches = new Set<{ end(): void }>();

  /** Use `openKubernetesClient`. */
  constructor(connection: KubeConnection, options: KubernetesClientOptions = {}) {
    this.connection = connection;
    this.namespace = options.namespace ?? connection.namespace;
    this.fieldManager = options.fieldManager ?? FIELD_MANAGER;
    this.admit = options.admit;
    this.watchTimeoutSeconds = options.watchTimeoutSeconds;
    this.watchLoop = options.watchRetryDelaysMs === undefined ? {} : { retryDelaysMs: options.watchRetryDelaysMs };
    this.unconditionalAttempts = options.unconditionalAttempts ?? 20;
  }

  /** Reads one object; NotFound when absent. */
  async get<T extends KubeObject = KubeObject>(kind: KindName, namespace: string, name: string): Promise<T> {
    const info = kindInfoOf(kind);
    const { body } = await this.connection.request({
      method: 'GET',
      path: objectPath(kind, namespaceOrDefault(namespace), name),
      resource: resourceLabel(kind),
    });
    return fromServer<T>(body, info);
  }

  /** Lists a kind (label selector evaluated by the server), sorted by namespace then name. */
  async list<T extends KubeObject = KubeObject>(kind: KindName, options: ListOptions = {}): Promise<ObjectList<T>> {
    const info = kindInfoOf(kind);
    const labelSelector = options.labelSelector === '' ? undefined : options.labelSelector;
    const { body } = await this.connection.request({
      method: 'GET',
      path: collectionPath(kind, options.namespace),
      query: { labelSelector },
      resource: resourceLabel(kind),
    });
    const list = body as { items?: unknown[]; metadata?: { resourceVersion?: string } };
    const items = (list.items ?? []).map((item) => fromServer<T>(item, info)).sort(byNamespaceThenName);
    return { items, resourceVersion: list.metadata?.resourceVersion ?? '' };
  }

  /** Creates an object; AlreadyExists when the name is taken. Status is ignored. */
  async create<T extends KubeObject = KubeObject>(obj: T): Promise<T> {
    const info = checkIdentity(obj);
    if (obj.metadata.resourceVersion !== undefined && obj.metadata.resourceVersion !== '') {
      throw new BoulderError('BadRequest', 'metadata.resourceVersion must not be set on objects to be created');
    }
    const admitted = (await this.admission())(withoutStatus(obj));
    const namespace = namespaceOrDefault(obj.metadata.namespace);
    const { body } = await this.connection.request({
      method: 'POST',
      path: collectionPath(info.kind, namespace),
      query: { fieldManager: this.fieldManager },
      body: createBody(admitted, namespace),
      resource: resourceLabel(info.kind),
    });
    return fromServer<T>(body, info);
  }

  /** Replaces metadata and spec (never status); Conflict when a set resourceVersion is stale. */
  async update<T extends KubeObject = KubeObject>(obj: T): Promise<T> {
    checkIdentity(obj);
    const admitted = (await this.admission())(withoutStatus(obj));
    return this.replace(admitted, 'main');
  }

  /** Replaces status only; Conflict when a set resourceVersion is stale. */
  async updateStatus<T extends KubeObject = KubeObject>(obj: T): Promise<T> {
    checkIdentity(obj);
    const admitted = (await this.admission())(obj);
    return this.replace(admitted, 'status');
  }

  /**
   * Server-side apply (field manager `boulder` unless named, conflicts forced) of the object's
   * metadata and spec, with the embedded store's merge rules for metadata (see
   * applyConfiguration). Outcome: `created` when the object did not exist, `unchanged` when the
   * server wrote nothing (same resourceVersion; for dry runs: same content), else `configured`.
   */
  async apply<T extends KubeObject = KubeObject>(obj: T, options: ApplyOptions = {}): Promise<ApplyResult<T>> {
    const info = checkIdentity(obj);
    const admitted = (await this.admission())(withoutStatus(obj));
    const namespace = namespaceOrDefault(obj.metadata.namespace);
    const conditional = obj.metadata.resourceVersion !== undefined && obj.metadata.resourceVersion !== '';
    for (let attempt = 1; ; attempt++) {
      const before = await this.find<T>(info.kind, namespace, obj.metadata.name);
      const uid = obj.metadata.uid;
      if (before !== undefined && uid !== undefined && uid !== '' && uid !== before.metadata.uid) {
        throw uidConflict(info.kind, before, uid);
      }
      let response: KubeResponse;
      try {
        response = await this.connection.request({
          method: 'PATCH',
          path: objectPath(info.kind, namespace, obj.metadata.name),
          query: {
            fieldManager: options.fieldManager ?? this.fieldManager,
            force: 'true',
            dryRun: options.dryRun === true ? 'All' : undefined,
          },
          body: applyBody(applyConfiguration(admitted, before), namespace),
          contentType: 'application/apply-patch+yaml',
          resource: resourceLabel(info.kind),
        });
      } catch (err) {
        // Changed (or created) between the read and the apply: read again.
        if (conditional || !isErrorCode(err, 'Conflict') || attempt >= this.unconditionalAttempts) throw err;
        continue;
      }
      const object = fromServer<T>(response.body, info);
      if (before === undefined || response.status === 201) return { object, outcome: 'created' };
      if (options.dryRun === true) {
        return sameStoredContent(before, object) ? { object: before, outcome: 'unchanged' } : { object, outcome: 'configured' };
      }
      return { object, outcome: object.metadata.resourceVersion === before.metadata.resourceVersion ? 'unchanged' : 'configured' };
    }
  }

  /**
   * Deletes with background propagation. With finalizers the object stays, marked with a
   * deletionTimestamp (returned as the server answered); without, it is removed and its last state
   * returned. The API server answers the removal of a custom resource with a bare Status, so the
   * object is read first and deleted with its uid and resourceVersion as preconditions (retried
   * when it changed meanwhile): what is returned is exactly what was removed. A resourceVersion
   * given by the caller is a precondition (Conflict when stale).
   */
  async delete<T extends KubeObject = KubeObject>(
    kind: KindName,
    namespace: string,
    name: string,
    options: DeleteOptions = {},
  ): Promise<T> {
    const info = kindInfoOf(kind);
    const ns = namespaceOrDefault(namespace);
    const given = options.resourceVersion === '' ? undefined : options.resourceVersion;
    for (let attempt = 1; ; attempt++) {
      const current = await this.get<T>(kind, ns, name);
      const preconditions = { uid: current.metadata.uid, resourceVersion: given ?? current.metadata.resourceVersion };
      let body: unknown;
      try {
        ({ body } = await this.connection.request({
          method: 'DELETE',
          path: objectPath(kind, ns, name),
          body: { apiVersion: 'v1', kind: 'DeleteOptions', propagationPolicy: 'Background', preconditions },
          resource: resourceLabel(kind),
        }));
      } catch (err) {
        if (given !== undefined || !isErrorCode(err, 'Conflict') || attempt >= this.unconditionalAttempts) throw err;
        continue;
      }
      return isKubeStatus(body) ? current : fromServer<T>(body, info);
    }
  }

  /**
   * Watches a kind: without resourceVersion (or "0") first an ADDED per current object, then every
   * change in resourceVersion order. An expired resourceVersion ends it with GoneError.
   */
  watch<T extends KubeObject = KubeObject>(kind: KindName, options: WatchOptions = {}): AsyncIterable<WatchEvent<T>> {
    return {
      [Symbol.asyncIterator]: () => {
        const info = kindInfoOf(kind);
        const handle = { end: (): void => stream.end() };
        const stream = startWatchLoop<T>(
          {
            list: (o) => this.list<T>(kind, o),
            openWatch: (o) => this.openWatch(kind, o),
            decode: (object) => fromServer<T>(object, info),
            describe: (ns) => this.describe(kind, ns),
          },
          options,
          { ...this.watchLoop, onEnd: () => this.watches.delete(handle) },
        );
        if (!stream.isEnded) this.watches.add(handle);
        return stream;
      },
    };
  }

  /** Ends every watch and closes the connection's sockets. Idempotent. */
  async close(): Promise<void> {
    for (const watch of [...this.watches]) watch.end();
    this.connection.close();
  }

  private async openWatch(
    kind: KindName,
    options: ListOptions & { resourceVersion: string; signal: AbortSignal },
  ): Promise<AsyncIterable<string>> {
    const { lines } = await this.connection.stream({
      path: collectionPath(kind, options.namespace),
      query: {
        watch: '1',
        resourceVersion: options.resourceVersion,
        allowWatchBookmarks: 'true',
        labelSelector: options.labelSelector,
        timeoutSeconds: this.watchTimeoutSeconds === undefined ? undefined : String(this.watchTimeoutSeconds),
      },
      resource: resourceLabel(kind),
      signal: options.signal,
    });
    return lines;
  }

  private describe(kind: KindName, namespace: string | undefined): RequestContext {
    return {
      description: `watch ${this.connection.server}${collectionPath(kind, namespace)}`,
      resource: resourceLabel(kind),
    };
  }

  /**
   * PUT of the main resource or of status. With a resourceVersion it is sent as is; without, the
   * current one is read and the PUT retried on Conflict, so the write is unconditional.
   */
  private async replace<T extends KubeObject>(obj: T, target: Target): Promise<T> {
    const info = kindInfoOf(obj.kind);
    const namespace = namespaceOrDefault(obj.metadata.namespace);
    const put = async (resourceVersion: string): Promise<T> => {
      const { body } = await this.connection.request({
        method: 'PUT',
        path: objectPath(info.kind, namespace, obj.metadata.name, target === 'status' ? 'status' : undefined),
        query: { fieldManager: this.fieldManager },
        body: target === 'status' ? statusBody(obj, namespace, resourceVersion) : updateBody(obj, namespace, resourceVersion),
        resource: resourceLabel(info.kind),
      });
      return fromServer<T>(body, info);
    };
    const given = obj.metadata.resourceVersion;
    if (given !== undefined && given !== '') return put(given);
    for (let attempt = 1; ; attempt++) {
      const current = await this.get<T>(info.kind, namespace, obj.metadata.name);
      const uid = obj.metadata.uid;
      if (uid !== undefined && uid !== '' && uid !== current.metadata.uid) throw uidConflict(info.kind, current, uid);
      try {
        return await put(current.metadata.resourceVersion ?? '');
      } catch (err) {
        if (!isErrorCode(err, 'Conflict') || attempt >= this.unconditionalAttempts) throw err;
      }
    }
  }

  private async find<T extends KubeObject>(kind: KindName, namespace: string, name: string): Promise<T | undefined> {
    try {
      return await this.get<T>(kind, namespace, name);
    } catch (err) {
      if (isErrorCode(err, 'NotFound')) return undefined;
      throw err;
    }
  }

  /** Loads the default admission on first use. */
  private async admission(): Promise<AdmitFunction> {
    if (this.admit === undefined) {
      const { admitObject } = await import('../../validation/admit.ts');
      this.admit = admitObject;
    }
    return this.admit;
  }
}

function checkIdentity(obj: KubeObject): KindInfo {
  const issues = [];
  let info: KindInfo | undefined;
  try {
    info = kindInfoOf(obj.kind);
  } catch {
    issues.push({ path: 'kind', message: `unknown kind ${JSON.stringify(obj.kind)}` });
  }
  if (typeof obj.metadata?.name !== 'string' || obj.metadata.name === '') {
    issues.push({ path: 'metadata.name', message: 'is required' });
  }
  if (issues.length > 0 || info === undefined) throw new ValidationError(issues);
  return info;
}

function withoutStatus<T extends KubeObject>(obj: T): T {
  const copy = { ...obj };
  delete copy.status;
  return copy;
}

function byNamespaceThenName(a: KubeObject, b: KubeObject): number {
  const left = `${a.metadata.namespace ?? ''}\u0000${a.metadata.name}`;
  const right = `${b.metadata.namespace ?? ''}\u0000${b.metadata.name}`;
  return left < right ? -1 : left > right ? 1 : 0;
}

function uidConflict(kind: KindName, current: KubeObject, uid: string): ConflictError {
  return new ConflictError(
    `Operation cannot be fulfilled on ${resourceLabel(kind)} "${current.metadata.name}": the UID in the precondition (${uid}) ` +
      `does not match the UID in record (${current.metadata.uid ?? ''}); the object might have been deleted and then recreated`,
  );
}
