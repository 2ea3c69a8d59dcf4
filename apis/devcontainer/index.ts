/**
 * devcontainer.json import: what `boulder import devcontainer` prints or writes, and what
 * `boulder up` uses in a repository that has a devcontainer.json but no .nexus/config.yaml.
 */
export { importDevcontainer } from './import.ts';
export { parseJsonc } from './jsonc.ts';
export { readDevcontainer } from './read.ts';
export { findDevcontainer, devcontainerVariants, DEVCONTAINER_PATHS } from './locate.ts';
export { formatImportedConfig, formatUnmapped, schemaModeline, type FormatImportOptions } from './format.ts';
export type { DevcontainerImport, DevcontainerLocation, UnmappedItem } from './types.ts';
