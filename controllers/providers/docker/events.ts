/**
 * Drift hints from Docker's event stream: container die/stop/kill/pause/destroy/oom of
 * boulder-managed containers (their labels name the workspace) and network destroy/disconnect of
 * workspace networks. Docker puts no labels on network events, so networks are mapped to their
 * workspace through a directory filled from listings; a disconnect from the isolated network
 * (shared by many workspaces) is mapped through the container it names, which the directory
 * learns from each ensure. When the stream ends or fails (dockerd
 * restarting) it reconnects with exponential backoff (200 ms → 10 s) and then emits one
 * `engine reconnected` hint per workspace that has containers, since events in the gap are lost.
 */
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type Dockerode from 'dockerode';
import type { Clock } from '../../runtime/clock.ts';
import type { Logger } from '../../runtime/logger.ts';
import type { ProviderEvent } from '../types.ts';
import { MANAGED_FILTER } from './labels.ts';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE, NAMESPACE_LABEL, WORKSPACE_LABEL } from '../../../apis/names/index.ts';

/** Container actions that may mean drift. */
export const CONTAINER_ACTIONS = ['die', 'stop', 'kill', 'pause', 'destroy', 'oom'] as const;
/** Network actions that may mean drift. */
export const NETWORK_ACTIONS = ['destroy', 'disconnect'] as const;

/** First and longest delay between reconnect attempts. */
export const RECONNECT_BACKOFF = { initialMs: 200, maxMs: 10_000 } as const;

/** Workspace identity of networks by id (and of containers, for the shared isolated network), learned from listings and ensures. */
export class NetworkDirectory {
  readonly #byId = new Map<string, { namespace: string; name: string }>();
  /** Every boulder network listed or ensured: a workspace's own or an isolated one. */
  readonly #known = new Set<string>();
  /** The main container of each workspace (by `namespace/name`), as the latest ensure left it. */
  readonly #containers = new Map<string, { id: string; owner: { namespace: string; name: string } }>();

  /** Records a listed boulder network, and its workspace when it is labelled with one. */
  remember(network: { Id: string; Labels?: Record<string, string> | null }): void {
    this.#known.add(network.Id);
    const namespace = network.Labels?.[NAMESPACE_LABEL];
    const name = network.Labels?.[WORKSPACE_LABEL];
    if (namespace !== undefined && name !== undefined) this.set(network.Id, { namespace, name });
  }

  /** Records the workspace of a network id. */
  set(id: string, owner: { namespace: string; name: string }): void {
    this.#known.add(id);
    this.#byId.set(id, owner);
  }

  /** Records the network a workspace's containers were put on: its own (mapped to it), or a shared isolated one (known only). */
  recordEnsured(network: { id: string; isolated: boolean }, owner: { namespace: string; name: string }): void {
    if (network.isolated) this.#known.add(network.id);
    else this.set(network.id, owner);
  }

  /** Records a workspace's main container (a disconnect from the isolated network names only the container); replaces its earlier one. */
  setContainer(id: string, owner: { namespace: string; name: string }): void {
    this.#containers.set(`${owner.namespace}/${owner.name}`, { id, owner: { namespace: owner.namespace, name: owner.name } });
  }

  /** Forgets a deleted workspace's container. */
  forgetContainer(owner: { namespace: string; name: string }): void {
    this.#containers.delete(`${owner.namespace}/${owner.name}`);
  }

  /** The workspace of a network id, when known. */
  lookup(id: string): { namespace: string; name: string } | undefined {
    return this.#byId.get(id);
  }

  /** The workspace of a container id, when an ensure made or kept it (as its current main container). */
  lookupContainer(id: string): { namespace: string; name: string } | undefined {
    for (const entry of this.#containers.values()) if (entry.id === id) return entry.owner;
    return undefined;
  }

  /** Forgets a destroyed network (ids are never reused; the directory would otherwise grow with every network a workspace ever had). */
  forget(id: string): void {
    this.#byId.delete(id);
    this.#known.delete(id);
  }

  /** Whether the network id is one of boulder's (listed or ensured). */
  knows(id: string): boolean {
    return this.#known.has(id);
  }

  /** Lists every boulder-managed network and remembers them. */
  async refresh(docker: Dockerode): Promise<void> {
    const networks = (await docker.listNetworks({ filters: { label: [MANAGED_FILTER] } })) as Dockerode.NetworkInspectInfo[];
    for (const n of networks) this.remember(n);
  }
}

/** One decoded Docker event. */
export interface DockerEvent {
  Type?: string;
  Action?: string;
  Actor?: { ID?: string; Attributes?: Record<string, string> };
  time?: number;
}

/** The drift hint of a Docker event, or undefined when it is not about a workspace (pure). */
export function toProviderEvent(event: DockerEvent, networks: Pick<NetworkDirectory, 'lookup' | 'lookupContainer'>): ProviderEvent | undefined {
  const attributes = event.Actor?.Attributes ?? {};
  const action = event.Action ?? '';
  if (event.Type === 'container' && (CONTAINER_ACTIONS as readonly string[]).includes(action)) return containerHint(attributes, action);
  if (event.Type === 'network' && (NETWORK_ACTIONS as readonly string[]).includes(action)) return networkHint(event.Actor?.ID ?? '', attributes, action, networks);
  return undefined;
}

/** A boulder-managed container's event: its labels name the workspace. */
function containerHint(attributes: Record<string, string>, action: string): ProviderEvent | undefined {
  if (attributes[MANAGED_BY_LABEL] !== MANAGED_BY_VALUE) return undefined;
  const namespace = attributes[NAMESPACE_LABEL];
  const name = attributes[WORKSPACE_LABEL];
  if (namespace === undefined || name === undefined) return undefined;
  return { namespace, name, reason: `container ${action}` };
}

/** A network's event: the workspace of the network, else (a disconnect from the shared isolated network) of the container it names. */
function networkHint(id: string, attributes: Record<string, string>, action: string, networks: Pick<NetworkDirectory, 'lookup' | 'lookupContainer'>): ProviderEvent | undefined {
  const owner = networks.lookup(id) ?? (action === 'disconnect' ? networks.lookupContainer(attributes['container'] ?? '') : undefined);
  return owner === undefined ? undefined : { ...owner, reason: `network ${action}` };
}

/** Dependencies of the event stream. */
export interface EventStreamDeps {
  docker: Dockerode;
  networks: NetworkDirectory;
  clock: Clock;
  logger: Logger;
}

/**
 * `request`'s stream, or a rejection as soon as `signal` aborts: an abort while the engine has not
 * answered yet does not always settle dockerode's promise (a stream that comes later is destroyed).
 */
function untilAborted(request: Promise<NodeJS.ReadableStream>, signal: AbortSignal): Promise<NodeJS.ReadableStream> {
  return new Promise((resolve, reject) => {
    const onAbort = (): void => reject(new Error('aborted'));
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    request.then(
      (stream) => {
        signal.removeEventListener('abort', onAbort);
        if (signal.aborted) (stream as Readable).destroy();
        resolve(stream);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}

/**
 * Ends the line reader and its stream when `signal` aborts, whenever that comes: a response
 * destroyed before the reader exists would otherwise leave the reader waiting forever. Returns the
 * release (ends both now, stops listening).
 */
function endOnAbort(lines: ReturnType<typeof createInterface>, stream: Readable, signal: AbortSignal): () => void {
  const end = (): void => {
    lines.close();
    stream.destroy();
  };
  signal.addEventListener('abort', end, { once: true });
  if (signal.aborted) end();
  return () => {
    signal.removeEventListener('abort', end);
    end();
  };
}

/** Drift hints until `signal` aborts; reconnects with backoff when the stream breaks. */
export async function* dockerEvents(deps: EventStreamDeps, signal: AbortSignal): AsyncGenerator<ProviderEvent> {
  let failures = 0;
  let connectedBefore = false;
  let since: number | undefined;
  while (!signal.aborted) {
    try {
      const stream = await untilAborted(
        deps.docker.getEvents({
          filters: { type: ['container', 'network'], event: [...new Set([...CONTAINER_ACTIONS, ...NETWORK_ACTIONS])] },
          ...(since === undefined ? {} : { since }),
          abortSignal: signal,
        } as Dockerode.GetEventsOptions),
        signal,
      );
      const lines = createInterface({ input: stream as Readable, crlfDelay: Infinity });
      const release = endOnAbort(lines, stream as Readable, signal);
      try {
        await deps.networks.refresh(deps.docker).catch(() => undefined);
        if (connectedBefore) {
          deps.logger.info('docker event stream reconnected');
          yield* await reconnectHints(deps.docker);
        }
        connectedBefore = true;
        failures = 0;
        for await (const line of lines) {
          const event = parseEvent(line);
          if (event === undefined) continue;
          if (event.time !== undefined) since = event.time;
          const hint = await hintOf(event, deps);
          if (hint !== undefined) yield hint;
        }
      } finally {
        release();
      }
      if (signal.aborted) return;
      deps.logger.warn('docker event stream ended; reconnecting');
    } catch (err) {
      if (signal.aborted) return;
      deps.logger.warn({ err: (err as Error).message }, 'docker event stream failed; reconnecting');
    }
    const delay = Math.min(RECONNECT_BACKOFF.initialMs * 2 ** failures, RECONNECT_BACKOFF.maxMs);
    failures += 1;
    try {
      await deps.clock.sleep(delay, signal);
    } catch {
      return;
    }
  }
}

/** One event's hint: the directory is refreshed first for a network it does not know yet, and forgets a destroyed one after. */
async function hintOf(event: DockerEvent, deps: EventStreamDeps): Promise<ProviderEvent | undefined> {
  if (isUnknownWorkspaceNetwork(event, deps.networks)) await deps.networks.refresh(deps.docker).catch(() => undefined);
  const hint = toProviderEvent(event, deps.networks);
  if (event.Type === 'network' && event.Action === 'destroy') deps.networks.forget(event.Actor?.ID ?? '');
  return hint;
}

/** A live event of a boulder-named network not in the directory yet (worth one listing). */
function isUnknownWorkspaceNetwork(event: DockerEvent, networks: NetworkDirectory): boolean {
  if (event.Type !== 'network' || event.Action === 'destroy') return false;
  const name = event.Actor?.Attributes?.['name'] ?? '';
  return name.startsWith('nexus-') && !networks.knows(event.Actor?.ID ?? '');
}

/** One `engine reconnected` hint per workspace with boulder-managed containers. */
async function reconnectHints(docker: Dockerode): Promise<ProviderEvent[]> {
  const containers = await docker.listContainers({ all: true, filters: { label: [MANAGED_FILTER] } });
  const seen = new Map<string, ProviderEvent>();
  for (const c of containers) {
    const namespace = c.Labels[NAMESPACE_LABEL];
    const name = c.Labels[WORKSPACE_LABEL];
    if (namespace !== undefined && name !== undefined) seen.set(`${namespace}/${name}`, { namespace, name, reason: 'engine reconnected' });
  }
  return [...seen.values()];
}

function parseEvent(line: string): DockerEvent | undefined {
  if (line.trim() === '') return undefined;
  try {
    return JSON.parse(line) as DockerEvent;
  } catch {
    return undefined;
  }
}
