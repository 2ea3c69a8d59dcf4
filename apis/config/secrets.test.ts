import { mkdtempSync, readFileSync, statSync, writeFileSync, chmodSync, existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import type { BoulderError } from '../errors.ts';
import { readKeychainSecret } from './keychain.ts';
import { mergeLayers } from './merge.ts';
import { normalizeSecretSource, parseSecretSource } from './secret-source.ts';
import { REDACTED, SecretValue } from './secret-value.ts';
import { renderWorkspaceSecrets, resolveSecretValue, secretWarnings } from './secrets.ts';

let dir: string;
let toolDir: string;
/** PATH holding only the fake keychain tools (and /bin for sh). */
let path: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'boulder-secrets-'));
  toolDir = join(dir, 'bin');
  mkdirSync(toolDir);
  // A fake secret-tool: knows one item, logs its arguments, fails like the real one otherwise.
  writeFileSync(
    join(toolDir, 'secret-tool'),
    `#!/bin/sh\necho "$@" >> "${dir}/secret-tool.log"\nif [ "$1 $2 $3 $4 $5" = "lookup service github.com account me" ]; then printf 'gh-token-123'; exit 0; fi\nexit 1\n`,
  );
  // A fake macOS security: prints with a trailing newline, as -w does.
  writeFileSync(
    join(toolDir, 'security'),
    `#!/bin/sh\nif [ "$1 $2 $3 $4 $5 $6" = "find-generic-password -s npm -a me -w" ]; then echo 'npm-token-456'; exit 0; fi\necho 'security: SecItemCopyMatching: The specified item could not be found in the keychain.' >&2\nexit 44\n`,
  );
  chmodSync(join(toolDir, 'secret-tool'), 0o755);
  chmodSync(join(toolDir, 'security'), 0o755);
  path = `${toolDir}:/bin:/usr/bin`;
  writeFileSync(join(dir, 'db-password'), 'hunter2\n');
});

describe('secret sources', () => {
  it.each([
    ['env:API_TOKEN', { from: 'env', name: 'API_TOKEN' }],
    ['file:/run/secrets/x', { from: 'file', path: '/run/secrets/x' }],
    ['keychain:github.com/me/work', { from: 'keychain', service: 'github.com', account: 'me/work' }],
    [{ from: 'keychain', service: 's', account: 'a' }, { from: 'keychain', service: 's', account: 'a' }],
    [{ from: 'env', name: 'X' }, { from: 'env', name: 'X' }],
  ])('%j parses', (source, parsed) => expect(parseSecretSource(source)).toEqual(parsed));

  it.each(['env:', 'env:1X', 'vault:x', 'keychain:svc', 'keychain:/acct', 'keychain:svc/', 'plain', 42])('%j does not parse', (source) => expect(parseSecretSource(source)).toBeUndefined());

  it('normalizes to canonical text with absolute file paths', () => {
    expect(normalizeSecretSource({ from: 'file', path: 'secrets/db' }, '/repo/.nexus', '/home/u')).toBe('file:/repo/.nexus/secrets/db');
    expect(normalizeSecretSource('file:~/tok', '/x', '/home/u')).toBe('file:/home/u/tok');
    expect(normalizeSecretSource({ from: 'keychain', service: 's', account: 'a' }, '/x', '/h')).toBe('keychain:s/a');
    expect(normalizeSecretSource('bogus', '/x', '/h')).toBe('bogus');
  });
});

describe('resolveSecretValue', () => {
  it('reads env, file (one trailing newline dropped) and keychain (secret-tool on Linux) sources', async () => {
    expect((await resolveSecretValue('A', 'env:MY_TOKEN', { env: { MY_TOKEN: 'env-value' } })).reveal()).toBe('env-value');
    expect((await resolveSecretValue('DB', `file:${join(dir, 'db-password')}`)).reveal()).toBe('hunter2');
    expect((await resolveSecretValue('GH', 'keychain:github.com/me', { env: { PATH: path }, platform: 'linux' })).reveal()).toBe('gh-token-123');
    expect(readFileSync(join(dir, 'secret-tool.log'), 'utf8')).toContain('lookup service github.com account me');
  });

  it('uses security -s SERVICE -a ACCOUNT -w on macOS', async () => {
    expect(await readKeychainSecret('npm', 'me', { env: { PATH: path }, platform: 'darwin' })).toBe('npm-token-456');
    await expect(readKeychainSecret('npm', 'you', { env: { PATH: path }, platform: 'darwin' })).rejects.toThrow(
      'keychain:npm/you: not found in the keychain (security exited 44: security: SecItemCopyMatching: The specified item could not be found in the keychain.)',
    );
  });

  it('fails clearly, naming the secret and never a value', async () => {
    const failure = async (source: string, options = {}): Promise<BoulderError> => {
      try {
        await resolveSecretValue('TOKEN', source, options);
      } catch (err) {
        return err as BoulderError;
      }
      throw new Error('resolved');
    };
    expect((await failure('env:MISSING', { env: {} })).message).toBe('secret TOKEN: environment variable MISSING is not set');
    expect((await failure('file:/nonexistent/x')).message).toBe('secret TOKEN: cannot read /nonexistent/x (ENOENT)');
    const noItem = await failure('keychain:github.com/you', { env: { PATH: path }, platform: 'linux' });
    expect([noItem.code, noItem.message]).toEqual(['NotFound', 'secret TOKEN: keychain:github.com/you: not found in the keychain (secret-tool exited 1)']);
    const noTool = await failure('keychain:github.com/me', { env: { PATH: '/nonexistent' }, platform: 'linux' });
    expect(noTool.code).toBe('Unavailable');
    expect(noTool.message).toBe(
      'secret TOKEN: keychain:github.com/me: secret-tool is not on PATH; install libsecret-tools (apt-get install libsecret-tools, dnf install libsecret), or use env: or file: instead',
    );
    expect((await failure('keychain:a/b', { platform: 'win32' })).message).toBe('secret TOKEN: keychain:a/b: no keychain support on win32; use env: or file: instead');
  });

  it('wraps values so that printing them shows [secret]', async () => {
    const value = await resolveSecretValue('A', 'env:X', { env: { X: 'the-value' } });
    expect(value).toBeInstanceOf(SecretValue);
    expect([String(value), `${value}`, JSON.stringify({ value }), inspect(value), inspect({ value })].join(' ')).not.toContain('the-value');
    expect(String(value)).toBe(REDACTED);
  });
});

describe('secretWarnings', () => {
  it('names each secret that will not resolve, where its source was set, without reading keychains', async () => {
    const layer = {
      layer: 'project' as const,
      source: '.nexus/config.yaml',
      values: {
        secrets: { SET: 'env:SET', UNSET: 'env:UNSET', GONE: 'file:/nonexistent/gone', KC: 'keychain:github.com/me', KC2: 'keychain:x/y' },
        backends: { sprite: { api_key: 'env:SPRITE' } },
      },
      locate: () => ({ source: '.nexus/config.yaml', line: 4, column: 3 }),
    };
    const warnings = await secretWarnings(mergeLayers([layer]), { env: { SET: '1', PATH: path }, platform: 'linux' });
    expect(warnings.map((w) => `${w.path}: ${w.message}`)).toEqual([
      'backends.sprite.api_key: secret backends.sprite.api_key does not resolve: environment variable SPRITE is not set',
      'secrets.GONE: secret GONE does not resolve: file /nonexistent/gone cannot be read (ENOENT)',
      'secrets.UNSET: secret UNSET does not resolve: environment variable UNSET is not set',
    ]);
    const noTool = await secretWarnings(mergeLayers([layer]), { env: { SET: '1', SPRITE: 'x', PATH: '/nonexistent' }, platform: 'linux' });
    expect(noTool.map((w) => w.message)).toContain('secret KC does not resolve: the keychain needs secret-tool, which is not on PATH');
  });
});

describe('renderWorkspaceSecrets', () => {
  const secrets = { DB: `file:${'/run/secrets/db'}`, GH: 'keychain:github.com/me', API: 'env:API_TOKEN' };

  it('reference mode keeps env and file references and leaves keychain secrets out with a warning', async () => {
    const rendered = await renderWorkspaceSecrets(secrets, { mode: 'reference' });
    expect(rendered.refs).toEqual([
      { name: 'API', fromEnv: 'API_TOKEN' },
      { name: 'DB', fromFile: '/run/secrets/db' },
    ]);
    expect(rendered.warnings).toEqual([
      'secret GH comes from keychain:github.com/me, which a manifest cannot reference; it is left out (boulder up without --dry-run materializes it)',
    ]);
  });

  it('materialize mode writes env and keychain values to 0600 files in a 0700 directory, removes stale ones, returns no value', async () => {
    const out = join(dir, 'materialized', 'default', 'api');
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, 'OLD'), 'stale');
    const rendered = await renderWorkspaceSecrets(secrets, { mode: 'materialize', dir: out, env: { API_TOKEN: 'api-value', PATH: path }, platform: 'linux' });
    expect(rendered).toEqual({
      refs: [
        { name: 'API', fromFile: join(out, 'API') },
        { name: 'DB', fromFile: '/run/secrets/db' },
        { name: 'GH', fromFile: join(out, 'GH') },
      ],
      warnings: [],
    });
    expect(readFileSync(join(out, 'API'), 'utf8')).toBe('api-value');
    expect(readFileSync(join(out, 'GH'), 'utf8')).toBe('gh-token-123');
    expect(statSync(join(out, 'GH')).mode & 0o777).toBe(0o600);
    expect(statSync(out).mode & 0o777).toBe(0o700);
    expect(existsSync(join(out, 'OLD'))).toBe(false);
    expect(JSON.stringify(rendered)).not.toMatch(/api-value|gh-token/);
  });

  it('materialize mode fails on a source that does not resolve', async () => {
    await expect(renderWorkspaceSecrets({ API: 'env:NOPE' }, { mode: 'materialize', dir: join(dir, 'm2'), env: {} })).rejects.toThrow('secret API: environment variable NOPE is not set');
  });
});
