/**
 * The sync engine's public surface: the engine, the endpoint contract, the local-directory
 * endpoint, ancestor stores and ignore rules. See README.md in this directory.
 */
export type * from './endpoint.ts';
export { entriesEqual, isSameOrBelow, isSyncTempName, joinPath, parentPath, SYNC_TEMP_PREFIX } from './endpoint.ts';
export type * from './engine-api.ts';
export { createSyncEngine } from './engine.ts';
export { ancestorPath, createFileAncestorStore, createMemoryAncestorStore } from './ancestor-store.ts';
export { SyncPausedError } from './errors.ts';
export { createIgnoreMatcher, DEFAULT_IGNORES } from './ignore.ts';
export { createLocalEndpoint, type LocalEndpoint } from './local/local-endpoint.ts';
