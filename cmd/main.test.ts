import { describe, expect, it } from 'vitest';
import { runCli } from './main.ts';
import { TextBuffer } from './test-support.ts';

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out = new TextBuffer();
  const err = new TextBuffer();
  const code = await runCli(argv, { stdout: out, stderr: err, env: { NEXUS_STATE_DIR: '/nonexistent-boulder-test' } });
  return { code, out: out.text, err: err.text };
}

describe('runCli', () => {
  it('prints the version for --version and version', async () => {
    expect(await cli('--version')).toEqual({ code: 0, out: 'boulder v0.1.0\n', err: '' });
    expect(await cli('version')).toEqual({ code: 0, out: 'boulder v0.1.0\n', err: '' });
    expect(JSON.parse((await cli('version', '-o', 'json')).out)).toMatchObject({ version: 'v0.1.0' });
  });

  it('prints help for no arguments, --help, help COMMAND and COMMAND -h', async () => {
    const main = await cli();
    expect(main.code).toBe(0);
    expect(main.out).toContain('Commands:\n  apply');
    expect((await cli('--help')).out).toBe(main.out);
    const getHelp = await cli('get', '-h');
    expect(getHelp.out).toContain('boulder get KIND [NAME...]');
    expect(getHelp.out).toContain('-o, --output FORMAT');
    expect((await cli('help', 'get')).out).toBe(getHelp.out);
  });

  it('fails with exit 2 and one clear line on usage errors', async () => {
    expect(await cli('frobnicate')).toEqual({ code: 2, out: '', err: 'error: unknown command "frobnicate" for "boulder"\nSee \'boulder --help\' for usage.\n' });
    expect(await cli('get', 'ws', '--bogus')).toEqual({ code: 2, out: '', err: "error: unknown flag: --bogus\nSee 'boulder get --help' for usage.\n" });
    expect((await cli('get')).err).toBe("error: you must specify the type of resource\nSee 'boulder get --help' for usage.\n");
    expect((await cli('get', 'pods')).code).toBe(2);
    expect((await cli('wait', 'ws', 'a')).err).toContain('--for is required');
  });

  it('explains a field, exit 3 for a field that does not exist', async () => {
    const ok = await cli('explain', 'ws.spec.ports');
    expect(ok.code).toBe(0);
    expect(ok.out).toContain('FIELD: ports <map[string]Object>');
    const bad = await cli('explain', 'ws.spec.nope');
    expect(bad.code).toBe(3);
    expect(bad.err).toBe('error: field "spec.nope" does not exist in Workspace\n');
  });
});
