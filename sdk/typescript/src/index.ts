/**
 * The boulder daemon API SDK: `connect({ socket | url, token })`, then typed calls, watches as
 * async iterators, and workspace handles.
 */
export { connect, Client, type ConnectOptions, type CallOptions, type ReconnectOptions, type WatchEvent, type WatchOptions, type StreamHandler, type ServerInfo } from './client.ts';
export { ApiError, JSON_RPC_CODES, type ApiErrorCode } from './errors.ts';
export { WorkspaceHandle } from './workspace.ts';
export { WorkspaceFs, CHUNK_BYTES, type FileEntry, type FileContent, type WriteOptions, type WriteResult, type FsEvent } from './fs.ts';
export type { ExecOptions, ExecResult, ExecHandle } from './exec.ts';
export type { LogsOptions, LogChunk } from './logs.ts';
export type * from './generated/api.ts';
