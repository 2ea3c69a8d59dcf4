/**
 * Hostile corpus, category `sync-listing`: a fake endpoint (controllers/sync/matrix/
 * scripted-endpoint.ts) reports a hostile listing — the way a workspace image with its own `find`
 * or `stat` could — against a real local directory, through the real sync engine. case.yaml:
 *
 * - `listing`: `entries` (`path`, `kind` file|directory|symlink, `content`, `target`), optional
 *   `problems` (`path`, `reason`, `message`) and `ignored` (paths); `deep: {segment, depth}` adds
 *   the directories `segment`, `segment/segment`, … down to `depth` levels.
 * - `side`: which side is the fake one (`beta`, the container side, by default).
 * - `host`: entries created in the real (local) root before the cycle.
 * - `swapBeforeApply: {path, target}`: right before the engine applies to the local side, the
 *   local directory `path` is replaced by a symlink to `target` (the race a container cannot win).
 *
 * Expected: a halt (`unsafe-path`, `halted.code` = `expect.code`, message containing
 * `expect.error`) with nothing written on either side; or, with `swapBeforeApply`, the write
 * refused (a problem whose message contains `expect.error`; `expect.code` is `SymlinkParent`).
 * Either way a snapshot of the whole temporary world (the local root, its parent, a neighbour
 * "outside" directory) proves that nothing outside the sync root changed.
 */
import { mkdir, mkdtemp, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { expect } from 'vitest';
import { createMemoryAncestorStore } from '../../../controllers/sync/ancestor-store.ts';
import type { Endpoint, ScanProblem } from '../../../controllers/sync/endpoint.ts';
import { createSyncEngine } from '../../../controllers/sync/engine.ts';
import { createLocalEndpoint } from '../../../controllers/sync/local/local-endpoint.ts';
import { createScriptedEndpoint, type ScriptedEntry } from '../../sync/scripted-endpoint.ts';
import type { HostileCase } from '../corpus.ts';
import { diffSnapshots, snapshotTree } from '../tree-snapshot.ts';

interface ListingSpec {
  entries?: ScriptedEntry[];
  problems?: ScanProblem[];
  ignored?: string[];
  deep?: { segment: string; depth: number };
}

function entriesOf(listing: ListingSpec): ScriptedEntry[] {
  const entries = [...(listing.entries ?? [])];
  if (listing.deep !== undefined) {
    let path = '';
    for (let i = 0; i < listing.deep.depth; i++) {
      path = path === '' ? listing.deep.segment : `${path}/${listing.deep.segment}`;
      entries.push({ path, kind: 'directory' });
    }
  }
  return entries;
}

async function createHostEntries(root: string, entries: readonly ScriptedEntry[]): Promise<void> {
  for (const e of entries) {
    const at = join(root, e.path);
    await mkdir(dirname(at), { recursive: true });
    if (e.kind === 'directory') await mkdir(at, { recursive: true });
    else if (e.kind === 'symlink') await symlink(e.target ?? '', at);
    else await writeFile(at, e.content ?? '');
  }
}

/** Runs one `sync-listing` case (see the module comment). */
export async function run(c: HostileCase): Promise<void> {
  const listing = c.spec['listing'] as ListingSpec | undefined;
  if (listing === undefined) throw new Error(`${c.dir}/case.yaml: listing is required`);
  const side = (c.spec['side'] as 'alpha' | 'beta' | undefined) ?? 'beta';
  const swap = c.spec['swapBeforeApply'] as { path: string; target: string } | undefined;
  const world = await mkdtemp(join(tmpdir(), 'boulder-hostile-listing-'));
  const root = join(world, 'root');
  try {
    await mkdir(root);
    await mkdir(join(world, 'outside'));
    await writeFile(join(world, 'outside', 'precious.txt'), 'precious');
    await writeFile(join(world, 'neighbour.txt'), 'neighbour');
    await createHostEntries(root, (c.spec['host'] as ScriptedEntry[] | undefined) ?? []);

    const fake = createScriptedEndpoint(c.name, { entries: entriesOf(listing), problems: listing.problems ?? [], ignored: listing.ignored ?? [] });
    const local = createLocalEndpoint(root);
    const real: Endpoint =
      swap === undefined
        ? local
        : {
            ...local,
            async apply(ops, contents) {
              await rename(join(root, swap.path), join(root, `${swap.path}.moved`));
              await symlink(swap.target, join(root, swap.path));
              return local.apply(ops, contents);
            },
          };
    const before = snapshotTree(world);
    const engine = createSyncEngine({
      alpha: side === 'alpha' ? fake : real,
      beta: side === 'alpha' ? real : fake,
      ancestorStore: createMemoryAncestorStore(),
    });
    try {
      const result = await engine.runCycle();
      const realSide = side === 'alpha' ? 'beta' : 'alpha';
      if (swap === undefined) {
        expect(result.halted).toMatchObject({ reason: 'unsafe-path', side });
        if (c.expect.code !== undefined) expect(result.halted?.code).toBe(c.expect.code);
        if (c.expect.error !== undefined) expect(result.halted?.message).toContain(c.expect.error);
        expect(result.halted?.message).not.toMatch(/[\0\n\r]/);
        expect(result.changesApplied).toBe(0);
        expect(engine.status().halted?.reason).toBe('unsafe-path');
        // Nothing written on either side: the whole world, the local root included, is unchanged.
        expect(diffSnapshots(before, snapshotTree(world))).toEqual([]);
      } else {
        expect(result.halted).toBeUndefined();
        expect(c.expect.code).toBe('SymlinkParent');
        const refused = result.problems.filter((p) => p.side === realSide && p.message.includes('is a symlink (never followed)'));
        expect(refused.length).toBeGreaterThan(0);
        if (c.expect.error !== undefined) expect(refused.map((p) => p.message).join('\n')).toContain(c.expect.error);
        // The runner itself changed the root (the swap); nothing outside it changed.
        const outsideRoot = (diffs: string[]): string[] => diffs.filter((d) => !/^(added|removed|changed) root\//.test(d));
        expect(outsideRoot(diffSnapshots(before, snapshotTree(world)))).toEqual([]);
      }
      expect(fake.applied).toEqual([]);
    } finally {
      await engine.close();
    }
  } finally {
    await rm(world, { recursive: true, force: true });
  }
}
