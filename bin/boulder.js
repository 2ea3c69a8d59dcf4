#!/usr/bin/env node
// The `boulder` executable: runs the bundled CLI from dist/cli/ (npm run build: cmd/build/bundle.ts),
// else the compiled modules of dist/cmd/, else the TypeScript sources directly when dist/ is missing
// (Node >= 22.18 strips types), then exits with its code.
/* global URL */
import { existsSync, lstatSync, mkdirSync } from 'node:fs';
import nodeModule from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 19)) {
  process.stderr.write(`error: boulder needs Node.js >= 22.19 (this is ${process.version})\n`);
  process.exit(1);
}

enablePackageCompileCache();

const entry = [new URL('../dist/cli/main.js', import.meta.url), new URL('../dist/cmd/main.js', import.meta.url)].find((url) => existsSync(url)) ?? new URL('../cmd/main.ts', import.meta.url);
// A reader that went away (`boulder get ws | head -1`) is not an error.
process.stdout.on('error', (err) => process.exit(err.code === 'EPIPE' ? 0 : 1));
const { runCli } = await import(entry.href);
const code = await runCli(process.argv.slice(2));
process.exitCode = code;
// Exit once stdout and stderr are flushed, even if a stray handle (a timer, a watch) would keep
// the event loop alive.
process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));

/**
 * Turns on Node's compile cache (the V8 code of every module boulder loads: loading is most of the
 * CLI's start) in `.cache/` of boulder's own package directory: beside the code it caches, never
 * in a shared directory like /tmp, and nothing written into the user's home or state dir (a
 * command that fails on bad input writes nothing there). V8 runs cached code as it finds it, so the
 * cache is used only when no other user can write it: `.cache` must be this user's and the package
 * directory this user's or root's, neither writable by group or others — an installation this user
 * cannot write gets no cache. NODE_COMPILE_CACHE, when set, wins (Node enabled it already);
 * NODE_DISABLE_COMPILE_CACHE=1 turns it off. Any failure just leaves the cache off.
 */
function enablePackageCompileCache() {
  if (process.env.NODE_COMPILE_CACHE !== undefined || typeof nodeModule.enableCompileCache !== 'function') return;
  try {
    const packageDir = dirname(dirname(fileURLToPath(import.meta.url)));
    const dir = join(packageDir, '.cache');
    mkdirSync(dir, { mode: 0o700, recursive: true });
    if (!privateTo(dir, false) || !privateTo(packageDir, true)) return;
    nodeModule.enableCompileCache(join(dir, 'node-compile-cache'));
  } catch {
    // No cache: Node compiles every module, as without one.
  }
}

/** True when `path` is a directory (not a link) owned by this user (or root, when `rootToo`) that only its owner can write. */
function privateTo(path, rootToo) {
  const stat = lstatSync(path);
  const uid = process.getuid?.();
  const owner = uid === undefined || stat.uid === uid || (rootToo && stat.uid === 0);
  return stat.isDirectory() && owner && (stat.mode & 0o022) === 0;
}
