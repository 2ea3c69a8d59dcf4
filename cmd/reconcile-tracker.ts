/**
 * Follows the controller runtime's `reconciled` log lines (one per reconcile: kind, key, outcome,
 * error) to learn which keys still fail when `boulder reconcile --once` finishes.
 */

/** Last outcome of one key. */
export interface KeyOutcome {
  kind: string;
  key: string;
  outcome: string;
  error?: string;
}

/** A pino destination that records reconcile outcomes and optionally forwards every line. */
export class ReconcileTracker {
  readonly #last = new Map<string, KeyOutcome>();
  readonly #forward: ((line: string) => void) | undefined;
  #reconciles = 0;

  /** `forward` receives every log line as written (e.g. to stderr for --verbose). */
  constructor(forward?: (line: string) => void) {
    this.#forward = forward;
  }

  /** pino calls this with one JSON line at a time. */
  write(line: string): void {
    this.#forward?.(line);
    let entry: Record<string, unknown>;
    try {
      entry = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return;
    }
    if (entry['msg'] !== 'reconciled' || typeof entry['kind'] !== 'string' || typeof entry['key'] !== 'string') return;
    this.#reconciles++;
    const outcome: KeyOutcome = { kind: entry['kind'], key: entry['key'], outcome: String(entry['outcome']) };
    if (typeof entry['error'] === 'string') outcome.error = entry['error'];
    this.#last.set(`${entry['kind']}/${entry['key']}`, outcome);
  }

  /** Reconciles seen. */
  reconciles(): number {
    return this.#reconciles;
  }

  /** Distinct keys reconciled. */
  keys(): number {
    return this.#last.size;
  }

  /** Keys whose last reconcile failed (retryable error or terminal). */
  failing(): KeyOutcome[] {
    return [...this.#last.values()].filter((o) => o.outcome === 'error' || o.outcome === 'terminal');
  }
}
