import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ensurePrivateDir, ensurePrivateFile, restrictIfExists } from './private-state.ts';

const mode = (path: string): string => (statSync(path).mode & 0o777).toString(8);
let previousUmask: number;
let root: string;

beforeEach(() => {
  previousUmask = process.umask(0o000);
  root = mkdtempSync(join(tmpdir(), 'boulder-private-'));
});
afterEach(() => {
  process.umask(previousUmask);
});

describe('private state modes (umask 000)', () => {
  it('creates missing directories 0700, parents included, and tightens an existing loose one', () => {
    ensurePrivateDir(join(root, 'a', 'b'));
    expect([mode(join(root, 'a')), mode(join(root, 'a', 'b'))]).toEqual(['700', '700']);
    const loose = join(root, 'loose');
    mkdirSync(loose);
    chmodSync(loose, 0o777);
    ensurePrivateDir(loose);
    expect(mode(loose)).toBe('700');
  });

  it('creates files 0600 and tightens existing ones without touching their content', () => {
    const file = join(root, 'f');
    ensurePrivateFile(file);
    expect(mode(file)).toBe('600');
    writeFileSync(join(root, 'g'), 'keep');
    chmodSync(join(root, 'g'), 0o666);
    ensurePrivateFile(join(root, 'g'));
    expect([mode(join(root, 'g')), readFileSync(join(root, 'g'), 'utf8')]).toEqual(['600', 'keep']);
    writeFileSync(join(root, 'h'), '');
    chmodSync(join(root, 'h'), 0o644);
    restrictIfExists(join(root, 'h'));
    restrictIfExists(join(root, 'missing'));
    expect(mode(join(root, 'h'))).toBe('600');
  });

  it('never follows a link to create a file, and refuses what belongs to another user', () => {
    writeFileSync(join(root, 'target'), 'x');
    chmodSync(join(root, 'target'), 0o644);
    symlinkSync(join(root, 'target'), join(root, 'link'));
    expect(() => ensurePrivateFile(join(root, 'link'))).toThrow(/ELOOP|symbolic link/);
    expect(mode(join(root, 'target'))).toBe('644');
    if (process.geteuid?.() !== 0) return; // only root can give a directory away
    const foreign = join(root, 'foreign');
    mkdirSync(foreign, { mode: 0o755 });
    chownSync(foreign, 4321, 4321);
    expect(() => ensurePrivateDir(foreign)).toThrow(`the directory ${foreign} belongs to uid 4321, not to this user (uid 0)`);
    expect(mode(foreign)).toBe('755');
  });
});
