/**
 * `boulder node status [-o json]`: a multi-user node's users, workspaces per user and usage
 * against the node's limits. For administrators: root reads the store itself, a member of the
 * admin group asks the daemon (`node.status`, scope admin); any other user is refused.
 */
import { choiceOption } from '../args.ts';
import { CliError, UsageError } from '../cli-error.ts';
import { defineCommand, type CliDeps } from '../command.ts';
import { ExitCode, type ExitCodeValue } from '../exit-codes.ts';
import type { NodeStatus } from '../../server/node/status.ts';

/** The status from the daemon API (a node user) or the store itself (root). */
async function readStatus(deps: CliDeps): Promise<NodeStatus> {
  if (deps.nodeApi !== undefined) {
    const { boulderErrorOf, connectNodeApi } = await import('../node/api-client.ts');
    const api = await connectNodeApi(deps.nodeApi);
    try {
      return (await api.callRaw('node.status', {})) as NodeStatus;
    } catch (err) {
      const mapped = boulderErrorOf(err);
      if ((err as { code?: unknown }).code === 'Forbidden') throw new CliError(`boulder node status is for the node's administrators (root, or members of the admin group); user ${deps.nodeApi.user} is not one`, ExitCode.Error);
      throw mapped;
    } finally {
      api.close();
    }
  }
  const [{ loadNodeMode }, { homeOfEnv }, { allowedUsers }, { nodeStatusOf }] = await Promise.all([
    import('../../apis/config/node-mode.ts'),
    import('../../apis/config/daemon-config.ts'),
    import('../../server/node/users.ts'),
    import('../../server/node/status.ts'),
  ]);
  const settings = await loadNodeMode(deps.env, deps.cwd, homeOfEnv(deps.env));
  const users = settings === undefined ? new Map() : await allowedUsers(settings.group, settings.adminGroup);
  const client = await deps.openClient();
  try {
    const { items } = await client.list('Workspace');
    return nodeStatusOf(items, users, settings?.limits, settings !== undefined);
  } finally {
    await client.close();
  }
}

const command = defineCommand({
  name: 'node',
  summary: 'A multi-user node: users, workspaces per user and usage against the limits (admins)',
  usage: ['node status [-o json]'],
  description: [
    'On a node whose configuration sets multi_user.enabled: true, one system daemon serves every',
    'member of multi_user.group. `node status` lists the users allowed now (and any user still owning',
    'workspaces), each one\'s workspaces against max_workspaces_per_user, and the node\'s total against',
    'max_workspaces_total. Only root and members of multi_user.admin_group may run it.',
  ].join('\n'),
  options: {
    output: { type: 'string', short: 'o', valueName: 'FORMAT', description: 'output format (json)', choices: ['json'] },
  },
  async run(deps, { values, positionals }): Promise<ExitCodeValue> {
    const [sub, ...extra] = positionals;
    if (sub !== 'status') throw new UsageError(sub === undefined ? 'name a subcommand: status' : `unknown node subcommand "${sub}" (use status)`, 'node');
    if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`, 'node');
    const json = choiceOption(values, 'output', ['json'] as const, 'node') === 'json';
    const status = await readStatus(deps);
    if (json) deps.stdout.write(`${JSON.stringify(status, null, 2)}\n`);
    else deps.stdout.write(`${(await import('../../server/node/status.ts')).nodeStatusLines(status).join('\n')}\n`);
    return ExitCode.Ok;
  },
});

export default command;
