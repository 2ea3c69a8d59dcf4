/**
 * Expands what a user passed to `-f` (files, directories, `-` for stdin) into the manifest texts to
 * parse, each named as the user would recognise it.
 */
import { readdir, stat } from 'node:fs/promises';
import { resolve, sep } from 'node:path';
import { BoulderError } from '../errors.ts';
import { InputTooLargeError, readStreamBounded, readTextBounded } from './bounded-read.ts';

/** How `-` reads standard input; the CLI passes its own, tests a fixed string. */
export type StdinReader = () => Promise<string>;

/** Options of {@link readManifestSources}. */
export interface SourceOptions {
  /** Descend into subdirectories of directory sources (`-R`). */
  recursive?: boolean;
  /** Reads standard input for the source `-`; defaults to reading process.stdin to its end. */
  stdin?: StdinReader;
  /** Directory relative sources are resolved against; defaults to process.cwd(). */
  cwd?: string;
}

/** One manifest file (or stdin) to parse. */
export interface ManifestSource {
  /** The name shown in errors: the path as the user gave it, `<stdin>` for `-`. */
  file: string;
  /** The text; undefined for a directory that holds no manifest files. */
  text: string | undefined;
}

/** Name under which standard input appears in errors. */
export const STDIN_NAME = '<stdin>';

const MANIFEST_EXTENSIONS = ['.yaml', '.yml', '.json'];

/**
 * Reads every source, in order: a file as is; a directory's `*.yaml`/`*.yml`/`*.json` files sorted
 * by name (with subdirectories, depth first, when recursive); `-` from stdin, read and listed once
 * however often it is named. A directory without manifest files yields one source without text.
 * A missing or unreadable path fails with a BoulderError (code `BadRequest`) naming it.
 */
export async function readManifestSources(sources: readonly string[], options: SourceOptions = {}): Promise<ManifestSource[]> {
  const cwd = options.cwd ?? process.cwd();
  const out: ManifestSource[] = [];
  let stdinText: string | undefined;
  for (const source of sources) {
    if (source === '-') {
      if (stdinText === undefined) {
        stdinText = await (options.stdin ?? readProcessStdin)().catch((err: unknown) => {
          throw err instanceof InputTooLargeError ? unreadable(STDIN_NAME, err) : err;
        });
        out.push({ file: STDIN_NAME, text: stdinText });
      }
      continue;
    }
    const absolute = resolve(cwd, source);
    const info = await stat(absolute).catch((err: unknown) => {
      throw unreadable(source, err);
    });
    if (!info.isDirectory()) {
      out.push({ file: source, text: await readText(source, absolute) });
      continue;
    }
    const files = await listManifestFiles(absolute, options.recursive === true, source);
    if (files.length === 0) out.push({ file: source, text: undefined });
    for (const file of files) out.push({ file: file.shown, text: await readText(file.shown, file.absolute) });
  }
  return out;
}

async function listManifestFiles(dir: string, recursive: boolean, shown: string): Promise<{ shown: string; absolute: string }[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch((err: unknown) => {
    throw unreadable(shown, err);
  });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const found: { shown: string; absolute: string }[] = [];
  for (const entry of entries) {
    const child = { shown: joinShown(shown, entry.name), absolute: `${dir}${sep}${entry.name}` };
    if (entry.isDirectory()) {
      if (recursive) found.push(...(await listManifestFiles(child.absolute, true, child.shown)));
    } else if (MANIFEST_EXTENSIONS.some((ext) => entry.name.endsWith(ext))) {
      found.push(child);
    }
  }
  return found;
}

/** `dir` + `name`, keeping `dir` exactly as the user wrote it. */
function joinShown(dir: string, name: string): string {
  return dir.endsWith('/') || dir.endsWith(sep) ? `${dir}${name}` : `${dir}/${name}`;
}

async function readText(shown: string, absolute: string): Promise<string> {
  try {
    return await readTextBounded(absolute);
  } catch (err) {
    throw unreadable(shown, err);
  }
}

function unreadable(shown: string, err: unknown): BoulderError {
  if (err instanceof InputTooLargeError) return new BoulderError('BadRequest', `${shown}: ${err.message}`, { cause: err });
  const code = (err as { code?: unknown }).code;
  const reason =
    code === 'ENOENT' || code === 'ENOTDIR'
      ? 'no such file or directory'
      : code === 'EACCES' || code === 'EPERM'
        ? 'permission denied'
        : err instanceof Error
          ? err.message
          : String(err);
  return new BoulderError('BadRequest', `${shown}: ${reason}`, { cause: err });
}

async function readProcessStdin(): Promise<string> {
  try {
    return await readStreamBounded(process.stdin);
  } catch (err) {
    throw unreadable(STDIN_NAME, err);
  }
}
