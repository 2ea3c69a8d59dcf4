/**
 * Checkpoints of sprite workspaces, mapped to the Sprites API's checkpoint endpoints:
 * - `workspace checkpoint NAME [--comment TEXT]`: POST …/checkpoint; prints the new id (also
 *   recorded on the Sprite, so the workspace's status.sprite.lastCheckpoint shows it);
 * - `workspace checkpoints NAME`: GET …/checkpoints, oldest first (the `Current` entry left out);
 * - `workspace restore NAME ID [--yes]`: POST …/checkpoints/ID/restore. Destructive (the Sprite's
 *   files go back to the checkpoint, its processes restart): without `--yes` it asks on stderr and
 *   reads the answer from stdin; anything but `y`/`yes` changes nothing (exit 1).
 * Other backends have no checkpoints and say so.
 */
import { GROUP } from '../../../apis/meta.ts';

import { CliError, UsageError } from '../../cli-error.ts';
import { defineCommand, type CliDeps, type Command, type CommandInput } from '../../command.ts';
import { ExitCode, type ExitCodeValue } from '../../exit-codes.ts';
import { namespaceOf } from '../../resources.ts';
import type { SpriteProvider } from '../../../controllers/providers/sprite/sprite-provider.ts';
import type { RuntimeTarget } from '../../../controllers/providers/types.ts';

/** Opens the Sprite provider of workspace `name` (failing for other backends). */
async function spriteOf(deps: CliDeps, values: CommandInput['values'], name: string, verb: string): Promise<{ provider: SpriteProvider; target: RuntimeTarget }> {
  const { openWorkspaceRuntime, cliCluster, cliSprite } = await import('../../workspace/runtime.ts');
  const client = await deps.openClient();
  try {
    const runtime = await openWorkspaceRuntime(client, namespaceOf(values), name, verb, cliCluster(deps, values), cliSprite(deps));
    if (runtime.provider.backend !== 'sprite') {
      throw new CliError(`workspace ${name} runs on backend ${runtime.provider.backend}: checkpoints exist only for sprite workspaces`, ExitCode.Invalid);
    }
    return { provider: runtime.provider as SpriteProvider, target: runtime.target };
  } finally {
    await client.close();
  }
}

const progress = (deps: CliDeps) => (message: string): void => void deps.stderr.write(`${message.trimEnd()}\n`);

/** `workspace checkpoint NAME [--comment TEXT]`. */
export const checkpointCommand = defineCommand({
  name: 'checkpoint',
  summary: 'Take a checkpoint of a sprite workspace (its files, copy-on-write)',
  usage: ['workspace checkpoint NAME [--comment TEXT]'],
  options: { comment: { type: 'string', valueName: 'TEXT', description: 'A comment stored with the checkpoint' } },
  async run(deps, { values, positionals }): Promise<ExitCodeValue> {
    if (positionals.length !== 1) throw new UsageError('name one workspace to checkpoint', 'workspace checkpoint');
    const name = positionals[0]!;
    const { provider, target } = await spriteOf(deps, values, name, 'checkpoint');
    const id = await provider.checkpoint(target, values.comment, progress(deps));
    deps.stdout.write(`${id}\n`);
    return ExitCode.Ok;
  },
});

/** `workspace checkpoints NAME`. */
export const checkpointsCommand = defineCommand({
  name: 'checkpoints',
  summary: 'List the checkpoints of a sprite workspace',
  usage: ['workspace checkpoints NAME'],
  options: {},
  async run(deps, { values, positionals }): Promise<ExitCodeValue> {
    if (positionals.length !== 1) throw new UsageError('name one workspace', 'workspace checkpoints');
    const { provider, target } = await spriteOf(deps, values, positionals[0]!, 'checkpoints');
    const list = await provider.checkpoints(target);
    const rows = [['ID', 'CREATED', 'COMMENT'], ...list.map((c) => [c.id, c.create_time ?? '', (c.comment ?? '').replaceAll(/\s+/g, ' ')])];
    const widths = [0, 1].map((i) => Math.max(...rows.map((r) => r[i]!.length)));
    for (const r of rows) deps.stdout.write(`${r[0]!.padEnd(widths[0]!)}   ${r[1]!.padEnd(widths[1]!)}   ${r[2]}`.trimEnd() + '\n');
    return ExitCode.Ok;
  },
});

/** `workspace restore NAME ID [--yes]`. */
export const restoreCommand = defineCommand({
  name: 'restore',
  summary: 'Restore a sprite workspace to a checkpoint (destructive; asks unless --yes)',
  usage: ['workspace restore NAME ID [--yes]'],
  options: { yes: { type: 'boolean', short: 'y', description: 'Do not ask for confirmation' } },
  async run(deps, { values, positionals }): Promise<ExitCodeValue> {
    if (positionals.length !== 2) throw new UsageError('name the workspace and the checkpoint id', 'workspace restore');
    const [name, id] = positionals as [string, string];
    if (!/^[A-Za-z0-9._-]+$/.test(id)) throw new UsageError(`"${id}" is not a checkpoint id (e.g. v3)`, 'workspace restore');
    const { provider, target } = await spriteOf(deps, values, name, 'restore');
    if (values.yes !== true) {
      deps.stderr.write(`Restore workspace ${name} to checkpoint ${id}? Its files go back to ${id} and its processes restart; changes since are lost. Type yes to continue: `);
      const answer = (await deps.stdin()).trim().split('\n')[0]?.trim().toLowerCase();
      if (answer !== 'y' && answer !== 'yes') {
        deps.stderr.write('\nnot restored (no confirmation; pass --yes to skip the question)\n');
        return ExitCode.Error;
      }
    }
    await provider.restore(target, id, progress(deps));
    deps.stdout.write(`workspace.${GROUP}/${name} restored to ${id}\n`);
    return ExitCode.Ok;
  },
});

/** The checkpoint subcommands, in help order. */
export const CHECKPOINT_SUBCOMMANDS: readonly Command[] = [checkpointCommand, checkpointsCommand, restoreCommand];
