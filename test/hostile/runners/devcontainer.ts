/**
 * Hostile-input runner of the `devcontainer` category: runs `boulder up --no-daemon` (or the case's
 * `args`, e.g. `import devcontainer`) in the world's repository (see ../cli-world.ts), whose
 * `.devcontainer/devcontainer.json` comes from the case. The hostile part is refused (an error, or
 * a `not mapped` reason) with the expected message and exit code, the world unchanged, no object stored.
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
