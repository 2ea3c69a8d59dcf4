import { describe, expect, it } from 'vitest';
import { choiceOption, parseCommandArgs, splitCommand, stringListOption, stringOption } from './args.ts';
import { UsageError } from './cli-error.ts';
import type { OptionSpec } from './command.ts';

const getOptions: Record<string, OptionSpec> = {
  output: { type: 'string', short: 'o', description: 'format' },
  watch: { type: 'boolean', short: 'w', description: 'watch' },
  filename: { type: 'string', short: 'f', multiple: true, description: 'files' },
};

describe('splitCommand', () => {
  it('finds the command after global flags and their values', () => {
    expect(splitCommand(['--state-dir', '/x', '-n', 'dev', 'get', 'ws'])).toEqual({
      command: 'get',
      rest: ['--state-dir', '/x', '-n', 'dev', 'ws'],
    });
    expect(splitCommand(['--state-dir=/x', 'get'])).toEqual({ command: 'get', rest: ['--state-dir=/x'] });
    expect(splitCommand(['-A', 'get', 'ws'])).toEqual({ command: 'get', rest: ['-A', 'ws'] });
  });

  it('reports no command for flags only', () => {
    expect(splitCommand(['--help'])).toEqual({ command: undefined, rest: ['--help'] });
    expect(splitCommand([])).toEqual({ command: undefined, rest: [] });
  });
});

describe('parseCommandArgs', () => {
  it('merges global and command options, short forms included', () => {
    const input = parseCommandArgs('get', getOptions, ['ws', 'a', '-owide', '-n', 'dev', '-w', '--state-dir', '/s']);
    expect(input.positionals).toEqual(['ws', 'a']);
    expect(stringOption(input.values, 'output')).toBe('wide');
    expect(stringOption(input.values, 'namespace')).toBe('dev');
    expect(input.values['watch']).toBe(true);
    expect(stringOption(input.values, 'state-dir')).toBe('/s');
  });

  it('collects repeatable options', () => {
    const input = parseCommandArgs('apply', getOptions, ['-f', 'a.yaml', '-f', 'dir']);
    expect(stringListOption(input.values, 'filename')).toEqual(['a.yaml', 'dir']);
    expect(stringListOption(input.values, 'output')).toEqual([]);
  });

  it.each([
    [['--bogus'], 'unknown flag: --bogus'],
    [['-o'], 'flag needs an argument: --output'],
    [['--watch=yes'], 'flag --watch does not take an argument'],
  ])('rejects %j with a usage error', (args, message) => {
    let caught: unknown;
    try {
      parseCommandArgs('get', getOptions, args);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(UsageError);
    expect((caught as UsageError).message).toBe(message);
    expect((caught as UsageError).command).toBe('get');
    expect((caught as UsageError).exitCode).toBe(2);
  });

  it('checks choices', () => {
    const input = parseCommandArgs('get', getOptions, ['-o', 'xml']);
    expect(() => choiceOption(input.values, 'output', ['yaml', 'json'], 'get')).toThrow('invalid value "xml" for --output: must be one of yaml, json');
    expect(choiceOption(parseCommandArgs('get', getOptions, ['-o', 'json']).values, 'output', ['yaml', 'json'], 'get')).toBe('json');
  });
});
