/**
 * Daemon API benchmarks of the files and exec methods (part of `npm run bench -- api`): a real
 * daemon with one bind-mounted Docker workspace, a client on the daemon's unix socket using the
 * SDK's workspace helpers, and floors measured in the same run:
 * - 4 KiB `readFile` round trip vs `docker exec CONTAINER cat FILE` and vs a direct `fs.readFile`
 *   of the same file on the host (goal: p50 ≤ 1 ms);
 * - exec of `true` through the API vs `docker exec CONTAINER true` (goal ≤ 1.1×);
 * - fs.write of a 200-line file with one line changed per write, by a token with `--contributor ai`
 *   (an Agent Trace record per write: line diff + append) vs a token without (goal ≤ 1.2×).
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { connect } from '../../sdk/typescript/src/index.ts';
import { BENCH_IMAGE, createGitRepository, DockerBenchEnv, expectSuccess, runCommand, workspaceManifest, writeManifests } from './docker-bench-env.ts';
import { median, quantile, timeRuns, type BenchRow } from './stats.ts';

const READS = 300;
const EXECS = 20;
const WRITES = 300;

/** A token for `workspace` from the real `boulder token create`. */
async function tokenFor(env: DockerBenchEnv, workspace: string, extra: string[] = []): Promise<string> {
  const r = await env.boulderOk('token', 'create', '--workspace', workspace, '--scope', 'fs:read', '--scope', 'exec', '--ttl', '1h', '--name', 'bench', ...extra);
  return r.stdout.trim();
}

/** Runs the files and exec benchmarks and returns their rows. */
export async function benchApiFiles(): Promise<BenchRow[]> {
  expectSuccess(`docker image inspect ${BENCH_IMAGE} (run bash test/env/images.sh)`, await runCommand('docker', ['image', 'inspect', BENCH_IMAGE]));
  const env = await DockerBenchEnv.open();
  const rows: BenchRow[] = [];
  try {
    const name = env.name('files');
    const repo = createGitRepository(join(env.root, 'repo'));
    const manifest = workspaceManifest(name, { repository: repo }) as { spec: Record<string, unknown> };
    manifest.spec['sync'] = { mode: 'bind' };
    await env.boulderOk('apply', '-f', writeManifests(join(env.root, 'ws.yaml'), [manifest]), '--wait', '--timeout', '120s');
    const worktree = join(repo, '.nexus', 'worktrees', name);
    writeFileSync(join(worktree, 'bench-4k.bin'), randomBytes(4096));
    const [container] = await env.docker.listContainers({ filters: { label: [`nexus.dev/workspace=${name}`, 'nexus.dev/role=workspace'] } });
    if (container === undefined) throw new Error('the bench workspace has no running container');
    const client = await connect({ socket: join(env.stateDir, 'api.sock'), token: await tokenFor(env, name) });
    try {
      const ws = client.workspace(name);
      const sdk = await timeRuns(READS, async () => void (await ws.fs.readFile('bench-4k.bin')), 20);
      const direct = await timeRuns(READS, async () => void (await readFile(join(worktree, 'bench-4k.bin'))), 20);
      const dockerCat = await timeRuns(EXECS, async () => void expectSuccess('docker exec cat', await runCommand('docker', ['exec', container.Id, 'cat', '/workspace/bench-4k.bin'])));
      const p50 = median(sdk);
      rows.push({ name: 'api: readFile 4 KiB (SDK, unix socket)', value: p50, unit: 'ms', p99: quantile(sdk, 0.99), floor: { name: 'docker exec cat', value: median(dockerCat) }, budget: { text: 'p50 ≤ 1 ms', met: p50 <= 1 } });
      rows.push({ name: 'api: readFile 4 KiB (SDK, unix socket)', value: p50, unit: 'ms', p99: quantile(sdk, 0.99), floor: { name: 'fs.readFile on the host', value: median(direct) } });
      const apiExec = await timeRuns(EXECS, async () => {
        const { exitCode } = await ws.exec(['true']);
        if (exitCode !== 0) throw new Error(`exec true exited ${String(exitCode)}`);
      });
      const dockerTrue = await timeRuns(EXECS, async () => void expectSuccess('docker exec true', await runCommand('docker', ['exec', container.Id, 'true'])));
      const ratio = median(apiExec) / median(dockerTrue);
      const plain = await connect({ socket: join(env.stateDir, 'api.sock'), token: await tokenFor(env, name, ['--scope', 'fs:write']) });
      const traced = await connect({ socket: join(env.stateDir, 'api.sock'), token: await tokenFor(env, name, ['--scope', 'fs:write', '--contributor', 'ai', '--model-id', 'anthropic/claude-opus-4-5']) });
      try {
        const base = Array.from({ length: 200 }, (_, i) => `const line${i} = ${i}; // some code on this line`);
        const writer = (client: typeof plain, file: string): (() => Promise<void>) => {
          let n = 0;
          return async () => {
            const lines = [...base];
            n++;
            lines[n % base.length] = `const changed${n} = ${n};`;
            await client.workspace(name).fs.writeFile(file, `${lines.join('\n')}\n`);
          };
        };
        // Alternating single writes, so drift (other load on the machine) hits both alike.
        const withoutTrace: number[] = [];
        const withTrace: number[] = [];
        const writePlain = writer(plain, 'bench-plain.ts');
        const writeTraced = writer(traced, 'bench-traced.ts');
        for (let i = 0; i < WRITES; i++) {
          withoutTrace.push(...(await timeRuns(1, writePlain, i === 0 ? 10 : 0)));
          withTrace.push(...(await timeRuns(1, writeTraced, i === 0 ? 10 : 0)));
        }
        const traceRatio = median(withTrace) / median(withoutTrace);
        rows.push({ name: 'api: fs.write 200 lines, Agent Trace record (SDK)', value: median(withTrace), unit: 'ms', p99: quantile(withTrace, 0.99), floor: { name: 'fs.write without tracing', value: median(withoutTrace) }, budget: { text: '≤ 1.2×', met: traceRatio <= 1.2 } });
      } finally {
        plain.close();
        traced.close();
      }
      rows.push({ name: 'api: exec true (SDK)', value: median(apiExec), unit: 'ms', p99: quantile(apiExec, 0.99), floor: { name: 'docker exec true', value: median(dockerTrue) }, budget: { text: '≤ 1.1×', met: ratio <= 1.1 } });
    } finally {
      client.close();
    }
  } catch (err) {
    rows.push({ name: 'api files/exec: FAILED', value: Number.NaN, unit: 'ms', note: (err as Error).message });
  } finally {
    const left = await env.close();
    if (left.boulder.length > 0) rows.push({ name: 'cleanup: objects boulder left behind', value: Number.NaN, unit: 'ms', note: left.boulder.join(', ') });
  }
  return rows;
}
