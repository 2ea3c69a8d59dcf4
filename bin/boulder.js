#!/usr/bin/env node
// The `boulder` executable: runs the compiled CLI from dist/ (npm run build), or the TypeScript
// sources directly when dist/ is missing (Node >= 22.18 strips types), then exits with its code.
/* global URL */
import { existsSync } from 'node:fs';

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 19)) {
  process.stderr.write(`error: boulder needs Node.js >= 22.19 (this is ${process.version})\n`);
  process.exit(1);
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
