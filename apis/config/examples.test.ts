// The complete examples of test/fixtures/config/valid/ load together without errors, use every key
// of their schema, and merge as documented.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { formatKey } from './key-path.ts';
import { configFileSchema, schemaKeys, type ConfigLevel } from './effective-schema.ts';
import { loadEffectiveConfig } from './load.ts';
import { parseConfigText } from './read-file.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DIR = 'test/fixtures/config/valid';
/** Keys an example may leave out: user defaults and backends are the node's (its example has them), image excludes build. */
const EXEMPT: Record<ConfigLevel, RegExp> = { node: /^$/, user: /^(defaults|backends|project_overrides)\./, project: /^workspace\.image$/ };
const text = (level: ConfigLevel): string => readFileSync(`${ROOT}${DIR}/${level}.yaml`, 'utf8');

/** Every key path of `data` (map keys included). */
function dataKeys(data: unknown, prefix: string[] = []): string[][] {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return [];
  return Object.entries(data).flatMap(([key, value]) => [[...prefix, key], ...dataKeys(value, [...prefix, key])]);
}

describe('complete configuration examples', () => {
  it.each(['node', 'user', 'project'] as const)('%s.yaml is valid and sets every key its schema names (but the exempt ones)', (level) => {
    const result = parseConfigText(text(level), level, `/x/${level}.yaml`, `${level}.yaml`);
    expect(result.issues).toEqual([]);
    const present = new Set(dataKeys(result.file?.data).map((path) => formatKey(path.filter((_, i) => !(level === 'user' && path[0] === 'project_overrides' && i === 1)))));
    const missing = schemaKeys(configFileSchema(level))
      .map(formatKey)
      .filter((key) => !present.has(key) && !EXEMPT[level].test(key));
    expect(missing).toEqual([]);
  });

  it('load together as node, user and project with the documented precedence', async () => {
    const config = await loadEffectiveConfig({
      cwd: ROOT,
      home: '/home/u',
      env: { NEXUS_NODE_CONFIG: `${DIR}/node.yaml`, NEXUS_USER_CONFIG: `${DIR}/user.yaml`, PATH: '' },
      repoRoot: '/home/u/code/app',
      projectFile: `${DIR}/project.yaml`,
      platform: 'linux',
    });
    expect(config.values.workspace).toMatchObject({ name: 'app', idle_timeout: '2h', build: { dockerfile: '.devcontainer/Dockerfile' } });
    expect(config.entry('workspace.idle_timeout')?.overridden.map((o) => `${o.layer} ${String(o.value)}`)).toEqual(['node 30m', 'user 1h', 'project_override 3h']);
    expect(config.values.sync).toEqual({ mode: 'two-way-safe', exclude: ['node_modules', 'dist'], conflict: 'host-wins' });
    expect(config.values.port_range).toEqual({ start: 33000, end: 33999 });
    expect(config.entry('store')?.overridden.map((o) => `${o.layer} ${String(o.value)}`)).toEqual(['node embedded']);
    expect(config.values.store).toBe('kubernetes');
    expect(config.values.resources).toEqual({ class: 'large', cpu: '4', memory: '8Gi', storage: '20Gi' });
    expect(config.values.services?.['db']?.env).toEqual({ POSTGRES_PASSWORD: 'dev', POSTGRES_PORT: '5432', POSTGRES_SSL: 'false' });
    expect(config.values.env).toEqual({ DEBUG: 'app:*', NODE_ENV: 'development', PORT: '3000' });
    expect(config.values.workspaces).toEqual({
      api: { repository: '/home/u/code/api', backend: 'docker', branch: 'nexus/api' },
      web: { repository: `${ROOT}test/fixtures/config/web` },
    });
    expect(config.values.user_secrets?.['DB_PASSWORD']).toBe(`file:${ROOT}${DIR}/secrets/db`);
    expect(config.context.matchedOverrides).toEqual(['~/code/*', 'app']);
    expect(config.project.secrets).toEqual({ GITHUB_TOKEN: 'keychain:github.com/me', API_KEY: 'env:API_KEY' });
    expect(config.limits).toEqual({ max_workspaces_per_user: 10, max_workspaces_total: 50, max_cpu: '8', max_memory: '16Gi' });
  });
});
