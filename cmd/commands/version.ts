/**
 * `boulder version`: prints the CLI version (`boulder v0.1.0`), or a JSON/YAML document with -o.
 */
import { choiceOption } from '../args.ts';
import { defineCommand } from '../command.ts';
import { ExitCode } from '../exit-codes.ts';
import { packageVersion } from '../../apis/package-root.ts';
import { UsageError } from '../cli-error.ts';

const command = defineCommand({
  name: 'version',
  summary: 'Print the version of boulder',
  usage: ['version [-o json|yaml]'],
  options: {
    output: { type: 'string', short: 'o', valueName: 'FORMAT', description: 'Output format: json or yaml', choices: ['json', 'yaml'] },
  },
  async run(deps, { values, positionals }) {
    if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`, 'version');
    const output = choiceOption(values, 'output', ['json', 'yaml'] as const, 'version');
    const version = packageVersion();
    const info = { version: `v${version}`, node: process.version, platform: `${process.platform}/${process.arch}` };
    if (output === 'json') deps.stdout.write(`${JSON.stringify(info, null, 2)}\n`);
    else if (output === 'yaml') deps.stdout.write(`version: v${version}\nnode: ${info.node}\nplatform: ${info.platform}\n`);
    else deps.stdout.write(`boulder v${version}\n`);
    return ExitCode.Ok;
  },
});

export default command;
