/**
 * A minimal Docker Registry (HTTP API v2, read-only) on 127.0.0.1 serving one local image, so
 * the provider's pull path (progress, digest) is tested against the real engine without any
 * outside registry: Docker trusts 127.0.0.0/8 over plain HTTP by default. The image is exported
 * with `docker save` and served as a schema 2 manifest with gzip layers.
 */
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import type Dockerode from 'dockerode';

interface Blob {
  mediaType: string;
  data: Buffer;
  digest: string;
}

/** A running registry serving `repository:tag`; `close()` stops it. */
export interface LocalRegistry {
  /** `127.0.0.1:<port>`. */
  host: string;
  /** Full reference to pull, e.g. `127.0.0.1:5123/boulder-test/pulled:run`. */
  ref: string;
  /** Digest of the served manifest. */
  manifestDigest: string;
  close(): Promise<void>;
}

/**
 * Serves the local image `source` plus one new layer (`/pulled.bin`, `extraBytes` of random data,
 * so the engine really downloads something) as `<host>/<repository>:<tag>`.
 */
export async function startLocalRegistry(docker: Dockerode, source: string, repository: string, tag: string, extraBytes = 2 * 1024 * 1024): Promise<LocalRegistry> {
  const files = readTar(await streamToBuffer(await docker.getImage(source).get()));
  const saved = JSON.parse(files.get('manifest.json')!.toString('utf8')) as { Config: string; Layers: string[] }[];
  const entry = saved[0]!;
  const extraLayer = tarOf('pulled.bin', randomBytes(extraBytes));
  const imageConfig = JSON.parse(files.get(entry.Config)!.toString('utf8')) as {
    rootfs: { diff_ids: string[] };
    history?: { created?: string; created_by?: string; empty_layer?: boolean }[];
  };
  imageConfig.rootfs.diff_ids.push(sha256(extraLayer));
  imageConfig.history?.push({ created: new Date().toISOString(), created_by: 'boulder test registry layer' });
  const config = blob('application/vnd.docker.container.image.v1+json', Buffer.from(JSON.stringify(imageConfig)));
  const layers = [...entry.Layers.map((name) => files.get(name)!), extraLayer].map((data) =>
    blob('application/vnd.docker.image.rootfs.diff.tar.gzip', gzipSync(data)),
  );
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
      config: { mediaType: config.mediaType, size: config.data.length, digest: config.digest },
      layers: layers.map((l) => ({ mediaType: l.mediaType, size: l.data.length, digest: l.digest })),
    }),
  );
  const manifestDigest = sha256(manifest);
  const blobs = new Map([config, ...layers].map((b) => [b.digest, b]));

  const server = http.createServer((req, res) => {
    const url = req.url ?? '';
    const send = (status: number, body: Buffer, headers: Record<string, string | number> = {}): void => {
      res.writeHead(status, { 'Content-Length': body.length, 'Docker-Distribution-API-Version': 'registry/2.0', ...headers });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    if (url === '/v2/' || url === '/v2') return send(200, Buffer.from('{}'), { 'Content-Type': 'application/json' });
    const manifestMatch = new RegExp(`^/v2/${repository}/manifests/(.+)$`).exec(url);
    if (manifestMatch !== null && (manifestMatch[1] === tag || manifestMatch[1] === manifestDigest)) {
      return send(200, manifest, { 'Content-Type': 'application/vnd.docker.distribution.manifest.v2+json', 'Docker-Content-Digest': manifestDigest });
    }
    const blobMatch = new RegExp(`^/v2/${repository}/blobs/(sha256:[0-9a-f]{64})$`).exec(url);
    const found = blobMatch === null ? undefined : blobs.get(blobMatch[1]!);
    if (found !== undefined) return send(200, found.data, { 'Content-Type': 'application/octet-stream', 'Docker-Content-Digest': found.digest });
    send(404, Buffer.from(JSON.stringify({ errors: [{ code: 'MANIFEST_UNKNOWN', message: 'not found' }] })), { 'Content-Type': 'application/json' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    host,
    ref: `${host}/${repository}:${tag}`,
    manifestDigest,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function blob(mediaType: string, data: Buffer): Blob {
  return { mediaType, data, digest: sha256(data) };
}

function sha256(data: Buffer): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

function streamToBuffer(stream: NodeJS.ReadableStream): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

/** A ustar archive holding one regular file. */
function tarOf(name: string, data: Buffer): Buffer {
  const header = Buffer.alloc(512);
  const put = (value: string, start: number, length: number): void => void header.write(value.padEnd(length, '\0').slice(0, length), start, 'utf8');
  put(name, 0, 100);
  put('0000644', 100, 8);
  put('0000000', 108, 8);
  put('0000000', 116, 8);
  put(data.length.toString(8).padStart(11, '0'), 124, 12);
  put(Math.floor(Date.now() / 1000).toString(8).padStart(11, '0'), 136, 12);
  put('        ', 148, 8);
  put('0', 156, 1);
  put('ustar', 257, 6);
  put('00', 263, 2);
  const checksum = header.reduce((sum, b) => sum + b, 0);
  put(`${checksum.toString(8).padStart(6, '0')}\0 `, 148, 8);
  const padding = Buffer.alloc((512 - (data.length % 512)) % 512);
  return Buffer.concat([header, data, padding, Buffer.alloc(1024)]);
}

/** Regular files of a ustar archive (as `docker save` writes it), by path. */
function readTar(archive: Buffer): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  let offset = 0;
  while (offset + 512 <= archive.length) {
    const header = archive.subarray(offset, offset + 512);
    if (header.every((b) => b === 0)) break;
    const field = (start: number, length: number): string => header.subarray(start, start + length).toString('utf8').replace(/\0.*$/s, '');
    const prefix = field(345, 155);
    const name = prefix === '' ? field(0, 100) : `${prefix}/${field(0, 100)}`;
    const size = parseInt(field(124, 12).trim() || '0', 8);
    const type = field(156, 1);
    if (type === '0' || type === '') files.set(name, Buffer.from(archive.subarray(offset + 512, offset + 512 + size)));
    offset += 512 + Math.ceil(size / 512) * 512;
  }
  return files;
}
