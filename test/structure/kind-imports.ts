/**
 * Imports from one kind's controller folder into another's (issue 12, item 3). A kind is a folder
 * `controllers/<kind>/` that holds one resource kind's controller; what two kinds both need lives
 * in a shared folder (controllers/runtime/, controllers/providers/, controllers/sync/, apis/), never
 * in either kind's folder.
 */
import type { ImportEdge } from './import-graph.ts';

/** The controller folders of the resource kinds, under controllers/. */
export const KIND_FOLDERS = ['workspace', 'portbinding', 'syncsession'] as const;

/** The kind folder `file` lies in (`controllers/<kind>/…`, at any depth), or undefined. */
export function kindFolderOf(file: string, kinds: readonly string[] = KIND_FOLDERS): string | undefined {
  const match = /^controllers\/([^/]+)\//.exec(file.replaceAll('\\', '/'));
  return match !== null && kinds.includes(match[1] as string) ? match[1] : undefined;
}

/** Every edge of `graph` from a file of one kind folder to a file of another (tests and type-only imports included). */
export function crossKindImports(graph: readonly ImportEdge[], kinds: readonly string[] = KIND_FOLDERS): ImportEdge[] {
  return graph.filter((edge) => {
    const from = kindFolderOf(edge.from, kinds);
    const to = kindFolderOf(edge.to, kinds);
    return from !== undefined && to !== undefined && from !== to;
  });
}
