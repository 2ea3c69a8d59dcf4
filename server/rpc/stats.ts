/** Counters of the API for `boulder daemon status`: connections and calls per method. */

/** Calls of one method. */
export interface MethodCalls {
  calls: number;
  errors: number;
}

/** The API's counters (a plain object: it travels in the daemon's status answer). */
export interface ApiStatsSnapshot {
  /** Connections open now. */
  connections: number;
  /** Connections accepted since start. */
  connectionsTotal: number;
  /** Calls per method since start. */
  methods: Record<string, MethodCalls>;
  /** Where the API listens (unix socket path, tcp/tls URL). */
  listening: string[];
  /** The daemon process's active handles and requests (process.getActiveResourcesInfo): leaks show here. */
  activeResources?: number;
}

/** Mutable counters kept by the server. */
export class ApiStats {
  connections = 0;
  connectionsTotal = 0;
  listening: string[] = [];
  private readonly methods = new Map<string, MethodCalls>();

  /** Counts one call of `method` (unknown methods are counted under `(unknown)`). */
  recordCall(method: string, ok: boolean): void {
    let entry = this.methods.get(method);
    if (entry === undefined) {
      entry = { calls: 0, errors: 0 };
      this.methods.set(method, entry);
    }
    entry.calls++;
    if (!ok) entry.errors++;
  }

  /** A copy for the status answer. */
  snapshot(): ApiStatsSnapshot {
    return {
      connections: this.connections,
      connectionsTotal: this.connectionsTotal,
      methods: Object.fromEntries([...this.methods].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => [k, { ...v }])),
      listening: [...this.listening],
      activeResources: process.getActiveResourcesInfo().length,
    };
  }
}
