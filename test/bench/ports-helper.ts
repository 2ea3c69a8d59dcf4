/**
 * Bench helpers shared by the forwarding rows (ports.ts, ports-native.ts): a helper process that
 * prints one JSON line when ready and serves until its stdin closes, and a process's CPU time.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

/** CPU time (user + system, ms) the process `pid` used so far (Linux /proc, 10 ms ticks); 0 elsewhere. */
export function cpuMsOf(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return 0;
  }
}

/** A running helper process. */
export interface Helper {
  /** The JSON the helper printed on its first line. */
  info: unknown;
  pid: number | undefined;
  /** Closes the helper's stdin (it shuts down) and waits for it to exit, killing it after 5 s. */
  stop(): Promise<void>;
}

/** Spawns a helper that prints one JSON line when ready and serves until its stdin closes. */
export async function startHelper(file: string, args: string[]): Promise<Helper> {
  const child: ChildProcess = spawn(file, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! });
  const exited = once(child, 'exit');
  const [first] = (await Promise.race([once(lines, 'line'), exited.then(() => [undefined])])) as [string | undefined];
  if (first === undefined) throw new Error(`${file} ${args.join(' ')} exited before it was ready`);
  return {
    info: JSON.parse(first) as unknown,
    pid: child.pid,
    async stop() {
      child.stdin!.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}
