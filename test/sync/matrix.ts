/**
 * The sync test matrix (controllers/sync/README.md, reference note §6) as a reusable vitest suite:
 * `describeSyncMatrix(name, makeFixture)` runs every case against whatever endpoints the fixture
 * provides — two local directories here, the host directory and a Docker container elsewhere.
 * Every case checks final bytes/kind/exec bit on both sides, the reported conflicts and problems,
 * and zero data loss (`assertNoDataLoss`).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { isErrorCode } from '../../apis/errors.ts';
import { createSyncEngine } from '../../controllers/sync/engine.ts';
import type { ConflictStrategy, SyncEngine, SyncEngineOptions, SyncMode, SyncSide } from '../../controllers/sync/engine-api.ts';
import type { Endpoint, FileContent } from '../../controllers/sync/endpoint.ts';
import { createIgnoreMatcher } from '../../controllers/sync/ignore.ts';
import {
  assertNoDataLoss,
  diffTrees,
  makeTempAncestorStore,
  sha256,
  syncedView,
  syncUntilQuiet,
  SyncJournal,
  type MakeMatrixFixture,
  type MatrixFixture,
  type NoDataLossOptions,
  type QuietResult,
  type SideDriver,
  type TreeListing,
} from './matrix-support.ts';

const run = promisify(execFile);

/** Knobs for runtimes that are slower or more limited than local directories. */
export interface SyncMatrixOptions {
  /** Case names (the `it` titles' leading tag, e.g. `fifo`, `odd-names`) to skip. */
  skip?: readonly string[];
  /** Files in the burst case. Default 10 000. */
  burstFiles?: number;
  /** Bytes of the large-file case. Default 50 MB. */
  largeFileBytes?: number;
  /** Per-test timeout in ms. Default 60 000. */
  timeoutMs?: number;
}

interface Ctx {
  fx: MatrixFixture;
  engine: SyncEngine;
  drivers: Record<SyncSide, SideDriver>;
  journal: SyncJournal;
  store: Awaited<ReturnType<typeof makeTempAncestorStore>>;
  options: Partial<SyncEngineOptions>;
}

const directions: Array<[SyncSide, SyncSide]> = [
  ['alpha', 'beta'],
  ['beta', 'alpha'],
];

/** Delegating wrapper so a test can intercept one endpoint method. */
function wrapEndpoint(inner: Endpoint, overrides: Partial<Pick<Endpoint, 'readFiles' | 'apply'>>): Endpoint {
  return {
    name: inner.name,
    scan: (request) => inner.scan(request),
    readFiles: overrides.readFiles ?? ((files) => inner.readFiles(files)),
    apply: overrides.apply ?? ((ops, contents) => inner.apply(ops, contents)),
    watch: (signal) => inner.watch(signal),
    close: () => inner.close(),
  };
}

/** Bytes 0..255 repeated, with NULs and invalid UTF-8. */
function binaryBytes(size: number, seed = 0): Buffer {
  const out = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i++) out[i] = (i * 31 + seed * 7 + (i >> 8)) & 0xff;
  return out;
}

/** Registers the matrix under `describe(name)`. */
export function describeSyncMatrix(name: string, makeFixture: MakeMatrixFixture, matrixOptions: SyncMatrixOptions = {}): void {
  const timeout = matrixOptions.timeoutMs ?? 60_000;
  const skipped = new Set(matrixOptions.skip ?? []);
  const tagged = (tag: string, title: string, fn: () => Promise<void>): void => {
    (skipped.has(tag) ? it.skip : it)(`${tag}: ${title}`, fn, timeout);
  };

  describe(name, () => {
    let ctx: Ctx | undefined;
    const cleanups: Array<() => Promise<void>> = [];

    afterEach(async () => {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
      ctx = undefined;
    });

    async function setup(options: Partial<SyncEngineOptions> = {}): Promise<Ctx> {
      const fx = await makeFixture();
      cleanups.push(() => fx.cleanup());
      const store = await makeTempAncestorStore();
      cleanups.push(() => store.cleanup());
      const engine = createSyncEngine({ alpha: fx.alpha.endpoint, beta: fx.beta.endpoint, ancestorStore: store.store, ...options });
      cleanups.push(() => engine.close());
      const drivers = { alpha: fx.alpha.driver, beta: fx.beta.driver };
      ctx = { fx, engine, drivers, journal: new SyncJournal(drivers), store, options };
      return ctx;
    }

    /** A second engine over fresh endpoints and the same ancestor (a restarted daemon). */
    async function restart(c: Ctx): Promise<SyncEngine> {
      await c.engine.close();
      const endpoints = await c.fx.reopen();
      const engine = createSyncEngine({ ...c.options, alpha: endpoints.alpha, beta: endpoints.beta, ancestorStore: c.store.store });
      cleanups.push(() => engine.close());
      c.engine = engine;
      return engine;
    }

    async function trees(c: Ctx): Promise<Record<SyncSide, TreeListing>> {
      return { alpha: await c.drivers.alpha.tree(), beta: await c.drivers.beta.tree() };
    }

    /** Syncs until quiet, then checks: no halt, the expected conflicts, zero data loss, equal trees outside conflicts. */
    async function settle(
      c: Ctx,
      expectation: { conflicts?: string[]; noDataLoss?: NoDataLossOptions; diverge?: string[]; ignores?: string[] } = {},
    ): Promise<QuietResult> {
      const result = await syncUntilQuiet(c.engine);
      expect(result.last.halted).toBeUndefined();
      expect(result.last.conflicts.map((x) => x.path).sort()).toEqual([...(expectation.conflicts ?? [])].sort());
      await assertNoDataLoss(c.journal, c.drivers, result.last.conflicts, expectation.noDataLoss);
      const ignore = createIgnoreMatcher(expectation.ignores ?? c.options.ignores ?? []);
      const t = await trees(c);
      const skip = [...(expectation.conflicts ?? []), ...(expectation.diverge ?? [])];
      const diff = diffTrees(syncedView(t.alpha, ignore), syncedView(t.beta, ignore), (p) => skip.some((s) => p === s || p.startsWith(`${s}/`)));
      expect(diff).toEqual([]);
      return result;
    }

    const fileDigest = (tree: TreeListing, path: string): string | undefined => {
      const entry = tree.get(path);
      return entry?.kind === 'file' ? entry.digest : undefined;
    };

    describe.each(directions)('basic propagation %s → %s', (from, to) => {
      tagged('B1-3', 'creates, modifies and deletes a file', async () => {
        const c = await setup();
        await c.journal.write(from, 'notes.txt', 'v1\n');
        await settle(c);
        expect((await c.drivers[to].readFile('notes.txt'))?.toString()).toBe('v1\n');
        await c.journal.write(from, 'notes.txt', 'v2, longer\n');
        await settle(c);
        expect((await c.drivers[to].readFile('notes.txt'))?.toString()).toBe('v2, longer\n');
        await c.journal.remove(from, 'notes.txt');
        await settle(c);
        expect(await c.drivers[to].readFile('notes.txt')).toBeUndefined();
      });

      tagged('B4-6', 'empty directories, nested trees, deleting a non-empty directory', async () => {
        const c = await setup();
        await c.drivers[from].mkdir('empty/inner');
        await c.journal.write(from, 'a/b/c/file.txt', 'deep');
        await settle(c);
        const t = await c.drivers[to].tree();
        expect(t.get('empty/inner')).toEqual({ kind: 'directory' });
        expect(t.has('a/b/c/file.txt')).toBe(true);
        await c.journal.remove(from, 'a');
        await c.drivers[from].remove('empty/inner');
        await settle(c);
        const after = await c.drivers[to].tree();
        expect(after.has('a')).toBe(false);
        expect(after.has('empty/inner')).toBe(false);
        expect(after.get('empty')).toEqual({ kind: 'directory' });
      });

      tagged('B7-8', 'binary content and zero-byte files are byte-identical', async () => {
        const c = await setup();
        const binary = Buffer.concat([Buffer.from([0, 0, 0xff, 0xfe, 0xc3, 0x28]), binaryBytes(70_000)]);
        await c.journal.write(from, 'bin/blob.dat', binary);
        await c.journal.write(from, 'empty.txt', '');
        await settle(c);
        const t = await c.drivers[to].tree();
        expect(fileDigest(t, 'bin/blob.dat')).toBe(sha256(binary));
        expect(t.get('empty.txt')).toMatchObject({ kind: 'file', size: 0 });
        const again = await syncUntilQuiet(c.engine);
        expect(again.bytesTransferred).toBe(0);
      });

      tagged('odd-names', 'spaces, unicode, tabs, leading dashes and quotes in names round-trip', async () => {
        const c = await setup();
        // Names with a newline are refused (unsafe-path halt, see 'unsafe-name').
        const names = ['with space.txt', 'ünïcödé-ñ.txt', '-leading-dash', 'emoji-🎉.md', 'tab\tname.txt', "quote'\"$x.txt"];
        for (const n of names) await c.journal.write(from, `odd/${n}`, n);
        await settle(c);
        const t = await c.drivers[to].tree();
        for (const n of names) expect(fileDigest(t, `odd/${n}`), n).toBe(sha256(n));
      });

      tagged('S5', 'the executable bit propagates both ways of flipping', async () => {
        const c = await setup();
        await c.journal.write(from, 'run.sh', '#!/bin/sh\necho hi\n', { executable: true });
        await settle(c);
        expect((await c.drivers[to].tree()).get('run.sh')).toMatchObject({ kind: 'file', executable: true });
        await c.drivers[from].chmod('run.sh', false);
        const r = await settle(c);
        expect(r.bytesTransferred).toBe(0);
        expect((await c.drivers[to].tree()).get('run.sh')).toMatchObject({ kind: 'file', executable: false });
      });
    });

    describe.each(directions)('renames and moves %s → %s', (from, to) => {
      tagged('R1-2', 'rename in place and move to another directory', async () => {
        const c = await setup();
        await c.journal.write(from, 'src/old.ts', 'export const x = 1;\n');
        await c.journal.write(from, 'src/keep.ts', 'keep');
        await settle(c);
        await c.journal.rename(from, 'src/old.ts', 'src/new.ts');
        await settle(c);
        await c.journal.rename(from, 'src/new.ts', 'lib/moved/new.ts');
        await settle(c);
        const t = await c.drivers[to].tree();
        expect(t.has('src/old.ts')).toBe(false);
        expect(t.has('src/new.ts')).toBe(false);
        expect(fileDigest(t, 'lib/moved/new.ts')).toBe(sha256('export const x = 1;\n'));
      });

      tagged('R3', 'renaming a directory of 200 files re-sends no content', async () => {
        const c = await setup();
        for (let i = 0; i < 200; i++) await c.journal.write(from, `pkg/file-${i}.txt`, `content ${i}\n`.repeat(20));
        await settle(c);
        await c.journal.rename(from, 'pkg', 'renamed/pkg');
        const r = await settle(c);
        expect(r.bytesTransferred).toBe(0);
        const t = await c.drivers[to].tree();
        expect(t.has('pkg')).toBe(false);
        expect([...t.keys()].filter((p) => p.startsWith('renamed/pkg/'))).toHaveLength(200);
      });

      tagged('R4', 'case-only rename ends with exactly one file in the new case', async () => {
        const c = await setup();
        await c.journal.write(from, 'Readme.md', '# hi\n');
        await settle(c);
        await c.journal.rename(from, 'Readme.md', 'README.md');
        await settle(c);
        const names = [...(await c.drivers[to].tree()).keys()];
        expect(names).toEqual(['README.md']);
      });

      tagged('R6-7', 'editor atomic save and a swap of two names within one cycle', async () => {
        const c = await setup();
        await c.journal.write(from, 'a.txt', 'A');
        await c.journal.write(from, 'b.txt', 'B');
        await c.journal.write(from, 'doc.md', 'old');
        await settle(c);
        await c.journal.rename(from, 'a.txt', 'tmp.txt');
        await c.journal.rename(from, 'b.txt', 'a.txt');
        await c.journal.rename(from, 'tmp.txt', 'b.txt');
        await c.journal.write(from, '.doc.md.tmp', 'new');
        await c.journal.rename(from, '.doc.md.tmp', 'doc.md');
        await settle(c);
        const t = await c.drivers[to].tree();
        expect(fileDigest(t, 'a.txt')).toBe(sha256('B'));
        expect(fileDigest(t, 'b.txt')).toBe(sha256('A'));
        expect(fileDigest(t, 'doc.md')).toBe(sha256('new'));
        expect(t.has('.doc.md.tmp')).toBe(false);
      });
    });

    describe.each(directions)('type changes %s → %s', (from, to) => {
      tagged('T1', 'file replaced by a directory', async () => {
        const c = await setup();
        await c.journal.write(from, 'node', 'file');
        await settle(c);
        await c.journal.remove(from, 'node');
        await c.journal.write(from, 'node/inner.txt', 'now a dir');
        await settle(c);
        expect((await c.drivers[to].tree()).get('node')).toEqual({ kind: 'directory' });
      });

      tagged('T2', 'directory replaced by a file', async () => {
        const c = await setup();
        await c.journal.write(from, 'node/a.txt', 'a');
        await c.journal.write(from, 'node/sub/b.txt', 'b');
        await settle(c);
        await c.journal.remove(from, 'node');
        await c.journal.write(from, 'node', 'now a file');
        await settle(c);
        const t = await c.drivers[to].tree();
        expect(fileDigest(t, 'node')).toBe(sha256('now a file'));
        expect(t.has('node/a.txt')).toBe(false);
      });

      tagged('T3', 'file → directory on one side, edited on the other: conflict, both untouched', async () => {
        const c = await setup();
        await c.journal.write(from, 'x', 'v1');
        await settle(c);
        await c.journal.remove(from, 'x');
        await c.journal.write(from, 'x/inside.txt', 'dir now');
        await c.journal.write(to, 'x', 'v2 edited');
        await settle(c, { conflicts: ['x'] });
        expect(fileDigest(await c.drivers[to].tree(), 'x')).toBe(sha256('v2 edited'));
        expect(fileDigest(await c.drivers[from].tree(), 'x/inside.txt')).toBe(sha256('dir now'));
      });

      tagged('T4', 'file replaced by a symlink', async () => {
        const c = await setup();
        await c.journal.write(from, 'target.txt', 't');
        await c.journal.write(from, 'alias', 'was a file');
        await settle(c);
        await c.drivers[from].remove('alias');
        await c.drivers[from].symlink('alias', 'target.txt');
        await settle(c);
        expect((await c.drivers[to].tree()).get('alias')).toEqual({ kind: 'symlink', target: 'target.txt' });
      });
    });

    describe.each(directions)('symlinks and special files %s → %s', (from, to) => {
      tagged('S1-4', 'links inside the root (also dangling and looping) propagate as links', async () => {
        const c = await setup();
        await c.journal.write(from, 'lib/real.txt', 'real');
        await c.drivers[from].symlink('lib/link.txt', 'real.txt');
        await c.drivers[from].symlink('up', 'lib/../lib/real.txt');
        await c.drivers[from].symlink('dangling', 'does/not/exist');
        await c.drivers[from].symlink('loop-a', 'loop-b');
        await c.drivers[from].symlink('loop-b', 'loop-a');
        await settle(c);
        const t = await c.drivers[to].tree();
        expect(t.get('lib/link.txt')).toEqual({ kind: 'symlink', target: 'real.txt' });
        expect(t.get('up')).toEqual({ kind: 'symlink', target: 'lib/../lib/real.txt' });
        expect(t.get('dangling')).toEqual({ kind: 'symlink', target: 'does/not/exist' });
        expect(t.get('loop-a')).toEqual({ kind: 'symlink', target: 'loop-b' });
      });

      tagged('S2', 'links leaving the root are reported, not followed, not copied, not deleted', async () => {
        const c = await setup();
        await c.drivers[from].symlink('abs', '/etc/hostname');
        await c.drivers[from].symlink('escape', '../../outside');
        await c.journal.write(from, 'ok.txt', 'ok');
        const r = await syncUntilQuiet(c.engine);
        const reasons = r.last.problems.filter((p) => p.side === from).map((p) => `${p.path}:${p.reason}`).sort();
        expect(reasons).toEqual(['abs:symlink-outside-root', 'escape:symlink-outside-root']);
        const t = await c.drivers[to].tree();
        expect(t.has('abs')).toBe(false);
        expect(t.has('escape')).toBe(false);
        expect(t.has('ok.txt')).toBe(true);
        expect((await c.drivers[from].tree()).get('abs')).toEqual({ kind: 'symlink', target: '/etc/hostname' });
      });

      tagged('fifo', 'a FIFO is reported as unsupported and never touched', async () => {
        const c = await setup();
        const mkfifo = c.drivers[from].mkfifo;
        if (mkfifo === undefined) return;
        await mkfifo.call(c.drivers[from], 'pipe');
        await c.journal.write(from, 'ok.txt', 'ok');
        const r = await syncUntilQuiet(c.engine);
        expect(r.last.problems.some((p) => p.path === 'pipe' && p.reason === 'unsupported-type' && p.side === from)).toBe(true);
        expect((await c.drivers[to].tree()).has('pipe')).toBe(false);
        expect((await c.drivers[from].tree()).get('pipe')).toEqual({ kind: 'other' });
      });
    });

    describe('large files', () => {
      tagged('B9', 'a large binary file is transferred intact and not re-sent', async () => {
        const size = matrixOptions.largeFileBytes ?? 50 * 1024 * 1024;
        const c = await setup();
        const big = binaryBytes(size, 3);
        await c.journal.write('alpha', 'big/video.bin', big);
        const first = await settle(c);
        expect(first.bytesTransferred).toBe(size);
        expect(fileDigest(await c.drivers.beta.tree(), 'big/video.bin')).toBe(sha256(big));
        big[Math.floor(size / 2)] = (big[Math.floor(size / 2)] as number) ^ 0xff;
        await c.journal.write('beta', 'big/video.bin', big);
        await settle(c);
        expect(fileDigest(await c.drivers.alpha.tree(), 'big/video.bin')).toBe(sha256(big));
        expect((await syncUntilQuiet(c.engine)).bytesTransferred).toBe(0);
      });
    });

    describe('concurrent edits (two-way-safe)', () => {
      tagged('C1', 'both edit the same file: conflict listed, both copies kept, other paths keep syncing', async () => {
        const c = await setup();
        await c.journal.write('alpha', 'f.txt', 'base');
        await settle(c);
        await c.journal.write('alpha', 'f.txt', 'alpha edit');
        await c.journal.write('beta', 'f.txt', 'beta edit');
        await c.journal.write('alpha', 'other.txt', 'still syncs');
        const r = await settle(c, { conflicts: ['f.txt'] });
        expect(r.last.conflicts).toEqual([{ path: 'f.txt', type: 'both-modified', alpha: 'modified file', beta: 'modified file' }]);
        expect(fileDigest(await c.drivers.beta.tree(), 'other.txt')).toBe(sha256('still syncs'));
        expect(c.engine.status().conflicts).toHaveLength(1);
      });

      tagged('C2', 'identical edits on both sides are no conflict and cost no transfer', async () => {
        const c = await setup();
        await c.journal.write('alpha', 'f.txt', 'base');
        await settle(c);
        await c.journal.write('alpha', 'f.txt', 'same');
        await c.journal.write('beta', 'f.txt', 'same');
        await c.journal.write('alpha', 'new.txt', 'made twice');
        await c.journal.write('beta', 'new.txt', 'made twice');
        const r = await settle(c);
        expect(r.bytesTransferred).toBe(0);
      });

      tagged('C3', 'edit beats delete, in both directions', async () => {
        const c = await setup();
        await c.journal.write('alpha', 'a.txt', 'a1');
        await c.journal.write('alpha', 'b.txt', 'b1');
        await settle(c);
        await c.journal.write('alpha', 'a.txt', 'a2 edited on alpha');
        await c.journal.remove('beta', 'a.txt');
        await c.journal.remove('alpha', 'b.txt');
        await c.journal.write('beta', 'b.txt', 'b2 edited on beta');
        await settle(c);
        expect(fileDigest(await c.drivers.beta.tree(), 'a.txt')).toBe(sha256('a2 edited on alpha'));
        expect(fileDigest(await c.drivers.alpha.tree(), 'b.txt')).toBe(sha256('b2 edited on beta'));
      });

      tagged('C4', 'a directory deleted on one side while the other adds a file in it comes back whole', async () => {
        const c = await setup();
        await c.journal.write('alpha', 'dir/one.txt', '1');
        await c.journal.write('alpha', 'dir/two.txt', '2');
        await settle(c);
        await c.journal.remove('alpha', 'dir');
        await c.journal.write('beta', 'dir/three.txt', '3');
        await settle(c);
        const t = await c.drivers.alpha.tree();
        expect(['dir/one.txt', 'dir/two.txt', 'dir/three.txt'].every((p) => t.has(p))).toBe(true);
      });

      tagged('C4b', 'a directory deleted on one side and partly deleted on the other is deleted', async () => {
        const c = await setup();
        await c.journal.write('alpha', 'dir/one.txt', '1');
        await c.journal.write('alpha', 'dir/two.txt', '2');
        await settle(c);
        await c.journal.remove('alpha', 'dir');
        await c.journal.remove('beta', 'dir/one.txt');
        await settle(c);
        expect((await c.drivers.beta.tree()).has('dir')).toBe(false);
      });

      tagged('C5', 'both create the same path differently: conflict', async () => {
        const c = await setup();
        await c.journal.write('alpha', 'new.txt', 'from alpha');
        await c.journal.write('beta', 'new.txt', 'from beta');
        await c.journal.write('alpha', 'dir/x', 'file on alpha');
        await c.drivers.beta.mkdir('dir/x');
        const r = await settle(c, { conflicts: ['new.txt', 'dir/x'] });
        expect(r.last.conflicts.find((x) => x.path === 'new.txt')).toMatchObject({ type: 'both-created', alpha: 'created file', beta: 'created file' });
        expect(r.last.conflicts.find((x) => x.path === 'dir/x')).toMatchObject({ alpha: 'created file', beta: 'created directory' });
      });

      tagged('C6', 'deleting the losing copy resolves a conflict; resolve() keeps the chosen side', async () => {
        const c = await setup();
        await c.journal.write('alpha', 'a.txt', 'base');
        await c.journal.write('alpha', 'b.txt', 'base');
        await settle(c);
        await c.journal.write('alpha', 'a.txt', 'alpha a');
        await c.journal.write('beta', 'a.txt', 'beta a');
        await c.journal.write('alpha', 'b.txt', 'alpha b');
        await c.journal.write('beta', 'b.txt', 'beta b');
        await settle(c, { conflicts: ['a.txt', 'b.txt'] });
        await c.journal.remove('beta', 'a.txt');
        await settle(c, { conflicts: ['b.txt'] });
        expect(fileDigest(await c.drivers.beta.tree(), 'a.txt')).toBe(sha256('alpha a'));
        await expect(c.engine.resolve('nope.txt', 'alpha')).rejects.toSatisfy((e) => isErrorCode(e, 'NotFound'));
        const resolved = await c.engine.resolve('b.txt', 'beta');
        expect(resolved.conflicts).toEqual([]);
        await settle(c, { noDataLoss: { overwritten: [{ side: 'alpha', path: 'b.txt' }] } });
        expect(fileDigest(await c.drivers.alpha.tree(), 'b.txt')).toBe(sha256('beta b'));
      });

      tagged('C8', 'changes made while paused are reconciled from the ancestor on resume', async () => {
        const c = await setup();
        await c.journal.write('alpha', 'a.txt', 'a');
        await c.journal.write('alpha', 'b.txt', 'b');
        await c.journal.write('alpha', 'c.txt', 'c');
        await settle(c);
        await c.engine.pause();
        await expect(c.engine.runCycle()).rejects.toSatisfy((e) => isErrorCode(e, 'Unavailable'));
        await c.journal.write('alpha', 'a.txt', 'a edited while paused');
        await c.journal.remove('beta', 'b.txt');
        await c.journal.write('alpha', 'c.txt', 'c alpha');
        await c.journal.write('beta', 'c.txt', 'c beta');
        expect(fileDigest(await c.drivers.beta.tree(), 'a.txt')).toBe(sha256('a'));
        c.engine.resume();
        await settle(c, { conflicts: ['c.txt'] });
        expect(fileDigest(await c.drivers.beta.tree(), 'a.txt')).toBe(sha256('a edited while paused'));
        expect((await c.drivers.alpha.tree()).has('b.txt')).toBe(false);
      });

      tagged('C9', 'decisions never depend on mtimes (same size, mtime set back, or skewed clocks)', async () => {
        const c = await setup();
        await c.journal.write('alpha', 'same-size.txt', 'AAAA');
        await c.journal.write('alpha', 'skewed.txt', 'one');
        await settle(c);
        const before = Math.floor(Date.now() / 1000) - 3600;
        await c.drivers.beta.setMtime('same-size.txt', before);
        await settle(c);
        await c.journal.write('beta', 'same-size.txt', 'BBBB');
        await c.drivers.beta.setMtime('same-size.txt', before);
        await c.journal.write('alpha', 'skewed.txt', 'two');
        await c.drivers.alpha.setMtime('skewed.txt', before - 86_400);
        await c.drivers.beta.setMtime('skewed.txt', before + 86_400 * 2);
        await settle(c);
        expect(fileDigest(await c.drivers.alpha.tree(), 'same-size.txt')).toBe(sha256('BBBB'));
        expect(fileDigest(await c.drivers.beta.tree(), 'skewed.txt')).toBe(sha256('two'));
      });
    });

    describe('modes × conflict strategies (simultaneous edits)', () => {
      const modes: SyncMode[] = ['two-way-safe', 'two-way-resolved', 'one-way-safe', 'one-way-replica'];
      const strategies: ConflictStrategy[] = ['manual', 'host-wins', 'container-wins'];
      for (const mode of modes) {
        for (const strategy of strategies) {
          tagged('modes', `${mode} × ${strategy}`, async () => {
            if (mode === 'two-way-resolved' && strategy === 'container-wins') {
              const fx = await makeFixture();
              cleanups.push(() => fx.cleanup());
              const store = await makeTempAncestorStore();
              cleanups.push(() => store.cleanup());
              expect(() =>
                createSyncEngine({ alpha: fx.alpha.endpoint, beta: fx.beta.endpoint, ancestorStore: store.store, mode, conflict: strategy }),
              ).toThrow(/contradicts/);
              return;
            }
            const c = await setup({ mode, conflict: strategy });
            await c.journal.write('alpha', 'shared.txt', 'v1');
            await c.journal.write('alpha', 'beta-deletes.txt', 'keep me?');
            await settle(c);
            await c.journal.write('alpha', 'shared.txt', 'v2 alpha');
            await c.journal.write('beta', 'shared.txt', 'v3 beta');
            await c.journal.write('alpha', 'alpha-only.txt', 'a');
            await c.journal.write('beta', 'beta-only.txt', 'b');
            await c.journal.remove('beta', 'beta-deletes.txt');
            const result = await syncUntilQuiet(c.engine);
            const t = await trees(c);
            const oneWay = mode === 'one-way-safe' || mode === 'one-way-replica';
            const alphaWins = mode === 'two-way-resolved' || mode === 'one-way-replica' || strategy === 'host-wins';
            const betaWins = !alphaWins && strategy === 'container-wins';
            const conflictListed = !alphaWins && !betaWins;
            expect(result.last.conflicts.map((x) => x.path)).toEqual(conflictListed ? ['shared.txt'] : []);
            // shared.txt
            if (alphaWins) {
              expect(fileDigest(t.beta, 'shared.txt')).toBe(sha256('v2 alpha'));
            } else if (betaWins && !oneWay) {
              expect(fileDigest(t.alpha, 'shared.txt')).toBe(sha256('v3 beta'));
            } else {
              expect(fileDigest(t.alpha, 'shared.txt')).toBe(sha256('v2 alpha'));
              expect(fileDigest(t.beta, 'shared.txt')).toBe(sha256('v3 beta'));
            }
            expect(fileDigest(t.alpha, 'shared.txt') !== undefined).toBe(true);
            // alpha-only always reaches beta
            expect(fileDigest(t.beta, 'alpha-only.txt')).toBe(sha256('a'));
            // beta-only: copied in two-way modes, kept on beta in one-way-safe, deleted by a replica
            if (!oneWay) expect(fileDigest(t.alpha, 'beta-only.txt')).toBe(sha256('b'));
            else expect(t.alpha.has('beta-only.txt')).toBe(false);
            expect(t.beta.has('beta-only.txt')).toBe(mode !== 'one-way-replica');
            // a deletion on beta propagates in two-way modes, is undone in one-way modes
            expect(t.alpha.has('beta-deletes.txt')).toBe(oneWay);
            expect(t.beta.has('beta-deletes.txt')).toBe(oneWay);
            const overwritten: Array<{ side: SyncSide; path: string }> = [];
            if (alphaWins) overwritten.push({ side: 'beta', path: 'shared.txt' });
            if (betaWins && !oneWay) overwritten.push({ side: 'alpha', path: 'shared.txt' });
            if (mode === 'one-way-replica') overwritten.push({ side: 'beta', path: 'beta-only.txt' });
            const keptLocally: Array<{ side: SyncSide; path: string }> = [];
            if (mode === 'one-way-safe') keptLocally.push({ side: 'beta', path: 'beta-only.txt' }, { side: 'beta', path: 'shared.txt' });
            if (mode === 'one-way-safe' && betaWins) keptLocally.push({ side: 'alpha', path: 'shared.txt' });
            await assertNoDataLoss(c.journal, c.drivers, result.last.conflicts, { overwritten, keptLocally });
          });
        }
      }

      tagged('one-way-safe', 'alpha deletions reach beta unless beta changed the file', async () => {
        const c = await setup({ mode: 'one-way-safe' });
        await c.journal.write('alpha', 'stays.txt', 's');
        await c.journal.write('alpha', 'plain.txt', 'p');
        await c.journal.write('alpha', 'edited.txt', 'e1');
        await settle(c);
        await c.journal.write('beta', 'edited.txt', 'e2 on beta');
        await c.journal.remove('alpha', 'plain.txt');
        await c.journal.remove('alpha', 'edited.txt');
        const r = await syncUntilQuiet(c.engine);
        expect(r.last.conflicts).toEqual([]);
        const t = await trees(c);
        expect(t.beta.has('plain.txt')).toBe(false);
        expect(fileDigest(t.beta, 'edited.txt')).toBe(sha256('e2 on beta'));
        await assertNoDataLoss(c.journal, c.drivers, [], { keptLocally: [{ side: 'beta', path: 'edited.txt' }] });
      });
    });

    describe('changes during transfer', () => {
      tagged('P1-torn', 'a source file rewritten while it streams is never persisted torn', async () => {
        const c = await setup();
        const size = 3 * 1024 * 1024 + 17;
        await c.journal.write('alpha', 'data.bin', Buffer.alloc(size, 1));
        await settle(c);
        await c.journal.write('alpha', 'data.bin', Buffer.alloc(size, 2));
        let rewritten = false;
        const alpha = c.fx.alpha.endpoint;
        const tearing = wrapEndpoint(alpha, {
          readFiles: (files) =>
            (async function* (): AsyncIterable<FileContent> {
              for await (const item of alpha.readFiles(files)) {
                if (item.path !== 'data.bin' || item.data === null || rewritten) {
                  yield item;
                  continue;
                }
                const data = item.data;
                yield {
                  ...item,
                  data: (async function* () {
                    for await (const chunk of data) {
                      yield chunk;
                      if (!rewritten) {
                        rewritten = true;
                        await c.journal.write('alpha', 'data.bin', Buffer.alloc(size, 3));
                      }
                    }
                  })(),
                };
              }
            })(),
        });
        const engine = createSyncEngine({ alpha: tearing, beta: c.fx.beta.endpoint, ancestorStore: c.store.store });
        const first = await engine.runCycle();
        expect(rewritten).toBe(true);
        expect(first.retry).toBe(true);
        expect(first.problems.some((p) => p.path === 'data.bin' && p.reason === 'changed-during-transfer')).toBe(true);
        const onBeta = await c.drivers.beta.readFile('data.bin');
        expect(onBeta?.equals(Buffer.alloc(size, 1))).toBe(true);
        c.engine = engine;
        await settle(c);
        expect((await c.drivers.beta.readFile('data.bin'))?.equals(Buffer.alloc(size, 3))).toBe(true);
      });

      tagged('P3', 'a destination edited while an update is in flight is not overwritten', async () => {
        const c = await setup();
        await c.journal.write('alpha', 'f.txt', 'v1');
        await settle(c);
        await c.journal.write('alpha', 'f.txt', 'v2 from alpha');
        const beta = c.fx.beta.endpoint;
        let edited = false;
        const racing = wrapEndpoint(beta, {
          apply: async (ops, contents) => {
            if (!edited && ops.some((op) => op.path === 'f.txt')) {
              edited = true;
              await c.journal.write('beta', 'f.txt', 'v3 edited in the container meanwhile');
            }
            return beta.apply(ops, contents);
          },
        });
        const engine = createSyncEngine({ alpha: c.fx.alpha.endpoint, beta: racing, ancestorStore: c.store.store });
        const first = await engine.runCycle();
        expect(edited).toBe(true);
        expect(first.problems.some((p) => p.path === 'f.txt' && p.side === 'beta' && p.reason === 'changed-during-transfer')).toBe(true);
        c.engine = engine;
        await settle(c, { conflicts: ['f.txt'] });
      });

      tagged('P1-slow', 'a slow writer rewriting a file: beta only ever holds whole versions, then converges', async () => {
        const c = await setup();
        const chunk = 256 * 1024;
        const chunks = 8;
        let writing = true;
        let versions = 0;
        const writer = (async () => {
          const { open } = await import('node:fs/promises');
          const path = `${c.fx.alpha.root}/slow.bin`;
          for (let v = 1; v <= 12; v++) {
            const handle = await open(path, 'w');
            for (let i = 0; i < chunks; i++) {
              await handle.write(Buffer.alloc(chunk, v));
              await new Promise((r) => setTimeout(r, 3));
            }
            await handle.close();
            versions = v;
          }
          writing = false;
        })();
        let samples = 0;
        while (writing) {
          await c.engine.runCycle();
          const seen = await c.drivers.beta.readFile('slow.bin');
          if (seen !== undefined && seen.length > 0) {
            samples++;
            const first = seen[0] as number;
            expect(seen.every((b) => b === first), 'beta holds a mix of versions').toBe(true);
          }
        }
        await writer;
        expect(versions).toBe(12);
        c.journal.checkpoint();
        await c.journal.write('alpha', 'marker.txt', 'done');
        await settle(c);
        expect((await c.drivers.beta.readFile('slow.bin'))?.equals(Buffer.alloc(chunk * chunks, 12))).toBe(true);
        console.log(`[sync matrix ${name}] slow writer: ${samples} intermediate samples on beta, all whole versions`);
      });
    });

    describe('ignores', () => {
      tagged('I1-2', 'defaults: .git and editor temp files never cross, never get deleted', async () => {
        const c = await setup();
        await c.drivers.alpha.writeFile('.git/HEAD', 'ref: refs/heads/main\n');
        for (const n of ['x.swp', 'src/.y.ts.swp', 'notes~', '4913', '.DS_Store', '.#lock']) await c.drivers.alpha.writeFile(n, 'temp');
        await c.drivers.beta.writeFile('container.swp', 'beta temp');
        await c.journal.write('alpha', 'src/real.ts', 'real');
        await settle(c);
        const t = await trees(c);
        expect([...t.beta.keys()].sort()).toEqual(['container.swp', 'src', 'src/real.ts']);
        expect(t.alpha.has('container.swp')).toBe(false);
        await c.journal.remove('alpha', 'src');
        await settle(c);
        expect((await c.drivers.beta.tree()).has('container.swp')).toBe(true);
        expect((await c.drivers.alpha.tree()).has('.git/HEAD')).toBe(true);
      });

      tagged('I5', 'user patterns: negation and directory-only rules follow gitignore', async () => {
        const ignores = ['*.log', '!keep.log', 'build/', 'tmp/*', '!tmp/important'];
        const c = await setup({ ignores });
        for (const p of ['a.log', 'sub/b.log', 'keep.log', 'sub/keep.log', 'build/out.js', 'pkg/build/x.js', 'tmp/scratch', 'tmp/important', 'src/build']) {
          await c.drivers.alpha.writeFile(p, p);
        }
        await settle(c, { ignores });
        const beta = [...(await c.drivers.beta.tree()).entries()].filter(([, e]) => e.kind === 'file').map(([p]) => p).sort();
        expect(beta).toEqual(['keep.log', 'src/build', 'sub/keep.log', 'tmp/important']);
      });

      tagged('I3', 'a directory deleted on alpha that holds ignored files on beta: conflict, no crash', async () => {
        const c = await setup({ ignores: ['*.log'] });
        await c.journal.write('alpha', 'logs/readme.txt', 'r');
        await settle(c);
        await c.drivers.beta.writeFile('logs/beta-only.log', 'ignored on beta');
        await c.journal.remove('alpha', 'logs');
        const r = await syncUntilQuiet(c.engine);
        expect(r.last.conflicts).toEqual([{ path: 'logs', type: 'deletion-blocked', alpha: 'deleted', beta: 'unchanged' }]);
        expect((await c.drivers.beta.tree()).has('logs/beta-only.log')).toBe(true);
        expect((await c.drivers.beta.tree()).has('logs/readme.txt')).toBe(true);
      });
    });

    describe('bulk operations', () => {
      tagged('M1', 'a burst of files created at once all arrive', async () => {
        const count = matrixOptions.burstFiles ?? 10_000;
        const c = await setup();
        const perDir = 100;
        const started = performance.now();
        for (let i = 0; i < count; i++) {
          await c.drivers.alpha.writeFile(`burst/d${Math.floor(i / perDir)}/f${i}.txt`, `file ${i}\n`);
        }
        const wrote = performance.now();
        const r = await syncUntilQuiet(c.engine);
        const synced = performance.now();
        const rescan = await c.engine.runCycle();
        const rescanned = performance.now();
        expect(r.last.conflicts).toEqual([]);
        const files = [...(await c.drivers.beta.tree()).values()].filter((e) => e.kind === 'file').length;
        expect(files).toBe(count);
        expect(rescan.changesApplied).toBe(0);
        console.log(
          `[sync matrix ${name}] burst of ${count} files: write ${Math.round(wrote - started)} ms, sync ${Math.round(synced - wrote)} ms in ${r.cycles} cycles, unchanged rescan ${Math.round(rescanned - synced)} ms`,
        );
      });

      tagged('M2', 'git checkout of another branch converges exactly, nothing resurrected, no conflicts', async () => {
        const c = await setup();
        const root = c.fx.alpha.root;
        const git = (...args: string[]): Promise<unknown> =>
          run('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', '-c', 'init.defaultBranch=main', '-C', root, ...args]);
        await git('init', '-q');
        for (let i = 0; i < 300; i++) await c.drivers.alpha.writeFile(`src/m${i % 10}/file${i}.ts`, `export const v${i} = 'main';\n`);
        await git('add', '-A');
        await git('commit', '-qm', 'main');
        await git('checkout', '-qb', 'feature');
        for (let i = 0; i < 100; i++) await c.drivers.alpha.writeFile(`src/m${i % 10}/file${i}.ts`, `export const v${i} = 'feature';\n`);
        for (let i = 100; i < 200; i++) await c.drivers.alpha.remove(`src/m${i % 10}/file${i}.ts`);
        for (let i = 0; i < 100; i++) await c.drivers.alpha.writeFile(`feature/f${i}.ts`, `new ${i}\n`);
        await c.drivers.alpha.rename('src/m9', 'src/renamed9');
        await git('add', '-A');
        await git('commit', '-qm', 'feature');
        await git('checkout', '-q', 'main');
        await settle(c);
        await git('checkout', '-q', 'feature');
        const toFeature = await settle(c);
        expect(toFeature.last.conflicts).toEqual([]);
        const beta = await c.drivers.beta.tree();
        expect(beta.has('src/m1/file101.ts')).toBe(false);
        expect(beta.has('feature/f5.ts')).toBe(true);
        await git('checkout', '-q', 'main');
        await settle(c);
        const back = await c.drivers.beta.tree();
        expect(back.has('feature')).toBe(false);
        expect(back.has('src/m1/file101.ts')).toBe(true);
        expect(back.has('.git')).toBe(false);
      });

      tagged('M4', 'removing most of the tree propagates (no halt while something is left)', async () => {
        const c = await setup();
        for (let i = 0; i < 20; i++) await c.journal.write('alpha', `d${i}/f.txt`, `${i}`);
        await settle(c);
        for (let i = 1; i < 20; i++) await c.journal.remove('alpha', `d${i}`);
        await settle(c);
        expect([...(await c.drivers.beta.tree()).keys()]).toEqual(['d0', 'd0/f.txt']);
      });
    });

    describe('initial sync', () => {
      tagged('IS1-3', 'first contact: union of both sides, identical files (other mtimes) adopted without transfer', async () => {
        const c = await setup();
        for (let i = 0; i < 20; i++) {
          await c.journal.write('alpha', `same/${i}.txt`, `identical ${i}`);
          await c.journal.write('beta', `same/${i}.txt`, `identical ${i}`);
          await c.drivers.beta.setMtime(`same/${i}.txt`, 1_000_000_000 + i);
        }
        await c.journal.write('alpha', 'host-only.txt', 'h');
        await c.journal.write('beta', 'generated/out.js', 'g');
        const r = await settle(c);
        expect(r.bytesTransferred).toBe('h'.length + 'g'.length);
      });

      tagged('IS4', 'first contact with differing content: conflict, or the host wins under host-wins', async () => {
        const c = await setup();
        await c.journal.write('alpha', 'config.json', '{"host":true}');
        await c.journal.write('beta', 'config.json', '{"container":true}');
        await settle(c, { conflicts: ['config.json'] });
      });
    });

    describe('restart with a persisted ancestor', () => {
      tagged('L10', 'nothing unchanged is re-sent; changes made while down are detected, not resurrected', async () => {
        const c = await setup();
        for (let i = 0; i < 50; i++) await c.journal.write('alpha', `f${i}.txt`, `content ${i}\n`.repeat(100));
        await settle(c);
        const quiet = await syncUntilQuiet(await restart(c));
        expect(quiet.bytesTransferred).toBe(0);
        expect(quiet.changesApplied).toBe(0);
        await c.engine.close();
        await c.journal.write('alpha', 'f1.txt', 'changed while down');
        await c.journal.remove('beta', 'f2.txt');
        await c.journal.write('beta', 'f3.txt', 'changed in the container while down');
        await restart(c);
        const r = await settle(c);
        expect(r.bytesTransferred).toBe('changed while down'.length + 'changed in the container while down'.length);
        expect((await c.drivers.alpha.tree()).has('f2.txt')).toBe(false);
      });
    });

    describe('safety halts', () => {
      tagged('L2', 'alpha emptied: halt, beta untouched; reset copies beta back', async () => {
        const c = await setup();
        for (let i = 0; i < 5; i++) await c.journal.write('alpha', `f${i}.txt`, `${i}`);
        await settle(c);
        const betaBefore = await c.drivers.beta.tree();
        await c.drivers.alpha.emptyRoot();
        const halted = await c.engine.runCycle();
        expect(halted.halted).toMatchObject({ reason: 'root-emptied', side: 'alpha' });
        expect(halted.halted?.message).toMatch(/empty/);
        expect(c.engine.status().halted?.reason).toBe('root-emptied');
        expect(await c.drivers.beta.tree()).toEqual(betaBefore);
        expect((await c.engine.runCycle()).halted?.reason).toBe('root-emptied');
        c.engine.resume();
        expect((await c.engine.runCycle()).halted?.reason).toBe('root-emptied');
        await c.engine.reset();
        await settle(c);
        expect((await c.drivers.alpha.tree()).size).toBe(5);
      });

      tagged('T5', 'beta root deleted: halt, alpha untouched; reset re-creates and repopulates it', async () => {
        const c = await setup();
        for (let i = 0; i < 5; i++) await c.journal.write('alpha', `f${i}.txt`, `${i}`);
        await settle(c);
        await c.drivers.beta.removeRoot();
        const halted = await c.engine.runCycle();
        expect(halted.halted).toMatchObject({ reason: 'root-deleted', side: 'beta' });
        expect((await c.drivers.alpha.tree()).size).toBe(5);
        await c.engine.reset();
        await settle(c);
        expect((await c.drivers.beta.tree()).size).toBe(5);
      });

      tagged('M5', 'more entries than maxEntryCount: halt before anything is applied', async () => {
        const c = await setup({ limits: { maxEntryCount: 10 } });
        for (let i = 0; i < 20; i++) await c.drivers.alpha.writeFile(`f${i}.txt`, `${i}`);
        const r = await c.engine.runCycle();
        expect(r.halted).toMatchObject({ reason: 'max-entry-count', side: 'alpha' });
        expect(r.halted?.message).toMatch(/maxEntryCount/);
        expect((await c.drivers.beta.tree()).size).toBe(0);
      });

      for (const side of ['alpha', 'beta'] as const) {
        tagged('unsafe-name', `a name with a newline on ${side}: unsafe-path halt naming it (escaped), nothing written on either side`, async () => {
          const other = side === 'alpha' ? 'beta' : 'alpha';
          const c = await setup();
          await c.journal.write(side, 'kept.txt', 'kept');
          await settle(c);
          const otherBefore = await c.drivers[other].tree();
          await c.drivers[side].writeFile('odd/new\nline.txt', 'x');
          await c.drivers[side].writeFile('fresh.txt', 'fresh');
          const r = await c.engine.runCycle();
          expect(r.halted).toMatchObject({ reason: 'unsafe-path', side, code: 'InvalidCharacter', path: 'odd/new\nline.txt' });
          expect(r.halted?.message).toContain('"odd/new\\nline.txt"');
          expect(r.halted?.message).not.toContain('\n');
          expect(r.changesApplied).toBe(0);
          expect(await c.drivers[other].tree()).toEqual(otherBefore);
          c.engine.resume();
          expect((await c.engine.runCycle()).halted?.reason).toBe('unsafe-path');
          await c.drivers[side].remove('odd');
          c.engine.resume();
          await settle(c);
          expect((await c.drivers[other].readFile('fresh.txt'))?.toString()).toBe('fresh');
        });
      }

      tagged('size-limit', 'files above maxStagingSize are reported and skipped, the rest syncs', async () => {
        const c = await setup({ limits: { maxStagingSize: 1000 } });
        await c.drivers.alpha.writeFile('big.bin', Buffer.alloc(5000, 7));
        await c.journal.write('alpha', 'small.txt', 'small');
        const r = await syncUntilQuiet(c.engine);
        expect(r.last.problems).toEqual([expect.objectContaining({ path: 'big.bin', side: 'alpha', reason: 'too-large' })]);
        expect((await c.drivers.beta.tree()).has('big.bin')).toBe(false);
        expect((await c.drivers.beta.tree()).has('small.txt')).toBe(true);
      });

      tagged('threshold', 'a root with a single synced entry emptied propagates the deletion', async () => {
        const c = await setup();
        await c.journal.write('alpha', 'only.txt', 'x');
        await settle(c);
        await c.journal.remove('alpha', 'only.txt');
        await settle(c);
        expect((await c.drivers.beta.tree()).size).toBe(0);
      });
    });

    describe('randomised edits on both sides (seeded)', () => {
      tagged('fuzz', 'random edits, deletions, type changes and renames on both sides never lose data', async () => {
        const stats = { ops: 0, changes: 0, conflicts: 0, halts: 0 };
        for (const initialSeed of [0x5eed, 7, 42, 1234, 99_999]) {
        const c = await setup();
        let seed = initialSeed;
        const random = (n: number): number => {
          // mulberry32
          seed = (seed + 0x6d2b79f5) | 0;
          let x = Math.imul(seed ^ (seed >>> 15), 1 | seed);
          x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
          return ((x ^ (x >>> 14)) >>> 0) % n;
        };
        const paths = ['a.txt', 'b.txt', 'd/x.txt', 'd/y.txt', 'd/sub/z.txt', 'e', 'e/inner.txt'];
        const sides: SyncSide[] = ['alpha', 'beta'];
        const writeSafely = async (side: SyncSide, path: string, content: string): Promise<void> => {
          try {
            await c.journal.write(side, path, content);
          } catch {
            // Something of another type is in the way: the user removes it first.
            await c.journal.remove(side, path.split('/')[0] as string);
            await c.journal.write(side, path, content);
          }
        };
        for (let round = 0; round < 15; round++) {
          for (const side of sides) {
            for (let k = 1 + random(4); k > 0; k--) {
              stats.ops++;
              const path = paths[random(paths.length)] as string;
              const action = random(10);
              if (action < 6) await writeSafely(side, path, `${side} round ${round} #${k} ${random(1000)}`);
              else if (action < 8) await c.journal.remove(side, path.split('/').slice(0, 1 + random(2)).join('/'));
              else {
                const target = paths[random(paths.length)] as string;
                if (target !== path && !target.startsWith(`${path}/`) && !path.startsWith(`${target}/`)) {
                  await c.journal.rename(side, path, target).catch(() => undefined);
                }
              }
            }
          }
          const result = await syncUntilQuiet(c.engine);
          expect(result.last.halted === undefined || result.last.halted.reason === 'root-emptied').toBe(true);
          if (result.last.halted !== undefined) {
            stats.halts++;
            await c.engine.reset();
            continue;
          }
          await assertNoDataLoss(c.journal, c.drivers, result.last.conflicts);
          const t = await trees(c);
          const skip = result.last.conflicts.map((x) => x.path);
          expect(diffTrees(syncedView(t.alpha), syncedView(t.beta), (p) => skip.some((s) => p === s || p.startsWith(`${s}/`)))).toEqual([]);
          for (const conflict of result.last.conflicts) await c.journal.remove(sides[random(2)] as SyncSide, conflict.path);
          stats.changes += result.changesApplied;
          stats.conflicts += result.last.conflicts.length;
        }
        }
        console.log(`[sync matrix ${name}] fuzz: ${stats.ops} user operations, ${stats.changes} changes applied, ${stats.conflicts} conflicts, ${stats.halts} halts`);
        expect(stats.changes).toBeGreaterThan(50);
        expect(stats.conflicts).toBeGreaterThan(0);
      });
    });

    describe('watching', () => {
      tagged('watch', 'edits on either side propagate through watch hints', async () => {
        const c = await setup();
        const controller = new AbortController();
        const cycles: number[] = [];
        const watching = c.engine.watch(controller.signal, { onCycle: (r) => cycles.push(r.changesApplied) });
        try {
          const waitFor = async (side: SyncSide, path: string, content: string | undefined): Promise<number> => {
            const started = performance.now();
            for (;;) {
              const bytes = await c.drivers[side].readFile(path);
              if (content === undefined ? bytes === undefined : bytes?.toString() === content) return performance.now() - started;
              if (performance.now() - started > 10_000) throw new Error(`${side}:${path} did not become ${String(content)}`);
              await new Promise((r) => setTimeout(r, 5));
            }
          };
          await c.drivers.alpha.writeFile('w/host.txt', 'from host');
          await waitFor('beta', 'w/host.txt', 'from host');
          await c.drivers.beta.writeFile('w/container.txt', 'from container');
          await waitFor('alpha', 'w/container.txt', 'from container');
          await c.drivers.alpha.writeFile('w/host.txt', 'edited on host');
          await waitFor('beta', 'w/host.txt', 'edited on host');
          await c.drivers.beta.remove('w/host.txt');
          await waitFor('alpha', 'w/host.txt', undefined);
          expect(cycles.length).toBeGreaterThan(0);
        } finally {
          controller.abort();
          await watching;
        }
      });
    });
  });
}
