/**
 * The one watch of the Kubernetes API in boulder: list + watch with Kubernetes' own semantics,
 * for any collection — the ResourceClient's watches of boulder's kinds and the Kubernetes
 * provider's watch of the Pods it manages (controllers/providers/kubernetes/events.ts). Without a
 * resourceVersion it lists first (one ADDED per object, at the list's consistent resourceVersion),
 * then streams changes; when the server ends a watch normally (its timeout) it resumes from the
 * last resourceVersion seen (bookmarks keep that fresh on quiet watches); a broken connection is
 * retried a few times with backoff; an expired resourceVersion ends the watch with GoneError
 * (the caller relists); aborting the signal or returning the iterator ends it cleanly.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { ListOptions, WatchEventType, WatchOptions } from '../types.ts';
import { BoulderError } from '../../errors.ts';
import { EventStream } from '../../store/event-stream.ts';
import { errorFromWatchStatus, type RequestContext } from './status-errors.ts';

/** One event of a watched collection. */
export interface CollectionEvent<T> {
  type: WatchEventType;
  object: T;
}

/** What the loop needs from whoever watches one collection (a kind of boulder's, the Pods). */
export interface WatchSource<T> {
  /** Lists the collection (for the initial ADDED events) and the list's resourceVersion. */
  list(options: ListOptions): Promise<{ items: T[]; resourceVersion: string }>;
  /** Opens `?watch=1` from `resourceVersion`; resolves once the server answered 200. */
  openWatch(options: ListOptions & { resourceVersion: string; signal: AbortSignal }): Promise<AsyncIterable<string>>;
  /** The object of a watch event as the caller sees it (e.g. apiVersion/kind filled in). */
  decode(object: unknown): T;
  /** For messages: what is being watched. */
  describe(namespace: string | undefined): RequestContext;
}

/** Tuning of the loop. */
export interface WatchLoopOptions {
  /** Waits between attempts after a broken connection; the watch fails once they are used up. */
  retryDelaysMs?: readonly number[];
  /** Called when the stream ends, for any reason. */
  onEnd?: () => void;
}

/** Default waits between reconnection attempts (about 6 s in all). */
export const DEFAULT_RETRY_DELAYS_MS: readonly number[] = [100, 200, 400, 800, 1_600, 3_200];

interface RawEvent {
  type?: string;
  object?: { metadata?: { resourceVersion?: string } };
}

function isRetryable(err: unknown): boolean {
  if (!(err instanceof BoulderError)) return true; // a socket error while reading the stream
  return err.code === 'Unavailable' || err.code === 'Timeout';
}

/** Starts a watch; events (or the error that ended it) are read from the returned stream. */
export function startWatchLoop<T>(source: WatchSource<T>, options: WatchOptions, loopOptions: WatchLoopOptions = {}): EventStream<CollectionEvent<T>> {
  const controller = new AbortController();
  const signal = options.signal;
  const onAbort = (): void => stream.end();
  const stream = new EventStream<CollectionEvent<T>>(() => {
    controller.abort();
    signal?.removeEventListener('abort', onAbort);
    loopOptions.onEnd?.();
  });
  if (signal?.aborted === true) {
    stream.end();
    return stream;
  }
  signal?.addEventListener('abort', onAbort, { once: true });
  const delays = loopOptions.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;
  const selection: ListOptions = {};
  if (options.namespace !== undefined) selection.namespace = options.namespace;
  if (options.labelSelector !== undefined && options.labelSelector !== '') selection.labelSelector = options.labelSelector;

  const run = async (): Promise<void> => {
    let rv = options.resourceVersion === '' || options.resourceVersion === '0' ? undefined : options.resourceVersion;
    if (rv === undefined) {
      const initial = await source.list(selection);
      for (const object of initial.items) stream.push({ type: 'ADDED', object });
      rv = initial.resourceVersion;
    }
    let failures = 0;
    while (!stream.isEnded) {
      try {
        const opened = Date.now();
        let received = 0;
        const lines = await source.openWatch({ ...selection, resourceVersion: rv, signal: controller.signal });
        for await (const line of lines) {
          received += 1;
          const event = parseEvent(line, source.describe(options.namespace));
          if (event.type === 'ERROR') throw errorFromWatchStatus(event.object, source.describe(options.namespace));
          rv = event.object?.metadata?.resourceVersion ?? rv;
          failures = 0;
          if (event.type === 'ADDED' || event.type === 'MODIFIED' || event.type === 'DELETED') {
            stream.push({ type: event.type, object: source.decode(event.object) });
          }
        }
        // The server ended the watch (its timeout): resume from `rv`, without spinning when it
        // keeps closing at once.
        if (received === 0 && Date.now() - opened < 1_000) await pause(250, controller.signal);
      } catch (err) {
        if (controller.signal.aborted) return;
        const delay = delays[failures];
        if (!isRetryable(err) || delay === undefined) throw wrapped(err, source.describe(options.namespace));
        failures += 1;
        await pause(delay, controller.signal);
      }
    }
  };
  run().then(
    () => stream.end(),
    (err: unknown) => stream.end(controller.signal.aborted ? undefined : err),
  );
  return stream;
}

/** Waits `ms`, or less when `signal` aborts. */
async function pause(ms: number, signal: AbortSignal): Promise<void> {
  await sleep(ms, undefined, { signal }).catch(() => undefined);
}

function parseEvent(line: string, context: RequestContext): RawEvent {
  try {
    return JSON.parse(line) as RawEvent;
  } catch (err) {
    throw new BoulderError('Internal', `${context.description}: unreadable watch event ${JSON.stringify(line.slice(0, 200))}`, { cause: err });
  }
}

function wrapped(err: unknown, context: RequestContext): unknown {
  if (err instanceof BoulderError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new BoulderError('Unavailable', `${context.description}: the watch connection broke: ${message}`, { cause: err });
}
