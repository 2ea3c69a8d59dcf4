#!/usr/bin/env node
// The `boulder` executable: runs the compiled CLI from dist/ (npm run build), or the TypeScript
// sources directly when dist/ is missing (Node >= 22.18 strips types), then exits with its code.
/* global URL */
import { existsSync } from 'node:fs';
import nodeModule from 'node:module';
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 19)) {
  process.stderr.write(`error: boulder needs Node.js >= 22.19 (this is ${process.version})\n`);
  process.exit(1);
}

// Node's compile cache (V8 code of every module boulder loads) in the user's own cache directory,
// never a shared one like /tmp: loading the CLI is most of its start. NODE_COMPILE_CACHE, when set,
// wins (Node enabled it already); NODE_DISABLE_COMPILE_CACHE=1 turns it off. A cache that cannot
// be written is no error: Node then just compiles.
if (process.env.NODE_COMPILE_CACHE === undefined) {
  const xdg = process.env.XDG_CACHE_HOME;
  const cacheHome = xdg !== undefined && isAbsolute(xdg) ? xdg : join(process.env.HOME || homedir(), '.cache');
  nodeModule.enableCompileCache(join(cacheHome, 'boulder', 'node-compile-cache'));
}

const compiled = new URL('../dist/cmd/main.js', import.meta.url);
const entry = existsSync(compiled) ? compiled : new URL('../cmd/main.ts', import.meta.url);
// A reader that went away (`boulder get ws | head -1`) is not an error.
process.stdout.on('error', (err) => process.exit(err.code === 'EPIPE' ? 0 : 1));
const { runCli } = await import(entry.href);
const code = await runCli(process.argv.slice(2));
process.exitCode = code;
// Exit once stdout and stderr are flushed, even if a stray handle (a timer, a watch) would keep
// the event loop alive.
process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
