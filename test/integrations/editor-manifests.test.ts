/**
 * The editor integrations' manifests against their editors' schemas (vendored minimal copies in
 * test/fixtures/editors/, sources in its README): the Claude Code plugin manifest and its MCP
 * server file, Cursor's .cursor/mcp.json (the committed copy and what `boulder init --editor
 * cursor` writes, merged into an existing file), OpenCode's opencode.json and the entry its plugin
 * registers. Also: the schemas reject the shapes editors refuse, so the checks can fail.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { afterEach, describe, expect, it } from 'vitest';
import initCommand from '../../cmd/commands/init.ts';
import { BOULDER_MCP_SERVER } from '../../cmd/commands/init-editor.ts';
import { createTestDeps, type TestDeps } from '../../cmd/test-support.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const SCHEMAS = join(ROOT, 'test', 'fixtures', 'editors');
const ajv = new Ajv.default({ allErrors: true, strict: false });
addFormats.default(ajv);

function schema(file: string): ValidateFunction {
  return ajv.compile(JSON.parse(readFileSync(join(SCHEMAS, file), 'utf8')) as object);
}
function json(path: string): unknown {
  return JSON.parse(readFileSync(join(ROOT, path), 'utf8'));
}
/** The validator's errors (empty when valid), so a failure shows why. */
function errorsOf(validate: ValidateFunction, value: unknown): string[] {
  return validate(value) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`);
}

const plugin = schema('claude-code-plugin.schema.json');
const mcpServers = schema('mcp-servers.schema.json');
const opencode = schema('opencode-config.schema.json');

describe('Claude Code plugin', () => {
  const dir = 'integrations/claude-code';
  it('plugin.json matches the manifest schema and its component paths exist', () => {
    const manifest = json(`${dir}/.claude-plugin/plugin.json`) as { commands: string; mcpServers: string };
    expect(errorsOf(plugin, manifest)).toEqual([]);
    expect(existsSync(join(ROOT, dir, manifest.commands))).toBe(true);
    expect(existsSync(join(ROOT, dir, manifest.mcpServers))).toBe(true);
  });
  it('.mcp.json names boulder mcp, like init writes for Cursor', () => {
    const servers = json(`${dir}/.mcp.json`);
    expect(errorsOf(mcpServers, servers)).toEqual([]);
    expect(servers).toEqual({ mcpServers: { boulder: BOULDER_MCP_SERVER } });
  });
  it('slash commands (new workspace for this branch, switch, ports) have a description and name real tools', () => {
    const commands = readdirSync(join(ROOT, dir, 'commands')).sort();
    expect(commands).toEqual(['new-workspace.md', 'ports.md', 'switch.md']);
    for (const file of commands) {
      const text = readFileSync(join(ROOT, dir, 'commands', file), 'utf8');
      expect(text, file).toMatch(/^---\ndescription: .+\n(.*\n)*---\n/);
      for (const tool of text.match(/`([a-z_]+)` tool/g) ?? []) expect(['create_workspace', 'switch_workspace', 'ports'], `${file}: ${tool}`).toContain(tool.split('`')[1]);
    }
  });
  it('the schema refuses what Claude Code refuses', () => {
    expect(errorsOf(plugin, { name: 'My Plugin' })).not.toEqual([]);
    expect(errorsOf(plugin, { name: 'boulder', version: '1.0' })).not.toEqual([]);
    expect(errorsOf(plugin, { name: 'boulder', commands: 'commands' })).not.toEqual([]);
    expect(errorsOf(plugin, { name: 'boulder', mcpServers: './../x.json' })).not.toEqual([]);
  });
});

describe('Cursor', () => {
  let deps: TestDeps | undefined;
  afterEach(async () => {
    await deps?.cleanup();
    deps = undefined;
  });

  async function repo(): Promise<TestDeps> {
    deps = await createTestDeps();
    execFileSync('git', ['init', '-q', '-b', 'main', deps.cwd]);
    return deps;
  }

  it('the committed .cursor/mcp.json matches the schema and is what boulder init --editor cursor writes', async () => {
    const committed = json('integrations/cursor/.cursor/mcp.json');
    expect(errorsOf(mcpServers, committed)).toEqual([]);
    const d = await repo();
    expect(await initCommand.run(d, { values: { editor: 'cursor' }, positionals: [] })).toBe(0);
    expect(d.out.text).toBe('wrote .nexus/config.yaml\nwrote .cursor/mcp.json\n');
    const written = JSON.parse(await readFile(join(d.cwd, '.cursor', 'mcp.json'), 'utf8')) as unknown;
    expect(written).toEqual(committed);
    expect(errorsOf(mcpServers, written)).toEqual([]);
  });

  it('merges into an existing file, keeps an existing config.yaml and a user-made boulder entry', async () => {
    const d = await repo();
    await mkdir(join(d.cwd, '.cursor'));
    await writeFile(join(d.cwd, '.cursor', 'mcp.json'), JSON.stringify({ mcpServers: { other: { command: 'other-server' } }, extra: true }));
    expect(await initCommand.run(d, { values: {}, positionals: [] })).toBe(0);
    expect(await initCommand.run(d, { values: { editor: 'cursor' }, positionals: [] })).toBe(0);
    expect(d.err.text).toContain('kept .nexus/config.yaml');
    const merged = JSON.parse(await readFile(join(d.cwd, '.cursor', 'mcp.json'), 'utf8')) as unknown;
    expect(merged).toEqual({ mcpServers: { other: { command: 'other-server' }, boulder: BOULDER_MCP_SERVER }, extra: true });
    const custom = { mcpServers: { boulder: { command: 'boulder', args: ['mcp', '--scope', 'fs:read'] } } };
    await writeFile(join(d.cwd, '.cursor', 'mcp.json'), JSON.stringify(custom));
    expect(await initCommand.run(d, { values: { editor: 'cursor' }, positionals: [] })).toBe(0);
    expect(JSON.parse(await readFile(join(d.cwd, '.cursor', 'mcp.json'), 'utf8'))).toEqual(custom);
  });

  it('an invalid existing .cursor/mcp.json is a clear error and nothing is written', async () => {
    const d = await repo();
    await mkdir(join(d.cwd, '.cursor'));
    await writeFile(join(d.cwd, '.cursor', 'mcp.json'), '{ not json');
    await expect(initCommand.run(d, { values: { editor: 'cursor' }, positionals: [] })).rejects.toThrow(/\.cursor\/mcp\.json is not valid JSON/);
    expect(existsSync(join(d.cwd, '.nexus'))).toBe(false);
    expect(await readFile(join(d.cwd, '.cursor', 'mcp.json'), 'utf8')).toBe('{ not json');
    await rm(join(d.cwd, '.cursor'), { recursive: true });
  });

  it('the schema refuses what Cursor refuses', () => {
    expect(errorsOf(mcpServers, { mcpServers: { boulder: { args: ['mcp'] } } })).not.toEqual([]);
    expect(errorsOf(mcpServers, { mcpServers: { boulder: { command: 'boulder', args: 'mcp' } } })).not.toEqual([]);
  });
});

describe('OpenCode', () => {
  const dir = 'integrations/opencode';
  it('opencode.json matches the configuration schema and lists the plugin package', () => {
    const config = json(`${dir}/opencode.json`) as { plugin: string[] };
    expect(errorsOf(opencode, config)).toEqual([]);
    expect(config.plugin).toContain((json(`${dir}/package.json`) as { name: string }).name);
  });
  it('the plugin registers the same MCP entry through its config hook, and keeps a user entry', async () => {
    // Loaded by URL so the root typecheck does not follow it (its types come from @opencode-ai/plugin,
    // which only the integration's own package installs).
    const mod = (await import(pathToFileURL(join(ROOT, dir, 'index.ts')).href)) as { default: (input: unknown) => Promise<{ config: (c: Record<string, unknown>) => Promise<void> }> };
    const hooks = await mod.default({});
    const config: { mcp?: Record<string, unknown> } = {};
    await hooks.config(config);
    expect(errorsOf(opencode, config)).toEqual([]);
    expect(config.mcp?.boulder).toEqual((json(`${dir}/opencode.json`) as { mcp: Record<string, unknown> }).mcp.boulder);
    expect(config.mcp?.boulder).toMatchObject({ command: [BOULDER_MCP_SERVER.command, ...BOULDER_MCP_SERVER.args] });
    const mine = { mcp: { boulder: { type: 'local', command: ['boulder', 'mcp', '--scope', 'fs:read'] } } };
    await hooks.config(mine);
    expect(mine.mcp.boulder.command).toEqual(['boulder', 'mcp', '--scope', 'fs:read']);
  });
  it('the schema refuses what OpenCode refuses', () => {
    expect(errorsOf(opencode, { mcp: { boulder: { type: 'local', command: 'boulder mcp' } } })).not.toEqual([]);
    expect(errorsOf(opencode, { mcp: { boulder: { command: ['boulder', 'mcp'] } } })).not.toEqual([]);
  });
});
