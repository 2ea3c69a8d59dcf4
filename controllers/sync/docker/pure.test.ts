// Pure parts of the Docker endpoint: tar round trip (long names), listing/digest parsing (names
// with newlines, GNU-escaped lines), symlink containment and the agent's shell quoting.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listScript, parseListing, parseOrderedDigests, targetStaysInside } from './scan.ts';
import { shellQuote } from './shell-agent.ts';
import { endOfArchive, fileHeader, padding, readTar } from './tar.ts';

async function collect(source: AsyncIterable<Buffer>): Promise<Array<{ name: string; type: string; data: string }>> {
  const out: Array<{ name: string; type: string; data: string }> = [];
  for await (const entry of readTar(source)) {
    const chunks: Buffer[] = [];
    for await (const c of entry.data) chunks.push(c);
    out.push({ name: entry.name, type: entry.type, data: Buffer.concat(chunks).toString() });
  }
  return out;
}

describe('tar', () => {
  it('reads back what fileHeader writes, in small chunks', async () => {
    const body = Buffer.from('hello world');
    const whole = Buffer.concat([fileHeader('stage/s0', body.length, 0o755), body, padding(body.length), endOfArchive()]);
    const chunks = Array.from({ length: Math.ceil(whole.length / 7) }, (_, i) => whole.subarray(i * 7, i * 7 + 7));
    expect(await collect((async function* () { yield* chunks; })())).toEqual([{ name: 'stage/s0', type: '0', data: 'hello world' }]);
  });

  it('reads GNU tar output with long names and skips unread entries', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'boulder-tar-'));
    try {
      const long = `${'x'.repeat(120)}.txt`;
      writeFileSync(join(dir, long), 'long');
      writeFileSync(join(dir, 'b.txt'), 'bee');
      const tar = execFileSync('tar', ['-C', dir, '-cf', '-', `./${long}`, './b.txt']);
      const entries = await collect((async function* () { yield tar; })());
      expect(entries.map((e) => [e.name, e.data])).toEqual([[long, 'long'], ['b.txt', 'bee']]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('scan parsing', () => {
  it('parses listing records, names with newlines included, and skips temp names', () => {
    const out = ['directory', '1000', 'regular file\t3\t644\t900\tm1\tc1\t7\t./a\nb\t//', 'directory\t4096\t755\t900\tm2\tc2\t8\t./d\t//', 'regular file\t1\t644\t900\tm\tc\t9\t./.boulder-sync-x\t//', ''].join('\n');
    const parsed = parseListing(out);
    expect(parsed.root).toBe('directory');
    expect(parsed.lines.map((l) => [l.path, l.kind])).toEqual([['a\nb', 'file'], ['d', 'directory']]);
    expect(parseListing('absent\n').root).toBe('absent');
  });

  it('a scoped listing takes the clock from the clock file and stats files, ancestors and the clock in one process', () => {
    const dir = mkdtempSync(join(tmpdir(), 'boulder-list-'));
    try {
      const root = join(dir, 'root');
      mkdirSync(join(root, 'd', 'sub'), { recursive: true });
      writeFileSync(join(root, 'd', 'f.txt'), 'f');
      writeFileSync(join(root, 'd', 'sub', 'g.txt'), 'g');
      writeFileSync(join(root, 'top.txt'), 'top');
      const clock = join(dir, 'req');
      writeFileSync(clock, '');
      utimesSync(clock, 1_700_000_123, 1_700_000_123);
      const script = listScript(root, ['d/f.txt', 'top.txt', 'd/sub', 'gone/x'], clock);
      // One `stat` for the files, the ancestors and the clock; one `find` for the directory; no `date`.
      expect(script.split('\n').filter((l) => l.startsWith('stat -c'))).toHaveLength(1);
      expect(script).not.toContain('date');
      const parsed = parseListing(execFileSync('sh', ['-c', script]).toString(), clock);
      expect(parsed.now).toBe(1_700_000_123);
      expect(parsed.lines.map((l) => [l.path, l.kind]).sort()).toEqual([['d', 'directory'], ['d/f.txt', 'file'], ['d/sub', 'directory'], ['d/sub/g.txt', 'file'], ['top.txt', 'file']]);
      // Clock file gone: time 0, so every file counts as fresh (hashed, never trusted from the cache).
      rmSync(clock);
      expect(parseListing(execFileSync('sh', ['-c', script]).toString(), clock).now).toBe(0);
      // Full listings keep `date`.
      const full = parseListing(execFileSync('sh', ['-c', listScript(root, undefined, clock)]).toString(), clock);
      expect(Math.abs(full.now - Date.now() / 1000)).toBeLessThan(5);
      expect(full.lines).toHaveLength(5);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('matches sha256sum output to paths in order, plain or GNU-escaped, skipping missing files', () => {
    const h = (c: string): string => c.repeat(64);
    const out = `${h('a')}  ./one\n\\${h('b')}  ./new\\nline\n${h('c')}  ./three\n`;
    const digests = parseOrderedDigests(out, ['one', 'gone', 'new\nline', 'three']);
    expect([...digests]).toEqual([['one', h('a')], ['new\nline', h('b')], ['three', h('c')]]);
  });

  it('keeps symlinks inside the root only', () => {
    expect(targetStaysInside('a/link', '../b')).toBe(true);
    expect(targetStaysInside('link', '../b')).toBe(false);
    expect(targetStaysInside('a/link', '/etc/passwd')).toBe(false);
  });

  it('quotes for the shell', () => {
    expect(execFileSync('sh', ['-c', `printf %s ${shellQuote("it's $HOME `x`")}`]).toString()).toBe("it's $HOME `x`");
  });
});
