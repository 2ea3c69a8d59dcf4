/**
 * The Sprite `ExecTransport`: every call is an exec over the Sprites exec WebSocket, so the shell
 * endpoint (scan and apply scripts, tar reads, the watcher) runs in a Sprite as in a container.
 * - `shell`: one long exec with stdin (the shell agent);
 * - `stream`: an exec whose stdout is returned; stopping it kills its session (it would otherwise
 *   outlive the dropped connection);
 * - `upload`: `tar -x` in the directory, fed the archive on stdin, then the protocol's stdin EOF.
 * Sessions started here end with their connection (`max_run_after_disconnect=0s`).
 */
import type { Readable } from 'node:stream';
import { BoulderError } from '../../../apis/errors.ts';
import type { SpriteClient } from '../../providers/sprite/client.ts';
import { SpriteExec } from '../../providers/sprite/exec.ts';
import { killSession } from '../../providers/sprite/sprites-api.ts';
import type { ExecTransport, ShellProcess } from '../transport.ts';

/** A transport into Sprite `sprite`. */
export function spriteTransport(client: SpriteClient, sprite: string): ExecTransport {
  const name = `sprite:${sprite}`;
  const start = (argv: readonly string[], stdin: boolean): Promise<SpriteExec> => SpriteExec.start(client, sprite, { argv, stdin, maxRunAfterDisconnect: '1s' });
  return {
    name,
    async shell(argv): Promise<ShellProcess> {
      const exec = await start(argv, true);
      const { PassThrough } = await import('node:stream');
      const stdin = new PassThrough();
      void (async () => {
        try {
          for await (const chunk of stdin as AsyncIterable<Buffer>) await exec.write(chunk);
          exec.endStdin();
        } catch {
          // the exec ended
        }
      })();
      exec.stderr.resume();
      const ended = exec.exit.then(
        (code) => `exec ended (exit ${code})`,
        (err: unknown) => (err instanceof Error ? err.message : String(err)),
      );
      return { stdin, stdout: exec.stdout, onEnd: (listener) => void ended.then(listener), close: () => (stdin.end(), exec.close()) };
    },
    async stream(argv, signal): Promise<Readable> {
      const exec = await start(argv, false);
      exec.stderr.resume();
      const stop = (): void => {
        if (exec.done) return;
        const id = exec.sessionId;
        exec.close();
        if (id !== undefined) void killSession(client, sprite, id).catch(() => undefined);
      };
      if (signal?.aborted === true) stop();
      signal?.addEventListener('abort', stop, { once: true });
      exec.stdout.once('close', stop);
      void exec.exit.catch(() => undefined).finally(() => signal?.removeEventListener('abort', stop));
      return exec.stdout;
    },
    async upload(dir, archive) {
      const exec = await start(['sh', '-c', '[ -d "$1" ] || exit 1; exec tar -xf - -C "$1"', 'nexus-sync-upload', dir], true);
      let tail = '';
      exec.stderr.on('data', (c: Buffer) => (tail = (tail + c.toString()).slice(-500)));
      exec.stdout.resume();
      try {
        for await (const piece of archive as AsyncIterable<Buffer>) {
          if (exec.done) break;
          await exec.write(piece);
        }
        exec.endStdin();
      } catch (err) {
        exec.close();
        throw err;
      }
      const code = await exec.exit;
      if (code !== 0) throw new BoulderError('Unavailable', `upload into ${name}:${dir} failed: exit ${code}${tail.trim() === '' ? '' : ` (${tail.trim().replaceAll('\n', ' ')})`}`);
    },
  };
}

/**
 * The path the Sprite's shell sees for Sprite path `path` (`pwd -P` run there): the same path on
 * a real Sprite; wherever a stand-in keeps the Sprite's files otherwise. Rejects when it does not exist.
 */
export async function shellPath(client: SpriteClient, sprite: string, path: string): Promise<string> {
  const exec = await SpriteExec.start(client, sprite, { argv: ['pwd', '-P'], dir: path });
  let out = '';
  exec.stdout.on('data', (c: Buffer) => (out += c.toString()));
  exec.stderr.resume();
  const code = await exec.exit;
  const resolved = out.trim();
  if (code !== 0 || !resolved.startsWith('/')) throw new BoulderError('Unavailable', `sprite:${sprite}: cannot resolve ${path} (exit ${code})`);
  return resolved;
}
