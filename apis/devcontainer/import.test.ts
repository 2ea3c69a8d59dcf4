import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseConfigText } from '../config/read-file.ts';
import { formatImportedConfig, formatUnmapped, importDevcontainer, parseJsonc } from './index.ts';

const FIXTURES = fileURLToPath(new URL('../../test/fixtures/devcontainer/', import.meta.url));
const fixtures = readdirSync(FIXTURES, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();
const where = { file: '/repo/.devcontainer/devcontainer.json', repoRoot: '/repo' };
const read = (name: string, file: string): string => readFileSync(join(FIXTURES, name, file), 'utf8');

describe('importDevcontainer fixtures (test/fixtures/devcontainer/<name>)', () => {
  it('has at least six real-world shapes', () => expect(fixtures.length).toBeGreaterThanOrEqual(6));

  it.each(fixtures)('%s: expected.yaml and expected-unmapped.txt', (name) => {
    const result = importDevcontainer(parseJsonc(read(name, 'devcontainer.json'), `${name}/devcontainer.json`), where);
    const expected = parse(read(name, 'expected.yaml')) as unknown;
    expect(result.config).toEqual(expected);
    // Same key order too: the written file reads in the schema's order.
    expect(JSON.stringify(result.config)).toBe(JSON.stringify(expected));
    expect(formatUnmapped(result)).toBe(read(name, 'expected-unmapped.txt'));
  });

  it.each(fixtures)('%s: the formatted configuration is a valid project file holding the same settings', (name) => {
    const result = importDevcontainer(parseJsonc(read(name, 'devcontainer.json'), name), where);
    const text = formatImportedConfig(result, { source: '.devcontainer/devcontainer.json', schemaPath: '/pkg/schemas/config-project.schema.json' });
    expect(text.split('\n')[0]).toBe('# yaml-language-server: $schema=/pkg/schemas/config-project.schema.json');
    const parsed = parseConfigText(text, 'project', '/repo/.nexus/config.yaml', '.nexus/config.yaml');
    expect(parsed.issues).toEqual([]);
    expect(parsed.file?.data).toEqual(result.config);
    for (const item of result.unmapped) expect(text).toContain(`#   ${item.key}: `);
  });
});

describe('importDevcontainer details', () => {
  const run = (doc: unknown, at = where): ReturnType<typeof importDevcontainer> => importDevcontainer(doc, at);

  it('resolves build paths from the devcontainer.json folder to the repository', () => {
    const atRoot = { file: '/repo/.devcontainer.json', repoRoot: '/repo' };
    expect(run({ build: { dockerfile: 'docker/Dockerfile.dev' } }, atRoot).config).toEqual({ workspace: { build: { context: '.', dockerfile: 'docker/Dockerfile.dev' } } });
    const nested = { file: '/repo/.devcontainer/py/devcontainer.json', repoRoot: '/repo' };
    expect(run({ build: { dockerfile: '../../Dockerfile', context: '../..' } }, nested).config).toEqual({ workspace: { build: { context: '.', dockerfile: 'Dockerfile' } } });
    expect(run({ build: { dockerfile: 'Dockerfile', context: '../..' } }).unmapped).toEqual([{ key: 'build.context', reason: expect.stringContaining('outside the repository') as unknown }]);
    expect(run({ build: { dockerfile: '../Dockerfile' } }).unmapped).toEqual([{ key: 'build.dockerfile', reason: expect.stringContaining('outside the build context') as unknown }]);
    expect(run({ image: 'x', build: { dockerfile: 'Dockerfile' } })).toEqual({ config: { workspace: { image: 'x' } }, unmapped: [{ key: 'build', reason: 'image is set too; the image is used' }] });
    expect(run({ build: { args: { A: '1' } } }).unmapped[0]?.key).toBe('build');
  });

  it('turns the three command forms into shell scripts', () => {
    expect(run({ postCreateCommand: ['echo', "it's", 'a b', '$HOME'] }).config.scripts).toEqual({ pre_start: `echo 'it'\\''s' 'a b' '$HOME'` });
    expect(run({ postStartCommand: { only: 'npm start' } }).config.scripts).toEqual({ post_start: 'npm start' });
    expect(run({ postStartCommand: 42 }).unmapped).toEqual([{ key: 'postStartCommand', reason: 'must be a string or a non-empty array of strings' }]);
    expect(run({ postCreateCommand: 'cp ${localWorkspaceFolder}/x .' }).unmapped[0]?.reason).toContain('uses ${localWorkspaceFolder}');
  });

  it('maps env, secrets and resources from runArgs, containerEnv and remoteEnv (remoteEnv wins, then containerEnv, then runArgs)', () => {
    const result = run({
      runArgs: ['-e', 'A=run', '--memory=512m', '-m', '1.5g', '--cpus', '0.5', '--init', '-e', 'TOKEN', '--cpus', 'lots'],
      containerEnv: { A: 'container', B: '${localEnv:B_SOURCE}', 'BAD-NAME': 'x', N: 3 },
      remoteEnv: { B: 'plain' },
    });
    expect(result.config).toEqual({ env: { A: 'container', N: '3', B: 'plain' }, resources: { cpu: '0.5', memory: '1.5Gi' }, secrets: { TOKEN: 'env:TOKEN' } });
    expect(result.unmapped.map((i) => i.key)).toEqual(['runArgs[7] (--init)', 'runArgs[10] (--cpus lots)', 'containerEnv.BAD-NAME']);
  });

  it('keeps the worktree mount and lists any other', () => {
    expect(run({ image: 'i', workspaceMount: 'type=bind,src=${localWorkspaceFolder},dst=${containerWorkspaceFolder}', workspaceFolder: '${containerWorkspaceFolder}' }).unmapped).toEqual([]);
    expect(run({ image: 'i', mounts: ['type=tmpfs,target=/tmp', 42] }).unmapped.map((i) => i.key)).toEqual(['mounts[0] (type=tmpfs, target=/tmp)', 'mounts[1]']);
  });

  it('names ports uniquely and within 15 characters', () => {
    const result = run({ forwardPorts: [3000, 3001, 5432], portsAttributes: { '3000': { label: 'App' }, '3001': { label: 'App' }, '5432': { label: '!!!' } } });
    expect(result.config.ports).toEqual({ app: { port: 3000 }, 'app-3001': { port: 3001 }, 'port-5432': { port: 5432 } });
    expect(run({ forwardPorts: ['nope', 70000] }).unmapped.map((i) => i.key)).toEqual(['forwardPorts[0]', 'forwardPorts[1]']);
  });

  it('rejects a document that is not an object', () => {
    expect(run([1])).toEqual({ config: {}, unmapped: [{ key: '(document)', reason: 'must be a JSON object' }] });
  });
});
