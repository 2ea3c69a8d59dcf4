import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../apis/meta.ts';
import { parseCommandArgs } from '../args.ts';
import { UsageError } from '../cli-error.ts';
import { createTestDeps, type TestDeps } from '../test-support.ts';
import apply, { placeInNamespace } from './apply.ts';

const manifest = (name: string, extra = ''): string =>
  `apiVersion: nexus.dev/v1alpha1\nkind: Workspace\nmetadata:\n  name: ${name}\n${extra}spec:\n  backend: mock\n  image: node:24\n`;

describe('placeInNamespace', () => {
  const obj = (namespace?: string): KubeObject => ({ apiVersion: 'nexus.dev/v1alpha1', kind: 'Workspace', metadata: { name: 'a', namespace } });

  it('moves objects without a namespace (defaulted) into the flag namespace', () => {
    expect(placeInNamespace([obj('default')], 'dev')[0]?.metadata.namespace).toBe('dev');
    expect(placeInNamespace([obj('dev')], 'dev')[0]?.metadata.namespace).toBe('dev');
    expect(placeInNamespace([obj('other')], undefined)[0]?.metadata.namespace).toBe('other');
  });

  it('refuses a manifest namespace that contradicts the flag', () => {
    expect(() => placeInNamespace([obj('other')], 'dev')).toThrow(UsageError);
  });
});

describe('apply', () => {
  let deps: TestDeps;
  const run = (...args: string[]): Promise<number> => apply.run(deps, parseCommandArgs('apply', apply.options, args));

  beforeEach(async () => {
    deps = await createTestDeps({ stdin: manifest('from-stdin') });
  });
  afterEach(() => deps.cleanup());

  it('creates, then reports unchanged and configured', async () => {
    await writeFile(join(deps.cwd, 'a.yaml'), manifest('a'));
    expect(await run('-f', 'a.yaml', '--no-daemon')).toBe(0);
    expect(await run('-f', 'a.yaml', '--no-daemon')).toBe(0);
    await writeFile(join(deps.cwd, 'a.yaml'), manifest('a', '  labels:\n    x: y\n'));
    expect(await run('-f', 'a.yaml', '--no-daemon')).toBe(0);
    expect(deps.out.text).toBe('workspace.nexus.dev/a created\nworkspace.nexus.dev/a unchanged\nworkspace.nexus.dev/a configured\n');
  });

  it('reads stdin for -f - and honours --dry-run', async () => {
    expect(await run('-f', '-', '--dry-run')).toBe(0);
    expect(deps.out.text).toBe('workspace.nexus.dev/from-stdin created (dry run)\n');
    const client = await deps.openClient();
    expect((await client.list('Workspace')).items).toEqual([]);
    await client.close();
  });

  it('writes nothing when any document is invalid, exit 3', async () => {
    await writeFile(join(deps.cwd, 'm.yaml'), `${manifest('ok')}---\n${manifest('Bad_Name')}`);
    expect(await run('-f', 'm.yaml', '--no-daemon')).toBe(3);
    expect(deps.out.text).toBe('');
    expect(deps.err.text).toMatch(/^error: m\.yaml:\d+:\d+ \(document 2\): metadata\.name: .+\nerror: nothing was applied: 1 problem found\n$/);
    const client = await deps.openClient();
    expect((await client.list('Workspace')).items).toEqual([]);
    await client.close();
  });

  it('prints the applied objects with -o json (one as itself, several as a List)', async () => {
    await writeFile(join(deps.cwd, 'two.yaml'), `${manifest('a')}---\n${manifest('b')}`);
    expect(await run('-f', 'two.yaml', '--no-daemon', '-o', 'json')).toBe(0);
    const list = JSON.parse(deps.out.text) as { kind: string; items: KubeObject[] };
    expect(list.kind).toBe('List');
    expect(list.items.map((o) => [o.metadata.name, typeof o.metadata.uid])).toEqual([
      ['a', 'string'],
      ['b', 'string'],
    ]);
    deps.out.text = '';
    expect(await run('-f', 'two.yaml', '--no-daemon', '-o', 'name')).toBe(0);
    expect(deps.out.text).toBe('workspace.nexus.dev/a\nworkspace.nexus.dev/b\n');
  });

  it('requires -f', async () => {
    await expect(run()).rejects.toThrow('must specify -f');
  });
});
