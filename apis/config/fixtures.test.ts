// Table test over test/fixtures/config/: every broken configuration file, loaded as the level its
// name says (with the companion files and variables its header names), fails with exactly the
// error lines its `# expect:` comments list, in order. All of them together report every problem.
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ValidationError, formatFieldIssue } from '../errors.ts';
import { loadEffectiveConfig } from './load.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DIR = 'test/fixtures/config';
const HOME = mkdtempSync(join(tmpdir(), 'boulder-config-home-'));
const fixtures = readdirSync(join(ROOT, DIR)).filter((f) => /^\d+-(node|user|project)-.*\.yaml$/.test(f)).sort();

function header(file: string, name: string): string[] {
  const prefix = `# ${name}: `;
  return readFileSync(join(ROOT, file), 'utf8')
    .split('\n')
    .filter((line) => line.startsWith(prefix))
    .map((line) => line.slice(prefix.length));
}

async function errorLines(files: { node?: string; user?: string; project?: string }, extraEnv: Record<string, string> = {}): Promise<string[]> {
  const env = { PATH: process.env['PATH'], NEXUS_NODE_CONFIG: files.node ?? '', NEXUS_USER_CONFIG: files.user ?? '', ...extraEnv };
  try {
    await loadEffectiveConfig({ cwd: ROOT, home: HOME, env, repoRoot: false, ...(files.project === undefined ? {} : { projectFile: files.project }) });
  } catch (err) {
    if (err instanceof ValidationError) return err.issues.map(formatFieldIssue);
    throw err;
  }
  return [];
}

function setup(name: string): { files: { node?: string; user?: string; project?: string }; env: Record<string, string> } {
  const file = `${DIR}/${name}`;
  const level = /^\d+-(node|user|project)-/.exec(name)?.[1] as 'node' | 'user' | 'project';
  const files: { node?: string; user?: string; project?: string } = { [level]: file };
  const node = header(file, 'with-node')[0];
  const user = header(file, 'with-user')[0];
  if (node !== undefined) files.node = node;
  if (user !== undefined) files.user = user;
  const env = Object.fromEntries(header(file, 'env').map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));
  return { files, env };
}

describe('broken configuration corpus', () => {
  it('has at least 15 fixtures of every level, each expecting at least one error', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(15);
    for (const level of ['node', 'user', 'project']) expect(fixtures.filter((f) => f.includes(`-${level}-`)).length, level).toBeGreaterThanOrEqual(5);
    for (const name of fixtures) expect(header(`${DIR}/${name}`, 'expect'), name).not.toHaveLength(0);
  });

  it.each(fixtures)('%s yields exactly its expected errors', async (name) => {
    const { files, env } = setup(name);
    expect(await errorLines(files, env)).toEqual(header(`${DIR}/${name}`, 'expect'));
  });

  it('reports the problems of the node, user and project files at once, nothing half-loaded', async () => {
    const node = `${DIR}/02-node-limit-wrong-type.yaml`;
    const user = `${DIR}/10-user-unknown-preference.yaml`;
    const project = `${DIR}/22-project-bad-env-name.yaml`;
    expect(await errorLines({ node, user, project }, { NEXUS_BACKEND: 'vm' })).toEqual([
      ...header(node, 'expect'),
      ...header(user, 'expect'),
      ...header(project, 'expect'),
      'NEXUS_BACKEND: must be one of: docker, sprite, kubernetes, mock',
    ]);
  });

  it('the companion files are valid', async () => {
    for (const name of readdirSync(join(ROOT, DIR, 'support'))) expect(await errorLines({ node: `${DIR}/support/${name}` }), name).toEqual([]);
  });
});
