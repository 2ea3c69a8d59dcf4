/**
 * The daemon API's file methods for a workspace WITHOUT a worktree (no spec.repository): its files
 * live only in its Docker container, and the daemon reaches them through the provider's exec
 * (server/methods/files/runtime-fs.ts). A real `boulder daemon` converging a real busybox
 * workspace; clients connected with the TypeScript SDK. Proves: write → `docker exec cat` sees it;
 * container write → readFile sees it; stat, list, mkdir, rename, remove, compare-and-swap; a
 * container symlink `evil -> /` (and one to a file outside the folder) refused for read and write;
 * a polling watch that sees a container write; a 10 MB file round trip in chunks. Fails, never skips.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Dockerode from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, processAlive, runBoulder, tempStateDir, type RunResult } from '../cli/harness.ts';
import { connect, type Client } from '../../sdk/typescript/src/index.ts';

const BUSYBOX = 'boulder-test/busybox:latest';
const NAME = `arf${process.pid}`;
const docker = new Dockerode();
let stateDir: string;
let world: string;
let daemonPid: number | undefined;
let client: Client;
const boulder = (args: string[]): Promise<RunResult> => runBoulder(['--state-dir', stateDir, ...args], { timeoutMs: 120_000 });

async function containerOf(name: string): Promise<string> {
  const [main] = await docker.listContainers({ filters: { label: [`nexus.dev/workspace=${name}`, 'nexus.dev/role=workspace'], status: ['running'] } });
  if (main === undefined) throw new Error(`no running main container of ${name}`);
  return main.Id;
}

function dockerExec(container: string, command: string[]): string {
  return execFileSync('docker', ['exec', container, ...command], { encoding: 'utf8' });
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    return String((err as { code?: unknown }).code ?? (err as Error).message);
  }
  return 'ok';
}

let setupError: Error | undefined;

async function setUp(): Promise<void> {
  await docker.ping();
  await docker.getImage(BUSYBOX).inspect();
  await ensureBuilt();
  stateDir = await tempStateDir();
  world = await mkdtemp(join(tmpdir(), 'api-runtime-files-'));
  await writeFile(
    join(world, 'ws.yaml'),
    `apiVersion: nexus.dev/v1alpha1
kind: Workspace
metadata:
  name: ${NAME}
  annotations:
    nexus.dev/force-delete: "true"
spec:
  backend: docker
  image: ${BUSYBOX}
`,
  );
  const applied = await boulder(['apply', '-f', join(world, 'ws.yaml'), '--wait', '--timeout', '100s']);
  daemonPid = (JSON.parse((await boulder(['daemon', 'status', '-o', 'json'])).stdout) as { pid?: number }).pid;
  if (applied.code !== 0) throw new Error(`apply --wait failed (${applied.code}):\n${applied.stdout}${applied.stderr}`);
  const r = await boulder(['token', 'create', '--workspace', NAME, '--scope', 'fs:read', '--scope', 'fs:write', '--name', 'api-runtime-files', '--ttl', '1h']);
  if (r.code !== 0) throw new Error(`boulder token create failed: ${r.stderr}`);
  client = await connect({ socket: join(stateDir, 'api.sock'), token: r.stdout.trim() });
}

function test(title: string, body: () => Promise<void>, timeout?: number): void {
  it(title, async () => {
    if (setupError !== undefined) throw setupError;
    await body();
  }, timeout);
}

beforeAll(async () => {
  setupError = await setUp().then(
    () => undefined,
    (err: unknown) => (err instanceof Error ? err : new Error(String(err))),
  );
}, 180_000);

afterAll(async () => {
  client?.close();
  if (stateDir !== undefined) {
    await boulder(['delete', 'ws', NAME, '--wait', '--timeout', '60s', '--ignore-not-found']);
    await runBoulder(['--state-dir', stateDir, 'daemon', 'stop', '--timeout', '20s']);
    if (daemonPid !== undefined && processAlive(daemonPid)) process.kill(daemonPid, 'SIGKILL');
    await rm(stateDir, { recursive: true, force: true });
  }
  if (world !== undefined) await rm(world, { recursive: true, force: true });
}, 120_000);

describe('daemon API: files of a workspace without a worktree (inside its Docker container)', () => {
  test('an SDK write is in the container; a container write is what readFile returns; stat, list, mkdir, rename, remove', async () => {
    const fs = client.workspace(NAME).fs;
    const container = await containerOf(NAME);
    await fs.writeFile('src/from-api.txt', 'written through the API\n', { createParents: true });
    expect(dockerExec(container, ['cat', '/workspace/src/from-api.txt'])).toBe('written through the API\n');
    dockerExec(container, ['sh', '-c', 'echo from the container > /workspace/src/from-container.txt']);
    expect(await fs.readFile('src/from-container.txt', { encoding: 'utf8' })).toBe('from the container\n');
    expect(await fs.stat('src/from-container.txt')).toMatchObject({ type: 'file', size: 19 });
    await fs.mkdir('a/b', { parents: true });
    await fs.rename('src/from-api.txt', 'a/b/moved.txt');
    expect(dockerExec(container, ['cat', '/workspace/a/b/moved.txt'])).toBe('written through the API\n');
    expect((await fs.list('a', { depth: 2 })).entries.map((e) => e.path)).toEqual(['a/b', 'a/b/moved.txt']);
    await fs.remove('a', { recursive: true });
    expect(dockerExec(container, ['sh', '-c', 'test -e /workspace/a && echo yes || echo no'])).toBe('no\n');
    // No temp file is left beside what was written.
    expect(dockerExec(container, ['ls', '-a', '/workspace/src']).split('\n').filter((n) => n !== '' && n !== '.' && n !== '..')).toEqual(['from-container.txt']);
  });

  test('compare-and-swap: a stale ifMatch is PreconditionFailed and writes nothing', async () => {
    const fs = client.workspace(NAME).fs;
    await fs.writeFile('cas.txt', 'v1');
    const { sha256 } = await fs.read('cas.txt');
    expect(sha256).toBe(createHash('sha256').update('v1').digest('hex'));
    await fs.writeFile('cas.txt', 'v2', { ifMatch: sha256! });
    expect(await codeOf(fs.writeFile('cas.txt', 'v3', { ifMatch: sha256! }))).toBe('PreconditionFailed');
    expect(await fs.readFile('cas.txt', { encoding: 'utf8' })).toBe('v2');
    expect(await codeOf(fs.writeFile('cas.txt', 'new', { ifMatch: '' }))).toBe('PreconditionFailed');
  });

  test('a container symlink evil -> / (and one to a file outside the folder) is refused for read, write and list', async () => {
    const fs = client.workspace(NAME).fs;
    const container = await containerOf(NAME);
    dockerExec(container, ['sh', '-c', 'ln -s / /workspace/evil && echo secret > /secret && ln -s /secret /workspace/secret-link']);
    expect(await codeOf(fs.readFile('evil/etc/passwd'))).toBe('PathEscapesWorkspace');
    expect(await codeOf(fs.readFile('secret-link'))).toBe('PathEscapesWorkspace');
    expect(await codeOf(fs.writeFile('evil/tmp/planted', 'x'))).toBe('PathEscapesWorkspace');
    expect(await codeOf(fs.writeFile('secret-link', 'overwritten'))).toBe('PathEscapesWorkspace');
    expect(await codeOf(fs.list('evil'))).toBe('PathEscapesWorkspace');
    expect(await codeOf(fs.readFile('../etc/passwd'))).toBe('PathEscapesWorkspace');
    expect(await codeOf(fs.readFile('/etc/passwd'))).toBe('PathEscapesWorkspace');
    expect(dockerExec(container, ['cat', '/secret'])).toBe('secret\n');
    expect(dockerExec(container, ['sh', '-c', 'test -e /tmp/planted && echo yes || echo no'])).toBe('no\n');
    expect((await fs.stat('evil')).type).toBe('symlink');
  });

  test('watch (polling inside the container) reports a change made in the container', async () => {
    const fs = client.workspace(NAME).fs;
    const container = await containerOf(NAME);
    const controller = new AbortController();
    const seen: string[] = [];
    let ready = false;
    const watching = (async () => {
      for await (const event of fs.watch('', { signal: controller.signal })) {
        if (event.kind === 'ready') {
          ready = true;
          dockerExec(container, ['sh', '-c', 'echo x > /workspace/watched.txt']);
        }
        if (event.kind === 'change') seen.push(event.path);
        if (seen.includes('watched.txt')) break;
      }
    })().catch(() => undefined);
    const deadline = Date.now() + 15_000;
    while (!seen.includes('watched.txt') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    controller.abort();
    await watching;
    expect(ready).toBe(true);
    expect(seen).toContain('watched.txt');
  });

  test('a 10 MB file round trip in chunks', async () => {
    const fs = client.workspace(NAME).fs;
    const container = await containerOf(NAME);
    const expected = createHash('sha256');
    async function* content(): AsyncIterable<Uint8Array> {
      for (let i = 0; i < 10; i++) {
        const piece = Buffer.alloc(1024 * 1024, i + 1);
        expected.update(piece);
        yield piece;
      }
    }
    const written = await fs.writeFile('big.bin', content());
    const digest = expected.digest('hex');
    expect(written).toEqual({ size: 10 * 1024 * 1024, sha256: digest });
    expect(dockerExec(container, ['sha256sum', '/workspace/big.bin']).split(' ')[0]).toBe(digest);
    const actual = createHash('sha256');
    let bytes = 0;
    for await (const chunk of fs.readChunks('big.bin')) {
      actual.update(chunk);
      bytes += chunk.length;
    }
    expect(bytes).toBe(10 * 1024 * 1024);
    expect(actual.digest('hex')).toBe(digest);
    const range = await fs.readFile('big.bin', { offset: 3 * 1024 * 1024 - 2, length: 4 });
    expect(Buffer.from(range)).toEqual(Buffer.from([3, 3, 4, 4]));
  }, 120_000);
});
