/**
 * Friction collection through the real CLI (built dist/, separate processes): nothing is recorded
 * by default, nor under DO_NOT_TRACK=1 or NEXUS_TELEMETRY=0 even when the user configuration
 * enables it; enabled, each command appends one event to <state dir>/telemetry/events.jsonl
 * (0600) holding none of the secrets, paths, names or arguments the commands were given (the file
 * is grepped for each); export sends the events marked shared only to the URL given with --to (a
 * loopback HTTP server here), and sends nothing without it; purge empties the file.
 */
import { mkdirSync, readFileSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, runBoulder } from './harness.ts';

let world: string;
let server: Server;
let port = 0;
const received: string[] = [];
const SECRET_ENV = 'tok-Secret-Env-Value-93f1';
const SECRET_NAME = 'secret-workspace-name-7a2';
const SECRET_TOKEN_NAME = 'secret-token-name-4c9';

beforeAll(async () => {
  await ensureBuilt();
  world = await mkdtemp(join(tmpdir(), 'friction-'));
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      received.push(body);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as { port: number }).port;
}, 120_000);

afterAll(async () => {
  server?.close();
  if (world !== undefined) await rm(world, { recursive: true, force: true });
});

/** A user configuration file under `dir` and the environment that uses it. */
function setup(dir: string, telemetry: string | undefined, extra: NodeJS.ProcessEnv = {}): { env: NodeJS.ProcessEnv; stateDir: string } {
  const home = join(world, dir, 'home');
  mkdirSync(join(home, '.nexus'), { recursive: true });
  writeFileSync(join(home, '.nexus', 'config.yaml'), telemetry === undefined ? 'preferences:\n  output: table\n' : `preferences:\n  telemetry:\n${telemetry}`);
  return { env: { HOME: home, NEXUS_USER_CONFIG: join(home, '.nexus', 'config.yaml'), DO_NOT_TRACK: '', NEXUS_TELEMETRY: '', MY_API_KEY: SECRET_ENV, ...extra }, stateDir: join(world, dir, 'state') };
}

/** Runs a few commands carrying secrets, names and paths in their arguments. */
async function workload(env: NodeJS.ProcessEnv, stateDir: string): Promise<string[]> {
  const manifest = join(world, 'manifests-secret-dir', 'ws.yaml');
  mkdirSync(join(world, 'manifests-secret-dir'), { recursive: true });
  writeFileSync(manifest, `apiVersion: nexus.dev/v1alpha1\nkind: Workspace\nmetadata:\n  name: ${SECRET_NAME}\nspec:\n  backend: mock\n  image: busybox\n  env:\n    TOKEN: ${SECRET_ENV}\n`);
  const codes: Array<number | null> = [];
  for (const args of [
    ['get', 'ws', SECRET_NAME],
    ['token', 'create', '--name', SECRET_TOKEN_NAME, '--scope', 'fs:read'],
    ['apply', '-f', manifest, '--dry-run'],
    ['nosuchcommand', SECRET_ENV],
  ]) {
    codes.push((await runBoulder(['--state-dir', stateDir, ...args], { env })).code);
  }
  expect(codes[0]).toBe(4);
  expect(codes[1]).toBe(0);
  return [SECRET_ENV, SECRET_NAME, SECRET_TOKEN_NAME, manifest, 'manifests-secret-dir', world, stateDir, String(env['HOME'])];
}

describe('friction collection (boulder telemetry)', () => {
  it('records nothing by default, nor under DO_NOT_TRACK=1 or NEXUS_TELEMETRY=0', async () => {
    for (const [dir, telemetry, extra] of [
      ['default', undefined, {}],
      ['dnt', '    enabled: true\n    share_friction_data: true\n', { DO_NOT_TRACK: '1' }],
      ['nexus0', '    enabled: true\n', { NEXUS_TELEMETRY: '0' }],
    ] as const) {
      const { env, stateDir } = setup(dir, telemetry, extra);
      await workload(env, stateDir);
      expect(existsSync(join(stateDir, 'telemetry')), dir).toBe(false);
      const status = await runBoulder(['--state-dir', stateDir, 'telemetry', 'status'], { env });
      expect(status.stdout).toContain('friction collection: off');
    }
  }, 120_000);

  it('enabled: one event per command, 0600, no secret, path, name or argument; export sends shared events only with --to; purge', async () => {
    const { env, stateDir } = setup('on', '    enabled: true\n    share_friction_data: true\n');
    const forbidden = await workload(env, stateDir);
    const file = join(stateDir, 'telemetry', 'events.jsonl');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const text = readFileSync(file, 'utf8');
    const events = text.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(events.map((e) => e['command'])).toEqual(['get', 'token', 'apply']);
    expect(events[0]).toMatchObject({ kind: 'command', exit_code: 4, shared: true });
    for (const event of events) expect(Object.keys(event).every((k) => ['v', 'ts', 'kind', 'command', 'duration_ms', 'exit_code', 'error_code', 'backend', 'boulder_version', 'shared'].includes(k))).toBe(true);
    for (const secret of forbidden) expect(text, secret).not.toContain(secret);
    expect(text).not.toContain('fs:read');
    expect(text).not.toContain('--');

    // Nothing leaves without --to.
    const local = await runBoulder(['--state-dir', stateDir, 'telemetry', 'export'], { env });
    expect(local.code).toBe(0);
    expect((JSON.parse(local.stdout) as { events: unknown[] }).events).toHaveLength(3);
    expect(received).toHaveLength(0);
    const sent = await runBoulder(['--state-dir', stateDir, 'telemetry', 'export', '--to', `http://127.0.0.1:${port}/friction`], { env });
    expect(sent.code, sent.stderr).toBe(0);
    expect(received).toHaveLength(1);
    for (const secret of forbidden) expect(received[0], secret).not.toContain(secret);
    expect((JSON.parse(received[0] as string) as { events: unknown[] }).events).toHaveLength(3);

    expect((await runBoulder(['--state-dir', stateDir, 'telemetry', 'purge'], { env })).code).toBe(0);
    expect(existsSync(file)).toBe(false);
  }, 120_000);

  it('enabled without share_friction_data: events are recorded but export has none to send', async () => {
    const { env, stateDir } = setup('noshare', '    enabled: true\n');
    await runBoulder(['--state-dir', stateDir, 'get', 'ws'], { env });
    const show = await runBoulder(['--state-dir', stateDir, 'telemetry', 'show'], { env });
    expect(show.stdout).toContain('"shared":false');
    const before = received.length;
    const sent = await runBoulder(['--state-dir', stateDir, 'telemetry', 'export', '--to', `http://127.0.0.1:${port}/friction`], { env });
    expect(sent.code).toBe(0);
    expect(sent.stderr).toContain('nothing sent');
    expect(received.length).toBe(before);
  }, 60_000);
});
