/**
 * The daemon's spawner (controllers/runtime/child-process/spawner.ts): forked at the start of
 * `boulder daemon`, while the process is still small, and installed so that every program the
 * daemon runs (git, nft, setpriv, getent) goes through it; logged once the daemon has its logger;
 * closed when the daemon stops. Only the daemon has one: a short-lived CLI would pay its start.
 */
import type { Logger } from '../../controllers/runtime/logger.ts';
import type { Spawner } from '../../controllers/runtime/child-process/spawner.ts';
import { spawnerScript } from '../../apis/package-root.ts';

/** Forks the spawner and makes runFile use it (runs stay in-process until it is ready). */
export async function startSpawner(): Promise<Spawner> {
  const [{ Spawner }, { useSpawner }] = await Promise.all([import('../../controllers/runtime/child-process/spawner.ts'), import('../../controllers/runtime/child-process/run-file.ts')]);
  const spawner = new Spawner(spawnerScript());
  spawner.start();
  useSpawner(spawner);
  return spawner;
}

/** Logs what the spawner reports: ready (with its start time), lost (and the runs rejected with it), given up on. */
export function logSpawnerEvents(spawner: Spawner, logger: Logger): void {
  spawner.onEvent = (event) => {
    if (event.type === 'ready') logger.info({ spawnerPid: event.pid, startMs: Math.round(event.startMs), forkedAtRssMb: Math.round(event.forkedAtRss / 2 ** 20) }, 'spawner ready');
    else if (event.type === 'lost') logger.warn({ spawnerPid: event.pid, rejected: event.rejected }, 'spawner lost; its pending runs failed, the next run starts a new one');
    else logger.warn({ reason: event.reason }, 'spawner unavailable; programs run from the daemon process');
  };
}

/** Makes runFile run in this process again and ends the spawner. */
export async function stopSpawner(spawner: Spawner): Promise<void> {
  const { useSpawner } = await import('../../controllers/runtime/child-process/run-file.ts');
  useSpawner(undefined);
  spawner.close();
}
