/**
 * A ResourceClient over the daemon API (resources.get/list/watch/apply/delete), so every command
 * of a user on a multi-user node works unchanged against the system daemon: the daemon confines
 * the user to their namespace, stamps the owner and enforces the limits. create and update are
 * made of a read and an apply (the API has no separate create/update); updateStatus is refused —
 * status belongs to the daemon's controllers. API errors become the BoulderErrors the CLI maps
 * to its exit codes.
 */
import type { ApplyOptions, ApplyResult, DeleteOptions, ListOptions, ObjectList, ResourceClient, WatchEvent, WatchOptions } from '../../apis/client/types.ts';
import { AlreadyExistsError, BoulderError, ConflictError, NotFoundError, type ErrorCode } from '../../apis/errors.ts';
import type { KindName } from '../../apis/kinds.ts';
import { DEFAULT_NAMESPACE, type KubeObject } from '../../apis/meta.ts';
import type { Client } from '../../sdk/typescript/src/client.ts';
import { ApiError } from '../../sdk/typescript/src/errors.ts';
import type { NodeApiAccess } from './access.ts';

const CODES: Partial<Record<string, ErrorCode>> = {
  NotFound: 'NotFound',
  Conflict: 'Conflict',
  Gone: 'Gone',
  InvalidParams: 'Invalid',
  Forbidden: 'Forbidden',
  Unauthenticated: 'Forbidden',
  Unavailable: 'Unavailable',
  PreconditionFailed: 'Conflict',
};

/** The BoulderError of an API error (other errors unchanged). */
export function boulderErrorOf(err: unknown): unknown {
  if (!(err instanceof ApiError)) return err;
  const code = CODES[err.code] ?? 'Internal';
  if (code === 'NotFound') return new NotFoundError(err.message, { cause: err });
  if (code === 'Conflict') return new ConflictError(err.message, { cause: err });
  return new BoulderError(code, err.message, { cause: err });
}

async function mapped<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw boulderErrorOf(err);
  }
}

type ApiKind = 'Workspace' | 'PortBinding' | 'SyncSession';

/** A ResourceClient backed by an API connection (closed by close()). */
export class ApiResourceClient implements ResourceClient {
  private readonly api: Client;

  constructor(api: Client) {
    this.api = api;
  }

  get<T extends KubeObject = KubeObject>(kind: KindName, namespace: string, name: string): Promise<T> {
    return mapped(async () => (await this.api.resources.get(kind as ApiKind, name, { namespace })) as unknown as T);
  }

  list<T extends KubeObject = KubeObject>(kind: KindName, options: ListOptions = {}): Promise<ObjectList<T>> {
    return mapped(async () => (await this.api.resources.list(kind as ApiKind, options)) as unknown as ObjectList<T>);
  }

  async create<T extends KubeObject = KubeObject>(obj: T): Promise<T> {
    const namespace = obj.metadata.namespace ?? DEFAULT_NAMESPACE;
    try {
      await this.get(obj.kind as KindName, namespace, obj.metadata.name);
      throw new AlreadyExistsError(`${obj.kind} "${obj.metadata.name}" already exists`);
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
    }
    return (await this.apply(obj)).object;
  }

  async update<T extends KubeObject = KubeObject>(obj: T): Promise<T> {
    const current = await this.get(obj.kind as KindName, obj.metadata.namespace ?? DEFAULT_NAMESPACE, obj.metadata.name);
    const expected = obj.metadata.resourceVersion;
    if (expected !== undefined && expected !== current.metadata.resourceVersion) {
      throw new ConflictError(`${obj.kind} "${obj.metadata.name}" was modified (resourceVersion ${current.metadata.resourceVersion}, not ${expected}); read it again`);
    }
    return (await this.apply(obj)).object;
  }

  updateStatus<T extends KubeObject = KubeObject>(obj: T): Promise<T> {
    return Promise.reject(new BoulderError('Forbidden', `the status of ${obj.kind} "${obj.metadata.name}" is written by the node's daemon, not by a user`));
  }

  apply<T extends KubeObject = KubeObject>(obj: T, options: ApplyOptions = {}): Promise<ApplyResult<T>> {
    const { metadata } = obj;
    // The server owns these fields: a read-modify-apply must not send them back.
    const { resourceVersion: _rv, uid: _uid, generation: _gen, creationTimestamp: _ct, ...kept } = metadata as KubeObject['metadata'] & Record<string, unknown>;
    const sent = { ...obj, metadata: kept } as unknown as Parameters<Client['resources']['apply']>[0];
    return mapped(async () => (await this.api.resources.apply(sent, options)) as unknown as ApplyResult<T>);
  }

  delete<T extends KubeObject = KubeObject>(kind: KindName, namespace: string, name: string, options: DeleteOptions = {}): Promise<T> {
    return mapped(async () => (await this.api.resources.delete(kind as ApiKind, name, { namespace, ...options })) as unknown as T);
  }

  async *watch<T extends KubeObject = KubeObject>(kind: KindName, options: WatchOptions = {}): AsyncIterable<WatchEvent<T>> {
    try {
      for await (const event of this.api.watch(kind as ApiKind, options)) yield event as unknown as WatchEvent<T>;
    } catch (err) {
      throw boulderErrorOf(err);
    }
  }

  close(): Promise<void> {
    this.api.close();
    return Promise.resolve();
  }
}

/** Connects to the node's daemon API as the user running boulder (their token); failures as BoulderErrors. */
export async function connectNodeApi(access: NodeApiAccess): Promise<Client> {
  const [{ readNodeToken }, { connect }] = await Promise.all([import('./access.ts'), import('../../sdk/typescript/src/client.ts')]);
  const token = await readNodeToken(access);
  return mapped(() => connect({ socket: access.socket, token, reconnect: false }));
}

/** Connects to the node's daemon as the user running boulder and returns the ResourceClient over it. */
export async function openNodeClient(access: NodeApiAccess): Promise<ApiResourceClient> {
  return new ApiResourceClient(await connectNodeApi(access));
}
