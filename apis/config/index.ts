/**
 * Layered configuration (node, user, project overrides, project, flags, NEXUS_* variables): the
 * API `boulder config`, `boulder up` and `boulder import devcontainer` build on. See README.md.
 */
export { loadEffectiveConfig, defaultWorkspaceName, builtinLayer, type LoadConfigOptions } from './load.ts';
export { mergeLayers, flattenValues } from './merge.ts';
export { EffectiveConfig, type ConfigContext, type ShownFile } from './effective.ts';
export { formatExplanation, formatChain, describeOriginWithKey, showValue, type Explanation } from './explain.ts';
export { describeOrigin, issueAtOrigin } from './origin.ts';
export { flagSettings, flagLayer, type FlagSetting } from './flag-layer.ts';
export { CONFIG_FLAG_MAPPINGS, SET_OPTION, type FlagMapping } from './flag-mappings.ts';
export { envLayer } from './env-layer.ts';
export { ENV_MAPPINGS, envMappingHelp, type EnvMapping } from './env-mappings.ts';
export { fileLayer, projectOverrideLayers, overrideMatches, FILE_KEY_MAPPINGS } from './file-layers.ts';
export { parseConfigText, readConfigFile, type ConfigFile } from './read-file.ts';
export { checkEffectiveConfig } from './validate.ts';
export { parseConfigDuration, formatConfigDuration, DURATION_PATTERN } from '../duration.ts';
export { parsePortRange, formatPortRange, portRangeProblems, ALLOWED_PORTS, RESERVED_PORTS, DEFAULT_PORT_RANGES, PORTS_PER_WORKSPACE, type PortSpan } from './port-plan.ts';
export { parseSecretSource, formatSecretSource, type ParsedSecretSource } from './secret-source.ts';
export { resolveSecretValue, renderWorkspaceSecrets, secretWarnings, type RenderSecretsOptions, type RenderedSecrets, type SecretRenderMode } from './secrets.ts';
export { SecretValue, REDACTED } from './secret-value.ts';
export { readKeychainSecret, keychainTool } from './keychain.ts';
export { parseDotenv, loadEnvFiles } from './dotenv.ts';
export { resolveWorkspaceEnv } from './workspace-env.ts';
export { checkWorkspaceLimits, enforceNodeLimits, loadNodeLimits, stampOwner, currentUser, LimitExceededError } from './limits.ts';
export { resolveDaemonSettings, daemonEnv, homeOfEnv, type ResolveDaemonOptions } from './daemon-config.ts';
export {
  daemonSettingsOf,
  daemonSettingsWithoutFiles,
  defaultStateDir,
  isDaemonLogLevel,
  DAEMON_LOG_LEVELS,
  DEFAULT_DAEMON_LOG_LEVEL,
  DEFAULT_MULTI_USER_STATE_DIR,
  DAEMON_SOCKET_FILE,
  type DaemonLogLevel,
  type DaemonSettings,
} from './daemon-settings.ts';
export { resolveCliSettings, type CliSettings, type ResolveCliOptions } from './cli-settings.ts';
export {
  storeSettingsOf,
  storeFromFlags,
  storeFlagAndEnvEntries,
  isStoreKind,
  STORE_KINDS,
  DEFAULT_STORE_KIND,
  STORE_KEYS,
  type StoreKind,
  type StoreFlags,
  type StoreSettings,
} from './store-settings.ts';
export { multiUserLayer } from './multi-user.ts';
export { findRepoRoot, locateNodeConfig, locateUserConfig, displayPath, NODE_CONFIG_CANDIDATES, PROJECT_CONFIG_RELATIVE } from './paths.ts';
export { configFileSchema, effectiveSchema, CONFIG_SCHEMA_FILES, type ConfigLevel } from './effective-schema.ts';
export type * from './types.ts';
export { LAYER_NAMES, REQUESTED_SECRET } from './types.ts';
