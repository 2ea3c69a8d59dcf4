/**
 * Resource arguments as kubectl takes them: `KIND`, `KIND NAME...` or `KIND/NAME...`, with kinds
 * written any way resolveKind accepts (ws, workspace, workspaces, workspaces.nexus.dev), and the
 * names objects are printed by (`workspace.nexus.dev/foo`, `workspaces.nexus.dev "foo"`).
 */
import { BoulderError } from '../apis/errors.ts';
import { KINDS, resolveKind, type KindInfo } from '../apis/kinds.ts';
import { DEFAULT_NAMESPACE } from '../apis/meta.ts';
import { CONTEXT_NAMESPACE } from './args.ts';
import { UsageError } from './cli-error.ts';
import type { CommandInput } from './command.ts';

/** One object a command acts on. */
export interface ResourceRef {
  kind: KindInfo;
  name: string;
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** Longest argument echoed whole in a message. */
const SHOWN_ARG_MAX = 80;

/** An argument as messages show it: JSON-quoted (a line break shows as \n), long ones cut with their length. */
export function shownArg(text: string): string {
  if (text.length <= SHOWN_ARG_MAX) return JSON.stringify(text);
  return `${JSON.stringify(text.slice(0, SHOWN_ARG_MAX)).slice(0, -1)}…" (${text.length} characters)`;
}

/**
 * Returns `name` when it can name an object or a namespace (a DNS-1123 label, as every stored name
 * is), else throws a BoulderError (BadRequest, exit 3): a name from the command line never reaches
 * a store, a path or a message as `../x`, a line break or 100 000 characters.
 */
export function assertObjectName(name: string, what = 'name'): string {
  if (name.length <= 63 && DNS_LABEL.test(name)) return name;
  throw new BoulderError(
    'BadRequest',
    `${shownArg(name)} is not a valid ${what}: must be a DNS-1123 label (lowercase letters, digits and '-', starting and ending with a letter or digit, at most 63 characters)`,
  );
}

/** Resolves a kind argument, failing with a usage error that lists the known kinds. */
export function resolveKindArg(text: string, command: string): KindInfo {
  const kind = resolveKind(text);
  if (kind === undefined) {
    const known = KINDS.map((k) => `${k.plural} (${k.shortNames.join(', ')})`).join(', ');
    throw new UsageError(`the server doesn't have a resource type "${text}"; known types: ${known}`, command);
  }
  return kind;
}

/**
 * Parses `KIND [NAME...]` or `KIND/NAME...`. Returns the kind (of the first argument) and the
 * named objects; `refs` is empty for a bare `KIND`.
 */
export function parseResourceArgs(positionals: readonly string[], command: string): { kind: KindInfo; refs: ResourceRef[] } {
  const [first, ...rest] = positionals;
  if (first === undefined) throw new UsageError('you must specify the type of resource', command);
  if (first.includes('/')) {
    const refs = positionals.map((arg) => {
      const slash = arg.indexOf('/');
      if (slash < 0) throw new UsageError(`there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (got "${arg}")`, command);
      const name = arg.slice(slash + 1);
      if (name === '') throw new UsageError(`missing name in "${arg}"`, command);
      const kind = resolveKindArg(arg.slice(0, slash), command);
      return { kind, name: assertObjectName(name, `${kind.singular} name`) };
    });
    return { kind: (refs[0] as ResourceRef).kind, refs };
  }
  const kind = resolveKindArg(first, command);
  return { kind, refs: rest.map((name) => ({ kind, name: assertObjectName(name, `${kind.singular} name`) })) };
}

/** `workspace.nexus.dev`: how kubectl names a kind in `-o name` and apply/delete results. */
export function singularResource(kind: KindInfo): string {
  return `${kind.singular}.${kind.group}`;
}

/** The namespace flag's value, else the kubeconfig context's (Kubernetes store), else `default`. */
export function namespaceOf(values: CommandInput['values']): string {
  return defaultNamespaceOf(values) ?? DEFAULT_NAMESPACE;
}

/** The namespace objects without their own go to: `--namespace`, else the context's, else undefined. */
export function defaultNamespaceOf(values: CommandInput['values']): string | undefined {
  const namespace = values.namespace ?? values[CONTEXT_NAMESPACE];
  return namespace === undefined ? undefined : assertObjectName(namespace, 'namespace');
}
