/**
 * The daemon's side of the control op `apply` against a real embedded store, compared with the
 * CLI's own path (`apply --no-daemon`) run on the same input in another state dir: the same text
 * on the same stream, the same exit code, and nothing written when the input is invalid or the
 * client went away.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ResourceClient } from '../../apis/client/types.ts';
import { parseCommandArgs } from '../args.ts';
import apply from '../commands/apply.ts';
import type { ApplyDaemonRequest } from '../daemon/apply-request.ts';
import { reportError } from '../report-error.ts';
import { createTestDeps, TextBuffer, type TestDeps } from '../test-support.ts';
import { applyForClient } from './serve.ts';

const manifest = (name: string, extra = ''): string =>
  `apiVersion: nexus.dev/v1alpha1\nkind: Workspace\nmetadata:\n  name: ${name}\n${extra}spec:\n  backend: mock\n  image: node:24\n`;

interface Printed {
  code: number;
  out: string;
  err: string;
}

let here: TestDeps;
let there: TestDeps;
beforeEach(async () => {
  [here, there] = await Promise.all([createTestDeps(), createTestDeps()]);
});
afterEach(async () => {
  await Promise.all([here.cleanup(), there.cleanup()]);
});

/** `boulder apply ARGS --no-daemon` in `here`, with m.yaml holding `text`; a thrown error printed as main prints it. */
async function applyHere(text: string, args: string[] = []): Promise<Printed> {
  await writeFile(join(here.cwd, 'm.yaml'), text);
  here.out.text = '';
  here.err.text = '';
  let code: number;
  try {
    code = await apply.run(here, parseCommandArgs('apply', apply.options, ['-f', 'm.yaml', '--no-daemon', ...args]));
  } catch (err) {
    code = reportError(err, here.err);
  }
  return { code, out: here.out.text, err: here.err.text };
}

/** The same apply asked of the daemon's op in `there`. */
async function applyThere(text: string, fields: Partial<ApplyDaemonRequest> = {}, options: { signal?: AbortSignal; started?: Promise<ResourceClient>; onOut?: () => void } = {}): Promise<Printed> {
  const client = await there.openClient();
  const out = new TextBuffer();
  const err = new TextBuffer();
  try {
    const request: ApplyDaemonRequest = { op: 'apply', sources: [{ name: 'm.yaml', text }], cwd: there.cwd, dryRun: false, tty: false, ...fields };
    const answer = await applyForClient(options.started ?? Promise.resolve(client), request, options.signal ?? new AbortController().signal, (event) => {
      if ('out' in event) {
        out.write(event.out);
        options.onOut?.();
      } else err.write(event.err);
    });
    return { code: answer.apply.exitCode, out: out.text, err: err.text };
  } finally {
    await client.close();
  }
}

async function storedNames(deps: TestDeps): Promise<string[]> {
  const client = await deps.openClient();
  try {
    return (await client.list('Workspace')).items.map((o) => `${o.metadata.namespace}/${o.metadata.name}`);
  } finally {
    await client.close();
  }
}

describe('the daemon apply op prints what the CLI prints', () => {
  it('created, unchanged, configured; -o name; --dry-run', async () => {
    const steps: [string, string[], Partial<ApplyDaemonRequest>][] = [
      [manifest('a'), [], {}],
      [manifest('a'), [], {}],
      [manifest('a', '  labels:\n    x: y\n'), [], {}],
      [`${manifest('a')}---\n${manifest('b')}`, ['-o', 'name'], { output: 'name' }],
      [manifest('c'), ['--dry-run'], { dryRun: true }],
    ];
    for (const [text, args, fields] of steps) {
      const local = await applyHere(text, args);
      expect(local.code).toBe(0);
      expect(await applyThere(text, fields)).toEqual(local);
    }
    expect(await storedNames(there)).toEqual(await storedNames(here));
    expect(await storedNames(there)).toEqual(['default/a', 'default/b']);
  });

  it('-o yaml and json print the stored objects (one as itself, several as a List)', async () => {
    const strip = (text: string): string => text.replace(/(uid|creationTimestamp|resourceVersion)(": "|: ).*/g, '$1$2X');
    for (const output of ['yaml', 'json'] as const) {
      const text = `${manifest(`${output}-1`)}---\n${manifest(`${output}-2`)}`;
      const local = await applyHere(text, ['-o', output]);
      const remote = await applyThere(text, { output });
      expect({ ...remote, out: strip(remote.out) }).toEqual({ ...local, out: strip(local.out) });
      expect(local.out).toContain(`${output}-2`);
    }
  });

  it('an invalid document: every problem as file:line:col, exit 3, nothing written', async () => {
    const text = `${manifest('ok')}---\n${manifest('Bad_Name')}`;
    const local = await applyHere(text);
    expect(local).toMatchObject({ code: 3, out: '' });
    expect(local.err).toMatch(/^error: m\.yaml:\d+:\d+ \(document 2\): metadata\.name: .+\nerror: nothing was applied: 1 problem found\n$/);
    expect(await applyThere(text)).toEqual(local);
    expect(await storedNames(there)).toEqual([]);
  });

  it('a namespace contradicting -n: the usage error, exit 2, nothing written; -n and the context namespace place the rest', async () => {
    const text = manifest('a', '  namespace: other\n');
    const local = await applyHere(text, ['-n', 'dev']);
    expect(local.code).toBe(2);
    expect(await applyThere(text, { namespace: 'dev' })).toEqual(local);
    expect(await storedNames(there)).toEqual([]);
    expect(await applyThere(manifest('b'), { namespace: 'dev' })).toMatchObject({ code: 0 });
    expect(await applyThere(manifest('c'), { contextNamespace: 'ctx' })).toMatchObject({ code: 0 });
    expect(await storedNames(there)).toEqual(['ctx/c', 'dev/b']);
  });

  it('resolves a relative repository path against the manifest\'s directory under the CLI\'s cwd, opening nothing', async () => {
    const text = `apiVersion: nexus.dev/v1alpha1\nkind: Workspace\nmetadata:\n  name: r\nspec:\n  backend: mock\n  image: node:24\n  repository:\n    path: ../repo\n`;
    expect(await applyThere(text, { cwd: '/no/such/dir', sources: [{ name: 'sub/ws.yaml', text }] })).toMatchObject({ code: 0 });
    const client = await there.openClient();
    const ws = await client.get('Workspace', 'default', 'r').finally(() => client.close());
    expect((ws.spec as { repository: { path: string } }).repository.path).toBe('/no/such/dir/repo');
  });
});

describe('the daemon apply op draws the CLI\'s terminal view', () => {
  it('--wait on a terminal: the live block (redrawn in place) and the final lines, as the CLI draws them', async () => {
    Object.assign(here.err, { isTTY: true, columns: 60 });
    const local = await applyHere(manifest('a'), ['--wait', '--timeout', '0s']);
    // The CLI's own wait also says when no daemon runs (none does here; on the daemon's path one always does).
    const withoutHint = { ...local, err: local.err.replace(/^warning: no boulder daemon is running.*\n/m, '') };
    const remote = await applyThere(manifest('a'), { waitTimeoutMs: 0, tty: true, columns: 60 });
    const seconds = (p: Printed): Printed => ({ ...p, err: p.err.replace(/\d+\.\ds/g, 'N.Ns') });
    expect(seconds(remote)).toEqual(seconds(withoutHint));
    expect(remote.code).toBe(6);
    expect(remote.err).toContain('\x1b[');
  });
});

describe('the daemon apply op and a client that goes away', () => {
  it('applies nothing when the client left while the daemon was still starting', async () => {
    const gone = new AbortController();
    let serve: (client: ResourceClient) => void = () => undefined;
    const started = new Promise<ResourceClient>((resolve) => (serve = resolve));
    const answer = applyThere(manifest('a'), {}, { signal: gone.signal, started });
    await new Promise((resolve) => setTimeout(resolve, 50));
    gone.abort();
    serve(new Proxy({}, { get: (_, key) => (key === 'then' ? undefined : () => Promise.reject(new Error('the store was used'))) }) as ResourceClient);
    expect(await answer).toEqual({ code: 130, out: '', err: '' });
    expect(await storedNames(there)).toEqual([]);
  });

  it('stops writing before the next object once the client is gone, having written only what it was told', async () => {
    const gone = new AbortController();
    const text = `${manifest('a')}---\n${manifest('b')}---\n${manifest('c')}`;
    const result = await applyThere(text, {}, { signal: gone.signal, onOut: () => gone.abort() });
    expect(result).toEqual({ code: 130, out: 'workspace.nexus.dev/a created\n', err: '' });
    expect(await storedNames(there)).toEqual(['default/a']);
  });
});
