/**
 * The REST calls the provider makes, typed after the reference's documented shapes: Sprites
 * (create/get/update/delete), exec sessions (list, kill) and checkpoints (create with NDJSON
 * progress, list, restore). Fields the documentation leaves uncertain are read defensively.
 */
import { isSpriteStatus, SpriteApiError } from './api-errors.ts';
import type { SpriteClient } from './client.ts';

/** Sprite status as the API reports it. */
export type SpriteStatus = 'cold' | 'warm' | 'running';

/** The Sprite object (the fields boulder reads). */
export interface Sprite {
  id: string;
  name: string;
  status: SpriteStatus | string;
  url?: string;
  url_settings?: { auth?: 'sprite' | 'public' | string };
  /** `key=value` strings (or, defensively, a map). */
  labels?: string[] | Record<string, string>;
  created_at?: string;
  updated_at?: string;
}

/** One exec session of a Sprite. */
export interface ExecSession {
  id: string | number;
  command?: string;
  is_active?: boolean;
  tty?: boolean;
}

/** One checkpoint. */
export interface Checkpoint {
  id: string;
  create_time?: string;
  comment?: string;
  is_auto?: boolean;
}

const spritePath = (name: string): string => `/v1/sprites/${encodeURIComponent(name)}`;

/** The Sprite `name`, or undefined (404). */
export async function getSprite(client: SpriteClient, name: string, signal?: AbortSignal): Promise<Sprite | undefined> {
  try {
    return await client.json<Sprite>(spritePath(name), signal ? { signal } : {});
  } catch (err) {
    if (isSpriteStatus(err, 404)) return undefined;
    throw err;
  }
}

/** Creates Sprite `name` (201). */
export function createSprite(client: SpriteClient, name: string, auth: 'sprite' | 'public', signal?: AbortSignal): Promise<Sprite> {
  return client.json<Sprite>('/v1/sprites', { method: 'POST', json: { name, url_settings: { auth } }, timeoutMs: 120_000, ...(signal ? { signal } : {}) });
}

/** Updates labels and URL settings (PUT /v1/sprites/{name}, the Go SDK's shape). */
export function updateSprite(client: SpriteClient, name: string, update: { labels?: string[]; url_settings?: { auth: 'sprite' | 'public' } }, signal?: AbortSignal): Promise<Sprite> {
  return client.json<Sprite>(spritePath(name), { method: 'PUT', json: update, ...(signal ? { signal } : {}) });
}

/** Deletes Sprite `name`; false when there was none (404). */
export async function deleteSprite(client: SpriteClient, name: string): Promise<boolean> {
  try {
    await client.request(spritePath(name), { method: 'DELETE' });
    return true;
  } catch (err) {
    if (isSpriteStatus(err, 404)) return false;
    throw err;
  }
}

/** The exec sessions of a Sprite (`{sessions:[…]}`). */
export async function listSessions(client: SpriteClient, name: string): Promise<ExecSession[]> {
  const answer = await client.json<{ sessions?: ExecSession[] } | ExecSession[]>(`${spritePath(name)}/exec`);
  return Array.isArray(answer) ? answer : (answer?.sessions ?? []);
}

/** Kills a session (410: it already exited; 404: gone — both fine). */
export async function killSession(client: SpriteClient, name: string, id: string | number, signal = 'TERM'): Promise<void> {
  try {
    await client.request(`${spritePath(name)}/exec/${encodeURIComponent(String(id))}/kill`, { method: 'POST', query: { signal, timeout: '0s' } });
  } catch (err) {
    if (isSpriteStatus(err, 410) || isSpriteStatus(err, 404)) return;
    throw err;
  }
}

/** The checkpoints of a Sprite, without the `Current` pseudo-entry, oldest first. */
export async function listCheckpoints(client: SpriteClient, name: string): Promise<Checkpoint[]> {
  const answer = await client.json<Checkpoint[] | { checkpoints?: Checkpoint[] }>(`${spritePath(name)}/checkpoints`);
  const all = Array.isArray(answer) ? answer : (answer?.checkpoints ?? []);
  return all.filter((c) => typeof c?.id === 'string' && c.id !== 'Current');
}

/** Progress of a checkpoint or restore stream. */
export type ProgressListener = (message: string) => void;

/**
 * Creates a checkpoint (POST /checkpoint, NDJSON) and returns its id: parsed from the stream's
 * `ID: vN` text, else the newest checkpoint listed afterwards. An `error` event fails the call.
 */
export async function createCheckpoint(client: SpriteClient, name: string, comment: string | undefined, onProgress?: ProgressListener): Promise<string> {
  let id: string | undefined;
  for await (const event of client.ndjson(`${spritePath(name)}/checkpoint`, { json: comment !== undefined ? { comment } : {} })) {
    failOnError(event, `checkpoint of sprite ${name}`);
    const text = eventText(event);
    if (text !== undefined) {
      onProgress?.(text);
      id ??= /\bID:\s*([A-Za-z0-9._-]+)/.exec(text)?.[1];
    }
  }
  if (id !== undefined) return id;
  const listed = await listCheckpoints(client, name);
  const newest = listed.filter((c) => c.is_auto !== true).at(-1);
  if (newest === undefined) throw new SpriteApiError('SpriteApiUnavailable', `checkpoint of sprite ${name}: the API reported no checkpoint id`, { transient: true });
  return newest.id;
}

/** Restores checkpoint `id` (destructive: the Sprite restarts and its sessions end). */
export async function restoreCheckpoint(client: SpriteClient, name: string, id: string, onProgress?: ProgressListener): Promise<void> {
  for await (const event of client.ndjson(`${spritePath(name)}/checkpoints/${encodeURIComponent(id)}/restore`, {})) {
    failOnError(event, `restore of checkpoint ${id} of sprite ${name}`);
    const text = eventText(event);
    if (text !== undefined) onProgress?.(text);
  }
}

function eventText(event: Record<string, unknown>): string | undefined {
  const data = event['data'] ?? event['message'];
  return typeof data === 'string' ? data : undefined;
}

function failOnError(event: Record<string, unknown>, what: string): void {
  if (event['type'] !== 'error') return;
  const message = typeof event['error'] === 'string' ? event['error'] : typeof event['data'] === 'string' ? event['data'] : 'failed';
  throw new SpriteApiError('SpriteRequestRejected', `${what}: ${message}`, { transient: false });
}
