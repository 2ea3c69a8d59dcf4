/**
 * Workspace changes that concern PortBindings (daemon mode): a workspace that starts, stops,
 * pauses or is switched to changes where its bindings forward, and — through `.nexus/current` —
 * which workspace of its repository owns a fixed port. Every Workspace event therefore enqueues
 * the bindings of that workspace and the fixed-port bindings of every workspace of the same
 * repository, and a change of a repository's `.nexus/current` (watched; `boulder switch` writes it
 * after updating the workspaces) enqueues the bindings of all its workspaces. Events are batched:
 * one PortBinding list per burst.
 */
import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { ResourceClient } from '../../apis/client/types.ts';
import { DEFAULT_NAMESPACE, objectKey } from '../../apis/meta.ts';
import type { PortBinding, Workspace } from '../../apis/types/index.ts';
import type { Clock } from '../runtime/clock.ts';
import { errorMessage } from '../runtime/errors.ts';
import { runInformer } from '../runtime/informer.ts';
import type { Logger } from '../runtime/logger.ts';
import { CURRENT_FILE } from '../worktree/names.ts';
import { repositoryOf } from './ownership.ts';

/**
 * Keys of the bindings to reconcile after the workspaces `changed` (keys `namespace/name`)
 * changed (pure): every binding of a changed workspace, and the bindings with a fixed hostPort of
 * every workspace sharing a changed workspace's repository (`repositories`: workspace key → path).
 */
export function bindingsToWake(changed: ReadonlySet<string>, repositories: ReadonlyMap<string, string | undefined>, bindings: readonly PortBinding[]): string[] {
  const changedRepos = new Set([...changed].map((key) => repositories.get(key)).filter((r): r is string => r !== undefined));
  const keys: string[] = [];
  for (const pb of bindings) {
    const workspaceKey = `${pb.metadata.namespace ?? DEFAULT_NAMESPACE}/${pb.spec.workspace}`;
    const repository = repositories.get(workspaceKey);
    const sameRepository = repository !== undefined && changedRepos.has(repository) && pb.spec.hostPort !== undefined;
    if (changed.has(workspaceKey) || sameRepository) keys.push(objectKey(pb));
  }
  return keys;
}

/** What a `PortBindingWaker` needs. */
export interface WorkspaceEventOptions {
  client: ResourceClient;
  clock: Clock;
  log: Logger;
  signal: AbortSignal;
  /** Enqueues a PortBinding key. */
  enqueue: (key: string) => void;
}

/**
 * Enqueues the bindings that workspace changes concern (see the module comment): from a watch on
 * Workspaces (`run`) and from other hints such as the providers' drift events (`wake`).
 */
export class PortBindingWaker {
  readonly #options: WorkspaceEventOptions;
  readonly #repositories = new Map<string, string | undefined>();
  readonly #watchers = new Map<string, FSWatcher>();
  #pending = new Set<string>();
  #flushing: Promise<void> | undefined;

  constructor(options: WorkspaceEventOptions) {
    this.#options = options;
    options.signal.addEventListener('abort', () => this.#closeWatchers(), { once: true });
  }

  /** Enqueues the bindings of every workspace of `repository` (its active workspace changed). */
  wakeRepository(repository: string): void {
    for (const [key, repo] of this.#repositories) if (repo === repository) this.#pending.add(key);
    this.#schedule();
  }

  /** Enqueues (soon, batched) the bindings a change of workspace `namespace/name` concerns. */
  wake(workspaceKey: string): void {
    this.#pending.add(workspaceKey);
    this.#schedule();
  }

  /** Watches Workspaces until the signal aborts, waking bindings on every event. */
  run(): Promise<void> {
    const { client, clock, log, signal } = this.#options;
    return runInformer({
      client,
      kind: 'Workspace',
      clock,
      log,
      signal,
      onObject: (obj) => {
        const ws = obj as Workspace;
        const key = objectKey(ws);
        const repository = repositoryOf(ws);
        this.#repositories.set(key, repository);
        if (repository !== undefined) this.#watchCurrent(repository);
        this.wake(key);
      },
    });
  }

  /**
   * Watches the directory of `<repository>/.nexus/current` (the file is replaced by a rename).
   * When the directory does not exist yet, the next event of a workspace of the repository retries.
   */
  #watchCurrent(repository: string): void {
    if (this.#watchers.has(repository) || this.#options.signal.aborted) return;
    const file = join(repository, CURRENT_FILE);
    const dir = dirname(file);
    const name = basename(file);
    try {
      const watcher = watch(dir, { persistent: false }, (_event, changed) => {
        if (changed === null || changed === name) this.wakeRepository(repository);
      });
      watcher.on('error', () => {
        watcher.close();
        this.#watchers.delete(repository);
      });
      this.#watchers.set(repository, watcher);
    } catch {
      // No .nexus/ yet (no worktree, never switched): retried on the repository's next event.
    }
  }

  #closeWatchers(): void {
    for (const watcher of this.#watchers.values()) watcher.close();
    this.#watchers.clear();
  }

  #schedule(): void {
    if (this.#flushing !== undefined || this.#options.signal.aborted) return;
    this.#flushing = this.#flush().finally(() => {
      this.#flushing = undefined;
      if (this.#pending.size > 0) this.#schedule();
    });
  }

  async #flush(): Promise<void> {
    const batch = this.#pending;
    this.#pending = new Set();
    try {
      const bindings = (await this.#options.client.list<PortBinding>('PortBinding')).items;
      for (const key of bindingsToWake(batch, this.#repositories, bindings)) this.#options.enqueue(key);
    } catch (err) {
      if (!this.#options.signal.aborted) this.#options.log.warn({ error: errorMessage(err) }, 'listing port bindings for workspace events failed');
    }
  }
}
