/**
 * `boulder explain KIND[.field.path]`: documentation of a kind or one of its fields, from the
 * JSON Schemas (like kubectl explain).
 */
import { resolveKind, type KindInfo } from '../../apis/kinds.ts';

import { UsageError } from '../cli-error.ts';
import { defineCommand } from '../command.ts';
import { ExitCode } from '../exit-codes.ts';
import { resolveKindArg } from '../resources.ts';

/**
 * Splits `workspace.spec.ports` (or `workspaces.nexus.dev.spec`) into the kind and the field
 * path: the longest dotted prefix that names a kind wins.
 */
export function splitExplainTarget(text: string): { kind: KindInfo; fieldPath: string | undefined } {
  const parts = text.split('.');
  for (let i = parts.length; i > 0; i--) {
    const kind = resolveKind(parts.slice(0, i).join('.'));
    if (kind !== undefined) {
      const rest = parts.slice(i).join('.');
      return { kind, fieldPath: rest === '' ? undefined : rest };
    }
  }
  return { kind: resolveKindArg(parts[0] ?? text, 'explain'), fieldPath: undefined };
}

const command = defineCommand({
  name: 'explain',
  summary: 'Describe the fields of a kind, from its schema',
  usage: ['explain KIND[.FIELD.PATH] [--recursive]'],
  description: ['Examples:', '  boulder explain workspace', '  boulder explain ws.spec.ports', '  boulder explain syncsession.spec --recursive'].join('\n'),
  options: {
    recursive: { type: 'boolean', description: 'List every nested field' },
  },
  async run(deps, { values, positionals }) {
    if (positionals.length !== 1) throw new UsageError('give exactly one KIND[.field.path]', 'explain');
    const { kind, fieldPath } = splitExplainTarget(positionals[0] as string);
    const { explain } = await import('../../apis/schema/explain.ts');
    deps.stdout.write(explain(kind, fieldPath, { recursive: values.recursive === true }));
    return ExitCode.Ok;
  },
});

export default command;
