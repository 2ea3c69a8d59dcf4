/**
 * Test support for the runners: a spawner that is ready (runs go through it), and waiting for a
 * process to be gone. Real processes only.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { spawnerScript } from '../../../apis/package-root.ts';
import { Spawner } from './spawner.ts';

/** A started spawner of bin/boulder-spawner.js, once it is ready; rejects after `timeoutMs`. */
export async function readySpawner(script = spawnerScript(), timeoutMs = 10_000): Promise<Spawner> {
  const spawner = new Spawner(script);
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the spawner was not ready within ${timeoutMs} ms`)), timeoutMs);
    spawner.onEvent = (event) => {
      clearTimeout(timer);
      if (event.type === 'ready') resolve();
      else reject(new Error(`spawner ${event.type}`));
    };
  });
  spawner.start();
  await ready;
  spawner.onEvent = undefined;
  return spawner;
}

/** True while `pid` names a process that has not been reaped or is not a zombie. */
export function processRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** Waits until `pid` is no longer running; false when it still runs after `timeoutMs`. */
export async function processEnds(pid: number, timeoutMs = 5000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (processRunning(pid)) {
    if (Date.now() > deadline) return false;
    await sleep(20);
  }
  return true;
}

/** The pids of the running children of `pid` (from /proc/<pid>/stat of every process). */
export function childrenOf(pid: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) === pid && fields[0] !== 'Z') children.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return children;
}
