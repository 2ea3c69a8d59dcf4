// Session control and checkpoint routes of the local Sprites API (REST): kill a session, create,
// list and restore checkpoints (NDJSON progress as documented).
import type http from 'node:http';
import { HttpError, ndjson, readJson, sendJson } from './http-util.ts';
import { parseDuration } from './session.ts';
import type { Sprite } from './sprite.ts';

/** POST .../exec/{id}/kill?signal=TERM&timeout=0s: 404 unknown, 410 exited, else the signal (SIGKILL after `timeout`). */
export function killSession(s: Sprite, id: string, q: URLSearchParams, res: http.ServerResponse): void {
  const session = s.sessions.get(Number(id));
  if (!session) throw new HttpError(404, `session not found: ${id}`);
  if (!session.active) throw new HttpError(410, `session already exited: ${id}`);
  const signal = q.get('signal') ?? 'TERM';
  const timeout = parseDuration(q.get('timeout') ?? '0s');
  if (timeout === undefined) throw new HttpError(400, 'invalid timeout');
  if (!session.signal(signal)) throw new HttpError(400, `invalid signal: ${signal}`);
  if (timeout > 0) setTimeout(() => session.active && session.kill(), timeout).unref();
  sendJson(res, 200, { id: session.id, signal });
}

/** POST .../checkpoint `{comment?}`: NDJSON progress; the id appears in an info line `  ID: vN`. */
export async function createCheckpoint(s: Sprite, req: http.IncomingMessage, res: http.ServerResponse, limits: { maxJsonBytes: number; maxCheckpoints: number }): Promise<void> {
  const body = await readJson(req, limits.maxJsonBytes);
  const comment = typeof body.comment === 'string' ? body.comment.slice(0, 1024) : '';
  res.writeHead(200, { 'content-type': 'application/x-ndjson' });
  ndjson(res, { type: 'info', data: 'Creating checkpoint...' });
  try {
    const c = await s.createCheckpoint(comment);
    await s.pruneCheckpoints(limits.maxCheckpoints);
    ndjson(res, { type: 'info', data: `  ID: ${c.id}` });
    ndjson(res, { type: 'complete', data: `Checkpoint ${c.id} created` });
  } catch (err) {
    ndjson(res, { type: 'error', error: `checkpoint failed: ${(err as Error).message}` });
  }
  res.end();
}

/** GET .../checkpoints: a JSON array, the pseudo-entry `Current` first, then newest first. */
export function listCheckpoints(s: Sprite, res: http.ServerResponse): void {
  const current = { id: 'Current', create_time: s.updatedAt, comment: '', is_auto: false };
  sendJson(res, 200, [current, ...[...s.checkpoints].reverse()]);
}

/** POST .../checkpoints/{id}/restore: ends every process, swaps the filesystem; NDJSON progress. */
export async function restoreCheckpoint(s: Sprite, id: string, res: http.ServerResponse): Promise<void> {
  if (!s.checkpoints.some((c) => c.id === id)) throw new HttpError(404, `checkpoint not found: ${id}`);
  res.writeHead(200, { 'content-type': 'application/x-ndjson' });
  ndjson(res, { type: 'info', data: `Restoring checkpoint ${id}...` });
  try {
    await s.restoreCheckpoint(id);
    ndjson(res, { type: 'info', data: 'Environment restarted' });
    ndjson(res, { type: 'complete', data: `Restored ${id}` });
  } catch (err) {
    ndjson(res, { type: 'error', error: `restore failed: ${(err as Error).message}` });
  }
  res.end();
}
