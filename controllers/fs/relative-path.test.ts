import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isErrorCode } from '../../apis/errors.ts';
import { assertNoSymlinkParents, parentIssue } from './no-follow.ts';
import { assertRelativePath, checkRelativePath, MAX_NAME_BYTES, quotePath, UnsafePathError, type PathIssueCode } from './relative-path.ts';

describe('checkRelativePath', () => {
  const cases: Array<[string, PathIssueCode | undefined]> = [
    ['a', undefined],
    ['a/b/c.txt', undefined],
    ['.hidden', undefined],
    ['..dots', undefined],
    ['dots..', undefined],
    ['a/...', undefined],
    ['with space/ünïcödé-🎉', undefined],
    ['tab\tname', undefined],
    ['back\\slash', undefined],
    ['', 'EmptyPath'],
    ['/etc/passwd', 'AbsolutePath'],
    ['/', 'AbsolutePath'],
    ['..', 'PathEscapes'],
    ['../x', 'PathEscapes'],
    ['a/../../x', 'PathEscapes'],
    ['a/..', 'PathEscapes'],
    ['a/../b', 'PathEscapes'],
    ['.', 'NotNormalized'],
    ['./a', 'NotNormalized'],
    ['a/./b', 'NotNormalized'],
    ['a//b', 'NotNormalized'],
    ['a/', 'NotNormalized'],
    ['nul\0byte', 'InvalidCharacter'],
    ['new\nline', 'InvalidCharacter'],
    ['carriage\rreturn', 'InvalidCharacter'],
    ['../new\nline', 'InvalidCharacter'],
    ['x'.repeat(MAX_NAME_BYTES), undefined],
    ['x'.repeat(MAX_NAME_BYTES + 1), 'PathTooLong'],
    ['é'.repeat(128), 'PathTooLong'],
    [Array.from({ length: 2100 }, () => 'd').join('/'), 'PathTooLong'],
  ];
  it.each(cases)('%j → %s', (path, code) => {
    expect(checkRelativePath(path)?.code).toBe(code);
  });

  it('accepts the root only when asked', () => {
    expect(checkRelativePath('', { allowRoot: true })).toBeUndefined();
    expect(checkRelativePath('')?.code).toBe('EmptyPath');
  });

  it('throws a typed error whose message escapes the path', () => {
    let error: unknown;
    try {
      assertRelativePath('../evil\nname');
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(UnsafePathError);
    expect((error as UnsafePathError).reason).toBe('InvalidCharacter');
    expect(isErrorCode(error, 'Invalid')).toBe(true);
    expect((error as Error).message).toBe('unsafe path "../evil\\nname": names may not contain NUL, newline or carriage return');
    expect((error as Error).message).not.toContain('\n');
    expect(assertRelativePath('ok/path')).toBe('ok/path');
    expect(quotePath('a\0b')).toBe('"a\\u0000b"');
  });
});

describe('parentIssue (lstat of every parent, links never followed)', () => {
  const base = mkdtempSync(join(tmpdir(), 'boulder-no-follow-'));
  afterAll(() => rmSync(base, { recursive: true, force: true }));
  const root = join(base, 'root');
  mkdirSync(join(root, 'a/b'), { recursive: true });
  mkdirSync(join(base, 'outside'));
  symlinkSync(join(base, 'outside'), join(root, 'link'));
  symlinkSync('a', join(root, 'a/inner'));
  writeFileSync(join(root, 'file'), 'x');

  it.each([
    ['top', undefined],
    ['a/b/c', undefined],
    ['link', undefined],
    ['link/x', 'symlink'],
    ['a/inner/b/x', 'symlink'],
    ['file/x', 'not-directory'],
    ['missing/x', 'missing'],
  ])('%s → %s', (path, kind) => {
    expect(parentIssue(root, path)?.kind).toBe(kind);
  });

  it('throws SymlinkParent for a link in the chain', () => {
    expect(() => assertNoSymlinkParents(root, 'link/x')).toThrow(/parent "link" is a symlink/);
    expect(() => assertNoSymlinkParents(root, 'a/b/x')).not.toThrow();
  });
});
