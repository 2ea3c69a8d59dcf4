/**
 * Just enough of the tar format for the Docker endpoint: writing ustar headers (pax `path` records
 * for names that do not fit) and reading a tar stream entry by entry (busybox and GNU tar
 * output, including GNU long names and pax `path` records), with bounded memory.
 */

const BLOCK = 512;

/** A ustar header for a regular file `name` (≤ 100 bytes) of `size` bytes and permission `mode`. */
export function fileHeader(name: string, size: number, mode = 0o644): Buffer {
  const nameBytes = Buffer.from(name);
  if (nameBytes.length > 100) throw new Error(`tar name too long: ${name}`);
  return ustarHeader(nameBytes, Buffer.alloc(0), size, mode, 0x30, Math.floor(Date.now() / 1000));
}

/**
 * The header(s) of a regular file with any name: a plain ustar header when the name fits (split
 * into the 155-byte prefix and 100-byte name fields at a `/` if needed), else a pax extended
 * header carrying the `path` record followed by the ustar header.
 */
export function longFileHeader(name: string, size: number, mode = 0o644, mtime = Math.floor(Date.now() / 1000)): Buffer {
  return entryHeader(name, size, mode, 0x30, mtime);
}

/** The header(s) of a directory with any name (as `longFileHeader`). */
export function directoryHeader(name: string, mode = 0o755, mtime = Math.floor(Date.now() / 1000)): Buffer {
  return entryHeader(name, 0, mode, 0x35, mtime);
}

function entryHeader(name: string, size: number, mode: number, type: number, mtime: number): Buffer {
  const bytes = Buffer.from(name);
  const none = Buffer.alloc(0);
  if (bytes.length <= 100) return ustarHeader(bytes, none, size, mode, type, mtime);
  for (let slash = bytes.indexOf(0x2f, Math.max(0, bytes.length - 101)); slash >= 0 && slash <= 155; slash = bytes.indexOf(0x2f, slash + 1)) {
    if (bytes.length - slash - 1 <= 100 && slash > 0) return ustarHeader(bytes.subarray(slash + 1), bytes.subarray(0, slash), size, mode, type, mtime);
  }
  const record = paxRecord('path', bytes);
  const pax = ustarHeader(Buffer.from('PaxHeader'), none, record.length, 0o644, 0x78, mtime);
  return Buffer.concat([pax, record, padding(record.length), ustarHeader(bytes.subarray(0, 100), none, size, mode, type, mtime)]);
}

/** One pax record `<len> <key>=<value>\n`, where `<len>` counts the whole record. */
function paxRecord(key: string, value: Buffer): Buffer {
  const body = value.length + key.length + 3; // ' ', '=', '\n'
  let length = body + String(body).length;
  if (String(length).length !== String(body).length) length = body + String(length).length;
  return Buffer.concat([Buffer.from(`${length} ${key}=`), value, Buffer.from('\n')]);
}

function ustarHeader(name: Buffer, prefix: Buffer, size: number, mode: number, type: number, mtime: number): Buffer {
  const header = Buffer.alloc(BLOCK);
  name.copy(header, 0);
  writeOctal(header, 100, 8, mode);
  writeOctal(header, 108, 8, 0);
  writeOctal(header, 116, 8, 0);
  writeOctal(header, 124, 12, size);
  writeOctal(header, 136, 12, mtime);
  header.fill(0x20, 148, 156);
  header[156] = type;
  Buffer.from('ustar\u000000').copy(header, 257);
  prefix.copy(header, 345);
  let sum = 0;
  for (const byte of header) sum += byte;
  writeOctal(header, 148, 7, sum);
  return header;
}

/** Zero padding that completes a `size`-byte entry to a whole block. */
export function padding(size: number): Buffer {
  const rest = size % BLOCK;
  return Buffer.alloc(rest === 0 ? 0 : BLOCK - rest);
}

/** The two zero blocks that end an archive. */
export function endOfArchive(): Buffer {
  return Buffer.alloc(BLOCK * 2);
}

function writeOctal(buf: Buffer, offset: number, length: number, value: number): void {
  const text = value.toString(8).padStart(length - 1, '0');
  buf.write(text, offset, length - 1, 'ascii');
  buf[offset + length - 1] = 0;
}

function readOctal(buf: Buffer, offset: number, length: number): number {
  // GNU base-256 for big sizes.
  if ((buf[offset]! & 0x80) !== 0) {
    let value = 0;
    for (let i = offset + 1; i < offset + length; i++) value = value * 256 + buf[i]!;
    return value;
  }
  const text = buf.toString('ascii', offset, offset + length).replace(/\0.*$/s, '').trim();
  return text === '' ? 0 : Number.parseInt(text, 8);
}

function readString(buf: Buffer, offset: number, length: number): string {
  const end = buf.indexOf(0, offset);
  return buf.toString('utf8', offset, end < 0 || end > offset + length ? offset + length : end);
}

/** One entry of a tar stream; `data` must be consumed (or `skip`ped) before asking for the next. */
export interface TarEntry {
  /** Path as stored (leading `./` removed). */
  name: string;
  /** Type flag: '0' file, '5' directory, '2' symlink, … */
  type: string;
  size: number;
  mode: number;
  /** The entry's bytes. */
  data: AsyncIterable<Buffer>;
}

/** Reads buffered bytes from an async source on demand. */
class ByteReader {
  readonly #source: AsyncIterator<Buffer>;
  #chunks: Buffer[] = [];
  #length = 0;
  #done = false;

  constructor(source: AsyncIterable<Buffer>) {
    this.#source = source[Symbol.asyncIterator]();
  }

  /** Fills until `n` bytes are buffered or the source ends; returns what is buffered (≤ n). */
  async #fill(n: number): Promise<void> {
    while (this.#length < n && !this.#done) {
      const next = await this.#source.next();
      if (next.done === true) this.#done = true;
      else {
        this.#chunks.push(next.value);
        this.#length += next.value.length;
      }
    }
  }

  /** Exactly `n` bytes, or fewer at the end of the source. */
  async take(n: number): Promise<Buffer> {
    await this.#fill(n);
    const all = this.#chunks.length === 1 ? this.#chunks[0]! : Buffer.concat(this.#chunks);
    const out = all.subarray(0, Math.min(n, all.length));
    const rest = all.subarray(out.length);
    this.#chunks = rest.length > 0 ? [rest] : [];
    this.#length = rest.length;
    return out;
  }

  /** Up to `n` bytes (at least 1 unless at the end), without waiting for more than one chunk. */
  async some(n: number): Promise<Buffer> {
    if (this.#length === 0) await this.#fill(1);
    return this.take(Math.min(n, this.#length));
  }
}

/** Parses a tar stream (see `TarEntry`). */
export async function* readTar(source: AsyncIterable<Buffer>): AsyncGenerator<TarEntry> {
  const reader = new ByteReader(source);
  let longName: string | undefined;
  for (;;) {
    const header = await reader.take(BLOCK);
    if (header.length < BLOCK || header.every((b) => b === 0)) return;
    const type = String.fromCharCode(header[156] === 0 ? 0x30 : header[156]!);
    const size = readOctal(header, 124, 12);
    const mode = readOctal(header, 100, 8);
    let name = readString(header, 0, 100);
    const prefix = header.toString('ascii', 257, 262) === 'ustar' ? readString(header, 345, 155) : '';
    if (prefix !== '') name = `${prefix}/${name}`;
    const padded = size + (size % BLOCK === 0 ? 0 : BLOCK - (size % BLOCK));
    if (type === 'L' || type === 'x') {
      const body = await reader.take(padded);
      const text = body.subarray(0, size);
      if (type === 'L') longName = readString(text, 0, size);
      else {
        const match = /\d+ path=([^\n]*)\n/.exec(text.toString('utf8'));
        if (match !== null) longName = match[1];
      }
      continue;
    }
    if (longName !== undefined) {
      name = longName;
      longName = undefined;
    }
    name = name.replace(/^\.\//, '').replace(/\/$/, '');
    let remaining = size;
    const data: AsyncIterable<Buffer> = {
      async *[Symbol.asyncIterator]() {
        while (remaining > 0) {
          const chunk = await reader.some(Math.min(remaining, 1 << 20));
          if (chunk.length === 0) throw new Error('tar stream ended inside an entry');
          remaining -= chunk.length;
          yield chunk;
        }
      },
    };
    yield { name, type, size, mode, data };
    while (remaining > 0) {
      const chunk = await reader.some(Math.min(remaining, 1 << 20));
      if (chunk.length === 0) throw new Error('tar stream ended inside an entry');
      remaining -= chunk.length;
    }
    await reader.take(padded - size);
  }
}
