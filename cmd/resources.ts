/**
 * Resource arguments as kubectl takes them: `KIND`, `KIND NAME...` or `KIND/NAME...`, with kinds
 * written any way resolveKind accepts (ws, workspace, workspaces, workspaces.nexus.dev), and the
 * names objects are printed by (`workspace.nexus.dev/foo`, `workspaces.nexus.dev "foo"`).
 */
import { NotFoundError } from '../apis/errors.ts';
import { KINDS, resolveKind, type KindInfo } from '../apis/kinds.ts';
import { DEFAULT_NAMESPACE } from '../apis/meta.ts';
import { CONTEXT_NAMESPACE, stringOption } from './args.ts';
import { UsageError } from './cli-error.ts';
import type { CommandInput } from './command.ts';

/** One object a command acts on. */
export interface ResourceRef {
  kind: KindInfo;
  name: string;
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
      return { kind: resolveKindArg(arg.slice(0, slash), command), name };
    });
    return { kind: (refs[0] as ResourceRef).kind, refs };
  }
  const kind = resolveKindArg(first, command);
  return { kind, refs: rest.map((name) => ({ kind, name })) };
}

/** `workspace.nexus.dev`: how kubectl names a kind in `-o name` and apply/delete results. */
export function singularResource(kind: KindInfo): string {
  return `${kind.singular}.${kind.group}`;
}

/** `workspaces.nexus.dev`: how kubectl names a kind in API errors. */
export function pluralResource(kind: KindInfo): string {
  return `${kind.plural}.${kind.group}`;
}

/** kubectl's NotFound error for one object. */
export function notFoundError(kind: KindInfo, name: string, cause?: unknown): NotFoundError {
  return new NotFoundError(`${pluralResource(kind)} "${name}" not found`, { cause });
}

/** The namespace flag's value, else the kubeconfig context's (Kubernetes store), else `default`. */
export function namespaceOf(values: CommandInput['values']): string {
  return stringOption(values, 'namespace') ?? stringOption(values, CONTEXT_NAMESPACE) ?? DEFAULT_NAMESPACE;
}

/** The namespace objects without their own go to: `--namespace`, else the context's, else undefined. */
export function defaultNamespaceOf(values: CommandInput['values']): string | undefined {
  return stringOption(values, 'namespace') ?? stringOption(values, CONTEXT_NAMESPACE);
}
