/**
 * Hostile-input runner of the `cli` category: runs the CLI with the case's hostile `args` (names
 * with `../` or line breaks, unknown output formats, hostile `--set` keys, `-f` of a symlink loop or
 * of /dev/zero, very long arguments…) in the case's world (see ../cli-world.ts). Refused with the
 * expected message and exit code, the world unchanged, no object stored.
 */
import type { HostileCase } from '../corpus.ts';
import { expectRefused, makeWorld, runInWorld } from '../cli-world.ts';

/** Runs one case; see the module comment. */
export async function run(c: HostileCase): Promise<void> {
  const world = makeWorld(c);
  try {
    expectRefused(c, world, await runInWorld(c, world, [], '.'));
  } finally {
    world.dispose();
  }
}
