import { describe, expect, it } from 'vitest';
import { choiceOption, parseCommandArgs, splitCommand } from './args.ts';
import { UsageError } from './cli-error.ts';
import { defineCommand, defineOptions } from './command.ts';

const getOptions = defineOptions({
  output: { type: 'string', short: 'o', description: 'format' },
  watch: { type: 'boolean', short: 'w', description: 'watch' },
  filename: { type: 'string', short: 'f', multiple: true, description: 'files' },
});

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
    expect(input.values.output).toBe('wide');
    expect(input.values.namespace).toBe('dev');
    expect(input.values.watch).toBe(true);
    expect(input.values['state-dir']).toBe('/s');
  });

  it('collects repeatable options', () => {
    const input = parseCommandArgs('apply', getOptions, ['-f', 'a.yaml', '-f', 'dir']);
    expect(input.values.filename).toEqual(['a.yaml', 'dir']);
    expect(input.values.output).toBeUndefined();
  });

  it('types the values from the option definitions (checked by tsc: a misspelt or mistyped option does not compile)', () => {
    const input = parseCommandArgs('apply', getOptions, ['-f', 'a.yaml', '-w']);
    const files: string[] | undefined = input.values.filename;
    const watch: boolean | undefined = input.values.watch;
    const namespace: string | undefined = input.values.namespace;
    expect([files, watch, namespace]).toEqual([['a.yaml'], true, undefined]);
    // @ts-expect-error a misspelt option is a type error
    expect(input.values.filname).toBeUndefined();
    // @ts-expect-error a repeatable option is a list, not a string
    const one: string | undefined = input.values.filename;
    expect(one).toEqual(['a.yaml']);
    // @ts-expect-error choiceOption takes only a single-string option of the command
    expect(() => choiceOption(input.values, 'watch', ['yes'], 'get')).toThrow();
    const command = defineCommand({
      name: 'x',
      summary: 'x',
      usage: [],
      options: getOptions,
      run(_deps, { values }) {
        // @ts-expect-error inside a handler too
        return Promise.resolve(values.outptu === undefined ? 0 : 1);
      },
    });
    expect(command.options).toBe(getOptions);
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
