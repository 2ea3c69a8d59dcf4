/**
 * The registry of boulder's kinds: names, plurals and short names used by the store, the CLI
 * (`boulder get ws`), the CRD generator and the Kubernetes client.
 */
import { NotFoundError } from './errors.ts';
import { GROUP, VERSION } from './meta.ts';

/** Names of the kinds boulder serves. */
export type KindName = 'Workspace' | 'PortBinding' | 'SyncSession';

/** Static facts about one kind. */
export interface KindInfo {
  kind: KindName;
  listKind: string;
  plural: string;
  singular: string;
  shortNames: string[];
  group: string;
  version: string;
  namespaced: true;
  /** Schema file under `schemas/` that defines the kind. */
  schemaFile: string;
}

function kindInfo(kind: KindName, plural: string, shortNames: string[], schemaFile: string): KindInfo {
  return {
    kind,
    listKind: `${kind}List`,
    plural,
    singular: kind.toLowerCase(),
    shortNames,
    group: GROUP,
    version: VERSION,
    namespaced: true,
    schemaFile,
  };
}

/** Every kind, in the order the CLI lists them. */
export const KINDS: readonly KindInfo[] = [
  kindInfo('Workspace', 'workspaces', ['ws'], 'workspace.schema.json'),
  kindInfo('PortBinding', 'portbindings', ['pb'], 'portbinding.schema.json'),
  kindInfo('SyncSession', 'syncsessions', ['ss'], 'syncsession.schema.json'),
];

/**
 * Resolves what a user typed (`ws`, `workspace`, `workspaces`, `Workspace`,
 * `workspaces.nexus.dev`) to a kind, or undefined when it names none.
 */
export function resolveKind(name: string): KindInfo | undefined {
  const lower = name.toLowerCase().replace(new RegExp(`\\.${GROUP.replace('.', '\\.')}$`), '');
  return KINDS.find(
    (k) => k.kind.toLowerCase() === lower || k.plural === lower || k.singular === lower || k.shortNames.includes(lower),
  );
}

/** Looks up a kind by its exact `kind` field value. */
export function kindByName(kind: string): KindInfo | undefined {
  return KINDS.find((k) => k.kind === kind);
}

/** `workspaces.nexus.dev`: how kubectl names a kind in API errors. */
export function pluralResource(kind: KindInfo): string {
  return `${kind.plural}.${kind.group}`;
}

/** kubectl's NotFound error for one object. */
export function notFoundError(kind: KindInfo, name: string, cause?: unknown): NotFoundError {
  return new NotFoundError(`${pluralResource(kind)} "${name}" not found`, { cause });
}
