import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseCommandArgs } from '../args.ts';
import { createTestDeps, type TestDeps } from '../test-support.ts';
import execCommand, { enterRawMode, parseEnvPairs, parseExecRequest } from './exec.ts';

const parse = (...args: string[]): ReturnType<typeof parseExecRequest> => {
  const { values, positionals } = parseCommandArgs('exec', execCommand.options, args);
  return parseExecRequest(values, positionals);
};

describe('exec arguments', () => {
  it('takes NAME, flags and the command after --', () => {
    expect(parse('api', '-it', '--service', 'db', '-e', 'A=1', '-e', 'B=x=y', '-w', '/tmp', '--', 'psql', '-n', '--help')).toEqual({
      name: 'api',
      namespace: 'default',
      command: ['psql', '-n', '--help'],
      interactive: true,
      tty: true,
      service: 'db',
      env: { A: '1', B: 'x=y' },
      workdir: '/tmp',
    });
    expect(parse('-n', 'dev', 'api', '-i', '--', 'true')).toMatchObject({ namespace: 'dev', interactive: true, tty: false, command: ['true'] });
    expect(parse('api', '-t', '--', 'sh')).toMatchObject({ interactive: false, tty: true });
  });

  it('rejects a missing name or command and bad env pairs', () => {
    expect(() => parse()).toThrow('name the workspace');
    expect(() => parse('api')).toThrow('give the command to run after --');
    expect(() => parse('api', '--', )).toThrow('give the command to run after --');
    expect(() => parseEnvPairs(['=x'])).toThrow('invalid --env "=x"');
    expect(() => parseEnvPairs(['NOEQ'])).toThrow('invalid --env "NOEQ"');
    expect(() => parse('api', '--bogus', '--', 'sh')).toThrow('unknown flag: --bogus');
  });
});

describe('enterRawMode', () => {
  it('switches a terminal to raw mode and back, and leaves other streams alone', () => {
    const calls: boolean[] = [];
    const restore = enterRawMode({ isTTY: true, setRawMode: (m: boolean) => calls.push(m) });
    expect(calls).toEqual([true]);
    restore();
    expect(calls).toEqual([true, false]);
    const pipe = { isTTY: false, setRawMode: (m: boolean) => calls.push(m) };
    enterRawMode(pipe)();
    expect(calls).toEqual([true, false]);
  });
});

describe('exec on backends the CLI cannot reach', () => {
  let deps: TestDeps;
  beforeEach(async () => {
    deps = await createTestDeps();
  });
  afterEach(async () => {
    await deps.cleanup();
  });

  it('fails clearly (exit 1) for a mock workspace and with NotFound (4) for a missing one', async () => {
    const client = await deps.openClient();
    await client.create({ apiVersion: 'nexus.dev/v1alpha1', kind: 'Workspace', metadata: { name: 'm' }, spec: { backend: 'mock', image: 'x' } });
    await client.close();
    const run = (...args: string[]): Promise<number> => execCommand.run(deps, parseCommandArgs('exec', execCommand.options, args));
    await expect(run('m', '--', 'true')).rejects.toMatchObject({ exitCode: 1, message: expect.stringMatching(/^exec is not supported for backend mock/) as unknown });
    await expect(run('nope', '--', 'true')).rejects.toMatchObject({ code: 'NotFound', message: 'workspaces.nexus.dev "nope" not found' });
  });
});
