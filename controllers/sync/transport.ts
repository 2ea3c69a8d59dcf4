/**
 * How a shell-driven sync endpoint (controllers/sync/docker/docker-endpoint.ts `createShellEndpoint`)
 * reaches the machine its files live on. The endpoint itself only needs three things, which every
 * runtime with an exec API can provide:
 * - a long-lived process with stdin and stdout (the shell agent: scan and apply scripts);
 * - a command whose stdout streams back (a `tar -c` of files to read; the change watcher);
 * - a tar archive extracted into a directory (the staged files of one apply batch).
 * Implementations: Docker (`docker/docker-transport.ts`: exec with hijacked streams, `tar -x`)
 * and Kubernetes (`kubernetes/pod-transport.ts`: Pod exec over the API server's WebSocket).
 */
import type { Readable, Writable } from 'node:stream';

/** A long-lived process started by `ExecTransport.shell`. */
export interface ShellProcess {
  /** The process's standard input. */
  readonly stdin: Writable;
  /** The process's standard output (stderr is discarded). */
  readonly stdout: Readable;
  /** Calls `listener` once, when the process or its connection ended, with a reason for messages. */
  onEnd(listener: (reason: string) => void): void;
  /** Ends the input and drops the connection. */
  close(): void;
}

/** See the module comment. */
export interface ExecTransport {
  /** Where the commands run, for endpoint names and messages (e.g. `docker:<container>`). */
  readonly name: string;
  /** Starts `argv` with stdin and stdout attached; resolves once it is connected. */
  shell(argv: readonly string[]): Promise<ShellProcess>;
  /**
   * Runs `argv` and returns its stdout, which ends when the command exits. Destroying the stream
   * or aborting `signal` stops the command.
   */
  stream(argv: readonly string[], signal?: AbortSignal): Promise<Readable>;
  /**
   * Extracts the tar `archive` into the existing directory `dir`; resolves once it is extracted.
   * Several uploads may run at once (a large batch is spread over two archives) and must not wait
   * for each other.
   */
  upload(dir: string, archive: Readable): Promise<void>;
}
