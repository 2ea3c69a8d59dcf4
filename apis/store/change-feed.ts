/**
 * One change-log reader per store instance, shared by all its watches. It sleeps until woken by a
 * local commit, by a hint from another process (`fs.watch` on the store's directory, filtered to
 * the write-signal file) or by a slow fallback timer; then it reads the new rows of the change log
 * and hands each to every subscriber whose cursor is behind it. Idle cost: one timer tick per
 * `pollIntervalMs` while at least one watch is open, nothing otherwise.
 */
import { watch, type FSWatcher } from 'node:fs';
import type { StoredEvent } from './tables.ts';

/** A watch attached to the feed. */
export interface FeedSubscriber {
  /** Highest resourceVersion this subscriber has seen; it receives only newer events. */
  cursor: number;
  /** Receives one change (already known to be newer than `cursor`). */
  deliver(event: StoredEvent): void;
  /** Ends the subscriber, with an error when the feed cannot continue. */
  end(error?: unknown): void;
}

/** What the feed needs from the store. */
export interface ChangeFeedOptions {
  /** Directory holding the database; watched for hints. */
  directory: string;
  /** File name in `directory` whose change means "new commits". */
  hintFileName: string;
  /** Fallback poll interval (ms) while watches are open. */
  pollIntervalMs: number;
  /** Reads the change log after `rv`, with the compaction horizon, in one snapshot. */
  readAfter(rv: number): { events: StoredEvent[]; compactedRv: number };
  /** The error ending all subscribers when the feed fell behind the retained history. */
  goneError(lastSeen: number, compactedRv: number): Error;
}

/** The shared reader of the change log. */
export class ChangeFeed {
  private readonly options: ChangeFeedOptions;
  private readonly subscribers = new Set<FeedSubscriber>();
  private lastSeen = 0;
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private scheduled: NodeJS.Immediate | undefined;
  private closed = false;

  constructor(options: ChangeFeedOptions) {
    this.options = options;
  }

  /** Attaches a subscriber that has already seen everything up to `seenRv`. */
  add(subscriber: FeedSubscriber, seenRv: number): void {
    if (this.closed) {
      subscriber.end();
      return;
    }
    if (this.subscribers.size === 0) {
      this.lastSeen = seenRv;
      this.start();
    } else {
      this.lastSeen = Math.min(this.lastSeen, seenRv);
    }
    this.subscribers.add(subscriber);
  }

  /** Detaches a subscriber; the feed sleeps when none is left. */
  remove(subscriber: FeedSubscriber): void {
    this.subscribers.delete(subscriber);
    if (this.subscribers.size === 0) this.stop();
  }

  /** Requests a read of the change log soon (coalesced). */
  notify(): void {
    if (this.closed || this.subscribers.size === 0 || this.scheduled !== undefined) return;
    this.scheduled = setImmediate(() => {
      this.scheduled = undefined;
      this.poll();
    });
  }

  /** Ends every subscriber and stops watching. */
  close(): void {
    this.closed = true;
    this.stop();
    for (const subscriber of [...this.subscribers]) subscriber.end();
    this.subscribers.clear();
  }

  private poll(): void {
    if (this.subscribers.size === 0) return;
    let batch: { events: StoredEvent[]; compactedRv: number };
    try {
      batch = this.options.readAfter(this.lastSeen);
    } catch {
      return; // Transient (e.g. a lock during WAL recovery); the next hint or tick retries.
    }
    if (batch.compactedRv > this.lastSeen) {
      const error = this.options.goneError(this.lastSeen, batch.compactedRv);
      for (const subscriber of [...this.subscribers]) subscriber.end(error);
      return;
    }
    for (const event of batch.events) {
      this.lastSeen = event.rv;
      for (const subscriber of [...this.subscribers]) {
        if (event.rv <= subscriber.cursor) continue;
        subscriber.cursor = event.rv;
        subscriber.deliver(event);
      }
    }
  }

  private start(): void {
    this.timer = setInterval(() => this.notify(), this.options.pollIntervalMs);
    try {
      this.watcher = watch(this.options.directory, { persistent: true }, (_type, fileName) => {
        if (fileName === null || fileName === this.options.hintFileName) this.notify();
      });
      this.watcher.on('error', () => this.stopWatcher());
    } catch {
      this.watcher = undefined; // No file watching here (e.g. inotify limits): the timer still polls.
    }
  }

  private stopWatcher(): void {
    this.watcher?.close();
    this.watcher = undefined;
  }

  private stop(): void {
    this.stopWatcher();
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    if (this.scheduled !== undefined) clearImmediate(this.scheduled);
    this.scheduled = undefined;
  }
}
