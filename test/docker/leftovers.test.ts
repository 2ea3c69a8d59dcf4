/**
 * Nothing the Workspace controller integration tests of this vitest run created outlives them: no
 * Docker object labelled `app.kubernetes.io/managed-by=boulder` in one of this run's namespaces,
 * and no temp repository (hence no worktree) of this run. Docker test files run one at a time, so
 * whatever of this run exists when this file runs was left by a file that already finished; run
 * last (see the report on ordering), it covers them all. Each file also checks its own namespace
 * in afterAll. Objects and repositories of earlier runs whose vitest process is gone (a crashed
 * run) are removed here, so they cannot pile up, and named in the output.
 */
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { docker } from './support.ts';
import {
  BUSYBOX,
  linkedWorktrees,
  managedObjects,
  removeObjects,
  requireEngine,
  RUN_NAMESPACE_PREFIX,
  RUN_REPO_PREFIX,
  RUN_TAG,
  runRepoDirs,
  worktreeDirs,
} from './workspace-harness.ts';

/** True when the run named by a tag (its vitest process id, base 36) is still going. */
function runAlive(tag: string): boolean {
  const pid = Number.parseInt(tag, 36);
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

beforeAll(async () => {
  await requireEngine([BUSYBOX]);
  // Earlier runs that crashed: remove what they left (not this run's: that is what we check).
  const stale = (await managedObjects('bwt-')).filter((o) => {
    const tag = o.namespace.split('-')[1] ?? '';
    return tag !== RUN_TAG && !runAlive(tag);
  });
  if (stale.length > 0) {
    console.info(`[leftovers] removing ${stale.length} object(s) of crashed earlier runs: ${stale.map((o) => `${o.type} ${o.name}`).join(', ')}`);
    await removeObjects(stale);
  }
  for (const entry of readdirSync(tmpdir())) {
    const match = /^boulder-wst-([0-9a-z]+)-/.exec(entry);
    if (match !== null && match[1] !== RUN_TAG && !runAlive(match[1]!)) rmSync(path.join(tmpdir(), entry), { recursive: true, force: true });
  }
});

describe('after the Workspace controller integration tests', () => {
  it(`leaves no boulder-managed Docker object in this run's namespaces (${RUN_NAMESPACE_PREFIX}*)`, async () => {
    expect(await managedObjects(RUN_NAMESPACE_PREFIX)).toEqual([]);
  });

  it("leaves no isolated network of the multi-user tests' users (nexus-isolated-bt-*, -btx-*)", async () => {
    const networks = (await docker.listNetworks({ filters: { label: ['nexus.dev/component=isolated-network'] } })) as { Name: string }[];
    expect(networks.map((n) => n.Name).filter((name) => /^nexus-isolated-btx?-/.test(name))).toEqual([]);
  });

  it(`leaves no temp repository or worktree of this run (${RUN_REPO_PREFIX}*)`, () => {
    const dirs = runRepoDirs();
    const worktrees = dirs.flatMap((dir) => {
      const repo = path.join(dir, 'repo');
      try {
        return [...linkedWorktrees(repo), ...worktreeDirs(repo)];
      } catch {
        return [];
      }
    });
    expect({ dirs, worktrees }).toEqual({ dirs: [], worktrees: [] });
  });
});
