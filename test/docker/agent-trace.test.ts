/**
 * Agent Trace end to end (issue 17): a real `boulder daemon` converging a real bind-mounted Docker
 * workspace with a worktree; SDK clients over the daemon's unix socket with tokens from `boulder
 * token create --contributor`. An `ai` token inserts lines in the middle of a file, replaces a
 * range and renames the file, a `human` token replaces another range, the ai token runs a
 * command. Proves: `.agent-trace/traces.jsonl` in the worktree holds one record per operation,
 * each valid against the vendored schema (`boulder trace validate`) with the right ranges and
 * content hashes; the traces stay out of `git add -A`; after a commit in the worktree (with the
 * hook from `boulder trace install-hook`) the git note exists under refs/notes/agent-trace and
 * `boulder trace blame` attributes every line correctly. Fails, never skips.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Dockerode from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, processAlive, runBoulder, tempStateDir, type RunResult } from '../cli/harness.ts';
import { connect, type Client } from '../../sdk/typescript/src/index.ts';

const BUSYBOX = 'boulder-test/busybox:latest';
const WS = `atr${process.pid}`;
const MODEL = 'anthropic/claude-opus-4-5-20251101';
const CONVERSATION = 'https://agents.example.com/conversations/c-17';
const docker = new Dockerode();
let stateDir: string;
let world: string;
let repo: string;
let worktree: string;
let daemonPid: number | undefined;
let ai: Client;
let human: Client;
const env = { BOULDER_SYNC_HELPER_IMAGE: BUSYBOX };
const boulder = (args: string[], cwd?: string): Promise<RunResult> => runBoulder(['--state-dir', stateDir, ...args], { timeoutMs: 120_000, env, ...(cwd !== undefined ? { cwd } : {}) });
const ORIGINAL = Array.from({ length: 10 }, (_, i) => `L${i + 1}`);
const text = (lines: string[]): string => `${lines.join('\n')}\n`;
const hashOf = (lines: string[]): string => `sha256:${createHash('sha256').update(lines.join('\n')).digest('hex').slice(0, 16)}`;

async function token(extra: string[], name: string): Promise<string> {
  const r = await boulder(['token', 'create', '--workspace', WS, '--scope', 'fs:read', '--scope', 'fs:write', '--scope', 'exec', '--name', name, '--ttl', '1h', ...extra]);
  if (r.code !== 0) throw new Error(`boulder token create failed: ${r.stderr}`);
  return r.stdout.trim();
}

let setupError: Error | undefined;

async function setUp(): Promise<void> {
  await docker.ping();
  await docker.getImage(BUSYBOX).inspect();
  await ensureBuilt();
  stateDir = await tempStateDir();
  world = await mkdtemp(join(tmpdir(), 'agent-trace-'));
  repo = join(world, 'repo');
  mkdirSync(join(repo, 'src'), { recursive: true });
  writeFileSync(join(repo, 'src', 'app.ts'), text(ORIGINAL));
  execFileSync('git', ['init', '-q', '-b', 'main', repo]);
  execFileSync('git', ['-C', repo, 'add', '.']);
  execFileSync('git', ['-C', repo, '-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-qm', 'init']);
  await writeFile(
    join(world, 'ws.yaml'),
    `apiVersion: nexus.dev/v1alpha1
kind: Workspace
metadata:
  name: ${WS}
  annotations:
    nexus.dev/force-delete: "true"
spec:
  backend: docker
  image: ${BUSYBOX}
  repository:
    path: ${repo}
    onDelete: Remove
  sync:
    mode: bind
`,
  );
  const applied = await boulder(['apply', '-f', join(world, 'ws.yaml'), '--wait', '--timeout', '100s']);
  daemonPid = (JSON.parse((await boulder(['daemon', 'status', '-o', 'json'])).stdout) as { pid?: number }).pid;
  if (applied.code !== 0) throw new Error(`apply --wait failed (${applied.code}):\n${applied.stdout}${applied.stderr}`);
  worktree = join(repo, '.nexus', 'worktrees', WS);
  ai = await connect({ socket: join(stateDir, 'api.sock'), token: await token(['--contributor', 'ai', '--model-id', MODEL, '--conversation-url', CONVERSATION, '--tool', 'agent-x/1.2.3'], 'trace-ai') });
  human = await connect({ socket: join(stateDir, 'api.sock'), token: await token(['--contributor', 'human'], 'trace-human') });
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
  ai?.close();
  human?.close();
  if (stateDir !== undefined) {
    await boulder(['delete', 'ws', WS, '--wait', '--timeout', '60s', '--ignore-not-found']);
    await runBoulder(['--state-dir', stateDir, 'daemon', 'stop', '--timeout', '20s']);
    if (daemonPid !== undefined && processAlive(daemonPid)) process.kill(daemonPid, 'SIGKILL');
    await rm(stateDir, { recursive: true, force: true });
  }
  if (world !== undefined) await rm(world, { recursive: true, force: true });
}, 120_000);

interface Rec {
  version: string;
  vcs?: { type: string; revision: string };
  tool?: { name: string; version: string };
  files: Array<{ path: string; conversations: Array<{ url?: string; contributor?: { type: string; model_id?: string }; ranges: Array<{ start_line: number; end_line: number; content_hash?: string }> }> }>;
  metadata: { 'dev.boulder': { operation: string; from?: string; command?: string[] } };
}

function traces(): Rec[] {
  return readFileSync(join(worktree, '.agent-trace', 'traces.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Rec);
}

describe('Agent Trace records of API writes', () => {
  test('ai and human edits through the SDK become valid records with the right ranges; commit + note + blame attribute each line', async () => {
    const aiFs = ai.workspace(WS).fs;
    const humanFs = human.workspace(WS).fs;
    const head = execFileSync('git', ['-C', worktree, 'rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
    // ai: insert two lines after line 3.
    const v1 = [...ORIGINAL.slice(0, 3), 'A1', 'A2', ...ORIGINAL.slice(3)];
    await aiFs.writeFile('src/app.ts', text(v1));
    // ai: replace lines 8-9 (L6, L7) with three lines.
    const v2 = [...v1.slice(0, 7), 'R1', 'R2', 'R3', ...v1.slice(9)];
    await aiFs.writeFile('src/app.ts', text(v2));
    // ai: rename.
    await aiFs.rename('src/app.ts', 'src/main.ts');
    // human: replace lines 1-2.
    const v3 = ['H1', 'H2', ...v2.slice(2)];
    await humanFs.writeFile('src/main.ts', text(v3));
    // ai: a command.
    const { exitCode } = await ai.workspace(WS).exec(['true']);
    expect(exitCode).toBe(0);

    const records = traces();
    expect(records.map((r) => r.metadata['dev.boulder'].operation)).toEqual(['write', 'write', 'rename', 'write', 'exec']);
    for (const r of records) {
      expect(r.version).toBe('0.1.0');
      expect(r.vcs).toEqual({ type: 'git', revision: head });
    }
    const [w1, w2, mv, w3, ex] = records as [Rec, Rec, Rec, Rec, Rec];
    const aiConversation = { url: CONVERSATION, contributor: { type: 'ai', model_id: MODEL } };
    expect(w1.tool).toEqual({ name: 'agent-x', version: '1.2.3' });
    expect(w1.files).toEqual([{ path: 'src/app.ts', conversations: [{ ...aiConversation, ranges: [{ start_line: 4, end_line: 5, content_hash: hashOf(['A1', 'A2']) }] }] }]);
    expect(w2.files).toEqual([{ path: 'src/app.ts', conversations: [{ ...aiConversation, ranges: [{ start_line: 8, end_line: 10, content_hash: hashOf(['R1', 'R2', 'R3']) }] }] }]);
    expect(mv.files[0]?.path).toBe('src/main.ts');
    expect(mv.metadata['dev.boulder'].from).toBe('src/app.ts');
    expect(w3.files).toEqual([{ path: 'src/main.ts', conversations: [{ contributor: { type: 'human' }, ranges: [{ start_line: 1, end_line: 2, content_hash: hashOf(['H1', 'H2']) }] }] }]);
    expect(ex.files[0]?.path).toBe('.shell-history');
    expect(ex.metadata['dev.boulder'].command).toEqual(['true']);

    const validated = await boulder(['trace', 'validate', join(worktree, '.agent-trace', 'traces.jsonl')]);
    expect(validated.stderr).toBe('');
    expect(validated.code).toBe(0);
    expect(validated.stdout).toContain('5 record(s) valid');

    // The traces stay out of git add -A; the hook attaches the note on commit.
    expect((await boulder(['trace', 'install-hook'], worktree)).code).toBe(0);
    execFileSync('git', ['-C', worktree, 'add', '-A']);
    const staged = execFileSync('git', ['-C', worktree, 'diff', '--cached', '--name-only'], { encoding: 'utf8' });
    expect(staged).not.toContain('.agent-trace');
    execFileSync('git', ['-C', worktree, '-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-qm', 'edits'], { env: { ...process.env } });
    const commit = execFileSync('git', ['-C', worktree, 'rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
    const note = JSON.parse(execFileSync('git', ['-C', worktree, 'notes', '--ref', 'refs/notes/agent-trace', 'show', commit], { encoding: 'utf8' })) as Rec;
    expect(note.vcs).toEqual({ type: 'git', revision: commit });
    writeFileSync(join(world, 'note.json'), JSON.stringify(note));
    expect((await boulder(['trace', 'validate', join(world, 'note.json')])).code).toBe(0);
    // attach again by hand: the same note (idempotent, -f).
    const again = await boulder(['trace', 'attach'], worktree);
    expect(again.code).toBe(0);

    const blamed = await boulder(['trace', 'blame', 'src/main.ts', '-o', 'json'], worktree);
    expect(blamed.code).toBe(0);
    const lines = JSON.parse(blamed.stdout) as Array<{ line: number; text: string; contributor: { type: string; model_id?: string } | null; conversation?: string }>;
    expect(lines.map((l) => l.text)).toEqual(v3);
    const who = lines.map((l) => (l.contributor === null ? '-' : l.contributor.type));
    expect(who).toEqual(['human', 'human', '-', 'ai', 'ai', '-', '-', 'ai', 'ai', 'ai', '-', '-', '-']);
    expect(lines[3]).toMatchObject({ contributor: { type: 'ai', model_id: MODEL }, conversation: CONVERSATION });
    const one = await boulder(['trace', 'blame', 'src/main.ts:9'], worktree);
    expect(one.code).toBe(0);
    expect(one.stdout).toContain(MODEL);
    expect(one.stdout).toContain(CONVERSATION);
    expect(one.stdout).toContain('R2');
  }, 120_000);
});
