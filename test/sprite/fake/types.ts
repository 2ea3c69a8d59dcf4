// The exported interface of the local Sprites API (test harness, never shipped): what a test passes to
// startFakeSprites and what it gets back. The shapes on the wire follow
// /work/shared/reference/sprites-api.md; the fixtures under test/sprite/fixtures/ pin them.

/** The documented lifecycle states of a Sprite. */
export type SpriteStatus = 'cold' | 'warm' | 'running';

/** Options of startFakeSprites; every field is optional. */
export interface FakeSpritesOptions {
  /** Bearer token the fake accepts (default: a random `fake-org/<id>/<secret>`). */
  token?: string;
  /** Organisation slug reported in Sprite objects (default `fake-org`). */
  org?: string;
  /**
   * Directory under which each Sprite gets its own directory (its "filesystem root").
   * Default: a fresh temporary directory, removed by close().
   */
  root?: string;
  /** How long waking takes, in ms (defaults: warm 0, cold 50). faults.slowWake overrides both. */
  wake?: { warmMs?: number; coldMs?: number };
  /**
   * Idle timers, in ms: a running Sprite with no active session, open proxy or request for `toWarmMs`
   * goes warm; a warm one goes cold after `toColdMs` more (cold ends its processes).
   * Default: never on its own — tests call `sleep(name, 'warm'|'cold')`.
   */
  idle?: { toWarmMs?: number; toColdMs?: number };
  /** Value of the `Sprite-Version` response header (default `v0.0.1-rc46-fake`). */
  spriteVersion?: string;
  /** Bounds (defaults in parentheses). */
  limits?: {
    /** Sprites in existence at once (50); more → 429 concurrent_sprite_limit_exceeded. */
    maxSprites?: number;
    /** Exec sessions per Sprite (32). */
    maxSessionsPerSprite?: number;
    /** Request body size for JSON and fs/write bodies (64 MiB for fs/write, 1 MiB for JSON). */
    maxBodyBytes?: number;
    /** Output a detached session keeps for the next attach (256 KiB). */
    scrollbackBytes?: number;
    /** Checkpoints kept per Sprite (20). */
    maxCheckpoints?: number;
  };
  /** TCP port on 127.0.0.1 (default 0: an ephemeral port). */
  port?: number;
  /** Print every request to stderr (debugging). */
  log?: boolean;
}

/** Which requests a fault applies to; every field given must match. */
export interface FaultMatch {
  /** HTTP method (`GET`, `POST`, …); WebSocket upgrades are `GET`. */
  method?: string;
  /**
   * The request path without query, e.g. `/v1/sprites/ws-a/exec`. A string matches when the path
   * contains it; a RegExp is tested against the path.
   */
  path?: string | RegExp;
  /** The Sprite name the request addresses. */
  sprite?: string;
  /** How many matching requests it hits before it disappears (default 1; Infinity = until removed). */
  times?: number;
}

/** One fault that fired, for assertions (e.g. "the client waited retry_after_seconds"). */
export interface FiredFault {
  id: string;
  kind: 'rate-limit' | 'server-error' | 'drop-websocket';
  method: string;
  path: string;
  /** Date.now() when it fired. */
  at: number;
}

/** Fault injection, in process. Every adder returns an id for remove(). */
export interface FaultController {
  /**
   * Answer matching requests with 429, the documented body
   * `{error, message, limit, window_seconds, retry_after_seconds, current_count, …}` and, unless
   * `header: false`, a `Retry-After` header (and X-RateLimit-*).
   */
  rateLimit(opts: FaultMatch & {
    retryAfterSeconds?: number;
    error?: 'sprite_creation_rate_limited' | 'concurrent_sprite_limit_exceeded';
    header?: boolean;
    /** Put retry_after_seconds in the body (default true). */
    body?: boolean;
  }): string;
  /** Answer matching requests with `status` (default 500) and `{"error": message}`. */
  serverError(opts: FaultMatch & { status?: number; message?: string }): string;
  /**
   * Accept a matching WebSocket and then drop it (TCP destroyed, no close frame) after `afterMs`
   * (default 0: right after the upgrade) or once `afterBytes` bytes were sent to the client.
   * For exec, the process keeps running (sessions outlive a disconnect).
   */
  dropWebSocket(opts: FaultMatch & { afterMs?: number; afterBytes?: number }): string;
  /** Make every wake (warm or cold) take `ms` (null restores the configured timings). */
  slowWake(ms: number | null): void;
  /** Remove one fault by id. */
  remove(id: string): void;
  /** Remove every fault and restore the wake timings. */
  clear(): void;
  /** Faults that fired so far, oldest first (bounded to the last 1000). */
  fired(): FiredFault[];
}

/** What a test can see of one Sprite. */
export interface FakeSpriteInfo {
  name: string;
  id: string;
  status: SpriteStatus;
  /** The Sprite's filesystem root on this machine; `/x` inside the Sprite is `<dir>/x`. */
  dir: string;
  /** HOME and default working directory inside the Sprite (`/home/sprite`), as a host path. */
  home: string;
  /** PIDs (host) of processes the Sprite is running (sessions and their descendants). */
  pids: number[];
  /** Exec sessions, running or exited but not yet collected. */
  sessions: { id: number; command: string; active: boolean; tty: boolean }[];
  /** Checkpoint ids, oldest first (not including the "Current" pseudo-entry). */
  checkpoints: string[];
  urlAuth: 'sprite' | 'public';
  /** Labels as given; a map (`{k: v}`) is shown here as `k=v` strings (GET returns it as sent). */
  labels: string[];
  /** How many times it woke from warm / cold (sleep-wake assertions). */
  wakes: { warm: number; cold: number };
}

/** One request the fake served (bounded log, the last 2000). */
export interface RequestRecord {
  method: string;
  /** Path without query. */
  path: string;
  /** Final HTTP status (101 for accepted WebSockets). */
  status: number;
  at: number;
  /** Id of the fault that answered it, if one did. */
  fault?: string;
}

/** A running local Sprites API. */
export interface FakeSprites {
  /** Base URL, `http://127.0.0.1:<port>` (WebSockets: the same with `ws://`). */
  url: string;
  /** The token to send as `Authorization: Bearer <token>`. */
  token: string;
  /**
   * Token of the admin endpoints under `/__fake/` (the same controls over HTTP, for a fake run in
   * another process — see admin.ts and main.ts). The API token is not accepted there.
   */
  adminToken: string;
  /** Organisation slug. */
  org: string;
  /** Fault injection. */
  faults: FaultController;
  /** A snapshot of every Sprite. */
  sprites(): FakeSpriteInfo[];
  /** A snapshot of one Sprite, or undefined. */
  sprite(name: string): FakeSpriteInfo | undefined;
  /**
   * Put a Sprite to sleep as the platform would: `warm` keeps processes (stopped with SIGSTOP),
   * drops open proxy connections; `cold` ends every process. The next request wakes it.
   */
  sleep(name: string, to: 'warm' | 'cold'): Promise<void>;
  /** Delete a Sprite behind the client's back (drift): same effect as DELETE /v1/sprites/{name}. */
  remove(name: string): Promise<void>;
  /** Requests served so far, oldest first. */
  requests(): RequestRecord[];
  /** Stop listening, kill every process of every Sprite, remove the default root. Idempotent. */
  close(): Promise<void>;
}
