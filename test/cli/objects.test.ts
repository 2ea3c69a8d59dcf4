/**
 * Black-box tests of `boulder` object commands: the real bin/boulder.js in child processes against
 * a temporary state dir, without a daemon.
 */
import { execFileSync } from 'node:child_process';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES, ROOT, ensureBuilt, runBoulder, startBoulder, tempStateDir, type RunResult } from './harness.ts';

let stateDir: string;
const boulder = (...args: string[]): Promise<RunResult> => runBoulder(['--state-dir', stateDir, ...args]);
const fixture = (name: string): string => join(FIXTURES, name);

beforeAll(async () => {
  await ensureBuilt();
  stateDir = await tempStateDir();
});
afterAll(async () => {
  await rm(stateDir, { recursive: true, force: true });
});

describe('boulder --version', () => {
  it('prints the package version', async () => {
    const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    for (const args of [['--version'], ['version']]) {
      const r = await runBoulder(args);
      expect(r).toMatchObject({ code: 0, stdout: `boulder v${pkg.version}\n`, stderr: '' });
    }
  });

  it('loads no command module, store or library on the fast path', async () => {
    // A resolve hook prints every module the process loads.
    const hook = `import { registerHooks } from 'node:module'; registerHooks({ resolve(s, c, next) { const r = next(s, c); process.stderr.write('LOADED ' + r.url + '\\n'); return r; } });`;
    const r = await runBoulder(['--version'], { nodeArgs: ['--import', `data:text/javascript,${encodeURIComponent(hook)}`] });
    expect(r.code).toBe(0);
    const loaded = r.stderr.split('\n').filter((l) => l.startsWith('LOADED ')).map((l) => l.slice(7)).filter((u) => !u.startsWith('node:'));
    const root = pathToFileURL(ROOT).href;
    expect(loaded.map((u) => u.replace(root, '').replace(/-[\w-]{8}\.js$/, '.js'))).toEqual(['bin/boulder.js', 'dist/cli/main.js', 'dist/cli/package-root.js', 'dist/cli/rolldown-runtime.js']);
  });

  it('runs apply from the bundle: no package but ajv from node_modules, a few dozen chunks', async () => {
    const hook = `import { registerHooks } from 'node:module'; registerHooks({ resolve(s, c, next) { const r = next(s, c); process.stderr.write('LOADED ' + r.url + '\\n'); return r; } });`;
    const r = await runBoulder(['--state-dir', stateDir, 'apply', '-f', fixture('multi.yaml'), '--dry-run'], { nodeArgs: ['--import', `data:text/javascript,${encodeURIComponent(hook)}`] });
    expect(r.code).toBe(0);
    const loaded = new Set(r.stderr.split('\n').filter((l) => l.startsWith('LOADED ')).map((l) => l.slice(7).replace(pathToFileURL(ROOT).href, '')));
    const packages = new Set([...loaded].filter((u) => u.startsWith('node_modules/')).map((u) => u.split('/')[1]));
    // yaml is bundled; dockerode, the Kubernetes client, pino, ws stay unloaded.
    expect([...packages].sort()).toEqual(['ajv', 'ajv-formats']);
    const chunks = [...loaded].filter((u) => u.startsWith('dist/cli/'));
    expect(chunks.length).toBeGreaterThan(5);
    expect(chunks.length).toBeLessThan(80);
  });

  it('loads dockerode for exec without its BuildKit session (gRPC, protobufjs)', async () => {
    const dir = await tempStateDir();
    try {
      const manifest = join(dir, 'ws.yaml');
      await writeFile(manifest, 'apiVersion: nexus.dev/v1alpha1\nkind: Workspace\nmetadata: {name: lazy}\nspec: {backend: docker, image: busybox}\n');
      expect((await runBoulder(['--state-dir', dir, 'apply', '-f', manifest, '--no-daemon'])).code).toBe(0);
      const hook = `import { registerHooks } from 'node:module'; registerHooks({ resolve(s, c, next) { const r = next(s, c); process.stderr.write('LOADED ' + r.url + '\\n'); return r; } });`;
      // No container exists, so exec refuses after it reaches the Docker provider.
      const r = await runBoulder(['--state-dir', dir, 'exec', 'lazy', '--', 'true'], { nodeArgs: ['--import', `data:text/javascript,${encodeURIComponent(hook)}`] });
      expect(r.code).not.toBe(0);
      const packages = new Set(r.stderr.split('\n').filter((l) => l.includes('/node_modules/')).map((l) => l.slice(l.lastIndexOf('/node_modules/') + 14).split('/')[0]));
      expect(packages).toContain('dockerode');
      expect([...packages].filter((p) => p === '@grpc' || p === 'protobufjs')).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('starts fast (median of 5 runs well under a second even on a loaded CI machine)', async () => {
    const times: number[] = [];
    for (let i = 0; i < 5; i++) times.push((await runBoulder(['--version'])).ms);
    times.sort((a, b) => a - b);
    expect(times[2]).toBeLessThan(500);
  });
});

describe('apply → get → describe → delete', () => {
  it('applies a multi-document file and reports each object', async () => {
    const r = await boulder('apply', '-f', fixture('multi.yaml'), '--no-daemon');
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toBe('workspace.nexus.dev/alpha created\nportbinding.nexus.dev/alpha-web created\nsyncsession.nexus.dev/alpha-files created\n');
    const again = await boulder('apply', '-f', fixture('multi.yaml'), '--no-daemon');
    expect(again.stdout).toBe('workspace.nexus.dev/alpha unchanged\nportbinding.nexus.dev/alpha-web unchanged\nsyncsession.nexus.dev/alpha-files unchanged\n');
  });

  it('applies from stdin', async () => {
    const text = await readFile(fixture('workspace.yaml'), 'utf8');
    const r = await runBoulder(['--state-dir', stateDir, 'apply', '-f', '-', '--no-daemon'], { stdin: text });
    expect(r).toMatchObject({ code: 0, stdout: 'workspace.nexus.dev/demo created\n' });
  });

  it('gets a table, a wide table, and per-kind columns', async () => {
    const table = await boulder('get', 'ws');
    expect(table.code).toBe(0);
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^NAME +PHASE +BACKEND +BRANCH +STATE +PORTS +READY +AGE$/);
    expect(lines.slice(1).map((l) => l.split(/ +/).slice(0, 5))).toEqual([
      ['alpha', '<none>', 'mock', '<none>', 'Running'],
      ['demo', '<none>', 'mock', '<none>', 'Running'],
    ]);
    const wide = await boulder('get', 'workspaces', 'demo', '-o', 'wide');
    expect(wide.stdout.split('\n')[0]).toMatch(/ CONTAINER-PORTS +IMAGE$/);
    expect(wide.stdout.split('\n')[1]).toMatch(/ web:3000 +node:24-bookworm$/);
    const pb = await boulder('get', 'pb');
    expect(pb.stdout).toMatch(/^NAME +WORKSPACE +CONTAINER +HOST +PHASE +READY +AGE\nalpha-web +alpha +8080 +<none> /);
    const ss = await boulder('get', 'syncsession');
    expect(ss.stdout).toMatch(/^NAME +WORKSPACE +MODE +PHASE +READY +AGE\nalpha-files +alpha +two-way-safe /);
  });

  it('gets YAML and JSON: one object as itself, a list as a List', async () => {
    const yaml = await boulder('get', 'ws', 'alpha', '-o', 'yaml');
    const obj = parse(yaml.stdout) as { kind: string; metadata: { name: string; uid: string; labels: Record<string, string> }; spec: { repository?: unknown; backend: string } };
    expect(obj.kind).toBe('Workspace');
    expect(obj.metadata).toMatchObject({ name: 'alpha', labels: { team: 'api' } });
    expect(obj.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    const json = JSON.parse((await boulder('get', 'ws', '-o', 'json')).stdout) as { kind: string; items: { metadata: { name: string } }[] };
    expect(json.kind).toBe('List');
    expect(json.items.map((i) => i.metadata.name)).toEqual(['alpha', 'demo']);
    const names = await boulder('get', 'ws', '-o', 'name');
    expect(names.stdout).toBe('workspace.nexus.dev/alpha\nworkspace.nexus.dev/demo\n');
  });

  it('selects by label and across namespaces', async () => {
    expect((await boulder('get', 'ws', '-l', 'team=web', '-o', 'name')).stdout).toBe('workspace.nexus.dev/demo\n');
    expect((await boulder('apply', '-f', fixture('workspace.yaml'), '-n', 'other', '--no-daemon')).code).toBe(0);
    const all = await boulder('get', 'ws', '-A');
    expect(all.stdout.trimEnd().split('\n').map((l) => l.split(/ +/).slice(0, 2).join(' '))).toEqual([
      'NAMESPACE NAME',
      'default alpha',
      'default demo',
      'other demo',
    ]);
    const empty = await boulder('get', 'ws', '-n', 'nowhere');
    expect(empty).toMatchObject({ code: 0, stdout: '', stderr: 'No resources found in nowhere namespace.\n' });
  });

  it('describes an object with its conditions and owned objects sections', async () => {
    const r = await boulder('describe', 'ws', 'alpha');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Name: +alpha\nNamespace: +default\nLabels: +team=api\n/);
    expect(r.stdout).toContain('\nSpec:\n  backend: mock\n');
    expect(r.stdout).toMatch(/\nConditions: +<none>\n/);
    expect(r.stdout).toMatch(/\nOwned Objects: +<none>\n/);
  });

  it('deletes, then reports NotFound with exit 4', async () => {
    const del = await boulder('delete', 'ws', 'alpha');
    expect(del).toMatchObject({ code: 0, stdout: 'workspace.nexus.dev "alpha" deleted\n' });
    const get = await boulder('get', 'ws', 'alpha');
    expect(get).toMatchObject({ code: 4, stdout: '', stderr: 'Error from server (NotFound): workspaces.nexus.dev "alpha" not found\n' });
    expect((await boulder('describe', 'ws/alpha')).code).toBe(4);
    const again = await boulder('delete', 'workspace/alpha');
    expect(again.code).toBe(4);
    expect((await boulder('delete', 'ws', 'alpha', '--ignore-not-found')).code).toBe(0);
  });

  it('deletes the objects of a manifest with -f', async () => {
    const r = await boulder('delete', '-f', fixture('multi.yaml'), '--ignore-not-found');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('portbinding.nexus.dev "alpha-web" deleted\nsyncsession.nexus.dev "alpha-files" deleted\n');
  });
});

describe('invalid input', () => {
  it('writes nothing when one document of a multi-document file is invalid, naming file:line:col', async () => {
    const dir = await tempStateDir();
    try {
      const r = await runBoulder(['--state-dir', dir, 'apply', '-f', 'test/cli/fixtures/multi-one-invalid.yaml', '--no-daemon']);
      expect(r.code).toBe(3);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/^error: test\/cli\/fixtures\/multi-one-invalid\.yaml:18:\d+ \(document 2\): spec\.ports\.web\.containerPort: must be an integer\n/);
      expect(r.stderr.endsWith('error: nothing was applied: 1 problem found\n')).toBe(true);
      const get = await runBoulder(['--state-dir', dir, 'get', 'ws']);
      expect(get).toMatchObject({ code: 0, stdout: '', stderr: 'No resources found in default namespace.\n' });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it.each([
    [['frobnicate'], 2, 'error: unknown command "frobnicate" for "boulder"'],
    [['get', 'pods'], 2, 'error: the server doesn\'t have a resource type "pods"'],
    [['get', 'ws', '-o', 'xml'], 2, 'error: invalid value "xml" for --output'],
    [['apply', '-f', 'no/such/file.yaml'], 3, 'error: no/such/file.yaml: no such file or directory'],
    [['wait', 'ws', 'x', '--for', 'condition=Ready', '--timeout', 'soon'], 2, 'error: invalid duration "soon"'],
  ])('%j exits %i', async (args, code, message) => {
    const r = await boulder(...args);
    expect(r.code).toBe(code);
    expect(r.stdout).toBe('');
    expect(r.stderr.startsWith(message)).toBe(true);
  });
});

describe('wait', () => {
  it('returns once the object is deleted (through the watch)', async () => {
    await boulder('apply', '-f', fixture('workspace.yaml'), '-n', 'waits', '--no-daemon');
    const waiting = startBoulder(['--state-dir', stateDir, 'wait', 'ws/demo', '-n', 'waits', '--for=delete', '--timeout=20s']);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(waiting.child.exitCode).toBeNull();
    const deletedAt = Date.now();
    expect((await boulder('delete', 'ws', 'demo', '-n', 'waits')).code).toBe(0);
    expect(await waiting.exited).toBe(0);
    expect(Date.now() - deletedAt).toBeLessThan(5000);
    expect(waiting.stdout()).toBe('workspace.nexus.dev/demo deleted\n');
  });

  it('times out with exit 6 when the condition is never met', async () => {
    await boulder('apply', '-f', fixture('workspace.yaml'), '--no-daemon');
    const r = await boulder('wait', 'ws', 'demo', '--for=condition=Ready', '--timeout=1s');
    expect(r.code).toBe(6);
    // No daemon runs for this state dir (--no-daemon): the wait says so first.
    expect(r.stderr).toBe(
      `warning: no boulder daemon is running for ${stateDir}, so nothing will act on this; start one with \`boulder daemon\`, or converge once with \`boulder reconcile --once\`\n` +
        'error: timed out waiting for condition=Ready on workspaces/demo\n',
    );
    expect(r.ms).toBeGreaterThanOrEqual(1000);
  });

  it('fails with exit 4 for an object that does not exist', async () => {
    const r = await boulder('wait', 'ws', 'ghost', '--for=condition=Ready', '--timeout=5s');
    expect(r).toMatchObject({ code: 4, stderr: 'Error from server (NotFound): workspaces.nexus.dev "ghost" not found\n' });
  });
});

describe('get --watch', () => {
  it('prints the list, then a row per change, and ends cleanly on SIGINT', async () => {
    const watch = startBoulder(['--state-dir', stateDir, 'get', 'ws', '-n', 'watched', '--watch']);
    await watch.until((_out, err) => err.includes('No resources found'));
    await boulder('apply', '-f', fixture('workspace.yaml'), '-n', 'watched', '--no-daemon');
    await watch.until((out) => /\ndemo +<none> +mock/.test(out));
    expect(watch.stdout().split('\n')[0]).toMatch(/^NAME +PHASE/);
    watch.child.kill('SIGINT');
    expect(await watch.exited).toBe(0);
  });
});

describe('explain and completion', () => {
  it('explains workspace.spec.ports', async () => {
    const r = await boulder('explain', 'workspace.spec.ports');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^KIND: +Workspace\nVERSION: +nexus\.dev\/v1alpha1\n\nFIELD: ports <map\[string\]Object>\n/);
    expect(r.stdout).toContain('containerPort\t<integer> -required-');
  });

  it('prints a bash completion script that bash parses', async () => {
    const r = await runBoulder(['completion', 'bash']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('complete -F _boulder boulder');
    execFileSync('bash', ['-n'], { input: r.stdout });
  });
});
