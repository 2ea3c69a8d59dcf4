// Staging an apply batch for a shell endpoint: the layout (which writes are linked into place
// together), the generated apply script run for real with this machine's sh against a temp
// directory, the `K` records it prints, long tar names, and the archives uploadStage produces
// (one or two, every entry once, mismatches reported, failures not hanging).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import type { FileContent, FileEntry, Operation, WriteOperation } from '../endpoint.ts';
import { applyScript, ownStats, RESULTS_END, stageDirsScript, stagingLayout } from './apply-script.ts';
import { parseResults } from './docker-endpoint.ts';
import { fitsInline, inlineScript, printfLiteral } from './inline-stage.ts';
import { laneCount, uploadStage } from './stage-upload.ts';
import { longFileHeader, padding, endOfArchive, readTar } from './tar.ts';

const sha = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');

function newFile(path: string, content: string): WriteOperation {
  return { op: 'write', path, expected: undefined, digest: sha(content), size: Buffer.byteLength(content), executable: false, source: 'stream' };
}

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'boulder-staging-'));
  dirs.push(d);
  return d;
}

describe('stagingLayout', () => {
  it('groups consecutive new files by directory and stages the rest one by one', () => {
    const existing: FileEntry = { kind: 'file', digest: sha('old'), size: 3, executable: false };
    const ops: Operation[] = [
      newFile('a/x', 'x'),
      newFile('b/y', 'y'),
      newFile('a/z', 'z'),
      newFile('b/lonely', 'l'),
      { op: 'remove', path: 'gone', expected: existing },
      newFile('a/after', 'w'),
      newFile('a/after2', 'w2'),
      { ...newFile('replaced', 'new'), expected: existing },
      { ...newFile('copied', 'c'), source: { copyFrom: 'a/x' } },
    ];
    const layout = stagingLayout(ops);
    expect([...layout.staged]).toEqual([
      [0, 'g0/x'],
      [1, 'g1/y'],
      [2, 'g0/z'],
      [3, 'g1/lonely'],
      [5, 'g2/after'],
      [6, 'g2/after2'],
      [7, 's7'],
    ]);
    expect(layout.groupOf.get(0)?.ops).toEqual([0, 2]);
    expect(layout.groupOf.get(1)?.ops).toEqual([1, 3]);
    expect(layout.groupOf.get(5)).toEqual({ dir: 'a', stageDir: 'g2', ops: [5, 6] });
    expect(layout.groupOf.has(7)).toBe(false);
    expect(layout.blocks).toEqual([]);
  });

  it('stages a new directory and the creations below it as one tree, up to the first other operation', () => {
    const ops: Operation[] = [
      { op: 'mkdir', path: 'n' },
      newFile('n/a', 'a'),
      { op: 'mkdir', path: 'n/sub' },
      { op: 'mkdir', path: 'n/sub/empty' },
      newFile('n/sub/b', 'b'),
      newFile('n/sub/c', 'c'),
      { op: 'symlink', path: 'n/link', target: 'a', expected: undefined },
      newFile('n/z', 'z'),
      { op: 'mkdir', path: 'only-dirs' },
      { op: 'mkdir', path: 'only-dirs/x' },
    ];
    const layout = stagingLayout(ops);
    expect(layout.blocks).toEqual([{ dir: 'n', stageDir: 't0', ops: [0, 1, 2, 3, 4, 5], subdirs: ['sub', 'sub/empty'] }]);
    expect([...layout.staged]).toEqual([
      [1, 't0/a'],
      [4, 't0/sub/b'],
      [5, 't0/sub/c'],
      [7, 'g2/z'],
    ]);
    expect(layout.groupOf.get(4)).toEqual({ dir: 'n/sub', stageDir: 't0/sub', ops: [4, 5] });
    expect(layout.blockOf.has(7)).toBe(false);
    expect(layout.blockOf.has(8)).toBe(false);
  });
});

describe('apply script', () => {
  it('links groups of new files into place, never over something that appeared, and reports each', () => {
    const root = tempDir();
    const stage = join(root, '.boulder-sync-stage-t');
    mkdirSync(join(root, 'd'));
    writeFileSync(join(root, 'd', 'taken'), 'someone else');
    const ops: Operation[] = [newFile('d/a', 'A'), newFile('d/taken', 'mine'), newFile('d/b', 'B'), newFile('missing/c', 'C'), newFile('missing/e', 'E'), newFile('d/bad', 'bytes')];
    const layout = stagingLayout(ops);
    for (const [i, staged] of layout.staged) {
      mkdirSync(join(stage, staged, '..'), { recursive: true });
      writeFileSync(join(stage, staged), (ops[i] as WriteOperation).path === 'd/taken' ? 'mine' : (ops[i] as WriteOperation).path.slice(-1).toUpperCase());
    }
    const script = applyScript(root, stage, ops, layout, new Set([5]));
    const out = execFileSync('sh', ['-c', script]).toString();
    const results = out.split('\n').filter((l) => /^\d+\t/.test(l)).map((l) => l.split('\t').slice(0, 2));
    expect(results).toEqual([
      ['0', 'ok'],
      ['1', 'changed'],
      ['2', 'ok'],
      ['3', 'changed'],
      ['4', 'changed'],
      ['5', 'source-changed'],
    ]);
    expect(readFileSync(join(root, 'd', 'a'), 'utf8')).toBe('A');
    expect(readFileSync(join(root, 'd', 'b'), 'utf8')).toBe('B');
    expect(readFileSync(join(root, 'd', 'taken'), 'utf8')).toBe('someone else');
    expect(existsSync(join(root, 'd', 'bad'))).toBe(false);
    expect(existsSync(join(root, 'missing'))).toBe(false);
    expect(existsSync(stage)).toBe(false);
    // The K records describe the placed files as they are now (after the stage was removed).
    const stats = ownStats(out);
    const a = stats.get(join(root, 'd', 'a'));
    const now = statSync(join(root, 'd', 'a'));
    expect(a?.size).toBe(1);
    expect(a?.scanKey.endsWith(`/${now.ino}`)).toBe(true);
    expect(a?.mtimeSeconds).toBe(Math.floor(now.mtimeMs / 1000));
  });
});

describe('apply script: parents are never followed', () => {
  it('refuses every operation below a symlinked parent, anywhere in the chain, with sh and busybox sh', () => {
    const shells: string[][] = [['sh']];
    if (existsSync('/bin/busybox')) shells.push(['/bin/busybox', 'sh']);
    for (const [shell = 'sh', ...args] of shells) {
      const world = tempDir();
      const root = join(world, 'root');
      const outside = join(world, 'outside');
      mkdirSync(join(root, 'real'), { recursive: true });
      mkdirSync(outside);
      writeFileSync(join(outside, 'precious.txt'), 'precious');
      symlinkSync('../outside', join(root, 'link'));
      symlinkSync('../../outside', join(root, 'real', 'inner'));
      const precious: FileEntry = { kind: 'file', digest: sha('precious'), size: 8, executable: false };
      const ops: Operation[] = [
        newFile('link/new', 'N'),
        { op: 'mkdir', path: 'link/dir' },
        newFile('link/a', 'A'),
        newFile('link/b', 'B'),
        { op: 'symlink', path: 'link/l', target: 'x', expected: undefined },
        { op: 'chmod', path: 'link/precious.txt', executable: true, expected: precious },
        { ...newFile('link/precious.txt', 'over'), expected: precious },
        { op: 'remove', path: 'real/inner/precious.txt', expected: precious },
        { op: 'mkdir', path: 'real/inner/tree' },
        newFile('real/inner/tree/f', 'F'),
        newFile('real/inner/deep', 'D'),
      ];
      const layout = stagingLayout(ops);
      const stage = join(root, '.boulder-sync-stage-t');
      mkdirSync(stage);
      for (const [i, staged] of layout.staged) {
        mkdirSync(join(stage, staged, '..'), { recursive: true });
        const op = ops[i] as WriteOperation;
        writeFileSync(join(stage, staged), op.path.endsWith('precious.txt') ? 'over' : op.path.slice(-1).toUpperCase());
      }
      const before = readdirSync(outside);
      const out = execFileSync(shell, [...args, '-c', applyScript(root, stage, ops, layout)]).toString();
      const results = out.split(RESULTS_END)[0]!.split('\n').filter((l) => /^\d+\t/.test(l)).map((l) => l.split('\t').slice(0, 2));
      expect(results, shell).toEqual(ops.map((_op, i) => [String(i), 'changed']));
      expect(readdirSync(outside), shell).toEqual(before);
      expect(readFileSync(join(outside, 'precious.txt'), 'utf8')).toBe('precious');
      expect(statSync(join(outside, 'precious.txt')).mode & 0o111).toBe(0);
    }
  });
});

describe('stageDirsScript', () => {
  it('creates every directory of the stage before extraction, and never a vanished root', () => {
    const root = tempDir();
    const ops: Operation[] = [{ op: 'mkdir', path: 'n' }, newFile('n/a', 'A'), { op: 'mkdir', path: 'n/sub' }, newFile('d/x', 'X'), newFile('d/y', 'Y'), newFile('z', 'Z')];
    const layout = stagingLayout(ops);
    const stage = join(root, '.boulder-sync-stage-t');
    execFileSync('sh', ['-c', stageDirsScript(stage, layout)]);
    for (const staged of layout.staged.values()) expect(existsSync(join(stage, staged, '..'))).toBe(true);
    for (const block of layout.blocks) for (const dir of block.subdirs) expect(existsSync(join(stage, block.stageDir, dir))).toBe(true);
    const gone = join(root, 'gone');
    expect(() => execFileSync('sh', ['-c', stageDirsScript(join(gone, '.boulder-sync-stage-t'), layout)], { stdio: 'ignore' })).toThrow();
    expect(existsSync(gone)).toBe(false);
  });
});

describe('apply script: odd targets', () => {
  it('retargets a symlink to a directory (replacing the link, never writing into the directory) and takes a target starting with a dash', () => {
    const root = tempDir();
    const stage = join(root, '.boulder-sync-stage-t');
    mkdirSync(stage);
    mkdirSync(join(root, 'releases', 'v1'), { recursive: true });
    mkdirSync(join(root, 'releases', 'v2'));
    symlinkSync('releases/v1', join(root, 'current'));
    writeFileSync(join(root, 'precious'), 'user data');
    const ops: Operation[] = [
      { op: 'symlink', path: 'current', target: 'releases/v2', expected: { kind: 'symlink', target: 'releases/v1' } },
      { op: 'symlink', path: 'dash', target: '-f', expected: undefined },
    ];
    const out = execFileSync('sh', ['-c', applyScript(root, stage, ops, stagingLayout(ops))]).toString();
    const results = out.split('\n').filter((l) => /^\d+\t/.test(l)).map((l) => l.split('\t').slice(0, 2));
    expect(results).toEqual([['0', 'ok'], ['1', 'ok']]);
    expect(readlinkSync(join(root, 'current'))).toBe('releases/v2');
    expect(readdirSync(join(root, 'releases', 'v1'))).toEqual([]);
    expect(readlinkSync(join(root, 'dash'))).toBe('-f');
    expect(readFileSync(join(root, 'precious'), 'utf8')).toBe('user data');
  });

  it('reads results only before the K records: a file name cannot forge a result', () => {
    const ops: Operation[] = [newFile('a.txt', 'A'), { op: 'mkdir', path: 'd\n0\tok' }];
    const output = `0\tchanged\ttarget changed\n1\tok\n${RESULTS_END}\nK\tx|y|1\t2\t3\t/r/d\n0\tok\t//\n`;
    expect(parseResults(output, ops).map((r) => r.status)).toEqual(['changed', 'ok']);
    expect(parseResults('0\tok\n', ops).map((r) => r.status)).toEqual(['failed', 'failed']);
  });
});

describe('apply script: new directory trees', () => {
  function stageTree(root: string, stage: string, ops: readonly Operation[]): ReturnType<typeof stagingLayout> {
    const layout = stagingLayout(ops);
    for (const block of layout.blocks) for (const dir of ['', ...block.subdirs]) mkdirSync(join(stage, block.stageDir, dir), { recursive: true });
    for (const [i, staged] of layout.staged) {
      mkdirSync(join(stage, staged, '..'), { recursive: true });
      writeFileSync(join(stage, staged), (ops[i] as WriteOperation).path === 'n/bad' ? 'wrong bytes' : (ops[i] as WriteOperation).path);
    }
    return layout;
  }
  const tree: Operation[] = [{ op: 'mkdir', path: 'n' }, newFile('n/a', 'n/a'), { op: 'mkdir', path: 'n/sub' }, newFile('n/sub/b', 'n/sub/b'), newFile('n/bad', 'n/bad')];
  const run = (root: string, stage: string, layout: ReturnType<typeof stagingLayout>): string[][] =>
    execFileSync('sh', ['-c', applyScript(root, stage, tree, layout, new Set([4]))])
      .toString()
      .split('\n')
      .filter((l) => /^\d+\t/.test(l))
      .map((l) => l.split('\t').slice(0, 2));

  it('renames the staged tree into place, without the files whose bytes did not match', () => {
    const root = tempDir();
    const stage = join(root, '.boulder-sync-stage-t');
    const layout = stageTree(root, stage, tree);
    expect(run(root, stage, layout)).toEqual([['0', 'ok'], ['1', 'ok'], ['2', 'ok'], ['3', 'ok'], ['4', 'source-changed']]);
    expect(readFileSync(join(root, 'n', 'a'), 'utf8')).toBe('n/a');
    expect(readFileSync(join(root, 'n', 'sub', 'b'), 'utf8')).toBe('n/sub/b');
    expect(existsSync(join(root, 'n', 'bad'))).toBe(false);
    expect(existsSync(stage)).toBe(false);
  });

  it('reports a write whose staged file is missing as failed, never ok (a later scan would read it as a deletion)', () => {
    const root = tempDir();
    const stage = join(root, '.boulder-sync-stage-t');
    const layout = stageTree(root, stage, tree);
    rmSync(join(stage, layout.staged.get(3) as string)); // n/sub/b: its staging failed
    expect(run(root, stage, layout)).toEqual([['0', 'ok'], ['1', 'ok'], ['2', 'ok'], ['3', 'failed'], ['4', 'source-changed']]);
    expect(existsSync(join(root, 'n', 'sub', 'b'))).toBe(false);
  });

  it('falls back to one operation at a time when the directory appeared meanwhile, replacing nothing', () => {
    const root = tempDir();
    const stage = join(root, '.boulder-sync-stage-t');
    const layout = stageTree(root, stage, tree);
    mkdirSync(join(root, 'n'));
    writeFileSync(join(root, 'n', 'a'), 'theirs');
    expect(run(root, stage, layout)).toEqual([['0', 'ok'], ['1', 'changed'], ['2', 'ok'], ['3', 'ok'], ['4', 'source-changed']]);
    expect(readFileSync(join(root, 'n', 'a'), 'utf8')).toBe('theirs');
    expect(readFileSync(join(root, 'n', 'sub', 'b'), 'utf8')).toBe('n/sub/b');
    expect(existsSync(join(root, 'n', 'bad'))).toBe(false);
    expect(existsSync(join(root, 'n', 't0'))).toBe(false);
  });
});

describe('ownStats', () => {
  it('parses K records after result lines, names with tabs, and tells whole-second mtimes', () => {
    const out = [
      '0\tok\t',
      'K\t2026-01-01 10:00:00.000000000 +0000|2026-01-01 10:00:03.123456789 +0000|5\t42\t1767261600\t/w/a\tb\t//',
      'K\t2026-01-01 10:00:02.500000000 +0000|2026-01-01 10:00:03.123456789 +0000|7\t43\t1767261602\t/w/c\t//',
      'K\t2026-01-01 10:00:02 +0000|2026-01-01 10:00:03 +0000|7\t44\t1767261602\t/w/d\t//',
      '',
    ].join('\n');
    const stats = ownStats(out);
    expect([...stats.keys()]).toEqual(['/w/a\tb', '/w/c', '/w/d']);
    expect(stats.get('/w/a\tb')).toEqual({
      watchKey: '2026-01-01 10:00:00.000000000 +0000|2026-01-01 10:00:03.123456789 +0000|5',
      scanKey: '5/2026-01-01 10:00:00.000000000 +0000/2026-01-01 10:00:03.123456789 +0000/42',
      size: 5,
      mtimeSeconds: 1767261600,
      wholeSecond: true,
    });
    expect(stats.get('/w/c')?.wholeSecond).toBe(false);
    // Without sub-second precision nothing can be told apart: never trusted.
    expect(stats.get('/w/d')?.wholeSecond).toBe(false);
  });
});

describe('longFileHeader', () => {
  it('writes names of any length that tar extracts (plain, ustar prefix, pax path)', () => {
    const dir = tempDir();
    const names = ['stage/short', `stage/g1/${'p'.repeat(90)}/${'n'.repeat(95)}`, `stage/g2/${'é'.repeat(120)}`, `stage/g3/${'x'.repeat(250)}`];
    const parts: Buffer[] = [];
    for (const name of names) {
      const body = Buffer.from(name.slice(-3));
      parts.push(longFileHeader(name, body.length, 0o755, 1_700_000_000), body, padding(body.length));
    }
    parts.push(endOfArchive());
    execFileSync('tar', ['-x', '-C', dir], { input: Buffer.concat(parts) });
    for (const name of names) {
      expect(readFileSync(join(dir, name), 'utf8')).toBe(name.slice(-3));
      expect(statSync(join(dir, name)).mtimeMs).toBe(1_700_000_000_000);
    }
  });
});

/** Contents for `ops`' stream writes; `wrong` paths get other bytes than their digest says. */
function contentsFor(
  ops: readonly Operation[],
  wrong: ReadonlySet<string>,
  released: { value: boolean },
  content: (op: WriteOperation) => string = (op) => `c${op.path}`,
): AsyncIterable<FileContent> {
  return {
    [Symbol.asyncIterator]() {
      const writes = ops.filter((op): op is WriteOperation => op.op === 'write' && op.source === 'stream');
      let i = 0;
      return {
        next: async () => {
          const op = writes[i++];
          if (op === undefined) return { done: true, value: undefined };
          const bytes = Buffer.from(wrong.has(op.path) ? 'X'.repeat(op.size) : content(op));
          return { done: false, value: { path: op.path, expected: { kind: 'file', digest: op.digest, size: op.size, executable: false }, data: (async function* () { yield bytes; })() } };
        },
        return: async () => {
          released.value = true;
          return { done: true, value: undefined };
        },
      };
    },
  };
}

async function entriesOf(archive: Readable): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for await (const entry of readTar(archive as AsyncIterable<Buffer>)) {
    const chunks: Buffer[] = [];
    for await (const c of entry.data) chunks.push(c);
    out.set(entry.name, Buffer.concat(chunks).toString());
  }
  return out;
}

describe('uploadStage', () => {
  const ops = (n: number): Operation[] => Array.from({ length: n }, (_, i) => newFile(`d${i % 3}/f${i}`, `cd${i % 3}/f${i}`));

  it('spreads a large batch over two archives holding every entry once, the script last', async () => {
    const batch = ops(300);
    expect(laneCount(batch)).toBe(2);
    expect(laneCount(ops(10))).toBe(1);
    const released = { value: false };
    let mismatchedSeen: number[] = [];
    const uploads: Array<Promise<Map<string, string>>> = [];
    await uploadStage(
      {
        stageName: 'st',
        ops: batch,
        layout: stagingLayout(batch),
        mtime: 1_700_000_000,
        contents: contentsFor(batch, new Set(['d1/f7']), released),
        script: (mismatched) => {
          mismatchedSeen = [...mismatched];
          return 'echo script';
        },
      },
      (archive) => {
        const parsed = entriesOf(archive);
        uploads.push(parsed);
        return parsed.then(() => undefined);
      },
    );
    const archives = await Promise.all(uploads);
    expect(archives).toHaveLength(2);
    expect(archives.every((a) => a.size > 10)).toBe(true);
    const all = new Map<string, string>();
    for (const a of archives) for (const [k, v] of a) {
      expect(all.has(k)).toBe(false);
      all.set(k, v);
    }
    expect(all.size).toBe(301);
    expect(all.get('st/apply.sh')).toBe('echo script');
    expect(all.get('st/g1/f4')).toBe('cd1/f4');
    expect(mismatchedSeen).toEqual([7]);
    expect(released.value).toBe(true);
  });

  it('fails instead of hanging when an upload fails, and consumes everything without an upload', async () => {
    const batch = ops(400).map((op) => ({ ...op, size: 64 * 1024, digest: sha('x') }) as Operation);
    const stage = (released: { value: boolean }): Parameters<typeof uploadStage>[0] => ({
      stageName: 'st',
      ops: batch,
      layout: stagingLayout(batch),
      mtime: 1,
      contents: contentsFor(batch, new Set(), released),
      script: () => 'true',
    });
    const released = { value: false };
    let calls = 0;
    await expect(
      uploadStage(stage(released), async (archive) => {
        if (calls++ === 0) throw new Error('container went away');
        for await (const chunk of archive) void chunk;
      }),
    ).rejects.toThrow('container went away');
    expect(released.value).toBe(true);
    const discarded = { value: false };
    await uploadStage(stage(discarded), undefined);
    expect(discarded.value).toBe(true);
  });
});

describe('inline staging', () => {
  it('writes every byte value through printf, with sh and with busybox when present', () => {
    const bytes = Buffer.from(Array.from({ length: 512 }, (_, i) => (i * 7) % 256));
    const dir = tempDir();
    const shells: string[][] = [['sh']];
    if (existsSync('/bin/busybox')) shells.push(['/bin/busybox', 'sh']);
    shells.forEach(([shell = 'sh', ...args], k) => {
      const out = join(dir, `out-${k}`);
      execFileSync(shell, [...args, '-c', `printf ${printfLiteral(bytes)} > '${out}'`]);
      expect(readFileSync(out).equals(bytes)).toBe(true);
    });
  });

  it('writes content starting with a dash (printf would read it as an option)', () => {
    const out = join(tempDir(), 'dash');
    execFileSync('sh', ['-c', `printf ${printfLiteral(Buffer.from('-leading-dash'))} > '${out}'`]);
    expect(readFileSync(out, 'utf8')).toBe('-leading-dash');
  });

  it('stages the small batch inside the script, skipping bytes that do not match their digest', async () => {
    expect(fitsInline([newFile('a', 'x'.repeat(1000))])).toBe(true);
    expect(fitsInline([newFile('a', 'x'.repeat(9000))])).toBe(false);
    const root = tempDir();
    const stage = join(root, '.boulder-sync-stage-i');
    const ops: Operation[] = [newFile('d/a', "it's 100%\n\u0000"), { ...newFile('d/x', '#!/bin/sh'), executable: true }, newFile('d/bad', 'good')];
    const released = { value: false };
    let mismatched: number[] = [];
    const script = await inlineScript(
      {
        stageName: '.boulder-sync-stage-i',
        ops,
        layout: stagingLayout(ops),
        mtime: 0,
        contents: contentsFor(ops, new Set(['d/bad']), released, (op) => (op.path === 'd/a' ? "it's 100%\n\u0000" : op.path === 'd/x' ? '#!/bin/sh' : 'good')),
        script: (m) => {
          mismatched = [...m];
          return 'echo staged';
        },
      },
      stage,
    );
    expect(mismatched).toEqual([2]);
    expect(released.value).toBe(true);
    expect(execFileSync('sh', ['-c', script]).toString()).toBe('staged\n');
    expect(readFileSync(join(stage, 'g0', 'a'), 'utf8')).toBe("it's 100%\n\u0000");
    expect(statSync(join(stage, 'g0', 'x')).mode & 0o777).toBe(0o755);
    expect(statSync(join(stage, 'g0', 'a')).mode & 0o777).toBe(0o644);
    expect(existsSync(join(stage, 'g0', 'bad'))).toBe(false);
  });
});
