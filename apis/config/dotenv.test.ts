import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatFieldIssue } from '../errors.ts';
import { loadEnvFiles, parseDotenv } from './dotenv.ts';

describe('parseDotenv', () => {
  it('reads KEY=VALUE lines with comments, export, quotes, escapes and multi-line values', () => {
    const text = [
      '# a comment',
      '',
      'PLAIN=value',
      'SPACED = spaced value   ',
      'INLINE=abc # a comment',
      'HASH=abc#not-a-comment',
      'export EXPORTED=1',
      "SINGLE='literal \\n $HOME # kept'",
      'DOUBLE="line1\\nline2 \\"quoted\\" # kept"',
      'MULTI="first',
      'second"',
      'EMPTY=',
      'EMPTY_QUOTED=""',
      '  INDENTED=yes',
      'PLAIN=overridden',
      'URL=postgres://u:p@db:5432/app?sslmode=disable',
    ].join('\n');
    const { values, issues } = parseDotenv(text, '.env');
    expect(issues).toEqual([]);
    expect(values).toEqual({
      PLAIN: 'overridden',
      SPACED: 'spaced value',
      INLINE: 'abc',
      HASH: 'abc#not-a-comment',
      EXPORTED: '1',
      SINGLE: 'literal \\n $HOME # kept',
      DOUBLE: 'line1\nline2 "quoted" # kept',
      MULTI: 'first\nsecond',
      EMPTY: '',
      EMPTY_QUOTED: '',
      INDENTED: 'yes',
      URL: 'postgres://u:p@db:5432/app?sslmode=disable',
    });
  });

  it('reports every bad line with file:line:col', () => {
    const { issues, values } = parseDotenv(['GOOD=1', 'no equals sign', '1BAD=x', '  export 2BAD=y', 'TRAIL="a" b', 'OPEN="never closed', 'AFTER=1'].join('\n'), 'app.env');
    expect(issues.map(formatFieldIssue)).toEqual([
      'app.env:2:1: expected KEY=VALUE, found "no equals sign"',
      'app.env:3:1: "1BAD" is not a valid environment variable name: must be letters, digits and \'_\', not starting with a digit',
      'app.env:4:10: "2BAD" is not a valid environment variable name: must be letters, digits and \'_\', not starting with a digit',
      'app.env:5:1: TRAIL: unexpected text after the closing quote: "b"',
      'app.env:6:6: OPEN: unterminated double-quoted value',
    ]);
    expect(values).toEqual({ GOOD: '1', TRAIL: 'a' });
  });
});

describe('loadEnvFiles', () => {
  it('merges files in order relative to the repository, later files winning, and names missing ones', async () => {
    const repo = mkdtempSync(join(tmpdir(), 'boulder-dotenv-'));
    writeFileSync(join(repo, '.env'), 'A=1\nB=1\n');
    writeFileSync(join(repo, '.env.local'), 'B=2\n');
    const { values, issues } = await loadEnvFiles(['.env', '.env.local', 'missing.env'], repo, (p) => p.replace(repo, '<repo>'));
    expect(values).toEqual({ A: '1', B: '2' });
    expect(issues.map(formatFieldIssue)).toEqual(['<repo>/missing.env: env file cannot be read (ENOENT)']);
  });
});
