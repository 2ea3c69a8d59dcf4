import { describe, expect, it } from 'vitest';
import { formatKey, isPathPrefix, parseKey } from './key-path.ts';
import { displayPath } from './paths.ts';

describe('parseKey / formatKey', () => {
  it.each([
    ['workspace.idle_timeout', ['workspace', 'idle_timeout']],
    ['services.db.env.POSTGRES_DB', ['services', 'db', 'env', 'POSTGRES_DB']],
    ['build.args["a.b"]', ['build', 'args', 'a.b']],
    ['project_overrides["~/code/*"].backend', ['project_overrides', '~/code/*', 'backend']],
  ])('%s ↔ %j', (text, path) => {
    expect(parseKey(text)).toEqual(path);
    expect(formatKey(path)).toBe(text);
  });

  it.each(['', 'a..b', 'a.', '.a', 'a["b', 'a["b"]c'])('rejects %j', (text) => expect(parseKey(text)).toBeUndefined());

  it('isPathPrefix compares segments', () => {
    expect(isPathPrefix(['a'], ['a', 'b'])).toBe(true);
    expect(isPathPrefix(['a', 'b'], ['a', 'b'])).toBe(true);
    expect(isPathPrefix(['a', 'b'], ['a'])).toBe(false);
    expect(isPathPrefix(['a', 'b'], ['a', 'bc'])).toBe(false);
  });
});

describe('displayPath', () => {
  it.each([
    ['/home/u/code/api/.nexus/config.yaml', '/home/u/code/api', '.nexus/config.yaml'],
    ['/home/u/.nexus/config.yaml', '/home/u/code/api', '~/.nexus/config.yaml'],
    ['/home/u/.nexus/config.yaml', '/', '~/.nexus/config.yaml'],
    ['/etc/nexus/config.yaml', '/home/u', '/etc/nexus/config.yaml'],
    ['/work/x.yaml', '/work', 'x.yaml'],
  ])('%s from %s → %s', (path, cwd, shown) => expect(displayPath(path, cwd, '/home/u')).toBe(shown));
});
