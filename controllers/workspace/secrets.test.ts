import { describe, expect, it } from 'vitest';
import { resolveSecrets, secretRefsOf, type SecretSources } from './secrets.ts';

const sources: SecretSources = {
  env: { API_TOKEN: 's3cr3t' },
  readFile: (path) => (path === '/run/db-pass' ? Promise.resolve('hunter2\n') : Promise.reject(Object.assign(new Error('nope'), { code: 'ENOENT' }))),
};

describe('resolveSecrets', () => {
  it('reads env and files, dropping one trailing newline', async () => {
    expect(
      await resolveSecrets(
        [
          { name: 'TOKEN', fromEnv: 'API_TOKEN' },
          { name: 'DB_PASSWORD', fromFile: '/run/db-pass' },
        ],
        sources,
      ),
    ).toEqual({ TOKEN: 's3cr3t', DB_PASSWORD: 'hunter2' });
  });

  it.each([
    [{ name: 'A', fromEnv: 'MISSING' }, 'secret A: environment variable MISSING is not set'],
    [{ name: 'B', fromFile: '/nope' }, 'secret B: cannot read /nope (ENOENT)'],
    [{ name: 'C', secretRef: { name: 's', key: 'k' } }, 'secret C: secretRef needs the kubernetes backend'],
    [{ name: 'D' }, 'secret D: name exactly one of fromEnv, fromFile or secretRef'],
  ])('%j fails clearly without printing values', async (ref, message) => {
    await expect(resolveSecrets([ref], sources)).rejects.toThrow(message);
  });
});

describe('secretRef by reference', () => {
  const refs = [
    { name: 'TOKEN', secretRef: { name: 'api', key: 'token' } },
    { name: 'DB_PASSWORD', fromFile: '/run/db-pass' },
  ];

  it('is never read when the runtime resolves it (kubernetes): only the other sources are', async () => {
    expect(await resolveSecrets(refs, sources, { secretRefsByReference: true })).toEqual({ DB_PASSWORD: 'hunter2' });
    expect(secretRefsOf(refs)).toEqual([{ env: 'TOKEN', secret: 'api', key: 'token' }]);
    expect(secretRefsOf(undefined)).toEqual([]);
  });
});
