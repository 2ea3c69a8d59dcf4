/** `fs.watch` of the daemon API's file methods: a worktree's change notifications, or a runtime's polling. */
import { ApiError, type ApiServices, type CallContext } from '../../rpc/method.ts';
import { watchLocalDirectory } from '../../../controllers/sync/local/watch.ts';
import { fileRootOf } from './file-root.ts';
import { MAX_LIST_DEPTH, MAX_LIST_ENTRIES } from './list-limits.ts';
import { checkPath, SafeRoot } from './safe-fs.ts';
import { pollRuntimeFiles } from './runtime-fs.ts';
import { readWorkspace, openWorkspaceFiles, type WorkspaceParams } from './workspace-files.ts';

/** `fs.watch` of a workspace whose files live in its runtime: a polling watch (`pollRuntimeFiles`). */
async function watchRuntimeFiles(services: ApiServices, params: WorkspaceParams, prefix: string, ctx: CallContext): Promise<{ stream: string }> {
  const opened = await openWorkspaceFiles(services, params);
  if (opened.kind !== 'runtime') {
    opened.root.close();
    throw new ApiError('Unavailable', 'the workspace changed while the watch started; try again');
  }
  const { files } = opened;
  if (prefix !== '' && (await files.stat(prefix)).type !== 'directory') throw new ApiError('InvalidParams', `${JSON.stringify(prefix)} is not a directory`);
  const stream = ctx.connection.streams.open(({ id, signal }) =>
    pollRuntimeFiles(files, prefix, { depth: MAX_LIST_DEPTH, entries: MAX_LIST_ENTRIES }, (event) => ctx.notify('fs.event', { stream: id, ...event }), signal),
  );
  return { stream: stream.id };
}

/**
 * `fs.watch`: a server stream of `fs.event` notifications for changes at or below `path`, until
 * `streams.cancel` (or the connection closes): first `{ kind: 'ready' }`, then
 * `{ kind: 'change', path, type }` (type `removed` when the path is gone, or no longer reachable
 * without following a link) or `{ kind: 'rescan' }` when changes may have been lost.
 */
export async function watchFiles(services: ApiServices, params: WorkspaceParams & { path?: string }, ctx: CallContext): Promise<{ stream: string }> {
  const prefix = params.path ?? '';
  checkPath(prefix, true);
  const workspace = await readWorkspace(services.client, params);
  const fileRoot = fileRootOf(workspace);
  if (fileRoot.kind === 'unavailable') throw new ApiError('Unavailable', fileRoot.reason);
  if (fileRoot.kind === 'runtime') return watchRuntimeFiles(services, params, prefix, ctx);
  const root = SafeRoot.open(fileRoot.path);
  if (prefix !== '') {
    try {
      if (root.stat(prefix).type !== 'directory') throw new ApiError('InvalidParams', `${JSON.stringify(prefix)} is not a directory`);
    } catch (err) {
      root.close();
      throw err;
    }
  }
  const stream = ctx.connection.streams.open(async ({ id, signal }) => {
    let ready = false;
    try {
      // Node's recursive watch lists directories without following links.
      for await (const hint of watchLocalDirectory(root.realRoot, signal)) {
        if (hint.path === undefined) {
          await ctx.notify('fs.event', { stream: id, kind: ready ? 'rescan' : 'ready' });
          ready = true;
          continue;
        }
        if (prefix !== '' && hint.path !== prefix && !hint.path.startsWith(`${prefix}/`)) continue;
        let type: string;
        try {
          type = root.stat(hint.path).type;
        } catch (err) {
          if (!(err instanceof ApiError)) throw err;
          type = 'removed';
        }
        await ctx.notify('fs.event', { stream: id, kind: 'change', path: hint.path, type });
      }
    } finally {
      root.close();
    }
  });
  return { stream: stream.id };
}
