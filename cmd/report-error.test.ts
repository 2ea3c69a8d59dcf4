import { describe, expect, it } from 'vitest';
import { BoulderError, NotFoundError, ValidationError } from '../apis/errors.ts';
import { CliError, UsageError } from './cli-error.ts';
import { errorLines, exitCodeFor, reportError } from './report-error.ts';

describe('reportError', () => {
  it('prints each validation issue on its own error line, exit 3', () => {
    const err = new ValidationError([
      { file: 'ws.yaml', line: 12, column: 7, path: 'spec.ports.web.containerPort', message: 'must be an integer' },
      { file: 'ws.yaml', line: 20, column: 3, documentIndex: 1, path: 'metadata.name', message: 'must be a DNS-1123 label' },
    ]);
    expect(errorLines(err)).toEqual([
      'error: ws.yaml:12:7: spec.ports.web.containerPort: must be an integer',
      'error: ws.yaml:20:3 (document 2): metadata.name: must be a DNS-1123 label',
    ]);
    expect(exitCodeFor(err)).toBe(3);
  });

  it('prints API errors the kubectl way', () => {
    const err = new NotFoundError('workspaces.nexus.dev "x" not found');
    expect(errorLines(err)).toEqual(['Error from server (NotFound): workspaces.nexus.dev "x" not found']);
    expect(exitCodeFor(err)).toBe(4);
    expect(exitCodeFor(new BoulderError('Conflict', 'changed'))).toBe(5);
    expect(exitCodeFor(new BoulderError('AlreadyExists', 'taken'))).toBe(5);
    expect(exitCodeFor(new BoulderError('Timeout', 'slow'))).toBe(6);
    expect(exitCodeFor(new BoulderError('Unavailable', 'down'))).toBe(7);
  });

  it('adds a help hint to usage errors, exit 2', () => {
    expect(errorLines(new UsageError('unknown flag: --x', 'get'))).toEqual(['error: unknown flag: --x', "See 'boulder get --help' for usage."]);
    expect(exitCodeFor(new UsageError('bad'))).toBe(2);
  });

  it('prints other errors as error: lines with their exit code, stack only with BOULDER_DEBUG', () => {
    const out: string[] = [];
    const sink = { write: (t: string) => out.push(t) };
    expect(reportError(new CliError('daemon down', 7), sink)).toBe(7);
    expect(reportError(new Error('boom'), sink)).toBe(1);
    expect(out).toEqual(['error: daemon down\n', 'error: boom\n']);
    reportError(new Error('boom'), sink, { BOULDER_DEBUG: '1' });
    expect(out.at(-1)).toContain('at ');
  });
});
