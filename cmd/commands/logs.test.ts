import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseCommandArgs } from '../args.ts';
import { createTestDeps, type TestDeps } from '../test-support.ts';
import logsCommand, { parseLogsRequest, parseTail } from './logs.ts';

const parse = (...args: string[]): ReturnType<typeof parseLogsRequest> => {
  const { values, positionals } = parseCommandArgs('logs', logsCommand.options, args);
  return parseLogsRequest(values, positionals);
};

describe('logs arguments', () => {
  it('parses NAME, -f, --service and --tail', () => {
    expect(parse('api')).toEqual({ name: 'api', namespace: 'default', follow: false });
    expect(parse('api', '-f', '--service', 'db', '--tail', '20', '-n', 'dev')).toEqual({ name: 'api', namespace: 'dev', follow: true, service: 'db', tail: 20 });
    expect(parse('api', '--tail=-1')).toEqual({ name: 'api', namespace: 'default', follow: false });
  });

  it('rejects bad input', () => {
    expect(() => parse()).toThrow('name the workspace');
    expect(() => parse('a', 'b')).toThrow('unexpected argument "b"');
    expect(() => parseTail('ten')).toThrow('invalid --tail "ten"');
    expect(() => parseTail('-5')).toThrow('invalid --tail "-5"');
    expect(parseTail('0')).toBe(0);
  });
});

describe('logs of a mock workspace', () => {
  let deps: TestDeps;
  beforeEach(async () => {
    deps = await createTestDeps();
  });
  afterEach(async () => {
    await deps.cleanup();
  });

  it('fails clearly with exit 1', async () => {
    const client = await deps.openClient();
    await client.create({ apiVersion: 'nexus.dev/v1alpha1', kind: 'Workspace', metadata: { name: 'm' }, spec: { backend: 'mock', image: 'x' } });
    await client.close();
    await expect(logsCommand.run(deps, parseCommandArgs('logs', logsCommand.options, ['m']))).rejects.toMatchObject({
      exitCode: 1,
      message: expect.stringMatching(/^logs is not supported for backend mock/) as unknown,
    });
  });
});
