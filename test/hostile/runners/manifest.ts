/**
 * Hostile-input runner of the `manifest` category: runs `boulder apply -f manifest.yaml --no-daemon`
 * (or the case's `args`) in the case's world (see ../cli-world.ts). The manifest, from the case's
 * `world/` folder or `generate`, must be refused with the expected message and exit code, with
 * nothing written: the world unchanged and no object stored.
 */
import type { HostileCase } from '../corpus.ts';
import { expectRefused, makeWorld, runInWorld } from '../cli-world.ts';

/** Runs one case; see the module comment. */
export async function run(c: HostileCase): Promise<void> {
  const world = makeWorld(c);
  try {
    expectRefused(c, world, await runInWorld(c, world, ['apply', '-f', 'manifest.yaml', '--no-daemon'], '.'));
  } finally {
    world.dispose();
  }
}
