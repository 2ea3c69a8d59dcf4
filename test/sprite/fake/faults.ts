// Fault injection of the local Sprites API: 429 with the documented body and headers, 5xx, dropped
// WebSockets, slow wake. Faults are matched per request (method, path, Sprite) and used up `times`.
import type { FaultController, FaultMatch, FiredFault } from './types.ts';

type Kind = FiredFault['kind'];

/** A fault waiting for a matching request. */
export interface Fault {
  id: string;
  kind: Kind;
  match: FaultMatch;
  left: number;
  // rate-limit
  retryAfterSeconds?: number;
  error?: string;
  header?: boolean;
  body?: boolean;
  // server-error
  status?: number;
  message?: string;
  // drop-websocket
  afterMs?: number;
  afterBytes?: number;
}

/** The in-process fault table behind FaultController. */
export class Faults implements FaultController {
  private readonly table: Fault[] = [];
  private readonly log: FiredFault[] = [];
  private seq = 0;
  /** Overrides both wake timings when not null. */
  wakeMs: number | null = null;

  rateLimit(opts: Parameters<FaultController['rateLimit']>[0]): string {
    return this.add('rate-limit', opts, {
      retryAfterSeconds: opts.retryAfterSeconds ?? 1,
      error: opts.error ?? 'sprite_creation_rate_limited',
      header: opts.header ?? true,
      body: opts.body ?? true,
    });
  }

  serverError(opts: Parameters<FaultController['serverError']>[0]): string {
    return this.add('server-error', opts, { status: opts.status ?? 500, message: opts.message ?? 'internal server error (injected)' });
  }

  dropWebSocket(opts: Parameters<FaultController['dropWebSocket']>[0]): string {
    return this.add('drop-websocket', opts, { afterMs: opts.afterMs ?? 0, afterBytes: opts.afterBytes });
  }

  slowWake(ms: number | null): void {
    this.wakeMs = ms;
  }

  remove(id: string): void {
    const i = this.table.findIndex((f) => f.id === id);
    if (i >= 0) this.table.splice(i, 1);
  }

  clear(): void {
    this.table.length = 0;
    this.wakeMs = null;
  }

  fired(): FiredFault[] {
    return [...this.log];
  }

  /**
   * The first fault of one of `kinds` matching this request, used up by one; undefined if none.
   * HTTP faults (rate-limit, server-error) apply to every request; drop-websocket only to upgrades.
   */
  take(kinds: Kind[], method: string, reqPath: string, sprite: string | undefined): Fault | undefined {
    const f = this.table.find((x) => kinds.includes(x.kind) && matches(x.match, method, reqPath, sprite));
    if (!f) return undefined;
    f.left -= 1;
    if (f.left <= 0) this.remove(f.id);
    this.log.push({ id: f.id, kind: f.kind, method, path: reqPath, at: Date.now() });
    if (this.log.length > 1000) this.log.shift();
    return f;
  }

  private add(kind: Kind, m: FaultMatch, extra: Partial<Fault>): string {
    const times = m.times ?? 1;
    if (!(times > 0)) throw new Error('faults: times must be > 0');
    const id = `fault-${++this.seq}`;
    this.table.push({ id, kind, match: { method: m.method, path: m.path, sprite: m.sprite }, left: times, ...extra });
    return id;
  }
}

function matches(m: FaultMatch, method: string, reqPath: string, sprite: string | undefined): boolean {
  if (m.method && m.method.toUpperCase() !== method) return false;
  if (m.sprite !== undefined && m.sprite !== sprite) return false;
  if (typeof m.path === 'string' && !reqPath.includes(m.path)) return false;
  if (m.path instanceof RegExp) {
    m.path.lastIndex = 0;
    if (!m.path.test(reqPath)) return false;
  }
  return true;
}
