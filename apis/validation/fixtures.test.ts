// Table test over test/fixtures/: every malformed manifest yields exactly the error lines its
// `# expect:` comments list (in order), and every valid manifest loads without any.
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ValidationError, formatFieldIssue } from '../errors.ts';
import { loadManifests } from './load.ts';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const invalidDir = 'test/fixtures/invalid';
const validDir = 'test/fixtures/valid';

const invalidFixtures = readdirSync(`${repoRoot}${invalidDir}`).filter((f) => f.endsWith('.yaml')).sort();
const validFixtures = readdirSync(`${repoRoot}${validDir}`).sort();

function expectedLines(file: string): string[] {
  const text = readFileSync(`${repoRoot}${file}`, 'utf8');
  return text
    .split('\n')
    .filter((line) => line.startsWith('# expect: '))
    .map((line) => line.slice('# expect: '.length));
}

async function errorLines(file: string): Promise<string[]> {
  try {
    await loadManifests([file], { cwd: repoRoot });
  } catch (err) {
    if (err instanceof ValidationError) return err.issues.map(formatFieldIssue);
    throw err;
  }
  return [];
}

describe('invalid manifest fixtures', () => {
  it('has at least 45 fixtures, each expecting at least one error', () => {
    expect(invalidFixtures.length).toBeGreaterThanOrEqual(45);
    for (const name of invalidFixtures) expect(expectedLines(`${invalidDir}/${name}`), name).not.toHaveLength(0);
  });

  it.each(invalidFixtures)('%s yields exactly its expected errors', async (name) => {
    const file = `${invalidDir}/${name}`;
    expect(await errorLines(file)).toEqual(expectedLines(file));
  });

  it('reports the errors of every fixture at once when loaded together (all or nothing)', async () => {
    const files = invalidFixtures.map((name) => `${invalidDir}/${name}`);
    const all = files.flatMap(expectedLines);
    await expect(loadManifests(files, { cwd: repoRoot })).rejects.toThrow(ValidationError);
    const lines = await errorLines(invalidDir);
    expect(lines).toEqual(all);
  });
});

describe('valid manifest fixtures', () => {
  it('has at least one fixture per kind and a multi-document one', () => {
    const texts = validFixtures.map((name) => readFileSync(`${repoRoot}${validDir}/${name}`, 'utf8'));
    for (const kind of ['Workspace', 'PortBinding', 'SyncSession']) {
      expect(texts.some((t) => new RegExp(`kind"?:\\s*"?${kind}\\b`).test(t)), kind).toBe(true);
    }
    expect(texts.some((t) => (t.match(/^---$/gm) ?? []).length >= 2)).toBe(true);
  });

  it.each(validFixtures)('%s loads without errors', async (name) => {
    const loaded = await loadManifests([`${validDir}/${name}`], { cwd: repoRoot });
    expect(loaded.length).toBeGreaterThan(0);
    for (const manifest of loaded) expect(manifest.file).toBe(`${validDir}/${name}`);
  });
});
