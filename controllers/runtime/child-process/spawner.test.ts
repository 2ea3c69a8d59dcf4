/**
 * The spawner's life: runs go through its process, a spawner killed mid-run rejects what it had
 * (never running it again) and the next run starts a new one, a spawner that cannot start leaves
 * the runs in this process, and it ends with its parent, whether that exits or is killed. Real
 * processes throughout.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { SpawnerLostError } from './errors.ts';
import { Spawner, type SpawnerEvent } from './spawner.ts';
import { processEnds, processRunning, readySpawner } from './testing.ts';

const spawners: Spawner[] = [];
const strays: number[] = [];
const dirs: string[] = [];

afterEach(() => {
  for (const spawner of spawners.splice(0)) spawner.close();
  for (const pid of strays.splice(0)) if (processRunning(pid)) process.kill(pid, 'SIGKILL');
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function started(): Promise<Spawner> {
  const spawner = await readySpawner();
  spawners.push(spawner);
  return spawner;
}

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'boulder-spawner-'));
  dirs.push(dir);
  return dir;
}

/** The parent pid of the program a run started: who forked it. */
async function forkedBy(spawner: Spawner): Promise<number> {
  return Number((await spawner.run('sh', ['-c', 'echo $PPID'])).stdout.trim());
}

/** Waits until `spawner` has a ready process other than `previous`. */
async function nextReady(spawner: Spawner, previous: number | undefined): Promise<number> {
  const deadline = Date.now() + 10_000;
  while (spawner.pid === undefined || spawner.pid === previous) {
    if (Date.now() > deadline) throw new Error('no new spawner became ready');
    await sleep(20);
  }
  return spawner.pid;
}

describe('the spawner', () => {
  it('runs programs from its own process, not from this one', async () => {
    const spawner = await started();
    expect(spawner.pid).toBeDefined();
    expect(spawner.pid).not.toBe(process.pid);
    expect(await forkedBy(spawner)).toBe(spawner.pid);
  });

  it('rejects the runs of a spawner killed mid-run, never runs them again, and starts a new one for the next run', async () => {
    const spawner = await started();
    const events: SpawnerEvent[] = [];
    spawner.onEvent = (event) => events.push(event);
    const first = spawner.pid!;
    const marks = join(tempDir(), 'marks');
    // Each run of the program appends one line (its pid); it then waits, so it is mid-run when the spawner dies.
    const run = spawner.run('sh', ['-c', `echo $$ >> ${marks}; exec sleep 30`]);
    const outcome = run.then(
      () => 'resolved',
      (err: unknown) => err,
    );
    while (!existsWithLine(marks)) await sleep(10);
    strays.push(Number(readFileSync(marks, 'utf8').trim()));
    process.kill(first, 'SIGKILL');

    const err = await outcome;
    expect(err).toBeInstanceOf(SpawnerLostError);
    expect(err).toMatchObject({ code: 'Unavailable' });
    expect((err as Error).message).toContain(`the spawner process (pid ${first}) ended; it may or may not have run, and is not run again`);
    expect(events).toEqual([{ type: 'lost', pid: first, rejected: 1 }]);

    // The next run works at once (in this process while a new spawner starts), then through the new one.
    await expect(spawner.run('echo', ['after'])).resolves.toEqual({ stdout: 'after\n', stderr: '' });
    const second = await nextReady(spawner, first);
    expect(await forkedBy(spawner)).toBe(second);
    expect(readFileSync(marks, 'utf8').trim().split('\n')).toHaveLength(1);
    expect(await processEnds(first)).toBe(true);
  });

  it('leaves runs in this process when the spawner cannot start', async () => {
    const spawner = new Spawner(join(tempDir(), 'missing-spawner.js'));
    spawners.push(spawner);
    const events: SpawnerEvent[] = [];
    spawner.onEvent = (event) => events.push(event);
    spawner.start();
    while (events.length === 0) await sleep(10);
    expect(events).toEqual([{ type: 'unavailable', reason: expect.stringContaining('it exited before it was ready') as unknown }]);
    expect(spawner.pid).toBeUndefined();
    expect(await forkedBy(spawner)).toBe(process.pid);
    await sleep(100);
    expect(events).toHaveLength(1);
    expect(spawner.pid).toBeUndefined();
  });

  it('ends when closed, and runs go on in this process at once', async () => {
    const spawner = await started();
    const pid = spawner.pid!;
    spawner.close();
    expect(spawner.pid).toBeUndefined();
    expect(await forkedBy(spawner)).toBe(process.pid);
    expect(await processEnds(pid)).toBe(true);
    expect(await forkedBy(spawner)).toBe(process.pid);
  });
});

function existsWithLine(path: string): boolean {
  try {
    return readFileSync(path, 'utf8').endsWith('\n');
  } catch {
    return false;
  }
}

/**
 * A parent node process that starts a spawner and prints its pid once ready; with `exit` it runs
 * one program through it (kept alive only by that pending run), prints its output and ends by
 * itself; with `wait` it starts a long run (its pid written to `pidFile`) and stays until killed.
 */
function parentScript(mode: 'exit' | 'wait', pidFile: string): string {
  const spawnerModule = fileURLToPath(new URL('./testing.ts', import.meta.url));
  return `
    import { readySpawner } from ${JSON.stringify(spawnerModule)};
    const keepAlive = setInterval(() => undefined, 1000);
    const spawner = await readySpawner();
    process.stdout.write(spawner.pid + '\\n');
    clearInterval(keepAlive);
    ${mode === 'exit' ? "spawner.run('sh', ['-c', 'sleep 0.3; echo done']).then(({ stdout }) => process.stdout.write(stdout));" : `void spawner.run('sh', ['-c', 'echo $$ > ${pidFile}; exec sleep 30']).catch(() => undefined);`}
  `;
}

/** Runs parentScript(mode); resolves with the spawner's pid and the parent's exit (and output). */
async function startParent(mode: 'exit' | 'wait'): Promise<{ parent: ReturnType<typeof spawn>; spawnerPid: number; exited: Promise<{ code: number | null; signal: string | null; stdout: string }> }> {
  const dir = tempDir();
  const file = join(dir, 'parent.ts');
  const pidFile = join(dir, 'run.pid');
  writeFileSync(file, parentScript(mode, pidFile));
  const parent = spawn(process.execPath, [file], { stdio: ['ignore', 'pipe', 'inherit'] });
  let stdout = '';
  parent.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  const exited = new Promise<{ code: number | null; signal: string | null; stdout: string }>((resolve) => parent.once('exit', (code, signal) => resolve({ code, signal, stdout })));
  const deadline = Date.now() + 15_000;
  while (!stdout.includes('\n')) {
    if (Date.now() > deadline) throw new Error(`the parent printed no spawner pid: ${stdout}`);
    await sleep(20);
  }
  const spawnerPid = Number(stdout.split('\n')[0]);
  strays.push(spawnerPid);
  if (parent.pid !== undefined) strays.push(parent.pid);
  while (mode === 'wait' && !existsWithLine(pidFile)) {
    if (Date.now() > deadline) throw new Error('the long run did not start');
    await sleep(20);
  }
  // The program of the long run outlives its spawner, as it would have outlived its parent: removed by afterEach.
  if (mode === 'wait') strays.push(Number(readFileSync(pidFile, 'utf8')));
  return { parent, spawnerPid, exited };
}

describe('the spawner and its parent', () => {
  it('does not keep its parent alive beyond a pending run, and ends when the parent exits', async () => {
    const { spawnerPid, exited } = await startParent('exit');
    expect(processRunning(spawnerPid)).toBe(true);
    const exit = await Promise.race([exited, sleep(10_000).then(() => 'still running')]);
    expect(exit).toEqual({ code: 0, signal: null, stdout: `${spawnerPid}\ndone\n` });
    expect(await processEnds(spawnerPid)).toBe(true);
  });

  it('ends when its parent is killed (SIGKILL), even with a run pending', async () => {
    const { parent, spawnerPid, exited } = await startParent('wait');
    expect(processRunning(spawnerPid)).toBe(true);
    parent.kill('SIGKILL');
    expect(await exited).toMatchObject({ signal: 'SIGKILL' });
    expect(await processEnds(spawnerPid, 3000)).toBe(true);
  });
});
