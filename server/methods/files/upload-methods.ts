/**
 * The upload sessions of the file methods: `fs.writeBegin`, `fs.writeChunk` (in order, each at most
 * CHUNK_BYTES), `fs.writeCommit` (atomic rename, `ifMatch` checked again under the file's lock)
 * and `fs.writeAbort`. A session belongs to the connection that began it.
 */
import { ApiError, type ApiServices, type MethodDefinition } from '../../rpc/method.ts';
import { actorOf, readForTrace, recorderFor, tracedContent, type TraceActor } from '../../trace/recorder.ts';
import { checkIfMatch, withFileLock } from './file-lock.ts';
import { noteTransferred } from './transfer-memory.ts';
import { CHUNK_BYTES, type TempFile } from './safe-fs.ts';
import type { RuntimeUpload } from './runtime-fs.ts';
import type { Upload, UploadRegistry } from './uploads.ts';
import { openWorkspaceFiles, type WorkspaceParams } from './workspace-files.ts';

interface PathParams extends WorkspaceParams {
  path: string;
}

interface WriteOptions {
  /** sha256 (hex) the current content must have; `''`: the file must not exist. */
  ifMatch?: string;
  createParents?: boolean;
}

/** The Agent Trace actor of an upload begun with a contributor token. */
const traceActors = new WeakMap<Upload, TraceActor>();

/** Runs `act` after the upload's previous call (chunks of one upload never interleave). */
function serially<T>(upload: Upload, act: () => Promise<T>): Promise<T> {
  const run = upload.busy.catch(() => undefined).then(act);
  upload.busy = run.catch(() => undefined);
  return run;
}

/** `fs.writeBegin`: opens an upload session (a temp file beside the target), checking `ifMatch` first. */
function writeBegin(services: ApiServices, uploads: UploadRegistry): MethodDefinition {
  return {
    name: 'fs.writeBegin',
    scope: 'fs:write',
    workspaceParam: 'workspace',
    async handler(params: PathParams & WriteOptions, ctx) {
      const opened = await openWorkspaceFiles(services, params);
      if (opened.kind === 'runtime') {
        const { files } = opened;
        const current = params.ifMatch === undefined ? undefined : await files.hashOf(params.path);
        if (params.ifMatch !== undefined && (current ?? '') !== params.ifMatch.toLowerCase()) {
          throw new ApiError('PreconditionFailed', `${JSON.stringify(params.path)} ${current === undefined ? 'does not exist' : 'changed'}: its content does not match ifMatch`, { path: params.path, ...(current === undefined ? {} : { sha256: current }) });
        }
        const temp = files.begin(params.path, params.createParents === true);
        try {
          return { upload: uploads.add(ctx.connection, undefined, temp, params.ifMatch, files.lockKey).id, chunkBytes: CHUNK_BYTES };
        } catch (err) {
          await temp.abort();
          throw err;
        }
      }
      const root = opened.root;
      try {
        await checkIfMatch(root, params.path, params.ifMatch);
        const temp = root.createTemp(params.path, params.createParents === true);
        const upload = uploads.add(ctx.connection, root, temp, params.ifMatch, root.realRoot);
        const actor = actorOf(ctx.principal, params);
        if (actor !== undefined) traceActors.set(upload, actor);
        return { upload: upload.id, chunkBytes: CHUNK_BYTES };
      } catch (err) {
        root.close();
        throw err;
      }
    },
  };
}

/** The upload-session methods over `uploads`. */
export function uploadMethods(services: ApiServices, uploads: UploadRegistry): MethodDefinition[] {
  return [
    writeBegin(services, uploads),
    {
      name: 'fs.writeChunk',
      scope: 'fs:write',
      handler(params: { upload: string; offset?: number; data: string }, ctx) {
        const upload = uploads.get(ctx.connection, params.upload);
        return serially(upload, async () => {
          if (params.offset !== undefined && params.offset !== upload.temp.size) {
            throw new ApiError('Conflict', `chunk at offset ${params.offset}, but ${upload.temp.size} bytes are written: chunks go in order`);
          }
          // Decoded into the upload's own buffer: no new 1 MiB Buffer per chunk for the GC to find.
          const length = Buffer.byteLength(params.data, 'base64');
          if (length > CHUNK_BYTES) throw new ApiError('TooLarge', `a chunk holds at most ${CHUNK_BYTES} bytes (got ${length})`);
          upload.scratch ??= Buffer.allocUnsafe(CHUNK_BYTES);
          const written = upload.scratch.write(params.data, 'base64');
          await upload.temp.append(upload.scratch.subarray(0, written));
          noteTransferred(written);
          return { size: upload.temp.size };
        });
      },
    },
    {
      name: 'fs.writeCommit',
      scope: 'fs:write',
      handler(params: { upload: string; sha256?: string }, ctx) {
        const upload = uploads.get(ctx.connection, params.upload);
        return serially(upload, () =>
          withFileLock(`${upload.lockKey}\0${upload.temp.path}`, async () => {
            try {
              const size = upload.temp.size;
              let sha256: string;
              if (upload.root === undefined) {
                sha256 = await (upload.temp as RuntimeUpload).commit(upload.ifMatch);
              } else {
                await checkIfMatch(upload.root, upload.temp.path, upload.ifMatch);
                const actor = traceActors.get(upload);
                const before = actor === undefined ? undefined : readForTrace(upload.root, upload.temp.path);
                sha256 = (upload.temp as TempFile).commit();
                if (actor !== undefined) recorderFor(services).write(upload.root, actor, upload.temp.path, tracedContent(before), tracedContent(readForTrace(upload.root, upload.temp.path)));
              }
              if (params.sha256 !== undefined && params.sha256.toLowerCase() !== sha256) {
                // Committed already: report the mismatch; the content is what arrived.
                throw new ApiError('Conflict', `the content written has sha256 ${sha256}, not ${params.sha256}`, { sha256 });
              }
              return { size, sha256 };
            } finally {
              uploads.finish(upload, true);
            }
          }),
        );
      },
    },
    {
      name: 'fs.writeAbort',
      scope: 'fs:write',
      handler(params: { upload: string }, ctx) {
        const upload = uploads.get(ctx.connection, params.upload);
        return serially(upload, () => {
          uploads.finish(upload, true);
          return Promise.resolve({});
        });
      },
    },
  ];
}
