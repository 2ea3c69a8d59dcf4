/**
 * dockerode's BuildKit session (`dockerode/lib/session.js`), which `require`s gRPC and protobufjs
 * (about 100 modules, some 50 ms) when dockerode loads, although only `buildImage` with
 * `version: '2'` calls it. Importing this module before dockerode puts a stand-in for it into
 * Node's module cache (`require.cache`, a documented way to supply a module): the stand-in loads
 * the real session module on its first call, so `boulder exec` and the daemon's start no longer pay
 * for gRPC, and a BuildKit build still gets the real thing. Behaviour is otherwise unchanged.
 *
 * dockerode itself is loaded through loadDockerode, a `require` after the stand-in is in place: an
 * `import` would not do, since a bundle (cmd/build/bundle.ts) evaluates a chunk's package imports
 * before any of its own code.
 */
import { createRequire, Module } from 'node:module';
import type Dockerode from 'dockerode';

const require = createRequire(import.meta.url);

/** dockerode's `withSession(docker, auth, handler)`, as the stand-in calls it. */
type WithSession = (this: unknown, ...args: unknown[]) => unknown;

/** Installs the stand-in unless the session module is loaded already (then there is nothing to save). */
function installLazySession(): void {
  let path: string;
  try {
    path = require.resolve('dockerode/lib/session.js');
  } catch {
    return; // Another dockerode layout: it loads its session module as it always did.
  }
  if (require.cache[path] !== undefined) return;
  let real: WithSession | undefined;
  const standIn = function withSession(this: unknown, ...args: unknown[]): unknown {
    if (real === undefined) {
      delete require.cache[path];
      real = require(path) as WithSession;
    }
    return real.apply(this, args);
  };
  const entry = new Module(path);
  entry.filename = path;
  entry.loaded = true;
  entry.exports = standIn;
  require.cache[path] = entry;
}

/** dockerode's client class, loaded (once) after the stand-in of its BuildKit session is installed. */
export function loadDockerode(): typeof Dockerode {
  installLazySession();
  return require('dockerode') as typeof Dockerode;
}
