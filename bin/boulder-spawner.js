// boulder's spawner (controllers/runtime/child-process/spawner.ts): forked by the daemon early in
// its start, while it is small, it runs programs for the daemon with execFile, so that the daemon's
// event loop is not blocked by forks of its own growing memory. Requests and replies cross the IPC
// channel (protocol.ts): { id, file, args, options, input } → { id, stdout, stderr, failure }.
// It ends when the daemon goes (the channel closes); the terminal's or service manager's SIGINT
// and SIGTERM are the daemon's to act on (it stops gracefully, and this process with it).
// Plain JavaScript with no import beyond node:child_process: it must start fast and small.
/* global Buffer */
import { execFile } from 'node:child_process';

if (typeof process.send !== 'function') {
  process.stderr.write('boulder-spawner: started without an IPC channel; it is run by the boulder daemon only\n');
  process.exit(2);
}

process.on('SIGINT', () => undefined);
process.on('SIGTERM', () => undefined);
process.on('disconnect', () => process.exit(0));
process.on('message', run);
process.send({ ready: true });

/** Runs one request and sends its one reply. */
function run(request) {
  const { id, file, args, options, input } = request;
  const reply = (stdout, stderr, failure) => {
    if (process.connected) process.send(failure === undefined ? { id, stdout, stderr } : { id, stdout, stderr, failure }, () => undefined);
  };
  let child;
  try {
    child = execFile(file, args, options, (error, stdout, stderr) => reply(stdout, stderr, error === null ? undefined : describe(error)));
  } catch (err) {
    const empty = options.encoding === 'buffer' ? Buffer.alloc(0) : '';
    reply(empty, empty, describe(err));
    return;
  }
  // A program that exits without reading its input closes the pipe: not an error.
  child.stdin?.on('error', () => undefined);
  child.stdin?.end(input);
}

/** The fields of an execFile error the daemon rebuilds its ChildProcessError from (errors.ts: describeFailure). */
function describe(error) {
  const failure = { message: String(error?.message ?? error) };
  if (typeof error?.code === 'number' || typeof error?.code === 'string') failure.code = error.code;
  if (error?.killed === true) failure.killed = true;
  if (typeof error?.signal === 'string') failure.signal = error.signal;
  if (typeof error?.syscall === 'string') failure.syscall = error.syscall;
  if (typeof error?.path === 'string') failure.path = error.path;
  return failure;
}
