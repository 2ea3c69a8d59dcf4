import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger, closeLogger, logReconcileOutcome, newReconcileId, reconcileLogger } from './logger.ts';

/** A stream collecting the JSON lines written to it. */
function memoryStream(): { stream: Writable; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk.toString());
      cb();
    },
  });
  const lines = (): Record<string, unknown>[] =>
    chunks
      .join('')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { stream, lines };
}

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('logger', () => {
  it('writes JSON lines to a file, creating its directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'boulder-logger-'));
    dirs.push(dir);
    const file = join(dir, 'logs', 'daemon.log');
    const log = createLogger({ level: 'debug', destination: file });
    log.debug({ a: 1 }, 'hello');
    await closeLogger(log);
    const line = JSON.parse(readFileSync(file, 'utf8').trim()) as Record<string, unknown>;
    expect(line).toMatchObject({ level: 20, a: 1, msg: 'hello', pid: process.pid });
    expect(typeof line['time']).toBe('string');
  });

  it('drops lines below the level', () => {
    const { stream, lines } = memoryStream();
    const log = createLogger({ level: 'warn', destination: stream });
    log.info('quiet');
    log.warn('loud');
    expect(lines().map((l) => l['msg'])).toEqual(['loud']);
  });

  it('binds kind, key, reconcile id and trigger and writes one summary line per outcome', () => {
    const { stream, lines } = memoryStream();
    const root = createLogger({ destination: stream });
    const id = newReconcileId();
    const log = reconcileLogger(root, { kind: 'Workspace', key: 'default/a', reconcileId: id, trigger: 'watch' });
    logReconcileOutcome(log, { outcome: 'done', durationMs: 3 });
    logReconcileOutcome(log, { outcome: 'requeue', durationMs: 4, requeueAfterMs: 5000 });
    logReconcileOutcome(log, { outcome: 'error', durationMs: 5, requeueAfterMs: 200, error: 'boom' });
    logReconcileOutcome(log, { outcome: 'terminal', durationMs: 6, error: 'bad image', reason: 'InvalidImage' });
    const got = lines();
    expect(got).toHaveLength(4);
    for (const line of got) {
      expect(line).toMatchObject({ kind: 'Workspace', key: 'default/a', reconcileId: id, trigger: 'watch', msg: 'reconciled' });
    }
    expect(got.map((l) => [l['level'], l['outcome'], l['durationMs'], l['requeueAfterMs'], l['error']])).toEqual([
      [30, 'done', 3, undefined, undefined],
      [30, 'requeue', 4, 5000, undefined],
      [40, 'error', 5, 200, 'boom'],
      [50, 'terminal', 6, undefined, 'bad image'],
    ]);
    expect(got[3]?.['reason']).toBe('InvalidImage');
  });

  it('makes short distinct reconcile ids', () => {
    const ids = new Set(Array.from({ length: 1000 }, () => newReconcileId()));
    expect(ids.size).toBe(1000);
    for (const id of ids) expect(id.length).toBeLessThanOrEqual(12);
  });
});
