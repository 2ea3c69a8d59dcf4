/**
 * `boulder api schema`: prints the daemon API's OpenRPC document (schemas/api/openrpc.json), from
 * which the SDKs' types are generated.
 */
import { UsageError } from '../cli-error.ts';
import { defineCommand } from '../command.ts';
import { ExitCode } from '../exit-codes.ts';

const command = defineCommand({
  name: 'api',
  summary: 'Describe the daemon API (api schema: its OpenRPC document)',
  usage: ['api schema'],
  description: ['Prints the OpenRPC document of the daemon API (JSON-RPC 2.0 over WebSocket on <state dir>/api.sock).', '', 'Examples:', '  boulder api schema | jq ".methods[].name"'].join('\n'),
  options: {},
  async run(deps, { positionals }) {
    if (positionals[0] !== 'schema' || positionals.length > 1) throw new UsageError(positionals[0] === undefined ? 'name a subcommand: schema' : `unknown api subcommand "${positionals[0]}" (use schema)`, 'api');
    const { readFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { packageRoot } = await import('../../apis/package-root.ts');
    deps.stdout.write(readFileSync(join(packageRoot(), 'schemas/api/openrpc.json'), 'utf8'));
    return ExitCode.Ok;
  },
});

export default command;
