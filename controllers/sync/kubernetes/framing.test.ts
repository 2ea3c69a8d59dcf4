// The Pod exec framing: the frame encoder (pure), and the upload and stop-guard scripts run for
// real with this machine's sh, dd and tar — with stdin kept open, as kwok's kubelet API does, so
// they must finish on in-band signals alone. The busybox variant runs where busybox is installed
// (busybox's head over-reads from pipes; dd iflag=fullblock must not).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { endOfArchive, fileHeader, padding } from '../docker/tar.ts';
import { END_FRAME, frame, frames, guarded, STOP_LINE, uploadCommand } from './framing.ts';

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});
async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'boulder-framing-'));
  dirs.push(d);
  return d;
}

async function collect(source: AsyncIterable<Buffer>): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for await (const b of source) out.push(b);
  return out;
}

/** Runs argv with stdin left open; feeds `input` in `pieces` with small pauses; resolves on exit. */
function runOpenStdin(argv: string[], input: Buffer, options: { pieces?: number; env?: NodeJS.ProcessEnv } = {}): Promise<{ code: number | null; stdout: string; ms: number }> {
  const child = spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'], ...(options.env ? { env: options.env } : {}) });
  const started = performance.now();
  let stdout = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.resume();
  const pieces = options.pieces ?? 1;
  const size = Math.ceil(input.length / pieces);
  void (async () => {
    for (let at = 0; at < input.length; at += size) {
      if (!child.stdin.writable) return;
      child.stdin.write(input.subarray(at, at + size));
      await new Promise((r) => setTimeout(r, 5));
    }
  })();
  return new Promise((resolve) => {
    child.on('exit', (code) => {
      child.stdin.destroy();
      resolve({ code, stdout, ms: performance.now() - started });
    });
  });
}

function archive(files: Record<string, Buffer>): Buffer {
  const parts: Buffer[] = [];
  for (const [name, body] of Object.entries(files)) parts.push(fileHeader(name, body.length), body, padding(body.length));
  parts.push(endOfArchive());
  return Buffer.concat(parts);
}

describe('frames', () => {
  it('prefixes lengths, splits large chunks, drops empty ones and ends with 0', async () => {
    const out = await collect(frames((async function* () { yield Buffer.from('abc'); yield Buffer.alloc(0); yield Buffer.from('0123456789'); })(), 4));
    expect(out.map((b) => b.toString())).toEqual(['3\nabc', '4\n0123', '4\n4567', '2\n89', '0\n']);
    expect(frame(Buffer.from('x')).toString()).toBe('1\nx');
    expect(END_FRAME.toString()).toBe('0\n');
  });
});

async function uploadRoundTrip(env?: NodeJS.ProcessEnv): Promise<void> {
  const dir = await tempDir();
  const big = Buffer.alloc(300_000, 7);
  const tar = archive({ 'a.txt': Buffer.from('hello\n'), 'b.bin': big });
  // Frames of 64 KiB, delivered in pieces that cut through frame headers and payloads.
  const framed = Buffer.concat(await collect(frames((async function* () { yield tar; })(), 65_536)));
  const result = await runOpenStdin(uploadCommand(dir), framed, { pieces: 23, ...(env ? { env } : {}) });
  expect(result.code).toBe(0);
  expect(await readFile(join(dir, 'a.txt'), 'utf8')).toBe('hello\n');
  expect((await readFile(join(dir, 'b.bin'))).equals(big)).toBe(true);
}

describe('upload script', () => {
  it('extracts a framed archive and exits without the end of stdin (GNU tools)', async () => {
    await uploadRoundTrip();
  });

  it.runIf(existsSync('/bin/busybox'))('does the same with busybox sh, dd and tar', async () => {
    const bin = await tempDir();
    for (const tool of ['sh', 'dd', 'tar', 'mkdir']) await symlink('/bin/busybox', join(bin, tool));
    await uploadRoundTrip({ PATH: bin });
  });

  it('never creates a missing target (a vanished sync root stays missing for the halt to see)', async () => {
    const dir = join(await tempDir(), 'gone');
    const framed = Buffer.concat([frame(archive({ 'a.txt': Buffer.from('x') })), END_FRAME]);
    const result = await runOpenStdin(uploadCommand(dir), framed);
    expect(result.code).not.toBe(0);
    expect(existsSync(dir)).toBe(false);
  });

  it('fails (non-zero) on a truncated archive instead of hanging', async () => {
    const dir = join(await tempDir(), 'stage');
    const tar = archive({ 'a.txt': Buffer.alloc(5000, 1) }).subarray(0, 1024);
    const framed = Buffer.concat([frame(tar), END_FRAME]);
    const result = await runOpenStdin(uploadCommand(dir), framed);
    expect(result.code).not.toBe(0);
  });
});

describe('stream guard', () => {
  it('exits as soon as the command ends, with its status, though stdin stays open', async () => {
    const result = await runOpenStdin(guarded(['sh', '-c', 'echo out; exit 3']), Buffer.alloc(0));
    expect(result.code).toBe(3);
    expect(result.stdout).toBe('out\n');
  });

  it('stops a long command on the stop line', async () => {
    const result = await runOpenStdin(guarded(['sleep', '30']), Buffer.from(`noise\n${STOP_LINE}`));
    expect(result.code).not.toBe(0);
    expect(result.ms).toBeLessThan(10_000);
  });

  it('does not let the command read the stop channel', async () => {
    const result = await runOpenStdin(guarded(['sh', '-c', 'cat; echo done']), Buffer.from('secret\n'));
    expect(result.stdout).toBe('done\n');
    expect(result.code).toBe(0);
  });
});
