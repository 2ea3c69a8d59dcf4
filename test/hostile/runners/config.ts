/**
 * Hostile-input runner of the `config` category: runs `boulder up --no-daemon` (or the case's
 * `args`) in the world's repository (see ../cli-world.ts), whose project configuration
 * (`repo/.nexus/config.yaml`), user configuration (`home/.nexus/config.yaml`) and node
 * configuration (`node.yaml`) come from the case. Refused with the expected message and exit code,
 * the world unchanged, no object stored.
 */
import type { HostileCase } from '../corpus.ts';
import { expectRefused, makeWorld, runInWorld } from '../cli-world.ts';

/** Runs one case; see the module comment. */
export async function run(c: HostileCase): Promise<void> {
  const world = makeWorld(c);
  try {
    expectRefused(c, world, await runInWorld(c, world, ['up', '--no-daemon'], 'repo'));
  } finally {
    world.dispose();
  }
}
