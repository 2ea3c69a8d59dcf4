/**
 * Uploads the staged files of one apply batch: a tar entry for every `stream` write (in order, with
 * its final mode and the batch's mtime, where `stagingLayout` puts it; bytes hashed on the way)
 * and finally the apply script, built knowing which entries did not hash to their digest. A large
 * batch is spread over two archives extracted concurrently: extraction (docker's untar or `tar -x`)
 * is CPU-bound and single-threaded, so one archive leaves the second core idle. Each entry goes to
 * the archive with the least data waiting, small pieces are merged into larger writes.
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { PassThrough, type Readable } from 'node:stream';
import type { FileContent, Operation } from '../endpoint.ts';
import type { StagingLayout } from './apply-script.ts';
import { directoryHeader, endOfArchive, fileHeader, longFileHeader, padding } from './tar.ts';

/** Batches with at least this many streamed files are spread over `LANES` archives. */
const PARALLEL_MIN_FILES = 256;

/** Archives of a large batch. */
const LANES = 2;

/** Writes handed to an upload are merged up to about this size. */
const UPLOAD_CHUNK = 256 * 1024;

/** Data buffered per archive before the producer waits. */
const LANE_BUFFER = 1024 * 1024;

/** What `uploadStage` stages. */
export interface StageUpload {
  /** Name of the stage directory (inside the directory the archives are extracted into). */
  stageName: string;
  ops: readonly Operation[];
  layout: StagingLayout;
  /** mtime of every staged file, whole seconds. */
  mtime: number;
  /** The bytes of the `stream` writes, in order (exactly one item is consumed per such write). */
  contents: AsyncIterable<FileContent>;
  /** The apply script, given the indexes of stream writes whose bytes are unusable. */
  script: (mismatched: ReadonlySet<number>) => string;
}

/** How many archives `ops` are spread over. */
export function laneCount(ops: readonly Operation[]): number {
  let files = 0;
  for (const op of ops) if (op.op === 'write' && op.source === 'stream') files++;
  return files >= PARALLEL_MIN_FILES ? LANES : 1;
}

/** One archive being produced: merges small writes, waits while its consumer is behind. */
class Lane {
  readonly stream = new PassThrough({ highWaterMark: LANE_BUFFER });
  readonly #signal: AbortSignal;
  #pending: Buffer[] = [];
  #size = 0;

  constructor(signal: AbortSignal) {
    this.#signal = signal;
    // Failures are reported through the abort signal; the consumer sees the error too.
    this.stream.on('error', () => undefined);
  }

  /** Bytes written but not yet taken by the consumer. */
  get backlog(): number {
    return this.#size + this.stream.writableLength + this.stream.readableLength;
  }

  async write(chunk: Buffer): Promise<void> {
    if (chunk.length === 0) return;
    this.#pending.push(chunk);
    this.#size += chunk.length;
    if (this.#size >= UPLOAD_CHUNK) await this.#flush();
  }

  async end(): Promise<void> {
    await this.#flush();
    this.stream.end();
  }

  async #flush(): Promise<void> {
    if (this.#size === 0) return;
    const data = this.#pending.length === 1 ? (this.#pending[0] as Buffer) : Buffer.concat(this.#pending, this.#size);
    this.#pending = [];
    this.#size = 0;
    if (!this.stream.write(data)) await once(this.stream, 'drain', { signal: this.#signal });
  }
}

function leastBusy(lanes: readonly Lane[]): Lane {
  let best = lanes[0] as Lane;
  for (const lane of lanes) if (lane.backlog < best.backlog) best = lane;
  return best;
}

/** Writes every staged entry and the script into `lanes`, then ends them. */
async function produce(stage: StageUpload, lanes: readonly Lane[]): Promise<void> {
  const iterator = stage.contents[Symbol.asyncIterator]();
  const mismatched = new Set<number>();
  try {
    // The trees of new directories exist even where they hold no file.
    for (const block of stage.layout.blocks) {
      for (const dir of ['', ...block.subdirs]) {
        await (lanes[0] as Lane).write(directoryHeader(`${stage.stageName}/${block.stageDir}${dir === '' ? '' : `/${dir}`}`, 0o755, stage.mtime));
      }
    }
    for (const [index, op] of stage.ops.entries()) {
      if (op.op !== 'write' || op.source !== 'stream') continue;
      const next = await iterator.next();
      if (next.done === true || next.value.data === null) {
        mismatched.add(index);
        continue;
      }
      const lane = leastBusy(lanes);
      await lane.write(longFileHeader(`${stage.stageName}/${stage.layout.staged.get(index) ?? `s${index}`}`, op.size, op.executable ? 0o755 : 0o644, stage.mtime));
      const hash = createHash('sha256');
      let sent = 0;
      let received = 0;
      for await (const chunk of next.value.data) {
        received += chunk.length;
        hash.update(chunk);
        const room = op.size - sent;
        if (room <= 0) continue;
        const piece = chunk.length > room ? chunk.subarray(0, room) : chunk;
        sent += piece.length;
        await lane.write(Buffer.from(piece));
      }
      if (sent < op.size) await lane.write(Buffer.alloc(op.size - sent));
      await lane.write(padding(op.size));
      if (received !== op.size || hash.digest('hex') !== op.digest) mismatched.add(index);
    }
  } finally {
    // Let the content source release what it holds (an open file behind the last item).
    await iterator.return?.()?.catch(() => undefined);
  }
  const body = Buffer.from(stage.script(mismatched));
  const first = lanes[0] as Lane;
  await first.write(fileHeader(`${stage.stageName}/apply.sh`, body.length));
  await first.write(body);
  await first.write(padding(body.length));
  for (const lane of lanes) {
    await lane.write(endOfArchive());
    await lane.end();
  }
}

/**
 * Produces the staging archives and hands each to `upload` (concurrently); resolves once every
 * archive is extracted. Without `upload` the contents are consumed and discarded (the Endpoint
 * contract: one item per stream write even when nothing can be applied). Rejects with the first
 * failure of the upload or of the content source.
 */
export async function uploadStage(stage: StageUpload, upload: ((archive: Readable) => Promise<void>) | undefined): Promise<void> {
  const abort = new AbortController();
  const lanes = Array.from({ length: upload === undefined ? 1 : laneCount(stage.ops) }, () => new Lane(abort.signal));
  const fail = (err: unknown): void => {
    abort.abort(err);
    // Destroyed with an error, so that an upload still reading its archive fails instead of waiting.
    const reason = err instanceof Error ? err : new Error(String(err));
    for (const lane of lanes) if (!lane.stream.destroyed) lane.stream.destroy(reason);
  };
  if (upload === undefined) {
    for (const lane of lanes) lane.stream.resume();
    await produce(stage, lanes);
    return;
  }
  const uploads = lanes.map(async (lane) => {
    try {
      await upload(lane.stream);
    } catch (err) {
      fail(err);
      return;
    }
    if (!lane.stream.writableEnded) fail(new Error('the upload ended before its archive did'));
  });
  const produced = produce(stage, lanes).catch((err: unknown) => fail(err));
  await Promise.all([produced, ...uploads]);
  if (abort.signal.aborted) throw abort.signal.reason;
}
