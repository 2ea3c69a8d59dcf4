/**
 * A build context as Docker would send it: every file under the context directory not excluded
 * by `.dockerignore` (the Dockerfile and `.dockerignore` themselves always go), and a content hash
 * over those files (path, executable bit, content or link target) plus the Dockerfile path, build
 * args and target. The hash names the built image, so an unchanged context reuses its image.
 * File digests are cached by path, size, mtime and inode, so re-hashing an unchanged tree only
 * stats it.
 */
import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { lstat, open, readFile, readdir, readlink } from 'node:fs/promises';
import path from 'node:path';
import dockerignoreModule from '@balena/dockerignore';
import type { ImageSource } from '../types.ts';

/** The build inputs of a workspace image. */
export type BuildSource = Extract<ImageSource, { kind: 'build' }>;

/** The files Docker will receive and the hash of everything that shapes the image. */
export interface ScannedContext {
  /** Context-relative POSIX paths of regular files and symlinks, sorted. */
  files: string[];
  /** sha256 hex of the inputs. */
  contentHash: string;
}

/** Digests of files seen before, keyed by absolute path. */
export type FileDigestCache = Map<string, { key: string; digest: string }>;

/** Thrown when the context or Dockerfile cannot be read. */
export class BuildContextError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BuildContextError';
  }
}

/** Lists and hashes a build context. */
export async function scanBuildContext(source: BuildSource, cache: FileDigestCache = new Map()): Promise<ScannedContext> {
  const root = source.context;
  const dockerfile = toPosix(path.normalize(source.dockerfile));
  const rules = await ignoreRules(root);
  const always = new Set([dockerfile, '.dockerignore']);
  const files: string[] = [];
  await walk(root, '', { ...rules, include: (rel) => rules.include(rel) || always.has(rel) }, files);
  files.sort();
  if (!files.includes(dockerfile)) {
    throw new BuildContextError(`Dockerfile "${source.dockerfile}" not found in build context ${root}`);
  }
  const hash = createHash('sha256');
  hash.update(JSON.stringify({ dockerfile, args: Object.entries(source.args).sort(), target: source.target ?? null }));
  for (const rel of files) hash.update(`\0${rel}\0${await fileDigest(path.join(root, rel), cache)}`);
  return { files, contentHash: hash.digest('hex') };
}

interface IgnoreRules {
  /** True when a path is sent (not excluded by `.dockerignore`). */
  include: (rel: string) => boolean;
  /** True when an excluded directory may hold re-included (`!pattern`) files, so it is walked anyway. */
  hasExceptions: boolean;
}

/** The `.dockerignore` rules of a context; everything is included when there is none. */
async function ignoreRules(root: string): Promise<IgnoreRules> {
  let text: string;
  try {
    text = await readFile(path.join(root, '.dockerignore'), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { include: () => true, hasExceptions: false };
    throw new BuildContextError(`cannot read ${path.join(root, '.dockerignore')}: ${(err as Error).message}`, { cause: err });
  }
  const hasExceptions = text.split('\n').some((line) => line.trim().startsWith('!'));
  return { include: dockerignore({ ignorecase: false }).add(text).createFilter(), hasExceptions };
}

/**
 * The package is CommonJS whose types declare an ES default export: under Node's ESM interop the
 * default import is `module.exports`, which is the factory and also carries it as `.default`.
 */
function dockerignore(options: { ignorecase: boolean }): ReturnType<typeof dockerignoreModule.default> {
  return dockerignoreModule.default(options);
}

async function walk(root: string, dir: string, rules: IgnoreRules, out: string[]): Promise<void> {
  let entries;
  try {
    entries = await readdir(path.join(root, dir), { withFileTypes: true });
  } catch (err) {
    throw new BuildContextError(`cannot read build context directory ${path.join(root, dir)}: ${(err as Error).message}`, { cause: err });
  }
  for (const entry of entries) {
    const rel = dir === '' ? entry.name : `${dir}/${entry.name}`;
    if (entry.isDirectory()) {
      if (rules.hasExceptions || rules.include(rel)) await walk(root, rel, rules, out);
    } else if ((entry.isFile() || entry.isSymbolicLink()) && rules.include(rel)) out.push(rel);
  }
}

/** `x`/`-` for the executable bit, then the content digest (or `link:` target for symlinks). */
async function fileDigest(file: string, cache: FileDigestCache): Promise<string> {
  const stat = await lstat(file);
  const key = `${stat.size}:${stat.mtimeMs}:${stat.ino}:${stat.mode}`;
  const cached = cache.get(file);
  if (cached?.key === key) return cached.digest;
  const exec = (stat.mode & 0o111) !== 0 ? 'x' : '-';
  const digest = stat.isSymbolicLink() ? `${exec}link:${await readlink(file)}` : `${exec}${await sha256File(file)}`;
  cache.set(file, { key, digest });
  return digest;
}

/** A file swapped for a link since its lstat is not followed (ELOOP), nor a FIFO waited on. */
async function sha256File(file: string): Promise<string> {
  const handle = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  const hash = createHash('sha256');
  for await (const chunk of handle.createReadStream()) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function toPosix(p: string): string {
  return p.split(path.sep).join('/');
}
