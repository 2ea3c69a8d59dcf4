// loadManifests against real temporary directories: files, directories (flat and -R), stdin,
// path naming, and all-or-nothing validation.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BoulderError, ValidationError, formatFieldIssue } from '../errors.ts';
import { loadManifests } from './load.ts';

const workspace = (name: string): string =>
  `apiVersion: nexus.dev/v1alpha1\nkind: Workspace\nmetadata:\n  name: ${name}\nspec:\n  image: node:24\n`;
const portBinding = (name: string, port: string): string =>
  `apiVersion: nexus.dev/v1alpha1\nkind: PortBinding\nmetadata:\n  name: ${name}\nspec:\n  workspace: api\n  containerPort: ${port}\n`;

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'boulder-load-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function write(relative: string, text: string): Promise<void> {
  await mkdir(join(dir, relative, '..'), { recursive: true });
  await writeFile(join(dir, relative), text);
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected a failure');
}

const names = (loaded: { object: { metadata: { name: string } } }[]): string[] => loaded.map((m) => m.object.metadata.name);

describe('loadManifests', () => {
  it('loads every document of a file, defaulted, with file and document index', async () => {
    await write('all.yaml', `${workspace('api')}---\n---\n${portBinding('api-web', '3000')}`);
    const loaded = await loadManifests(['all.yaml'], { cwd: dir });
    expect(loaded.map((m) => [m.file, m.documentIndex, m.object.kind])).toEqual([
      ['all.yaml', 0, 'Workspace'],
      ['all.yaml', 2, 'PortBinding'],
    ]);
    expect(loaded[0]?.object).toMatchObject({ metadata: { namespace: 'default' }, spec: { backend: 'docker', state: 'Running' } });
    expect(loaded.map((m) => m.declaredNamespace)).toEqual([undefined, undefined]);
  });

  it('tells an explicit namespace from a defaulted one', async () => {
    await write('ns.yaml', `${workspace('a')}---
${workspace('b').replace('  name: b\n', '  name: b\n  namespace: default\n')}`);
    const loaded = await loadManifests(['ns.yaml'], { cwd: dir });
    expect(loaded.map((m) => [m.object.metadata.namespace, m.declaredNamespace])).toEqual([
      ['default', undefined],
      ['default', 'default'],
    ]);
  });

  it('reads a directory: only .yaml, .yml and .json files, sorted, not subdirectories', async () => {
    await write('m/b.yml', workspace('b'));
    await write('m/a.yaml', workspace('a'));
    await write('m/c.json', JSON.stringify({ apiVersion: 'nexus.dev/v1alpha1', kind: 'Workspace', metadata: { name: 'c' }, spec: {} }));
    await write('m/README.md', 'not a manifest');
    await write('m/sub/d.yaml', workspace('d'));
    const loaded = await loadManifests(['m'], { cwd: dir });
    expect(names(loaded)).toEqual(['a', 'b', 'c']);
    expect(loaded.map((m) => m.file)).toEqual(['m/a.yaml', 'm/b.yml', 'm/c.json']);
  });

  it('descends into subdirectories with recursive, depth first in name order', async () => {
    await write('m/z.yaml', workspace('z'));
    await write('m/a/b/deep.yaml', workspace('deep'));
    await write('m/a/x.yaml', workspace('ax'));
    await write('m/b.yaml', workspace('b'));
    const loaded = await loadManifests(['m/'], { cwd: dir, recursive: true });
    expect(names(loaded)).toEqual(['deep', 'ax', 'b', 'z']);
    expect(loaded[0]?.file).toBe('m/a/b/deep.yaml');
  });

  it('reads - from stdin once however often it is named, as <stdin>', async () => {
    let reads = 0;
    const stdin = (): Promise<string> => {
      reads++;
      return Promise.resolve(`${workspace('from-stdin')}---\n${portBinding('pb', 'web')}`);
    };
    const err = await failure(loadManifests(['-', '-'], { cwd: dir, stdin }));
    expect(reads).toBe(1);
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).message).toBe('<stdin>:14:18 (document 2): spec.containerPort: must be an integer');
    const ok = await loadManifests(['-'], { cwd: dir, stdin: () => Promise.resolve(workspace('from-stdin')) });
    expect(ok.map((m) => [m.file, m.object.metadata.name])).toEqual([['<stdin>', 'from-stdin']]);
  });

  it('collects the issues of every document of every file into one ValidationError', async () => {
    await write('good.yaml', workspace('good'));
    await write('bad1.yaml', `${workspace('ok')}---\n${portBinding('pb', '"80"')}`);
    await write('bad2.yaml', workspace('Bad_Name'));
    const err = await failure(loadManifests(['good.yaml', 'bad1.yaml', 'bad2.yaml'], { cwd: dir }));
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).code).toBe('Invalid');
    expect((err as ValidationError).issues.map(formatFieldIssue)).toEqual([
      'bad1.yaml:14:18 (document 2): spec.containerPort: must be an integer',
      expect.stringMatching(/^bad2\.yaml:4:9: metadata\.name: "Bad_Name" is not a valid name: /) as string,
    ]);
  });

  it('reports a file without documents and a directory without manifests as issues', async () => {
    await write('empty.yaml', '# nothing\n');
    await mkdir(join(dir, 'nothing'));
    const err = await failure(loadManifests(['empty.yaml', 'nothing'], { cwd: dir }));
    expect((err as ValidationError).issues.map(formatFieldIssue)).toEqual([
      'empty.yaml: no objects found',
      'nothing: no .yaml, .yml or .json files',
    ]);
  });

  it('fails with BadRequest naming a missing path as given', async () => {
    await write('good.yaml', workspace('good'));
    const err = await failure(loadManifests(['good.yaml', 'missing/ws.yaml'], { cwd: dir }));
    expect(err).toBeInstanceOf(BoulderError);
    expect(err).not.toBeInstanceOf(ValidationError);
    expect((err as BoulderError).code).toBe('BadRequest');
    expect((err as BoulderError).message).toBe('missing/ws.yaml: no such file or directory');
  });

  it('resolves relative paths against cwd and keeps absolute ones as given', async () => {
    await write('ws.yaml', workspace('abs'));
    const absolute = join(dir, 'ws.yaml');
    const loaded = await loadManifests([absolute], { cwd: '/' });
    expect(loaded[0]?.file).toBe(absolute);
  });
});
