/**
 * Loading manifests for `boulder apply -f` / `delete -f`: read every source, parse every document,
 * validate all of them, and either return every object (defaulted) or fail with every problem, so a
 * bad document never lets the others half-apply.
 */
import { ValidationError } from '../errors.ts';
import type { FieldIssue } from '../errors.ts';
import type { KubeObject } from '../meta.ts';
import { defaultValue } from './defaults.ts';
import { parseManifestText } from './parse.ts';
import { dirname, resolve } from 'node:path';
import { resolveHostPaths } from './relative-paths.ts';
import { readManifestSources, STDIN_NAME } from './sources.ts';
import type { ManifestSource, SourceOptions } from './sources.ts';
import { validateDocument } from './validate.ts';

/** One valid object of a manifest, defaulted, and where it came from. */
export interface LoadedManifest {
  object: KubeObject;
  /** The file as the user named it (`<stdin>` for `-`). */
  file: string;
  /** 0-based index of the document in the file. */
  documentIndex: number;
  /**
   * `metadata.namespace` as written in the manifest, before defaulting; undefined when absent.
   * Lets `-n NS` tell "no namespace given" from an explicit `default` (kubectl's mismatch check).
   */
  declaredNamespace: string | undefined;
}

/** Options of {@link loadManifests}: `recursive` (`-R`), `stdin`, `cwd`. */
export type LoadOptions = SourceOptions;

/**
 * Reads, parses, defaults and validates the manifests of `sources` (files, directories, `-`).
 * Returns every object in source order, or throws one ValidationError listing every issue of every
 * document (file:line:col, document index, field path). A missing or unreadable path throws a
 * BoulderError with code `BadRequest`. Relative host paths (a Workspace's `spec.repository.path`)
 * are resolved against the manifest's directory.
 */
export async function loadManifests(sources: readonly string[], options: LoadOptions = {}): Promise<LoadedManifest[]> {
  return parseManifests(await readManifestSources(sources, options), options.cwd ?? process.cwd());
}

/**
 * loadManifests of sources already read (the daemon's control op `apply` gets their texts from
 * the CLI): parses, defaults and validates them, resolving relative host paths against each
 * file's directory under `cwd` (stdin's: `cwd`). Touches no file: `cwd` and the names are strings.
 */
export function parseManifests(sources: readonly ManifestSource[], cwd: string): LoadedManifest[] {
  const issues: FieldIssue[] = [];
  const loaded: LoadedManifest[] = [];
  for (const source of sources) {
    if (source.text === undefined) {
      issues.push({ path: '', message: 'no .yaml, .yml or .json files', file: source.file });
      continue;
    }
    const documents = parseManifestText(source.text, source.file);
    if (documents.length === 0) issues.push({ path: '', message: 'no objects found', file: source.file });
    for (const doc of documents) {
      const object = defaultValue(doc.object);
      const found = validateDocument({ ...doc, object });
      issues.push(...found);
      if (found.length > 0) continue;
      const declaredNamespace = (doc.object as KubeObject).metadata.namespace;
      const baseDir = source.file === STDIN_NAME ? cwd : dirname(resolve(cwd, source.file));
      loaded.push({ object: resolveHostPaths(object as KubeObject, baseDir), file: doc.file, documentIndex: doc.documentIndex, declaredNamespace });
    }
  }
  if (issues.length > 0) throw new ValidationError(issues);
  return loaded;
}
