/**
 * The hostile-input corpus: every case is a directory `test/fixtures/hostile/<category>/<case>/`
 * holding a `case.yaml` (what the case is and what must happen) and whatever input files the case
 * needs. A category is run by `test/hostile/runners/<category>.ts`, whose `run` export asserts the
 * expected error and that nothing outside the case's own objects was written or changed.
 * A new case is a new directory; a new category is a new directory plus its runner.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

/** Root of the corpus. */
export const CORPUS_ROOT = fileURLToPath(new URL('../fixtures/hostile/', import.meta.url));

/** What a case expects; runners may read more fields from `spec`. */
export interface HostileExpectation {
  /** A substring of the user-facing error message. */
  error?: string;
  /** The stable error code (or condition reason) that must be reported. */
  code?: string;
  /** The CLI's exit code, for cases that run the binary. */
  exitCode?: number;
}

/** One case of the corpus, as read from its directory. */
export interface HostileCase {
  category: string;
  name: string;
  /** Absolute path of the case's directory. */
  dir: string;
  description: string;
  expect: HostileExpectation;
  /** The whole parsed case.yaml, for runner-specific fields. */
  spec: Record<string, unknown>;
}

/** The runner module of a category: `export async function run(c: HostileCase): Promise<void>`. */
export interface HostileRunner {
  run(hostileCase: HostileCase): Promise<void>;
}

function subdirectories(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => statSync(join(dir, name)).isDirectory())
    .sort();
}

/** Reads every case of the corpus, by category. Throws on a case without a valid case.yaml. */
export function loadCorpus(root = CORPUS_ROOT): Map<string, HostileCase[]> {
  const corpus = new Map<string, HostileCase[]>();
  for (const category of subdirectories(root)) {
    const cases = subdirectories(join(root, category)).map((name) => readCase(root, category, name));
    corpus.set(category, cases);
  }
  return corpus;
}

function readCase(root: string, category: string, name: string): HostileCase {
  const dir = join(root, category, name);
  const spec = parse(readFileSync(join(dir, 'case.yaml'), 'utf8')) as Record<string, unknown> | null;
  if (!spec || typeof spec !== 'object') throw new Error(`${dir}/case.yaml: not a mapping`);
  const { description, expect } = spec;
  if (typeof description !== 'string' || description.length === 0) throw new Error(`${dir}/case.yaml: description is required`);
  if (!expect || typeof expect !== 'object') throw new Error(`${dir}/case.yaml: expect is required`);
  const e = expect as HostileExpectation;
  if (e.error === undefined && e.code === undefined) throw new Error(`${dir}/case.yaml: expect.error or expect.code is required`);
  return { category, name, dir, description, expect: e, spec };
}
